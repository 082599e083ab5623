//! GC109 vpc-endpoint-policy-refuses.

use crate::checks::{Check, CheckMeta, Facts, NotEvaluated};
use crate::model::{AuthorizationType, Part, RestApi, VpcEndpoint};
use crate::policy::decide::{decide_policy, Caller, PolicyDecision};
use crate::policy::Policy;
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: endpoint_policy_refuses,
    not_evaluated: unparseable_endpoint_policies,
};

static META: CheckMeta = CheckMeta {
    id: "GC109",
    name: "vpc-endpoint-policy-refuses",
    severity: Severity::High,
    severity_note: "",
    title: "An execute-api VPC endpoint's own policy refuses calls to a private API reached through it",
    symptom: "Calls to the private API through the endpoint get 403 {\"message\":\"Forbidden\"} (\"User: anonymous is not authorized...\"), even though the API's resource policy allows that endpoint.",
    why: "A request through an interface endpoint is checked against the endpoint's policy before the API's own; an unsigned caller is anonymous there, so a policy that allows only named principals, or names other APIs, refuses it.",
    fix: "Let the endpoint's policy allow execute-api:Invoke on the API for the callers who use it (Principal \"*\" for unsigned callers, the API's ARN or arn:aws:execute-api:<region>:<account>:*) (VPC console > Endpoints > Policy).",
    cli: "aws ec2 modify-vpc-endpoint --region {region} --vpc-endpoint-id {vpce_id} --policy-document file://endpoint-policy.json",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-vpc-endpoint-policies.html",
    // Not the resource policies: one that does not parse still lets the endpoint be reached,
    // as far as anyone can tell, and the endpoint refuses first.
    reads: &[Part::RestApis, Part::VpcEndpoints],
};

/// Whether callers of `api` get through `endpoint`'s own policy: decided as one request is,
/// for any resource of the API, by an anonymous caller unless every method is signed (IAM).
/// None when the policy does not parse. The place of this check, for the audit and for
/// explain's private-API gate, which asks the same of one request.
pub fn endpoint_refuses(endpoint: &VpcEndpoint, api: &RestApi) -> Option<bool> {
    let Some(text) = &endpoint.policy else {
        // No policy is EC2's full-access default.
        return Some(false);
    };
    let policy = Policy::parse(text).ok()?;
    let signed = all_methods_signed(api);
    let decision = decide_policy(&policy, &Caller::any_to_api(&endpoint.id, &api.id, signed));
    Some(matches!(
        decision,
        PolicyDecision::ImplicitDeny | PolicyDecision::ExplicitDeny(_)
    ))
}

fn all_methods_signed(api: &RestApi) -> bool {
    let mut methods = api.resources.iter().flat_map(|r| &r.methods).peekable();
    methods.peek().is_some()
        && methods.all(|m| AuthorizationType::of(&m.authorization_type) == AuthorizationType::AwsIam)
}

/// Whether calls to private API `api` may come through endpoint `vpce`: its resource policy
/// may admit it. A policy that does not parse admits it as far as anyone can tell; no policy
/// admits nothing (GC102). The place of this check, with `endpoint_refuses`.
pub fn reaches_through(api: &RestApi, vpce: &str) -> bool {
    api.is_private()
        && match api.policy.as_deref().map(Policy::parse) {
            Some(Ok(policy)) => policy.admits_endpoint(vpce),
            Some(Err(_)) => true,
            None => false,
        }
}

fn endpoint_policy_refuses(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for api in facts.snapshot.rest_apis.iter().filter(|api| api.is_private()) {
        let reaching = facts
            .snapshot
            .vpc_endpoints
            .iter()
            .filter(|e| e.is_available() && reaches_through(api, &e.id));
        for endpoint in reaching {
            if endpoint_refuses(endpoint, api) != Some(true) {
                continue;
            }
            findings.push(
                META.finding(facts.snapshot)
                    .api(api)
                    .var("vpce_id", endpoint.id.as_str())
                    .distinguish_by(endpoint.id.clone())
                    .detail(format!(
                        "{} ({}) admits VPC endpoint {} (in {}), but the endpoint's own policy does not allow {} callers to invoke it.",
                        api.name,
                        api.id,
                        endpoint.id,
                        endpoint.vpc_id,
                        if all_methods_signed(api) { "its signed" } else { "unsigned (anonymous)" }
                    ))
                    .build(),
            );
        }
    }
    findings
}

/// Endpoints whose policy does not parse: whether they refuse is not evaluated.
fn unparseable_endpoint_policies(facts: &Facts) -> Vec<NotEvaluated> {
    facts
        .snapshot
        .vpc_endpoints
        .iter()
        .filter(|e| e.policy.as_deref().is_some_and(|p| Policy::parse(p).is_err()))
        .map(|e| NotEvaluated {
            check: META.id.to_string(),
            api_id: None,
            stage: None,
            reason: format!("the policy of VPC endpoint {} does not parse", e.id),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::*;

    const ALLOW_VPCE: &str = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0abc"}}}]}"#;

    fn private_behind(endpoint_policy: Option<&str>) -> crate::model::Snapshot {
        let mut s = healthy();
        s.rest_apis[0].endpoint_types = vec!["PRIVATE".into()];
        s.rest_apis[0].policy = Some(ALLOW_VPCE.into());
        s.vpc_endpoints.push(VpcEndpoint {
            id: "vpce-0abc".into(),
            vpc_id: "vpc-1".into(),
            private_dns: false,
            policy: endpoint_policy.map(str::to_string),
            state: Some("available".into()),
        });
        s
    }

    /// VPC endpoint policies for private APIs: an unsigned caller is anonymous, so a policy that
    /// allows only a named principal refuses it; one that names another API does too.
    #[test]
    fn gc109_fires_when_the_endpoint_policy_lets_no_caller_invoke_the_api() {
        let principal_only = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"execute-api:Invoke","Resource":"*"}]}"#;
        let findings = run(&CHECK, &private_behind(Some(principal_only)));
        insta::assert_json_snapshot!(findings);
        assert_eq!(ids(&findings), ["GC109"]);
        assert!(
            findings[0].detail.contains("unsigned (anonymous)"),
            "{}",
            findings[0].detail
        );
        let other_api = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:eu-west-1:111122223333:zzz999/*"}]}"#;
        assert_eq!(ids(&run(&CHECK, &private_behind(Some(other_api)))), ["GC109"]);
    }

    #[test]
    fn gc109_is_quiet_for_the_default_and_open_policies() {
        assert!(
            run(&CHECK, &private_behind(None)).is_empty(),
            "no policy is full access"
        );
        let default = r#"{"Statement":[{"Action":"*","Effect":"Allow","Principal":"*","Resource":"*"}]}"#;
        assert!(run(&CHECK, &private_behind(Some(default))).is_empty());
        let this_api = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:eu-west-1:111122223333:a1/*"}]}"#;
        assert!(run(&CHECK, &private_behind(Some(this_api))).is_empty());
        let broken = private_behind(Some("{not json"));
        assert!(run(&CHECK, &broken).is_empty());
        assert_eq!((CHECK.not_evaluated)(&Facts::new(&broken)).len(), 1);
        let mut regional = private_behind(Some(r#"{"Statement":[]}"#));
        regional.rest_apis[0].endpoint_types = vec!["REGIONAL".into()];
        assert!(run(&CHECK, &regional).is_empty(), "only private APIs go through it");
    }
}
