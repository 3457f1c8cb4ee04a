//! The gazetteer as GeoJSON (RFC 7946), for maps and GIS software.
//!
//! One `Point` feature per place with coordinates, in gazetteer order;
//! areas drawn from outlines and places whose coordinates are missing or
//! out of range are left out. Positions are `[longitude, latitude]` in WGS
//! 84, as RFC 7946 requires.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::model::Place;

/// A `FeatureCollection` of the places with coordinates; `mentions` gives,
/// for a place id, the slugs of the entries that name it.
pub fn places(places: &[&Place], mentions: &BTreeMap<String, Vec<String>>) -> String {
    let features: Vec<Value> = places.iter().filter_map(|p| feature(p, mentions)).collect();
    let mut s = serde_json::to_string(&json!({"type": "FeatureCollection", "features": features}))
        .expect("JSON values serialize");
    s.push('\n');
    s
}

fn feature(p: &Place, mentions: &BTreeMap<String, Vec<String>>) -> Option<Value> {
    let c = p.coordinates.as_ref()?.v;
    let valid = c.lat.is_finite() && c.lon.is_finite() && c.lat.abs() <= 90.0 && c.lon.abs() <= 180.0;
    if !valid {
        return None;
    }
    let names: Vec<Value> = p
        .names
        .iter()
        .map(|n| {
            let mut o = Map::new();
            o.insert("name".into(), json!(n.name));
            for (k, v) in [("lang", &n.lang), ("script", &n.script), ("romanization", &n.romanization)] {
                if let Some(v) = v {
                    o.insert(k.into(), json!(v));
                }
            }
            o.insert("preferred".into(), json!(n.preferred));
            Value::Object(o)
        })
        .collect();
    let mut entries: Vec<&String> = mentions.get(&p.id.v).map(|v| v.iter().collect()).unwrap_or_default();
    entries.sort();
    entries.dedup();
    let mut props = Map::new();
    props.insert("id".into(), json!(p.id.v));
    props.insert("name".into(), json!(p.display_name()));
    props.insert("names".into(), Value::Array(names));
    props.insert("kind".into(), json!(p.kind.map(|k| k.as_str())));
    props.insert("precision".into(), json!(p.precision.map(|k| k.as_str())));
    props.insert("verified".into(), json!(p.verified));
    props.insert("part_of".into(), json!(p.part_of.as_ref().map(|x| &x.v)));
    props.insert("entries".into(), json!(entries));
    Some(json!({
        "type": "Feature",
        "id": p.id.v,
        "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
        "properties": props,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::test_support::{places as gazetteer, sample};

    #[test]
    fn the_sample_gazetteer() {
        let a = sample();
        let all: Vec<&Place> = a.corpus.places.iter().collect();
        let mut mentions: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for e in &a.corpus.entries {
            for p in e.places.iter().chain(e.events.iter().flat_map(|ev| &ev.places)) {
                mentions.entry(p.v.clone()).or_default().push(e.slug.clone());
            }
        }
        let out = places(&all, &mentions);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["type"], "FeatureCollection");
        let features = v["features"].as_array().unwrap();
        assert_eq!(features.len(), all.iter().filter(|p| p.coordinates.is_some()).count());
        let grozny = features.iter().find(|f| f["id"] == "grozny").unwrap();
        assert_eq!(grozny["geometry"], json!({"type": "Point", "coordinates": [45.70, 43.31]}), "longitude first");
        let props = &grozny["properties"];
        assert_eq!(props["name"], "Grozny");
        assert_eq!(props["kind"], "city");
        assert_eq!(props["precision"], "locality");
        assert_eq!(props["verified"], false);
        assert_eq!(props["entries"], json!(["chechens-ingush-1944"]));
        assert!(props["names"].as_array().unwrap().contains(&json!({
            "name": "Groznyy", "lang": "ru", "script": "Latn", "romanization": "bgn-pcgn", "preferred": false
        })));
        assert!(features.iter().all(|f| f["id"] != "rsfsr"), "an area without coordinates is left out");
        assert_eq!(out, places(&all, &mentions), "deterministic");
    }

    #[test]
    fn names_are_escaped_and_entries_listed_once() {
        let g = gazetteer(
            "- id: s\n  kind: site\n  names:\n    - { name: \"The \\\"Stable\\\" </script>\", lang: en, preferred: true }\n  coordinates: { lat: -12.5, lon: -170 }\n  precision: exact\n",
        );
        let refs: Vec<&Place> = g.iter().collect();
        let mentions = BTreeMap::from([("s".to_string(), vec!["b".to_string(), "a".to_string(), "b".to_string()])]);
        let v: Value = serde_json::from_str(&places(&refs, &mentions)).unwrap();
        let f = &v["features"][0];
        assert_eq!(f["properties"]["name"], "The \"Stable\" </script>");
        assert_eq!(f["properties"]["entries"], json!(["a", "b"]));
        assert_eq!(f["geometry"]["coordinates"], json!([-170.0, -12.5]));
    }
}
