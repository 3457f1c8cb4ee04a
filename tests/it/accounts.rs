//! Accounts (`attest::store::accounts`, `attest::serve::auth`, `attest user`,
//! `attest audit`): the stored accounts and an audit log that refuses to be
//! changed; signing in and out through the router, cookies, sessions that
//! end, throttled failures, refused cross-site requests, `/api/v1/session`
//! and the admins' audit page; the commands; and a real server.

use std::time::Duration;

use attest::store::accounts::{self, AuditEvent, Role, Throttle, ThrottleKind};
use attest::store::{Store, StoreError};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

const T0: i64 = 1_800_000_000_000;

fn by(actor: &str, action: &str, target: &str) -> AuditEvent {
    AuditEvent {
        actor: actor.into(),
        action: action.into(),
        target: Some(target.into()),
        address: Some("command line".into()),
        detail: None,
    }
}

#[tokio::test]
async fn accounts_are_stored_with_their_role_and_audited() {
    let store = Store::open_in_memory().await.unwrap();
    let hash = accounts::hash_password("a long enough password").unwrap();
    store.add_account("anna", Role::Admin, &hash, T0, &by("root", "user.add", "anna")).await.unwrap();
    store.add_account("rex", Role::Reader, &hash, T0 + 1, &by("root", "user.add", "rex")).await.unwrap();
    let err = store.add_account("anna", Role::Reader, &hash, T0, &by("root", "user.add", "anna")).await.unwrap_err();
    assert!(matches!(err, StoreError::AccountExists(ref n) if n == "anna"), "{err}");
    store.grant("rex", "chechens-ingush-1944", T0 + 2, &by("root", "user.grant", "rex")).await.unwrap();
    let err = store.grant("anna", "*", T0, &by("root", "user.grant", "anna")).await.unwrap_err();
    assert!(err.to_string().contains("`anna` is admin"), "{err}");
    let err = store.grant("nobody", "*", T0, &by("root", "user.grant", "nobody")).await.unwrap_err();
    assert!(matches!(err, StoreError::NoSuchAccount(_)), "{err}");

    let listed = store.accounts().await.unwrap();
    assert_eq!(
        listed.iter().map(|a| (a.name.as_str(), a.role)).collect::<Vec<_>>(),
        [("anna", Role::Admin), ("rex", Role::Reader)]
    );
    assert_eq!(listed[1].grants, ["chechens-ingush-1944"]);
    let creds = store.credentials("anna").await.unwrap().unwrap();
    assert!(accounts::verify_password("a long enough password", &creds.password_hash));
    assert!(store.credentials("nobody").await.unwrap().is_none());

    // Refused changes leave no audit row; the three that happened do.
    let log = store.audit_log(100).await.unwrap();
    let actions: Vec<(&str, Option<&str>)> =
        log.iter().map(|r| (r.event.action.as_str(), r.event.target.as_deref())).collect();
    assert_eq!(actions, [("user.grant", Some("rex")), ("user.add", Some("rex")), ("user.add", Some("anna"))]);
    assert_eq!(log[0].time_ms, T0 + 2);
}

/// A store in memory with one editor, `anna`; and her account's id.
async fn store_with_anna() -> (Store, i64) {
    let store = Store::open_in_memory().await.unwrap();
    let hash = accounts::hash_password("a long enough password").unwrap();
    store.add_account("anna", Role::Editor, &hash, T0, &by("root", "user.add", "anna")).await.unwrap();
    let id = store.credentials("anna").await.unwrap().unwrap().id;
    (store, id)
}

#[tokio::test]
async fn a_new_password_ends_every_session_of_the_account() {
    let (store, id) = store_with_anna().await;
    let idle = Duration::from_secs(3600);
    for token in ["one", "two"] {
        store.create_session(&accounts::token_hash(token), id, T0, T0 + 10_000_000, idle).await.unwrap();
    }
    let user = store.session_user(&accounts::token_hash("one"), T0 + 1, idle).await.unwrap().unwrap();
    assert_eq!((user.name.as_str(), user.role), ("anna", Role::Editor));
    let hash = accounts::hash_password("another long password").unwrap();
    store.set_password("anna", &hash, T0 + 2, &by("root", "user.passwd", "anna")).await.unwrap();
    for token in ["one", "two"] {
        assert_eq!(store.session_user(&accounts::token_hash(token), T0 + 3, idle).await.unwrap(), None);
    }
}

