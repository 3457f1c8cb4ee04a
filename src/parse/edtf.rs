//! Extended Date/Time Format (EDTF) dates: parsing, validation, calendar
//! bounds, a canonical string form and an English reading text.
//!
//! This module owns every date an entry carries (event dates, intervals,
//! approximate and uncertain dates, dates with unknown digits). It implements
//! EDTF levels 0 and 1 (ISO 8601-2:2019 / Library of Congress EDTF) by hand
//! rather than depending on the `edtf` crate, which has been unmaintained
//! since 2021, because the engine needs things that crate does not give:
//! earliest/latest calendar bounds that honour unspecified digits and real
//! day validity (leap years included), one stable canonical string for every
//! accepted value, error messages for editors with byte offsets, and a
//! human-readable English rendering.
//!
//! Conventions a caller must know:
//!
//! * Bounds are calendar days in the proleptic Gregorian calendar with
//!   astronomical year numbers (year `0000` exists and is a leap year).
//! * Qualifiers (`?`, `~`, `%`) never widen bounds; a consumer that wants a
//!   margin around approximate dates must add it itself.
//! * Unspecified digits (`X`) are accepted in any digit of a four-digit year,
//!   a month or a day (so `XXXX-12-XX` and `1944-1X` work); bounds are the
//!   first and last real day matching the pattern, so `XXXX-12-XX` spans
//!   `0000-12-01` to `9999-12-31` and `-XXXX` spans `-9999` to `0000`.
//! * Seasons follow the northern-hemisphere meteorological convention:
//!   spring (21) is March–May, summer (22) June–August, autumn (23)
//!   September–November and winter (24) December of the year through the end
//!   of February of the next year.
//! * Date-times (`1944-02-23T05:00:00`, optionally with `Z` or `±hh[:mm]`)
//!   keep their time text in the canonical string, but bounds stay at the
//!   level of the written calendar date (the offset is not applied).
//! * [`Edtf::humanize`] reads a negative year `-N` as "N BCE" (the editorial
//!   convention, so `-0044` reads "44 BCE"), although ISO 8601 numbering
//!   would make `-0044` the year 45 BCE; year `0000` reads "0".
//! * Level 2 features (partial qualification, sets, exponents, significant
//!   digits, seasons 25–41) are rejected with an error saying that EDTF
//!   level 2 is not supported.

use std::fmt;
use std::str::FromStr;

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Whether `year` is a leap year in the proleptic Gregorian calendar
/// (astronomical numbering: year 0 and year -4 are leap years).
pub fn is_leap_year(year: i64) -> bool {
    year.rem_euclid(4) == 0 && (year.rem_euclid(100) != 0 || year.rem_euclid(400) == 0)
}

/// Number of days in `month` (1–12) of `year`; 0 for a month out of range.
pub fn days_in_month(year: i64, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

fn month_name(month: u8) -> &'static str {
    MONTH_NAMES.get(usize::from(month).wrapping_sub(1)).copied().unwrap_or("?")
}

/// A calendar day used for bounds and sorting: proleptic Gregorian.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day {
    /// Astronomical year number (0 is 1 BCE in ISO terms, may be negative).
    pub year: i64,
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month, 1–31.
    pub day: u8,
}

impl Day {
    /// A day before every real day; used for open or unknown starts.
    pub const MIN: Day = Day { year: i64::MIN, month: 1, day: 1 };
    /// A day after every real day; used for open or unknown ends.
    pub const MAX: Day = Day { year: i64::MAX, month: 12, day: 31 };

    /// A validated day, or `None` if the month or day does not exist.
    pub fn new(year: i64, month: u8, day: u8) -> Option<Day> {
        (day >= 1 && day <= days_in_month(year, month)).then_some(Day { year, month, day })
    }

    /// The day `days` days after 1970-01-01 (before it when negative), in
    /// the proleptic Gregorian calendar (H. Hinnant's `civil_from_days`).
    pub fn from_unix_days(days: i64) -> Day {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        Day { year: yoe + era * 400 + i64::from(month <= 2), month, day }
    }
}

impl fmt::Display for Day {
    /// ISO form, e.g. `1944-02-23` or `-0044-03-15`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.year < 0 { "-" } else { "" };
        write!(f, "{sign}{:04}-{:02}-{:02}", self.year.unsigned_abs(), self.month, self.day)
    }
}

/// A meteorological season (EDTF level 1 codes 21–24), northern hemisphere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Season {
    /// Code 21: March to May.
    Spring,
    /// Code 22: June to August.
    Summer,
    /// Code 23: September to November.
    Autumn,
    /// Code 24: December to the end of February of the next year.
    Winter,
}

impl Season {
    /// The EDTF code, 21–24.
    pub fn code(self) -> u8 {
        match self {
            Season::Spring => 21,
            Season::Summer => 22,
            Season::Autumn => 23,
            Season::Winter => 24,
        }
    }

    /// The English name in lower case ("spring", ...).
    pub fn name(self) -> &'static str {
        match self {
            Season::Spring => "spring",
            Season::Summer => "summer",
            Season::Autumn => "autumn",
            Season::Winter => "winter",
        }
    }

    fn from_code(code: u8) -> Option<Season> {
        match code {
            21 => Some(Season::Spring),
            22 => Some(Season::Summer),
            23 => Some(Season::Autumn),
            24 => Some(Season::Winter),
            _ => None,
        }
    }
}

/// An EDTF level 1 qualifier on a whole date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Qualifier {
    /// `?`: the date is uncertain.
    Uncertain,
    /// `~`: the date is approximate.
    Approximate,
    /// `%`: the date is both uncertain and approximate.
    UncertainApproximate,
}

impl Qualifier {
    /// The EDTF symbol: `?`, `~` or `%`.
    pub fn symbol(self) -> char {
        match self {
            Qualifier::Uncertain => '?',
            Qualifier::Approximate => '~',
            Qualifier::UncertainApproximate => '%',
        }
    }

    fn from_byte(b: u8) -> Option<Qualifier> {
        match b {
            b'?' => Some(Qualifier::Uncertain),
            b'~' => Some(Qualifier::Approximate),
            b'%' => Some(Qualifier::UncertainApproximate),
            _ => None,
        }
    }
}

/// How much of a date is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Precision {
    /// Only a year.
    Year,
    /// A year and a season.
    Season,
    /// A year and a month.
    Month,
    /// A year, month and day (possibly with a time).
    Day,
}

/// A digit of a pattern: `Some(d)` for a written digit, `None` for `X`.
type Digit = Option<u8>;

fn pattern_matches(pattern: &[Digit], mut n: u64) -> bool {
    for d in pattern.iter().rev() {
        let digit = (n % 10) as u8;
        n /= 10;
        if let Some(p) = d {
            if *p != digit {
                return false;
            }
        }
    }
    n == 0
}

/// The pattern's value with every `X` replaced by `fill`.
fn pattern_value(pattern: &[Digit], fill: u8) -> u64 {
    pattern.iter().fold(0, |acc, d| acc * 10 + u64::from(d.unwrap_or(fill)))
}

fn pattern_known(pattern: &[Digit]) -> Option<u64> {
    pattern.iter().try_fold(0, |acc, d| d.map(|d| acc * 10 + u64::from(d)))
}

fn write_pattern(f: &mut fmt::Formatter<'_>, pattern: &[Digit]) -> fmt::Result {
    for d in pattern {
        match d {
            Some(d) => write!(f, "{d}")?,
            None => f.write_str("X")?,
        }
    }
    Ok(())
}

