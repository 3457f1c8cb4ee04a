//! YAML with byte spans, and typed reading of its fields with diagnostics.
//!
//! saphyr parses (it reports line and column for every node; serde_yaml is
//! deprecated and loses positions). Its tree is converted once into our own
//! small [`Node`] with byte spans, so the rest of the code does not depend on
//! saphyr's evolving API. [`Obj`] then reads a mapping field by field,
//! reporting every missing, unknown or mistyped field instead of stopping at
//! the first, which serde's derive would do.

use std::ops::Range;

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use crate::diag::{closest, Diagnostic};
use crate::source::FileId;

/// A YAML node with its byte span in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub kind: NodeKind,
    /// Byte range in the file.
    pub span: Range<usize>,
}

/// The value of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// `~`, `null` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string (plain or quoted).
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// What the node is, for "expected X, found Y" messages.
    pub fn describe(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "nothing",
            NodeKind::Bool(_) => "a true/false value",
            NodeKind::Int(_) => "a number",
            NodeKind::Float(_) => "a number",
            NodeKind::Str(_) => "text",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }
}

/// A YAML syntax error: byte offset in the file and message.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    /// Byte offset in the file.
    pub offset: usize,
    /// saphyr's message.
    pub message: String,
}

/// Parses `text` (which starts at byte `base` of its file) as one YAML
/// document. An empty document is `Null`.
pub fn parse(text: &str, base: usize) -> Result<Node, YamlError> {
    let lines = LineMap::new(text);
    let docs = MarkedYaml::load_from_str(text).map_err(|e| YamlError {
        offset: base + lines.byte(e.marker().line(), e.marker().col()),
        message: e.info().to_string(),
    })?;
    if docs.len() > 1 {
        let second = &docs[1];
        return Err(YamlError {
            offset: base + lines.byte(second.span.start.line(), second.span.start.col()),
            message: "more than one YAML document: remove the extra `---`".into(),
        });
    }
    Ok(match docs.first() {
        Some(d) => convert(d, &lines, base),
        None => Node { kind: NodeKind::Null, span: base..base },
    })
}

/// saphyr reports character-based line and column; this maps them to bytes.
struct LineMap<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineMap<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineMap { text, starts }
    }

    /// Byte offset of 1-based `line`, 0-based character `col`.
    fn byte(&self, line: usize, col: usize) -> usize {
        let Some(&start) = self.starts.get(line.saturating_sub(1)) else { return self.text.len() };
        self.text[start..].char_indices().nth(col).map(|(b, _)| start + b).unwrap_or(self.text.len())
    }
}

