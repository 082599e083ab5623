//! The gates, one function each, in API Gateway's order. Each returns a step; the walk
//! stops at the first that fails. Fixes are concrete commands for this API and stage.

use super::evaluate::{decide_policy, decide_waf, Caller, NetworkPath, PolicyDecision, WafDecision};
use super::request::{KeyIdentity, Request};
use super::target::{self, CurrentRoute, Host};
use super::{ExplainError, Gate, Outcome, Refusal, Step, Target};
use crate::model::{ApiKeySource, DeployedMethod, Index, Method, Part, RestApi, Snapshot, Stage};
use crate::policy::Policy;

/// Everything the gates after the route need to know about the request's target.
struct Context<'a> {
    snapshot: &'a Snapshot,
    index: &'a Index<'a>,
    request: &'a Request,
    host: &'a Host,
    api: &'a RestApi,
    stage: &'a Stage,
    /// The path below the stage (and below the base path, on a custom domain).
    rest: String,
    /// What answers the request: the current method, else the deployed one.
    method: EffectiveMethod<'a>,
}

#[derive(Debug, Clone)]
struct EffectiveMethod<'a> {
    resource_path: String,
    verb: String,
    api_key_required: bool,
    authorization_type: String,
    current: Option<&'a Method>,
}

/// Appends steps and stops at the first failure.
struct Walk {
    steps: Vec<Step>,
    target: Target,
}

impl Walk {
    fn stop(mut self, step: Step) -> Result<(Target, Vec<Step>), ExplainError> {
        self.steps.push(step);
        Ok((self.target, self.steps))
    }

    /// Whether the walk must stop here.
    fn push(&mut self, step: Step) -> bool {
        let failed = step.outcome == Outcome::Fail;
        self.steps.push(step);
        failed
    }
}

macro_rules! gate {
    ($walk:ident, $step:expr) => {
        if $walk.push($step) {
            return Ok(($walk.target, $walk.steps));
        }
    };
}

