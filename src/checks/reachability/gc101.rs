//! GC101 execute-api-endpoint-disabled.

use crate::checks::{always_evaluated, Check, CheckMeta, Facts};
use crate::model::{Part, RestApi};
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: execute_api_endpoint_disabled,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC101",
    name: "execute-api-endpoint-disabled",
    severity: Severity::Critical,
    severity_note: "high when a custom domain maps the API",
    title: "The default execute-api endpoint is disabled",
    symptom: "Every request to https://{api}.execute-api.{region}.amazonaws.com/... gets 403 {\"message\":\"Forbidden\"}, key or no key.",
    why: "With disableExecuteApiEndpoint set, API Gateway answers the default endpoint with 403; only a custom domain name reaches the API.",
    fix: "Call the API through its custom domain, or re-enable the default endpoint (API Gateway console > API settings > Default endpoint: Active) and redeploy.",
    cli: "aws apigateway update-rest-api --region {region} --rest-api-id {api_id} --patch-operations op=replace,path=/disableExecuteApiEndpoint,value=false",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-disable-default-endpoint.html",
    reads: &[Part::RestApis, Part::DomainNames, Part::BasePathMappings],
};

/// Whether calls to `api`'s execute-api URL are refused: its default endpoint is disabled.
/// The place of this check, for the audit and explain's endpoint gate.
pub fn refuses_execute_api(api: &RestApi) -> bool {
    api.disable_execute_api_endpoint
}

fn execute_api_endpoint_disabled(facts: &Facts) -> Vec<Finding> {
    let snapshot = facts.snapshot;
    let unread_domains = facts.gaps.iter().filter(|g| g.part == Part::BasePathMappings).count();
    snapshot
        .rest_apis
        .iter()
        .filter(|api| refuses_execute_api(api))
        .map(|api| {
            let domains: Vec<String> =
                snapshot.mappings_to(&api.id).map(|(domain, m)| format!("{}/{}", domain.name, base_path(&m.base_path))).collect();
            let builder = META.finding(snapshot).api(api);
            if domains.is_empty() {
                let mut detail = format!(
                    "{} ({}) has its execute-api endpoint disabled and no custom domain maps it: nothing reaches this API.",
                    api.name, api.id
                );
                if unread_domains > 0 {
                    detail.push_str(&format!(
                        " The base path mappings of {unread_domains} custom domain(s) could not be read (see GC900): if one maps this API, callers reach it there."
                    ));
                }
                builder.detail(detail).build()
            } else {
                builder
                    .severity(Severity::High)
                    .detail(format!(
                        "{} ({}) has its execute-api endpoint disabled: only its custom domain ({}) reaches it; calls to the execute-api URL get 403.",
                        api.name,
                        api.id,
                        domains.join(", ")
                    ))
                    .build()
            }
        })
        .collect()
}

fn base_path(path: &str) -> &str {
    if path == "(none)" {
        ""
    } else {
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::*;

    #[test]
    fn gc101_critical_when_nothing_reaches_the_api_high_with_a_custom_domain() {
        let mut s = healthy();
        s.rest_apis[0].disable_execute_api_endpoint = true;
        let findings = run(&CHECK, &s);
        insta::assert_json_snapshot!(findings);
        assert_eq!(ids(&findings), ["GC101"]);
        assert_eq!(
            (findings[0].severity, findings[0].stage.as_deref()),
            (Severity::Critical, None)
        );

        s.domain_names.push(domain("api.example.com", "a1", Some("prod")));
        let findings = run(&CHECK, &s);
        assert_eq!(findings[0].severity, Severity::High);
        assert!(findings[0].detail.contains("api.example.com"), "{}", findings[0].detail);
        assert!(run(&CHECK, &healthy()).is_empty());
    }
}