#[tokio::test]
async fn sessions_end_when_idle_or_at_their_limit() {
    let (store, id) = store_with_anna().await;
    let idle = Duration::from_secs(600);
    let limit = T0 + 1_500_000;
    let token = accounts::token_hash("t");
    store.create_session(&token, id, T0, limit, idle).await.unwrap();
    // Seen every nine minutes, it outlives the idle limit...
    for step in 1..=2 {
        assert!(store.session_user(&token, T0 + step * 540_000, idle).await.unwrap().is_some(), "step {step}");
    }
    // ...but not its absolute limit.
    assert_eq!(store.session_user(&token, limit, idle).await.unwrap(), None);
    let token = accounts::token_hash("u");
    store.create_session(&token, id, T0, limit, idle).await.unwrap();
    assert_eq!(store.session_user(&token, T0 + 600_000, idle).await.unwrap(), None, "idle for ten minutes");
}

#[tokio::test]
async fn failures_lock_a_key_for_longer_each_time_and_a_success_forgets_them() {
    let store = Store::open_in_memory().await.unwrap();
    let rule = Throttle::ACCOUNT;
    let k = ThrottleKind::Account;
    for i in 0..4 {
        assert_eq!(store.record_failure(k, "anna", T0 + i, &rule).await.unwrap(), None);
    }
    assert_eq!(store.record_failure(k, "anna", T0 + 10, &rule).await.unwrap(), Some(T0 + 10 + 30_000));
    assert_eq!(store.locked_until(k, "anna", T0 + 20).await.unwrap(), Some(T0 + 10 + 30_000));
    assert_eq!(store.locked_until(k, "anna", T0 + 30_010).await.unwrap(), None, "the lock ends");
    assert_eq!(store.locked_until(ThrottleKind::Address, "anna", T0 + 20).await.unwrap(), None, "kinds are apart");
    assert_eq!(store.record_failure(k, "anna", T0 + 40_000, &rule).await.unwrap(), Some(T0 + 40_000 + 60_000));
    store.clear_failures(k, "anna").await.unwrap();
    assert_eq!(store.locked_until(k, "anna", T0 + 40_001).await.unwrap(), None);
    assert_eq!(store.record_failure(k, "anna", T0 + 40_002, &rule).await.unwrap(), None, "counting starts again");
    // A day without failures forgets them too.
    let day = 24 * 3600 * 1000;
    for i in 0..4 {
        store.record_failure(k, "bob", T0 + i, &rule).await.unwrap();
    }
    assert_eq!(store.record_failure(k, "bob", T0 + day + 10, &rule).await.unwrap(), None);
}

#[tokio::test]
async fn the_audit_log_refuses_updates_and_deletes() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("attest.db");
    let store = Store::open(&path).await.unwrap();
    store.audit(T0, &by("root", "user.add", "anna")).await.unwrap();
    store.close().await;
    // Straight at the file, as anyone with a SQLite shell would.
    let mut db = SqliteConnectOptions::new().filename(&path).connect().await.unwrap();
    for statement in
        ["UPDATE audit SET actor = 'someone else'", "DELETE FROM audit", "UPDATE audit SET time_ms = 0 WHERE id = 1"]
    {
        let err = sqlx::query(statement).execute(&mut db).await.unwrap_err();
        assert!(err.to_string().contains("the audit log is append-only"), "{statement}: {err}");
    }
    sqlx::query("INSERT INTO audit (time_ms, actor, action) VALUES (1, 'x', 'y')").execute(&mut db).await.unwrap();
    db.close().await.unwrap();
    let store = Store::open(&path).await.unwrap();
    let log = store.audit_log(10).await.unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[1].event.actor, "root", "the first row is as it was written");
}

// ---------------------------------------------------------------------------
// Through the router

pub(crate) mod web {
    use std::sync::OnceLock;
    use std::time::Duration;

    pub use attest::serve::auth::{Auth, AuthOptions, Clock};
    use attest::serve::state::{self, AppState, Snapshot};
    use attest::store::accounts::{self, AuditEvent, Role};
    use attest::store::Store;
    use axum::body::Body;
    use axum::extract::ConnectInfo;
    use axum::http::{header, HeaderMap, Request, StatusCode};
    use axum::Router;
    use http_body_util::BodyExt;
    use serde_json::Value;
    use tower::ServiceExt;

    use super::{by, T0};

    pub const ANNA: &str = "anna's long password";
    pub const REX: &str = "rex's long password";

    /// The sample, rendered afresh (a snapshot cannot be shared between states).
    fn snapshot() -> Snapshot {
        let loaded = attest::source::load::load_files(attest::sample::sample_files()).unwrap();
        let analysis = attest::analyze(loaded, &|| {});
        let theme = attest::render::site::Theme::default();
        state::snapshot(&analysis, &theme, false, None, &mut Default::default()).unwrap()
    }

