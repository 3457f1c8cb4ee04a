//! `attest serve` as a process: start-up errors a newcomer can act on, the
//! address it prints, and a graceful stop on SIGTERM with an open page.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn attest() -> Command {
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

fn stop(child: &mut Child) -> std::process::ExitStatus {
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
