//! Security Hub: the report's findings imported in ASFF (`BatchImportFindings`, 100 a call,
//! in each finding's region), and those resolved since the previous audit archived and set
//! to RESOLVED (`BatchUpdateFindings`, 100 identifiers a call). Only the calling account's
//! findings: under the default product Security Hub refuses another account's.

use crate::report::Report;
use crate::sinks::asff::{self, AsffFinding, BATCH_SIZE};
use aws_config::SdkConfig;
use aws_sdk_securityhub::types as sdk;
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
#[error("Security Hub in {region}: {message}")]
pub struct SecurityHubError {
    pub region: String,
    pub message: String,
}

/// What reached Security Hub.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Imported {
    pub imported: usize,
    /// Findings set to RESOLVED.
    pub resolved: usize,
    /// Findings of other accounts, left out: under the default product Security Hub takes a
    /// finding only from the account it is about.
    pub other_accounts: usize,
    pub calls: u64,
}

/// Imports the report's findings and resolves the resolved ones, under the default product
/// of the account `base`'s credentials are in.
pub async fn import(base: &SdkConfig, report: &Report, now_ms: u64) -> Result<Imported, SecurityHubError> {
    let importer = caller_account(base).await?;
    import_as(base, report, &importer, now_ms).await
}

/// The account the credentials are in (sts:GetCallerIdentity, which needs no permission).
async fn caller_account(base: &SdkConfig) -> Result<String, SecurityHubError> {
    let failed = |message: String| SecurityHubError {
        region: base.region().map(|r| r.to_string()).unwrap_or_default(),
        message: format!("cannot tell the calling account: {message}"),
    };
    let identity = aws_sdk_sts::Client::new(base)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| failed(aws_sdk_sts::error::DisplayErrorContext(e).to_string()))?;
    identity
        .account()
        .map(str::to_string)
        .ok_or_else(|| failed("sts:GetCallerIdentity named no account".into()))
}

async fn import_as(
    base: &SdkConfig,
    report: &Report,
    importer: &str,
    now_ms: u64,
) -> Result<Imported, SecurityHubError> {
    let (by_region, other_accounts) = batches(report, importer, now_ms);
    let mut outcome = Imported {
        other_accounts,
        ..Imported::default()
    };
    if outcome.other_accounts > 0 {
        tracing::warn!(
            findings = outcome.other_accounts,
            "findings of other accounts are not imported: Security Hub takes them only from their own account (or aggregates them from there)"
        );
    }
    for (region, findings) in by_region {
        let failed = |message: String| SecurityHubError {
            region: region.to_string(),
            message,
        };
        let client = aws_sdk_securityhub::Client::new(
            &base
                .to_builder()
                .region(aws_config::Region::new(region.to_string()))
                .build(),
        );
        for batch in findings.chunks(BATCH_SIZE) {
            let converted = batch.iter().map(to_sdk).collect();
            let out = client
                .batch_import_findings()
                .set_findings(Some(converted))
                .send()
                .await
                .map_err(|e| failed(aws_sdk_securityhub::error::DisplayErrorContext(e).to_string()))?;
            outcome.calls += 1;
            if let Some(first) = out.failed_findings().first() {
                return Err(failed(format!(
                    "{} of {} findings were refused; the first, {}: {} {}",
                    out.failed_count().unwrap_or_default(),
                    batch.len(),
                    first.id().unwrap_or_default(),
                    first.error_code().unwrap_or_default(),
                    first.error_message().unwrap_or_default()
                )));
            }
            outcome.imported += batch.len();
        }
        let resolved: Vec<&AsffFinding> = findings.iter().filter(|f| f.record_state == "ARCHIVED").collect();
        for batch in resolved.chunks(BATCH_SIZE) {
            let identifiers = batch
                .iter()
                .map(|f| {
                    sdk::AwsSecurityFindingIdentifier::builder()
                        .id(&f.id)
                        .product_arn(&f.product_arn)
                        .build()
                })
                .collect();
            let note = sdk::NoteUpdate::builder()
                .text("gatecheck no longer finds this: resolved")
                .updated_by("gatecheck")
                .build();
            let out = client
                .batch_update_findings()
                .set_finding_identifiers(Some(identifiers))
                .workflow(
                    sdk::WorkflowUpdate::builder()
                        .status(sdk::WorkflowStatus::Resolved)
                        .build(),
                )
                .note(note)
                .send()
                .await
                .map_err(|e| failed(aws_sdk_securityhub::error::DisplayErrorContext(e).to_string()))?;
            outcome.calls += 1;
            if let Some(first) = out.unprocessed_findings().first() {
                return Err(failed(format!(
                    "{} of {} resolved findings were not updated; the first: {} {}",
                    out.unprocessed_findings().len(),
                    batch.len(),
                    first.error_code().unwrap_or_default(),
                    first.error_message().unwrap_or_default()
                )));
            }
            outcome.resolved += batch.len();
        }
    }
    Ok(outcome)
}

