//! `attest serve` as a process: start-up errors a newcomer can act on, the
//! address it prints, and a graceful stop on SIGTERM with an open page.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn attest() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_attest"));
    c.env("NO_COLOR", "1").env("ATTEST_LOG", "info");
    c
}

/// Starts `attest serve ARGS` on a free port and waits until it listens;
/// returns the child and its address.
pub fn start(args: &[&str]) -> (Child, String) {
    let mut child = attest()
        .arg("serve")
        .args(args)
        .args(["--addr", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(i) = line.find("serving http://") {
                let addr = line[i + "serving http://".len()..].split('/').next().unwrap().to_string();
                let _ = tx.send(addr);
            }
        }
    });
    let addr = rx.recv_timeout(Duration::from_secs(60)).expect("the server says where it listens");
    (child, addr)
}

/// One HTTP/1.1 GET on a fresh connection; the whole answer as text.
pub fn http_get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

pub fn stop(child: &mut Child) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "the server did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_sample_is_served_and_sigterm_stops_it_even_with_a_page_open() {
    let (mut child, addr) = start(&[]);
    let home = http_get(&addr, "/");
    assert!(home.starts_with("HTTP/1.1 200"), "{home}");
    assert!(home.contains("attest sample encyclopedia"));
    let health = http_get(&addr, "/healthz");
    assert!(health.contains("\"status\":\"ok\""), "{health}");
    // A page left open on a slow connection: the server still stops.
    let mut idle = TcpStream::connect(&addr).unwrap();
    write!(idle, "GET /entries/ HTTP/1.1\r\nHost: x\r\n").unwrap();
    let status = stop(&mut child);
    assert!(status.success(), "exit status after SIGTERM: {status:?}");
}

#[test]
fn a_taken_port_is_reported_before_any_work() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = attest().args(["serve", "--addr", &addr]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("cannot listen on {addr}: the address is already in use")), "{err}");
    assert!(err.contains("--addr"), "{err}");
}

#[test]
fn a_folder_that_is_not_an_encyclopedia_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let out = attest().args(["serve", "--addr", "127.0.0.1:0"]).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no attest.toml in"), "{err}");
    let out = attest().args(["serve", "--addr", "127.0.0.1:0", "/no/such/folder"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/folder is not a folder"));
}

/// Kills the server with SIGKILL while it loads a project, then starts it
/// again: it must come up by itself, and the database must hold everything
/// stored before plus what changed meanwhile.
#[test]
fn a_server_killed_while_loading_recovers_on_the_next_start() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("enc");
    let files = attest::sample::synthetic_project(15, 20);
    let borrowed: Vec<(&str, &[u8])> = files.iter().map(|(p, b)| (p.as_str(), b.as_slice())).collect();
    attest::sample::write_project(&root, &borrowed).unwrap();
    std::fs::create_dir(tmp.path().join("db")).unwrap();
    let db = tmp.path().join("db/attest.db");
    let args = |extra: &[&str]| {
        let mut a = vec![root.to_str().unwrap().to_string(), "--db".into(), db.to_str().unwrap().to_string()];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let first: Vec<String> = args(&[]);
    let (mut child, _) = start(&first.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(stop(&mut child).success());

    // Edits made while the server is down, then a start killed mid-load.
    let entries: Vec<std::path::PathBuf> = {
        let mut v: Vec<_> = std::fs::read_dir(root.join("entries")).unwrap().map(|e| e.unwrap().path()).collect();
        v.sort();
        v
    };
    for p in entries.iter().take(6) {
        let mut text = std::fs::read_to_string(p).unwrap();
        text.push_str("\nA paragraph added while the server was down.\n");
        std::fs::write(p, text).unwrap();
    }
    for delay in [150u64, 600] {
        let mut killed = attest()
            .arg("serve")
            .args(args(&["--addr", "127.0.0.1:0"]))
            .stderr(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        killed.kill().unwrap();
        killed.wait().unwrap();
    }
    let (mut child, addr) = start(&first.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(http_get(&addr, "/healthz").contains("\"status\":\"ok\""));
    assert!(stop(&mut child).success());

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let store = attest::store::Store::open(&db).await.unwrap();
        store.check_integrity().await.unwrap();
        let stored: std::collections::HashMap<String, Vec<u8>> =
            store.latest_sources().await.unwrap().into_iter().collect();
        for (path, original) in &files {
            let now = std::fs::read(root.join(path)).unwrap();
            assert_eq!(stored.get(path.as_str()), Some(&now), "{path}: the latest revision is the file as it is");
            let revs = store.revisions(path).await.unwrap();
            let oldest = revs.last().unwrap();
            let first = store.revision_content(oldest.id).await.unwrap().unwrap();
            assert_eq!(&first, original, "{path}: the first run's revision survived");
            let expected = if &now == original { 1 } else { 2 };
            assert_eq!(revs.len(), expected, "{path}: one revision per distinct content");
        }
    });
}

#[test]
fn a_database_that_cannot_be_used_is_named_at_start() {
    let run = |db: &str| {
        let out = attest().args(["serve", "--addr", "127.0.0.1:0", "--db", db]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{db}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    // /proc refuses new files even to root, unlike a folder with mode 0555.
    let err = run("/proc/attest.db");
    assert!(err.contains("cannot write the database /proc/attest.db: the file or its folder is read-only"), "{err}");
    let tmp = tempfile::tempdir().unwrap();
    let text = tmp.path().join("notes.db");
    std::fs::write(&text, "not a database\n").unwrap();
    let err = run(text.to_str().unwrap());
    assert!(err.contains("is not a database"), "{err}");
    assert_eq!(std::fs::read_to_string(&text).unwrap(), "not a database\n", "the file is left as it was");
    let err = run("/no/such/folder/attest.db");
    assert!(err.contains("the folder /no/such/folder does not exist"), "{err}");
}
