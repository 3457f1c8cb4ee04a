//! YAML with byte spans, and typed reading of its fields with diagnostics.
//!
//! saphyr parses (it reports line and column for every node; serde_yaml is
//! deprecated and loses positions). Its tree is converted once into our own
//! small [`Node`] with byte spans, so the rest of the code does not depend on
//! saphyr's evolving API. [`Obj`] then reads a mapping field by field,
//! reporting every missing, unknown or mistyped field instead of stopping at
//! the first, which serde's derive would do.

use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use crate::diag::{closest, Diagnostic};
use crate::source::FileId;

/// A YAML node with its byte span in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub kind: NodeKind,
    /// Byte range in the file.
    pub span: Range<usize>,
    /// How a scalar was written (to map its value back to the source).
    pub style: Option<Style>,
}

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Unquoted.
    Plain,
    /// `'...'`.
    SingleQuoted,
    /// `"..."`.
    DoubleQuoted,
    /// `|` or `>`.
    Block,
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

    /// For a scalar whose text value is `value`, the file offset of every
    /// byte of the value (and one past its end), when the scalar is written
    /// on one line so that the mapping is exact. Quoted scalars with escapes
    /// are handled.
    pub fn value_offsets(&self, file_text: &str, value: &str) -> Option<Vec<usize>> {
        let raw = file_text.get(self.span.clone())?;
        if raw.contains('\n') {
            return None;
        }
        let base = self.span.start;
        let mut out = Vec::with_capacity(value.len() + 1);
        match self.style? {
            Style::Plain => {
                if raw != value {
                    return None;
                }
                out.extend((0..=value.len()).map(|i| base + i));
            }
            Style::SingleQuoted => {
                let inner = raw.strip_prefix('\'')?.strip_suffix('\'')?;
                let mut chars = inner.char_indices().peekable();
                while let Some((i, c)) = chars.next() {
                    if c == '\'' && chars.peek().map(|p| p.1) == Some('\'') {
                        chars.next();
                    }
                    out.extend((0..c.len_utf8()).map(|k| base + 1 + i + k));
                }
                out.push(base + raw.len() - 1);
            }
            Style::DoubleQuoted => {
                let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
                let mut chars = inner.char_indices();
                while let Some((i, c)) = chars.next() {
                    let decoded_len = if c == '\\' {
                        let (_, e) = chars.next()?;
                        let hex = match e {
                            'x' => 2,
                            'u' => 4,
                            'U' => 8,
                            _ => 0,
                        };
                        if hex == 0 {
                            match e {
                                '0' | 'a' | 'b' | 't' | '\t' | 'n' | 'v' | 'f' | 'r' | 'e' | ' ' | '"' | '/' | '\\' => {
                                    1
                                }
                                'N' | '_' => 2,
                                'L' | 'P' => 3,
                                _ => return None,
                            }
                        } else {
                            let digits: String = (0..hex).filter_map(|_| chars.next().map(|x| x.1)).collect();
                            char::from_u32(u32::from_str_radix(&digits, 16).ok()?)?.len_utf8()
                        }
                    } else {
                        c.len_utf8()
                    };
                    out.extend((0..decoded_len).map(|_| base + 1 + i));
                }
                out.push(base + raw.len() - 1);
            }
            Style::Block => return None,
        }
        (out.len() == value.len() + 1).then_some(out)
    }
}

/// A YAML problem: byte offset in the file and message.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    /// Byte offset in the file.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

/// A parsed document and the non-fatal problems found in it (duplicate keys:
/// the first value is kept).
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The document (`Null` when empty).
    pub node: Node,
    /// Duplicate keys.
    pub problems: Vec<YamlError>,
}

enum Frame {
    Seq { items: Vec<Node>, start: usize, anchor: usize },
    Map { pairs: Vec<(Node, Node)>, key: Option<(Node, bool)>, start: usize, anchor: usize },
}

