//! The search index of the static site: documents folded for case,
//! diacritics and script, written as compact files that a small script
//! (`assets/search.js`) queries in the browser.
//!
//! # Folding
//!
//! [`fold`] turns text into space-separated keys so that a name written in
//! Cyrillic and in the usual romanisations meets one key: Грозный, Groznyy
//! (BGN/PCGN), Groznyĭ (Library of Congress), Groznyj (ISO 9, scholarly),
//! Grozny (press) all fold to `grozny`. The same function is meant to run
//! on the documents and on the reader's query.
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
//! one-letter differences in i/y after a vowel (Raisa, Raysa).
//!

mod fold;

pub use fold::fold;

/// One searchable document (an entry section, a place, a work).
#[derive(Debug, Clone, PartialEq)]
pub struct SearchDoc {
    /// Page URL relative to the site root, with anchor (`entries/x/#victims`).
    pub url: String,
    /// Title shown in results.
    pub title: String,
    /// Section or kind shown under the title (`Victims`, `place`, `work`).
    pub section: String,
    /// Plain text to index and to cut snippets from.
    pub text: String,
}

/// The index files, as `(path relative to the site root, contents)`.
pub fn build(docs: &[SearchDoc]) -> Vec<(String, Vec<u8>)> {
    let _ = docs;
    Vec::new()
}

/// The browser script that loads the index and answers queries.
pub const SEARCH_JS: &str = "";

#[cfg(test)]
mod tests;
