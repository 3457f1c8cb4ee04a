//! What the bibliographic exports need to know of a work, read once from its
//! record so that BibTeX, RIS, CSL-JSON and JSON-LD say the same thing.
//!
//! The source is the hayagriva record. A BibLaTeX record is also read on its
//! own for the fields hayagriva leaves out (`subtitle`, and the
//! `journaltitle` of an `@online` record), and its TeX quotes and ties are
//! turned into plain text. A work without a record (a CSL-JSON item that
//! could not be converted) falls back to what the model keeps of it: type,
//! authors, year and title.

use biblatex::ChunksExt;
use hayagriva::types::{ChunkKind, EntryType, FormatString, MaybeTyped, PageRangesPart, Person as HPerson};

use crate::model::{DateField, Work};

/// The kind of a work, as the export formats distinguish them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A journal article.
    Article,
    /// A newspaper article.
    Newspaper,
    /// A paper in conference proceedings.
    Conference,
    /// A chapter of a single-authored book.
    Chapter,
    /// A contribution to an edited volume.
    InCollection,
    /// An entry of an encyclopedia or dictionary.
    EncyclopediaEntry,
    /// A book.
    Book,
    /// An edited volume.
    Collection,
    /// Conference proceedings.
    Proceedings,
    /// A report.
    Report,
    /// A thesis.
    Thesis,
    /// A web page.
    Web,
    /// An unpublished manuscript.
    Manuscript,
    /// A periodical as a whole.
    Periodical,
    /// A work of reference as a whole.
    Reference,
    /// A patent.
    Patent,
    /// A data set.
    Dataset,
    /// Anything else.
    Misc,
}

impl Kind {
    /// Whether the work is a whole book (no page range, a series rather than
    /// a container).
    pub(super) fn is_book(self) -> bool {
        matches!(self, Kind::Book | Kind::Collection | Kind::Proceedings | Kind::Reference)
    }

    /// From a type name as written in a bibliography: BibLaTeX, CSL or
    /// hayagriva.
    fn from_name(name: &str) -> Kind {
        match name.to_ascii_lowercase().as_str() {
            "article" | "article-journal" | "article-magazine" | "suppperiodical" => Kind::Article,
            "article-newspaper" => Kind::Newspaper,
            "inproceedings" | "conference" | "paper-conference" => Kind::Conference,
            "inbook" | "chapter" | "bookinbook" | "suppbook" => Kind::Chapter,
            "incollection" | "anthos" | "suppcollection" => Kind::InCollection,
            "inreference" | "entry" | "entry-encyclopedia" | "entry-dictionary" => Kind::EncyclopediaEntry,
            "book" | "mvbook" | "booklet" | "classic" => Kind::Book,
            "collection" | "mvcollection" | "anthology" => Kind::Collection,
            "proceedings" | "mvproceedings" => Kind::Proceedings,
            "report" | "techreport" => Kind::Report,
            "thesis" | "phdthesis" | "mastersthesis" => Kind::Thesis,
            "online" | "webpage" | "web" | "www" | "post" | "post-weblog" | "blog" | "thread" => Kind::Web,
            "unpublished" | "manuscript" => Kind::Manuscript,
            "periodical" => Kind::Periodical,
            "reference" | "mvreference" => Kind::Reference,
            "patent" => Kind::Patent,
            "dataset" | "repository" => Kind::Dataset,
            _ => Kind::Misc,
        }
    }
}

/// A personal or corporate name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Person {
    /// Family name, or the whole name when `literal`.
    pub family: String,
    /// Given names.
    pub given: Option<String>,
    /// A particle that belongs to the family name ("van", "de").
    pub prefix: Option<String>,
    /// "Jr.", "III".
    pub suffix: Option<String>,
    /// A corporate name, or one that cannot be split: printed as written.
    pub literal: bool,
}

impl Person {
    /// A name to print as written.
    pub(super) fn literal(name: &str) -> Person {
        Person { family: name.to_string(), given: None, prefix: None, suffix: None, literal: true }
    }

    /// "van Beethoven": particle and family name.
    pub(super) fn full_family(&self) -> String {
        match &self.prefix {
            Some(p) => format!("{p} {}", self.family),
            None => self.family.clone(),
        }
    }

