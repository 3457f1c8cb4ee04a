//! Checks: pure functions from the [`Corpus`] to diagnostics.
//!
//! Parsing has already reported what is wrong inside a single value (a date
//! that is not EDTF, an unknown field). The checks here look across values
//! and files, the way a compiler resolves names after parsing: citations
//! against the bibliography, figure references against the figures, place ids
//! against the gazetteer, links against the entries, required sections
//! against the configuration, and public material against restricted
//! material. No I/O: the same checks serve the CLI, the server and the
//! site builder.

mod citations;
pub use citations::{cited_keys, fold, is_year_mismatch};
mod entries;
mod places;
mod restricted;

use std::collections::HashMap;

use crate::diag::{Diagnostic, Severity};
use crate::model::{Corpus, Entry, Place, Work};
use crate::source::SourceSet;

/// Lookup tables shared by the checks.
pub struct Index<'a> {
    /// The corpus.
    pub corpus: &'a Corpus,
    /// The source files (for pointing at the first of two definitions).
    pub sources: &'a SourceSet,
    /// Works by key (first definition).
    pub works: HashMap<&'a str, &'a Work>,
    /// Places by id (first definition).
    pub places: HashMap<&'a str, &'a Place>,
    /// Entries by slug.
    pub entries: HashMap<&'a str, &'a Entry>,
}

impl<'a> Index<'a> {
    /// Builds the lookup tables.
    pub fn new(corpus: &'a Corpus, sources: &'a SourceSet) -> Self {
        let mut works = HashMap::new();
        for w in &corpus.works {
            works.entry(w.key.v.as_str()).or_insert(w);
        }
        let mut places = HashMap::new();
        for p in &corpus.places {
            places.entry(p.id.v.as_str()).or_insert(p);
        }
        let entries = corpus.entries.iter().map(|e| (e.slug.as_str(), e)).collect();
        Index { corpus, sources, works, places, entries }
    }

    /// "line 12 of bibliography/works.bib", for hints about another place.
    pub fn locate(&self, file: crate::source::FileId, offset: usize) -> String {
        let f = self.sources.get(file);
        let (line, _) = f.line_col(offset);
        format!("{}:{line}", f.path)
    }
}

/// Runs every check. Entries are checked in parallel; the result is in a
/// stable order (by file, then position, then code).
pub fn run(corpus: &Corpus, sources: &SourceSet) -> Vec<Diagnostic> {
    use rayon::prelude::*;
    let idx = Index::new(corpus, sources);
    let mut out: Vec<Diagnostic> = corpus
        .entries
        .par_iter()
        .flat_map_iter(|e| {
            let mut d = Vec::new();
            entries::check_entry(&idx, e, &mut d);
            citations::check_entry(&idx, e, &mut d);
            restricted::check_entry(&idx, e, &mut d);
            d
        })
        .collect();
    citations::check_bibliography(&idx, &mut out);
    places::check_gazetteer(&idx, &mut out);
    sort(&mut out);
    out
}

/// Sorts diagnostics by file, position, severity (errors first) and code,
/// and removes exact duplicates.
pub fn sort(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| {
        (a.file, a.span.start, std::cmp::Reverse(a.severity), a.code, &a.message).cmp(&(
            b.file,
            b.span.start,
            std::cmp::Reverse(b.severity),
            b.code,
            &b.message,
        ))
    });
    diags.dedup();
}

/// Counts errors and warnings.
pub fn count(diags: &[Diagnostic]) -> (usize, usize) {
    let e = diags.iter().filter(|d| d.severity == Severity::Error).count();
    (e, diags.len() - e)
}
