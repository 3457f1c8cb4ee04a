//! The server's database (`attest::store`): schema migrations, source
//! revisions, the derived model per audience (no restricted byte in the
//! public rows), event queries, clear errors, and recovery after the
//! writing process is killed.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use attest::access::{view, Audience};
use attest::parse::edtf::Day;
use attest::store::{EventFilter, ModelChange, Store, StoreError};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Row, SqliteConnection};

/// Restricted strings of the fixture that the internal model stores (in a
/// column or in an entry's Markdown); none may be in a public row.
const STORED_MARKERS: &[&str] = &[
    "SECRETESTIMATEWORDING",
    "SECRETFIGUREMEASURE",
    "SECRETEVENTLABEL",
    "SECRETDIVTEXT",
    "SECRETSECTIONTEXT",
    "SECRETENTRYTITLE",
    "SECRETAUTHOR",
    "SECRETSUMMARY",
    "SECRETENTRYBODY",
    "SECRETPLACENAME",
    "SECRETWORKTITLE",
    "interview2020",
    "hidden-event",
    "secret-figure",
];

/// Restricted strings the model does not store at all (positions and
/// testimonies), checked absent from public rows all the same.
const OTHER_MARKERS: &[&str] = &["SECRETQUALIFICATION", "SECRETWITNESSNAME", "SECRETTESTIMONYSUMMARY"];

const CONFIG: &str = "title = \"Store fixture\"\nbase_url = \"https://example.org/\"\n";

const PLACES: &str = "\
- id: caucasus
  kind: region
  names: [Caucasus]
- id: chechnya
  kind: republic
  names: [Chechnya]
  part_of: caucasus
- id: aul
  kind: village
  names: [{ name: Аул, lang: ru, script: Cyrl }, { name: Aul, lang: en, preferred: true }]
  coordinates: { lat: 43.0, lon: 45.0 }
  precision: exact
  part_of: chechnya
- id: elsewhere
  kind: town
  names: [Elsewhere]
  coordinates: { lat: 10.0, lon: 20.0 }
  precision: locality
- id: hamlet
  kind: village
  names: [SECRETPLACENAME]
  coordinates: { lat: 11.0, lon: 21.0 }
  precision: exact
";

const WORKS: &str = "\
@book{smith2001,
  author = {Smith, Anna},
  title = {A Public Book},
  date = {2001},
}

@misc{interview2020,
  author = {Interviewer, Ivan},
  title = {Transcript SECRETWORKTITLE},
  date = {2020},
  access = {restricted},
}
";

