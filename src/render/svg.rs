//! Timelines and maps drawn server-side as SVG, from data in the binary and
//! the project: no tile server, no script, no third-party request.
//!
//! Readers may be where a request to a third party is dangerous, so every
//! figure is self-contained inline SVG: no script, no font file, no `href`
//! to another host (a link that names a scheme or a host is dropped, see
//! [`safe_href`]), and `url()` only to `#ids` defined in the same SVG. Those
//! ids, and the ids of the accessible title and description, start with a
//! prefix hashed from the input, so two figures on one page do not clash and
//! the same input always gives the same bytes. Coordinates are written with
//! at most one decimal.
//!
//! Styling is a `<style>` element with rules scoped to `.attest-timeline`
//! and `.attest-map`: text uses the page's font (`font-family: inherit`)
//! and the timeline draws in `currentColor`, so a site stylesheet can
//! recolour both. The SVGs have a `viewBox` and no width or height: CSS
//! sizes them.
//!
//! Both figures have `role="img"`: assistive technology reads their title
//! and description (which list every event or place in words) and does not
//! expose the links inside, so a page should also list the events or places
//! as text.

use std::fmt::Write as _;
use std::sync::OnceLock;

use crate::model::Edtf;
use crate::parse::edtf::{Date, Day, IntervalEnd, Precision};

/// Text for SVG content and attributes: escaped, on one line.
fn esc(s: &str) -> String {
    crate::render::format::esc(&s.replace(['\t', '\n', '\r'], " "))
}

/// An event on a timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEvent {
    /// Anchor id of the event on its page.
    pub id: String,
    /// Short label.
    pub label: String,
    /// Its date.
    pub date: Edtf,
    /// Where the mark links to (`#event-ID` or a page URL).
    pub href: String,
}

/// A place on a map.
#[derive(Debug, Clone, PartialEq)]
pub struct MapPlace {
    /// Gazetteer id.
    pub id: String,
    /// Name to show.
    pub name: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Precision code as written in the gazetteer (`exact`, `locality`, ...).
    pub precision: String,
    /// Where the point links to.
    pub href: String,
}

/// The only namespace an SVG from this module names.
pub const SVG_NAMESPACE: &str = "http://www.w3.org/2000/svg";

/// Credit for the land outlines, shown on every map and in its description.
pub const LAND_ATTRIBUTION: &str = "Land outlines: Natural Earth, public domain, via world-atlas";

/// Land polygons of Natural Earth 1:110m, converted by `tools/land_asset.py`.
const LAND_ASSET: &str = include_str!("../../assets/land-110m.txt");

// ---------------------------------------------------------------------------
// Shared helpers

/// A coordinate with at most one decimal, without a trailing `.0` or `-0`:
/// the one float format of this module, so output is stable.
fn num(v: f64) -> String {
    let v = if v.is_finite() { v } else { 0.0 };
    let s = format!("{:.1}", (v * 10.0).round() / 10.0);
    let s = s.strip_suffix(".0").unwrap_or(&s);
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// `href` when it stays on the site: a fragment (`#event-x`), or a path
/// relative to the page or the site root. Anything naming a scheme
/// (`https:`, `javascript:`, `data:`) or a host (`//host/`) is refused, so a
/// figure can never make the reader's browser contact another host.
pub fn safe_href(href: &str) -> Option<&str> {
    let bad_char = |c: char| c.is_control() || c.is_whitespace() || c == '\\';
    if href.is_empty() || href.starts_with("//") || href.chars().any(bad_char) {
        return None;
    }
    let head = href.split(['/', '?', '#']).next().unwrap_or("");
    (!head.contains(':')).then_some(href)
}

/// FNV-1a, for id prefixes that depend on the input only.
fn fnv(parts: &[&str]) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain([0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    (h ^ (h >> 32)) as u32
}

/// Estimated advance of `s` in a proportional font of `size`: wide (CJK)
/// characters count one em, others a little over half.
fn text_width(s: &str, size: f64) -> f64 {
    s.chars().map(|c| if is_wide(c) { 1.0 } else { 0.56 }).sum::<f64>() * size
}

fn is_wide(c: char) -> bool {
    matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFF00..=0xFF60)
}

/// `s`, cut with an ellipsis to fit `max` units at `size`.
fn fit(s: &str, max: f64, size: f64) -> String {
    if text_width(s, size) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = text_width("…", size);
    for c in s.chars() {
        w += text_width(c.encode_utf8(&mut [0; 4]), size);
        if w > max {
            break;
        }
        out.push(c);
    }
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// The opening tag of a figure: namespace, class, viewBox, role and labels.
fn open_svg(out: &mut String, class: &str, prefix: &str, width: f64, height: f64) {
    let _ = writeln!(
        out,
        "<svg xmlns=\"{SVG_NAMESPACE}\" class=\"{class}\" viewBox=\"0 0 {} {}\" role=\"img\" \
         aria-labelledby=\"{prefix}-title {prefix}-desc\">",
        num(width),
        num(height)
    );
}

/// An `<a>` around a mark when its link is safe, a plain group otherwise.
fn open_link(out: &mut String, href: &str, class: &str) -> &'static str {
    match safe_href(href) {
        Some(h) => {
            let _ = write!(out, "<a href=\"{}\" class=\"{class}\">", esc(h));
            "</a>"
        }
        None => {
            let _ = write!(out, "<g class=\"{class}\">");
            "</g>"
        }
    }
}

const MONTHS_SHORT: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A year as the rest of attest writes it: `-44` reads "44 BCE".
fn fmt_year(year: i64) -> String {
    if year < 0 {
        format!("{} BCE", year.unsigned_abs())
    } else {
        year.to_string()
    }
}

// ---------------------------------------------------------------------------
// Calendar arithmetic: days since 1970-01-01, proleptic Gregorian.

/// Years far beyond any history are clamped so day numbers cannot overflow.
const YEAR_LIMIT: i64 = 1_000_000_000_000;

fn day_number(d: Day) -> i64 {
    let year = d.year.clamp(-YEAR_LIMIT, YEAR_LIMIT);
    let (m, dd) = (i64::from(d.month.clamp(1, 12)), i64::from(d.day.max(1)));
    let y = if m <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + dd - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `(year, month, day)` of a day number (days since 1970-01-01).
fn civil(z: i64) -> (i64, u8, u8) {
    let d = crate::parse::edtf::Day::from_unix_days(z);
    (d.year, d.month, d.day)
}

fn day_text(z: i64) -> String {
    let (y, m, d) = civil(z);
    format!("{d} {} {}", MONTHS_SHORT[usize::from(m - 1)], fmt_year(y))
}

// ---------------------------------------------------------------------------
// Timeline

const TL_WIDTH: f64 = 720.0;
/// Left and right ends of the time axis; the margins hold arrowheads,
/// stubs and labels of events at the ends.
const TL_LEFT: f64 = 36.0;
const TL_RIGHT: f64 = 684.0;
const LANE: f64 = 22.0;
const FONT: f64 = 12.0;
const SMALL: f64 = 10.0;
const BAR_H: f64 = 10.0;
const DOT_R: f64 = 4.5;
const SOFT_R: f64 = 6.5;
const STUB: f64 = 24.0;
const MIN_BAR: f64 = 3.0;

/// How an end of an event is bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// By a date.
    Closed,
    /// Open (`..`): runs on without limit.
    Open,
    /// Unknown (empty): not known where it ends.
    Unknown,
}

/// An event reduced to what the drawing needs.
struct Mark<'a> {
    event: &'a TimelineEvent,
    /// Known extent in day numbers, `lo` inclusive, `hi` exclusive: the
    /// whole interval, or only the dated end's own extent when the other
    /// end is open or unknown.
    lo: i64,
    hi: i64,
    left: End,
    right: End,
    /// A single day: drawn as a dot.
    point: bool,
    approx_left: bool,
    approx_right: bool,
    uncertain: bool,
    unspecified: bool,
}

impl<'a> Mark<'a> {
    fn new(event: &'a TimelineEvent) -> Option<Mark<'a>> {
        let first = |d: &Date| day_number(d.earliest());
        let after = |d: &Date| day_number(d.latest()) + 1;
        let end_kind = |e: &IntervalEnd| match e {
            IntervalEnd::Date(_) => End::Closed,
            IntervalEnd::Open => End::Open,
            IntervalEnd::Unknown => End::Unknown,
        };
        let (lo, hi, left, right, point, approx_left, approx_right) = match &event.date {
            Edtf::Date(d) => {
                let point = d.precision() == Precision::Day && !d.has_unspecified();
                (first(d), after(d), End::Closed, End::Closed, point, d.is_approximate(), d.is_approximate())
            }
            Edtf::Interval(s, e) => {
                let (sd, ed) = (s.date(), e.date());
                let lo = sd.or(ed).map(first)?;
                let hi = ed.or(sd).map(after)?;
                let approx = |d: Option<&Date>| d.is_some_and(Date::is_approximate);
                (lo, hi.max(lo + 1), end_kind(s), end_kind(e), false, approx(sd), approx(ed))
            }
        };
        Some(Mark {
            event,
            lo,
            hi,
            left,
            right,
            point,
            approx_left,
            approx_right,
            uncertain: event.date.is_uncertain(),
            unspecified: event.date.has_unspecified(),
        })
    }

    fn classes(&self) -> String {
        let mut c = String::from("event");
        c.push_str(match (&self.event.date, self.point) {
            (_, true) => " point",
            (Edtf::Interval(..), _) => " interval",
            (Edtf::Date(_), _) => " period",
        });
        for (on, name) in [
            (self.approx_left || self.approx_right, " approximate"),
            (self.uncertain, " uncertain"),
            (self.unspecified, " unspecified"),
            (self.left == End::Open, " open-start"),
            (self.right == End::Open, " open-end"),
            (self.left == End::Unknown, " unknown-start"),
            (self.right == End::Unknown, " unknown-end"),
        ] {
            if on {
                c.push_str(name);
            }
        }
        c
    }

    fn is_closed(&self) -> bool {
        self.left == End::Closed && self.right == End::Closed
    }
}

/// A linear map from day numbers to x.
#[derive(Debug, Clone, Copy)]
struct Scale {
    lo: i64,
    hi: i64,
}

impl Scale {
    /// The range `[lo, hi)` with a margin, at least two weeks long.
    fn padded(lo: i64, hi: i64) -> Scale {
        let span = hi - lo;
        let (lo, hi) = if span < 14 { (lo - (14 - span) / 2, hi + (14 - span + 1) / 2) } else { (lo, hi) };
        let pad = (((hi - lo) as f64) * 0.03).ceil() as i64;
        Scale { lo: lo - pad.max(1), hi: hi + pad.max(1) }
    }

