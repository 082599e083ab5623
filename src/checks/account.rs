//! Account-level API Gateway settings. GC602.

use super::{Check, CheckMeta};
use crate::finding::{Finding, Severity};
use crate::model::{Part, Snapshot};

pub static GC602: Check = Check {
    meta: &GC602_META,
    run: account_without_cloudwatch_role,
};

static GC602_META: CheckMeta = CheckMeta {
    id: "GC602",
    name: "account-without-cloudwatch-role",
    severity: Severity::Medium,
    title: "The account has no CloudWatch role for API Gateway, so execution logs cannot be turned on",
    symptom: "A 403's reason (such as \"API Key not authorized because ... not associated with a Usage Plan\") is never written anywhere you can read.",
    why: "API Gateway writes execution logs only through the account-wide CloudWatch role; without it, enabling logging on a stage fails.",
    fix: "Create a role trusted by apigateway.amazonaws.com with AmazonAPIGatewayPushToCloudWatchLogs and set it (API Gateway console > Settings > CloudWatch log role ARN). This comes before stage logging.",
    cli: "aws apigateway update-account --region {region} --patch-operations op=replace,path=/cloudwatchRoleArn,value=arn:aws:iam::{account_id}:role/<role_name>",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html",
    reads: &[Part::Account],
};

fn account_without_cloudwatch_role(snapshot: &Snapshot) -> Vec<Finding> {
    let role = snapshot
        .account
        .cloudwatch_role_arn
        .as_deref()
        .unwrap_or("");
    if !role.trim().is_empty() {
        return Vec::new();
    }
    vec![GC602_META
        .finding(snapshot)
        .var("account_id", snapshot.account.id.clone().unwrap_or_default())
        .detail(format!(
            "API Gateway in {} has no CloudWatch log role ARN: no stage in this region can write execution logs.",
            snapshot.region
        ))
        .build()]
}
