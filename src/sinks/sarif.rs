//! SARIF 2.1.0 for code-scanning UIs: one rule per check with its metadata, one result per
//! finding located at the stage's (or API's) ARN.

use crate::checks::REGISTRY;
use crate::report::{Finding, Report, Severity};
use serde_json::{json, Value};

pub const SARIF_VERSION: &str = "2.1.0";
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// The ARN of what a finding is about: stage, API, or the account's API Gateway settings.
pub fn location_arn(f: &Finding) -> String {
    let partition = if f.region.starts_with("cn-") {
        "aws-cn"
    } else if f.region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    match (&f.api_id, &f.stage) {
        (Some(api), Some(stage)) => format!(
            "arn:{partition}:apigateway:{}::/restapis/{api}/stages/{stage}",
            f.region
        ),
        (Some(api), None) => format!("arn:{partition}:apigateway:{}::/restapis/{api}", f.region),
        (None, _) => format!("arn:{partition}:apigateway:{}::/account", f.region),
    }
}

pub fn render(report: &Report) -> String {
    let rules: Vec<Value> = REGISTRY
        .iter()
        .map(|c| {
            let m = c.meta;
            json!({
                "id": m.id,
                "name": m.name,
                "shortDescription": {"text": m.title},
                "fullDescription": {"text": format!("{} {}", m.symptom, m.why)},
                "help": {"text": format!("{} CLI: {}", m.fix, m.cli)},
                "helpUri": m.docs_url,
                "defaultConfiguration": {"level": level(m.severity)},
                "properties": {"severity": m.severity.as_str()}
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let rule_index = REGISTRY.iter().position(|c| c.meta.id == f.check).unwrap_or(0);
            let arn = location_arn(f);
            let mut message = f.detail.clone();
            if let Some(path) = &f.resource_path {
                message = format!("{} {path}: {message}", f.http_method.as_deref().unwrap_or(""));
            }
            json!({
                "ruleId": f.check,
                "ruleIndex": rule_index,
                "level": level(f.severity),
                "message": {"text": format!("{message} Fix: {}", f.remediation)},
                "locations": [{
                    "physicalLocation": {"artifactLocation": {"uri": arn}},
                    "logicalLocations": [{"fullyQualifiedName": arn, "kind": "resource"}]
                }],
                "partialFingerprints": {"gatecheck/v1": f.fingerprint},
                "properties": {"severity": f.severity.as_str(), "account": f.account, "region": f.region}
            })
        })
        .collect();
    let sarif = json!({
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {
                "name": "gatecheck",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html",
                "rules": rules
            }},
            "results": results
        }]
    });
    serde_json::to_string_pretty(&sarif).expect("SARIF serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures;

    /// The SARIF 2.1.0 schema's required properties and enumerations for what we emit.
    fn assert_schema_required_fields(sarif: &Value) {
        assert_eq!(sarif["version"], "2.1.0");
        let runs = sarif["runs"].as_array().expect("runs is required");
        for run in runs {
            let driver = &run["tool"]["driver"];
            assert!(driver["name"].is_string(), "tool.driver.name is required");
            let rules = driver["rules"].as_array().unwrap();
            for rule in rules {
                assert!(rule["id"].is_string(), "reportingDescriptor.id is required");
                for text in ["shortDescription", "fullDescription", "help"] {
                    assert!(
                        rule[text]["text"].is_string(),
                        "multiformatMessageString.text is required"
                    );
                }
            }
            for result in run["results"].as_array().unwrap() {
                assert!(result["message"]["text"].is_string(), "result.message is required");
                let level = result["level"].as_str().unwrap();
                assert!(["none", "note", "warning", "error"].contains(&level));
                let index = result["ruleIndex"].as_u64().unwrap() as usize;
                assert_eq!(rules[index]["id"], result["ruleId"], "ruleIndex points at ruleId");
                for location in result["locations"].as_array().unwrap() {
                    assert!(location["physicalLocation"]["artifactLocation"]["uri"].is_string());
                }
            }
        }
    }

    #[test]
    fn sarif_has_every_rule_and_one_result_per_finding() {
        let mut s = fixtures::healthy();
        s.usage_plans.clear();
        s.account.cloudwatch_role_arn = None;
        let report = crate::audit::report(&[s], std::time::Duration::ZERO);
        let sarif: Value = serde_json::from_str(&render(&report)).unwrap();
        assert_schema_required_fields(&sarif);
        let run = &sarif["runs"][0];
        let rule_ids: Vec<&str> = run["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        let registry: Vec<&str> = REGISTRY.iter().map(|c| c.meta.id).collect();
        assert_eq!(rule_ids, registry, "one rule per registered check, in order");
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), report.findings.len());
        assert_eq!(results[0]["ruleId"], "GC301");
        assert_eq!(results[0]["level"], "error");
        assert_eq!(
            results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "arn:aws:apigateway:eu-west-1::/restapis/a1/stages/prod"
        );
        assert_eq!(
            results[1]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            "arn:aws:apigateway:eu-west-1::/account"
        );
    }
}
