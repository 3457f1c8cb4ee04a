//! Accounts, sessions, login throttling and the audit log: the tables of
//! migration 2 and everything that is stored in them.
//!
//! This module owns the stored forms of credentials: passwords are kept
//! only as Argon2id PHC strings ([`hash_password`], [`verify_password`]),
//! and a session is kept only as the SHA-256 of the random token its
//! cookie carries ([`new_token`], [`token_hash`]), so a copy of the
//! database lets nobody sign in. The rules of *when* to lock and for how
//! long are plain values ([`Throttle`]) and functions of the time passed
//! in, so the server and the tests decide what "now" is.
//!
//! The audit log is append-only in the database itself: triggers refuse
//! every `UPDATE` and `DELETE` of its rows, whoever asks. Every change to
//! an account writes its audit row in the same transaction as the change.

use std::time::Duration;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use serde::Serialize;
use sqlx::Row;

use super::{hash_hex, sql, Store, StoreError};

/// What an account may do. In the server so far: admins read the audit
/// log, editors and admins (and readers, through grants) see restricted
/// material (see `serve::auth::clearance`); authors and reviewers are
/// recorded for the editing workflow to come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads; may be granted restricted material.
    Reader,
    /// Writes entries.
    Author,
    /// Reviews entries.
    Reviewer,
    /// Edits and publishes.
    Editor,
    /// Manages accounts and reads the audit log.
    Admin,
}

impl Role {
    /// Every role, least powerful first.
    pub const ALL: [Role; 5] = [Role::Reader, Role::Author, Role::Reviewer, Role::Editor, Role::Admin];

    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Author => "author",
            Role::Reviewer => "reviewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| {
            let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
            format!("unknown role `{s}` (expected one of: {})", names.join(", "))
        })
    }
}

fn role_of(text: &str) -> Result<Role, StoreError> {
    text.parse().map_err(StoreError::Corrupt)
}

/// An account as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    /// The sign-in name.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// When it was made (ms since 1970).
    pub created_ms: i64,
    /// When its password was last set (ms since 1970).
    pub password_changed_ms: i64,
    /// Restricted material granted to it: entry slugs, or `*`.
    pub grants: Vec<String>,
}

/// What signing in needs to know of an account.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// Row id.
    pub id: i64,
    /// The sign-in name.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// The Argon2id PHC string.
    pub password_hash: String,
    /// The TOTP secret, when the account signs in with a second factor.
    pub totp_secret: Option<Vec<u8>>,
}

/// The account behind a live session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionUser {
    /// The sign-in name.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// Entries granted to it (to readers to read, to authors and reviewers
    /// to work on): slugs, or `*`.
    pub grants: Vec<String>,
}

/// One row of the audit log to write.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    /// Who acted: an account name, or who ran a command.
    pub actor: String,
    /// What was done (`login.success`, `user.add`, ...).
    pub action: String,
    /// The account or thing acted on.
    pub target: Option<String>,
    /// The client's address, or `command line`.
    pub address: Option<String>,
    /// Anything else worth knowing.
    pub detail: Option<String>,
}

/// One row of the audit log as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    /// Increasing with every row.
    pub id: i64,
    /// When (ms since 1970).
    pub time_ms: i64,
    /// What happened.
    #[serde(flatten)]
    pub event: AuditEvent,
}

/// What failed sign-ins are counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleKind {
    /// The account name as typed (whether or not the account exists, so a
    /// lock says nothing about which names exist).
    Account,
    /// The client's address.
    Address,
}

impl ThrottleKind {
    fn as_str(self) -> &'static str {
        match self {
            ThrottleKind::Account => "account",
            ThrottleKind::Address => "address",
        }
    }
}

/// When failed sign-ins lock a name or an address, and for how long: the
/// first `free` failures in a row cost nothing; the next one locks for
/// `base`, and each failure after that doubles the lock, up to `max`. Failures are forgotten `forget` after the last one, and a
/// successful sign-in forgets an account's failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// Failures allowed before the first lock.
    pub free: u32,
    /// The first lock.
    pub base: Duration,
    /// The longest lock.
    pub max: Duration,
    /// Quiet time after which failures are forgotten.
    pub forget: Duration,
}

