//! The editorial workflow in the browser: the status panel on an entry's
//! edit page, the status changes (`POST /edit/entries/SLUG/state`: submit,
//! return, publish, withdraw, by the rules of [`crate::workflow`]), the
//! reviewers' comments (`POST /edit/entries/SLUG/comments`), and `/edit/`,
//! the list of the entries one may work on.
//!
//! A status change is an edit of the file like any other: the front matter
//! is rewritten (status, and the `published` and `modified` dates, which
//! only the system sets), checked, written whole, stored as a revision and
//! audited. Publishing also records the text as the entry's published
//! version, which the public keeps seeing while a later draft is written
//! ([`super::state::public_analysis`]).

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::auth::{self, page, see_other, ClientAddr};
use super::edit::{self, editor_of};
use super::pages;
use super::state::AppState;
use crate::model::Status;
use crate::render::format::esc;
use crate::store::accounts::{format_time, AuditEvent, Role, SessionUser};
use crate::workflow::{self, Action, Actor};

/// The workflow routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/edit/", get(dashboard))
        .route("/edit/entries/{slug}/state", post(change_state))
        .route("/edit/entries/{slug}/comments", post(comment))
}

/// Longest comment kept, in bytes.
pub const COMMENT_LIMIT: usize = 20_000;

/// What an account is to the workflow.
pub fn actor(role: Role) -> Actor {
    match role {
        Role::Editor | Role::Admin => Actor::Editor,
        Role::Reviewer => Actor::Reviewer,
        Role::Reader | Role::Author => Actor::Author,
    }
}

fn status_label(s: Option<Status>) -> &'static str {
    match s {
        Some(Status::Draft) | None => "draft",
        Some(Status::InReview) => "in review",
        Some(Status::Published) => "published",
        Some(Status::Withdrawn) => "withdrawn",
    }
}

/// Today (UTC) as `YYYY-MM-DD`, by the server's clock.
pub(super) fn today(ms: i64) -> String {
    crate::parse::edtf::Day::from_unix_days(ms.div_euclid(86_400_000)).to_string()
}

/// The status panel and the comments of the edit page of entry `slug`
/// (file `path`), whose text reads `text` and hashes to `base`.
pub(super) async fn panel(
    state: &AppState,
    user: &SessionUser,
    slug: &str,
    path: &str,
    text: &str,
    base: &str,
) -> String {
    let status = workflow::status_in(text);
    let slug_html = esc(slug);
    let mut html = format!(
        "<section class=\"workflow\" aria-labelledby=\"workflow-h\">\n<h2 id=\"workflow-h\">Status: {}</h2>\n",
        status_label(status)
    );
    let store = state.auth().map(|a| a.store);
    let published = match &store {
        Some(s) => s.published_revision(path).await.ok().flatten(),
        None => None,
    };
    if !status.is_some_and(Status::is_public) {
        html.push_str(&match published {
            Some(r) => format!(
                "<p>The public sees the version published as revision #{r} until an editor publishes this one.</p>\n"
            ),
            None => "<p>Not published yet.</p>\n".to_string(),
        });
    }
    let me = actor(user.role);
    let buttons: String = Action::ALL
        .into_iter()
        .filter(|a| a.allowed(me) && a.target(status).is_some())
        .map(|a| format!("<button name=\"action\" value=\"{}\">{}</button> ", a.name(), a.label()))
        .collect();
    if !buttons.is_empty() {
        html.push_str(&format!(
            "<form method=\"post\" action=\"/edit/entries/{slug_html}/state\">\n\
             <input type=\"hidden\" name=\"base\" value=\"{}\">\n<p>{}</p>\n</form>\n",
            esc(base),
            buttons.trim_end()
        ));
    }
    html.push_str("</section>\n");
    let comments = match &store {
        Some(s) => s.comments(path).await.unwrap_or_default(),
        None => Vec::new(),
    };
    html.push_str("<section class=\"comments\" id=\"comments\" aria-labelledby=\"comments-h\">\n<h2 id=\"comments-h\">Review comments</h2>\n");
    if comments.is_empty() {
        html.push_str("<p>No comments yet.</p>\n");
    } else {
        html.push_str("<ol class=\"comments\">\n");
        for c in &comments {
            html.push_str(&format!(
                "<li><p class=\"meta\">{} · {} · on revision #{}</p>\n<p>{}</p></li>\n",
                esc(&c.author),
                format_time(c.time_ms),
                c.revision,
                esc(&c.body).replace('\n', "<br>")
            ));
        }
        html.push_str("</ol>\n");
    }
    html.push_str(&format!(
        "<form method=\"post\" action=\"/edit/entries/{slug_html}/comments\">\n\
         <input type=\"hidden\" name=\"base\" value=\"{}\">\n\
         <p><label for=\"comment\">Comment on the current revision</label><br>\n\
         <textarea id=\"comment\" name=\"body\" rows=\"4\" cols=\"100\" maxlength=\"{COMMENT_LIMIT}\" required></textarea></p>\n\
         <p><button type=\"submit\">Add comment</button></p>\n</form>\n</section>\n",
        esc(base)
    ));
    html
}

