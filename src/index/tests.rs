use super::*;

#[track_caller]
fn same(forms: &[&str]) {
    let first = fold(forms[0]);
    for f in &forms[1..] {
        assert_eq!(fold(f), first, "{f:?} and {:?} should fold alike", forms[0]);
    }
}

#[track_caller]
fn apart(a: &str, b: &str) {
    assert_ne!(fold(a), fold(b), "{a:?} and {b:?} should not fold alike");
}

#[test]
fn romanisations_of_one_name_meet() {
    same(&["Грозный", "Groznyy", "Grozny", "Groznyj", "Grozniy", "Groznyĭ", "GROZNYI"]);
    same(&["Бугай", "Bugai", "Bugaj", "Bugay"]);
    same(&["Хайбах", "Khaibakh", "Khaybakh", "Hajbah"]);
    same(&["Чечня", "Chechnya", "Čečnja", "Chechnia", "C\u{30C}ec\u{30C}nja"]);
    same(&["Ежов", "Yezhov", "Ezhov", "Ježov", "YEZHOV"]);
    same(&["Щёлково", "Щелково", "Shchyolkovo", "Shchelkovo", "Shchëlkovo", "Ščëlkovo"]);
    same(&["Naïmark", "Naimark", "NAIMARK"]);
    same(&["Aurélie", "Aurelie"]);
    assert_eq!(fold("Грозный"), "grozny");
}

#[test]
fn more_names_across_systems() {
    same(&["Россия", "Rossiya", "Rossiia", "Rossija"]);
    same(&["Юрий", "Yuriy", "Iurii", "Jurij", "Yury", "Yuri"]);
    same(&["Григорий", "Grigoriy", "Grigorii", "Grigorij", "Grigory"]);
    same(&["Фёдор", "Fyodor", "Fëdor", "Fedor"]);
    same(&["Андреев", "Andreyev", "Andreev"]);
    same(&["Дмитриев", "Dmitriyev", "Dmitriev"]);
    same(&["Васильев", "Vasil'yev", "Vasil’ev", "Vasilʹev", "Vasilyev"]);
    same(&["Татьяна", "Tat'yana", "Tat'iana", "Tatjana", "Tatyana"]);
    same(&["Ильич", "Il'ich", "Ilyich"]);
    same(&["Київ", "Kyiv", "Kyyiv", "Kiïv"]);
    same(&["Толстой", "Tolstoy", "Tolstoi", "Tolstoj"]);
    same(&["Ельцин", "Yeltsin", "El'cin", "Jel'cin"]);
    same(&["Хрущёв", "Khrushchev", "Khrushchyov", "Khrushchëv"]);
    same(&["Дудаев", "Dudayev", "Dudaev"]);
    same(&["Ингушетия", "Ingushetiya", "Ingushetia", "Ingušetija"]);
    same(&["Қазақстан", "Qazaqstan", "Казакстан"]);
    same(&["Максим", "Maksim", "Maxim"]);
    same(&["район", "rayon", "raion", "rajon"]);
    same(&["Ӏалам", "ӏалам", "алам"]);
    same(&["ﬁnal", "final", "ＦＩＮＡＬ"]);
}

#[test]
fn unrelated_words_stay_apart() {
    apart("Исхак", "Ишак");
    apart("Iskhak", "Ishak");
    apart("Масхадов", "Машадов");
    apart("Chechen", "Tsetsen");
    apart("Kazakh", "Kazak");
    apart("year", "ear");
    apart("Ivan", "Yvan");
    apart("Sergei", "Serge");
    apart("Maria", "Mario");
    apart("Zhukov", "Zukov");
    apart("nation", "natyon");
}

#[test]
fn folding_cuts_words_and_keeps_other_scripts() {
    assert_eq!(
        fold("Naïmark, Aurélie (2010): «Чечено-Ингушская» АССР!"),
        "naymark aurelie 2010 čečeno ingušskaya assr"
    );
    assert_eq!(fold("Tat'yana’s ‘book’"), "tatyanas book");
    assert_eq!(fold("ქართული 東京 Ελλάδα"), "ქართული 東京 ελλαδα");
    assert_eq!(fold(""), "");
    assert_eq!(fold(" -- "), "");
}

#[test]
fn english_prefixes_survive() {
    for (short, long) in [("settlement", "settlements"), ("deport", "deportation"), ("Chechen", "Chechens")] {
        assert!(fold(long).starts_with(&fold(short)), "{short} / {long}");
    }
}

fn doc(url: &str, title: &str, section: &str, text: &str) -> SearchDoc {
    SearchDoc { url: url.into(), title: title.into(), section: section.into(), text: text.into(), ..Default::default() }
}

#[test]
fn build_is_deterministic_and_independent_of_order() {
    let docs = vec![
        doc("b/", "Khaibakh", "Events", "Хайбах, Грозный and Grozny again."),
        doc("a/", "Naimark", "Sources", "Naimark's book."),
    ];
    let once = build(&docs);
    let reversed: Vec<_> = docs.iter().rev().cloned().collect();
    assert_eq!(once, build(&docs));
    assert_eq!(once, build(&reversed));
    assert_eq!(once.len(), 1);
    assert_eq!(once[0].0, INDEX_PATH);
    let js = String::from_utf8(once[0].1.clone()).unwrap();
    let json = js.strip_prefix("\u{FEFF}window.ATTEST_SEARCH = ").unwrap().strip_suffix(";\n").unwrap();
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(v["v"], 1);
    assert_eq!(v["docs"][0][0], "a/");
    assert_eq!(v["docs"][1][1], "Khaibakh");
    // "haybah": in the title (1) and twice in all: 2 × 2 + 1.
    assert_eq!(v["terms"]["haybah"], serde_json::json!([1, 5]));
    assert_eq!(v["terms"]["grozny"], serde_json::json!([1, 4]));
    let keys: Vec<_> = v["terms"].as_object().unwrap().keys().cloned().collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn stored_text_is_cut_at_a_word() {
    let long = "word ".repeat(400);
    let t = stored_text(&long);
    assert!(t.chars().count() <= STORED_TEXT_CHARS);
    assert!(t.ends_with("word"));
    assert_eq!(stored_text("  a \n b  "), "a b");
    assert_eq!(stored_text(&"x".repeat(2000)).len(), STORED_TEXT_CHARS);
}

#[test]
fn line_separators_are_escaped() {
    let files = build(&[doc("a/", "a\u{2028}b\u{2029}c", "", "text")]);
    let js = String::from_utf8(files[0].1.clone()).unwrap();
    assert!(!js.contains('\u{2028}') && !js.contains('\u{2029}'));
    assert!(js.contains("a\\u2028b\\u2029c"));
}
