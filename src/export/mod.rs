//! Exports in the formats readers' tools already know: BibTeX, RIS and
//! CSL-JSON for bibliographies (Zotero), JSON-LD (schema.org) for the
//! semantic web, sitemaps and Atom feeds, CSV tables and GeoJSON.
//!
//! Every function here takes the public view of the corpus (restricted
//! material already removed by [`crate::access`]) and returns text;
//! output is deterministic.
