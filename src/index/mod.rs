//! The search index of the static site: documents folded for case,
//! diacritics and script, written as compact files that a small script
//! (`assets/search.js`, [`SEARCH_JS`]) queries in the browser, with no
//! server and no third-party request.
//!
//! # Folding
//!
//! [`fold`] turns text into space-separated keys so that a name written in
//! Cyrillic and in the usual romanisations meets one key: Грозный, Groznyy
//! (BGN/PCGN), Groznyĭ (Library of Congress), Groznyj (ISO 9, scholarly),
//! Grozny (press) all fold to `grozny`. The same function runs on the
//! documents here and on the reader's query in the browser (the script
//! carries a copy of the rules; a test runs both over the same words).
//!
//! 1. Apostrophes and primes are dropped (`'` `’` `ʼ` `ʹ` `ʺ` `″` `”` `´`
//!    `` ` `` `·` `ʻ` `ʾ` `ʿ`): they write soft and hard signs (Tat'yana,
//!    Tatʹâna, Ob”yedineniye), so `Tat'yana` is one word, `tatyana`.
//! 2. NFKC, then lowercase (ligatures and full-width letters become plain
//!    letters).
//! 3. Letters are written in Latin: Cyrillic by a table close to BGN/PCGN
//!    (х `kh`, ц `ts`, ч `ch`, ш `sh`, щ `shch`, ж `zh`, й `y`, ы `y`,
//!    я `ya`, ю `yu`, е and ё `e`, ь and ъ dropped), with the letters of
//!    Ukrainian, Belarusian, Serbian, Macedonian, Kazakh, Tatar, Bashkir,
//!    Tajik and Uzbek (і ї `i`, є `e`, ґ ғ `g`, ў ү ұ `u`, ә `a`, ө `o`,
//!    ң `n`, қ `k`, һ ҳ `h`, ...), the Chechen and Ingush palochka ӏ dropped,
//!    and pre-1918 ѣ ѳ ѵ. The scholarly letters č š ž and ISO 9 ŝ become
//!    `ch` `sh` `zh` `shch`; ß æ œ ø ł đ ð þ ı ə ħ get their usual Latin.
//!    Everything else is decomposed (NFD) and its combining marks dropped,
//!    so Naïmark is `naimark`, Aurélie `aurelie`, LoC ĭ and i͡a plain.
//! 4. Words are cut at spaces, punctuation and symbols (letters and digits
//!    of any script belong to words).
//! 5. Each word is reduced to a skeleton, left to right:
//!    - Consonants: `ch` → `č`, `sh` → `š`, `zh` → `ž`, `kh` → `h` (so ISO
//!      `h` and BGN `kh` meet, and `shch` is `šč`), `c` alone → `ts` (ISO
//!      c for ц meets BGN ts), `x` → `ks` (Maxim, Maksim), `q` → `k`
//!      (Qazaqstan, Kazakhstan). Single letters for ч ш ж keep Исхак
//!      (`ishak`) apart from Ишак (`išak`), which a skeleton spelling
//!      `sh` would merge.
//!    - A run of `i`, `y`, `j` (и, ы, й and the iotation of я ю е ё in the
//!      various systems) is rewritten by what surrounds it:
//!      - before `a` or `u`: `y` (ya ia ja iya iia ija all `ya`: Чечня,
//!        Chechnya, Chechnia, Čečnja; Россия, Rossiya, Rossiia, Rossija,
//!        Rossia);
//!      - before `e`: dropped, or `i` if it has an `i` (Yezhov, Ježov,
//!        Ezhov, Ежов; Andreyev, Andreev; Dmitriyev, Dmitriev), except a
//!        single `y`/`j` opening a word before `e` and a vowel (year, yeast
//!        keep their `y`, so they do not meet ear and east);
//!      - a single `y` or `j` between a consonant and `o` is ё: `yo` → `e`
//!        (Fyodor, Fëdor, Fedor; Shchyolkovo, Shchëlkovo, Shchelkovo;
//!        Solovyov, Solov'ev); otherwise before `o`, `y` after a vowel or
//!        at the start (rayon, raion, rajon; Iosif, Yosif) and `i` after a
//!        consonant (nation);
//!      - after a vowel, before a consonant or at the end: `y` (Khaibakh,
//!        Khaybakh, Хайбах; Bugai, Bugaj, Бугай; Tolstoi, Tolstoy);
//!      - after a consonant at the end of a word: `y` (Groznyy, Groznyj,
//!        Groznyi, Grozniy, Grozny; Grigoriy, Grigorii, Grigory; Dmitri,
//!        Dmitry);
//!      - elsewhere a single letter stays (`i` for и, `y` for ы, `j` → `y`)
//!        and a longer run is `i` (Il'ich, Ilyich, Ильич; Kyiv, Київ).
//!
//! Known misses: the scientific `x` and Czech/German `ch` for х (read as
//! ks and ч), ISO 9 â û for я ю (read as a u), Ukrainian г as `h`, popular
//! `-iev` for -ьев (Vasiliev is not Vasilyev), ё written `yo` at the start
//! of a word (Yolka is not Ёлка). Merges that come with the rules: тс and ц
//! (Sovetskiy is `sovetsky` either way), `tsar` and `car`, `yes` and `es`,
//! one-letter differences in i/y after a vowel (Raisa, Raysa). Prefix
//! search (below) makes up for some of the misses: `Vasily` finds both
//! Vasiliev and Vasilyev.
//!
//! # Files
//!
//! [`build`] writes one file, [`INDEX_PATH`] (`search/index.js`): a UTF-8
//! script (with a byte-order mark, so that browsers read it as UTF-8 from
//! any page) that assigns the index to a global, because pages opened from
//! disk (`file://`) cannot `fetch()` JSON but can load a `<script src>`:
//!
//! ```text
//! window.ATTEST_SEARCH = {"v":1,
//!   "docs":[["entries/x/#victims","Title","Victims","text cut to 1000 characters"], ...],
//!   "terms":{"grozny":[0,5,3,2], ...}};
//! ```
//!
//! `docs` are the documents sorted by URL (then title, section, text), so
//! the output does not depend on the order they were given in; a document's
//! id is its position. `terms` maps each key to a flat list of pairs
//! `doc id, weight`: the weight is twice the key's occurrences in title,
//! section and text, plus one if the key is in the title. Keys are sorted;
//! the whole file is the same bytes for the same documents.
//!
//! # The script
//!
//! [`SEARCH_JS`] is written by the site builder, by convention at
//! [`SCRIPT_PATH`] (`search/search.js`). It uses no module syntax, no
//! library and no request other than the index, so it runs from disk. Every
//! page that has the search form includes it, telling it the way back to
//! the site root:
//!
//! ```html
//! <form id="search-form" action="../../search/" role="search">
//!   <input id="search-input" name="q" type="search" aria-label="Search">
//! </form>
//! <script src="../../search/search.js" data-root="../../" defer></script>
//! ```
//!
//! The search page (`search/index.html`) also has the results container
//! `<div id="search-results" aria-live="polite"></div>`. Without `data-root`
//! on the script the script reads it from the form (`data-root`) or from the
//! form's `action` (`../../search/` gives `../../`). On a page with the
//! results container the script reads `?q=`, loads the index (adding
//! `<script src="ROOT/search/index.js">` unless the page already did) and
//! shows results as the reader types; on other pages it only makes the form
//! go to `search/index.html` when the site is opened from disk, where
//! `search/` would list the folder. A missing index gives a message in the
//! results container, not an exception.
//!
//! Queries: every word must match (AND); each word matches keys it is a
//! prefix of (`Groz` finds Grozny, `Nai` finds Naimark), and the last word
//! also tries what it may be the start of (`Ez` → `Ezh`, `Dmi` before the
//! final-`i` rule). Results are ordered by the number of query words found
//! in the title, then words matched whole, then the summed weights, then
//! document order; each shows its title (a link), its section and a snippet
//! of the stored text around the first match with the matched words in
//! `<mark>`, built with DOM calls and text nodes only. At most
//! 50 results are shown.
//!
//! Limits: snippets come from the first [`STORED_TEXT_CHARS`] characters of
//! a document, so a match further down shows the start of the text without
//! a highlight; the whole index is one file loaded on the search page, fine
//! for thousands of sections, not for a library; no stemming (prefixes
//! stand in for it in English: `deport` finds deportation, deported).

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;

