//! What the API key checks (GC3xx) share.

pub mod gc301;
pub mod gc302;
pub mod gc303;
pub mod gc304;
pub mod gc305;
pub mod gc306;
pub mod gc307;
pub mod gc308;
pub mod gc309;

use crate::checks::{list_methods, Facts, ServedMethod, StageFacts};
use crate::model::{ApiKey, Index, UsagePlan};

pub(super) const USAGE_PLANS_DOC: &str =
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html";

/// The stages that serve methods requiring an API key, with those methods.
pub(super) fn stages_requiring_keys<'f, 'a>(
    facts: &'f Facts<'a>,
) -> impl Iterator<Item = (StageFacts<'f, 'a>, Vec<&'f ServedMethod<'a>>)> + 'f {
    facts.stages().filter_map(|stage| {
        let methods: Vec<_> = stage.served.iter().filter(|m| m.api_key_required).collect();
        (!methods.is_empty()).then_some((stage, methods))
    })
}

/// "2 method(s) require an API key (GET /a, POST /b)", for a finding's detail.
pub(super) fn methods_requiring_a_key(methods: &[&ServedMethod<'_>]) -> String {
    format!(
        "{} method(s) require an API key ({})",
        methods.len(),
        list_methods(methods)
    )
}

/// What the keys of the usage plans that list a stage admit, as API Gateway judges a key.
/// GC301 to GC303 and explain's API key gate all decide from this.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanKeys<'a> {
    /// No usage plan lists the stage: no key is accepted there.
    NoPlan,
    /// Plans list the stage but hold no key.
    NoKeys,
    /// Every key they hold is disabled.
    AllDisabled(Vec<&'a ApiKey>),
    /// At least one key they hold is enabled.
    SomeEnabled,
    /// None is known to be enabled, but these keys are not in the snapshot: they might be.
    Unknown(Vec<&'a str>),
}

pub fn plan_keys<'a>(index: &Index<'a>, plans: &[&'a UsagePlan]) -> PlanKeys<'a> {
    if plans.is_empty() {
        return PlanKeys::NoPlan;
    }
    let key_ids = || plans.iter().flat_map(|p| p.key_ids.iter().map(|id| id.as_str()));
    if key_ids().next().is_none() {
        return PlanKeys::NoKeys;
    }
    let mut disabled = Vec::new();
    let mut missing = Vec::new();
    for id in key_ids() {
        match index.api_key(id) {
            Some(key) if key.enabled => return PlanKeys::SomeEnabled,
            Some(key) => disabled.push(key),
            None => missing.push(id),
        }
    }
    if missing.is_empty() {
        PlanKeys::AllDisabled(disabled)
    } else {
        PlanKeys::Unknown(missing)
    }
}
