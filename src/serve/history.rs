//! An entry's history in the browser: every stored revision of its file
//! (who, when, why, content hash) at `/edit/entries/SLUG/history`, and any
//! two compared at `/edit/entries/SLUG/diff?from=ID&to=ID`, field by field
//! for the front matter and word by word for the prose ([`crate::diff`]).
//!
//! Revisions hold the whole file, restricted passages included, so both
//! pages are for accounts that may edit (author and above) and are cleared
//! for the entry ([`super::auth::clearance`]); anyone else gets the site's
//! 404, as for an entry that does not exist. Works without scripts.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::auth::{error_page, page};
use super::pages;
use super::state::AppState;
use crate::diff::{self, Piece};
use crate::render::format::esc;
use crate::store::accounts::format_time;
use crate::store::Revision;

/// The history routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/edit/entries/{slug}/history", get(history)).route("/edit/entries/{slug}/diff", get(compare))
}

/// What a history is of: an entry's file, or another source file (the
/// bibliography, the gazetteer), with the addresses of its pages.
pub(super) struct Subject {
    /// Project-relative path.
    pub path: String,
    /// What titles call it: the slug or the path.
    pub label: String,
    /// Its editing form.
    pub edit: String,
    /// Its history page.
    pub history: String,
    /// Its comparison page.
    pub diff: String,
}

impl Subject {
    fn entry(slug: &str, path: String) -> Subject {
        Subject {
            path,
            label: slug.to_string(),
            edit: format!("/edit/entries/{slug}"),
            history: format!("/edit/entries/{slug}/history"),
            diff: format!("/edit/entries/{slug}/diff"),
        }
    }
}

/// The entry's file and its revisions (newest first), when the request's
/// account may read them; `Err` is the answer to give instead.
async fn revisions_for(
    state: &AppState,
    headers: &HeaderMap,
    slug: &str,
) -> Result<(Subject, Vec<Revision>), Response> {
    let (_, path) = super::edit::editor_of(state, headers, slug).await?;
    let revs = revisions_of(state, headers, &path).await?;
    Ok((Subject::entry(slug, path), revs))
}

/// The revisions of `path`, newest first.
pub(super) async fn revisions_of(state: &AppState, headers: &HeaderMap, path: &str) -> Result<Vec<Revision>, Response> {
    let store = &state.auth().ok_or_else(|| pages::not_found(state, headers))?.store;
    match store.revisions(path).await {
        Ok(revs) => Ok(revs),
        Err(e) => {
            tracing::error!(error = %e, path, "cannot read the revisions");
            Err(page(state, StatusCode::SERVICE_UNAVAILABLE, "History", "<p>The history cannot be read now.</p>\n"))
        }
    }
}

fn describe(r: &Revision) -> String {
    let ms = r.time.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    let hash = r.hash.as_deref().map_or_else(|| "deleted".to_string(), |h| h.chars().take(12).collect());
    format!("#{} · {} · {} · {} · <code>{}</code>", r.id, format_time(ms), esc(&r.author), esc(&r.message), esc(&hash))
}

async fn history(State(state): State<AppState>, headers: HeaderMap, Path(slug): Path<String>) -> Response {
    match revisions_for(&state, &headers, &slug).await {
        Ok((subject, revs)) => history_page(&state, &subject, &revs),
        Err(answer) => answer,
    }
}

/// The history page of `subject`.
pub(super) fn history_page(state: &AppState, subject: &Subject, revs: &[Revision]) -> Response {
    let mut body = format!(
        "<p>Every stored version of <code>{}</code>, newest first. Choose two to compare.</p>\n\
         <form method=\"get\" action=\"{}\">\n<table class=\"history\">\n\
         <thead><tr><th>From</th><th>To</th><th>Revision</th><th></th></tr></thead>\n<tbody>\n",
        esc(&subject.path),
        esc(&subject.diff)
    );
    for (n, r) in revs.iter().enumerate() {
        let checked = |want: usize| if n == want { " checked" } else { "" };
        body.push_str(&format!(
            "<tr><td><input type=\"radio\" name=\"from\" value=\"{id}\" aria-label=\"from #{id}\"{}></td>\
             <td><input type=\"radio\" name=\"to\" value=\"{id}\" aria-label=\"to #{id}\"{}></td><td>{}</td><td>{}</td></tr>\n",
            checked(1),
            checked(0),
            describe(r),
            if n > 0 && !r.is_deleted() {
                format!("<a href=\"{}?from={}\">restore…</a>", esc(&subject.edit), r.id)
            } else {
                String::new()
            },
            id = r.id,
        ));
    }
    body.push_str("</tbody>\n</table>\n<p><button type=\"submit\">Compare</button></p>\n</form>\n");
    page(state, StatusCode::OK, &format!("History of {}", subject.label), &body)
}

