//! What a reader asks: the [`Query`] with its filters, the reading of its
//! text into words and quoted phrases, periods written in EDTF, and the
//! tantivy query built from them.

use std::collections::BTreeMap;
use std::ops::Bound;

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, FuzzyTermQuery, Occur, PhraseQuery,
    Query as TantivyQuery, RangeQuery, TermQuery,
};
use tantivy::schema::{Facet, Field, IndexRecordOption};
use tantivy::{Searcher, Term};

use super::tokenizer::keys;
use super::Fields;
use crate::parse::edtf::{self, Day};

/// One search: words to find and filters to narrow by. Every filter set
/// must hold; `Query::default()` lists every document.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    /// What the reader typed: words (all must match, each also by prefix
    /// and, when long enough, with a typo) and `"quoted phrases"`.
    pub text: String,
    /// Only documents of this kind (`case-study`, `event`, `place`, ...).
    pub kind: Option<String>,
    /// Only documents about this gazetteer place or a place inside it.
    pub place: Option<String>,
    /// Only documents whose period overlaps these days (see
    /// [`parse_period`]); documents without a period are left out.
    pub period: Option<(Day, Day)>,
    /// Only documents by this author, matched folded (`Наймарк` finds
    /// Naimark), all of its words in order.
    pub author: Option<String>,
    /// Only documents in this language (`en`, `ru`, ...).
    pub language: Option<String>,
    /// How many hits to return, at most [`MAX_LIMIT`]; 0 returns only the
    /// total and the facets.
    pub limit: usize,
    /// How many hits to skip (for pages of results).
    pub offset: usize,
}

/// The most hits one search returns, whatever [`Query::limit`] asks.
pub const MAX_LIMIT: usize = 1000;

/// Words of the query text past this many are ignored.
pub const MAX_WORDS: usize = 32;

/// Reads a period filter: an EDTF date or interval (`1944`, `1944-02`,
/// `1944-02-23`, `1944~`, `194X`, `1943/1945`, `../1945`), or two of them
/// joined by `..` (`1943..1945`), either side empty for an open end
/// (`..1945`, `1943..`). `None` for text that is none of these, for a
/// period open at both ends, and for one that ends before it starts.
pub fn parse_period(s: &str) -> Option<(Day, Day)> {
    let s = s.trim();
    let bounds = match s.split_once("..") {
        // `../1945` and `1943/..` are EDTF intervals, read as such below.
        Some((from, to)) if !s.contains('/') => {
            let from = from.trim();
            let to = to.trim();
            let earliest = if from.is_empty() { Day::MIN } else { edtf::parse(from).ok()?.earliest()? };
            let latest = if to.is_empty() { Day::MAX } else { edtf::parse(to).ok()?.latest()? };
            (earliest, latest)
        }
        _ => edtf::parse(s).ok()?.sort_key(),
    };
    (bounds != (Day::MIN, Day::MAX) && bounds.0 <= bounds.1).then_some(bounds)
}

/// A day as the number filed in the index: `year*10000 + month*100 + day`,
/// which sorts like the day. Years are clamped to eight digits so that open
/// ends ([`Day::MIN`], [`Day::MAX`]) fit.
pub(crate) fn day_number(d: Day) -> i64 {
    const YEARS: i64 = 99_999_999;
    d.year.clamp(-YEARS, YEARS) * 10_000 + i64::from(d.month) * 100 + i64::from(d.day)
}

/// One part of the query text that a document must match.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Clause {
    /// A word, by its key: matched exactly, by prefix, or with a typo.
    Word(String),
    /// Quoted words, in order and next to each other; one quoted word is
    /// matched exactly only.
    Phrase(Vec<String>),
}

