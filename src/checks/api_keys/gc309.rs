//! GC309 authorizer-cache-narrow-policy.

use crate::checks::{always_evaluated, Check, CheckMeta, Facts};
use crate::model::Part;
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: authorizer_cache_narrow_policy,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC309",
    name: "authorizer-cache-narrow-policy",
    severity: Severity::Low,
    severity_note: "",
    title: "A caching Lambda authorizer guards several methods",
    symptom: "A caller allowed on one method gets 403 {\"message\":\"User is not authorized to access this resource\"} on another, until the cached result expires.",
    why: "API Gateway caches the authorizer's policy by identity for the TTL and reuses it for every method the authorizer guards; a policy whose Resource names only the method first called refuses the others.",
    fix: "Have the function return a policy that covers every method the caller may use (a Resource such as arn:aws:execute-api:<region>:<account>:<api_id>/*/*), or turn the authorizer's cache off (API Gateway console > Authorizers > authorizer > Authorization caching).",
    cli: "aws apigateway update-authorizer --region {region} --rest-api-id {api_id} --authorizer-id {authorizer_id} --patch-operations op=replace,path=/authorizerResultTtlInSeconds,value=0",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/configure-api-gateway-lambda-authorization.html",
    reads: &[Part::RestApis, Part::Resources, Part::Authorizers],
};

/// API Gateway's default TTL when `authorizerResultTtlInSeconds` is not set.
const DEFAULT_TTL_SECONDS: i32 = 300;

fn authorizer_cache_narrow_policy(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for api in &facts.snapshot.rest_apis {
        for authorizer in &api.authorizers {
            let lambda = authorizer.kind().is_lambda();
            let ttl = authorizer.result_ttl_seconds.unwrap_or(DEFAULT_TTL_SECONDS);
            if !lambda || ttl <= 0 {
                continue;
            }
            let guarded: Vec<String> = api
                .resources
                .iter()
                .flat_map(|r| r.methods.iter().map(move |m| (r, m)))
                .filter(|(_, m)| m.authorizer_id.as_deref() == Some(authorizer.id.as_str()))
                .map(|(r, m)| format!("{} {}", m.http_method, r.path))
                .collect();
            if guarded.len() < 2 {
                continue;
            }
            findings.push(
                META.finding(facts.snapshot)
                    .api(api)
                    .var("authorizer_id", authorizer.id.as_str())
                    .distinguish_by(authorizer.id.clone())
                    .detail(format!(
                        "Lambda authorizer {} ({}) caches its result for {ttl} s and guards {} methods ({}). Whether its function returns a policy naming only the called method cannot be seen from the configuration; if it does, the cached policy refuses the others.",
                        authorizer.name,
                        authorizer.id,
                        guarded.len(),
                        guarded.join(", ")
                    ))
                    .build(),
            );
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::*;
    use crate::model::Authorizer;

    fn guarded(ttl: Option<i32>, kind: &str, methods: usize) -> crate::model::Snapshot {
        let mut s = healthy();
        let api = &mut s.rest_apis[0];
        api.authorizers.push(Authorizer {
            id: "au1".into(),
            name: "tokens".into(),
            authorizer_type: kind.into(),
            result_ttl_seconds: ttl,
            ..Authorizer::default()
        });
        let verbs = ["GET", "POST", "DELETE"];
        api.resources[0].methods = verbs[..methods]
            .iter()
            .map(|verb| {
                let mut m = method(verb, false, "CUSTOM");
                m.authorizer_id = Some("au1".into());
                m
            })
            .collect();
        s
    }

    #[test]
    fn gc309_fires_for_a_caching_authorizer_on_several_methods() {
        let findings = run(&CHECK, &guarded(None, "TOKEN", 2));
        insta::assert_json_snapshot!(findings);
        assert_eq!(ids(&findings), ["GC309"]);
        assert!(findings[0].detail.contains("300 s"), "{}", findings[0].detail);
        assert!(
            findings[0].remediation.contains("--authorizer-id au1"),
            "{}",
            findings[0].remediation
        );
        assert!(run(&CHECK, &healthy()).is_empty());
    }

    #[test]
    fn gc309_is_quiet_without_cache_on_one_method_or_for_cognito() {
        assert!(run(&CHECK, &guarded(Some(0), "REQUEST", 3)).is_empty());
        assert!(run(&CHECK, &guarded(Some(300), "TOKEN", 1)).is_empty());
        assert!(run(&CHECK, &guarded(Some(300), "COGNITO_USER_POOLS", 3)).is_empty());
    }
}
