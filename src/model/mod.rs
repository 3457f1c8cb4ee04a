//! The content model: what attest understands of an encyclopedia.
//!
//! Plain data, no I/O and no parsing: an [`Entry`] with its prose structure
//! ([`Body`]) and its data ([`Figure`]s with competing [`Estimate`]s,
//! [`Event`]s, [`Position`]s, [`Testimony`]s), the [`Work`]s of the
//! bibliography and the [`Place`]s of the gazetteer, gathered in a
//! [`Corpus`]. Every item keeps the byte span it came from, so checks can
//! point at it. Dates are [`Edtf`] values and citations [`Citation`]s, the
//! value types of the low-level parsers.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::config::Config;
pub use crate::parse::citation::{Citation, CiteItem, Locator};
pub use crate::parse::edtf::Edtf;
use crate::source::FileId;

/// A value with the byte range it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Sp<T> {
    /// The value.
    pub v: T,
    /// Where it was written.
    pub span: Range<usize>,
}

impl<T> Sp<T> {
    /// Wraps a value with its span.
    pub fn new(v: T, span: Range<usize>) -> Self {
        Sp { v, span }
    }
}

/// A date field: the text as written and, when it is valid EDTF, its value.
#[derive(Debug, Clone, PartialEq)]
pub struct DateField {
    /// As written.
    pub raw: String,
    /// Parsed value; `None` when invalid (a `date.invalid` was reported).
    pub edtf: Option<Edtf>,
    /// Where it was written.
    pub span: Range<usize>,
}

macro_rules! kebab_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $s)] $var),+ }
        impl $name {
            /// Every value, in documentation order.
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            /// The name as written in the sources.
            pub fn as_str(self) -> &'static str { match self { $($name::$var => $s),+ } }
            /// Reads the name as written in the sources.
            pub fn from_name(s: &str) -> Option<Self> { match s { $($s => Some($name::$var),)+ _ => None } }
            /// All names, for error messages.
            pub fn names() -> Vec<&'static str> { Self::ALL.iter().map(|v| v.as_str()).collect() }
        }
    };
}

kebab_enum!(
    /// What kind of text an entry is.
    EntryKind {
        /// A full case study with the fixed section template.
        CaseStudy = "case-study",
        /// A dated list of events.
        Chronology = "chronology",
        /// An edited primary document.
        Document = "document",
        /// An essay or short article.
        Essay = "essay",
    }
);

kebab_enum!(
    /// Editorial status of an entry.
    Status {
        /// Being written.
        Draft = "draft",
        /// With the referees.
        InReview = "in-review",
        /// Published.
        Published = "published",
        /// Withdrawn by the editors: still online, with a notice, so that
        /// citations of it resolve.
        Withdrawn = "withdrawn",
    }
);

impl Status {
    /// Whether an entry in this status is on the public site whatever
    /// the site's `drafts` setting: published and withdrawn entries.
    pub fn is_public(self) -> bool {
        matches!(self, Status::Published | Status::Withdrawn)
    }
}

kebab_enum!(
    /// Who may see a piece of content.
    Access {
        /// Anyone.
        Public = "public",
        /// Only readers granted access; never on a public page, export,
        /// search result or API answer.
        Restricted = "restricted",
    }
);

kebab_enum!(
    /// What an estimate rests on.
    Basis {
        /// An official document (reports, decrees, registers).
        OfficialDocument = "official-document",
        /// A census.
        Census = "census",
        /// A survey.
        Survey = "survey",
        /// A demographic projection.
        DemographicProjection = "demographic-projection",
        /// Testimonies.
        Testimony = "testimony",
        /// An impression, with no count behind it.
        Impression = "impression",
        /// A scholar's estimate from several sources.
        ScholarlyEstimate = "scholarly-estimate",
        /// Press or media reports.
        MediaReport = "media-report",
        /// Anything else (say what in the note).
        Other = "other",
    }
);