    /// "Ludwig van Beethoven, Jr".
    pub(super) fn display(&self) -> String {
        if self.literal {
            return self.family.clone();
        }
        let mut s = String::new();
        if let Some(g) = &self.given {
            s.push_str(g);
            s.push(' ');
        }
        s.push_str(&self.full_family());
        if let Some(x) = &self.suffix {
            s.push_str(", ");
            s.push_str(x);
        }
        s
    }

    /// Whether a name is that of a body ("Institute for the Study of the
    /// USSR", "attest sample editors").
    pub(super) fn is_corporate(name: &str) -> bool {
        name.split(|c: char| !c.is_alphanumeric()).any(|w| CORPORATE.contains(&w.to_lowercase().as_str()))
    }

    /// Reads a name written for print ("Aurélie Campana", "Campana,
    /// Aurélie", "Ludwig van Beethoven"). A name of one word, or one with a
    /// word that is not capitalised and not a name particle ("attest sample
    /// editors"), or with a word that names a body ("Institute"), is kept
    /// whole.
    pub(super) fn from_display(name: &str) -> Person {
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some((family, given)) = name.split_once(", ") {
            if !given.contains(',') && !family.is_empty() && !given.is_empty() {
                return Person {
                    family: family.to_string(),
                    given: Some(given.to_string()),
                    prefix: None,
                    suffix: None,
                    literal: false,
                };
            }
        }
        let words: Vec<&str> = name.split(' ').collect();
        let capitalised = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
        let personal = words.len() >= 2
            && !name.contains(',')
            && !name.chars().any(|c| c.is_ascii_digit())
            && words.iter().all(|w| capitalised(w) || PARTICLES.contains(w))
            && !Person::is_corporate(&name)
            && capitalised(words[0])
            && capitalised(words[words.len() - 1]);
        if !personal {
            return Person::literal(&name);
        }
        let particle = words.iter().skip(1).position(|w| PARTICLES.contains(w)).map(|i| i + 1);
        let (given, prefix, family) = match particle {
            Some(i) => {
                let family_at = (i..words.len()).find(|&j| !PARTICLES.contains(&words[j])).unwrap_or(words.len() - 1);
                (words[..i].join(" "), Some(words[i..family_at].join(" ")), words[family_at..].join(" "))
            }
            None => (words[..words.len() - 1].join(" "), None, words[words.len() - 1].to_string()),
        };
        Person { family, given: Some(given), prefix: prefix.filter(|p| !p.is_empty()), suffix: None, literal: false }
    }
}

/// Lower-case particles that belong to a family name.
const PARTICLES: &[&str] = &[
    "van", "von", "de", "der", "den", "del", "della", "di", "da", "du", "des", "la", "le", "dos", "das", "ten", "ter",
];

/// Words that mark a corporate name.
const CORPORATE: &[&str] = &[
    "institute",
    "institut",
    "university",
    "committee",
    "commission",
    "council",
    "board",
    "editors",
    "editorial",
    "team",
    "office",
    "ministry",
    "association",
    "society",
    "foundation",
    "center",
    "centre",
    "group",
    "project",
    "museum",
    "archive",
    "archives",
    "library",
    "department",
    "agency",
    "organization",
    "organisation",
    "parliament",
    "court",
    "network",
    "press",
    "watch",
    "international",
    "nations",
    "union",
    "service",
    "bureau",
    "directorate",
    "tribunal",
    "army",
    "police",
    "party",
    "government",
    "staff",
];

/// A publication date, as precise as the record gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Date {
    /// The year.
    pub year: i32,
    /// The month, 1–12.
    pub month: Option<u8>,
    /// The day, 1–31.
    pub day: Option<u8>,
    /// "circa".
    pub approximate: bool,
}

impl Date {
    /// ISO form at the record's precision: `2002`, `2002-11`, `2002-11-05`.
    pub(super) fn iso(&self) -> String {
        let mut s = year4(self.year);
        if let Some(m) = self.month {
            s.push_str(&format!("-{m:02}"));
            if let Some(d) = self.day {
                s.push_str(&format!("-{d:02}"));
            }
        }
        s
    }

    /// A full calendar day of an entry's `published` or `modified` field.
    pub(super) fn from_field(f: &DateField) -> Option<Date> {
        calendar_day(f).map(|(year, month, day)| Date { year, month: Some(month), day: Some(day), approximate: false })
    }
}

/// A year with at least four digits, signed when negative.
pub(super) fn year4(y: i32) -> String {
    if y < 0 {
        format!("-{:04}", y.unsigned_abs())
    } else {
        format!("{y:04}")
    }
}

