//! The one table of CloudTrail write events gatecheck follows: each event's name, and what of
//! the configuration it changes. The EventBridge rule in `template.yaml` lists exactly these
//! names (a test holds it to this table), the function audits what an event's record names,
//! and the quota-light audit reads again what the records since the last audit name.
//!
//! The records' field names are AWS's, as CloudTrail logs them: API Gateway writes the REST
//! reference's URI parameters into `requestParameters` (`restApiId`, `stageName`, `apiKey`,
//! `domainName`, and the plan as `usageplanId` in the reference's spelling, `usagePlanId` in
//! the SDKs'); WAFv2 writes its JSON request (`ResourceArn`, `Name`, `Id`, `Scope`) with the
//! first letter lowered (`resourceArn`, `name`, `id`, `scope`).

use crate::model::Part;
use serde_json::Value;
use std::collections::BTreeSet;

/// The services whose events the table holds, by their `eventSource`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// API Gateway, both its v1 (REST) and v2 (routing rules) APIs.
    ApiGateway,
    Wafv2,
}

impl Source {
    pub const ALL: [Source; 2] = [Source::ApiGateway, Source::Wafv2];

    /// As CloudTrail's `eventSource` names it.
    pub fn event_source(self) -> &'static str {
        match self {
            Source::ApiGateway => "apigateway.amazonaws.com",
            Source::Wafv2 => "wafv2.amazonaws.com",
        }
    }

    /// As EventBridge's `source` names it.
    pub fn eventbridge_source(self) -> &'static str {
        match self {
            Source::ApiGateway => "aws.apigateway",
            Source::Wafv2 => "aws.wafv2",
        }
    }

    pub fn from_event_source(text: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.event_source() == text)
    }
}

/// What an event changes, and so what an audit after it must read again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The APIs the record names, with the stage when it names exactly one.
    ApiStage,
    /// The APIs the record names (by id, by ARN, or the id a create answers with).
    Api,
    /// A usage plan: the APIs it lists (or those the record lists).
    UsagePlan,
    /// A usage plan's keys.
    UsagePlanKeys,
    /// An API key: the keys of every plan that held it. A deleted key leaves its plans, and
    /// the record names only the key.
    ApiKey,
    /// The account's API Gateway settings.
    Account,
    /// A web ACL (dis)associated with the stage the record names by ARN.
    WebAclAssociation,
    /// A web ACL: the stages behind it.
    WebAcl,
    /// An IP set: the stages behind the web ACLs that use it.
    IpSet,
    /// A custom domain (its mappings, access associations or routing rules): the domain the
    /// record names, and the region's APIs behind it.
    Domain,
    /// What only a region-wide read tells: a deleted API or plan, imported keys.
    Region,
}

impl Effect {
    /// The parts of a snapshot this effect can change.
    pub fn parts(self) -> &'static [Part] {
        match self {
            Effect::ApiStage => &[Part::Stages, Part::Deployments],
            Effect::Api => &[
                Part::RestApis,
                Part::Resources,
                Part::Authorizers,
                Part::GatewayResponses,
                Part::ResourcePolicies,
                Part::ApiDetails,
            ],
            Effect::UsagePlan => &[Part::UsagePlans],
            Effect::UsagePlanKeys => &[Part::UsagePlanKeys],
            Effect::ApiKey => &[Part::ApiKeys, Part::UsagePlanKeys],
            Effect::Account => &[Part::Account],
            Effect::WebAclAssociation => &[Part::Stages, Part::WebAcls],
            Effect::WebAcl => &[Part::WebAcls],
            Effect::IpSet => &[Part::IpSets],
            Effect::Domain => &[
                Part::DomainNames,
                Part::BasePathMappings,
                Part::DomainAccessAssociations,
                Part::RoutingRules,
            ],
            Effect::Region => &[Part::RestApis, Part::UsagePlans, Part::ApiKeys, Part::UsagePlanKeys],
        }
    }
}