    fn x(&self, day: f64) -> f64 {
        TL_LEFT + (day - self.lo as f64) / (self.hi - self.lo) as f64 * (TL_RIGHT - TL_LEFT)
    }
}

/// Tick spacing of an axis.
#[derive(Debug, Clone, Copy)]
enum Step {
    Days(u8),
    Months(u8),
    Years(i64),
}

impl Step {
    fn nominal_days(self) -> f64 {
        match self {
            Step::Days(n) => f64::from(n),
            Step::Months(n) => f64::from(n) * 30.44,
            Step::Years(n) => n as f64 * 365.25,
        }
    }
}

/// Ticks for the scale's range: day numbers and labels, at most about one
/// per 70 units, on whole days, months, years or round numbers of years.
fn ticks(scale: Scale) -> Vec<(i64, String)> {
    let span = (scale.hi - scale.lo) as f64;
    let max = ((TL_RIGHT - TL_LEFT) / 70.0).floor();
    let mut steps = vec![Step::Days(1), Step::Days(2), Step::Days(5), Step::Days(10)];
    // Spans of two years or more get year ticks, whatever their number.
    if span < 730.0 {
        steps.extend([1, 2, 3, 6].map(Step::Months));
    }
    let mut n = 1i64;
    while n < YEAR_LIMIT {
        steps.extend([n, 2 * n, 5 * n].map(Step::Years));
        n *= 10;
    }
    let step = steps.into_iter().find(|s| span / s.nominal_days() <= max).unwrap_or(Step::Years(YEAR_LIMIT));
    let mut out = Vec::new();
    let (y0, _, _) = civil(scale.lo);
    let (y1, _, _) = civil(scale.hi);
    match step {
        Step::Days(n) => {
            for z in scale.lo..=scale.hi {
                let (_, m, d) = civil(z);
                if (d - 1) % n != 0 || (n > 1 && d == 31) {
                    continue;
                }
                let label = match (out.is_empty(), m, d) {
                    (true, _, _) | (false, 1, 1) => day_text(z),
                    (false, _, 1) => format!("1 {}", MONTHS_SHORT[usize::from(m - 1)]),
                    _ => d.to_string(),
                };
                out.push((z, label));
            }
        }
        Step::Months(n) => {
            for y in y0..=y1 {
                for m in (1..=12u8).filter(|m| (m - 1) % n == 0) {
                    let z = day_number(Day { year: y, month: m, day: 1 });
                    if z < scale.lo || z > scale.hi {
                        continue;
                    }
                    let name = MONTHS_SHORT[usize::from(m - 1)];
                    let label =
                        if out.is_empty() || m == 1 { format!("{name} {}", fmt_year(y)) } else { name.to_string() };
                    out.push((z, label));
                }
            }
        }
        Step::Years(n) => {
            let mut y = y0.div_euclid(n) * n;
            while y <= y1 {
                let z = day_number(Day { year: y, month: 1, day: 1 });
                if z >= scale.lo && z <= scale.hi {
                    out.push((z, fmt_year(y)));
                }
                y += n;
            }
        }
    }
    out
}

/// A mark laid out: its lane, pixel extent and label.
struct Placed<'m, 'a> {
    mark: &'m Mark<'a>,
    lane: usize,
    /// The bar (or dot) itself.
    x0: f64,
    x1: f64,
    /// Where the label starts (`anchor_end`: ends) and its text.
    label_x: f64,
    anchor_end: bool,
    /// The label sits in the lane below the mark: it fits on neither side.
    below: bool,
    label: String,
    /// The horizontal extent taken in the mark's lane and, for a label
    /// below, in the next one.
    rows: Vec<(f64, f64)>,
}

/// Marks in lanes: each gets the first lane where it and its label fit
/// beside what is already there, so no two labels overlap. A label too long
/// for either side of its mark goes under it, in the next lane.
fn place<'m, 'a>(marks: &[&'m Mark<'a>], scale: Scale) -> (Vec<Placed<'m, 'a>>, usize) {
    const GAP: f64 = 8.0;
    let mut items: Vec<Placed<'m, 'a>> = marks
        .iter()
        .map(|&mark| {
            let (mut x0, mut x1) = if mark.point {
                let cx = scale.x(mark.lo as f64 + 0.5);
                let r = if mark.approx_left { SOFT_R } else { DOT_R };
                (cx - r, cx + r)
            } else {
                (scale.x(mark.lo as f64), scale.x(mark.hi as f64))
            };
            if x1 - x0 < MIN_BAR {
                let mid = (x0 + x1) / 2.0;
                (x0, x1) = (mid - MIN_BAR / 2.0, mid + MIN_BAR / 2.0);
            }
            let ext_left = match mark.left {
                End::Closed => x0,
                End::Open => TL_LEFT - 6.0,
                End::Unknown => x0 - STUB,
            };
            let mut ext_right = match mark.right {
                End::Closed => x1,
                End::Open => TL_RIGHT + 6.0,
                End::Unknown => x1 + STUB,
            };
            if mark.uncertain {
                ext_right += 9.0;
            }
            let text = mark.event.label.trim();
            let w = text_width(text, FONT);
            let mut p = Placed {
                mark,
                lane: 0,
                x0,
                x1,
                label_x: 0.0,
                anchor_end: false,
                below: false,
                label: text.into(),
                rows: Vec::new(),
            };
            p.rows = if w <= TL_WIDTH - 4.0 - (ext_right + 5.0) {
                p.label_x = ext_right + 5.0;
                vec![(ext_left, p.label_x + w)]
            } else if w <= ext_left - 5.0 - 4.0 {
                (p.label_x, p.anchor_end) = (ext_left - 5.0, true);
                vec![(p.label_x - w, ext_right)]
            } else {
                p.label = fit(text, TL_WIDTH - 8.0, FONT);
                let w = text_width(&p.label, FONT);
                (p.label_x, p.below) = (x0.max(ext_left).clamp(4.0, TL_WIDTH - 4.0 - w), true);
                vec![(ext_left, ext_right), (p.label_x, p.label_x + w)]
            };
            p
        })
        .collect();
    let start = |p: &Placed| p.rows.iter().map(|r| r.0).fold(f64::INFINITY, f64::min);
    items.sort_by(|a, b| {
        start(a).total_cmp(&start(b)).then(a.mark.event.date.sort_key().cmp(&b.mark.event.date.sort_key()))
    });
    // The right end of what each lane holds so far.
    let mut lanes: Vec<f64> = Vec::new();
    let mut placed = Vec::with_capacity(items.len());
    for mut p in items {
        let free = |lane: usize| {
            p.rows.iter().enumerate().all(|(r, row)| lanes.get(lane + r).is_none_or(|&end| end + GAP <= row.0))
        };
        let lane = (0..=lanes.len()).find(|&l| free(l)).unwrap_or(lanes.len());
        for (r, row) in p.rows.iter().enumerate() {
            match lanes.get_mut(lane + r) {
                Some(end) => *end = end.max(row.1),
                None => lanes.push(row.1),
            }
        }
        p.lane = lane;
        placed.push(p);
    }
    (placed, lanes.len())
}

/// Which encodings a timeline uses, for its legend.
#[derive(Default)]
struct Used {
    point: bool,
    bar: bool,
    approximate: bool,
    uncertain: bool,
    unspecified: bool,
    open: bool,
    unknown: bool,
}

/// Draws one axis with its lanes of marks from `top`; returns its bottom.
fn panel(out: &mut String, prefix: &str, marks: &[&Mark], scale: Scale, top: f64, used: &mut Used) -> f64 {
    let axis_y = top + 16.0;
    let lanes_top = axis_y + 8.0;
    let (placed, lanes) = place(marks, scale);
    let bottom = lanes_top + lanes.max(1) as f64 * LANE;
    out.push_str("<g class=\"axis\">");
    let mut ticks_d = String::new();
    let mut grid_d = String::new();
    let mut labels = String::new();
    for (z, label) in ticks(scale) {
        let x = num(scale.x(z as f64));
        let _ = write!(ticks_d, "M{x} {}v5", num(axis_y));
        let _ = write!(grid_d, "M{x} {}V{}", num(axis_y + 5.0), num(bottom));
        let _ = write!(
            labels,
            "<text class=\"tick-label\" x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            num(axis_y - 4.0),
            esc(&label)
        );
    }
    let _ = write!(out, "<path class=\"grid\" d=\"{grid_d}\"/>");
    let _ =
        write!(out, "<path class=\"axis-line\" d=\"M{} {}H{}{ticks_d}\"/>", num(TL_LEFT), num(axis_y), num(TL_RIGHT));
    out.push_str(&labels);
    out.push_str("</g>\n<g class=\"events\">\n");
    for p in &placed {
        let cy = lanes_top + p.lane as f64 * LANE + LANE / 2.0;
        event_svg(out, prefix, p, cy, used);
    }
    out.push_str("</g>\n");
    bottom
}

/// One event: its link, title, mark, ends and label.
fn event_svg(out: &mut String, prefix: &str, p: &Placed, cy: f64, used: &mut Used) {
    let m = p.mark;
    let close = open_link(out, &m.event.href, &m.classes());
    let _ = write!(out, "<title>{}: {}</title>", esc(m.event.label.trim()), esc(&m.event.date.humanize()));
    let top = num(cy - BAR_H / 2.0);
    if m.point {
        used.point = true;
        let cx = num((p.x0 + p.x1) / 2.0);
        if m.approx_left {
            used.approximate = true;
            let _ = write!(
                out,
                "<circle class=\"mark\" cx=\"{cx}\" cy=\"{}\" r=\"{}\" fill=\"currentColor\" mask=\"url(#{prefix}-soft)\"/>",
                num(cy),
                num(SOFT_R)
            );
        } else {
            let _ = write!(
                out,
                "<circle class=\"mark\" cx=\"{cx}\" cy=\"{}\" r=\"{}\" fill=\"currentColor\"/>",
                num(cy),
                num(DOT_R)
            );
        }
    } else {
        used.bar = true;
        let fill = if m.unspecified {
            used.unspecified = true;
            format!("url(#{prefix}-hatch)")
        } else {
            "currentColor".to_string()
        };
        let mask = match (m.approx_left, m.approx_right) {
            (true, true) => format!(" mask=\"url(#{prefix}-fade-both)\""),
            (true, false) => format!(" mask=\"url(#{prefix}-fade-left)\""),
            (false, true) => format!(" mask=\"url(#{prefix}-fade-right)\""),
            (false, false) => String::new(),
        };
        used.approximate |= !mask.is_empty();
        let _ = write!(
            out,
            "<rect class=\"mark\" x=\"{}\" y=\"{top}\" width=\"{}\" height=\"{}\" fill=\"{fill}\"{mask}/>",
            num(p.x0),
            num(p.x1 - p.x0),
            num(BAR_H)
        );
    }
    for (end, right) in [(m.left, false), (m.right, true)] {
        let edge = if right { p.x1 } else { p.x0 };
        match end {
            End::Closed => {}
            End::Open => {
                used.open = true;
                let (tip, back) = if right { (TL_RIGHT + 6.0, -7.0) } else { (TL_LEFT - 6.0, 7.0) };
                let _ = write!(
                    out,
                    "<path class=\"arrow\" d=\"M{} {}H{}\"/><path class=\"mark\" d=\"M{} {}l{} -4.5v9z\" \
                     fill=\"currentColor\"/>",
                    num(edge),
                    num(cy),
                    num(tip + back),
                    num(tip),
                    num(cy),
                    num(back)
                );
            }
            End::Unknown => {
                used.unknown = true;
                let (x, id) = if right { (edge, "fade-out-right") } else { (edge - STUB, "fade-out-left") };
                let _ = write!(
                    out,
                    "<rect class=\"stub\" x=\"{}\" y=\"{top}\" width=\"{}\" height=\"{}\" fill=\"currentColor\" \
                     mask=\"url(#{prefix}-{id})\"/>",
                    num(x),
                    num(STUB),
                    num(BAR_H)
                );
            }
        }
    }
    if m.uncertain {
        used.uncertain = true;
        let right_end = match m.right {
            End::Closed => p.x1,
            End::Open => TL_RIGHT + 6.0,
            End::Unknown => p.x1 + STUB,
        };
        let _ = write!(out, "<text class=\"q\" x=\"{}\" y=\"{}\">?</text>", num(right_end + 2.0), num(cy + 4.0));
    }
    let anchor = if p.anchor_end { " text-anchor=\"end\"" } else { "" };
    let label_y = if p.below { cy + LANE } else { cy };
    let _ = write!(
        out,
        "<text class=\"label\" x=\"{}\" y=\"{}\"{anchor}>{}</text>",
        num(p.label_x),
        num(label_y + 4.0),
        esc(&p.label)
    );
    out.push_str(close);
    out.push('\n');
}

/// A run of short events packed so closely that the main axis cannot tell
/// them apart: they are drawn on a detail axis of their own.
fn find_cluster(marks: &[Mark], scale: Scale) -> Option<(Vec<usize>, i64, i64)> {
    let span = (scale.hi - scale.lo) as f64;
    let near = (span / 200.0).max(1.0) as i64;
    let mut short: Vec<usize> = (0..marks.len())
        .filter(|&i| marks[i].is_closed() && ((marks[i].hi - marks[i].lo) as f64) <= span / 200.0)
        .collect();
    short.sort_by_key(|&i| (marks[i].lo, marks[i].hi, i));
    let mut best: Option<(Vec<usize>, i64, i64)> = None;
    let mut run: Vec<usize> = Vec::new();
    let (mut lo, mut hi) = (0, 0);
    for i in short.into_iter().chain([usize::MAX]) {
        let joins = i != usize::MAX && !run.is_empty() && marks[i].lo <= hi + near;
        if !joins && !run.is_empty() {
            let fits = run.len() >= 2 && ((hi - lo) as f64) <= span / 40.0 && run.len() < marks.len();
            if fits && best.as_ref().is_none_or(|b| run.len() > b.0.len()) {
                best = Some((std::mem::take(&mut run), lo, hi));
            }
            run.clear();
        }
        if i == usize::MAX {
            break;
        }
        if run.is_empty() {
            (lo, hi) = (marks[i].lo, marks[i].hi);
        }
        hi = hi.max(marks[i].hi);
        run.push(i);
    }
    best.map(|(mut run, lo, hi)| {
        run.sort_unstable();
        (run, lo, hi)
    })
}

/// Masks (built on linear and radial gradients) and the hatch pattern.
fn timeline_defs(out: &mut String, p: &str) {
    out.push_str("<defs>\n");
    let linear = |out: &mut String, id: &str, stops: &[(f64, bool)]| {
        let _ = write!(out, "<linearGradient id=\"{p}-g-{id}\">");
        for (offset, on) in stops {
            let _ =
                write!(out, "<stop offset=\"{}\" stop-color=\"{}\"/>", num(*offset), if *on { "#fff" } else { "#000" });
        }
        let _ = writeln!(
            out,
            "</linearGradient><mask id=\"{p}-{id}\" maskContentUnits=\"objectBoundingBox\"><rect width=\"1\" \
             height=\"1\" fill=\"url(#{p}-g-{id})\"/></mask>"
        );
    };
    linear(out, "fade-both", &[(0.0, false), (0.3, true), (0.7, true), (1.0, false)]);
    linear(out, "fade-left", &[(0.0, false), (0.3, true), (1.0, true)]);
    linear(out, "fade-right", &[(0.0, true), (0.7, true), (1.0, false)]);
    linear(out, "fade-out-right", &[(0.0, true), (1.0, false)]);
    linear(out, "fade-out-left", &[(0.0, false), (1.0, true)]);
    let _ = write!(
        out,
        "<radialGradient id=\"{p}-g-soft\"><stop offset=\"0\" stop-color=\"#fff\"/><stop offset=\"0.4\" \
         stop-color=\"#fff\"/><stop offset=\"1\" stop-color=\"#000\"/></radialGradient><mask id=\"{p}-soft\" \
         maskContentUnits=\"objectBoundingBox\"><rect width=\"1\" height=\"1\" fill=\"url(#{p}-g-soft)\"/></mask>\n\
         <pattern id=\"{p}-hatch\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" \
         patternTransform=\"rotate(45)\"><rect width=\"4\" height=\"4\" fill=\"currentColor\" fill-opacity=\"0.15\"/>\
         <rect width=\"1.5\" height=\"4\" fill=\"currentColor\"/></pattern>\n</defs>\n"
    );
}

/// The `<style>` texts the SVGs carry, without their tags: a server's
/// Content-Security-Policy allows exactly these by hash.
pub fn inline_styles() -> [&'static str; 2] {
    let inner = |s: &'static str| s.trim_end().trim_start_matches("<style>").trim_end_matches("</style>");
    [inner(TIMELINE_STYLE), inner(MAP_STYLE)]
}

const TIMELINE_STYLE: &str = "<style>\
.attest-timeline{font-family:inherit}\
.attest-timeline text{fill:currentColor;font-size:12px}\
.attest-timeline .tick-label,.attest-timeline .legend text,.attest-timeline .caption{font-size:10px}\
.attest-timeline .axis-line{stroke:currentColor;fill:none}\
.attest-timeline .grid{stroke:currentColor;stroke-opacity:.12;fill:none}\
.attest-timeline .mark{stroke:currentColor;stroke-width:1}\
.attest-timeline .uncertain .mark{fill-opacity:.2;stroke-dasharray:3 2}\
.attest-timeline .arrow{stroke:currentColor;stroke-width:1.5;fill:none}\
.attest-timeline .q{font-weight:bold}\
.attest-timeline .band,.attest-timeline .detail-bg{fill:currentColor;fill-opacity:.06}\
.attest-timeline .connector{stroke:currentColor;stroke-opacity:.3;fill:none}\
.attest-timeline a:hover .label,.attest-timeline a:focus .label{text-decoration:underline}\
</style>\n";

/// The legend: a sample of each encoding the timeline uses, flowing in rows.
fn legend(out: &mut String, prefix: &str, used: &Used, top: f64) -> f64 {
    let items: [(bool, &str, &str); 7] = [
        (used.point, "point", "single day"),
        (used.bar, "period", "period or interval"),
        (used.approximate, "approximate", "approximate (~)"),
        (used.uncertain, "uncertain", "uncertain (?)"),
        (used.unspecified, "unspecified", "unspecified digits (194X)"),
        (used.open, "open", "open end (..)"),
        (used.unknown, "unknown", "unknown end"),
    ];
    let mut x = TL_LEFT;
    let mut y = top + 10.0;
    out.push_str("<g class=\"legend\">");
    for (on, class, text) in items {
        if !on {
            continue;
        }
        let w = 22.0 + 5.0 + text_width(text, SMALL);
        if x + w > TL_RIGHT && x > TL_LEFT {
            x = TL_LEFT;
            y += 16.0;
        }
        let _ = write!(out, "<g class=\"legend-item {class}\">");
        let (bx, by) = (num(x), num(y - 4.0));
        let bar = |fill: &str, extra: &str| {
            format!("<rect class=\"mark\" x=\"{bx}\" y=\"{by}\" width=\"22\" height=\"8\" fill=\"{fill}\"{extra}/>")
        };
        let sample = match class {
            "point" => format!(
                "<circle class=\"mark\" cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"currentColor\"/>",
                num(x + 11.0),
                num(y),
                num(DOT_R)
            ),
            "period" => bar("currentColor", ""),
            "approximate" => bar("currentColor", &format!(" mask=\"url(#{prefix}-fade-both)\"")),
            "uncertain" => format!(
                "<g class=\"uncertain\"><rect class=\"mark\" x=\"{bx}\" y=\"{by}\" width=\"14\" height=\"8\" \
                 fill=\"currentColor\"/></g><text class=\"q\" x=\"{}\" y=\"{}\">?</text>",
                num(x + 16.0),
                num(y + 4.0)
            ),
            "unspecified" => bar(&format!("url(#{prefix}-hatch)"), ""),
            "open" => format!(
                "<path class=\"arrow\" d=\"M{bx} {}h15\"/><path class=\"mark\" d=\"M{} {}l-7 -4.5v9z\" \
                 fill=\"currentColor\"/>",
                num(y),
                num(x + 22.0),
                num(y)
            ),
            _ => format!(
                "<rect class=\"stub\" x=\"{bx}\" y=\"{by}\" width=\"22\" height=\"8\" fill=\"currentColor\" \
                 mask=\"url(#{prefix}-fade-out-right)\"/>"
            ),
        };
        out.push_str(&sample);
        let _ = write!(out, "<text x=\"{}\" y=\"{}\">{}</text></g>", num(x + 27.0), num(y + 3.5), esc(text));
        x += w + 16.0;
    }
    out.push_str("</g>\n");
    y + 10.0
}

/// A horizontal timeline of `events`; `None` when there is nothing to draw.
///
/// The axis is linear over the events' span, with ticks on days, months or
/// round numbers of years. A single day is a dot; a month, season, year or
/// interval a bar from its earliest to its latest day; approximate ends
/// fade out, uncertain dates are dashed and hollow with a "?", dates with
/// unspecified digits (`194X`) hatched, open ends (`..`) arrows and unknown
/// ends fading stubs. Marks sit in lanes so that no two labels overlap.
/// When several short events crowd into a stretch too small to tell them
/// apart on the main axis (days within decades), they are drawn on a second,
/// detail axis below, and the stretch is shaded on the main one.
pub fn timeline(events: &[TimelineEvent]) -> Option<String> {
    let marks: Vec<Mark> = events.iter().filter_map(Mark::new).collect();
    if marks.is_empty() {
        return None;
    }
    let lo = marks.iter().map(|m| m.lo).min()?;
    let hi = marks.iter().map(|m| m.hi).max()?;
    let scale = Scale::padded(lo, hi);
    let cluster = find_cluster(&marks, scale);

    let mut key = Vec::new();
    for e in events {
        key.extend([e.id.as_str(), e.label.as_str(), e.href.as_str()]);
    }
    let dates: Vec<String> = events.iter().map(|e| e.date.to_string()).collect();
    key.extend(dates.iter().map(String::as_str));
    let prefix = format!("attest-tl-{:08x}", fnv(&key));

    let mut body = String::new();
    let mut used = Used::default();
    let in_cluster = |i: usize| cluster.as_ref().is_some_and(|c| c.0.binary_search(&i).is_ok());
    let main: Vec<&Mark> = marks.iter().enumerate().filter(|(i, _)| !in_cluster(*i)).map(|(_, m)| m).collect();
    let main_bottom = panel(&mut body, &prefix, &main, scale, 4.0, &mut used);
    let mut bottom = main_bottom;
    if let Some((members, dlo, dhi)) = &cluster {
        let (mut bx0, mut bx1) = (scale.x(*dlo as f64), scale.x(*dhi as f64));
        if bx1 - bx0 < 4.0 {
            let mid = (bx0 + bx1) / 2.0;
            (bx0, bx1) = (mid - 2.0, mid + 2.0);
        }
        let top = main_bottom + 24.0;
        let detail: Vec<&Mark> = members.iter().map(|&i| &marks[i]).collect();
        let span = dhi - dlo;
        let pad = ((span as f64) * 0.08).ceil().max(1.0) as i64;
        let dscale = Scale::padded(dlo - pad, dhi + pad);
        let mut detail_body = String::new();
        let dbottom = panel(&mut detail_body, &prefix, &detail, dscale, top + 16.0, &mut used) + 4.0;
        let _ = writeln!(
            body,
            "<g class=\"detail\"><rect class=\"band\" x=\"{}\" y=\"4\" width=\"{}\" height=\"{}\"/>\
             <rect class=\"detail-bg\" x=\"4\" y=\"{}\" width=\"{}\" height=\"{}\"/>\
             <path class=\"connector\" d=\"M{} {}L4 {}M{} {}L{} {}\"/>\
             <text class=\"caption\" x=\"{}\" y=\"{}\">Detail: {} – {}</text></g>",
            num(bx0),
            num(bx1 - bx0),
            num(main_bottom - 4.0),
            num(top),
            num(TL_WIDTH - 8.0),
            num(dbottom - top),
            num(bx0),
            num(main_bottom),
            num(top),
            num(bx1),
            num(main_bottom),
            num(TL_WIDTH - 4.0),
            num(top),
            num(TL_LEFT),
            num(top + 13.0),
            esc(&day_text(*dlo)),
            esc(&day_text(dhi - 1))
        );
        body.push_str(&detail_body);
        bottom = dbottom;
    }
    let height = legend(&mut body, &prefix, &used, bottom + 8.0) + 4.0;

    let mut order: Vec<&Mark> = marks.iter().collect();
    order.sort_by_key(|m| m.event.date.sort_key());
    let (first, _, _) = civil(lo);
    let (last, _, _) = civil(hi - 1);
    let years = if first == last { fmt_year(first) } else { format!("{} – {}", fmt_year(first), fmt_year(last)) };
    let n = marks.len();
    let title = format!("Timeline of {n} event{}, {years}", if n == 1 { "" } else { "s" });
    let list: Vec<String> =
        order.iter().map(|m| format!("{}: {}", m.event.label.trim(), m.event.date.humanize())).collect();
    let desc = format!(
        "{}. Dots mark single days and bars periods or intervals; faded edges mark approximate dates, dashed \
         outlines with a question mark uncertain ones, hatching dates with unspecified digits, arrows open ends \
         and fading stubs unknown ends.",
        list.join("; ")
    );

    let mut out = String::with_capacity(body.len() + 4096);
    open_svg(&mut out, "attest-timeline", &prefix, TL_WIDTH, height);
    let _ = write!(
        out,
        "<title id=\"{prefix}-title\">{}</title>\n<desc id=\"{prefix}-desc\">{}</desc>\n",
        esc(&title),
        esc(&desc)
    );
    out.push_str(TIMELINE_STYLE);
    timeline_defs(&mut out, &prefix);
    out.push_str(&body);
    out.push_str("</svg>\n");
    Some(out)
}

// ---------------------------------------------------------------------------
// Map

const MAP_WIDTH: f64 = 720.0;
/// Smallest window, in degrees of latitude (and the same length across).
const MIN_EXTENT: f64 = 10.0;
const MAP_FONT: f64 = 12.0;

/// One land polygon of the asset, in degrees: outer ring first, then holes.
struct LandPolygon {
    west: f64,
    east: f64,
    south: f64,
    north: f64,
    rings: Vec<Vec<(f64, f64)>>,
}

/// The land polygons, parsed from the embedded asset on first use.
fn land() -> &'static [LandPolygon] {
    static LAND: OnceLock<Vec<LandPolygon>> = OnceLock::new();
    LAND.get_or_init(|| parse_land(LAND_ASSET))
}

