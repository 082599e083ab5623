//! GC501 base-path-mapping-to-missing-stage.

use super::{invoked, Invoked};
use crate::checks::{always_evaluated, Check, CheckMeta, Facts};
use crate::model::Part;
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: base_path_mapping_to_missing_stage,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC501",
    name: "base-path-mapping-to-missing-stage",
    severity: Severity::High,
    severity_note: "",
    title: "A custom domain's base path maps to an API or stage that does not exist",
    symptom: "Requests to https://{domain}/{base path}/... get 403 {\"message\":\"Forbidden\"}: the mapping leads nowhere.",
    why: "Deleting an API or stage leaves the custom domain's base path mapping in place, pointing at nothing.",
    fix: "Point the mapping at an existing API and stage, or delete it (API Gateway console > Custom domain names > domain > API mappings).",
    cli: "aws apigateway update-base-path-mapping --region {region} --domain-name {domain} --base-path {base_path} --patch-operations op=replace,path=/stage,value=<stage>",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html",
    reads: &[Part::RestApis, Part::Stages, Part::DomainNames, Part::BasePathMappings],
};

fn base_path_mapping_to_missing_stage(facts: &Facts) -> Vec<Finding> {
    let (snapshot, index) = (facts.snapshot, &facts.index);
    let scoped_api = snapshot.scope.api_id.as_deref();
    let mut findings = Vec::new();
    for domain in &snapshot.domain_names {
        for mapping in &domain.mappings {
            // An API-scoped snapshot holds only that API: others are not known to be gone.
            if scoped_api.is_some_and(|id| id != mapping.rest_api_id) {
                continue;
            }
            let api = index.rest_api(&mapping.rest_api_id);
            let missing = match invoked(index, Some(&mapping.rest_api_id), mapping.stage.as_deref()) {
                Invoked::NoApi => format!("API {} does not exist", mapping.rest_api_id),
                Invoked::NoStage(api, stage) => format!("API {} ({}) has no stage '{stage}'", api.name, api.id),
                Invoked::Found(_) => continue,
            };
            let builder = match api {
                Some(api) => META.finding(snapshot).api(api),
                None => META.finding(snapshot).api_id(&mapping.rest_api_id),
            };
            let builder = match &mapping.stage {
                Some(stage) => builder.stage(stage),
                None => builder,
            };
            findings.push(
                builder
                    .domain(&domain.name)
                    .var("domain", domain.name.as_str())
                    .var("base_path", mapping.base_path.as_str())
                    .distinguish_by(format!("{}/{}", domain.name, mapping.base_path))
                    .detail(format!(
                        "Custom domain {} maps base path '{}' to {}:{}, but {missing}.",
                        domain.name,
                        mapping.base_path,
                        mapping.rest_api_id,
                        mapping.stage.as_deref().unwrap_or("*")
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

    #[test]
    fn gc501_mapping_to_missing_api_or_stage() {
        let mut s = healthy();
        s.domain_names.push(domain("ok.example.com", "a1", Some("prod")));
        assert!(run(&CHECK, &s).is_empty());
        s.domain_names.push(domain("old.example.com", "a1", Some("v0")));
        s.domain_names.push(domain("gone.example.com", "zzz", None));
        let findings = run(&CHECK, &s);
        insta::assert_json_snapshot!(findings);
        assert_eq!(findings.len(), 2);
        assert!(findings.iter().any(|f| f.stage.as_deref() == Some("v0")));
        assert!(findings
            .iter()
            .any(|f| f.api_id.as_deref() == Some("zzz") && f.detail.contains("does not exist")));
    }
}
