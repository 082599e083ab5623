//! GC601 stage-without-execution-logging.

use crate::checks::{always_evaluated, Check, CheckMeta, Facts};
use crate::model::Part;
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: stage_without_execution_logging,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC601",
    name: "stage-without-execution-logging",
    severity: Severity::Low,
    severity_note: "",
    title: "Execution logging is off on the stage: 403 reasons are invisible",
    symptom: "A caller gets 403 and nothing records why; with execution logs, API Gateway writes the reason (\"API Key ... not authorized because ... not associated with a Usage Plan\").",
    why: "API Gateway writes the reason for a refusal only to the stage's execution log, which is off by default.",
    fix: "First give the account a CloudWatch role (GC602), then set the stage's logging level to ERROR or INFO (API Gateway console > Stages > stage > Logs and tracing).",
    cli: "aws apigateway update-stage --region {region} --rest-api-id {api_id} --stage-name {stage} --patch-operations op=replace,path=/*/*/logging/loglevel,value=ERROR",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html",
    reads: &[Part::Stages],
};

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
            findings.push(
                META.stage_finding(facts.snapshot, api, &stage.name)
                    .detail(detail)
                    .build(),
            );
        }
    }
    findings
}

fn logging_on(level: Option<&str>) -> bool {
    level.is_some_and(|l| !l.eq_ignore_ascii_case("OFF"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::*;
    use crate::model::*;

    #[test]
    fn gc601_logging_off_or_silenced_for_methods() {
        let mut s = healthy();
        s.rest_apis[0].stages[0].method_settings.clear();
        let findings = run(&CHECK, &s);
        insta::assert_json_snapshot!(findings);
        assert_eq!(ids(&findings), ["GC601"]);
        assert!(
            findings[0].remediation.contains("GC602"),
            "the fix says the account role comes first"
        );
        let mut s = healthy();
        s.rest_apis[0].stages[0].method_settings.insert(
            "items/GET".into(),
            MethodSetting {
                logging_level: Some("OFF".into()),
                ..Default::default()
            },
        );
        assert!(run(&CHECK, &s)[0].detail.contains("items/GET"));
        assert!(run(&CHECK, &healthy()).is_empty());
    }
}
