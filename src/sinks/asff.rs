//! AWS Security Finding Format (ASFF) for Security Hub: `--format asff` writes
//! `{"Findings": [...]}`, the input of `aws securityhub batch-import-findings
//! --cli-input-json`, and the Security Hub sink imports the same findings.

use crate::arn::{partition, security_hub_default_product};
use crate::checks::find_check;
use crate::report::{Change, Finding, Report, Severity};
use crate::sinks::sarif::location_arn;
use serde::Serialize;
use std::collections::BTreeMap;

pub const SCHEMA_VERSION: &str = "2018-10-08";
/// Security Hub's limits on a finding's fields, in characters.
pub const MAX_TITLE: usize = 256;
pub const MAX_DESCRIPTION: usize = 1024;
pub const MAX_RECOMMENDATION: usize = 512;
/// Findings per BatchImportFindings request, and identifiers per BatchUpdateFindings.
pub const BATCH_SIZE: usize = 100;
/// The finding type: namespace/category, as ASFF's taxonomy names configuration checks.
pub const FINDING_TYPE: &str = "Software and Configuration Checks/AWS Security Best Practices";

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffFinding {
    pub schema_version: &'static str,
    /// The finding's fingerprint: stable across runs, so a re-import updates it.
    pub id: String,
    pub product_arn: String,
    pub product_name: &'static str,
    pub company_name: &'static str,
    pub generator_id: String,
    pub aws_account_id: String,
    pub region: String,
    pub types: Vec<&'static str>,
    pub first_observed_at: String,
    pub last_observed_at: String,
    pub created_at: String,
    pub updated_at: String,
    pub severity: AsffSeverity,
    pub title: String,
    pub description: String,
    pub remediation: Remediation,
    pub product_fields: BTreeMap<String, String>,
    pub resources: Vec<AsffResource>,
    /// ACTIVE, or ARCHIVED for a resolved finding.
    pub record_state: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffSeverity {
    pub label: &'static str,
    pub original: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Remediation {
    pub recommendation: Recommendation,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Recommendation {
    pub text: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffResource {
    /// AwsApiGatewayStage, AwsApiGatewayRestApi, or AwsAccount for account-wide findings.
    pub r#type: &'static str,
    pub id: String,
    pub partition: &'static str,
    pub region: String,
}

pub fn label(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "CRITICAL",
        Severity::High => "HIGH",
        Severity::Medium => "MEDIUM",
        Severity::Low => "LOW",
        Severity::Info => "INFORMATIONAL",
    }
}

/// The ASFF resource type of what a finding is about.
pub fn resource_type(f: &Finding) -> &'static str {
    match (&f.api_id, &f.stage) {
        (Some(_), Some(_)) => "AwsApiGatewayStage",
        (Some(_), None) => "AwsApiGatewayRestApi",
        (None, _) => "AwsAccount",
    }
}

/// The product a custom integration imports under: the importing account's default product.
pub fn product_arn(region: &str, account: &str) -> String {
    security_hub_default_product(region, account)
}

/// An ISO 8601 time, as ASFF and OCSF write them.
pub fn iso_time(ms: u64) -> String {
    let ms = i64::try_from(ms).unwrap_or(i64::MAX);
    aws_smithy_types::DateTime::from_millis(ms)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default()
}

fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => {
            let mut short: String = text[..at].chars().take(max.saturating_sub(1)).collect();
            short.push('…');
            short
        }
        None => text.to_string(),
    }
}

