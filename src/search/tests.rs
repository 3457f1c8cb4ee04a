//! The pieces of the search engine: the tokenizer against the static
//! site's folding, the reading of query text and periods.

use proptest::prelude::*;
use tantivy::tokenizer::{TokenStream, Tokenizer};

use super::query::{clauses, day_number, fuzzy_distance, Clause};
use super::tokenizer::FoldTokenizer;
use super::{cut, parse_period};
use crate::index::fold;
use crate::parse::edtf::Day;

fn tokens(text: &str) -> Vec<(String, &str, usize)> {
    let mut t = FoldTokenizer::default();
    let mut stream = t.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        let tok = stream.token();
        out.push((tok.text.clone(), &text[tok.offset_from..tok.offset_to], tok.position));
    }
    out
}

#[test]
fn tokens_are_folded_keys_pointing_at_the_words_as_written() {
    assert_eq!(
        tokens("Грозный, (Groznyy) Tat'yana Naïmark"),
        [
            ("grozny".to_string(), "Грозный", 0),
            ("grozny".to_string(), "Groznyy", 1),
            ("tatyana".to_string(), "Tat'yana", 2),
            ("naymark".to_string(), "Naïmark", 3),
        ]
    );
}

#[test]
fn a_word_with_a_combining_accent_stays_one_token() {
    assert_eq!(tokens("Nai\u{0308}mark"), [("naymark".to_string(), "Nai\u{0308}mark", 0)]);
}

proptest! {
    #[test]
    fn tokens_give_the_keys_of_fold(s in "[ -~а-яёА-ЯЁčšžĭ'ʹ’·\u{0301}\u{00B2}\u{00BD}\u{2028}-]{0,40}") {
        let keys: Vec<String> = tokens(&s).into_iter().map(|(k, _, _)| k).collect();
        let folded: Vec<String> = fold(&s).split(' ').filter(|k| !k.is_empty()).map(str::to_string).collect();
        prop_assert_eq!(keys, folded);
    }

    #[test]
    fn tokens_of_any_text_have_valid_ranges(s in any::<String>()) {
        let mut t = FoldTokenizer::default();
        let mut stream = t.token_stream(&s);
        while stream.advance() {
            let tok = stream.token();
            prop_assert!(s.get(tok.offset_from..tok.offset_to).is_some());
        }
    }
}

#[test]
fn query_text_is_words_and_quoted_phrases() {
    let phrase: Vec<String> = fold("ethnic cleansing").split(' ').map(str::to_string).collect();
    assert_eq!(
        clauses(r#"Grozny "ethnic cleansing" 1944 grozny"#),
        [Clause::Word("grozny".into()), Clause::Phrase(phrase), Clause::Word("1944".into())]
    );
    // An unclosed quote runs to the end; a lone quote is nothing.
    // (Words are folded: a lone `c` is the `ts` of ISO 9's ц.)
    assert_eq!(clauses(r#"a "b c"#), [Clause::Word("a".into()), Clause::Phrase(vec!["b".into(), fold("c")])]);
    assert_eq!(clauses(r#"""#), []);
    assert_eq!(clauses("AND( +-:*^~ )"), [Clause::Word("and".into())]);
}

#[test]
fn a_long_query_keeps_its_first_words() {
    let text: String = (0..100).map(|i| format!("w{i} ")).collect();
    assert_eq!(clauses(&text).len(), super::MAX_WORDS);
}

#[test]
fn typos_allowed_grow_with_the_word() {
    assert_eq!(fuzzy_distance("war"), 0);
    assert_eq!(fuzzy_distance("exile"), 1);
    assert_eq!(fuzzy_distance("nayrmak"), 2);
}

fn day(year: i64, month: u8, day: u8) -> Day {
    Day { year, month, day }
}

#[test]
fn periods_are_edtf_or_two_edtf_joined_by_dots() {
    assert_eq!(parse_period("1943..1945"), Some((day(1943, 1, 1), day(1945, 12, 31))));
    assert_eq!(parse_period(" 1944 "), Some((day(1944, 1, 1), day(1944, 12, 31))));
    assert_eq!(parse_period("1944-02"), Some((day(1944, 2, 1), day(1944, 2, 29))));
    assert_eq!(parse_period("1944~"), Some((day(1944, 1, 1), day(1944, 12, 31))));
    assert_eq!(parse_period("194X"), Some((day(1940, 1, 1), day(1949, 12, 31))));
    assert_eq!(parse_period("1943/1945-06"), Some((day(1943, 1, 1), day(1945, 6, 30))));
    assert_eq!(parse_period("..1945"), Some((Day::MIN, day(1945, 12, 31))));
    assert_eq!(parse_period("1943.."), Some((day(1943, 1, 1), Day::MAX)));
    assert_eq!(parse_period("../1945"), Some((Day::MIN, day(1945, 12, 31))));
    for bad in ["", "..", "soon", "1945..1943", "1944-13", "1943..x"] {
        assert_eq!(parse_period(bad), None, "{bad}");
    }
}

#[test]
fn day_numbers_sort_like_days_even_at_open_ends() {
    let days = [Day::MIN, day(-44, 3, 15), day(0, 1, 1), day(1944, 2, 23), day(1944, 12, 1), Day::MAX];
    let numbers: Vec<i64> = days.iter().map(|&d| day_number(d)).collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");
}

#[test]
fn text_is_cut_at_a_word_boundary() {
    assert_eq!(cut("short", 10), "short");
    assert_eq!(cut("one two three", 9), "one two");
    assert_eq!(cut("Грозный", 5), "Гр");
}
