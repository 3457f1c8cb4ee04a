//! Storage for `attest serve`: one database holding every revision of the
//! project's source files, the derived model of each audience for queries,
//! and a small key/value table of settings (such as where the search index
//! lives).
//!
//! The database is SQLite (bundled with sqlx, no system library) in WAL
//! mode. [`Store::open`] and [`Store::connect`] are the one place where the
//! backend is chosen; the queries in `sql.rs` are written in portable SQL
//! (`$1` placeholders, `WITH RECURSIVE`, `ON CONFLICT`, integer times and
//! dates) so that a PostgreSQL backend can follow with its own migrations
//! and the same query texts. Migrations live in `migrations/sqlite/` as
//! versioned SQL files, embedded in the binary and run at open.
//!
//! Two kinds of data, two rules:
//!
//! - **Source revisions** ([`Store::record_sources`], [`Store::revisions`],
//!   [`Store::revision_content`], [`Store::latest_sources`]) are the files as
//!   written, *restricted text included*. They must never be served to an
//!   unauthenticated request.
//! - **The derived model** ([`Store::replace_model`], [`Store::events`]) is
//!   only ever written from an [`access::View`](crate::access::View), with
//!   the view's audience on every row, so a query for the public can only
//!   return what the public view held: restricted material is removed in
//!   `access::view` and nowhere else.
//! - **Accounts** ([`accounts`]): people, their Argon2id password hashes,
//!   readers' grants, sessions (by the hash of their token), counts of
//!   failed sign-ins, and an audit log that the database itself keeps
//!   append-only.
//!
//! Durability: `journal_mode=WAL` lets readers go on while a project is
//! loaded, and a transaction is either wholly in the database or not at all;
//! `synchronous=FULL` syncs the log at every commit, so a commit that
//! returned survives a power cut as well as a killed process (with
//! `NORMAL` it would survive only the latter). Revisions are the editors'
//! work, and loads commit in one transaction per call, so the one sync per
//! commit costs little. A process killed in the middle of a write leaves an
//! unfinished transaction in the log, which the next open rolls back on its
//! own.

pub mod accounts;
mod model;
pub use model::ModelChange;
mod sql;
mod workflow;

pub use workflow::Comment;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use sqlx::migrate::{MigrateError, Migration, MigrationType, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlSafeStr};

use crate::access::Audience;
use crate::parse::edtf::Day;

/// The schema migrations, oldest first: `(version, description, SQL)`.
///
/// sqlx's `migrate!` macro, which would read the folder at compile time,
/// lives behind sqlx's `macros` feature, which compiles sqlx and SQLite a
/// second time; so the files are embedded with `include_str!` and handed to
/// sqlx's own [`Migrator`], which keeps the version table, checks that an
/// applied migration was not edited and runs each one in a transaction.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "initial", include_str!("../../migrations/sqlite/0001_initial.sql")),
    (2, "accounts", include_str!("../../migrations/sqlite/0002_accounts.sql")),
    (3, "workflow", include_str!("../../migrations/sqlite/0003_workflow.sql")),
    (4, "totp", include_str!("../../migrations/sqlite/0004_totp.sql")),
];

