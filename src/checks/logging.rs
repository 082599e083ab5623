//! Logging: without it a 403's reason is never written down. GC601, GC602.

use super::{always_evaluated, Check, CheckMeta, Facts};
use crate::finding::{Finding, Severity};
use crate::model::Part;

pub static GC601: Check = Check {
    meta: &GC601_META,
    run: stage_without_execution_logging,
    not_evaluated: always_evaluated,
};

static GC601_META: CheckMeta = CheckMeta {
    id: "GC601",
    name: "stage-without-execution-logging",
    severity: Severity::Low,
    title: "Execution logging is off on the stage: 403 reasons are invisible",
    symptom: "A caller gets 403 and nothing records why; with execution logs, API Gateway writes the reason (\"API Key ... not authorized because ... not associated with a Usage Plan\").",
    why: "API Gateway writes the reason for a refusal only to the stage's execution log, which is off by default.",
    fix: "First give the account a CloudWatch role (GC602), then set the stage's logging level to ERROR or INFO (API Gateway console > Stages > stage > Logs and tracing).",
    cli: "aws apigateway update-stage --region {region} --rest-api-id {api_id} --stage-name {stage} --patch-operations op=replace,path=/*/*/logging/loglevel,value=ERROR",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html",
    reads: &[Part::Stages],
};

fn logging_on(level: Option<&str>) -> bool {
    level.is_some_and(|l| !l.eq_ignore_ascii_case("OFF"))
}

fn stage_without_execution_logging(facts: &Facts) -> Vec<Finding> {
    let snapshot = facts.snapshot;
    let mut findings = Vec::new();
    for api in &snapshot.rest_apis {
        for stage in &api.stages {
            let stage_wide = stage
                .method_settings
                .get("*/*")
                .and_then(|s| s.logging_level.as_deref());
            let silenced: Vec<&str> = stage
                .method_settings
                .iter()
                .filter(|(key, s)| {
                    key.as_str() != "*/*" && s.logging_level.is_some() && !logging_on(s.logging_level.as_deref())
                })
                .map(|(key, _)| key.as_str())
                .collect();
            let detail = if !logging_on(stage_wide) {
                format!(
                    "{}/{} has execution logging off for all methods (*/*).",
                    api.id, stage.name
                )
            } else if !silenced.is_empty() {
                format!(
                    "{}/{} logs at {} but turns logging off for {}.",
                    api.id,
                    stage.name,
                    stage_wide.unwrap_or("?"),
                    silenced.join(", ")
                )
            } else {
                continue;
            };
            findings.push(GC601_META.stage_finding(facts, api, &stage.name).detail(detail).build());
        }
    }
    findings
}

pub static GC602: Check = Check {
    meta: &GC602_META,
    run: account_without_cloudwatch_role,
    not_evaluated: always_evaluated,
};

static GC602_META: CheckMeta = CheckMeta {
    id: "GC602",
    name: "account-without-cloudwatch-role",
    severity: Severity::Medium,
    title: "The account has no CloudWatch role for API Gateway, so execution logs cannot be turned on",
    symptom: "A 403's reason (such as \"API Key not authorized because ... not associated with a Usage Plan\") is never written anywhere you can read.",
    why: "API Gateway writes execution logs only through the account-wide CloudWatch role; without it, enabling logging on a stage fails.",
    fix: "Create a role trusted by apigateway.amazonaws.com with AmazonAPIGatewayPushToCloudWatchLogs and set it (API Gateway console > Settings > CloudWatch log role ARN). This comes before stage logging (GC601).",
    cli: "aws apigateway update-account --region {region} --patch-operations op=replace,path=/cloudwatchRoleArn,value=arn:aws:iam::{account_id}:role/<role_name>",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html",
    reads: &[Part::Account],
};

fn account_without_cloudwatch_role(facts: &Facts) -> Vec<Finding> {
    let snapshot = facts.snapshot;
    let role = snapshot.account.cloudwatch_role_arn.as_deref().unwrap_or("");
    if !role.trim().is_empty() {
        return Vec::new();
    }
    vec![GC602_META
        .finding(snapshot)
        .var("account_id", snapshot.account.id.as_deref().unwrap_or_default())
        .detail(format!(
            "API Gateway in {} has no CloudWatch log role ARN: no stage in this region can write execution logs.",
            snapshot.region
        ))
        .build()]
}
