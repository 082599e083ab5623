//! Custom domain names: base path mappings to APIs or stages that are gone. GC501.

use super::{always_evaluated, Check, CheckMeta, Facts};
use crate::finding::{Finding, Severity};
use crate::model::Part;

pub static GC501: Check = Check {
    meta: &GC501_META,
    run: base_path_mapping_to_missing_stage,
    not_evaluated: always_evaluated,
};

static GC501_META: CheckMeta = CheckMeta {
    id: "GC501",
    name: "base-path-mapping-to-missing-stage",
    severity: Severity::High,
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
            let missing = match (api, &mapping.stage) {
                (None, _) => format!("API {} does not exist", mapping.rest_api_id),
                (Some(api), Some(stage)) if api.stage(stage).is_none() => {
                    format!("API {} ({}) has no stage '{stage}'", api.name, api.id)
                }
                _ => continue,
            };
            let builder = match api {
                Some(api) => GC501_META.finding(snapshot).api(api),
                None => GC501_META.finding(snapshot).api_id(&mapping.rest_api_id),
            };
            let builder = match &mapping.stage {
                Some(stage) => builder.stage(stage),
                None => builder,
            };
            findings.push(
                builder
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
