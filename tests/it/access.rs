//! Access control through the server (`attest::access::Clearance`,
//! `attest::serve::auth::clearance`): every route, as every role, over a
//! fixture with a unique marker in every restricted place. A marker may
//! appear only on the entry pages of an entry the account is cleared for;
//! an entry that is not there for someone answers exactly like one that
//! does not exist.

use std::collections::BTreeSet;

use attest::serve::state::{self, AppState};
use attest::store::accounts::{self, Role};
use attest::store::Store;
use axum::http::{header, StatusCode};

use crate::accounts::web::{get, signed_in, token_of, Answer, Auth, Clock};

const T0: i64 = 1_800_000_000_000;
const PASSWORD: &str = "the same long password";

/// The markers of `tests/fixtures/build/restricted` (one in every
/// restricted place), less the ids this test puts in its own addresses:
/// "no figure `secret-figure`" repeats the address, not the entry.
fn markers() -> impl Iterator<Item = &'static str> {
    const IN_ADDRESSES: &[&str] = &["interview2020", "secret-figure", "hidden-event", "hidden-witness"];
    crate::build::MARKERS.iter().copied().filter(|m| !IN_ADDRESSES.contains(m))
}

/// Who asks: a name (or `None` for nobody signed in), a role and grants.
struct Person {
    name: Option<&'static str>,
    role: Role,
    grants: &'static [&'static str],
}

const PEOPLE: &[Person] = &[
    Person { name: None, role: Role::Reader, grants: &[] },
    Person { name: Some("rex"), role: Role::Reader, grants: &[] },
    Person { name: Some("gus"), role: Role::Reader, grants: &["secret"] },
    Person { name: Some("pia"), role: Role::Reader, grants: &["public"] },
    Person { name: Some("all"), role: Role::Reader, grants: &["*"] },
    Person { name: Some("aldo"), role: Role::Author, grants: &[] },
    Person { name: Some("rita"), role: Role::Reviewer, grants: &[] },
    // An author and a reviewer given one entry each to work on.
    Person { name: Some("amos"), role: Role::Author, grants: &["secret"] },
    Person { name: Some("rosa"), role: Role::Reviewer, grants: &["public"] },
    Person { name: Some("ed"), role: Role::Editor, grants: &[] },
    Person { name: Some("anna"), role: Role::Admin, grants: &[] },
];

impl Person {
    /// Whether this person may see entry `slug`'s restricted material.
    fn cleared_for(&self, slug: &str) -> bool {
        self.name.is_some()
            && (matches!(self.role, Role::Editor | Role::Admin) || self.grants.iter().any(|g| *g == "*" || *g == slug))
    }
}

fn fixture() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/build/restricted")
}

/// The router over the fixture with everyone's account, and the paths of
/// the public site's files.
async fn site() -> (axum::Router, Vec<String>) {
    let loaded = attest::source::load::load_dir(&fixture()).unwrap();
    let analysis = attest::analyze(loaded, &|| {});
    let theme = attest::render::site::Theme::default();
    let snap = state::snapshot(&analysis, &theme, false, None, &mut Default::default()).unwrap();
    let mut files: Vec<String> = snap.files.keys().cloned().collect();
    files.sort();
    let store = Store::open_in_memory().await.unwrap();
    let hash = accounts::hash_password(PASSWORD).unwrap();
    for p in PEOPLE {
        let Some(name) = p.name else { continue };
        let by = accounts::AuditEvent { actor: "root".into(), action: "user.add".into(), ..Default::default() };
        store.add_account(name, p.role, &hash, T0, &by).await.unwrap();
        for g in p.grants {
            store.grant(name, g, T0, &by).await.unwrap();
        }
    }
    // Two revisions of each entry: as read, then with a changed sentence
    // and estimate in the public one.
    let read = |name: &str| std::fs::read(fixture().join("entries").join(name)).unwrap();
    let first = vec![
        ("entries/public.md".to_string(), read("public.md")),
        ("entries/secret.md".to_string(), read("secret.md")),
    ];
    store.record_sources(&first, false, "ed", "read from the project folder").await.unwrap();
    let edited = String::from_utf8(read("public.md"))
        .unwrap()
        .replace("value: 7777777", "value: 7777778")
        .replace("SECRETSECTIONTEXT.", "SECRETSECTIONTEXT, retold.");
    let second = vec![("entries/public.md".to_string(), edited.into_bytes())];
    store.record_sources(&second, false, "ed", "a second reading").await.unwrap();
    let auth = Auth { store, options: Default::default(), clock: Clock::manual(T0) };
    let state = AppState::new(snap, false, tokio::sync::watch::channel(false).1).with_auth(auth);
    (attest::serve::app(state), files)
}