fn parse_land(text: &str) -> Vec<LandPolygon> {
    let mut polygons = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let rings: Vec<Vec<(f64, f64)>> = line
            .split(';')
            .map(|ring| {
                ring.split_whitespace()
                    .filter_map(|p| {
                        let (lon, lat) = p.split_once(',')?;
                        Some((lon.parse::<f64>().ok()? / 10.0, lat.parse::<f64>().ok()? / 10.0))
                    })
                    .collect::<Vec<_>>()
            })
            .filter(|r| r.len() >= 3)
            .collect();
        let Some(outer) = rings.first() else { continue };
        let fold =
            |f: fn(f64, f64) -> f64, init: f64, pick: fn(&(f64, f64)) -> f64| outer.iter().map(pick).fold(init, f);
        polygons.push(LandPolygon {
            west: fold(f64::min, f64::INFINITY, |p| p.0),
            east: fold(f64::max, f64::NEG_INFINITY, |p| p.0),
            south: fold(f64::min, f64::INFINITY, |p| p.1),
            north: fold(f64::max, f64::NEG_INFINITY, |p| p.1),
            rings,
        });
    }
    polygons
}

/// The window and equirectangular projection of a map.
#[derive(Debug, Clone, Copy)]
struct View {
    west: f64,
    east: f64,
    south: f64,
    north: f64,
    /// cos(mid-latitude): horizontal scaling of longitudes.
    k: f64,
    /// Units per degree of latitude.
    scale: f64,
    width: f64,
    height: f64,
}