/// One write event gatecheck follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrailEvent {
    pub source: Source,
    pub name: &'static str,
    pub effect: Effect,
}

const fn api(name: &'static str, effect: Effect) -> TrailEvent {
    TrailEvent {
        source: Source::ApiGateway,
        name,
        effect,
    }
}

const fn waf(name: &'static str, effect: Effect) -> TrailEvent {
    TrailEvent {
        source: Source::Wafv2,
        name,
        effect,
    }
}

/// Every event, in the order the EventBridge rule lists them.
pub const EVENTS: &[TrailEvent] = &[
    api("CreateDeployment", Effect::ApiStage),
    api("CreateStage", Effect::ApiStage),
    api("UpdateStage", Effect::ApiStage),
    api("DeleteStage", Effect::ApiStage),
    api("CreateRestApi", Effect::Api),
    api("UpdateRestApi", Effect::Api),
    api("PutRestApi", Effect::Api),
    api("ImportRestApi", Effect::Api),
    api("DeleteRestApi", Effect::Region),
    api("CreateResource", Effect::Api),
    api("UpdateResource", Effect::Api),
    api("DeleteResource", Effect::Api),
    api("PutMethod", Effect::Api),
    api("UpdateMethod", Effect::Api),
    api("DeleteMethod", Effect::Api),
    api("CreateAuthorizer", Effect::Api),
    api("UpdateAuthorizer", Effect::Api),
    api("DeleteAuthorizer", Effect::Api),
    api("PutGatewayResponse", Effect::Api),
    api("UpdateGatewayResponse", Effect::Api),
    api("DeleteGatewayResponse", Effect::Api),
    // A `gatecheck:ignore` tag changes what is reported; the record names the API by ARN.
    api("TagResource", Effect::Api),
    api("UntagResource", Effect::Api),
    api("CreateUsagePlan", Effect::UsagePlan),
    api("UpdateUsagePlan", Effect::UsagePlan),
    api("DeleteUsagePlan", Effect::Region),
    api("CreateUsagePlanKey", Effect::UsagePlanKeys),
    api("DeleteUsagePlanKey", Effect::UsagePlanKeys),
    api("UpdateApiKey", Effect::ApiKey),
    api("DeleteApiKey", Effect::ApiKey),
    // The CSV names plans, but the record does not carry the CSV.
    api("ImportApiKeys", Effect::Region),
    api("UpdateAccount", Effect::Account),
    api("CreateDomainName", Effect::Domain),
    api("UpdateDomainName", Effect::Domain),
    api("DeleteDomainName", Effect::Domain),
    api("CreateBasePathMapping", Effect::Domain),
    api("UpdateBasePathMapping", Effect::Domain),
    api("DeleteBasePathMapping", Effect::Domain),
    api("CreateDomainNameAccessAssociation", Effect::Domain),
    api("DeleteDomainNameAccessAssociation", Effect::Domain),
    api("RejectDomainNameAccessAssociation", Effect::Domain),
    // API Gateway's v2 API, which holds REST custom domains' routing rules.
    api("CreateRoutingRule", Effect::Domain),
    api("UpdateRoutingRule", Effect::Domain),
    api("DeleteRoutingRule", Effect::Domain),
    waf("AssociateWebACL", Effect::WebAclAssociation),
    waf("DisassociateWebACL", Effect::WebAclAssociation),
    waf("UpdateWebACL", Effect::WebAcl),
    waf("UpdateIPSet", Effect::IpSet),
];

/// What the event `name` from `event_source` changes; None for events gatecheck ignores.
pub fn lookup(event_source: &str, name: &str) -> Option<&'static TrailEvent> {
    let source = Source::from_event_source(event_source)?;
    EVENTS.iter().find(|e| e.source == source && e.name == name)
}

