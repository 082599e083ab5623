//! GC503 private-domain-unreachable.

use crate::checks::{Check, CheckMeta, Facts, NotEvaluated};
use crate::model::{DomainName, Part, RoutingMode, Snapshot};
use crate::policy::Policy;
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: private_domain_unreachable,
    not_evaluated: unparseable_domain_policies,
};

static META: CheckMeta = CheckMeta {
    id: "GC503",
    name: "private-domain-unreachable",
    severity: Severity::Critical,
    severity_note: "",
    title: "No VPC endpoint can reach the private custom domain",
    symptom: "Every call through the private custom domain name fails: it does not resolve or connect from a VPC endpoint that is not associated, and gets 403 where a policy leaves the endpoint out.",
    why: "A private custom domain is reached only through the VPC endpoints associated with it (domain name access associations), and only those its own policy and the mapped private API's policy both allow.",
    fix: "Associate the callers' VPC endpoint with the domain, and allow it in the domain's policy and in the mapped private API's resource policy (API Gateway console > Custom domain names > domain > Resource policy / Domain name access associations).",
    cli: "aws apigateway create-domain-name-access-association --region {region} --domain-name-arn {domain_arn} --access-association-source-type VPCE --access-association-source <vpce_id>",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-custom-domains.html",
    reads: &[Part::DomainNames, Part::DomainAccessAssociations, Part::BasePathMappings, Part::RestApis],
};

fn private_domains<'a>(facts: &'a Facts) -> impl Iterator<Item = &'a DomainName> + 'a {
    facts
        .snapshot
        .domain_names
        .iter()
        .filter(|d| d.domain_name_id.is_some())
}

/// Which of a private domain's associated VPC endpoints may invoke through it: the audit's
/// GC503 and explain's endpoint gate decide on this one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainAdmission<'a> {
    /// No VPC endpoint is associated with the domain.
    NoEndpoint,
    /// The domain has no policy: nothing may invoke through it.
    NoPolicy,
    /// The domain's policy does not parse: not evaluated (the error).
    Unparseable(String),
    /// The associated endpoints the policy lets invoke (none: the policy, described).
    Admitted(Vec<&'a str>, String),
}

pub fn domain_admission(domain: &DomainName) -> DomainAdmission<'_> {
    if domain.access_associations.is_empty() {
        return DomainAdmission::NoEndpoint;
    }
    match domain.policy.as_deref().map(Policy::parse) {
        None => DomainAdmission::NoPolicy,
        Some(Err(err)) => DomainAdmission::Unparseable(err.to_string()),
        Some(Ok(policy)) => DomainAdmission::Admitted(
            domain
                .access_associations
                .iter()
                .map(String::as_str)
                .filter(|vpce| policy.admits_endpoint(vpce))
                .collect(),
            policy.describe(),
        ),
    }
}

/// The APIs a domain sends requests to, with the base path that reaches each: its mappings
/// unless it routes by rules only, and its rules' targets when it routes by rules.
fn apis_reached(domain: &DomainName) -> Vec<(&str, String)> {
    let routing = domain.routing();
    let mut reached: Vec<(&str, String)> = Vec::new();
    if routing.uses_rules() {
        for rule in &domain.routing_rules {
            let path = rule.base_paths.first().cloned().unwrap_or_default();
            reached.extend(rule.api_id.as_deref().map(|api| (api, path)));
        }
    }
    if routing != RoutingMode::RoutingRuleOnly {
        reached.extend(
            domain
                .mappings
                .iter()
                .map(|m| (m.rest_api_id.as_str(), m.base_path.replace("(none)", ""))),
        );
    }
    reached
}

fn private_domain_unreachable(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for domain in private_domains(facts) {
        let endpoints = &domain.access_associations;
        let mut causes = Vec::new();
        let admitted = match domain_admission(domain) {
            DomainAdmission::NoEndpoint => {
                causes.push("no VPC endpoint is associated with it".to_string());
                Vec::new()
            }
            DomainAdmission::NoPolicy => {
                causes.push("it has no policy, so nothing may invoke through it".into());
                Vec::new()
            }
            // Said by not_evaluated, with no guess: every associated endpoint may be admitted,
            // and the APIs' own policies are still judged.
            DomainAdmission::Unparseable(_) => endpoints.iter().map(String::as_str).collect(),
            DomainAdmission::Admitted(admitted, policy) => {
                if admitted.is_empty() {
                    causes.push(format!(
                        "its policy lets none of its VPC endpoints ({}) invoke: {policy}",
                        endpoints.join(", "),
                    ));
                }
                admitted
            }
        };
        if !admitted.is_empty() {
            for (api_id, base_path) in apis_reached(domain) {
                let Some(api) = facts.index.rest_api(api_id) else {
                    continue;
                };
                let Some(Ok(policy)) = api.policy.as_deref().map(Policy::parse) else {
                    continue;
                };
                if !admitted.iter().any(|vpce| policy.admits_endpoint(vpce)) {
                    causes.push(format!(
                        "the resource policy of {} ({}), which /{base_path} reaches, lets none of {} in",
                        api.name,
                        api.id,
                        admitted.join(", ")
                    ));
                }
            }
        }
        if causes.is_empty() {
            continue;
        }
        let arn = domain_arn(facts.snapshot, domain);
        findings.push(
            META.finding(facts.snapshot)
                .domain(&domain.name)
                .var("domain_arn", arn.as_str())
                .distinguish_by(DomainName::object_id(&domain.name))
                .detail(format!(
                    "Private custom domain {} is unreachable: {}.",
                    domain.name,
                    causes.join("; and ")
                ))
                .build(),
        );
    }
    findings
}

