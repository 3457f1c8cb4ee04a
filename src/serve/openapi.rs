//! The OpenAPI 3.1 document of the JSON API, served at
//! `/api/v1/openapi.json`.
//!
//! Written by hand with `serde_json` rather than derived by a crate such as
//! utoipa: the answers are a small, stable set of structs in
//! [`super::api`], and a derive crate would add a proc-macro build and
//! annotations on every field for what is a few hundred lines of data. The
//! integration tests validate every real answer against this document, so
//! the two cannot drift apart unnoticed. The value lists (entry kinds,
//! bases, ranks ...) come from the model's own enums.

use serde_json::{json, Map, Value};

use crate::model::{Basis, EntryKind, PlaceKind, Precision, Rank, Reliability, Status};
use crate::parse::citation::LocatorLabel;
use crate::store::accounts::Role;

fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn nullable_ref(name: &str) -> Value {
    json!({ "anyOf": [r(name), { "type": "null" }] })
}

fn string() -> Value {
    json!({ "type": "string" })
}

fn opt_string() -> Value {
    json!({ "type": ["string", "null"] })
}

fn opt_number() -> Value {
    json!({ "type": ["number", "null"] })
}

fn boolean() -> Value {
    json!({ "type": "boolean" })
}

fn strings() -> Value {
    json!({ "type": "array", "items": string() })
}

fn facet_pairs() -> Value {
    json!({ "type": "array", "items": { "type": "array", "items": { "type": ["string", "integer"] } } })
}

fn array_of(name: &str) -> Value {
    json!({ "type": "array", "items": r(name) })
}

fn enum_of(values: Vec<&str>) -> Value {
    json!({ "type": "string", "enum": values })
}

fn opt_enum_of(mut values: Vec<Value>) -> Value {
    values.push(Value::Null);
    json!({ "type": ["string", "null"], "enum": values })
}

fn opt_names(names: Vec<&'static str>) -> Value {
    opt_enum_of(names.into_iter().map(Value::from).collect())
}