    /// Hashes made once: Argon2 is slow on purpose.
    fn hashes() -> &'static (String, String) {
        static H: OnceLock<(String, String)> = OnceLock::new();
        H.get_or_init(|| (accounts::hash_password(ANNA).unwrap(), accounts::hash_password(REX).unwrap()))
    }

    pub struct Site {
        pub app: Router,
        pub auth: Auth,
    }

    /// The sample served with accounts `anna` (admin) and `rex` (reader),
    /// on a clock that moves only when told.
    pub async fn site(options: AuthOptions) -> Site {
        let store = Store::open_in_memory().await.unwrap();
        add_people(&store).await;
        site_on(store, options)
    }

    pub async fn add_people(store: &Store) {
        let (anna, rex) = hashes();
        store.add_account("anna", Role::Admin, anna, T0, &by("root", "user.add", "anna")).await.unwrap();
        store.add_account("rex", Role::Reader, rex, T0, &by("root", "user.add", "rex")).await.unwrap();
    }

    pub fn site_on(store: Store, options: AuthOptions) -> Site {
        let auth = Auth { store, options, clock: Clock::manual(T0) };
        let state = AppState::new(snapshot(), false, tokio::sync::watch::channel(false).1).with_auth(auth.clone());
        Site { app: attest::serve::app(state), auth }
    }

    pub struct Answer {
        pub status: StatusCode,
        pub headers: HeaderMap,
        pub body: String,
    }

    impl Answer {
        pub fn header(&self, name: header::HeaderName) -> &str {
            self.headers.get(&name).map_or("", |v| v.to_str().unwrap())
        }

        /// The session cookie this answer sets: `(token, attributes)`.
        pub fn cookie(&self) -> Option<(String, String)> {
            let set = self.headers.get(header::SET_COOKIE)?.to_str().unwrap();
            let (pair, attributes) = set.split_once("; ").unwrap_or((set, ""));
            let token = pair.strip_prefix("attest_session=").expect("the session cookie");
            Some((token.to_string(), attributes.to_string()))
        }

        pub fn json(&self) -> Value {
            serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
        }
    }

    pub async fn send(app: &Router, req: Request<Body>) -> Answer {
        let res = app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
        Answer { status, headers, body }
    }

    /// A GET, with the session cookie when a token is given.
    pub async fn get(app: &Router, uri: &str, token: Option<&str>) -> Answer {
        let mut req = Request::get(uri);
        if let Some(t) = token {
            req = req.header(header::COOKIE, format!("theme=dark; attest_session={t}"));
        }
        send(app, req.body(Body::empty()).unwrap()).await
    }

    /// A POST of `body` as a same-origin browser sends it, from `addr`.
    pub fn post(uri: &str, addr: &str) -> axum::http::request::Builder {
        let mut req = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::HOST, "encyclopedia.example")
            .header("sec-fetch-site", "same-origin");
        req.extensions_mut()
            .unwrap()
            .insert(ConnectInfo(format!("{addr}:40000").parse::<std::net::SocketAddr>().unwrap()));
        req
    }

    pub async fn login_from(app: &Router, name: &str, password: &str, addr: &str) -> Answer {
        let body = format!("name={name}&password={}", password.replace(' ', "+").replace('\'', "%27"));
        send(app, post("/login", addr).body(Body::from(body)).unwrap()).await
    }

    pub async fn login(app: &Router, name: &str, password: &str) -> Answer {
        login_from(app, name, password, "192.0.2.1").await
    }

    /// Signs in and returns the session token.
    pub async fn signed_in(app: &Router, name: &str, password: &str) -> String {
        let a = login(app, name, password).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
        a.cookie().unwrap().0
    }

    /// The session token of `name`, signed in; `None` for nobody.
    pub async fn token_of(app: &Router, name: Option<&str>, password: &str) -> Option<String> {
        match name {
            Some(n) => Some(signed_in(app, n, password).await),
            None => None,
        }
    }

    pub async fn actions(auth: &Auth) -> Vec<String> {
        let log = auth.store.audit_log(1000).await.unwrap();
        log.into_iter()
            .rev()
            .map(|r: attest::store::accounts::AuditRecord| {
                let e: AuditEvent = r.event;
                format!("{} {} {}", e.action, e.target.unwrap_or_else(|| "-".into()), e.detail.unwrap_or_default())
            })
            .collect()
    }

    pub const IDLE: Duration = Duration::from_secs(2 * 3600);
}

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use web::*;