fn pattern_text(pattern: &[Digit]) -> String {
    pattern.iter().map(|d| d.map_or('X', |d| char::from(b'0' + d))).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Year {
    /// Four characters, digits or X, with an optional minus sign.
    Short { negative: bool, digits: [Digit; 4] },
    /// A `Y`-prefixed year of more than four digits.
    Long(i64),
}

impl Year {
    fn signed(negative: bool, abs: u64) -> i64 {
        let v = abs as i64;
        if negative {
            -v
        } else {
            v
        }
    }

    fn min(&self) -> i64 {
        match *self {
            Year::Short { negative, digits } => {
                Year::signed(negative, pattern_value(&digits, if negative { 9 } else { 0 }))
            }
            Year::Long(y) => y,
        }
    }

    fn max(&self) -> i64 {
        match *self {
            Year::Short { negative, digits } => {
                Year::signed(negative, pattern_value(&digits, if negative { 0 } else { 9 }))
            }
            Year::Long(y) => y,
        }
    }

    fn known(&self) -> Option<i64> {
        match *self {
            Year::Short { negative, digits } => pattern_known(&digits).map(|v| Year::signed(negative, v)),
            Year::Long(y) => Some(y),
        }
    }

    fn matches(&self, y: i64) -> bool {
        match *self {
            Year::Short { negative, digits } => {
                (if negative { y <= 0 } else { y >= 0 }) && pattern_matches(&digits, y.unsigned_abs())
            }
            Year::Long(v) => v == y,
        }
    }

    fn has_unspecified(&self) -> bool {
        matches!(self, Year::Short { digits, .. } if digits.contains(&None))
    }

    fn phrase(&self) -> YearPhrase {
        match *self {
            Year::Long(y) => YearPhrase::Exact(fmt_year(y)),
            Year::Short { negative, digits } => {
                let known = digits.iter().take_while(|d| d.is_some()).count();
                let rest_unspecified = digits[known..].iter().all(Option::is_none);
                let base = pattern_value(&digits, 0);
                if known == 4 {
                    YearPhrase::Exact(fmt_year(Year::signed(negative, base)))
                } else if known == 0 && !negative {
                    YearPhrase::Unknown
                } else if known > 0 && rest_unspecified {
                    let era = if negative { " BCE" } else { "" };
                    YearPhrase::Span(format!("the {base}s{era}"))
                } else {
                    YearPhrase::Pattern(self.to_string())
                }
            }
        }
    }
}

impl fmt::Display for Year {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Year::Short { negative, digits } => {
                if *negative {
                    f.write_str("-")?;
                }
                write_pattern(f, digits)
            }
            Year::Long(y) => write!(f, "Y{y}"),
        }
    }
}

fn fmt_year(year: i64) -> String {
    if year < 0 {
        format!("{} BCE", year.unsigned_abs())
    } else {
        year.to_string()
    }
}

enum YearPhrase {
    /// "1944", "44 BCE".
    Exact(String),
    /// "the 1940s".
    Span(String),
    /// Every digit unspecified.
    Unknown,
    /// An irregular pattern such as `1X44`.
    Pattern(String),
}

impl YearPhrase {
    fn alone(&self) -> String {
        match self {
            YearPhrase::Exact(s) | YearPhrase::Span(s) => s.clone(),
            YearPhrase::Unknown => "unknown year".to_string(),
            YearPhrase::Pattern(p) => format!("a year matching {p}"),
        }
    }

    fn after(&self, prefix: &str) -> String {
        match self {
            YearPhrase::Exact(s) => format!("{prefix} {s}"),
            YearPhrase::Span(s) => format!("{prefix} in {s}"),
            YearPhrase::Unknown => format!("{prefix}, year unknown"),
            YearPhrase::Pattern(p) => format!("{prefix} in a year matching {p}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MonthPart {
    Month([Digit; 2]),
    Season(Season),
}

/// One EDTF date: a year, optionally a month or season and a day, digits
/// that may be unspecified (`X`), an optional qualifier and an optional time.
///
/// Values only come from [`parse`], so every `Date` denotes at least one real
/// calendar day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Date {
    year: Year,
    month: Option<MonthPart>,
    day: Option<[Digit; 2]>,
    qualifier: Option<Qualifier>,
    /// The time as written after `T`, e.g. `05:00:00Z`.
    time: Option<String>,
}

impl Date {
    /// The year, if no digit of it is unspecified.
    pub fn year(&self) -> Option<i64> {
        self.year.known()
    }

    /// The smallest and largest year the date can be in (equal unless the
    /// year has `X` digits). A winter season ends in the following year, see
    /// [`Date::latest`].
    pub fn year_range(&self) -> (i64, i64) {
        (self.year.min(), self.year.max())
    }

    /// The month (1–12), if a month is written and none of its digits is `X`.
    pub fn month(&self) -> Option<u8> {
        match self.month {
            Some(MonthPart::Month(m)) => pattern_known(&m).map(|m| m as u8),
            _ => None,
        }
    }

    /// The season, if the date is a season.
    pub fn season(&self) -> Option<Season> {
        match self.month {
            Some(MonthPart::Season(s)) => Some(s),
            _ => None,
        }
    }

    /// The day of the month, if a day is written and none of its digits is `X`.
    pub fn day(&self) -> Option<u8> {
        self.day.and_then(|d| pattern_known(&d)).map(|d| d as u8)
    }

    /// The time as written after `T` (e.g. `05:00:00`, `05:00:00Z`,
    /// `05:00:00+01:00`), if any.
    pub fn time(&self) -> Option<&str> {
        self.time.as_deref()
    }

    /// The qualifier (`?`, `~`, `%`), if any.
    pub fn qualifier(&self) -> Option<Qualifier> {
        self.qualifier
    }

    /// How much of the date is written.
    pub fn precision(&self) -> Precision {
        match (self.month, self.day) {
            (None, _) => Precision::Year,
            (Some(MonthPart::Season(_)), _) => Precision::Season,
            (Some(MonthPart::Month(_)), None) => Precision::Month,
            (Some(MonthPart::Month(_)), Some(_)) => Precision::Day,
        }
    }

    /// Whether the date is marked `?` or `%`.
    pub fn is_uncertain(&self) -> bool {
        matches!(self.qualifier, Some(Qualifier::Uncertain | Qualifier::UncertainApproximate))
    }

    /// Whether the date is marked `~` or `%`.
    pub fn is_approximate(&self) -> bool {
        matches!(self.qualifier, Some(Qualifier::Approximate | Qualifier::UncertainApproximate))
    }

    /// Whether any digit is unspecified (`X`).
    pub fn has_unspecified(&self) -> bool {
        self.year.has_unspecified()
            || matches!(self.month, Some(MonthPart::Month(m)) if m.contains(&None))
            || matches!(self.day, Some(d) if d.contains(&None))
    }

    /// The first calendar day the date can denote. Qualifiers do not widen it.
    pub fn earliest(&self) -> Day {
        self.search(true).unwrap_or(Day { year: self.year.min(), month: 1, day: 1 })
    }

    /// The last calendar day the date can denote. Qualifiers do not widen it.
    pub fn latest(&self) -> Day {
        self.search(false).unwrap_or(Day { year: self.year.max(), month: 12, day: 31 })
    }

    fn month_matches(&self, m: u8) -> bool {
        match self.month {
            Some(MonthPart::Month(p)) => pattern_matches(&p, u64::from(m)),
            _ => true,
        }
    }

    fn day_matches(&self, d: u8) -> bool {
        match self.day {
            Some(p) => pattern_matches(&p, u64::from(d)),
            None => true,
        }
    }

    /// The first (`ascending`) or last real day matching the date.
    fn search(&self, ascending: bool) -> Option<Day> {
        if let Some(MonthPart::Season(season)) = self.month {
            return Some(match (season, ascending) {
                (_, true) => {
                    let month = season.code() * 3 - 60;
                    Day { year: self.year.min(), month, day: 1 }
                }
                (Season::Winter, false) => {
                    let year = self.year.max().saturating_add(1);
                    Day { year, month: 2, day: days_in_month(year, 2) }
                }
                (_, false) => {
                    let year = self.year.max();
                    let month = season.code() * 3 - 58;
                    Day { year, month, day: days_in_month(year, month) }
                }
            });
        }
        let (lo, hi) = (self.year.min(), self.year.max());
        let (mut year, last) = if ascending { (lo, hi) } else { (hi, lo) };
        loop {
            if self.year.matches(year) {
                if let Some(day) = self.search_in_year(year, ascending) {
                    return Some(day);
                }
            }
            if year == last {
                return None;
            }
            year += if ascending { 1 } else { -1 };
        }
    }

    fn search_in_year(&self, year: i64, ascending: bool) -> Option<Day> {
        for i in 0..12u8 {
            let month = if ascending { i + 1 } else { 12 - i };
            if !self.month_matches(month) {
                continue;
            }
            let len = days_in_month(year, month);
            for j in 0..len {
                let day = if ascending { j + 1 } else { len - j };
                if self.day_matches(day) {
                    return Some(Day { year, month, day });
                }
            }
        }
        None
    }

    /// English reading text, e.g. "23 February 1944", "about 1944",
    /// "the 1940s", "February 1944, day unknown".
    pub fn humanize(&self) -> String {
        let year = self.year.phrase();
        let mut text = match (self.month, self.day) {
            (None, _) => year.alone(),
            (Some(MonthPart::Season(s)), _) => year.after(s.name()),
            (Some(MonthPart::Month(m)), day) => match (pattern_known(&m), day) {
                (Some(m), None) => year.after(month_name(m as u8)),
                (Some(m), Some(d)) => match pattern_known(&d) {
                    Some(d) => year.after(&format!("{d} {}", month_name(m as u8))),
                    None => format!("{}, day unknown", year.after(month_name(m as u8))),
                },
                (None, None) => format!("{}, month unknown", year.alone()),
                (None, Some(d)) => match pattern_known(&d) {
                    Some(d) => format!("{}, month unknown, day {d}", year.alone()),
                    None => format!("{}, month and day unknown", year.alone()),
                },
            },
        };
        if let Some(time) = &self.time {
            let (clock, zone) = time.split_at(time.len().min(8));
            text.push_str(" at ");
            text.push_str(clock);
            match zone {
                "" => {}
                "Z" => text.push_str(" UTC"),
                offset => {
                    text.push_str(" UTC");
                    text.push_str(offset);
                }
            }
        }
        match self.qualifier {
            None => text,
            Some(Qualifier::Approximate) => format!("about {text}"),
            Some(Qualifier::Uncertain) => format!("{text} (uncertain)"),
            Some(Qualifier::UncertainApproximate) => format!("about {text} (uncertain)"),
        }
    }

    /// `(year, month, day)` when the date is fully written with no
    /// qualifier, no `X`, no time and no season: the dates whose readings
    /// can be merged in an interval.
    fn plain_parts(&self) -> Option<(i64, Option<u8>, Option<u8>)> {
        if self.qualifier.is_some() || self.time.is_some() || self.has_unspecified() {
            return None;
        }
        if self.season().is_some() {
            return None;
        }
        Some((self.year()?, self.month(), self.day()))
    }
}

impl fmt::Display for Date {
    /// The canonical EDTF form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.year)?;
        match self.month {
            Some(MonthPart::Month(m)) => {
                f.write_str("-")?;
                write_pattern(f, &m)?;
            }
            Some(MonthPart::Season(s)) => write!(f, "-{}", s.code())?,
            None => {}
        }
        if let Some(d) = self.day {
            f.write_str("-")?;
            write_pattern(f, &d)?;
        }
        if let Some(t) = &self.time {
            write!(f, "T{t}")?;
        }
        if let Some(q) = self.qualifier {
            write!(f, "{}", q.symbol())?;
        }
        Ok(())
    }
}

/// One end of an interval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntervalEnd {
    /// A date.
    Date(Date),
    /// An open end, written `..`: the interval runs on without limit.
    Open,
    /// An unknown end, written as nothing (`1944/`, `/1957`).
    Unknown,
}

