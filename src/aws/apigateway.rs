//! API Gateway reads: REST APIs with their resources, authorizers, stages and deployments;
//! usage plans with their keys; API keys (never their values).

use super::errors::CollectError;
use super::{CollectOptions, Reader, Unread};
use crate::model::{
    AccessLog, ApiKey, ApiKeySource, ApiSummary, AuthorizationType, Authorizer, BasePathMapping, Canary,
    DeployedMethod, Deployment, DomainName, GatewayResponse, Method, MethodSetting, MutualTls, Part, PlanApiStage,
    Resource, RestApi, RoutingRule, Stage, ThrottleSetting, UsagePlan,
};
use aws_sdk_apigateway::types as sdk;
use futures::StreamExt;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The largest page API Gateway serves.
const PAGE_SIZE: i32 = 500;

/// Every item of a paginated request, in pages of the largest size, as one future.
macro_rules! every_page {
    ($request:expr) => {
        $request.limit(PAGE_SIZE).into_paginator().items().send().try_collect()
    };
}

pub(crate) async fn read_rest_apis(reader: &Reader, options: &CollectOptions) -> Result<Vec<RestApi>, CollectError> {
    let listed = match &options.scope.api_id {
        Some(api_id) => read_one_rest_api(reader, api_id).await?,
        None => list_rest_apis(reader).await?,
    };

    // A quota-light audit reads again only the APIs that are due; the rest keep what the
    // stored snapshot read, with the list's own fields (name, policy, tags) fresh.
    let (listed, mut apis) = match &reader.reuse {
        Some(reuse) if options.scope.api_id.is_none() => {
            let stored: BTreeMap<&str, &RestApi> = reuse.stored.rest_apis.iter().map(|a| (a.id.as_str(), a)).collect();
            let due = reuse.due(
                listed
                    .iter()
                    .map(|a| (a.id.as_str(), stored.get(a.id.as_str()).and_then(|s| s.read_at_ms))),
                &reuse.changed.apis,
            );
            let (to_read, kept): (Vec<RestApi>, Vec<RestApi>) =
                listed.into_iter().partition(|a| due.contains(a.id.as_str()));
            let kept = kept
                .into_iter()
                .map(|api| match stored.get(api.id.as_str()) {
                    Some(old) => RestApi {
                        resources: old.resources.clone(),
                        authorizers: old.authorizers.clone(),
                        stages: old.stages.clone(),
                        deployments: old.deployments.clone(),
                        gateway_responses: old.gateway_responses.clone(),
                        read_at_ms: old.read_at_ms,
                        ..api
                    },
                    None => api,
                })
                .collect();
            (to_read, kept)
        }
        _ => (listed, Vec::new()),
    };
    let total = listed.len();
    let done = AtomicUsize::new(0);
    if let Some(progress) = &options.progress {
        progress(0, total);
    }
    let read: Vec<RestApi> = futures::stream::iter(listed)
        .map(|api| async {
            let api = read_api_details(reader, api).await;
            let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
            // -v: each API as its reads finish, one line a log can hold.
            tracing::info!(region = %reader.region, api = %api.id, name = %crate::printable::printable(&api.name), "API read ({finished} of {total})");
            if let Some(progress) = &options.progress {
                progress(finished, total);
            }
            api
        })
        .buffer_unordered(options.concurrency.max(1))
        .collect()
        .await;
    apis.extend(read);
    apis.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));

    if let (Some(api_id), Some(stage)) = (&options.scope.api_id, &options.scope.stage) {
        let stages_unread = reader.gaps_for(Part::Stages, api_id);
        let found = apis.iter().any(|api| api.stage(stage).is_some());
        if !found && !stages_unread {
            return Err(CollectError::StageNotFound {
                api_id: api_id.clone(),
                stage: stage.clone(),
                region: reader.region.clone(),
            });
        }
    }
    Ok(apis)
}

async fn read_one_rest_api(reader: &Reader, api_id: &str) -> Result<Vec<RestApi>, CollectError> {
    match reader
        .attempt(reader.apigateway.get_rest_api().rest_api_id(api_id).send())
        .await
    {
        Ok(out) => Ok(vec![rest_api_from_parts(ApiParts {
            id: out.id(),
            name: out.name(),
            key_source: out.api_key_source(),
            endpoint: out.endpoint_configuration(),
            policy: out.policy(),
            disable_execute_api_endpoint: out.disable_execute_api_endpoint(),
            access_mode: out.endpoint_access_mode(),
            tags: out.tags(),
        })]),
        Err(failure) => {
            if failure.reason == crate::model::GapReason::NotFound {
                return Err(CollectError::ApiNotFound {
                    api_id: api_id.to_string(),
                    region: reader.region.clone(),
                });
            }
            reader.fail_or_gap(failure, Unread::api(Part::RestApis, "GetRestApi", api_id))?;
            Ok(Vec::new())
        }
    }
}