/// The report's findings in ASFF by region, and how many were left out as another account's:
/// under the default product Security Hub takes a finding only from the account it is about.
fn batches<'a>(report: &'a Report, importer: &str, now_ms: u64) -> (BTreeMap<&'a str, Vec<AsffFinding>>, usize) {
    let mut by_region: BTreeMap<&str, Vec<AsffFinding>> = BTreeMap::new();
    let mut other_accounts = 0;
    for finding in report.findings.iter().chain(&report.resolved) {
        if finding.account.as_deref().is_some_and(|account| account != importer) {
            other_accounts += 1;
            continue;
        }
        by_region
            .entry(finding.region.as_str())
            .or_default()
            .push(asff::finding(finding, Some(importer), now_ms));
    }
    (by_region, other_accounts)
}

fn to_sdk(f: &AsffFinding) -> sdk::AwsSecurityFinding {
    let resources = f
        .resources
        .iter()
        .map(|r| {
            sdk::Resource::builder()
                .r#type(r.r#type)
                .id(&r.id)
                .partition(sdk::Partition::from(r.partition))
                .region(&r.region)
                .build()
        })
        .collect();
    sdk::AwsSecurityFinding::builder()
        .schema_version(f.schema_version)
        .id(&f.id)
        .product_arn(&f.product_arn)
        .product_name(f.product_name)
        .company_name(f.company_name)
        .generator_id(&f.generator_id)
        .aws_account_id(&f.aws_account_id)
        .region(&f.region)
        .set_types(Some(f.types.iter().map(|t| t.to_string()).collect()))
        .first_observed_at(&f.first_observed_at)
        .last_observed_at(&f.last_observed_at)
        .created_at(&f.created_at)
        .updated_at(&f.updated_at)
        .severity(
            sdk::Severity::builder()
                .label(sdk::SeverityLabel::from(f.severity.label))
                .original(f.severity.original)
                .build(),
        )
        .title(&f.title)
        .description(&f.description)
        .remediation(
            sdk::Remediation::builder()
                .recommendation(
                    sdk::Recommendation::builder()
                        .text(&f.remediation.recommendation.text)
                        .url(&f.remediation.recommendation.url)
                        .build(),
                )
                .build(),
        )
        .set_product_fields(Some(f.product_fields.clone().into_iter().collect()))
        .set_resources(Some(resources))
        .record_state(sdk::RecordState::from(f.record_state))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures;

    #[test]
    fn only_the_calling_accounts_findings_are_imported_by_region() {
        let mut s = fixtures::healthy();
        s.usage_plans.clear();
        let mut report = crate::audit::report(&[s], std::time::Duration::ZERO);
        let mut elsewhere = report.findings[0].clone();
        elsewhere.region = "us-east-1".into();
        let mut other = report.findings[0].clone();
        other.account = Some("999988887777".into());
        report.findings.extend([elsewhere, other]);
        let (by_region, others) = batches(&report, fixtures::ACCOUNT, 0);
        assert_eq!(others, 1);
        let sizes: Vec<(&str, usize)> = by_region.iter().map(|(r, f)| (*r, f.len())).collect();
        assert_eq!(sizes, [("eu-west-1", report.findings.len() - 2), ("us-east-1", 1)]);
        assert!(by_region
            .values()
            .flatten()
            .all(|f| f.aws_account_id == fixtures::ACCOUNT));
    }
}