/// Every route worth asking: the public site's files, the restricted
/// entry's would-be files, a missing entry's, the API and searches for
/// every marker.
fn routes(files: &[String]) -> Vec<String> {
    let mut routes: BTreeSet<String> = BTreeSet::new();
    for f in files {
        routes.insert(format!("/{}", f.strip_suffix("index.html").unwrap_or(f)));
        if let Some(rest) = f.strip_prefix("entries/public/") {
            routes.insert(format!("/entries/secret/{rest}"));
            routes.insert(format!("/entries/no-such-entry/{rest}"));
        }
    }
    for r in [
        "/entries/secret",
        "/entries/secret/index.html",
        "/entries/public",
        "/api/v1",
        "/api/v1/openapi.json",
        "/api/v1/entries",
        "/api/v1/entries/public",
        "/api/v1/entries/secret",
        "/api/v1/entries/public/figures/people",
        "/api/v1/entries/public/figures/secret-figure",
        "/api/v1/figures",
        "/api/v1/events",
        "/api/v1/places",
        "/api/v1/places.geojson",
        "/api/v1/places/hamlet",
        "/api/v1/works",
        "/api/v1/works/interview2020",
        "/api/v1/session",
        "/_attest/status",
        "/healthz",
        "/login",
        "/admin/audit",
        "/edit/entries/public/history",
        "/edit/entries/public/diff",
        "/edit/entries/public/diff?from=1&to=3",
        "/edit/entries/secret/history",
        "/edit/entries/secret/diff",
        "/edit/entries/no-such-entry/history",
        "/edit/",
        "/edit/entries/public",
        "/edit/entries/secret",
        "/entries/secret/preview",
        "/_attest/edit.js",
    ] {
        routes.insert(r.to_string());
    }
    // Searched in lower case: answers repeat the query, and a marker in
    // its own case is then a hit's text, not the echo.
    for m in markers().filter(|m| m.starts_with("SECRET")) {
        let q = m.to_lowercase();
        routes.insert(format!("/search/?q={q}"));
        routes.insert(format!("/api/v1/search?q={q}"));
        routes.insert(format!("/api/search?q={q}"));
    }
    routes.into_iter().collect()
}

fn markers_in(a: &Answer) -> Vec<&'static str> {
    let headers: String = a.headers.iter().map(|(k, v)| format!("{k}: {}\n", v.to_str().unwrap_or(""))).collect();
    markers().filter(|m| a.body.contains(m) || headers.contains(m)).collect()
}

/// The entry a route belongs to, if it is one of an entry's own pages (or
/// its history).
fn entry_of(route: &str) -> Option<&str> {
    let rest = route.strip_prefix("/edit").unwrap_or(route);
    let slug = rest.strip_prefix("/entries/")?.split('/').next()?;
    (!slug.is_empty()).then_some(slug)
}

