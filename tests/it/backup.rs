//! `attest backup` and `attest restore` as processes: a backup taken while
//! a server records revisions holds every revision made before it, a
//! restored database serves again, and bad inputs are refused with exit
//! code 2 without changing anything.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::serve_process::{attest, http_get, start, stop};

/// A small project written to `root`; returns the entry file the tests edit.
fn project(root: &Path) -> PathBuf {
    let files = attest::sample::synthetic_project(2, 3);
    let borrowed: Vec<(&str, &[u8])> = files.iter().map(|(p, b)| (p.as_str(), b.as_slice())).collect();
    attest::sample::write_project(root, &borrowed).unwrap();
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(root.join("entries")).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    entries.remove(0)
}

/// Runs `attest ARGS`; returns the exit code and stderr.
fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = attest().args(args).output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The contents of every stored revision of `path` in the database `db`,
/// and the audit log's actions.
fn stored(db: &Path, path: &str) -> (Vec<String>, Vec<String>) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let store = attest::store::Store::open(db).await.unwrap();
        let mut texts = Vec::new();
        for r in store.revisions(path).await.unwrap() {
            texts.push(String::from_utf8(store.revision_content(r.id).await.unwrap().unwrap()).unwrap());
        }
        let actions = store.audit_log(1000).await.unwrap().into_iter().map(|r| r.event.action).collect();
        store.close().await;
        (texts, actions)
    })
}

/// Words for the successive saves, far enough apart that the search's
/// tolerance of typos never takes one for another.
const WORDS: [&str; 10] =
    ["zqapple", "zqbanjo", "zqcedar", "zqdingo", "zqember", "zqfjord", "zqgumbo", "zqhydra", "zqigloo", "zqkayak"];

