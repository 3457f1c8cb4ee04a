//! Reference lists in the author-year layout of legacy case studies, read
//! into BibLaTeX fields.
//!
//! A reference reads `Authors, Year, Title, ...`: `Arnaud, P., 1987, La
//! Valdorie, Paris: Éditions X.` (a book), `Brenner, K. and Colet, L., 1995,
//! “Title”, Journal, 12, 2: 45-67.` (an article), `Ilić, M., 1990,
//! “Title”, [Translation], in Petrović, S. (ed.), 1990, Book [Translation],
//! vol. 1, Place: Publisher, 12-18.` (a chapter), `Name, X., 2004, Title,
//! PhD thesis, University.` (a thesis), `Directorate of the Interior, 1941,
//! Title, Place: Publisher.` (a corporate author). [`split`] turns the lines
//! of a list into references (joining a reference that wraps onto the next
//! line, splitting two that share one); [`parse`] reads one reference, or
//! gives `None` when it cannot, and the caller keeps it verbatim.
//!
//! Everything is plain string scanning: the layout is loose enough that
//! each step looks for the landmark it needs (the year after the authors,
//! the quotes around an article's title, `in` before a book's editors, the
//! colon between place and publisher) and leaves what it does not
//! understand in `note` rather than guessing.

use std::ops::Range;

use super::Person;

/// One line (or the part of it left after headings) of a reference list.
#[derive(Debug, Clone, Copy)]
pub struct RefLine<'a> {
    /// 1-based line number in the input.
    pub line: usize,
    /// Byte offset of `text` in the input.
    pub start: usize,
    /// The line's text, without its line break.
    pub text: &'a str,
}

/// One reference of the list, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// 1-based line number where it starts.
    pub line: usize,
    /// Byte range in the input of its first part (for diagnostics).
    pub span: Range<usize>,
    /// Its parts as written (one per input line it spans).
    pub parts: Vec<String>,
    /// The parts joined with spaces.
    pub text: String,
}

/// What [`parse`] reads from a reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// BibLaTeX entry type.
    pub kind: &'static str,
    /// Authors (empty for an edited volume cited by its editors).
    pub authors: Vec<Person>,
    /// Editors.
    pub editors: Vec<Person>,
    /// Year of publication.
    pub year: Option<i32>,
    /// Letter after the year (`1992a`).
    pub suffix: Option<char>,
    /// Other fields, in the order they are written: `title`, `titleaddon`,
    /// `journaltitle`, `booktitle`, `volume`, `number`, `pages`,
    /// `location`, `publisher`, `institution`, `type`, `date`, `note` ...
    pub fields: Vec<(String, String)>,
}

impl Parsed {
    /// The value of a field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

const OPEN_QUOTES: &[(char, &[char])] = &[
    ('“', &['”']),
    ('"', &['"', '”']),
    ('«', &['»']),
    ('„', &['“', '”']),
    ('‘', &['’']),
    ('\'', &['\'', '’']),
    ('‹', &['›']),
    ('”', &['”']),
];

/// Characters that end a sentence (and a reference).
fn terminal(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | ')' | '”' | '"' | '»' | ']' | '’')
}

/// Splits the lines of a reference list into references.
///
/// A line continues the reference before it when that one does not end
/// like a sentence, or when the line starts with a lower-case letter, a
/// digit or punctuation, unless the line clearly starts a reference of its
/// own (`Name, X., 1990,`). A line holding a second reference after the
/// end of a first (`... 70-90. Ostrova, E., 2003, ...`) is split there.
pub fn split(lines: &[RefLine]) -> Vec<Reference> {
    let mut out: Vec<Reference> = Vec::new();
    for l in lines {
        let trimmed_start = l.text.len() - l.text.trim_start_matches(is_space).len();
        let body = l.text.trim_matches(is_space);
        if body.is_empty() {
            continue;
        }
        let base = l.start + trimmed_start;
        let mut cuts = vec![0];
        cuts.extend(second_starts(body));
        cuts.push(body.len());
        for (n, w) in cuts.windows(2).enumerate() {
            let piece = body[w[0]..w[1]].trim_matches(is_space);
            if piece.is_empty() {
                continue;
            }
            let lead = body[w[0]..w[1]].len() - body[w[0]..w[1]].trim_start_matches(is_space).len();
            let span = base + w[0] + lead..base + w[0] + lead + piece.len();
            let continues = n == 0
                && out.last().is_some_and(|prev| {
                    let ends = prev.text.trim_end().chars().last().is_some_and(terminal);
                    let first = piece.chars().next().unwrap_or(' ');
                    let weak = first.is_lowercase()
                        || first.is_ascii_digit()
                        || first.is_ascii_punctuation() && first != '"' && first != '\'';
                    (!ends || weak) && start_of(piece).is_none_or(|s| !s.strong)
                });
            match out.last_mut() {
                Some(prev) if continues => {
                    prev.parts.push(piece.to_string());
                    prev.text.push(' ');
                    prev.text.push_str(piece);
                }
                _ => {
                    out.push(Reference { line: l.line, span, parts: vec![piece.to_string()], text: piece.to_string() })
                }
            }
        }
    }
    out
}

