//! What the collector could not read, and which parts of the configuration that hides.

use serde::{Deserialize, Serialize};

/// The kinds of configuration the collector reads. A check declares the parts it reads, so a
/// part that could not be read names the checks it blinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    RestApis,
    Resources,
    Authorizers,
    Stages,
    Deployments,
    UsagePlans,
    UsagePlanKeys,
    ApiKeys,
    Account,
    WebAcls,
    IpSets,
    DomainNames,
    /// One custom domain's base path mappings: a gap for that domain, not for the region.
    BasePathMappings,
    /// Which VPC endpoints are associated with the region's private custom domain names.
    DomainAccessAssociations,
    /// One custom domain's routing rules: a gap for that domain.
    RoutingRules,
    /// Read, but not understood: a resource policy that does not parse.
    ResourcePolicies,
    /// One API's customized gateway responses.
    GatewayResponses,
    /// Everything read per API (resources, authorizers, stages, deployments), when none of
    /// it was read.
    ApiDetails,
    /// The audited account's id (sts:GetCallerIdentity): findings without it carry no
    /// account and fingerprint differently.
    CallerIdentity,
    /// The whole account-region: its role could not be assumed, or nothing could be read.
    AccountAccess,
    /// The region's execute-api interface VPC endpoints (EC2).
    VpcEndpoints,
    /// The account's CloudFront distributions and the origin request policies they name.
    CloudFront,
}