#[derive(Debug, Deserialize)]
struct StateForm {
    action: String,
    base: String,
}

fn refused(state: &AppState, status: StatusCode, slug: &str, why: &str) -> Response {
    page(
        state,
        status,
        "Not changed",
        &format!(
            "<p class=\"error\" role=\"alert\">{}</p>\n<p><a href=\"/edit/entries/{}\">Back to the entry</a></p>\n",
            esc(why),
            esc(slug)
        ),
    )
}

async fn change_state(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(address): ClientAddr,
    Path(slug): Path<String>,
    form: Result<Form<StateForm>, FormRejection>,
) -> Response {
    let (user, path) = match editor_of(&state, &headers, &slug).await {
        Ok(x) => x,
        Err(answer) => return answer,
    };
    let (Some(dir), Some(accounts)) = (state.project_dir().map(|d| d.to_path_buf()), state.auth()) else {
        return pages::not_found(&state, &headers);
    };
    let Form(f) = match form {
        Ok(f) => f,
        Err(e) => return refused(&state, e.status(), &slug, &e.body_text()),
    };
    let Some(action) = Action::from_name(&f.action) else {
        return refused(&state, StatusCode::BAD_REQUEST, &slug, "no such action");
    };
    if !action.allowed(actor(user.role)) {
        let why = format!("A {} may not {} an entry.", user.role, action.name());
        return refused(&state, StatusCode::FORBIDDEN, &slug, &why);
    }
    let current = match edit::read(&dir, &path) {
        Ok(t) => t,
        Err(m) => return refused(&state, StatusCode::CONFLICT, &slug, &m),
    };
    if f.base != edit::hash(&current) {
        return refused(
            &state,
            StatusCode::CONFLICT,
            &slug,
            "The entry changed since you opened it: look at the new version, then try again.",
        );
    }
    let from = workflow::status_in(&current);
    // The first publication's date as the system knows it: from the text
    // the public sees (the file itself, or its kept published version).
    let publications = state.publications();
    let public_text = if from.is_some_and(Status::is_public) {
        Some(current.as_str())
    } else {
        publications.get(&path).and_then(|b| std::str::from_utf8(b).ok())
    };
    let first = public_text.and_then(|t| workflow::field_in(t, "published"));
    let text = match workflow::apply(&current, action, &today(accounts.clock.now_ms()), first) {
        Ok(t) => t,
        Err(e) => return refused(&state, StatusCode::CONFLICT, &slug, &e.to_string()),
    };
    // Nothing with errors goes to the referees or to the public.
    if matches!(action, Action::Submit | Action::Publish) {
        let problems = match edit::check_off(&state, &dir, &path, &text).await {
            Ok(p) => p,
            Err(m) => return refused(&state, StatusCode::CONFLICT, &slug, &m),
        };
        let errors = problems.iter().filter(|p| p.severity == "error").count();
        if errors > 0 {
            let why =
                format!("The entry has {errors} error(s): fix them (Check shows them) before you {}.", action.name());
            return refused(&state, StatusCode::UNPROCESSABLE_ENTITY, &slug, &why);
        }
    }
    let to = workflow::status_in(&text);
    let message = format!("{}: {} → {}", action.name(), status_label(from), status_label(to));
    if let Err(e) = edit::write_whole(&dir, &path, &text) {
        tracing::error!(error = %e, path, "cannot change the status");
        return refused(&state, StatusCode::INTERNAL_SERVER_ERROR, &slug, &format!("cannot write {path}: {e}"));
    }
    let store = &accounts.store;
    let stored = if action == Action::Publish {
        let r = store.publish(&path, text.as_bytes(), &user.name, &message).await;
        if r.is_ok() {
            state.set_publication(&path, text.clone().into_bytes());
        }
        r.map(|_| ())
    } else {
        store
            .record_sources(&[(path.clone(), text.clone().into_bytes())], false, &user.name, &message)
            .await
            .map(|_| ())
    };
    if let Err(e) = stored {
        tracing::error!(error = %e, path, "status changed on disk, but not stored now");
    }
    let audit = AuditEvent {
        actor: user.name.clone(),
        action: format!("entry.{}", action.name()),
        target: Some(slug.clone()),
        address: Some(address),
        detail: Some(format!("{path}: {message}")),
    };
    if let Err(e) = store.audit(accounts.clock.now_ms(), &audit).await {
        tracing::error!(error = %e, "cannot audit a status change");
    }
    see_other(&format!("/edit/entries/{slug}?moved={}", action.name()))
}

