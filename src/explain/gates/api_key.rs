//! The API key, on the method as the stage serves it: here whether a key can arrive at all
//! (the key source, GC304; the header, GC305 for a preflight), then in `plans` the usage plans
//! that list the stage and the key's own state.

use super::Context;
use crate::checks::api_keys::{gc304, gc305};
use crate::explain::{Gate, Refusal, Step};
use crate::model::{ApiKeySource, AuthorizationType};

mod plans;

pub(super) fn api_key_gate(c: &Context) -> Step {
    let api = c.api;
    let method = &c.served;
    if !method.api_key_required {
        return Step::pass(Gate::ApiKey, "the method does not require an API key");
    }
    let source_is_authorizer = api.api_key_source == ApiKeySource::Authorizer;
    if gc304::key_never_arrives(api, AuthorizationType::of(&method.authorization_type)) {
        return c.refused(
            Gate::ApiKey,
            Refusal::forbidden(),
            format!("API {} takes keys from a Lambda authorizer (apiKeySource AUTHORIZER), but the method uses {}: no key reaches API Gateway, and the x-api-key header is ignored", api.id, method.authorization_type),
            gc304::CHECK.meta,
            &[],
        );
    }
    if !source_is_authorizer && c.request.header("x-api-key").is_none_or(|h| h.value().is_empty()) {
        if gc305::preflight_needs_key(&method.verb, method.api_key_required) {
            return c.refused(
                Gate::ApiKey,
                Refusal::forbidden(),
                "the method requires an API key and the request has no x-api-key header (a browser's CORS preflight never has one)",
                gc305::CHECK.meta,
                &[],
            );
        }
        return Step::fail(
            Gate::ApiKey,
            Refusal::forbidden(),
            "the method requires an API key and the request has no x-api-key header",
            "send the key in the x-api-key header: -H 'x-api-key: <key value>' (a header, not a query parameter or a body field)",
        );
    }
    plans::plans_and_key(c)
}

#[cfg(test)]
mod tests;