use serde::Serialize;

mod fold;

pub use fold::fold;
#[cfg(feature = "serve")]
pub(crate) use fold::fold_spans;

/// One searchable document (an entry section, an event, a place, a work).
///
/// The static index reads the first four fields; the server's full-text
/// index also files documents by the facets after them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchDoc {
    /// Page URL relative to the site root, with anchor (`entries/x/#victims`).
    pub url: String,
    /// Title shown in results.
    pub title: String,
    /// Section or kind shown under the title (`Victims`, `place`, `work`).
    pub section: String,
    /// Plain text to index and to cut snippets from.
    pub text: String,
    /// The entry the document belongs to (`None` for places and works), so
    /// that one entry's documents can be replaced on their own.
    pub entry: Option<String>,
    /// What it is: the entry's kind (`case-study`, `essay`, `chronology`,
    /// ...), or `event`, `place`, `work`.
    pub kind: String,
    /// Gazetteer ids it concerns (for a place: itself and what encloses it).
    pub places: Vec<String>,
    /// Earliest and latest day it covers (an entry's period, an event's
    /// date, a work's year), from the EDTF bounds; open ends are
    /// [`Day::MIN`](crate::parse::edtf::Day::MIN) and `Day::MAX`.
    pub period: Option<(crate::parse::edtf::Day, crate::parse::edtf::Day)>,
    /// Authors (of the entry, or of the work).
    pub authors: Vec<String>,
    /// Language code (`en`, `ru`, ...).
    pub language: String,
}