/// Cuts the query text into words and phrases. Straight double quotes open
/// and close phrases (an unclosed quote runs to the end); nothing else is
/// syntax, so no text can be an error. Repeated words count once.
pub(crate) fn clauses(text: &str) -> Vec<Clause> {
    let mut out: Vec<Clause> = Vec::new();
    let mut words = 0;
    for (i, part) in text.split('"').enumerate() {
        let mut ks = keys(part);
        ks.truncate(MAX_WORDS.saturating_sub(words));
        words += ks.len();
        if i % 2 == 1 {
            if !ks.is_empty() && !out.contains(&Clause::Phrase(ks.clone())) {
                out.push(Clause::Phrase(ks));
            }
        } else {
            for k in ks {
                let c = Clause::Word(k);
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
    }
    out
}

/// How many edits a word may be off by: none under 4 letters (too many
/// short words are one letter apart), 1 up to 6, 2 from 7 (`Nairmak` is
/// two edits from `Naimark`). Counted on the folded key.
pub(crate) fn fuzzy_distance(key: &str) -> u8 {
    match key.chars().count() {
        0..=3 => 0,
        4..=6 => 1,
        _ => 2,
    }
}

/// Weights of the searched fields: a match in the title counts most.
pub(crate) fn weighted_fields(f: &Fields) -> [(Field, f32); 4] {
    [(f.title, 3.0), (f.section, 1.5), (f.text, 1.0), (f.authors, 1.0)]
}

/// Scores of the three ways a word matches, as multiples of the field
/// weight. Exact matches score by BM25 on top of the prefix and fuzzy
/// constants (an exact key is also its own prefix and within any distance
/// of itself), so they rank first; prefixes rank above typos.
const PREFIX_SCORE: f32 = 0.5;
const FUZZY_SCORE: f32 = 0.2;

fn boxed(q: impl TantivyQuery) -> Box<dyn TantivyQuery> {
    Box::new(q)
}

fn word_query(fields: &Fields, key: &str) -> Box<dyn TantivyQuery> {
    let mut any = Vec::new();
    for (field, weight) in weighted_fields(fields) {
        let term = Term::from_field_text(field, key);
        any.push((
            Occur::Should,
            boxed(BoostQuery::new(boxed(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)), weight)),
        ));
        any.push((
            Occur::Should,
            boxed(BoostQuery::new(boxed(FuzzyTermQuery::new_prefix(term.clone(), 0, true)), weight * PREFIX_SCORE)),
        ));
        let d = fuzzy_distance(key);
        if d > 0 {
            any.push((
                Occur::Should,
                boxed(BoostQuery::new(boxed(FuzzyTermQuery::new(term, d, true)), weight * FUZZY_SCORE)),
            ));
        }
    }
    boxed(BooleanQuery::new(any))
}

fn phrase_query(fields: &Fields, keys: &[String]) -> Box<dyn TantivyQuery> {
    let mut any = Vec::new();
    for (field, weight) in weighted_fields(fields) {
        let terms: Vec<Term> = keys.iter().map(|k| Term::from_field_text(field, k)).collect();
        let q = if terms.len() == 1 {
            boxed(TermQuery::new(terms[0].clone(), IndexRecordOption::WithFreqs))
        } else {
            boxed(PhraseQuery::new(terms))
        };
        any.push((Occur::Should, boxed(BoostQuery::new(q, weight))));
    }
    boxed(BooleanQuery::new(any))
}

/// A value that is set and not blank (a form sends empty fields).
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// A filter on one facet value, scoring nothing.
fn facet_filter(fields: &Fields, group: &str, value: &str) -> Box<dyn TantivyQuery> {
    let term = Term::from_facet(fields.facet, &facet(group, value));
    boxed(TermQuery::new(term, IndexRecordOption::Basic))
}

/// The facet path of one value: `/group/value`.
pub(crate) fn facet(group: &str, value: &str) -> Facet {
    // Tantivy separates path steps with NUL; a value cannot contain one.
    let value = value.replace('\0', "");
    Facet::from_path([group, value.as_str()])
}

/// The filters of a query, each a clause every hit must satisfy.
fn filters(fields: &Fields, q: &Query) -> Vec<Box<dyn TantivyQuery>> {
    let mut out = Vec::new();
    if let Some(kind) = given(&q.kind) {
        out.push(facet_filter(fields, "kind", kind));
    }
    if let Some(place) = given(&q.place) {
        out.push(facet_filter(fields, "place", place));
    }
    if let Some(lang) = given(&q.language) {
        out.push(facet_filter(fields, "language", lang));
    }
    if let Some(author) = given(&q.author) {
        let ks = keys(author);
        out.push(match ks.len() {
            0 => boxed(EmptyQuery),
            1 => boxed(TermQuery::new(Term::from_field_text(fields.authors, &ks[0]), IndexRecordOption::Basic)),
            _ => boxed(PhraseQuery::new(ks.iter().map(|k| Term::from_field_text(fields.authors, k)).collect())),
        });
    }
    if let Some((from, to)) = q.period {
        // Overlap: the document starts before the period ends and ends
        // after it starts.
        out.push(boxed(RangeQuery::new(
            Bound::Unbounded,
            Bound::Included(Term::from_field_i64(fields.earliest, day_number(to))),
        )));
        out.push(boxed(RangeQuery::new(
            Bound::Included(Term::from_field_i64(fields.latest, day_number(from))),
            Bound::Unbounded,
        )));
    }
    out
}

/// The whole tantivy query: every clause and every filter must hold;
/// filters do not change scores. No clause and no filter matches every
/// document.
pub(crate) fn build(fields: &Fields, q: &Query, clauses: &[Clause]) -> Box<dyn TantivyQuery> {
    let mut all: Vec<(Occur, Box<dyn TantivyQuery>)> = clauses
        .iter()
        .map(|c| {
            let q = match c {
                Clause::Word(k) => word_query(fields, k),
                Clause::Phrase(ks) => phrase_query(fields, ks),
            };
            (Occur::Must, q)
        })
        .collect();
    all.extend(filters(fields, q).into_iter().map(|f| (Occur::Must, boxed(ConstScoreQuery::new(f, 0.0)))));
    if clauses.is_empty() {
        all.push((Occur::Must, boxed(AllQuery)));
    }
    boxed(BooleanQuery::new(all))
}

/// The keys to highlight in one field: each word's exact key, the indexed
/// keys it is a prefix of or a typo away from (as found by the same
/// automata the query runs), and the phrases' keys. Values rank the
/// fragments a snippet is cut from.
pub(crate) fn highlight_terms(
    searcher: &Searcher,
    field: Field,
    clauses: &[Clause],
) -> tantivy::Result<BTreeMap<String, f32>> {
    // A one-letter prefix can stand for thousands of keys; the snippet
    // needs the ones its document has, which are nearly always among the
    // first few hundred.
    const MAX_EXPANSIONS: usize = 300;
    let mut out = BTreeMap::new();
    for c in clauses {
        match c {
            Clause::Phrase(ks) => {
                for k in ks {
                    out.insert(k.clone(), 1.0);
                }
            }
            Clause::Word(k) => {
                let term = Term::from_field_text(field, k);
                let d = fuzzy_distance(k);
                let mut automata = vec![(FuzzyTermQuery::new_prefix(term.clone(), 0, true), PREFIX_SCORE)];
                if d > 0 {
                    automata.push((FuzzyTermQuery::new(term, d, true), FUZZY_SCORE));
                }
                for (q, score) in automata {
                    let automaton = q.automaton()?;
                    let mut found = 0;
                    for segment in searcher.segment_readers() {
                        let inverted = segment.inverted_index(field)?;
                        let mut stream = inverted.terms().search(&automaton).into_stream()?;
                        while found < MAX_EXPANSIONS && stream.advance() {
                            if let Ok(key) = std::str::from_utf8(stream.key()) {
                                let e = out.entry(key.to_string()).or_insert(score);
                                *e = e.max(score);
                                found += 1;
                            }
                        }
                    }
                }
                out.insert(k.clone(), 1.0);
            }
        }
    }
    Ok(out)
}
