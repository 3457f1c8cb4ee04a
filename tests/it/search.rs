//! The browser search script, run with Node.js (required: these tests fail,
//! rather than skip, without it): its folding against the Rust folding, and
//! its queries against an index written by `build`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use attest::index::{build, fold, SearchDoc, INDEX_PATH, SEARCH_JS};
use serde_json::{json, Value};

/// The script and an index written to a temporary site.
struct Site {
    _dir: tempfile::TempDir,
    script: PathBuf,
    index: PathBuf,
}

fn site(docs: &[SearchDoc]) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("search/search.js");
    std::fs::create_dir_all(script.parent().unwrap()).unwrap();
    std::fs::write(&script, SEARCH_JS).unwrap();
    for (path, bytes) in build(docs) {
        std::fs::write(dir.path().join(path), bytes).unwrap();
    }
    let index = dir.path().join(INDEX_PATH);
    Site { _dir: dir, script, index }
}

/// Runs tests/js/harness.js with one request.
fn node(site: &Site, mut req: Value) -> Value {
    req["script"] = json!(site.script);
    req["index"] = json!(site.index);
    let harness = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js/harness.js");
    let mut child = match Command::new("node")
        .arg(&harness)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("Node.js (`node`, 18 or later) is required to test the search script: {e}"),
    };
    child.stdin.take().unwrap().write_all(req.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "node failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn doc(url: &str, title: &str, section: &str, text: &str) -> SearchDoc {
    SearchDoc { url: url.into(), title: title.into(), section: section.into(), text: text.into(), ..Default::default() }
}

/// Words the two foldings must agree on: names in every system, the sample
/// encyclopedia line by line, and generated strings of awkward characters.
fn words() -> Vec<String> {
    let mut words: Vec<String> = [
        "Грозный Groznyy Grozny Groznyj Grozniy Groznyĭ",
        "Бугай Bugai Bugaj Хайбах Khaibakh Khaybakh Hajbah",
        "Чечня Chechnya Čečnja Chechnia Čečnâ Ежов Yezhov Ezhov Ježov",
        "Щёлково Shchyolkovo Shchelkovo Ščëlkovo Naïmark Naimark Aurélie Aurelie",
        "Россия Rossiya Rossiia Юрий Yuriy Iurii Jurij Yury Yuri Григорий Grigorii",
        "Фёдор Fyodor Fëdor Андреев Andreyev Дмитриев Dmitriyev Васильев Vasil'yev Vasilʹev",
        "Татьяна Tat'yana Tat'iana Ильич Il'ich Ilyich Київ Kyiv Kyyiv Kiïv Толстой Tolstoi",
        "Ельцин Yeltsin El'cin Хрущёв Khrushchyov Қазақстан Qazaqstan Максим Maxim район raion",
        "Ӏалам ӏалам гӀала кхъ ЧЕЧЕНО-ИНГУШСКАЯ АССР Ob”yedineniye ß Æsir Œuvre Øresund Łódź",
        "year yeast yes yea ear east canyon nation Iowa Iosif ii yy jj i y j ye yo ya yi",
        "ﬁnal ＦＩＮＡＬ ① ² x² İstanbul ΣΟΦΟΣ ქართული 東京 ا٢٣ Ὀδυσσεύς",
        "Ў ў Ґ ґ Є є Ї ї І і Ә ә Ө ө Ү ү Ұ ұ Ң ң Ғ ғ Қ қ Һ һ Ҳ ҳ Ҷ ҷ Ҹ ҹ Җ җ Ҙ ҙ Ҫ ҫ Ѣ ѣ Ѳ ѳ Ѵ ѵ",
        "Ђ ђ Ј ј Љ љ Њ њ Ћ ћ Џ џ Ѓ ѓ Ќ ќ Ѕ ѕ č š ž ŝ Č Š Ž Ŝ ć ǆ ǅ Ǆ",
        "a\u{301}b e\u{308} и\u{306} Е\u{308} t\u{361}s i\u{361}a a\u{2028}b a\u{a0}b a\u{200b}b",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample");
    let mut stack = vec![sample];
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                words.extend(text.lines().map(str::to_string));
            }
        }
    }
    // Generated: every pair and many longer strings from an alphabet of the
    // letters the rules look at.
    let alphabet: Vec<char> = "aeouiyjchszkxqtgnv ьъйыёеяю'’ʹ-ČŠŽčšžïéĭ".chars().collect();
    for &a in &alphabet {
        for &b in &alphabet {
            words.push(format!("{a}{b}"));
        }
    }
    let mut seed: u64 = 0x5eed;
    for _ in 0..3000 {
        let len = 1 + (seed >> 60) as usize;
        let mut s = String::new();
        for _ in 0..len {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            s.push(alphabet[(seed >> 33) as usize % alphabet.len()]);
        }
        words.push(s);
    }
    words
}

