//! gatecheck finds why an Amazon API Gateway REST API answers `{"message":"Forbidden"}` to
//! requests that carry an API key.
//!
//! Data flows one way: scope → [`collect`] (AWS SDK) → [`model::Snapshot`] → [`checks`]
//! (pure) → [`report::Report`] → [`sinks`].

pub mod audit;
pub mod checks;
pub mod cli;
pub mod collect;
pub mod explain;
pub mod lambda;
pub mod log_filter;
pub mod model;
pub mod policy;
pub mod report;
pub mod scope;
pub mod settings;
pub mod sinks;
pub mod state;
pub mod traffic;