/// White space, including no-break and zero-width spaces.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{feff}' | '\u{200b}')
}

/// Byte offsets in `s` where a second reference starts after the end of a
/// sentence: `. Name, X., 1990,`.
fn second_starts(s: &str) -> Vec<usize> {
    let mut out = Vec::new();
    for (i, c) in s.char_indices() {
        if !matches!(c, '.' | '”' | '"' | '»') || i == 0 {
            continue;
        }
        let rest = &s[i + c.len_utf8()..];
        let Some(after) = rest.strip_prefix(' ') else { continue };
        let at = s.len() - after.len();
        if at < 20 || !after.chars().next().is_some_and(char::is_uppercase) {
            continue;
        }
        // "J. Varga" inside a reference is initials, not an end of sentence.
        let before = &s[..i];
        let last_word = before.rsplit(is_space).next().unwrap_or("");
        if last_word.chars().count() <= 2 && last_word.chars().next().is_some_and(char::is_uppercase) {
            continue;
        }
        if start_of(after).is_some_and(|st| st.strong && st.personal) {
            out.push(at);
        }
    }
    out
}

/// What the start of a reference looks like.
#[derive(Debug, Clone, Copy)]
struct Start {
    /// The authors end here (before the year).
    authors_end: usize,
    /// The year and its suffix.
    year: Option<(i32, Option<char>)>,
    /// The rest starts here.
    rest: usize,
    /// Names in `Surname, Initials` form.
    personal: bool,
    /// Sure enough to override the continuation rule.
    strong: bool,
}

/// Finds the year after the authors at the start of a reference.
fn start_of(s: &str) -> Option<Start> {
    let b = s.as_bytes();
    let limit = s.len().min(200);
    let mut i = 0;
    while i < limit {
        // ", 1990" or " (1990)" or ", n.d."
        let sep = if s[i..].starts_with(", ") || s[i..].starts_with(" (") || s[i..].starts_with(". ") {
            2
        } else {
            i += s[i..].chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let j = i + sep;
        let paren = s[i..].starts_with(" (");
        let found = if s[j..].starts_with("n.d.") || s[j..].starts_with("s.d.") {
            Some((None, j + 4))
        } else if b.len() >= j + 4 && b[j..j + 4].iter().all(u8::is_ascii_digit) {
            let y: i32 = s[j..j + 4].parse().ok()?;
            let mut k = j + 4;
            let mut suffix = None;
            if let Some(c) = b.get(k).filter(|c| c.is_ascii_lowercase()) {
                suffix = Some(*c as char);
                k += 1;
            }
            let ok_after = b.get(k).is_none_or(|c| matches!(c, b',' | b'.' | b':' | b';' | b')' | b' '));
            (ok_after && (1000..=2100).contains(&y)).then_some((Some((y, suffix)), k))
        } else {
            None
        };
        if let Some((year, mut k)) = found {
            if paren && s[k..].starts_with(')') {
                k += 1;
            }
            let authors = s[..i].trim_end_matches([',', ' ']);
            let parsed = parse_authors(authors)?;
            return Some(Start {
                authors_end: i,
                year,
                rest: k,
                personal: parsed.personal,
                strong: parsed.personal || authors.split_whitespace().count() <= 6,
            });
        }
        i += 1;
    }
    None
}

/// Authors as read from a reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authors {
    /// The names.
    pub people: Vec<Person>,
    /// Marked `(ed.)`, `(eds.)`, `(dir.)`.
    pub editors: bool,
    /// At least one name is written `Surname, Initials`.
    pub personal: bool,
}

const EDITOR_MARKS: &[&str] = &[
    "(eds.)", "(eds)", "(ed.)", "(ed)", "(dir.)", "(dirs.)", "(dir)", "(coord.)", "(hrsg.)", "(Hrsg.)", "eds.", "ed.",
];

/// Whether a word is an initial or a run of them: `K.`, `N.F.`, `J.-P.`,
/// `Yu.`, `Ch.`.
pub fn is_initials(w: &str) -> bool {
    let w = w.trim_end_matches(',');
    if !w.ends_with('.') {
        return false;
    }
    w.split(['.', '-']).filter(|p| !p.is_empty()).all(|p| {
        let mut cs = p.chars();
        cs.next().is_some_and(char::is_uppercase) && cs.clone().count() <= 2 && cs.all(char::is_lowercase)
    }) && w.chars().any(char::is_alphabetic)
}

/// Lower-case words allowed inside names (`van der Berg`, `Directorate of
/// the Interior`).
const PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "du", "des", "la", "le", "di", "da", "dos", "das", "del", "della", "al", "el",
    "ibn", "bin", "ben", "ter", "ten", "zu", "of", "the", "for", "and", "on", "y", "e", "d’", "d'",
];