impl View {
    /// The bounding box of `points` with a margin, at least [`MIN_EXTENT`]
    /// across, landscape but not more than twice as wide as high.
    fn around(points: &[(f64, f64)]) -> View {
        let (mut south, mut north, mut west, mut east) = (90.0f64, -90.0f64, 180.0f64, -180.0f64);
        for &(lat, lon) in points {
            south = south.min(lat);
            north = north.max(lat);
            west = west.min(lon);
            east = east.max(lon);
        }
        let mid_lat = (south + north) / 2.0;
        let k = mid_lat.to_radians().cos().max(0.1);
        let (dlat, dx) = (north - south, (east - west) * k);
        let mut height = (dlat + 2.0 * (0.15 * dlat).max(1.0)).max(MIN_EXTENT);
        let mut width = (dx + 2.0 * (0.15 * dx).max(1.0)).max(MIN_EXTENT);
        if width < height * 1.5 {
            width = height * 1.5;
        }
        if width > height * 2.0 {
            height = width / 2.0;
        }
        let height = height.min(170.0);
        let lon_span = (width / k).min(360.0);
        let width = lon_span * k;
        let (mut south, mut north) = (mid_lat - height / 2.0, mid_lat + height / 2.0);
        if north > 85.0 {
            (south, north) = (south - (north - 85.0), 85.0);
        }
        if south < -85.0 {
            (south, north) = (-85.0, north + (-85.0 - south));
        }
        let mid_lon = (west + east) / 2.0;
        let (mut west, mut east) = (mid_lon - lon_span / 2.0, mid_lon + lon_span / 2.0);
        if east > 180.0 {
            (west, east) = (west - (east - 180.0), 180.0);
        }
        if west < -180.0 {
            (west, east) = (-180.0, east + (-180.0 - west));
        }
        let scale = MAP_WIDTH / width;
        View { west, east, south, north, k, scale, width: MAP_WIDTH, height: (north - south) * scale }
    }

