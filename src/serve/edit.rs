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
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::auth::{self, error_page, page, see_other, ClientAddr};
use super::pages;
use super::state::{AppState, Problem};
use crate::model::Status;
use crate::render::format::esc;
use crate::store::accounts::{AuditEvent, Role, SessionUser};
use crate::workflow::{self, Action, Actor};

/// Largest edit form accepted: a file of the loader's largest size, once
/// percent-encoded (three bytes for one at worst), and the other fields.
pub const BODY_LIMIT: usize = 3 * crate::source::load::MAX_FILE_SIZE as usize + 64 * 1024;

/// The editing routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/edit/entries/{slug}", get(form).post(submit))
        .route("/edit/entries/{slug}/check", post(check_live))
        .route("/_attest/edit.js", get(script))
        // Beside the entry's page, so the page's relative links work; a
        // GET there is any other path's.
        .route("/entries/{slug}/preview", post(preview).fallback(pages::serve_file))
}

/// What the form sends.
#[derive(Debug, Deserialize)]
pub struct EditForm {
    /// The whole file as edited.
    pub(super) text: String,
    /// Hex SHA-256 of the file the editing started from.
    pub(super) base: String,
    /// Why (stored with the revision).
    #[serde(default)]
    pub(super) message: String,
    /// `check` or `save`.
    #[serde(default)]
    pub(super) action: String,
}

/// The content hash the form carries, as revisions store it.
pub(super) fn hash(text: &str) -> String {
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

pub(super) fn read(dir: &FsPath, path: &str) -> Result<String, String> {
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

/// The diagnostics as a list (the same markup the script fills in).
pub(super) fn diagnostics_html(problems: &[Problem]) -> String {
    if problems.is_empty() {
        return "<p class=\"check-ok\" role=\"status\">The check finds nothing to report in this file.</p>\n".into();
    }
    let errors = problems.iter().filter(|p| p.severity == "error").count();
    let warnings = problems.len() - errors;
    let mut html = format!(
        "<p class=\"check-summary\">{errors} error{}, {warnings} warning{} in this file{}</p>\n\
         <ul class=\"diagnostics\" role=\"alert\">\n",
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" },
        if errors > 0 { ": errors first, they block saving." } else { "." }
    );
    // Errors first: they are what stops a save.
    let (first, then): (Vec<&Problem>, Vec<&Problem>) = problems.iter().partition(|p| p.severity == "error");
    for p in first.into_iter().chain(then) {
        let at = match (p.line, p.column) {
            (Some(l), Some(c)) => format!("line {l}, column {c}: "),
            _ => String::new(),
        };
        let hint = p.hint.as_deref().map(|h| format!("<br><small>{}</small>", esc(h))).unwrap_or_default();
        html.push_str(&format!(
            "<li class=\"{}\">{}: {at}{} <code>{}</code>{hint}</li>\n",
            p.severity,
            p.severity,
            esc(&p.message),
            esc(&p.code)
        ));
    }
    html.push_str("</ul>\n");
    html
}

/// The edit page of entry `slug` as `user` sees it.
#[allow(clippy::too_many_arguments)]
async fn editor(
    state: &AppState,
    user: &SessionUser,
    status: StatusCode,
    slug: &str,
    path: &str,
    text: &str,
    base: &str,
    n: Notice,
) -> Response {
    let slug_html = esc(slug);
    let mut body = format!(
        "<p>Editing <code>{}</code> · <a href=\"/entries/{slug_html}/\">the page</a> · \
         <a href=\"/edit/entries/{slug_html}/history\">history</a> · <a href=\"/edit/\">your entries</a></p>\n{}",
        esc(path),
        n.html
    );
    // Filled by the script as one types; the form's own answer otherwise.
    body.push_str("<div id=\"live-diagnostics\" aria-live=\"polite\">\n");
    if let Some(problems) = &n.problems {
        body.push_str(&diagnostics_html(problems));
    }
    body.push_str("</div>\n");
    let save = if may_save(user) { " <button name=\"action\" value=\"save\">Save</button>" } else { "" };
    // The newline after <textarea> is dropped by HTML parsers, so a file
    // that starts with one keeps it.
    body.push_str(&format!(
        "<form class=\"edit\" method=\"post\" action=\"/edit/entries/{slug_html}\" data-check=\"/edit/entries/{slug_html}/check\">\n\
         <input type=\"hidden\" name=\"base\" value=\"{}\">\n\
         <p><label for=\"text\">Source (YAML front matter, then Markdown)</label><br>\n\
         <textarea id=\"text\" name=\"text\" rows=\"36\" cols=\"100\" spellcheck=\"true\">\n{}</textarea></p>\n\
         <p><label for=\"message\">What changed, and why</label><br>\n\
         <input id=\"message\" name=\"message\" size=\"80\" maxlength=\"500\"></p>\n\
         <p><button name=\"action\" value=\"check\">Check</button> \
         <button formaction=\"/entries/{slug_html}/preview\" formtarget=\"_blank\">Preview</button>{save}</p>\n</form>\n",
        esc(base),
        esc(text)
    ));
    body.push_str(&super::review::panel(state, user, slug, path, text, base).await);
    body.push_str("<script src=\"/_attest/edit.js\" defer></script>\n");
    page(state, status, &format!("Edit {slug}"), &body)
}

/// The edit page of one request, with what stays the same between its answers.
struct EditPage<'a> {
    state: &'a AppState,
    user: &'a SessionUser,
    slug: &'a str,
    path: &'a str,
    base: &'a str,
}

impl EditPage<'_> {
    async fn show(&self, status: StatusCode, text: &str, n: Notice) -> Response {
        editor(self.state, self.user, status, self.slug, self.path, text, self.base, n).await
    }
}