fn convert(n: &MarkedYaml, lines: &LineMap, base: usize) -> Node {
    let start = lines.byte(n.span.start.line(), n.span.start.col());
    let end = lines.byte(n.span.end.line(), n.span.end.col()).max(start);
    let kind = match &n.data {
        YamlData::Value(Scalar::Null) => NodeKind::Null,
        YamlData::Value(Scalar::Boolean(b)) => NodeKind::Bool(*b),
        YamlData::Value(Scalar::Integer(i)) => NodeKind::Int(*i),
        YamlData::Value(Scalar::FloatingPoint(f)) => NodeKind::Float(f.into_inner()),
        YamlData::Value(Scalar::String(s)) => NodeKind::Str(s.to_string()),
        YamlData::Representation(s, _, _) => NodeKind::Str(s.to_string()),
        YamlData::Sequence(items) => NodeKind::Seq(items.iter().map(|i| convert(i, lines, base)).collect()),
        YamlData::Mapping(m) => {
            NodeKind::Map(m.iter().map(|(k, v)| (convert(k, lines, base), convert(v, lines, base))).collect())
        }
        YamlData::Tagged(_, inner) => return convert(inner, lines, base),
        YamlData::Alias(_) | YamlData::BadValue => NodeKind::Null,
    };
    // saphyr gives a mapping's or sequence's start at its first key; the end
    // of a block scalar may run into the next line: trim trailing white space.
    let mut end = end.min(lines.text.len());
    while end > start && lines.text.as_bytes()[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    Node { kind, span: base + start..base + end }
}

/// Which family of codes a reader reports with (front matter or gazetteer).
#[derive(Debug, Clone, Copy)]
pub struct Codes {
    /// A required field is absent.
    pub missing: &'static str,
    /// A field is not known.
    pub unknown: &'static str,
    /// A field has a wrong type or value.
    pub invalid: &'static str,
}

/// Collects diagnostics while reading one file's YAML.
#[derive(Debug)]
pub struct Reader {
    /// The file read.
    pub file: FileId,
    /// The codes to report with.
    pub codes: Codes,
    /// Diagnostics so far.
    pub diags: Vec<Diagnostic>,
}

impl Reader {
    /// A reader for `file`.
    pub fn new(file: FileId, codes: Codes) -> Self {
        Reader { file, codes, diags: Vec::new() }
    }

    /// Reports an invalid value.
    pub fn invalid(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.diags.push(Diagnostic::error(self.codes.invalid, self.file, span, message));
    }

    /// Reports an invalid value with a hint.
    pub fn invalid_hint(&mut self, span: Range<usize>, message: impl Into<String>, hint: impl Into<String>) {
        self.diags.push(Diagnostic::error(self.codes.invalid, self.file, span, message).with_hint(hint));
    }

    /// Reads a node as a mapping, reporting anything else.
    pub fn obj<'n>(&mut self, node: &'n Node, what: &str) -> Option<Obj<'n>> {
        match &node.kind {
            NodeKind::Map(pairs) => Some(Obj {
                pairs,
                span: node.span.clone(),
                used: vec![false; pairs.len()],
                known: Vec::new(),
                what: what.to_string(),
            }),
            _ => {
                self.invalid(
                    node.span.clone(),
                    format!("{what} should be a mapping of fields, found {}", node.describe()),
                );
                None
            }
        }
    }

    /// Reads a scalar as text. Numbers and booleans are taken as written
    /// (`1944` is the text "1944"); `source` is the file's text.
    pub fn text(&mut self, node: &Node, source: &str, what: &str) -> Option<String> {
        match &node.kind {
            NodeKind::Str(s) => Some(s.clone()),
            NodeKind::Int(_) | NodeKind::Float(_) | NodeKind::Bool(_) => {
                source.get(node.span.clone()).map(str::to_string)
            }
            _ => {
                self.invalid(node.span.clone(), format!("{what} should be text, found {}", node.describe()));
                None
            }
        }
    }

    /// Reads a number.
    pub fn number(&mut self, node: &Node, what: &str) -> Option<f64> {
        match &node.kind {
            NodeKind::Int(i) => Some(*i as f64),
            NodeKind::Float(f) if f.is_finite() => Some(*f),
            NodeKind::Str(s) if s.contains(',') || s.contains('\u{a0}') || s.contains(' ') => {
                self.invalid_hint(
                    node.span.clone(),
                    format!("{what} should be a number, found {s:?}"),
                    "write numbers without thousands separators, e.g. 350000",
                );
                None
            }
            NodeKind::Str(s) if s.trim_end().ends_with('%') => {
                self.invalid_hint(
                    node.span.clone(),
                    format!("{what} should be a number, found {s:?}"),
                    "write the number alone (14.6) and set `unit: percent` on the figure",
                );
                None
            }
            _ => {
                self.invalid(node.span.clone(), format!("{what} should be a number, found {}", node.describe()));
                None
            }
        }
    }

    /// Reads a boolean.
    pub fn boolean(&mut self, node: &Node, what: &str) -> Option<bool> {
        match &node.kind {
            NodeKind::Bool(b) => Some(*b),
            _ => {
                self.invalid(node.span.clone(), format!("{what} should be true or false, found {}", node.describe()));
                None
            }
        }
    }

    /// Reads a list; a single scalar is taken as a list of one.
    pub fn list<'n>(&mut self, node: &'n Node, what: &str) -> Vec<&'n Node> {
        match &node.kind {
            NodeKind::Seq(items) => items.iter().collect(),
            NodeKind::Null => Vec::new(),
            NodeKind::Map(_) => {
                self.invalid(node.span.clone(), format!("{what} should be a list, found a mapping"));
                Vec::new()
            }
            _ => vec![node],
        }
    }

    /// Reads a name from a fixed list (`kind: case-study`).
    pub fn one_of<T: Copy>(
        &mut self,
        node: &Node,
        source: &str,
        what: &str,
        names: &[&'static str],
        from: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let s = self.text(node, source, what)?;
        match from(s.trim()) {
            Some(v) => Some(v),
            None => {
                let hint = match closest(&s, names.iter().copied(), 1).first() {
                    Some(c) => format!("did you mean `{c}`? Allowed: {}", names.join(", ")),
                    None => format!("allowed: {}", names.join(", ")),
                };
                self.invalid_hint(node.span.clone(), format!("{what} `{s}` is not one of the allowed values"), hint);
                None
            }
        }
    }
}

