//! `attest serve`'s JSON API under `/api/v1`: every route on the sample,
//! errors, caching headers, CORS and compression, conformance of every
//! answer to the served OpenAPI document, and no restricted byte in any
//! answer.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

fn app_of(loaded: attest::source::load::Loaded) -> Router {
    let analysis = attest::analyze(loaded, &|| {});
    let snap = attest::serve::state::snapshot(
        &analysis,
        &attest::render::site::Theme::default(),
        false,
        None,
        &mut attest::render::site::RenderCache::default(),
    )
    .unwrap();
    let state = attest::serve::AppState::new(snap, false, tokio::sync::watch::channel(false).1);
    attest::serve::app(state)
}

/// The sample encyclopedia, rendered once for every test.
fn sample() -> Router {
    static APP: OnceLock<Router> = OnceLock::new();
    APP.get_or_init(|| app_of(attest::source::load::load_files(attest::sample::sample_files()).unwrap())).clone()
}

/// The fixture whose restricted material carries unique marker strings.
fn restricted() -> Router {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/build/restricted");
    app_of(attest::source::load::load_dir(&dir).unwrap())
}

/// A small project of our own, for the period and place filters.
fn small() -> Router {
    let files: Vec<(&str, &[u8])> = vec![
        ("attest.toml", b"title = \"Filters\"\nbase_url = \"https://example.org/f/\"\nissn = \"1961-9898\"\n"),
        (
            "places.yaml",
            "- id: region\n  kind: region\n  names: [Region]\n\
             - id: province\n  kind: province\n  names: [Province]\n  part_of: region\n\
             - id: town\n  kind: town\n  names: [{ name: Town, lang: en, preferred: true }, { name: Город, lang: ru, script: Cyrl }]\n  coordinates: { lat: 10.0, lon: 20.0 }\n  precision: locality\n  part_of: province\n\
             - id: elsewhere\n  kind: town\n  names: [Elsewhere]\n  coordinates: { lat: 1.0, lon: 2.0 }\n  precision: locality\n"
                .as_bytes(),
        ),
        ("bibliography/works.bib", b"@book{doe2000,\n  author = {Doe, Jane},\n  title = {A Book},\n  date = {2000},\n}\n"),
        (
            "entries/e.md",
            b"---\ntitle: Filters\nkind: essay\nstatus: published\npublished: 2026-01-01\nauthors: [A. Editor]\n\
events:\n\
  - { id: about-1944, date: 1944~, label: About 1944, places: [town], sources: [\"@doe2000, p. 1\"] }\n\
  - { id: in-1950, date: 1950, label: In 1950, places: [elsewhere], sources: [\"@doe2000\"] }\n\
  - { id: thirties, date: 1930/1935, label: Early thirties, places: [province], sources: [\"@doe2000\"] }\n\
  - { id: open-end, date: 1946/.., label: From 1946 on, sources: [\"@doe2000\"] }\n\
---\n\n## Text\n\nSee [@doe2000, p. 2].\n",
        ),
    ];
    app_of(attest::source::load::load_files(files).unwrap())
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: not JSON: {}", String::from_utf8_lossy(&self.body)))
    }

    fn header(&self, name: header::HeaderName) -> &str {
        self.headers.get(&name).map(|v| v.to_str().unwrap()).unwrap_or("")
    }
}

async fn request(app: &Router, uri: &str, headers: &[(header::HeaderName, &str)]) -> Answer {
    let mut req = Request::get(uri);
    for (k, v) in headers {
        req = req.header(k, *v);
    }
    let res = app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Answer { status, headers, body }
}

async fn get(app: &Router, uri: &str) -> Answer {
    request(app, uri, &[]).await
}

async fn ok(app: &Router, uri: &str) -> Value {
    let a = get(app, uri).await;
    assert_eq!(a.status, StatusCode::OK, "{uri}: {}", String::from_utf8_lossy(&a.body));
    assert_eq!(a.header(header::CONTENT_TYPE), "application/json", "{uri}");
    a.json()
}

fn find<'a>(items: &'a Value, field: &str, value: &str) -> &'a Value {
    items
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x[field] == value)
        .unwrap_or_else(|| panic!("no item with {field} = {value} in {items}"))
}

fn ids(items: &Value, field: &str) -> Vec<String> {
    items.as_array().unwrap().iter().map(|x| x[field].as_str().unwrap().to_string()).collect()
}

const CASE: &str = "chechens-ingush-1944";