/// Whether `user` may save an entry's text: authors and editors, not the
/// reviewers, who comment.
fn may_save(user: &SessionUser) -> bool {
    user.role != Role::Reviewer
}

#[derive(Debug, Deserialize)]
struct Shown {
    /// The revision just saved, to say so.
    saved: Option<i64>,
    /// An older revision to start from instead of the file: saving it
    /// restores it as the newest revision.
    from: Option<i64>,
    /// Set when a save made a new draft of a published entry.
    draft: Option<u8>,
    /// The status change just made.
    moved: Option<String>,
}

async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<Shown>,
) -> Response {
    let (user, dir, path) = match editable(&state, &headers, &slug).await {
        Ok(x) => x,
        Err(answer) => return answer,
    };
    let text = match read(&dir, &path) {
        Ok(t) => t,
        Err(m) => return error_page(&state, StatusCode::CONFLICT, "Edit", &m),
    };
    // The base is always the file as it is now: restoring an old text is
    // a save like any other, refused if the file changes meanwhile.
    let base = hash(&text);
    let mut html = saved_notice(q.saved);
    if q.draft.is_some() {
        html.push_str(
            "<p class=\"saved\" role=\"status\">The entry was published, so your change is a new draft of it: \
             the public keeps seeing the published version until an editor publishes this one.</p>\n",
        );
    }
    if let Some(action) = q.moved.as_deref().and_then(Action::from_name) {
        let what = match action {
            Action::Submit => "Submitted for review.",
            Action::Return => "Returned to draft.",
            Action::Publish => "Published: the public site shows this version from the next reload on.",
            Action::Withdraw => "Withdrawn: the page stays online with a notice.",
        };
        html.push_str(&format!("<p class=\"saved\" role=\"status\">{what}</p>\n"));
    }
    let shown = match restoring(&state, &path, text, q.from).await {
        Ok((shown, notice)) => {
            html.push_str(&notice);
            shown
        }
        Err(answer) => return answer,
    };
    editor(&state, &user, StatusCode::OK, &slug, &path, &shown, &base, Notice { html, problems: None }).await
}

/// What a form says after a save made revision `saved`.
pub(super) fn saved_notice(saved: Option<i64>) -> String {
    saved.map(|id| format!("<p class=\"saved\" role=\"status\">Saved as revision #{id}.</p>\n")).unwrap_or_default()
}