const PUBLIC_ENTRY: &str = "\
---
title: A public entry
kind: essay
status: published
published: 2026-01-01
authors: [A. Editor]
places: [aul]
figures:
  - id: people
    measure: { what: people moved }
    unit: people
    estimates:
      - { id: open, value: 1000, source: \"@smith2001, p. 3\", basis: official-document, rank: preferred }
      - { id: hidden, value: 7777777, source: \"@smith2001\", basis: testimony, wording: SECRETESTIMATEWORDING, access: restricted }
  - id: secret-figure
    access: restricted
    measure: { what: SECRETFIGUREMEASURE }
    unit: people
    estimates:
      - { id: only, value: 5555555, source: \"@smith2001\", basis: testimony }
events:
  - { id: approx, date: 1944~, label: About then in the village, places: [aul], sources: [\"@smith2001\"] }
  - { id: later, date: 1950, label: Later elsewhere, places: [elsewhere], sources: [\"@smith2001\"] }
  - { id: span, date: 1944-02-23/1944-03-10, label: Weeks in the republic, places: [chechnya], sources: [\"@smith2001\"] }
  - { id: open-start, date: ../1940, label: Until 1940, places: [elsewhere], sources: [\"@smith2001\"] }
  - { id: hidden-event, date: 1944, label: SECRETEVENTLABEL, places: [hamlet], sources: [\"@interview2020\"], access: restricted }
positions:
  - id: hidden-position
    qualification: SECRETQUALIFICATION
    argument: An argument
    holders: [{ name: A holder }]
    access: restricted
testimonies:
  - id: hidden-witness
    witness: SECRETWITNESSNAME
    summary: SECRETTESTIMONYSUMMARY
    source: \"@interview2020\"
    access: restricted
---

## Context

Public text about {fig:people} people in Грозный [@smith2001, p. 4].

::: restricted
SECRETDIVTEXT, as told in [@interview2020]: {fig:secret-figure} and {fig:people.hidden}.
:::

## Witnesses {#witnesses .restricted}

SECRETSECTIONTEXT.

## Memories

Public again.
";

const SECRET_ENTRY: &str = "\
---
title: SECRETENTRYTITLE
kind: essay
status: draft
access: restricted
authors: [SECRETAUTHOR]
summary: SECRETSUMMARY
---

SECRETENTRYBODY [@interview2020].
";

fn fixture_files() -> Vec<(&'static str, &'static [u8])> {
    vec![
        ("attest.toml", CONFIG.as_bytes()),
        ("places.yaml", PLACES.as_bytes()),
        ("bibliography/works.bib", WORKS.as_bytes()),
        ("entries/public.md", PUBLIC_ENTRY.as_bytes()),
        ("entries/secret.md", SECRET_ENTRY.as_bytes()),
    ]
}

fn fixture_view(audience: Audience) -> attest::access::View {
    let a = attest::analyze(attest::source::load::load_files(fixture_files()).unwrap(), &|| {});
    assert_eq!(a.counts().0, 0, "{}", attest::report::human(&a, false));
    view(&a, audience)
}

fn view_of(files: &[(&str, &[u8])], audience: Audience) -> attest::access::View {
    let a = attest::analyze(attest::source::load::load_files(files.iter().copied()).unwrap(), &|| {});
    view(&a, audience)
}

fn owned(files: &[(&str, &[u8])]) -> Vec<(String, Vec<u8>)> {
    files.iter().map(|(p, b)| (p.to_string(), b.to_vec())).collect()
}

async fn raw(path: &Path) -> SqliteConnection {
    SqliteConnectOptions::new().filename(path).connect().await.unwrap()
}

/// Every value of every column of every table as text, with its table;
/// rows of the derived model only when they belong to `audience`.
async fn dump(path: &Path, audience: Option<&str>) -> Vec<(String, String)> {
    let mut c = raw(path).await;
    let tables: Vec<String> = sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table'")
        .fetch_all(&mut c)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(tables.len() >= 12, "{tables:?}");
    let mut out = Vec::new();
    for t in tables {
        let cols: Vec<String> = sqlx::query(AssertSqlSafe(format!("SELECT name FROM pragma_table_info('{t}')")))
            .fetch_all(&mut c)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        let filter = match audience {
            Some(a) if cols.iter().any(|c| c == "audience") => format!(" WHERE audience = '{a}'"),
            _ => String::new(),
        };
        for col in &cols {
            // As bytes: a BLOB need not be UTF-8.
            let q = format!("SELECT CAST(\"{col}\" AS BLOB) FROM \"{t}\"{filter}");
            for r in sqlx::query(AssertSqlSafe(q)).fetch_all(&mut c).await.unwrap() {
                if let Some(v) = r.get::<Option<Vec<u8>>, _>(0) {
                    out.push((t.clone(), String::from_utf8_lossy(&v).into_owned()));
                }
            }
        }
    }
    out
}

fn leaks<'a>(dump: &'a [(String, String)], markers: &[&'a str]) -> Vec<(&'a str, &'a str)> {
    let mut found = Vec::new();
    for (table, v) in dump {
        for m in markers {
            if v.contains(m) {
                found.push((table.as_str(), *m));
            }
        }
    }
    found
}

#[tokio::test]
async fn a_new_file_is_migrated_in_wal_mode_and_reopening_keeps_data_and_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("attest.db");
    let store = Store::open(&path).await.unwrap();
    store.set_meta("search.index", "/srv/index").await.unwrap();
    store.close().await;
    let store = Store::open(&path).await.unwrap();
    assert_eq!(store.get_meta("search.index").await.unwrap().as_deref(), Some("/srv/index"));
    assert_eq!(store.get_meta("missing").await.unwrap(), None);
    store.close().await;

    let mut c = raw(&path).await;
    let mode: String = sqlx::query("PRAGMA journal_mode").fetch_one(&mut c).await.unwrap().get(0);
    assert_eq!(mode, "wal");
    let versions: Vec<i64> = sqlx::query("SELECT version FROM _sqlx_migrations")
        .fetch_all(&mut c)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, [1, 2, 3, 4]);
}

#[tokio::test]
async fn a_revision_is_stored_only_when_the_content_changes() {
    let store = Store::open_in_memory().await.unwrap();
    let v1 = owned(&[("attest.toml", b"a"), ("entries/x.md", b"one")]);
    let changed = store.record_sources(&v1, true, "ann", "first load").await.unwrap();
    assert_eq!(changed, ["attest.toml", "entries/x.md"]);
    assert!(store.record_sources(&v1, true, "ann", "again").await.unwrap().is_empty());

    let v2 = owned(&[("attest.toml", b"a"), ("entries/x.md", b"two")]);
    assert_eq!(store.record_sources(&v2, true, "bob", "edit").await.unwrap(), ["entries/x.md"]);

    let revs = store.revisions("entries/x.md").await.unwrap();
    assert_eq!(revs.len(), 2);
    assert!(revs[0].id > revs[1].id, "newest first");
    assert_eq!((revs[0].author.as_str(), revs[0].message.as_str()), ("bob", "edit"));
    // SHA-256 of "two".
    assert_eq!(revs[0].hash.as_deref(), Some("3fc4ccfe745870e2c0d99f71f30ff0656c8dedd41cc1d7d3d376b0dbe685e2f3"));
    assert_eq!(store.revision_content(revs[1].id).await.unwrap().as_deref(), Some(&b"one"[..]));
    assert_eq!(store.revisions("attest.toml").await.unwrap().len(), 1);
    assert_eq!(store.revision_content(9999).await.unwrap(), None);
}

#[tokio::test]
async fn a_vanished_file_gets_a_deletion_only_when_the_set_is_complete() {
    let store = Store::open_in_memory().await.unwrap();
    let both = owned(&[("attest.toml", b"a"), ("entries/x.md", b"x")]);
    store.record_sources(&both, true, "ann", "load").await.unwrap();
    let only_config = owned(&[("attest.toml", b"a")]);

    assert!(store.record_sources(&only_config, false, "ann", "partial").await.unwrap().is_empty());
    assert_eq!(store.latest_sources().await.unwrap().len(), 2);

    assert_eq!(store.record_sources(&only_config, true, "ann", "rm").await.unwrap(), ["entries/x.md"]);
    let revs = store.revisions("entries/x.md").await.unwrap();
    assert!(revs[0].is_deleted());
    assert_eq!(store.revision_content(revs[0].id).await.unwrap(), None);
    assert_eq!(store.latest_sources().await.unwrap(), owned(&[("attest.toml", b"a")]));
    // Deleting again records nothing; bringing it back is a new revision.
    assert!(store.record_sources(&only_config, true, "ann", "rm").await.unwrap().is_empty());
    assert_eq!(store.record_sources(&both, true, "ann", "back").await.unwrap(), ["entries/x.md"]);
    assert_eq!(store.revisions("entries/x.md").await.unwrap().len(), 3);
}

#[tokio::test]
async fn latest_sources_returns_the_exact_bytes() {
    let store = Store::open_in_memory().await.unwrap();
    let files = fixture_files();
    let mut extra: Vec<(&str, &[u8])> = files.clone();
    extra.push(("entries/ru.md", "Чеченцы и ингуши — 1944\r\n\u{feff}é".as_bytes()));
    extra.push(("bibliography/raw.bib", &[0, 159, 146, 150, 255]));
    store.record_sources(&owned(&extra), true, "ann", "load").await.unwrap();
    let mut expected = owned(&extra);
    expected.sort();
    assert_eq!(store.latest_sources().await.unwrap(), expected);
}

#[tokio::test]
async fn the_public_model_holds_no_restricted_byte_in_any_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("attest.db");
    let store = Store::open(&path).await.unwrap();
    store.replace_model(&fixture_view(Audience::Public)).await.unwrap();

    let public_only = dump(&path, None).await;
    let all: Vec<&str> = STORED_MARKERS.iter().chain(OTHER_MARKERS).copied().collect();
    assert_eq!(leaks(&public_only, &all), []);
    // The public material is there.
    for want in ["A public entry", "About then in the village", "Грозный", "A Public Book", "Аул", "page 3"] {
        assert!(public_only.iter().any(|(_, v)| v.contains(want)), "{want} missing");
    }

    store.replace_model(&fixture_view(Audience::Internal)).await.unwrap();
    let internal = dump(&path, Some("internal")).await;
    let found: Vec<&str> = leaks(&internal, STORED_MARKERS).into_iter().map(|(_, m)| m).collect();
    for m in STORED_MARKERS {
        assert!(found.contains(m), "{m} not stored for the internal audience");
    }
    // Writing the internal model left the public rows as they were.
    assert_eq!(leaks(&dump(&path, Some("public")).await, &all), []);
    // And replacing the public model again does not pick anything up.
    store.replace_model(&fixture_view(Audience::Public)).await.unwrap();
    assert_eq!(leaks(&dump(&path, Some("public")).await, &all), []);
    assert!(!leaks(&dump(&path, Some("internal")).await, STORED_MARKERS).is_empty());
}

fn ids(rows: &[attest::store::EventRow]) -> Vec<&str> {
    rows.iter().map(|r| r.id.as_str()).collect()
}

fn year(y: i64, m: u8, d: u8) -> Option<Day> {
    Day::new(y, m, d)
}

#[tokio::test]
async fn events_match_by_overlapping_period_and_by_enclosing_place() {
    let store = Store::open_in_memory().await.unwrap();
    store.replace_model(&fixture_view(Audience::Public)).await.unwrap();
    store.replace_model(&fixture_view(Audience::Internal)).await.unwrap();
    let q = |from, to, place: Option<&str>| EventFilter { from, to, place: place.map(str::to_string) };

    let all = store.events(Audience::Public, &EventFilter::default()).await.unwrap();
    assert_eq!(ids(&all), ["open-start", "approx", "span", "later"]);
    let approx = &all[1];
    assert_eq!(approx.date.as_deref(), Some("1944~"));
    assert_eq!((approx.earliest, approx.latest), (year(1944, 1, 1), year(1944, 12, 31)));
    assert_eq!(approx.places, ["aul"]);
    assert!(!approx.restricted);

    let r = store.events(Audience::Public, &q(year(1943, 1, 1), year(1945, 12, 31), None)).await.unwrap();
    assert_eq!(ids(&r), ["approx", "span"]);
    // A day inside 1944 still meets "about 1944"; a day in March only the interval and it.
    let r = store.events(Audience::Public, &q(year(1944, 3, 5), year(1944, 3, 5), None)).await.unwrap();
    assert_eq!(ids(&r), ["approx", "span"]);
    let r = store.events(Audience::Public, &q(year(1944, 3, 11), None, None)).await.unwrap();
    assert_eq!(ids(&r), ["approx", "later"]);
    // An open start reaches back as far as asked.
    let r = store.events(Audience::Public, &q(None, year(1900, 1, 1), None)).await.unwrap();
    assert_eq!(ids(&r), ["open-start"]);

    let r = store.events(Audience::Public, &q(None, None, Some("caucasus"))).await.unwrap();
    assert_eq!(ids(&r), ["approx", "span"]);
    let r = store.events(Audience::Public, &q(None, None, Some("chechnya"))).await.unwrap();
    assert_eq!(ids(&r), ["approx", "span"]);
    let r = store.events(Audience::Public, &q(None, None, Some("aul"))).await.unwrap();
    assert_eq!(ids(&r), ["approx"]);
    let r = store.events(Audience::Public, &q(year(1945, 1, 1), None, Some("elsewhere"))).await.unwrap();
    assert_eq!(ids(&r), ["later"]);

    // The restricted event exists only for the internal audience.
    assert!(store.events(Audience::Public, &q(None, None, Some("hamlet"))).await.unwrap().is_empty());
    let r = store.events(Audience::Internal, &q(None, None, Some("hamlet"))).await.unwrap();
    assert_eq!(ids(&r), ["hidden-event"]);
    assert!(r[0].restricted);
}

#[tokio::test]
async fn a_missing_folder_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope/attest.db");
    match Store::open(&path).await {
        Err(StoreError::NoDirectory { dir: d, .. }) => assert_eq!(d, dir.path().join("nope")),
        other => panic!("expected NoDirectory, got {other:?}"),
    }
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("attest.db");
    let text = "title = \"not a database\"\n".repeat(100);
    std::fs::write(&path, &text).unwrap();
    let err = Store::open(&path).await.unwrap_err();
    assert!(matches!(err, StoreError::NotADatabase { .. }), "{err:?}");
    assert!(err.to_string().contains("attest.db is not a database"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[tokio::test]
async fn a_database_from_a_newer_attest_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("attest.db");
    Store::open(&path).await.unwrap().close().await;
    let mut c = raw(&path).await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99, 'from the future', 1, x'00', 0)",
    )
    .execute(&mut c)
    .await
    .unwrap();
    c.close().await.unwrap();
    let err = Store::open(&path).await.unwrap_err();
    assert!(matches!(err, StoreError::NewerSchema { found: 99, known: 4, .. }), "{err:?}");
    assert!(err.to_string().contains("use a newer attest"), "{err}");
}

/// Makes `dir` unwritable: by its mode, or, where that does not stop this
/// process (root), with the immutable attribute. Returns an undo, or
/// `None` when neither works here.
fn make_read_only(dir: &Path) -> Option<impl Drop> {
    use std::os::unix::fs::PermissionsExt;
    struct Undo(PathBuf, bool);
    impl Drop for Undo {
        fn drop(&mut self) {
            if self.1 {
                let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
            }
            let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o755));
        }
    }
    let writable = |d: &Path| {
        let probe = d.join("probe");
        let ok = std::fs::write(&probe, b"").is_ok();
        let _ = std::fs::remove_file(probe);
        ok
    };
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    if !writable(dir) {
        return Some(Undo(dir.to_path_buf(), false));
    }
    let undo = Undo(dir.to_path_buf(), true);
    let set = Command::new("chattr").arg("+i").arg(dir).stderr(Stdio::null()).status();
    (set.is_ok_and(|s| s.success()) && !writable(dir)).then_some(undo)
}

#[tokio::test]
async fn a_read_only_folder_is_reported_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let Some(_undo) = make_read_only(dir.path()) else {
        eprintln!("cannot make a folder read-only here; skipped");
        return;
    };
    let err = Store::open(&dir.path().join("attest.db")).await.unwrap_err();
    assert!(matches!(err, StoreError::ReadOnly { .. }), "{err:?}");
    assert!(err.to_string().contains("read-only"), "{err}");
}

#[tokio::test]
async fn other_database_urls_are_refused_until_their_backend_exists() {
    let err = Store::connect("postgres://localhost/attest").await.unwrap_err();
    assert!(matches!(err, StoreError::UnsupportedBackend(_)), "{err:?}");
    let store = Store::connect("sqlite::memory:").await.unwrap();
    store.set_meta("a", "b").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("x.db").display());
    Store::connect(&url).await.unwrap().close().await;
    assert!(dir.path().join("x.db").is_file());
}

const CRASH_DB: &str = "ATTEST_STORE_CRASH_DB";

/// The content the crash writer stores in round `i`: large enough that a
/// kill often lands in the middle of writing it.
fn crash_content(i: u64) -> Vec<u8> {
    format!("round {i}\n").repeat(8 * 1024).into_bytes()
}

/// The child side of the crash test: runs only when the parent sets
/// `ATTEST_STORE_CRASH_DB`, and otherwise returns at once.
#[tokio::test]
async fn crash_writer_child() {
    let Ok(path) = std::env::var(CRASH_DB) else { return };
    let store = Store::open(Path::new(&path)).await.unwrap();
    let mut out = std::io::stdout();
    // Bounded, so a parent that never kills it still ends.
    for i in 0..2000u64 {
        let files = vec![
            ("entries/a.md".to_string(), crash_content(i)),
            ("bibliography/b.bib".to_string(), format!("@misc{{k{i}, title = {{T}}}}").into_bytes()),
        ];
        store.record_sources(&files, true, "writer", &format!("round {i}")).await.unwrap();
        let id = store.revisions("entries/a.md").await.unwrap()[0].id;
        // Written past the test harness's capture, straight to the pipe.
        writeln!(out, "committed {i} {id}").unwrap();
        out.flush().unwrap();
    }
}

#[tokio::test]
async fn killing_the_writer_loses_no_committed_revision_and_reopening_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("attest.db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["store::crash_writer_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CRASH_DB, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut committed: Vec<(u64, i64)> = Vec::new();
    fn parse(committed: &mut Vec<(u64, i64)>, line: String) {
        if let Some(rest) = line.strip_prefix("committed ") {
            let (i, id) = rest.split_once(' ').unwrap();
            committed.push((i.parse().unwrap(), id.parse().unwrap()));
        }
    }
    while committed.len() < 25 {
        match lines.next() {
            Some(line) => parse(&mut committed, line.unwrap()),
            None => panic!("the writer stopped after {} revisions", committed.len()),
        }
    }
    child.kill().unwrap(); // SIGKILL: no destructor, no checkpoint, no unlock.
    child.wait().unwrap();
    for line in lines {
        parse(&mut committed, line.unwrap());
    }

    let store = Store::open(&path).await.unwrap();
    store.check_integrity().await.unwrap();
    for &(i, id) in &committed {
        let content = store.revision_content(id).await.unwrap();
        assert!(content.as_deref() == Some(crash_content(i).as_slice()), "revision {id} (round {i}) lost");
    }
    let &(last_round, last_id) = committed.last().unwrap();
    let newest = store.revisions("entries/a.md").await.unwrap()[0].id;
    assert!(newest >= last_id);
    // Each round's two files went in together or not at all.
    let (path_a, path_b) = ("entries/a.md", "bibliography/b.bib");
    let latest = store.latest_sources().await.unwrap();
    let round_of = |p: &str| -> u64 {
        let (_, bytes) = latest.iter().find(|(q, _)| q == p).unwrap();
        let text = String::from_utf8_lossy(bytes);
        let digits: String = text
            .trim_start_matches("round ")
            .trim_start_matches("@misc{k")
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().unwrap()
    };
    assert_eq!(round_of(path_a), round_of(path_b));
    assert!(round_of(path_a) >= last_round);
    // And the store takes new writes.
    store.record_sources(&[(path_a.to_string(), b"after".to_vec())], false, "ann", "after").await.unwrap();
}

/// The model rows of a database, sorted, for comparing two databases.
async fn model_rows(path: &Path) -> Vec<(String, String)> {
    let mut rows: Vec<_> = dump(path, None)
        .await
        .into_iter()
        .filter(|(t, _)| !matches!(t.as_str(), "source_revision" | "meta" | "_sqlx_migrations"))
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn writing_only_the_edited_entries_gives_the_model_a_full_write_gives() {
    let dir = tempfile::tempdir().unwrap();
    let before = fixture_files();
    // The public entry loses an event and gains an author; a new entry appears; the secret one goes.
    let edited_public = PUBLIC_ENTRY.replace("authors: [A. Editor]", "authors: [A. Editor, B. Author]").replace(
        "  - { id: later, date: 1950, label: Later elsewhere, places: [elsewhere], sources: [\"@smith2001\"] }\n",
        "",
    );
    assert_ne!(edited_public, PUBLIC_ENTRY);
    let added =
        "---\ntitle: Added later\nkind: essay\nstatus: draft\nauthors: [C. Writer]\n---\nText [@smith2001, p. 9].\n";
    let after: Vec<(&str, &[u8])> = vec![
        ("attest.toml", CONFIG.as_bytes()),
        ("places.yaml", PLACES.as_bytes()),
        ("bibliography/works.bib", WORKS.as_bytes()),
        ("entries/added.md", added.as_bytes()),
        ("entries/public.md", edited_public.as_bytes()),
    ];

    let step = dir.path().join("step.db");
    let store = Store::open(&step).await.unwrap();
    for aud in [Audience::Public, Audience::Internal] {
        store.replace_model(&view_of(&before, aud)).await.unwrap();
        store.update_model(&view_of(&after, aud), ModelChange::Entries(&["public", "added", "secret"])).await.unwrap();
    }
    let full = dir.path().join("full.db");
    let other = Store::open(&full).await.unwrap();
    for aud in [Audience::Public, Audience::Internal] {
        other.replace_model(&view_of(&after, aud)).await.unwrap();
    }
    let (step_rows, full_rows) = (model_rows(&step).await, model_rows(&full).await);
    assert_eq!(step_rows, full_rows);
    assert!(step_rows.iter().any(|(_, v)| v == "B. Author"));
    assert!(!step_rows.iter().any(|(_, v)| v == "Later elsewhere"));
    assert!(!step_rows.iter().any(|(_, v)| v.contains("SECRETENTRYBODY")), "the removed entry's rows are gone");

    // Naming only one of the edited entries leaves the others as they were:
    // the caller must name them all, and the test would notice a write that
    // ignored the list.
    let partial = dir.path().join("partial.db");
    let third = Store::open(&partial).await.unwrap();
    third.replace_model(&view_of(&before, Audience::Public)).await.unwrap();
    third.update_model(&view_of(&after, Audience::Public), ModelChange::Entries(&["added"])).await.unwrap();
    let rows = model_rows(&partial).await;
    assert!(rows.iter().any(|(_, v)| v == "Later elsewhere"), "public.md was not named, so it is unchanged");
    assert!(rows.iter().any(|(_, v)| v == "Added later"));
}

#[tokio::test]
async fn a_publication_names_a_revision_and_survives_later_drafts() {
    let store = Store::open_in_memory().await.unwrap();
    let path = "entries/a.md".to_string();
    store.record_sources(&[(path.clone(), b"v1 published".to_vec())], false, "ann", "first").await.unwrap();
    // The content is the latest revision: no new revision, the same number.
    let first = store.publish(&path, b"v1 published", "ed", "published").await.unwrap();
    assert_eq!(store.revisions(&path).await.unwrap().len(), 1);
    assert_eq!(store.published_revision(&path).await.unwrap(), Some(first));
    store.record_sources(&[(path.clone(), b"v2 draft".to_vec())], false, "ann", "draft").await.unwrap();
    assert_eq!(store.publications().await.unwrap(), vec![(path.clone(), b"v1 published".to_vec())]);
    // Content not stored yet becomes a revision of its own.
    let second = store.publish(&path, b"v3 published", "ed", "published again").await.unwrap();
    assert!(second > first);
    assert_eq!(store.revisions(&path).await.unwrap().len(), 3);
    assert_eq!(store.publications().await.unwrap(), vec![(path.clone(), b"v3 published".to_vec())]);
    let c = store.add_comment(&path, first, "rev", "Check the page number.").await.unwrap();
    let comments = store.comments(&path).await.unwrap();
    assert_eq!(comments.len(), 1);
    assert_eq!((comments[0].id, comments[0].revision, comments[0].author.as_str()), (c, first, "rev"));
    assert!(store.comments("entries/b.md").await.unwrap().is_empty());
}
