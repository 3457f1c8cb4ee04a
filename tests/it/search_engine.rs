//! The server's search engine (`attest::search`) as a reader meets it:
//! names found across scripts and misspellings, phrases, filters and facet
//! counts, highlighted and escaped snippets, and an index on disk that
//! survives restarts and repairs itself.

use std::sync::OnceLock;

use attest::index::SearchDoc;
use attest::parse::edtf::Day;
use attest::search::{parse_period, Query, Results, SearchError, SearchIndex, SyncStats};
use proptest::prelude::*;

fn doc(url: &str, title: &str, text: &str) -> SearchDoc {
    SearchDoc {
        url: url.into(),
        title: title.into(),
        section: "Overview".into(),
        text: text.into(),
        entry: Some("e".into()),
        kind: "essay".into(),
        language: "en".into(),
        ..Default::default()
    }
}

fn index(docs: &[SearchDoc]) -> SearchIndex {
    let index = SearchIndex::in_memory().unwrap();
    index.sync(docs).unwrap();
    index
}

fn query(text: &str) -> Query {
    Query { text: text.into(), limit: 20, ..Default::default() }
}

fn run(index: &SearchIndex, q: &Query) -> Results {
    index.search(q).unwrap_or_else(|e| panic!("{q:?}: {e}"))
}

fn urls(index: &SearchIndex, q: &Query) -> Vec<String> {
    let mut found: Vec<String> = run(index, q).hits.into_iter().map(|h| h.url).collect();
    found.sort();
    found
}

fn ranked(index: &SearchIndex, text: &str) -> Vec<String> {
    run(index, &query(text)).hits.into_iter().map(|h| h.url).collect()
}

fn names() -> Vec<SearchDoc> {
    vec![
        doc("ru", "Депортация", "Грозный был столицей республики."),
        doc("iso", "Deportation", "Trains left Groznyj in February."),
        doc("bugai-ru", "Источники", "Бугай опубликовал документы НКВД."),
        doc("bugai-en", "Sources", "Bugaj published the NKVD documents."),
        doc("other", "Elsewhere", "Nothing about the city here."),
    ]
}

#[test]
fn latin_finds_cyrillic_and_cyrillic_finds_latin() {
    let index = index(&names());
    for q in ["Grozny", "Groznyy", "Groznyj", "Grozniy", "Грозный", "GROZNY"] {
        assert_eq!(urls(&index, &query(q)), ["iso", "ru"], "{q}");
    }
    for q in ["Bugai", "Bugaj", "Бугай"] {
        assert_eq!(urls(&index, &query(q)), ["bugai-en", "bugai-ru"], "{q}");
    }
}

#[test]
fn the_snippet_marks_the_word_as_written() {
    let index = index(&names());
    let hits = run(&index, &query("Grozny")).hits;
    let ru = hits.iter().find(|h| h.url == "ru").unwrap();
    assert_eq!(ru.snippet, "<mark>Грозный</mark> был столицей республики");
    let iso = hits.iter().find(|h| h.url == "iso").unwrap();
    assert_eq!(iso.snippet, "Trains left <mark>Groznyj</mark> in February");
    assert_eq!(iso.section, "Overview");
    assert_eq!(iso.entry.as_deref(), Some("e"));
}

#[test]
fn a_misspelt_name_finds_the_right_one_ranked_below_exact_matches() {
    let index = index(&[
        doc("right", "Memoir", "Norman Naimark argues the case."),
        doc("typo", "Notes", "As Nairmak argues the case."),
        doc("none", "Other", "Nobody argues the case."),
    ]);
    assert_eq!(urls(&index, &query("Nairmak")), ["right", "typo"]);
    assert_eq!(ranked(&index, "Naimark"), ["right", "typo"]);
    let hit = &run(&index, &query("Naimark")).hits[1];
    assert_eq!(hit.snippet, "As <mark>Nairmak</mark> argues the case");
}