/// The text a form shows and the notice above it: the file's `text`, or,
/// with `from`, that revision of `path` to restore (saving it makes it the
/// newest). `Err` is the answer for a number that is not one of `path`'s.
pub(super) async fn restoring(
    state: &AppState,
    path: &str,
    text: String,
    from: Option<i64>,
) -> Result<(String, String), Response> {
    let Some(id) = from else { return Ok((text, String::new())) };
    match old_revision(state, path, id).await {
        Some(old) => Ok((
            old,
            format!(
                "<p class=\"restoring\" role=\"status\">This is the text of revision #{id}. \
                 Saving it makes it the newest revision; nothing is lost.</p>\n"
            ),
        )),
        None => Err(error_page(state, StatusCode::BAD_REQUEST, "Edit", &format!("no revision #{id} of this file"))),
    }
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
pub(super) fn check(state: &AppState, dir: &FsPath, path: &str, text: &str) -> Result<Vec<Problem>, String> {
    Ok(analyze_with(state, dir, path, text)?.1)
}

/// [`check`] on a blocking thread, for handlers.
pub(super) async fn check_off(state: &AppState, dir: &FsPath, path: &str, text: &str) -> Result<Vec<Problem>, String> {
    let (state, dir, path, text) = (state.clone(), dir.to_path_buf(), path.to_string(), text.to_string());
    match tokio::task::spawn_blocking(move || check(&state, &dir, &path, &text)).await {
        Ok(r) => r,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// The project analysed with file `path` reading `text` (the rest as on
/// disk), and that file's diagnostics.
fn analyze_with(
    state: &AppState,
    dir: &FsPath,
    path: &str,
    text: &str,
) -> Result<(crate::Analysis, Vec<Problem>), String> {
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
    let problems = analysis
        .diagnostics
        .iter()
        .map(|d| Problem::new(&analysis.sources, d))
        .filter(|p| p.file.as_deref() == Some(path))
        .collect();
    Ok((analysis, problems))
}

/// Writes `text` to `dir/path` through a temporary file and a rename.
pub(super) fn write_whole(dir: &FsPath, path: &str, text: &str) -> std::io::Result<()> {
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
            return error_page(&state, e.status(), "Edit", &m);
        }
    };
    if f.action == "save" && !may_save(&user) {
        let m = "Not saved: reviewers comment on an entry; its authors and editors change it.";
        return error_page(&state, StatusCode::FORBIDDEN, "Edit", m);
    }
    // Browsers send a textarea's line ends as CRLF.
    let mut text = f.text.replace("\r\n", "\n");
    let at = EditPage { state: &state, user: &user, slug: &slug, path: &path, base: &f.base };
    let current = match read(&dir, &path) {
        Ok(t) => t,
        Err(m) => return error_page(&state, StatusCode::CONFLICT, "Edit", &m),
    };
    let current_hash = hash(&current);
    if f.base != current_hash {
        let html = stale_notice(&current, &text, &format!("/edit/entries/{slug}/history"));
        return editor(
            &state,
            &user,
            StatusCode::CONFLICT,
            &slug,
            &path,
            &text,
            &current_hash,
            Notice { html, problems: None },
        )
        .await;
    }
    // Only editors publish and withdraw. An author's change to a published
    // entry is a new draft of it; the public keeps the published text.
    let was_public = workflow::status_in(&current).is_some_and(Status::is_public);
    let mut demoted = false;
    if super::review::actor(user.role) != Actor::Editor && workflow::status_in(&text).is_some_and(Status::is_public) {
        if !was_public {
            let html = "<p class=\"error\" role=\"alert\">Not saved: only editors publish or withdraw an entry. \
                        Keep its status as it was, and use <em>Submit for review</em> when it is ready.</p>\n"
                .to_string();
            return at.show(StatusCode::UNPROCESSABLE_ENTITY, &text, Notice { html, problems: None }).await;
        }
        if let Ok(draft) = workflow::set_fields(&text, &[("status", "draft".into())]) {
            text = draft;
            demoted = true;
        }
    }
    let problems = match check_off(&state, &dir, &path, &text).await {
        Ok(p) => p,
        Err(m) => return error_page(&state, StatusCode::CONFLICT, "Edit", &m),
    };
    let errors = problems.iter().filter(|p| p.severity == "error").count();
    if f.action != "save" {
        return at.show(StatusCode::OK, &text, Notice { html: String::new(), problems: Some(problems) }).await;
    }
    if errors > 0 {
        let html = format!("<p class=\"error\" role=\"alert\">Not saved: {errors} error(s) in this file. Fix them and save again.</p>\n");
        return at.show(StatusCode::UNPROCESSABLE_ENTITY, &text, Notice { html, problems: Some(problems) }).await;
    }
    if text == current {
        let html = "<p role=\"status\">Nothing to save: the text is the same as the file.</p>\n".to_string();
        return at.show(StatusCode::OK, &text, Notice { html, problems: Some(problems) }).await;
    }
    let Some(accounts) = state.auth() else { return pages::not_found(&state, &headers) };
    let store = &accounts.store;
    if was_public && !workflow::status_in(&text).is_some_and(Status::is_public) {
        // The published text stays public: recorded before it is replaced.
        match store.publish(&path, current.as_bytes(), &user.name, "the published version, before a new draft").await {
            Ok(_) => state.set_publication(&path, current.clone().into_bytes()),
            Err(e) => {
                tracing::error!(error = %e, path, "cannot keep the published version");
                let html = "<p class=\"error\" role=\"alert\">Not saved: the published version cannot be kept \
                            aside now (the database did not answer). Try again.</p>\n"
                    .to_string();
                return at.show(StatusCode::SERVICE_UNAVAILABLE, &text, Notice { html, problems: None }).await;
            }
        }
    }
    // An editor's change to a published entry reaches the public at once:
    // its last-modified date is the system's, like a publication's.
    let republished = was_public && workflow::status_in(&text).is_some_and(Status::is_public);
    if republished {
        let today = super::review::today(accounts.clock.now_ms());
        if let Ok(dated) = workflow::set_fields(&text, &[("modified", today)]) {
            text = dated;
        }
    }
    let saved = Save { user: &user, address, dir: &dir, path: &path, message: &f.message };
    let revision = match saved.write(&accounts, &text, "entry.save", &slug).await {
        Ok(r) => r,
        Err(html) => return at.show(StatusCode::INTERNAL_SERVER_ERROR, &text, Notice { html, problems: None }).await,
    };
    if republished {
        // The kept published version follows, so a later draft keeps this one public.
        match store.publish(&path, text.as_bytes(), &user.name, "edited while published").await {
            Ok(_) => state.set_publication(&path, text.clone().into_bytes()),
            Err(e) => tracing::error!(error = %e, path, "the published version is not recorded now"),
        }
    }
    let draft = if demoted { "&draft=1" } else { "" };
    let to = match revision {
        Some(r) => format!("/edit/entries/{slug}?saved={r}{draft}"),
        None => format!("/edit/entries/{slug}"),
    };
    see_other(&to)
}

/// What a save refused for a stale base says: the text is kept, and the
/// fields where it and the file now differ are listed.
pub(super) fn stale_notice(current: &str, text: &str, history: &str) -> String {
    let changes = crate::diff::diff(current, text);
    let fields: String = changes.fields.iter().map(|c| format!("<li><code>{}</code></li>\n", esc(&c.path))).collect();
    format!(
        "<p class=\"error\" role=\"alert\">Not saved: the file changed since you opened it. Your text is below; \
         compare it with <a href=\"{}\">the latest revision</a>, then save again to replace that version with \
         yours.</p>\n{}",
        esc(history),
        if fields.is_empty() {
            String::new()
        } else {
            format!("<p>Fields where your text and the file now differ:</p>\n<ul>\n{fields}</ul>\n")
        },
    )
}

/// One save from the browser: who, from where, which file, and why.
pub(super) struct Save<'a> {
    pub user: &'a SessionUser,
    pub address: String,
    pub dir: &'a FsPath,
    pub path: &'a str,
    /// As typed; empty says *edited in the browser*.
    pub message: &'a str,
}

