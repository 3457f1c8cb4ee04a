//! The gazetteer: `places.yaml` or `places/*.yaml`, a list of places with
//! names across languages and scripts, coordinates and their precision.

use crate::diag::{codes, Diagnostic};
use crate::model::{Coordinates, Place, PlaceKind, PlaceName, Precision, Sp};
use crate::parse::entry::{date_field, is_id};
use crate::parse::yaml::{self, Codes, Node, NodeKind, Reader};
use crate::source::{FileId, SourceFile};

const PLACES: Codes = Codes {
    missing: codes::PLACES_MISSING_FIELD,
    unknown: codes::PLACES_UNKNOWN_FIELD,
    invalid: codes::PLACES_INVALID_VALUE,
};

/// Reads one gazetteer file.
pub fn parse_file(file: FileId, src: &SourceFile) -> (Vec<Place>, Vec<Diagnostic>) {
    let mut r = Reader::new(file, PLACES);
    let node = match yaml::parse(&src.text, 0) {
        Ok(parsed) => {
            for p in parsed.problems {
                r.diags.push(
                    Diagnostic::error(codes::PLACES_SYNTAX, file, p.offset..p.offset, p.message)
                        .with_hint("remove or merge the repeated key"),
                );
            }
            parsed.node
        }
        Err(e) => {
            let d = Diagnostic::error(
                codes::PLACES_SYNTAX,
                file,
                e.offset..e.offset,
                format!("the gazetteer is not valid YAML: {}", e.message),
            )
            .with_hint("the file is a YAML list of places: `- id: grozny` ...");
            r.diags.push(d);
            return (Vec::new(), r.diags);
        }
    };
    let items: Vec<&Node> = match &node.kind {
        NodeKind::Seq(items) => items.iter().collect(),
        NodeKind::Null => Vec::new(),
        _ => {
            let d = Diagnostic::error(
                codes::PLACES_SYNTAX,
                file,
                node.span.clone(),
                format!("the gazetteer should be a list of places, found {}", node.describe()),
            );
            return (Vec::new(), vec![d]);
        }
    };
    let places = items.into_iter().filter_map(|n| read_place(&mut r, &src.text, file, n)).collect();
    (places, r.diags)
}

fn read_place(r: &mut Reader, src: &str, file: FileId, n: &Node) -> Option<Place> {
    let mut o = r.obj(n, "a place")?;
    let id = o.req_text(r, src, "id").map(|(id, span)| {
        if !is_id(&id) {
            r.invalid(span.clone(), format!("place id `{id}` may only contain a-z, 0-9 and -"));
        }
        Sp::new(id, span)
    });
    let kind = o.req(r, "kind").and_then(|k| r.one_of(k, src, "kind", &PlaceKind::names(), PlaceKind::from_name));
    let mut names = Vec::new();
    if let Some(ns) = o.req(r, "names") {
        for item in r.list(ns, "`names`") {
            if let NodeKind::Str(s) = &item.kind {
                names.push(PlaceName {
                    name: s.clone(),
                    lang: None,
                    script: None,
                    romanization: None,
                    preferred: false,
                });
                continue;
            }
            let Some(mut no) = r.obj(item, "a place name") else { continue };
            let name = no.req_text(r, src, "name");
            let lang = no.text(r, src, "lang");
            let script = no.text(r, src, "script");
            let romanization = no.text(r, src, "romanization");
            let preferred = no.boolean(r, "preferred").unwrap_or(false);
            no.finish(r);
            if let Some((name, _)) = name {
                names.push(PlaceName { name, lang, script, romanization, preferred });
            }
        }
    }
    let coordinates = o.get("coordinates").and_then(|c| coordinates(r, c));
    let precision =
        o.get("precision").and_then(|p| r.one_of(p, src, "precision", &Precision::names(), Precision::from_name));
    if let (Some(c), None) = (&coordinates, precision) {
        r.diags.push(
            Diagnostic::error(codes::PLACE_BAD_COORDINATES, file, c.span.clone(), "coordinates without a `precision`")
                .with_hint("add `precision:` exact, locality, district, province, country or region"),
        );
    }
    if !o.has("coordinates") && kind.is_some_and(|k| k.is_point()) {
        if let Some(id) = &id {
            let name = names.iter().find(|n| n.preferred).or(names.first()).map(|n| n.name.as_str()).unwrap_or(&id.v);
            r.diags.push(
                Diagnostic::warning(
                    codes::PLACE_NO_COORDINATES,
                    file,
                    id.span.clone(),
                    format!("place `{}` ({name}) has no coordinates, so it cannot be shown on a map", id.v),
                )
                .with_hint("add `coordinates: { lat: .., lon: .. }` and a `precision`"),
            );
        }
    }
    let verified = o.boolean(r, "verified").unwrap_or(true);
    let part_of = o.get("part_of").and_then(|p| r.text(p, src, "`part_of`").map(|t| Sp::new(t, p.span.clone())));
    let period = o.get("period").and_then(|p| date_field(r, src, p, "period", false));
    let note = o.text(r, src, "note");
    o.finish(r);
    Some(Place {
        id: id?,
        file,
        kind,
        names,
        coordinates,
        precision,
        verified,
        part_of,
        period,
        note,
        span: n.span.clone(),
    })
}

/// `{lat, lon}` or `[lat, lon]`, range-checked.
fn coordinates(r: &mut Reader, n: &Node) -> Option<Sp<Coordinates>> {
    let (lat, lon) = match &n.kind {
        NodeKind::Seq(v) if v.len() == 2 => (&v[0], &v[1]),
        NodeKind::Map(_) => {
            let mut o = r.obj(n, "`coordinates`")?;
            let lat = o.req(r, "lat");
            let lon = o.req(r, "lon");
            o.finish(r);
            (lat?, lon?)
        }
        _ => {
            r.invalid_hint(
                n.span.clone(),
                "`coordinates` should be {lat, lon}",
                "e.g. coordinates: { lat: 43.31, lon: 45.70 }",
            );
            return None;
        }
    };
    let la = r.number(lat, "latitude")?;
    let lo = r.number(lon, "longitude")?;
    let mut ok = true;
    if !(-90.0..=90.0).contains(&la) {
        r.diags.push(
            Diagnostic::error(
                codes::PLACE_BAD_COORDINATES,
                r.file,
                lat.span.clone(),
                format!("latitude {la} is outside -90..90"),
            )
            .with_hint("are latitude and longitude swapped?"),
        );
        ok = false;
    }
    if !(-180.0..=180.0).contains(&lo) {
        r.diags.push(Diagnostic::error(
            codes::PLACE_BAD_COORDINATES,
            r.file,
            lon.span.clone(),
            format!("longitude {lo} is outside -180..180"),
        ));
        ok = false;
    }
    ok.then(|| Sp::new(Coordinates { lat: la, lon: lo }, n.span.clone()))
}
