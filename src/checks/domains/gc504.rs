//! GC504 routing-rules-shadow-mappings.

use super::{invoked, Invoked};
use crate::checks::{always_evaluated, Check, CheckMeta, Facts};
use crate::model::Part;
use crate::model::RoutingMode;
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: routing_rules_shadow_mappings,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC504",
    name: "routing-rules-shadow-mappings",
    severity: Severity::High,
    severity_note: "",
    title: "The custom domain's routing rules ignore its mappings or invoke a missing API or stage",
    symptom: "Calls to a base path that a mapping names, and no routing rule matches, get 403; so do calls a rule sends to an API or stage that does not exist.",
    why: "With routingMode ROUTING_RULE_ONLY, API Gateway sends each request by the domain's routing rules and never looks at its base path mappings; a rule keeps pointing at an API or stage after it is deleted.",
    fix: "Add routing rules for the mapped base paths, or set the routing mode to ROUTING_RULE_THEN_BASE_PATH_MAPPING or BASE_PATH_MAPPING_ONLY (API Gateway console > Custom domain names > domain > Routing mode).",
    cli: "aws apigateway update-domain-name --region {region} --domain-name {domain} --patch-operations op=replace,path=/routingMode,value=ROUTING_RULE_THEN_BASE_PATH_MAPPING",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-routing-rules.html",
    reads: &[Part::DomainNames, Part::BasePathMappings, Part::RoutingRules, Part::RestApis, Part::Stages],
};

fn routing_rules_shadow_mappings(facts: &Facts) -> Vec<Finding> {
    let scoped_api = facts.snapshot.scope.api_id.as_deref();
    let mut findings = Vec::new();
    for domain in &facts.snapshot.domain_names {
        let finding = |detail: String, distinct: String| {
            META.finding(facts.snapshot)
                .domain(&domain.name)
                .var("domain", domain.name.as_str())
                .distinguish_by(distinct)
                .detail(detail)
                .build()
        };
        if domain.routing() == RoutingMode::RoutingRuleOnly && !domain.mappings.is_empty() {
            let mapped: Vec<String> = domain
                .mappings
                .iter()
                .map(|m| format!("/{} → {}", m.base_path.replace("(none)", ""), m.rest_api_id))
                .collect();
            findings.push(finding(
                format!(
                    "{} maps {} base path(s) ({}), but routes by rules only (routingMode ROUTING_RULE_ONLY): the mappings are ignored.",
                    domain.name,
                    mapped.len(),
                    mapped.join(", ")
                ),
                domain.name.clone(),
            ));
        }
        for rule in &domain.routing_rules {
            let api_id = rule.api_id.as_deref().unwrap_or_default();
            // An API-scoped snapshot holds only that API: others are not known to be gone.
            if scoped_api.is_some_and(|id| id != api_id) {
                continue;
            }
            // Stages that could not be read are unknown, not missing.
            if facts.unread(Part::Stages, api_id, rule.stage.as_deref()) {
                continue;
            }
            let missing = match invoked(&facts.index, rule.api_id.as_deref(), rule.stage.as_deref()) {
                Invoked::NoApi if api_id.is_empty() => "no API (the rule names none)".to_string(),
                Invoked::NoApi => format!("API {api_id}, which does not exist"),
                Invoked::NoStage(api, stage) => {
                    format!("stage '{stage}' of API {} ({}), which does not exist", api.name, api.id)
                }
                Invoked::Found(_) => continue,
            };
            let matches = if rule.base_paths.is_empty() {
                "every base path".to_string()
            } else {
                rule.base_paths
                    .iter()
                    .map(|p| format!("/{p}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            // Placed on the API and stage the rule invokes, as GC501 places a mapping's: what
            // hides that stage (an unread part) hides this finding too.
            let target = match facts.index.rest_api(api_id) {
                Some(api) => META.finding(facts.snapshot).api(api),
                None => META.finding(facts.snapshot).api_id(api_id),
            };
            let target = match rule.stage.as_deref() {
                Some(stage) => target.stage(stage),
                None => target,
            };
            findings.push(
                target
                    .domain(&domain.name)
                    .var("domain", domain.name.as_str())
                    .distinguish_by(format!("{} rule {}", domain.name, rule.priority))
                    .detail(format!(
                        "{}'s routing rule of priority {} sends {matches} to {missing}: those requests are refused.",
                        domain.name, rule.priority
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

    fn with_mode(mode: Option<&str>) -> crate::model::Snapshot {
        let mut s = healthy();
        let mut d = domain("api.example.com", "a1", Some("prod"));
        d.routing_mode = mode.map(str::to_string);
        s.domain_names.push(d);
        s
    }

    #[test]
    fn gc504_fires_when_rules_only_leave_mappings_unused() {
        let findings = run(&CHECK, &with_mode(Some("ROUTING_RULE_ONLY")));
        insta::assert_json_snapshot!(findings);
        assert_eq!(ids(&findings), ["GC504"]);
        assert!(findings[0].remediation.contains("--domain-name api.example.com"));
    }

    #[test]
    fn gc504_fires_for_a_rule_that_invokes_a_missing_stage() {
        let mut s = with_mode(Some("ROUTING_RULE_THEN_BASE_PATH_MAPPING"));
        let rule = |stage: &str| crate::model::RoutingRule {
            priority: 10,
            base_paths: vec!["orders".into()],
            api_id: Some("a1".into()),
            stage: Some(stage.into()),
            ..Default::default()
        };
        s.domain_names[0].routing_rules = vec![rule("old")];
        let findings = run(&CHECK, &s);
        assert_eq!(ids(&findings), ["GC504"]);
        assert!(
            findings[0].detail.contains("sends /orders to stage 'old'"),
            "{}",
            findings[0].detail
        );
        s.domain_names[0].routing_rules = vec![rule("prod")];
        assert!(run(&CHECK, &s).is_empty());
        // The target's stages could not be read: unknown, not missing.
        s.domain_names[0].routing_rules = vec![rule("old")];
        s.gaps.push(gap(Part::Stages, Some("a1")));
        assert!(run(&CHECK, &s).is_empty());
    }

    #[test]
    fn gc504_is_quiet_when_mappings_still_count() {
        for mode in [
            None,
            Some("BASE_PATH_MAPPING_ONLY"),
            Some("ROUTING_RULE_THEN_BASE_PATH_MAPPING"),
        ] {
            assert!(run(&CHECK, &with_mode(mode)).is_empty(), "{mode:?}");
        }
    }
}
