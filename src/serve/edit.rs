//! Editing an entry in the browser: `/edit/entries/SLUG` shows its source
//! (YAML front matter and Markdown) in a plain form that works without
//! scripts; *Check* runs the real checker on the text as typed and lists
//! its diagnostics for this file with line, column and hint; *Save* writes
//! the file into the project folder and stores it as a revision with the
//! account's name and message.
//!
//! - **No lost work.** The form names the content hash it started from. A
//!   save whose file changed since (another editor, or someone on disk) is
//!   refused with `409`: the text as typed comes back in the form, with
//!   what changed meanwhile, and the next save may then replace it.
//! - **No broken site.** A save with errors in this file is refused with
//!   `422`, the diagnostics shown and the text kept.
//! - **All or nothing.** The file is written to a temporary file beside
//!   it and renamed over it, so a reader, the watcher or a crash never
//!   sees half a file.
//! - **Who.** Accounts that may edit (author and above) and are cleared
//!   for the entry: today editors and admins. Everyone else gets the site's
//!   404, as for an entry that does not exist.

use std::path::{Path as FsPath, PathBuf};

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

use super::auth::{self, page, ClientAddr};
use super::pages;
use super::state::{AppState, Problem};
use crate::render::format::esc;
use crate::store::accounts::{AuditEvent, Role, SessionUser};

/// Largest edit form accepted: a file of the loader's largest size, once
/// percent-encoded (three bytes for one at worst), and the other fields.
pub const BODY_LIMIT: usize = 3 * crate::source::load::MAX_FILE_SIZE as usize + 64 * 1024;

/// The editing routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/edit/entries/{slug}", get(form).post(submit))
}

/// What the form sends.
#[derive(Debug, Deserialize)]
pub struct EditForm {
    /// The whole file as edited.
    text: String,
    /// Hex SHA-256 of the file the editing started from.
    base: String,
    /// Why (stored with the revision).
    #[serde(default)]
    message: String,
    /// `check` or `save`.
    #[serde(default)]
    action: String,
}

/// The content hash the form carries, as revisions store it.
fn hash(text: &str) -> String {
    crate::store::hash_hex(text.as_bytes())
}

/// The signed-in account and the entry's file (project-relative path)
/// when the request may edit entry `slug`, or read its revisions: an
/// editing role and a clearance for the entry. The site's 404 otherwise.
pub(super) async fn editor_of(
    state: &AppState,
    headers: &HeaderMap,
    slug: &str,
) -> Result<(SessionUser, String), Response> {
    let hidden = || pages::not_found(state, headers);
    let user = auth::viewer(state, headers).await.ok_or_else(hidden)?;
    if user.role < Role::Author || !auth::clearance(&user).covers(slug) {
        return Err(hidden());
    }
    let path = state.snapshot().entry_paths.get(slug).cloned().ok_or_else(hidden)?;
    Ok((user, path))
}

/// As [`editor_of`], with the project folder saves write to (none: the 404).
async fn editable(
    state: &AppState,
    headers: &HeaderMap,
    slug: &str,
) -> Result<(SessionUser, PathBuf, String), Response> {
    let (user, path) = editor_of(state, headers, slug).await?;
    let dir = state.project_dir().ok_or_else(|| pages::not_found(state, headers))?.to_path_buf();
    Ok((user, dir, path))
}

fn read(dir: &FsPath, path: &str) -> Result<String, String> {
    let bytes = std::fs::read(dir.join(path)).map_err(|e| format!("cannot read {path}: {e}"))?;
    String::from_utf8(bytes).map_err(|_| format!("{path} is not UTF-8 text: edit it on disk"))
}

/// What the page around the form says.
#[derive(Default)]
struct Notice {
    /// A sentence above the form (already HTML).
    html: String,
    /// Diagnostics of the checked text.
    problems: Option<Vec<Problem>>,
}