/// The day a date field names, when it names exactly one day.
pub(super) fn calendar_day(f: &DateField) -> Option<(i32, u8, u8)> {
    let e = f.edtf.as_ref()?;
    let (a, b) = (e.earliest()?, e.latest()?);
    (a == b && !e.is_interval()).then_some(())?;
    Some((i32::try_from(a.year).ok()?, a.month, a.day))
}

/// A text in pieces, some of which must keep their case (BibLaTeX braces).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct Rich(pub Vec<(String, bool)>);

impl Rich {
    fn plain_text(s: &str) -> Rich {
        Rich(vec![(s.to_string(), false)])
    }

    /// The text without markup.
    pub(super) fn plain(&self) -> String {
        self.0.iter().map(|(s, _)| s.as_str()).collect()
    }

    fn push(&mut self, s: &str) {
        self.0.push((s.to_string(), false));
    }
}

/// A page range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Pages {
    /// First page (or the whole text when it is not a simple range).
    pub first: String,
    /// Last page of a simple range.
    pub last: Option<String>,
}

impl Pages {
    /// `387-400`.
    pub(super) fn text(&self, dash: &str) -> String {
        match &self.last {
            Some(l) => format!("{}{dash}{l}", self.first),
            None => self.first.clone(),
        }
    }
}

/// Everything the exports say about a work.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Meta {
    pub key: String,
    pub kind: Option<Kind>,
    pub title: Option<Rich>,
    pub authors: Vec<Person>,
    pub editors: Vec<Person>,
    pub date: Option<Date>,
    /// Journal, book, proceedings or site the work appears in.
    pub container: Option<Rich>,
    pub series: Option<String>,
    pub volume: Option<String>,
    pub issue: Option<String>,
    pub edition: Option<String>,
    pub pages: Option<Pages>,
    pub publisher: Option<String>,
    pub place: Option<String>,
    /// University of a thesis, institution of a report, organisation.
    pub institution: Option<String>,
    /// Thesis or report type.
    pub genre: Option<String>,
    /// Report or patent number.
    pub number: Option<String>,
    pub doi: Option<String>,
    pub isbn: Option<String>,
    pub issn: Option<String>,
    pub url: Option<String>,
    pub urldate: Option<Date>,
    pub note: Option<String>,
    pub abstract_: Option<String>,
    pub language: Option<String>,
}

impl Meta {
    /// The kind, `Misc` when unknown.
    pub(super) fn kind(&self) -> Kind {
        self.kind.unwrap_or(Kind::Misc)
    }

    /// Publisher, or for a thesis or report its institution.
    pub(super) fn publisher_or_institution(&self) -> Option<&str> {
        self.publisher.as_deref().or(self.institution.as_deref())
    }

    /// Reads a work.
    pub(super) fn of(w: &Work) -> Meta {
        let mut m = match &w.record {
            Some(r) => from_record(r),
            None => Meta {
                key: w.key.v.clone(),
                kind: Some(Kind::from_name(&w.kind)),
                title: Some(Rich::plain_text(&w.title)).filter(|t| !t.plain().is_empty()),
                authors: w
                    .authors
                    .iter()
                    .map(|n| match &n.given {
                        Some(g) => Person {
                            family: n.family.clone(),
                            given: Some(g.clone()),
                            prefix: None,
                            suffix: None,
                            literal: false,
                        },
                        None => Person::literal(&n.family),
                    })
                    .collect(),
                date: w.year.map(|year| Date { year, month: None, day: None, approximate: false }),
                ..Meta::default()
            },
        };
        m.key = w.key.v.clone();
        if !w.raw.is_empty() {
            supplement_from_biblatex(&mut m, &w.raw);
            m.untex();
        }
        m
    }

    /// Plain text for what came from TeX: quotes and ties.
    fn untex(&mut self) {
        for r in [&mut self.title, &mut self.container].into_iter().flatten() {
            for (s, _) in &mut r.0 {
                *s = untex(s);
            }
        }
        for p in self.authors.iter_mut().chain(self.editors.iter_mut()) {
            p.family = untex(&p.family);
            p.given = p.given.as_deref().map(untex);
        }
        for s in [
            &mut self.series,
            &mut self.publisher,
            &mut self.place,
            &mut self.institution,
            &mut self.genre,
            &mut self.note,
            &mut self.abstract_,
        ]
        .into_iter()
        .flatten()
        {
            *s = untex(s);
        }
    }
}