/// Parses `text` (which starts at byte `base` of its file) as one YAML
/// document. saphyr-parser supplies the events; the tree is built here so
/// that duplicate keys are caught (saphyr's own tree silently keeps the last)
/// and every node keeps its byte span and scalar style.
pub fn parse(text: &str, base: usize) -> Result<Parsed, YamlError> {
    let lines = LineMap::new(text);
    let at = |m: saphyr_parser::Marker| base + lines.byte(m.line(), m.col());
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut anchors: std::collections::HashMap<usize, Node> = std::collections::HashMap::new();
    let mut problems = Vec::new();
    let mut docs = 0;
    for ev in Parser::new_from_str(text) {
        let (ev, span) = ev.map_err(|e| YamlError { offset: at(*e.marker()), message: e.info().to_string() })?;
        let node = match ev {
            Event::DocumentStart(_) => {
                docs += 1;
                if docs > 1 {
                    return Err(YamlError {
                        offset: at(span.start),
                        message: "more than one YAML document: remove the extra `---`".into(),
                    });
                }
                continue;
            }
            Event::Scalar(v, style, anchor, tag) => {
                let (kind, style) = match style {
                    ScalarStyle::Plain if tag.is_none() => (plain_scalar(&v), Style::Plain),
                    ScalarStyle::Plain => (NodeKind::Str(v.to_string()), Style::Plain),
                    ScalarStyle::SingleQuoted => (NodeKind::Str(v.to_string()), Style::SingleQuoted),
                    ScalarStyle::DoubleQuoted => (NodeKind::Str(v.to_string()), Style::DoubleQuoted),
                    _ => (NodeKind::Str(v.to_string()), Style::Block),
                };
                let n = Node { kind, span: trimmed(text, &lines, base, span), style: Some(style) };
                if anchor > 0 {
                    anchors.insert(anchor, n.clone());
                }
                n
            }
            Event::Alias(id) => {
                let mut n = anchors.get(&id).cloned().unwrap_or(Node { kind: NodeKind::Null, span: 0..0, style: None });
                n.span = trimmed(text, &lines, base, span);
                n
            }
            Event::SequenceStart(anchor, _) => {
                stack.push(Frame::Seq { items: Vec::new(), start: at(span.start), anchor });
                continue;
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Frame::Map { pairs: Vec::new(), key: None, start: at(span.start), anchor });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (kind, start, anchor) = match stack.pop() {
                    Some(Frame::Seq { items, start, anchor }) => (NodeKind::Seq(items), start, anchor),
                    Some(Frame::Map { pairs, start, anchor, .. }) => (NodeKind::Map(pairs), start, anchor),
                    None => continue,
                };
                let end = trim_back(text, base, start, at(span.end));
                let n = Node { kind, span: start..end, style: None };
                if anchor > 0 {
                    anchors.insert(anchor, n.clone());
                }
                n
            }
            _ => continue,
        };
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { pairs, key, .. }) => match key.take() {
                None => {
                    let dup = match &node.kind {
                        NodeKind::Str(k) => pairs.iter().any(|(p, _)| matches!(&p.kind, NodeKind::Str(q) if q == k)),
                        _ => false,
                    };
                    if dup {
                        let name = match &node.kind {
                            NodeKind::Str(k) => k.clone(),
                            _ => String::new(),
                        };
                        problems.push(YamlError {
                            offset: node.span.start,
                            message: format!(
                                "the key `{name}` appears twice in the same mapping; only the first is read"
                            ),
                        });
                    }
                    *key = Some((node, dup));
                }
                Some((k, dup)) => {
                    if !dup {
                        pairs.push((k, node));
                    }
                }
            },
        }
    }
    let node = root.unwrap_or(Node { kind: NodeKind::Null, span: base..base, style: None });
    Ok(Parsed { node, problems })
}

fn trimmed(text: &str, lines: &LineMap, base: usize, span: Span) -> Range<usize> {
    let start = base + lines.byte(span.start.line(), span.start.col());
    let end = base + lines.byte(span.end.line(), span.end.col());
    start..trim_back(text, base, start, end.max(start))
}

/// saphyr may end a node's span at the start of the next token: drop the
/// white space in between.
fn trim_back(text: &str, base: usize, start: usize, mut end: usize) -> usize {
    end = end.min(base + text.len()).max(start);
    while end > start && text.as_bytes()[end - base - 1].is_ascii_whitespace() {
        end -= 1;
    }
    end
}