/// How long a connection waits for another writer before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the store could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The folder that should hold the database file does not exist.
    #[error("cannot create the database {path}: the folder {} does not exist", dir.display(), path = path.display())]
    NoDirectory {
        /// The database file.
        path: PathBuf,
        /// Its missing folder.
        dir: PathBuf,
    },
    /// The file or its folder cannot be written (SQLite in WAL mode also
    /// writes `-wal` and `-shm` files beside the database).
    #[error("cannot write the database {}: the file or its folder is read-only", path.display())]
    ReadOnly {
        /// The database file.
        path: PathBuf,
    },
    /// The file exists but is not an SQLite database.
    #[error("{} is not a database (not an SQLite file); move it away or choose another path", path.display())]
    NotADatabase {
        /// The file.
        path: PathBuf,
    },
    /// The database was written by a newer attest.
    #[error(
        "the database {} has schema version {found}, newer than this attest knows (up to {known}); use a newer attest",
        path.display()
    )]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// A version applied to the database that this binary lacks.
        found: i64,
        /// The newest version this binary knows.
        known: i64,
    },
    /// Opening or migrating failed for another reason.
    #[error("cannot open the database {}: {source}", path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// An SQLite file that attest did not write.
    #[error("{} is an SQLite database but not one of attest's (it has no attest schema)", path.display())]
    NotAttest {
        /// The file.
        path: PathBuf,
    },
    /// A migration failed.
    #[error("cannot bring the database {} up to date: {source}", path.display())]
    Migrate {
        /// The database file.
        path: PathBuf,
        /// sqlx's error.
        source: MigrateError,
    },
    /// A URL names a database this attest cannot use.
    #[error("unsupported database `{0}`: attest stores in SQLite (a file path or a `sqlite:` URL)")]
    UnsupportedBackend(String),
    /// A query failed.
    #[error("database query failed: {0}")]
    Query(#[from] sqlx::Error),
    /// SQLite's integrity check found damage, or a row holds a value this
    /// attest cannot read.
    #[error("the database is damaged: {0}")]
    Corrupt(String),
    /// `attest user add` with a name already taken.
    #[error("there is already an account named `{0}`")]
    AccountExists(String),
    /// No account has this name.
    #[error("there is no account named `{0}` (see `attest user list`)")]
    NoSuchAccount(String),
    /// Grants are for readers (what they may read) and for authors and
    /// reviewers (the entries they work on); editors and admins have all.
    #[error("`{name}` is {role} and sees every entry already: grants are for readers, authors and reviewers")]
    NotAReader {
        /// The account.
        name: String,
        /// Its role.
        role: String,
    },
}

/// One stored revision of a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// Revision number, increasing across all files.
    pub id: i64,
    /// Project-relative path.
    pub path: String,
    /// Hex SHA-256 of the content; `None` for a deletion.
    pub hash: Option<String>,
    /// When it was stored.
    pub time: SystemTime,
    /// Who stored it.
    pub author: String,
    /// Why.
    pub message: String,
}

impl Revision {
    /// Whether this revision records that the file was deleted.
    pub fn is_deleted(&self) -> bool {
        self.hash.is_none()
    }
}

/// Which events [`Store::events`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Events that may have happened on or after this day.
    pub from: Option<Day>,
    /// Events that may have happened on or before this day.
    pub to: Option<Day>,
    /// Events at this gazetteer place or at a place inside it.
    pub place: Option<String>,
}

/// An event as stored for one audience.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    /// Slug of the entry it belongs to.
    pub entry: String,
    /// Id within the entry.
    pub id: String,
    /// EDTF date as written (`None` when undated or invalid).
    pub date: Option<String>,
    /// First possible day (`None`: undated or open start).
    pub earliest: Option<Day>,
    /// Last possible day (`None`: undated or open end).
    pub latest: Option<Day>,
    /// What happened.
    pub label: String,
    /// Longer text.
    pub description: Option<String>,
    /// Gazetteer ids.
    pub places: Vec<String>,
    /// Marked restricted (only ever true in the internal audience).
    pub restricted: bool,
}

/// The database. Cheap to clone: a connection pool inside.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    /// Writes from this process go one at a time, so a transaction that
    /// reads before it writes is never refused by SQLite's single writer.
    write: Arc<tokio::sync::Mutex<()>>,
}

/// A database audience name.
pub(crate) fn audience_name(a: Audience) -> &'static str {
    match a {
        Audience::Public => "public",
        Audience::Internal => "internal",
    }
}

/// A day as a sortable integer `yyyymmdd` (negative years sort correctly
/// too, since month and day add less than 10000); `None` for the open ends
/// [`Day::MIN`] and [`Day::MAX`] and years too large to fit.
pub(crate) fn day_key(d: Day) -> Option<i64> {
    let mmdd = i64::from(d.month) * 100 + i64::from(d.day);
    d.year.checked_mul(10_000).and_then(|y| y.checked_add(mmdd))
}

fn day_from_key(k: i64) -> Day {
    let mmdd = k.rem_euclid(10_000);
    Day { year: k.div_euclid(10_000), month: (mmdd / 100) as u8, day: (mmdd % 100) as u8 }
}

/// Now, in milliseconds since 1970 (the unit of every stored time).
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Hex SHA-256: the content hash of a revision ([`Revision::hash`]).
pub fn hash_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// The SQLite primary result code of a driver error, if it is one.
fn sqlite_code(e: &sqlx::Error) -> Option<i32> {
    let sqlx::Error::Database(db) = e else { return None };
    db.code()?.parse::<i32>().ok().map(|c| c & 0xff)
}

