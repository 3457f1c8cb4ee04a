//! Signing in to `attest serve`: the sign-in page and form, sessions in a
//! cookie, throttling of failed sign-ins, the audit of every attempt, the
//! refusal of cross-site requests that change state, `/api/v1/session`,
//! and the admins' audit page.
//!
//! Written on our own store rather than with tower-sessions and
//! axum-login: those would bring a session-store trait to implement on our
//! sqlx pool, a serialised session blob where we need two columns, and a
//! user trait for one lookup, which together come to more than the few
//! functions below. Passwords are hashed and tokens made in
//! [`crate::store::accounts`]; this module is the HTTP edge.
//!
//! - **Sessions.** Signing in makes a random 32-byte token, sent in the
//!   cookie `attest_session` (`HttpOnly; SameSite=Strict; Path=/`, and
//!   `Secure` with [`AuthOptions::secure_cookies`]); the database keeps
//!   only its SHA-256. A session ends after [`AuthOptions::idle`] unused or
//!   [`AuthOptions::absolute`] after signing in, whichever comes first, and
//!   when its account's password changes.
//! - **Same answers.** A wrong name and a wrong password get the same
//!   status and the same page, and an unknown name is checked against a
//!   dummy hash so both take as long.
//! - **Throttling.** Failures are counted per name as typed and per client
//!   address ([`Throttle`]); a locked name or address is answered `429`
//!   with `Retry-After`, without looking at the password.
//! - **Cross-site requests.** [`guard`] refuses every POST, PUT, PATCH and
//!   DELETE unless the browser says it came from this site
//!   (`Sec-Fetch-Site: same-origin` or `none`) or, when a client sends no
//!   `Sec-Fetch-Site`, its `Origin` is this server's own. A request with
//!   neither header is refused too.
//! - **Clearance.** [`clearance`] is the policy of who sees which
//!   restricted material; [`crate::access::Clearance`] applies it.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

use super::api::{error_response, ApiError};
use super::pages;
use super::state::AppState;
use crate::render::format::esc;
use crate::store::accounts::{self, AuditEvent, Role, SessionUser, Throttle, ThrottleKind};
use crate::store::Store;

/// The session cookie's name.
pub const COOKIE: &str = "attest_session";

/// How many rows of the audit log the admin page shows (`attest audit`
/// prints them all).
pub const AUDIT_PAGE_ROWS: u32 = 500;

/// How sessions and cookies behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthOptions {
    /// Mark the cookie `Secure` and send `Strict-Transport-Security`: for a
    /// server behind TLS (a proxy that terminates HTTPS). Cross-site checks
    /// then expect `https://` origins.
    pub secure_cookies: bool,
    /// A session unused this long ends (default two hours).
    pub idle: Duration,
    /// A session ends this long after signing in, used or not (default
    /// twelve hours).
    pub absolute: Duration,
}

impl Default for AuthOptions {
    fn default() -> Self {
        AuthOptions {
            secure_cookies: false,
            idle: Duration::from_secs(2 * 3600),
            absolute: Duration::from_secs(12 * 3600),
        }
    }
}

/// The time sessions and locks are measured by: the system's, or one that
/// moves only when told (for tests of expiry and throttling).
#[derive(Debug, Clone, Default)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    /// The system's clock.
    pub fn system() -> Clock {
        Clock(None)
    }

    /// A clock standing at `ms` (since 1970) until [`Clock::advance`]d.
    pub fn manual(ms: i64) -> Clock {
        Clock(Some(Arc::new(AtomicI64::new(ms))))
    }

    /// Moves a manual clock on (the system's cannot be moved).
    pub fn advance(&self, by: Duration) {
        if let Some(t) = &self.0 {
            t.fetch_add(i64::try_from(by.as_millis()).unwrap_or(i64::MAX), Ordering::SeqCst);
        }
    }

    /// Now, in ms since 1970.
    pub fn now_ms(&self) -> i64 {
        match &self.0 {
            Some(t) => t.load(Ordering::SeqCst),
            None => crate::store::now_ms(),
        }
    }
}

