//! The server's full-text search: a tantivy index of the public
//! [`SearchDoc`]s, kept in step with the encyclopedia by [`SearchIndex::sync`]
//! and asked by [`SearchIndex::search`] for ranked hits with highlighted
//! snippets and facet counts.
//!
//! The documents come from an [`access::View`](crate::access::View) (the
//! site renderer's `search_docs`), already filtered for the audience: the
//! index holds nothing else, so nothing restricted can be found.
//!
//! # Folding
//!
//! Every word of titles, sections, texts and author names is filed under
//! its key from [`crate::index::fold`], the function the static site's
//! index uses, so both find the same things: case, diacritics and script are
//! folded, and Cyrillic meets its usual romanisations (Грозный, Groznyy,
//! Groznyj and Grozny are all `grozny`; Бугай, Bugai and Bugaj are one key).
//! The tokenizer keeps each word's byte range in the original text, so a
//! snippet marks `Грозный` when the reader typed `Grozny`.
//!
//! # Queries
//!
//! [`Query::text`] is read by [`Query`]'s own rules, not tantivy's query
//! language, so no text is a syntax error: straight double quotes make
//! phrases (`"ethnic cleansing"`, words next to each other in that order),
//! everything else is words, and every word and phrase must match (AND). A
//! word matches its key exactly, as the start of a longer key (`Groz`,
//! `deport`), or with typos: one edit for keys of 4 to 6 letters, two from
//! 7 (`Nairmak` finds Naimark), none below, measured on the folded key with
//! a transposition counting as one edit. Exact matches rank above prefixes,
//! prefixes above typos, and a match in the title counts three times one
//! in the text (the section name one and a half).
//!
//! Filters narrow the hits and do not change their order: kind, place (a
//! document is filed under its places and every place enclosing them, so a
//! region finds what happened inside it), period (documents whose earliest
//! to latest day overlap the period: `1943..1945` finds an event dated
//! `1944~`), author (folded: `Наймарк` finds Naimark) and language. A query
//! with no words lists the documents the filters let through, earliest
//! first.
//!
//! # Results
//!
//! Each hit carries its section and a snippet of its text (of its title
//! when the text has no match, the start of its text when neither has),
//! HTML-escaped, with the matched words in `<mark>`. Facets count the
//! kinds, languages, places and authors of all documents matching the
//! query and its filters, with tantivy's [`FacetCollector`] over one facet
//! field: it counts in the same pass as the search, per segment, without
//! loading the documents.
//!
//! # Storage
//!
//! [`SearchIndex::open`] keeps the index in a folder and takes tantivy's
//! writer lock on it (one process writes); [`SearchIndex::in_memory`] keeps
//! it in memory. Each document is stored with a hash of its content, so
//! [`SearchIndex::sync`] replaces only what changed and commits only when
//! something did. An index written with another schema or [`FORMAT`], or
//! one that cannot be opened, is deleted and created again empty: the
//! caller syncs it after opening anyway.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;
use sha2::{Digest, Sha256};
use tantivy::collector::{Count, FacetCollector, FacetCounts, TopDocs};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, Value, FAST, STORED, STRING,
};
use tantivy::snippet::{Snippet, SnippetGenerator};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Searcher, TantivyDocument, Term};

use crate::index::SearchDoc;
use crate::render::format::esc;

mod query;
mod tokenizer;

pub use query::{parse_period, Query, MAX_LIMIT, MAX_WORDS};

/// Version of what the index holds beyond its schema: the folding rules,
/// the tokenizer and the content hash. Bump it when any of them changes
/// (including the rules in `src/index/fold.rs`), so that an index on disk
/// is rebuilt rather than searched with keys that no longer match.
pub const FORMAT: u32 = 1;

/// The file in the index folder that records [`FORMAT`].
const FORMAT_FILE: &str = "attest-search-format";

/// Memory tantivy's writer may buffer before it writes a segment.
const WRITER_MEMORY: usize = 32_000_000;

/// Characters of a snippet, at most (tantivy counts bytes of the
/// fragment; Cyrillic snippets are shorter).
const SNIPPET_BYTES: usize = 240;