fn unparseable_domain_policies(facts: &Facts) -> Vec<NotEvaluated> {
    private_domains(facts)
        .filter_map(|d| {
            let err = Policy::parse(d.policy.as_deref()?).err()?;
            Some(NotEvaluated {
                check: META.id.to_string(),
                api_id: None,
                stage: None,
                reason: format!("the policy of private domain {} does not parse: {err}", d.name),
            })
        })
        .collect()
}

/// The private domain's ARN, as its fix's command names it.
pub fn domain_arn(snapshot: &Snapshot, domain: &DomainName) -> String {
    crate::arn::private_domain(
        &snapshot.region,
        snapshot.account.id.as_deref().unwrap_or("<account>"),
        &domain.name,
        domain.domain_name_id.as_deref().unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::*;

    const ENDPOINT_POLICY: &str = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0abc"}}}]}"#;

    fn private(associations: &[&str], policy: Option<&str>) -> crate::model::Snapshot {
        let mut s = healthy();
        let mut d = domain("internal.example.com", "a1", Some("prod"));
        d.domain_name_id = Some("abcde12345".into());
        d.endpoint_types = vec!["PRIVATE".into()];
        d.policy = policy.map(str::to_string);
        d.access_associations = associations.iter().map(|a| (*a).to_string()).collect();
        s.domain_names.push(d);
        s
    }

    #[test]
    fn gc503_fires_without_an_association_or_an_endpoint_the_policies_allow() {
        let findings = run(&CHECK, &private(&[], Some(ENDPOINT_POLICY)));
        insta::assert_json_snapshot!(findings);
        assert_eq!(ids(&findings), ["GC503"]);
        assert!(
            findings[0].detail.contains("no VPC endpoint is associated"),
            "{}",
            findings[0].detail
        );
        let other = run(&CHECK, &private(&["vpce-0def"], Some(ENDPOINT_POLICY)));
        assert!(
            other[0].detail.contains("lets none of its VPC endpoints (vpce-0def)"),
            "{}",
            other[0].detail
        );
        let mut api_closed = private(&["vpce-0abc"], Some(ENDPOINT_POLICY));
        api_closed.rest_apis[0].endpoint_types = vec!["PRIVATE".into()];
        api_closed.rest_apis[0].policy = Some(ENDPOINT_POLICY.replace("vpce-0abc", "vpce-9999"));
        let api = run(&CHECK, &api_closed);
        assert!(
            api[0].detail.contains("resource policy of a1-name (a1)"),
            "{}",
            api[0].detail
        );
    }

    #[test]
    fn gc503_is_quiet_for_a_reachable_or_public_domain() {
        let mut ok = private(&["vpce-0abc"], Some(ENDPOINT_POLICY));
        ok.rest_apis[0].policy = Some(ENDPOINT_POLICY.into());
        assert!(run(&CHECK, &ok).is_empty());
        let mut public = healthy();
        public.domain_names.push(domain("api.example.com", "a1", Some("prod")));
        assert!(run(&CHECK, &public).is_empty());
        let broken = private(&["vpce-0abc"], Some("{not json"));
        assert!(run(&CHECK, &broken).is_empty());
        assert_eq!((CHECK.not_evaluated)(&Facts::new(&broken)).len(), 1);
    }

    /// An API a routing rule invokes is reached through the domain as a mapped one is; the
    /// domain's unparseable policy leaves the APIs' own policies to judge.
    #[test]
    fn gc503_judges_the_apis_routing_rules_reach_and_behind_an_unread_domain_policy() {
        let closed = ENDPOINT_POLICY.replace("vpce-0abc", "vpce-9999");
        let mut by_rule = private(&["vpce-0abc"], Some(ENDPOINT_POLICY));
        by_rule.domain_names[0].mappings.clear();
        by_rule.domain_names[0].routing_mode = Some("ROUTING_RULE_ONLY".into());
        by_rule.domain_names[0].routing_rules = vec![crate::model::RoutingRule {
            priority: 1,
            base_paths: vec!["v1".into()],
            api_id: Some("a1".into()),
            stage: Some("prod".into()),
            ..Default::default()
        }];
        by_rule.rest_apis[0].policy = Some(closed.clone());
        let findings = run(&CHECK, &by_rule);
        assert_eq!(ids(&findings), ["GC503"]);
        assert!(findings[0].detail.contains("/v1 reaches"), "{}", findings[0].detail);
        let mut unread_domain_policy = private(&["vpce-0abc"], Some("{not json"));
        unread_domain_policy.rest_apis[0].policy = Some(closed);
        assert_eq!(ids(&run(&CHECK, &unread_domain_policy)), ["GC503"]);
    }
}
