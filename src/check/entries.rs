//! Checks within one entry and against the rest of the corpus: figures and
//! their estimates, figure references, events and their dates, ids, place
//! ids, required sections and links to other entries.

use std::collections::HashMap;
use std::ops::Range;

use super::Index;
use crate::diag::{closest, codes, Diagnostic};
use crate::model::{DateField, Entry, Estimate, Figure, Rank, Sp, Unit};
use crate::parse::edtf::Day;
use crate::parse::markdown::auto_identifier;

pub(super) fn check_entry(idx: &Index, e: &Entry, out: &mut Vec<Diagnostic>) {
    ids(idx, e, out);
    for f in &e.figures {
        figure(e, f, out);
    }
    figure_refs(e, out);
    events(e, out);
    place_refs(idx, e, out);
    sections(idx, e, out);
    links(idx, e, out);
}

fn duplicates<'a>(
    idx: &Index,
    e: &Entry,
    what: &str,
    ids: impl Iterator<Item = &'a Sp<String>>,
    out: &mut Vec<Diagnostic>,
) {
    let mut seen: HashMap<&str, &Sp<String>> = HashMap::new();
    for id in ids {
        if let Some(first) = seen.get(id.v.as_str()) {
            out.push(
                Diagnostic::error(
                    codes::ID_DUPLICATE,
                    e.file,
                    id.span.clone(),
                    format!("two {what} have the id `{}`", id.v),
                )
                .with_hint(format!("the first is at {}; ids must be unique", idx.locate(e.file, first.span.start))),
            );
        } else {
            seen.insert(&id.v, id);
        }
    }
}

fn ids(idx: &Index, e: &Entry, out: &mut Vec<Diagnostic>) {
    duplicates(idx, e, "figures", e.figures.iter().map(|f| &f.id), out);
    for f in &e.figures {
        duplicates(idx, e, "estimates of one figure", f.estimates.iter().map(|x| &x.id), out);
    }
    duplicates(idx, e, "events", e.events.iter().map(|x| &x.id), out);
    duplicates(idx, e, "positions", e.positions.iter().map(|x| &x.id), out);
    duplicates(idx, e, "testimonies", e.testimonies.iter().map(|x| &x.id), out);
}

fn figure(e: &Entry, f: &Figure, out: &mut Vec<Diagnostic>) {
    if f.estimates.is_empty() {
        out.push(
            Diagnostic::error(
                codes::FIGURE_NO_ESTIMATES,
                e.file,
                f.id.span.clone(),
                format!("figure `{}` has no estimates", f.id.v),
            )
            .with_hint("add `estimates:` with at least one value and its source"),
        );
    }
    for x in &f.estimates {
        bad_range(e, f, x, out);
        if !x.verified {
            let why = x.verify_note.as_deref().map(|n| format!(": {n}")).unwrap_or_default();
            out.push(
                Diagnostic::warning(
                    codes::FIGURE_UNVERIFIED,
                    e.file,
                    x.id.span.clone(),
                    format!("estimate `{}.{}` is not verified{why}", f.id.v, x.id.v),
                )
                .with_hint("check it against the source, then remove `verified: false`"),
            );
        }
    }
}

fn bad_range(e: &Entry, f: &Figure, x: &Estimate, out: &mut Vec<Diagnostic>) {
    let name = format!("{}.{}", f.id.v, x.id.v);
    let mut err = |span: Range<usize>, msg: String, hint: &str| {
        out.push(Diagnostic::error(codes::FIGURE_BAD_RANGE, e.file, span, msg).with_hint(hint))
    };
    let values: Vec<&Sp<f64>> = [&x.value, &x.low, &x.high].into_iter().flatten().collect();
    if let (Some(v), true) = (&x.value, x.low.is_some() || x.high.is_some()) {
        err(
            v.span.clone(),
            format!("estimate `{name}` has both a `value` and a range"),
            "keep `value` for a single figure, or `low`/`high` for a range",
        );
    }
    if let (Some(l), Some(h)) = (&x.low, &x.high) {
        if l.v > h.v {
            err(
                l.span.start..h.span.end,
                format!("estimate `{name}`: low ({}) is above high ({})", l.v, h.v),
                "swap them?",
            );
        }
    }
    for v in values {
        let (ok, what) = match &f.unit {
            Unit::Percent => ((0.0..=100.0).contains(&v.v), "a percentage must lie between 0 and 100"),
            Unit::Share => {
                ((0.0..=1.0).contains(&v.v), "a share must lie between 0 and 1 (use `unit: percent` for 0-100)")
            }
            Unit::Count(_) => (v.v >= 0.0, "a count cannot be negative"),
        };
        if !ok {
            err(v.span.clone(), format!("estimate `{name}`: {} is out of range", v.v), what);
        }
    }
}

