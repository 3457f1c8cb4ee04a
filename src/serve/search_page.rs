//! Search over HTTP: `/search?q=` renders results on the server with the
//! site's own search template (so searching works without scripts), and
//! `/api/search` (also `/api/v1/search`) answers the same query as JSON.
//! Both read the full-text index, which holds only the public view.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query as Params, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::search::{self, Query, Results};

use super::state::AppState;

/// Hits on one page of results.
pub const PAGE_SIZE: usize = 20;

/// The search page's routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/search", get(page)).route("/search/", get(page)).route("/search/index.html", get(page))
}

/// What a search URL may carry.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct SearchParams {
    /// Words and `"phrases"`.
    pub q: Option<String>,
    /// Kind of document (`case-study`, `event`, `place`, `work`, ...).
    pub kind: Option<String>,
    /// Gazetteer id: documents about it or a place inside it.
    pub place: Option<String>,
    /// EDTF date, interval, or `FROM..TO`.
    pub period: Option<String>,
    /// Author, any script.
    pub author: Option<String>,
    /// Language code.
    pub lang: Option<String>,
    /// Hits to return (API only; at most 100).
    pub limit: Option<usize>,
    /// Hits to skip.
    pub offset: Option<usize>,
}

impl SearchParams {
    fn is_empty(&self) -> bool {
        [&self.q, &self.kind, &self.place, &self.period, &self.author, &self.lang]
            .iter()
            .all(|v| v.as_deref().is_none_or(|s| s.trim().is_empty()))
    }

    /// The engine's query, or why the parameters cannot be read.
    pub fn query(&self, limit: usize) -> Result<Query, String> {
        let some = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let period = match some(&self.period) {
            Some(p) => Some(search::parse_period(&p).ok_or_else(|| {
                format!("`{p}` is not a period: write a year, an EDTF date or interval, or FROM..TO (1943..1945)")
            })?),
            None => None,
        };
        Ok(Query {
            text: self.q.clone().unwrap_or_default(),
            kind: some(&self.kind),
            place: some(&self.place),
            period,
            author: some(&self.author),
            language: some(&self.lang),
            limit: self.limit.unwrap_or(limit).min(100),
            offset: self.offset.unwrap_or(0),
        })
    }

    /// This search as a query string, with `name` set to `value` (or removed).
    fn url(&self, name: &str, value: Option<&str>) -> String {
        let mut p = self.clone();
        let v = value.map(str::to_string);
        match name {
            "kind" => p.kind = v,
            "place" => p.place = v,
            "period" => p.period = v,
            "author" => p.author = v,
            "lang" => p.lang = v,
            "offset" => p.offset = value.and_then(|v| v.parse().ok()),
            _ => {}
        }
        if name != "offset" {
            p.offset = None;
        }
        p.limit = None;
        let pairs: Vec<(&str, String)> = [
            ("q", p.q),
            ("kind", p.kind),
            ("place", p.place),
            ("period", p.period),
            ("author", p.author),
            ("lang", p.lang),
            ("offset", p.offset.map(|o| o.to_string())),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (k, v)))
        .collect();
        let qs: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
        format!("?{}", qs.join("&"))
    }
}

/// Percent-encodes a query-string value (everything but RFC 3986's unreserved characters).
fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, super::api::SEGMENT).to_string()
}

/// A 400 in the API's one error shape.
fn bad_request(message: String) -> Response {
    super::api::error_response(&super::api::ApiError::BadRequest(message))
}

/// `GET /api/search` and `/api/v1/search`.
pub async fn api(State(state): State<AppState>, params: Result<Params<SearchParams>, QueryRejection>) -> Response {
    let Ok(Params(params)) = params else {
        return bad_request("the query string cannot be read".into());
    };
    let q = match params.query(PAGE_SIZE) {
        Ok(q) => q,
        Err(m) => return bad_request(m),
    };
    match run(&state, q).await {
        Ok(r) => ([(header::CACHE_CONTROL, "no-cache")], Json(r)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "search failed");
            let body = serde_json::json!({ "error": { "code": "internal", "message": "the search failed" } });
            (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
        }
    }
}