/// What signing in needs: the store with the accounts, the options and
/// the clock.
#[derive(Debug, Clone)]
pub struct Auth {
    /// Accounts, sessions, throttling, audit.
    pub store: Store,
    /// Cookies and session limits.
    pub options: AuthOptions,
    /// The time.
    pub clock: Clock,
}

/// The routes of signing in and of the admin pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", axum::routing::post(logout))
        .route("/admin/audit", get(audit_page))
}

// ---------------------------------------------------------------------------
// Cross-site requests and transport security

/// Whether a request that changes state may proceed: the browser says it
/// came from this site (`Sec-Fetch-Site: same-origin`, or `none` for one
/// the person typed or bookmarked), or, from a client that does not send
/// `Sec-Fetch-Site`, its `Origin` is this server's own scheme and `Host`.
/// Without either header the request is refused: every browser in use
/// sends at least `Origin` with a POST, and a script of another site
/// cannot remove it.
pub fn same_origin(headers: &HeaderMap, secure: bool) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return site == "same-origin" || site == "none";
    }
    let (Some(origin), Some(host)) = (headers.get(header::ORIGIN), headers.get(header::HOST)) else {
        return false;
    };
    let (Ok(origin), Ok(host)) = (origin.to_str(), host.to_str()) else { return false };
    let scheme = if secure { "https://" } else { "http://" };
    origin.strip_prefix(scheme).is_some_and(|authority| authority.eq_ignore_ascii_case(host))
}

/// The middleware around the whole app: refuses cross-site requests that
/// change state (`403`), and adds `Strict-Transport-Security` when the
/// server is behind TLS.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let secure = state.auth().is_some_and(|a| a.options.secure_cookies);
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE);
    let mut res = if safe || same_origin(req.headers(), secure) {
        next.run(req).await
    } else {
        tracing::warn!(method = %req.method(), path = %req.uri().path(), "cross-site request refused");
        (
            StatusCode::FORBIDDEN,
            [(header::CACHE_CONTROL, "no-store")],
            "refused: a request that changes something must come from a page of this site\n",
        )
            .into_response()
    };
    if secure {
        res.headers_mut().insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    res
}

// ---------------------------------------------------------------------------
// Who is asking

/// The client's address as throttling counts it: the IP (an IPv6 client
/// by its /64, which one person usually holds whole), `unknown` when the
/// server was not told (tests without a socket).
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_canonical());
        Ok(ClientAddr(match ip {
            Some(IpAddr::V4(v4)) => v4.to_string(),
            Some(IpAddr::V6(v6)) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
            None => "unknown".into(),
        }))
    }
}

/// The token in the request's session cookie, if it has one of the right form.
fn cookie_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
        .filter(|v| accounts::is_token(v))
}

/// What restricted material `user` may see. Editors and admins see
/// everything: they publish the encyclopedia and answer for it. Readers see
/// what was granted to them (`attest user grant`). Authors and reviewers
/// see only what the public sees until entries name their authors and
/// referees; grants are refused for their accounts.
pub fn clearance(user: &SessionUser) -> crate::access::Clearance {
    match user.role {
        Role::Editor | Role::Admin => crate::access::Clearance::All,
        // Readers' grants say what they may read; authors' and reviewers'
        // the entries they work on (and so may read whole).
        Role::Reader | Role::Author | Role::Reviewer => crate::access::Clearance::from_grants(&user.grants),
    }
}

/// The clearance of a request's signed-in account; none without one.
pub async fn viewer_clearance(state: &AppState, headers: &HeaderMap) -> crate::access::Clearance {
    viewer(state, headers).await.map(|u| clearance(&u)).unwrap_or_default()
}

/// The signed-in account of a request, if any. A database that fails
/// counts as nobody signed in (and is logged).
pub async fn viewer(state: &AppState, headers: &HeaderMap) -> Option<SessionUser> {
    let auth = state.auth()?;
    let token = cookie_token(headers)?;
    match auth.store.session_user(&accounts::token_hash(token), auth.clock.now_ms(), auth.options.idle).await {
        Ok(user) => user,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the session");
            None
        }
    }
}