fn editor(state: &AppState, status: StatusCode, slug: &str, path: &str, text: &str, base: &str, n: Notice) -> Response {
    let slug_html = esc(slug);
    let mut body = format!(
        "<p>Editing <code>{}</code> · <a href=\"/entries/{slug_html}/\">the page</a> · \
         <a href=\"/edit/entries/{slug_html}/history\">history</a></p>\n{}",
        esc(path),
        n.html
    );
    if let Some(problems) = &n.problems {
        if problems.is_empty() {
            body.push_str(
                "<p class=\"check-ok\" role=\"status\">The check finds nothing to report in this file.</p>\n",
            );
        } else {
            body.push_str("<ul class=\"diagnostics\" role=\"alert\">\n");
            for p in problems {
                let at = match (p.line, p.column) {
                    (Some(l), Some(c)) => format!("line {l}, column {c}: "),
                    _ => String::new(),
                };
                let hint = p.hint.as_deref().map(|h| format!("<br><small>{}</small>", esc(h))).unwrap_or_default();
                body.push_str(&format!(
                    "<li class=\"{}\">{}: {at}{} <code>{}</code>{hint}</li>\n",
                    p.severity,
                    p.severity,
                    esc(&p.message),
                    esc(&p.code)
                ));
            }
            body.push_str("</ul>\n");
        }
    }
    // The newline after <textarea> is dropped by HTML parsers, so a file
    // that starts with one keeps it.
    body.push_str(&format!(
        "<form class=\"edit\" method=\"post\" action=\"/edit/entries/{slug_html}\">\n\
         <input type=\"hidden\" name=\"base\" value=\"{}\">\n\
         <p><label for=\"text\">Source (YAML front matter, then Markdown)</label><br>\n\
         <textarea id=\"text\" name=\"text\" rows=\"36\" cols=\"100\" spellcheck=\"true\">\n{}</textarea></p>\n\
         <p><label for=\"message\">What changed, and why</label><br>\n\
         <input id=\"message\" name=\"message\" size=\"80\" maxlength=\"500\"></p>\n\
         <p><button name=\"action\" value=\"check\">Check</button> \
         <button name=\"action\" value=\"save\">Save</button></p>\n</form>\n",
        esc(base),
        esc(text)
    ));
    page(state, status, &format!("Edit {slug}"), &body)
}

#[derive(Debug, Deserialize)]
struct Shown {
    /// The revision just saved, to say so.
    saved: Option<i64>,
    /// An older revision to start from instead of the file: saving it
    /// restores it as the newest revision.
    from: Option<i64>,
}

async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<Shown>,
) -> Response {
    let (_, dir, path) = match editable(&state, &headers, &slug).await {
        Ok(x) => x,
        Err(answer) => return answer,
    };
    let text = match read(&dir, &path) {
        Ok(t) => t,
        Err(m) => return page(&state, StatusCode::CONFLICT, "Edit", &format!("<p class=\"error\">{}</p>\n", esc(&m))),
    };
    // The base is always the file as it is now: restoring an old text is
    // a save like any other, refused if the file changes meanwhile.
    let base = hash(&text);
    let mut html = match q.saved {
        Some(id) => format!("<p class=\"saved\" role=\"status\">Saved as revision #{id}.</p>\n"),
        None => String::new(),
    };
    let mut shown = text;
    if let Some(id) = q.from {
        match old_revision(&state, &path, id).await {
            Some(old) => {
                html.push_str(&format!(
                    "<p class=\"restoring\" role=\"status\">This is the text of revision #{id}. \
                     Saving it makes it the newest revision; nothing is lost.</p>\n"
                ));
                shown = old;
            }
            None => {
                let m = format!("no revision #{id} of this entry");
                return page(&state, StatusCode::BAD_REQUEST, "Edit", &format!("<p class=\"error\">{}</p>\n", esc(&m)));
            }
        }
    }
    editor(&state, StatusCode::OK, &slug, &path, &shown, &base, Notice { html, problems: None })
}

/// The text of revision `id` when it is one of `path`'s (and not a deletion).
async fn old_revision(state: &AppState, path: &str, id: i64) -> Option<String> {
    let store = state.auth()?.store;
    let revs = store.revisions(path).await.ok()?;
    if !revs.iter().any(|r| r.id == id && !r.is_deleted()) {
        return None;
    }
    let bytes = store.revision_content(id).await.ok()??;
    String::from_utf8(bytes).ok()
}

/// The diagnostics of file `path` when it reads `text` and the rest of the
/// project is as on disk. Parse results of unchanged files come from the
/// server's cache.
fn check(state: &AppState, dir: &FsPath, path: &str, text: &str) -> Result<Vec<Problem>, String> {
    let loaded = crate::source::load::load_dir(dir).map_err(|e| e.to_string())?;
    let mut files: Vec<(String, Vec<u8>)> = loaded
        .sources
        .iter()
        .filter(|(_, f)| f.path != path)
        .map(|(_, f)| (f.path.clone(), f.text.as_bytes().to_vec()))
        .collect();
    files.push((path.to_string(), text.as_bytes().to_vec()));
    let loaded = crate::source::load::load_files(files.iter().map(|(p, b)| (p.as_str(), b.as_slice())))
        .map_err(|e| e.to_string())?;
    let analysis = crate::analyze_cached(loaded, &mut state.caches().parse, &|| {});
    Ok(analysis
        .diagnostics
        .iter()
        .map(|d| Problem::new(&analysis.sources, d))
        .filter(|p| p.file.as_deref() == Some(path))
        .collect())
}

