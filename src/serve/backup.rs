//! `attest backup` and `attest restore`: the server's database copied to one
//! file while the server may be writing, and put back.
//!
//! A backup is the database alone, written by SQLite's `VACUUM INTO` (a
//! snapshot as of one commit, taken inside a read transaction, which WAL
//! lets run beside a writer). The search index is not copied: it is
//! derived from the public view of the sources the database holds, and a
//! server that finds no index builds it at start. The copy is written to a
//! temporary name beside the target and renamed at the end, so a failed
//! backup never leaves a partial file.
//!
//! A restore checks the file first (an attest database, undamaged, with no
//! schema newer than this attest), refuses while a server holds the
//! database's search index (the index's writer lock tells that a server is
//! running), keeps the replaced database and its write-ahead log beside
//! it as `NAME.before-restore-TIME`, renames the copy into place and
//! removes the stale index so that the next start rebuilds it.

use std::path::{Path, PathBuf};

use crate::search::{SearchError, SearchIndex};
use crate::store::accounts::AuditEvent;
use crate::store::{now_ms, Store, StoreError};

/// Why a backup or a restore did not happen. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The database to copy, or the file to restore, does not exist.
    #[error("there is no database at {} (`attest serve` makes it)", .0.display())]
    NoDatabase(PathBuf),
    /// The file to restore from does not exist.
    #[error("there is no backup file {}", .0.display())]
    NoFile(PathBuf),
    /// The backup file exists already.
    #[error("{} exists already; choose another name, or give --force to replace it", .0.display())]
    Exists(PathBuf),
    /// A server is using the database.
    #[error(
        "a server is running on {} (its search index is in use); stop it, then restore",
        .0.display()
    )]
    InUse(PathBuf),
    /// The file given to restore is not a usable attest database.
    #[error("{} cannot be restored: {source}", path.display())]
    BadBackup {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: StoreError,
    },
    /// The database could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file could not be written, copied or renamed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io { path: path.to_path_buf(), source }
}

/// `path` with `suffix` appended to its file name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The folder that holds `path` (`.` for a bare file name).
fn folder(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// Writes `path`'s data to disk, and the folder's entry for it.
fn sync(path: &Path) -> Result<(), BackupError> {
    std::fs::File::open(path).and_then(|f| f.sync_all()).map_err(io(path))?;
    // A folder cannot be synced on every platform; the rename stands anyway.
    let _ = std::fs::File::open(folder(path)).and_then(|f| f.sync_all());
    Ok(())
}

/// The audit row of a backup or restore run from the command line.
fn audit_event(action: &str, target: &Path, detail: String, actor: &str) -> AuditEvent {
    AuditEvent {
        actor: actor.to_string(),
        action: action.into(),
        target: Some(target.display().to_string()),
        address: Some("command line".into()),
        detail: Some(detail),
    }
}

/// Copies the database `db` to `file` (replacing it only with `force`), and
/// records the backup in the database's audit log as done by `actor`.
pub async fn backup(db: &Path, file: &Path, force: bool, actor: &str) -> Result<(), BackupError> {
    if !db.is_file() {
        return Err(BackupError::NoDatabase(db.to_path_buf()));
    }
    if !force && file.exists() {
        return Err(BackupError::Exists(file.to_path_buf()));
    }
    let tmp = with_suffix(file, &format!(".partial-{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let store = Store::open(db).await?;
    let outcome = async {
        store.copy_to(&tmp).await?;
        sync(&tmp)?;
        std::fs::rename(&tmp, file).map_err(io(file))?;
        sync(file)
    }
    .await;
    if outcome.is_err() {
        let _ = std::fs::remove_file(&tmp);
    } else {
        let detail = format!("copied to {}", file.display());
        store.audit(now_ms(), &audit_event("backup", db, detail, actor)).await?;
    }
    store.close().await;
    outcome
}

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    /// Where the database that was replaced now is (`None`: there was none).
    pub previous: Option<PathBuf>,
}

/// Puts the backup `file` in place of the database `db`; see the module
/// documentation for the checks and what is kept.
pub async fn restore(db: &Path, file: &Path, actor: &str) -> Result<Restored, BackupError> {
    if !file.is_file() {
        return Err(BackupError::NoFile(file.to_path_buf()));
    }
    Store::inspect(file).await.map_err(|source| BackupError::BadBackup { path: file.to_path_buf(), source })?;
    std::fs::create_dir_all(folder(db)).map_err(io(folder(db)))?;
    let index = with_suffix(db, ".search");
    if index.is_dir() {
        // Otherwise it opened (and is closed again at once), or is
        // unreadable: it is removed below either way.
        if let Err(SearchError::Locked { .. }) = SearchIndex::open(&index) {
            return Err(BackupError::InUse(db.to_path_buf()));
        }
    }
    let tmp = with_suffix(db, &format!(".restoring-{}", std::process::id()));
    if let Err(e) = std::fs::copy(file, &tmp).map_err(io(&tmp)).and_then(|_| sync(&tmp)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    let previous = if db.exists() {
        let time = crate::store::accounts::format_time(now_ms());
        let stamp: String = time.chars().filter(char::is_ascii_digit).collect();
        let mut aside = with_suffix(db, &format!(".before-restore-{stamp}"));
        let mut n = 1;
        while aside.exists() {
            n += 1;
            aside = with_suffix(db, &format!(".before-restore-{stamp}-{n}"));
        }
        // The write-ahead log holds commits not yet in the file: it goes
        // with the file, under the name SQLite looks for beside it. If a
        // move fails, the ones done are undone, so a log never meets the
        // wrong file.
        let mut moved: Vec<(PathBuf, PathBuf)> = Vec::new();
        for ext in ["", "-wal", "-shm"] {
            let (from, to) = (with_suffix(db, ext), with_suffix(&aside, ext));
            if !from.exists() {
                continue;
            }
            if let Err(e) = std::fs::rename(&from, &to) {
                for (from, to) in moved.iter().rev() {
                    let _ = std::fs::rename(to, from);
                }
                let _ = std::fs::remove_file(&tmp);
                return Err(io(&from)(e));
            }
            moved.push((from, to));
        }
        Some(aside)
    } else {
        None
    };
    std::fs::rename(&tmp, db).map_err(io(db))?;
    sync(db)?;
    if index.exists() {
        std::fs::remove_dir_all(&index).map_err(io(&index))?;
    }
    let store = Store::open(db).await?;
    let kept = previous.as_ref().map_or("there was none".to_string(), |p| format!("kept as {}", p.display()));
    let detail = format!("restored from {}; the database it replaced: {kept}", file.display());
    let recorded = store.audit(now_ms(), &audit_event("restore", db, detail, actor)).await;
    store.close().await;
    recorded?;
    Ok(Restored { previous })
}