async fn list_rest_apis(reader: &Reader) -> Result<Vec<RestApi>, CollectError> {
    let pages = every_page!(reader.apigateway.get_rest_apis());
    let items = reader
        .read_or_stop(Unread::region(Part::RestApis, "GetRestApis"), pages)
        .await?;
    Ok(items.unwrap_or_default().iter().map(rest_api_from_sdk).collect())
}

fn rest_api_from_sdk(api: &sdk::RestApi) -> RestApi {
    rest_api_from_parts(ApiParts {
        id: api.id(),
        name: api.name(),
        key_source: api.api_key_source(),
        endpoint: api.endpoint_configuration(),
        policy: api.policy(),
        disable_execute_api_endpoint: api.disable_execute_api_endpoint(),
        access_mode: api.endpoint_access_mode(),
        tags: api.tags(),
    })
}

/// What GetRestApis' items and GetRestApi's answer both say of an API.
struct ApiParts<'a> {
    id: Option<&'a str>,
    name: Option<&'a str>,
    key_source: Option<&'a sdk::ApiKeySourceType>,
    endpoint: Option<&'a sdk::EndpointConfiguration>,
    policy: Option<&'a str>,
    disable_execute_api_endpoint: bool,
    access_mode: Option<&'a sdk::EndpointAccessMode>,
    tags: Option<&'a HashMap<String, String>>,
}

fn rest_api_from_parts(parts: ApiParts) -> RestApi {
    let ApiParts {
        id,
        name,
        key_source,
        endpoint,
        policy,
        disable_execute_api_endpoint,
        access_mode,
        tags,
    } = parts;
    RestApi {
        id: id.unwrap_or_default().into(),
        name: name.unwrap_or_default().into(),
        api_key_source: match key_source {
            Some(sdk::ApiKeySourceType::Authorizer) => ApiKeySource::Authorizer,
            _ => ApiKeySource::Header,
        },
        endpoint_types: endpoint
            .map(|e| e.types().iter().map(|t| t.as_str().into()).collect())
            .unwrap_or_default(),
        ip_address_type: endpoint.and_then(|e| e.ip_address_type()).map(|t| t.as_str().into()),
        policy: policy.filter(|p| !p.is_empty()).map(str::to_string),
        disable_execute_api_endpoint,
        endpoint_access_mode: access_mode.map(|m| m.as_str().into()),
        tags: to_btree(tags),
        ..RestApi::default()
    }
}