const SQLITE_PERM: i32 = 3;
const SQLITE_READONLY: i32 = 8;
const SQLITE_CANTOPEN: i32 = 14;
const SQLITE_NOTADB: i32 = 26;
const SQLITE_CORRUPT: i32 = 11;

fn open_error(path: &Path, e: sqlx::Error) -> StoreError {
    let path = path.to_path_buf();
    match sqlite_code(&e) {
        Some(SQLITE_NOTADB) => StoreError::NotADatabase { path },
        Some(SQLITE_READONLY | SQLITE_CANTOPEN | SQLITE_PERM) => StoreError::ReadOnly { path },
        _ => StoreError::Open { path, source: e },
    }
}

fn migrate_error(path: &Path, e: MigrateError) -> StoreError {
    let known = MIGRATIONS.iter().map(|m| m.0).max().unwrap_or(0);
    match e {
        MigrateError::VersionMissing(found) => StoreError::NewerSchema { path: path.to_path_buf(), found, known },
        MigrateError::Execute(e) => open_error(path, e),
        e => StoreError::Migrate { path: path.to_path_buf(), source: e },
    }
}

fn migrator() -> Migrator {
    let migrations = MIGRATIONS
        .iter()
        .map(|&(version, description, text)| {
            Migration::new(version, description.into(), MigrationType::Simple, text.into_sql_str(), false)
        })
        .collect();
    Migrator::with_migrations(migrations)
}