impl IntervalEnd {
    /// The date at this end, if there is one.
    pub fn date(&self) -> Option<&Date> {
        match self {
            IntervalEnd::Date(d) => Some(d),
            IntervalEnd::Open | IntervalEnd::Unknown => None,
        }
    }
}

impl fmt::Display for IntervalEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntervalEnd::Date(d) => write!(f, "{d}"),
            IntervalEnd::Open => f.write_str(".."),
            IntervalEnd::Unknown => Ok(()),
        }
    }
}

/// A parsed EDTF expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edtf {
    /// A single date, e.g. `1944-02-23`, `1944~`, `194X`, `1944-21`.
    Date(Date),
    /// An interval `start/end`; at least one end is a date.
    Interval(IntervalEnd, IntervalEnd),
}

impl Edtf {
    fn dates(&self) -> impl Iterator<Item = &Date> {
        let (a, b) = match self {
            Edtf::Date(d) => (Some(d), None),
            Edtf::Interval(s, e) => (s.date(), e.date()),
        };
        a.into_iter().chain(b)
    }

    /// The first possible day: the date's, or the interval start's. `None`
    /// for an open or unknown start.
    pub fn earliest(&self) -> Option<Day> {
        match self {
            Edtf::Date(d) => Some(d.earliest()),
            Edtf::Interval(s, _) => s.date().map(Date::earliest),
        }
    }

    /// The last possible day: the date's, or the interval end's. `None` for
    /// an open or unknown end.
    pub fn latest(&self) -> Option<Day> {
        match self {
            Edtf::Date(d) => Some(d.latest()),
            Edtf::Interval(_, e) => e.date().map(Date::latest),
        }
    }

    /// Whether any part is marked `?` or `%`.
    pub fn is_uncertain(&self) -> bool {
        self.dates().any(Date::is_uncertain)
    }

    /// Whether any part is marked `~` or `%`.
    pub fn is_approximate(&self) -> bool {
        self.dates().any(Date::is_approximate)
    }

    /// Whether any digit is unspecified (`X`).
    pub fn has_unspecified(&self) -> bool {
        self.dates().any(Date::has_unspecified)
    }

    /// Whether this is an interval.
    pub fn is_interval(&self) -> bool {
        matches!(self, Edtf::Interval(..))
    }

    /// A key for chronological ordering: `(earliest, latest)`, with
    /// [`Day::MIN`] for an open or unknown start and [`Day::MAX`] for an open
    /// or unknown end.
    pub fn sort_key(&self) -> (Day, Day) {
        (self.earliest().unwrap_or(Day::MIN), self.latest().unwrap_or(Day::MAX))
    }

    /// English reading text, e.g. "23 February – 2 March 1944",
    /// "23–29 February 1944", "1944 – 1957", "from 1944", "until 1957",
    /// "1944 – unknown", "about 1944", "the 1940s", "44 BCE".
    pub fn humanize(&self) -> String {
        match self {
            Edtf::Date(d) => d.humanize(),
            Edtf::Interval(start, end) => match (start, end) {
                (IntervalEnd::Date(a), IntervalEnd::Date(b)) => humanize_range(a, b),
                (IntervalEnd::Open, IntervalEnd::Date(b)) => format!("until {}", b.humanize()),
                (IntervalEnd::Unknown, IntervalEnd::Date(b)) => {
                    format!("unknown – {}", b.humanize())
                }
                (IntervalEnd::Date(a), IntervalEnd::Open) => format!("from {}", a.humanize()),
                (IntervalEnd::Date(a), IntervalEnd::Unknown) => {
                    format!("{} – unknown", a.humanize())
                }
                _ => "unknown".to_string(),
            },
        }
    }
}

fn humanize_range(a: &Date, b: &Date) -> String {
    if a == b {
        return a.humanize();
    }
    if let (Some(pa), Some(pb)) = (a.plain_parts(), b.plain_parts()) {
        match (pa, pb) {
            ((ya, Some(ma), Some(da)), (yb, Some(mb), Some(db))) if ya == yb => {
                let year = fmt_year(ya);
                return if ma == mb {
                    format!("{da}–{db} {} {year}", month_name(ma))
                } else {
                    format!("{da} {} – {db} {} {year}", month_name(ma), month_name(mb))
                };
            }
            ((ya, Some(ma), None), (yb, Some(mb), None)) if ya == yb => {
                return format!("{} – {} {}", month_name(ma), month_name(mb), fmt_year(ya));
            }
            _ => {}
        }
    }
    format!("{} – {}", a.humanize(), b.humanize())
}