#[tokio::test]
async fn the_index_counts_the_sample_and_links_every_collection() {
    let app = sample();
    let v = ok(&app, "/api/v1").await;
    assert_eq!(v["title"], "attest sample encyclopedia");
    assert_eq!(v["base_url"], "https://example.org/attest-sample/");
    assert_eq!(v["counts"]["entries"], 6);
    assert!(v["counts"]["figures"].as_u64().unwrap() > 15);
    assert!(v["counts"]["estimates"].as_u64().unwrap() > v["counts"]["figures"].as_u64().unwrap());
    for (_, link) in v["links"].as_object().unwrap() {
        let a = get(&app, link.as_str().unwrap()).await;
        assert_eq!(a.status, StatusCode::OK, "{link}");
    }
}

#[tokio::test]
async fn entries_are_listed_with_their_dates_and_links() {
    let app = sample();
    let v = ok(&app, "/api/v1/entries").await;
    assert_eq!(v["count"], 6);
    let e = find(&v["items"], "slug", CASE);
    assert_eq!(e["title"], "The deportation of the Chechen and Ingush peoples, 1944");
    assert_eq!(e["kind"], "case-study");
    assert_eq!(e["status"], "published");
    assert_eq!(e["published"], "2026-11-29");
    assert_eq!(
        e["period"],
        json!({"edtf": "1930/2004", "earliest": "1930-01-01", "latest": "2004-12-31", "text": e["period"]["text"]})
    );
    assert!(e["places"].as_array().unwrap().contains(&json!("grozny")));
    assert!(e["tags"].as_array().unwrap().contains(&json!("NKVD")));
    assert_eq!(e["url"], format!("https://example.org/attest-sample/entries/{CASE}/"));
    assert_eq!(e["page"], format!("/entries/{CASE}/"));
    assert_eq!(e["api"], format!("/api/v1/entries/{CASE}"));
    assert_eq!(get(&app, e["page"].as_str().unwrap()).await.status, StatusCode::OK, "the page link works");
}

