//! Editions in the server: cutting one (`POST /edit/editions`, editors and
//! admins, and `attest edition cut` through [`cut`]) and serving those cut
//! (`/editions/NAME/...`, from the project folder, cached for good since
//! they never change). What an edition is: [`crate::edition`].

use std::path::Path;

use axum::extract::rejection::FormRejection;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::auth::{self, error_page, page, ClientAddr};
use super::pages;
use super::state::{self, AppState};
use crate::edition::{self, EditionError};
use crate::model::Edition;
use crate::render::format::esc;
use crate::store::accounts::{AuditEvent, Role};
use crate::store::Store;

/// The edition routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/edit/editions", post(cut_form)).route("/editions/{*path}", get(serve))
}

/// Why a cut failed, with the status a browser is answered.
#[derive(Debug)]
pub struct CutError {
    /// `400` bad name, `409` name taken, `422` errors or nothing published.
    pub status: StatusCode,
    /// What to say.
    pub message: String,
}

impl From<EditionError> for CutError {
    fn from(e: EditionError) -> CutError {
        let status = match e {
            EditionError::BadName(_) => StatusCode::BAD_REQUEST,
            EditionError::Exists(_) => StatusCode::CONFLICT,
            EditionError::Empty => StatusCode::UNPROCESSABLE_ENTITY,
            EditionError::Render(_) | EditionError::Io { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        };
        CutError { status, message: e.to_string() }
    }
}

/// Cuts edition `name` of the project in `dir` on the day of `now_ms`:
/// the published entries as the public sees them (for an entry being
/// revised, its last published version, from `store`), refused while the
/// project has errors. Audited as `edition.cut` by `actor` from `address`.
pub async fn cut(
    dir: &Path,
    store: Option<&Store>,
    name: &str,
    actor: &str,
    address: &str,
    now_ms: i64,
) -> Result<Edition, CutError> {
    edition::check_name(name)?;
    let publications = match store {
        Some(s) => state::publications_from(
            s.publications()
                .await
                .map_err(|e| CutError { status: StatusCode::SERVICE_UNAVAILABLE, message: e.to_string() })?,
        ),
        None => Default::default(),
    };
    let (dir_owned, name_owned) = (dir.to_path_buf(), name.to_string());
    let date = super::review::today(now_ms);
    let made = tokio::task::spawn_blocking(move || -> Result<Edition, CutError> {
        let failed = |m: String| CutError { status: StatusCode::INTERNAL_SERVER_ERROR, message: m };
        let theme = crate::build::load_theme(&dir_owned).map_err(|e| failed(e.to_string()))?;
        let loaded = crate::source::load::load_dir(&dir_owned).map_err(|e| failed(e.to_string()))?;
        let mut parse = crate::parse::cache::ParseCache::default();
        let analysis = crate::analyze_cached(loaded, &mut parse, &|| {});
        let (errors, _) = analysis.counts();
        if errors > 0 {
            return Err(CutError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: format!("the project has {errors} error(s): `attest check` lists them; fix them first"),
            });
        }
        let public = state::public_analysis(&analysis, &publications, &mut parse);
        let view = crate::access::view(public.as_ref().unwrap_or(&analysis), crate::access::Audience::Public);
        let (files, manifest) = edition::render(&view, &theme, &name_owned, &date)?;
        edition::write(&dir_owned, &files, &manifest)?;
        Ok(manifest)
    })
    .await
    .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))?;
    if let Some(store) = store {
        let audit = AuditEvent {
            actor: actor.to_string(),
            action: "edition.cut".into(),
            target: Some(made.name.clone()),
            address: Some(address.to_string()),
            detail: Some(format!("{} entries, {} files, sha256 {}", made.entries.len(), made.files, made.sha256)),
        };
        if let Err(e) = store.audit(now_ms, &audit).await {
            tracing::error!(error = %e, "cannot audit an edition");
        }
    }
    Ok(made)
}

#[derive(Debug, Deserialize)]
struct CutForm {
    name: String,
}

async fn cut_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(address): ClientAddr,
    form: Result<Form<CutForm>, FormRejection>,
) -> Response {
    let user = match auth::viewer(&state, &headers).await {
        Some(u) if u.role >= Role::Editor => u,
        _ => return pages::not_found(&state, &headers),
    };
    let (Some(dir), Some(accounts)) = (state.project_dir().map(Path::to_path_buf), state.auth()) else {
        return pages::not_found(&state, &headers);
    };
    let name = match form {
        Ok(Form(f)) => f.name.trim().to_string(),
        Err(e) => return error_page(&state, e.status(), "Edition", &e.body_text()),
    };
    match cut(&dir, Some(&accounts.store), &name, &user.name, &address, accounts.clock.now_ms()).await {
        Ok(made) => auth::see_other(&format!("/editions/{}/", made.name)),
        Err(e) => page(
            &state,
            e.status,
            "Edition not cut",
            &format!("<p class=\"error\" role=\"alert\">{}</p>\n<p><a href=\"/edit/\">Back</a></p>\n", esc(&e.message)),
        ),
    }
}

/// `GET /editions/PATH`: a file of an edition, from the project folder.
async fn serve(State(state): State<AppState>, headers: HeaderMap, UrlPath(path): UrlPath<String>) -> Response {
    let missing = || pages::not_found(&state, &headers);
    let Some(dir) = state.project_dir() else { return missing() };
    // Only plain names: no `..`, no hidden files, no absolute paths.
    let ok = !path.is_empty()
        && path.split('/').all(|seg| seg.is_empty() || (!seg.starts_with('.') && !seg.contains('\\')))
        && !path.starts_with('/');
    if !ok {
        return missing();
    }
    let mut rel = path.clone();
    if rel.ends_with('/') {
        rel.push_str("index.html");
    }
    let file = dir.join(edition::DIR).join(&rel);
    if file.is_dir() {
        // As the site's own pages do: a folder is asked for with its slash.
        return (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, format!("/editions/{path}/"))]).into_response();
    }
    let Ok(bytes) = std::fs::read(&file) else { return missing() };
    let modified = std::fs::metadata(&file).and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH);
    let asset = super::asset::Asset::new(&rel, bytes, modified);
    pages::respond(&asset, &headers, "public, max-age=31536000, immutable", StatusCode::OK)
}
