//! The router: every route of `attest serve` and the layers around them
//! (request ids, logs, time and size limits, security headers, CORS and
//! compression for the API). [`app`] is a plain function of the state, so
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
use tower_http::trace::TraceLayer;

use super::state::AppState;
use super::{live, pages};

/// Largest request body accepted. Every route is read-only today, so
/// anything bigger is a mistake or an attack.
pub const BODY_LIMIT: usize = 64 * 1024;

/// How long one request may take before the server gives up on it.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The policy every answer carries: only this server's own scripts, styles
/// and images; no frames; no referrer sent to the sites that entries link to.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

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
        .route("/_attest/live.js", get(live::script))
        .route("/_attest/status", get(live::status))
        .merge(super::search_page::routes())
        .nest("/api/v1", api.clone())
        .route("/api/search", get(super::api::search))
        .fallback(pages::serve_file)
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT));
    // The event stream stays open for as long as a page does: no timeout.
    let streams = Router::new().route("/_attest/events", get(live::events));
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    timed
        .merge(streams)
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(header(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(header(header::REFERRER_POLICY, "no-referrer"))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), Counter::default()))
}

/// `GET /healthz`: the server is up and serving a snapshot.
async fn healthz(State(state): State<AppState>) -> Response {
    let snap = state.snapshot();
    Json(serde_json::json!({ "status": "ok", "generation": snap.generation, "entries": snap.view.entries.len() }))
        .into_response()
}