#[test]
fn the_script_folds_exactly_as_rust() {
    let s = site(&[]);
    let words = words();
    let out = node(&s, json!({ "fold": words }));
    let js: Vec<String> = serde_json::from_value(out["fold"].clone()).unwrap();
    assert_eq!(js.len(), words.len());
    let diffs: Vec<_> = words
        .iter()
        .zip(&js)
        .filter(|(w, j)| fold(w) != **j)
        .map(|(w, j)| format!("{w:?}: rust {:?}, js {j:?}", fold(w)))
        .take(10)
        .collect();
    assert!(diffs.is_empty(), "the two foldings differ:\n{}", diffs.join("\n"));
}

fn three_docs() -> Vec<SearchDoc> {
    vec![
        doc(
            "entries/chechens-ingush-1944/#events",
            "The deportation of the Chechen and Ingush peoples, 1944",
            "Events",
            "On 23 February 1944 the NKVD began the deportation from Грозный and the villages; \
             at Хайбах (Khaibakh) people were killed.",
        ),
        doc(
            "entries/chechens-ingush-1944/#sources",
            "The deportation of the Chechen and Ingush peoples, 1944",
            "Sources",
            "Nikolai Бугай published the NKVD reports in 1992.",
        ),
        doc("works/naimark2001/", "Fires of Hatred", "work", "Norman M. Naimark, Fires of Hatred (2001)."),
    ]
}

fn urls(answer: &Value) -> Vec<String> {
    answer["results"].as_array().unwrap().iter().map(|r| r["url"].as_str().unwrap().to_string()).collect()
}

#[test]
fn queries_find_names_across_scripts_and_prefixes() {
    let s = site(&three_docs());
    let queries =
        ["grozny", "Bugaj", "Nai", "Groz", "Groznyj Khaybakh", "grozny bugai", "Ez", "  ", "deport", "Грозный"];
    let out = node(&s, json!({ "search": queries }));
    let answers = out["search"].as_array().unwrap();
    let events = "entries/chechens-ingush-1944/#events";
    let sources = "entries/chechens-ingush-1944/#sources";
    assert_eq!(urls(&answers[0]), [events]);
    assert_eq!(urls(&answers[1]), [sources]);
    assert_eq!(urls(&answers[2]), ["works/naimark2001/"]);
    assert_eq!(urls(&answers[3]), [events]);
    assert_eq!(urls(&answers[4]), [events], "words are ANDed");
    assert!(urls(&answers[5]).is_empty(), "words are ANDed");
    assert!(urls(&answers[6]).is_empty(), "no Ezhov in these documents");
    assert_eq!(answers[7]["total"], 0);
    assert_eq!(urls(&answers[8]), [events, sources], "a prefix of a title word, in document order");
    assert_eq!(urls(&answers[9]), [events]);

    // The snippet marks the word as written in the document.
    let snippet = &answers[0]["results"][0]["snippet"];
    let marked: Vec<&str> =
        snippet.as_array().unwrap().iter().filter(|p| p[1] == true).map(|p| p[0].as_str().unwrap()).collect();
    assert_eq!(marked, ["Грозный"]);
    let marked: Vec<&str> = answers[1]["results"][0]["snippet"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p[1] == true)
        .map(|p| p[0].as_str().unwrap())
        .collect();
    assert_eq!(marked, ["Бугай"]);
}

#[test]
fn title_matches_rank_first_then_frequency() {
    let s = site(&[
        doc("a/", "Deportations", "", "Grozny Grozny Grozny Grozny."),
        doc("b/", "Grozny", "", "A city."),
        doc("c/", "Cities", "", "Grozny once, Грозный twice."),
        doc("d/", "Cities", "", "Grozny once."),
    ]);
    let out = node(&s, json!({ "search": ["grozny"] }));
    assert_eq!(urls(&out["search"][0]), ["b/", "a/", "c/", "d/"]);
}