/// Why the search index could not be opened, updated or searched.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The index folder could not be created, read or cleaned.
    #[error("search index folder {}: {source}", path.display())]
    Io {
        /// The folder or file concerned.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The index folder is in use by another process (tantivy's writer
    /// lock is held).
    #[error("search index folder {} is in use by another process", path.display())]
    Locked {
        /// The index folder.
        path: PathBuf,
    },
    /// The index folder could not be used as an index (not writable, not a
    /// folder, ...).
    #[error("search index folder {}: {source}", path.display())]
    Open {
        /// The index folder.
        path: PathBuf,
        /// What tantivy said.
        source: tantivy::TantivyError,
    },
    /// Tantivy failed while indexing or searching.
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
}

/// What [`SearchIndex::sync`] did. A document whose content changed counts
/// as one removed and one added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct SyncStats {
    /// Documents added (new or changed).
    pub added: usize,
    /// Documents removed (gone or changed).
    pub removed: usize,
    /// Documents left as they were.
    pub unchanged: usize,
}

/// The answer to one [`Query`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Results {
    /// The query text, as given.
    pub query: String,
    /// How many documents match (all pages).
    pub total: usize,
    /// The hits of the requested page, best first (earliest first for a
    /// query without words).
    pub hits: Vec<Hit>,
    /// Counts of the matching documents by facet.
    pub facets: Facets,
}

/// One matching document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// Page URL relative to the site root, with anchor.
    pub url: String,
    /// The document's title.
    pub title: String,
    /// The section it comes from (`Victims`, `Place`, `Event: 1944-02-23`).
    pub section: String,
    /// Its kind (`case-study`, `event`, `place`, `work`, ...).
    pub kind: String,
    /// The entry it belongs to (`None` for places and works).
    pub entry: Option<String>,
    /// HTML: the text around the best match, escaped, with matched words in
    /// `<mark>` and `</mark>`, the only markup it contains.
    pub snippet: String,
    /// Relevance (higher is better); 0 for a query without words.
    pub score: f32,
}

/// Counts of the documents matching a query (with its filters), by value,
/// most frequent first, then by value.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Facets {
    /// By kind.
    pub kinds: Vec<(String, u64)>,
    /// By language code.
    pub languages: Vec<(String, u64)>,
    /// By gazetteer id, enclosing places included.
    pub places: Vec<(String, u64)>,
    /// By author, as written.
    pub authors: Vec<(String, u64)>,
}

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    url: Field,
    hash: Field,
    pub(crate) title: Field,
    pub(crate) section: Field,
    pub(crate) text: Field,
    pub(crate) authors: Field,
    kind: Field,
    entry: Field,
    pub(crate) facet: Field,
    pub(crate) earliest: Field,
    pub(crate) latest: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let folded = |stored: bool| {
        let o = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer::NAME)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        if stored {
            o.set_stored()
        } else {
            o
        }
    };
    let day = NumericOptions::default().set_indexed().set_fast();
    let fields = Fields {
        url: b.add_text_field("url", STRING | STORED | FAST),
        hash: b.add_u64_field("hash", FAST),
        title: b.add_text_field("title", folded(true)),
        section: b.add_text_field("section", folded(true)),
        text: b.add_text_field("text", folded(true)),
        authors: b.add_text_field("authors", folded(false)),
        kind: b.add_text_field("kind", STORED),
        entry: b.add_text_field("entry", STORED),
        facet: b.add_facet_field("facet", tantivy::schema::INDEXED),
        earliest: b.add_i64_field("earliest", day.clone()),
        latest: b.add_i64_field("latest", day),
    };
    (b.build(), fields)
}

/// The full-text index. Searches run concurrently; [`sync`](Self::sync)
/// calls take turns on the one writer.
pub struct SearchIndex {
    fields: Fields,
    // `None` only while dropping.
    writer: Mutex<Option<IndexWriter>>,
    reader: IndexReader,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").field("docs", &self.reader.searcher().num_docs()).finish()
    }
}