impl Save<'_> {
    /// Writes `text` whole, stores it as a revision and audits `action` on
    /// `target`. The revision's number, when it could be stored now (the
    /// watcher stores it otherwise); `Err` is the page's notice when the
    /// file could not be written (nothing is then changed).
    pub async fn write(
        &self,
        accounts: &auth::Auth,
        text: &str,
        action: &str,
        target: &str,
    ) -> Result<Option<i64>, String> {
        let path = self.path;
        if let Err(e) = write_whole(self.dir, path, text) {
            tracing::error!(error = %e, path, "cannot save");
            return Err(format!(
                "<p class=\"error\" role=\"alert\">Not saved: cannot write {}: {}</p>\n",
                esc(path),
                esc(&e.to_string())
            ));
        }
        let store = &accounts.store;
        let message = match self.message.trim() {
            "" => "edited in the browser",
            m => m,
        };
        let recorded = store
            .record_sources(&[(path.to_string(), text.as_bytes().to_vec())], false, &self.user.name, message)
            .await;
        let revision = match recorded {
            Ok(_) => store.revisions(path).await.ok().and_then(|r| r.first().map(|r| r.id)),
            Err(e) => {
                tracing::error!(error = %e, path, "saved, but the revision could not be stored now");
                None
            }
        };
        let audit = AuditEvent {
            actor: self.user.name.clone(),
            action: action.into(),
            target: Some(target.to_string()),
            address: Some(self.address.clone()),
            detail: Some(format!(
                "{path}{}: {message}",
                revision.map(|r| format!(" as revision #{r}")).unwrap_or_default()
            )),
        };
        if let Err(e) = store.audit(accounts.clock.now_ms(), &audit).await {
            tracing::error!(error = %e, "cannot audit a save");
        }
        Ok(revision)
    }
}