impl Throttle {
    /// Per account name: four failures are free; the fifth locks for 30 s,
    /// the sixth for 1 min, then 2 min ... up to an hour.
    pub const ACCOUNT: Throttle = Throttle {
        free: 4,
        base: Duration::from_secs(30),
        max: Duration::from_secs(3600),
        forget: Duration::from_secs(24 * 3600),
    };

    /// Per client address: more room, since many people may share one
    /// address (an office, a library): the twentieth failure locks for
    /// 30 s, and locks double from there.
    pub const ADDRESS: Throttle = Throttle {
        free: 19,
        base: Duration::from_secs(30),
        max: Duration::from_secs(3600),
        forget: Duration::from_secs(24 * 3600),
    };

    /// How long the `failures`-th failure in a row locks for.
    pub fn lock_for(&self, failures: u32) -> Option<Duration> {
        let over = failures.checked_sub(self.free + 1)?;
        let factor = 1u32.checked_shl(over.min(31)).unwrap_or(u32::MAX);
        Some(self.base.checked_mul(factor).map_or(self.max, |d| d.min(self.max)))
    }
}

/// Why credentials could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// The operating system gave no random bytes.
    #[error("the system's random number source failed: {0}")]
    Random(String),
    /// Argon2 refused (it only does so when out of memory).
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// Checks an account name: 1 to 64 characters, lowercase ASCII letters,
/// digits, `.`, `_`, `-` and `@` (so an e-mail address fits).
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '@');
    if name.is_empty() || name.len() > 64 {
        return Err(format!("an account name has 1 to 64 characters (`{name}` has {})", name.chars().count()));
    }
    if let Some(c) = name.chars().find(|&c| !ok(c)) {
        return Err(format!(
            "`{name}` cannot be an account name: `{c}` is not allowed (use lowercase letters, digits, `.`, `_`, `-`, `@`)"
        ));
    }
    Ok(())
}

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest password accepted, in bytes.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Checks a new password's length (at least 12 characters, at most 1024
/// bytes); nothing else is imposed, so a long passphrase is welcome.
pub fn check_password(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(format!("a password needs at least {MIN_PASSWORD_CHARS} characters (this one has {n})"));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(format!("a password may have at most {MAX_PASSWORD_BYTES} bytes"));
    }
    Ok(())
}

/// Hashes a password with Argon2id (the crate's defaults: 19 MiB, two
/// passes, one lane, a random 16-byte salt) into a PHC string.
pub fn hash_password(password: &str) -> Result<String, CredentialError> {
    let hash: argon2::password_hash::phc::PasswordHash =
        Argon2::default().hash_password(password.as_bytes()).map_err(|e| CredentialError::Hash(e.to_string()))?;
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `hash` (false for a string
/// that is not a valid hash).
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
}

/// A hash of a random password nobody knows, made once: signing in with
/// an unknown name is verified against it, so it takes as long as with a
/// known name and a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let password = random_password().unwrap_or_else(|_| "an unguessable placeholder".to_string());
        hash_password(&password).unwrap_or_default()
    })
}

fn random_bytes<const N: usize>() -> Result<[u8; N], CredentialError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| CredentialError::Random(e.to_string()))?;
    Ok(buf)
}

/// A new session token: 32 random bytes, base64url without padding (43
/// characters). Only its [`token_hash`] is stored.
pub fn new_token() -> Result<String, CredentialError> {
    use base64::Engine;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>()?))
}

/// A new TOTP secret: 20 random bytes (160 bits, as RFC 4226 advises).
pub fn new_totp_secret() -> Result<Vec<u8>, CredentialError> {
    Ok(random_bytes::<20>()?.to_vec())
}

fn totp(secret: &[u8]) -> Option<totp_rs::Totp> {
    // RFC 6238's defaults, which every authenticator app reads: SHA-1, six
    // digits, 30-second steps, one step of clock drift either way.
    totp_rs::Builder::new().with_secret(secret).build().ok()
}

