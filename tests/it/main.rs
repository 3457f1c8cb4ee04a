//! Integration tests: one binary (see `autotests = false` in Cargo.toml).

#[cfg(feature = "serve")]
mod access;
#[cfg(feature = "serve")]
mod accounts;
#[cfg(feature = "serve")]
mod backup;
mod bench;
mod build;
mod check_fixtures;
mod cli;
mod docx;
#[cfg(feature = "serve")]
mod edit;
mod import;
mod malformed;
mod sample;
mod search;
#[cfg(feature = "serve")]
mod search_engine;
#[cfg(feature = "serve")]
mod serve;
#[cfg(feature = "serve")]
mod serve_api;
#[cfg(feature = "serve")]
mod serve_process;
mod site;
#[cfg(feature = "serve")]
mod store;
#[cfg(feature = "serve")]
mod workflow;
#[cfg(feature = "serve")]
mod xss;