/// Types a plain scalar by the YAML 1.2 core schema.
fn plain_scalar(v: &str) -> NodeKind {
    match v {
        "" | "~" | "null" | "Null" | "NULL" => return NodeKind::Null,
        "true" | "True" | "TRUE" => return NodeKind::Bool(true),
        "false" | "False" | "FALSE" => return NodeKind::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return NodeKind::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return NodeKind::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return NodeKind::Float(f64::NAN),
        _ => {}
    }
    let unsigned = v.strip_prefix(['-', '+']).unwrap_or(v);
    if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = v.parse::<i64>() {
            return NodeKind::Int(i);
        }
    }
    if let Some(h) = v.strip_prefix("0x") {
        if let Ok(i) = i64::from_str_radix(h, 16) {
            return NodeKind::Int(i);
        }
    }
    if let Some(o) = v.strip_prefix("0o") {
        if let Ok(i) = i64::from_str_radix(o, 8) {
            return NodeKind::Int(i);
        }
    }
    let is_float = {
        let (mant, exp) = match unsigned.find(['e', 'E']) {
            Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
            None => (unsigned, None),
        };
        let mant_ok = match mant.split_once('.') {
            Some((a, b)) => {
                a.bytes().all(|c| c.is_ascii_digit())
                    && b.bytes().all(|c| c.is_ascii_digit())
                    && !(a.is_empty() && b.is_empty())
            }
            None => !mant.is_empty() && mant.bytes().all(|c| c.is_ascii_digit()),
        };
        let exp_ok = exp.is_none_or(|e| {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit())
        });
        mant_ok && exp_ok && (mant.contains('.') || exp.is_some())
    };
    if is_float {
        if let Ok(f) = v.parse::<f64>() {
            return NodeKind::Float(f);
        }
    }
    NodeKind::Str(v.to_string())
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

/// `350,000`, `350 000`: digits in groups of three.
fn is_grouped_number(s: &str) -> bool {
    let groups: Vec<&str> = s.trim().split([',', ' ', '\u{a0}', '\u{202f}']).collect();
    groups.len() > 1
        && groups[0].len() <= 3
        && groups.iter().all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
        && groups[1..].iter().all(|g| g.len() == 3)
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
            NodeKind::Str(s) if is_grouped_number(s) => {
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

    /// Whether the field is present with a non-null value (even an invalid one).
    pub fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, v)| matches!(&k.kind, NodeKind::Str(s) if s == name) && v.kind != NodeKind::Null)
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
        let n = parse(src, 0).unwrap().node;
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

    #[test]
    fn duplicate_keys_are_reported_and_the_first_kept() {
        let p = parse(
            "a: 1
b: 2
a: 3
",
            0,
        )
        .unwrap();
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].offset, 10);
        let NodeKind::Map(pairs) = p.node.kind else { panic!("not a map") };
        assert_eq!(pairs.len(), 2);
        assert_eq!(pairs[0].1.kind, NodeKind::Int(1));
    }

    #[test]
    fn core_schema_typing() {
        for (v, k) in [
            ("1944", NodeKind::Int(1944)),
            ("14.6", NodeKind::Float(14.6)),
            ("1e3", NodeKind::Float(1000.0)),
            ("~", NodeKind::Null),
            ("True", NodeKind::Bool(true)),
            ("1944-02-23", NodeKind::Str("1944-02-23".into())),
            ("yes", NodeKind::Str("yes".into())),
            ("1,200", NodeKind::Str("1,200".into())),
        ] {
            assert_eq!(plain_scalar(v), k, "{v}");
        }
    }

    #[test]
    fn quoted_values_map_back_to_their_bytes() {
        let src = r#"s: "@smiht2001, p. 4 (\"about\")""#;
        let p = parse(src, 0).unwrap().node;
        let NodeKind::Map(pairs) = p.kind else { panic!() };
        let NodeKind::Str(v) = &pairs[0].1.kind else { panic!() };
        let offs = pairs[0].1.value_offsets(src, v).unwrap();
        assert_eq!(&src[offs[1]..offs[1] + 9], "smiht2001");
        let q = v.find("about").unwrap();
        assert_eq!(&src[offs[q]..offs[q] + 5], "about");
    }
}