kebab_enum!(
    /// How an estimate ranks among those of its figure.
    Rank {
        /// The editors' preferred estimate(s).
        Preferred = "preferred",
        /// An estimate standing beside the others.
        Normal = "normal",
        /// Superseded: kept and shown on request, never deleted.
        Deprecated = "deprecated",
    }
);

kebab_enum!(
    /// An editor's grade of an estimate's reliability.
    Reliability {
        /// Well supported.
        High = "high",
        /// Plausible, partly supported.
        Medium = "medium",
        /// Weakly supported.
        Low = "low",
    }
);

kebab_enum!(
    /// How precise a place's coordinates are, after UCDP's `where_prec`.
    Precision {
        /// The exact spot (UCDP 1).
        Exact = "exact",
        /// Within about 25 km (UCDP 2).
        Locality = "locality",
        /// A district / second-order division (UCDP 3).
        District = "district",
        /// A province / first-order division (UCDP 4).
        Province = "province",
        /// A country (UCDP 6).
        Country = "country",
        /// A larger region (UCDP 7).
        Region = "region",
    }
);

kebab_enum!(
    /// What sort of place a gazetteer record is.
    PlaceKind {
        /// A city.
        City = "city",
        /// A town.
        Town = "town",
        /// A village.
        Village = "village",
        /// A site (a building, a valley, a killing site).
        Site = "site",
        /// A camp or special settlement.
        Camp = "camp",
        /// A railway station.
        Station = "station",
        /// A district.
        District = "district",
        /// A province, oblast or krai.
        Province = "province",
        /// A republic (ASSR, SSR).
        Republic = "republic",
        /// A country.
        Country = "country",
        /// A larger region.
        Region = "region",
    }
);

impl PlaceKind {
    /// Whether the place is a point on a map (and so needs coordinates).
    pub fn is_point(self) -> bool {
        matches!(
            self,
            PlaceKind::City
                | PlaceKind::Town
                | PlaceKind::Village
                | PlaceKind::Site
                | PlaceKind::Camp
                | PlaceKind::Station
        )
    }
}

/// An author of an entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Author {
    /// Name as it is to be printed.
    pub name: String,
    /// Institution.
    pub affiliation: Option<String>,
    /// ORCID iD.
    pub orcid: Option<String>,
}

/// What a figure counts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Measure {
    /// What is counted ("people deported").
    pub what: String,
    /// Of whom.
    pub who: Option<String>,
    /// Where, in words.
    pub where_: Option<String>,
    /// Where, as gazetteer ids.
    pub places: Vec<Sp<String>>,
    /// Over which period.
    pub period: Option<DateField>,
}

/// The unit of a figure's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    /// A percentage, 0 to 100.
    Percent,
    /// A share, 0 to 1.
    Share,
    /// A count of the named things ("people", "convoys").
    Count(String),
}

/// One estimate of a figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Id within the figure.
    pub id: Sp<String>,
    /// A single value.
    pub value: Option<Sp<f64>>,
    /// Lower end of a range ("at least" alone).
    pub low: Option<Sp<f64>>,
    /// Upper end of a range ("up to" alone).
    pub high: Option<Sp<f64>>,
    /// "About".
    pub approximate: bool,
    /// The period the estimate covers.
    pub period: Option<DateField>,
    /// The work(s) giving it, with locators.
    pub source: Option<Sp<Citation>>,
    /// Who gives it, when no work can be cited.
    pub attribution: Option<String>,
    /// What it rests on.
    pub basis: Option<Basis>,
    /// The source's own wording.
    pub wording: Option<String>,
    /// Editors' grade.
    pub reliability: Option<Reliability>,
    /// Why that grade.
    pub reliability_note: Option<String>,
    /// Any other note.
    pub note: Option<String>,
    /// Rank among the figure's estimates.
    pub rank: Rank,
    /// False while the value is still to be checked against its source.
    pub verified: bool,
    /// What is to be checked.
    pub verify_note: Option<String>,
    /// Visibility.
    pub access: Access,
    /// The whole estimate.
    pub span: Range<usize>,
}