#[tokio::test]
async fn an_entry_has_its_sections_and_competing_estimates_side_by_side() {
    let app = sample();
    let e = ok(&app, &format!("/api/v1/entries/{CASE}")).await;
    let sections = &e["sections"];
    let context = find(sections, "title", "Context");
    assert!(context["html"].as_str().unwrap().contains("Grozny"));
    assert!(context["html"].as_str().unwrap().starts_with("<h2"));

    let mortality = find(&e["figures"], "id", "mortality");
    assert_eq!(mortality["unit"], "percent");
    assert_eq!(mortality["unit_kind"], "percent");
    assert_eq!(ids(&mortality["estimates"], "id"), ["nkvd", "ediev", "historians"]);
    let nkvd = &mortality["estimates"][0];
    assert_eq!((nkvd["low"].as_f64(), nkvd["high"].as_f64()), (Some(14.6), Some(23.7)));
    assert_eq!(nkvd["basis"], "official-document");
    assert_eq!(nkvd["period"]["edtf"], "1944/1948");
    assert_eq!(nkvd["source"]["items"][0]["key"], "bugai1992");
    assert_eq!(nkvd["source"]["items"][0]["locator"], json!({"label": "page", "value": "264-265"}));
    assert_eq!(nkvd["verified"], true);
    let ediev = &mortality["estimates"][1];
    assert_eq!((ediev["value"].as_f64(), ediev["approximate"].as_bool()), (Some(30.0), Some(true)));
    assert_eq!(ediev["basis"], "demographic-projection");
    assert_eq!(ediev["verified"], false);
    let historians = &mortality["estimates"][2];
    assert_eq!(historians["reliability"], "low");
    assert_eq!(historians["period"]["latest"], Value::Null, "an open end has no last day");

    let ingush = find(&e["figures"], "id", "deported-ingush");
    assert_eq!(ingush["estimates"][1]["attribution"], "NKVD figure, as reported in the literature");
    assert_eq!(ingush["estimates"][1]["source"], Value::Null);

    let khaibakh = find(&e["events"], "id", "khaibakh-killing");
    assert_eq!(khaibakh["date"]["edtf"], "1944");
    assert_eq!(
        ids(&khaibakh["sources"].as_array().unwrap().iter().map(|s| s["items"][0].clone()).collect(), "key"),
        ["campana2007", "bitsoev1993"]
    );
    let genocide = find(&e["positions"], "id", "genocide");
    assert_eq!(genocide["holders"][0]["cite"]["items"][0]["key"], "isusrr1958");
    assert_eq!(ids(&e["testimonies"], "id"), ["bitsoev", "khozhiev"]);

    // Citations in reading order, each with where it is written.
    let first = &e["citations"][0];
    assert_eq!(first["context"], json!({"kind": "section", "id": "context"}));
    assert_eq!(first["items"][0]["key"], "campana2007");
    assert!(e["citations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["context"] == json!({"kind": "estimate", "id": "mortality.nkvd"})));
    let naimark = find(&e["works_cited"], "key", "naimark2001");
    assert!(naimark["reference"].as_str().unwrap().contains("Naimark"));
    assert!(find(&e["places_detail"], "id", "grozny")["name"] == "Grozny");

    let cite = &e["cite"];
    assert_eq!(cite["container_title"], "attest sample encyclopedia");
    assert_eq!(cite["published"], "2026-11-29");
    assert_eq!(cite["url"], format!("https://example.org/attest-sample/entries/{CASE}/"));
    assert_eq!(get(&app, cite["formats"]["bibtex"].as_str().unwrap()).await.status, StatusCode::OK);
}

#[tokio::test]
async fn figures_are_listed_across_entries_and_one_by_one() {
    let app = sample();
    let all = ok(&app, "/api/v1/figures").await;
    let entries: BTreeSet<&str> =
        all["items"].as_array().unwrap().iter().map(|f| f["entry"].as_str().unwrap()).collect();
    assert!(entries.len() > 1, "{entries:?}");
    let mine = ok(&app, &format!("/api/v1/figures?entry={CASE}")).await;
    assert!(mine["count"].as_u64().unwrap() < all["count"].as_u64().unwrap());
    assert!(mine["items"].as_array().unwrap().iter().all(|f| f["entry"] == CASE));
    let one = ok(&app, &format!("/api/v1/entries/{CASE}/figures/mortality")).await;
    assert_eq!(&one, find(&mine["items"], "id", "mortality"));
    assert_eq!(one["api"], format!("/api/v1/entries/{CASE}/figures/mortality"));
    assert_eq!(ok(&app, "/api/v1/figures?entry=no-such-entry").await["count"], 0);
    let missing = get(&app, &format!("/api/v1/entries/{CASE}/figures/no-such-figure")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["error"]["code"], "not_found");
}

#[tokio::test]
async fn events_are_filtered_by_period_overlap_and_by_place_within_place() {
    let app = small();
    let period = ok(&app, "/api/v1/events?from=1943&to=1945").await;
    assert_eq!(ids(&period["items"], "id"), ["about-1944"], "an approximate 1944~ lies in 1943..1945");
    let from = ok(&app, "/api/v1/events?from=1947").await;
    assert_eq!(ids(&from["items"], "id"), ["in-1950", "open-end"]);
    let to = ok(&app, "/api/v1/events?to=1932-06").await;
    assert_eq!(ids(&to["items"], "id"), ["thirties"], "an interval overlapping the bound");
    let region = ok(&app, "/api/v1/events?place=region").await;
    assert_eq!(ids(&region["items"], "id"), ["about-1944", "thirties"], "places inside the region count");
    let town = ok(&app, "/api/v1/events?place=town&from=1940").await;
    assert_eq!(ids(&town["items"], "id"), ["about-1944"]);
    assert_eq!(ok(&app, "/api/v1/events").await["count"], 4);

    let sample = sample();
    let chechnya = ok(&sample, "/api/v1/events?place=chechen-ingush-assr&from=1944-02&to=1944-02").await;
    let found = ids(&chechnya["items"], "id");
    assert!(found.contains(&"beria-arrives".to_string()), "Grozny lies in the republic: {found:?}");
    assert!(found.contains(&"round-up".to_string()) && !found.contains(&"merger".to_string()), "{found:?}");
}

#[tokio::test]
async fn bad_parameters_answer_400_in_json() {
    let app = small();
    for uri in [
        "/api/v1/events?from=1944-13",
        "/api/v1/events?from=1946&to=1944",
        "/api/v1/events?form=1944",
        "/api/v1/events?from=1944&from=1945",
        "/api/v1/works?format=docx",
        "/api/v1/entries?x=1",
    ] {
        let a = get(&app, uri).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(a.header(header::CONTENT_TYPE), "application/json");
        let v = a.json();
        assert_eq!(v["error"]["code"], "bad_request", "{uri}");
        assert!(!v["error"]["message"].as_str().unwrap().is_empty());
        assert_eq!(v.as_object().unwrap().len(), 1);
    }
    let a = get(&app, "/api/v1/events?from=1944-13").await.json();
    assert!(a["error"]["message"].as_str().unwrap().contains("`from`"), "{a}");
}

#[tokio::test]
async fn places_carry_their_names_in_every_script() {
    let app = sample();
    let v = ok(&app, "/api/v1/places").await;
    let grozny = find(&v["items"], "id", "grozny");
    assert_eq!(grozny["name"], "Grozny");
    assert!(grozny["names"].as_array().unwrap().contains(&json!({
        "name": "Грозный", "lang": "ru", "script": "Cyrl", "romanization": null, "preferred": false
    })));
    assert!(grozny["names"].as_array().unwrap().iter().any(|n| n["romanization"] == "bgn-pcgn"));
    assert_eq!(grozny["coordinates"], json!({"lat": 43.31, "lon": 45.70}));
    assert_eq!(grozny["precision"], "locality");
    assert_eq!(grozny["part_of"], "chechen-ingush-assr");
    assert_eq!(grozny["verified"], false);
    assert!(grozny["entries"].as_array().unwrap().contains(&json!(CASE)));
    assert_eq!(&ok(&app, "/api/v1/places/grozny").await, grozny);
    assert_eq!(find(&v["items"], "id", "rsfsr")["coordinates"], Value::Null);

    let geo = get(&app, "/api/v1/places.geojson").await;
    assert_eq!(geo.header(header::CONTENT_TYPE), "application/geo+json");
    let geo = geo.json();
    assert_eq!(geo["type"], "FeatureCollection");
    let f = find(&geo["features"], "id", "grozny");
    assert_eq!(f["geometry"]["coordinates"], json!([45.70, 43.31]));
}

#[tokio::test]
async fn works_say_where_they_are_cited() {
    let app = sample();
    let v = ok(&app, "/api/v1/works").await;
    let naimark = find(&v["items"], "key", "naimark2001");
    assert_eq!(naimark["year"], 2001);
    assert_eq!(naimark["authors"][0]["family"], "Naimark");
    assert!(naimark["reference"].as_str().unwrap().contains("Fires of Hatred"));
    let cited = find(&naimark["cited_in"], "entry", CASE);
    assert!(cited["data"].as_array().unwrap().contains(&json!({"kind": "position", "id": "ethnic-cleansing"})));
    let section = &cited["sections"][0];
    assert!(section["page"].as_str().unwrap().starts_with(&format!("/entries/{CASE}/#")));
    assert!(!section["title"].as_str().unwrap().is_empty());
    let nocite = find(&find(&v["items"], "key", "bugai1990")["cited_in"], "entry", CASE).clone();
    assert_eq!(nocite["nocite"], true);
    assert_eq!(&ok(&app, "/api/v1/works/naimark2001").await, naimark);

    let bib = get(&app, "/api/v1/works?format=bibtex").await;
    assert_eq!(bib.status, StatusCode::OK);
    assert!(bib.header(header::CONTENT_TYPE).starts_with("application/x-bibtex"));
    assert!(String::from_utf8_lossy(&bib.body).contains("naimark2001"));
    let ris = get(&app, "/api/v1/works/naimark2001?format=ris").await;
    assert!(String::from_utf8_lossy(&ris.body).starts_with("TY  -"));
    let csl = get(&app, "/api/v1/works/naimark2001?format=csl-json").await;
    assert_eq!(csl.header(header::CONTENT_TYPE), "application/vnd.citationstyles.csl+json");
    assert_eq!(csl.json()[0]["id"], "naimark2001");
}

#[tokio::test]
async fn unknown_things_answer_404_in_json() {
    let app = sample();
    for (uri, what) in [
        ("/api/v1/entries/no-such-entry", "no-such-entry"),
        ("/api/v1/places/atlantis", "atlantis"),
        ("/api/v1/works/nobody1900", "nobody1900"),
        ("/api/v1/no-such-route", "no-such-route"),
    ] {
        let a = get(&app, uri).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(a.header(header::CONTENT_TYPE), "application/json");
        let v = a.json();
        assert_eq!(v["error"]["code"], "not_found");
        assert!(v["error"]["message"].as_str().unwrap().contains(what), "{v}");
    }
    // A POST from a page of the site reaches the API, which is read-only
    // (one without the browser's origin headers is refused before; see
    // accounts.rs).
    let post = Request::post("/api/v1/entries").header("sec-fetch-site", "same-origin").body(Body::empty()).unwrap();
    let post = app.clone().oneshot(post).await.unwrap();
    assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn answers_are_validated_by_etag_and_date() {
    let app = sample();
    let first = get(&app, "/api/v1/entries").await;
    let etag = first.header(header::ETAG).to_string();
    let date = first.header(header::LAST_MODIFIED).to_string();
    assert!(etag.starts_with('"') && etag.len() > 4, "{etag}");
    assert!(httpdate::parse_http_date(&date).is_ok(), "{date}");
    assert_eq!(first.header(header::CACHE_CONTROL), "no-cache");
    let again = request(&app, "/api/v1/entries", &[(header::IF_NONE_MATCH, &etag)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(again.header(header::ETAG), etag);
    let since = request(&app, "/api/v1/entries", &[(header::IF_MODIFIED_SINCE, &date)]).await;
    assert_eq!(since.status, StatusCode::NOT_MODIFIED);
    let old = request(&app, "/api/v1/entries", &[(header::IF_NONE_MATCH, "\"something-else\"")]).await;
    assert_eq!(old.status, StatusCode::OK);
    assert_eq!(old.body, first.body);
    let other = get(&app, "/api/v1/places").await;
    assert_ne!(other.header(header::ETAG), etag, "the tag follows the body");
}

#[tokio::test]
async fn answers_are_compressed_when_asked_and_304_stays_empty() {
    let app = sample();
    let plain = get(&app, &format!("/api/v1/entries/{CASE}")).await;
    let gz = request(&app, &format!("/api/v1/entries/{CASE}"), &[(header::ACCEPT_ENCODING, "gzip")]).await;
    assert_eq!(gz.header(header::CONTENT_ENCODING), "gzip");
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&gz.body[..]).read_to_end(&mut out).unwrap();
    assert_eq!(out, plain.body);
    assert!(gz.body.len() < plain.body.len() / 2);
    let br = request(&app, &format!("/api/v1/entries/{CASE}"), &[(header::ACCEPT_ENCODING, "br")]).await;
    assert_eq!(br.header(header::CONTENT_ENCODING), "br");
    let etag = plain.header(header::ETAG).to_string();
    let not_modified = request(
        &app,
        &format!("/api/v1/entries/{CASE}"),
        &[(header::ACCEPT_ENCODING, "gzip, br"), (header::IF_NONE_MATCH, &etag)],
    )
    .await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);
    assert!(not_modified.body.is_empty());
    assert_eq!(not_modified.header(header::CONTENT_ENCODING), "");
}

#[tokio::test]
async fn any_site_may_read_the_api() {
    let app = sample();
    let a = request(&app, "/api/v1/entries", &[(header::ORIGIN, "https://elsewhere.example")]).await;
    assert_eq!(a.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), "*");
    assert!(a.header(header::ACCESS_CONTROL_EXPOSE_HEADERS).to_ascii_lowercase().contains("etag"));
}

// ---------------------------------------------------------------------------
// OpenAPI conformance

/// A validator for the subset of JSON Schema the API's document uses:
/// `type` (one or several), `enum`, `properties`, `required`,
/// `additionalProperties: false`, `items`, `minimum`, `anyOf` and local
/// `$ref`s. Any other keyword is an error, so the document cannot start
/// relying on something this validator would silently ignore. Written here
/// rather than taken from a crate (jsonschema) because that crate and its
/// dependencies (regex engines, an HTTP client for remote references) would
/// cost far more to build than these lines, for a subset this small.
fn validate(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let obj = schema.as_object().unwrap_or_else(|| panic!("schema at {at} is not an object: {schema}"));
    for k in obj.keys() {
        let known = [
            "$ref",
            "anyOf",
            "type",
            "enum",
            "properties",
            "required",
            "additionalProperties",
            "items",
            "minimum",
            "description",
        ];
        assert!(known.contains(&k.as_str()), "the validator does not know the keyword `{k}` (at {at})");
    }
    if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
        let target = r.strip_prefix('#').and_then(|p| doc.pointer(p)).unwrap_or_else(|| panic!("dangling $ref {r}"));
        validate(doc, target, value, at, errors);
    }
    if let Some(any) = obj.get("anyOf").and_then(Value::as_array) {
        let ok = any.iter().any(|s| {
            let mut e = Vec::new();
            validate(doc, s, value, at, &mut e);
            e.is_empty()
        });
        if !ok {
            errors.push(format!("{at}: matches none of anyOf: {value}"));
        }
    }
    if let Some(t) = obj.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().map(|x| x.as_str().unwrap()).collect(),
            _ => panic!("bad type at {at}"),
        };
        let actual_ok = types.iter().any(|t| match *t {
            "null" => value.is_null(),
            "boolean" => value.is_boolean(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "string" => value.is_string(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            other => panic!("unknown type {other} at {at}"),
        });
        if !actual_ok {
            errors.push(format!("{at}: expected {types:?}, found {value}"));
            return;
        }
    }
    if let Some(e) = obj.get("enum").and_then(Value::as_array) {
        if !e.contains(value) {
            errors.push(format!("{at}: {value} is not one of {e:?}"));
        }
    }
    if let (Some(min), Some(n)) = (obj.get("minimum").and_then(Value::as_f64), value.as_f64()) {
        if n < min {
            errors.push(format!("{at}: {n} is below {min}"));
        }
    }
    if let Some(o) = value.as_object() {
        let props = obj.get("properties").and_then(Value::as_object);
        for req in obj.get("required").and_then(Value::as_array).into_iter().flatten() {
            if !o.contains_key(req.as_str().unwrap()) {
                errors.push(format!("{at}: missing required field `{}`", req.as_str().unwrap()));
            }
        }
        for (k, v) in o {
            match props.and_then(|p| p.get(k)) {
                Some(s) => validate(doc, s, v, &format!("{at}.{k}"), errors),
                None if obj.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    errors.push(format!("{at}: unexpected field `{k}`"))
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(a)) = (obj.get("items"), value.as_array()) {
        for (i, v) in a.iter().enumerate() {
            validate(doc, items, v, &format!("{at}[{i}]"), errors);
        }
    }
}

pub(crate) fn errors_of(doc: &Value, schema: &Value, value: &Value) -> Vec<String> {
    let mut e = Vec::new();
    validate(doc, schema, value, "$", &mut e);
    e
}

#[test]
fn the_validator_catches_missing_extra_and_mistyped_fields() {
    let doc = json!({ "components": { "schemas": {
        "Thing": {
            "type": "object",
            "properties": {
                "id": { "type": "string" },
                "n": { "type": ["integer", "null"] },
                "kind": { "type": "string", "enum": ["a", "b"] },
                "tags": { "type": "array", "items": { "type": "string" } },
                "sub": { "anyOf": [{ "$ref": "#/components/schemas/Sub" }, { "type": "null" }] },
            },
            "required": ["id", "n", "kind", "tags", "sub"],
            "additionalProperties": false,
        },
        "Sub": { "type": "object", "properties": { "x": { "type": "number" } }, "required": ["x"], "additionalProperties": false },
    }}});
    let schema = json!({ "$ref": "#/components/schemas/Thing" });
    let good = json!({ "id": "t", "n": null, "kind": "a", "tags": ["x"], "sub": { "x": 1.5 } });
    assert_eq!(errors_of(&doc, &schema, &good), Vec::<String>::new());
    let cases = [
        (json!({ "n": 1, "kind": "a", "tags": [], "sub": null }), "missing required field `id`"),
        (json!({ "id": "t", "n": 1, "kind": "a", "tags": [], "sub": null, "extra": 1 }), "unexpected field `extra`"),
        (json!({ "id": 5, "n": 1, "kind": "a", "tags": [], "sub": null }), "$.id: expected"),
        (json!({ "id": "t", "n": 1.5, "kind": "a", "tags": [], "sub": null }), "$.n: expected"),
        (json!({ "id": "t", "n": 1, "kind": "c", "tags": [], "sub": null }), "is not one of"),
        (json!({ "id": "t", "n": 1, "kind": "a", "tags": [3], "sub": null }), "$.tags[0]: expected"),
        (json!({ "id": "t", "n": 1, "kind": "a", "tags": [], "sub": { "x": "1" } }), "matches none of anyOf"),
        (json!({ "id": "t", "n": 1, "kind": "a", "tags": [], "sub": { "x": 1, "y": 2 } }), "matches none of anyOf"),
    ];
    for (value, expected) in cases {
        let errors = errors_of(&doc, &schema, &value);
        assert!(errors.iter().any(|e| e.contains(expected)), "{value}: {errors:?}");
    }
}

/// The path template of the document that a request path matches.
fn template_for<'a>(doc: &'a Value, path: &str) -> &'a str {
    let segs: Vec<&str> = path.split('/').collect();
    doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .find(|t| {
            let ts: Vec<&str> = t.split('/').collect();
            ts.len() == segs.len() && ts.iter().zip(&segs).all(|(t, s)| t == s || (t.starts_with('{') && !s.is_empty()))
        })
        .unwrap_or_else(|| panic!("no path of the OpenAPI document matches {path}"))
}

/// Fetches `uri` and checks the answer against the document: the status is
/// documented for the path, and a JSON body matches the schema of its
/// media type.
async fn conforms(app: &Router, doc: &Value, uri: &str) -> String {
    let a = get(app, uri).await;
    let path = uri.split('?').next().unwrap();
    let template = template_for(doc, path);
    let op = &doc["paths"][template]["get"];
    let response = &op["responses"][a.status.as_str()];
    assert!(response.is_object(), "{uri}: status {} is not documented", a.status);
    let media = a.header(header::CONTENT_TYPE).split(';').next().unwrap().trim().to_string();
    let schema = &response["content"][&media]["schema"];
    assert!(schema.is_object(), "{uri}: media type {media} is not documented for {}", a.status);
    if media.ends_with("json") {
        let errors = errors_of(doc, schema, &a.json());
        assert!(errors.is_empty(), "{uri} does not match its schema:\n{}", errors.join("\n"));
    }
    // Every parameter given is documented.
    if let Some(q) = uri.split_once('?').map(|x| x.1) {
        for name in q.split('&').map(|p| p.split('=').next().unwrap()) {
            let params = op["parameters"].as_array().unwrap();
            assert!(params.iter().any(|p| p["name"] == name && p["in"] == "query"), "{uri}: `{name}` undocumented");
        }
    }
    template.to_string()
}

/// Every URL the API answers for an app: the collections and each item in
/// them.
async fn every_url(app: &Router) -> Vec<String> {
    let mut urls: Vec<String> = [
        "/api/v1",
        "/api/v1/openapi.json",
        "/api/v1/entries",
        "/api/v1/figures",
        "/api/v1/events",
        "/api/v1/places",
        "/api/v1/places.geojson",
        "/api/v1/works",
        "/api/v1/works?format=json",
        "/api/v1/works?format=bibtex",
        "/api/v1/works?format=ris",
        "/api/v1/works?format=csl-json",
        "/api/v1/events?from=1940&to=1950",
        "/api/v1/search?q=Grozny",
        "/api/v1/search?kind=event&period=1943..1945",
        "/api/v1/search?q=x&period=banana",
        "/api/v1/session",
    ]
    .map(String::from)
    .to_vec();
    let api_links = |v: &Value| -> Vec<String> {
        v["items"].as_array().unwrap().iter().map(|x| x["api"].as_str().unwrap().to_string()).collect()
    };
    for e in api_links(&ok(app, "/api/v1/entries").await) {
        let slug = e.rsplit('/').next().unwrap().to_string();
        urls.push(format!("/api/v1/figures?entry={slug}"));
        urls.push(format!("/api/v1/events?entry={slug}"));
        urls.push(e);
    }
    urls.extend(api_links(&ok(app, "/api/v1/figures").await));
    let places = ok(app, "/api/v1/places").await;
    urls.extend(api_links(&places));
    for id in ids(&places["items"], "id") {
        urls.push(format!("/api/v1/events?place={id}"));
    }
    for w in api_links(&ok(app, "/api/v1/works").await) {
        for f in ["", "?format=bibtex", "?format=ris", "?format=csl-json"] {
            urls.push(format!("{w}{f}"));
        }
    }
    urls
}

#[tokio::test]
async fn every_answer_matches_the_openapi_document() {
    let app = sample();
    let doc = ok(&app, "/api/v1/openapi.json").await;
    assert_eq!(doc["openapi"], "3.1.0");
    let mut seen = BTreeSet::new();
    let mut urls = every_url(&app).await;
    urls.extend(
        [
            "/api/v1/entries/no-such-entry",
            "/api/v1/entries/chechens-ingush-1944/figures/none",
            "/api/v1/places/none",
            "/api/v1/works/none",
            "/api/v1/events?from=x",
            "/api/v1/figures?entry=none",
            "/api/v1/works?format=x",
        ]
        .map(String::from),
    );
    for uri in &urls {
        seen.insert(conforms(&app, &doc, uri).await);
    }
    let documented: BTreeSet<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(seen, documented, "every documented path is exercised");
    // The small project has what the sample lacks (an ISSN, open intervals).
    let small = small();
    for uri in every_url(&small).await {
        conforms(&small, &doc, &uri).await;
    }
}

#[tokio::test]
async fn a_changed_field_breaks_conformance() {
    // The conformance check is not vacuous: the real answer, altered, fails.
    let app = sample();
    let doc = ok(&app, "/api/v1/openapi.json").await;
    let schema = &doc["paths"]["/api/v1/entries/{slug}/figures/{id}"]["get"]["responses"]["200"]["content"]
        ["application/json"]["schema"];
    let real = ok(&app, &format!("/api/v1/entries/{CASE}/figures/mortality")).await;
    assert!(errors_of(&doc, schema, &real).is_empty());
    let mut extra = real.clone();
    extra["estimates"][0]["secret"] = json!(1);
    assert!(!errors_of(&doc, schema, &extra).is_empty());
    let mut missing = real.clone();
    missing["estimates"][0].as_object_mut().unwrap().remove("basis");
    assert!(!errors_of(&doc, schema, &missing).is_empty());
    let mut mistyped = real;
    mistyped["estimates"][0]["low"] = json!("14.6");
    assert!(!errors_of(&doc, schema, &mistyped).is_empty());
}

// ---------------------------------------------------------------------------
// Restricted material

const MARKERS: &[&str] = &[
    "SECRET",
    "7777777",
    "5555555",
    "interview2020",
    "Interviewer",
    "hidden-event",
    "hidden-witness",
    "hidden-position",
    "secret-figure",
    "hamlet",
];

#[tokio::test]
async fn no_restricted_byte_reaches_any_answer() {
    let app = restricted();
    let mut urls = every_url(&app).await;
    // Asking for restricted things by name.
    urls.extend(
        [
            "/api/v1/entries/secret",
            "/api/v1/entries/public/figures/secret-figure",
            "/api/v1/figures?entry=secret",
            "/api/v1/events?entry=secret",
            "/api/v1/events?place=hamlet",
            "/api/v1/places/hamlet",
            "/api/v1/works/interview2020",
            "/api/v1/works/interview2020?format=bibtex",
        ]
        .map(String::from),
    );
    let mut leaks = Vec::new();
    for uri in &urls {
        for enc in ["identity", "gzip"] {
            let a = request(&app, uri, &[(header::ACCEPT_ENCODING, enc)]).await;
            let body = if a.header(header::CONTENT_ENCODING) == "gzip" {
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(&a.body[..]).read_to_end(&mut out).unwrap();
                out
            } else {
                a.body.clone()
            };
            let text = String::from_utf8_lossy(&body);
            let heads = format!("{:?}", a.headers);
            for m in MARKERS {
                // The URL asked for may be echoed in an error message.
                if (text.contains(m) && !uri.contains(m)) || heads.contains(m) {
                    leaks.push(format!("{m} in {uri}"));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "restricted material leaked: {leaks:?}");
    // Searching for restricted words finds nothing, in JSON and on the page
    // (the query itself is echoed, so the count is what tells).
    for m in MARKERS {
        let found = ok(&app, &format!("/api/v1/search?q={m}")).await;
        assert_eq!(found["total"], 0, "search for {m}: {found}");
        let page = get(&app, &format!("/search/?q={m}")).await;
        let html = String::from_utf8_lossy(&page.body).into_owned();
        assert!(html.contains("Nothing found"), "search page for {m}");
        assert_eq!(html.matches(m).count(), 2, "{m} appears only as the query typed (field and summary)");
    }
    // The public material is there.
    let e = ok(&app, "/api/v1/entries/public").await;
    assert_eq!(ids(&e["figures"], "id"), ["people"]);
    assert_eq!(ids(&e["figures"][0]["estimates"], "id"), ["open"]);
    let html: String = e["sections"].as_array().unwrap().iter().map(|s| s["html"].as_str().unwrap()).collect();
    assert!(html.contains("Public text about") && html.contains("Public again"));
    assert_eq!(ok(&app, "/api/v1/entries").await["count"], 1);
}

#[tokio::test]
async fn restricted_material_answers_exactly_like_what_does_not_exist() {
    let app = restricted();
    let pairs = [
        ("/api/v1/entries/secret", "/api/v1/entries/sekret"),
        ("/api/v1/entries/public/figures/secret-figure", "/api/v1/entries/public/figures/sekret-figure"),
        ("/api/v1/places/hamlet", "/api/v1/places/hamlit"),
        ("/api/v1/works/interview2020", "/api/v1/works/interview2021"),
        ("/api/v1/figures?entry=secret", "/api/v1/figures?entry=sekret"),
        ("/api/v1/events?place=hamlet", "/api/v1/events?place=hamlit"),
    ];
    for (hidden, unknown) in pairs {
        let a = get(&app, hidden).await;
        let b = get(&app, unknown).await;
        assert_eq!(a.status, b.status, "{hidden}");
        let strip = |h: &HeaderMap| -> HashMap<String, String> {
            h.iter()
                .filter(|(k, _)| !matches!(k.as_str(), "etag" | "content-length" | "x-request-id"))
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_string()))
                .collect()
        };
        assert_eq!(strip(&a.headers), strip(&b.headers), "{hidden}");
        let name = |u: &str| u.rsplit(['/', '=']).next().unwrap().to_string();
        let body_a = String::from_utf8(a.body).unwrap().replace(&name(hidden), "NAME");
        let body_b = String::from_utf8(b.body).unwrap().replace(&name(unknown), "NAME");
        assert_eq!(body_a, body_b, "{hidden}");
    }
}