/// One ASFF finding. `importer` is the account Security Hub is called from (the product's
/// account; None: each finding's own); a finding without an account id is filed under it.
pub fn finding(f: &Finding, importer: Option<&str>, now_ms: u64) -> AsffFinding {
    let account = f.account.as_deref().or(importer).unwrap_or("unknown").to_string();
    let product_arn = product_arn(&f.region, importer.unwrap_or(&account));
    let resource_type = resource_type(f);
    let resource_id = match resource_type {
        "AwsAccount" => format!("AWS::::Account:{account}"),
        _ => location_arn(f),
    };
    let docs_url = find_check(&f.check).map(|c| c.meta.docs_url).unwrap_or_default();
    let mut fields = BTreeMap::from([
        ("gatecheck/Check".to_string(), f.check.to_string()),
        ("gatecheck/Name".to_string(), f.name.to_string()),
    ]);
    let optional = [
        ("gatecheck/ApiName", f.api_name.as_deref()),
        ("gatecheck/ResourcePath", f.resource_path.as_deref()),
        ("gatecheck/HttpMethod", f.http_method.as_deref()),
        ("gatecheck/Change", f.change.map(Change::as_str)),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            fields.insert(key.to_string(), value.to_string());
        }
    }
    if let Some(evidence) = &f.evidence {
        fields.insert("gatecheck/Evidence".into(), evidence.sentence());
    }
    let first_seen = iso_time(f.first_seen_ms.unwrap_or(now_ms));
    let now = iso_time(now_ms);
    AsffFinding {
        schema_version: SCHEMA_VERSION,
        id: f.fingerprint.to_string(),
        product_arn,
        product_name: "gatecheck",
        company_name: "gatecheck",
        generator_id: format!("gatecheck/{}", f.check),
        aws_account_id: account,
        region: f.region.to_string(),
        types: vec![FINDING_TYPE],
        first_observed_at: first_seen.clone(),
        last_observed_at: now.clone(),
        created_at: first_seen,
        updated_at: now,
        severity: AsffSeverity {
            label: label(f.severity),
            original: f.severity.as_str(),
        },
        title: cut(&format!("{} {}", f.check, f.title), MAX_TITLE),
        description: cut(&f.detail, MAX_DESCRIPTION),
        remediation: Remediation {
            recommendation: Recommendation {
                text: cut(&f.remediation, MAX_RECOMMENDATION),
                url: docs_url.to_string(),
            },
        },
        product_fields: fields,
        resources: vec![AsffResource {
            r#type: resource_type,
            id: resource_id,
            partition: partition(&f.region),
            region: f.region.to_string(),
        }],
        record_state: match f.change {
            Some(Change::Resolved) => "ARCHIVED",
            _ => "ACTIVE",
        },
    }
}

/// The report's findings and resolved findings, in ASFF.
pub fn findings(report: &Report, importer: Option<&str>, now_ms: u64) -> Vec<AsffFinding> {
    report
        .findings
        .iter()
        .chain(&report.resolved)
        .map(|f| finding(f, importer, now_ms))
        .collect()
}

/// `--format asff`.
pub fn render(report: &Report, now_ms: u64) -> String {
    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Import {
        findings: Vec<AsffFinding>,
    }
    let import = Import {
        findings: findings(report, None, now_ms),
    };
    serde_json::to_string_pretty(&import).expect("ASFF always serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures;

    fn report() -> Report {
        let mut s = fixtures::healthy();
        s.usage_plans.clear();
        s.account.cloudwatch_role_arn = None;
        crate::audit::report(&[s], std::time::Duration::ZERO)
    }

    #[test]
    fn findings_carry_the_fingerprint_the_stage_and_security_hubs_limits() {
        let mut report = report();
        let gc301 = report.findings.iter_mut().find(|f| f.check == "GC301").expect("GC301");
        gc301.detail = "x".repeat(5_000);
        gc301.remediation = "y".repeat(2_000);
        gc301.change = Some(Change::Resolved);
        let at = 1_800_000_000_000;
        let asff = finding(gc301, Some("999988887777"), at);
        assert_eq!(asff.id, gc301.fingerprint.as_str());
        assert_eq!(
            asff.product_arn,
            "arn:aws:securityhub:eu-west-1:999988887777:product/999988887777/default"
        );
        assert_eq!(asff.aws_account_id, fixtures::ACCOUNT, "the finding's own account");
        assert_eq!(asff.resources[0].r#type, "AwsApiGatewayStage");
        assert_eq!(
            asff.resources[0].id,
            "arn:aws:apigateway:eu-west-1::/restapis/a1/stages/prod"
        );
        assert_eq!((asff.severity.label, asff.record_state), ("CRITICAL", "ARCHIVED"));
        assert_eq!(asff.description.chars().count(), MAX_DESCRIPTION);
        assert_eq!(asff.remediation.recommendation.text.chars().count(), MAX_RECOMMENDATION);
        assert!(asff
            .remediation
            .recommendation
            .url
            .starts_with("https://docs.aws.amazon.com/"));
        assert_eq!(asff.updated_at, "2027-01-15T08:00:00Z");
        assert_eq!(asff.product_fields["gatecheck/Change"], "resolved");

        let file: serde_json::Value = serde_json::from_str(&render(&report, at)).expect("json");
        let findings = file["Findings"].as_array().expect("Findings");
        assert_eq!(findings.len(), report.findings.len());
        let account_wide = findings.iter().find(|f| f["GeneratorId"] == "gatecheck/GC602");
        assert_eq!(
            account_wide.map(|f| f["Resources"][0]["Type"].clone()),
            Some("AwsAccount".into())
        );
        for required in [
            "SchemaVersion",
            "Id",
            "ProductArn",
            "GeneratorId",
            "AwsAccountId",
            "Types",
            "CreatedAt",
            "UpdatedAt",
            "Severity",
            "Title",
            "Description",
            "Resources",
        ] {
            assert!(findings.iter().all(|f| !f[required].is_null()), "{required}");
        }
    }
}
