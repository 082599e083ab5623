//! OCSF 1.1 Compliance Finding events (class 2003), for security lakes and SIEMs:
//! `--format ocsf` writes a JSON array, one event per finding and per resolved finding.

use crate::arn::partition;
use crate::checks::find_check;
use crate::report::{Change, Finding, Report, Severity};
use crate::sinks::asff::{iso_time, resource_type};
use crate::sinks::sarif::location_arn;
use serde_json::{json, Value};

pub const OCSF_VERSION: &str = "1.1.0";
const CLASS_UID: u32 = 2003;
const CATEGORY_UID: u32 = 2;

fn severity_id(severity: Severity) -> (u8, &'static str) {
    match severity {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// Activity (Create, Update, Close) and finding status (New, In Progress, Resolved) by change;
/// without a stored state every finding is a Create of a New one.
fn activity(change: Option<Change>) -> ((u8, &'static str), (u8, &'static str)) {
    match change {
        None | Some(Change::New) => ((1, "Create"), (1, "New")),
        Some(Change::Ongoing) => ((2, "Update"), (2, "In Progress")),
        Some(Change::Resolved) => ((3, "Close"), (4, "Resolved")),
    }
}

pub fn event(f: &Finding, now_ms: u64) -> Value {
    let ((activity_id, activity_name), (status_id, status)) = activity(f.change);
    let (severity_id, severity) = severity_id(f.severity);
    let resolved = f.change == Some(Change::Resolved);
    let (compliance_id, compliance) = if resolved { (1, "Pass") } else { (3, "Fail") };
    let resource_type = resource_type(f);
    let docs_url = find_check(&f.check).map(|c| c.meta.docs_url).unwrap_or_default();
    let mut resource = json!({
        "uid": location_arn(f),
        "type": resource_type,
        "region": f.region,
        "cloud_partition": partition(&f.region),
    });
    if let Some(name) = &f.api_name {
        resource["name"] = json!(match &f.stage {
            Some(stage) => format!("{name}/{stage}"),
            None => name.to_string(),
        });
    }
    let mut event = json!({
        "activity_id": activity_id,
        "activity_name": activity_name,
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Compliance Finding",
        "type_uid": CLASS_UID * 100 + u32::from(activity_id),
        "type_name": format!("Compliance Finding: {activity_name}"),
        "severity_id": severity_id,
        "severity": severity,
        "status_id": status_id,
        "status": status,
        "time": now_ms,
        "time_dt": iso_time(now_ms),
        "message": f.title,
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": "gatecheck", "vendor_name": "gatecheck", "version": env!("CARGO_PKG_VERSION")},
        },
        "finding_info": {
            "uid": f.fingerprint,
            "title": format!("{} {}", f.check, f.title),
            "desc": f.detail,
            "types": [f.check, f.name],
            "first_seen_time": f.first_seen_ms.unwrap_or(now_ms),
            "last_seen_time": now_ms,
        },
        "compliance": {"control": f.check, "status_id": compliance_id, "status": compliance},
        "cloud": {"provider": "AWS", "region": f.region, "account": {"uid": f.account, "type": "AWS Account", "type_id": 10}},
        "resources": [resource],
        "remediation": {"desc": f.remediation, "references": [docs_url]},
    });
    if let Some(evidence) = &f.evidence {
        event["unmapped"] = json!({"gatecheck": {"evidence": evidence}});
    }
    event
}

/// `--format ocsf`: the report's findings, then its resolved ones.
pub fn render(report: &Report, now_ms: u64) -> String {
    let events: Vec<Value> = report
        .findings
        .iter()
        .chain(&report.resolved)
        .map(|f| event(f, now_ms))
        .collect();
    serde_json::to_string_pretty(&events).expect("OCSF always serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures;

    #[test]
    fn each_change_is_its_own_activity_and_status() {
        let mut s = fixtures::healthy();
        s.usage_plans.clear();
        let report = crate::audit::report(&[s], std::time::Duration::ZERO);
        let gc301 = report.findings.iter().find(|f| f.check == "GC301").expect("GC301");
        let at = 1_800_000_000_000;
        let shapes: Vec<(Value, Value, Value, Value)> = [None, Some(Change::Ongoing), Some(Change::Resolved)]
            .into_iter()
            .map(|change| {
                let e = event(
                    &Finding {
                        change,
                        ..gc301.clone()
                    },
                    at,
                );
                (
                    e["type_uid"].clone(),
                    e["status"].clone(),
                    e["compliance"]["status"].clone(),
                    e["severity_id"].clone(),
                )
            })
            .collect();
        assert_eq!(
            shapes,
            [
                (json!(200301), json!("New"), json!("Fail"), json!(5)),
                (json!(200302), json!("In Progress"), json!("Fail"), json!(5)),
                (json!(200303), json!("Resolved"), json!("Pass"), json!(5)),
            ]
        );
        let e = event(gc301, at);
        assert_eq!(e["finding_info"]["uid"], gc301.fingerprint.as_str());
        assert_eq!(
            e["resources"][0]["uid"],
            "arn:aws:apigateway:eu-west-1::/restapis/a1/stages/prod"
        );
        assert_eq!(e["cloud"]["account"]["uid"], fixtures::ACCOUNT);
        assert_eq!(e["time"], at);
        let all: Value = serde_json::from_str(&render(&report, at)).expect("json");
        assert_eq!(all.as_array().map(Vec::len), Some(report.findings.len()));
    }
}
