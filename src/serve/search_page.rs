//! `/search?q=`: search results rendered on the server, so searching works
//! without scripts.

use axum::Router;

use super::state::AppState;

/// The search page's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