/// A figure: a measure and its competing estimates.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// Id within the entry, used as `{fig:ID}` in prose.
    pub id: Sp<String>,
    /// What is counted.
    pub measure: Measure,
    /// Unit of the values.
    pub unit: Unit,
    /// The estimates, side by side.
    pub estimates: Vec<Estimate>,
    /// Visibility.
    pub access: Access,
    /// Editors' note.
    pub note: Option<String>,
    /// The whole figure.
    pub span: Range<usize>,
}

/// A dated event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Id within the entry.
    pub id: Sp<String>,
    /// EDTF date or interval.
    pub date: Option<DateField>,
    /// What happened, in a line.
    pub label: String,
    /// Longer text.
    pub description: Option<String>,
    /// Gazetteer ids.
    pub places: Vec<Sp<String>>,
    /// Citations.
    pub sources: Vec<Sp<Citation>>,
    /// Who reports it, when no work can be cited.
    pub attribution: Option<String>,
    /// False while still to be checked.
    pub verified: bool,
    /// Visibility.
    pub access: Access,
    /// The whole event.
    pub span: Range<usize>,
}

/// Who holds a position: a work, or a named body or person.
#[derive(Debug, Clone, PartialEq)]
pub struct Holder {
    /// A work holding the position.
    pub cite: Option<Sp<Citation>>,
    /// A named body or person.
    pub name: Option<String>,
    /// When they took it.
    pub date: Option<DateField>,
    /// Where that is documented.
    pub source: Option<Sp<Citation>>,
    /// A note.
    pub note: Option<String>,
    /// The whole holder.
    pub span: Range<usize>,
}

/// A position on a debated qualification.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    /// Id within the entry.
    pub id: Sp<String>,
    /// The debate it belongs to.
    pub question: Option<String>,
    /// The qualification ("genocide").
    pub qualification: String,
    /// The argument in a sentence.
    pub argument: String,
    /// Who holds it.
    pub holders: Vec<Holder>,
    /// Visibility.
    pub access: Access,
    /// The whole position.
    pub span: Range<usize>,
}

/// A testimony.
#[derive(Debug, Clone, PartialEq)]
pub struct Testimony {
    /// Id within the entry.
    pub id: Sp<String>,
    /// The witness, as they may be named.
    pub witness: String,
    /// Who the witness was.
    pub role: Option<String>,
    /// When the testimony was given.
    pub date: Option<DateField>,
    /// Ids of the events it concerns.
    pub about: Vec<Sp<String>>,
    /// Where it is published or kept.
    pub source: Option<Sp<Citation>>,
    /// Visibility, always stated explicitly.
    pub access: Access,
    /// What it says, in the editors' words.
    pub summary: Option<String>,
    /// The whole testimony.
    pub span: Range<usize>,
}

/// A `##` section (or deeper heading) of an entry's body.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Heading level (2 for sections).
    pub level: u8,
    /// Heading text.
    pub title: String,
    /// Stable anchor (explicit `{#id}` or derived from the text).
    pub anchor: String,
    /// Marked `{.restricted}`.
    pub restricted: bool,
    /// The heading line.
    pub span: Range<usize>,
    /// From the heading to the next heading of the same or a higher level.
    pub extent: Range<usize>,
}

/// A `{fig:ID}` or `{fig:ID.ESTIMATE}` reference in prose.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureRef {
    /// The figure id.
    pub figure: String,
    /// An estimate id.
    pub estimate: Option<String>,
    /// Where it is written.
    pub span: Range<usize>,
}

/// A link to another entry.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryLink {
    /// The slug linked to.
    pub slug: String,
    /// An anchor in it.
    pub anchor: Option<String>,
    /// Where the link is written.
    pub span: Range<usize>,
}

