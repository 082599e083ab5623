//! Where reports go. The CLI's text and JSON forms live here; CloudWatch and SNS join them.

pub mod asff;
pub mod emf;
pub mod html;
pub mod ocsf;
pub mod sarif;
pub mod security_hub;
pub mod sns;
pub mod text;

use crate::report::Report;

/// `gatecheck audit --format json`: exactly `{"findings": [...], "summary": {...}}`.
pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("a report always serializes")
}