    fn project(&self, lat: f64, lon: f64) -> (f64, f64) {
        ((lon - self.west) * self.k * self.scale, (self.north - lat) * self.scale)
    }

    fn km_per_unit(&self) -> f64 {
        111.32 / self.scale
    }
}

/// Sutherland–Hodgman: the part of a closed ring inside the rectangle.
/// Pieces of the ring outside become runs along the rectangle's edges, which
/// lie outside the drawn area when the rectangle is a little larger than it.
fn clip_ring(ring: &[(f64, f64)], x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<(f64, f64)> {
    let mut pts = ring.to_vec();
    // Sides: left, right, top, bottom; `limit` is the side's coordinate.
    for side in 0..4 {
        if pts.is_empty() {
            break;
        }
        let (vertical, limit) = [(true, x0), (true, x1), (false, y0), (false, y1)][side];
        let inside = |p: (f64, f64)| match side {
            0 => p.0 >= x0,
            1 => p.0 <= x1,
            2 => p.1 >= y0,
            _ => p.1 <= y1,
        };
        let mut next = Vec::with_capacity(pts.len() + 4);
        for i in 0..pts.len() {
            let cur = pts[i];
            let prev = pts[(i + pts.len() - 1) % pts.len()];
            if inside(cur) != inside(prev) {
                next.push(if vertical {
                    (limit, prev.1 + (limit - prev.0) / (cur.0 - prev.0) * (cur.1 - prev.1))
                } else {
                    (prev.0 + (limit - prev.1) / (cur.1 - prev.1) * (cur.0 - prev.0), limit)
                });
            }
            if inside(cur) {
                next.push(cur);
            }
        }
        pts = next;
    }
    pts
}

/// Path data of the land inside the view, clipped to it.
fn land_path(view: &View) -> String {
    let mut d = String::new();
    let (x0, y0, x1, y1) = (-2.0, -2.0, view.width + 2.0, view.height + 2.0);
    for poly in land() {
        if poly.east < view.west || poly.west > view.east || poly.north < view.south || poly.south > view.north {
            continue;
        }
        for ring in &poly.rings {
            let projected: Vec<(f64, f64)> = ring.iter().map(|&(lon, lat)| view.project(lat, lon)).collect();
            let clipped = clip_ring(&projected, x0, y0, x1, y1);
            let mut pts: Vec<(String, String)> = Vec::with_capacity(clipped.len());
            for (x, y) in clipped {
                let p = (num(x), num(y));
                if pts.last() != Some(&p) {
                    pts.push(p);
                }
            }
            while pts.len() > 1 && pts.first() == pts.last() {
                pts.pop();
            }
            if pts.len() < 3 {
                continue;
            }
            for (i, (x, y)) in pts.iter().enumerate() {
                let _ = write!(d, "{}{x} {y}", if i == 0 { "M" } else { " " });
            }
            d.push('Z');
        }
    }
    d
}

/// How a precision code is drawn: a class and the radius of its circle in
/// kilometres (`None`: a dot, with a ring for `locality`).
fn precision_style(code: &str) -> (&'static str, Option<f64>) {
    match code {
        "exact" => ("exact", None),
        "locality" => ("locality", None),
        "district" => ("district", Some(30.0)),
        "province" => ("province", Some(120.0)),
        "country" => ("country", Some(400.0)),
        "region" => ("region", Some(800.0)),
        _ => ("other", None),
    }
}

fn precision_words(code: &str) -> &'static str {
    match code {
        "exact" => "exact spot",
        "locality" => "within about 25 km",
        "district" => "somewhere in the district",
        "province" => "somewhere in the province",
        "country" => "somewhere in the country",
        "region" => "somewhere in the region",
        _ => "precision not stated",
    }
}

fn fmt_coord(v: f64, pos: char, neg: char) -> String {
    format!("{:.2}°{}", v.abs(), if v < 0.0 { neg } else { pos })
}

fn fmt_degrees(v: f64, pos: char, neg: char) -> String {
    let r = v.round();
    if r == 0.0 {
        "0°".to_string()
    } else {
        format!("{}°{}", r.abs(), if r < 0.0 { neg } else { pos })
    }
}

const MAP_STYLE: &str = "<style>\
.attest-map{font-family:inherit}\
.attest-map text{font-size:12px;fill:#222}\
.attest-map .sea{fill:#e3ecf1}\
.attest-map .land{fill:#f3f0e8;stroke:#a59c88;stroke-width:.6;stroke-linejoin:round}\
.attest-map .graticule{stroke:#6f8190;stroke-opacity:.35;stroke-width:.5;fill:none}\
.attest-map .grid-label,.attest-map .scale text,.attest-map .attribution{font-size:9px;fill:#4a5560}\
.attest-map .frame{fill:none;stroke:#9aa3ab}\
.attest-map .dot{fill:#8c1c13}\
.attest-map .ring{fill:none;stroke:#8c1c13;stroke-width:1.2}\
.attest-map .area{fill:#8c1c13;fill-opacity:.15;stroke:#8c1c13;stroke-opacity:.5}\
.attest-map .label{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}\
.attest-map .scale path{stroke:#333;fill:none}\
.attest-map a:hover .label,.attest-map a:focus .label{text-decoration:underline}\
</style>\n";

type Rect = (f64, f64, f64, f64);

