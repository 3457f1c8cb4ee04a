//! Small formatting helpers shared by pages: numbers in the reader's
//! language, estimates as prose ("about 700 people", "14.6–23.7%"), dates,
//! HTML escaping.

use crate::model::{Estimate, Figure, Rank, Unit};
use crate::parse::edtf;

/// Escapes text for HTML or XML element content and attribute values; the
/// control characters XML 1.0 cannot hold are dropped, so the same function
/// serves pages, SVG and feeds.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Whether `url` may become a link's `href`: only web addresses
/// (`http://`, `https://`, any case). A bibliography's `url` field is
/// author data, and `javascript:`, `vbscript:` or `data:` there would run
/// when a reader clicks the reference.
pub fn is_web_url(url: &str) -> bool {
    let url = url.trim_start();
    ["http://", "https://"].iter().any(|p| url.get(..p.len()).is_some_and(|s| s.eq_ignore_ascii_case(p)))
}

/// A number as readers of `lang` write it: `350,000` and `14.6` in English,
/// `350 000` and `14,6` in French or Russian (with a narrow no-break space).
pub fn number(x: f64, lang: &str) -> String {
    let (group, decimal) = match lang.split('-').next().unwrap_or("en") {
        "fr" | "ru" | "uk" | "pl" | "cs" | "es" | "pt" | "it" | "de" => (
            if lang.starts_with("de") || lang.starts_with("it") || lang.starts_with("es") { "." } else { "\u{202f}" },
            ",",
        ),
        _ => (",", "."),
    };
    let neg = x < 0.0;
    let x = x.abs();
    let s = if (x - x.round()).abs() < 1e-9 { format!("{}", x.round() as u64) } else { format!("{x}") };
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (s, None),
    };
    let mut grouped = String::new();
    // Four-digit numbers stay ungrouped (1944, 4500), as style guides advise.
    let group_it = int.len() > 4;
    for (i, ch) in int.chars().enumerate() {
        if group_it && i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push_str(group);
        }
        grouped.push(ch);
    }
    let mut out = if neg { format!("−{grouped}") } else { grouped };
    if let Some(f) = frac {
        out.push_str(decimal);
        out.push_str(&f);
    }
    out
}

/// An estimate's value as prose: "about 700 people", "350,000–400,000
/// people", "up to 50%", "at least 12 weeks".
pub fn estimate_value(f: &Figure, x: &Estimate, lang: &str) -> String {
    let n = |v: f64| number(v, lang);
    let core = match (&x.value, &x.low, &x.high) {
        (Some(v), _, _) => n(v.v),
        (None, Some(l), Some(h)) => format!("{}–{}", n(l.v), n(h.v)),
        (None, Some(l), None) => format!("at least {}", n(l.v)),
        (None, None, Some(h)) => format!("up to {}", n(h.v)),
        (None, None, None) => "?".to_string(),
    };
    let with_unit = match &f.unit {
        Unit::Percent => format!("{core}%"),
        Unit::Share => format!("{core} (share)"),
        Unit::Count(u) if u.is_empty() => core,
        Unit::Count(u) => format!("{core} {u}"),
    };
    match (x.approximate, with_unit.strip_prefix("up to "), with_unit.strip_prefix("at least ")) {
        (false, _, _) => with_unit,
        (true, Some(rest), _) => format!("up to about {rest}"),
        (true, _, Some(rest)) => format!("at least about {rest}"),
        (true, None, None) => format!("about {with_unit}"),
    }
}

/// The estimates `{fig:ID}` prints: the preferred ones, or every estimate
/// that is not deprecated when none is preferred.
pub fn shown_estimates(f: &Figure) -> Vec<&Estimate> {
    let preferred: Vec<&Estimate> = f.estimates.iter().filter(|x| x.rank == Rank::Preferred).collect();
    if preferred.is_empty() {
        f.estimates.iter().filter(|x| x.rank != Rank::Deprecated).collect()
    } else {
        preferred
    }
}

/// A `YYYY-MM-DD` date as "5 November 2007"; other text is returned as is.
pub fn long_date(raw: &str) -> String {
    edtf::parse(raw).map(|d| d.humanize()).unwrap_or_else(|_| raw.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_language() {
        assert_eq!(number(350000.0, "en"), "350,000");
        assert_eq!(number(1944.0, "en"), "1944");
        assert_eq!(number(14.6, "en"), "14.6");
        assert_eq!(number(14.6, "fr"), "14,6");
        assert_eq!(number(478479.0, "ru"), "478\u{202f}479");
    }
}