impl SearchIndex {
    /// Opens the index kept in `dir`, creating the folder and the index if
    /// needed. An index of another schema or [`FORMAT`], or one that cannot
    /// be opened (half-written, corrupt), is deleted and created again
    /// empty; other files in the folder are left alone. Errors when the
    /// folder cannot be created or written, or another process holds it.
    pub fn open(dir: &Path) -> Result<SearchIndex, SearchError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| SearchError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let (schema, fields) = schema();
        if let Some(found) = Self::open_existing(dir, &schema, fields)? {
            return Ok(found);
        }
        wipe(dir)?;
        let open = |source| SearchError::Open { path: dir.to_path_buf(), source };
        let index = Index::create_in_dir(dir, schema).map_err(open)?;
        let format_file = dir.join(FORMAT_FILE);
        std::fs::write(&format_file, format!("{FORMAT}\n")).map_err(io(&format_file))?;
        Self::with_index(index, fields).map_err(|e| locked_or(dir, e))
    }

    /// The index in `dir` if it is one of ours and opens; `None` if it must
    /// be created again.
    fn open_existing(dir: &Path, schema: &Schema, fields: Fields) -> Result<Option<SearchIndex>, SearchError> {
        let format = std::fs::read_to_string(dir.join(FORMAT_FILE)).unwrap_or_default();
        if format.trim() != FORMAT.to_string() {
            return Ok(None);
        }
        let Ok(index) = Index::open_in_dir(dir) else {
            return Ok(None);
        };
        if index.schema() != *schema {
            return Ok(None);
        }
        match Self::with_index(index, fields) {
            Ok(found) => Ok(Some(found)),
            Err(e @ tantivy::TantivyError::LockFailure(..)) => Err(locked_or(dir, e)),
            Err(_) => Ok(None),
        }
    }

    /// An empty index in memory.
    pub fn in_memory() -> Result<SearchIndex, SearchError> {
        let (schema, fields) = schema();
        Ok(Self::with_index(Index::create_in_ram(schema), fields)?)
    }

    fn with_index(index: Index, fields: Fields) -> tantivy::Result<SearchIndex> {
        index.tokenizers().register(tokenizer::NAME, tokenizer::analyzer());
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        // Reloaded by `sync` right after each commit, so a search that
        // follows a sync sees it.
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(SearchIndex { fields, writer: Mutex::new(Some(writer)), reader })
    }

    /// Number of documents in the index.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Whether the index holds no document.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Makes the index hold exactly `docs`, keyed by URL (of several
    /// documents with one URL, the first is kept). Documents whose content
    /// is unchanged stay; changed ones are replaced, new ones added, others
    /// removed; the index commits only when something changed.
    pub fn sync(&self, docs: &[SearchDoc]) -> Result<SyncStats, SearchError> {
        let mut guard = self.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let writer = guard.as_mut().expect("the writer is only taken when dropping");
        let existing = self.stored_hashes()?;
        let enclosing = enclosing_places(docs);
        let mut stats = SyncStats::default();
        let mut seen = HashSet::new();
        let result: Result<SyncStats, SearchError> = (|| {
            for doc in docs {
                if !seen.insert(doc.url.as_str()) {
                    continue;
                }
                let places = expand_places(&doc.places, &enclosing);
                let hash = content_hash(doc, &places);
                match existing.get(&doc.url) {
                    Some(&h) if h == hash => {
                        stats.unchanged += 1;
                        continue;
                    }
                    Some(_) => {
                        writer.delete_term(Term::from_field_text(self.fields.url, &doc.url));
                        stats.removed += 1;
                    }
                    None => {}
                }
                writer.add_document(self.document(doc, &places, hash))?;
                stats.added += 1;
            }
            for url in existing.keys().filter(|u| !seen.contains(String::as_str(u))) {
                writer.delete_term(Term::from_field_text(self.fields.url, url));
                stats.removed += 1;
            }
            if stats.added + stats.removed > 0 {
                writer.commit()?;
                self.reader.reload()?;
            }
            Ok(stats)
        })();
        if result.is_err() {
            // Leave the index as it was at the last commit.
            let _ = writer.rollback();
        }
        result
    }

    /// The URL and content hash of every document in the index.
    fn stored_hashes(&self) -> tantivy::Result<HashMap<String, u64>> {
        let searcher = self.reader.searcher();
        let mut out = HashMap::new();
        for segment in searcher.segment_readers() {
            let fast = segment.fast_fields();
            let Some(urls) = fast.str("url")? else { continue };
            let hashes = fast.u64("hash")?;
            let mut url = String::new();
            for doc in segment.doc_ids_alive() {
                let (Some(ord), Some(hash)) = (urls.term_ords(doc).next(), hashes.first(doc)) else {
                    continue;
                };
                url.clear();
                urls.ord_to_str(ord, &mut url)?;
                out.insert(url.clone(), hash);
            }
        }
        Ok(out)
    }

    fn document(&self, d: &SearchDoc, places: &[String], hash: u64) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.url, &d.url);
        doc.add_u64(f.hash, hash);
        doc.add_text(f.title, &d.title);
        doc.add_text(f.section, &d.section);
        doc.add_text(f.text, &d.text);
        for a in &d.authors {
            doc.add_text(f.authors, a);
        }
        doc.add_text(f.kind, &d.kind);
        if let Some(e) = &d.entry {
            doc.add_text(f.entry, e);
        }
        let groups = [("kind", std::slice::from_ref(&d.kind)), ("language", std::slice::from_ref(&d.language))];
        for (group, values) in groups.into_iter().chain([("place", places), ("author", &d.authors[..])]) {
            for v in values.iter().filter(|v| !v.trim().is_empty()) {
                doc.add_facet(f.facet, query::facet(group, v));
            }
        }
        if let Some((from, to)) = d.period {
            doc.add_i64(f.earliest, query::day_number(from));
            doc.add_i64(f.latest, query::day_number(to));
        }
        doc
    }

    /// Runs a query. Any text is a valid query; errors come only from the
    /// index itself (a file that cannot be read).
    pub fn search(&self, q: &Query) -> Result<Results, SearchError> {
        let searcher = self.reader.searcher();
        let clauses = query::clauses(&q.text);
        let tq = query::build(&self.fields, q, &clauses);
        // The collector reserves room for offset + limit hits, so an offset
        // from a URL must not exceed the documents there are: past the
        // last document, the page is empty and only counts are computed.
        let offset = q.offset.min(usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX));
        let limit = if offset >= usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX) {
            0
        } else {
            q.limit.min(MAX_LIMIT)
        };
        let mut facets = FacetCollector::for_field("facet");
        for group in FACET_GROUPS {
            facets.add_facet(&format!("/{group}"));
        }
        let (top, total, counts): (Vec<(f32, DocAddress)>, usize, FacetCounts) = if limit == 0 {
            let (total, counts) = searcher.search(&tq, &(Count, facets))?;
            (Vec::new(), total, counts)
        } else if clauses.is_empty() {
            let by_date =
                TopDocs::with_limit(limit).and_offset(offset).order_by_fast_field::<i64>("earliest", Order::Asc);
            let (top, total, counts) = searcher.search(&tq, &(by_date, Count, facets))?;
            (top.into_iter().map(|(_, a)| (0.0, a)).collect(), total, counts)
        } else {
            let by_score = TopDocs::with_limit(limit).and_offset(offset).order_by_score();
            searcher.search(&tq, &(by_score, Count, facets))?
        };
        let snippets = Snippets::new(&searcher, &self.fields, &clauses)?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field: Field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_string();
            let (title, body) = (text(self.fields.title), text(self.fields.text));
            hits.push(Hit {
                url: text(self.fields.url),
                snippet: snippets.html(&title, &body),
                title,
                section: text(self.fields.section),
                kind: text(self.fields.kind),
                entry: doc.get_first(self.fields.entry).and_then(|v| v.as_str()).map(str::to_string),
                score,
            });
        }
        Ok(Results { query: q.text.clone(), total, hits, facets: facets_of(&counts) })
    }
}