#[test]
fn a_prefix_ranks_above_a_typo_and_short_words_allow_none() {
    let index = index(&[doc("typo", "A", "A report was written."), doc("prefix", "B", "The deportation began.")]);
    assert_eq!(ranked(&index, "deport"), ["prefix", "typo"]);
    assert_eq!(ranked(&index, "Groz"), Vec::<String>::new());
    let index = self::index(&names());
    assert_eq!(urls(&index, &query("Groz")), ["iso", "ru"]);
    // Three letters allow no typo: `wan` is not `was`.
    let index = self::index(&[doc("a", "A", "It was so.")]);
    assert!(ranked(&index, "wan").is_empty());
}

#[test]
fn quoted_words_are_a_phrase_and_words_are_all_required() {
    let index = index(&[
        doc("phrase", "A", "The ethnic cleansing of the Chechens."),
        doc("apart", "B", "Cleansing was not called ethnic then."),
    ]);
    assert_eq!(urls(&index, &query("\"ethnic cleansing\"")), ["phrase"]);
    assert_eq!(urls(&index, &query("ethnic cleansing")), ["apart", "phrase"]);
    assert_eq!(urls(&index, &query("ethnic Chechens")), ["phrase"]);
    assert_eq!(urls(&index, &query("ethnic Kalmyks")), Vec::<String>::new());
}

#[test]
fn a_title_match_ranks_above_a_text_match() {
    let index = index(&[
        doc("text", "Railways", "Deportation by rail in the winter months."),
        doc("title", "Deportation", "Railways carried people in the winter months."),
    ]);
    assert_eq!(ranked(&index, "deportation"), ["title", "text"]);
}

#[test]
fn the_title_gives_the_snippet_when_the_text_has_no_match() {
    let index = index(&[doc("a", "Deportation & <exile>", "Trains in winter.")]);
    let hit = &run(&index, &query("exile")).hits[0];
    // Snippets end with their last word.
    assert_eq!(hit.snippet, "Deportation &amp; &lt;<mark>exile</mark>");
    // Found by author only: the start of the text, escaped, unmarked.
    let mut d = doc("b", "Notes", "Trains <b>in</b> winter.");
    d.authors = vec!["Pavel Polian".into()];
    let index = self::index(&[d]);
    assert_eq!(run(&index, &query("Polian")).hits[0].snippet, "Trains &lt;b&gt;in&lt;/b&gt; winter.");
}

#[test]
fn snippets_escape_html_in_the_source_text() {
    let index = index(&[doc("x", "T", "<script>alert('Grozny')</script> & Grozny")]);
    let snippet = &run(&index, &query("Grozny")).hits[0].snippet;
    assert!(snippet.starts_with("&lt;script&gt;"), "{snippet}");
    assert!(!snippet.replace("<mark>", "").replace("</mark>", "").contains('<'), "{snippet}");
    assert!(snippet.contains("<mark>Grozny</mark>"), "{snippet}");
}

fn day(year: i64, month: u8, day: u8) -> Day {
    Day { year, month, day }
}

/// An essay, two events and the places of the sample's gazetteer shape.
fn filed() -> Vec<SearchDoc> {
    let place = |id: &str, title: &str, within: &[&str]| SearchDoc {
        url: format!("places/{id}/"),
        title: title.into(),
        section: "Place".into(),
        text: title.into(),
        kind: "place".into(),
        places: std::iter::once(id).chain(within.iter().copied()).map(str::to_string).collect(),
        language: "en".into(),
        ..Default::default()
    };
    let event = |url: &str, text: &str, date: &str, places: &[&str]| SearchDoc {
        url: url.into(),
        title: "The deportation".into(),
        section: format!("Event: {date}"),
        text: text.into(),
        entry: Some("deportation".into()),
        kind: "event".into(),
        places: places.iter().map(|p| p.to_string()).collect(),
        period: parse_period(date),
        authors: vec!["Norman M. Naimark".into()],
        language: "en".into(),
    };
    vec![
        place("north-caucasus", "North Caucasus", &[]),
        place("grozny", "Grozny", &["chechen-ingush-assr", "north-caucasus"]),
        place("alma-ata", "Alma-Ata", &[]),
        event("e#arrival", "Beria arrives in Grozny", "1944-02-17", &["grozny"]),
        event("e#return", "Return to Grozny allowed", "1957", &["grozny"]),
        event("e#trains", "Trains reach Alma-Ata", "1944~", &["alma-ata"]),
        SearchDoc {
            url: "essay/".into(),
            title: "Депортации".into(),
            section: "Essay".into(),
            text: "Депортация: Грозный, 1944.".into(),
            entry: Some("essay".into()),
            kind: "essay".into(),
            places: vec!["grozny".into()],
            period: Some((day(1943, 1, 1), day(1957, 12, 31))),
            authors: vec!["Павел Полян".into()],
            language: "ru".into(),
        },
    ]
}

