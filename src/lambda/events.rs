//! What an invocation asks for: EventBridge schedules, CloudTrail change events from API
//! Gateway and WAFv2, or a direct payload from a pipeline. Pure parsing, no I/O.

use crate::cloudtrail::{self, Effect, RecordFields};
use crate::report::{AccountRegionCounts, Severity};
use aws_lambda_events::eventbridge::EventBridgeEvent;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeSet;

/// A REST API, and the stage when the change was to one stage only.
pub use crate::scope::Target;

#[derive(Debug, Clone, PartialEq)]
pub enum Work {
    /// Every REST API in the configured regions.
    FullAudit,
    /// The APIs (and stages) a change touched, in the event's region.
    Apis {
        region: Option<String>,
        targets: BTreeSet<Target>,
    },
    /// The APIs listed by these usage plans.
    UsagePlans {
        region: Option<String>,
        plan_ids: BTreeSet<String>,
    },
    /// The APIs of the usage plans that hold these keys.
    ApiKeys {
        region: Option<String>,
        key_ids: BTreeSet<String>,
    },
    /// Account-level settings only.
    AccountSettings { region: Option<String> },
    /// The stages behind this web ACL, or behind the web ACLs that use this IP set.
    WafStages {
        region: Option<String>,
        arn: String,
        is_ip_set: bool,
    },
    /// A pipeline asks about one API, maybe one stage, and says what fails it.
    Direct {
        region: Option<String>,
        api_id: String,
        stage: Option<String>,
        fail_on: Severity,
    },
    /// One account-region of a fan-out (a Step Functions Map item): assume the role, audit,
    /// and return the counts.
    Member {
        account: String,
        role_arn: String,
        region: String,
    },
    /// The fan-out's items: every configured account in every configured region.
    ListTargets,
    /// The fan-out's results, summarised in one SNS message.
    Aggregate { items: Vec<AccountRegionCounts> },
    /// Nothing to audit; the reason is logged and returned.
    Skip { reason: String },
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EventError {
    #[error("not a JSON object: gatecheck takes an EventBridge event or {{\"restApiId\": ..., \"stage\": ..., \"failOn\": ...}}")]
    NotAnObject,
    #[error("malformed direct invocation: {0}")]
    BadDirect(String),
    #[error("malformed fan-out payload: {0}")]
    BadFanOut(String),
    #[error("malformed EventBridge event: {0}")]
    BadEnvelope(String),
    #[error("unsupported event: source '{event_source}', detail-type '{detail_type}'")]
    Unsupported { event_source: String, detail_type: String },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DirectPayload {
    rest_api_id: String,
    stage: Option<String>,
    fail_on: Option<String>,
    region: Option<String>,
}

/// The CloudTrail record inside an "AWS API Call via CloudTrail" event. Every field is
/// optional: CloudTrail leaves out what a call did not have.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct CloudTrailDetail {
    event_source: Option<String>,
    event_name: Option<String>,
    aws_region: Option<String>,
    error_code: Option<String>,
    request_parameters: Option<Value>,
    response_elements: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MemberPayload {
    account: String,
    role_arn: String,
    region: String,
}

/// A Map item that failed after its retries, as the state machine's Catch passes it on.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FailedItem {
    account: Option<String>,
    region: String,
    error: Value,
}

pub fn parse_event(event: &Value) -> Result<Work, EventError> {
    let object = event.as_object().ok_or(EventError::NotAnObject)?;
    if object.contains_key("restApiId") {
        return parse_direct(event);
    }
    if object.contains_key("roleArn") {
        return parse_member(event);
    }
    if object.get("listTargets") == Some(&Value::Bool(true)) && object.len() == 1 {
        return Ok(Work::ListTargets);
    }
    if let Some(items) = object.get("aggregate") {
        return parse_aggregate(items);
    }
    if !object.contains_key("detail-type") {
        return Err(EventError::BadDirect(
            "expected \"restApiId\" (direct invocation), \"roleArn\" (fan-out item), \"listTargets\", \"aggregate\" or \"detail-type\" (EventBridge)".into(),
        ));
    }
    let envelope: EventBridgeEvent<Value> =
        serde_json::from_value(event.clone()).map_err(|e| EventError::BadEnvelope(e.to_string()))?;
    let source = envelope.source.clone();
    match (envelope.detail_type.as_str(), source.as_str()) {
        ("Scheduled Event", _) => Ok(Work::FullAudit),
        ("AWS API Call via CloudTrail", "aws.apigateway" | "aws.wafv2") => {
            let detail: CloudTrailDetail = serde_json::from_value(envelope.detail.clone())
                .map_err(|e| EventError::BadEnvelope(format!("detail: {e}")))?;
            let region = detail.aws_region.clone().or(envelope.region.clone());
            // A malformed region would otherwise fall back to the function's own, auditing
            // the wrong place without a word.
            if let Some(bad) = region.as_deref().filter(|r| !crate::arn::is_region_name(r)) {
                let shown: String = bad.chars().take(40).collect();
                return Err(EventError::BadEnvelope(format!("'{shown}' is not a region name")));
            }
            Ok(parse_cloudtrail(detail, region, envelope.account.as_deref()))
        }
        (detail_type, _) => Err(EventError::Unsupported {
            event_source: source,
            detail_type: detail_type.to_string(),
        }),
    }
}

fn parse_member(event: &Value) -> Result<Work, EventError> {
    let payload: MemberPayload =
        serde_json::from_value(event.clone()).map_err(|e| EventError::BadFanOut(e.to_string()))?;
    let in_role = crate::arn::account_of_role(&payload.role_arn);
    if in_role.as_deref() != Some(payload.account.as_str()) {
        return Err(EventError::BadFanOut(format!(
            "roleArn {} is not a role in account {}",
            payload.role_arn, payload.account
        )));
    }
    if !crate::arn::is_region_name(&payload.region) {
        return Err(EventError::BadFanOut(format!(
            "'{}' is not a region name",
            payload.region
        )));
    }
    Ok(Work::Member {
        account: payload.account,
        role_arn: payload.role_arn,
        region: payload.region,
    })
}

/// Each item is an account-region's counts, or the Catch output of one that failed.
fn parse_aggregate(items: &Value) -> Result<Work, EventError> {
    let Value::Array(items) = items else {
        return Err(EventError::BadFanOut("aggregate is not a list".into()));
    };
    let items = items
        .iter()
        .map(|item| {
            if let Ok(counts) = serde_json::from_value::<AccountRegionCounts>(item.clone()) {
                return Ok(counts);
            }
            let failed: FailedItem = serde_json::from_value(item.clone())
                .map_err(|e| EventError::BadFanOut(format!("an item is neither counts nor a failure: {e}")))?;
            let cause = failed
                .error
                .get("Cause")
                .or_else(|| failed.error.get("Error"))
                .and_then(Value::as_str)
                .unwrap_or("failed")
                .chars()
                .take(300)
                .collect();
            Ok(AccountRegionCounts {
                account: failed.account,
                region: failed.region,
                error: Some(cause),
                ..AccountRegionCounts::default()
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Work::Aggregate { items })
}

fn parse_direct(event: &Value) -> Result<Work, EventError> {
    let payload: DirectPayload =
        serde_json::from_value(event.clone()).map_err(|e| EventError::BadDirect(e.to_string()))?;
    if payload.rest_api_id.trim().is_empty() {
        return Err(EventError::BadDirect("restApiId is empty".into()));
    }
    if !is_api_id(&payload.rest_api_id) {
        let shown: String = payload.rest_api_id.chars().take(40).collect();
        return Err(EventError::BadDirect(format!(
            "restApiId '{shown}' is not a REST API id (lower-case letters and digits)"
        )));
    }
    let fail_on = match payload.fail_on.as_deref() {
        None => Severity::Critical,
        Some(value) => value
            .parse()
            .map_err(|e: crate::report::UnknownSeverity| EventError::BadDirect(e.to_string()))?,
    };
    if let Some(bad) = payload.region.as_deref().filter(|r| !crate::arn::is_region_name(r)) {
        let shown: String = bad.chars().take(40).collect();
        return Err(EventError::BadDirect(format!("'{shown}' is not a region name")));
    }
    Ok(Work::Direct {
        region: payload.region,
        api_id: payload.rest_api_id,
        stage: payload.stage,
        fail_on,
    })
}

/// Whether `id` looks like a REST API id.
pub use crate::arn::is_api_id;

/// What a CloudTrail record's event changes, by [`crate::cloudtrail::EVENTS`]: the one table
/// the EventBridge rule and the quota-light audit use too.
fn parse_cloudtrail(detail: CloudTrailDetail, region: Option<String>, account: Option<&str>) -> Work {
    let name = detail.event_name.clone().unwrap_or_default();
    if let Some(code) = &detail.error_code {
        return Work::Skip {
            reason: format!("{name} failed ({code}): nothing changed"),
        };
    }
    let skip = |why: &str| Work::Skip {
        reason: format!("{name}: {why}"),
    };
    let source = detail.event_source.as_deref().unwrap_or_default();
    let Some(event) = cloudtrail::lookup(source, &name) else {
        return skip(&format!("not a change gatecheck audits (from {source})"));
    };
    let fields = RecordFields {
        request: detail.request_parameters.as_ref(),
        response: detail.response_elements.as_ref(),
    };
    let apis = |with_stage: bool| {
        let stage = if with_stage { fields.one_stage() } else { None };
        let targets: BTreeSet<Target> = fields
            .api_ids(&name)
            .into_iter()
            .map(|id| (id, stage.clone()))
            .collect();
        if targets.is_empty() {
            skip("no REST API id in the event")
        } else {
            Work::Apis {
                region: region.clone(),
                targets,
            }
        }
    };
    match event.effect {
        Effect::ApiStage => apis(true),
        Effect::Api => apis(false),
        Effect::UsagePlan => {
            let ids = fields.strings(&["apiId"]);
            if ids.is_empty() {
                Work::UsagePlans {
                    region,
                    plan_ids: fields.usage_plan_ids(),
                }
            } else {
                Work::Apis {
                    region,
                    targets: ids.into_iter().map(|id| (id, None)).collect(),
                }
            }
        }
        Effect::UsagePlanKeys => Work::UsagePlans {
            region,
            plan_ids: fields.usage_plan_ids(),
        },
        Effect::ApiKey => Work::ApiKeys {
            region,
            key_ids: fields.strings(&["apiKey"]),
        },
        Effect::Account => Work::AccountSettings { region },
        Effect::WebAclAssociation => {
            let targets: BTreeSet<Target> = fields
                .strings(&["resourceArn"])
                .iter()
                .filter_map(|arn| crate::arn::api_and_stage(arn))
                .filter(|(_, stage)| stage.is_some())
                .collect();
            if targets.is_empty() {
                skip("not an API Gateway stage")
            } else {
                Work::Apis { region, targets }
            }
        }
        Effect::WebAcl | Effect::IpSet => {
            let params = detail.request_parameters.as_ref();
            let field = |key: &str| {
                params
                    .and_then(|p| p.get(key))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            let (Some(object_name), Some(id), Some(scope)) = (field("name"), field("id"), field("scope")) else {
                return skip("no name, id and scope in the request");
            };
            if scope != "REGIONAL" {
                return skip("CloudFront-scoped WAF does not attach to REST API stages");
            }
            let is_ip_set = event.effect == Effect::IpSet;
            let kind = if is_ip_set { "ipset" } else { "webacl" };
            let arn = crate::arn::wafv2_regional(
                region.as_deref().unwrap_or_default(),
                account.unwrap_or_default(),
                kind,
                &object_name,
                &id,
            );
            Work::WafStages { region, arn, is_ip_set }
        }
        // A mapping names the API it maps: that API's audit includes its domains.
        Effect::Domain if !fields.api_ids(&name).is_empty() => apis(false),
        // A domain's associations and rules, a deleted API or plan, imported keys: what they
        // change is told only by reading the region.
        Effect::Domain | Effect::Region => Work::FullAudit,
    }
}
