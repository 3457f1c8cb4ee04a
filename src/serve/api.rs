//! The read-only JSON API under `/api/v1`, cut from the public snapshot.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use super::state::AppState;

/// The routes under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(root)).route("/search", get(super::search_page::api))
}

async fn root(State(state): State<AppState>) -> Response {
    let snap = state.snapshot();
    Json(serde_json::json!({ "title": snap.view.config.title, "entries": snap.view.entries.len() })).into_response()
}
