//! The private-API conditions: a VPC endpoint reaches only private APIs, a private API needs
//! a resource policy, and behind a private custom domain both policies must admit one of the
//! domain's endpoints.

use super::super::{or_none, unknown_gap};
use super::Reached;
use crate::checks::domains::gc503;
use crate::checks::reachability::gc102;
use crate::explain::request::Request;
use crate::explain::target::Host;
use crate::explain::{Gate, Refusal, Step};
use crate::model::Snapshot;
use crate::policy::Policy;

pub(in crate::explain::gates) fn private_gate(
    snapshot: &Snapshot,
    request: &Request,
    host: &Host,
    reached: &Reached,
) -> Step {
    let api = reached.api;
    let region = &snapshot.region;
    let through_endpoint = matches!(host, Host::VpcEndpoint { .. } | Host::EndpointAlias { .. });
    let types = or_none(&api.endpoint_types);
    if !api.is_private() {
        if through_endpoint {
            return Step::fail(
                Gate::Private,
                Refusal::forbidden(),
                format!("API {} is {types}: a VPC endpoint reaches only private APIs", api.id),
                format!(
                    "call it at https://{}.execute-api.{region}.amazonaws.com/<stage>/...",
                    api.id
                ),
            );
        }
        if request.header("x-apigw-api-id").is_some() {
            return Step::fail(
                Gate::Private,
                Refusal::forbidden(),
                format!(
                    "the request has an x-apigw-api-id header, which is for private APIs; API {} is {types}",
                    api.id
                ),
                "remove the x-apigw-api-id header",
            );
        }
        return Step::pass(Gate::Private, format!("{types} API: no private-API conditions"));
    }
    if api.policy.is_none() {
        return Step::refused(
            Gate::Private,
            Refusal::forbidden(),
            format!(
                "API {} is PRIVATE and has no resource policy: API Gateway refuses every call (a policy added since the last deployment applies only once deployed)",
                api.id
            ),
            gc102::CHECK.meta,
            &[("region", region), ("api_id", &api.id)],
        );
    }
    // A policy that lets no VPC traffic in refuses every call, whatever the method's
    // authorization: a private API is invoked only as its policy allows (GC102).
    let policy = api.policy.as_deref().map(Policy::parse);
    if let Some(Ok(policy)) = &policy {
        if gc102::refuses_all_vpc_traffic(api, policy) {
            return Step::refused(
                Gate::Private,
                Refusal::forbidden(),
                format!(
                    "API {} is PRIVATE and its resource policy lets no VPC or VPC endpoint traffic in ({}): API Gateway refuses every call",
                    api.id,
                    policy.describe()
                ),
                gc102::CHECK.meta,
                &[("region", region), ("api_id", &api.id)],
            );
        }
    }
    match host {
        Host::VpcEndpoint { vpce_id, .. } | Host::EndpointAlias { vpce_id, .. } => Step::pass(
            Gate::Private,
            format!("PRIVATE API reached through VPC endpoint {vpce_id}"),
        ),
        Host::ExecuteApi { .. } => Step::unknown(
            Gate::Private,
            format!("PRIVATE API called by its public name: that resolves only inside a VPC whose execute-api endpoint has private DNS on; from anywhere else the name does not resolve. Call https://<vpce_dns_name>/... with -H 'x-apigw-api-id: {}' to have the endpoint checked", api.id),
        ),
        Host::CloudFront { .. } => Step::unknown(
            Gate::Private,
            "PRIVATE API behind a CloudFront distribution: its execute-api name resolves only inside a VPC, so CloudFront cannot reach it",
        ),
        Host::CustomDomain { name } => match &reached.private_endpoints {
            // The domain's endpoints, narrowed to those the API's own policy lets in too.
            Some(endpoints) => {
                let admitted: Vec<&str> = match &policy {
                    Some(Ok(policy)) => endpoints
                        .iter()
                        .filter(|v| policy.admits_endpoint(v))
                        .map(String::as_str)
                        .collect(),
                    // Without a policy the step above refused it (GC102).
                    None => Vec::new(),
                    // As the audit: a policy that does not parse is not evaluated.
                    Some(Err(err)) => {
                        return unknown_gap(
                            Gate::Private,
                            format!("the resource policy of API {} does not parse ({err}): not evaluated", api.id),
                        )
                    }
                };
                if admitted.is_empty() {
                    let domain_arn = snapshot
                        .custom_domain(name)
                        .map(|d| gc503::domain_arn(snapshot, d))
                        .unwrap_or_default();
                    Step::refused(
                        Gate::Private,
                        Refusal::forbidden(),
                        format!(
                            "the resource policy of API {} lets none of {name}'s VPC endpoints ({}) in",
                            api.id,
                            endpoints.join(", ")
                        ),
                        gc503::CHECK.meta,
                        &[("region", region.as_str()), ("domain_arn", domain_arn.as_str())],
                    )
                } else {
                    Step::pass(
                        Gate::Private,
                        format!(
                            "PRIVATE API behind private custom domain {name}, reached through an associated VPC endpoint the policies admit ({})",
                            admitted.join(", ")
                        ),
                    )
                }
            }
            None => Step::unknown(
                Gate::Private,
                format!("PRIVATE API behind {name}, which is not a private custom domain: a private API is reached through a private one"),
            ),
        },
    }
}