/// The structure of an entry's Markdown body.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Body {
    /// Byte offset where the body starts in the file.
    pub start: usize,
    /// Headings in order.
    pub sections: Vec<Section>,
    /// Citations in the prose (spans absolute in the file).
    pub citations: Vec<Citation>,
    /// Figure references.
    pub figure_refs: Vec<FigureRef>,
    /// Links to other entries.
    pub links: Vec<EntryLink>,
    /// Restricted passages: restricted sections and `::: restricted` divs.
    pub restricted: Vec<Range<usize>>,
}

impl Body {
    /// Whether a byte offset lies in a restricted passage.
    pub fn is_restricted_at(&self, offset: usize) -> bool {
        self.restricted.iter().any(|r| r.contains(&offset))
    }
}

/// One entry of the encyclopedia.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The file it was read from.
    pub file: FileId,
    /// File name without `.md`.
    pub slug: String,
    /// Title.
    pub title: Sp<String>,
    /// Kind, if valid.
    pub kind: Option<Sp<EntryKind>>,
    /// Editorial status, if valid.
    pub status: Option<Sp<Status>>,
    /// Authors.
    pub authors: Vec<Author>,
    /// BCP 47 language tag.
    pub language: String,
    /// First publication date.
    pub published: Option<DateField>,
    /// Last modification date.
    pub modified: Option<DateField>,
    /// When it was written.
    pub written: Option<DateField>,
    /// Period covered.
    pub period: Option<DateField>,
    /// Gazetteer ids.
    pub places: Vec<Sp<String>>,
    /// Keywords.
    pub tags: Vec<String>,
    /// Summary paragraph.
    pub summary: Option<String>,
    /// Visibility of the whole entry.
    pub access: Access,
    /// Works in the bibliography without an in-text citation.
    pub nocite: Vec<Sp<String>>,
    /// Related entries.
    pub related: Vec<Sp<String>>,
    /// Figures.
    pub figures: Vec<Figure>,
    /// Events.
    pub events: Vec<Event>,
    /// Positions on debated qualifications.
    pub positions: Vec<Position>,
    /// Testimonies.
    pub testimonies: Vec<Testimony>,
    /// Prose structure.
    pub body: Body,
    /// Span of the front matter (for diagnostics about the entry as a whole).
    pub front_matter: Range<usize>,
}

impl Entry {
    /// Every citation of the entry in reading order: the prose first, then
    /// the data (estimates, events, positions, testimonies). Checks resolve
    /// them and the renderer registers them with the citation engine in
    /// this order.
    pub fn citations(&self) -> Vec<&Citation> {
        let mut v: Vec<&Citation> = self.body.citations.iter().collect();
        for f in &self.figures {
            v.extend(f.estimates.iter().filter_map(|x| x.source.as_ref()).map(|s| &s.v));
        }
        v.extend(self.events.iter().flat_map(|x| &x.sources).map(|s| &s.v));
        for p in &self.positions {
            for h in &p.holders {
                v.extend(h.cite.iter().chain(&h.source).map(|s| &s.v));
            }
        }
        v.extend(self.testimonies.iter().filter_map(|t| t.source.as_ref()).map(|s| &s.v));
        v
    }
}

/// A personal or corporate name in a bibliography record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Name {
    /// Family name (or the whole corporate name).
    pub family: String,
    /// Given names.
    pub given: Option<String>,
}

