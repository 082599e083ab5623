//! GC602 account-without-cloudwatch-role.

use crate::checks::{always_evaluated, Check, CheckMeta, Facts};
use crate::model::Part;
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: account_without_cloudwatch_role,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC602",
    name: "account-without-cloudwatch-role",
    severity: Severity::Medium,
    severity_note: "",
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
    vec![META
        .finding(snapshot)
        .var("account_id", snapshot.account.id.as_deref().unwrap_or_default())
        .detail(format!(
            "API Gateway in {} has no CloudWatch log role ARN: no stage in this region can write execution logs.",
            snapshot.region
        ))
        .build()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::*;

    #[test]
    fn gc602_fires_without_cloudwatch_role() {
        let mut s = healthy();
        s.account.cloudwatch_role_arn = None;
        let findings = run(&CHECK, &s);
        insta::assert_json_snapshot!(findings);
        assert_eq!(ids(&findings), ["GC602"]);
        assert_eq!(findings[0].api_id, None);
        assert!(findings[0].remediation.contains(ACCOUNT));
        assert!(run(&CHECK, &healthy()).is_empty());
    }
}