/// TeX quotes to typographic ones, ties to spaces.
fn untex(s: &str) -> String {
    s.replace("``", "\u{201c}")
        .replace("'''", "'\u{201d}")
        .replace("''", "\u{201d}")
        .replace('`', "\u{2018}")
        .replace('~', " ")
}

fn rich(f: &FormatString) -> Rich {
    Rich(f.value.0.iter().map(|c| (c.to_string(), c.kind == ChunkKind::Verbatim)).collect())
}

fn text(f: &FormatString) -> String {
    f.to_string()
}

fn person(p: &HPerson) -> Person {
    let given = p.given_name.clone().filter(|g| !g.is_empty());
    let literal = given.is_none() && p.prefix.is_none() && p.name.contains(char::is_whitespace);
    Person {
        family: p.name.clone(),
        given,
        prefix: p.prefix.clone().filter(|x| !x.is_empty()),
        suffix: p.suffix.clone().filter(|x| !x.is_empty()),
        literal,
    }
}

fn date(d: &hayagriva::types::Date) -> Date {
    Date {
        year: d.year,
        month: d.month.map(|m| m + 1),
        day: d.month.and(d.day).map(|x| x + 1),
        approximate: d.approximate,
    }
}

fn numeric<T: std::fmt::Display>(v: &MaybeTyped<T>) -> String {
    v.to_string()
}

fn kind_of(e: &hayagriva::Entry, container: Option<&hayagriva::Entry>) -> Kind {
    use EntryType as T;
    match e.entry_type() {
        T::Article => match container.map(|c| *c.entry_type()) {
            Some(T::Newspaper) => Kind::Newspaper,
            Some(T::Proceedings | T::Conference) => Kind::Conference,
            Some(T::Blog | T::Web) => Kind::Web,
            Some(T::Book | T::Anthology) => Kind::InCollection,
            Some(T::Reference) => Kind::EncyclopediaEntry,
            _ => Kind::Article,
        },
        T::Chapter => Kind::Chapter,
        T::Anthos => Kind::InCollection,
        T::Entry => Kind::EncyclopediaEntry,
        T::Book if e.authors().is_none_or(|a| a.is_empty()) && e.editors().is_some_and(|x| !x.is_empty()) => {
            Kind::Collection
        }
        T::Book => Kind::Book,
        T::Anthology => Kind::Collection,
        T::Proceedings => Kind::Proceedings,
        T::Report => Kind::Report,
        T::Thesis => Kind::Thesis,
        T::Web | T::Blog | T::Post | T::Thread => Kind::Web,
        T::Manuscript => Kind::Manuscript,
        T::Periodical | T::Newspaper => Kind::Periodical,
        T::Reference => Kind::Reference,
        T::Patent => Kind::Patent,
        T::Repository => Kind::Dataset,
        _ => Kind::Misc,
    }
}

/// The work a record appears in, after CSL's rules (hayagriva keeps the
/// journal of an article, the book of a chapter ... as a parent record).
fn container_of(e: &hayagriva::Entry) -> Option<&hayagriva::Entry> {
    use EntryType as T;
    let prefs: &[T] = match e.entry_type() {
        T::Article => &[
            T::Periodical,
            T::Newspaper,
            T::Proceedings,
            T::Conference,
            T::Book,
            T::Anthology,
            T::Blog,
            T::Reference,
            T::Web,
        ],
        T::Chapter | T::Anthos | T::Case => &[T::Book, T::Anthology, T::Reference, T::Report, T::Proceedings],
        T::Entry => &[T::Reference, T::Book, T::Anthology, T::Web],
        T::Report => &[T::Book, T::Anthology],
        T::Web => &[T::Web, T::Blog],
        T::Post | T::Thread => &[T::Thread, T::Blog, T::Web],
        _ => &[],
    };
    prefs.iter().find_map(|t| e.parents().iter().find(|p| p.entry_type() == t && p.title().is_some()))
}

/// The title of the series a record belongs to: a parent of its own type.
fn series_of(x: &hayagriva::Entry) -> Option<&FormatString> {
    x.parents().iter().find(|p| p.entry_type() == x.entry_type() && p.title().is_some()).and_then(|p| p.title())
}