/// The step (30-second period since 1970) that `code` is valid for at
/// `now_ms` under `secret`, allowing one step of drift; `None` when it is
/// not a valid code. Spaces in the code are ignored.
pub fn check_totp(secret: &[u8], code: &str, now_ms: i64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let secs = u64::try_from(now_ms.div_euclid(1000)).ok()?;
    totp(secret)?.check(&code, secs)
}

/// The code of `secret` at `now_ms` (for tests and for checking a setup).
pub fn totp_code(secret: &[u8], now_ms: i64) -> Option<String> {
    let secs = u64::try_from(now_ms.div_euclid(1000)).ok()?;
    Some(totp(secret)?.generate(secs).to_string())
}

/// The secret as authenticator apps take it typed: base32, no padding.
pub fn totp_base32(secret: &[u8]) -> String {
    totp_rs::Secret::from(secret).to_base32()
}

/// The `otpauth://` address that authenticator apps read (from a QR code
/// or pasted): account `name` at `issuer`.
pub fn totp_uri(secret: &[u8], issuer: &str, name: &str) -> String {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period=30",
        enc(issuer),
        enc(name),
        totp_base32(secret),
        enc(issuer)
    )
}

/// Whether `s` has the form of a token from [`new_token`].
pub fn is_token(s: &str) -> bool {
    s.len() == 43 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The stored form of a session token: hex SHA-256.
pub fn token_hash(token: &str) -> String {
    hash_hex(token.as_bytes())
}

/// A random password of 20 letters and digits, without the look-alikes
/// `0 O 1 l I` (about 115 bits), for `attest user add` to print once.
pub fn random_password() -> Result<String, CredentialError> {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    // Bytes at or above the largest multiple of the alphabet's size are
    // dropped, so every character is equally likely.
    let limit = 256 - 256 % ALPHABET.len();
    let mut out = String::with_capacity(20);
    while out.len() < 20 {
        for b in random_bytes::<32>()? {
            if usize::from(b) < limit && out.len() < 20 {
                out.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
            }
        }
    }
    Ok(out)
}

/// A time as `2026-11-29 11:50:03 UTC`.
pub fn format_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let day = crate::parse::edtf::Day::from_unix_days(days);
    format!("{day} {:02}:{:02}:{:02} UTC", rem / 3600, rem % 3600 / 60, rem % 60)
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

async fn insert_audit<'c, E>(db: E, now_ms: i64, e: &AuditEvent) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Sqlite>,
{
    sqlx::query(sql::INSERT_AUDIT)
        .bind(now_ms)
        .bind(&e.actor)
        .bind(&e.action)
        .bind(e.target.as_deref())
        .bind(e.address.as_deref())
        .bind(e.detail.as_deref())
        .execute(db)
        .await?;
    Ok(())
}

impl Store {
    /// Creates an account and audits it, in one transaction. The name must
    /// be free.
    pub async fn add_account(
        &self,
        name: &str,
        role: Role,
        password_hash: &str,
        now_ms: i64,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let _one_writer = self.write.lock().await;
        let mut tx = self.pool.begin().await?;
        if sqlx::query(sql::ACCOUNT_BY_NAME).bind(name).fetch_optional(&mut *tx).await?.is_some() {
            return Err(StoreError::AccountExists(name.to_string()));
        }
        sqlx::query(sql::INSERT_ACCOUNT)
            .bind(name)
            .bind(role.as_str())
            .bind(password_hash)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        insert_audit(&mut *tx, now_ms, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets an account's password, ends every session it has (a stolen
    /// session dies with the old password) and audits it, in one
    /// transaction.
    pub async fn set_password(
        &self,
        name: &str,
        password_hash: &str,
        now_ms: i64,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        self.change_credentials(
            name,
            |id| sqlx::query(sql::SET_PASSWORD).bind(id).bind(password_hash).bind(now_ms),
            now_ms,
            audit,
        )
        .await
    }

    /// Runs `change` (made from the account's id) on account `name`, ends
    /// its sessions and audits it, in one transaction: what every change
    /// of how an account signs in does.
    async fn change_credentials<'q>(
        &self,
        name: &str,
        change: impl FnOnce(i64) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>,
        now_ms: i64,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        let _one_writer = self.write.lock().await;
        let mut tx = self.pool.begin().await?;
        let id = account_id(&mut tx, name).await?;
        change(id).execute(&mut *tx).await?;
        sqlx::query(sql::DELETE_SESSIONS_OF).bind(id).execute(&mut *tx).await?;
        insert_audit(&mut *tx, now_ms, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Grants an entry (a slug, or `*` for all) to a reader (who may then
    /// read its restricted material) or to an author or reviewer (who may
    /// then work on it), and audits it. Granting twice is not an error.
    /// Returns the account's role.
    pub async fn grant(&self, name: &str, target: &str, now_ms: i64, audit: &AuditEvent) -> Result<Role, StoreError> {
        let _one_writer = self.write.lock().await;
        let mut tx = self.pool.begin().await?;
        let id = account_id(&mut tx, name).await?;
        let role: String = sqlx::query(sql::ACCOUNT_BY_NAME).bind(name).fetch_one(&mut *tx).await?.try_get("role")?;
        let role_now = role_of(&role)?;
        if role_now >= Role::Editor {
            return Err(StoreError::NotAReader { name: name.to_string(), role });
        }
        sqlx::query(sql::INSERT_GRANT).bind(id).bind(target).bind(now_ms).execute(&mut *tx).await?;
        insert_audit(&mut *tx, now_ms, audit).await?;
        tx.commit().await?;
        Ok(role_now)
    }

    /// Every account with its grants, by name.
    pub async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        let mut grants: std::collections::HashMap<String, Vec<String>> = Default::default();
        for r in sqlx::query(sql::GRANTS).fetch_all(&self.pool).await? {
            grants.entry(r.try_get("name")?).or_default().push(r.try_get("target")?);
        }
        let rows = sqlx::query(sql::ACCOUNTS).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let name: String = r.try_get("name")?;
                Ok(Account {
                    role: role_of(r.try_get("role")?)?,
                    created_ms: r.try_get("created_ms")?,
                    password_changed_ms: r.try_get("password_changed_ms")?,
                    grants: grants.remove(&name).unwrap_or_default(),
                    name,
                })
            })
            .collect()
    }

    /// The credentials of the account named `name`, if there is one.
    pub async fn credentials(&self, name: &str) -> Result<Option<Credentials>, StoreError> {
        let Some(r) = sqlx::query(sql::ACCOUNT_BY_NAME).bind(name).fetch_optional(&self.pool).await? else {
            return Ok(None);
        };
        Ok(Some(Credentials {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            role: role_of(r.try_get("role")?)?,
            password_hash: r.try_get("password_hash")?,
            totp_secret: r.try_get("totp_secret")?,
        }))
    }

    /// Sets (or with `None` removes) the TOTP secret of `name`, signs the
    /// account out everywhere, and audits it.
    pub async fn set_totp(
        &self,
        name: &str,
        secret: Option<&[u8]>,
        now_ms: i64,
        audit: &AuditEvent,
    ) -> Result<(), StoreError> {
        self.change_credentials(name, |id| sqlx::query(sql::SET_TOTP).bind(id).bind(secret), now_ms, audit).await
    }

    /// Records that account `id` used TOTP step `step`: false when that
    /// step, or a later one, was used already (a code counts once).
    pub async fn use_totp_step(&self, id: i64, step: u64) -> Result<bool, StoreError> {
        let _one_writer = self.write.lock().await;
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        let done = sqlx::query(sql::USE_TOTP_STEP).bind(id).bind(step).execute(&self.pool).await?;
        Ok(done.rows_affected() == 1)
    }

    /// Stores a new session of `account` (by the hash of its token) that
    /// ends at `expires_ms` at the latest, and forgets sessions that have
    /// ended (`idle` after they were last seen, or at their limit).
    pub async fn create_session(
        &self,
        token_hash: &str,
        account: i64,
        now_ms: i64,
        expires_ms: i64,
        idle: Duration,
    ) -> Result<(), StoreError> {
        let _one_writer = self.write.lock().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query(sql::DELETE_ENDED_SESSIONS).bind(now_ms).bind(now_ms - ms(idle)).execute(&mut *tx).await?;
        sqlx::query(sql::INSERT_SESSION)
            .bind(token_hash)
            .bind(account)
            .bind(now_ms)
            .bind(expires_ms)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The account of the session whose token hashes to `token_hash`, if
    /// the session exists and has not ended (seen within `idle`, before
    /// its limit). A session in use is marked seen at most once a minute,
    /// so reading pages does not write on every request.
    pub async fn session_user(
        &self,
        token_hash: &str,
        now_ms: i64,
        idle: Duration,
    ) -> Result<Option<SessionUser>, StoreError> {
        let Some(r) = sqlx::query(sql::SESSION).bind(token_hash).fetch_optional(&self.pool).await? else {
            return Ok(None);
        };
        let last_seen: i64 = r.try_get("last_seen_ms")?;
        let expires: i64 = r.try_get("expires_ms")?;
        if now_ms >= expires || now_ms >= last_seen.saturating_add(ms(idle)) {
            self.end_session(token_hash).await?;
            return Ok(None);
        }
        if now_ms - last_seen >= 60_000 {
            let _one_writer = self.write.lock().await;
            sqlx::query(sql::TOUCH_SESSION).bind(token_hash).bind(now_ms).execute(&self.pool).await?;
        }
        let account: i64 = r.try_get("account")?;
        let grants = sqlx::query(sql::GRANTS_OF)
            .bind(account)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|g| g.try_get("target"))
            .collect::<Result<_, _>>()?;
        Ok(Some(SessionUser { name: r.try_get("name")?, role: role_of(r.try_get("role")?)?, grants }))
    }

    /// Ends one session (nothing happens if there is none).
    pub async fn end_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let _one_writer = self.write.lock().await;
        sqlx::query(sql::DELETE_SESSION).bind(token_hash).execute(&self.pool).await?;
        Ok(())
    }

    /// Until when (ms since 1970) `key` is locked, if it is locked at `now_ms`.
    pub async fn locked_until(&self, kind: ThrottleKind, key: &str, now_ms: i64) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query(sql::THROTTLE).bind(kind.as_str()).bind(key).fetch_optional(&self.pool).await?;
        let until: Option<i64> = row.map(|r| r.try_get("locked_until_ms")).transpose()?;
        Ok(until.filter(|&u| u > now_ms))
    }

    /// Counts a failed sign-in against `key` and locks it as `rule` says;
    /// returns until when it is now locked, if it is. Entries of other keys
    /// that are neither locked nor recent are dropped on the way, so typing
    /// random names cannot grow the table without end.
    pub async fn record_failure(
        &self,
        kind: ThrottleKind,
        key: &str,
        now_ms: i64,
        rule: &Throttle,
    ) -> Result<Option<i64>, StoreError> {
        let _one_writer = self.write.lock().await;
        let mut tx = self.pool.begin().await?;
        let forget_before = now_ms - ms(rule.forget);
        sqlx::query(sql::FORGET_FAILURES).bind(forget_before).bind(now_ms).execute(&mut *tx).await?;
        let row = sqlx::query(sql::THROTTLE).bind(kind.as_str()).bind(key).fetch_optional(&mut *tx).await?;
        let before: u32 = match row {
            Some(r) if r.try_get::<i64, _>("last_failure_ms")? >= forget_before => {
                u32::try_from(r.try_get::<i64, _>("failures")?).unwrap_or(u32::MAX)
            }
            _ => 0,
        };
        let failures = before.saturating_add(1);
        let until = rule.lock_for(failures).map(|d| now_ms.saturating_add(ms(d)));
        sqlx::query(sql::UPSERT_THROTTLE)
            .bind(kind.as_str())
            .bind(key)
            .bind(i64::from(failures))
            .bind(now_ms)
            .bind(until.unwrap_or(0))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(until)
    }

    /// Forgets the failures counted against `key` (after a successful
    /// sign-in).
    pub async fn clear_failures(&self, kind: ThrottleKind, key: &str) -> Result<(), StoreError> {
        let _one_writer = self.write.lock().await;
        sqlx::query(sql::CLEAR_THROTTLE).bind(kind.as_str()).bind(key).execute(&self.pool).await?;
        Ok(())
    }

    /// Appends one row to the audit log.
    pub async fn audit(&self, now_ms: i64, event: &AuditEvent) -> Result<(), StoreError> {
        let _one_writer = self.write.lock().await;
        insert_audit(&self.pool, now_ms, event).await?;
        Ok(())
    }

    /// The audit log, newest first; at most `limit` rows.
    pub async fn audit_log(&self, limit: u32) -> Result<Vec<AuditRecord>, StoreError> {
        let rows = sqlx::query(sql::AUDIT_LOG).bind(i64::from(limit)).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(AuditRecord {
                    id: r.try_get("id")?,
                    time_ms: r.try_get("time_ms")?,
                    event: AuditEvent {
                        actor: r.try_get("actor")?,
                        action: r.try_get("action")?,
                        target: r.try_get("target")?,
                        address: r.try_get("address")?,
                        detail: r.try_get("detail")?,
                    },
                })
            })
            .collect()
    }
}

