//! Editing an entry in the browser (`attest::serve::edit`): the form, the
//! check of the text as typed, saves that become revisions, saves from a
//! stale copy refused with the text kept, and everyone without the right
//! role or clearance answered like a missing page, with nothing written.

use attest::serve::state::{self, AppState};
use attest::store::accounts::{self, Role};
use attest::store::Store;
use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::Router;

use crate::accounts::web::{get, post, send, signed_in, token_of, Answer, Auth, Clock};

const T0: i64 = 1_800_000_000_000;
const PASSWORD: &str = "the same long password";
const PATH: &str = "entries/public.md";

struct Site {
    app: Router,
    dir: tempfile::TempDir,
    store: Store,
}

impl Site {
    fn file(&self) -> String {
        std::fs::read_to_string(self.dir.path().join(PATH)).unwrap()
    }
}

pub(crate) fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// The restricted fixture, copied to a folder the server may write, with
/// an editor `ed`, an author `aldo`, a reader `rex` and a reader `gus`
/// granted the entry. `project` false: served like the bundled sample.
async fn site(project: bool) -> Site {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/build/restricted"), dir.path());
    let loaded = attest::source::load::load_dir(dir.path()).unwrap();
    let analysis = attest::analyze(loaded, &|| {});
    let snap =
        state::snapshot(&analysis, &attest::render::site::Theme::default(), false, None, &mut Default::default())
            .unwrap();
    let store = Store::open_in_memory().await.unwrap();
    let hash = accounts::hash_password(PASSWORD).unwrap();
    let by = accounts::AuditEvent { actor: "root".into(), action: "user.add".into(), ..Default::default() };
    for (name, role) in [("ed", Role::Editor), ("aldo", Role::Author), ("rex", Role::Reader), ("gus", Role::Reader)] {
        store.add_account(name, role, &hash, T0, &by).await.unwrap();
    }
    store.grant("gus", "public", T0, &by).await.unwrap();
    let auth = Auth { store: store.clone(), options: Default::default(), clock: Clock::manual(T0) };
    let mut state = AppState::new(snap, false, tokio::sync::watch::channel(false).1).with_auth(auth);
    if project {
        state = state.with_project(dir.path().to_path_buf());
    }
    Site { app: attest::serve::app(state), dir, store }
}

/// `application/x-www-form-urlencoded`, every byte but letters and digits escaped.
pub(crate) fn encode(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
            .collect::<String>()
    };
    pairs.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

async fn save(app: &Router, token: Option<&str>, pairs: &[(&str, &str)]) -> Answer {
    let mut req = post("/edit/entries/public", "192.0.2.7");
    if let Some(t) = token {
        req = req.header(header::COOKIE, format!("attest_session={t}"));
    }
    send(app, req.body(Body::from(encode(pairs))).unwrap()).await
}

/// `text` with the last-modified date an editor's save of a published
/// entry gets on the test clock's day.
fn dated(text: &str) -> String {
    attest::workflow::set_fields(text, &[("modified", "2027-01-15".into())]).unwrap()
}

/// The content hash the form started from.
pub(crate) fn base_of(form: &Answer) -> String {
    let at = form.body.find("name=\"base\" value=\"").expect("the form names its base") + 19;
    form.body[at..at + 64].to_string()
}