impl Part {
    /// Every part, in declaration order.
    pub const ALL: [Part; 22] = [
        Part::RestApis,
        Part::Resources,
        Part::Authorizers,
        Part::Stages,
        Part::Deployments,
        Part::UsagePlans,
        Part::UsagePlanKeys,
        Part::ApiKeys,
        Part::Account,
        Part::WebAcls,
        Part::IpSets,
        Part::DomainNames,
        Part::BasePathMappings,
        Part::DomainAccessAssociations,
        Part::RoutingRules,
        Part::ResourcePolicies,
        Part::GatewayResponses,
        Part::ApiDetails,
        Part::CallerIdentity,
        Part::AccountAccess,
        Part::VpcEndpoints,
        Part::CloudFront,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Part::RestApis => "REST APIs",
            Part::Resources => "resources and methods",
            Part::Authorizers => "authorizers",
            Part::Stages => "stages",
            Part::Deployments => "deployments",
            Part::UsagePlans => "usage plans",
            Part::UsagePlanKeys => "usage plan keys",
            Part::ApiKeys => "API keys",
            Part::Account => "account settings",
            Part::WebAcls => "WAF web ACLs",
            Part::IpSets => "WAF IP sets",
            Part::DomainNames => "custom domain names",
            Part::BasePathMappings => "base path mappings",
            Part::DomainAccessAssociations => "domain name access associations",
            Part::RoutingRules => "routing rules",
            Part::ResourcePolicies => "resource policy",
            Part::GatewayResponses => "gateway responses",
            Part::ApiDetails => "resources, authorizers, stages and deployments",
            Part::CallerIdentity => "the account id",
            Part::AccountAccess => "everything in the account and region",
            Part::VpcEndpoints => "execute-api VPC endpoints",
            Part::CloudFront => "CloudFront distributions and origin request policies",
        }
    }

    /// Whether a gap in `self` leaves `other` unread: without the APIs, nothing read per API
    /// is known; without an API's details, neither are its stages' web ACLs.
    pub fn includes(self, other: Part) -> bool {
        let per_api = matches!(
            other,
            Part::Resources
                | Part::Authorizers
                | Part::Stages
                | Part::Deployments
                | Part::WebAcls
                | Part::IpSets
                | Part::GatewayResponses
        );
        self == other
            || self == Part::AccountAccess
            || (self == Part::ApiDetails && per_api)
            || (self == Part::RestApis && (per_api || matches!(other, Part::ApiDetails | Part::ResourcePolicies)))
            || (self == Part::Stages && matches!(other, Part::WebAcls | Part::IpSets))
            || (self == Part::WebAcls && other == Part::IpSets)
            || (self == Part::UsagePlans && other == Part::UsagePlanKeys)
            || (self == Part::DomainNames
                && matches!(
                    other,
                    Part::BasePathMappings | Part::DomainAccessAssociations | Part::RoutingRules
                ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapReason {
    AccessDenied,
    Throttled,
    NotFound,
    NotImplemented,
    Unreachable,
    Unparseable,
    /// Not read because the Lambda function's time was running out.
    DeadlineReached,
    Other,
}

impl GapReason {
    pub fn as_str(self) -> &'static str {
        match self {
            GapReason::AccessDenied => "access denied",
            GapReason::Throttled => "throttled past retries",
            GapReason::NotFound => "not found",
            GapReason::NotImplemented => "not implemented by the endpoint",
            GapReason::Unreachable => "endpoint unreachable",
            GapReason::Unparseable => "not understood",
            GapReason::DeadlineReached => "not read before the function's deadline",
            GapReason::Other => "failed",
        }
    }
}

/// Something the collector could not read. It never aborts an audit: it becomes a GC900
/// finding, and the checks it blinds stay quiet on its scope rather than guess.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageGap {
    pub part: Part,
    /// The AWS operation that failed, e.g. `GetUsagePlans`.
    pub operation: String,
    /// `None` when the gap is region-wide.
    pub api_id: Option<String>,
    pub stage: Option<String>,
    /// A usage plan, deployment or other object the gap is about.
    pub object_id: Option<String>,
    pub reason: GapReason,
    pub message: String,
    /// The only (API, stage) places the gap hides, when narrower than `api_id` and `stage`
    /// say: one usage plan's unread keys hide the stages that plan covers, and no other.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<Vec<(String, String)>>,
}

impl CoverageGap {
    /// Whether this gap hides what a finding on (api_id, stage) would say.
    pub fn covers(&self, api_id: Option<&str>, stage: Option<&str>) -> bool {
        if let Some(places) = &self.within {
            return api_id.is_some_and(|api| {
                places
                    .iter()
                    .any(|(a, s)| a == api && stage.is_none_or(|stage| stage == s))
            });
        }
        // One domain's unread mappings are missing from the snapshot, so no finding is drawn
        // from them; they hide nothing about the region's APIs, whose mappings are unknown.
        if matches!(self.part, Part::BasePathMappings | Part::RoutingRules) && self.api_id.is_none() {
            return false;
        }
        let api_matches = match (&self.api_id, api_id) {
            (None, _) => true,
            (Some(gap_api), Some(api)) => gap_api == api,
            (Some(_), None) => false,
        };
        let stage_matches = match (&self.stage, stage) {
            (None, _) => true,
            (Some(gap_stage), Some(stage)) => gap_stage == stage,
            (Some(_), None) => false,
        };
        api_matches && stage_matches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gap_hides_what_is_read_through_it() {
        assert!(Part::RestApis.includes(Part::Stages) && Part::RestApis.includes(Part::ResourcePolicies));
        assert!(Part::ApiDetails.includes(Part::Deployments) && Part::ApiDetails.includes(Part::WebAcls));
        assert!(Part::Stages.includes(Part::WebAcls));
        assert!(!Part::Stages.includes(Part::Resources));
        assert!(Part::UsagePlans.includes(Part::UsagePlanKeys) && !Part::UsagePlanKeys.includes(Part::UsagePlans));
        assert!(!Part::ApiDetails.includes(Part::UsagePlans));
        assert!(
            Part::DomainNames.includes(Part::BasePathMappings) && !Part::BasePathMappings.includes(Part::DomainNames)
        );
    }

    #[test]
    fn every_part_is_listed_once() {
        // Exhaustive: a new part fails to compile here until it has a place in Part::ALL.
        let place = |part: Part| match part {
            Part::RestApis => 0,
            Part::Resources => 1,
            Part::Authorizers => 2,
            Part::Stages => 3,
            Part::Deployments => 4,
            Part::UsagePlans => 5,
            Part::UsagePlanKeys => 6,
            Part::ApiKeys => 7,
            Part::Account => 8,
            Part::WebAcls => 9,
            Part::IpSets => 10,
            Part::DomainNames => 11,
            Part::BasePathMappings => 12,
            Part::DomainAccessAssociations => 13,
            Part::RoutingRules => 14,
            Part::ResourcePolicies => 15,
            Part::GatewayResponses => 16,
            Part::ApiDetails => 17,
            Part::CallerIdentity => 18,
            Part::AccountAccess => 19,
            Part::VpcEndpoints => 20,
            Part::CloudFront => 21,
        };
        for (index, part) in Part::ALL.into_iter().enumerate() {
            assert_eq!(place(part), index, "{}", part.as_str());
        }
    }

    #[test]
    fn one_domains_unread_mappings_hide_no_api() {
        let gap = CoverageGap {
            within: None,
            part: Part::BasePathMappings,
            operation: "GetBasePathMappings".into(),
            api_id: None,
            stage: None,
            object_id: Some("domain api.example.com".into()),
            reason: GapReason::AccessDenied,
            message: String::new(),
        };
        assert!(!gap.covers(Some("a1"), Some("prod")) && !gap.covers(None, None));
        let region_wide = CoverageGap {
            part: Part::DomainNames,
            ..gap
        };
        assert!(region_wide.covers(Some("a1"), Some("prod")));
    }

    #[test]
    fn one_plans_unread_keys_hide_only_its_stages() {
        let gap = CoverageGap {
            part: Part::UsagePlanKeys,
            operation: "GetUsagePlanKeys".into(),
            api_id: None,
            stage: None,
            object_id: Some("usage plan pa".into()),
            reason: GapReason::AccessDenied,
            message: String::new(),
            within: Some(vec![("a1".into(), "prod".into())]),
        };
        assert!(gap.covers(Some("a1"), Some("prod")) && gap.covers(Some("a1"), None));
        assert!(!gap.covers(Some("b2"), Some("prod")) && !gap.covers(Some("a1"), Some("dev")));
        assert!(!gap.covers(None, None), "a plan's keys say nothing of the account");
        let empty = CoverageGap {
            within: Some(Vec::new()),
            ..gap
        };
        assert!(
            !empty.covers(Some("a1"), Some("prod")),
            "a plan with no stage hides nothing"
        );
    }
}