/// Writes `text` to `dir/path` through a temporary file and a rename.
fn write_whole(dir: &FsPath, path: &str, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let target = dir.join(path);
    let parent = target.parent().unwrap_or(dir);
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = parent.join(format!(".{name}.{}.attest-save", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, &target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(address): ClientAddr,
    Path(slug): Path<String>,
    form: Result<Form<EditForm>, FormRejection>,
) -> Response {
    let (user, dir, path) = match editable(&state, &headers, &slug).await {
        Ok(x) => x,
        Err(answer) => return answer,
    };
    let Form(f) = match form {
        Ok(f) => f,
        Err(e) => {
            // Too large (413), not a form (415), malformed (400): the rejection knows.
            let m = format!("Not saved: the form could not be read: {}", e.body_text());
            return page(&state, e.status(), "Edit", &format!("<p class=\"error\">{}</p>\n", esc(&m)));
        }
    };
    // Browsers send a textarea's line ends as CRLF.
    let text = f.text.replace("\r\n", "\n");
    let current = match read(&dir, &path) {
        Ok(t) => t,
        Err(m) => return page(&state, StatusCode::CONFLICT, "Edit", &format!("<p class=\"error\">{}</p>\n", esc(&m))),
    };
    let current_hash = hash(&current);
    if f.base != current_hash {
        let changes = crate::diff::diff(&current, &text);
        let fields: String =
            changes.fields.iter().map(|c| format!("<li><code>{}</code></li>\n", esc(&c.path))).collect();
        let html = format!(
            "<p class=\"error\" role=\"alert\">Not saved: the file changed since you opened it. Your text is below; \
             compare it with <a href=\"/edit/entries/{s}/history\">the latest revision</a>, then save again to \
             replace that version with yours.</p>\n{}",
            if fields.is_empty() {
                String::new()
            } else {
                format!("<p>Fields where your text and the file now differ:</p>\n<ul>\n{fields}</ul>\n")
            },
            s = esc(&slug)
        );
        return editor(
            &state,
            StatusCode::CONFLICT,
            &slug,
            &path,
            &text,
            &current_hash,
            Notice { html, problems: None },
        );
    }
    let checked = {
        let (state, dir, path, text) = (state.clone(), dir.clone(), path.clone(), text.clone());
        tokio::task::spawn_blocking(move || check(&state, &dir, &path, &text)).await
    };
    let problems = match checked {
        Ok(Ok(p)) => p,
        Ok(Err(m)) => {
            return page(&state, StatusCode::CONFLICT, "Edit", &format!("<p class=\"error\">{}</p>\n", esc(&m)))
        }
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    };
    let errors = problems.iter().filter(|p| p.severity == "error").count();
    if f.action != "save" {
        return editor(
            &state,
            StatusCode::OK,
            &slug,
            &path,
            &text,
            &f.base,
            Notice { html: String::new(), problems: Some(problems) },
        );
    }
    if errors > 0 {
        let html = format!("<p class=\"error\" role=\"alert\">Not saved: {errors} error(s) in this file. Fix them and save again.</p>\n");
        return editor(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            &slug,
            &path,
            &text,
            &f.base,
            Notice { html, problems: Some(problems) },
        );
    }
    if text == current {
        let html = "<p role=\"status\">Nothing to save: the text is the same as the file.</p>\n".to_string();
        return editor(&state, StatusCode::OK, &slug, &path, &text, &f.base, Notice { html, problems: Some(problems) });
    }
    let Some(accounts) = state.auth() else { return pages::not_found(&state, &headers) };
    let store = &accounts.store;
    if let Err(e) = write_whole(&dir, &path, &text) {
        tracing::error!(error = %e, path, "cannot save");
        let html = format!(
            "<p class=\"error\" role=\"alert\">Not saved: cannot write {}: {}</p>\n",
            esc(&path),
            esc(&e.to_string())
        );
        return editor(
            &state,
            StatusCode::INTERNAL_SERVER_ERROR,
            &slug,
            &path,
            &text,
            &f.base,
            Notice { html, problems: None },
        );
    }
    let message =
        if f.message.trim().is_empty() { "edited in the browser".to_string() } else { f.message.trim().to_string() };
    let recorded =
        store.record_sources(&[(path.clone(), text.clone().into_bytes())], false, &user.name, &message).await;
    let revision = match recorded {
        Ok(_) => store.revisions(&path).await.ok().and_then(|r| r.first().map(|r| r.id)),
        Err(e) => {
            // The file is saved; the watcher stores it as a revision when it reads it.
            tracing::error!(error = %e, path, "saved, but the revision could not be stored now");
            None
        }
    };
    let audit = AuditEvent {
        actor: user.name.clone(),
        action: "entry.save".into(),
        target: Some(slug.clone()),
        address: Some(address),
        detail: Some(format!(
            "{path}{}: {message}",
            revision.map(|r| format!(" as revision #{r}")).unwrap_or_default()
        )),
    };
    if let Err(e) = store.audit(accounts.clock.now_ms(), &audit).await {
        tracing::error!(error = %e, "cannot audit a save");
    }
    let to = match revision {
        Some(r) => format!("/edit/entries/{slug}?saved={r}"),
        None => format!("/edit/entries/{slug}"),
    };
    (StatusCode::SEE_OTHER, [(header::LOCATION, to), (header::CACHE_CONTROL, "no-store".to_string())]).into_response()
}