/// Whether a word can be part of a name.
fn name_word(w: &str) -> bool {
    let first = w.chars().next();
    let lettered = w.chars().all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '’' | '.'));
    (first.is_some_and(char::is_uppercase) && lettered) || PARTICLES.contains(&w) || {
        // d'Estaing, al-Rashid
        let lower = w.to_lowercase();
        (lower.starts_with("d'") || lower.starts_with("d’") || lower.starts_with("al-")) && lettered
    }
}

fn name_words(s: &str, max: usize) -> bool {
    let words: Vec<&str> = s.split_whitespace().collect();
    !words.is_empty()
        && words.len() <= max
        && words.iter().all(|w| name_word(w))
        && words.iter().any(|w| w.chars().next().is_some_and(char::is_uppercase))
}

/// Reads the authors of a reference: `Arnaud, P.`, `Brenner, K. and Colet,
/// L.`, `Petrović, S. (ed.)`, `Campana, Aurélie`, `Directorate of the
/// Interior`, `Ostrova, E. et al.`.
pub fn parse_authors(s: &str) -> Option<Authors> {
    let mut s = s.trim_matches(is_space).trim_end_matches(',').trim();
    let mut editors = false;
    for m in EDITOR_MARKS {
        if let Some(r) = s.strip_suffix(m) {
            s = r.trim_end().trim_end_matches(',').trim_end();
            editors = true;
            break;
        }
    }
    let mut etal = false;
    for m in ["et al.", "et al", "and others"] {
        if let Some(r) = s.strip_suffix(m) {
            s = r.trim_end().trim_end_matches(',').trim_end();
            etal = true;
            break;
        }
    }
    if s.is_empty() || s.chars().count() > 200 {
        return None;
    }
    let has_given = s.contains(", ");
    let chunks: Vec<&str> = if has_given {
        let mut v = vec![s];
        for sep in [" and ", " & ", " et ", " и ", " und ", "; "] {
            v = v.into_iter().flat_map(|c| c.split(sep)).collect();
        }
        v.into_iter().map(str::trim).filter(|c| !c.is_empty()).collect()
    } else {
        vec![s]
    };
    let mut people = Vec::new();
    let mut personal = false;
    for chunk in chunks {
        let parts: Vec<&str> = chunk.split(", ").map(str::trim).filter(|p| !p.is_empty()).collect();
        let mut i = 0;
        while i < parts.len() {
            let p = parts[i];
            let next = parts.get(i + 1).copied();
            let given_next = next.is_some_and(|n| {
                n.split_whitespace().all(|w| is_initials(w) || name_word(w)) && n.split_whitespace().count() <= 3
            });
            if name_words(p, 5) && given_next {
                people.push(Person { family: p.to_string(), given: next.map(str::to_string), corporate: false });
                personal = true;
                i += 2;
            } else if !has_given && name_words(p, 10) {
                // "S. Petrović" (given first) or a corporate name.
                let words: Vec<&str> = p.split_whitespace().collect();
                let lead = words.iter().take_while(|w| is_initials(w)).count();
                if lead > 0 && lead < words.len() {
                    people.push(Person {
                        family: words[lead..].join(" "),
                        given: Some(words[..lead].join(" ")),
                        corporate: false,
                    });
                    personal = true;
                } else {
                    people.push(Person { family: p.to_string(), given: None, corporate: true });
                }
                i += 1;
            } else if has_given && name_words(p, 5) && next.is_none() {
                // "Brenner, K. and Colet": a name without initials among others.
                let words: Vec<&str> = p.split_whitespace().collect();
                let lead = words.iter().take_while(|w| is_initials(w)).count();
                let (family, given) = if lead > 0 && lead < words.len() {
                    (words[lead..].join(" "), Some(words[..lead].join(" ")))
                } else {
                    (p.to_string(), None)
                };
                people.push(Person { family, given, corporate: false });
                i += 1;
            } else {
                return None;
            }
        }
    }
    if people.is_empty() {
        return None;
    }
    if etal {
        people.push(Person { family: "others".into(), given: None, corporate: false });
    }
    Some(Authors { people, editors, personal })
}

/// Finds the closing quote for the opening quote at the start of `s`:
/// returns (inside, rest after the closing quote).
fn quoted(s: &str) -> Option<(&str, &str)> {
    let first = s.chars().next()?;
    let (_, closes) = OPEN_QUOTES.iter().find(|(o, _)| *o == first)?;
    let body = &s[first.len_utf8()..];
    // The closing quote that is followed by punctuation, a space or the end
    // (so an apostrophe inside the title does not end it).
    let mut best = None;
    for (i, c) in body.char_indices() {
        if closes.contains(&c) {
            let after = &body[i + c.len_utf8()..];
            if after.is_empty() || after.starts_with([',', '.', ' ', ':', ';', '[', '(']) {
                best = Some((i, c));
                break;
            }
        }
    }
    let (i, c) = best?;
    Some((&body[..i], &body[i + c.len_utf8()..]))
}