async fn compare(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    match revisions_for(&state, &headers, &slug).await {
        Ok((subject, revs)) => compare_page(&state, &headers, &subject, &revs, &q).await,
        Err(answer) => answer,
    }
}

/// The comparison of two of `revs` (named in `q`) of `subject`.
pub(super) async fn compare_page(
    state: &AppState,
    headers: &HeaderMap,
    subject: &Subject,
    revs: &[Revision],
    q: &HashMap<String, String>,
) -> Response {
    // Only this entry's revisions may be named: an id of another file's
    // is as unknown as one that does not exist.
    let pick = |key: &str, default: Option<&Revision>| -> Result<Option<Revision>, String> {
        match q.get(key).filter(|v| !v.is_empty()) {
            None => Ok(default.cloned()),
            Some(v) => {
                let id: i64 = v.parse().map_err(|_| format!("`{key}` must be a revision number, not `{v}`"))?;
                revs.iter()
                    .find(|r| r.id == id)
                    .cloned()
                    .map(Some)
                    .ok_or_else(|| format!("no revision #{id} of this file"))
            }
        }
    };
    let (from, to) = match (pick("from", revs.get(1)), pick("to", revs.first())) {
        (Ok(Some(a)), Ok(Some(b))) => (a, b),
        (Err(m), _) | (_, Err(m)) => {
            return error_page(state, StatusCode::BAD_REQUEST, "Compare", &m);
        }
        _ => {
            return page(
                state,
                StatusCode::OK,
                "Compare",
                "<p>There is only one revision: nothing to compare yet.</p>\n",
            );
        }
    };
    let store = match state.auth() {
        Some(a) => a.store.clone(),
        None => return pages::not_found(state, headers),
    };
    let text = |r: &Revision| {
        let store = store.clone();
        let id = r.id;
        async move { store.revision_content(id).await.map(|c| String::from_utf8_lossy(&c.unwrap_or_default()).into_owned()) }
    };
    let (a, b) = match (text(&from).await, text(&to).await) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "cannot read a revision");
            return page(
                state,
                StatusCode::SERVICE_UNAVAILABLE,
                "Compare",
                "<p>The revisions cannot be read now.</p>\n",
            );
        }
    };
    let d = diff::diff(&a, &b);
    let mut body = format!(
        "<p>From {}<br>to {}</p>\n<p><a href=\"{}\">All revisions</a></p>\n",
        describe(&from),
        describe(&to),
        esc(&subject.history)
    );
    if d.is_empty() {
        body.push_str("<p>No difference.</p>\n");
    }
    if !d.fields.is_empty() {
        body.push_str(
            "<h2>Fields</h2>\n<table class=\"diff-fields\">\n<thead><tr><th>Field</th><th>Before</th><th>After</th></tr></thead>\n<tbody>\n",
        );
        let cell = |v: &Option<String>| match v {
            Some(v) => format!("<code>{}</code>", esc(v)),
            None => "<em>none</em>".into(),
        };
        for f in &d.fields {
            body.push_str(&format!(
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>\n",
                esc(&f.path),
                cell(&f.before),
                cell(&f.after)
            ));
        }
        body.push_str("</tbody>\n</table>\n");
    }
    if d.prose.iter().any(|p| !matches!(p, Piece::Same(_))) {
        body.push_str("<h2>Text</h2>\n<pre class=\"diff-prose\">");
        for p in &d.prose {
            match p {
                Piece::Same(s) => body.push_str(&esc(s)),
                Piece::Removed(s) => body.push_str(&format!("<del>{}</del>", esc(s))),
                Piece::Added(s) => body.push_str(&format!("<ins>{}</ins>", esc(s))),
            }
        }
        body.push_str("</pre>\n");
    }
    page(state, StatusCode::OK, &format!("Changes to {}", subject.label), &body)
}
