//! The editorial workflow through HTTP (`attest::serve::review` and
//! `attest::serve::edit`): an author's change to a published entry is a
//! draft the public does not see, submitted, commented on by a reviewer and
//! published by an editor, with the dates the system keeps; the check as one
//! types and the preview; who may do what.

use attest::serve::state::{self, AppState};
use attest::store::accounts::{self, Role};
use attest::store::Store;
use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::Router;

use crate::accounts::web::{get, post, send, signed_in, Answer, Auth, Clock};
use crate::edit::{base_of, encode};

/// 2027-01-15, 08:00 UTC.
const T0: i64 = 1_800_000_000_000;
const TODAY: &str = "2027-01-15";
const PASSWORD: &str = "the same long password";
const PATH: &str = "entries/public.md";

struct Site {
    app: Router,
    state: AppState,
    dir: tempfile::TempDir,
    store: Store,
}

impl Site {
    fn file(&self) -> String {
        std::fs::read_to_string(self.dir.path().join(PATH)).unwrap()
    }

    /// What the watcher does after a save.
    fn reload(&self) {
        attest::serve::watch::reload(self.dir.path(), &self.state, &|_: &attest::Analysis, _: &state::Snapshot| Ok(()));
        assert_eq!(self.state.last_failure(), None);
    }
}

/// The restricted fixture in a writable folder, with an editor `ed`, an
/// author `amos` and a reviewer `rosa` given the public entry, an author
/// `aldo` given nothing, and a reader `rex`.
async fn site() -> Site {
    let dir = tempfile::tempdir().unwrap();
    crate::edit::copy_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/build/restricted"),
        dir.path(),
    );
    let loaded = attest::source::load::load_dir(dir.path()).unwrap();
    let analysis = attest::analyze(loaded, &|| {});
    let snap = state::snapshot(&analysis, &attest::render::site::Theme::default(), true, None, &mut Default::default())
        .unwrap();
    let store = Store::open_in_memory().await.unwrap();
    let hash = accounts::hash_password(PASSWORD).unwrap();
    let by = accounts::AuditEvent { actor: "root".into(), action: "user.add".into(), ..Default::default() };
    for (name, role) in [
        ("ed", Role::Editor),
        ("amos", Role::Author),
        ("rosa", Role::Reviewer),
        ("aldo", Role::Author),
        ("rex", Role::Reader),
    ] {
        store.add_account(name, role, &hash, T0, &by).await.unwrap();
    }
    store.grant("amos", "public", T0, &by).await.unwrap();
    store.grant("rosa", "public", T0, &by).await.unwrap();
    let auth = Auth { store: store.clone(), options: Default::default(), clock: Clock::manual(T0) };
    let state = AppState::new(snap, true, tokio::sync::watch::channel(false).1)
        .with_auth(auth)
        .with_project(dir.path().to_path_buf());
    state.set_publications(state::publications_from(store.publications().await.unwrap()));
    Site { app: attest::serve::app(state.clone()), state, dir, store }
}

async fn send_form(app: &Router, uri: &str, token: Option<&str>, pairs: &[(&str, &str)]) -> Answer {
    let mut req = post(uri, "192.0.2.7");
    if let Some(t) = token {
        req = req.header(header::COOKIE, format!("attest_session={t}"));
    }
    send(app, req.body(Body::from(encode(pairs))).unwrap()).await
}

async fn public_page(site: &Site) -> String {
    let page = get(&site.app, "/entries/public/", None).await;
    assert_eq!(page.status, StatusCode::OK);
    page.body
}