#[test]
fn filters_narrow_by_kind_place_language_and_author() {
    let index = index(&filed());
    let with = |f: &dyn Fn(&mut Query)| {
        let mut q = query("");
        f(&mut q);
        urls(&index, &q)
    };
    assert_eq!(with(&|q| q.kind = Some("event".into())), ["e#arrival", "e#return", "e#trains"]);
    assert_eq!(with(&|q| q.language = Some("ru".into())), ["essay/"]);
    // A region finds what happened in the places inside it.
    assert_eq!(
        with(&|q| q.place = Some("north-caucasus".into())),
        ["e#arrival", "e#return", "essay/", "places/grozny/", "places/north-caucasus/"]
    );
    assert_eq!(with(&|q| q.place = Some("alma-ata".into())), ["e#trains", "places/alma-ata/"]);
    // Authors are folded: Cyrillic finds Latin and back.
    assert_eq!(with(&|q| q.author = Some("Наймарк".into())), ["e#arrival", "e#return", "e#trains"]);
    assert_eq!(with(&|q| q.author = Some("Polyan".into())), ["essay/"]);
    assert_eq!(with(&|q| q.author = Some("Norman Naimark".into())), Vec::<String>::new());
    // Filters combine with words and with each other; blank ones are unset.
    let mut q = query("Grozny");
    q.kind = Some("event".into());
    q.place = Some(" ".into());
    assert_eq!(urls(&index, &q), ["e#arrival", "e#return"]);
}

#[test]
fn facets_count_what_the_query_matches() {
    let index = index(&filed());
    let facets = run(&index, &query("Grozny")).facets;
    let counts = |v: &[(String, u64)]| v.iter().map(|(k, n)| format!("{k}={n}")).collect::<Vec<_>>();
    assert_eq!(counts(&facets.kinds), ["event=2", "essay=1", "place=1"]);
    assert_eq!(counts(&facets.languages), ["en=3", "ru=1"]);
    assert_eq!(counts(&facets.places), ["chechen-ingush-assr=4", "grozny=4", "north-caucasus=4"]);
    assert_eq!(counts(&facets.authors), ["Norman M. Naimark=2", "Павел Полян=1"]);
}

#[test]
fn a_period_finds_what_overlaps_it_approximate_dates_included() {
    let index = index(&filed());
    let in_period = |p: &str| {
        let mut q = query("");
        q.period = parse_period(p);
        assert!(q.period.is_some(), "{p}");
        urls(&index, &q)
    };
    assert_eq!(in_period("1943..1945"), ["e#arrival", "e#trains", "essay/"]);
    assert_eq!(in_period("1944-06"), ["e#trains", "essay/"]);
    assert_eq!(in_period("1950.."), ["e#return", "essay/"]);
    assert_eq!(in_period("..1942"), Vec::<String>::new());
}

