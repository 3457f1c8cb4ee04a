//! Checks of the gazetteer: duplicate ids, missing or unverified
//! coordinates, and `part_of` references.

use std::collections::HashMap;

use super::Index;
use crate::diag::{codes, Diagnostic};

pub(super) fn check_gazetteer(idx: &Index, out: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, &crate::model::Place> = HashMap::new();
    for p in &idx.corpus.places {
        if let Some(first) = seen.get(p.id.v.as_str()) {
            out.push(
                Diagnostic::error(
                    codes::ID_DUPLICATE,
                    p.file,
                    p.id.span.clone(),
                    format!("two places have the id `{}`", p.id.v),
                )
                .with_hint(format!(
                    "the first is at {}; merge their names into one record",
                    idx.locate(first.file, first.id.span.start)
                )),
            );
            continue;
        }
        seen.insert(&p.id.v, p);
        if !p.verified {
            out.push(
                Diagnostic::warning(
                    codes::PLACE_UNVERIFIED,
                    p.file,
                    p.id.span.clone(),
                    format!("the coordinates of `{}` ({}) are not verified", p.id.v, p.display_name()),
                )
                .with_hint("check them against a gazetteer, then remove `verified: false`"),
            );
        }
        if let Some(parent) = &p.part_of {
            if !idx.places.contains_key(parent.v.as_str()) {
                out.push(Diagnostic::error(
                    codes::PLACE_UNKNOWN,
                    p.file,
                    parent.span.clone(),
                    format!("`part_of: {}` names no place in the gazetteer", parent.v),
                ));
            }
        }
    }
}