fn figure_refs(e: &Entry, out: &mut Vec<Diagnostic>) {
    for r in &e.body.figure_refs {
        let Some(f) = e.figures.iter().find(|f| f.id.v == r.figure) else {
            let hint = match closest(&r.figure, e.figures.iter().map(|f| f.id.v.as_str()), 1).first() {
                Some(c) => format!("did you mean {{fig:{c}}}?"),
                None if e.figures.is_empty() => "this entry has no `figures:` in its front matter".to_string(),
                None => format!(
                    "figures of this entry: {}",
                    e.figures.iter().map(|f| f.id.v.as_str()).collect::<Vec<_>>().join(", ")
                ),
            };
            out.push(
                Diagnostic::error(
                    codes::FIGURE_UNKNOWN_REF,
                    e.file,
                    r.span.clone(),
                    format!("no figure `{}` in this entry", r.figure),
                )
                .with_hint(hint),
            );
            continue;
        };
        if let Some(est) = &r.estimate {
            if !f.estimates.iter().any(|x| &x.id.v == est) {
                let ids: Vec<&str> = f.estimates.iter().map(|x| x.id.v.as_str()).collect();
                out.push(
                    Diagnostic::error(
                        codes::FIGURE_UNKNOWN_REF,
                        e.file,
                        r.span.clone(),
                        format!("figure `{}` has no estimate `{est}`", f.id.v),
                    )
                    .with_hint(format!("its estimates: {}", ids.join(", "))),
                );
            }
        } else if f.estimates.iter().all(|x| x.rank == Rank::Deprecated) && !f.estimates.is_empty() {
            out.push(
                Diagnostic::error(
                    codes::FIGURE_UNKNOWN_REF,
                    e.file,
                    r.span.clone(),
                    format!(
                        "every estimate of figure `{}` is deprecated, so {{fig:{}}} has nothing to print",
                        f.id.v, f.id.v
                    ),
                )
                .with_hint("rank one estimate `preferred` or `normal`, or name a deprecated one explicitly"),
            );
        }
    }
}

fn bounds(d: &DateField) -> Option<(Option<Day>, Option<Day>)> {
    d.edtf.as_ref().map(|x| (x.earliest(), x.latest()))
}

fn events(e: &Entry, out: &mut Vec<Diagnostic>) {
    let period = e.period.as_ref().and_then(bounds);
    for ev in &e.events {
        if !ev.verified {
            out.push(
                Diagnostic::warning(
                    codes::EVENT_UNVERIFIED,
                    e.file,
                    ev.id.span.clone(),
                    format!("event `{}` is not verified", ev.id.v),
                )
                .with_hint("check it against the source, then remove `verified: false`"),
            );
        }
        let (Some((ps, pe)), Some(d)) = (period, ev.date.as_ref()) else { continue };
        let Some((s, end)) = bounds(d) else { continue };
        let before = matches!((s, ps), (Some(s), Some(ps)) if s < ps) || (s.is_none() && ps.is_some());
        let after = matches!((end, pe), (Some(x), Some(pe)) if x > pe)
            || (end.is_none()
                && pe.is_some()
                && d.edtf.as_ref().is_some_and(|x| x.is_interval())
                && d.raw.ends_with(".."));
        if before || after {
            let p = e.period.as_ref().map(|p| p.raw.as_str()).unwrap_or_default();
            out.push(
                Diagnostic::warning(
                    codes::DATE_OUTSIDE_PERIOD,
                    e.file,
                    d.span.clone(),
                    format!("event `{}` ({}) lies outside the entry's period {p}", ev.id.v, d.raw),
                )
                .with_hint("widen the entry's `period`, or check the date"),
            );
        }
    }
}