/// Where [`build`] puts the index, relative to the site root.
pub const INDEX_PATH: &str = "search/index.js";

/// Where the site builder should write [`SEARCH_JS`], relative to the site
/// root (the script itself finds the index from the root, not from here).
pub const SCRIPT_PATH: &str = "search/search.js";

/// How much of each document's text the index keeps for snippets.
pub const STORED_TEXT_CHARS: usize = 1000;

/// Format version written in the index (`"v"`), checked by the script.
const FORMAT: u32 = 1;

#[derive(Serialize)]
struct Index<'a> {
    v: u32,
    docs: Vec<[&'a str; 4]>,
    terms: BTreeMap<String, Vec<u32>>,
}

/// The index files, as `(path relative to the site root, contents)`.
pub fn build(docs: &[SearchDoc]) -> Vec<(String, Vec<u8>)> {
    let mut sorted: Vec<&SearchDoc> = docs.iter().collect();
    sorted.sort_by(|a, b| (&a.url, &a.title, &a.section, &a.text).cmp(&(&b.url, &b.title, &b.section, &b.text)));
    let texts: Vec<String> = sorted.par_iter().map(|d| stored_text(&d.text)).collect();
    // Folding and counting are per document, so they run on all cores; the
    // postings are then joined in document order, as one pass would make them.
    let counted: Vec<Vec<(String, u32)>> = sorted
        .par_iter()
        .map(|d| {
            let title = fold(&d.title);
            let in_title: HashSet<&str> = title.split(' ').filter(|w| !w.is_empty()).collect();
            let mut counts: HashMap<&str, u32> = HashMap::new();
            let (section, text) = (fold(&d.section), fold(&d.text));
            for t in [&title, &section, &text] {
                for w in t.split(' ').filter(|w| !w.is_empty()) {
                    *counts.entry(w).or_default() += 1;
                }
            }
            counts
                .into_iter()
                .map(|(w, n)| (w.to_string(), n.saturating_mul(2).saturating_add(u32::from(in_title.contains(w)))))
                .collect()
        })
        .collect();
    let mut postings: HashMap<String, Vec<u32>> = HashMap::new();
    for (id, words) in counted.into_iter().enumerate() {
        let id = u32::try_from(id).expect("fewer than 2^32 documents");
        for (w, weight) in words {
            postings.entry(w).or_default().extend([id, weight]);
        }
    }
    let terms: BTreeMap<String, Vec<u32>> = postings.into_iter().collect();
    let index = Index {
        v: FORMAT,
        docs: sorted.iter().zip(&texts).map(|(d, t)| [d.url.as_str(), &d.title, &d.section, t]).collect(),
        terms,
    };
    let json = serde_json::to_string(&index).expect("the index serialises");
    // Valid in JSON strings, line terminators in older JavaScript.
    let json = json.replace('\u{2028}', "\\u2028").replace('\u{2029}', "\\u2029");
    let js = format!("\u{FEFF}window.ATTEST_SEARCH = {json};\n");
    vec![(INDEX_PATH.to_string(), js.into_bytes())]
}

/// The text kept for snippets: whitespace collapsed, cut at a word boundary
/// before [`STORED_TEXT_CHARS`] characters.
fn stored_text(text: &str) -> String {
    let mut out = String::new();
    let mut chars = 0;
    for word in text.split_whitespace() {
        let n = word.chars().count() + usize::from(!out.is_empty());
        if chars + n > STORED_TEXT_CHARS {
            if out.is_empty() {
                out.extend(word.chars().take(STORED_TEXT_CHARS));
            }
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
        chars += n;
    }
    out
}

/// The browser script that loads the index and answers queries.
pub const SEARCH_JS: &str = include_str!("../../assets/search.js");

#[cfg(test)]
mod tests;