#[tokio::test]
async fn an_editor_checks_then_saves_and_the_save_is_a_revision() {
    let site = site(true).await;
    let ed = signed_in(&site.app, "ed", PASSWORD).await;
    let original = site.file();
    let form = get(&site.app, "/edit/entries/public", Some(&ed)).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert_eq!(form.header(header::CACHE_CONTROL), "no-store");
    assert!(form.body.contains("<textarea id=\"text\" name=\"text\""), "{}", form.body);
    assert!(
        form.body.contains("SECRETDIVTEXT, as told in [@interview2020]"),
        "the whole source, restricted text included"
    );
    assert!(form.body.contains("::: restricted"));
    let base = base_of(&form);

    // A broken citation: the check names it, with its line, and writes nothing.
    let broken = original.replace("Public again.", "Public again [@nosuchwork1999].");
    let line = broken.lines().position(|l| l.contains("nosuchwork1999")).unwrap() + 1;
    let checked = save(&site.app, Some(&ed), &[("text", &broken), ("base", &base), ("action", "check")]).await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
    assert!(checked.body.contains("citation.unresolved"), "{}", checked.body);
    assert!(checked.body.contains(&format!("line {line}, column")), "{}", checked.body);
    assert!(checked.body.contains("nosuchwork1999"), "the text is kept in the form");
    assert_eq!(site.file(), original);

    // Saving it is refused the same way.
    let refused = save(&site.app, Some(&ed), &[("text", &broken), ("base", &base), ("action", "save")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(refused.body.contains("Not saved: 1 error(s)"), "{}", refused.body);
    assert_eq!(site.file(), original);

    // Fixed, with CRLF line ends as browsers send them: saved, as a revision by ed.
    let fixed = original.replace("Public again.", "Public again, and revised.");
    let sent = fixed.replace('\n', "\r\n");
    let saved =
        save(&site.app, Some(&ed), &[("text", &sent), ("base", &base), ("message", "tightened"), ("action", "save")])
            .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    // The entry is published: the public sees the change, dated by the system.
    assert_eq!(site.file(), dated(&fixed));
    assert!(site.file().contains("published: 2026-01-01\nmodified: 2027-01-15\n"), "{}", site.file());
    let revs = site.store.revisions(PATH).await.unwrap();
    assert_eq!((revs[0].author.as_str(), revs[0].message.as_str()), ("ed", "tightened"));
    assert_eq!(saved.header(header::LOCATION), format!("/edit/entries/public?saved={}", revs[0].id));
    let after = get(&site.app, saved.header(header::LOCATION), Some(&ed)).await;
    assert!(after.body.contains(&format!("Saved as revision #{}", revs[0].id)), "{}", after.body);
    assert_ne!(base_of(&after), base);
    let log = site.store.audit_log(10).await.unwrap();
    assert_eq!(log[0].event.action, "entry.save");
    assert_eq!(log[0].event.target.as_deref(), Some("public"));
    assert_eq!(log[0].event.address.as_deref(), Some("192.0.2.7"));
    // No temporary file is left beside it.
    let names: Vec<String> = std::fs::read_dir(site.dir.path().join("entries"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[tokio::test]
async fn a_save_from_a_stale_copy_is_refused_and_the_text_comes_back() {
    let site = site(true).await;
    let ed = signed_in(&site.app, "ed", PASSWORD).await;
    let form = get(&site.app, "/edit/entries/public", Some(&ed)).await;
    let base = base_of(&form);
    // Meanwhile someone changes the file on disk.
    let theirs = site.file().replace("## Memories", "## Memories\n\nAdded on disk.");
    std::fs::write(site.dir.path().join(PATH), &theirs).unwrap();
    let mine = site.file().replace("Public text about", "My own wording about");
    let refused = save(&site.app, Some(&ed), &[("text", &mine), ("base", &base), ("action", "save")]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("the file changed since you opened it"), "{}", refused.body);
    assert!(refused.body.contains("My own wording about"), "the text as typed is kept");
    assert_eq!(site.file(), theirs, "nothing was overwritten");
    // Saving again from the page that said so replaces the file on purpose.
    let again = save(&site.app, Some(&ed), &[("text", &mine), ("base", &base_of(&refused)), ("action", "save")]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    assert_eq!(site.file(), dated(&mine));
}

#[tokio::test]
async fn nobody_else_can_edit_and_each_gets_the_missing_page() {
    let site = site(true).await;
    let original = site.file();
    let missing = get(&site.app, "/no-such-page/", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let ed = signed_in(&site.app, "ed", PASSWORD).await;
    let base = base_of(&get(&site.app, "/edit/entries/public", Some(&ed)).await);
    for name in [None, Some("rex"), Some("gus"), Some("aldo")] {
        let token = token_of(&site.app, name, PASSWORD).await;
        let form = get(&site.app, "/edit/entries/public", token.as_deref()).await;
        assert_eq!((form.status, &form.body), (missing.status, &missing.body), "{name:?}");
        let a = save(&site.app, token.as_deref(), &[("text", "x"), ("base", &base), ("action", "save")]).await;
        assert_eq!((a.status, &a.body), (missing.status, &missing.body), "{name:?}");
    }
    // An entry that does not exist, even for an editor.
    let none = get(&site.app, "/edit/entries/no-such-entry", Some(&ed)).await;
    assert_eq!((none.status, &none.body), (missing.status, &missing.body));
    assert_eq!(site.file(), original);

    // A server without a project folder (the bundled sample) edits nothing.
    let sample = self::site(false).await;
    let ed = signed_in(&sample.app, "ed", PASSWORD).await;
    assert_eq!(get(&sample.app, "/edit/entries/public", Some(&ed)).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn cross_site_and_oversized_saves_are_refused_whole() {
    let site = site(true).await;
    let original = site.file();
    let ed = signed_in(&site.app, "ed", PASSWORD).await;
    let base = base_of(&get(&site.app, "/edit/entries/public", Some(&ed)).await);
    let body = encode(&[("text", "changed"), ("base", &base), ("action", "save")]);
    let cross = axum::http::Request::post("/edit/entries/public")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .header(header::COOKIE, format!("attest_session={ed}"))
        .body(Body::from(body))
        .unwrap();
    assert_eq!(send(&site.app, cross).await.status, StatusCode::FORBIDDEN);
    let huge = "x".repeat(attest::serve::edit::BODY_LIMIT + 1);
    let big = save(&site.app, Some(&ed), &[("text", &huge), ("base", &base), ("action", "save")]).await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(site.file(), original);
}

#[tokio::test]
async fn an_old_revision_is_restored_as_a_new_one() {
    let site = site(true).await;
    let ed = signed_in(&site.app, "ed", PASSWORD).await;
    let original = site.file();
    let form = get(&site.app, "/edit/entries/public", Some(&ed)).await;
    let first = vec![(PATH.to_string(), original.clone().into_bytes())];
    site.store.record_sources(&first, false, "ed", "read from the project folder").await.unwrap();
    let first_id = site.store.revisions(PATH).await.unwrap()[0].id;
    let changed = original.replace("Public again.", "Public again, changed.");
    let saved = save(&site.app, Some(&ed), &[("text", &changed), ("base", &base_of(&form)), ("action", "save")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

    // The history offers the older one; the form then holds its text, based on the file as it is.
    let history = get(&site.app, "/edit/entries/public/history", Some(&ed)).await;
    assert!(history.body.contains(&format!("/edit/entries/public?from={first_id}")), "{}", history.body);
    let restoring = get(&site.app, &format!("/edit/entries/public?from={first_id}"), Some(&ed)).await;
    assert_eq!(restoring.status, StatusCode::OK);
    assert!(restoring.body.contains(&format!("This is the text of revision #{first_id}")), "{}", restoring.body);
    assert!(restoring.body.contains("Public again.") && !restoring.body.contains("Public again, changed."));
    let restored =
        save(&site.app, Some(&ed), &[("text", &original), ("base", &base_of(&restoring)), ("action", "save")]).await;
    assert_eq!(restored.status, StatusCode::SEE_OTHER, "{}", restored.body);
    assert_eq!(site.file(), dated(&original));
    let revs = site.store.revisions(PATH).await.unwrap();
    assert_eq!(revs.len(), 3, "restoring adds a revision and removes none");
    // A revision of another file cannot be loaded through this entry.
    let other = vec![("entries/secret.md".to_string(), b"SECRETENTRYBODY".to_vec())];
    site.store.record_sources(&other, false, "ed", "x").await.unwrap();
    let secret_id = site.store.revisions("entries/secret.md").await.unwrap()[0].id;
    let refused = get(&site.app, &format!("/edit/entries/public?from={secret_id}"), Some(&ed)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(!refused.body.contains("SECRETENTRYBODY"));
}