fn overlaps(a: Rect, b: Rect) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// A map of `places` over land outlines; `None` when no place has coordinates.
///
/// Equirectangular projection, longitudes scaled by the cosine of the
/// places' mid-latitude; the window is the places' bounding box with a
/// margin, at least ten degrees across (a single place gets a
/// regional window around it). Land is clipped to the window. A place is a
/// small dot (`exact`), a dot with a ring (`locality`), or a translucent
/// circle of about the size of a district, province, country or region.
/// Places with a latitude or longitude out of range are left out.
pub fn map(places: &[MapPlace]) -> Option<String> {
    let valid = |p: &&MapPlace| p.lat.is_finite() && p.lon.is_finite() && p.lat.abs() <= 90.0 && p.lon.abs() <= 180.0;
    let places: Vec<&MapPlace> = places.iter().filter(valid).collect();
    if places.is_empty() {
        return None;
    }
    let points: Vec<(f64, f64)> = places.iter().map(|p| (p.lat, p.lon)).collect();
    let view = View::around(&points);

    let mut key = Vec::new();
    let coords: Vec<String> = places.iter().map(|p| format!("{} {} {}", p.lat, p.lon, p.precision)).collect();
    for (p, c) in places.iter().zip(&coords) {
        key.extend([p.id.as_str(), p.name.as_str(), p.href.as_str(), c.as_str()]);
    }
    let prefix = format!("attest-map-{:08x}", fnv(&key));

    let (w, h) = (view.width, view.height);
    let mut out = String::new();
    open_svg(&mut out, "attest-map", &prefix, w, h);
    let names: Vec<&str> = places.iter().map(|p| p.name.trim()).collect();
    let title = match names.len() {
        1 => format!("Map of {}", names[0]),
        n if n <= 5 => format!("Map of {n} places: {}", names.join(", ")),
        n => format!("Map of {n} places: {} and {} more", names[..4].join(", "), n - 4),
    };
    let list: Vec<String> = places
        .iter()
        .map(|p| {
            format!(
                "{} ({}, {} {})",
                p.name.trim(),
                precision_words(&p.precision),
                fmt_coord(p.lat, 'N', 'S'),
                fmt_coord(p.lon, 'E', 'W')
            )
        })
        .collect();
    let desc = format!(
        "{}. Equirectangular projection of {} to {} and {} to {}, distances true along {}. {LAND_ATTRIBUTION}.",
        list.join("; "),
        fmt_coord(view.south, 'N', 'S'),
        fmt_coord(view.north, 'N', 'S'),
        fmt_coord(view.west, 'E', 'W'),
        fmt_coord(view.east, 'E', 'W'),
        fmt_coord((view.south + view.north) / 2.0, 'N', 'S')
    );
    let _ = write!(
        out,
        "<title id=\"{prefix}-title\">{}</title>\n<desc id=\"{prefix}-desc\">{}</desc>\n",
        esc(&title),
        esc(&desc)
    );
    out.push_str(MAP_STYLE);
    let _ = writeln!(out, "<rect class=\"sea\" width=\"{}\" height=\"{}\"/>", num(w), num(h));
    let land = land_path(&view);
    if !land.is_empty() {
        let _ = writeln!(out, "<path class=\"land\" fill-rule=\"evenodd\" d=\"{land}\"/>");
    }

    // Graticule: every 5, 10, 15 or 30 degrees, at most five lines of latitude.
    let lat_span = view.north - view.south;
    let step = [5.0, 10.0, 15.0, 30.0].into_iter().find(|s| lat_span / s <= 5.0).unwrap_or(30.0);
    let mut grid = String::new();
    let mut labels = String::new();
    let mut lat = (view.south / step).ceil() * step;
    while lat <= view.north {
        let (_, y) = view.project(lat, view.west);
        let _ = write!(grid, "M0 {}H{}", num(y), num(w));
        // No label among the meridians' labels at the top or the scale at
        // the bottom.
        if y < 24.0 || y > h - 26.0 {
            lat += step;
            continue;
        }
        let _ = write!(
            labels,
            "<text class=\"grid-label\" x=\"4\" y=\"{}\">{}</text>",
            num(y - 3.0),
            fmt_degrees(lat, 'N', 'S')
        );
        lat += step;
    }
    // Meridians at least 60 units apart, so their labels never touch.
    let lon_step = [5.0, 10.0, 15.0, 30.0, 45.0, 60.0, 90.0]
        .into_iter()
        .find(|s| *s >= step && s * view.k * view.scale >= 60.0)
        .unwrap_or(90.0);
    let mut lon = (view.west / lon_step).ceil() * lon_step;
    while lon <= view.east {
        let (x, _) = view.project(view.south, lon);
        let _ = write!(grid, "M{} 0V{}", num(x), num(h));
        if x > w - 36.0 {
            lon += lon_step;
            continue;
        }
        let _ = write!(
            labels,
            "<text class=\"grid-label\" x=\"{}\" y=\"11\">{}</text>",
            num(x + 3.0),
            fmt_degrees(lon, 'E', 'W')
        );
        lon += lon_step;
    }
    let _ = writeln!(out, "<g class=\"graticule-group\"><path class=\"graticule\" d=\"{grid}\"/>{labels}</g>");

    // Places: areas first so dots and labels stay on top of them.
    let mut order: Vec<usize> = (0..places.len()).collect();
    order.sort_by_key(|&i| (precision_style(&places[i].precision).1.is_none(), i));
    let km = view.km_per_unit();
    let max_r = 0.4 * w.min(h);
    let marks: Vec<(f64, f64, f64)> = order
        .iter()
        .map(|&i| {
            let p = places[i];
            let (x, y) = view.project(p.lat, p.lon);
            let r = match precision_style(&p.precision) {
                (_, Some(radius_km)) => (radius_km / km).clamp(8.0, max_r),
                ("exact", None) => 3.0,
                _ => 6.5,
            };
            (x, y, r)
        })
        .collect();
    let mut taken: Vec<Rect> = marks.iter().map(|&(x, y, _)| (x - 3.5, y - 3.5, x + 3.5, y + 3.5)).collect();
    out.push_str("<g class=\"places\">\n");
    for (&i, &(x, y, r)) in order.iter().zip(&marks) {
        let p = places[i];
        let (class, area) = precision_style(&p.precision);
        let close = open_link(&mut out, &p.href, &format!("place {class}"));
        let _ = write!(out, "<title>{}</title>", esc(&list[i]));
        let (cx, cy) = (num(x), num(y));
        match (class, area) {
            (_, Some(_)) => {
                let _ = write!(
                    out,
                    "<circle class=\"area\" cx=\"{cx}\" cy=\"{cy}\" r=\"{}\"/><circle class=\"dot\" cx=\"{cx}\" \
                     cy=\"{cy}\" r=\"1.5\"/>",
                    num(r)
                );
            }
            ("exact", None) => {
                let _ = write!(out, "<circle class=\"dot\" cx=\"{cx}\" cy=\"{cy}\" r=\"3\"/>");
            }
            _ => {
                let _ = write!(
                    out,
                    "<circle class=\"ring\" cx=\"{cx}\" cy=\"{cy}\" r=\"{}\"/><circle class=\"dot\" cx=\"{cx}\" \
                     cy=\"{cy}\" r=\"2.5\"/>",
                    num(r)
                );
            }
        }
        // The label: right, left, above or below the mark, wherever it
        // overlaps no other label or mark and stays inside the map.
        let name = fit(p.name.trim(), w / 3.0, MAP_FONT);
        let tw = text_width(&name, MAP_FONT);
        let gap = if area.is_some() { 4.0 } else { r + 3.0 };
        let candidates = [
            (x + gap, y + 4.0, "start", (x + gap, y - 9.0, x + gap + tw, y + 4.0)),
            (x - gap, y + 4.0, "end", (x - gap - tw, y - 9.0, x - gap, y + 4.0)),
            (x, y - gap - 3.0, "middle", (x - tw / 2.0, y - gap - 12.0, x + tw / 2.0, y - gap - 1.0)),
            (x, y + gap + 11.0, "middle", (x - tw / 2.0, y + gap, x + tw / 2.0, y + gap + 13.0)),
        ];
        let inside = |b: Rect| b.0 >= 2.0 && b.1 >= 14.0 && b.2 <= w - 2.0 && b.3 <= h - 26.0;
        let own = (x - 3.5, y - 3.5, x + 3.5, y + 3.5);
        let free = |b: Rect| inside(b) && !taken.iter().any(|&t| t != own && overlaps(t, b));
        let (lx, ly, anchor, bbox) = candidates.iter().copied().find(|c| free(c.3)).unwrap_or(candidates[0]);
        taken.push(bbox);
        let anchor = if anchor == "start" { String::new() } else { format!(" text-anchor=\"{anchor}\"") };
        let _ = write!(out, "<text class=\"label\" x=\"{}\" y=\"{}\"{anchor}>{}</text>", num(lx), num(ly), esc(&name));
        out.push_str(close);
        out.push('\n');
    }
    out.push_str("</g>\n");

    // Scale bar: a round number of kilometres about a sixth of the width.
    let target = w / 6.0 * km;
    let magnitude = 10f64.powf(target.log10().floor());
    let length = [5.0, 2.0, 1.0].into_iter().map(|f| f * magnitude).find(|&l| l <= target).unwrap_or(magnitude);
    let bar = length / km;
    let _ = writeln!(
        out,
        "<g class=\"scale\"><path d=\"M8 {}v4H{}v-4\"/><text x=\"{}\" y=\"{}\">{} km</text></g>",
        num(h - 14.0),
        num(8.0 + bar),
        num(12.0 + bar),
        num(h - 7.0),
        length
    );
    let _ = writeln!(
        out,
        "<text class=\"attribution\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{LAND_ATTRIBUTION}</text>",
        num(w - 4.0),
        num(h - 5.0)
    );
    let _ = writeln!(
        out,
        "<rect class=\"frame\" x=\"0.5\" y=\"0.5\" width=\"{}\" height=\"{}\"/>",
        num(w - 1.0),
        num(h - 1.0)
    );
    out.push_str("</svg>\n");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(id: &str, label: &str, date: &str) -> TimelineEvent {
        TimelineEvent {
            id: id.into(),
            label: label.into(),
            date: crate::parse::edtf::parse(date).unwrap(),
            href: format!("#event-{id}"),
        }
    }

    fn place(id: &str, name: &str, lat: f64, lon: f64, precision: &str) -> MapPlace {
        MapPlace {
            id: id.into(),
            name: name.into(),
            lat,
            lon,
            precision: precision.into(),
            href: format!("/places/{id}/"),
        }
    }

    /// The events of the sample's chronology of the Chechen and Ingush case.
    fn sample_events() -> Vec<TimelineEvent> {
        vec![
            ev("region", "Chechen-Ingush autonomous region", "1934"),
            ev("assr", "Chechen-Ingush ASSR", "1936"),
            ev("raids", "Operations in the mountains", "193X"),
            ev("prep", "Troops arrive", "1944-02-17"),
            ev("round-up", "Round-up and deportation", "1944-02-23/1944-03-01"),
            ev("khaibakh", "Khaibakh", "1944-02-29"),
            ev("autumn", "Settlement in exile", "1944-23"),
            ev("exile", "Special settlement regime", "1944/1957"),
            ev("return", "Return", "1957"),
            ev("law", "Rehabilitation law", "1989~"),
            ev("memorial", "Memorial", "2004-02?"),
        ]
    }

    fn parse(svg: &str) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{svg}"))
    }

    /// Every `http` in the text is the SVG namespace: no other host is named.
    fn assert_no_external(svg: &str) {
        let rest = svg.replace(SVG_NAMESPACE, "");
        assert!(!rest.contains("http"), "external reference in {svg}");
        assert!(!rest.contains("//"), "protocol-relative reference in {svg}");
        for (i, _) in rest.match_indices("url(") {
            assert!(rest[i..].starts_with("url(#"), "url() to something else than an id: {}", &rest[i..i + 20]);
        }
        assert!(!rest.contains("<script"), "script in {svg}");
        assert!(!rest.contains("@import") && !rest.contains("@font-face"), "external CSS in {svg}");
    }

    /// Every `url(#id)` and `aria-labelledby` id is defined in the document.
    fn assert_ids_resolve(doc: &roxmltree::Document) {
        let ids: Vec<&str> = doc.descendants().filter_map(|n| n.attribute("id")).collect();
        for node in doc.descendants() {
            for attr in node.attributes() {
                let value = attr.value();
                for (i, _) in value.match_indices("url(#") {
                    let id = value[i + 5..].split(')').next().unwrap();
                    assert!(ids.contains(&id), "url(#{id}) not defined");
                }
                if attr.name() == "aria-labelledby" {
                    for id in value.split_whitespace() {
                        assert!(ids.contains(&id), "aria id {id} not defined");
                    }
                }
            }
        }
    }

    fn events_with_class<'a>(doc: &'a roxmltree::Document, class: &str) -> Vec<roxmltree::Node<'a, 'a>> {
        doc.descendants()
            .filter(|n| {
                n.attribute("class")
                    .is_some_and(|c| c.split(' ').any(|c| c == "event") && c.split(' ').any(|c| c == class))
            })
            .collect()
    }

    fn attr(node: roxmltree::Node, name: &str) -> f64 {
        node.attribute(name).unwrap_or_else(|| panic!("no {name}")).parse().unwrap()
    }

    fn title_of<'a>(node: roxmltree::Node<'a, 'a>) -> &'a str {
        node.children().find(|c| c.has_tag_name("title")).and_then(|t| t.text()).unwrap_or("")
    }

    fn mark_of<'a>(node: roxmltree::Node<'a, 'a>) -> roxmltree::Node<'a, 'a> {
        node.children().find(|c| c.attribute("class") == Some("mark")).expect("a mark")
    }

    #[test]
    fn empty_inputs_draw_nothing() {
        assert_eq!(timeline(&[]), None);
        assert_eq!(map(&[]), None);
        assert_eq!(map(&[place("x", "Nowhere", f64::NAN, 10.0, "exact")]), None);
    }

    #[test]
    fn timeline_is_well_formed_accessible_and_self_contained() {
        let svg = timeline(&sample_events()).unwrap();
        let doc = parse(&svg);
        let root = doc.root_element();
        assert_eq!(root.tag_name().namespace(), Some(SVG_NAMESPACE));
        assert_eq!(root.attribute("role"), Some("img"));
        assert!(root.attribute("viewBox").is_some());
        assert!(root.attribute("width").is_none() && root.attribute("height").is_none());
        assert_no_external(&svg);
        assert_ids_resolve(&doc);
        let title = root.children().find(|n| n.has_tag_name("title")).unwrap();
        assert_eq!(title.text(), Some("Timeline of 11 events, 1930 – 2004"));
        assert!(svg.contains("font-family:inherit"));
        // Every event is a link with its label and humanized date.
        let events = events_with_class(&doc, "event");
        assert_eq!(events.len(), 11);
        for e in &events {
            assert!(e.has_tag_name("a"));
            assert!(e.attribute("href").unwrap().starts_with("#event-"));
        }
        let titles: Vec<&str> = events.iter().map(|e| title_of(*e)).collect();
        assert!(titles.contains(&"Round-up and deportation: 23 February – 1 March 1944"), "{titles:?}");
        // The legend explains the encodings the timeline uses.
        for text in ["approximate (~)", "uncertain (?)", "unspecified digits (194X)", "period or interval"] {
            assert!(svg.contains(text), "legend lacks {text}");
        }
    }

    #[test]
    fn qualifiers_get_their_own_encodings() {
        let svg = timeline(&sample_events()).unwrap();
        let doc = parse(&svg);

        let approximate = events_with_class(&doc, "approximate");
        assert_eq!(approximate.iter().map(|n| title_of(*n)).collect::<Vec<_>>(), ["Rehabilitation law: about 1989"]);
        let mask = mark_of(approximate[0]).attribute("mask").unwrap();
        assert!(mask.starts_with("url(#attest-tl-") && mask.ends_with("-fade-both)"), "{mask}");

        let uncertain = events_with_class(&doc, "uncertain");
        assert_eq!(uncertain.len(), 1);
        assert!(uncertain[0].children().any(|c| c.attribute("class") == Some("q") && c.text() == Some("?")));
        assert!(svg.contains(".attest-timeline .uncertain .mark{fill-opacity:.2;stroke-dasharray:3 2}"));

        let unspecified = events_with_class(&doc, "unspecified");
        assert_eq!(unspecified.len(), 1);
        let fill = mark_of(unspecified[0]).attribute("fill").unwrap();
        assert!(fill.ends_with("-hatch)"), "{fill}");

        // The plain ones carry none of those.
        let plain = events_with_class(&doc, "point");
        assert!(plain.iter().all(|n| !n.attribute("class").unwrap().contains("approximate")));
        assert!(plain.iter().all(|n| mark_of(*n).has_tag_name("circle")));
    }

    #[test]
    fn open_and_unknown_ends() {
        let svg = timeline(&[ev("a", "From", "1950/.."), ev("b", "Until", "../1940"), ev("c", "Unknown end", "1945/")])
            .unwrap();
        let doc = parse(&svg);
        assert_eq!(events_with_class(&doc, "open-end").len(), 1);
        assert_eq!(events_with_class(&doc, "open-start").len(), 1);
        let unknown = events_with_class(&doc, "unknown-end");
        assert_eq!(unknown.len(), 1);
        assert!(unknown[0].children().any(|c| c.attribute("class") == Some("stub")
            && c.attribute("mask").is_some_and(|m| m.ends_with("-fade-out-right)"))));
        let open = events_with_class(&doc, "open-end")[0];
        assert!(open.children().any(|c| c.attribute("class") == Some("arrow")));
        assert_ids_resolve(&doc);
    }

    #[test]
    fn interval_is_a_bar_from_earliest_to_latest() {
        // Two dots 60 days apart measure the scale.
        let svg =
            timeline(&[ev("a", "A", "1944-02-01"), ev("b", "B", "1944-02-23/1944-03-01"), ev("c", "C", "1944-04-01")])
                .unwrap();
        let doc = parse(&svg);
        let dots = events_with_class(&doc, "point");
        let cx: Vec<f64> = dots.iter().map(|d| attr(mark_of(*d), "cx")).collect();
        let per_day = (cx[1] - cx[0]) / 60.0;
        let bar = mark_of(events_with_class(&doc, "interval")[0]);
        assert!(bar.has_tag_name("rect"));
        let (x, width) = (attr(bar, "x"), attr(bar, "width"));
        assert!(width > 0.0);
        // Starts at the beginning of 23 February, 22.5 days after the middle
        // of 1 February; ends with 1 March, eight days later.
        assert!((x - (cx[0] + 21.5 * per_day)).abs() < 0.2, "x {x}");
        assert!((width - 8.0 * per_day).abs() < 0.2, "width {width}");
    }

    #[test]
    fn days_among_decades_get_a_detail_axis() {
        let svg = timeline(&sample_events()).unwrap();
        let doc = parse(&svg);
        let detail = doc.descendants().find(|n| n.attribute("class") == Some("caption")).unwrap();
        assert_eq!(detail.text(), Some("Detail: 17 Feb 1944 – 1 Mar 1944"));
        // The four February events have distinct x on the detail axis.
        let mut xs: Vec<f64> = ["Troops arrive", "Round-up and deportation", "Khaibakh"]
            .iter()
            .map(|l| {
                let e = events_with_class(&doc, "event").into_iter().find(|e| title_of(*e).starts_with(l)).unwrap();
                let m = mark_of(e);
                m.attribute("cx").or(m.attribute("x")).unwrap().parse().unwrap()
            })
            .collect();
        xs.dedup_by(|a, b| (*a - *b).abs() < 20.0);
        assert_eq!(xs.len(), 3, "{xs:?}");
    }

    #[test]
    fn labels_do_not_overlap() {
        let svg = timeline(&sample_events()).unwrap();
        let doc = parse(&svg);
        let mut boxes: Vec<(f64, f64, f64, f64)> = Vec::new();
        for t in doc.descendants().filter(|n| n.attribute("class") == Some("label")) {
            let (x, y) = (attr(t, "x"), attr(t, "y"));
            let w = text_width(t.text().unwrap(), FONT);
            let x0 = if t.attribute("text-anchor") == Some("end") { x - w } else { x };
            let b = (x0, y - 10.0, x0 + w, y + 2.0);
            assert!(b.0 >= 0.0 && b.2 <= TL_WIDTH, "label outside: {:?}", t.text());
            assert!(!boxes.iter().any(|o| overlaps(*o, b)), "label overlaps: {:?}", t.text());
            boxes.push(b);
        }
        assert_eq!(boxes.len(), 11);
    }

    #[test]
    fn tick_steps_follow_the_span() {
        let labels = |lo: &str, hi: &str| {
            let d = |s: &str| day_number(crate::parse::edtf::parse(s).unwrap().earliest().unwrap());
            ticks(Scale { lo: d(lo), hi: d(hi) }).into_iter().map(|t| t.1).collect::<Vec<_>>()
        };
        assert_eq!(labels("1941-06-01", "1945-06-01"), ["1942", "1943", "1944", "1945"]);
        assert_eq!(labels("1930-01-01", "1960-01-01"), ["1930", "1935", "1940", "1945", "1950", "1955", "1960"]);
        assert_eq!(labels("1930-06-01", "1990-01-01"), ["1940", "1950", "1960", "1970", "1980", "1990"]);
        assert_eq!(
            labels("1944-02-15", "1944-03-03"),
            ["15 Feb 1944", "17", "19", "21", "23", "25", "27", "29", "1 Mar", "3"]
        );
        assert_eq!(labels("1943-11-15", "1944-05-01"), ["Dec 1943", "Jan 1944", "Feb", "Mar", "Apr", "May"]);
        assert_eq!(labels("-0050-01-01", "-0030-01-01"), ["50 BCE", "45 BCE", "40 BCE", "35 BCE", "30 BCE"]);
    }

    #[test]
    fn output_is_deterministic() {
        assert_eq!(timeline(&sample_events()), timeline(&sample_events()));
        let places = [place("grozny", "Grozny", 43.31, 45.70, "locality")];
        assert_eq!(map(&places), map(&places));
        // Different figures get different id prefixes.
        let a = timeline(&sample_events()[..3]).unwrap();
        let b = timeline(&sample_events()[3..]).unwrap();
        let prefix = |s: &str| s.split("aria-labelledby=\"").nth(1).unwrap().split('-').nth(2).unwrap().to_string();
        assert_ne!(prefix(&a), prefix(&b));
    }

    #[test]
    fn foreign_links_are_dropped_and_text_is_escaped() {
        let mut e = ev("x", "Label with <tags> & \"quotes\"", "1944");
        e.href = "https://tracker.example/".into();
        let svg = timeline(&[e]).unwrap();
        parse(&svg);
        assert_no_external(&svg);
        assert!(!svg.contains("<a "));
        assert!(svg.contains("Label with &lt;tags&gt; &amp; &quot;quotes&quot;"));
        for bad in ["javascript:alert(1)", "//host/x", "data:text/html,x", "HTTP://x", " #x"] {
            assert_eq!(safe_href(bad), None, "{bad}");
        }
        for good in ["#event-x", "/places/grozny/", "../entries/a.html#event-b", "a.html?x=1:2"] {
            assert_eq!(safe_href(good), Some(good));
        }
    }

    #[test]
    fn map_of_grozny_and_khaibakh() {
        let places = [
            place("grozny", "Grozny", 43.31, 45.70, "locality"),
            place("khaibakh", "Хайбах", 42.85, 45.26, "locality"),
        ];
        let svg = map(&places).unwrap();
        let doc = parse(&svg);
        let root = doc.root_element();
        assert_eq!(root.attribute("role"), Some("img"));
        assert!(root.attribute("width").is_none());
        assert_no_external(&svg);
        assert_ids_resolve(&doc);
        let vb: Vec<f64> = root.attribute("viewBox").unwrap().split(' ').map(|v| v.parse().unwrap()).collect();
        let places: Vec<_> =
            doc.descendants().filter(|n| n.attribute("class").is_some_and(|c| c.starts_with("place "))).collect();
        assert_eq!(places.len(), 2);
        for p in &places {
            assert_eq!(p.attribute("class"), Some("place locality"));
            let dot = p.children().find(|c| c.attribute("class") == Some("dot")).unwrap();
            let (x, y) = (attr(dot, "cx"), attr(dot, "cy"));
            assert!(x > vb[0] && x < vb[0] + vb[2] && y > vb[1] && y < vb[1] + vb[3], "({x}, {y}) outside {vb:?}");
            assert!(p.children().any(|c| c.attribute("class") == Some("ring")));
        }
        assert_eq!(title_of(places[1]), "Хайбах (within about 25 km, 42.85°N 45.26°E)");
        let land = doc.descendants().find(|n| n.attribute("class") == Some("land")).expect("land");
        assert!(land.attribute("d").unwrap().matches('M').count() >= 1);
        let desc = root.children().find(|n| n.has_tag_name("desc")).unwrap().text().unwrap();
        assert!(desc.contains(LAND_ATTRIBUTION));
        assert!(svg.contains(&format!(">{LAND_ATTRIBUTION}</text>")));
        assert!(svg.len() < 60_000, "{} bytes", svg.len());
        // The Caspian Sea, east of Grozny, is water: its hole is in the path.
        assert!(svg.contains("fill-rule=\"evenodd\""));
    }

    #[test]
    fn map_window_and_precision() {
        // One place: a regional window of about ten degrees around it.
        let svg = map(&[place("x", "Camp", 50.0, 70.0, "exact")]).unwrap();
        let doc = parse(&svg);
        let dot = doc.descendants().find(|n| n.attribute("class") == Some("dot")).unwrap();
        let vb: Vec<f64> =
            doc.root_element().attribute("viewBox").unwrap().split(' ').map(|v| v.parse().unwrap()).collect();
        assert!((attr(dot, "cx") - vb[2] / 2.0).abs() < 1.0 && (attr(dot, "cy") - vb[3] / 2.0).abs() < 1.0);
        assert!(svg.contains(">50°N<") && svg.contains(">70°E<"), "graticule labels");
        // Areas are translucent circles larger than a locality's ring.
        let svg = map(&[place("k", "Kazakh SSR", 48.0, 67.0, "country"), place("a", "Almaty", 43.25, 76.9, "exact")])
            .unwrap();
        let doc = parse(&svg);
        let area = doc.descendants().find(|n| n.attribute("class") == Some("area")).unwrap();
        assert!(attr(area, "r") > 8.0);
        assert_eq!(area.parent().unwrap().attribute("class"), Some("place country"));
        // A world-wide map stays small enough to inline.
        let svg = map(&[place("a", "A", 60.0, -150.0, "exact"), place("b", "B", -40.0, 170.0, "exact")]).unwrap();
        parse(&svg);
        assert!(svg.len() < 120_000, "{} bytes", svg.len());
    }

    #[test]
    fn land_asset_parses() {
        let land = land();
        assert!(land.len() > 100);
        assert!(LAND_ASSET.starts_with(&format!("# {LAND_ATTRIBUTION}")));
        // Eurasia holds the Caspian Sea as a hole.
        assert!(land.iter().any(|p| p.rings.len() > 1 && p.west < 0.0 && p.east > 170.0));
        for p in land {
            assert!(p.west >= -180.0 && p.east <= 180.0 && p.south >= -90.0 && p.north <= 90.0);
        }
    }

    #[test]
    fn clipping_keeps_the_inside() {
        let square = [(-10.0, -10.0), (10.0, -10.0), (10.0, 10.0), (-10.0, 10.0)];
        let clipped = clip_ring(&square, 0.0, 0.0, 5.0, 5.0);
        let xs: Vec<f64> = clipped.iter().map(|p| p.0).collect();
        assert!(xs.iter().all(|&x| (0.0..=5.0).contains(&x)));
        assert_eq!(clipped.len(), 4);
        assert!(clip_ring(&square, 20.0, 20.0, 30.0, 30.0).is_empty());
    }

    #[test]
    fn number_format_is_stable() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(1.25), "1.3");
        assert_eq!(num(-0.04), "0");
        assert_eq!(num(-2.5), "-2.5");
        assert_eq!(num(f64::NAN), "0");
        for z in [-800_000, -1, 0, 1, 59, 60, 365, 9000, 2_000_000] {
            let (y, m, d) = civil(z);
            assert_eq!(day_number(Day { year: y, month: m, day: d }), z);
        }
        assert_eq!(day_number(Day { year: 1970, month: 1, day: 1 }), 0);
    }

    #[test]
    fn snapshot_small_timeline() {
        let svg = timeline(&[
            ev("start", "Round-up", "1944-02-23/1944-03-01"),
            ev("khaibakh", "Khaibakh", "1944-02-27?"),
            ev("decree", "Decree", "1944-03~"),
            ev("years", "Special settlement", "1944-03/.."),
        ])
        .unwrap();
        insta::assert_snapshot!(svg);
    }
}