fn from_record(e: &hayagriva::Entry) -> Meta {
    let container = container_of(e);
    let series = series_of(e).or_else(|| container.and_then(series_of)).map(text);
    let publisher = e.map(|x| x.publisher());
    let pages = e.page_range().map(|p| match p {
        MaybeTyped::Typed(r) => match r.ranges.as_slice() {
            [PageRangesPart::Range(a, b) | PageRangesPart::EscapedRange(a, b)] => {
                Pages { first: a.to_string(), last: Some(b.to_string()) }
            }
            _ => Pages { first: r.to_string(), last: None },
        },
        MaybeTyped::String(s) => Pages { first: s.clone(), last: None },
    });
    let number = e.keyed_serial_number("serial").map(str::to_string);
    Meta {
        key: e.key().to_string(),
        kind: Some(kind_of(e, container)),
        title: e.title().map(rich),
        authors: e.authors().unwrap_or_default().iter().map(person).collect(),
        editors: e.editors().unwrap_or_default().iter().map(person).collect(),
        date: e.date_any().map(date),
        container: container.and_then(|c| c.title()).map(rich),
        series,
        volume: e.map(|x| x.volume()).map(numeric),
        issue: e.map(|x| x.issue()).map(numeric),
        edition: e.map(|x| x.edition()).map(numeric),
        pages,
        publisher: publisher.and_then(|p| p.name()).map(text),
        place: publisher.and_then(|p| p.location()).or_else(|| e.location()).map(text),
        institution: e.map(|x| x.organization()).map(text),
        genre: e.genre().map(text).map(|g| genre(&g)),
        number,
        doi: e.doi().map(str::to_string),
        isbn: e.map(|x| x.isbn()).map(str::to_string),
        issn: e.map(|x| x.issn()).map(str::to_string),
        url: e.url().map(|u| u.value.as_str().to_string()),
        urldate: e.url().and_then(|u| u.visit_date.as_ref()).map(date),
        note: e.note().map(text),
        abstract_: e.abstract_().map(text),
        language: e.language().map(|l| l.to_string()),
    }
}

/// BibLaTeX's localisation keys for thesis and report types, in words.
fn genre(g: &str) -> String {
    match g {
        "phdthesis" => "PhD thesis",
        "mathesis" => "Master's thesis",
        "candthesis" => "Candidate thesis",
        "techreport" => "Technical report",
        "resreport" => "Research report",
        _ => g,
    }
    .to_string()
}

/// Fields of a BibLaTeX record that hayagriva does not keep.
fn supplement_from_biblatex(m: &mut Meta, raw: &str) {
    let Ok(bib) = biblatex::Bibliography::parse(raw) else { return };
    let Some(entry) = bib.iter().next() else { return };
    let field = |name: &str| entry.get(name).map(|c| c.format_verbatim()).filter(|s| !s.trim().is_empty());
    if let (Some(sub), Some(title)) = (field("subtitle"), m.title.as_mut()) {
        let plain = title.plain();
        if !plain.contains(&sub) {
            let sep = if plain.ends_with(['?', '!', '.', ':']) { " " } else { ": " };
            title.push(sep);
            title.push(&sub);
        }
    }
    if m.container.is_none() {
        if let Some(j) = field("journaltitle").or_else(|| field("journal")) {
            m.container = Some(Rich::plain_text(&j));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(name: &str) -> (Option<String>, Option<String>, String, bool) {
        let p = Person::from_display(name);
        (p.given, p.prefix, p.family, p.literal)
    }

    #[test]
    fn names_written_for_print_are_split_only_when_they_are_personal() {
        let s = |x: &str| Some(x.to_string());
        assert_eq!(split("Aurélie Campana"), (s("Aurélie"), None, "Campana".into(), false));
        assert_eq!(split("Campana, Aurélie"), (s("Aurélie"), None, "Campana".into(), false));
        assert_eq!(split("J. Otto  Pohl"), (s("J. Otto"), None, "Pohl".into(), false));
        assert_eq!(split("Ludwig van Beethoven"), (s("Ludwig"), s("van"), "Beethoven".into(), false));
        for whole in ["attest sample editors", "Institute for the Study of the USSR", "Human Rights Watch", "Plato"] {
            assert_eq!(split(whole), (None, None, whole.into(), true), "{whole}");
        }
        assert!(Person::is_corporate("attest sample editors"));
        assert!(!Person::is_corporate("Aurélie Campana"));
    }

    #[test]
    fn tex_quotes_become_typographic() {
        assert_eq!(untex("``Ikh nado deportirovat'''"), "\u{201c}Ikh nado deportirovat'\u{201d}");
        assert_eq!(untex("a~b `c'"), "a b \u{2018}c'");
    }
}
