//! The rendered site over HTTP: paths to files, conditional requests,
//! stored compressed copies, caching rules and the site's own 404 page.

use axum::extract::{OriginalUri, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use super::asset::{Asset, Encoding};
use super::state::AppState;

/// The file a URL path names: `/` is `index.html`, `/x/` is
/// `x/index.html`. `None` for paths that try to leave the site.
pub fn file_for(path: &str) -> Option<String> {
    let decoded = percent_decode(path)?;
    let rel = decoded.trim_start_matches('/');
    if rel.split('/').any(|seg| seg == ".." || seg == "." || seg.contains('\\')) || rel.contains('\0') {
        return None;
    }
    Some(if rel.is_empty() || rel.ends_with('/') { format!("{rel}index.html") } else { rel.to_string() })
}

/// Decodes `%XX` escapes of a path (UTF-8); `None` when malformed.
/// (`percent_encoding::percent_decode_str` passes a malformed escape
/// through as text; a path with one is refused here instead.)
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Answers a GET or HEAD for a file of the site.
pub async fn serve_file(
    State(state): State<AppState>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    super::auth::ClientAddr(address): super::auth::ClientAddr,
    headers: HeaderMap,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "GET, HEAD")]).into_response();
    }
    let snap = state.snapshot();
    let Some(path) = file_for(uri.path()) else { return not_found(&state, &headers) };
    if let Some(slug) = entry_slug(&path) {
        if let Some(answer) = cleared(&state, &snap, &headers, slug, &path, &uri, &address).await {
            return answer;
        }
    }
    if let Some(asset) = snap.files.get(&path) {
        return respond(asset, &headers, cache_control(&path, state.is_live()), StatusCode::OK);
    }
    if path == crate::index::INDEX_PATH {
        let made = snap.clone();
        return match tokio::task::spawn_blocking(move || made.static_index()).await {
            Ok(asset) => respond(&asset, &headers, cache_control(&path, state.is_live()), StatusCode::OK),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
    }
    // `/entries/x` → `/entries/x/` when that is a page.
    if !path.ends_with(".html") && snap.files.contains_key(&format!("{path}/index.html")) {
        return to_folder(&uri);
    }
    not_found(&state, &headers)
}

fn to_folder(uri: &axum::http::Uri) -> Response {
    let mut to = format!("{}/", uri.path());
    if let Some(q) = uri.query() {
        to.push('?');
        to.push_str(q);
    }
    Redirect::permanent(&to).into_response()
}

/// The entry a site path belongs to (`entries/SLUG/...` or `entries/SLUG`).
fn entry_slug(path: &str) -> Option<&str> {
    let slug = path.strip_prefix("entries/")?.split('/').next()?;
    (!slug.is_empty() && slug != "index.html").then_some(slug)
}

/// The answer from the internal view for a request whose signed-in account
/// is cleared for entry `slug`: never stored by a cache, shared or not.
/// `None` (the public answer follows) for everyone else, and for paths the
/// internal view does not have either.
async fn cleared(
    state: &AppState,
    snap: &std::sync::Arc<super::state::Snapshot>,
    headers: &HeaderMap,
    slug: &str,
    path: &str,
    uri: &axum::http::Uri,
    address: &str,
) -> Option<Response> {
    let clearance = super::auth::viewer_clearance(state, headers).await;
    if clearance == crate::access::Clearance::None {
        return None;
    }
    let (made, slug_owned) = (snap.clone(), slug.to_string());
    let files = match tokio::task::spawn_blocking(move || made.cleared_entry(&clearance, &slug_owned)).await {
        Ok(Ok(files)) => files?,
        Ok(Err(e)) => {
            tracing::error!(error = %e, slug, "cannot render the entry for a cleared reader");
            return Some((StatusCode::INTERNAL_SERVER_ERROR, "the page could not be made\n").into_response());
        }
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    };
    if let Some(asset) = files.get(path) {
        // A download (BibTeX, RIS, CSL-JSON, CSV, ...) that holds more than
        // the public one is an export of restricted material: audited.
        let public = snap.files.get(path);
        if !path.ends_with(".html") && public.is_none_or(|p| p.body != asset.body) {
            audit_export(state, headers, slug, path, address).await;
        }
        return Some(respond(asset, headers, "private, no-store", StatusCode::OK));
    }
    if !path.ends_with(".html") && files.contains_key(&format!("{path}/index.html")) {
        return Some(to_folder(uri));
    }
    None
}

