//! gatecheck finds why an Amazon API Gateway REST API answers `{"message":"Forbidden"}` to
//! requests that carry an API key.
//!
//! Data flows one way, through [`pipeline`]: settings and scope → [`aws`] (the SDK) →
//! [`model::Snapshot`] → [`checks`] (pure) → [`report::Report`] → evidence ([`traffic`]) and
//! changes ([`state`]), both pure → [`sinks`]. The command line ([`cli`]) and the function
//! ([`lambda`]) differ only in their settings and sinks.

pub mod arn;
pub mod audit;
pub mod aws;
pub mod checks;
pub mod cli;
pub mod clock;
pub mod cloudtrail;
pub mod explain;
pub mod lambda;
pub mod log_filter;
pub mod model;
pub mod pipeline;
pub mod policy;
pub mod printable;
pub mod report;
pub mod scope;
pub mod settings;
pub mod sinks;
pub mod state;
pub mod traffic;
pub mod tri;
