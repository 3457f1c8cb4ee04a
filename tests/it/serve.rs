//! `attest serve` over HTTP, without a socket (`tower::ServiceExt::oneshot`):
//! pages, validators, compression, errors, security headers, the public
//! snapshot's privacy, and the watcher reloading pages after an edit.

use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

use attest::serve::state::{self, AppState};
use attest::serve::{app, Project};
use axum::body::Body;
use axum::http::{header, Request, Response, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;

fn state_for(project: &Project, live: bool) -> AppState {
    let mut caches = state::Caches::default();
    let analysis = attest::analyze_cached(project.load().unwrap(), &mut caches.parse, &|| {});
    let snap = state::snapshot(&analysis, &project.theme().unwrap(), live, None, &mut caches.render).unwrap();
    // The sender is leaked so the stream of a live state never sees a shutdown.
    let (tx, rx) = tokio::sync::watch::channel(false);
    std::mem::forget(tx);
    let state = AppState::new(snap, live, rx);
    *state.caches() = caches;
    state
}

fn sample() -> Router {
    app(state_for(&Project::Embedded, false))
}

async fn get(app: &Router, uri: &str, headers: &[(header::HeaderName, &str)]) -> Response<Body> {
    let mut req = Request::get(uri);
    for (k, v) in headers {
        req = req.header(k, *v);
    }
    app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap()
}

async fn body(res: Response<Body>) -> Vec<u8> {
    res.into_body().collect().await.unwrap().to_bytes().to_vec()
}

async fn text(app: &Router, uri: &str) -> (StatusCode, String) {
    let res = get(app, uri, &[]).await;
    let status = res.status();
    (status, String::from_utf8(body(res).await).unwrap())
}

#[tokio::test]
async fn the_static_search_index_served_is_the_one_build_writes() {
    let (status, served) = text(&sample(), "/search/index.js").await;
    assert_eq!(status, StatusCode::OK);
    let analysis = attest::analyze(Project::Embedded.load().unwrap(), &|| {});
    let view = attest::access::view(&analysis, attest::access::Audience::Public);
    let built = attest::render::site::render_site(&view, &Project::Embedded.theme().unwrap(), &|| {}).unwrap();
    let (_, bytes) = built.iter().find(|(p, _)| p == attest::index::INDEX_PATH).expect("build writes the index");
    assert!(served.as_bytes() == bytes.as_slice(), "served and built indexes differ");
    assert!(served.contains("window.ATTEST_SEARCH"));
}

#[tokio::test]
async fn the_sample_is_served_with_its_pages_and_assets() {
    let app = sample();
    let (status, home) = text(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("attest sample encyclopedia"), "{home}");
    let (status, entry) = text(&app, "/entries/chechens-ingush-1944/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(entry.contains("Грозный") || entry.contains("Groznyy"), "the entry names its places");
    assert!(!entry.contains("/_attest/live.js"), "no live script when nothing is watched");
    let res = get(&app, "/assets/style.css", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "text/css; charset=utf-8");
    assert_eq!(res.headers()[header::CACHE_CONTROL], "public, max-age=3600");
    let res = get(&app, "/entries/chechens-ingush-1944/", &[]).await;
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-cache", "pages are revalidated");
    let (status, health) = text(&app, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert!(health.contains("\"status\":\"ok\""), "{health}");
}

#[tokio::test]
async fn validators_answer_304_and_head_has_no_body() {
    let app = sample();
    let res = get(&app, "/entries/chechens-ingush-1944/", &[]).await;
    let etag = res.headers()[header::ETAG].to_str().unwrap().to_string();
    let modified = res.headers()[header::LAST_MODIFIED].to_str().unwrap().to_string();
    let res = get(&app, "/entries/chechens-ingush-1944/", &[(header::IF_NONE_MATCH, &etag)]).await;
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert!(body(res).await.is_empty());
    let res = get(&app, "/entries/chechens-ingush-1944/", &[(header::IF_NONE_MATCH, "\"other\"")]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = get(&app, "/entries/chechens-ingush-1944/", &[(header::IF_MODIFIED_SINCE, &modified)]).await;
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    let res =
        get(&app, "/entries/chechens-ingush-1944/", &[(header::IF_MODIFIED_SINCE, "Mon, 01 Jan 1990 00:00:00 GMT")])
            .await;
    assert_eq!(res.status(), StatusCode::OK);
    let head = Request::head("/entries/chechens-ingush-1944/").body(Body::empty()).unwrap();
    let res = app.clone().oneshot(head).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(body(res).await.is_empty());
}

#[tokio::test]
async fn compressed_answers_decode_to_the_same_page() {
    let app = sample();
    let plain = body(get(&app, "/entries/chechens-ingush-1944/", &[]).await).await;
    let res = get(&app, "/entries/chechens-ingush-1944/", &[(header::ACCEPT_ENCODING, "gzip")]).await;
    assert_eq!(res.headers()[header::CONTENT_ENCODING], "gzip");
    assert_eq!(res.headers()[header::VARY], "accept-encoding");
    let gz = body(res).await;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut out).unwrap();
    assert_eq!(out, plain);
    let res = get(&app, "/entries/chechens-ingush-1944/", &[(header::ACCEPT_ENCODING, "gzip, br")]).await;
    assert_eq!(res.headers()[header::CONTENT_ENCODING], "br");
    let br = body(res).await;
    let mut out = Vec::new();
    brotli::Decompressor::new(&br[..], 4096).read_to_end(&mut out).unwrap();
    assert_eq!(out, plain);
    assert!(br.len() * 4 < plain.len(), "brotli: {} of {} bytes", br.len(), plain.len());
}

#[tokio::test]
async fn unknown_paths_get_the_site_404_and_folders_a_slash() {
    let app = sample();
    let (status, page) = text(&app, "/entries/no-such-entry/").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("Page not found"), "{page}");
    let res = get(&app, "/entries/chechens-ingush-1944", &[]).await;
    assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(res.headers()[header::LOCATION], "/entries/chechens-ingush-1944/");
    for bad in ["/../attest.toml", "/entries/%2e%2e/%2e%2e/attest.toml", "/%ff", "/entries/chechens-ingush-1944.md"] {
        assert_eq!(get(&app, bad, &[]).await.status(), StatusCode::NOT_FOUND, "{bad}");
    }
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_a_request_id() {
    let app = sample();
    for uri in ["/", "/entries/chechens-ingush-1944/", "/nope", "/healthz", "/api/v1/", "/assets/style.css"] {
        let res = get(&app, uri, &[]).await;
        let h = res.headers();
        assert!(h[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("script-src 'self'"), "{uri}");
        assert_eq!(h[header::REFERRER_POLICY], "no-referrer", "{uri}");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{uri}");
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY", "{uri}");
        assert!(!h["x-request-id"].is_empty(), "{uri}");
    }
    let res = get(&app, "/", &[(header::HeaderName::from_static("x-request-id"), "proxy-42")]).await;
    assert_eq!(res.headers()["x-request-id"], "proxy-42", "a proxy's request id is kept");
}

#[tokio::test]
async fn writes_are_refused_and_bodies_are_limited() {
    let app = sample();
    // Even from a page of the site (from elsewhere it is refused sooner;
    // see accounts.rs).
    let req = Request::post("/").header("sec-fetch-site", "same-origin").body(Body::from("x")).unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    let big = vec![b'x'; attest::serve::app::BODY_LIMIT + 1];
    let req = Request::post("/healthz")
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_LENGTH, big.len())
        .body(Body::from(big))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn the_event_stream_tells_open_pages_to_reload_or_why_not() {
    let state = state_for(&Project::Embedded, true);
    let app = app(state.clone());
    let res = get(&app, "/_attest/events", &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "text/event-stream");
    let mut body = res.into_body();
    state.failed("attest.toml: cannot read".into());
    let frame = tokio::time::timeout(Duration::from_secs(10), body.frame()).await.unwrap().unwrap().unwrap();
    let sent = String::from_utf8(frame.into_data().unwrap().to_vec()).unwrap();
    assert!(sent.contains("event: failed") && sent.contains("attest.toml: cannot read"), "{sent}");
    let (_, status) = text(&app, "/_attest/status").await;
    assert!(status.contains("\"failure\":\"attest.toml: cannot read\""), "{status}");
    let res = get(&app, "/api/v1/", &[]).await;
    assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(res.headers()[header::LOCATION], "/api/v1");
    assert_eq!(get(&app, "/favicon.ico", &[]).await.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn live_routes_exist_only_while_a_folder_is_watched() {
    let app = sample();
    assert_eq!(get(&app, "/_attest/status", &[]).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(get(&app, "/_attest/events", &[]).await.status(), StatusCode::NOT_FOUND);
}

const MARKERS: &[&str] = &[
    "SECRETWORKTITLE",
    "SECRETPLACENAME",
    "SECRETESTIMATEWORDING",
    "SECRETFIGUREMEASURE",
    "SECRETEVENTLABEL",
    "SECRETPOSITIONARGUMENT",
    "SECRETWITNESSNAME",
    "SECRETTESTIMONYSUMMARY",
    "SECRETDIVTEXT",
    "SECRETSECTIONTEXT",
    "SECRETENTRYTITLE",
    "SECRETSUMMARY",
    "SECRETENTRYBODY",
];

fn restricted_fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/build/restricted")
}

#[tokio::test]
async fn no_page_served_to_the_public_holds_restricted_material() {
    let project = Project::Dir(restricted_fixture());
    let state = state_for(&project, false);
    let app = app(state.clone());
    let mut paths: Vec<String> = state.snapshot().files.keys().cloned().collect();
    assert!(paths.len() > 10);
    // Made after the snapshot is online, so not among its files.
    assert!(!paths.iter().any(|p| p == attest::index::INDEX_PATH));
    paths.push(attest::index::INDEX_PATH.to_string());
    for p in paths {
        let uri = format!("/{}", p.strip_suffix("index.html").unwrap_or(&p));
        let res = get(&app, &uri, &[]).await;
        assert_eq!(res.status(), StatusCode::OK, "{uri}");
        let b = String::from_utf8_lossy(&body(res).await).into_owned();
        for m in MARKERS {
            assert!(!b.contains(m), "{m} in {uri}");
        }
    }
}

/// Copies the bundled sample into a fresh folder.
fn sample_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    attest::sample::write_project(&dir.path().join("enc"), &attest::sample::sample_files()).unwrap();
    dir
}

async fn wait_for(app: &Router, uri: &str, what: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, page) = text(app, uri).await;
        if what(&page) || Instant::now() > deadline {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_edit_reloads_the_page_and_errors_reach_the_overlay() {
    let tmp = sample_dir();
    let root = std::fs::canonicalize(tmp.path().join("enc")).unwrap();
    // The server's own arrangement: a store and an index that follow each reload.
    let backing = attest::serve::backing::Backing::open(None, false).await.unwrap();
    let project = Project::Dir(root.clone());
    let mut caches = state::Caches::default();
    let analysis = attest::analyze_cached(project.load().unwrap(), &mut caches.parse, &|| {});
    let snap = state::snapshot(&analysis, &project.theme().unwrap(), true, None, &mut caches.render).unwrap();
    backing.update(&analysis, &snap, "test").await.unwrap();
    let (tx, rx) = tokio::sync::watch::channel(false);
    std::mem::forget(tx);
    let state = AppState::with_search(snap, true, rx, backing.search.clone());
    *state.caches() = caches;
    let handle = tokio::runtime::Handle::current();
    let b = backing.clone();
    let after = move |a: &attest::Analysis, s: &state::Snapshot| handle.block_on(b.update(a, s, "test"));
    let _watcher = attest::serve::watch::spawn(root.clone(), state.clone(), after).unwrap();
    let app = app(state.clone());
    let mut events = state.subscribe().unwrap();

    let uri = "/entries/chechens-ingush-1944/";
    let (_, before) = text(&app, uri).await;
    assert!(before.contains("/_attest/live.js"), "watched pages load the live script");
    let (status, live_js) = text(&app, "/_attest/live.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(live_js.contains("EventSource"));

    let file = root.join("entries/chechens-ingush-1944.md");
    let src = std::fs::read_to_string(&file).unwrap();
    let title_line = src.lines().find(|l| l.starts_with("title:")).unwrap().to_string();
    let edited = src.replacen(&title_line, "title: \"Edited title for the watcher\"", 1);
    std::fs::write(&file, &edited).unwrap();
    let after = wait_for(&app, uri, |p| p.contains("Edited title for the watcher")).await;
    assert!(after.contains("Edited title for the watcher"), "the page did not change after the edit");
    let ev = tokio::time::timeout(Duration::from_secs(30), events.recv()).await.unwrap().unwrap();
    assert!(matches!(ev, state::LiveEvent::Reload { errors: 0, .. }), "{ev:?}");
    // The search index and the store followed the edit.
    let (_, found) = text(&app, "/api/search?q=watcher").await;
    assert!(found.contains("\"entry\":\"chechens-ingush-1944\""), "{found}");
    let revisions = backing.store.revisions("entries/chechens-ingush-1944.md").await.unwrap();
    assert_eq!(revisions.len(), 2, "one revision when loaded, one for the edit");

    // A change to one entry's prose renders that entry alone.
    let prose = edited.replacen("\n## Context\n", "\n## Context\n\nA sentence added by the watcher test.\n", 1);
    assert_ne!(prose, edited, "the sample entry has a Context section");
    // The static search index is made after the swap, from the new version.
    let key = format!("\"{}\":", attest::index::fold("sentence"));
    let (_, index) = text(&app, "/search/index.js").await;
    assert!(!index.contains(&key), "no such word before the edit");
    std::fs::write(&file, &prose).unwrap();
    wait_for(&app, uri, |p| p.contains("A sentence added by the watcher test.")).await;
    let (status, index) = text(&app, "/search/index.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(index.contains(&key), "the static index follows the edit");
    assert_eq!(state.snapshot().rendered_entries, 1, "only the edited entry is rendered again");
    {
        let caches = state.caches();
        assert_eq!((caches.parse.parsed, caches.parse.reused > 0), (1, true), "only the edited file is parsed again");
    }

    // A broken citation: the page is still served, the overlay gets the error with its place.
    let broken = prose.replacen("[@", "[@nosuchwork2099; @", 1);
    std::fs::write(&file, &broken).unwrap();
    let status = wait_for(&app, "/_attest/status", |s| s.contains("citation.unresolved")).await;
    let v: serde_json::Value = serde_json::from_str(&status).unwrap();
    let err = v["problems"].as_array().unwrap().iter().find(|p| p["code"] == "citation.unresolved").unwrap();
    assert_eq!(err["file"], "entries/chechens-ingush-1944.md");
    let line = broken.lines().position(|l| l.contains("nosuchwork2099")).unwrap() + 1;
    assert_eq!(err["line"], line);
    assert_eq!(err["severity"], "error");
    assert_eq!(text(&app, uri).await.0, StatusCode::OK);

    // A file that cannot be read as a project: the last good version stays.
    std::fs::remove_file(root.join("attest.toml")).unwrap();
    let status = wait_for(&app, "/_attest/status", |s| s.contains("\"failure\":\"")).await;
    assert!(status.contains("attest.toml"), "{status}");
    assert_eq!(text(&app, uri).await.0, StatusCode::OK);
}