#[derive(Debug, Deserialize)]
struct CommentForm {
    body: String,
    base: String,
}

async fn comment(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddr(address): ClientAddr,
    Path(slug): Path<String>,
    form: Result<Form<CommentForm>, FormRejection>,
) -> Response {
    let (user, path) = match editor_of(&state, &headers, &slug).await {
        Ok(x) => x,
        Err(answer) => return answer,
    };
    let Some(accounts) = state.auth() else { return pages::not_found(&state, &headers) };
    let Form(f) = match form {
        Ok(f) => f,
        Err(e) => return refused(&state, e.status(), &slug, &e.body_text()),
    };
    let body = f.body.replace("\r\n", "\n").trim().to_string();
    if body.is_empty() || body.len() > COMMENT_LIMIT {
        let why = format!("A comment has between 1 and {COMMENT_LIMIT} bytes.");
        return refused(&state, StatusCode::UNPROCESSABLE_ENTITY, &slug, &why);
    }
    let store = &accounts.store;
    // The comment is on the revision the page showed.
    let revision = store
        .revisions(&path)
        .await
        .ok()
        .and_then(|revs| revs.into_iter().find(|r| r.hash.as_deref() == Some(f.base.as_str())).map(|r| r.id));
    let Some(revision) = revision else {
        return refused(
            &state,
            StatusCode::CONFLICT,
            &slug,
            "The revision you commented on is not stored yet; reload the page and comment again.",
        );
    };
    let id = match store.add_comment(&path, revision, &user.name, &body).await {
        Ok(id) => id,
        Err(e) => {
            tracing::error!(error = %e, "cannot store a comment");
            return refused(&state, StatusCode::SERVICE_UNAVAILABLE, &slug, "The comment cannot be stored now.");
        }
    };
    let audit = AuditEvent {
        actor: user.name.clone(),
        action: "entry.comment".into(),
        target: Some(slug.clone()),
        address: Some(address),
        detail: Some(format!("{path}: comment #{id} on revision #{revision}")),
    };
    if let Err(e) = store.audit(accounts.clock.now_ms(), &audit).await {
        tracing::error!(error = %e, "cannot audit a comment");
    }
    see_other(&format!("/edit/entries/{slug}#comments"))
}