async fn account_id(tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>, name: &str) -> Result<i64, StoreError> {
    match sqlx::query(sql::ACCOUNT_BY_NAME).bind(name).fetch_optional(&mut **tx).await? {
        Some(r) => Ok(r.try_get("id")?),
        None => Err(StoreError::NoSuchAccount(name.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_start_after_the_free_failures_and_double_up_to_the_maximum() {
        let t = Throttle::ACCOUNT;
        assert_eq!(t.lock_for(4), None);
        assert_eq!(t.lock_for(5), Some(Duration::from_secs(30)));
        assert_eq!(t.lock_for(6), Some(Duration::from_secs(60)));
        assert_eq!(t.lock_for(7), Some(Duration::from_secs(120)));
        assert_eq!(t.lock_for(12), Some(Duration::from_secs(3600)));
        assert_eq!(t.lock_for(u32::MAX), Some(Duration::from_secs(3600)));
        assert_eq!(Throttle::ADDRESS.lock_for(19), None);
        assert_eq!(Throttle::ADDRESS.lock_for(20), Some(Duration::from_secs(30)));
    }

    #[test]
    fn names_and_passwords_are_checked_with_reasons() {
        assert!(check_name("anna.k@example.org").is_ok());
        assert!(check_name("").unwrap_err().contains("1 to 64"));
        assert!(check_name("Anna").unwrap_err().contains("`A` is not allowed"));
        assert!(check_name("a b").is_err());
        assert!(check_name(&"a".repeat(65)).is_err());
        assert!(check_password("short").unwrap_err().contains("at least 12"));
        assert!(check_password("twelve chars").is_ok());
        assert!(check_password(&"x".repeat(1025)).is_err());
    }

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("correct horse battery", "not a hash"));
        assert!(!verify_password("correct horse battery", dummy_hash()));
    }

    #[test]
    fn tokens_and_passwords_are_random_and_well_formed() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert!(is_token(&a) && is_token(&b), "{a} {b}");
        assert_ne!(a, b);
        assert!(!is_token("short") && !is_token(&format!("{}!", &a[..42])));
        assert_eq!(token_hash(&a).len(), 64);
        let p = random_password().unwrap();
        assert_eq!(p.chars().count(), 20);
        assert!(p.chars().all(|c| c.is_ascii_alphanumeric() && !"0O1lI".contains(c)), "{p}");
        assert_ne!(p, random_password().unwrap());
    }

    #[test]
    fn times_are_shown_in_utc() {
        assert_eq!(format_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_time(951_782_400_000 + 3_723_000), "2000-02-29 01:02:03 UTC");
        assert_eq!(format_time(1_796_000_000_000), "2026-11-30 00:53:20 UTC");
    }
}
