//! What the API key checks (GC3xx) share.

pub mod gc301;
pub mod gc302;
pub mod gc303;
pub mod gc304;
pub mod gc305;
pub mod gc306;
pub mod gc307;
pub mod gc308;

use crate::checks::{list_methods, Facts, ServedMethod, StageFacts};

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