async fn audit_export(state: &AppState, headers: &HeaderMap, slug: &str, path: &str, address: &str) {
    let (Some(auth), Some(user)) = (state.auth(), super::auth::viewer(state, headers).await) else { return };
    let event = crate::store::accounts::AuditEvent {
        actor: user.name,
        action: "export.restricted".into(),
        target: Some(slug.to_string()),
        address: Some(address.to_string()),
        detail: Some(path.to_string()),
    };
    if let Err(e) = auth.store.audit(auth.clock.now_ms(), &event).await {
        tracing::error!(error = %e, "cannot audit an export of restricted material");
    }
}

/// The site's 404 page with status 404.
pub fn not_found(state: &AppState, headers: &HeaderMap) -> Response {
    let snap = state.snapshot();
    match snap.files.get("404.html") {
        Some(asset) => respond(asset, headers, "no-cache", StatusCode::NOT_FOUND),
        None => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}

/// How long a browser may keep a file: pages are revalidated on every view
/// (an edit must show at once), style sheets and scripts for an hour.
fn cache_control(path: &str, live: bool) -> &'static str {
    if live || path.ends_with(".html") || path.ends_with(".xml") || path.ends_with(".txt") {
        "no-cache"
    } else {
        "public, max-age=3600"
    }
}

/// Builds the answer for `asset`, honouring `If-None-Match`,
/// `If-Modified-Since` and `Accept-Encoding`.
pub fn respond(asset: &Asset, headers: &HeaderMap, cache: &'static str, status: StatusCode) -> Response {
    let last_modified = httpdate::fmt_http_date(asset.modified);
    let mut common = HeaderMap::new();
    common.insert(header::ETAG, HeaderValue::from_str(&asset.etag).expect("hex etag"));
    common.insert(header::LAST_MODIFIED, HeaderValue::from_str(&last_modified).expect("http date"));
    common.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    common.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if status == StatusCode::OK && not_modified(asset, headers) {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    let encoding = if asset.compressible() {
        Encoding::negotiate(headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()))
    } else {
        Encoding::Identity
    };
    common.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    if let Some(enc) = encoding.header() {
        common.insert(header::CONTENT_ENCODING, HeaderValue::from_static(enc));
    }
    (status, common, asset.encoded(encoding).clone()).into_response()
}

fn not_modified(asset: &Asset, headers: &HeaderMap) -> bool {
    if let Some(inm) = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        // Weak comparison (RFC 9110 13.1.2): a `W/` prefix is ignored.
        return inm.split(',').map(|t| t.trim().trim_start_matches("W/")).any(|t| t == "*" || t == asset.etag);
    }
    if let Some(ims) = headers.get(header::IF_MODIFIED_SINCE).and_then(|v| v.to_str().ok()) {
        if let Ok(since) = httpdate::parse_http_date(ims) {
            // HTTP dates have whole seconds.
            let modified = asset.modified.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
            let since = since.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
            return modified <= since;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::file_for;

    #[test]
    fn entry_paths_name_their_entry() {
        use super::entry_slug;
        assert_eq!(entry_slug("entries/x/index.html"), Some("x"));
        assert_eq!(entry_slug("entries/x/cite.bib"), Some("x"));
        assert_eq!(entry_slug("entries/x"), Some("x"));
        assert_eq!(entry_slug("entries/index.html"), None);
        assert_eq!(entry_slug("entries/"), None);
        assert_eq!(entry_slug("places/x/index.html"), None);
    }

    #[test]
    fn paths_map_to_files_and_never_leave_the_site() {
        assert_eq!(file_for("/").as_deref(), Some("index.html"));
        assert_eq!(file_for("/entries/x/").as_deref(), Some("entries/x/index.html"));
        assert_eq!(file_for("/assets/style.css").as_deref(), Some("assets/style.css"));
        assert_eq!(file_for("/places/%D0%93/").as_deref(), Some("places/Г/index.html"));
        assert_eq!(file_for("/../etc/passwd"), None);
        assert_eq!(file_for("/a/%2e%2e/b"), None);
        assert_eq!(file_for("/%zz"), None);
        assert_eq!(file_for("/a%00b"), None);
    }
}
