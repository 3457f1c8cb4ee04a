//! Editing the bibliography and the gazetteer in the browser, as entries
//! are edited: `/edit/files/PATH` for `bibliography/*` (BibLaTeX, CSL-JSON,
//! hayagriva YAML) and `places.yaml` or `places/*.yaml`, with the check as
//! one types (`POST /edit/check/PATH`), saves that are revisions, stale
//! saves refused with the text kept, and the file's history and diffs
//! (`/edit/history/PATH`, `/edit/diff/PATH`).
//!
//! These files serve every entry and may hold restricted works and places,
//! so they are for editors and admins; anyone else, and any path that is
//! not such a file of the project, gets the site's 404.

use std::collections::HashMap;
use std::path::PathBuf;

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::auth::{self, error_page, page, see_other, ClientAddr};
use super::edit::{self, EditForm, Save, TextForm};
use super::history::{self, Subject};
use super::pages;
use super::state::AppState;
use crate::render::format::esc;
use crate::source::FileKind;
use crate::store::accounts::{Role, SessionUser};

/// The routes for the bibliography and the gazetteer.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/edit/files/{*path}", get(form).post(submit))
        .route("/edit/check/{*path}", post(check_live))
        .route("/edit/history/{*path}", get(history))
        .route("/edit/diff/{*path}", get(compare))
}

/// Whether `path` (project-relative) is a bibliography or gazetteer file by
/// the loader's rules, which also keep it inside the project.
pub fn editable_kind(path: &str) -> bool {
    matches!(
        crate::source::load::classify(path),
        Some(FileKind::BibLatex | FileKind::CslJson | FileKind::HayagrivaYaml | FileKind::Places)
    )
}

fn subject(path: &str) -> Subject {
    Subject {
        path: path.to_string(),
        label: path.to_string(),
        edit: format!("/edit/files/{path}"),
        history: format!("/edit/history/{path}"),
        diff: format!("/edit/diff/{path}"),
    }
}

/// The editor and the project folder when the request may edit `path`;
/// the site's 404 otherwise.
async fn gate(state: &AppState, headers: &HeaderMap, path: &str) -> Result<(SessionUser, PathBuf), Response> {
    let hidden = || pages::not_found(state, headers);
    let user = auth::viewer(state, headers).await.ok_or_else(hidden)?;
    let dir = state.project_dir().ok_or_else(hidden)?.to_path_buf();
    if user.role < Role::Editor || !editable_kind(path) || !dir.join(path).is_file() {
        return Err(hidden());
    }
    Ok((user, dir))
}

/// The bibliography and gazetteer files of the folder, for the list of
/// what an editor works on.
pub fn listed(dir: &std::path::Path) -> Vec<String> {
    let mut out: Vec<String> = ["places.yaml", "places.yml"].into_iter().map(str::to_string).collect();
    for sub in ["bibliography", "places"] {
        if let Ok(rd) = std::fs::read_dir(dir.join(sub)) {
            out.extend(rd.flatten().map(|e| format!("{sub}/{}", e.file_name().to_string_lossy())));
        }
    }
    out.retain(|p| editable_kind(p) && dir.join(p).is_file());
    out.sort();
    out
}

fn editor(state: &AppState, status: StatusCode, path: &str, text: &str, base: &str, notice: &str) -> Response {
    let s = subject(path);
    let body = format!(
        "<p>Editing <code>{p}</code> · <a href=\"{h}\">history</a> · <a href=\"/edit/\">your entries</a></p>\n{notice}\
         <div id=\"live-diagnostics\" aria-live=\"polite\"></div>\n\
         <form class=\"edit\" method=\"post\" action=\"{e}\" data-check=\"/edit/check/{p}\">\n\
         <input type=\"hidden\" name=\"base\" value=\"{b}\">\n\
         <p><label for=\"text\">Source</label><br>\n\
         <textarea id=\"text\" name=\"text\" rows=\"36\" cols=\"100\" spellcheck=\"false\">\n{t}</textarea></p>\n\
         <p><label for=\"message\">What changed, and why</label><br>\n\
         <input id=\"message\" name=\"message\" size=\"80\" maxlength=\"500\"></p>\n\
         <p><button name=\"action\" value=\"check\">Check</button> \
         <button name=\"action\" value=\"save\">Save</button></p>\n</form>\n\
         <script src=\"/_attest/edit.js\" defer></script>\n",
        p = esc(path),
        h = esc(&s.history),
        e = esc(&s.edit),
        b = esc(base),
        t = esc(text),
    );
    page(state, status, &format!("Edit {path}"), &body)
}