/// A mapping being read field by field. Call [`Obj::finish`] at the end to
/// report the fields that were never asked for.
#[derive(Debug)]
pub struct Obj<'n> {
    pairs: &'n [(Node, Node)],
    /// Span of the whole mapping.
    pub span: Range<usize>,
    used: Vec<bool>,
    known: Vec<&'static str>,
    what: String,
}

impl<'n> Obj<'n> {
    /// The value of an optional field (a `null` value counts as absent).
    pub fn get(&mut self, name: &'static str) -> Option<&'n Node> {
        self.known.push(name);
        let i = self.pairs.iter().position(|(k, _)| matches!(&k.kind, NodeKind::Str(s) if s == name))?;
        self.used[i] = true;
        let v = &self.pairs[i].1;
        (v.kind != NodeKind::Null).then_some(v)
    }

    /// The value of a required field, reporting its absence.
    pub fn req(&mut self, r: &mut Reader, name: &'static str) -> Option<&'n Node> {
        let v = self.get(name);
        if v.is_none() {
            let span = self.span.start..self.span.start;
            r.diags.push(
                Diagnostic::error(r.codes.missing, r.file, span, format!("{} has no `{name}`", self.what))
                    .with_hint(format!("add `{name}:`")),
            );
        }
        v
    }

    /// Optional text field.
    pub fn text(&mut self, r: &mut Reader, source: &str, name: &'static str) -> Option<String> {
        let n = self.get(name)?;
        r.text(n, source, &format!("`{name}`"))
    }

    /// Required text field.
    pub fn req_text(&mut self, r: &mut Reader, source: &str, name: &'static str) -> Option<(String, Range<usize>)> {
        let n = self.req(r, name)?;
        let t = r.text(n, source, &format!("`{name}`"))?;
        if t.trim().is_empty() {
            r.invalid(n.span.clone(), format!("`{name}` is empty"));
            return None;
        }
        Some((t, n.span.clone()))
    }

    /// Optional boolean field.
    pub fn boolean(&mut self, r: &mut Reader, name: &'static str) -> Option<bool> {
        let n = self.get(name)?;
        r.boolean(n, &format!("`{name}`"))
    }

    /// Reports every field that was not asked for, with the closest known name.
    pub fn finish(self, r: &mut Reader) {
        for (i, (k, _)) in self.pairs.iter().enumerate() {
            if self.used[i] {
                continue;
            }
            let name = match &k.kind {
                NodeKind::Str(s) => s.clone(),
                _ => format!("{:?}", k.kind),
            };
            let hint = match closest(&name, self.known.iter().copied(), 1).first() {
                Some(c) => format!("did you mean `{c}`?"),
                None => format!("known fields here: {}", self.known.join(", ")),
            };
            r.diags.push(
                Diagnostic::error(
                    r.codes.unknown,
                    r.file,
                    k.span.clone(),
                    format!("unknown field `{name}` in {}", self.what),
                )
                .with_hint(hint),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_bytes_even_after_cyrillic() {
        let src = "title: Грозный\nyear: 1944\n";
        let n = parse(src, 0).unwrap();
        let NodeKind::Map(pairs) = n.kind else { panic!("not a map") };
        assert_eq!(&src[pairs[0].1.span.clone()], "Грозный");
        assert_eq!(&src[pairs[1].0.span.clone()], "year");
        assert_eq!(pairs[1].1.kind, NodeKind::Int(1944));
    }

    #[test]
    fn syntax_error_has_byte_offset_with_base() {
        let e = parse("a: 1\n b: 2", 10).unwrap_err();
        assert_eq!(e.offset, 10 + 7);
    }
}