/// A work of the bibliography, as far as checks need it. The full record
/// stays in the source file for rendering.
#[derive(Debug, Clone, PartialEq)]
pub struct Work {
    /// Citation key.
    pub key: Sp<String>,
    /// The file it is defined in.
    pub file: FileId,
    /// Entry type as written (`book`, `article`, ...).
    pub kind: String,
    /// Authors (or editors when there are no authors).
    pub authors: Vec<Name>,
    /// Year of publication.
    pub year: Option<i32>,
    /// Title.
    pub title: String,
    /// Visibility (BibLaTeX field `access`).
    pub access: Access,
    /// The whole record.
    pub span: Range<usize>,
    /// The full record for citation formatting and exports (hayagriva's
    /// model); `None` if it could not be converted.
    pub record: Option<hayagriva::Entry>,
    /// The record as written in its file (for BibTeX export of BibLaTeX
    /// records).
    pub raw: String,
}

impl Work {
    /// "Naimark 2001", for hints.
    pub fn short(&self) -> String {
        let who = match self.authors.as_slice() {
            [] => "Anonymous".to_string(),
            [a] => a.family.clone(),
            [a, b] => format!("{} and {}", a.family, b.family),
            [a, ..] => format!("{} et al.", a.family),
        };
        match self.year {
            Some(y) => format!("{who} {y}"),
            None => format!("{who} n.d."),
        }
    }
}

/// A name of a place in one language or script.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaceName {
    /// The name.
    pub name: String,
    /// BCP 47 language.
    pub lang: Option<String>,
    /// ISO 15924 script.
    pub script: Option<String>,
    /// Romanization system (`bgn-pcgn`, `iso9`, `alalc`, ...).
    pub romanization: Option<String>,
    /// The name to show by default.
    pub preferred: bool,
}

/// Decimal degrees, WGS 84.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Coordinates {
    /// Latitude, -90 to 90.
    pub lat: f64,
    /// Longitude, -180 to 180.
    pub lon: f64,
}

/// A place of the gazetteer.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// Id.
    pub id: Sp<String>,
    /// The file it is defined in.
    pub file: FileId,
    /// Kind, if valid.
    pub kind: Option<PlaceKind>,
    /// Names across languages and scripts.
    pub names: Vec<PlaceName>,
    /// Coordinates.
    pub coordinates: Option<Sp<Coordinates>>,
    /// Their precision.
    pub precision: Option<Precision>,
    /// False while the coordinates are to be checked.
    pub verified: bool,
    /// Enclosing place.
    pub part_of: Option<Sp<String>>,
    /// Period of existence under these names.
    pub period: Option<DateField>,
    /// A note.
    pub note: Option<String>,
    /// The whole record.
    pub span: Range<usize>,
}

impl Place {
    /// The name to show.
    pub fn display_name(&self) -> &str {
        self.names.iter().find(|n| n.preferred).or(self.names.first()).map(|n| n.name.as_str()).unwrap_or(&self.id.v)
    }
}

/// An edition already cut: the published entries frozen at
/// `editions/NAME/` (see `attest::edition`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Edition {
    /// Its name, part of its address.
    pub name: String,
    /// The day it was cut, `YYYY-MM-DD`.
    pub date: String,
    /// The slugs of the entries it holds.
    pub entries: Vec<String>,
    /// Number of files.
    pub files: usize,
    /// Hex SHA-256 over its files (see `attest::edition::content_hash`).
    pub sha256: String,
}

/// Everything attest knows about an encyclopedia.
#[derive(Debug, Clone)]
pub struct Corpus {
    /// Site configuration.
    pub config: Config,
    /// The config file.
    pub config_file: FileId,
    /// Entries, in file order.
    pub entries: Vec<Entry>,
    /// Works of the bibliography, in file order.
    pub works: Vec<Work>,
    /// Places of the gazetteer, in file order.
    pub places: Vec<Place>,
}

impl Corpus {
    /// The work with this key (the first one if defined twice).
    pub fn work(&self, key: &str) -> Option<&Work> {
        self.works.iter().find(|w| w.key.v == key)
    }

    /// The place with this id.
    pub fn place(&self, id: &str) -> Option<&Place> {
        self.places.iter().find(|p| p.id.v == id)
    }

    /// The entry with this slug.
    pub fn entry(&self, slug: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.slug == slug)
    }
}
