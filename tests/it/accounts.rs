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
