//! Parsers: from source text to the model, reporting problems as diagnostics.
//!
//! The low-level parsers ([`edtf`], [`citation`], [`yaml`]) know nothing of
//! the encyclopedia; [`entry`], [`markdown`], [`bibliography`] and [`places`]
//! build the model's entries, works and places from them. All are pure: text
//! in, values and diagnostics out; [`cache`] keeps their results between two
//! analyses of the same project.

pub mod bibliography;
pub mod cache;
pub mod citation;
pub mod csl_json;
pub mod edtf;
pub mod entry;
pub mod markdown;
pub mod places;
pub mod yaml;