fn to_btree(map: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    map.map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// Resources (with methods), stages, customized gateway responses, the deployments stages
/// serve and, where a method names one, the authorizers: three calls per API, a fourth for an
/// API with authorizers, plus one per distinct deployment.
async fn read_api_details(reader: &Reader, mut api: RestApi) -> RestApi {
    if reader.past_deadline() {
        reader.record_gap(crate::model::CoverageGap {
            within: None,
            part: Part::ApiDetails,
            operation: "GetResources, GetStages, GetAuthorizers, GetGatewayResponses".into(),
            api_id: Some(api.id.to_string()),
            stage: None,
            object_id: None,
            reason: crate::model::GapReason::DeadlineReached,
            message: "the function's time ran out before this API was read".into(),
        });
        return api;
    }
    let (resources, stages, gateway_responses) = tokio::join!(
        read_resources(reader, &api.id),
        read_stages(reader, &api.id),
        read_gateway_responses(reader, &api.id)
    );
    // Authorizers matter only to the methods that name one (GC309, explain's authorizer
    // step): an API none of whose methods does, most of them, costs no GetAuthorizers.
    let names_an_authorizer = resources.iter().flat_map(|r| &r.methods).any(|m| {
        m.authorizer_id.is_some()
            || matches!(
                m.authorization(),
                AuthorizationType::Custom | AuthorizationType::CognitoUserPools
            )
    });
    if names_an_authorizer {
        api.authorizers = read_authorizers(reader, &api.id).await;
    }
    api.resources = resources;
    api.stages = stages;
    api.gateway_responses = gateway_responses;
    api.read_at_ms = Some(reader.now_ms);

    // The deployments stages serve, and those their canaries serve: each read once.
    let canaries = api
        .stages
        .iter()
        .filter_map(|s| s.canary.as_ref()?.deployment_id.as_deref());
    let deployment_ids: BTreeSet<&str> = api
        .stages
        .iter()
        .filter_map(|s| s.deployment_id.as_deref())
        .chain(canaries)
        .collect();
    // A deployment never changes once made: one the stored snapshot holds is not read again.
    let stored = reader
        .reuse
        .as_ref()
        .and_then(|r| r.stored.rest_apis.iter().find(|a| a.id == api.id));
    let known = |id: &str| {
        stored
            .and_then(|a| a.deployment(id))
            .filter(|d| d.api_summary.is_some())
    };
    let api_id = api.id.clone();
    let deployments = futures::future::join_all(deployment_ids.into_iter().map(|id| {
        let (known, api_id) = (known(id).cloned(), &api_id);
        async move {
            match known {
                Some(deployment) => Some(deployment),
                None => read_deployment(reader, api_id, id).await,
            }
        }
    }))
    .await;
    api.deployments = deployments.into_iter().flatten().collect();
    api
}

async fn read_resources(reader: &Reader, api_id: &str) -> Vec<Resource> {
    let pages = every_page!(reader.apigateway.get_resources().rest_api_id(api_id).embed("methods"));
    let items = reader
        .read(Unread::api(Part::Resources, "GetResources", api_id), pages)
        .await;
    let mut resources: Vec<Resource> = items.unwrap_or_default().iter().map(resource_from_sdk).collect();
    resources.sort_by(|a, b| a.path.cmp(&b.path));
    resources
}

fn resource_from_sdk(resource: &sdk::Resource) -> Resource {
    let mut methods: Vec<Method> = resource
        .resource_methods()
        .map(|methods| {
            methods
                .iter()
                .map(|(verb, m)| Method {
                    http_method: m.http_method().unwrap_or(verb).into(),
                    api_key_required: m.api_key_required().unwrap_or(false),
                    authorization_type: m.authorization_type().unwrap_or("NONE").into(),
                    authorizer_id: m.authorizer_id().map(Into::into),
                })
                .collect()
        })
        .unwrap_or_default();
    methods.sort_by(|a, b| a.http_method.cmp(&b.http_method));
    Resource {
        id: resource.id().unwrap_or_default().into(),
        path: resource.path().unwrap_or_default().into(),
        methods,
    }
}

async fn read_authorizers(reader: &Reader, api_id: &str) -> Vec<Authorizer> {
    // GetAuthorizers has no paginator in the SDK: follow `position` here, one call for all
    // pages, as the paginated reads do.
    let pages = async {
        let mut authorizers = Vec::new();
        let mut position: Option<String> = None;
        loop {
            let out = reader
                .apigateway
                .get_authorizers()
                .rest_api_id(api_id)
                .limit(PAGE_SIZE)
                .set_position(position.take())
                .send()
                .await?;
            authorizers.extend(out.items().iter().map(|a| {
                Authorizer {
                    id: a.id().unwrap_or_default().to_string(),
                    name: a.name().unwrap_or_default().to_string(),
                    authorizer_type: a.r#type().map(|t| t.as_str().to_string()).unwrap_or_default(),
                    identity_source: a.identity_source().filter(|s| !s.is_empty()).map(str::to_string),
                    identity_validation_expression: a
                        .identity_validation_expression()
                        .filter(|s| !s.is_empty())
                        .map(str::to_string),
                    result_ttl_seconds: a.authorizer_result_ttl_in_seconds(),
                }
            }));
            match out.position() {
                Some(next) if !next.is_empty() && !out.items().is_empty() => position = Some(next.to_string()),
                _ => return Ok(authorizers),
            }
        }
    };
    reader
        .read(Unread::api(Part::Authorizers, "GetAuthorizers", api_id), pages)
        .await
        .unwrap_or_default()
}

/// The API's customized gateway responses. An API has at most one per response type (about
/// twenty), so the largest page holds them all.
async fn read_gateway_responses(reader: &Reader, api_id: &str) -> Vec<GatewayResponse> {
    let call = reader
        .apigateway
        .get_gateway_responses()
        .rest_api_id(api_id)
        .limit(PAGE_SIZE)
        .send();
    let unread = Unread::api(Part::GatewayResponses, "GetGatewayResponses", api_id);
    let Some(out) = reader.read(unread, call).await else {
        return Vec::new();
    };
    let mut responses: Vec<GatewayResponse> = out
        .items()
        .iter()
        .filter(|r| !r.default_response())
        .map(|r| GatewayResponse {
            response_type: r.response_type().map(|t| t.as_str().to_string()).unwrap_or_default(),
            status_code: r.status_code().filter(|s| !s.is_empty()).map(str::to_string),
            templates: to_btree(r.response_templates()),
            header_names: r
                .response_parameters()
                .into_iter()
                .flat_map(|parameters| parameters.keys())
                .filter_map(|key| key.strip_prefix("gatewayresponse.header."))
                .map(str::to_string)
                .collect(),
        })
        .collect();
    responses.sort_by(|a, b| a.response_type.cmp(&b.response_type));
    responses
}

async fn read_stages(reader: &Reader, api_id: &str) -> Vec<Stage> {
    let call = reader.apigateway.get_stages().rest_api_id(api_id).send();
    let Some(out) = reader.read(Unread::api(Part::Stages, "GetStages", api_id), call).await else {
        return Vec::new();
    };
    let mut stages: Vec<Stage> = out.item().iter().map(stage_from_sdk).collect();
    stages.sort_by(|a, b| a.name.cmp(&b.name));
    stages
}

fn stage_from_sdk(stage: &sdk::Stage) -> Stage {
    Stage {
        name: stage.stage_name().unwrap_or_default().into(),
        deployment_id: stage.deployment_id().map(Into::into),
        method_settings: stage
            .method_settings()
            .map(|settings| {
                settings
                    .iter()
                    .map(|(key, s)| {
                        (
                            key.as_str().into(),
                            MethodSetting {
                                logging_level: s.logging_level().map(Into::into),
                                data_trace_enabled: s.data_trace_enabled(),
                                metrics_enabled: s.metrics_enabled(),
                            },
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        web_acl_arn: stage.web_acl_arn().filter(|a| !a.is_empty()).map(str::to_string),
        tags: to_btree(stage.tags()),
        access_log: stage.access_log_settings().and_then(|a| {
            Some(AccessLog {
                destination_arn: a.destination_arn().filter(|d| !d.is_empty())?.to_string(),
                format: a.format().unwrap_or_default().to_string(),
            })
        }),
        canary: stage.canary_settings().map(|c| Canary {
            deployment_id: c.deployment_id().filter(|d| !d.is_empty()).map(Into::into),
            percent_traffic: c.percent_traffic(),
        }),
    }
}

async fn read_deployment(reader: &Reader, api_id: &str, deployment_id: &str) -> Option<Deployment> {
    let call = reader
        .apigateway
        .get_deployment()
        .rest_api_id(api_id)
        .deployment_id(deployment_id)
        .embed("apisummary")
        .send();
    let unread = Unread::api(Part::Deployments, "GetDeployment", api_id).object(format!("deployment {deployment_id}"));
    let out = reader.read(unread, call).await?;
    Some(Deployment {
        id: out.id().unwrap_or(deployment_id).into(),
        api_summary: out.api_summary().map(api_summary_from_sdk),
    })
}

pub(crate) fn api_summary_from_sdk(summary: &HashMap<String, HashMap<String, sdk::MethodSnapshot>>) -> ApiSummary {
    summary
        .iter()
        .map(|(path, verbs)| {
            let verbs = verbs
                .iter()
                .map(|(verb, m)| {
                    (
                        verb.as_str().into(),
                        DeployedMethod {
                            api_key_required: m.api_key_required(),
                            authorization_type: m.authorization_type().unwrap_or("NONE").into(),
                        },
                    )
                })
                .collect();
            (path.as_str().into(), verbs)
        })
        .collect()
}

/// Every usage plan in the region, with the ids of its keys: one call per page of plans and
/// one per plan for its keys.
pub(crate) async fn read_usage_plans(reader: &Reader) -> Vec<UsagePlan> {
    let pages = every_page!(reader.apigateway.get_usage_plans());
    let Some(plans) = reader
        .read(Unread::region(Part::UsagePlans, "GetUsagePlans"), pages)
        .await
    else {
        return Vec::new();
    };
    let stored: BTreeMap<&str, &UsagePlan> = reader
        .reuse
        .iter()
        .flat_map(|r| &r.stored.usage_plans)
        .map(|p| (p.id.as_str(), p))
        .collect();
    let due = match &reader.reuse {
        Some(reuse) if !reuse.changed.all_plan_keys => reuse.due(
            plans
                .iter()
                .filter_map(|p| p.id())
                .map(|id| (id, stored.get(id).and_then(|s| s.read_at_ms))),
            &reuse.changed.usage_plans,
        ),
        // Not quota-light, or a key changed: every plan's keys are read.
        _ => plans.iter().filter_map(|p| p.id().map(str::to_string)).collect(),
    };
    let mut plans: Vec<UsagePlan> = futures::future::join_all(plans.iter().map(|plan| {
        let kept = plan
            .id()
            .filter(|id| !due.contains(*id))
            .and_then(|id| stored.get(id))
            .map(|old| (old.key_ids.clone(), old.read_at_ms));
        read_usage_plan_keys(reader, plan, kept)
    }))
    .await;
    plans.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    plans
}

/// The plan with its keys: read, or `kept` from the stored snapshot with their read time.
async fn read_usage_plan_keys(
    reader: &Reader,
    plan: &sdk::UsagePlan,
    kept: Option<(Vec<compact_str::CompactString>, Option<u64>)>,
) -> UsagePlan {
    let id = plan.id().unwrap_or_default().to_string();
    let (key_ids, read_at_ms) = match kept {
        Some(kept) => kept,
        None => {
            let pages = every_page!(reader.apigateway.get_usage_plan_keys().usage_plan_id(&id));
            // Unread keys hide what this plan decides: its own stages, no other plan's.
            let stages = plan
                .api_stages()
                .iter()
                .filter_map(|s| Some((s.api_id()?.to_string(), s.stage()?.to_string())))
                .collect();
            let unread = Unread::region(Part::UsagePlanKeys, "GetUsagePlanKeys")
                .object(format!("usage plan {id}"))
                .within(stages);
            // GetUsagePlanKeys returns each key's value unasked: keep the id, drop the rest here.
            match reader.read(unread, pages).await {
                Some(keys) => (
                    keys.iter().filter_map(|k| k.id().map(Into::into)).collect(),
                    Some(reader.now_ms),
                ),
                None => (Vec::new(), None),
            }
        }
    };
    UsagePlan {
        name: plan.name().unwrap_or_default().to_string(),
        api_stages: plan
            .api_stages()
            .iter()
            .map(|s| PlanApiStage {
                api_id: s.api_id().unwrap_or_default().into(),
                stage: s.stage().unwrap_or_default().into(),
                throttle: s
                    .throttle()
                    .map(|t| {
                        t.iter()
                            .map(|(key, t)| {
                                (
                                    key.clone(),
                                    ThrottleSetting {
                                        burst_limit: Some(t.burst_limit()),
                                        rate_limit: Some(t.rate_limit()),
                                    },
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect(),
        key_ids,
        id,
        read_at_ms,
    }
}

/// Every API key's id, name and state. Values are never requested.
pub(crate) async fn read_api_keys(reader: &Reader) -> Vec<ApiKey> {
    let pages = every_page!(reader.apigateway.get_api_keys().include_values(false));
    match reader.read(Unread::region(Part::ApiKeys, "GetApiKeys"), pages).await {
        Some(keys) => {
            let mut keys: Vec<ApiKey> = keys
                .iter()
                .map(|k| ApiKey {
                    id: k.id().unwrap_or_default().into(),
                    name: k.name().unwrap_or_default().into(),
                    enabled: k.enabled(),
                    stage_keys: k.stage_keys().to_vec(),
                })
                .collect();
            keys.sort_by(|a, b| a.id.cmp(&b.id));
            keys
        }
        None => Vec::new(),
    }
}

/// Custom domain names and their base path mappings: one call per page of domains, one per
/// domain for its mappings.
pub(crate) async fn read_domain_names(reader: &Reader) -> Vec<DomainName> {
    read_domain_names_where(reader, |_| true).await
}

/// The domains whose name passes `wanted`, with their mappings; the others are not read.
pub(crate) async fn read_domain_names_where(reader: &Reader, wanted: impl Fn(&str) -> bool) -> Vec<DomainName> {
    let pages = every_page!(reader.apigateway.get_domain_names());
    let Some(domains) = reader
        .read(Unread::region(Part::DomainNames, "GetDomainNames"), pages)
        .await
    else {
        return Vec::new();
    };
    let wanted: Vec<&sdk::DomainName> = domains
        .iter()
        .filter(|d| wanted(d.domain_name().unwrap_or_default()))
        .collect();
    let stored: BTreeMap<(&str, Option<&str>), &DomainName> = reader
        .reuse
        .iter()
        .flat_map(|r| &r.stored.domain_names)
        .map(|d| ((d.name.as_str(), d.domain_name_id.as_deref()), d))
        .collect();
    fn place(d: &sdk::DomainName) -> (&str, Option<&str>) {
        let id = d.domain_name_id().filter(|id| !id.is_empty());
        (d.domain_name().unwrap_or_default(), id)
    }
    let key = |(name, id): (&str, Option<&str>)| format!("{name}+{}", id.unwrap_or_default());
    let due: BTreeSet<String> = match &reader.reuse {
        Some(reuse) => {
            let keys: Vec<(String, Option<u64>)> = wanted
                .iter()
                .map(|d| (key(place(d)), stored.get(&place(d)).and_then(|s| s.read_at_ms)))
                .collect();
            // CloudTrail names a domain by name: either of a public and a private one.
            let named = wanted
                .iter()
                .filter(|d| reuse.changed.domains.contains(place(d).0))
                .map(|d| key(place(d)))
                .collect();
            reuse.due(keys.iter().map(|(k, at)| (k.as_str(), *at)), &named)
        }
        None => wanted.iter().map(|d| key(place(d))).collect(),
    };
    let mut domains: Vec<DomainName> = futures::future::join_all(wanted.iter().map(|d| {
        let kept = stored.get(&place(d)).filter(|_| !due.contains(&key(place(d)))).copied();
        read_mappings(reader, d, kept)
    }))
    .await;
    domains.sort_by(|a, b| a.name.cmp(&b.name));
    if domains.iter().any(DomainName::is_private) {
        read_access_associations(reader, &mut domains).await;
    }
    domains
}

/// The VPC endpoints associated with each private domain: one region-wide read, made only
/// when the region has a private domain. An association names its domain by ARN, which ends
/// in `/domainnames/{name}+{domainNameId}`.
async fn read_access_associations(reader: &Reader, domains: &mut [DomainName]) {
    // GetDomainNameAccessAssociations has no paginator in the SDK: follow `position`.
    let pages = async {
        let mut found = Vec::new();
        let mut position: Option<String> = None;
        loop {
            let out = reader
                .apigateway
                .get_domain_name_access_associations()
                .resource_owner(sdk::ResourceOwner::SelfValue)
                .limit(PAGE_SIZE)
                .set_position(position.take())
                .send()
                .await?;
            found.extend(out.items().iter().filter_map(|a| {
                let domain = a.domain_name_arn()?.rsplit("/domainnames/").next()?.to_string();
                Some((domain, a.access_association_source()?.to_string()))
            }));
            match out.position() {
                Some(next) if !next.is_empty() && !out.items().is_empty() => position = Some(next.to_string()),
                _ => return Ok(found),
            }
        }
    };
    let unread = Unread::region(Part::DomainAccessAssociations, "GetDomainNameAccessAssociations");
    let Some(found) = reader.read(unread, pages).await else {
        return;
    };
    for domain in domains.iter_mut() {
        let Some(id) = &domain.domain_name_id else {
            continue;
        };
        let key = format!("{}+{id}", domain.name);
        domain.access_associations = found
            .iter()
            .filter(|(named, _)| *named == key)
            .map(|(_, vpce)| vpce.clone())
            .collect();
        domain.access_associations.sort();
    }
}

/// A domain's routing rules (API Gateway v2 ListRoutingRules), by name and, for a private
/// domain, its id.
async fn read_routing_rules(reader: &Reader, name: &str, domain_name_id: Option<&str>) -> Option<Vec<RoutingRule>> {
    let pages = reader
        .apigatewayv2
        .list_routing_rules()
        .domain_name(name)
        .set_domain_name_id(domain_name_id.map(str::to_string))
        .into_paginator()
        .send()
        .try_collect();
    let unread = Unread::region(Part::RoutingRules, "ListRoutingRules").object(DomainName::object_id(name));
    let pages = reader.read(unread, pages).await?;
    let mut rules: Vec<RoutingRule> = pages
        .iter()
        .flat_map(|page| page.routing_rules())
        .map(|rule| {
            let invoke = rule.actions().iter().find_map(|a| a.invoke_api());
            let conditions = rule.conditions();
            RoutingRule {
                priority: rule.priority().unwrap_or(i32::MAX),
                base_paths: conditions
                    .iter()
                    .filter_map(|c| c.match_base_paths())
                    .flat_map(|m| m.any_of().iter().cloned())
                    .collect(),
                headers: conditions
                    .iter()
                    .filter_map(|c| c.match_headers())
                    .flat_map(|m| {
                        m.any_of()
                            .iter()
                            .map(|h| format!("{}: {}", h.header().unwrap_or_default(), h.value_glob().unwrap_or("*")))
                    })
                    .collect(),
                api_id: invoke.and_then(|i| i.api_id()).map(str::to_string),
                stage: invoke.and_then(|i| i.stage()).map(str::to_string),
                strip_base_path: invoke.and_then(|i| i.strip_base_path()).unwrap_or(false),
            }
        })
        .collect();
    rules.sort_by_key(|r| r.priority);
    Some(rules)
}

/// The domain with its mappings and routing rules: read, or `kept` from the stored snapshot
/// with their read time. The domain's own fields come from the list either way.
async fn read_mappings(reader: &Reader, domain: &sdk::DomainName, kept: Option<&DomainName>) -> DomainName {
    let name = domain.domain_name().unwrap_or_default().to_string();
    // A private custom domain name's mappings are found by its id too: without it, API
    // Gateway looks for a public domain of that name and answers NotFound.
    let domain_name_id = domain.domain_name_id().filter(|id| !id.is_empty()).map(str::to_string);
    let (mappings, routing_rules, read_at_ms) = match kept {
        Some(old) => (old.mappings.clone(), old.routing_rules.clone(), old.read_at_ms),
        None => read_domain_routes(reader, domain, &name, domain_name_id.as_deref()).await,
    };
    DomainName {
        domain_name_id,
        endpoint_types: domain
            .endpoint_configuration()
            .map(|e| e.types().iter().map(|t| t.as_str().to_string()).collect())
            .unwrap_or_default(),
        name,
        mappings,
        policy: domain.policy().filter(|p| !p.is_empty()).map(str::to_string),
        access_associations: Vec::new(),
        routing_mode: domain.routing_mode().map(|m| m.as_str().to_string()),
        routing_rules,
        mutual_tls: domain.mutual_tls_authentication().map(|m| MutualTls {
            truststore_uri: m.truststore_uri().unwrap_or_default().to_string(),
            truststore_version: m.truststore_version().map(str::to_string),
            truststore_warnings: m.truststore_warnings().to_vec(),
        }),
        read_at_ms,
    }
}

/// A domain's base path mappings and, when its routing mode uses them, its routing rules,
/// with the read time (None when something could not be read).
async fn read_domain_routes(
    reader: &Reader,
    domain: &sdk::DomainName,
    name: &str,
    domain_name_id: Option<&str>,
) -> (Vec<BasePathMapping>, Vec<RoutingRule>, Option<u64>) {
    let domain_name_id = domain_name_id.map(str::to_string);
    let name = name.to_string();
    let pages = every_page!(reader
        .apigateway
        .get_base_path_mappings()
        .domain_name(&name)
        .set_domain_name_id(domain_name_id.clone()));
    let unread = Unread::region(Part::BasePathMappings, "GetBasePathMappings").object(DomainName::object_id(&name));
    let mappings = reader.read(unread, pages).await.map(|items| {
        items
            .iter()
            .map(|m| BasePathMapping {
                base_path: m.base_path().unwrap_or("(none)").to_string(),
                rest_api_id: m.rest_api_id().unwrap_or_default().to_string(),
                stage: m.stage().filter(|s| !s.is_empty()).map(str::to_string),
            })
            .collect()
    });
    let by_rules = domain
        .routing_mode()
        .is_some_and(|m| *m != sdk::RoutingMode::BasePathMappingOnly);
    let routing_rules = match by_rules {
        true => read_routing_rules(reader, &name, domain_name_id.as_deref()).await,
        false => Some(Vec::new()),
    };
    let read_at_ms = (mappings.is_some() && routing_rules.is_some()).then_some(reader.now_ms);
    (
        mappings.unwrap_or_default(),
        routing_rules.unwrap_or_default(),
        read_at_ms,
    )
}
