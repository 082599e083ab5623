//! GC107 proxy-without-root-method.

use crate::checks::{always_evaluated, Check, CheckMeta, Facts, StageFacts};
use crate::model::Part;
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: proxy_without_root_method,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC107",
    name: "proxy-without-root-method",
    severity: Severity::Low,
    severity_note: "",
    title: "A {proxy+} resource catches every path below it, but the path it hangs from has no method",
    symptom: "Every sub-path works, but a call to the base path itself (https://{api_id}.execute-api.{region}.amazonaws.com/{stage}/) answers 403 {\"message\":\"Missing Authentication Token\"}.",
    why: "A greedy {proxy+} path variable matches one segment or more, never none: the resource above it answers only for the methods it has, and API Gateway answers a request that matches no method with 403 Missing Authentication Token.",
    fix: "Add a method (ANY) on the parent resource with the same integration as {proxy+} (API Gateway console > Resources > / > Create method), then redeploy.",
    cli: "aws apigateway put-method --region {region} --rest-api-id {api_id} --resource-id <parent_resource_id> --http-method ANY --authorization-type NONE && aws apigateway create-deployment --region {region} --rest-api-id {api_id} --stage-name {stage}",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-set-up-simple-proxy.html",
    reads: &[Part::RestApis, Part::Resources, Part::Stages, Part::Deployments],
};

/// The path a greedy `{proxy+}` resource hangs from: `/{proxy+}` → `/`, `/v1/{proxy+}` → `/v1`.
fn parent_of_proxy(path: &str) -> Option<&str> {
    let parent = path.strip_suffix("/{proxy+}")?;
    Some(if parent.is_empty() { "/" } else { parent })
}

/// The predicate for one place, shared with explain's route gate: whether `path` is one a
/// `{proxy+}` resource hangs from while no method answers on it, among the paths a stage
/// serves methods on.
pub fn unanswered_proxy_parent<'a>(served_paths: impl Iterator<Item = &'a str> + Clone, path: &str) -> bool {
    let path = match path.trim_end_matches('/') {
        "" => "/",
        trimmed => trimmed,
    };
    let mut paths = served_paths;
    paths.clone().any(|p| parent_of_proxy(p) == Some(path)) && !paths.any(|p| p == path)
}

fn proxy_without_root_method(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for StageFacts { api, stage, served, .. } in facts.stages() {
        let mut parents: Vec<&str> = served.iter().filter_map(|m| parent_of_proxy(m.path)).collect();
        parents.sort_unstable();
        parents.dedup();
        for parent in parents {
            if !unanswered_proxy_parent(served.iter().map(|m| m.path), parent) {
                continue;
            }
            let proxy = match parent {
                "/" => "/{proxy+}".to_string(),
                _ => format!("{parent}/{{proxy+}}"),
            };
            findings.push(
                META.stage_finding(facts.snapshot, api, &stage.name)
                    .method(parent, "ANY")
                    .distinguish_by(parent.to_string())
                    .detail(format!(
                        "{proxy} serves every path below {parent}, but {parent} has no method on stage {}: a call to {parent} itself answers 403 Missing Authentication Token.",
                        stage.name
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

    fn proxied(parent: &str, parent_has_method: bool) -> crate::model::Snapshot {
        let mut s = empty();
        let proxy = if parent == "/" {
            "/{proxy+}".to_string()
        } else {
            format!("{parent}/{{proxy+}}")
        };
        let mut api = with_resource(api("a1"), &proxy, vec![method("ANY", false, "NONE")]);
        if parent_has_method {
            api = with_resource(api, parent, vec![method("ANY", false, "NONE")]);
        }
        s.rest_apis.push(with_stage(api, "prod"));
        s
    }

    #[test]
    fn gc107_fires_when_the_proxys_parent_has_no_method() {
        let findings = run(&CHECK, &proxied("/", false));
        insta::assert_json_snapshot!(findings);
        assert_eq!(ids(&findings), ["GC107"]);
        assert!(
            findings[0].detail.contains("a call to / itself"),
            "{}",
            findings[0].detail
        );
        let nested = run(&CHECK, &proxied("/v1", false));
        assert_eq!(nested[0].resource_path.as_deref(), Some("/v1"));
    }

    #[test]
    fn gc107_is_quiet_when_the_parent_answers_or_there_is_no_proxy() {
        assert!(run(&CHECK, &proxied("/", true)).is_empty());
        assert!(run(&CHECK, &proxied("/v1", true)).is_empty());
        assert!(run(&CHECK, &healthy()).is_empty());
    }
}