#[tokio::test]
async fn signing_in_sets_a_strict_cookie_and_the_session_names_the_account() {
    let site = site(Default::default()).await;
    let a = login(&site.app, "anna", ANNA).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    assert_eq!(a.header(header::LOCATION), "/login");
    let (token, attributes) = a.cookie().unwrap();
    assert!(accounts::is_token(&token), "{token}");
    assert_eq!(attributes, "HttpOnly; SameSite=Strict; Path=/; Max-Age=43200");
    assert!(a.headers.get(header::STRICT_TRANSPORT_SECURITY).is_none());

    let me = get(&site.app, "/api/v1/session", Some(&token)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.json(), serde_json::json!({ "name": "anna", "role": "admin", "grants": [] }));
    assert_eq!(me.header(header::CACHE_CONTROL), "no-store");
    let doc = get(&site.app, "/api/v1/openapi.json", None).await.json();
    let schema = &doc["paths"]["/api/v1/session"]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(crate::serve_api::errors_of(&doc, schema, &me.json()), Vec::<String>::new());

    let page = get(&site.app, "/login", Some(&token)).await;
    assert!(page.body.contains("signed in as <strong>anna</strong> (admin)"), "{}", page.body);
    assert!(page.body.contains("action=\"/logout\""));

    for token in [None, Some("x".repeat(43).as_str()), Some("not a token")] {
        let nobody = get(&site.app, "/api/v1/session", token).await;
        assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
        assert_eq!(nobody.json()["error"]["code"], "unauthorized");
        assert_eq!(nobody.header(header::CACHE_CONTROL), "no-store");
    }
    assert_eq!(actions(&site.auth).await.last().unwrap(), "login.success anna role admin");
}

#[tokio::test]
async fn a_wrong_name_and_a_wrong_password_answer_alike() {
    let site = site(Default::default()).await;
    let wrong_password = login(&site.app, "anna", "not anna's password").await;
    let wrong_name = login(&site.app, "annabel", ANNA).await;
    for a in [&wrong_password, &wrong_name] {
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert!(a.cookie().is_none());
        assert!(a.body.contains("Wrong name, password or code."), "{}", a.body);
    }
    assert_eq!(wrong_password.body, wrong_name.body);
    assert_eq!(wrong_password.header(header::CONTENT_TYPE), wrong_name.header(header::CONTENT_TYPE));
    // Names are read as typed, in any case and with stray spaces.
    assert_eq!(login(&site.app, "%20Anna", ANNA).await.status, StatusCode::SEE_OTHER);
    let log = actions(&site.auth).await;
    assert!(log.contains(&"login.failure anna wrong password".to_string()), "{log:?}");
    assert!(log.contains(&"login.failure - no such account".to_string()), "{log:?}");
}

#[tokio::test]
async fn the_sign_in_page_is_a_plain_form_under_the_strict_policy() {
    let site = site(Default::default()).await;
    let page = get(&site.app, "/login", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<form class=\"login\" method=\"post\" action=\"/login\">"), "{}", page.body);
    assert!(page.body.contains("type=\"password\""));
    assert!(!page.body.contains("<script") && !page.body.contains("style="), "no inline script or style");
    assert!(page.body.contains("attest sample encyclopedia"), "the site's title");
    let csp = page.header(header::CONTENT_SECURITY_POLICY);
    assert!(
        csp.contains("script-src 'self';") && csp.contains("form-action 'self'") && !csp.contains("unsafe"),
        "{csp}"
    );
    assert_eq!(page.header(header::CACHE_CONTROL), "no-store");
}

#[tokio::test]
async fn behind_tls_the_cookie_is_secure_and_hsts_is_sent() {
    let site = site(AuthOptions { secure_cookies: true, ..Default::default() }).await;
    // Cross-site checks now expect an https origin.
    let mut req = post("/login", "192.0.2.1")
        .body(Body::from(format!("name=anna&password={}", ANNA.replace(' ', "+").replace('\'', "%27"))))
        .unwrap();
    req.headers_mut().remove("sec-fetch-site");
    req.headers_mut().insert(header::ORIGIN, "https://encyclopedia.example".parse().unwrap());
    let a = send(&site.app, req).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    assert!(a.cookie().unwrap().1.ends_with("; Secure"), "{:?}", a.cookie());
    let home = get(&site.app, "/", None).await;
    assert_eq!(home.header(header::STRICT_TRANSPORT_SECURITY), "max-age=31536000");
}

