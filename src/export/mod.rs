//! Exports in the formats readers' tools already know: BibTeX, RIS and
//! CSL-JSON for bibliographies (Zotero), JSON-LD (schema.org) for the
//! semantic web, sitemaps and Atom feeds, CSV tables and GeoJSON.
//!
//! Every function here takes the public view of the corpus (restricted
//! material already removed by [`crate::access`]) and returns text;
//! output is deterministic.
//!
//! The bibliographic exports read each work once into a common description
//! (its hayagriva record, completed from the BibLaTeX record as written), so
//! BibTeX, RIS, CSL-JSON and the JSON-LD citations agree. An entry is itself
//! a citable work ("How to cite this entry"): [`EntryRef`] gives what is
//! needed to cite it, and [`bibtex::entry`], [`ris::entry`] and
//! [`csl_json::entry`] write it.

pub mod bibtex;
pub mod csl_json;
pub mod feeds;
pub mod geojson;
pub mod jsonld;
mod meta;
pub mod ris;
pub mod tables;

use crate::config::Config;
use crate::model::Entry;

/// An entry as a citable work of the encyclopedia.
#[derive(Debug, Clone)]
pub struct EntryRef<'a> {
    /// The entry.
    pub entry: &'a Entry,
    /// The encyclopedia it belongs to.
    pub config: &'a Config,
    /// Its public address.
    pub url: String,
}

impl EntryRef<'_> {
    /// The entry's authors as names to file under.
    fn people(&self) -> Vec<meta::Person> {
        self.entry.authors.iter().map(|a| meta::Person::from_display(&a.name)).collect()
    }

    /// First publication, `YYYY-MM-DD`.
    fn published(&self) -> Option<meta::Date> {
        self.entry.published.as_ref().and_then(meta::Date::from_field)
    }

    /// Last modification, `YYYY-MM-DD`, when it differs from publication.
    fn modified(&self) -> Option<meta::Date> {
        self.entry.modified.as_ref().and_then(meta::Date::from_field).filter(|m| Some(*m) != self.published())
    }
}

#[cfg(test)]
mod test_support;
