//! The read-only JSON API under `/api/v1`, cut from the public snapshot.
//!
//! Every answer is built from [`Snapshot::view`] (and the rendered section
//! HTML of the same snapshot), never from the corpus or the sources, so
//! restricted material cannot reach it: a restricted entry, figure or work
//! is simply absent, and asking for it answers exactly like asking for
//! something that never existed. The answers are serialised through the
//! structs of this module, whose field names are the API's contract (the
//! model types may change without the API changing); the OpenAPI document
//! in [`super::openapi`] describes them.
//!
//! Answers are cached per snapshot: the first request for a URL builds the
//! bytes, later ones (and their gzip and brotli copies) are served from
//! memory until the project is reloaded. Each answer carries an `ETag` (a
//! hash of the body) and `Last-Modified` (when the snapshot was made), and
//! conditional requests get `304 Not Modified`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, Weak};

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, OriginalUri, Path, Query};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;

use super::asset::Asset;
use super::pages;
use super::state::{AppState, Snapshot};
use crate::access::SiteEntry;
use crate::model::{self, Citation, DateField, Entry, Place, Unit, Work};

/// The path the API is mounted at.
pub const BASE: &str = "/api/v1";

/// At most this many distinct answers (URL with its query) are kept per
/// snapshot; queries are chosen by clients, so the cache must not grow
/// without limit.
const CACHE_LIMIT: usize = 2048;

/// The routes under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/openapi.json", get(openapi))
        .route("/entries", get(entries))
        .route("/entries/{slug}", get(entry))
        .route("/entries/{slug}/figures/{id}", get(figure))
        .route("/figures", get(figures))
        .route("/events", get(events))
        .route("/places", get(places))
        .route("/places.geojson", get(places_geojson))
        .route("/places/{id}", get(place))
        .route("/works", get(works))
        .route("/works/{key}", get(work))
        .route("/search", get(super::search_page::api))
        .route("/session", get(super::auth::session_api))
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(Extension(Cache::default()))
}

// ---------------------------------------------------------------------------
// Errors

/// Why a request to the API cannot be answered. Its JSON form is
/// `{"error": {"code": "not_found", "message": "..."}}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// Nothing public has this slug, id or key (restricted material
    /// answers the same way).
    #[error("{0}")]
    NotFound(String),
    /// A parameter has a value the API cannot read.
    #[error("{0}")]
    BadRequest(String),
    /// The method is not GET or HEAD.
    #[error("the API is read-only: use GET or HEAD")]
    MethodNotAllowed,
    /// The request needs a signed-in account and has none.
    #[error("not signed in: sign in at /login")]
    Unauthorized,
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
        }
    }

    /// The stable code in the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::NotFound(_) => "not_found",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Unauthorized => "unauthorized",
        }
    }

    fn body(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct Body<'a> {
            error: Detail<'a>,
        }
        #[derive(Serialize)]
        struct Detail<'a> {
            code: &'a str,
            message: String,
        }
        to_json(&Body { error: Detail { code: self.code(), message: self.to_string() } })
    }
}

// ---------------------------------------------------------------------------
// Answers, their cache and their headers

/// A finished answer: its status, and its bytes with their validators and
/// compressed copies.
struct Answer {
    status: StatusCode,
    asset: Arc<Asset>,
}

/// The answers made from one snapshot, and the derived tables they share.
struct Cached {
    snap: Weak<Snapshot>,
    index: Arc<Index>,
    answers: HashMap<String, Arc<Answer>>,
}

/// The per-router cache of answers. It holds a weak reference to the
/// snapshot it was made from, so a reload (a new snapshot) empties it, and
/// the address it compares cannot be reused while it is held.
#[derive(Clone, Default)]
struct Cache(Arc<Mutex<Option<Cached>>>);

impl Cache {
    /// The derived tables of `snap` and the cached answer for `key`, if any.
    fn lookup(&self, snap: &Arc<Snapshot>, key: &str) -> (Arc<Index>, Option<Arc<Answer>>) {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match guard.as_ref() {
            Some(c) if Weak::ptr_eq(&c.snap, &Arc::downgrade(snap)) => {
                return (c.index.clone(), c.answers.get(key).cloned());
            }
            _ => {}
        }
        let index = Arc::new(Index::new(snap.clone()));
        *guard = Some(Cached { snap: Arc::downgrade(snap), index: index.clone(), answers: HashMap::new() });
        (index, None)
    }

    fn store(&self, snap: &Arc<Snapshot>, key: String, answer: Arc<Answer>) {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = guard.as_mut() {
            if Weak::ptr_eq(&c.snap, &Arc::downgrade(snap)) && c.answers.len() < CACHE_LIMIT {
                c.answers.insert(key, answer);
            }
        }
    }
}

