//! What the audit could not see. GC900.

use super::{Check, CheckMeta, REGISTRY};
use crate::finding::{Finding, Severity};
use crate::model::{CoverageGap, Snapshot};

pub static GC900: Check = Check {
    meta: &GC900_META,
    run: audit_incomplete,
};

static GC900_META: CheckMeta = CheckMeta {
    id: "GC900",
    name: "audit-incomplete",
    severity: Severity::High,
    title: "Part of the configuration could not be read: the checks that need it were not run there",
    symptom: "A cause of 403 in the unread part would go unreported: the audit is blind there, not clean.",
    why: "The audit's role lacks a permission, the endpoint throttled past retries, or the call failed; gatecheck reports what it could not see instead of passing it silently.",
    fix: "Grant the audit role read access (apigateway:GET on the named resources, sts:GetCallerIdentity), or retry when the account is less busy.",
    cli: "aws apigateway get-rest-apis --region {region} --max-items 1",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html",
    reads: &[],
};

/// The ids of the checks that rely on what `gap` could not read.
pub fn blinded_checks(gap: &CoverageGap) -> Vec<&'static str> {
    REGISTRY
        .iter()
        .filter(|c| c.meta.reads.contains(&gap.part))
        .map(|c| c.meta.id)
        .collect()
}

fn audit_incomplete(snapshot: &Snapshot) -> Vec<Finding> {
    snapshot
        .gaps
        .iter()
        .map(|gap| {
            let mut builder = GC900_META.finding(snapshot);
            builder = match gap.api_id.as_deref() {
                Some(id) => match snapshot.rest_api(id) {
                    Some(api) => builder.api(api),
                    None => builder.api_id(id),
                },
                None => builder,
            };
            if let Some(stage) = &gap.stage {
                builder = builder.stage(stage);
            }
            let place = match (&gap.api_id, &gap.stage, &gap.object_id) {
                (Some(api), Some(stage), _) => format!("stage {api}/{stage}"),
                (Some(api), None, Some(object)) => format!("API {api}, {object}"),
                (Some(api), None, None) => format!("API {api}"),
                (None, _, Some(object)) => format!("{object} in {}", snapshot.region),
                (None, _, None) => format!("the whole of {}", snapshot.region),
            };
            let blinded = blinded_checks(gap);
            builder
                .detail(format!(
                    "{} failed ({}) for {place}: {} not read. Not evaluated there: {}. Cause: {}",
                    gap.operation,
                    gap.reason.as_str(),
                    gap.part.as_str(),
                    if blinded.is_empty() {
                        "none".to_string()
                    } else {
                        blinded.join(", ")
                    },
                    gap.message
                ))
                .distinguish_by(format!(
                    "{}:{}",
                    gap.operation,
                    gap.object_id.as_deref().unwrap_or("")
                ))
                .build()
        })
        .collect()
}