#[test]
fn a_query_without_words_lists_the_filtered_documents_earliest_first() {
    let index = index(&filed());
    let mut q = query("");
    q.kind = Some("event".into());
    let results = run(&index, &q);
    assert_eq!(results.total, 3);
    let order: Vec<&str> = results.hits.iter().map(|h| h.url.as_str()).collect();
    assert_eq!(order, ["e#trains", "e#arrival", "e#return"]);
    assert_eq!(results.hits[0].snippet, "Trains reach Alma-Ata");
    // Pages.
    q.limit = 1;
    q.offset = 1;
    let page = run(&index, &q);
    assert_eq!((page.total, page.hits.len(), page.hits[0].url.as_str()), (3, 1, "e#arrival"));
    q.limit = 0;
    let counts = run(&index, &q);
    assert_eq!((counts.total, counts.hits.len(), counts.facets.kinds.len()), (3, 0, 1));
}

#[test]
fn sync_replaces_only_what_changed() {
    let index = SearchIndex::in_memory().unwrap();
    let mut docs = filed();
    assert_eq!(index.sync(&docs).unwrap(), SyncStats { added: 7, removed: 0, unchanged: 0 });
    assert_eq!(index.sync(&docs).unwrap(), SyncStats { added: 0, removed: 0, unchanged: 7 });
    docs[3].text = "Beria arrives in Vladikavkaz".into();
    assert_eq!(index.sync(&docs).unwrap(), SyncStats { added: 1, removed: 1, unchanged: 6 });
    assert_eq!(urls(&index, &query("Vladikavkaz")), ["e#arrival"]);
    assert_eq!(urls(&index, &query("Beria Grozny")), Vec::<String>::new());
    // An entry's documents removed.
    docs.retain(|d| d.entry.as_deref() != Some("deportation"));
    assert_eq!(index.sync(&docs).unwrap(), SyncStats { added: 0, removed: 3, unchanged: 4 });
    assert_eq!(index.len(), 4);
    assert_eq!(urls(&index, &query("Alma-Ata")), ["places/alma-ata/"]);
}

#[test]
fn a_place_moved_into_a_region_refiles_what_happened_there() {
    let index = index(&filed());
    let mut docs = filed();
    docs[2].places.push("kazakh-ssr".into());
    // The place and the event at it change; nothing else.
    assert_eq!(index.sync(&docs).unwrap(), SyncStats { added: 2, removed: 2, unchanged: 5 });
    let mut q = query("");
    q.place = Some("kazakh-ssr".into());
    assert_eq!(urls(&index, &q), ["e#trains", "places/alma-ata/"]);
}

#[test]
fn the_index_on_disk_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    {
        let index = SearchIndex::open(&path).unwrap();
        index.sync(&names()).unwrap();
    }
    let index = SearchIndex::open(&path).unwrap();
    assert_eq!(index.len(), 5);
    assert_eq!(urls(&index, &query("Grozny")), ["iso", "ru"]);
    assert_eq!(index.sync(&names()).unwrap(), SyncStats { added: 0, removed: 0, unchanged: 5 });
}

#[test]
fn a_second_process_on_the_same_folder_is_told_it_is_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let _first = SearchIndex::open(dir.path()).unwrap();
    match SearchIndex::open(dir.path()) {
        Err(e @ SearchError::Locked { .. }) => assert!(e.to_string().contains("in use"), "{e}"),
        other => panic!("expected Locked, got {other:?}"),
    }
}

#[test]
fn a_corrupt_or_foreign_index_is_recreated_empty_and_other_files_kept() {
    let dir = tempfile::tempdir().unwrap();
    {
        let index = SearchIndex::open(dir.path()).unwrap();
        index.sync(&names()).unwrap();
    }
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    // Half-written metadata.
    let meta = dir.path().join("meta.json");
    let bytes = std::fs::read(&meta).unwrap();
    std::fs::write(&meta, &bytes[..bytes.len() / 2]).unwrap();
    let index = SearchIndex::open(dir.path()).unwrap();
    assert!(index.is_empty());
    assert_eq!(index.sync(&names()).unwrap().added, 5);
    assert_eq!(urls(&index, &query("Bugai")), ["bugai-en", "bugai-ru"]);
    drop(index);
    // Another format version.
    std::fs::write(dir.path().join("attest-search-format"), "0\n").unwrap();
    assert!(SearchIndex::open(dir.path()).unwrap().is_empty());
    // Something that is not an index at all.
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("meta.json"), "{\"not\": \"tantivy\"}").unwrap();
    std::fs::write(other.path().join("0123456789abcdef0123456789abcdef.idx"), "junk").unwrap();
    let index = SearchIndex::open(other.path()).unwrap();
    assert_eq!(index.sync(&names()).unwrap().added, 5);
    assert_eq!(std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(), "mine");
}

