//! What changed between two revisions of a source file, as an editor reads
//! it: the front matter compared field by field (list items that have an
//! `id`, such as figures, estimates and events, matched by it, so a
//! reordered list is not a change), and the Markdown after it compared word
//! by word. Pure: texts in, differences out.
//!
//! The word diff is `similar`'s (Myers' algorithm on words and the spaces
//! between them); the field diff is ours, over the tree [`yaml::parse`]
//! already makes, because a generic tree diff would report list positions
//! where an editor thinks in figure and estimate ids.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::parse::entry::split_front_matter;
use crate::parse::yaml::{self, Node, NodeKind};

/// One field whose value differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// Where the field is: `title`, `figures[deported].estimates[nkvd].value`.
    pub path: String,
    /// The value before (`None`: the field was added).
    pub before: Option<String>,
    /// The value after (`None`: the field was removed).
    pub after: Option<String>,
}

/// A run of the prose, with what happened to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", content = "text", rename_all = "lowercase")]
pub enum Piece {
    /// In both.
    Same(String),
    /// Only before.
    Removed(String),
    /// Only after.
    Added(String),
}

/// The differences between two revisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// Changed front matter fields, in path order. When either side's front
    /// matter cannot be read, it is compared as text, under the path `front
    /// matter`.
    pub fields: Vec<FieldChange>,
    /// The body, word by word (the whole text when there is no front
    /// matter).
    pub prose: Vec<Piece>,
}

impl Diff {
    /// Whether anything changed.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.prose.iter().all(|p| matches!(p, Piece::Same(_)))
    }
}

/// Compares revision `before` with revision `after`.
pub fn diff(before: &str, after: &str) -> Diff {
    let (fm_before, body_before) = split(before);
    let (fm_after, body_after) = split(after);
    let fields = match (fm_before.map(fields_of), fm_after.map(fields_of)) {
        (Some(Some(a)), Some(Some(b))) => changes(&a, &b),
        (None, None) => Vec::new(),
        _ => {
            let (a, b) = (fm_before.unwrap_or_default(), fm_after.unwrap_or_default());
            if a == b {
                Vec::new()
            } else {
                vec![FieldChange {
                    path: "front matter".into(),
                    before: (!a.is_empty()).then(|| a.to_string()),
                    after: (!b.is_empty()).then(|| b.to_string()),
                }]
            }
        }
    };
    Diff { fields, prose: words(body_before, body_after) }
}

/// The front matter's YAML and the body; no front matter: all body.
fn split(text: &str) -> (Option<&str>, &str) {
    match split_front_matter(text) {
        Ok(s) => (Some(&text[s.yaml]), &text[s.body]),
        Err(_) => (None, text),
    }
}

/// Every scalar of the front matter by its path; `None` when the YAML
/// cannot be read.
fn fields_of(yaml_text: &str) -> Option<BTreeMap<String, String>> {
    let parsed = yaml::parse(yaml_text, 0).ok()?;
    let mut out = BTreeMap::new();
    flatten(&parsed.node, String::new(), &mut out);
    Some(out)
}

fn flatten(node: &Node, path: String, out: &mut BTreeMap<String, String>) {
    match &node.kind {
        NodeKind::Map(pairs) => {
            if pairs.is_empty() && !path.is_empty() {
                out.insert(path, "{}".into());
                return;
            }
            for (k, v) in pairs {
                let key = scalar(k).unwrap_or_else(|| "?".into());
                let p = if path.is_empty() { key } else { format!("{path}.{key}") };
                flatten(v, p, out);
            }
        }
        NodeKind::Seq(items) => {
            if items.is_empty() {
                out.insert(path, "[]".into());
                return;
            }
            // Items named by an `id` (when every one has a distinct one)
            // are matched by it; others by position, from 1.
            let ids: Vec<Option<String>> = items.iter().map(id_of).collect();
            let distinct = ids.iter().flatten().collect::<std::collections::BTreeSet<_>>().len();
            let by_id = ids.iter().all(Option::is_some) && distinct == items.len();
            for (n, item) in items.iter().enumerate() {
                let label = if by_id { ids[n].clone().unwrap_or_default() } else { (n + 1).to_string() };
                let p = format!("{path}[{label}]");
                if by_id {
                    flatten_without_id(item, p, out);
                } else {
                    flatten(item, p, out);
                }
            }
        }
        _ => {
            out.insert(path, scalar(node).unwrap_or_default());
        }
    }
}

/// A mapping item of an id-matched list: its id is in its path already.
fn flatten_without_id(node: &Node, path: String, out: &mut BTreeMap<String, String>) {
    let NodeKind::Map(pairs) = &node.kind else { return flatten(node, path, out) };
    let rest: Vec<(Node, Node)> = pairs.iter().filter(|(k, _)| scalar(k).as_deref() != Some("id")).cloned().collect();
    if rest.is_empty() {
        out.insert(path, "{}".into());
        return;
    }
    flatten(&Node { kind: NodeKind::Map(rest), ..node.clone() }, path, out);
}

fn id_of(node: &Node) -> Option<String> {
    let NodeKind::Map(pairs) = &node.kind else { return None };
    pairs.iter().find(|(k, _)| scalar(k).as_deref() == Some("id")).and_then(|(_, v)| scalar(v))
}

fn scalar(node: &Node) -> Option<String> {
    Some(match &node.kind {
        NodeKind::Null => String::new(),
        NodeKind::Bool(b) => b.to_string(),
        NodeKind::Int(i) => i.to_string(),
        NodeKind::Float(f) => f.to_string(),
        NodeKind::Str(s) => s.clone(),
        NodeKind::Seq(_) | NodeKind::Map(_) => return None,
    })
}