#[tokio::test]
async fn signing_out_ends_the_session_and_clears_the_cookie() {
    let site = site(Default::default()).await;
    let token = signed_in(&site.app, "rex", REX).await;
    let mut req = post("/logout", "192.0.2.1");
    req = req.header(header::COOKIE, format!("attest_session={token}"));
    let a = send(&site.app, req.body(Body::empty()).unwrap()).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(a.cookie().unwrap(), (String::new(), "HttpOnly; SameSite=Strict; Path=/; Max-Age=0".to_string()));
    assert_eq!(get(&site.app, "/api/v1/session", Some(&token)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(actions(&site.auth).await.last().unwrap(), "logout rex ");
}

#[tokio::test]
async fn a_new_password_signs_the_account_out_everywhere() {
    let site = site(Default::default()).await;
    let first = signed_in(&site.app, "rex", REX).await;
    let second = signed_in(&site.app, "rex", REX).await;
    let anna = signed_in(&site.app, "anna", ANNA).await;
    let hash = accounts::hash_password("rex's new long password").unwrap();
    site.auth.store.set_password("rex", &hash, T0, &by("root", "user.passwd", "rex")).await.unwrap();
    for token in [&first, &second] {
        assert_eq!(get(&site.app, "/api/v1/session", Some(token)).await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(get(&site.app, "/api/v1/session", Some(&anna)).await.status, StatusCode::OK, "others stay");
    assert_eq!(login(&site.app, "rex", REX).await.status, StatusCode::UNAUTHORIZED, "the old password is gone");
    assert_eq!(login(&site.app, "rex", "rex's new long password").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_second_factor_asks_for_the_code_of_the_moment_once() {
    let site = site(Default::default()).await;
    let before = signed_in(&site.app, "anna", ANNA).await;
    let secret = accounts::new_totp_secret().unwrap();
    site.auth.store.set_totp("anna", Some(&secret), T0, &by("root", "user.totp", "anna")).await.unwrap();
    assert_eq!(get(&site.app, "/api/v1/session", Some(&before)).await.status, StatusCode::UNAUTHORIZED, "signed out");
    let with_code = |password: &str, code: &str| {
        format!("name=anna&password={}&code={code}", password.replace(' ', "+").replace('\'', "%27"))
    };
    let try_code = |body: String| send(&site.app, post("/login", "192.0.2.1").body(Body::from(body)).unwrap());

    // The password alone, or with a wrong code, is refused like a wrong password.
    let alone = login(&site.app, "anna", ANNA).await;
    assert_eq!(alone.status, StatusCode::UNAUTHORIZED);
    assert!(alone.body.contains("Wrong name, password or code."), "{}", alone.body);
    let code = accounts::totp_code(&secret, T0).unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(try_code(with_code(ANNA, wrong)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(try_code(with_code("not her password at all", &code)).await.status, StatusCode::UNAUTHORIZED);

    // The right code signs in, once; the next step's code works too (clock drift).
    let ok = try_code(with_code(ANNA, &format!("{} {}", &code[..3], &code[3..]))).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(try_code(with_code(ANNA, &code)).await.status, StatusCode::UNAUTHORIZED, "a code counts once");
    let next = accounts::totp_code(&secret, T0 + 30_000).unwrap();
    assert_eq!(try_code(with_code(ANNA, &next)).await.status, StatusCode::SEE_OTHER);
    // Two minutes later that code is stale.
    site.auth.clock.advance(Duration::from_secs(120));
    let stale = accounts::totp_code(&secret, T0 + 60_000).unwrap();
    assert_eq!(try_code(with_code(ANNA, &stale)).await.status, StatusCode::UNAUTHORIZED);
    let details: Vec<String> = site
        .auth
        .store
        .audit_log(50)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.event.action == "login.failure")
        .filter_map(|r| r.event.detail)
        .collect();
    for why in ["wrong second-factor code", "second-factor code used already", "wrong password"] {
        assert!(details.iter().any(|d| d == why), "{why} in {details:?}");
    }
    // Others sign in as before.
    assert_eq!(login(&site.app, "rex", REX).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn sessions_end_after_two_idle_hours_or_twelve_in_all() {
    let site = site(Default::default()).await;
    let token = signed_in(&site.app, "anna", ANNA).await;
    site.auth.clock.advance(IDLE - Duration::from_secs(1));
    assert_eq!(get(&site.app, "/api/v1/session", Some(&token)).await.status, StatusCode::OK);
    site.auth.clock.advance(IDLE);
    assert_eq!(get(&site.app, "/api/v1/session", Some(&token)).await.status, StatusCode::UNAUTHORIZED, "idle");

    let token = signed_in(&site.app, "anna", ANNA).await;
    for hour in 1..12 {
        site.auth.clock.advance(Duration::from_secs(3600));
        assert_eq!(get(&site.app, "/api/v1/session", Some(&token)).await.status, StatusCode::OK, "hour {hour}");
    }
    site.auth.clock.advance(Duration::from_secs(3600));
    assert_eq!(get(&site.app, "/api/v1/session", Some(&token)).await.status, StatusCode::UNAUTHORIZED, "12 h");
}

#[tokio::test]
async fn failed_sign_ins_lock_the_name_for_longer_each_time_even_across_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("attest.db");
    let store = Store::open(&db).await.unwrap();
    add_people(&store).await;
    let site = site_on(store.clone(), Default::default());
    for i in 1..=5 {
        assert_eq!(login(&site.app, "anna", "guess").await.status, StatusCode::UNAUTHORIZED, "failure {i}");
    }
    // Locked now: even the right password is not looked at.
    let locked = login(&site.app, "anna", ANNA).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{}", locked.body);
    assert_eq!(locked.header(header::RETRY_AFTER), "30");
    assert!(locked.body.contains("wait 30 seconds"), "{}", locked.body);
    assert!(locked.cookie().is_none());
    // Another name from the same address is not locked by it.
    assert_eq!(login(&site.app, "rex", REX).await.status, StatusCode::SEE_OTHER);

    // A restart keeps the lock: it is in the database.
    store.close().await;
    let store = Store::open(&db).await.unwrap();
    let site = site_on(store, Default::default());
    site.auth.clock.advance(Duration::from_secs(10));
    let locked = login(&site.app, "anna", ANNA).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.header(header::RETRY_AFTER), "20");
    // Once it ends, one more failure locks for twice as long.
    site.auth.clock.advance(Duration::from_secs(21));
    assert_eq!(login(&site.app, "anna", "guess").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(login(&site.app, "anna", ANNA).await.header(header::RETRY_AFTER), "60");
    site.auth.clock.advance(Duration::from_secs(61));
    assert_eq!(login(&site.app, "anna", ANNA).await.status, StatusCode::SEE_OTHER);
    let log = actions(&site.auth).await;
    assert_eq!(log.iter().filter(|a| a.starts_with("login.failure anna")).count(), 6, "{log:?}");
    assert!(log.iter().any(|a| a.starts_with("login.throttled anna locked for")), "{log:?}");
}

#[tokio::test]
async fn many_failures_from_one_address_lock_that_address_only() {
    let site = site(Default::default()).await;
    for i in 0..20 {
        let a = login_from(&site.app, &format!("someone{i}"), "guess", "198.51.100.7").await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "failure {i}");
    }
    let locked = login_from(&site.app, "anna", ANNA, "198.51.100.7").await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.header(header::RETRY_AFTER), "30");
    assert_eq!(login_from(&site.app, "anna", ANNA, "203.0.113.9").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn changes_from_other_sites_are_refused() {
    let site = site(Default::default()).await;
    let token = signed_in(&site.app, "anna", ANNA).await;
    let logout = |headers: &[(&str, &str)]| {
        let mut req = Request::post("/logout")
            .header(header::HOST, "encyclopedia.example")
            .header(header::COOKIE, format!("attest_session={token}"));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.body(Body::empty()).unwrap()
    };
    for (why, headers) in [
        ("cross-site", &[("sec-fetch-site", "cross-site"), ("origin", "https://evil.example")][..]),
        ("same-site", &[("sec-fetch-site", "same-site")][..]),
        ("a foreign origin", &[("origin", "http://evil.example")][..]),
        ("an origin on another port", &[("origin", "http://encyclopedia.example:8081")][..]),
        ("an opaque origin", &[("origin", "null")][..]),
        ("neither header", &[][..]),
    ] {
        let a = send(&site.app, logout(headers)).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{why}");
        assert!(a.cookie().is_none(), "{why}");
        assert!(a.headers.contains_key(header::CONTENT_SECURITY_POLICY), "{why}: the usual headers");
        assert_eq!(get(&site.app, "/api/v1/session", Some(&token)).await.status, StatusCode::OK, "{why}");
    }
    // A refused sign-in is not even counted as a failure.
    let mut req = post("/login", "192.0.2.1").body(Body::from("name=anna&password=x")).unwrap();
    req.headers_mut().insert("sec-fetch-site", "cross-site".parse().unwrap());
    assert_eq!(send(&site.app, req).await.status, StatusCode::FORBIDDEN);
    assert!(!actions(&site.auth).await.iter().any(|a| a.starts_with("login.failure")));
    // The same site, by either header, may.
    let a = send(&site.app, logout(&[("origin", "http://encyclopedia.example")])).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let token = signed_in(&site.app, "anna", ANNA).await;
    let a = send(&site.app, logout(&[("sec-fetch-site", "same-origin")])).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(get(&site.app, "/api/v1/session", Some(&token)).await.status, StatusCode::OK, "another session");
    // Reading is never refused.
    let a =
        send(&site.app, Request::get("/").header("sec-fetch-site", "cross-site").body(Body::empty()).unwrap()).await;
    assert_eq!(a.status, StatusCode::OK);
}

#[tokio::test]
async fn the_audit_page_is_for_admins_and_answers_others_like_a_missing_page() {
    let site = site(Default::default()).await;
    let anna = signed_in(&site.app, "anna", ANNA).await;
    let rex = signed_in(&site.app, "rex", REX).await;
    let _ = login(&site.app, "rex", "<script>guess</script>").await;
    let page = get(&site.app, "/admin/audit", Some(&anna)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<td>login.success</td><td>rex</td>"), "{}", page.body);
    assert!(page.body.contains("<td>user.add</td><td>anna</td><td>command line</td>"), "{}", page.body);
    assert_eq!(page.header(header::CACHE_CONTROL), "no-store");
    let missing = get(&site.app, "/admin/nothing-here", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    for (who, token) in
        [("a reader", Some(rex.as_str())), ("nobody", None), ("a stale cookie", Some(&"A".repeat(43)[..]))]
    {
        let a = get(&site.app, "/admin/audit", token).await;
        assert_eq!(a.status, missing.status, "{who}");
        assert_eq!(a.body, missing.body, "{who}");
        for h in [header::CONTENT_TYPE, header::CACHE_CONTROL, header::ETAG] {
            assert_eq!(a.header(h.clone()), missing.header(h), "{who}");
        }
    }
}

#[tokio::test]
async fn malformed_and_oversized_forms_are_refused_with_a_reason() {
    let site = site(Default::default()).await;
    let form = |body: Vec<u8>, kind: &str| {
        let mut req = post("/login", "192.0.2.1").body(Body::from(body)).unwrap();
        req.headers_mut().insert(header::CONTENT_TYPE, kind.parse().unwrap());
        req
    };
    let form_type = "application/x-www-form-urlencoded";
    for (why, req, status) in [
        ("no password", form(b"name=anna".to_vec(), form_type), StatusCode::UNPROCESSABLE_ENTITY),
        ("not a form", form(b"{\"name\":\"anna\"}".to_vec(), "application/json"), StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ("too large", form(vec![b'a'; 100 * 1024], form_type), StatusCode::PAYLOAD_TOO_LARGE),
    ] {
        let a = send(&site.app, req).await;
        assert_eq!(a.status, status, "{why}: {}", a.body);
        assert!(a.body.contains("The form could not be read"), "{why}: {}", a.body);
    }
    // Bytes that are not UTF-8, or a name no account can have, are an
    // ordinary failure.
    let a = send(&site.app, form(b"name=%FF&password=x".to_vec(), form_type)).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.body);
    let long = "x".repeat(10_000);
    assert_eq!(login(&site.app, &long, "guess").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(site.auth.store.locked_until(ThrottleKind::Account, &long, T0).await.unwrap(), None);
}

// ---------------------------------------------------------------------------
// The commands, and a real server

/// Runs `attest ARGS` with `stdin` on standard input.
pub(crate) fn attest(args: &[&str], stdin: &str) -> (i32, String, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_attest"))
        .args(args)
        .env("USER", "ops")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap(), text(&out.stdout), text(&out.stderr))
}

/// A copy of the sample on disk.
pub(crate) fn sample_dir() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    attest::sample::write_project(tmp.path(), &attest::sample::sample_files()).unwrap();
    tmp
}

#[test]
fn user_add_prints_a_password_once_into_the_database_serve_uses() {
    let tmp = sample_dir();
    let dir = tmp.path().to_str().unwrap();
    let (code, out, err) = attest(&["user", "add", "anna", "--role", "admin", dir], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("created the account `anna` (admin)"), "{out}");
    let password = out.lines().find_map(|l| l.strip_prefix("password: ")).expect("the password is printed");
    assert_eq!(password.chars().count(), 20);
    let db = tmp.path().join(".attest/attest.db");
    assert!(db.is_file(), "the database of `attest serve DIR`");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let hash = rt.block_on(async {
        let store = Store::open(&db).await.unwrap();
        store.credentials("anna").await.unwrap().unwrap().password_hash
    });
    assert!(accounts::verify_password(password, &hash));
    assert!(!hash.contains(password), "only the hash is stored");

    // With --password-stdin nothing is printed but the account.
    let (code, out, _) =
        attest(&["user", "add", "rex", "--role", "reader", "--password-stdin", dir], "rex's long password\n");
    assert_eq!(code, 0);
    assert!(!out.contains("password:"), "{out}");
    assert_eq!(attest(&["user", "grant", "rex", "chechens-ingush-1944", dir], "").0, 0);
    let (code, out, _) = attest(&["user", "passwd", "rex", "--password-stdin", dir], "rex's newer password\r\n");
    assert_eq!(code, 0, "{out}");
    let (_, list, _) = attest(&["user", "list", dir], "");
    assert!(list.contains("anna") && list.contains("admin"), "{list}");
    assert!(list.contains("grants: chechens-ingush-1944"), "{list}");

    // Refusals say why and change nothing.
    for (args, stdin, reason) in [
        (vec!["user", "add", "anna", "--role", "reader", dir], "", "already an account named `anna`"),
        (vec!["user", "add", "Anna", "--role", "reader", dir], "", "`A` is not allowed"),
        (vec!["user", "add", "eve", "--role", "boss", dir], "", "unknown role `boss`"),
        (vec!["user", "add", "eve", "--role", "reader", "--password-stdin", dir], "short\n", "at least 12"),
        (vec!["user", "passwd", "nobody", dir], "", "no account named `nobody`"),
        (vec!["user", "grant", "anna", "*", dir], "", "sees every entry already"),
        (vec!["user", "grant", "rex", "../x", dir], "", "neither an entry's slug"),
        (vec!["user", "list", "/no/such/folder"], "", "not an encyclopedia"),
    ] {
        let (code, _, err) = attest(&args, stdin);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(reason), "{args:?}: {err}");
    }
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("attest.toml"), "title = \"x\"\n").unwrap();
    let (code, _, err) = attest(&["audit", empty.path().to_str().unwrap()], "");
    assert_eq!(code, 2);
    assert!(err.contains("no database at"), "{err}");
    assert!(!empty.path().join(".attest").exists(), "reading makes no database");

    let (code, json, _) = attest(&["audit", "--json", dir], "");
    assert_eq!(code, 0);
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    let seen: Vec<(&str, &str, &str)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["actor"].as_str().unwrap(), r["action"].as_str().unwrap(), r["target"].as_str().unwrap()))
        .collect();
    assert_eq!(
        seen,
        [
            ("ops", "user.add", "anna"),
            ("ops", "user.add", "rex"),
            ("ops", "user.grant", "rex"),
            ("ops", "user.passwd", "rex")
        ]
    );
    let (_, text, _) = attest(&["audit", dir], "");
    assert!(text.lines().next().unwrap().contains("UTC  ops  user.add  anna  command line  role admin"), "{text}");
}

#[test]
fn a_real_server_signs_in_over_a_socket_and_knows_the_cookie() {
    use std::io::{Read, Write};
    let tmp = sample_dir();
    let dir = tmp.path().to_str().unwrap();
    assert_eq!(
        attest(&["user", "add", "anna", "--role", "admin", "--password-stdin", dir], "anna's long password\n").0,
        0
    );
    let (mut child, addr) = crate::serve_process::start(&[dir]);
    let body = "name=anna&password=anna%27s+long+password";
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "POST /login HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    let cookie = answer
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: attest_session="))
        .and_then(|v| v.split(';').next())
        .unwrap_or_else(|| panic!("no session cookie in {answer}"))
        .to_string();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "GET /api/v1/session HTTP/1.1\r\nHost: {addr}\r\nCookie: attest_session={cookie}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut me = String::new();
    s.read_to_string(&mut me).unwrap();
    assert!(me.starts_with("HTTP/1.1 200"), "{me}");
    assert!(me.contains("\"name\": \"anna\"") && me.contains("\"role\": \"admin\""), "{me}");
    assert!(crate::serve_process::http_get(&addr, "/api/v1/session").starts_with("HTTP/1.1 401"));
    assert!(crate::serve_process::stop(&mut child).success());
    // The audit names the client's address the server saw.
    let (_, log, _) = attest(&["audit", dir], "");
    assert!(log.contains("login.success  anna  127.0.0.1  role admin"), "{log}");
}

#[test]
fn attest_user_totp_prints_the_secret_once_and_can_remove_it() {
    let tmp = sample_dir();
    let dir = tmp.path().to_str().unwrap();
    let (code, _, err) =
        attest(&["user", "add", "ed", "--role", "editor", "--password-stdin", dir], "a long enough password\n");
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = attest(&["user", "totp", "ed", dir], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("otpauth://totp/attest:ed?secret="), "{out}");
    let key = out.lines().find_map(|l| l.strip_prefix("or type the key: ")).expect("the key, typed");
    assert!(key.len() >= 32 && key.chars().all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)), "{key}");
    let (code, out, _) = attest(&["user", "totp", "ed", "--off", dir], "");
    assert_eq!(code, 0);
    assert!(out.contains("password only"), "{out}");
    let (code, _, err) = attest(&["user", "totp", "nobody", dir], "");
    assert_eq!(code, 2);
    assert!(err.contains("no account named `nobody`"), "{err}");
    let (_, log, _) = attest(&["audit", dir], "");
    assert_eq!(log.matches("user.totp").count(), 2, "{log}");

    // An internal build, made beside the database, is recorded too.
    let out = tmp.path().join("internal");
    let (code, _, err) = attest(&["build", dir, "--include-restricted", "--out", out.to_str().unwrap()], "");
    assert_eq!(code, 0, "{err}");
    let (_, log, _) = attest(&["audit", dir], "");
    assert!(log.contains("export.restricted") && log.contains("--include-restricted"), "{log}");
}