fn wait_for(addr: &str, query: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !http_get(addr, &format!("/api/search?q={query}")).contains("\"total\":1") {
        assert!(Instant::now() < deadline, "the server never indexed {query}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_backup_taken_while_the_server_writes_restores_every_revision_before_it() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("enc");
    let entry = project(&root);
    let rel = format!("entries/{}", entry.file_name().unwrap().to_str().unwrap());
    std::fs::create_dir(tmp.path().join("db")).unwrap();
    let db = tmp.path().join("db/attest.db");
    let (mut server, addr) = start(&[s(&root), "--db", s(&db)]);

    // A writer saves the entry again and again, each time with a new word,
    // and notes each save once the server has indexed it (so recorded it:
    // sources are stored before the index is updated).
    let original = std::fs::read_to_string(&entry).unwrap();
    let confirmed = Arc::new(Mutex::new(Vec::<usize>::new()));
    let writer = {
        let (entry, addr, confirmed, original) = (entry.clone(), addr.clone(), confirmed.clone(), original.clone());
        std::thread::spawn(move || {
            for (i, word) in WORDS.iter().enumerate() {
                std::fs::write(&entry, format!("{original}\nThe word {word} marks save {i}.\n")).unwrap();
                wait_for(&addr, word);
                confirmed.lock().unwrap().push(i);
            }
        })
    };
    while confirmed.lock().unwrap().len() < 4 {
        std::thread::sleep(Duration::from_millis(20));
    }
    let before = confirmed.lock().unwrap().len();
    let file = tmp.path().join("backup.db");
    let (code, err) = run(&["backup", s(&file), "--db", s(&db)]);
    assert_eq!(code, Some(0), "{err}");
    writer.join().unwrap();
    assert!(stop(&mut server).success());

    // Restore into a fresh copy of the folder, over a database a server made.
    let root2 = tmp.path().join("enc2");
    project(&root2);
    std::fs::write(root2.join(&rel), std::fs::read(&entry).unwrap()).unwrap();
    let db2 = root2.join(".attest/attest.db");
    let (mut other, _) = start(&[s(&root2)]);
    // Refused while that server runs, and nothing changes.
    let (code, err) = run(&["restore", s(&file), s(&root2)]);
    assert_eq!(code, Some(2));
    assert!(err.contains("a server is running on"), "{err}");
    assert!(stop(&mut other).success());
    let replaced = std::fs::read(&db2).unwrap();
    let (code, err) = run(&["restore", s(&file), s(&root2)]);
    assert_eq!(code, Some(0), "{err}");
    let aside: Vec<PathBuf> = std::fs::read_dir(root2.join(".attest"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let p = p.to_string_lossy();
            // The file, with its log and shared-memory index when a server left them.
            p.contains("attest.db.before-restore-") && !p.ends_with("-wal") && !p.ends_with("-shm")
        })
        .collect();
    assert_eq!(aside.len(), 1, "the replaced database is kept: {aside:?}");
    assert_eq!(std::fs::read(&aside[0]).unwrap(), replaced);
    assert!(!root2.join(".attest/attest.db.search").exists(), "the stale index is gone");

    // The restored database serves, and its index is rebuilt.
    let (mut restored, addr) = start(&[s(&root2)]);
    assert!(http_get(&addr, "/healthz").contains("\"status\":\"ok\""));
    assert!(http_get(&addr, "/").starts_with("HTTP/1.1 200"));
    wait_for(&addr, WORDS[9]);
    assert!(stop(&mut restored).success());

    let (texts, actions) = stored(&db2, &rel);
    for (i, word) in WORDS.iter().enumerate().take(before) {
        assert!(
            texts.iter().any(|t| t.contains(&format!("word {word} marks"))),
            "save {i}, recorded before the backup, is in the restored database"
        );
    }
    assert!(texts.iter().any(|t| t == &original), "the first revision is there");
    assert!(actions.contains(&"restore".to_string()), "{actions:?}");
    let (_, actions) = stored(&db, &rel);
    assert!(actions.contains(&"backup".to_string()), "{actions:?}");
}

#[test]
fn bad_inputs_are_refused_with_exit_2_and_change_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("enc");
    project(&root);
    let db = tmp.path().join("attest.db");
    let file = tmp.path().join("backup.db");

    // No database yet.
    let (code, err) = run(&["backup", s(&file), "--db", s(&db)]);
    assert_eq!(code, Some(2));
    assert!(err.contains("there is no database at"), "{err}");
    assert!(!file.exists());

    let (mut server, _) = start(&[s(&root), "--db", s(&db)]);
    assert!(stop(&mut server).success());
    let (code, err) = run(&["backup", s(&file), "--db", s(&db)]);
    assert_eq!(code, Some(0), "{err}");
    let good = std::fs::read(&file).unwrap();

    // An existing file is kept unless --force.
    std::fs::write(&file, "precious").unwrap();
    let (code, err) = run(&["backup", s(&file), "--db", s(&db)]);
    assert_eq!(code, Some(2));
    assert!(err.contains("exists already") && err.contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "precious");
    let (code, err) = run(&["backup", s(&file), "--db", s(&db), "--force"]);
    assert_eq!(code, Some(0), "{err}");
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    let current = std::fs::read(&db).unwrap();
    let refused = |bad: &Path, expected: &str| {
        let (code, err) = run(&["restore", s(bad), "--db", s(&db)]);
        assert_eq!(code, Some(2), "{}: {err}", bad.display());
        assert!(err.contains(expected), "{}: {err}", bad.display());
        assert_eq!(std::fs::read(&db).unwrap(), current, "the database is untouched");
        let names: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("before-restore") || n.contains("restoring"))
            .collect();
        assert!(names.is_empty(), "{names:?}");
    };
    let text = tmp.path().join("notes.txt");
    std::fs::write(&text, "not a database, but long enough to look like a file header of some sort\n").unwrap();
    refused(&text, "is not a database");
    let truncated = tmp.path().join("truncated.db");
    std::fs::write(&truncated, &good[..good.len() / 2]).unwrap();
    refused(&truncated, "cannot be restored");
    refused(&tmp.path().join("missing.db"), "there is no backup file");
    let foreign = tmp.path().join("foreign.db");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        use sqlx::ConnectOptions;
        let mut c = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&foreign)
            .create_if_missing(true)
            .connect()
            .await
            .unwrap();
        sqlx::query("CREATE TABLE t (x INTEGER)").execute(&mut c).await.unwrap();
    });
    refused(&foreign, "not one of attest's");
    assert!(text.exists() && truncated.exists() && foreign.exists(), "the inputs are left as they were");
}