#[tokio::test]
async fn no_marker_reaches_anyone_not_cleared_for_it_on_any_route() {
    let (app, files) = site().await;
    let routes = routes(&files);
    assert!(routes.len() > 80, "{} routes", routes.len());
    let mut leaks = Vec::new();
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for person in PEOPLE {
        let token = token_of(&app, person.name, PASSWORD).await;
        for route in &routes {
            let a = get(&app, route, token.as_deref()).await;
            let found = markers_in(&a);
            // The list of one's entries names those one works on.
            let listed =
                route == "/edit/" && person.role >= Role::Author && found.iter().all(|m| *m == "SECRETENTRYTITLE");
            let entry = entry_of(route).or(listed.then_some("secret"));
            let allowed = entry.is_some_and(|slug| person.cleared_for(slug));
            if !found.is_empty() {
                if allowed {
                    seen.push((person.name.unwrap_or("-"), entry.unwrap()));
                    assert!(a.header(header::CACHE_CONTROL).contains("no-store"), "{route}");
                } else {
                    leaks.push(format!("{:?} {route}: {found:?}", person.name));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "restricted material where it must not be:\n{}", leaks.join("\n"));
    // The grants do let through what they grant.
    let seen: BTreeSet<(&str, &str)> = seen.into_iter().collect();
    let expected: BTreeSet<(&str, &str)> = [
        ("gus", "secret"),
        ("pia", "public"),
        ("all", "public"),
        ("all", "secret"),
        ("ed", "public"),
        ("ed", "secret"),
        ("anna", "public"),
        ("anna", "secret"),
        // An author and a reviewer, each on the entry given to them.
        ("amos", "secret"),
        ("rosa", "public"),
    ]
    .into();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn a_restricted_entry_answers_like_a_missing_one_unless_cleared() {
    let (app, files) = site().await;
    let downloads: Vec<&str> = files.iter().filter_map(|f| f.strip_prefix("entries/public/")).collect();
    assert!(downloads.len() > 1, "{downloads:?}");
    for person in PEOPLE {
        let token = token_of(&app, person.name, PASSWORD).await;
        for rest in &downloads {
            let secret = get(&app, &format!("/entries/secret/{rest}"), token.as_deref()).await;
            if person.cleared_for("secret") {
                assert_eq!(secret.status, StatusCode::OK, "{:?} {rest}", person.name);
                continue;
            }
            let missing = get(&app, &format!("/entries/no-such-entry/{rest}"), token.as_deref()).await;
            assert_eq!(secret.status, StatusCode::NOT_FOUND, "{:?} {rest}", person.name);
            assert_eq!(
                (secret.status, secret.header(header::CONTENT_TYPE), &secret.body),
                (missing.status, missing.header(header::CONTENT_TYPE), &missing.body),
                "{:?} {rest}",
                person.name
            );
        }
    }
}

#[tokio::test]
async fn a_cleared_editor_gets_the_internal_page_marked_as_such_and_never_cached() {
    let (app, _) = site().await;
    let token = signed_in(&app, "ed", PASSWORD).await;
    let page = get(&app, "/entries/public/", Some(&token)).await;
    assert_eq!(page.status, StatusCode::OK);
    for m in ["SECRETWITNESSNAME", "SECRETDIVTEXT", "SECRETSECTIONTEXT", "SECRETWORKTITLE", "7,777,777"] {
        assert!(page.body.contains(m), "{m} missing from the editor's page");
    }
    assert!(page.body.contains("Internal edition"), "the page says it is internal");
    assert_eq!(page.header(header::CACHE_CONTROL), "private, no-store");
    // Without the cookie, the same address is the public page.
    let public = get(&app, "/entries/public/", None).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(markers_in(&public).is_empty(), "{:?}", markers_in(&public));
    assert_eq!(public.header(header::CACHE_CONTROL), "no-cache");
    assert_ne!(page.header(header::ETAG), public.header(header::ETAG));
    // A restricted entry's short address leads to its page for the cleared.
    let short = get(&app, "/entries/secret", Some(&token)).await;
    assert_eq!(short.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(short.header(header::LOCATION), "/entries/secret/");
    // A session that ended is nobody.
    let ended = get(&app, "/entries/secret/", Some("0000000000000000000000000000000000000000000")).await;
    assert_eq!(ended.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_entrys_history_and_its_diffs_are_for_cleared_editors_only() {
    let (app, _) = site().await;
    let ed = signed_in(&app, "ed", PASSWORD).await;
    let history = get(&app, "/edit/entries/public/history", Some(&ed)).await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.body);
    assert_eq!(history.header(header::CACHE_CONTROL), "no-store");
    // Newest first: #3 (the second reading), then #1.
    let (i3, i1) = (history.body.find("#3 ·").unwrap(), history.body.find("#1 ·").unwrap());
    assert!(i3 < i1, "{}", history.body);
    assert!(history.body.contains("a second reading") && !history.body.contains("#2 ·"), "{}", history.body);

    // By default the newest against the one before it.
    let d = get(&app, "/edit/entries/public/diff", Some(&ed)).await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.body);
    assert!(
        d.body.contains("<tr><td><code>figures[people].estimates[hidden].value</code></td><td><code>7777777</code></td><td><code>7777778</code></td></tr>"),
        "{}",
        d.body
    );
    assert!(d.body.contains("<del>SECRETSECTIONTEXT.</del><ins>SECRETSECTIONTEXT, retold.</ins>"), "{}", d.body);
    // The same pair named, and the other way round.
    assert_eq!(get(&app, "/edit/entries/public/diff?from=1&to=3", Some(&ed)).await.body, d.body);
    let back = get(&app, "/edit/entries/public/diff?from=3&to=1", Some(&ed)).await;
    assert!(back.body.contains("<td><code>7777778</code></td><td><code>7777777</code></td>"), "{}", back.body);
    // Another file's revision is not this entry's, and a word is not a number.
    let other = get(&app, "/edit/entries/public/diff?from=2&to=3", Some(&ed)).await;
    assert_eq!(other.status, StatusCode::BAD_REQUEST);
    assert!(other.body.contains("no revision #2 of this file"), "{}", other.body);
    assert!(!other.body.contains("SECRETENTRYBODY"));
    let word = get(&app, "/edit/entries/public/diff?from=x", Some(&ed)).await;
    assert_eq!(word.status, StatusCode::BAD_REQUEST);
    // One revision: nothing to compare.
    let one = get(&app, "/edit/entries/secret/diff", Some(&ed)).await;
    assert_eq!(one.status, StatusCode::OK);
    assert!(one.body.contains("only one revision"), "{}", one.body);

    // Everyone else: the site's 404, as for an entry that does not exist.
    let missing = get(&app, "/edit/entries/no-such-entry/history", Some(&ed)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    for person in PEOPLE {
        let token = token_of(&app, person.name, PASSWORD).await;
        for (slug, route) in
            [("public", "/edit/entries/public/history"), ("secret", "/edit/entries/secret/diff?from=1&to=2")]
        {
            let a = get(&app, route, token.as_deref()).await;
            if person.role >= Role::Author && person.cleared_for(slug) {
                assert_ne!(a.status, StatusCode::NOT_FOUND, "{:?} {route}", person.name);
            } else {
                assert_eq!((a.status, &a.body), (missing.status, &missing.body), "{:?} {route}", person.name);
            }
        }
    }
}