/// `GET /edit/`: the entries the signed-in account may work on, with their
/// status; those waiting for this person's action first.
async fn dashboard(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(user) = auth::viewer(&state, &headers).await else { return pages::not_found(&state, &headers) };
    if user.role < Role::Author {
        return pages::not_found(&state, &headers);
    }
    let clearance = auth::clearance(&user);
    let snap = state.snapshot();
    let me = actor(user.role);
    let mut rows: Vec<(bool, String)> = snap
        .internal
        .entries
        .iter()
        .filter(|s| clearance.covers(&s.entry.slug))
        .map(|s| {
            let e = &s.entry;
            let status = e.status.as_ref().map(|x| x.v);
            let waiting = match me {
                Actor::Editor | Actor::Reviewer => status == Some(Status::InReview),
                Actor::Author => !status.is_some_and(Status::is_public) && status != Some(Status::InReview),
            };
            let row = format!(
                "<tr><td><a href=\"/edit/entries/{slug}\">{}</a></td><td>{}</td><td>{}</td></tr>\n",
                esc(&e.title.v),
                status_label(status),
                e.modified.as_ref().map(|d| esc(&d.raw)).unwrap_or_default(),
                slug = esc(&e.slug),
            );
            (waiting, row)
        })
        .collect();
    rows.sort_by_key(|(waiting, _)| !*waiting);
    let body = if rows.is_empty() {
        "<p>No entry is assigned to you yet: an administrator gives entries with <code>attest user grant</code>.</p>\n"
            .to_string()
    } else {
        let waiting = rows.iter().filter(|(w, _)| *w).count();
        format!(
            "<p>{waiting} entr{} waiting for you{}.</p>\n<table class=\"entries\">\n<thead><tr><th>Entry</th><th>Status</th>\
             <th>Last modified</th></tr></thead>\n<tbody>\n{}</tbody>\n</table>\n",
            if waiting == 1 { "y" } else { "ies" },
            match me {
                Actor::Author => " (drafts to finish and submit)",
                _ => " (in review)",
            },
            rows.into_iter().map(|(_, r)| r).collect::<String>()
        )
    };
    let mut body = body;
    if let (true, Some(dir)) = (user.role >= Role::Editor, state.project_dir()) {
        let files = super::files::listed(dir);
        if !files.is_empty() {
            body.push_str("<h2>Bibliography and gazetteer</h2>\n<ul>\n");
            for f in files {
                body.push_str(&format!("<li><a href=\"/edit/files/{p}\"><code>{p}</code></a></li>\n", p = esc(&f)));
            }
            body.push_str("</ul>\n");
        }
        body.push_str(
            "<h2>Editions</h2>\n<p>An edition freezes every published entry, as the public sees it today, \
             at addresses that never change (<code>/editions/NAME/</code>).</p>\n",
        );
        let editions = crate::edition::list(dir);
        if !editions.is_empty() {
            body.push_str("<ul>\n");
            for ed in editions.iter().rev() {
                body.push_str(&format!(
                    "<li><a href=\"/editions/{n}/\">{n}</a> · {} · {} entries · <code>{}</code></li>\n",
                    esc(&ed.date),
                    ed.entries.len(),
                    esc(&ed.sha256[..ed.sha256.len().min(16)]),
                    n = esc(&ed.name),
                ));
            }
            body.push_str("</ul>\n");
        }
        body.push_str(
            "<form method=\"post\" action=\"/edit/editions\">\n<p><label for=\"edition\">Name of a new edition \
             (e.g. <code>2027-spring</code>)</label><br>\n<input id=\"edition\" name=\"name\" required \
             pattern=\"[a-z0-9][a-z0-9._\\-]{0,63}\" maxlength=\"64\"> <button type=\"submit\">Cut the edition</button></p>\n</form>\n",
        );
    }
    page(&state, StatusCode::OK, "Your entries", &body)
}