/// Strips `, `, `. `, spaces and similar from the start.
fn lead(s: &str) -> &str {
    s.trim_start_matches(|c: char| is_space(c) || matches!(c, ',' | '.' | ';' | ':'))
}

/// Strips a final period and spaces (not the period of an abbreviation such
/// as `Press Inc.`... which cannot be told apart; the original is kept in
/// a comment above the record).
fn tail(s: &str) -> &str {
    s.trim_matches(is_space).trim_end_matches(['.', ',', ';']).trim_end()
}

/// A bracketed translation at the start of `s`: (`[Translation]`, rest).
fn bracketed(s: &str) -> Option<(&str, &str)> {
    let s = lead(s);
    if !s.starts_with('[') {
        return None;
    }
    let end = s.find(']')?;
    Some((&s[..=end], &s[end + 1..]))
}

/// Splits `Title [Translation]` at the end of an unquoted title.
fn split_translation(title: &str) -> (&str, Option<&str>) {
    let t = title.trim_end();
    if t.ends_with(']') {
        if let Some(open) = t.rfind('[') {
            if open > 0 {
                return (t[..open].trim_end().trim_end_matches(','), Some(&t[open..]));
            }
        }
    }
    (t, None)
}

/// Whether a segment is a page range or page number (`12-18`, `pp. 45–67`,
/// `p. 105`).
fn pages_of(s: &str) -> Option<String> {
    let t = tail(s);
    let t = ["pp.", "p.", "pp", "S.", "с."].iter().find_map(|p| t.strip_prefix(p)).map(str::trim_start).unwrap_or(t);
    let ok = !t.is_empty()
        && t.chars().next().is_some_and(|c| c.is_ascii_digit())
        && t.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '–' | '—' | ' ' | ','));
    ok.then(|| t.replace(['–', '—'], "-").replace("--", "-").replace('-', "--").replace(' ', ""))
}

/// `vol. 2`, `Vol. II`, `t. 3`, `tome 3`: the volume.
fn volume_of(s: &str) -> Option<String> {
    let t = tail(s);
    for p in ["vol.", "Vol.", "vols.", "t.", "tome", "Bd.", "т."] {
        if let Some(v) = t.strip_prefix(p) {
            let v = v.trim();
            if !v.is_empty() && v.split_whitespace().count() == 1 {
                return Some(v.to_string());
            }
        }
    }
    None
}

/// Reads `Place: Publisher` from a segment list's end; returns the index of
/// the place segment, the place and the publisher.
fn place_publisher(segs: &[&str]) -> Option<(usize, String, String)> {
    for i in (0..segs.len()).rev() {
        if let Some((place, publisher)) = segs[i].split_once(": ") {
            let place = place.trim();
            if !place.is_empty()
                && place.split_whitespace().count() <= 4
                && !place.chars().any(|c| c.is_ascii_digit())
                && place.chars().next().is_some_and(char::is_uppercase)
            {
                let mut publisher = publisher.trim().to_string();
                // "Paris: Gallimard, Bibliothèque des histoires" keeps the series.
                for s in &segs[i + 1..] {
                    if pages_of(s).is_some() || volume_of(s).is_some() {
                        break;
                    }
                    publisher.push_str(", ");
                    publisher.push_str(s);
                }
                return Some((i, place.to_string(), tail(&publisher).to_string()));
            }
        }
    }
    None
}

/// Splits at `, ` outside brackets and quotes.
fn segments(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in s.char_indices() {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' => depth -= 1,
            '“' | '«' | '„' if quote.is_none() => quote = Some(c),
            '”' | '»' | '“' if quote.is_some() => quote = None,
            '"' if quote == Some('"') => quote = None,
            '"' if quote.is_none() && (prev == ' ' || i == 0) => quote = Some('"'),
            ',' if depth <= 0 && quote.is_none() && s[i + 1..].starts_with(' ') => {
                out.push(s[start..i].trim());
                start = i + 2;
            }
            _ => {}
        }
        prev = c;
    }
    out.push(s[start..].trim());
    out.into_iter().filter(|p| !p.is_empty()).collect()
}

const THESIS_MARKS: &[&str] = &[
    "phd thesis",
    "ph.d. thesis",
    "ph. d. thesis",
    "phd dissertation",
    "ph.d. dissertation",
    "doctoral thesis",
    "doctoral dissertation",
    "thèse de doctorat",
    "these de doctorat",
    "dissertation",
    "ma thesis",
    "m.a. thesis",
    "master's thesis",
    "master’s thesis",
    "mémoire de master",
    "thesis",
    "thèse",
];

fn thesis_type(mark: &str) -> &'static str {
    let m = mark.to_lowercase();
    if m.contains("ma ") || m.contains("m.a.") || m.contains("master") || m.contains("mémoire") {
        "mathesis"
    } else {
        "phdthesis"
    }
}

/// The index of the segment holding a thesis mark, and the mark.
fn thesis_segment(segs: &[&str]) -> Option<(usize, &'static str)> {
    segs.iter().enumerate().find_map(|(i, s)| {
        let l = s.to_ascii_lowercase();
        THESIS_MARKS.iter().find(|m| l.contains(*m)).map(|m| (i, *m))
    })
}

