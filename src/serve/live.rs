//! Live editing: the script added to pages while a folder is watched, the
//! event stream that tells them to reload, and the check results that the
//! script shows over the page (file, line, column, hint).

use std::convert::Infallible;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::stream::Stream;
use serde::Serialize;

use super::state::{AppState, LiveEvent, Problem};

/// The browser side, embedded in the binary.
pub const LIVE_JS: &str = include_str!("../../assets/live.js");

/// `GET /_attest/live.js`.
pub async fn script() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], LIVE_JS)
        .into_response()
}

/// What `/_attest/status` answers.
#[derive(Debug, Serialize)]
pub struct Status {
    /// The snapshot being served.
    pub generation: u64,
    /// Errors and warnings of the last check.
    pub problems: Vec<Problem>,
    /// Why the last reload failed, if it did.
    pub failure: Option<String>,
}

/// `GET /_attest/status`: the check's findings. Answered only while a
/// folder is watched (the findings name files and lines of the sources,
/// restricted ones included, which is for the editor at the keyboard).
pub async fn status(State(state): State<AppState>) -> Response {
    if !state.is_live() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let snap = state.snapshot();
    Json(Status { generation: snap.generation, problems: snap.problems.clone(), failure: state.last_failure() })
        .into_response()
}

/// `GET /_attest/events`: server-sent events, `reload` after every change,
/// `failed` when a change could not be loaded. Ends when the server shuts
/// down, so open pages do not hold up a graceful shutdown.
pub async fn events(State(state): State<AppState>) -> Response {
    let Some(rx) = state.subscribe() else { return StatusCode::NOT_FOUND.into_response() };
    let shutdown = state.shutdown();
    Sse::new(stream(rx, shutdown)).keep_alive(KeepAlive::default()).into_response()
}

fn stream(
    rx: tokio::sync::broadcast::Receiver<LiveEvent>,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    futures_util::stream::unfold((rx, shutdown), |(mut rx, mut shutdown)| async move {
        if *shutdown.borrow() {
            return None;
        }
        let event = tokio::select! {
            _ = shutdown.changed() => return None,
            got = rx.recv() => match got {
                Ok(ev) => {
                    let name = match &ev {
                        LiveEvent::Reload { .. } => "reload",
                        LiveEvent::Failed { .. } => "failed",
                    };
                    Event::default().event(name).data(serde_json::to_string(&ev).expect("events serialise"))
                }
                // Missed events: one reload covers them all.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => Event::default().event("reload").data("{}"),
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            },
        };
        Some((Ok(event), (rx, shutdown)))
    })
}
