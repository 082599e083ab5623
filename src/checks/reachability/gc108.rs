//! GC108 cloudfront-forwards-host-to-execute-api.

use crate::checks::{always_evaluated, Check, CheckMeta, Facts};
use crate::model::{CacheBehavior, Distribution, HostForwarding, OriginRequestPolicy, Part, Snapshot};
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: cloudfront_forwards_host,
    not_evaluated: always_evaluated,
};

pub(crate) static META: CheckMeta = CheckMeta {
    id: "GC108",
    name: "cloudfront-forwards-host-to-execute-api",
    severity: Severity::Critical,
    severity_note: "",
    title: "A CloudFront distribution forwards the viewer's Host header to an execute-api origin",
    symptom: "Every request through the distribution's behaviour gets 403 {\"message\":\"Forbidden\"} from API Gateway, key or no key; the same request to the execute-api URL works.",
    why: "API Gateway finds the API by the Host header. A behaviour whose origin request policy sends all viewer headers (Managed-AllViewer), or names Host, or whose legacy cache settings whitelist Host, sends the distribution's own name instead of the API's, and API Gateway knows no API by that name.",
    fix: "Give the behaviour an origin request policy that withholds Host, such as Managed-AllViewerExceptHostHeader (b689b0a8-53d0-40ab-baf2-68738e2966ac), or take Host off its forwarded headers (CloudFront console > Distribution > Behaviors > Edit > Origin request policy).",
    cli: "aws cloudfront get-distribution-config --id {distribution_id} (then set the behaviour's OriginRequestPolicyId to b689b0a8-53d0-40ab-baf2-68738e2966ac in the DistributionConfig it returns, and pass that back: aws cloudfront update-distribution --id {distribution_id} --if-match <ETag> --distribution-config file://config.json)",
    docs_url: "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html",
    reads: &[Part::RestApis, Part::CloudFront],
};

/// The distribution, and the behaviour and origin that send a request for `path` on to an
/// API; with how that behaviour forwards Host (None: its origin request policy was not read).
pub struct EdgeRoute<'a> {
    pub behavior: &'a CacheBehavior,
    /// The API id and region of the behaviour's execute-api origin; None: another origin.
    pub api: Option<(&'a str, &'a str)>,
    /// The origin's path, prefixed to the viewer's (`/prod`).
    pub origin_path: &'a str,
    pub host: Option<HostForwarding<'a>>,
}

/// Where `distribution` sends a request for `path`. The place of this check, for the audit
/// and for explain's endpoint gate (a request through a CloudFront host).
pub fn route<'a>(
    distribution: &'a Distribution,
    policies: &'a [OriginRequestPolicy],
    path: &str,
) -> Option<EdgeRoute<'a>> {
    let behavior = distribution.behavior_for(path)?;
    Some(edge_route(distribution, behavior, policies))
}

fn edge_route<'a>(
    distribution: &'a Distribution,
    behavior: &'a CacheBehavior,
    policies: &'a [OriginRequestPolicy],
) -> EdgeRoute<'a> {
    let origin = distribution.origin(&behavior.target_origin_id);
    EdgeRoute {
        behavior,
        api: origin.and_then(|o| o.execute_api()),
        origin_path: origin.map_or("", |o| o.path.as_str()),
        host: behavior.forwards_host(policies),
    }
}

/// How a behaviour forwards Host, in words.
pub fn how_forwarded(forwarding: HostForwarding<'_>) -> String {
    match forwarding {
        HostForwarding::Policy(policy) => {
            let sends = match policy.header_behavior.as_str() {
                "allViewer" => "every viewer header".to_string(),
                "allViewerAndWhitelistCloudFront" => "every viewer header and CloudFront's own".to_string(),
                "allExcept" => format!("every viewer header but {}", policy.headers.join(", ")),
                _ => "the Host header".to_string(),
            };
            format!(
                "its origin request policy {} ({}) sends {sends}",
                policy.name, policy.id
            )
        }
        HostForwarding::Legacy => "its legacy cache settings forward the Host header".to_string(),
        HostForwarding::No => "it does not forward Host".to_string(),
    }
}

/// The behaviour's name as the console shows it.
pub fn behavior_name(behavior: &CacheBehavior) -> String {
    match &behavior.path_pattern {
        Some(pattern) => format!("behaviour {pattern}"),
        None => "the default behaviour".to_string(),
    }
}

/// The stage an origin path names (`/prod` or `/prod/v1`): at an execute-api hostname the
/// path's first segment is the stage. Without an origin path each viewer's path names its own.
fn stage_of(origin_path: &str) -> Option<&str> {
    origin_path
        .trim_start_matches('/')
        .split('/')
        .next()
        .filter(|s| !s.is_empty())
}