// ---------------------------------------------------------------------------
// Pages

/// A small page of the server's own (sign-in, audit), with the site's
/// title and style sheet; never cached.
pub(super) fn page(state: &AppState, status: StatusCode, title: &str, body: &str) -> Response {
    let site = state.snapshot().view.config.title.clone();
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} · {site}</title>\n<link rel=\"stylesheet\" href=\"/assets/style.css\">\n</head>\n\
         <body class=\"account\">\n<header class=\"site\"><p class=\"site-title\"><a href=\"/\">{site}</a></p></header>\n\
         <main id=\"main\">\n<h1>{title}</h1>\n{body}</main>\n</body>\n</html>\n",
        title = esc(title),
        site = esc(&site),
    );
    (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

/// [`page`] saying only `message`, as an error.
pub(super) fn error_page(state: &AppState, status: StatusCode, title: &str, message: &str) -> Response {
    page(state, status, title, &format!("<p class=\"error\">{}</p>\n", esc(message)))
}

/// `303 See Other` to `to`, never cached: where a form's answer goes.
pub(super) fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string()), (header::CACHE_CONTROL, "no-store".to_string())])
        .into_response()
}

const FORM: &str = "<form class=\"login\" method=\"post\" action=\"/login\">\n\
    <p><label for=\"name\">Name</label><br>\n\
    <input id=\"name\" name=\"name\" autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" required></p>\n\
    <p><label for=\"password\">Password</label><br>\n\
    <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></p>\n\
    <p><label for=\"code\">Code from your authenticator app (if your account has one)</label><br>\n\
    <input id=\"code\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" pattern=\"[0-9 ]*\" maxlength=\"12\"></p>\n\
    <p><button type=\"submit\">Sign in</button></p>\n</form>\n";

fn login_form(state: &AppState, status: StatusCode, message: Option<&str>) -> Response {
    let message = message.map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>\n", esc(m))).unwrap_or_default();
    page(state, status, "Sign in", &format!("{message}{FORM}"))
}

fn unavailable(state: &AppState) -> Response {
    page(
        state,
        StatusCode::SERVICE_UNAVAILABLE,
        "Sign in",
        "<p class=\"error\">Signing in is not available at the moment; please try again later.</p>\n",
    )
}

/// `GET /login`: the form, or who is signed in with a button to sign out.
async fn login_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(user) = viewer(&state, &headers).await else { return login_form(&state, StatusCode::OK, None) };
    let admin = if user.role == Role::Admin { "<p><a href=\"/admin/audit\">The audit log</a></p>\n" } else { "" };
    let work = if user.role >= Role::Author { "<p><a href=\"/edit/\">Your entries</a></p>\n" } else { "" };
    let body = format!(
        "<p>You are signed in as <strong>{}</strong> ({}).</p>\n{work}{admin}\
         <form method=\"post\" action=\"/logout\"><p><button type=\"submit\">Sign out</button></p></form>\n",
        esc(&user.name),
        user.role,
    );
    page(&state, StatusCode::OK, "Signed in", &body)
}

/// The fields of the sign-in form.
#[derive(Deserialize)]
struct LoginForm {
    name: String,
    password: String,
    /// The authenticator's code, for accounts with a second factor.
    #[serde(default)]
    code: String,
}

/// Why a sign-in did not start a session.
enum Refusal {
    /// Wrong name, password or second-factor code (one answer for all, so
    /// that a right password is not told apart).
    Wrong,
    /// The name or the address is locked until this time.
    Locked(i64),
    /// The database or the random source failed.
    Broken(String),
}

/// Whole seconds from `now` until `until` (both ms), at least one.
fn seconds_until(until: i64, now: i64) -> u64 {
    u64::try_from(until.saturating_sub(now)).unwrap_or(0).div_ceil(1000).max(1)
}