fn changes(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> Vec<FieldChange> {
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| FieldChange { path: k.clone(), before: a.get(k).cloned(), after: b.get(k).cloned() })
        .collect()
}

/// The word diff, runs of the same kind joined.
fn words(a: &str, b: &str) -> Vec<Piece> {
    let diff = similar::TextDiff::configure().algorithm(similar::Algorithm::Myers).diff_words(a, b);
    let mut out: Vec<Piece> = Vec::new();
    for change in diff.iter_all_changes() {
        let text = change.value();
        let piece = match change.tag() {
            similar::ChangeTag::Equal => Piece::Same(text.to_string()),
            similar::ChangeTag::Delete => Piece::Removed(text.to_string()),
            similar::ChangeTag::Insert => Piece::Added(text.to_string()),
        };
        match (out.last_mut(), piece) {
            (Some(Piece::Same(s)), Piece::Same(t))
            | (Some(Piece::Removed(s)), Piece::Removed(t))
            | (Some(Piece::Added(s)), Piece::Added(t)) => s.push_str(&t),
            (_, p) => out.push(p),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE: &str = "---\ntitle: Deportation\nfigures:\n  - id: deported\n    estimates:\n      - { id: nkvd, value: 350000 }\n      - { id: memoir, value: 400000 }\nevents:\n  - { id: a, date: 1944 }\n---\n\nThe NKVD reports give a range.\n";

    fn field(path: &str, before: Option<&str>, after: Option<&str>) -> FieldChange {
        FieldChange { path: path.into(), before: before.map(Into::into), after: after.map(Into::into) }
    }

    #[test]
    fn an_unchanged_text_has_no_difference() {
        let d = diff(BEFORE, BEFORE);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(d.prose, [Piece::Same("\nThe NKVD reports give a range.\n".into())]);
    }

    #[test]
    fn estimates_are_matched_by_id_so_reordering_is_no_change() {
        let after = BEFORE.replace(
            "      - { id: nkvd, value: 350000 }\n      - { id: memoir, value: 400000 }",
            "      - { id: memoir, value: 400000 }\n      - { id: nkvd, value: 360000 }",
        );
        let d = diff(BEFORE, &after);
        assert_eq!(d.fields, [field("figures[deported].estimates[nkvd].value", Some("350000"), Some("360000"))]);
        assert!(d.prose.iter().all(|p| matches!(p, Piece::Same(_))));
    }

    #[test]
    fn added_and_removed_fields_and_items_are_named() {
        let after = BEFORE.replace("title: Deportation\n", "title: The deportation\nmodified: 2026-11-29\n").replace(
            "  - { id: a, date: 1944 }\n",
            "  - { id: a, date: 1944 }\n  - { id: b, date: 1957?, label: Return }\n",
        );
        let d = diff(BEFORE, &after);
        assert_eq!(
            d.fields,
            [
                field("events[b].date", None, Some("1957?")),
                field("events[b].label", None, Some("Return")),
                field("modified", None, Some("2026-11-29")),
                field("title", Some("Deportation"), Some("The deportation")),
            ]
        );
    }

    #[test]
    fn prose_changes_are_word_by_word() {
        let after = BEFORE.replace("give a range.", "give a narrower range.");
        let d = diff(BEFORE, &after);
        assert_eq!(
            d.prose,
            [
                Piece::Same("\nThe NKVD reports give a ".into()),
                Piece::Added("narrower ".into()),
                Piece::Same("range.\n".into()),
            ]
        );
        assert!(d.fields.is_empty());
    }

    #[test]
    fn a_broken_front_matter_is_compared_as_text() {
        let after = BEFORE.replace("title: Deportation", "title: [unclosed");
        let d = diff(BEFORE, &after);
        assert_eq!(d.fields.len(), 1);
        assert_eq!(d.fields[0].path, "front matter");
        assert!(d.fields[0].after.as_deref().unwrap().contains("[unclosed"));
        // No front matter at all on one side: the whole text is prose.
        let d = diff("just text\n", "just more text\n");
        assert!(d.fields.is_empty());
        assert_eq!(d.prose, [Piece::Same("just ".into()), Piece::Added("more ".into()), Piece::Same("text\n".into())]);
    }

    #[test]
    fn items_without_distinct_ids_are_matched_by_position() {
        let a = "---\nauthors: [A. One, B. Two]\n---\n";
        let b = "---\nauthors: [A. One, C. Three]\n---\n";
        assert_eq!(diff(a, b).fields, [field("authors[2]", Some("B. Two"), Some("C. Three"))]);
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            /// Whatever the texts, the diff never panics, and the prose
            /// pieces rebuild both sides' bodies.
            #[test]
            fn pieces_rebuild_both_bodies(a in "(---\n[a-z: \\[\\]{}\n-]{0,40}\n---\n)?[a-zé .\n]{0,60}", b in "(---\n[a-z: \\[\\]{}\n-]{0,40}\n---\n)?[a-zé .\n]{0,60}") {
                let d = diff(&a, &b);
                let before: String = d.prose.iter().filter_map(|p| match p { Piece::Same(s) | Piece::Removed(s) => Some(s.as_str()), Piece::Added(_) => None }).collect();
                let after: String = d.prose.iter().filter_map(|p| match p { Piece::Same(s) | Piece::Added(s) => Some(s.as_str()), Piece::Removed(_) => None }).collect();
                prop_assert_eq!(before, split(&a).1);
                prop_assert_eq!(after, split(&b).1);
                prop_assert_eq!(d.is_empty(), a == b || (split(&a).1 == split(&b).1 && d.fields.is_empty()));
            }
        }
    }
}