impl fmt::Display for Edtf {
    /// The canonical EDTF string; parsing it gives back an equal value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Edtf::Date(d) => write!(f, "{d}"),
            Edtf::Interval(s, e) => write!(f, "{s}/{e}"),
        }
    }
}

impl FromStr for Edtf {
    type Err = EdtfError;

    fn from_str(s: &str) -> Result<Edtf, EdtfError> {
        parse(s)
    }
}

/// Why an EDTF string was rejected, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdtfError {
    /// Byte offset in the input where the problem is.
    pub offset: usize,
    /// Plain-English explanation for editors.
    pub message: String,
}

impl EdtfError {
    fn new(offset: usize, message: impl Into<String>) -> EdtfError {
        EdtfError { offset, message: message.into() }
    }

    fn level2(offset: usize, feature: &str) -> EdtfError {
        EdtfError::new(offset, format!("EDTF level 2 is not supported ({feature})"))
    }
}

impl fmt::Display for EdtfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.offset)
    }
}

impl std::error::Error for EdtfError {}

/// Parse an EDTF level 0 or level 1 expression.
///
/// The whole input must be EDTF: surrounding whitespace is an error, as are
/// dates that do not exist (`1943-02-29`) and intervals that start after
/// they end. Level 2 features get an error saying level 2 is not supported.
pub fn parse(input: &str) -> Result<Edtf, EdtfError> {
    // The strict parser knows where the problem is; the habit check knows
    // what was meant: keep the one's position and the other's message.
    parse_strict(input).map_err(|e| match common_mistake(input) {
        Some(better) => EdtfError::new(e.offset, better.message),
        None => e,
    })
}

/// Editors often write dates the way prose does. When a date fails to parse
/// and matches one of these habits, say what to write instead.
fn common_mistake(input: &str) -> Option<EdtfError> {
    let t = input.trim();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let year_of = |s: &str| (s.len() == 4 && digits(s)).then(|| s.to_string());
    if let [d, m, y] = t.split(['/', '.']).collect::<Vec<_>>()[..] {
        if d.len() <= 2 && m.len() <= 2 && digits(d) && digits(m) && year_of(y).is_some() {
            return Some(EdtfError::new(
                0,
                format!("dates are written year first, YYYY-MM-DD: {y}-{m:0>2}-{d:0>2} if {d} is the day"),
            ));
        }
    }
    if let Some(decade) = t.strip_suffix("s").and_then(|x| x.strip_suffix('0')) {
        if decade.len() == 3 && digits(decade) {
            return Some(EdtfError::new(0, format!("write a decade with an X: {decade}X for the {t}")));
        }
    }
    for prefix in ["c. ", "c.", "ca. ", "ca ", "circa ", "about ", "around "] {
        if let Some(rest) = t.strip_prefix(prefix) {
            if parse_strict(rest.trim()).is_ok() {
                return Some(EdtfError::new(0, format!("write an approximate date with ~: {}~", rest.trim())));
            }
        }
    }
    for sep in [" - ", " – ", " / ", " to "] {
        if let Some((a, b)) = t.split_once(sep) {
            if parse_strict(a.trim()).is_ok() && parse_strict(b.trim()).is_ok() {
                return Some(EdtfError::new(
                    0,
                    format!("write an interval with a slash and no spaces: {}/{}", a.trim(), b.trim()),
                ));
            }
        }
    }
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let words: Vec<String> = t.split_whitespace().map(|w| w.trim_matches(',').to_lowercase()).collect();
    let month = |w: &str| MONTHS.iter().position(|m| w.len() >= 3 && m.starts_with(w)).map(|i| i + 1);
    match &words[..] {
        [m, y] if month(m).is_some() && year_of(y).is_some() => {
            Some(EdtfError::new(0, format!("write a month as {y}-{:02}", month(m)?)))
        }
        [d, m, y] | [m, d, y] if digits(d) && d.len() <= 2 && month(m).is_some() && year_of(y).is_some() => {
            Some(EdtfError::new(0, format!("write a day as {y}-{:02}-{d:0>2}", month(m)?)))
        }
        _ => None,
    }
}

fn parse_strict(input: &str) -> Result<Edtf, EdtfError> {
    if input.is_empty() {
        return Err(EdtfError::new(0, "empty date"));
    }
    let Some(slash) = input.find('/') else {
        if input == ".." {
            return Err(EdtfError::new(0, "'..' (an open end) can only be used in an interval, as in 1944/.."));
        }
        return parse_date(input, 0).map(Edtf::Date);
    };
    let second = slash + 1;
    if let Some(extra) = input[second..].find('/') {
        return Err(EdtfError::new(second + extra, "an interval has only one '/'"));
    }
    let start = parse_end(&input[..slash], 0)?;
    let end = parse_end(&input[second..], second)?;
    match (&start, &end) {
        (IntervalEnd::Date(a), IntervalEnd::Date(b)) => {
            if a.earliest() > b.latest() {
                return Err(EdtfError::new(second, "interval starts after it ends"));
            }
        }
        (IntervalEnd::Date(_), _) | (_, IntervalEnd::Date(_)) => {}
        _ => return Err(EdtfError::new(0, "an interval needs a date at one end at least")),
    }
    Ok(Edtf::Interval(start, end))
}

fn parse_end(text: &str, base: usize) -> Result<IntervalEnd, EdtfError> {
    match text {
        "" => Ok(IntervalEnd::Unknown),
        ".." => Ok(IntervalEnd::Open),
        _ => parse_date(text, base).map(IntervalEnd::Date),
    }
}

struct Cursor<'a> {
    text: &'a str,
    pos: usize,
    base: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let found = self.peek() == Some(b);
        if found {
            self.pos += 1;
        }
        found
    }

    /// An error at local position `pos`.
    fn err(&self, pos: usize, message: impl Into<String>) -> EdtfError {
        EdtfError::new(self.base + pos, message)
    }

    fn err_here(&self, message: impl Into<String>) -> EdtfError {
        self.err(self.pos, message)
    }

    /// Describes what is at the cursor: "the end", "whitespace", "character 'a'".
    fn found(&self) -> String {
        match self.text.get(self.pos..).and_then(|s| s.chars().next()) {
            None => "the end".to_string(),
            Some(c) if c.is_whitespace() => "whitespace".to_string(),
            Some(c) if c.is_control() => format!("control character U+{:04X}", u32::from(c)),
            Some(c) => format!("character '{c}'"),
        }
    }

    fn expected(&self, what: &str) -> EdtfError {
        self.err_here(format!("expected {what} but found {}", self.found()))
    }

    fn unexpected(&self) -> EdtfError {
        let c = self.text.get(self.pos..).and_then(|s| s.chars().next());
        let hint = match c {
            Some('–' | '—') => " (write an interval with '/', as in 1944/1957)",
            Some(',' | '[' | ']' | '{' | '}') => " (sets of dates are EDTF level 2, which is not supported)",
            _ => "",
        };
        self.err_here(format!("unexpected {}{hint}", self.found()))
    }

    /// One digit or `X`; `None` (nothing consumed) for anything else.
    fn digit(&mut self) -> Result<Option<Digit>, EdtfError> {
        match self.peek() {
            Some(b @ b'0'..=b'9') => {
                self.pos += 1;
                Ok(Some(Some(b - b'0')))
            }
            Some(b'X') => {
                self.pos += 1;
                Ok(Some(None))
            }
            Some(b'x') => Err(self.err_here("write unspecified digits as an uppercase X")),
            Some(b'u') => Err(self.err_here("write unspecified digits as X ('u' comes from an old draft of EDTF)")),
            _ => Ok(None),
        }
    }
}