#[test]
fn words_being_typed_find_their_continuations() {
    let s = site(&[
        doc("ezhov/", "Ежов", "", "Николай Ежов"),
        doc("dmitry/", "Dmitry", "", "Дмитрий"),
        doc("vasilyev/", "Васильев", "", ""),
        doc("vasiliev/", "Vasiliev", "", ""),
        doc("shch/", "Щёлково", "", ""),
    ]);
    let out = node(&s, json!({ "search": ["Ez", "Dmi", "Vasily", "Shc", "Shchyolkovo", "Nikol"] }));
    let found: Vec<_> = out["search"].as_array().unwrap().iter().map(urls).collect();
    assert_eq!(
        found,
        [vec!["ezhov/"], vec!["dmitry/"], vec!["vasiliev/", "vasilyev/"], vec!["shch/"], vec!["shch/"], vec!["ezhov/"]]
    );
}

#[test]
fn snippets_are_cut_around_the_first_match() {
    let filler = "Lorem ipsum dolor sit amet. ".repeat(10);
    let text = format!("{filler}The Хайбах massacre. {filler}");
    let s = site(&[doc("a/", "A", "", &text)]);
    let out = node(&s, json!({ "search": ["Khaibakh"] }));
    let parts = out["search"][0]["results"][0]["snippet"].as_array().unwrap().clone();
    let joined: String = parts.iter().map(|p| p[0].as_str().unwrap()).collect();
    assert!(joined.starts_with("… "), "{joined}");
    assert!(joined.ends_with(" …"), "{joined}");
    assert!(joined.contains("The Хайбах massacre."), "{joined}");
    assert!(joined.chars().count() < 240, "{joined}");
}

fn page(s: &Site, page: Value) -> Value {
    let mut p = json!({"search": "", "scriptRoot": null, "formRoot": null, "action": "search/",
        "protocol": "https:", "loads": true});
    for (k, v) in page.as_object().unwrap() {
        p[k] = v.clone();
    }
    let out = node(s, json!({ "page": p }));
    assert_eq!(out["errors"], json!([]), "{out}");
    out
}

#[test]
fn the_search_page_reads_q_loads_the_index_and_renders_links() {
    let s = site(&[doc("entries/x/#a", "<b>Грозный</b> & co", "Events", "Text about Grozny.")]);
    let out = page(&s, json!({"search": "?q=groznyj", "scriptRoot": "../"}));
    assert_eq!(out["requested"], json!(["../search/index.js"]));
    assert_eq!(out["input"], "groznyj");
    let list = &out["results"]["children"][1];
    assert_eq!(out["results"]["children"][0]["text"], "1 result.");
    let item = &list["children"][0];
    let link = &item["children"][0];
    assert_eq!(link["tag"], "a");
    assert_eq!(link["attrs"]["href"], "../entries/x/#a");
    // The title is text, not markup.
    assert_eq!(link["text"], "<b>Грозный</b> & co");
    assert_eq!(item["children"][2]["text"], "Events");
    assert_eq!(item["children"][3]["children"][1], json!({"tag": "mark", "text": "Grozny"}));
}

#[test]
fn the_site_root_comes_from_the_script_the_form_or_the_action() {
    let s = site(&[doc("a/", "A", "", "")]);
    let root = |p: Value| page(&s, p)["requested"][0].as_str().unwrap().to_string();
    assert_eq!(root(json!({"search": "?q=a", "scriptRoot": "../..", "action": "x"})), "../../search/index.js");
    assert_eq!(root(json!({"search": "?q=a", "formRoot": "../", "action": "x"})), "../search/index.js");
    assert_eq!(root(json!({"search": "?q=a", "action": "../../search/"})), "../../search/index.js");
    assert_eq!(root(json!({"search": "?q=a", "action": "search/"})), "search/index.js");
}

#[test]
fn from_disk_the_form_goes_to_the_search_page_file() {
    let s = site(&[]);
    let out = page(&s, json!({"action": "../../search/", "protocol": "file:"}));
    assert_eq!(out["action"], "../../search/index.html");
    assert_eq!(out["requested"], json!([]), "no index is loaded on a page without a query");
    let out = page(&s, json!({"action": "../../search/", "protocol": "https:"}));
    assert_eq!(out["action"], "../../search/");
}

#[test]
fn a_missing_index_is_a_message_not_an_error() {
    let s = site(&[]);
    let out = page(&s, json!({"search": "?q=grozny", "loads": false}));
    assert_eq!(out["results"]["children"][0]["text"], "The search index could not be loaded.");
}
