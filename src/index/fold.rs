//! Folding text into search keys. The rules are written out in the
//! documentation of [`crate::index`]; `assets/search.js` implements the same
//! rules for queries, and a test runs both over the same words.
//
// Why a table of our own rather than a crate: transliteration crates
// (iuliia, deunicode, any_ascii, unidecode and the like) turn Cyrillic into
// Latin by one system at a time, and none of them maps Latin text written in
// several systems (BGN/PCGN "Groznyy", Library of Congress "Groznyĭ", ISO 9
// "Groznyj", the press's "Grozny") onto one key. That second step is the one
// that matters for search, it has to run on the reader's query too, and it
// has to run identically in the browser, so it is a few dozen lines here and
// in `assets/search.js` rather than a dependency that has no browser twin.

use std::ops::Range;

use unicode_normalization::UnicodeNormalization;

/// Folds text into space-separated search keys (see [`crate::index`]).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in romanize(s).split(is_separator).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        let chars: Vec<char> = word.chars().collect();
        skeleton(&chars, &mut out);
    }
    out
}

/// The keys [`fold`] gives, in the same order, each with the byte range of
/// the original text it comes from, so that a highlighter can mark the word
/// as written (`Грозный` for the key `grozny`).
///
/// The text is cut into words before folding, at characters that fold to
/// separators only; each word is then folded on its own. A word that folds
/// to several keys (`x½` is `x1 2`) gives each key the whole word's range.
#[cfg_attr(not(feature = "serve"), allow(dead_code))]
pub(crate) fn fold_spans(s: &str) -> Vec<(Range<usize>, String)> {
    let mut out = Vec::new();
    let mut push = |start: usize, end: usize| {
        for key in fold(&s[start..end]).split(' ').filter(|k| !k.is_empty()) {
            out.push((start..end, key.to_string()));
        }
    };
    let mut start = None;
    for (i, c) in s.char_indices() {
        if breaks_word(c) {
            if let Some(st) = start.take() {
                push(st, i);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(st) = start {
        push(st, s.len());
    }
    out
}

/// Whether a character, folded on its own, is only separators. Dropped
/// marks and characters that fold to nothing (combining accents, ь) stay
/// inside the word, as they do in [`fold`].
fn breaks_word(c: char) -> bool {
    if c.is_ascii() {
        return !c.is_ascii_alphanumeric() && !is_dropped(c);
    }
    let mut buf = [0; 4];
    let r = romanize(c.encode_utf8(&mut buf));
    !r.is_empty() && r.chars().all(is_separator)
}

/// Step 1: apostrophe-like marks dropped, NFKC, lowercase, Cyrillic and
/// the letters that do not decompose written in Latin, diacritics dropped.
fn romanize(s: &str) -> String {
    // Dropped before NFKC too, because NFKC turns ´ into a space and a mark.
    let kept: String = s.chars().filter(|&c| !is_dropped(c)).collect();
    let lower = kept.nfkc().collect::<String>().to_lowercase();
    let mut out = String::with_capacity(lower.len());
    for c in lower.chars() {
        if c.is_ascii() {
            if !is_dropped(c) {
                out.push(c);
            }
        } else if is_dropped(c) {
        } else if let Some(r) = letter(c) {
            out.push_str(r);
        } else {
            out.extend(std::iter::once(c).nfd().filter(|&d| !is_mark(d)));
        }
    }
    out
}

/// Apostrophes and primes: soft and hard signs in romanisations (Tat'yana,
/// Ob"yedineniye, Tatʹâna), the BGN middle dot, okina-like letters.
fn is_dropped(c: char) -> bool {
    matches!(
        c,
        '\'' | '`'
            | '\u{00B4}'
            | '\u{00B7}'
            | '\u{02B9}'
            | '\u{02BA}'
            | '\u{02BB}'
            | '\u{02BC}'
            | '\u{02BE}'
            | '\u{02BF}'
            | '\u{2018}'
            | '\u{2019}'
            | '\u{201B}'
            | '\u{201D}'
            | '\u{2032}'
            | '\u{2033}'
    )
}

/// Combining marks dropped after decomposition (the blocks of combining
/// diacritics, Cyrillic titlo and friends).
fn is_mark(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x0483..=0x0489 | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Characters that end a word: ASCII other than letters and digits, Latin-1
/// punctuation, general punctuation and symbols, CJK punctuation, emoji.
/// Everything else (letters of any script, digits) is part of a word.
fn is_separator(c: char) -> bool {
    let u = c as u32;
    if u < 0x80 {
        return !c.is_ascii_alphanumeric();
    }
    matches!(u,
        0x80..=0xBF | 0xD7 | 0xF7 | 0x037E | 0x0387 | 0x055A..=0x055F | 0x0589 | 0x05BE | 0x05C0 | 0x05C3
        | 0x060C | 0x061B | 0x061F | 0x06D4 | 0x1680 | 0x180E | 0x2000..=0x2BFF | 0x2E00..=0x2E7F
        | 0x3000..=0x303F | 0xFE10..=0xFE1F | 0xFE30..=0xFE6F | 0xFEFF | 0xFF00..=0xFF0F | 0xFFF0..=0xFFFF
        | 0x1F000..=0x1FAFF)
}

/// Letters written in Latin before the skeleton step: Cyrillic (Russian,
/// Ukrainian, Belarusian, Serbian, Macedonian, Kazakh, Tatar, Bashkir, Tajik,
/// Uzbek, the Chechen and Ingush palochka, pre-1918 letters), the caron
/// letters of the scholarly system, and Latin letters NFKD leaves whole.
fn letter(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'е' => "e",
        'ё' => "e",
        'ж' => "zh",
        'з' => "z",
        'и' => "i",
        'й' => "y",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' => "",
        'ы' => "y",
        'ь' => "",
        'э' => "e",
        'ю' => "yu",
        'я' => "ya",
        // Ukrainian, Belarusian
        'є' => "e",
        'і' => "i",
        'ї' => "i",
        'ґ' => "g",
        'ў' => "u",
        // Serbian, Macedonian
        'ђ' => "d",
        'ј' => "j",
        'љ' => "lj",
        'њ' => "nj",
        'ћ' => "c",
        'џ' => "dzh",
        'ѓ' => "g",
        'ќ' => "k",
        'ѕ' => "dz",
        // Turkic, Tajik, Mongolian
        'ә' => "a",
        'ө' => "o",
        'ү' => "u",
        'ұ' => "u",
        'ң' => "n",
        'ғ' => "g",
        'қ' => "k",
        'һ' => "h",
        'ҳ' => "h",
        'җ' => "zh",
        'ҷ' => "dzh",
        'ҹ' => "ch",
        'ҙ' => "z",
        'ҫ' => "s",
        // Chechen and Ingush palochka (capital Ӏ lowercases to it)
        'ӏ' => "",
        // Pre-1918 orthography
        'ѣ' => "e",
        'ѳ' => "f",
        'ѵ' => "i",
        // Scholarly and ISO 9 letters, before their carons are dropped
        'č' => "ch",
        'š' => "sh",
        'ž' => "zh",
        'ŝ' => "shch",
        // Latin letters that do not decompose
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'ł' => "l",
        'đ' => "d",
        'ð' => "d",
        'þ' => "th",
        'ı' => "i",
        'ə' => "a",
        'ħ' => "h",
        _ => return None,
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Prev {
    Start,
    Vowel,
    Consonant,
}

fn is_glide(c: char) -> bool {
    matches!(c, 'i' | 'y' | 'j')
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'o' | 'u')
}

/// Step 2: one word in romanised Latin to its skeleton.
fn skeleton(w: &[char], out: &mut String) {
    let mut prev = Prev::Start;
    let mut i = 0;
    while i < w.len() {
        let c = w[i];
        if is_glide(c) {
            let start = i;
            while i < w.len() && is_glide(w[i]) {
                i += 1;
            }
            let run = &w[start..i];
            let single_y = run.len() == 1 && run[0] != 'i';
            match w.get(i) {
                Some('e') => {
                    if prev == Prev::Start && single_y && w.get(i + 1).is_some_and(|&n| is_vowel(n)) {
                        out.push('y');
                    } else if run.contains(&'i') {
                        out.push('i');
                    }
                }
                Some('a' | 'u') => out.push('y'),
                Some('o') => {
                    if prev == Prev::Consonant && single_y {
                        out.push('e');
                        i += 1;
                        prev = Prev::Vowel;
                        continue;
                    }
                    out.push(if prev == Prev::Consonant { 'i' } else { 'y' });
                }
                None if prev != Prev::Start => out.push('y'),
                _ if prev == Prev::Vowel => out.push('y'),
                _ if run.len() == 1 => out.push(if run[0] == 'i' { 'i' } else { 'y' }),
                _ => out.push('i'),
            }
            continue;
        }
        let next = w.get(i + 1).copied();
        let mut step = 1;
        match (c, next) {
            ('c', Some('h')) => {
                out.push('č');
                step = 2;
            }
            ('s', Some('h')) => {
                out.push('š');
                step = 2;
            }
            ('z', Some('h')) => {
                out.push('ž');
                step = 2;
            }
            ('k', Some('h')) => {
                out.push('h');
                step = 2;
            }
            ('c', _) => out.push_str("ts"),
            ('x', _) => out.push_str("ks"),
            ('q', _) => out.push('k'),
            _ => out.push(c),
        }
        prev = if is_vowel(c) { Prev::Vowel } else { Prev::Consonant };
        i += step;
    }
}
