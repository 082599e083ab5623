//! GC604 access-log-without-error-fields.

use crate::checks::{always_evaluated, Check, CheckMeta, Facts};
use crate::model::Part;
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: access_log_without_error_fields,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC604",
    name: "access-log-without-error-fields",
    severity: Severity::Low,
    severity_note: "",
    title: "The stage's access log format cannot tell refused requests apart",
    symptom: "The access log shows a 403 but not why: a missing key, a usage plan, a policy, WAF and an authorizer all look the same.",
    why: "API Gateway writes only the $context variables the format names; $context.error.responseType and $context.error.message carry the refusal's cause.",
    fix: "Use a format that names the error fields, for example {\"requestId\":\"$context.requestId\",\"ip\":\"$context.identity.sourceIp\",\"requestTime\":\"$context.requestTime\",\"httpMethod\":\"$context.httpMethod\",\"resourcePath\":\"$context.resourcePath\",\"status\":\"$context.status\",\"responseType\":\"$context.error.responseType\",\"errorMessage\":\"$context.error.message\",\"apiKeyId\":\"$context.identity.apiKeyId\",\"wafResponseCode\":\"$context.wafResponseCode\",\"authorizerError\":\"$context.authorizer.error\"} (API Gateway console > Stages > stage > Logs and tracing > Access log format).",
    cli: "aws apigateway update-stage --region {region} --rest-api-id {api_id} --stage-name {stage} --patch-operations 'op=replace,path=/accessLogSettings/format,value=<format>'",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html",
    reads: &[Part::RestApis, Part::Stages],
};

/// The fields without which refused requests cannot be told apart.
const ERROR_FIELDS: [&str; 2] = ["$context.error.responseType", "$context.error.message"];

fn access_log_without_error_fields(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for stage_facts in facts.stages() {
        let Some(log) = &stage_facts.stage.access_log else {
            continue;
        };
        // `$context.error.messageString` names the message too (quoted for JSON).
        let missing: Vec<&str> = ERROR_FIELDS
            .into_iter()
            .filter(|field| !log.format.contains(field))
            .collect();
        if missing.is_empty() {
            continue;
        }
        findings.push(
            META.stage_finding(facts.snapshot, stage_facts.api, &stage_facts.stage.name)
                .detail(format!(
                    "{}/{} writes access logs to {} in a format without {}: refused requests cannot be told apart by cause.",
                    stage_facts.api.id,
                    stage_facts.stage.name,
                    log.destination_arn,
                    missing.join(" or ")
                ))
                .build(),
        );
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::*;
    use crate::model::AccessLog;

    fn with_format(format: &str) -> crate::model::Snapshot {
        let mut s = healthy();
        s.rest_apis[0].stages[0].access_log = Some(AccessLog {
            destination_arn: "arn:aws:logs:eu-west-1:111122223333:log-group:api-access".into(),
            format: format.into(),
        });
        s
    }

    #[test]
    fn gc604_fires_for_a_format_without_the_error_fields() {
        let clf = "$context.identity.sourceIp $context.requestTime $context.httpMethod $context.resourcePath $context.status $context.requestId";
        let findings = run(&CHECK, &with_format(clf));
        insta::assert_json_snapshot!(findings);
        assert_eq!(ids(&findings), ["GC604"]);
        assert!(
            findings[0]
                .detail
                .contains("$context.error.responseType or $context.error.message"),
            "{}",
            findings[0].detail
        );
    }

    #[test]
    fn gc604_is_quiet_with_the_error_fields_or_without_access_logs() {
        let full = r#"{"status":"$context.status","responseType":"$context.error.responseType","message":$context.error.messageString}"#;
        assert!(run(&CHECK, &with_format(full)).is_empty());
        assert!(run(&CHECK, &healthy()).is_empty());
    }
}
