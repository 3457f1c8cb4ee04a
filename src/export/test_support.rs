//! Inputs for the export tests, read through the crate's own parsers.

use crate::model::{Access, Citation, DateField, Entry, Place, Sp, Work};
use crate::parse::edtf;
use crate::source::{FileId, FileKind, SourceFile};
use crate::Analysis;

use super::EntryRef;

/// The sample encyclopedia, analysed.
pub(super) fn sample() -> Analysis {
    crate::analyze(crate::source::load::load_files(crate::sample::sample_files()).unwrap(), &|| {})
}

/// Where the tests say an entry is published.
pub(super) fn entry_url(a: &Analysis, slug: &str) -> String {
    format!("{}entries/{slug}/", a.corpus.config.base_url)
}

/// An entry of the sample as a citable work.
pub(super) fn entry_ref<'a>(a: &'a Analysis, slug: &str) -> EntryRef<'a> {
    EntryRef { entry: a.corpus.entry(slug).unwrap(), config: &a.corpus.config, url: entry_url(a, slug) }
}

/// The works an entry of the sample cites anywhere (prose, data, `nocite`),
/// in bibliography order.
pub(super) fn entry_works<'a>(a: &'a Analysis, slug: &str) -> Vec<&'a Work> {
    let e = a.corpus.entry(slug).unwrap();
    let mut cites: Vec<&Citation> = e.body.citations.iter().collect();
    for f in &e.figures {
        cites.extend(f.estimates.iter().filter_map(|x| x.source.as_ref()).map(|s| &s.v));
    }
    for ev in &e.events {
        cites.extend(ev.sources.iter().map(|s| &s.v));
    }
    for p in &e.positions {
        for h in &p.holders {
            cites.extend(h.cite.iter().chain(&h.source).map(|s| &s.v));
        }
    }
    for t in &e.testimonies {
        cites.extend(t.source.iter().map(|s| &s.v));
    }
    let mut keys: Vec<&str> = cites.iter().flat_map(|c| c.items.iter().map(|i| i.key.as_str())).collect();
    keys.extend(e.nocite.iter().map(|k| k.v.as_str()));
    a.corpus.works.iter().filter(|w| keys.contains(&w.key.v.as_str())).collect()
}

/// Works of a BibLaTeX text.
pub(super) fn bib(text: &str) -> Vec<Work> {
    let (works, diags) = crate::parse::bibliography::parse_biblatex(FileId(0), text);
    assert!(diags.is_empty(), "{diags:?}");
    works
}

/// Works of a CSL-JSON text.
pub(super) fn csl(text: &str) -> Vec<Work> {
    let src = SourceFile::new("bibliography/b.json", FileKind::CslJson, text);
    let (works, diags) = crate::parse::bibliography::parse_file(FileId(0), &src);
    assert!(diags.is_empty(), "{diags:?}");
    works
}

/// A work read from somewhere other than BibLaTeX, with this record.
pub(super) fn work(record: hayagriva::Entry) -> Work {
    Work {
        key: Sp::new(record.key().to_string(), 0..0),
        file: FileId(0),
        kind: format!("{:?}", record.entry_type()).to_lowercase(),
        authors: Vec::new(),
        year: None,
        title: String::new(),
        access: Access::Public,
        span: 0..0,
        record: Some(record),
        raw: String::new(),
    }
}

/// The places an entry of the sample names, itself or in its events, in
/// gazetteer order.
pub(super) fn entry_places<'a>(a: &'a Analysis, slug: &str) -> Vec<&'a Place> {
    let e = a.corpus.entry(slug).unwrap();
    let ids: Vec<&str> =
        e.places.iter().chain(e.events.iter().flat_map(|ev| &ev.places)).map(|p| p.v.as_str()).collect();
    a.corpus.places.iter().filter(|p| ids.contains(&p.id.v.as_str())).collect()
}

/// An entry read from its Markdown text.
pub(super) fn parse_entry(slug: &str, text: &str) -> Entry {
    let src = SourceFile::new(format!("entries/{slug}.md"), FileKind::Entry, text);
    let (e, diags) = crate::parse::entry::parse_entry(FileId(0), &src, "en");
    assert!(diags.is_empty(), "{diags:?}");
    e
}

/// Places of a gazetteer text.
pub(super) fn places(text: &str) -> Vec<Place> {
    let src = SourceFile::new("places.yaml", FileKind::Places, text);
    let (places, diags) = crate::parse::places::parse_file(FileId(0), &src);
    assert!(diags.is_empty(), "{diags:?}");
    places
}

/// A date field as an entry would hold it.
pub(super) fn date_field(s: &str) -> DateField {
    DateField { raw: s.to_string(), edtf: Some(edtf::parse(s).unwrap()), span: 0..0 }
}