fn broken(e: impl std::fmt::Display) -> Refusal {
    Refusal::Broken(e.to_string())
}

/// `POST /login`: checks the name and password and starts a session.
async fn login(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let Some(auth) = state.auth() else { return unavailable(&state) };
    let form = match form {
        Ok(Form(f)) => f,
        Err(e) => {
            let message = format!("The form could not be read ({}); please sign in again.", e.body_text());
            return login_form(&state, e.status(), Some(&message));
        }
    };
    let name = form.name.trim().to_lowercase();
    match attempt(&auth, &name, form.password, &form.code, &address).await {
        Ok(token) => back_to_login(set_cookie(&token, auth.options.absolute.as_secs(), auth.options.secure_cookies)),
        Err(Refusal::Wrong) => login_form(&state, StatusCode::UNAUTHORIZED, Some("Wrong name, password or code.")),
        Err(Refusal::Locked(until)) => {
            let wait = seconds_until(until, auth.clock.now_ms());
            let mut res = login_form(
                &state,
                StatusCode::TOO_MANY_REQUESTS,
                Some(&format!("Too many failed sign-ins. Please wait {wait} seconds before trying again.")),
            );
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
            res
        }
        Err(Refusal::Broken(e)) => {
            tracing::error!(error = %e, "sign-in failed");
            unavailable(&state)
        }
    }
}

/// One sign-in attempt: the session token, or why not. Every outcome is
/// audited.
async fn attempt(auth: &Auth, name: &str, password: String, code: &str, address: &str) -> Result<String, Refusal> {
    let store = &auth.store;
    let now = auth.clock.now_ms();
    // A name that cannot exist is counted under one key, so a flood of
    // long random names makes one row, not one each.
    let key = if accounts::check_name(name).is_ok() { name } else { "(not a valid name)" };
    let creds = store.credentials(key).await.map_err(broken)?;
    let audit = |action: &str, detail: String| AuditEvent {
        actor: creds.as_ref().map_or_else(|| "-".into(), |c| c.name.clone()),
        action: action.into(),
        target: creds.as_ref().map(|c| c.name.clone()),
        address: Some(address.to_string()),
        detail: Some(detail),
    };
    let lock = [(ThrottleKind::Account, key), (ThrottleKind::Address, address)];
    let mut until = None;
    for (kind, k) in lock {
        until = until.max(store.locked_until(kind, k, now).await.map_err(broken)?);
    }
    if let Some(until) = until {
        let detail = format!("locked for {} s more", seconds_until(until, now));
        store.audit(now, &audit("login.throttled", detail)).await.map_err(broken)?;
        return Err(Refusal::Locked(until));
    }
    // The dummy hash stands in for an unknown name, so both take as long.
    let hash = creds.as_ref().map(|c| c.password_hash.clone());
    let matches = tokio::task::spawn_blocking(move || {
        accounts::verify_password(&password, hash.as_deref().unwrap_or_else(|| accounts::dummy_hash()))
    })
    .await
    .unwrap_or(false);
    // With a second factor, the code of the moment too, accepted once.
    let second = match creds.as_ref().filter(|_| matches).and_then(|c| c.totp_secret.as_deref().map(|s| (c.id, s))) {
        None => Ok(()),
        Some((id, secret)) => match accounts::check_totp(secret, code, now) {
            None => Err("wrong second-factor code"),
            Some(step) if !store.use_totp_step(id, step).await.map_err(broken)? => {
                Err("second-factor code used already")
            }
            Some(_) => Ok(()),
        },
    };
    let failure = match (&creds, matches, second) {
        (None, _, _) => Some("no such account"),
        (Some(_), false, _) => Some("wrong password"),
        (Some(_), true, Err(why)) => Some(why),
        (Some(_), true, Ok(())) => None,
    };
    if let Some(detail) = failure {
        store.record_failure(ThrottleKind::Account, key, now, &Throttle::ACCOUNT).await.map_err(broken)?;
        store.record_failure(ThrottleKind::Address, address, now, &Throttle::ADDRESS).await.map_err(broken)?;
        store.audit(now, &audit("login.failure", detail.into())).await.map_err(broken)?;
        return Err(Refusal::Wrong);
    }
    let Some(creds) = creds.as_ref() else { return Err(Refusal::Wrong) };
    store.clear_failures(ThrottleKind::Account, key).await.map_err(broken)?;
    let token = accounts::new_token().map_err(broken)?;
    let expires = now.saturating_add(i64::try_from(auth.options.absolute.as_millis()).unwrap_or(i64::MAX));
    store
        .create_session(&accounts::token_hash(&token), creds.id, now, expires, auth.options.idle)
        .await
        .map_err(broken)?;
    store.audit(now, &audit("login.success", format!("role {}", creds.role))).await.map_err(broken)?;
    Ok(token)
}