fn parse_date(text: &str, base: usize) -> Result<Date, EdtfError> {
    let mut c = Cursor { text, pos: 0, base };
    match c.peek() {
        None => return Err(c.err(0, "empty date")),
        Some(b'?' | b'~' | b'%') => {
            return Err(EdtfError::level2(base, "a qualifier before a date qualifies only part of it"))
        }
        Some(b'[' | b'{') => return Err(EdtfError::level2(base, "sets of dates written with [...] or {...}")),
        _ => {}
    }
    if text.starts_with("unknown") || text.starts_with("open") {
        return Err(
            c.err(0, "write an unknown interval end as nothing and an open one as '..', as in 1944/ or 1944/..")
        );
    }
    let year = parse_year(&mut c)?;
    let mut month = None;
    let mut day = None;
    let mut day_pos = 0;
    if c.peek() == Some(b'-') {
        if matches!(year, Year::Long(_)) {
            return Err(c.err_here("a year written with Y cannot have a month or day"));
        }
        c.pos += 1;
        let month_pos = c.pos;
        let digits = read_two(&mut c, "month")?;
        month = Some(classify_month(&c, digits, month_pos)?);
        if c.peek() == Some(b'-') {
            if let Some(MonthPart::Season(_)) = month {
                return Err(c.err_here("a season cannot have a day"));
            }
            c.pos += 1;
            day_pos = c.pos;
            let digits = read_two(&mut c, "day")?;
            check_day_pattern(&c, digits, day_pos)?;
            day = Some(digits);
        }
    }
    let mut date = Date { year, month, day, qualifier: None, time: None };
    match c.peek() {
        Some(b'T') => {
            if date.precision() != Precision::Day || date.has_unspecified() {
                return Err(
                    c.err_here("a time needs a full date without X (year, month and day), as in 1944-02-23T05:00:00")
                );
            }
            c.pos += 1;
            let start = c.pos;
            parse_time(&mut c)?;
            date.time = Some(text[start..c.pos].to_string());
        }
        Some(b't') => return Err(c.err_here("write the time separator as an uppercase T")),
        _ => {}
    }
    if let Some(q) = c.peek().and_then(Qualifier::from_byte) {
        if date.time.is_some() {
            return Err(c.err_here("a date with a time cannot be qualified with ?, ~ or %"));
        }
        let q_pos = c.pos;
        c.pos += 1;
        if let Some(q2) = c.peek().and_then(Qualifier::from_byte) {
            return Err(c.err_here(if q2 == q {
                "a date takes only one qualifier"
            } else {
                "use % alone for a date that is both uncertain (?) and approximate (~)"
            }));
        }
        if c.peek() == Some(b'-') {
            return Err(EdtfError::level2(base + q_pos, "a qualifier inside a date qualifies only part of it"));
        }
        date.qualifier = Some(q);
    }
    if c.pos < text.len() {
        return Err(c.unexpected());
    }
    if date.search(true).is_none() {
        return Err(c.err(day_pos, no_such_day(&date)));
    }
    Ok(date)
}

fn no_such_day(date: &Date) -> String {
    match (date.year(), date.month(), date.day()) {
        (Some(y), Some(m), Some(d)) => {
            let year = date.year.to_string();
            let mut message = format!("day {d} does not exist in {} {year}", month_name(m));
            if m == 2 && d == 29 && !is_leap_year(y) {
                message.push_str(&format!(" ({year} is not a leap year)"));
            }
            message
        }
        _ => {
            let mut plain = date.clone();
            plain.qualifier = None;
            format!("no real date matches {plain}")
        }
    }
}

fn parse_year(c: &mut Cursor<'_>) -> Result<Year, EdtfError> {
    let start = c.pos;
    match c.peek() {
        Some(b'Y') => return parse_long_year(c),
        Some(b'y') if c.text.as_bytes().get(c.pos + 1).is_some_and(|b| b.is_ascii_digit() || *b == b'-') => {
            return Err(c.err_here("write the long-year prefix as an uppercase Y"))
        }
        _ => {}
    }
    let negative = c.eat(b'-');
    let mut digits = [None; 4];
    for (k, slot) in digits.iter_mut().enumerate() {
        match c.digit()? {
            Some(d) => *slot = d,
            None if k == 0 => return Err(c.expected("a four-digit year")),
            None if matches!(c.peek(), None | Some(b'-' | b'T' | b'?' | b'~' | b'%')) => {
                return Err(c.err(start, "a year needs four digits (write 0944 for the year 944)"))
            }
            None => return Err(c.expected("a digit or X in the year")),
        }
    }
    match c.peek() {
        Some(b'0'..=b'9' | b'X') => {
            return Err(c.err(
                start,
                "a year with more than four digits must start with Y, as in Y12345 (write full dates with hyphens, as in 1944-02-23)",
            ))
        }
        Some(b'S') => {
            return Err(EdtfError::level2(
                c.base + c.pos,
                "significant digits written with S",
            ))
        }
        _ => {}
    }
    if negative && digits.iter().all(|d| *d == Some(0)) {
        return Err(c.err(start, "year zero cannot be negative; write 0000"));
    }
    Ok(Year::Short { negative, digits })
}

fn parse_long_year(c: &mut Cursor<'_>) -> Result<Year, EdtfError> {
    let start = c.pos;
    c.pos += 1; // the Y
    let negative = c.eat(b'-');
    let digits_start = c.pos;
    while matches!(c.peek(), Some(b'0'..=b'9')) {
        c.pos += 1;
    }
    let digits = &c.text[digits_start..c.pos];
    match c.peek() {
        Some(b'E') => return Err(EdtfError::level2(c.base + c.pos, "exponential years written with E")),
        Some(b'S') => return Err(EdtfError::level2(c.base + c.pos, "significant digits written with S")),
        Some(b'X' | b'x') => return Err(c.err_here("a year written with Y cannot have unspecified digits")),
        _ => {}
    }
    if digits.is_empty() {
        return Err(c.expected("the digits of a year after Y"));
    }
    if digits.starts_with('0') {
        return Err(c.err(digits_start, "a year written with Y cannot start with 0"));
    }
    if digits.len() <= 4 {
        return Err(c.err(
            start,
            "Y is only for years with more than four digits; write shorter years with four digits, as in 1944",
        ));
    }
    let value: i64 = match digits.parse() {
        Ok(v) if digits.len() <= 18 => v,
        _ => return Err(c.err(digits_start, "year is too large (at most 18 digits)")),
    };
    Ok(Year::Long(if negative { -value } else { value }))
}

/// Two digits (or X) of a month or day, just after its '-'.
fn read_two(c: &mut Cursor<'_>, kind: &str) -> Result<[Digit; 2], EdtfError> {
    let start = c.pos;
    if c.peek().and_then(Qualifier::from_byte).is_some() {
        return Err(EdtfError::level2(c.base + start, "a qualifier inside a date qualifies only part of it"));
    }
    let Some(first) = c.digit()? else {
        return Err(c.expected(&format!("a {kind} after '-'")));
    };
    let Some(second) = c.digit()? else {
        let written = pattern_text(&[first]);
        return Err(c.err(start, format!("{kind}s need two digits (write 0{written}, not {written})")));
    };
    if matches!(c.peek(), Some(b'0'..=b'9' | b'X')) {
        return Err(c.err(start, format!("a {kind} has only two digits")));
    }
    Ok([first, second])
}

fn classify_month(c: &Cursor<'_>, digits: [Digit; 2], pos: usize) -> Result<MonthPart, EdtfError> {
    if let Some(v) = pattern_known(&digits) {
        let v = v as u8;
        return match v {
            1..=12 => Ok(MonthPart::Month(digits)),
            21..=24 => Ok(MonthPart::Season(Season::from_code(v).unwrap_or(Season::Spring))),
            25..=41 => Err(EdtfError::level2(c.base + pos, "seasons, quarters and semesters 25 to 41")),
            _ => {
                Err(c.err(pos, format!("month {v:02} does not exist (months run from 01 to 12; seasons are 21 to 24)")))
            }
        };
    }
    if (1..=12).any(|m| pattern_matches(&digits, m)) {
        Ok(MonthPart::Month(digits))
    } else {
        Err(c.err(
            pos,
            format!("no month matches {} (months run from 01 to 12; seasons cannot have X)", pattern_text(&digits)),
        ))
    }
}