#[test]
fn a_folder_that_cannot_be_used_gives_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let e = SearchIndex::open(&file).unwrap_err();
    assert!(e.to_string().contains("a-file"), "{e}");
    assert!(std::fs::read_to_string(&file).unwrap() == "x");
}

#[cfg(unix)]
#[test]
fn a_read_only_folder_gives_an_error_naming_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let ro = dir.path().join("read-only");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    // Permissions do not bind the superuser: nothing to test then.
    if std::fs::write(ro.join("probe"), "").is_ok() {
        return;
    }
    let e = SearchIndex::open(&ro).unwrap_err();
    assert!(e.to_string().contains("read-only"), "{e}");
}

#[test]
fn the_index_is_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<SearchIndex>();
    let index = index(&names());
    std::thread::scope(|s| {
        let a = s.spawn(|| urls(&index, &query("Grozny")));
        let b = s.spawn(|| index.sync(&names()).unwrap());
        assert_eq!(a.join().unwrap(), ["iso", "ru"]);
        assert_eq!(b.join().unwrap().unchanged, 5);
    });
}

/// The sample encyclopedia's public documents, indexed once.
fn sample() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let a = attest::analyze(attest::source::load::load_files(attest::sample::sample_files()).unwrap(), &|| {});
        let view = attest::access::view(&a, attest::access::Audience::Public);
        let site = attest::render::site::render(&view, &attest::render::site::Theme::default(), &|| {}).unwrap();
        index(&site.search_docs)
    })
}

#[test]
fn the_sample_is_found_in_every_spelling_of_grozny() {
    for q in ["Grozny", "Грозный", "Groznyj", "Groznyy"] {
        let results = run(sample(), &query(q));
        assert!(
            results.hits.iter().any(|h| h.entry.as_deref() == Some("chechens-ingush-1944")),
            "{q}: {:?}",
            results.hits.iter().map(|h| &h.url).collect::<Vec<_>>()
        );
    }
    let results = run(sample(), &query("Nairmak"));
    assert!(results.hits.iter().any(|h| h.snippet.contains("<mark>Naimark</mark>")), "{results:?}");
}

#[test]
fn the_sample_lists_its_events_of_1943_to_1945() {
    let mut q = query("");
    q.kind = Some("event".into());
    q.period = parse_period("1943..1945");
    q.limit = 1000;
    let results = run(sample(), &q);
    assert!(results.total > 0);
    assert!(results.hits.iter().all(|h| h.kind == "event"));
    assert_eq!(results.facets.kinds, [("event".to_string(), results.total as u64)]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_query_is_answered(
        text in "(\\PC|[\"()*:^~+\\-\\[\\]{}!?/\\\\ ]|AND|OR|NOT){0,30}",
        kind in proptest::option::of("\\PC{0,8}"),
        author in proptest::option::of("\\PC{0,12}"),
        period in proptest::option::of((any::<i64>(), any::<i64>())),
        limit in prop_oneof![Just(0usize), 1usize..50, Just(usize::MAX)],
        offset in prop_oneof![Just(0usize), 0usize..10, Just(usize::MAX)],
    ) {
        static INDEX: OnceLock<SearchIndex> = OnceLock::new();
        let index = INDEX.get_or_init(|| self::index(&[names(), filed()].concat()));
        let q = Query {
            text,
            kind,
            author,
            period: period.map(|(a, b)| (day(a, 1, 1), day(b, 12, 31))),
            limit,
            offset,
            ..Default::default()
        };
        let results = index.search(&q);
        prop_assert!(results.is_ok(), "{:?}: {:?}", q, results.err());
    }
}
