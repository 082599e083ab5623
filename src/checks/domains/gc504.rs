//! GC504 routing-rules-shadow-mappings.

use crate::checks::{always_evaluated, Check, CheckMeta, Facts};
use crate::model::Part;
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
    title: "The custom domain routes by rules only: its base path mappings are ignored",
    symptom: "Calls to a base path that a mapping names, and no routing rule matches, get 403 (or reach another API than the mapping says).",
    why: "With routingMode ROUTING_RULE_ONLY, API Gateway sends each request by the domain's routing rules and never looks at its base path mappings.",
    fix: "Add routing rules for the mapped base paths, or set the routing mode to ROUTING_RULE_THEN_BASE_PATH_MAPPING or BASE_PATH_MAPPING_ONLY (API Gateway console > Custom domain names > domain > Routing mode).",
    cli: "aws apigateway update-domain-name --region {region} --domain-name {domain} --patch-operations op=replace,path=/routingMode,value=ROUTING_RULE_THEN_BASE_PATH_MAPPING",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-routing-rules.html",
    reads: &[Part::DomainNames, Part::BasePathMappings],
};

fn routing_rules_shadow_mappings(facts: &Facts) -> Vec<Finding> {
    facts
        .snapshot
        .domain_names
        .iter()
        .filter(|d| d.routing_mode.as_deref() == Some("ROUTING_RULE_ONLY") && !d.mappings.is_empty())
        .map(|domain| {
            let mapped: Vec<String> = domain
                .mappings
                .iter()
                .map(|m| format!("/{} → {}", m.base_path.replace("(none)", ""), m.rest_api_id))
                .collect();
            META.finding(facts.snapshot)
                .var("domain", domain.name.as_str())
                .distinguish_by(domain.name.clone())
                .detail(format!(
                    "{} routes by rules only (routingMode ROUTING_RULE_ONLY), so its {} base path mapping(s) are ignored: {}. Its routing rules (API Gateway v2 ListRoutingRules) are not read, so whether they cover these paths, or point at APIs and stages that exist, is not checked.",
                    domain.name,
                    mapped.len(),
                    mapped.join(", ")
                ))
                .build()
        })
        .collect()
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