fn check_day_pattern(c: &Cursor<'_>, digits: [Digit; 2], pos: usize) -> Result<(), EdtfError> {
    if let Some(v) = pattern_known(&digits) {
        if !(1..=31).contains(&v) {
            return Err(c.err(pos, format!("day {v:02} does not exist (days run from 01 to 31)")));
        }
    } else if !(1..=31).any(|d| pattern_matches(&digits, d)) {
        return Err(c.err(pos, format!("no day matches {} (days run from 01 to 31)", pattern_text(&digits))));
    }
    Ok(())
}

/// `hh:mm:ss` then optionally `Z` or `±hh` or `±hh:mm`.
fn parse_time(c: &mut Cursor<'_>) -> Result<(), EdtfError> {
    fn field(c: &mut Cursor<'_>, what: &str, max: u8) -> Result<(), EdtfError> {
        let start = c.pos;
        let bytes = c.text.as_bytes();
        match (bytes.get(start), bytes.get(start + 1)) {
            (Some(a @ b'0'..=b'9'), Some(b @ b'0'..=b'9')) => {
                let v = (a - b'0') * 10 + (b - b'0');
                if v > max {
                    return Err(c.err(start, format!("{what} {v:02} does not exist (at most {max:02})")));
                }
                c.pos += 2;
                Ok(())
            }
            _ => Err(c.expected(&format!("{what} as two digits (times are written hh:mm:ss)"))),
        }
    }
    fn colon(c: &mut Cursor<'_>) -> Result<(), EdtfError> {
        if c.eat(b':') {
            Ok(())
        } else {
            Err(c.expected("':' (times are written hh:mm:ss)"))
        }
    }
    field(c, "hour", 23)?;
    colon(c)?;
    field(c, "minute", 59)?;
    colon(c)?;
    field(c, "second", 59)?;
    match c.peek() {
        Some(b'Z') => c.pos += 1,
        Some(b'+' | b'-') => {
            c.pos += 1;
            field(c, "offset hour", 23)?;
            if c.eat(b':') {
                field(c, "offset minute", 59)?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn unix_day_numbers_walk_the_calendar_one_day_at_a_time() {
        use super::{days_in_month, Day};
        assert_eq!(Day::from_unix_days(0), Day { year: 1970, month: 1, day: 1 });
        assert_eq!(Day::from_unix_days(-1), Day { year: 1969, month: 12, day: 31 });
        // Every day from 1899 to 2101, leap days and century years included.
        let mut expected = Day { year: 1899, month: 12, day: 31 };
        for z in -25_567..47_847 {
            let next = if expected.day < days_in_month(expected.year, expected.month) {
                Day { day: expected.day + 1, ..expected }
            } else if expected.month < 12 {
                Day { month: expected.month + 1, day: 1, ..expected }
            } else {
                Day { year: expected.year + 1, month: 1, day: 1 }
            };
            expected = next;
            assert_eq!(Day::from_unix_days(z), expected, "day {z}");
        }
        assert_eq!(expected, Day { year: 2100, month: 12, day: 31 });
    }

    #[test]
    fn prose_dates_get_the_edtf_to_write_instead() {
        for (input, fragment) in [
            ("23/02/1944", "1944-02-23"),
            ("1940s", "194X"),
            ("c. 1944", "1944~"),
            ("1944 - 1957", "1944/1957"),
            ("1944-02-23 / 1944-03-01", "1944-02-23/1944-03-01"),
            ("February 1944", "1944-02"),
            ("23 February 1944", "1944-02-23"),
        ] {
            let e = parse(input).unwrap_err();
            assert!(e.message.contains(fragment), "{input}: {}", e.message);
        }
        assert!(!parse("yesterday").unwrap_err().message.contains("Y"));
    }

    use super::*;
    use proptest::prelude::*;

    fn day(s: &str) -> String {
        s.to_string()
    }

    #[test]
    fn valid_inputs_bounds_and_reading() {
        // input, earliest, latest ("" = none), humanize
        let cases: &[(&str, &str, &str, &str)] = &[
            ("1944-02-23", "1944-02-23", "1944-02-23", "23 February 1944"),
            ("1944-02", "1944-02-01", "1944-02-29", "February 1944"),
            ("1943-02", "1943-02-01", "1943-02-28", "February 1943"),
            ("1900-02", "1900-02-01", "1900-02-28", "February 1900"),
            ("2000-02", "2000-02-01", "2000-02-29", "February 2000"),
            ("1944", "1944-01-01", "1944-12-31", "1944"),
            ("1944~", "1944-01-01", "1944-12-31", "about 1944"),
            ("1944?", "1944-01-01", "1944-12-31", "1944 (uncertain)"),
            ("1944%", "1944-01-01", "1944-12-31", "about 1944 (uncertain)"),
            ("1944-02-23~", "1944-02-23", "1944-02-23", "about 23 February 1944"),
            ("194X", "1940-01-01", "1949-12-31", "the 1940s"),
            ("19XX", "1900-01-01", "1999-12-31", "the 1900s"),
            ("1XXX", "1000-01-01", "1999-12-31", "the 1000s"),
            ("XXXX", "0000-01-01", "9999-12-31", "unknown year"),
            ("1X44", "1044-01-01", "1944-12-31", "a year matching 1X44"),
            ("1944-XX", "1944-01-01", "1944-12-31", "1944, month unknown"),
            ("1944-1X", "1944-10-01", "1944-12-31", "1944, month unknown"),
            ("1944-0X", "1944-01-01", "1944-09-30", "1944, month unknown"),
            ("1944-02-XX", "1944-02-01", "1944-02-29", "February 1944, day unknown"),
            ("1944-01-3X", "1944-01-30", "1944-01-31", "January 1944, day unknown"),
            ("194X-02-29", "1940-02-29", "1948-02-29", "29 February in the 1940s"),
            ("1944-XX-XX", "1944-01-01", "1944-12-31", "1944, month and day unknown"),
            ("1944-XX-31", "1944-01-31", "1944-12-31", "1944, month unknown, day 31"),
            ("XXXX-12-XX", "0000-12-01", "9999-12-31", "December, year unknown, day unknown"),
            ("1944-21", "1944-03-01", "1944-05-31", "spring 1944"),
            ("1944-22", "1944-06-01", "1944-08-31", "summer 1944"),
            ("1944-23", "1944-09-01", "1944-11-30", "autumn 1944"),
            ("1944-24", "1944-12-01", "1945-02-28", "winter 1944"),
            ("1943-24", "1943-12-01", "1944-02-29", "winter 1943"),
            ("1944-21?", "1944-03-01", "1944-05-31", "spring 1944 (uncertain)"),
            ("194X-24", "1940-12-01", "1950-02-28", "winter in the 1940s"),
            ("-0044", "-0044-01-01", "-0044-12-31", "44 BCE"),
            ("-0044-03-15", "-0044-03-15", "-0044-03-15", "15 March 44 BCE"),
            ("-0004-02", "-0004-02-01", "-0004-02-29", "February 4 BCE"),
            ("-19XX", "-1999-01-01", "-1900-12-31", "the 1900s BCE"),
            ("0000", "0000-01-01", "0000-12-31", "0"),
            ("Y170000002", "170000002-01-01", "170000002-12-31", "170000002"),
            ("Y-170000002", "-170000002-01-01", "-170000002-12-31", "170000002 BCE"),
            ("Y12345~", "12345-01-01", "12345-12-31", "about 12345"),
            ("1944-02-23T05:00:00", "1944-02-23", "1944-02-23", "23 February 1944 at 05:00:00"),
            ("1944-02-23T05:00:00Z", "1944-02-23", "1944-02-23", "23 February 1944 at 05:00:00 UTC"),
            ("1944-02-23T23:59:59+05:30", "1944-02-23", "1944-02-23", "23 February 1944 at 23:59:59 UTC+05:30"),
            ("1944-02-23T05:00:00-03", "1944-02-23", "1944-02-23", "23 February 1944 at 05:00:00 UTC-03"),
            ("1944-02-23/1944-03-02", "1944-02-23", "1944-03-02", "23 February – 2 March 1944"),
            ("1944-02-23/1944-02-29", "1944-02-23", "1944-02-29", "23–29 February 1944"),
            ("1944-12-30/1945-01-02", "1944-12-30", "1945-01-02", "30 December 1944 – 2 January 1945"),
            ("1944-02/1944-05", "1944-02-01", "1944-05-31", "February – May 1944"),
            ("1944/1957", "1944-01-01", "1957-12-31", "1944 – 1957"),
            ("1944/1944", "1944-01-01", "1944-12-31", "1944"),
            ("1944~/1957?", "1944-01-01", "1957-12-31", "about 1944 – 1957 (uncertain)"),
            ("194X/1957", "1940-01-01", "1957-12-31", "the 1940s – 1957"),
            ("1944/..", "1944-01-01", "", "from 1944"),
            ("../1957", "", "1957-12-31", "until 1957"),
            ("1944/", "1944-01-01", "", "1944 – unknown"),
            ("/1957", "", "1957-12-31", "unknown – 1957"),
            ("-0044-03-15/-0044-03-17", "-0044-03-15", "-0044-03-17", "15–17 March 44 BCE"),
        ];
        for &(input, earliest, latest, reading) in cases {
            let parsed = parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(parsed.to_string(), input, "canonical form of {input}");
            assert_eq!(
                parsed.earliest().map(|d| d.to_string()).unwrap_or_default(),
                day(earliest),
                "earliest of {input}"
            );
            assert_eq!(parsed.latest().map(|d| d.to_string()).unwrap_or_default(), day(latest), "latest of {input}");
            assert_eq!(parsed.humanize(), reading, "reading of {input}");
            assert_eq!(input.parse::<Edtf>().as_ref(), Ok(&parsed));
        }
    }

    #[test]
    fn invalid_inputs_offsets_and_messages() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 0, "empty date"),
            ("1944-13", 5, "month 13 does not exist"),
            ("1944-00", 5, "month 00 does not exist"),
            ("1944-19", 5, "month 19 does not exist"),
            ("1944-02-30", 8, "day 30 does not exist in February 1944"),
            ("1944-04-31", 8, "day 31 does not exist in April 1944"),
            ("1943-02-29", 8, "1943 is not a leap year"),
            ("1900-02-29", 8, "1900 is not a leap year"),
            ("1944-02-00", 8, "day 00 does not exist"),
            ("1944-02-32", 8, "day 32 does not exist"),
            ("1944-02-3X", 8, "no real date matches 1944-02-3X"),
            ("XXX1-02-29", 8, "no real date matches"),
            ("1944-02-4X", 8, "no day matches 4X"),
            ("194", 0, "a year needs four digits"),
            ("-194", 0, "a year needs four digits"),
            ("19445", 0, "must start with Y"),
            ("1944-2-23", 5, "months need two digits (write 02, not 2)"),
            ("1944-02-5", 8, "days need two digits (write 05, not 5)"),
            ("1944-023", 5, "a month has only two digits"),
            ("1944-02-231", 8, "a day has only two digits"),
            ("1944-", 5, "expected a month after '-'"),
            ("1944-02-", 8, "expected a day after '-'"),
            ("19a4", 2, "expected a digit or X in the year but found character 'a'"),
            ("abcd", 0, "expected a four-digit year but found character 'a'"),
            ("194x", 3, "uppercase X"),
            ("199u", 3, "write unspecified digits as X"),
            (" 1944", 0, "whitespace"),
            ("1944 ", 4, "unexpected whitespace"),
            ("1944 /1957", 4, "unexpected whitespace"),
            ("1944/ 1957", 5, "whitespace"),
            ("1944-02-23abc", 10, "unexpected character 'a'"),
            ("1944–1957", 4, "write an interval with '/'"),
            ("1944é", 4, "unexpected character 'é'"),
            ("?1944-02", 0, "EDTF level 2 is not supported"),
            ("1944-?02", 5, "EDTF level 2 is not supported"),
            ("1944?-02", 4, "EDTF level 2 is not supported"),
            ("1944-02~-23", 7, "EDTF level 2 is not supported"),
            ("[1944,1945]", 0, "EDTF level 2 is not supported"),
            ("{1944..1946}", 0, "EDTF level 2 is not supported"),
            ("Y17E7", 3, "EDTF level 2 is not supported"),
            ("1950S2", 4, "EDTF level 2 is not supported"),
            ("Y171010000S3", 10, "EDTF level 2 is not supported"),
            ("1944-25", 5, "EDTF level 2 is not supported"),
            ("1944/1943", 5, "interval starts after it ends"),
            ("1944-03-02/1944-02-23", 11, "interval starts after it ends"),
            ("/", 0, "needs a date at one end"),
            ("../..", 0, "needs a date at one end"),
            ("/..", 0, "needs a date at one end"),
            ("..", 0, "only be used in an interval"),
            ("1944/1945/1946", 9, "only one '/'"),
            ("1944/unknown", 5, "unknown interval end"),
            ("1944/open", 5, "open one as '..'"),
            ("1944/...", 5, "expected a four-digit year"),
            ("1944-2X", 5, "no month matches 2X"),
            ("1944-3X", 5, "no month matches 3X"),
            ("Y1944", 0, "more than four digits"),
            ("Y01944", 1, "cannot start with 0"),
            ("Y", 1, "expected the digits of a year after Y"),
            ("Y1234567890123456789", 1, "too large"),
            ("Y12345X", 6, "cannot have unspecified digits"),
            ("Y170000002-01", 10, "cannot have a month or day"),
            ("-0000", 0, "year zero cannot be negative"),
            ("1944-21-05", 7, "a season cannot have a day"),
            ("1944-02T05:00:00", 7, "a time needs a full date"),
            ("194X-02-23T05:00:00", 10, "a time needs a full date"),
            ("1944-02-23t05:00:00", 10, "uppercase T"),
            ("1944-02-23T25:00:00", 11, "hour 25 does not exist"),
            ("1944-02-23T05:60:00", 14, "minute 60 does not exist"),
            ("1944-02-23T05:00", 16, "expected ':'"),
            ("1944-02-23T5:00:00", 11, "hour as two digits"),
            ("1944-02-23T05:00:00+", 20, "offset hour"),
            ("1944-02-23T05:00:00.5", 19, "unexpected character '.'"),
            ("1944-02-23T05:00:00~", 19, "cannot be qualified"),
            ("1944~?", 5, "use % alone"),
            ("1944??", 5, "only one qualifier"),
            ("y12345", 0, "uppercase Y"),
        ];
        for &(input, offset, fragment) in cases {
            match parse(input) {
                Ok(v) => panic!("{input:?} parsed as {v:?}"),
                Err(e) => {
                    assert!(e.message.contains(fragment), "{input:?}: message {:?} lacks {fragment:?}", e.message);
                    assert_eq!(e.offset, offset, "{input:?}: offset of {:?}", e.message);
                    assert!(e.to_string().contains(&e.message));
                }
            }
        }
    }

    #[test]
    fn flags_and_sort_key() {
        let e = parse("1944~/1957?").unwrap();
        assert!(e.is_interval() && e.is_approximate() && e.is_uncertain());
        assert!(!e.has_unspecified());
        let e = parse("194X%").unwrap();
        assert!(!e.is_interval() && e.is_approximate() && e.is_uncertain());
        assert!(e.has_unspecified());
        let e = parse("1944-02-23").unwrap();
        assert!(!e.is_approximate() && !e.is_uncertain() && !e.has_unspecified());
        assert_eq!(parse("../1957").unwrap().sort_key().0, Day::MIN);
        assert_eq!(parse("1944/").unwrap().sort_key().1, Day::MAX);
        let mut items: Vec<Edtf> =
            ["1945", "1944-02-23/1944-03-02", "../1900", "1944"].iter().map(|s| parse(s).unwrap()).collect();
        items.sort_by_key(Edtf::sort_key);
        let order: Vec<String> = items.iter().map(ToString::to_string).collect();
        assert_eq!(order, ["../1900", "1944", "1944-02-23/1944-03-02", "1945"]);
    }

    #[test]
    fn date_accessors() {
        let Edtf::Date(d) = parse("1944-02-23~").unwrap() else { panic!("not a date") };
        assert_eq!(d.year(), Some(1944));
        assert_eq!(d.month(), Some(2));
        assert_eq!(d.day(), Some(23));
        assert_eq!(d.season(), None);
        assert_eq!(d.qualifier(), Some(Qualifier::Approximate));
        assert_eq!(d.precision(), Precision::Day);
        let Edtf::Date(d) = parse("194X-23").unwrap() else { panic!("not a date") };
        assert_eq!(d.year(), None);
        assert_eq!(d.year_range(), (1940, 1949));
        assert_eq!(d.season(), Some(Season::Autumn));
        assert_eq!(d.month(), None);
        assert_eq!(d.precision(), Precision::Season);
        let Edtf::Date(d) = parse("1944-02-23T05:00:00Z").unwrap() else { panic!("not a date") };
        assert_eq!(d.time(), Some("05:00:00Z"));
        assert_eq!(Day::new(1943, 2, 29), None);
        assert!(Day::new(1944, 2, 29).is_some());
        assert!(is_leap_year(0) && is_leap_year(-4) && !is_leap_year(-1));
    }

    const ALPHABET: &[char] = &[
        '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '-', 'X', '~', '?', '%', '/', '.', 'T', 'Z', ':', '+', 'Y',
        ' ',
    ];

    const TOKENS: &[&str] = &[
        "1944",
        "194X",
        "XXXX",
        "1X0X",
        "-0044",
        "Y12345",
        "-",
        "02",
        "29",
        "31",
        "1X",
        "X1",
        "XX",
        "21",
        "24",
        "~",
        "?",
        "%",
        "/",
        "..",
        "T05:00:00",
        "Z",
        "+01:00",
    ];

    fn check_bounds(parsed: &Edtf) {
        if let (Some(a), Some(b)) = (parsed.earliest(), parsed.latest()) {
            assert!(a <= b, "{parsed}: {a} > {b}");
        }
        if let Edtf::Interval(s, e) = parsed {
            for d in [s.date(), e.date()].into_iter().flatten() {
                assert!(d.earliest() <= d.latest(), "{d}");
            }
        }
    }

    fn masked<const N: usize>(value: u64, mask: u8) -> [Digit; N] {
        let mut out = [None; N];
        for (i, slot) in out.iter_mut().enumerate() {
            let digit = (value / 10u64.pow((N - 1 - i) as u32) % 10) as u8;
            *slot = (mask & (1 << i) == 0).then_some(digit);
        }
        out
    }

    fn arb_short_date() -> impl Strategy<Value = Date> {
        (
            -9999i64..=9999,
            1u8..=12,
            1u8..=31,
            0u8..4,
            0u8..4,
            prop::option::weighted(0.3, any::<u8>()),
            0u8..4,
            prop::option::weighted(0.2, (0u8..24, 0u8..60, 0u8..60, 0usize..5)),
        )
            .prop_map(|(year, month, day, precision, season, mask, qualifier, time)| {
                let day = day.min(days_in_month(year, month));
                let mask = mask.unwrap_or(0);
                let month_part = match precision {
                    0 => None,
                    1 => Some(MonthPart::Season(Season::from_code(21 + season).unwrap())),
                    _ => Some(MonthPart::Month(masked(u64::from(month), mask >> 4))),
                };
                let day_part = (precision == 3).then(|| masked(u64::from(day), mask >> 6));
                let qualifier = match qualifier {
                    1 => Some(Qualifier::Uncertain),
                    2 => Some(Qualifier::Approximate),
                    3 => Some(Qualifier::UncertainApproximate),
                    _ => None,
                };
                let mut date = Date {
                    year: Year::Short { negative: year < 0, digits: masked(year.unsigned_abs(), mask) },
                    month: month_part,
                    day: day_part,
                    qualifier,
                    time: None,
                };
                if let Some((h, m, s, zone)) = time {
                    if precision == 3 && mask == 0 && qualifier.is_none() {
                        let zone = ["", "Z", "+05:00", "-03:30", "+01"][zone];
                        date.time = Some(format!("{h:02}:{m:02}:{s:02}{zone}"));
                    }
                }
                date
            })
    }

    fn arb_date() -> impl Strategy<Value = Date> {
        let long =
            (10_000i64..=999_999_999_999_999, any::<bool>(), 0u8..4).prop_map(|(year, negative, qualifier)| Date {
                year: Year::Long(if negative { -year } else { year }),
                month: None,
                day: None,
                qualifier: [
                    None,
                    Some(Qualifier::Uncertain),
                    Some(Qualifier::Approximate),
                    Some(Qualifier::UncertainApproximate),
                ][usize::from(qualifier)],
                time: None,
            });
        prop_oneof![4 => arb_short_date(), 1 => long]
    }

    fn arb_end() -> impl Strategy<Value = IntervalEnd> {
        prop_oneof![
            4 => arb_date().prop_map(IntervalEnd::Date),
            1 => Just(IntervalEnd::Open),
            1 => Just(IntervalEnd::Unknown),
        ]
    }

    fn arb_edtf() -> impl Strategy<Value = Edtf> {
        let interval = (arb_end(), arb_end())
            .prop_filter("an interval needs a date", |(a, b)| a.date().is_some() || b.date().is_some())
            .prop_map(|(a, b)| match (a, b) {
                (IntervalEnd::Date(x), IntervalEnd::Date(y)) if x.earliest() > y.latest() => {
                    Edtf::Interval(IntervalEnd::Date(y), IntervalEnd::Date(x))
                }
                (a, b) => Edtf::Interval(a, b),
            });
        prop_oneof![arb_date().prop_map(Edtf::Date), interval]
    }

    proptest! {
        #[test]
        fn never_panics_on_any_string(s in any::<String>()) {
            if let Ok(parsed) = parse(&s) {
                check_bounds(&parsed);
            }
        }

        #[test]
        fn never_panics_on_edtf_alphabet(
            chars in prop::collection::vec(prop::sample::select(ALPHABET), 0..24)
        ) {
            let s: String = chars.into_iter().collect();
            match parse(&s) {
                Ok(parsed) => {
                    check_bounds(&parsed);
                    let again = parse(&parsed.to_string());
                    prop_assert_eq!(again.as_ref(), Ok(&parsed));
                }
                Err(e) => prop_assert!(e.offset <= s.len()),
            }
        }

        #[test]
        fn token_soup_parses_consistently(
            tokens in prop::collection::vec(prop::sample::select(TOKENS), 0..8)
        ) {
            let s: String = tokens.concat();
            if let Ok(parsed) = parse(&s) {
                check_bounds(&parsed);
                let again = parse(&parsed.to_string());
                prop_assert_eq!(again.as_ref(), Ok(&parsed));
            }
        }

        #[test]
        fn round_trips_structured_values(value in arb_edtf()) {
            let text = value.to_string();
            let parsed = parse(&text);
            prop_assert_eq!(parsed.as_ref(), Ok(&value), "text {}", text);
            check_bounds(&value);
            prop_assert!(!value.humanize().is_empty());
        }
    }
}