fn place_refs(idx: &Index, e: &Entry, out: &mut Vec<Diagnostic>) {
    let refs = e
        .places
        .iter()
        .chain(e.events.iter().flat_map(|x| &x.places))
        .chain(e.figures.iter().flat_map(|f| &f.measure.places));
    for p in refs {
        if idx.places.contains_key(p.v.as_str()) {
            continue;
        }
        let hint = match closest(&p.v, idx.corpus.places.iter().map(|p| p.id.v.as_str()), 1).first() {
            Some(c) => format!("did you mean `{c}`?"),
            None => "add it to places.yaml".to_string(),
        };
        out.push(
            Diagnostic::error(
                codes::PLACE_UNKNOWN,
                e.file,
                p.span.clone(),
                format!("no place `{}` in the gazetteer", p.v),
            )
            .with_hint(hint),
        );
    }
    for t in &e.testimonies {
        for a in &t.about {
            if !e.events.iter().any(|ev| ev.id.v == a.v) {
                out.push(Diagnostic::error(
                    codes::FRONTMATTER_INVALID_VALUE,
                    e.file,
                    a.span.clone(),
                    format!("testimony `{}` is about `{}`, which is not an event of this entry", t.id.v, a.v),
                ));
            }
        }
    }
}

fn sections(idx: &Index, e: &Entry, out: &mut Vec<Diagnostic>) {
    let Some(kind) = &e.kind else { return };
    let Some(required) = idx.corpus.config.sections.get(&kind.v) else { return };
    let present: Vec<_> = e.body.sections.iter().filter(|s| s.level == 2).collect();
    for name in required {
        let slug = auto_identifier(name);
        let found =
            present.iter().any(|s| s.anchor == slug || s.title.to_lowercase().starts_with(&name.to_lowercase()));
        if !found {
            let have: Vec<&str> = present.iter().map(|s| s.title.as_str()).collect();
            let hint = match closest(name, have.iter().copied(), 1).first() {
                Some(c) => format!("is `## {c}` meant to be `## {name}`?"),
                None => format!(
                    "add a heading `## {name}`; sections required for {}: {}",
                    kind.v.as_str(),
                    required.join(", ")
                ),
            };
            out.push(
                Diagnostic::error(
                    codes::SECTION_MISSING,
                    e.file,
                    kind.span.clone(),
                    format!("a {} needs a section `{name}`", kind.v.as_str()),
                )
                .with_hint(hint),
            );
        }
    }
}

fn links(idx: &Index, e: &Entry, out: &mut Vec<Diagnostic>) {
    let targets = e
        .body
        .links
        .iter()
        .map(|l| (l.slug.as_str(), l.anchor.as_deref(), l.span.clone()))
        .chain(e.related.iter().map(|r| (r.v.as_str(), None, r.span.clone())));
    for (slug, anchor, span) in targets {
        match idx.entries.get(slug) {
            None => {
                let hint = match closest(slug, idx.corpus.entries.iter().map(|e| e.slug.as_str()), 1).first() {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => "entries are named by their file name in entries/, without .md".to_string(),
                };
                out.push(
                    Diagnostic::error(codes::LINK_BROKEN, e.file, span, format!("no entry `{slug}`")).with_hint(hint),
                );
            }
            Some(target) => {
                if let Some(a) = anchor {
                    if !target.body.sections.iter().any(|s| s.anchor == a) {
                        let anchors: Vec<&str> = target.body.sections.iter().map(|s| s.anchor.as_str()).collect();
                        let hint = match closest(a, anchors.iter().copied(), 1).first() {
                            Some(c) => format!("did you mean #{c}?"),
                            None => format!("its sections: {}", anchors.join(", ")),
                        };
                        out.push(
                            Diagnostic::error(
                                codes::LINK_BROKEN,
                                e.file,
                                span,
                                format!("entry `{slug}` has no section `#{a}`"),
                            )
                            .with_hint(hint),
                        );
                    }
                }
            }
        }
    }
}
