//! GC308 usage-plan-throttle-unknown-method.

use super::USAGE_PLANS_DOC;
use crate::checks::{always_evaluated, Check, CheckMeta, Facts};
use crate::model::Part;
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: usage_plan_throttle_unknown_method,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC308",
    name: "usage-plan-throttle-unknown-method",
    severity: Severity::Low,
    severity_note: "",
    title: "A usage plan throttles a method the API does not have",
    symptom: "The per-method limit you meant to set does not apply: the method it names does not exist, so the stage-wide limit governs.",
    why: "Per-method throttles are keyed /path/VERB and match nothing once the path or verb is renamed or removed.",
    fix: "Rename the throttle key to an existing /path/VERB or remove it (API Gateway console > Usage plans > plan > Associated stages > Configure method throttling).",
    cli: "aws apigateway update-usage-plan --region {region} --usage-plan-id {plan_id} --patch-operations op=remove,path=/apiStages/{api_id}:{stage}/throttle/{throttle_path}",
    docs_url: USAGE_PLANS_DOC,
    reads: &[Part::RestApis, Part::Resources, Part::UsagePlans],
};

fn usage_plan_throttle_unknown_method(facts: &Facts) -> Vec<Finding> {
    let (snapshot, index) = (facts.snapshot, &facts.index);
    let mut findings = Vec::new();
    for plan in &snapshot.usage_plans {
        for listed in &plan.api_stages {
            // A plan naming a missing API or stage is GC307's.
            let Some(api) = index.rest_api(&listed.api_id) else {
                continue;
            };
            for key in listed.throttle.keys() {
                let exists = split_throttle_key(key).is_some_and(|(path, verb)| {
                    api.resources.iter().any(|r| {
                        r.path == path
                            && r.methods
                                .iter()
                                .any(|m| verb == "*" || m.http_method == verb || m.http_method == "ANY")
                    })
                });
                if exists {
                    continue;
                }
                let (path, verb) = split_throttle_key(key).unwrap_or((key.as_str(), ""));
                findings.push(
                    META.stage_finding(facts.snapshot, api, &listed.stage)
                        .method(path, verb)
                        .var("plan_id", plan.id.as_str())
                        // A patch path escapes the resource path's slashes as ~1.
                        .var("throttle_path", format!("{}/{verb}", path.replace('/', "~1")))
                        .distinguish_by(plan.id.clone())
                        .detail(format!(
                            "Usage plan {} ({}) throttles {key} on {}:{}, but {} ({}) has no such method.",
                            plan.name, plan.id, listed.api_id, listed.stage, api.name, api.id
                        ))
                        .build(),
                );
            }
        }
    }
    findings
}

/// Splits a throttle key `/pets/GET` (or `//GET` for the root) into path and verb.
fn split_throttle_key(key: &str) -> Option<(&str, &str)> {
    let (path, verb) = key.rsplit_once('/')?;
    Some((if path.is_empty() { "/" } else { path }, verb))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::*;
    use crate::model::*;

    #[test]
    fn gc308_throttle_on_a_missing_method() {
        let mut s = healthy();
        let throttle = ThrottleSetting {
            burst_limit: Some(5),
            rate_limit: Some(1.0),
        };
        s.usage_plans[0].api_stages[0].throttle = [
            ("/items/GET".to_string(), throttle.clone()),
            ("/gone/POST".to_string(), throttle),
        ]
        .into();
        let findings = run(&CHECK, &s);
        insta::assert_json_snapshot!(findings);
        assert_eq!(ids(&findings), ["GC308"]);
        assert_eq!(
            (findings[0].resource_path.as_deref(), findings[0].http_method.as_deref()),
            (Some("/gone"), Some("POST"))
        );
        assert!(
            findings[0]
                .remediation
                .contains("path=/apiStages/a1:prod/throttle/~1gone/POST"),
            "{}",
            findings[0].remediation
        );
        assert!(run(&CHECK, &healthy()).is_empty());
    }
}