impl Store {
    /// Opens (creating if missing) the database file at `path`, in WAL mode
    /// with `synchronous=FULL`, foreign keys on and a busy timeout, and
    /// brings its schema up to date. A database left by a killed process is
    /// recovered by SQLite on open, without manual steps.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if !dir.is_dir() {
            return Err(StoreError::NoDirectory { path: path.to_path_buf(), dir: dir.to_path_buf() });
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool =
            SqlitePoolOptions::new().max_connections(4).connect_with(options).await.map_err(|e| open_error(path, e))?;
        Store::ready(pool, path).await
    }

    /// A database that lives in memory only, for tests and previews.
    pub async fn open_in_memory() -> Result<Store, StoreError> {
        let options = SqliteConnectOptions::new().in_memory(true).foreign_keys(true);
        // One connection that is never closed: each SQLite connection to
        // `:memory:` has a database of its own, which dies with it.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(|e| open_error(Path::new(":memory:"), e))?;
        Store::ready(pool, Path::new(":memory:")).await
    }

    /// Opens the database a URL or path names: a file path, `sqlite://PATH`
    /// or `sqlite::memory:`. This is the one place a backend is chosen;
    /// other schemes are refused until their backend exists.
    pub async fn connect(url_or_path: &str) -> Result<Store, StoreError> {
        if url_or_path == "sqlite::memory:" {
            return Store::open_in_memory().await;
        }
        if let Some(rest) = url_or_path.strip_prefix("sqlite://").or_else(|| url_or_path.strip_prefix("sqlite:")) {
            return Store::open(Path::new(rest)).await;
        }
        match url_or_path.split_once("://") {
            Some((scheme, _)) if !scheme.contains(['/', '\\']) => {
                Err(StoreError::UnsupportedBackend(url_or_path.to_string()))
            }
            _ => Store::open(Path::new(url_or_path)).await,
        }
    }

    async fn ready(pool: SqlitePool, path: &Path) -> Result<Store, StoreError> {
        migrator().run(&pool).await.map_err(|e| migrate_error(path, e))?;
        Ok(Store { pool, write: Arc::new(tokio::sync::Mutex::new(())) })
    }

    /// Closes every connection, waiting for them to finish; SQLite then
    /// folds the write-ahead log back into the database file.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Runs SQLite's integrity check (a full read of the file).
    pub async fn check_integrity(&self) -> Result<(), StoreError> {
        let rows = sqlx::query(sql::INTEGRITY_CHECK).fetch_all(&self.pool).await?;
        let lines: Vec<String> = rows.iter().map(|r| r.try_get::<String, _>(0)).collect::<Result<_, _>>()?;
        match lines.as_slice() {
            [ok] if ok == "ok" => Ok(()),
            _ => Err(StoreError::Corrupt(lines.join("; "))),
        }
    }

    /// Writes a consistent copy of the whole database to `dest` (a file
    /// that must not exist) with SQLite's `VACUUM INTO`. The copy is made
    /// inside one read transaction, so under WAL it is the database as of
    /// one commit, while other connections (a running server) go on
    /// writing; it is compact, and the write-ahead log is folded in.
    pub async fn copy_to(&self, dest: &Path) -> Result<(), StoreError> {
        sqlx::query(sql::VACUUM_INTO).bind(dest.to_string_lossy().into_owned()).execute(&self.pool).await?;
        Ok(())
    }

    /// Checks, without writing to it, that `path` is an attest database
    /// this attest can open: an SQLite file, undamaged, with attest's
    /// migrations applied and none newer than this binary knows.
    pub async fn inspect(path: &Path) -> Result<(), StoreError> {
        let options = SqliteConnectOptions::new().filename(path).read_only(true).create_if_missing(false);
        let pool =
            SqlitePoolOptions::new().max_connections(1).connect_with(options).await.map_err(|e| open_error(path, e))?;
        let outcome = async {
            let store = Store { pool: pool.clone(), write: Arc::new(tokio::sync::Mutex::new(())) };
            store.check_integrity().await?;
            let versions: Vec<i64> = sqlx::query_scalar(sql::APPLIED_MIGRATIONS)
                .fetch_all(&pool)
                .await
                .map_err(|_| StoreError::NotAttest { path: path.to_path_buf() })?;
            let known = MIGRATIONS.iter().map(|m| m.0).max().unwrap_or(0);
            match versions.iter().max() {
                None => Err(StoreError::NotAttest { path: path.to_path_buf() }),
                Some(&found) if found > known => {
                    Err(StoreError::NewerSchema { path: path.to_path_buf(), found, known })
                }
                Some(_) => Ok(()),
            }
        }
        .await;
        pool.close().await;
        outcome.map_err(|e| match e {
            StoreError::Query(q) => match sqlite_code(&q) {
                Some(SQLITE_NOTADB) => StoreError::NotADatabase { path: path.to_path_buf() },
                Some(SQLITE_CORRUPT) => StoreError::Corrupt(format!("{}: {q}", path.display())),
                _ => StoreError::Query(q),
            },
            e => e,
        })
    }

    /// Stores a new revision of each file whose content differs from its
    /// latest revision (or that has none, or was deleted), and, when
    /// `complete` is true (the files are the whole project), a deletion for
    /// each stored file that is not among them. All in one transaction.
    /// Returns the paths that changed, sorted.
    pub async fn record_sources(
        &self,
        files: &[(String, Vec<u8>)],
        complete: bool,
        author: &str,
        message: &str,
    ) -> Result<Vec<String>, StoreError> {
        let _one_writer = self.write.lock().await;
        let mut tx = self.pool.begin().await?;
        let latest: std::collections::HashMap<String, Option<String>> = sqlx::query(sql::LATEST_HASHES)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("path")?, r.try_get("hash")?)))
            .collect::<Result<_, sqlx::Error>>()?;
        let time = now_ms();
        let mut changed = Vec::new();
        for (path, content) in files {
            let hash = hash_hex(content);
            if latest.get(path).is_some_and(|h| h.as_deref() == Some(hash.as_str())) {
                continue;
            }
            sqlx::query(sql::INSERT_REVISION)
                .bind(path)
                .bind(Some(&hash))
                .bind(Some(content.as_slice()))
                .bind(false)
                .bind(time)
                .bind(author)
                .bind(message)
                .execute(&mut *tx)
                .await?;
            changed.push(path.clone());
        }
        if complete {
            let present: std::collections::HashSet<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
            for (path, hash) in &latest {
                if hash.is_some() && !present.contains(path.as_str()) {
                    sqlx::query(sql::INSERT_REVISION)
                        .bind(path)
                        .bind(None::<String>)
                        .bind(None::<Vec<u8>>)
                        .bind(true)
                        .bind(time)
                        .bind(author)
                        .bind(message)
                        .execute(&mut *tx)
                        .await?;
                    changed.push(path.clone());
                }
            }
        }
        tx.commit().await?;
        changed.sort();
        Ok(changed)
    }

    /// The project as stored: the latest content of every file that is not
    /// deleted, sorted by path. Contains restricted text.
    pub async fn latest_sources(&self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let rows = sqlx::query(sql::LATEST_CONTENTS).fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get("path")?, r.try_get("content")?))).collect()
    }

    /// Every revision of one file, newest first.
    pub async fn revisions(&self, path: &str) -> Result<Vec<Revision>, StoreError> {
        let rows = sqlx::query(sql::REVISIONS_OF).bind(path).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let ms: i64 = r.try_get("created_ms")?;
                Ok(Revision {
                    id: r.try_get("id")?,
                    path: r.try_get("path")?,
                    hash: r.try_get("hash")?,
                    time: UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64),
                    author: r.try_get("author")?,
                    message: r.try_get("message")?,
                })
            })
            .collect()
    }

    /// The content of one revision: `None` if there is no such revision or
    /// it is a deletion. Contains restricted text.
    pub async fn revision_content(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        let row = sqlx::query(sql::REVISION_CONTENT).bind(id).fetch_optional(&self.pool).await?;
        Ok(match row {
            Some(r) => r.try_get("content")?,
            None => None,
        })
    }

    /// Sets a setting.
    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let _one_writer = self.write.lock().await;
        sqlx::query(sql::SET_META).bind(key).bind(value).execute(&self.pool).await?;
        Ok(())
    }

    /// Reads a setting.
    pub async fn get_meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(sql::GET_META).bind(key).fetch_optional(&self.pool).await?;
        Ok(match row {
            Some(r) => Some(r.try_get("value")?),
            None => None,
        })
    }

    /// The events of one audience that match `filter`, in chronological
    /// order (undated last). A period matches an event whose possible days
    /// overlap it (`1944~` is 1944-01-01..1944-12-31, so it matches
    /// 1943..1945; an open end reaches as far as needed); with a period
    /// given, undated events are left out. A place matches events at it or
    /// at any place inside it, following `part_of` in the gazetteer.
    pub async fn events(&self, audience: Audience, filter: &EventFilter) -> Result<Vec<EventRow>, StoreError> {
        let aud = audience_name(audience);
        let rows = sqlx::query(sql::EVENTS)
            .bind(aud)
            .bind(filter.from.and_then(day_key))
            .bind(filter.to.and_then(day_key))
            .bind(filter.place.as_deref())
            .fetch_all(&self.pool)
            .await?;
        let place_rows = sqlx::query(sql::EVENT_PLACES).bind(aud).fetch_all(&self.pool).await?;
        let mut places: std::collections::HashMap<(String, String), Vec<String>> = Default::default();
        for r in &place_rows {
            places.entry((r.try_get("entry")?, r.try_get("event")?)).or_default().push(r.try_get("place")?);
        }
        rows.iter()
            .map(|r| {
                let entry: String = r.try_get("entry")?;
                let id: String = r.try_get("id")?;
                let earliest: Option<i64> = r.try_get("earliest")?;
                let latest: Option<i64> = r.try_get("latest")?;
                Ok(EventRow {
                    places: places.remove(&(entry.clone(), id.clone())).unwrap_or_default(),
                    entry,
                    id,
                    date: r.try_get("date")?,
                    earliest: earliest.map(day_from_key),
                    latest: latest.map(day_from_key),
                    label: r.try_get("label")?,
                    description: r.try_get("description")?,
                    restricted: r.try_get("restricted")?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_keys_sort_like_days_and_round_trip() {
        let days = [
            Day { year: -44, month: 3, day: 15 },
            Day { year: -44, month: 12, day: 31 },
            Day { year: -43, month: 1, day: 1 },
            Day { year: 0, month: 6, day: 1 },
            Day { year: 1944, month: 2, day: 23 },
            Day { year: 1944, month: 12, day: 31 },
        ];
        let keys: Vec<i64> = days.iter().map(|&d| day_key(d).unwrap()).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        for (d, k) in days.iter().zip(&keys) {
            assert_eq!(day_from_key(*k), *d);
        }
        assert_eq!(day_key(Day::MIN), None);
        assert_eq!(day_key(Day::MAX), None);
    }

    #[test]
    fn every_migration_file_is_embedded_in_order() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
        let mut files: Vec<String> =
            std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        files.sort();
        let embedded: Vec<String> = MIGRATIONS.iter().map(|(v, d, _)| format!("{v:04}_{d}.sql")).collect();
        assert_eq!(files, embedded);
    }
}
