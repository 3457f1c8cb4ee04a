//! The router: every route of `attest serve` and the layers around them
//! (request ids, logs, time and size limits, security headers, the refusal
//! of cross-site requests that change state, CORS and compression for the
//! API). [`app`] is a plain function of the state, so
//! tests drive it with `tower::ServiceExt::oneshot` and no socket.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderName, HeaderValue, Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tower_http::cors::{Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_http::LatencyUnit;

use super::state::AppState;
use super::{live, pages};

/// Largest request body accepted everywhere but the edit form (see
/// [`super::edit::BODY_LIMIT`]): the sign-in form is small, so anything
/// bigger is a mistake or an attack.
pub const BODY_LIMIT: usize = 64 * 1024;

/// How long one request may take before the server gives up on it.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The policy every answer carries: only this server's own scripts, styles
/// and images (plus the two style sheets inside the timeline and map SVGs,
/// by hash); no frames; no inline script.
pub fn csp() -> &'static str {
    static CSP: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CSP.get_or_init(|| {
        use base64::Engine;
        use sha2::Digest;
        let hashes: Vec<String> = crate::render::svg::inline_styles()
            .iter()
            .map(|s| format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(s))))
            .collect();
        format!(
            "default-src 'none'; script-src 'self'; style-src 'self' {}; img-src 'self' data:; connect-src 'self'; \
             font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
            hashes.join(" ")
        )
    })
}

/// The header that carries the request id, set here or passed in by a proxy.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request ids: a counter per process, enough to find one request's lines
/// in the log (a proxy's id is kept when it sends one).
#[derive(Clone, Default)]
struct Counter(Arc<AtomicU64>);

impl MakeRequestId for Counter {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = self.0.fetch_add(1, Ordering::Relaxed) + 1;
        HeaderValue::from_str(&format!("{n:08x}")).ok().map(RequestId::new)
    }
}

/// Every route of the server.
pub fn app(state: AppState) -> Router {
    let api = super::api::routes().layer(
        CorsLayer::new().allow_origin(Any).allow_methods([Method::GET, Method::HEAD]).expose_headers([
            header::ETAG,
            header::LAST_MODIFIED,
            REQUEST_ID.clone(),
        ]),
    );
    let timed = Router::new()
        .route("/healthz", get(healthz))
        // Browsers ask for it on their own; a site without one should not log a 404 per visit.
        .route(
            "/favicon.ico",
            get(|| async { (StatusCode::NO_CONTENT, [(header::CACHE_CONTROL, "public, max-age=86400")]) }),
        )
        .route("/_attest/live.js", get(live::script))
        .route("/_attest/status", get(live::status))
        .merge(super::search_page::routes())
        .merge(super::auth::routes())
        .merge(super::history::routes())
        .merge(super::review::routes())
        .merge(super::editions::routes())
        .nest("/api/v1", api.clone())
        .route("/api/v1/", get(|| async { axum::response::Redirect::permanent("/api/v1") }))
        .route("/api/search", get(super::search_page::api))
        .fallback(pages::serve_file)
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT));
    // The event stream stays open for as long as a page does: no timeout.
    let streams = Router::new().route("/_attest/events", get(live::events));
    // Saves carry a whole entry: their own, larger limit.
    let edits = super::edit::routes()
        .merge(super::files::routes())
        .layer(RequestBodyLimitLayer::new(super::edit::BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT));
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    timed
        .merge(streams)
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .merge(edits)
        .with_state(state.clone())
        .layer(axum::middleware::from_fn_with_state(state, super::auth::guard))
        .layer(header(header::CONTENT_SECURITY_POLICY, csp()))
        .layer(header(header::REFERRER_POLICY, "no-referrer"))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(LatencyUnit::Micros)),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), Counter::default()))
}

/// `GET /healthz`: the server is up and serving a snapshot.
async fn healthz(State(state): State<AppState>) -> Response {
    let snap = state.snapshot();
    Json(serde_json::json!({ "status": "ok", "generation": snap.generation, "entries": snap.view.entries.len() }))
        .into_response()
}
