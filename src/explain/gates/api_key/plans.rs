//! The usage plans that list the stage and the caller's key: GC301 to GC303 judged by the
//! audit's own predicate (`plan_keys`), then the key the request names, its state and its plan.

use super::super::{or_none, unknown_gap, Context};
use crate::checks::api_keys::{gc301, gc302, gc303, plan_keys, PlanKeys};
use crate::explain::request::KeyIdentity;
use crate::explain::{Gate, Refusal, Step};
use crate::model::{ApiKeySource, Part};

/// For a method that requires a key the request carries: the plans and the key decide.
pub(super) fn plans_and_key(c: &Context) -> Step {
    let (api, stage, region) = (c.api, c.stage.name.as_str(), c.snapshot.region.as_str());
    let source_is_authorizer = api.api_key_source == ApiKeySource::Authorizer;
    if let Some(why) = c.gap_for(&[Part::UsagePlans, Part::UsagePlanKeys, Part::ApiKeys]) {
        return unknown_gap(Gate::ApiKey, why);
    }
    let plans = c.index.plans_covering(&api.id, stage);
    let known_key = match &c.request.key {
        KeyIdentity::Given(id) | KeyIdentity::LookedUp(id) => Some(id.as_str()),
        _ => None,
    };
    let plan_names: Vec<String> = plans.iter().map(|p| format!("{} ({})", p.name, p.id)).collect();
    match plan_keys(c.index, plans) {
        PlanKeys::NoPlan => {
            let plan_of_key = known_key
                .and_then(|k| {
                    c.snapshot
                        .usage_plans
                        .iter()
                        .find(|p| p.key_ids.iter().any(|id| id == k))
                })
                .map_or("", |p| p.id.as_str());
            return c.refused(
                Gate::ApiKey,
                Refusal::forbidden(),
                format!("the method requires an API key, and no usage plan lists stage {}:{stage}: API Gateway accepts no key there", api.id),
                gc301::CHECK.meta,
                &[("plan_id", plan_of_key)],
            );
        }
        PlanKeys::NoKeys => {
            return c.refused(
                Gate::ApiKey,
                Refusal::forbidden(),
                format!(
                    "the plans that cover {}:{stage} ({}) hold no API key",
                    api.id,
                    plan_names.join(", ")
                ),
                gc302::CHECK.meta,
                &[("plan_id", plans[0].id.as_str())],
            );
        }
        PlanKeys::AllDisabled(keys) => {
            return c.refused(
                Gate::ApiKey,
                Refusal::forbidden(),
                format!(
                    "every key in the plans that cover {}:{stage} ({}) is disabled",
                    api.id,
                    plan_names.join(", ")
                ),
                gc303::CHECK.meta,
                &[("key_id", keys[0].id.as_str())],
            );
        }
        PlanKeys::Unknown(missing) if known_key.is_none() => {
            return Step::unknown(
                Gate::ApiKey,
                format!(
                    "no key in the plans that cover {}:{stage} is known to be enabled, and {} could not be found: whether any is enabled is unknown",
                    api.id,
                    missing.join(", ")
                ),
            );
        }
        PlanKeys::Unknown(_) | PlanKeys::SomeEnabled => {}
    }
    let source = if source_is_authorizer {
        "the authorizer's usageIdentifierKey"
    } else {
        "the x-api-key header"
    };
    let key_id = match &c.request.key {
        KeyIdentity::Given(id) | KeyIdentity::LookedUp(id) => id,
        KeyIdentity::NoKeyHasValue => return Step::fail(
            Gate::ApiKey,
            Refusal::forbidden(),
            format!("no API key in {region} has the value sent in the x-api-key header"),
            "copy the value again (aws apigateway get-api-key --api-key <key_id> --include-value) and check the region",
        ),
        KeyIdentity::Unknown => {
            return Step::unknown(
                Gate::ApiKey,
                format!(
                    "plans {} cover the stage with enabled keys; which key is {source}? Pass --key-id{}",
                    plan_names.join(", "),
                    if source_is_authorizer {
                        ""
                    } else {
                        " or --lookup-key-value"
                    }
                ),
            )
        }
    };
    let Some(key) = c.index.api_key(key_id) else {
        let in_a_plan = plans.iter().any(|p| p.key_ids.iter().any(|id| id == key_id));
        if in_a_plan {
            return Step::unknown(
                Gate::ApiKey,
                format!(
                    "key {key_id} is in a plan that covers {}:{stage}, but its state could not be read",
                    api.id
                ),
            );
        }
        return Step::fail(
            Gate::ApiKey,
            Refusal::forbidden(),
            format!("no API key with id {key_id} in {region}"),
            "check the key id and the region: aws apigateway get-api-keys",
        );
    };
    if !key.enabled {
        return c.refused(
            Gate::ApiKey,
            Refusal::forbidden(),
            format!("API key {} ({}) is disabled", key.name, key.id),
            gc303::CHECK.meta,
            &[("key_id", key.id.as_str())],
        );
    }
    match plans.iter().find(|p| p.key_ids.contains(&key.id)) {
        Some(plan) => Step::pass(
            Gate::ApiKey,
            format!(
                "key {} ({}) is enabled and in plan {} ({}), which covers {}:{stage}",
                key.name, key.id, plan.name, plan.id, api.id
            ),
        ),
        None => {
            let elsewhere: Vec<String> = c
                .snapshot
                .usage_plans
                .iter()
                .filter(|p| p.key_ids.contains(&key.id))
                .map(|p| format!("{} ({})", p.name, p.id))
                .collect();
            Step::fail(
                Gate::ApiKey,
                Refusal::forbidden(),
                format!("key {} ({}) is in no plan that covers {}:{stage}; it is in: {}; the plans that cover the stage: {}", key.name, key.id, api.id, or_none(&elsewhere), plan_names.join(", ")),
                format!("aws apigateway create-usage-plan-key --region {region} --usage-plan-id {} --key-type API_KEY --key-id {}", plans[0].id, key.id),
            )
        }
    }
}