/// An object whose every property is present (absent values are `null`)
/// and which has no other property.
fn object(description: &str, props: &[(&str, Value)]) -> Value {
    let properties: Map<String, Value> = props.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    let required: Vec<&str> = props.iter().map(|(k, _)| *k).collect();
    json!({
        "type": "object",
        "description": description,
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

fn list_of(item: &str) -> Value {
    object(
        &format!("A list of {item} values."),
        &[("count", json!({ "type": "integer", "minimum": 0 })), ("items", array_of(item))],
    )
}

fn entry_summary_props() -> Vec<(&'static str, Value)> {
    vec![
        ("slug", string()),
        ("title", string()),
        ("kind", opt_names(EntryKind::names())),
        ("status", opt_names(Status::names())),
        ("language", string()),
        ("authors", array_of("Author")),
        ("published", json!({ "type": ["string", "null"], "description": "As written (EDTF / ISO 8601)." })),
        ("modified", json!({ "type": ["string", "null"], "description": "As written (EDTF / ISO 8601)." })),
        ("period", nullable_ref("Date")),
        ("summary", opt_string()),
        ("tags", strings()),
        ("places", json!({ "type": "array", "items": string(), "description": "Gazetteer ids." })),
        ("url", json!({ "type": "string", "description": "The entry's canonical address (from base_url)." })),
        ("page", json!({ "type": "string", "description": "The entry's page on this server." })),
        ("api", string()),
    ]
}

fn schemas() -> Map<String, Value> {
    let locator_labels: Vec<&str> = LocatorLabel::ALL.iter().map(|l| l.csl_name()).collect();
    let mut detail = entry_summary_props();
    detail.extend([
        ("related", json!({ "type": "array", "items": string(), "description": "Slugs of related entries." })),
        ("sections", array_of("Section")),
        ("figures", array_of("Figure")),
        ("events", array_of("Event")),
        ("positions", array_of("Position")),
        ("testimonies", array_of("Testimony")),
        ("places_detail", array_of("PlaceBrief")),
        ("citations", array_of("Citation")),
        ("works_cited", array_of("WorkBrief")),
        ("cite", r("HowToCite")),
    ]);
    let s: Vec<(&str, Value)> = vec![
        (
            "Error",
            object(
                "An error answer.",
                &[(
                    "error",
                    object(
                        "What went wrong.",
                        &[
                            ("code", enum_of(vec!["not_found", "bad_request", "method_not_allowed", "unauthorized"])),
                            ("message", string()),
                        ],
                    ),
                )],
            ),
        ),
        (
            "Date",
            object(
                "A date or interval as written in EDTF, with the first and last calendar day it can denote \
                 (ISO 8601; null for an open or unknown end, or when the value is not valid EDTF).",
                &[("edtf", string()), ("earliest", opt_string()), ("latest", opt_string()), ("text", opt_string())],
            ),
        ),
        (
            "Author",
            object(
                "An author of an entry.",
                &[("name", string()), ("affiliation", opt_string()), ("orcid", opt_string())],
            ),
        ),
        (
            "Locator",
            object("A pinpoint in the cited work.", &[("label", enum_of(locator_labels)), ("value", string())]),
        ),
        (
            "CiteItem",
            object(
                "One cited work.",
                &[
                    ("key", string()),
                    ("locator", nullable_ref("Locator")),
                    ("prefix", string()),
                    ("suffix", string()),
                    ("api", string()),
                ],
            ),
        ),
        ("Cite", object("A citation of one or more works.", &[("items", array_of("CiteItem"))])),
        (
            "Context",
            object(
                "Where a citation is written: a section of the prose (id: its anchor, empty before the first \
                 section), an estimate (id: figure.estimate), an event, a position or a testimony.",
                &[("kind", enum_of(vec!["section", "estimate", "event", "position", "testimony"])), ("id", string())],
            ),
        ),
        (
            "Citation",
            object(
                "A citation of an entry, in reading order.",
                &[("context", r("Context")), ("items", array_of("CiteItem"))],
            ),
        ),
        ("EntrySummary", object("An entry as listed.", &entry_summary_props())),
        ("EntryDetail", object("An entry with its sections and data.", &detail)),
        (
            "Section",
            object(
                "A part of the entry's body as sanitised HTML: the text before the first section (empty \
                 anchor and title), then each level-2 section, heading included.",
                &[("anchor", string()), ("title", string()), ("html", string())],
            ),
        ),
        (
            "Measure",
            object(
                "What a figure counts.",
                &[
                    ("what", string()),
                    ("who", opt_string()),
                    ("where", opt_string()),
                    ("places", strings()),
                    ("period", nullable_ref("Date")),
                ],
            ),
        ),
        (
            "Estimate",
            object(
                "One estimate of a figure, with its source and basis.",
                &[
                    ("id", string()),
                    ("value", opt_number()),
                    ("low", opt_number()),
                    ("high", opt_number()),
                    ("approximate", boolean()),
                    ("period", nullable_ref("Date")),
                    ("source", nullable_ref("Cite")),
                    ("attribution", opt_string()),
                    ("basis", opt_names(Basis::names())),
                    ("wording", opt_string()),
                    ("reliability", opt_names(Reliability::names())),
                    ("reliability_note", opt_string()),
                    ("note", opt_string()),
                    ("rank", enum_of(Rank::names())),
                    ("verified", boolean()),
                    ("verify_note", opt_string()),
                ],
            ),
        ),
        (
            "Figure",
            object(
                "A figure and its competing estimates, side by side.",
                &[
                    ("entry", string()),
                    ("id", string()),
                    ("measure", r("Measure")),
                    ("unit", json!({ "type": "string", "description": "`percent`, `share`, or what is counted." })),
                    ("unit_kind", enum_of(vec!["percent", "share", "count"])),
                    ("note", opt_string()),
                    ("estimates", array_of("Estimate")),
                    ("api", string()),
                    ("page", string()),
                ],
            ),
        ),
        (
            "Event",
            object(
                "A dated event.",
                &[
                    ("entry", string()),
                    ("id", string()),
                    ("date", nullable_ref("Date")),
                    ("label", string()),
                    ("description", opt_string()),
                    ("places", strings()),
                    ("sources", array_of("Cite")),
                    ("attribution", opt_string()),
                    ("verified", boolean()),
                ],
            ),
        ),
        (
            "Holder",
            object(
                "Who holds a position.",
                &[
                    ("cite", nullable_ref("Cite")),
                    ("name", opt_string()),
                    ("date", nullable_ref("Date")),
                    ("source", nullable_ref("Cite")),
                    ("note", opt_string()),
                ],
            ),
        ),
        (
            "Position",
            object(
                "A position on a debated qualification.",
                &[
                    ("id", string()),
                    ("question", opt_string()),
                    ("qualification", string()),
                    ("argument", string()),
                    ("holders", array_of("Holder")),
                ],
            ),
        ),
        (
            "Testimony",
            object(
                "A public testimony.",
                &[
                    ("id", string()),
                    ("witness", string()),
                    ("role", opt_string()),
                    ("date", nullable_ref("Date")),
                    ("about", strings()),
                    ("source", nullable_ref("Cite")),
                    ("summary", opt_string()),
                ],
            ),
        ),
        (
            "SearchResults",
            object(
                "The answer to a search.",
                &[
                    ("query", string()),
                    ("total", json!({ "type": "integer", "description": "Matching documents, all pages." })),
                    ("hits", array_of("SearchHit")),
                    ("facets", r("SearchFacets")),
                ],
            ),
        ),
        (
            "SearchHit",
            object(
                "One matching document.",
                &[
                    (
                        "url",
                        json!({ "type": "string", "description": "Page, relative to the site root, with anchor." }),
                    ),
                    ("title", string()),
                    ("section", string()),
                    ("kind", string()),
                    ("entry", opt_string()),
                    ("snippet", json!({ "type": "string", "description": "Escaped text; matches in <mark>." })),
                    ("score", json!({ "type": "number" })),
                ],
            ),
        ),
        (
            "SearchFacets",
            object(
                "Counts of the matching documents, as [value, count] pairs, most frequent first.",
                &[
                    ("kinds", facet_pairs()),
                    ("languages", facet_pairs()),
                    ("places", facet_pairs()),
                    ("authors", facet_pairs()),
                ],
            ),
        ),
        (
            "WorkBrief",
            object(
                "A work an entry cites.",
                &[
                    ("key", string()),
                    ("title", string()),
                    ("year", json!({ "type": ["integer", "null"] })),
                    ("reference", json!({ "type": ["string", "null"], "description": "Formatted reference (HTML)." })),
                    ("api", string()),
                ],
            ),
        ),
        (
            "HowToCite",
            object(
                "What is needed to cite the entry, and its citation in export formats.",
                &[
                    ("authors", strings()),
                    ("title", string()),
                    ("container_title", string()),
                    ("publisher", opt_string()),
                    ("published", opt_string()),
                    ("modified", opt_string()),
                    ("url", string()),
                    ("issn", opt_string()),
                    (
                        "formats",
                        object(
                            "Paths of the entry's citation files.",
                            &[("bibtex", string()), ("ris", string()), ("csl_json", string())],
                        ),
                    ),
                ],
            ),
        ),
        ("PlaceBrief", object("A place an entry names.", &[("id", string()), ("name", string()), ("api", string())])),
        (
            "PlaceName",
            object(
                "A name of a place in one language, script or romanisation.",
                &[
                    ("name", string()),
                    ("lang", opt_string()),
                    ("script", opt_string()),
                    ("romanization", opt_string()),
                    ("preferred", boolean()),
                ],
            ),
        ),
        (
            "Coordinates",
            object(
                "WGS 84 decimal degrees.",
                &[("lat", json!({ "type": "number" })), ("lon", json!({ "type": "number" }))],
            ),
        ),
        (
            "Place",
            object(
                "A place of the gazetteer.",
                &[
                    ("id", string()),
                    ("name", string()),
                    ("names", array_of("PlaceName")),
                    ("kind", opt_names(PlaceKind::names())),
                    ("coordinates", nullable_ref("Coordinates")),
                    ("precision", opt_names(Precision::names())),
                    ("verified", boolean()),
                    ("part_of", opt_string()),
                    ("period", nullable_ref("Date")),
                    ("note", opt_string()),
                    ("entries", strings()),
                    ("page", opt_string()),
                    ("api", string()),
                ],
            ),
        ),
        (
            "Name",
            object("A person or body in a bibliography record.", &[("family", string()), ("given", opt_string())]),
        ),
        (
            "SectionRef",
            object("A section of an entry.", &[("anchor", string()), ("title", string()), ("page", string())]),
        ),
        (
            "CitedIn",
            object(
                "An entry citing a work: the sections of its prose, the data (estimates, events ...), and \
                 whether it lists the work without citing it (nocite).",
                &[
                    ("entry", string()),
                    ("title", string()),
                    ("api", string()),
                    ("page", string()),
                    ("sections", array_of("SectionRef")),
                    ("data", array_of("Context")),
                    ("nocite", boolean()),
                ],
            ),
        ),
        (
            "Work",
            object(
                "A work of the bibliography.",
                &[
                    ("key", string()),
                    ("kind", string()),
                    ("authors", array_of("Name")),
                    ("year", json!({ "type": ["integer", "null"] })),
                    ("title", string()),
                    ("reference", json!({ "type": ["string", "null"], "description": "Formatted reference (HTML)." })),
                    ("cited_in", array_of("CitedIn")),
                    ("api", string()),
                ],
            ),
        ),
        (
            "Index",
            object(
                "The encyclopedia and the API's collections.",
                &[
                    ("title", string()),
                    ("subtitle", opt_string()),
                    ("publisher", opt_string()),
                    ("issn", opt_string()),
                    ("base_url", string()),
                    ("languages", strings()),
                    ("license", opt_string()),
                    (
                        "counts",
                        object(
                            "How many of each there are.",
                            &[
                                "entries",
                                "figures",
                                "estimates",
                                "events",
                                "positions",
                                "testimonies",
                                "places",
                                "works",
                            ]
                            .map(|k| (k, json!({ "type": "integer", "minimum": 0 }))),
                        ),
                    ),
                    (
                        "links",
                        object(
                            "Where the collections are.",
                            &["entries", "figures", "events", "places", "places_geojson", "works", "openapi"]
                                .map(|k| (k, string())),
                        ),
                    ),
                ],
            ),
        ),
        ("EntryList", list_of("EntrySummary")),
        ("FigureList", list_of("Figure")),
        ("EventList", list_of("Event")),
        ("PlaceList", list_of("Place")),
        ("WorkList", list_of("Work")),
        (
            "GeoName",
            json!({
                "type": "object",
                "description": "A place name; absent fields are left out.",
                "properties": {
                    "name": string(), "lang": string(), "script": string(), "romanization": string(), "preferred": boolean()
                },
                "required": ["name", "preferred"],
                "additionalProperties": false,
            }),
        ),
        (
            "FeatureCollection",
            object(
                "The places with coordinates as GeoJSON (RFC 7946).",
                &[
                    ("type", enum_of(vec!["FeatureCollection"])),
                    (
                        "features",
                        json!({ "type": "array", "items": object("A place.", &[
                            ("type", enum_of(vec!["Feature"])),
                            ("id", string()),
                            ("geometry", object("A point, [longitude, latitude].", &[
                                ("type", enum_of(vec!["Point"])),
                                ("coordinates", json!({ "type": "array", "items": { "type": "number" } })),
                            ])),
                            ("properties", object("The place.", &[
                                ("id", string()),
                                ("name", string()),
                                ("names", array_of("GeoName")),
                                ("kind", opt_names(PlaceKind::names())),
                                ("precision", opt_names(Precision::names())),
                                ("verified", boolean()),
                                ("part_of", opt_string()),
                                ("entries", strings()),
                            ])),
                        ]) }),
                    ),
                ],
            ),
        ),
        ("OpenApi", json!({ "type": "object", "description": "This document." })),
        (
            "Session",
            object(
                "The signed-in account.",
                &[
                    ("name", string()),
                    ("role", enum_of(Role::ALL.iter().map(|r| r.as_str()).collect())),
                    ("grants", strings()),
                ],
            ),
        ),
    ];
    s.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn param(name: &str, place: &str, description: &str) -> Value {
    json!({
        "name": name,
        "in": place,
        "required": place == "path",
        "description": description,
        "schema": { "type": "string" },
    })
}

fn format_param() -> Value {
    json!({
        "name": "format",
        "in": "query",
        "required": false,
        "description": "`json` (the default), or the works as `bibtex`, `ris` or `csl-json`.",
        "schema": { "type": "string", "enum": ["json", "bibtex", "ris", "csl-json"] },
    })
}

fn headers() -> Value {
    json!({
        "ETag": { "$ref": "#/components/headers/ETag" },
        "Last-Modified": { "$ref": "#/components/headers/Last-Modified" },
        "Cache-Control": { "$ref": "#/components/headers/Cache-Control" },
    })
}

fn error(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": r("Error") } } })
}

/// A GET operation answering `schema` as `media` (plus any `extra` media
/// types of the same answer).
fn get(id: &str, summary: &str, params: Vec<Value>, media: &str, schema: &str, extra: &[&str]) -> Value {
    let mut content = Map::new();
    content.insert(media.into(), json!({ "schema": r(schema) }));
    for m in extra {
        let schema = if m.ends_with("json") {
            json!({ "type": "array", "items": { "type": "object" }, "description": "CSL-JSON items." })
        } else {
            json!({ "type": "string" })
        };
        content.insert((*m).into(), json!({ "schema": schema }));
    }
    let mut responses = Map::new();
    responses.insert("200".into(), json!({ "description": summary, "headers": headers(), "content": content }));
    responses.insert("304".into(), json!({ "description": "Not modified (If-None-Match or If-Modified-Since)." }));
    if !params.is_empty() {
        responses.insert("400".into(), error("A parameter cannot be read."));
    }
    if params.iter().any(|p| p["in"] == "path") {
        responses.insert("404".into(), error("Nothing public has this slug, id or key."));
    }
    json!({ "get": { "operationId": id, "summary": summary, "parameters": params, "responses": responses } })
}

/// `GET /session`: who is signed in; never cached, so no validators.
fn session() -> Value {
    json!({ "get": {
        "operationId": "getSession",
        "summary": "The account signed in with the session cookie (`attest_session`, set by `POST /login`).",
        "parameters": [],
        "responses": {
            "200": {
                "description": "The account's name, role and grants (entry slugs, or `*`; readers only).",
                "content": { "application/json": { "schema": r("Session") } },
            },
            "401": error("Nobody is signed in (no cookie, or the session has ended)."),
        },
    } })
}

/// The media types of `?format=bibtex|ris|csl-json`.
const BIB_FORMATS: &[&str] =
    &["application/x-bibtex", "application/x-research-info-systems", "application/vnd.citationstyles.csl+json"];

/// The OpenAPI document.
pub fn document() -> Value {
    let slug = || param("slug", "path", "The entry's slug (its file name without `.md`).");
    let paths = json!({
        "": get("index", "The encyclopedia, counts and links to the collections.", vec![], "application/json", "Index", &[]),
        "/openapi.json": get("openapi", "This document.", vec![], "application/json", "OpenApi", &[]),
        "/entries": get("listEntries", "Every public entry.", vec![], "application/json", "EntryList", &[]),
        "/entries/{slug}": get("getEntry", "An entry with its rendered sections, data, citations and how to cite it.",
            vec![slug()], "application/json", "EntryDetail", &[]),
        "/entries/{slug}/figures/{id}": get("getFigure", "One figure of an entry with its estimates.",
            vec![slug(), param("id", "path", "The figure's id in the entry.")], "application/json", "Figure", &[]),
        "/figures": get("listFigures", "Every figure of every entry with its estimates.",
            vec![param("entry", "query", "Only the figures of the entry with this slug.")], "application/json", "FigureList", &[]),
        "/events": get("listEvents", "Dated events, filtered by period and place.", vec![
            param("from", "query", "EDTF date: events that can fall on or after its first day (`1943`)."),
            param("to", "query", "EDTF date: events that can fall on or before its last day (`1945`); \
                `from=1943&to=1945` matches an event dated `1944~`."),
            param("place", "query", "Gazetteer id: events at this place or at a place inside it."),
            param("entry", "query", "Only the events of the entry with this slug."),
        ], "application/json", "EventList", &[]),
        "/places": get("listPlaces", "The public gazetteer, with names in every script.", vec![], "application/json", "PlaceList", &[]),
        "/places.geojson": get("placesGeoJson", "The places with coordinates as GeoJSON.", vec![],
            "application/geo+json", "FeatureCollection", &[]),
        "/places/{id}": get("getPlace", "One place.", vec![param("id", "path", "The place's gazetteer id.")],
            "application/json", "Place", &[]),
        "/works": get("listWorks", "The bibliography, with where each work is cited.", vec![format_param()],
            "application/json", "WorkList", BIB_FORMATS),
        "/search": get("search", "Full-text search of the public documents (entry sections, events, places, works), \
            folded for case, accents and script, with typos forgiven in longer words.",
            vec![
                param("q", "query", "Words (all must match) and \"quoted phrases\"."),
                param("kind", "query", "Entry kind, or `event`, `place`, `work`."),
                param("place", "query", "A gazetteer id: documents about it or a place inside it."),
                param("period", "query", "A year, an EDTF date or interval, or FROM..TO; overlapping documents match."),
                param("author", "query", "An author, in any script."),
                param("lang", "query", "A language code."),
                param("limit", "query", "Hits to return (default 20, at most 100)."),
                param("offset", "query", "Hits to skip."),
            ],
            "application/json", "SearchResults", &[]),
        "/session": session(),
        "/works/{key}": get("getWork", "One work and where it is cited.",
            vec![param("key", "path", "The work's citation key."), format_param()],
            "application/json", "Work", BIB_FORMATS),
    });
    let paths: Map<String, Value> = match paths {
        Value::Object(m) => m.into_iter().map(|(k, v)| (format!("{}{k}", super::api::BASE), v)).collect(),
        _ => unreachable!("a literal object"),
    };
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "attest API",
            "version": "1",
            "description": "The read-only JSON API of `attest serve`: the public part of the encyclopedia \
                (restricted material is absent, and asking for it answers 404 like anything unknown). \
                Every answer has an ETag and Last-Modified and answers conditional requests with 304.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "headers": {
                "ETag": { "description": "A hash of the body.", "schema": { "type": "string" } },
                "Last-Modified": { "description": "When the served version of the project was made.", "schema": { "type": "string" } },
                "Cache-Control": { "description": "`no-cache`: revalidate on every use.", "schema": { "type": "string" } },
            },
        },
    })
}