impl Drop for SearchIndex {
    /// Lets tantivy finish merging segments, so the folder's lock is free
    /// and the index whole when the next `open` comes.
    fn drop(&mut self) {
        let writer = self.writer.get_mut().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        if let Some(w) = writer {
            let _ = w.wait_merging_threads();
        }
    }
}

fn locked_or(dir: &Path, e: tantivy::TantivyError) -> SearchError {
    match e {
        tantivy::TantivyError::LockFailure(..) => SearchError::Locked { path: dir.to_path_buf() },
        source => SearchError::Open { path: dir.to_path_buf(), source },
    }
}

/// Deletes the files of an index from `dir`: tantivy's (`meta.json`,
/// `.managed.json`, its lock files, segment files named by a 32-digit hex
/// id) and [`FORMAT_FILE`]. Anything else is not ours and stays.
fn wipe(dir: &Path) -> Result<(), SearchError> {
    let io = |path: &Path, source| SearchError::Io { path: path.to_path_buf(), source };
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let entry = entry.map_err(|e| io(dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let stem = name.split('.').next().unwrap_or_default();
        let ours = matches!(name, "meta.json" | ".managed.json" | ".tantivy-meta.lock" | ".tantivy-writer.lock")
            || name == FORMAT_FILE
            || (stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit()) && name.len() > 32);
        if ours && entry.file_type().is_ok_and(|t| t.is_file()) {
            std::fs::remove_file(entry.path()).map_err(|e| io(&entry.path(), e))?;
        }
    }
    Ok(())
}

