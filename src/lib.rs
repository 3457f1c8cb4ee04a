//! attest: an evidence-first engine for scholarly encyclopedias of mass violence.
//!
//! The pipeline follows the data. [`source::load`] reads a project folder
//! (the only file-system step); [`parse`] turns each file into the
//! [`model`] (entries with their figures, estimates, events, positions and
//! testimonies; works of the bibliography; places of the gazetteer), reporting
//! every problem as a [`diag::Diagnostic`] with a byte span; [`check`] then
//! looks across the whole [`model::Corpus`], like a compiler resolving names;
//! [`report`] shows the diagnostics to people (compiler-style) or machines
//! (JSON). [`analyze`] runs the pure part of the pipeline:
//!
//! ```
//! let files: Vec<(&str, &[u8])> = vec![
//!     ("attest.toml", b"title = \"T\"\nbase_url = \"https://example.org/\"\n"),
//!     ("entries/a.md", b"---\ntitle: A\nkind: essay\nstatus: draft\nauthors: [Ann]\n---\nAs [@nobody2001] says.\n"),
//! ];
//! let loaded = attest::source::load::load_files(files).unwrap();
//! let analysis = attest::analyze(loaded, &|| {});
//! let codes: Vec<_> = analysis.diagnostics.iter().map(|d| d.code).collect();
//! assert_eq!(codes, ["citation.unresolved"]);
//! ```

pub mod access;
pub mod bench;
pub mod build;
pub mod check;
pub mod config;
pub mod diag;
pub mod diff;
pub mod edition;
pub mod export;
pub mod import;
pub mod index;
pub mod model;
pub mod parse;
pub mod render;
pub mod report;
pub mod sample;
#[cfg(feature = "serve")]
pub mod search;
#[cfg(feature = "serve")]
pub mod serve;
pub mod source;
#[cfg(feature = "serve")]
pub mod store;
pub mod workflow;

use rayon::prelude::*;

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::model::Corpus;
use crate::source::load::Loaded;
use crate::source::{FileKind, SourceSet};

/// The result of reading and checking a project.
#[derive(Debug)]
pub struct Analysis {
    /// The files read.
    pub sources: SourceSet,
    /// The model.
    pub corpus: Corpus,
    /// Every problem found, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// Number of errors and warnings.
    pub fn counts(&self) -> (usize, usize) {
        check::count(&self.diagnostics)
    }
}

/// Parses and checks loaded files. `tick` is called once per entry parsed
/// (for a progress bar); entries are parsed on all cores.
pub fn analyze(loaded: Loaded, tick: &(dyn Fn() + Sync)) -> Analysis {
    analyze_cached(loaded, &mut parse::cache::ParseCache::none(), tick)
}

/// [`analyze`], reusing the parse results in `cache` of files that did not
/// change since the last call, and leaving this analysis's results in it.
/// The server calls it on every save, so an edit to one entry parses one
/// file; the cross-file checks still run on the whole corpus.
pub fn analyze_cached(loaded: Loaded, cache: &mut parse::cache::ParseCache, tick: &(dyn Fn() + Sync)) -> Analysis {
    let Loaded { sources, diagnostics: mut diags } = loaded;
    let (config_file, config_src) =
        sources.iter().find(|(_, f)| f.kind == FileKind::Config).expect("a loaded project has attest.toml");
    let config = match config_src.ok.then(|| Config::parse(config_file, config_src)) {
        Some(Ok(c)) => c,
        Some(Err(d)) => {
            diags.extend(d);
            fallback_config()
        }
        None => fallback_config(),
    };
    let ok = |k: FileKind| sources.iter().filter(move |(_, f)| f.kind == k && f.ok);

    let entry_files: Vec<_> = ok(FileKind::Entry).collect();
    let lang = config.default_language().to_string();
    let earlier = cache.start();
    let parsed: Vec<_> = entry_files
        .par_iter()
        .map(|(id, f)| {
            let key = parse::cache::key(*id, f, &lang);
            let kept = earlier.entry(&f.path, key);
            let reused = kept.is_some();
            let r = kept.unwrap_or_else(|| parse::entry::parse_entry(*id, f, &lang));
            tick();
            (key, reused, r)
        })
        .collect();
    let mut entries = Vec::with_capacity(parsed.len());
    for ((_, f), (key, reused, r)) in entry_files.iter().zip(parsed) {
        cache.keep_entry(&f.path, key, &r);
        cache.count(reused);
        entries.push(r.0);
        diags.extend(r.1);
    }
    let mut works = Vec::new();
    for (id, f) in sources
        .iter()
        .filter(|(_, f)| f.ok && matches!(f.kind, FileKind::BibLatex | FileKind::CslJson | FileKind::HayagrivaYaml))
    {
        let key = parse::cache::key(id, f, &lang);
        let kept = earlier.works(&f.path, key);
        cache.count(kept.is_some());
        let r = kept.unwrap_or_else(|| parse::bibliography::parse_file(id, f));
        cache.keep_works(&f.path, key, &r);
        works.extend(r.0);
        diags.extend(r.1);
    }
    let mut places = Vec::new();
    for (id, f) in ok(FileKind::Places) {
        let key = parse::cache::key(id, f, &lang);
        let kept = earlier.places(&f.path, key);
        cache.count(kept.is_some());
        let r = kept.unwrap_or_else(|| parse::places::parse_file(id, f));
        cache.keep_places(&f.path, key, &r);
        places.extend(r.0);
        diags.extend(r.1);
    }
    let corpus = Corpus { config, config_file, entries, works, places };
    diags.extend(check::run(&corpus, &sources));
    check::sort(&mut diags);
    Analysis { sources, corpus, diagnostics: diags }
}

/// Used when attest.toml is broken, so the rest can still be checked.
fn fallback_config() -> Config {
    Config {
        title: String::new(),
        subtitle: None,
        publisher: None,
        issn: None,
        base_url: "https://example.org/".into(),
        languages: vec!["en".into()],
        citation_style: Default::default(),
        description: None,
        license: None,
        sections: Default::default(),
        // Unknown intent: the public sees no drafts until the file is fixed.
        drafts: config::Drafts::Hidden,
    }
}