/// `POST /logout`: ends the session and clears the cookie.
async fn logout(State(state): State<AppState>, ClientAddr(address): ClientAddr, headers: HeaderMap) -> Response {
    if let (Some(auth), Some(token)) = (state.auth(), cookie_token(&headers)) {
        let user = viewer(&state, &headers).await;
        let hash = accounts::token_hash(token);
        let ended = auth.store.end_session(&hash).await;
        if let (Ok(()), Some(user)) = (ended, user) {
            let event = AuditEvent {
                actor: user.name.clone(),
                action: "logout".into(),
                target: Some(user.name),
                address: Some(address),
                detail: None,
            };
            if let Err(e) = auth.store.audit(auth.clock.now_ms(), &event).await {
                tracing::error!(error = %e, "cannot audit a sign-out");
            }
        }
    }
    back_to_login(set_cookie("", 0, state.auth().is_some_and(|a| a.options.secure_cookies)))
}

/// The session cookie with `value`, kept `max_age` seconds (0: deleted).
fn set_cookie(value: &str, max_age: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}")
}

/// `303` to the sign-in page, setting `cookie`.
fn back_to_login(cookie: String) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, "/login".to_string()), (header::SET_COOKIE, cookie)],
        [(header::CACHE_CONTROL, "no-store")],
    )
        .into_response()
}

/// `GET /admin/audit`: the newest rows of the audit log, for admins. To
/// anyone else it answers exactly like a page that does not exist.
async fn audit_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let admin = viewer(&state, &headers).await.is_some_and(|u| u.role == Role::Admin);
    let Some(auth) = state.auth().filter(|_| admin) else { return pages::not_found(&state, &headers) };
    let rows = match auth.store.audit_log(AUDIT_PAGE_ROWS).await {
        Ok(rows) => rows,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the audit log");
            return unavailable(&state);
        }
    };
    let cell = |v: &Option<String>| esc(v.as_deref().unwrap_or(""));
    let mut body = format!(
        "<p>The newest {AUDIT_PAGE_ROWS} rows, newest first (<code>attest audit</code> prints them all).</p>\n\
         <table class=\"audit\">\n<thead><tr><th>Time</th><th>Actor</th><th>Action</th><th>Target</th>\
         <th>Address</th><th>Detail</th></tr></thead>\n<tbody>\n"
    );
    for r in &rows {
        let e = &r.event;
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            accounts::format_time(r.time_ms),
            esc(&e.actor),
            esc(&e.action),
            cell(&e.target),
            cell(&e.address),
            cell(&e.detail),
        ));
    }
    body.push_str("</tbody>\n</table>\n");
    page(&state, StatusCode::OK, "Audit log", &body)
}

/// `GET /api/v1/session`: the signed-in account's name and role, or `401`.
pub async fn session_api(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match viewer(&state, &headers).await {
        Some(user) => {
            let mut body = serde_json::to_vec_pretty(&user).unwrap_or_default();
            body.push(b'\n');
            ([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")], body).into_response()
        }
        None => {
            let mut res = error_response(&ApiError::Unauthorized);
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
    }
}