/// For every place that has a document, the places enclosing it: a place
/// document lists itself first, then what encloses it (see
/// [`SearchDoc::places`]).
fn enclosing_places(docs: &[SearchDoc]) -> HashMap<&str, &[String]> {
    docs.iter()
        .filter(|d| d.kind == "place")
        .filter_map(|d| d.places.split_first())
        .map(|(id, up)| (id.as_str(), up))
        .collect()
}

/// A document's places with every place enclosing them, in first-seen order.
fn expand_places(places: &[String], enclosing: &HashMap<&str, &[String]>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in places {
        for q in std::iter::once(p).chain(enclosing.get(p.as_str()).copied().unwrap_or_default()) {
            if !out.contains(q) {
                out.push(q.clone());
            }
        }
    }
    out
}

/// A hash of everything the index files of a document, stable across
/// builds and platforms (it is stored on disk).
fn content_hash(d: &SearchDoc, places: &[String]) -> u64 {
    let period = d.period.map(|(a, b)| (query::day_number(a), query::day_number(b)));
    let all = (&d.url, &d.title, &d.section, &d.text, &d.entry, &d.kind, places, period, &d.authors, &d.language);
    let bytes = serde_json::to_vec(&all).expect("strings and numbers serialise");
    let digest = Sha256::digest(&bytes);
    let mut first = [0; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

/// Facet groups, as filed under `/group/value`, in [`Facets`] order.
const FACET_GROUPS: [&str; 4] = ["kind", "language", "place", "author"];

fn facets_of(counts: &FacetCounts) -> Facets {
    let mut groups = FACET_GROUPS.map(|group| {
        let mut values: Vec<(String, u64)> = counts
            .get(&format!("/{group}"))
            .filter_map(|(facet, n)| facet.to_path().last().map(|v| (v.to_string(), n)))
            .collect();
        values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        values
    });
    let mut take = |i: usize| std::mem::take(&mut groups[i]);
    Facets { kinds: take(0), languages: take(1), places: take(2), authors: take(3) }
}

/// Highlighting for one query: a snippet generator for texts and one for
/// titles.
struct Snippets {
    text: SnippetGenerator,
    title: SnippetGenerator,
}

impl Snippets {
    fn new(searcher: &Searcher, fields: &Fields, clauses: &[query::Clause]) -> tantivy::Result<Snippets> {
        let generator = |field: Field| -> tantivy::Result<SnippetGenerator> {
            let terms: BTreeMap<String, f32> = query::highlight_terms(searcher, field, clauses)?;
            Ok(SnippetGenerator::new(terms, tokenizer::analyzer(), field, SNIPPET_BYTES))
        };
        Ok(Snippets { text: generator(fields.text)?, title: generator(fields.title)? })
    }

    /// The snippet of a hit: from its text, else its title, else the start
    /// of its text without highlight.
    fn html(&self, title: &str, text: &str) -> String {
        let mut s: Snippet = self.text.snippet(text);
        if s.is_empty() {
            s = self.title.snippet(title);
        }
        if s.is_empty() {
            return esc(cut(text, SNIPPET_BYTES));
        }
        s.set_snippet_prefix_postfix("<mark>", "</mark>");
        s.to_html()
    }
}

/// The start of a text, cut at a word boundary before `max` bytes.
fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    match text[..end].rfind(char::is_whitespace) {
        Some(space) if space > 0 => text[..space].trim_end(),
        _ => &text[..end],
    }
}

#[cfg(test)]
mod tests;