/// What the script sends as one types.
#[derive(Debug, Deserialize)]
pub struct TextForm {
    /// The whole file as edited.
    pub(super) text: String,
}

/// The script that checks as one types.
pub const EDIT_JS: &str = include_str!("../../assets/edit.js");

async fn script() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], EDIT_JS)
        .into_response()
}

/// The folder, the entry's file and the text as typed, for a request that
/// may edit entry `slug`; `Err` is the answer to give instead (`unread`
/// makes it when the form cannot be read).
async fn typed(
    state: &AppState,
    headers: &HeaderMap,
    slug: &str,
    form: Result<Form<TextForm>, FormRejection>,
    unread: fn(&AppState, FormRejection) -> Response,
) -> Result<(PathBuf, String, String), Response> {
    let (_, dir, path) = editable(state, headers, slug).await?;
    let Form(f) = form.map_err(|e| unread(state, e))?;
    Ok((dir, path, f.text.replace("\r\n", "\n")))
}

/// `POST /edit/entries/SLUG/check`: the diagnostics of the text as typed,
/// as JSON (`{"problems": [...], "errors": N}`), for the script.
async fn check_live(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    form: Result<Form<TextForm>, FormRejection>,
) -> Response {
    let (dir, path, text) = match typed(&state, &headers, &slug, form, json_unread).await {
        Ok(x) => x,
        Err(answer) => return answer,
    };
    check_answer(&state, &dir, &path, &text).await
}

/// What the live check answers to a form it cannot read.
pub(super) fn json_unread(_: &AppState, e: FormRejection) -> Response {
    (e.status(), axum::Json(serde_json::json!({ "error": e.body_text() }))).into_response()
}

/// The JSON answer of a live check of file `path` reading `text`:
/// `{"problems": [...], "errors": N}`.
pub(super) async fn check_answer(state: &AppState, dir: &FsPath, path: &str, text: &str) -> Response {
    let no_store = [(header::CACHE_CONTROL, "no-store")];
    match check_off(state, dir, path, text).await {
        Ok(problems) => {
            let errors = problems.iter().filter(|p| p.severity == "error").count();
            (no_store, axum::Json(serde_json::json!({ "problems": problems, "errors": errors }))).into_response()
        }
        Err(m) => (StatusCode::CONFLICT, no_store, axum::Json(serde_json::json!({ "error": m }))).into_response(),
    }
}

/// `POST /entries/SLUG/preview`: the entry's page as the renderer makes
/// it from the text as typed, with everything the person is cleared for
/// (the internal view): what *Preview* opens.
async fn preview(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    form: Result<Form<TextForm>, FormRejection>,
) -> Response {
    let unread = |state: &AppState, e: FormRejection| error_page(state, e.status(), "Preview", &e.body_text());
    let (dir, path, text) = match typed(&state, &headers, &slug, form, unread).await {
        Ok(x) => x,
        Err(answer) => return answer,
    };
    let rendered = {
        let (state, slug) = (state.clone(), slug.clone());
        tokio::task::spawn_blocking(move || -> Result<Option<Vec<u8>>, String> {
            let (analysis, _) = analyze_with(&state, &dir, &path, &text)?;
            let view = crate::access::view(&analysis, crate::access::Audience::Internal);
            let files = state.snapshot().pages.entry_files(&view, &slug).map_err(|e| e.to_string())?;
            let page = format!("entries/{slug}/index.html");
            Ok(files.and_then(|fs| fs.into_iter().find(|(p, _)| *p == page).map(|(_, b)| b)))
        })
        .await
    };
    match rendered {
        Ok(Ok(Some(html))) => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "private, no-store")],
            html,
        )
            .into_response(),
        Ok(Ok(None)) => page(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Preview",
            "<p class=\"error\">The text as typed has no entry to show: its front matter cannot be read. Check lists why.</p>\n",
        ),
        Ok(Err(m)) => error_page(&state, StatusCode::CONFLICT, "Preview", &m),
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}
