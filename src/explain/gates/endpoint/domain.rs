//! Through a custom domain: the domain itself, a private domain's associated VPC endpoints,
//! its routing rules (which decide first when its routing mode uses them), its base path
//! mappings and mutual TLS.

use super::super::{or_none, unknown_gap, unread};
use super::Reached;
use crate::checks::domains::{self, gc501, gc502, gc503, gc504};
use crate::explain::request::Request;
use crate::explain::target;
use crate::explain::{ExplainError, Gate, Refusal, Step};
use crate::model::RoutingMode;
use crate::model::{DomainName, Index, Part, Snapshot};

/// The API a request to custom domain `name` reaches, or the steps that end the walk there.
pub(super) fn through_domain<'a>(
    snapshot: &'a Snapshot,
    index: &Index<'a>,
    request: &Request,
    name: &str,
) -> Result<Result<Reached<'a>, Vec<Step>>, ExplainError> {
    let region = &snapshot.region;
    // Steps that do not decide but must be said before the domain's own.
    let mut preceding = Vec::new();
    let Some(domain) = snapshot.custom_domain(name) else {
        if let Some(why) = unread(snapshot, &[Part::DomainNames], None, None) {
            return Ok(Err(vec![unknown_gap(
                Gate::Endpoint,
                format!("the custom domain names of {region}: {why}"),
            )]));
        }
        return Err(ExplainError::DomainNotFound {
            name: name.to_string(),
            region: region.clone(),
        });
    };
    if snapshot.domain_unread(domain) {
        return Ok(Err(vec![unknown_gap(
            Gate::Endpoint,
            format!("the base path mappings of {name} could not be read, so which API it reaches is unknown"),
        )]));
    }
    // A private custom domain is reached only through the VPC endpoints associated with
    // it, and only those its policy lets invoke (developer guide, "Custom domain names
    // for private APIs in API Gateway").
    // `private_endpoints` becomes those the domain's policy admits, as GC503 narrows them.
    let mut private_endpoints = domain.is_private().then(|| domain.access_associations.clone());
    if let Some(endpoints) = private_endpoints.as_mut() {
        let arn = gc503::domain_arn(snapshot, domain);
        let gc503_vars = [("region", region.as_str()), ("domain_arn", arn.as_str())];
        if endpoints.is_empty() {
            if let Some(why) = unread(snapshot, &[Part::DomainAccessAssociations], None, None) {
                return Ok(Err(vec![unknown_gap(
                    Gate::Endpoint,
                    format!("the VPC endpoints associated with {name}: {why}"),
                )]));
            }
            return Ok(Err(vec![Step::refused(
                Gate::Endpoint,
                Refusal::forbidden(),
                format!("{name} is a private custom domain with no VPC endpoint associated: no request can reach it"),
                gc503::CHECK.meta,
                &gc503_vars,
            )]));
        }
        let admitted = match gc503::domain_admission(domain) {
            gc503::DomainAdmission::Admitted(admitted, _) if !admitted.is_empty() => {
                *endpoints = admitted.iter().map(|v| v.to_string()).collect();
                true
            }
            gc503::DomainAdmission::Admitted(..) => false,
            // As the audit: a policy that does not parse is not evaluated, not a refusal.
            // The walk goes on to the API: what it refuses, it refuses through any endpoint.
            gc503::DomainAdmission::Unparseable(err) => {
                preceding.push(unknown_gap(
                    Gate::Endpoint,
                    format!("the policy of private domain {name} does not parse ({err}), so which VPC endpoints may invoke through it is not evaluated"),
                ));
                true
            }
            gc503::DomainAdmission::NoEndpoint | gc503::DomainAdmission::NoPolicy => false,
        };
        if !admitted {
            return Ok(Err(vec![Step::refused(
                Gate::Endpoint,
                Refusal::forbidden(),
                format!(
                    "{name}'s policy lets none of its associated VPC endpoints ({}) invoke",
                    endpoints.join(", ")
                ),
                gc503::CHECK.meta,
                &gc503_vars,
            )]));
        }
    }
    // Routing rules (API Gateway v2) decide first when the routing mode uses them.
    let rules_only = domain.routing() == RoutingMode::RoutingRuleOnly;
    if domain.routing().uses_rules() {
        let object = DomainName::object_id(name);
        let rules_unread = snapshot
            .gaps
            .iter()
            .any(|g| g.part == Part::RoutingRules && g.object_id.as_deref() == Some(object.as_str()));
        if rules_unread {
            return Ok(Err(vec![unknown_gap(
                Gate::Endpoint,
                format!("the routing rules of {name} could not be read, so which API it reaches is unknown"),
            )]));
        }
        match target::route_by_rules(domain, request) {
            target::RuleMatch::Taken { rule, base_path, rest } => {
                let stage = rule.stage.clone().unwrap_or_default();
                let api_id = rule.api_id.as_deref();
                // As GC504: stages that could not be read are unknown, not missing.
                if let Some(why) = unread(snapshot, &[Part::RestApis, Part::Stages], api_id, rule.stage.as_deref()) {
                    return Ok(Err(vec![unknown_gap(
                        Gate::Endpoint,
                        format!(
                            "{name}'s routing rule of priority {} invokes API {} stage '{stage}': {why}",
                            rule.priority,
                            api_id.unwrap_or("(none)")
                        ),
                    )]));
                }
                let api = match domains::invoked(index, api_id, rule.stage.as_deref()) {
                    domains::Invoked::Found(api) => api,
                    domains::Invoked::NoApi | domains::Invoked::NoStage(..) => {
                        return Ok(Err(vec![Step::refused(
                            Gate::Endpoint,
                            Refusal::forbidden(),
                            format!(
                                "{name}'s routing rule of priority {} takes the request and invokes API {} stage '{stage}', which does not exist",
                                rule.priority,
                                api_id.unwrap_or("(none)")
                            ),
                            gc504::CHECK.meta,
                            &[("region", region.as_str()), ("domain", name)],
                        )]))
                    }
                };
                let step = Step::pass(
                    Gate::Endpoint,
                    format!(
                        "custom domain {name}, routing rule of priority {} (base path /{base_path}) → API {} ({}) stage {stage}",
                        rule.priority, api.name, api.id
                    ),
                );
                return Ok(Ok(Reached {
                    api,
                    stage: rule.stage.clone().map(|stage| (stage, true)),
                    rest,
                    step,
                    mapping: Some((name.to_string(), base_path)),
                    private_endpoints: private_endpoints.clone(),
                    preceding,
                    via_cloudfront: false,
                }));
            }
            target::RuleMatch::NoRule if rules_only => {
                return Ok(Err(vec![Step::unknown(
                    Gate::Endpoint,
                    format!("no routing rule of {name} matches {} and it routes by rules only (its base path mappings are ignored); what API Gateway answers then is not documented here", request.path),
                )
                .check(gc504::CHECK.meta)]));
            }
            target::RuleMatch::NoRule => {}
        }
    }
    let Some(mapped) = target::map_custom_domain(domain, &request.path) else {
        let known: Vec<String> = domain
            .mappings
            .iter()
            .map(|m| format!("/{} → {}", m.base_path, m.rest_api_id))
            .collect();
        return Ok(Err(vec![Step::fail(
            Gate::Endpoint,
            Refusal::forbidden(),
            format!(
                "no base path mapping of {name} takes {}; its mappings: {}",
                request.path,
                or_none(&known)
            ),
            format!("call one of the mapped base paths, or map this one: aws apigateway create-base-path-mapping --region {region} --domain-name {name} --base-path <base_path> --rest-api-id <api_id> --stage <stage>"),
        )]));
    };
    // The stage a mapping names is judged at the stage gate, once the path has said its own.
    let domains::Invoked::Found(api) = domains::invoked(index, Some(&mapped.api_id), None) else {
        let vars = [
            ("region", region.as_str()),
            ("domain", name),
            ("base_path", mapped.base_path.as_str()),
        ];
        return Ok(Err(vec![Step::refused(
            Gate::Endpoint,
            Refusal::forbidden(),
            format!(
                "{name}'s base path /{} maps to REST API {}, which does not exist",
                mapped.base_path, mapped.api_id
            ),
            gc501::CHECK.meta,
            &vars,
        )]));
    };
    let reached = format!(
        "custom domain {name}, base path /{} (the longest that begins the path) → API {} ({})",
        mapped.base_path, api.name, api.id
    );
    let step = match (&domain.mutual_tls, request.client_certificate) {
        (None, _) => Step::pass(Gate::Endpoint, reached),
        (Some(mtls), false) => Step::unknown(
            Gate::Endpoint,
            format!(
                "{reached}; {name} requires a client certificate from truststore {}: pass --client-cert if the caller presents one (without one the TLS handshake is refused)",
                mtls.truststore_uri
            ),
        )
        .check(gc502::CHECK.meta),
        (Some(mtls), true) => Step::pass(
            Gate::Endpoint,
            format!(
                "{reached}; the caller presents a client certificate (whether it chains to truststore {} is not checked here)",
                mtls.truststore_uri
            ),
        ),
    };
    Ok(Ok(Reached {
        api,
        stage: mapped.stage.clone().map(|s| (s, mapped.stage_from_mapping)),
        rest: mapped.rest,
        step,
        mapping: Some((name.to_string(), mapped.base_path)),
        private_endpoints,
        preceding,
        via_cloudfront: false,
    }))
}
