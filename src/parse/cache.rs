//! Parse results kept from one analysis of a project to the next, so that a
//! server reloading after a save parses only the files whose text changed.
//!
//! A file's result is reused when its path, its place in the source set, its
//! text and the project's default language are all the same as last time.
//! Pure: the cache holds results and a hash of what produced them, and reads
//! nothing from disk.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use crate::diag::Diagnostic;
use crate::source::{FileId, SourceFile};

/// What one parser made of each file, by path.
#[derive(Debug)]
struct Kept<T> {
    by_path: HashMap<String, (u64, T, Vec<Diagnostic>)>,
}

impl<T> Default for Kept<T> {
    fn default() -> Self {
        Kept { by_path: HashMap::new() }
    }
}

/// Parse results of the last analysis (see the module documentation).
#[derive(Debug)]
pub struct ParseCache {
    /// False for a one-off analysis, which has nothing to keep results for.
    keeps: bool,
    entries: Kept<crate::model::Entry>,
    works: Kept<Vec<crate::model::Work>>,
    places: Kept<Vec<crate::model::Place>>,
    /// Files parsed by the last analysis.
    pub parsed: usize,
    /// Files whose earlier result was reused by the last analysis.
    pub reused: usize,
}

/// The key of a file's result: everything the parsers read.
pub(crate) fn key(id: FileId, src: &SourceFile, lang: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (id, src.kind as u8, &src.text, lang).hash(&mut h);
    h.finish()
}

impl Default for ParseCache {
    fn default() -> Self {
        ParseCache {
            keeps: true,
            entries: Kept::default(),
            works: Kept::default(),
            places: Kept::default(),
            parsed: 0,
            reused: 0,
        }
    }
}

impl ParseCache {
    /// A cache that keeps nothing: a one-off analysis does not pay for
    /// copies of every result.
    pub(crate) fn none() -> ParseCache {
        ParseCache { keeps: false, ..ParseCache::default() }
    }

    /// An earlier result for `path` made from the same input, if there is one.
    pub(crate) fn entry(&self, path: &str, key: u64) -> Option<(crate::model::Entry, Vec<Diagnostic>)> {
        get(&self.entries, path, key)
    }

    pub(crate) fn works(&self, path: &str, key: u64) -> Option<(Vec<crate::model::Work>, Vec<Diagnostic>)> {
        get(&self.works, path, key)
    }

    pub(crate) fn places(&self, path: &str, key: u64) -> Option<(Vec<crate::model::Place>, Vec<Diagnostic>)> {
        get(&self.places, path, key)
    }

    /// Starts an analysis: what is not kept again by [`ParseCache::keep_entry`]
    /// and its kin is dropped when the analysis ends.
    pub(crate) fn start(&mut self) -> ParseCache {
        let keeps = self.keeps;
        let earlier = std::mem::take(self);
        self.keeps = keeps;
        earlier
    }

    pub(crate) fn keep_entry(&mut self, path: &str, key: u64, r: &(crate::model::Entry, Vec<Diagnostic>)) {
        put(self.keeps, &mut self.entries, path, key, r);
    }

    pub(crate) fn keep_works(&mut self, path: &str, key: u64, r: &(Vec<crate::model::Work>, Vec<Diagnostic>)) {
        put(self.keeps, &mut self.works, path, key, r);
    }

    pub(crate) fn keep_places(&mut self, path: &str, key: u64, r: &(Vec<crate::model::Place>, Vec<Diagnostic>)) {
        put(self.keeps, &mut self.places, path, key, r);
    }

    /// Counts a file as parsed or reused.
    pub(crate) fn count(&mut self, reused: bool) {
        if reused {
            self.reused += 1;
        } else {
            self.parsed += 1;
        }
    }
}

/// Keeps a copy of `r` unless the cache keeps nothing.
fn put<T: Clone>(keeps: bool, kept: &mut Kept<T>, path: &str, key: u64, r: &(T, Vec<Diagnostic>)) {
    if keeps {
        kept.by_path.insert(path.to_string(), (key, r.0.clone(), r.1.clone()));
    }
}

fn get<T: Clone>(kept: &Kept<T>, path: &str, key: u64) -> Option<(T, Vec<Diagnostic>)> {
    kept.by_path.get(path).filter(|(k, _, _)| *k == key).map(|(_, t, d)| (t.clone(), d.clone()))
}

#[cfg(test)]
mod tests {
    use super::ParseCache;
    use crate::source::load::load_files;

    fn analyze(files: &[(&str, Vec<u8>)], cache: &mut ParseCache) -> crate::Analysis {
        crate::analyze_cached(load_files(files.iter().map(|(p, b)| (*p, b.as_slice()))).unwrap(), cache, &|| {})
    }

    fn sample() -> Vec<(&'static str, Vec<u8>)> {
        crate::sample::sample_files().into_iter().map(|(p, b)| (p, b.to_vec())).collect()
    }

    /// What a user sees of an analysis: the model and every diagnostic.
    fn seen(a: &crate::Analysis) -> String {
        format!("{:?}\n{:?}", a.corpus, a.diagnostics)
    }

    #[test]
    fn reused_results_equal_a_fresh_analysis() {
        let mut files = sample();
        let mut cache = ParseCache::default();
        let first = analyze(&files, &mut cache);
        assert_eq!(cache.reused, 0);
        let again = analyze(&files, &mut cache);
        assert_eq!((cache.parsed, seen(&again)), (0, seen(&first)), "nothing changed, nothing parsed");

        // One entry gains a broken citation: it alone is parsed, and the
        // analysis is the one a fresh run gives.
        let (_, text) = files.iter_mut().find(|(p, _)| *p == "entries/chechens-ingush-1944.md").unwrap();
        let edited = String::from_utf8(text.clone()).unwrap().replacen("[@", "[@nosuchwork2099; @", 1);
        assert!(edited.as_bytes() != text.as_slice(), "the sample entry cites");
        *text = edited.into_bytes();
        let cached = analyze(&files, &mut cache);
        assert_eq!(cache.parsed, 1);
        let fresh = crate::analyze(load_files(files.iter().map(|(p, b)| (*p, b.as_slice()))).unwrap(), &|| {});
        assert_eq!(seen(&cached), seen(&fresh));
        assert!(cached.diagnostics.iter().any(|d| d.code == "citation.unresolved"));
    }

    #[test]
    fn a_file_that_moves_in_the_set_is_parsed_again() {
        // Results carry their file's index; a new file sorted before the
        // others shifts every index after it, so nothing stale is reused.
        let mut files = sample();
        let mut cache = ParseCache::default();
        analyze(&files, &mut cache);
        files.push((
            "entries/000-first.md",
            b"---\ntitle: A\nkind: essay\nstatus: draft\nauthors: [Ann]\n---\nText.\n".to_vec(),
        ));
        let cached = analyze(&files, &mut cache);
        let fresh = crate::analyze(load_files(files.iter().map(|(p, b)| (*p, b.as_slice()))).unwrap(), &|| {});
        assert_eq!(seen(&cached), seen(&fresh));
        assert!(cache.parsed >= 2, "the new entry and the one it displaced: {}", cache.parsed);
    }

    #[test]
    fn a_one_off_analysis_keeps_nothing() {
        let mut cache = ParseCache::none();
        analyze(&sample(), &mut cache);
        analyze(&sample(), &mut cache);
        assert_eq!(cache.reused, 0);
    }
}