pub(super) fn walk(snapshot: &Snapshot, request: &Request, host: &Host) -> Result<(Target, Vec<Step>), ExplainError> {
    let mut walk = Walk {
        steps: Vec::new(),
        target: Target {
            region: Some(snapshot.region.clone()),
            http_method: Some(request.method.clone()),
            ..Target::default()
        },
    };
    let region = &snapshot.region;
    let index = Index::new(snapshot);

    // 1. Endpoint: which API the host and path reach.
    let (api, stage_name, rest, via) = match host {
        Host::CustomDomain { name } => {
            let Some(domain) = snapshot.custom_domain(name) else {
                if snapshot.gaps.iter().any(|g| g.part == Part::DomainNames) {
                    return walk.stop(
                        Step::unknown(
                            Gate::Endpoint,
                            format!("the custom domain names of {region} could not be read"),
                        )
                        .check("GC900"),
                    );
                }
                return Err(ExplainError::DomainNotFound {
                    name: name.clone(),
                    region: region.clone(),
                });
            };
            if snapshot.domain_unread(domain) {
                return walk.stop(
                    Step::unknown(
                        Gate::Endpoint,
                        format!(
                            "the base path mappings of {name} could not be read, so which API it reaches is unknown"
                        ),
                    )
                    .check("GC900"),
                );
            }
            let Some(mapped) = target::map_custom_domain(domain, &request.path) else {
                let known: Vec<String> = domain
                    .mappings
                    .iter()
                    .map(|m| format!("/{} → {}", m.base_path, m.rest_api_id))
                    .collect();
                return walk.stop(Step::fail(
                        Gate::Endpoint,
                        Refusal::forbidden(),
                        format!(
                            "no base path mapping of {name} takes {}; its mappings: {}",
                            request.path,
                            or_none(&known)
                        ),
                        format!("call one of the mapped base paths, or map this one: aws apigateway create-base-path-mapping --region {region} --domain-name {name} --base-path <base_path> --rest-api-id <api_id> --stage <stage>"),
                    )
                );
            };
            let Some(api) = index.rest_api(&mapped.api_id) else {
                return walk.stop(Step::fail(
                        Gate::Endpoint,
                        Refusal::forbidden(),
                        format!(
                            "{name}'s base path /{} maps to REST API {}, which does not exist",
                            mapped.base_path, mapped.api_id
                        ),
                        format!("point the mapping at an existing API: aws apigateway update-base-path-mapping --region {region} --domain-name {name} --base-path {} --patch-operations op=replace,path=/restapiId,value=<api_id>", mapped.base_path),
                    )
                    .check("GC501")
                );
            };
            let via = format!(
                "custom domain {name}, base path /{} → API {} ({})",
                mapped.base_path, api.name, api.id
            );
            let stage = mapped.stage.clone().map(|s| (s, mapped.stage_from_mapping));
            (api, stage, mapped.rest, via)
        }
        _ => {
            let Some(api_id) = target::named_api_id(host, request) else {
                walk.push(Step::pass(
                    Gate::Endpoint,
                    format!("{} is a VPC endpoint's DNS name", request.host),
                ));
                return walk.stop(Step::fail(
                        Gate::Private,
                        Refusal::forbidden(),
                        "a VPC endpoint's DNS name does not say which API to call: the request has no x-apigw-api-id header and no Host header naming the API",
                        "add -H 'x-apigw-api-id: <api_id>' (or -H 'Host: <api_id>.execute-api.<region>.amazonaws.com')",
                    )
                );
            };
            let api = index.rest_api(&api_id).ok_or_else(|| ExplainError::ApiNotFound {
                api_id: api_id.clone(),
                region: region.clone(),
            })?;
            if api.disable_execute_api_endpoint {
                let domains: Vec<String> = snapshot
                    .mappings_to(&api.id)
                    .map(|(d, m)| format!("https://{}/{}", d.name, m.base_path.replace("(none)", "")))
                    .collect();
                let fix = if domains.is_empty() {
                    format!("turn the endpoint back on: aws apigateway update-rest-api --region {region} --rest-api-id {} --patch-operations op=replace,path=/disableExecuteApiEndpoint,value=false", api.id)
                } else {
                    format!("call the API through its custom domain: {}", domains.join(", "))
                };
                walk.target.api_id = Some(api.id.to_string());
                walk.target.api_name = Some(api.name.to_string());
                return walk.stop(
                    Step::fail(
                        Gate::Endpoint,
                        Refusal::forbidden(),
                        format!(
                            "API {} ({}) has its execute-api endpoint disabled: only custom domains reach it",
                            api.name, api.id
                        ),
                        fix,
                    )
                    .check("GC101"),
                );
            }
            let (stage, rest) = target::split_stage(&request.path);
            let via = format!(
                "API {} ({}) in {region}, execute-api endpoint enabled",
                api.name, api.id
            );
            (api, stage.map(|s| (s, false)), rest, via)
        }
    };
    walk.target.api_id = Some(api.id.to_string());
    walk.target.api_name = Some(api.name.to_string());
    gate!(walk, Step::pass(Gate::Endpoint, via));

    // 2. Private API conditions.
    gate!(walk, private_gate(snapshot, request, host, api));

    // 3. Stage.
    let stage_names: Vec<&str> = api.stages.iter().map(|s| s.name.as_str()).collect();
    let Some((stage_name, from_mapping)) = stage_name else {
        return walk.stop(Step::fail(
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
    walk.target.stage = Some(stage_name.clone());
    let Some(stage) = api.stage(&stage_name) else {
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
        let mut step = Step::fail(
            Gate::Stage,
            Refusal::forbidden(),
            evidence,
            if from_mapping {
                format!("point the base path mapping at an existing stage: aws apigateway update-base-path-mapping --region {region} --domain-name {} --base-path <base_path> --patch-operations op=replace,path=/stage,value=<stage>", request.host)
            } else {
                format!(
                    "call an existing stage, e.g. https://{}/{}{}",
                    request.host,
                    stage_names.first().copied().unwrap_or("<stage>"),
                    if stage_names.is_empty() {
                        String::new()
                    } else {
                        format!("/{stage_name}{rest}").trim_end_matches('/').to_string()
                    }
                )
            },
        );
        if from_mapping {
            step = step.check("GC501");
        }
        return walk.stop(step);
    };
    gate!(
        walk,
        Step::pass(
            Gate::Stage,
            format!(
                "stage {} serves deployment {}",
                stage.name,
                stage.deployment_id.as_deref().unwrap_or("(none)")
            )
        )
    );

    // 4. Resource and method.
    let (route_step, method) = route_gate(api, stage, &rest, &request.method);
    if let Some(m) = &method {
        walk.target.resource_path = Some(m.resource_path.clone());
        walk.target.http_method = Some(m.verb.clone());
    }
    let Some(method) = method else {
        return walk.stop(route_step);
    };
    walk.push(route_step);
    let context = Context {
        snapshot,
        index: &index,
        request,
        host,
        api,
        stage,
        rest,
        method,
    };

    // 5–9.
    gate!(walk, policy_gate(&context));
    gate!(walk, waf_gate(&context));
    gate!(walk, authorization_gate(&context));
    gate!(walk, api_key_gate(&context, &context.method, false));
    gate!(walk, deployment_gate(&context));
    Ok((walk.target, walk.steps))
}

fn or_none<T: AsRef<str>>(items: &[T]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(", ")
    }
}

fn is_private(api: &RestApi) -> bool {
    api.endpoint_types.iter().any(|t| t == "PRIVATE")
}

fn private_gate(snapshot: &Snapshot, request: &Request, host: &Host, api: &RestApi) -> Step {
    let region = &snapshot.region;
    let through_endpoint = matches!(host, Host::VpcEndpoint { .. } | Host::EndpointAlias { .. });
    let types = or_none(&api.endpoint_types);
    if !is_private(api) {
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
        return Step::fail(
            Gate::Private,
            Refusal::forbidden(),
            format!("API {} is PRIVATE and has no resource policy: API Gateway refuses every call", api.id),
            format!("attach a policy that allows your VPC endpoint, then redeploy: aws apigateway update-rest-api --region {region} --rest-api-id {} --patch-operations op=replace,path=/policy,value=<policy_json> && aws apigateway create-deployment --region {region} --rest-api-id {} --stage-name <stage>", api.id, api.id),
        )
        .check("GC102");
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
        Host::CustomDomain { .. } => Step::unknown(
            Gate::Private,
            "PRIVATE API behind a custom domain: private custom domains are not evaluated",
        ),
    }
}

/// The method that answers: from the current resources, else from the stage's deployment
/// when only it still has the route.
fn route_gate<'a>(api: &'a RestApi, stage: &Stage, rest: &str, verb: &str) -> (Step, Option<EffectiveMethod<'a>>) {
    let current = target::current_route(api, rest, verb);
    let summary = stage
        .deployment_id
        .as_deref()
        .and_then(|id| api.deployment(id))
        .and_then(|d| d.api_summary.as_ref());
    let deployed = summary.and_then(|s| target::deployed_route(s, rest, verb));
    match current {
        Some(CurrentRoute {
            resource_path,
            method: Some(method),
            ..
        }) => (
            Step::pass(
                Gate::Route,
                format!(
                    "{verb} {rest} → resource {resource_path}, method {}",
                    method.http_method
                ),
            ),
            Some(EffectiveMethod {
                resource_path: resource_path.to_string(),
                verb: method.http_method.to_string(),
                api_key_required: method.api_key_required,
                authorization_type: method.authorization_type.to_string(),
                current: Some(method),
            }),
        ),
        current => {
            if let Some((resource_path, Some((deployed_verb, dm)))) = deployed {
                return (
                    Step::pass(
                        Gate::Route,
                        format!("{verb} {rest} → resource {resource_path}, method {deployed_verb}, which only the stage's deployment still has: the next deployment removes it (GC401)"),
                    ),
                    Some(EffectiveMethod {
                        resource_path: resource_path.to_string(),
                        verb: deployed_verb.to_string(),
                        api_key_required: dm.api_key_required,
                        authorization_type: dm.authorization_type.to_string(),
                        current: None,
                    }),
                );
            }
            let evidence = match current {
                Some(route) => format!(
                    "resource {} has methods {}, not {verb}",
                    route.resource_path,
                    or_none(&route.verbs)
                ),
                None => {
                    let paths: Vec<&str> = api.resources.iter().map(|r| r.path.as_str()).collect();
                    format!(
                        "no resource of API {} takes {rest}; its resources: {}",
                        api.id,
                        or_none(&paths)
                    )
                }
            };
            (
                Step::fail(
                    Gate::Route,
                    Refusal::missing_token(),
                    evidence,
                    format!("check the path and method; a resource or method added since the last deployment needs one: aws apigateway create-deployment --rest-api-id {} --stage-name {}", api.id, stage.name),
                ),
                None,
            )
        }
    }
}

fn signed(request: &Request) -> bool {
    request
        .header("authorization")
        .is_some_and(|h| h.value().starts_with("AWS4-HMAC-SHA256"))
}

fn invoke_arn(c: &Context) -> String {
    format!(
        "arn:aws:execute-api:{}:{}:{}/{}/{}{}",
        c.snapshot.region,
        c.snapshot.account.id.as_deref().unwrap_or("<account>"),
        c.api.id,
        c.stage.name,
        c.request.method,
        c.rest
    )
}

fn policy_gate(c: &Context) -> Step {
    let Some(text) = &c.api.policy else {
        return Step::pass(Gate::ResourcePolicy, "no resource policy");
    };
    let policy = match Policy::parse(text) {
        Ok(policy) => policy,
        Err(err) => return Step::unknown(Gate::ResourcePolicy, err.to_string()).check("GC900"),
    };
    let caller = Caller {
        source_ip: c.request.source_ip,
        path: match c.host {
            Host::VpcEndpoint { vpce_id, .. } | Host::EndpointAlias { vpce_id, .. } => {
                NetworkPath::VpcEndpoint(Some(vpce_id))
            }
            Host::ExecuteApi { .. } if is_private(c.api) => NetworkPath::VpcEndpoint(None),
            _ => NetworkPath::Internet,
        },
        signed: signed(c.request),
        resource: format!("{}/{}{}", c.stage.name, c.request.method, c.rest),
    };
    let region = &c.snapshot.region;
    let fix = format!("call from where the policy lets callers in ({}), or change the policy and redeploy (policy changes apply at the next deployment): aws apigateway update-rest-api --region {region} --rest-api-id {} --patch-operations op=replace,path=/policy,value=<policy_json> && aws apigateway create-deployment --region {region} --rest-api-id {} --stage-name {}", policy.describe(), c.api.id, c.api.id, c.stage.name);
    let refusal = |why: &str| Refusal {
        status: 403,
        message: format!(
            "User: anonymous is not authorized to perform: execute-api:Invoke on resource: {} {why}",
            invoke_arn(c)
        ),
    };
    match decide_policy(&policy, &caller) {
        PolicyDecision::Allowed(statement) => Step::pass(Gate::ResourcePolicy, format!("allowed by: {statement}")),
        PolicyDecision::ExplicitDeny(statement) => Step::fail(
            Gate::ResourcePolicy,
            refusal("with an explicit deny"),
            format!("denied by: {statement}"),
            fix,
        )
        .check("GC103"),
        PolicyDecision::ImplicitDeny if c.method.authorization_type == "AWS_IAM" => Step::unknown(
            Gate::ResourcePolicy,
            "no statement allows this caller; with IAM authorization, an identity policy in the API's account may",
        ),
        PolicyDecision::ImplicitDeny => Step::fail(
            Gate::ResourcePolicy,
            refusal("because no resource-based policy allows the execute-api:Invoke action"),
            format!("no statement allows this caller; the policy: {}", policy.describe()),
            fix,
        )
        .check("GC103"),
        PolicyDecision::Unknown(why) => Step::unknown(Gate::ResourcePolicy, why),
    }
}

fn gap_for(c: &Context, parts: &[Part]) -> Option<String> {
    c.snapshot
        .gaps
        .iter()
        .find(|g| parts.iter().any(|p| g.part.includes(*p)) && g.covers(Some(&c.api.id), Some(&c.stage.name)))
        .map(|g| {
            format!(
                "{} could not be read ({}: {})",
                g.part.as_str(),
                g.operation,
                g.reason.as_str()
            )
        })
}

fn waf_gate(c: &Context) -> Step {
    let Some(arn) = &c.stage.web_acl_arn else {
        return Step::pass(Gate::Waf, "no web ACL on the stage");
    };
    let Some(acl) = c.index.web_acl(arn) else {
        let why = gap_for(c, &[Part::WebAcls, Part::Stages]).unwrap_or_else(|| "it was not read".into());
        return Step::unknown(Gate::Waf, format!("web ACL {arn}: {why}")).check("GC900");
    };
    let from = c.request.source_ip.map(|ip| format!("from {ip}")).unwrap_or_default();
    let fix = format!("call from an address the web ACL lets through, or change its rules: aws wafv2 get-web-acl --region {} --scope REGIONAL --name {} --id {}", c.snapshot.region, acl.name, arn.rsplit('/').next().unwrap_or_default());
    match decide_waf(acl, c.index, c.request.source_ip) {
        WafDecision::Allowed(Some(rule)) => Step::pass(
            Gate::Waf,
            format!("web ACL {}: rule {rule} allows the request {from}", acl.name),
        ),
        WafDecision::Allowed(None) => Step::pass(
            Gate::Waf,
            format!(
                "web ACL {}: no rule blocks the request {from}; the default action allows",
                acl.name
            ),
        ),
        WafDecision::Blocked(Some(rule)) => Step::fail(
            Gate::Waf,
            Refusal::forbidden(),
            format!("web ACL {}: rule {rule} blocks the request {from}", acl.name),
            fix,
        )
        .check("GC202"),
        WafDecision::Blocked(None) => Step::fail(
            Gate::Waf,
            Refusal::forbidden(),
            format!(
                "web ACL {}: its default action is Block and no Allow rule matches the request {from}",
                acl.name
            ),
            fix,
        )
        .check("GC201"),
        WafDecision::Unknown(why) => Step::unknown(Gate::Waf, format!("web ACL {}: {why}", acl.name)),
    }
}

fn authorization_gate(c: &Context) -> Step {
    let m = &c.method;
    let has_authorization = c.request.header("authorization").is_some_and(|h| !h.value().is_empty());
    match m.authorization_type.as_str() {
        "NONE" => Step::pass(Gate::Authorization, "the method needs no authorization"),
        "AWS_IAM" if signed(c.request) => Step::unknown(
            Gate::Authorization,
            "IAM authorization: the request is signed; whether the signer may invoke depends on IAM policies gatecheck does not read",
        ),
        "AWS_IAM" => Step::fail(
            Gate::Authorization,
            Refusal::missing_token(),
            "the method uses IAM authorization and the request carries no SigV4 signature",
            format!("sign the request, e.g. curl --aws-sigv4 'aws:amz:{}:execute-api' --user \"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY\" -H \"x-amz-security-token: $AWS_SESSION_TOKEN\" ...", c.snapshot.region),
        ),
        kind => {
            let authorizer = m
                .current
                .and_then(|cm| cm.authorizer_id.as_deref())
                .and_then(|id| c.api.authorizers.iter().find(|a| a.id == id));
            let name = authorizer.map_or_else(|| "(not found)".to_string(), |a| format!("{} ({})", a.name, a.authorizer_type));
            if authorizer.is_some_and(|a| a.authorizer_type == "REQUEST") {
                return Step::unknown(
                    Gate::Authorization,
                    format!("{kind} authorizer {name} decides from its identity sources; a missing one answers 401"),
                );
            }
            if !has_authorization {
                return Step::fail(
                    Gate::Authorization,
                    Refusal::unauthorized(),
                    format!("the method uses {kind} authorizer {name}, and the request has no Authorization header"),
                    "send the token the authorizer expects: -H 'Authorization: <token>'",
                );
            }
            Step::unknown(
                Gate::Authorization,
                format!("{kind} authorizer {name} decides on the token; gatecheck does not run it"),
            )
        }
    }
}

/// The key gate for `method`; `deployed` words the evidence for the deployment gate.
fn api_key_gate(c: &Context, method: &EffectiveMethod, deployed: bool) -> Step {
    let (api, stage, region) = (c.api, &c.stage.name, &c.snapshot.region);
    if !method.api_key_required {
        return Step::pass(Gate::ApiKey, "the method does not require an API key");
    }
    let source_is_authorizer = api.api_key_source == ApiKeySource::Authorizer;
    if source_is_authorizer && method.authorization_type != "CUSTOM" {
        return Step::fail(
            Gate::ApiKey,
            Refusal::forbidden(),
            format!("API {} takes keys from a Lambda authorizer (apiKeySource AUTHORIZER), but the method uses {}: no key reaches API Gateway, and the x-api-key header is ignored", api.id, method.authorization_type),
            format!("take keys from the header and redeploy: aws apigateway update-rest-api --region {region} --rest-api-id {} --patch-operations op=replace,path=/apiKeySource,value=HEADER && aws apigateway create-deployment --region {region} --rest-api-id {} --stage-name {stage}", api.id, api.id),
        )
        .check("GC304");
    }
    if !source_is_authorizer && c.request.header("x-api-key").is_none_or(|h| h.value().is_empty()) {
        let step = Step::fail(
            Gate::ApiKey,
            Refusal::forbidden(),
            format!(
                "the method requires an API key and the request has no x-api-key header{}",
                if method.verb == "OPTIONS" {
                    " (a browser's CORS preflight never has one)"
                } else {
                    ""
                }
            ),
            if method.verb == "OPTIONS" {
                format!("let OPTIONS through without a key and redeploy: aws apigateway update-method --region {region} --rest-api-id {} --resource-id <resource_id> --http-method OPTIONS --patch-operations op=replace,path=/apiKeyRequired,value=false && aws apigateway create-deployment --region {region} --rest-api-id {} --stage-name {stage}", api.id, api.id)
            } else {
                "send the key in the x-api-key header: -H 'x-api-key: <key value>' (a header, not a query parameter or a body field)".to_string()
            },
        );
        return if method.verb == "OPTIONS" {
            step.check("GC305")
        } else {
            step
        };
    }
    if let Some(why) = gap_for(c, &[Part::UsagePlans, Part::UsagePlanKeys, Part::ApiKeys]) {
        return Step::unknown(Gate::ApiKey, why).check("GC900");
    }
    let plans = c.index.plans_covering(&api.id, stage);
    let known_key = match &c.request.key {
        KeyIdentity::Given(id) | KeyIdentity::LookedUp(id) => Some(id.as_str()),
        _ => None,
    };
    if plans.is_empty() {
        let plan_of_key = known_key
            .and_then(|k| {
                c.snapshot
                    .usage_plans
                    .iter()
                    .find(|p| p.key_ids.iter().any(|id| id == k))
            })
            .map_or("<plan_id>", |p| p.id.as_str());
        return Step::fail(
            Gate::ApiKey,
            Refusal::forbidden(),
            format!("the method requires an API key, and no usage plan lists stage {}:{stage}: API Gateway accepts no key there", api.id),
            format!("add the stage to the plan that holds your key: aws apigateway update-usage-plan --region {region} --usage-plan-id {plan_of_key} --patch-operations op=add,path=/apiStages,value={}:{stage}", api.id),
        )
        .check("GC301");
    }
    let plan_names: Vec<String> = plans.iter().map(|p| format!("{} ({})", p.name, p.id)).collect();
    let key_ids: Vec<&str> = plans
        .iter()
        .flat_map(|p| p.key_ids.iter().map(|id| id.as_str()))
        .collect();
    if key_ids.is_empty() {
        return Step::fail(
            Gate::ApiKey,
            Refusal::forbidden(),
            format!("the plans that cover {}:{stage} ({}) hold no API key", api.id, plan_names.join(", ")),
            format!("attach your key to one: aws apigateway create-usage-plan-key --region {region} --usage-plan-id {} --key-type API_KEY --key-id <key_id>", plans[0].id),
        )
        .check("GC302");
    }
    if !key_ids.iter().any(|id| c.index.api_key(id).is_some_and(|k| k.enabled)) {
        return Step::fail(
            Gate::ApiKey,
            Refusal::forbidden(),
            format!("every key in the plans that cover {}:{stage} ({}) is disabled", api.id, plan_names.join(", ")),
            format!("enable the caller's key: aws apigateway update-api-key --region {region} --api-key {} --patch-operations op=replace,path=/enabled,value=true", key_ids[0]),
        )
        .check("GC303");
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
        return Step::fail(
            Gate::ApiKey,
            Refusal::forbidden(),
            format!("no API key with id {key_id} in {region}"),
            "check the key id and the region: aws apigateway get-api-keys",
        );
    };
    if !key.enabled {
        return Step::fail(
            Gate::ApiKey,
            Refusal::forbidden(),
            format!("API key {} ({}) is disabled", key.name, key.id),
            format!("aws apigateway update-api-key --region {region} --api-key {} --patch-operations op=replace,path=/enabled,value=true", key.id),
        );
    }
    match plans.iter().find(|p| p.key_ids.contains(&key.id)) {
        Some(plan) => Step::pass(
            Gate::ApiKey,
            format!(
                "{}key {} ({}) is enabled and in plan {} ({}), which covers {}:{stage}",
                if deployed {
                    "the deployed method requires a key: "
                } else {
                    ""
                },
                key.name,
                key.id,
                plan.name,
                plan.id,
                api.id
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

/// What the stage serves may not be what the console shows: a change applies at the next
/// deployment. Walks the deployed method's settings where they differ.
fn deployment_gate(c: &Context) -> Step {
    let deployment = c.stage.deployment_id.as_deref().and_then(|id| c.api.deployment(id));
    let Some(summary) = deployment.and_then(|d| d.api_summary.as_ref()) else {
        return Step::unknown(
            Gate::Deployment,
            "the endpoint did not return the deployment's apiSummary: what the stage serves cannot be compared",
        );
    };
    let deployment_id = deployment.map(|d| d.id.as_str()).unwrap_or_default();
    let region = &c.snapshot.region;
    let redeploy = format!(
        "aws apigateway create-deployment --region {region} --rest-api-id {} --stage-name {}",
        c.api.id, c.stage.name
    );
    let Some((resource_path, Some((verb, deployed)))) = target::deployed_route(summary, &c.rest, &c.request.method)
    else {
        return Step::fail(
            Gate::Deployment,
            Refusal::missing_token(),
            format!(
                "stage {} serves deployment {deployment_id}, which has no {} {}: the method was added after it",
                c.stage.name, c.request.method, c.rest
            ),
            redeploy,
        )
        .check("GC401");
    };
    let Some(current) = c.method.current else {
        return Step::pass(
            Gate::Deployment,
            format!("deployment {deployment_id} serves {verb} {resource_path}"),
        );
    };
    let now = DeployedMethod {
        api_key_required: current.api_key_required,
        authorization_type: current.authorization_type.clone(),
    };
    if *deployed == now {
        return Step::pass(
            Gate::Deployment,
            format!("deployment {deployment_id} serves {verb} {resource_path} as configured now"),
        );
    }
    let served = EffectiveMethod {
        resource_path: resource_path.to_string(),
        verb: verb.to_string(),
        api_key_required: deployed.api_key_required,
        authorization_type: deployed.authorization_type.to_string(),
        current: Some(current),
    };
    let differences = format!(
        "deployment {deployment_id} serves {verb} {resource_path} with apiKeyRequired={} and authorization {}; the current configuration has apiKeyRequired={} and {}",
        deployed.api_key_required, deployed.authorization_type, now.api_key_required, now.authorization_type
    );
    let deployed_context = Context {
        snapshot: c.snapshot,
        index: c.index,
        request: c.request,
        host: c.host,
        api: c.api,
        stage: c.stage,
        rest: c.rest.clone(),
        method: served.clone(),
    };
    for step in [
        authorization_gate(&deployed_context),
        api_key_gate(&deployed_context, &served, true),
    ] {
        if step.outcome == Outcome::Fail {
            return Step {
                step: Gate::Deployment,
                evidence: format!("{differences}; as deployed: {}", step.evidence),
                check: Some("GC401"),
                fix: Some(format!("redeploy to serve the current configuration: {redeploy}")),
                ..step
            };
        }
    }
    Step::pass(
        Gate::Deployment,
        format!("{differences}; as deployed it still admits this request, and the next deployment changes that"),
    )
}