/// What a handler produces: the media type and the body.
type Made = Result<(&'static str, Vec<u8>), ApiError>;

const JSON: &str = "application/json";
const GEOJSON: &str = "application/geo+json";
/// Media types of the bibliography formats.
const BIBTEX: &str = "application/x-bibtex; charset=utf-8";
const RIS: &str = "application/x-research-info-systems; charset=utf-8";
const CSL_JSON: &str = "application/vnd.citationstyles.csl+json";

/// Answers from the cache, or makes the answer with `make` and keeps it.
fn cached(
    state: &AppState,
    cache: &Cache,
    uri: &Uri,
    headers: &HeaderMap,
    make: impl FnOnce(&Index) -> Made,
) -> Response {
    let snap = state.snapshot();
    let key = uri.path_and_query().map_or_else(|| uri.path().to_string(), |pq| pq.as_str().to_string());
    let (index, hit) = cache.lookup(&snap, &key);
    let answer = match hit {
        Some(a) => a,
        None => {
            let (status, media, body) = match make(&index) {
                Ok((media, body)) => (StatusCode::OK, media, body),
                Err(e) => (e.status(), JSON, e.body()),
            };
            let mut asset = Asset::new("answer", body, snap.made);
            asset.content_type = media;
            let answer = Arc::new(Answer { status, asset: Arc::new(asset) });
            cache.store(&snap, key, answer.clone());
            answer
        }
    };
    pages::respond(&answer.asset, headers, "no-cache", answer.status)
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(value).expect("API answers serialise");
    out.push(b'\n');
    out
}

fn json<T: Serialize + ?Sized>(value: &T) -> Made {
    Ok((JSON, to_json(value)))
}

/// The answer for an error, outside the cache (it is not about the
/// snapshot).
pub(super) fn error_response(e: &ApiError) -> Response {
    let asset = Asset::new("error.json", e.body(), std::time::SystemTime::UNIX_EPOCH);
    let mut r = pages::respond(&asset, &HeaderMap::new(), "no-cache", e.status());
    r.headers_mut().remove(axum::http::header::LAST_MODIFIED);
    if matches!(e, ApiError::MethodNotAllowed) {
        r.headers_mut().insert(axum::http::header::ALLOW, axum::http::HeaderValue::from_static("GET, HEAD"));
    }
    r
}

async fn unknown_route(OriginalUri(uri): OriginalUri) -> Response {
    error_response(&ApiError::NotFound(format!("no API route `{}`; see {BASE}/openapi.json", uri.path())))
}

async fn method_not_allowed() -> Response {
    error_response(&ApiError::MethodNotAllowed)
}

/// Query parameters as pairs, rejecting names the route does not take
/// (a misspelt filter would otherwise be silently ignored).
fn params(uri: &Uri, allowed: &[&str]) -> Result<HashMap<String, String>, ApiError> {
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map_err(|e| ApiError::BadRequest(format!("cannot read the query string: {}", e.body_text())))?;
    let mut out = HashMap::new();
    for (k, v) in pairs {
        if !allowed.contains(&k.as_str()) {
            let expected = if allowed.is_empty() { "none".to_string() } else { allowed.join(", ") };
            return Err(ApiError::BadRequest(format!("unknown parameter `{k}` (expected: {expected})")));
        }
        if out.insert(k.clone(), v).is_some() {
            return Err(ApiError::BadRequest(format!("parameter `{k}` is given twice")));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Links

/// Characters kept as they are in a path segment (RFC 3986 unreserved).
pub(super) const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

fn seg(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

fn api_entry(slug: &str) -> String {
    format!("{BASE}/entries/{}", seg(slug))
}

fn api_figure(slug: &str, id: &str) -> String {
    format!("{BASE}/entries/{}/figures/{}", seg(slug), seg(id))
}

fn api_place(id: &str) -> String {
    format!("{BASE}/places/{}", seg(id))
}

fn api_work(key: &str) -> String {
    format!("{BASE}/works/{}", seg(key))
}

fn page_entry(slug: &str) -> String {
    format!("/entries/{}/", seg(slug))
}

// ---------------------------------------------------------------------------
// The serialised shapes (the API's contract; see openapi.rs)

/// A date as written (EDTF) with the calendar days it can fall on.
#[derive(Serialize)]
struct DateJson {
    edtf: String,
    earliest: Option<String>,
    latest: Option<String>,
    text: Option<String>,
}

fn date(d: &DateField) -> DateJson {
    DateJson {
        edtf: d.raw.clone(),
        earliest: d.edtf.as_ref().and_then(|e| e.earliest()).map(|d| d.to_string()),
        latest: d.edtf.as_ref().and_then(|e| e.latest()).map(|d| d.to_string()),
        text: d.edtf.as_ref().map(|e| e.humanize()),
    }
}

fn opt_date(d: &Option<DateField>) -> Option<DateJson> {
    d.as_ref().map(date)
}

#[derive(Serialize)]
struct AuthorJson {
    name: String,
    affiliation: Option<String>,
    orcid: Option<String>,
}

#[derive(Serialize)]
struct LocatorJson {
    label: &'static str,
    value: String,
}

#[derive(Serialize)]
struct CiteItemJson {
    key: String,
    locator: Option<LocatorJson>,
    prefix: String,
    suffix: String,
    api: String,
}

#[derive(Serialize)]
struct CiteJson {
    items: Vec<CiteItemJson>,
}

fn cite(c: &Citation) -> CiteJson {
    CiteJson {
        items: c
            .items
            .iter()
            .map(|i| CiteItemJson {
                key: i.key.clone(),
                locator: i.locator.as_ref().map(|l| LocatorJson { label: l.label.csl_name(), value: l.value.clone() }),
                prefix: i.prefix.clone(),
                suffix: i.suffix.clone(),
                api: api_work(&i.key),
            })
            .collect(),
    }
}

#[derive(Serialize)]
struct EntrySummary {
    slug: String,
    title: String,
    kind: Option<&'static str>,
    status: Option<&'static str>,
    language: String,
    authors: Vec<AuthorJson>,
    published: Option<String>,
    modified: Option<String>,
    period: Option<DateJson>,
    summary: Option<String>,
    tags: Vec<String>,
    places: Vec<String>,
    url: String,
    page: String,
    api: String,
}

#[derive(Serialize)]
struct SectionJson {
    anchor: String,
    title: String,
    html: String,
}

#[derive(Serialize)]
struct MeasureJson {
    what: String,
    who: Option<String>,
    #[serde(rename = "where")]
    where_: Option<String>,
    places: Vec<String>,
    period: Option<DateJson>,
}

#[derive(Serialize)]
struct EstimateJson {
    id: String,
    value: Option<f64>,
    low: Option<f64>,
    high: Option<f64>,
    approximate: bool,
    period: Option<DateJson>,
    source: Option<CiteJson>,
    attribution: Option<String>,
    basis: Option<&'static str>,
    wording: Option<String>,
    reliability: Option<&'static str>,
    reliability_note: Option<String>,
    note: Option<String>,
    rank: &'static str,
    verified: bool,
    verify_note: Option<String>,
}

#[derive(Serialize)]
struct FigureJson {
    entry: String,
    id: String,
    measure: MeasureJson,
    unit: String,
    unit_kind: &'static str,
    note: Option<String>,
    estimates: Vec<EstimateJson>,
    api: String,
    page: String,
}

#[derive(Serialize)]
struct EventJson {
    entry: String,
    id: String,
    date: Option<DateJson>,
    label: String,
    description: Option<String>,
    places: Vec<String>,
    sources: Vec<CiteJson>,
    attribution: Option<String>,
    verified: bool,
}

#[derive(Serialize)]
struct HolderJson {
    cite: Option<CiteJson>,
    name: Option<String>,
    date: Option<DateJson>,
    source: Option<CiteJson>,
    note: Option<String>,
}

#[derive(Serialize)]
struct PositionJson {
    id: String,
    question: Option<String>,
    qualification: String,
    argument: String,
    holders: Vec<HolderJson>,
}

#[derive(Serialize)]
struct TestimonyJson {
    id: String,
    witness: String,
    role: Option<String>,
    date: Option<DateJson>,
    about: Vec<String>,
    source: Option<CiteJson>,
    summary: Option<String>,
}

/// Where in an entry a citation is written.
#[derive(Serialize, Clone, PartialEq, Eq)]
struct ContextJson {
    /// `section`, `estimate`, `event`, `position` or `testimony`.
    kind: &'static str,
    /// The section's anchor (empty before the first section), `figure.estimate`,
    /// or the event's, position's or testimony's id.
    id: String,
}

#[derive(Serialize)]
struct CitationJson {
    context: ContextJson,
    items: Vec<CiteItemJson>,
}

#[derive(Serialize)]
struct WorkBrief {
    key: String,
    title: String,
    year: Option<i32>,
    reference: Option<String>,
    api: String,
}

#[derive(Serialize)]
struct CiteFormats {
    bibtex: String,
    ris: String,
    csl_json: String,
}

#[derive(Serialize)]
struct HowToCite {
    authors: Vec<String>,
    title: String,
    container_title: String,
    publisher: Option<String>,
    published: Option<String>,
    modified: Option<String>,
    url: String,
    issn: Option<String>,
    formats: CiteFormats,
}

#[derive(Serialize)]
struct EntryDetail {
    #[serde(flatten)]
    summary: EntrySummary,
    related: Vec<String>,
    sections: Vec<SectionJson>,
    figures: Vec<FigureJson>,
    events: Vec<EventJson>,
    positions: Vec<PositionJson>,
    testimonies: Vec<TestimonyJson>,
    places_detail: Vec<PlaceBrief>,
    citations: Vec<CitationJson>,
    works_cited: Vec<WorkBrief>,
    cite: HowToCite,
}

#[derive(Serialize)]
struct PlaceBrief {
    id: String,
    name: String,
    api: String,
}

#[derive(Serialize)]
struct PlaceNameJson {
    name: String,
    lang: Option<String>,
    script: Option<String>,
    romanization: Option<String>,
    preferred: bool,
}

#[derive(Serialize)]
struct CoordinatesJson {
    lat: f64,
    lon: f64,
}

#[derive(Serialize)]
struct PlaceJson {
    id: String,
    name: String,
    names: Vec<PlaceNameJson>,
    kind: Option<&'static str>,
    coordinates: Option<CoordinatesJson>,
    precision: Option<&'static str>,
    verified: bool,
    part_of: Option<String>,
    period: Option<DateJson>,
    note: Option<String>,
    entries: Vec<String>,
    page: Option<String>,
    api: String,
}

#[derive(Serialize)]
struct NameJson {
    family: String,
    given: Option<String>,
}

#[derive(Serialize, Clone)]
struct SectionRef {
    anchor: String,
    title: String,
    page: String,
}

#[derive(Serialize, Clone)]
struct CitedIn {
    entry: String,
    title: String,
    api: String,
    page: String,
    sections: Vec<SectionRef>,
    data: Vec<ContextJson>,
    nocite: bool,
}

#[derive(Serialize)]
struct WorkJson {
    key: String,
    kind: String,
    authors: Vec<NameJson>,
    year: Option<i32>,
    title: String,
    reference: Option<String>,
    cited_in: Vec<CitedIn>,
    api: String,
}

#[derive(Serialize)]
struct Counts {
    entries: usize,
    figures: usize,
    estimates: usize,
    events: usize,
    positions: usize,
    testimonies: usize,
    places: usize,
    works: usize,
}

#[derive(Serialize)]
struct Links {
    entries: String,
    figures: String,
    events: String,
    places: String,
    places_geojson: String,
    works: String,
    openapi: String,
}

#[derive(Serialize)]
struct IndexJson {
    title: String,
    subtitle: Option<String>,
    publisher: Option<String>,
    issn: Option<String>,
    base_url: String,
    languages: Vec<String>,
    license: Option<String>,
    counts: Counts,
    links: Links,
}

#[derive(Serialize)]
struct List<T> {
    count: usize,
    items: Vec<T>,
}

fn list<T: Serialize>(items: Vec<T>) -> Made {
    json(&List { count: items.len(), items })
}

// ---------------------------------------------------------------------------
// Derived tables, made once per snapshot

/// What several answers need and the view does not hold directly: the
/// formatted reference of each work, where each work is cited, which
/// entries name each place.
struct Index {
    snap: Arc<Snapshot>,
    /// Work key → formatted reference (HTML) in the encyclopedia's style.
    references: HashMap<String, String>,
    /// Indices into `view.works`, in the bibliography's order.
    work_order: Vec<usize>,
    /// Work key → the entries citing it.
    cited_in: HashMap<String, Vec<CitedIn>>,
    /// Place id → slugs of the entries naming it (entry, events, figures).
    mentions: BTreeMap<String, Vec<String>>,
}

impl Index {
    fn new(snap: Arc<Snapshot>) -> Index {
        let view = &snap.view;
        let works: Vec<&Work> = view.works.iter().collect();
        let formatted = crate::render::cite::render_bibliography(
            view.config.citation_style,
            view.config.default_language(),
            &works,
        );
        let mut work_order: Vec<usize> = Vec::with_capacity(works.len());
        let mut references = HashMap::new();
        for item in formatted {
            if let Some(i) = view.works.iter().position(|w| w.key.v == item.key) {
                if !work_order.contains(&i) {
                    work_order.push(i);
                }
            }
            references.insert(item.key, item.html);
        }
        for i in 0..works.len() {
            if !work_order.contains(&i) {
                work_order.push(i);
            }
        }

        let mut cited_in: HashMap<String, Vec<CitedIn>> = HashMap::new();
        let mut mentions: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for s in &view.entries {
            let e = &s.entry;
            let mut per_key: BTreeMap<&str, CitedIn> = BTreeMap::new();
            let blank = || CitedIn {
                entry: e.slug.clone(),
                title: e.title.v.clone(),
                api: api_entry(&e.slug),
                page: page_entry(&e.slug),
                sections: Vec::new(),
                data: Vec::new(),
                nocite: false,
            };
            for (ctx, c) in citations_in_context(e) {
                for item in &c.items {
                    let at = per_key.entry(item.key.as_str()).or_insert_with(blank);
                    if ctx.kind == "section" {
                        if !at.sections.iter().any(|r| r.anchor == ctx.id) {
                            at.sections.push(SectionRef {
                                anchor: ctx.id.clone(),
                                title: section_title(e, &ctx.id),
                                page: format!("{}#{}", page_entry(&e.slug), ctx.id),
                            });
                        }
                    } else if !at.data.contains(&ctx) {
                        at.data.push(ctx.clone());
                    }
                }
            }
            let all = e.nocite.iter().any(|n| n.v == "*");
            let listed: Vec<&str> = if all {
                view.works.iter().map(|w| w.key.v.as_str()).collect()
            } else {
                e.nocite.iter().map(|n| n.v.as_str()).collect()
            };
            for key in listed {
                per_key.entry(key).or_insert_with(blank).nocite = true;
            }
            for (key, c) in per_key {
                cited_in.entry(key.to_string()).or_default().push(c);
            }
            for id in place_ids(e) {
                let v = mentions.entry(id.to_string()).or_default();
                if !v.contains(&e.slug) {
                    v.push(e.slug.clone());
                }
            }
        }
        Index { snap, references, work_order, cited_in, mentions }
    }

    fn entry(&self, slug: &str) -> Result<&SiteEntry, ApiError> {
        self.snap
            .view
            .entries
            .iter()
            .find(|s| s.entry.slug == slug)
            .ok_or_else(|| ApiError::NotFound(format!("no entry `{slug}`")))
    }

    fn canonical(&self, slug: &str) -> String {
        let base = &self.snap.view.config.base_url;
        let sep = if base.ends_with('/') { "" } else { "/" };
        format!("{base}{sep}entries/{}/", seg(slug))
    }

    fn summary(&self, e: &Entry) -> EntrySummary {
        EntrySummary {
            slug: e.slug.clone(),
            title: e.title.v.clone(),
            kind: e.kind.as_ref().map(|k| k.v.as_str()),
            status: e.status.as_ref().map(|k| k.v.as_str()),
            language: e.language.clone(),
            authors: e
                .authors
                .iter()
                .map(|a| AuthorJson {
                    name: a.name.clone(),
                    affiliation: a.affiliation.clone(),
                    orcid: a.orcid.clone(),
                })
                .collect(),
            published: e.published.as_ref().map(|d| d.raw.clone()),
            modified: e.modified.as_ref().map(|d| d.raw.clone()),
            period: opt_date(&e.period),
            summary: e.summary.clone(),
            tags: e.tags.clone(),
            places: e.places.iter().map(|p| p.v.clone()).collect(),
            url: self.canonical(&e.slug),
            page: page_entry(&e.slug),
            api: api_entry(&e.slug),
        }
    }

    fn detail(&self, s: &SiteEntry) -> EntryDetail {
        let e = &s.entry;
        let view = &self.snap.view;
        let sections = self
            .snap
            .sections
            .get(&e.slug)
            .map(|v| {
                v.iter()
                    .map(|x| SectionJson { anchor: x.anchor.clone(), title: x.title.clone(), html: x.html.clone() })
                    .collect()
            })
            .unwrap_or_default();
        let mut keys: Vec<&str> =
            crate::check::cited_keys(e).into_iter().map(|(k, _)| k).filter(|k| view.work(k).is_some()).collect();
        if e.nocite.iter().any(|n| n.v == "*") {
            keys.extend(view.works.iter().map(|w| w.key.v.as_str()));
        }
        let keys: HashSet<&str> = keys.into_iter().collect();
        let works_cited = self
            .work_order
            .iter()
            .map(|&i| &view.works[i])
            .filter(|w| keys.contains(w.key.v.as_str()))
            .map(|w| WorkBrief {
                key: w.key.v.clone(),
                title: w.title.clone(),
                year: w.year,
                reference: self.references.get(&w.key.v).cloned(),
                api: api_work(&w.key.v),
            })
            .collect();
        let mut seen = HashSet::new();
        let places_detail = e
            .places
            .iter()
            .map(|p| p.v.as_str())
            .chain(place_ids(e))
            .filter(|id| seen.insert(*id))
            .filter_map(|id| view.place(id))
            .map(|p| PlaceBrief { id: p.id.v.clone(), name: p.display_name().to_string(), api: api_place(&p.id.v) })
            .collect();
        let citations = citations_in_context(e)
            .into_iter()
            .map(|(context, c)| CitationJson { context, items: cite(c).items })
            .collect();
        let dir = page_entry(&e.slug);
        let cite = HowToCite {
            authors: e.authors.iter().map(|a| a.name.clone()).collect(),
            title: e.title.v.clone(),
            container_title: view.config.title.clone(),
            publisher: view.config.publisher.clone(),
            published: e.published.as_ref().map(|d| d.raw.clone()),
            modified: e.modified.as_ref().map(|d| d.raw.clone()),
            url: self.canonical(&e.slug),
            issn: view.config.issn.clone(),
            formats: CiteFormats {
                bibtex: format!("{dir}cite.bib"),
                ris: format!("{dir}cite.ris"),
                csl_json: format!("{dir}cite.json"),
            },
        };
        EntryDetail {
            summary: self.summary(e),
            related: e.related.iter().map(|r| r.v.clone()).collect(),
            sections,
            figures: e.figures.iter().map(|f| figure_json(e, f)).collect(),
            events: e.events.iter().map(|x| event_json(e, x)).collect(),
            positions: e.positions.iter().map(position_json).collect(),
            testimonies: e.testimonies.iter().map(testimony_json).collect(),
            places_detail,
            citations,
            works_cited,
            cite,
        }
    }

    fn place_json(&self, p: &Place) -> PlaceJson {
        let page_path = format!("places/{}/index.html", p.id.v);
        PlaceJson {
            id: p.id.v.clone(),
            name: p.display_name().to_string(),
            names: p
                .names
                .iter()
                .map(|n| PlaceNameJson {
                    name: n.name.clone(),
                    lang: n.lang.clone(),
                    script: n.script.clone(),
                    romanization: n.romanization.clone(),
                    preferred: n.preferred,
                })
                .collect(),
            kind: p.kind.map(|k| k.as_str()),
            coordinates: p.coordinates.as_ref().map(|c| CoordinatesJson { lat: c.v.lat, lon: c.v.lon }),
            precision: p.precision.map(|k| k.as_str()),
            verified: p.verified,
            part_of: p.part_of.as_ref().map(|x| x.v.clone()),
            period: opt_date(&p.period),
            note: p.note.clone(),
            entries: self.mentions.get(&p.id.v).cloned().unwrap_or_default(),
            page: self.snap.files.contains_key(&page_path).then(|| format!("/places/{}/", seg(&p.id.v))),
            api: api_place(&p.id.v),
        }
    }

    fn work_json(&self, w: &Work) -> WorkJson {
        WorkJson {
            key: w.key.v.clone(),
            kind: w.kind.clone(),
            authors: w.authors.iter().map(|a| NameJson { family: a.family.clone(), given: a.given.clone() }).collect(),
            year: w.year,
            title: w.title.clone(),
            reference: self.references.get(&w.key.v).cloned(),
            cited_in: self.cited_in.get(&w.key.v).cloned().unwrap_or_default(),
            api: api_work(&w.key.v),
        }
    }

    /// Whether `id` is `ancestor` or lies inside it (its `part_of` chain).
    fn within(&self, id: &str, ancestor: &str) -> bool {
        let mut at = id;
        let mut seen = HashSet::new();
        loop {
            if at == ancestor {
                return true;
            }
            if !seen.insert(at) {
                return false; // a cycle (reported by the checker)
            }
            match self.snap.view.place(at).and_then(|p| p.part_of.as_ref()) {
                Some(parent) => at = &parent.v,
                None => return false,
            }
        }
    }
}

/// Every place id an entry names: its own, its events' and its figures'.
fn place_ids(e: &Entry) -> impl Iterator<Item = &str> {
    e.places
        .iter()
        .chain(e.events.iter().flat_map(|x| &x.places))
        .chain(e.figures.iter().flat_map(|f| &f.measure.places))
        .map(|p| p.v.as_str())
}

/// The title of the level-2 section with this anchor (empty for the text
/// before the first section).
fn section_title(e: &Entry, anchor: &str) -> String {
    e.body.sections.iter().find(|s| s.level == 2 && s.anchor == anchor).map(|s| s.title.clone()).unwrap_or_default()
}

/// Every citation of the entry with where it is written, in the order of
/// [`Entry::citations`]: the prose (by level-2 section), then estimates,
/// events, positions and testimonies.
fn citations_in_context(e: &Entry) -> Vec<(ContextJson, &Citation)> {
    let mut out = Vec::new();
    for c in &e.body.citations {
        let anchor = e
            .body
            .sections
            .iter()
            .filter(|s| s.level == 2 && s.extent.contains(&c.span.start))
            .map(|s| s.anchor.clone())
            .next_back()
            .unwrap_or_default();
        out.push((ContextJson { kind: "section", id: anchor }, c));
    }
    for f in &e.figures {
        for x in &f.estimates {
            if let Some(s) = &x.source {
                out.push((ContextJson { kind: "estimate", id: format!("{}.{}", f.id.v, x.id.v) }, &s.v));
            }
        }
    }
    for x in &e.events {
        for s in &x.sources {
            out.push((ContextJson { kind: "event", id: x.id.v.clone() }, &s.v));
        }
    }
    for p in &e.positions {
        for h in &p.holders {
            for s in h.cite.iter().chain(&h.source) {
                out.push((ContextJson { kind: "position", id: p.id.v.clone() }, &s.v));
            }
        }
    }
    for t in &e.testimonies {
        if let Some(s) = &t.source {
            out.push((ContextJson { kind: "testimony", id: t.id.v.clone() }, &s.v));
        }
    }
    out
}

fn figure_json(e: &Entry, f: &model::Figure) -> FigureJson {
    let (unit, unit_kind) = match &f.unit {
        Unit::Percent => ("percent".to_string(), "percent"),
        Unit::Share => ("share".to_string(), "share"),
        Unit::Count(what) => (what.clone(), "count"),
    };
    FigureJson {
        entry: e.slug.clone(),
        id: f.id.v.clone(),
        measure: MeasureJson {
            what: f.measure.what.clone(),
            who: f.measure.who.clone(),
            where_: f.measure.where_.clone(),
            places: f.measure.places.iter().map(|p| p.v.clone()).collect(),
            period: opt_date(&f.measure.period),
        },
        unit,
        unit_kind,
        note: f.note.clone(),
        estimates: f
            .estimates
            .iter()
            .map(|x| EstimateJson {
                id: x.id.v.clone(),
                value: x.value.as_ref().map(|v| v.v),
                low: x.low.as_ref().map(|v| v.v),
                high: x.high.as_ref().map(|v| v.v),
                approximate: x.approximate,
                period: opt_date(&x.period),
                source: x.source.as_ref().map(|s| cite(&s.v)),
                attribution: x.attribution.clone(),
                basis: x.basis.map(|b| b.as_str()),
                wording: x.wording.clone(),
                reliability: x.reliability.map(|r| r.as_str()),
                reliability_note: x.reliability_note.clone(),
                note: x.note.clone(),
                rank: x.rank.as_str(),
                verified: x.verified,
                verify_note: x.verify_note.clone(),
            })
            .collect(),
        api: api_figure(&e.slug, &f.id.v),
        page: format!("{}#fig-{}", page_entry(&e.slug), seg(&f.id.v)),
    }
}

fn event_json(e: &Entry, x: &model::Event) -> EventJson {
    EventJson {
        entry: e.slug.clone(),
        id: x.id.v.clone(),
        date: opt_date(&x.date),
        label: x.label.clone(),
        description: x.description.clone(),
        places: x.places.iter().map(|p| p.v.clone()).collect(),
        sources: x.sources.iter().map(|s| cite(&s.v)).collect(),
        attribution: x.attribution.clone(),
        verified: x.verified,
    }
}

fn position_json(p: &model::Position) -> PositionJson {
    PositionJson {
        id: p.id.v.clone(),
        question: p.question.clone(),
        qualification: p.qualification.clone(),
        argument: p.argument.clone(),
        holders: p
            .holders
            .iter()
            .map(|h| HolderJson {
                cite: h.cite.as_ref().map(|c| cite(&c.v)),
                name: h.name.clone(),
                date: opt_date(&h.date),
                source: h.source.as_ref().map(|c| cite(&c.v)),
                note: h.note.clone(),
            })
            .collect(),
    }
}

fn testimony_json(t: &model::Testimony) -> TestimonyJson {
    TestimonyJson {
        id: t.id.v.clone(),
        witness: t.witness.clone(),
        role: t.role.clone(),
        date: opt_date(&t.date),
        about: t.about.iter().map(|a| a.v.clone()).collect(),
        source: t.source.as_ref().map(|c| cite(&c.v)),
        summary: t.summary.clone(),
    }
}

// ---------------------------------------------------------------------------
// Handlers

/// What every handler needs: the state, the cache, the URL as requested
/// (with the `/api/v1` prefix, the cache key) and the request headers.
struct Cx {
    state: AppState,
    cache: Cache,
    uri: Uri,
    headers: HeaderMap,
}

impl FromRequestParts<AppState> for Cx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let uri = parts.extensions.get::<OriginalUri>().map_or_else(|| parts.uri.clone(), |o| o.0.clone());
        let cache = parts.extensions.get::<Cache>().cloned().unwrap_or_default();
        Ok(Cx { state: state.clone(), cache, uri, headers: parts.headers.clone() })
    }
}

impl Cx {
    /// The answer made by `make` (from the cache when it was made before),
    /// after checking that the query holds only the `allowed` parameters.
    fn answer(&self, allowed: &[&str], make: impl FnOnce(&Index, HashMap<String, String>) -> Made) -> Response {
        cached(&self.state, &self.cache, &self.uri, &self.headers, |ix| make(ix, params(&self.uri, allowed)?))
    }
}

/// A path parameter, or the JSON 400 when it cannot be read.
type PathParam<T> = Result<Path<T>, PathRejection>;

fn path_param<T>(p: PathParam<T>) -> Result<T, ApiError> {
    p.map(|Path(v)| v).map_err(|e| ApiError::BadRequest(format!("cannot read the path: {}", e.body_text())))
}

async fn index(cx: Cx) -> Response {
    cx.answer(&[], |ix, _| {
        let view = &ix.snap.view;
        let c = &view.config;
        let es = || view.entries.iter().map(|s| &s.entry);
        let link = |p: &str| format!("{BASE}/{p}");
        json(&IndexJson {
            title: c.title.clone(),
            subtitle: c.subtitle.clone(),
            publisher: c.publisher.clone(),
            issn: c.issn.clone(),
            base_url: c.base_url.clone(),
            languages: c.languages.clone(),
            license: c.license.clone(),
            counts: Counts {
                entries: view.entries.len(),
                figures: es().map(|e| e.figures.len()).sum(),
                estimates: es().flat_map(|e| &e.figures).map(|f| f.estimates.len()).sum(),
                events: es().map(|e| e.events.len()).sum(),
                positions: es().map(|e| e.positions.len()).sum(),
                testimonies: es().map(|e| e.testimonies.len()).sum(),
                places: view.places.len(),
                works: view.works.len(),
            },
            links: Links {
                entries: link("entries"),
                figures: link("figures"),
                events: link("events"),
                places: link("places"),
                places_geojson: link("places.geojson"),
                works: link("works"),
                openapi: link("openapi.json"),
            },
        })
    })
}

async fn openapi(cx: Cx) -> Response {
    cx.answer(&[], |_, _| json(&super::openapi::document()))
}

async fn entries(cx: Cx) -> Response {
    cx.answer(&[], |ix, _| list(ix.snap.view.entries.iter().map(|s| ix.summary(&s.entry)).collect()))
}

async fn entry(cx: Cx, slug: PathParam<String>) -> Response {
    cx.answer(&[], |ix, _| json(&ix.detail(ix.entry(&path_param(slug)?)?)))
}

async fn figure(cx: Cx, p: PathParam<(String, String)>) -> Response {
    cx.answer(&[], |ix, _| {
        let (slug, id) = path_param(p)?;
        let e = &ix.entry(&slug)?.entry;
        let f = e
            .figures
            .iter()
            .find(|f| f.id.v == id)
            .ok_or_else(|| ApiError::NotFound(format!("no figure `{id}` in entry `{slug}`")))?;
        json(&figure_json(e, f))
    })
}

async fn figures(cx: Cx) -> Response {
    cx.answer(&["entry"], |ix, q| {
        let only = q.get("entry");
        let items = ix
            .snap
            .view
            .entries
            .iter()
            .map(|s| &s.entry)
            .filter(|e| only.is_none_or(|slug| &e.slug == slug))
            .flat_map(|e| e.figures.iter().map(move |f| figure_json(e, f)))
            .collect();
        list(items)
    })
}

/// An EDTF bound of the `from` or `to` parameter.
fn bound(q: &HashMap<String, String>, name: &str) -> Result<Option<model::Edtf>, ApiError> {
    q.get(name)
        .map(|v| {
            crate::parse::edtf::parse(v)
                .map_err(|e| ApiError::BadRequest(format!("`{name}` is not an EDTF date: `{v}`: {}", e.message)))
        })
        .transpose()
}

async fn events(cx: Cx) -> Response {
    cx.answer(&["from", "to", "place", "entry"], |ix, q| {
        let from = bound(&q, "from")?.map(|d| d.sort_key().0);
        let to = bound(&q, "to")?.map(|d| d.sort_key().1);
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                return Err(ApiError::BadRequest(format!("`from` ({f}) is after `to` ({t})")));
            }
        }
        let place = q.get("place");
        let only = q.get("entry");
        let mut items = Vec::new();
        for e in ix.snap.view.entries.iter().map(|s| &s.entry) {
            if only.is_some_and(|slug| &e.slug != slug) {
                continue;
            }
            for x in &e.events {
                if from.is_some() || to.is_some() {
                    // Overlap of the event's possible days with [from, to].
                    let Some((start, end)) = x.date.as_ref().and_then(|d| d.edtf.as_ref()).map(|d| d.sort_key()) else {
                        continue;
                    };
                    if from.is_some_and(|f| end < f) || to.is_some_and(|t| start > t) {
                        continue;
                    }
                }
                if let Some(p) = place {
                    if !x.places.iter().any(|id| ix.within(&id.v, p)) {
                        continue;
                    }
                }
                items.push(event_json(e, x));
            }
        }
        list(items)
    })
}

async fn places(cx: Cx) -> Response {
    cx.answer(&[], |ix, _| list(ix.snap.view.places.iter().map(|p| ix.place_json(p)).collect()))
}

async fn place(cx: Cx, id: PathParam<String>) -> Response {
    cx.answer(&[], |ix, _| {
        let id = path_param(id)?;
        let p = ix.snap.view.place(&id).ok_or_else(|| ApiError::NotFound(format!("no place `{id}`")))?;
        json(&ix.place_json(p))
    })
}

async fn places_geojson(cx: Cx) -> Response {
    cx.answer(&[], |ix, _| {
        let places: Vec<&Place> = ix.snap.view.places.iter().collect();
        Ok((GEOJSON, crate::export::geojson::places(&places, &ix.mentions).into_bytes()))
    })
}

/// The works in `format` (`json`, the default, or an export format).
fn works_in(ix: &Index, works: &[&Work], q: &HashMap<String, String>, one: bool) -> Made {
    use crate::export::{bibtex, csl_json, ris};
    match q.get("format").map(String::as_str) {
        None | Some("json") if one => json(&ix.work_json(works[0])),
        None | Some("json") => list(works.iter().map(|w| ix.work_json(w)).collect()),
        Some("bibtex") => Ok((BIBTEX, bibtex::works(works).into_bytes())),
        Some("ris") => Ok((RIS, ris::works(works).into_bytes())),
        Some("csl-json") => Ok((CSL_JSON, csl_json::works(works).into_bytes())),
        Some(other) => {
            Err(ApiError::BadRequest(format!("unknown format `{other}` (expected: json, bibtex, ris, csl-json)")))
        }
    }
}

async fn works(cx: Cx) -> Response {
    cx.answer(&["format"], |ix, q| {
        let works: Vec<&Work> = ix.work_order.iter().map(|&i| &ix.snap.view.works[i]).collect();
        works_in(ix, &works, &q, false)
    })
}

async fn work(cx: Cx, key: PathParam<String>) -> Response {
    cx.answer(&["format"], |ix, q| {
        let key = path_param(key)?;
        let w = ix.snap.view.work(&key).ok_or_else(|| ApiError::NotFound(format!("no work `{key}`")))?;
        works_in(ix, &[w], &q, true)
    })
}