fn cloudfront_forwards_host(facts: &Facts) -> Vec<Finding> {
    let snapshot: &Snapshot = facts.snapshot;
    let mut findings = Vec::new();
    for distribution in snapshot.distributions.iter().filter(|d| d.enabled) {
        for behavior in &distribution.behaviors {
            let route = edge_route(distribution, behavior, &snapshot.origin_request_policies);
            let (Some((api_id, region)), Some(forwarding @ (HostForwarding::Policy(_) | HostForwarding::Legacy))) =
                (route.api, route.host)
            else {
                continue;
            };
            let Some(api) = snapshot
                .rest_apis
                .iter()
                .find(|a| a.id == api_id && region == snapshot.region)
            else {
                continue;
            };
            let mut finding = META
                .finding(snapshot)
                .api(api)
                .var("distribution_id", distribution.id.as_str())
                .distinguish_by(format!(
                    "{} {}",
                    distribution.id,
                    behavior.path_pattern.as_deref().unwrap_or("*")
                ))
                .detail(format!(
                    "Distribution {} ({}): {} sends requests to {} ({}) at {}.execute-api.{region}.amazonaws.com, and {}; API Gateway receives the viewer's Host and refuses every such request.",
                    distribution.id,
                    distribution.aliases.first().unwrap_or(&distribution.domain_name),
                    behavior_name(behavior),
                    api.name,
                    api.id,
                    api.id,
                    how_forwarded(forwarding)
                ));
            if let Some(stage) = stage_of(route.origin_path) {
                finding = finding.stage(stage);
            }
            findings.push(finding.build());
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::*;

    #[test]
    fn gc108_all_viewer_policy_in_front_of_an_execute_api_origin() {
        let s = behind_cloudfront(Some(ALL_VIEWER), &[]);
        let findings = run(&CHECK, &s);
        insta::assert_json_snapshot!(findings);
        assert_eq!(ids(&findings), ["GC108"]);
        assert_eq!(findings[0].api_id.as_deref(), Some("a1"));
        assert_eq!(
            findings[0].stage.as_deref(),
            Some("prod"),
            "the origin path names the stage"
        );
        assert!(
            findings[0].detail.contains("Managed-AllViewer"),
            "{}",
            findings[0].detail
        );
        assert!(findings[0].remediation.contains("--id E2QWRUHAPOMQZL"));
    }

    #[test]
    fn gc108_legacy_behaviour_whitelisting_host() {
        let findings = run(&CHECK, &behind_cloudfront(None, &["Host"]));
        assert_eq!(ids(&findings), ["GC108"]);
        assert!(findings[0].detail.contains("legacy"), "{}", findings[0].detail);
    }

    #[test]
    fn gc108_is_quiet_when_host_is_withheld_or_the_origin_is_not_execute_api() {
        assert!(run(&CHECK, &behind_cloudfront(Some(ALL_VIEWER_EXCEPT_HOST), &[])).is_empty());
        assert!(run(&CHECK, &behind_cloudfront(None, &["Origin"])).is_empty());
        let mut disabled = behind_cloudfront(Some(ALL_VIEWER), &[]);
        disabled.distributions[0].enabled = false;
        assert!(
            run(&CHECK, &disabled).is_empty(),
            "a disabled distribution serves nothing"
        );
        let mut other_origin = behind_cloudfront(Some(ALL_VIEWER), &[]);
        other_origin.distributions[0].origins[0].domain_name = "api.example.com".into();
        assert!(
            run(&CHECK, &other_origin).is_empty(),
            "a custom domain is found by the Host it is sent"
        );
        let mut unknown_api = behind_cloudfront(Some(ALL_VIEWER), &[]);
        unknown_api.distributions[0].origins[0].domain_name = format!("zz9.execute-api.{REGION}.amazonaws.com");
        assert!(run(&CHECK, &unknown_api).is_empty(), "no API of this region");
        let mut unread_policy = behind_cloudfront(Some(ALL_VIEWER), &[]);
        unread_policy.origin_request_policies.clear();
        assert!(
            run(&CHECK, &unread_policy).is_empty(),
            "a policy not read is not guessed"
        );
    }

    #[test]
    fn the_route_follows_the_behaviour_that_takes_the_path() {
        let mut s = behind_cloudfront(Some(ALL_VIEWER_EXCEPT_HOST), &[]);
        s.distributions[0].behaviors.insert(
            0,
            CacheBehavior {
                path_pattern: Some("/legacy/*".into()),
                target_origin_id: "api".into(),
                origin_request_policy_id: None,
                forwarded_headers: vec!["Host".into()],
            },
        );
        let d = &s.distributions[0];
        let legacy = route(d, &s.origin_request_policies, "/legacy/orders").expect("a behaviour");
        assert_eq!(legacy.host, Some(HostForwarding::Legacy));
        assert_eq!(legacy.api, Some(("a1", REGION)));
        let default = route(d, &s.origin_request_policies, "/orders").expect("a behaviour");
        assert_eq!(default.host, Some(HostForwarding::No));
        assert_eq!(ids(&run(&CHECK, &s)), ["GC108"], "only the legacy behaviour");
    }
}