/// Every non-empty string under `key`, at any depth of a record's parameters.
pub fn find_strings(value: Option<&Value>, key: &str, out: &mut BTreeSet<String>) {
    match value {
        Some(Value::Object(map)) => {
            for (k, v) in map {
                match v {
                    Value::String(s) if k == key && !s.is_empty() => {
                        out.insert(s.clone());
                    }
                    _ => find_strings(Some(v), key, out),
                }
            }
        }
        Some(Value::Array(items)) => items.iter().for_each(|v| find_strings(Some(v), key, out)),
        _ => {}
    }
}

/// A CloudTrail record's `requestParameters` and `responseElements`, read by field name.
#[derive(Debug, Clone, Copy)]
pub struct RecordFields<'a> {
    pub request: Option<&'a Value>,
    pub response: Option<&'a Value>,
}

impl<'a> RecordFields<'a> {
    pub fn of(record: &'a Value) -> Self {
        RecordFields {
            request: record.get("requestParameters"),
            response: record.get("responseElements"),
        }
    }

    /// Every string under any of `keys`, in the request or the response.
    pub fn strings(&self, keys: &[&str]) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for key in keys {
            find_strings(self.request, key, &mut out);
            find_strings(self.response, key, &mut out);
        }
        out
    }

    /// The REST APIs the record names: by id, by ARN (tags, WAF associations), or the id a
    /// create or import answers with.
    pub fn api_ids(&self, event_name: &str) -> BTreeSet<String> {
        let mut ids: BTreeSet<String> = self
            .strings(&["restApiId"])
            .into_iter()
            .filter(|id| crate::arn::is_api_id(id))
            .collect();
        ids.extend(
            self.strings(&["resourceArn"])
                .iter()
                .filter_map(|arn| crate::arn::api_and_stage(arn))
                .map(|(api, _)| api),
        );
        if matches!(event_name, "CreateRestApi" | "ImportRestApi") {
            let id = self.response.and_then(|r| r.get("id")).and_then(Value::as_str);
            ids.extend(id.filter(|id| crate::arn::is_api_id(id)).map(str::to_string));
        }
        ids
    }

    /// The usage plans the record names, in every spelling AWS logs the id in.
    pub fn usage_plan_ids(&self) -> BTreeSet<String> {
        self.strings(&["usagePlanId", "usageplanId"])
    }

    /// The stage, when the record names exactly one.
    pub fn one_stage(&self) -> Option<String> {
        let mut stages = self.strings(&["stageName", "stage"]);
        stages.extend(
            self.strings(&["resourceArn"])
                .iter()
                .filter_map(|arn| crate::arn::api_and_stage(arn))
                .filter_map(|(_, stage)| stage),
        );
        (stages.len() == 1).then(|| stages.into_iter().next()).flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The EventBridge rule's `eventName` list in template.yaml, in order.
    fn template_event_names() -> Vec<String> {
        let template = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/template.yaml"))
            .expect("template.yaml is readable");
        let mut lines = template.lines().skip_while(|l| l.trim() != "eventName:").skip(1);
        let mut names = Vec::new();
        for line in lines.by_ref() {
            match line.trim().strip_prefix("- ") {
                Some(name) => names.push(name.to_string()),
                None => break,
            }
        }
        names
    }

    #[test]
    fn the_eventbridge_rule_lists_exactly_the_table() {
        let table: Vec<String> = EVENTS.iter().map(|e| e.name.to_string()).collect();
        assert_eq!(template_event_names(), table);
    }

    #[test]
    fn every_part_a_check_reads_has_an_event_that_changes_it() {
        // Parts that no configuration change moves: who the caller is, and whether a role
        // can be assumed; and the VPC endpoints and CloudFront, which every audit reads afresh
        // (one EC2 call a region, a few CloudFront calls an account) rather than take from
        // stored state.
        let not_configuration = [
            Part::CallerIdentity,
            Part::AccountAccess,
            Part::VpcEndpoints,
            Part::CloudFront,
        ];
        for part in Part::ALL {
            let changed = EVENTS.iter().any(|e| e.effect.parts().contains(&part));
            assert_eq!(changed, !not_configuration.contains(&part), "{}", part.as_str());
        }
    }

    #[test]
    fn names_are_unique_per_source() {
        let mut seen = BTreeSet::new();
        for event in EVENTS {
            assert!(seen.insert((event.source, event.name)), "{} twice", event.name);
        }
    }

    #[test]
    fn records_name_plans_in_both_spellings_and_apis_by_arn() {
        // API Gateway logs the REST reference's URI parameter, `usageplanId`.
        let record = json!({"requestParameters": {"usageplanId": "p1", "createUsagePlanKeyInput": {"keyId": "k"}}});
        assert_eq!(
            RecordFields::of(&record).usage_plan_ids(),
            BTreeSet::from(["p1".to_string()])
        );
        let record = json!({"requestParameters": {"usagePlanId": "p2"}});
        assert_eq!(
            RecordFields::of(&record).usage_plan_ids(),
            BTreeSet::from(["p2".to_string()])
        );
        let tagged =
            json!({"requestParameters": {"resourceArn": "arn:aws:apigateway:eu-west-1::/restapis/abc/stages/prod"}});
        let fields = RecordFields::of(&tagged);
        assert_eq!(fields.api_ids("TagResource"), BTreeSet::from(["abc".to_string()]));
        assert_eq!(fields.one_stage().as_deref(), Some("prod"));
        let created = json!({"responseElements": {"id": "new1"}});
        assert_eq!(
            RecordFields::of(&created).api_ids("CreateRestApi"),
            BTreeSet::from(["new1".to_string()])
        );
        assert!(lookup("apigateway.amazonaws.com", "GetRestApis").is_none());
        assert_eq!(
            lookup("wafv2.amazonaws.com", "UpdateIPSet").map(|e| e.effect),
            Some(Effect::IpSet)
        );
    }

    /// The shapes of console-made records as LookupEvents returns them (a public repository's
    /// sample of an account's history, 2024-04-17): the body's fields are nested under
    /// `createStageInput` / `createDeploymentInput`, a deployment to no stage names it as "",
    /// and the response repeats the stage under several keys.
    #[test]
    fn console_records_name_the_stage_inside_the_request_body() {
        let create_stage = json!({
            "eventSource": "apigateway.amazonaws.com", "eventName": "CreateStage", "readOnly": false,
            "requestParameters": {"restApiId": "67ge356u6d", "createStageInput": {"cacheClusterSize": "0.5", "deploymentId": "6gejpe", "description": "", "cacheClusterEnabled": false, "tracingEnabled": false, "stageName": "new"}, "template": false},
            "responseElements": {"stageUpdate": {"restApiId": "67ge356u6d", "stageName": "new", "template": false}, "stageName": "new", "deploymentId": "6gejpe", "self": {"restApiId": "67ge356u6d", "stageName": "new", "template": false}}
        });
        let fields = RecordFields::of(&create_stage);
        assert_eq!(
            fields.api_ids("CreateStage"),
            BTreeSet::from(["67ge356u6d".to_string()])
        );
        assert_eq!(fields.one_stage().as_deref(), Some("new"));
        let deploy_to_test = json!({
            "requestParameters": {"restApiId": "67ge356u6d", "createDeploymentInput": {"description": "", "stageName": "test"}, "template": false},
            "responseElements": {"id": "udvyux", "self": {"deploymentId": "udvyux", "restApiId": "67ge356u6d", "template": false}}
        });
        assert_eq!(RecordFields::of(&deploy_to_test).one_stage().as_deref(), Some("test"));
        let deploy_only = json!({
            "requestParameters": {"restApiId": "67ge356u6d", "createDeploymentInput": {"description": "", "stageName": ""}, "template": false},
            "responseElements": {"id": "3f9ic5"}
        });
        assert_eq!(
            RecordFields::of(&deploy_only).one_stage(),
            None,
            "an empty stage name is no stage"
        );
    }
}