/// Whether a segment starts with a volume, issue or page label (`vol. 12`,
/// `no 3`, `n° 7`, `pp. 5-9`), not merely with those letters (`Northern`).
fn number_label(seg: &str) -> bool {
    let l = seg.to_lowercase();
    let word: String = l.chars().take_while(|c| c.is_alphabetic()).collect();
    let after = l[word.len()..].chars().next();
    let labelled_word =
        matches!(word.as_str(), "vol" | "vols" | "volume" | "no" | "nos" | "nr" | "issue" | "pp" | "p" | "t" | "tome")
            && after.is_none_or(|c| c == '.' || c == ' ' || c.is_ascii_digit());
    labelled_word || l.starts_with("n°") || l.starts_with("nº") || l.starts_with('№')
}

/// Reads volume, number and pages from what follows a journal's name:
/// `12, 2: 45-67`, `12(2): 45-67`, `vol. 12, no. 2, pp. 45-67`, `no. 7`.
fn journal_numbers(s: &str) -> Option<Vec<(String, String)>> {
    let t = tail(s);
    if t.is_empty() {
        return Some(Vec::new());
    }
    let mut out = Vec::new();
    let lower = t.to_ascii_lowercase();
    let labelled = lower.split([',', ';']).any(|seg| number_label(seg.trim()));
    if labelled {
        for seg in t.split([',', ';']).map(str::trim).filter(|s| !s.is_empty()) {
            let l = seg.to_ascii_lowercase();
            let value = |p: usize| seg.get(p..).unwrap_or("").trim_start_matches(['.', ' ', ':']).trim().to_string();
            if l.starts_with("vol") {
                out.push(("volume".into(), value(seg.find(['.', ' ']).unwrap_or(3))));
            } else if l.starts_with("no") || l.starts_with("nr") || l.starts_with("issue") {
                let at = seg.find(['.', ' ']).unwrap_or(2);
                out.push(("number".into(), value(at)));
            } else if l.starts_with("n°") || l.starts_with("nº") || l.starts_with("№") {
                let at = seg.char_indices().nth(if l.starts_with('№') { 1 } else { 2 }).map_or(seg.len(), |(i, _)| i);
                out.push(("number".into(), value(at)));
            } else if let Some(p) = pages_of(seg) {
                out.push(("pages".into(), p));
            } else {
                return None;
            }
        }
        return Some(out);
    }
    let (nums, pages) = match t.split_once(':') {
        Some((a, b)) => (a, Some(b)),
        None => (t, None),
    };
    let mut parts: Vec<&str> = nums.split([',', '(', ')']).map(str::trim).filter(|s| !s.is_empty()).collect();
    let mut pages = pages.map(str::to_string);
    if pages.is_none() && parts.len() >= 2 && parts.last().is_some_and(|p| p.contains(['-', '–'])) {
        pages = parts.pop().map(str::to_string);
    }
    if !parts.iter().all(|p| p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '/')) || parts.len() > 2 {
        return None;
    }
    if let Some(v) = parts.first() {
        out.push(("volume".into(), v.to_string()));
    }
    if let Some(n) = parts.get(1) {
        out.push(("number".into(), n.to_string()));
    }
    if let Some(p) = pages {
        out.push(("pages".into(), pages_of(&p)?));
    }
    Some(out)
}

