//! SARIF 2.1.0 for code-scanning UIs: one rule per check with its metadata, one result per
//! finding located at the stage's (or API's) ARN, or, for GitHub code scanning (which takes
//! only repository paths), in a file the user names, at the line that names the API.

use crate::arn;
use crate::checks::REGISTRY;
use crate::report::{Finding, Report, Severity};
use serde::Serialize;

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
    match (&f.api_id, &f.stage) {
        (Some(api), Some(stage)) => arn::stage(&f.region, api, stage),
        (Some(api), None) => arn::rest_api(&f.region, api),
        (None, _) => arn::account_settings(&f.region),
    }
}

// The SARIF 2.1.0 objects gatecheck writes. Fields are declared in the order they are
// written (alphabetical, as the report has always had them).

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<'a>; 1],
    version: &'static str,
}

#[derive(Serialize)]
struct Run<'a> {
    results: Vec<SarifResult>,
    tool: Tool<'a>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    information_uri: &'static str,
    name: &'static str,
    rules: Vec<Rule<'a>>,
    version: &'static str,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    default_configuration: Configuration,
    full_description: Text,
    help: Text,
    help_uri: &'a str,
    id: &'a str,
    name: &'a str,
    properties: RuleProperties,
    short_description: Text,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    level: &'static str,
    locations: [Location; 1],
    message: Text,
    partial_fingerprints: Fingerprints,
    properties: ResultProperties,
    rule_id: String,
    /// Absent for a check this gatecheck does not know (a finding from a newer snapshot).
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    logical_locations: [LogicalLocation; 1],
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
}

/// A file of the repository the results are located in, for code scanning, which accepts only
/// repository paths as locations (not ARNs): the template or definition that makes the APIs.
pub struct Artifact<'a> {
    /// The path as code scanning should show it, relative to the repository's root.
    pub uri: &'a str,
    /// The file's text, where each result's line is looked for.
    pub text: &'a str,
}

impl Artifact<'_> {
    /// The first line that names the finding's API (by id or name) or custom domain; else 1.
    fn line_of(&self, f: &Finding) -> usize {
        let needles = [f.api_id.as_deref(), f.api_name.as_deref(), f.domain_name.as_deref()];
        needles
            .into_iter()
            .flatten()
            .filter(|n| !n.is_empty())
            .find_map(|needle| self.text.lines().position(|line| line.contains(needle)))
            .map_or(1, |index| index + 1)
    }
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "gatecheck/v1")]
    gatecheck_v1: String,
}

#[derive(Serialize)]
struct ResultProperties {
    account: Option<String>,
    region: String,
    severity: &'static str,
}

pub fn render(report: &Report) -> String {
    render_in(report, None)
}

/// SARIF whose results are located in `artifact` (with the ARN as the logical location), for
/// GitHub code scanning; without one, at the ARN.
pub fn render_in(report: &Report, artifact: Option<&Artifact>) -> String {
    let rules = REGISTRY
        .iter()
        .map(|c| {
            let m = c.meta;
            Rule {
                default_configuration: Configuration {
                    level: level(m.severity),
                },
                full_description: Text {
                    text: format!("{} {}", m.symptom, m.why),
                },
                help: Text {
                    text: format!("{} CLI: {}", m.fix, m.cli),
                },
                help_uri: m.docs_url,
                id: m.id,
                name: m.name,
                properties: RuleProperties {
                    severity: m.severity.as_str(),
                },
                short_description: Text {
                    text: m.title.to_string(),
                },
            }
        })
        .collect();
    let results = report
        .findings
        .iter()
        .map(|f| {
            let arn = location_arn(f);
            let mut message = f.detail.clone();
            if let Some(path) = &f.resource_path {
                message = format!("{} {path}: {message}", f.http_method.as_deref().unwrap_or(""));
            }
            if let Some(evidence) = &f.evidence {
                message = format!("{message} Evidence: {}.", evidence.sentence());
            }
            SarifResult {
                level: level(f.severity),
                locations: [Location {
                    logical_locations: [LogicalLocation {
                        fully_qualified_name: arn.clone(),
                        kind: "resource",
                    }],
                    physical_location: match artifact {
                        Some(artifact) => PhysicalLocation {
                            artifact_location: ArtifactLocation {
                                uri: artifact.uri.trim_start_matches("./").to_string(),
                            },
                            region: Some(Region {
                                start_line: artifact.line_of(f),
                            }),
                        },
                        None => PhysicalLocation {
                            artifact_location: ArtifactLocation { uri: arn },
                            region: None,
                        },
                    },
                }],
                message: Text {
                    text: format!("{message} Fix: {}", f.remediation),
                },
                partial_fingerprints: Fingerprints {
                    gatecheck_v1: f.fingerprint.to_string(),
                },
                properties: ResultProperties {
                    account: f.account.as_ref().map(ToString::to_string),
                    region: f.region.to_string(),
                    severity: f.severity.as_str(),
                },
                rule_id: f.check.to_string(),
                rule_index: REGISTRY.iter().position(|c| c.meta.id == f.check),
            }
        })
        .collect();
    let log = Log {
        schema: SARIF_SCHEMA,
        runs: [Run {
            results,
            tool: Tool {
                driver: Driver {
                    information_uri:
                        "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html",
                    name: "gatecheck",
                    rules,
                    version: env!("CARGO_PKG_VERSION"),
                },
            },
        }],
        version: SARIF_VERSION,
    };
    serde_json::to_string_pretty(&log).expect("SARIF serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures;
    use serde_json::Value;

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

    #[test]
    fn results_can_be_located_in_a_repository_file_for_code_scanning() {
        let mut s = fixtures::healthy();
        s.usage_plans.clear();
        s.account.cloudwatch_role_arn = None;
        let report = crate::audit::report(&[s], std::time::Duration::ZERO);
        let template =
            "Resources:\n  Orders:\n    Type: AWS::ApiGateway::RestApi\n    Properties:\n      Name: a1-name\n";
        let artifact = Artifact {
            uri: "./infra/template.yaml",
            text: template,
        };
        let sarif: Value = serde_json::from_str(&render_in(&report, Some(&artifact))).unwrap();
        assert_schema_required_fields(&sarif);
        let results = sarif["runs"][0]["results"].as_array().unwrap();
        let gc301 = results.iter().find(|r| r["ruleId"] == "GC301").unwrap();
        let location = &gc301["locations"][0];
        assert_eq!(
            location["physicalLocation"]["artifactLocation"]["uri"],
            "infra/template.yaml"
        );
        assert_eq!(
            location["physicalLocation"]["region"]["startLine"], 5,
            "the line naming the API"
        );
        assert!(location["logicalLocations"][0]["fullyQualifiedName"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:apigateway:"));
        // An account-wide finding names no API: the file's first line.
        let gc602 = results.iter().find(|r| r["ruleId"] == "GC602").unwrap();
        assert_eq!(gc602["locations"][0]["physicalLocation"]["region"]["startLine"], 1);
        // Without a file, nothing changes: the ARN is the location.
        assert_eq!(render_in(&report, None), render(&report));
    }

    #[test]
    fn a_finding_of_an_unknown_check_points_at_no_rule() {
        let mut s = fixtures::healthy();
        s.usage_plans.clear();
        let mut report = crate::audit::report(&[s], std::time::Duration::ZERO);
        report.findings[0].check = "GC999".into();
        let sarif: Value = serde_json::from_str(&render(&report)).unwrap();
        let result = &sarif["runs"][0]["results"][0];
        assert_eq!(result["ruleId"], "GC999");
        assert!(result.get("ruleIndex").is_none(), "not rule 0: {result}");
    }
}