#[derive(Debug, Deserialize)]
struct Shown {
    saved: Option<i64>,
    from: Option<i64>,
}

async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(path): Path<String>,
    Query(q): Query<Shown>,
) -> Response {
    let (_, dir) = match gate(&state, &headers, &path).await {
        Ok(x) => x,
        Err(answer) => return answer,
    };
    let text = match edit::read(&dir, &path) {
        Ok(t) => t,
        Err(m) => return error_page(&state, StatusCode::CONFLICT, "Edit", &m),
    };
    let base = edit::hash(&text);
    match edit::restoring(&state, &path, text, q.from).await {
        Ok((shown, restore)) => {
            let notice = edit::saved_notice(q.saved) + &restore;
            editor(&state, StatusCode::OK, &path, &shown, &base, &notice)
        }
        Err(answer) => answer,
    }
}

async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(address): ClientAddr,
    Path(path): Path<String>,
    form: Result<Form<EditForm>, FormRejection>,
) -> Response {
    let (user, dir) = match gate(&state, &headers, &path).await {
        Ok(x) => x,
        Err(answer) => return answer,
    };
    let Form(f) = match form {
        Ok(f) => f,
        Err(e) => {
            return error_page(
                &state,
                e.status(),
                "Edit",
                &format!("Not saved: the form could not be read: {}", e.body_text()),
            )
        }
    };
    let text = f.text.replace("\r\n", "\n");
    let current = match edit::read(&dir, &path) {
        Ok(t) => t,
        Err(m) => return error_page(&state, StatusCode::CONFLICT, "Edit", &m),
    };
    let current_hash = edit::hash(&current);
    if f.base != current_hash {
        let notice = edit::stale_notice(&current, &text, &subject(&path).history);
        return editor(&state, StatusCode::CONFLICT, &path, &text, &current_hash, &notice);
    }
    let problems = match edit::check_off(&state, &dir, &path, &text).await {
        Ok(p) => p,
        Err(m) => return error_page(&state, StatusCode::CONFLICT, "Edit", &m),
    };
    let errors = problems.iter().filter(|p| p.severity == "error").count();
    let listed = edit::diagnostics_html(&problems);
    if f.action != "save" {
        return editor(&state, StatusCode::OK, &path, &text, &f.base, &listed);
    }
    if errors > 0 {
        let notice = format!(
            "<p class=\"error\" role=\"alert\">Not saved: {errors} error(s) in this file. Fix them and save again.</p>\n{listed}"
        );
        return editor(&state, StatusCode::UNPROCESSABLE_ENTITY, &path, &text, &f.base, &notice);
    }
    if text == current {
        let notice = format!("<p role=\"status\">Nothing to save: the text is the same as the file.</p>\n{listed}");
        return editor(&state, StatusCode::OK, &path, &text, &f.base, &notice);
    }
    let Some(accounts) = state.auth() else { return pages::not_found(&state, &headers) };
    let save = Save { user: &user, address, dir: &dir, path: &path, message: &f.message };
    let to = match save.write(&accounts, &text, "file.save", &path).await {
        Ok(Some(r)) => format!("/edit/files/{path}?saved={r}"),
        Ok(None) => format!("/edit/files/{path}"),
        Err(notice) => return editor(&state, StatusCode::INTERNAL_SERVER_ERROR, &path, &text, &f.base, &notice),
    };
    see_other(&to)
}

async fn check_live(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(path): Path<String>,
    form: Result<Form<TextForm>, FormRejection>,
) -> Response {
    let (_, dir) = match gate(&state, &headers, &path).await {
        Ok(x) => x,
        Err(answer) => return answer,
    };
    match form {
        Ok(Form(f)) => edit::check_answer(&state, &dir, &path, &f.text.replace("\r\n", "\n")).await,
        Err(e) => edit::json_unread(&state, e),
    }
}

async fn history(State(state): State<AppState>, headers: HeaderMap, Path(path): Path<String>) -> Response {
    if let Err(answer) = gate(&state, &headers, &path).await {
        return answer;
    }
    match history::revisions_of(&state, &headers, &path).await {
        Ok(revs) => history::history_page(&state, &subject(&path), &revs),
        Err(answer) => answer,
    }
}

async fn compare(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(path): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Err(answer) = gate(&state, &headers, &path).await {
        return answer;
    }
    match history::revisions_of(&state, &headers, &path).await {
        Ok(revs) => history::compare_page(&state, &headers, &subject(&path), &revs, &q).await,
        Err(answer) => answer,
    }
}