/// Reads one reference, or `None` when its layout is not recognised.
pub fn parse(text: &str) -> Option<Parsed> {
    let text = text.trim_matches(is_space);
    let start = start_of(text)?;
    let authors = parse_authors(text[..start.authors_end].trim_end_matches([',', ' ']))?;
    let (year, suffix) = match start.year {
        Some((y, s)) => (Some(y), s),
        None => (None, None),
    };
    let rest = lead(&text[start.rest..]).trim_start_matches(')');
    let rest = lead(rest);
    if rest.is_empty() {
        return None;
    }
    let mut fields: Vec<(String, String)> = Vec::new();
    let push = |fields: &mut Vec<(String, String)>, k: &str, v: &str| {
        let v = v.trim();
        if !v.is_empty() {
            fields.push((k.to_string(), v.to_string()));
        }
    };
    let kind;
    let mut editors = Vec::new();
    let mut people = authors.people.clone();
    if authors.editors {
        editors = std::mem::take(&mut people);
    }
    let (title, is_quoted, after) = match quoted(rest) {
        Some((t, after)) => (tail(t).to_string(), true, after),
        None => (String::new(), false, rest),
    };
    let mut note: Vec<String> = Vec::new();
    if is_quoted {
        if title.is_empty() {
            return None;
        }
        push(&mut fields, "title", &title);
        let mut after = after;
        if let Some((tr, r)) = bracketed(after) {
            push(&mut fields, "titleaddon", tr);
            after = r;
        }
        let after = lead(after);
        let lower = after.to_lowercase();
        if lower.starts_with("in ") || lower.starts_with("in: ") || lower.starts_with("dans ") {
            kind = "incollection";
            parse_container(after.split_once(' ').map_or("", |x| x.1), &mut fields, &mut editors, &mut note)?;
        } else if let Some((i, mark)) = thesis_segment(&segments(after)) {
            kind = "thesis";
            let segs = segments(after);
            push(&mut fields, "type", thesis_type(mark));
            push(&mut fields, "institution", tail(&segs[i + 1..].join(", ")));
            note.extend(segs[..i].iter().map(|s| s.to_string()));
        } else if after.is_empty() {
            kind = "misc";
        } else {
            kind = "article";
            let segs = segments(after);
            // The journal is the segments before the first that starts with
            // a number or a volume/issue label.
            let first_num =
                segs.iter().position(|s| s.chars().next().is_some_and(|c| c.is_ascii_digit()) || number_label(s));
            let (journal, nums) = match first_num {
                Some(i) => (segs[..i].join(", "), segs[i..].join(", ")),
                None => (segs.join(", "), String::new()),
            };
            // "Journal 12(2): 45-67": numbers glued to the name.
            let (journal, nums) = if nums.is_empty() {
                match journal.find(|c: char| c.is_ascii_digit()) {
                    Some(d) if d > 0 => (journal[..d].trim().to_string(), journal[d..].to_string()),
                    _ => (journal, nums),
                }
            } else {
                (journal, nums)
            };
            let journal = tail(&journal).to_string();
            if journal.is_empty() {
                return None;
            }
            push(&mut fields, "journaltitle", &journal);
            match journal_numbers(&nums) {
                Some(ns) => {
                    for (k, v) in ns {
                        push(&mut fields, &k, &v);
                    }
                }
                None => note.push(tail(&nums).to_string()),
            }
        }
    } else {
        // An unquoted title: a book, a thesis or a chapter with an unquoted title.
        let segs = segments(rest);
        let in_at = segs.iter().position(|s| {
            let l = s.to_lowercase();
            l.starts_with("in ") || l.starts_with("in: ") || l.starts_with("dans ")
        });
        if let Some(i) = in_at.filter(|&i| i > 0) {
            kind = "incollection";
            let joined = segs[..i].join(", ");
            let (t, tr) = split_translation(&joined);
            push(&mut fields, "title", tail(t));
            if let Some(tr) = tr {
                push(&mut fields, "titleaddon", tr);
            }
            let container = segs[i..].join(", ");
            parse_container(container.split_once(' ').map_or("", |x| x.1), &mut fields, &mut editors, &mut note)?;
        } else if let Some((i, mark)) = thesis_segment(&segs).filter(|(i, _)| *i > 0) {
            kind = "thesis";
            let joined = segs[..i].join(", ");
            let (t, tr) = split_translation(&joined);
            push(&mut fields, "title", tail(t));
            if let Some(tr) = tr {
                push(&mut fields, "titleaddon", tr);
            }
            push(&mut fields, "type", thesis_type(mark));
            let inst = tail(&segs[i + 1..].join(", ")).to_string();
            push(&mut fields, "institution", &inst);
            let marked = segs[i];
            let l = marked.to_ascii_lowercase();
            let at = l.find(mark).unwrap_or(0);
            let extra = tail(marked.get(..at).unwrap_or("")).trim();
            if !extra.is_empty() && !matches!(extra.to_lowercase().as_str(), "unpublished" | "inédite") {
                note.push(extra.to_string());
            }
        } else if let Some(i) = segs
            .iter()
            .position(|s| {
                let l = s.to_lowercase();
                l.contains("manuscript") || l.contains("typescript") || l == "mimeo"
            })
            .filter(|i| *i > 0)
        {
            // An unpublished text: the title before the mark, the rest as how it is held.
            kind = "unpublished";
            let joined = segs[..i].join(", ");
            let (t, tr) = split_translation(&joined);
            push(&mut fields, "title", tail(t));
            if let Some(tr) = tr {
                push(&mut fields, "titleaddon", tr);
            }
            push(&mut fields, "howpublished", tail(&segs[i..].join(", ")));
        } else {
            kind = if !editors.is_empty() { "collection" } else { "book" };
            let (title_end, place) = match place_publisher(&segs) {
                Some((i, place, publisher)) if i > 0 => {
                    // The title is everything before the place's segment.
                    let mut segs_after: Vec<&str> = Vec::new();
                    for s in &segs[i + 1..] {
                        if pages_of(s).is_some() || volume_of(s).is_some() {
                            segs_after.push(s);
                        }
                    }
                    for s in segs_after {
                        if let Some(v) = volume_of(s) {
                            fields.push(("volume".into(), v));
                        } else if let Some(p) = pages_of(s) {
                            fields.push(("pages".into(), p));
                        }
                    }
                    (i, Some((place, publisher)))
                }
                _ => (segs.len(), None),
            };
            let mut title_segs: Vec<&str> = segs[..title_end].to_vec();
            // "vol. 2" just before the place belongs to the book, not its title.
            while title_segs.len() > 1 {
                let last = title_segs[title_segs.len() - 1];
                if let Some(v) = volume_of(last) {
                    fields.push(("volume".into(), v));
                    title_segs.pop();
                } else {
                    break;
                }
            }
            let joined = title_segs.join(", ");
            let (t, tr) = split_translation(&joined);
            let t = tail(t);
            if t.is_empty() {
                return None;
            }
            fields.insert(0, ("title".into(), t.to_string()));
            if let Some(tr) = tr {
                fields.insert(1, ("titleaddon".into(), tr.to_string()));
            }
            if let Some((place, publisher)) = place {
                push(&mut fields, "location", &place);
                push(&mut fields, "publisher", &publisher);
            }
        }
    }
    if fields.iter().all(|(k, _)| k != "title") {
        return None;
    }
    if let Some(y) = year {
        fields.push(("date".into(), format!("{y:04}")));
    }
    let note: Vec<String> = note.into_iter().map(|n| tail(&n).to_string()).filter(|n| !n.is_empty()).collect();
    if !note.is_empty() {
        fields.push(("note".into(), note.join(", ")));
    }
    Some(Parsed { kind, authors: people, editors, year, suffix, fields })
}

