//! Which API and stage the host and path reach, and the private-API conditions.

use super::{or_none, unknown_gap, unread};
use crate::checks::domains::{self, gc501, gc502, gc503, gc504};
use crate::checks::reachability::{gc101, gc102};
use crate::explain::request::Request;
use crate::explain::target::{self, Host};
use crate::explain::{ExplainError, Gate, Refusal, Step};
use crate::model::RoutingMode;
use crate::model::{DomainName, Index, Part, RestApi, Snapshot, Stage};
use crate::policy::Policy;

/// Where the endpoint gate leads: the API, the stage the URL or mapping names (and whether
/// the mapping named it), the path below the stage, and the gate's passing step.
pub(super) struct Reached<'a> {
    pub api: &'a RestApi,
    pub stage: Option<(String, bool)>,
    pub rest: String,
    pub step: Step,
    /// The custom domain and base path the request came through.
    pub mapping: Option<(String, String)>,
    /// For a private custom domain, the VPC endpoints associated with it: the only ones a
    /// request through it can come from.
    pub private_endpoints: Option<Vec<String>>,
}

/// The API the host and path reach, or the steps that end the walk there.
pub(super) fn endpoint_gate<'a>(
    snapshot: &'a Snapshot,
    index: &Index<'a>,
    request: &Request,
    host: &Host,
) -> Result<Result<Reached<'a>, Vec<Step>>, ExplainError> {
    let region = &snapshot.region;
    if let Host::CustomDomain { name } = host {
        let Some(domain) = snapshot.custom_domain(name) else {
            if let Some(why) = unread(snapshot, &[Part::DomainNames], None, None) {
                return Ok(Err(vec![unknown_gap(
                    Gate::Endpoint,
                    format!("the custom domain names of {region}: {why}"),
                )]));
            }
            return Err(ExplainError::DomainNotFound {
                name: name.clone(),
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
        let private_endpoints = domain.is_private().then(|| domain.access_associations.clone());
        if let Some(endpoints) = &private_endpoints {
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
                    format!(
                        "{name} is a private custom domain with no VPC endpoint associated: no request can reach it"
                    ),
                    gc503::CHECK.meta,
                    &gc503_vars,
                )]));
            }
            let admitted = match gc503::domain_admission(domain) {
                gc503::DomainAdmission::Admitted(admitted, _) => !admitted.is_empty(),
                // As the audit: a policy that does not parse is not evaluated, not a refusal.
                gc503::DomainAdmission::Unparseable(err) => {
                    return Ok(Err(vec![Step::unknown(
                        Gate::Endpoint,
                        format!("the policy of private domain {name} does not parse ({err}), so which VPC endpoints may invoke through it is not evaluated"),
                    )]));
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
                    if let Some(why) = unread(snapshot, &[Part::RestApis, Part::Stages], api_id, rule.stage.as_deref())
                    {
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
                                &[("region", region.as_str()), ("domain", name.as_str())],
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
                        mapping: Some((name.clone(), base_path)),
                        private_endpoints: private_endpoints.clone(),
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
                ("domain", name.as_str()),
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
        return Ok(Ok(Reached {
            api,
            stage: mapped.stage.clone().map(|s| (s, mapped.stage_from_mapping)),
            rest: mapped.rest,
            step,
            mapping: Some((name.clone(), mapped.base_path)),
            private_endpoints: private_endpoints.clone(),
        }));
    }

    let Some(api_id) = target::named_api_id(host, request) else {
        return Ok(Err(vec![
            Step::pass(Gate::Endpoint, format!("{} is a VPC endpoint's DNS name", request.host)),
            Step::fail(
                Gate::Private,
                Refusal::forbidden(),
                "a VPC endpoint's DNS name does not say which API to call: the request has no x-apigw-api-id header and no Host header naming the API",
                "add -H 'x-apigw-api-id: <api_id>' (or -H 'Host: <api_id>.execute-api.<region>.amazonaws.com')",
            ),
        ]));
    };
    let api = index.rest_api(&api_id).ok_or_else(|| ExplainError::ApiNotFound {
        api_id: api_id.clone(),
        region: region.clone(),
    })?;
    if gc101::refuses_execute_api(api) {
        let domains: Vec<String> = snapshot
            .mappings_to(&api.id)
            .map(|(d, m)| format!("https://{}/{}", d.name, m.base_path.replace("(none)", "")))
            .collect();
        let through = if domains.is_empty() {
            "no custom domain maps it".to_string()
        } else {
            format!("call it through its custom domain instead: {}", domains.join(", "))
        };
        let step = Step::refused(
            Gate::Endpoint,
            Refusal::forbidden(),
            format!(
                "API {} ({}) has disableExecuteApiEndpoint set: only custom domains reach it ({through}). The setting applies from the deployment after it changed; gatecheck reads the current value, not the deployed one",
                api.name, api.id
            ),
            gc101::CHECK.meta,
            &[("region", region), ("api_id", &api.id)],
        );
        return Ok(Ok(Reached {
            api,
            stage: None,
            rest: String::new(),
            step,
            mapping: None,
            private_endpoints: None,
        }));
    }
    let (stage, rest) = target::split_stage(&request.path);
    let step = Step::pass(
        Gate::Endpoint,
        format!(
            "API {} ({}) in {region}, execute-api endpoint enabled",
            api.name, api.id
        ),
    );
    Ok(Ok(Reached {
        api,
        stage: stage.map(|s| (s, false)),
        rest,
        step,
        mapping: None,
        private_endpoints: None,
    }))
}

pub(super) fn private_gate(snapshot: &Snapshot, request: &Request, host: &Host, reached: &Reached) -> Step {
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
    match host {
        Host::VpcEndpoint { vpce_id, .. } | Host::EndpointAlias { vpce_id, .. } => Step::pass(
            Gate::Private,
            format!("PRIVATE API reached through VPC endpoint {vpce_id}"),
        ),
        Host::ExecuteApi { .. } => Step::unknown(
            Gate::Private,
            format!("PRIVATE API called by its public name: that resolves only inside a VPC whose execute-api endpoint has private DNS on; from anywhere else the name does not resolve. Call https://<vpce_dns_name>/... with -H 'x-apigw-api-id: {}' to have the endpoint checked", api.id),
        ),
        Host::CustomDomain { name } => match &reached.private_endpoints {
            // The domain's endpoints, narrowed to those the API's own policy lets in too.
            Some(endpoints) => {
                let admitted: Vec<&str> = match api.policy.as_deref().map(Policy::parse) {
                    Some(Ok(policy)) => endpoints
                        .iter()
                        .filter(|v| policy.admits_endpoint(v))
                        .map(String::as_str)
                        .collect(),
                    // Without a policy the step above refused it (GC102).
                    None => Vec::new(),
                    // As the audit: a policy that does not parse is not evaluated.
                    Some(Err(err)) => {
                        return Step::unknown(
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

/// The stage the URL or mapping names, or the step that refuses the request there.
pub(super) fn stage_gate<'a>(
    snapshot: &Snapshot,
    request: &Request,
    api: &'a RestApi,
    reached: &Reached,
) -> Result<(&'a Stage, Step), Step> {
    let region = &snapshot.region;
    let rest = &reached.rest;
    let stage_names: Vec<&str> = api.stages.iter().map(|s| s.name.as_str()).collect();
    let Some((stage_name, from_mapping)) = &reached.stage else {
        return Err(Step::fail(
            Gate::Stage,
            Refusal::forbidden(),
            format!(
                "the URL has no stage: execute-api URLs are https://{}/{{stage}}/{{path}}; this API's stages: {}",
                request.host,
                or_none(&stage_names)
            ),
            format!(
                "put the stage first in the path, e.g. https://{}/{}{}",
                request.host,
                stage_names.first().copied().unwrap_or("<stage>"),
                rest.trim_end_matches('/')
            ),
        ));
    };
    if let Some(stage) = api.stage(stage_name) {
        let step = Step::pass(
            Gate::Stage,
            format!(
                "stage {} serves deployment {}",
                stage.name,
                stage.deployment_id.as_deref().unwrap_or("(none)")
            ),
        );
        return Ok((stage, step));
    }
    let mut evidence = format!(
        "API {} has no stage '{stage_name}'; its stages: {}",
        api.id,
        or_none(&stage_names)
    );
    if !from_mapping && target::current_route(api, &format!("/{stage_name}{rest}"), &request.method).is_some() {
        evidence.push_str(&format!(
            "; /{stage_name}{rest} is a resource path, so the URL probably lacks the stage"
        ));
    }
    if *from_mapping {
        let (domain, base_path) = reached.mapping.clone().unwrap_or_default();
        let vars = [
            ("region", region.as_str()),
            ("domain", domain.as_str()),
            ("base_path", base_path.as_str()),
        ];
        return Err(Step::refused(
            Gate::Stage,
            Refusal::forbidden(),
            evidence,
            gc501::CHECK.meta,
            &vars,
        ));
    }
    let example = if stage_names.is_empty() {
        String::new()
    } else {
        format!("/{stage_name}{rest}").trim_end_matches('/').to_string()
    };
    Err(Step::fail(
        Gate::Stage,
        Refusal::forbidden(),
        evidence,
        format!(
            "call an existing stage, e.g. https://{}/{}{example}",
            request.host,
            stage_names.first().copied().unwrap_or("<stage>"),
        ),
    ))
}