async fn run(state: &AppState, q: Query) -> Result<Results, search::SearchError> {
    let index = state.search();
    tokio::task::spawn_blocking(move || index.search(&q))
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

#[derive(Serialize)]
struct Link {
    label: String,
    count: u64,
    url: String,
}

#[derive(Serialize)]
struct Group {
    label: &'static str,
    values: Vec<Link>,
}

#[derive(Serialize)]
struct Active {
    label: String,
    remove: String,
}

#[derive(Serialize)]
struct Hidden {
    name: &'static str,
    value: String,
}

#[derive(Serialize)]
struct PageCtx {
    query: String,
    total: usize,
    hits: Vec<search::Hit>,
    facets: Vec<Group>,
    filters: Vec<Hidden>,
    active: Vec<Active>,
    error: Option<String>,
    more: Option<String>,
}

/// A kind's name for readers.
fn kind_label(kind: &str) -> String {
    let mut s = kind.replace('-', " ");
    if let Some(first) = s.get(..1) {
        s.replace_range(..1, &first.to_uppercase());
    }
    s
}

/// `GET /search?q=`: results rendered with the site's template. Without
/// parameters it is the site's own search page (searching in the browser).
async fn page(
    State(state): State<AppState>,
    method: axum::http::Method,
    uri: axum::extract::OriginalUri,
    address: super::auth::ClientAddr,
    headers: HeaderMap,
    params: Result<Params<SearchParams>, QueryRejection>,
) -> Response {
    let params = params.map(|p| p.0).unwrap_or_default();
    if params.is_empty() {
        return super::pages::serve_file(State(state), method, uri, address, headers).await;
    }
    let snap = state.snapshot();
    let (results, error) = match params.query(PAGE_SIZE) {
        Ok(q) => match run(&state, q).await {
            Ok(r) => (Some(r), None),
            Err(e) => {
                tracing::error!(error = %e, "search failed");
                (None, Some("The search failed; please try again.".to_string()))
            }
        },
        Err(m) => (None, Some(m)),
    };
    let mut facets = Vec::new();
    let mut active = Vec::new();
    let place_name =
        |id: &str| snap.view.place(id).map(|p| p.display_name().to_string()).unwrap_or_else(|| id.to_string());
    let filters: [(&'static str, &'static str, &Option<String>); 5] = [
        ("kind", "Kind", &params.kind),
        ("place", "Place", &params.place),
        ("period", "Period", &params.period),
        ("author", "Author", &params.author),
        ("lang", "Language", &params.lang),
    ];
    for (name, label, value) in filters {
        if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            let shown = match name {
                "kind" => kind_label(v),
                "place" => place_name(v),
                _ => v.to_string(),
            };
            active.push(Active { label: format!("{label}: {shown}"), remove: params.url(name, None) });
        }
    }
    if let Some(r) = &results {
        let group = |label: &'static str, name: &str, values: &[(String, u64)], show: &dyn Fn(&str) -> String| Group {
            label,
            values: values
                .iter()
                .take(12)
                .map(|(v, n)| Link { label: show(v), count: *n, url: params.url(name, Some(v)) })
                .collect(),
        };
        for g in [
            (params.kind.is_none()).then(|| group("Kind", "kind", &r.facets.kinds, &kind_label)),
            (params.place.is_none()).then(|| group("Place", "place", &r.facets.places, &place_name)),
            (params.author.is_none()).then(|| group("Author", "author", &r.facets.authors, &|s| s.to_string())),
            (params.lang.is_none()).then(|| group("Language", "lang", &r.facets.languages, &|s| s.to_string())),
        ]
        .into_iter()
        .flatten()
        .filter(|g| g.values.len() > 1)
        {
            facets.push(g);
        }
    }
    let filters = filters
        .iter()
        .filter_map(|(name, _, v)| {
            v.as_ref().filter(|v| !v.is_empty()).map(|value| Hidden { name, value: value.clone() })
        })
        .collect();
    let offset = params.offset.unwrap_or(0);
    let (total, hits) = results.map(|r| (r.total, r.hits)).unwrap_or_default();
    let more = (offset + hits.len() < total).then(|| params.url("offset", Some(&(offset + PAGE_SIZE).to_string())));
    let ctx =
        PageCtx { query: params.q.clone().unwrap_or_default(), total, hits, facets, filters, active, error, more };
    match snap.pages.search_page(&ctx) {
        Ok(html) => ([(header::CACHE_CONTROL, "no-cache")], Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "the search template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "the search page could not be rendered\n").into_response()
        }
    }
}