/// Reads what follows `in` in a chapter: `Petrović, S. (ed.), 1990,
/// Sjećanja [Memories], vol. 1, Valdor City: Kniga, 12-18.`
fn parse_container(
    s: &str,
    fields: &mut Vec<(String, String)>,
    editors: &mut Vec<Person>,
    note: &mut Vec<String>,
) -> Option<()> {
    let s = s.trim_start_matches(':').trim();
    let mut rest = s;
    // Editors up to their mark.
    let marks = ["(eds.)", "(eds)", "(ed.)", "(ed)", "(dir.)", "(dirs.)", "(dir)", "(coord.)", "(Hrsg.)", "(hrsg.)"];
    if let Some((at, m)) = marks.iter().filter_map(|m| s.find(m).map(|i| (i, *m))).min_by_key(|(i, _)| *i) {
        if let Some(a) = parse_authors(&s[..at + m.len()]) {
            *editors = a.people;
            rest = lead(&s[at + m.len()..]);
            // A year repeated after the editors.
            let b = rest.as_bytes();
            if b.len() >= 4 && b[..4].iter().all(u8::is_ascii_digit) && b.get(4).is_none_or(|c| !c.is_ascii_digit()) {
                rest = lead(&rest[4..]);
            }
        }
    }
    let (booktitle, after) = match quoted(rest) {
        Some((t, after)) => (tail(t).to_string(), after.to_string()),
        None => {
            let segs = segments(rest);
            // The book's title runs to the first segment that is a volume,
            // a place and publisher, or pages.
            let end = segs
                .iter()
                .position(|seg| {
                    volume_of(seg).is_some() || pages_of(seg).is_some() || place_publisher(&[seg]).is_some()
                })
                .unwrap_or(segs.len());
            if end == 0 {
                return None;
            }
            (segs[..end].join(", "), segs[end..].join(", "))
        }
    };
    let (bt, tr) = split_translation(&booktitle);
    let bt = tail(bt);
    if bt.is_empty() {
        return None;
    }
    fields.push(("booktitle".into(), bt.to_string()));
    let mut after = after.as_str();
    if let Some(tr) = tr {
        fields.push(("booktitleaddon".into(), tr.to_string()));
    } else if let Some((tr, r)) = bracketed(after) {
        fields.push(("booktitleaddon".into(), tr.to_string()));
        after = r;
    }
    let segs = segments(lead(after));
    let pp = place_publisher(&segs);
    for (i, seg) in segs.iter().enumerate() {
        if let Some(v) = volume_of(seg) {
            fields.push(("volume".into(), v));
        } else if let Some(p) = pages_of(seg) {
            fields.push(("pages".into(), p));
        } else if pp.as_ref().is_some_and(|(at, _, _)| *at == i) {
            let (_, place, publisher) = pp.clone().expect("checked");
            fields.push(("location".into(), place));
            fields.push(("publisher".into(), publisher));
        } else if pp.as_ref().is_some_and(|(at, _, publisher)| i > *at && publisher.contains(seg.trim_end_matches('.')))
        {
            // Part of the publisher (a series after a comma).
        } else {
            note.push(seg.to_string());
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f<'a>(p: &'a Parsed, k: &str) -> Option<&'a str> {
        p.field(k)
    }

    #[test]
    fn a_book() {
        let p = parse("Halvorsen, T., 1984, Salt and stone, 1880-1930, Northhaven: Lanternhouse.").unwrap();
        assert_eq!(p.kind, "book");
        assert_eq!(p.authors[0].family, "Halvorsen");
        assert_eq!(p.authors[0].given.as_deref(), Some("T."));
        assert_eq!(p.year, Some(1984));
        assert_eq!(f(&p, "title"), Some("Salt and stone, 1880-1930"));
        assert_eq!(f(&p, "location"), Some("Northhaven"));
        assert_eq!(f(&p, "publisher"), Some("Lanternhouse"));
    }

    #[test]
    fn an_article_with_volume_issue_and_pages() {
        for text in [
            "Quillan, R. and Dorsey, M., 2001, “Ledger and loss”, Review of Imaginary Studies, 14, 3: 101-122.",
            "Quillan, R. and Dorsey, M., 2001, \"Ledger and loss\", Review of Imaginary Studies, 14(3): 101–122.",
            "Quillan, R. and Dorsey, M., 2001, «Ledger and loss», Review of Imaginary Studies, vol. 14, no. 3, pp. 101-122.",
        ] {
            let p = parse(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(p.kind, "article", "{text}");
            assert_eq!(p.authors.len(), 2);
            assert_eq!(p.authors[1].family, "Dorsey");
            assert_eq!(f(&p, "title"), Some("Ledger and loss"));
            assert_eq!(f(&p, "journaltitle"), Some("Review of Imaginary Studies"), "{text}");
            assert_eq!(f(&p, "volume"), Some("14"), "{text}");
            assert_eq!(f(&p, "number"), Some("3"), "{text}");
            assert_eq!(f(&p, "pages"), Some("101--122"), "{text}");
        }
    }

    #[test]
    fn a_chapter_with_cyrillic_title_and_translations() {
        let p = parse(
            "Лебедь, А., 1993, “Воспоминания о переселении”, [Recollections of the resettlement], in Morrow, E. (ed.), 1993, Glasovi [Voices], vol. 2, Eastmarch: Quire, 40-52.",
        )
        .unwrap();
        assert_eq!(p.kind, "incollection");
        assert_eq!(p.authors[0].family, "Лебедь");
        assert_eq!(f(&p, "title"), Some("Воспоминания о переселении"));
        assert_eq!(f(&p, "titleaddon"), Some("[Recollections of the resettlement]"));
        assert_eq!(p.editors[0].family, "Morrow");
        assert_eq!(f(&p, "booktitle"), Some("Glasovi"));
        assert_eq!(f(&p, "booktitleaddon"), Some("[Voices]"));
        assert_eq!(f(&p, "volume"), Some("2"));
        assert_eq!(f(&p, "location"), Some("Eastmarch"));
        assert_eq!(f(&p, "publisher"), Some("Quire"));
        assert_eq!(f(&p, "pages"), Some("40--52"));
        assert_eq!(f(&p, "note"), None);
    }

    #[test]
    fn a_thesis_and_a_corporate_author() {
        let p = parse("Ferrand, L., 2006, The quiet valleys, PhD thesis, University of Northhaven.").unwrap();
        assert_eq!(p.kind, "thesis");
        assert_eq!(f(&p, "type"), Some("phdthesis"));
        assert_eq!(f(&p, "institution"), Some("University of Northhaven"));
        assert_eq!(f(&p, "title"), Some("The quiet valleys"));
        let p = parse("Board of Resettlement, 1952, Annual return, Port Ismay: Crown Press.").unwrap();
        assert!(p.authors[0].corporate);
        assert_eq!(p.authors[0].family, "Board of Resettlement");
    }

    #[test]
    fn transliterated_title_with_translation() {
        let p = parse("Sorokina, V. V., 1991, Zemlya i pamyat' [Land and memory], Eastmarch: Vesna.").unwrap();
        assert_eq!(f(&p, "title"), Some("Zemlya i pamyat'"));
        assert_eq!(f(&p, "titleaddon"), Some("[Land and memory]"));
        assert_eq!(p.authors[0].given.as_deref(), Some("V. V."));
    }

    #[test]
    fn unparseable_lines_give_none() {
        assert!(parse("Oral history collection of the Northhaven museum, box 4.").is_none());
        assert!(parse("").is_none());
    }

    #[test]
    fn wrapped_and_shared_lines() {
        let text = "Quillan, R., 2001, “Ledger and loss”, Review of\nImaginary Studies, 14, 3: 101-122.\nOstrander, P., 1990, First, Northhaven: Quire. Ostrander, P., 1992, Second, Northhaven: Quire.\nA line that stands alone.\n";
        let mut lines = Vec::new();
        let mut off = 0;
        for (i, l) in text.split('\n').enumerate() {
            lines.push(RefLine { line: i + 1, start: off, text: l });
            off += l.len() + 1;
        }
        let refs = split(&lines);
        let texts: Vec<&str> = refs.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Quillan, R., 2001, “Ledger and loss”, Review of Imaginary Studies, 14, 3: 101-122.",
                "Ostrander, P., 1990, First, Northhaven: Quire.",
                "Ostrander, P., 1992, Second, Northhaven: Quire.",
                "A line that stands alone.",
            ]
        );
        assert_eq!(refs[2].line, 3);
        assert_eq!(&text[refs[2].span.clone()], "Ostrander, P., 1992, Second, Northhaven: Quire.");
    }
}
