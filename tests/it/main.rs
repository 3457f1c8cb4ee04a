//! Integration tests: one binary (see `autotests = false` in Cargo.toml).

mod bench;
mod build;
mod check_fixtures;
mod cli;
mod docx;
mod import;
mod malformed;
mod sample;
mod search;
mod site;