#[tokio::test]
async fn an_authors_draft_is_reviewed_and_published_while_the_public_keeps_the_published_text() {
    let site = site().await;
    let amos = signed_in(&site.app, "amos", PASSWORD).await;
    let original = site.file();
    assert!(original.contains("status: published\npublished: 2026-01-01\n"));

    // The author given the entry edits it; the one not given it cannot.
    let aldo = signed_in(&site.app, "aldo", PASSWORD).await;
    let missing = get(&site.app, "/edit/entries/no-such-entry", Some(&aldo)).await;
    let hidden = get(&site.app, "/edit/entries/public", Some(&aldo)).await;
    assert_eq!((hidden.status, &hidden.body), (missing.status, &missing.body));
    let form = get(&site.app, "/edit/entries/public", Some(&amos)).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("Status: published"), "{}", form.body);
    assert!(!form.body.contains("value=\"publish\""), "authors are not offered Publish");
    assert!(form.body.contains("<script src=\"/_attest/edit.js\" defer></script>"));

    // Their change to the published entry becomes a draft of it.
    // (The draft also claims an earlier first publication: the system keeps its own.)
    let revised = original
        .replace("Public again.", "Public again, as the author revised it.")
        .replace("published: 2026-01-01", "published: 1990-01-01");
    let saved = send_form(
        &site.app,
        "/edit/entries/public",
        Some(&amos),
        &[("text", &revised), ("base", &base_of(&form)), ("message", "a clearer sentence"), ("action", "save")],
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(saved.header(header::LOCATION).ends_with("&draft=1"), "{}", saved.header(header::LOCATION));
    assert!(site.file().contains("status: draft\n"), "{}", site.file());
    assert!(site.file().contains("as the author revised it"));
    assert_eq!(site.store.publications().await.unwrap(), vec![(PATH.to_string(), original.clone().into_bytes())]);
    site.reload();
    let public = public_page(&site).await;
    assert!(public.contains("Public again.") && !public.contains("as the author revised it"), "{public}");
    assert!(!public.contains("banner draft"), "the public sees the published version, not a draft");

    // Authors cannot publish, by the text or by the button.
    let form = get(&site.app, "/edit/entries/public", Some(&amos)).await;
    assert!(form.body.contains("Status: draft") && form.body.contains("value=\"submit\""), "{}", form.body);
    assert!(form.body.contains("The public sees the version published as revision #"), "{}", form.body);
    let base = base_of(&form);
    let sneaky = site.file().replace("status: draft", "status: published");
    let refused = send_form(
        &site.app,
        "/edit/entries/public",
        Some(&amos),
        &[("text", &sneaky), ("base", &base), ("action", "save")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(refused.body.contains("only editors publish"), "{}", refused.body);
    let refused =
        send_form(&site.app, "/edit/entries/public/state", Some(&amos), &[("action", "publish"), ("base", &base)])
            .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(site.file().contains("status: draft\n"));

    // Submitted: in review, still not public.
    let submitted =
        send_form(&site.app, "/edit/entries/public/state", Some(&amos), &[("action", "submit"), ("base", &base)]).await;
    assert_eq!(submitted.status, StatusCode::SEE_OTHER, "{}", submitted.body);
    assert_eq!(submitted.header(header::LOCATION), "/edit/entries/public?moved=submit");
    assert!(site.file().contains("status: in-review\n"));
    // The same button twice: the page it came from is out of date.
    let again =
        send_form(&site.app, "/edit/entries/public/state", Some(&amos), &[("action", "submit"), ("base", &base)]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // The reviewer comments and may not save or publish.
    let rosa = signed_in(&site.app, "rosa", PASSWORD).await;
    let form = get(&site.app, "/edit/entries/public", Some(&rosa)).await;
    assert!(form.body.contains("Status: in review"), "{}", form.body);
    assert!(!form.body.contains("value=\"save\"") && !form.body.contains("value=\"publish\""), "{}", form.body);
    let base = base_of(&form);
    let commented = send_form(
        &site.app,
        "/edit/entries/public/comments",
        Some(&rosa),
        &[("body", "Give the page of the <source>."), ("base", &base)],
    )
    .await;
    assert_eq!(commented.status, StatusCode::SEE_OTHER, "{}", commented.body);
    let form = get(&site.app, "/edit/entries/public", Some(&amos)).await;
    assert!(form.body.contains("Give the page of the &lt;source&gt;."), "{}", form.body);
    let blocked = send_form(
        &site.app,
        "/edit/entries/public",
        Some(&rosa),
        &[("text", &site.file()), ("base", &base), ("action", "save")],
    )
    .await;
    assert_eq!(blocked.status, StatusCode::FORBIDDEN);
    site.reload();
    assert!(!public_page(&site).await.contains("as the author revised it"));

    // The editor publishes: the dates are the system's, the public sees it.
    let ed = signed_in(&site.app, "ed", PASSWORD).await;
    let form = get(&site.app, "/edit/entries/public", Some(&ed)).await;
    assert!(form.body.contains("value=\"publish\""), "{}", form.body);
    let published = send_form(
        &site.app,
        "/edit/entries/public/state",
        Some(&ed),
        &[("action", "publish"), ("base", &base_of(&form))],
    )
    .await;
    assert_eq!(published.status, StatusCode::SEE_OTHER, "{}", published.body);
    let file = site.file();
    assert!(file.contains("status: published\n") && file.contains("published: 2026-01-01\n"), "{file}");
    assert!(file.contains(&format!("modified: {TODAY}\n")), "{file}");
    site.reload();
    let public = public_page(&site).await;
    assert!(public.contains("as the author revised it"), "{public}");
    assert!(public.contains(&format!("<time datetime=\"{TODAY}\">")), "the new modified date is shown: {public}");
    assert_eq!(site.store.publications().await.unwrap()[0].1, file.into_bytes());

    let log: Vec<String> = site.store.audit_log(50).await.unwrap().into_iter().map(|r| r.event.action).collect();
    for action in ["entry.save", "entry.submit", "entry.comment", "entry.publish"] {
        assert!(log.iter().any(|a| a == action), "{action} in {log:?}");
    }
    let revs = site.store.revisions(PATH).await.unwrap();
    assert_eq!((revs[0].author.as_str(), revs[0].message.as_str()), ("ed", "publish: in review → published"));
}

#[tokio::test]
async fn a_withdrawn_entry_stays_online_with_a_notice() {
    let site = site().await;
    let ed = signed_in(&site.app, "ed", PASSWORD).await;
    let form = get(&site.app, "/edit/entries/public", Some(&ed)).await;
    let done = send_form(
        &site.app,
        "/edit/entries/public/state",
        Some(&ed),
        &[("action", "withdraw"), ("base", &base_of(&form))],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(site.file().contains("status: withdrawn\n"));
    site.reload();
    let public = public_page(&site).await;
    assert!(public.contains("class=\"banner withdrawn\""), "{public}");
    assert!(public.contains(&format!("<time datetime=\"{TODAY}\">")), "{public}");
}

#[tokio::test]
async fn the_check_answers_as_one_types_and_the_preview_renders_the_text() {
    let site = site().await;
    let amos = signed_in(&site.app, "amos", PASSWORD).await;
    let original = site.file();
    let broken = original.replace("Public again.", "Public again [@nosuchwork1999].");
    let line = broken.lines().position(|l| l.contains("nosuchwork1999")).unwrap() + 1;
    let live = send_form(&site.app, "/edit/entries/public/check", Some(&amos), &[("text", &broken)]).await;
    assert_eq!(live.status, StatusCode::OK, "{}", live.body);
    let json: serde_json::Value = serde_json::from_str(&live.body).unwrap();
    assert_eq!(json["errors"], 1, "{json}");
    assert_eq!(json["problems"][0]["code"], "citation.unresolved");
    assert_eq!(json["problems"][0]["line"], line);
    let clean = send_form(&site.app, "/edit/entries/public/check", Some(&amos), &[("text", &original)]).await;
    assert_eq!(serde_json::from_str::<serde_json::Value>(&clean.body).unwrap()["errors"], 0);
    assert_eq!(site.file(), original, "checking writes nothing");

    // The preview is the renderer's page, restricted passages included.
    let typed = original.replace("Public again.", "Public again, PREVIEWMARKER.");
    let shown = send_form(&site.app, "/entries/public/preview", Some(&amos), &[("text", &typed)]).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert!(shown.body.contains("PREVIEWMARKER") && shown.body.contains("SECRETDIVTEXT"), "{}", shown.body);
    assert_eq!(shown.header(header::CACHE_CONTROL), "private, no-store");
    assert_eq!(site.file(), original, "previewing writes nothing");

    // Nobody else gets either, and a plain GET there is any missing path.
    let missing = get(&site.app, "/entries/public/no-such-file", None).await;
    let rex = signed_in(&site.app, "rex", PASSWORD).await;
    for token in [None, Some(rex.as_str())] {
        for uri in ["/entries/public/preview", "/edit/entries/public/check"] {
            let a = send_form(&site.app, uri, token, &[("text", &typed)]).await;
            assert_eq!(a.status, StatusCode::NOT_FOUND, "{uri}");
            assert!(!a.body.contains("PREVIEWMARKER") && !a.body.contains("SECRETDIVTEXT"));
        }
    }
    let plain = get(&site.app, "/entries/public/preview", None).await;
    assert_eq!((plain.status, plain.body.len()), (missing.status, missing.body.len()));
}

#[tokio::test]
async fn each_account_sees_its_own_entries_on_the_dashboard() {
    let site = site().await;
    for (name, sees_public, sees_secret) in
        [("amos", true, false), ("rosa", true, false), ("aldo", false, false), ("ed", true, true)]
    {
        let token = signed_in(&site.app, name, PASSWORD).await;
        let page = get(&site.app, "/edit/", Some(&token)).await;
        assert_eq!(page.status, StatusCode::OK, "{name}");
        assert_eq!(page.body.contains("href=\"/edit/entries/public\""), sees_public, "{name}: {}", page.body);
        assert_eq!(page.body.contains("href=\"/edit/entries/secret\""), sees_secret, "{name}: {}", page.body);
    }
    let rex = signed_in(&site.app, "rex", PASSWORD).await;
    assert_eq!(get(&site.app, "/edit/", Some(&rex)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&site.app, "/edit/", None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn editors_edit_the_bibliography_and_the_gazetteer_like_entries() {
    let site = site().await;
    let bib = "bibliography/works.bib";
    let uri = format!("/edit/files/{bib}");
    let ed = signed_in(&site.app, "ed", PASSWORD).await;
    let amos = signed_in(&site.app, "amos", PASSWORD).await;

    // Editors only, and only those files of the project.
    let missing = get(&site.app, "/edit/files/bibliography/nothing.bib", Some(&ed)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    for (who, u) in [
        (Some(amos.as_str()), uri.as_str()),
        (None, uri.as_str()),
        (Some(ed.as_str()), "/edit/files/attest.toml"),
        (Some(ed.as_str()), "/edit/files/entries/public.md"),
        (Some(ed.as_str()), "/edit/files/bibliography/../attest.toml"),
        (Some(amos.as_str()), "/edit/history/places.yaml"),
    ] {
        let a = get(&site.app, u, who).await;
        assert_eq!((a.status, &a.body), (missing.status, &missing.body), "{u}");
    }
    let dash = get(&site.app, "/edit/", Some(&ed)).await;
    assert!(dash.body.contains(&format!("href=\"{uri}\"")) && dash.body.contains("href=\"/edit/files/places.yaml\""));
    assert!(!get(&site.app, "/edit/", Some(&amos)).await.body.contains("/edit/files/"));

    let form = get(&site.app, &uri, Some(&ed)).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("SECRETWORKTITLE"), "the whole file, restricted works included");
    let original = std::fs::read_to_string(site.dir.path().join(bib)).unwrap();
    let base = base_of(&form);
    // As the watcher stores it when the server starts.
    site.store
        .record_sources(&[(bib.to_string(), original.clone().into_bytes())], false, "disk", "read")
        .await
        .unwrap();

    // A malformed record: the live check and Save name it, nothing is written.
    let broken = format!("{original}\n@book{{broken2020,\n  title = {{Unclosed\n");
    let live = send_form(&site.app, &format!("/edit/check/{bib}"), Some(&ed), &[("text", &broken)]).await;
    let json: serde_json::Value = serde_json::from_str(&live.body).unwrap();
    assert!(json["errors"].as_u64().unwrap() >= 1, "{json}");
    assert_eq!(json["problems"][0]["file"], bib);
    let refused =
        send_form(&site.app, &uri, Some(&ed), &[("text", &broken), ("base", &base), ("action", "save")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert_eq!(std::fs::read_to_string(site.dir.path().join(bib)).unwrap(), original);

    // A new work: saved as a revision by ed, audited.
    let added = format!("{original}\n@book{{jones2010,\n  author = {{Jones, Bo}},\n  title = {{Another Book}},\n  date = {{2010}},\n}}\n");
    let saved = send_form(
        &site.app,
        &uri,
        Some(&ed),
        &[("text", &added), ("base", &base), ("message", "adds Jones"), ("action", "save")],
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(std::fs::read_to_string(site.dir.path().join(bib)).unwrap(), added);
    let revs = site.store.revisions(bib).await.unwrap();
    assert_eq!((revs[0].author.as_str(), revs[0].message.as_str()), ("ed", "adds Jones"));
    assert_eq!(saved.header(header::LOCATION), format!("{uri}?saved={}", revs[0].id));
    let log = site.store.audit_log(5).await.unwrap();
    assert_eq!((log[0].event.action.as_str(), log[0].event.target.as_deref()), ("file.save", Some(bib)));

    // The old base is stale now: refused, the text kept.
    let stale =
        send_form(&site.app, &uri, Some(&ed), &[("text", &original), ("base", &base), ("action", "save")]).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.body.contains("the file changed since you opened it"));

    // Its history and diff, as for entries.
    let history = get(&site.app, &format!("/edit/history/{bib}"), Some(&ed)).await;
    assert_eq!(history.status, StatusCode::OK);
    assert!(history.body.contains("adds Jones"), "{}", history.body);
    let diff = get(&site.app, &format!("/edit/diff/{bib}"), Some(&ed)).await;
    assert_eq!(diff.status, StatusCode::OK, "{}", diff.body);
    assert!(diff.body.contains("Another Book"), "{}", diff.body);
}

#[tokio::test]
async fn an_editor_cuts_an_edition_that_is_served_frozen_and_named_by_the_live_page() {
    let site = site().await;
    let ed = signed_in(&site.app, "ed", PASSWORD).await;
    let amos = signed_in(&site.app, "amos", PASSWORD).await;
    let missing = get(&site.app, "/editions/2027-spring/", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // Editors only.
    let refused = send_form(&site.app, "/edit/editions", Some(&amos), &[("name", "2027-spring")]).await;
    assert_eq!((refused.status, refused.body.len()), (missing.status, missing.body.len()));
    let bad = send_form(&site.app, "/edit/editions", Some(&ed), &[("name", "../up")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(get(&site.app, "/edit/", Some(&ed)).await.body.contains("action=\"/edit/editions\""));

    let cut = send_form(&site.app, "/edit/editions", Some(&ed), &[("name", "2027-spring")]).await;
    assert_eq!(cut.status, StatusCode::SEE_OTHER, "{}", cut.body);
    assert_eq!(cut.header(header::LOCATION), "/editions/2027-spring/");
    let again = send_form(&site.app, "/edit/editions", Some(&ed), &[("name", "2027-spring")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "an edition is never written over");

    // Served frozen: the edition's own addresses, cached for good.
    let page = get(&site.app, "/editions/2027-spring/entries/public/", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.header(header::CACHE_CONTROL).contains("immutable"));
    assert!(page.body.contains("Edition 2027-spring, frozen on 2027-01-15"), "{}", page.body);
    assert!(page.body.contains("https://example.org/fixture/editions/2027-spring/entries/public/"), "{}", page.body);
    assert_eq!(
        get(&site.app, "/editions/2027-spring/entries/public", None).await.status,
        StatusCode::MOVED_PERMANENTLY
    );
    for uri in ["/editions/2027-spring/../attest.toml", "/editions/2027-spring/edition.tom", "/editions/.x/"] {
        assert_eq!(get(&site.app, uri, None).await.status, StatusCode::NOT_FOUND, "{uri}");
    }

    // Public material only, published entries only, hashed as the manifest says.
    let files = attest::edition::site_files(site.dir.path()).unwrap();
    assert!(files.iter().any(|(p, _)| p == "editions/2027-spring/entries/public/index.html"));
    assert!(!files.iter().any(|(p, _)| p.contains("/entries/secret/")), "the draft entry is not in it");
    for (path, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        for m in crate::build::MARKERS {
            assert!(!text.contains(m), "{m} in {path}");
        }
    }
    assert!(attest::edition::verify(site.dir.path(), "2027-spring").unwrap());
    let log = site.store.audit_log(5).await.unwrap();
    assert_eq!((log[0].event.action.as_str(), log[0].event.target.as_deref()), ("edition.cut", Some("2027-spring")));

    // The live page's how-to-cite offers the frozen copy once the server has reloaded.
    site.reload();
    let live = public_page(&site).await;
    assert!(
        live.contains("as it stands in edition <cite>2027-spring</cite>")
            && live.contains("https://example.org/fixture/editions/2027-spring/entries/public/"),
        "{live}"
    );

    // A changed file no longer matches the published hash.
    let page_file = site.dir.path().join("editions/2027-spring/entries/public/index.html");
    std::fs::write(&page_file, "changed").unwrap();
    assert!(!attest::edition::verify(site.dir.path(), "2027-spring").unwrap());
}

#[test]
fn attest_edition_cuts_lists_verifies_and_build_copies_the_editions() {
    use crate::accounts::{attest, sample_dir};
    let tmp = sample_dir();
    let dir = tmp.path().to_str().unwrap();
    let (code, out, err) = attest(&["edition", "cut", "first", dir], "");
    assert_eq!(code, 0, "{err}");
    let hash = out.lines().find_map(|l| l.strip_prefix("sha256 ")).expect("the hash is printed").to_string();
    assert!(out.contains("1 entries"), "the sample has one published entry: {out}");
    let (code, _, err) = attest(&["edition", "cut", "first", dir], "");
    assert_eq!(code, 2);
    assert!(err.contains("already an edition `first`"), "{err}");
    let (code, _, err) = attest(&["edition", "cut", "First!", dir], "");
    assert_eq!(code, 2);
    assert!(err.contains("cannot name an edition"), "{err}");
    let (_, list, _) = attest(&["edition", "list", dir], "");
    assert!(list.contains("first") && list.contains(&hash), "{list}");
    assert_eq!(attest(&["edition", "verify", "first", dir], "").0, 0);

    // `attest build` copies it, and the live entry names it.
    let out_dir = tmp.path().join("site");
    let (code, _, err) = attest(&["build", dir, "--out", out_dir.to_str().unwrap()], "");
    assert_eq!(code, 0, "{err}");
    let frozen = out_dir.join("editions/first/entries/chechens-ingush-1944/index.html");
    assert!(frozen.is_file());
    let live = std::fs::read_to_string(out_dir.join("entries/chechens-ingush-1944/index.html")).unwrap();
    assert!(live.contains("editions/first/entries/chechens-ingush-1944/"), "the how-to-cite line names the edition");

    // A project with errors is not frozen.
    let entry = tmp.path().join("entries/chechens-ingush-1944.md");
    let text = std::fs::read_to_string(&entry).unwrap();
    std::fs::write(&entry, text.replacen("[@", "[@nosuchwork2099; @", 1)).unwrap();
    let (code, _, err) = attest(&["edition", "cut", "second", dir], "");
    assert_eq!(code, 2);
    assert!(err.contains("error(s)"), "{err}");
    assert!(!tmp.path().join("editions/second").exists());

    // A tampered edition fails verification.
    std::fs::write(tmp.path().join("editions/first/index.html"), "changed").unwrap();
    let (code, _, err) = attest(&["edition", "verify", "first", dir], "");
    assert_eq!(code, 1);
    assert!(err.contains("was changed since it was cut"), "{err}");
}

#[tokio::test]
async fn downloads_that_hold_restricted_material_are_audited() {
    let site = site().await;
    let ed = signed_in(&site.app, "ed", PASSWORD).await;
    let exports = |log: Vec<attest::store::accounts::AuditRecord>| -> Vec<String> {
        log.into_iter().filter(|r| r.event.action == "export.restricted").filter_map(|r| r.event.detail).collect()
    };
    // The page itself, and a public visitor's download: not exports.
    assert_eq!(get(&site.app, "/entries/public/", Some(&ed)).await.status, StatusCode::OK);
    assert_eq!(get(&site.app, "/entries/public/bibliography.bib", None).await.status, StatusCode::OK);
    assert!(exports(site.store.audit_log(50).await.unwrap()).is_empty());
    // The editor's copy lists the restricted interview: recorded, with the file.
    let bib = get(&site.app, "/entries/public/bibliography.bib", Some(&ed)).await;
    assert!(bib.body.contains("interview2020"), "{}", bib.body);
    assert_eq!(exports(site.store.audit_log(50).await.unwrap()), ["entries/public/bibliography.bib"]);
}
