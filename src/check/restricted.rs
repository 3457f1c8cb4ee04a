//! `restricted.leak-risk`: public material that depends on restricted
//! material, and so would reveal it once published.
//!
//! Restricted content itself is filtered out before anything is rendered; what
//! this check catches is the public page that would still point at it: a
//! public estimate citing a restricted interview, public prose printing a
//! restricted figure, a public event citing the source of a restricted
//! testimony about it.

use std::ops::Range;

use super::Index;
use crate::diag::{codes, Diagnostic};
use crate::model::{Access, Citation, Entry};

fn restricted_keys<'c>(idx: &Index, c: &'c Citation) -> Vec<(&'c str, Range<usize>)> {
    c.items
        .iter()
        .filter(|i| idx.works.get(i.key.as_str()).is_some_and(|w| w.access == Access::Restricted))
        .map(|i| (i.key.as_str(), i.key_span.clone()))
        .collect()
}

pub(super) fn check_entry(idx: &Index, e: &Entry, out: &mut Vec<Diagnostic>) {
    if e.access == Access::Restricted {
        return;
    }
    let mut leak = |span: Range<usize>, msg: String, hint: &str| {
        out.push(Diagnostic::error(codes::RESTRICTED_LEAK_RISK, e.file, span, msg).with_hint(hint))
    };
    const MARK: &str = "mark this material `access: restricted` too, or cite a public source";

    for c in &e.body.citations {
        if e.body.is_restricted_at(c.span.start) {
            continue;
        }
        for (key, span) in restricted_keys(idx, c) {
            leak(
                span,
                format!("public prose cites the restricted work `{key}`"),
                "move the passage into a `::: restricted` block, or cite a public source",
            );
        }
    }
    for r in &e.body.figure_refs {
        if e.body.is_restricted_at(r.span.start) {
            continue;
        }
        let Some(f) = e.figures.iter().find(|f| f.id.v == r.figure) else { continue };
        let est_restricted = r
            .estimate
            .as_ref()
            .is_some_and(|id| f.estimates.iter().any(|x| &x.id.v == id && x.access == Access::Restricted));
        if f.access == Access::Restricted || est_restricted {
            leak(
                r.span.clone(),
                format!("public prose prints the restricted figure {}", &r.figure),
                "move the sentence into a `::: restricted` block",
            );
        }
    }
    for n in &e.nocite {
        if idx.works.get(n.v.as_str()).is_some_and(|w| w.access == Access::Restricted) {
            leak(
                n.span.clone(),
                format!("`nocite` puts the restricted work `{}` in this public entry's bibliography", n.v),
                "remove it from `nocite`, or restrict the entry",
            );
        }
    }
    for l in &e.body.links {
        if e.body.is_restricted_at(l.span.start) {
            continue;
        }
        if idx.entries.get(l.slug.as_str()).is_some_and(|t| t.access == Access::Restricted) {
            leak(l.span.clone(), format!("public prose links to the restricted entry `{}`", l.slug), "the link would be broken on the public site and reveal that the entry exists; move it into a `::: restricted` block");
        }
    }
    for r in &e.related {
        if idx.entries.get(r.v.as_str()).is_some_and(|t| t.access == Access::Restricted) {
            leak(
                r.span.clone(),
                format!("`related` names the restricted entry `{}`", r.v),
                "remove it from `related`, or restrict this entry",
            );
        }
    }
    for f in e.figures.iter().filter(|f| f.access == Access::Public) {
        for x in f.estimates.iter().filter(|x| x.access == Access::Public) {
            for (key, span) in x.source.iter().flat_map(|s| restricted_keys(idx, &s.v)) {
                leak(span, format!("public estimate `{}.{}` cites the restricted work `{key}`", f.id.v, x.id.v), MARK);
            }
        }
    }
    for ev in e.events.iter().filter(|x| x.access == Access::Public) {
        for (key, span) in ev.sources.iter().flat_map(|s| restricted_keys(idx, &s.v)) {
            leak(span, format!("public event `{}` cites the restricted work `{key}`", ev.id.v), MARK);
        }
    }
    for p in e.positions.iter().filter(|x| x.access == Access::Public) {
        for h in &p.holders {
            for (key, span) in h.cite.iter().chain(&h.source).flat_map(|s| restricted_keys(idx, &s.v)) {
                leak(span, format!("public position `{}` cites the restricted work `{key}`", p.id.v), MARK);
            }
        }
    }
    for t in &e.testimonies {
        let Some(src) = &t.source else { continue };
        if t.access == Access::Public {
            for (key, span) in restricted_keys(idx, &src.v) {
                leak(span, format!("public testimony `{}` cites the restricted work `{key}`", t.id.v), MARK);
            }
            continue;
        }
        // A restricted testimony: its source must not surface through the
        // public events it is about.
        let keys: Vec<&str> = src.v.items.iter().map(|i| i.key.as_str()).collect();
        for about in &t.about {
            let Some(ev) = e.events.iter().find(|ev| ev.id.v == about.v && ev.access == Access::Public) else {
                continue;
            };
            for s in &ev.sources {
                for i in s.v.items.iter().filter(|i| keys.contains(&i.key.as_str())) {
                    leak(
                        i.key_span.clone(),
                        format!(
                            "public event `{}` cites `{}`, the source of the restricted testimony `{}`",
                            ev.id.v, i.key, t.id.v
                        ),
                        MARK,
                    );
                }
            }
        }
    }
}
