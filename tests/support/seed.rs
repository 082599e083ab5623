//! Seeds API Gateway configurations through the AWS SDK, as an SDK call, the console,
//! CloudFormation and an OpenAPI import make them. The demo account's scenarios
//! (`tests/scenarios/`) and the tests build on it; so do `examples/seed_demo.rs` and the bench.

#![allow(dead_code)]

use aws_sdk_apigateway::types::{
    ApiKeySourceType, ApiStage, AuthorizerType, EndpointConfiguration, EndpointType, IntegrationType, Op,
    PatchOperation,
};
use aws_sdk_apigateway::Client;
use aws_sdk_wafv2::types::{
    AllowAction, BlockAction, CountAction, DefaultAction, IpSetReferenceStatement, Rule, RuleAction, Scope as WafScope,
    Statement, VisibilityConfig,
};
use std::collections::HashMap;

/// What a seeded WAF rule does.
pub enum WafRuleAction {
    Allow,
    Block,
    Count,
}

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

pub struct Seeder {
    pub client: Client,
    /// API Gateway v2, for custom domains' routing rules.
    pub v2: aws_sdk_apigatewayv2::Client,
    pub waf: aws_sdk_wafv2::Client,
    /// EC2, for the VPCs and execute-api interface endpoints private APIs are reached through.
    pub ec2: aws_sdk_ec2::Client,
    /// CloudFront, for distributions in front of APIs.
    pub cloudfront: aws_sdk_cloudfront::Client,
    pub shape: Shape,
}

/// How the seeded methods are built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A bare MOCK integration, the least an SDK call needs.
    Sdk,
    /// As the console and CloudFormation build a non-proxy integration: a 200 method response
    /// with the `Empty` model and an integration response whose mapping template is empty,
    /// which API Gateway then returns as JSON null.
    Console,
}

/// The console's default mapping template for a MOCK integration's request.
const MOCK_REQUEST_TEMPLATE: &str = r#"{"statusCode": 200}"#;

/// A REST API being seeded: its id and the ids of the resources made so far, by path.
pub struct Api {
    pub id: String,
    pub name: String,
    resources: HashMap<String, String>,
}

/// Keeps the SDK error's whole chain: its own Display shows only the outermost layer.
fn err(e: impl std::error::Error + Send + Sync + 'static) -> Box<dyn std::error::Error + Send + Sync> {
    aws_sdk_apigateway::error::DisplayErrorContext(e).to_string().into()
}

impl Seeder {
    pub fn new(
        client: Client,
        v2: aws_sdk_apigatewayv2::Client,
        waf: aws_sdk_wafv2::Client,
        ec2: aws_sdk_ec2::Client,
        cloudfront: aws_sdk_cloudfront::Client,
    ) -> Self {
        Seeder {
            client,
            v2,
            waf,
            ec2,
            cloudfront,
            shape: Shape::Sdk,
        }
    }

    /// A seeder on these AWS settings. Its client reads responses as gatecheck's do: API
    /// Gateway answers console-shaped methods with null map values that the bare SDK refuses.
    pub fn from_sdk_config(sdk: &aws_config::SdkConfig) -> Self {
        let configs = gatecheck::aws::ServiceConfigs::from_sdk_config(sdk).with_rate_limits(None);
        Seeder::new(
            configs.apigateway_client(None),
            configs.apigatewayv2_client(None),
            aws_sdk_wafv2::Client::new(sdk),
            aws_sdk_ec2::Client::new(sdk),
            aws_sdk_cloudfront::Client::new(sdk),
        )
    }

    /// The same seeder, building every method as the console does.
    pub fn console_shaped(self) -> Self {
        Seeder {
            shape: Shape::Console,
            ..self
        }
    }

    fn region(&self) -> String {
        self.client.config().region().map(|r| r.to_string()).unwrap_or_default()
    }

    /// A REST API with an endpoint type, a resource policy or the execute-api endpoint off.
    pub async fn api_full(
        &self,
        name: &str,
        endpoint: EndpointType,
        policy: Option<&str>,
        disable_execute_api_endpoint: bool,
    ) -> Result<Api> {
        let endpoint = EndpointConfiguration::builder().types(endpoint).build();
        self.api_with_endpoint(name, endpoint, policy, disable_execute_api_endpoint)
            .await
    }

    /// A regional API that takes IPv6 calls too (`ipAddressType` dualstack).
    pub async fn dualstack_api(&self, name: &str, policy: Option<&str>) -> Result<Api> {
        let endpoint = EndpointConfiguration::builder()
            .types(EndpointType::Regional)
            .ip_address_type(aws_sdk_apigateway::types::IpAddressType::Dualstack)
            .build();
        self.api_with_endpoint(name, endpoint, policy, false).await
    }

    async fn api_with_endpoint(
        &self,
        name: &str,
        endpoint: EndpointConfiguration,
        policy: Option<&str>,
        disable_execute_api_endpoint: bool,
    ) -> Result<Api> {
        let created = self
            .client
            .create_rest_api()
            .name(name)
            .endpoint_configuration(endpoint)
            .set_policy(policy.map(str::to_string))
            .disable_execute_api_endpoint(disable_execute_api_endpoint)
            .send()
            .await
            .map_err(err)?;
        self.adopt(name, created.id().unwrap_or_default()).await
    }

    async fn adopt(&self, name: &str, id: &str) -> Result<Api> {
        let root = self.client.get_resources().rest_api_id(id).send().await.map_err(err)?;
        let root_id = root
            .items()
            .iter()
            .find(|r| r.path() == Some("/"))
            .and_then(|r| r.id())
            .unwrap_or_default();
        Ok(Api {
            id: id.to_string(),
            name: name.to_string(),
            resources: HashMap::from([("/".to_string(), root_id.to_string())]),
        })
    }

    /// UpdateMethod: what AWS applies at once and a stage serves only after a redeploy.
    pub async fn set_api_key_required(&self, api: &mut Api, path: &str, verb: &str, required: bool) -> Result<()> {
        let resource_id = self.resource(api, path).await?;
        self.client
            .update_method()
            .rest_api_id(&api.id)
            .resource_id(resource_id)
            .http_method(verb)
            .patch_operations(
                PatchOperation::builder()
                    .op(Op::Replace)
                    .path("/apiKeyRequired")
                    .value(required.to_string())
                    .build(),
            )
            .send()
            .await
            .map_err(err)?;
        Ok(())
    }

    /// An enhanced TLS security policy with endpoint access mode STRICT, as the console's API
    /// settings set them (one UpdateRestApi).
    pub async fn strict(&self, api: &Api) -> Result<()> {
        let replace = |path: &str, value: &str| {
            PatchOperation::builder()
                .op(Op::Replace)
                .path(path)
                .value(value)
                .build()
        };
        self.client
            .update_rest_api()
            .rest_api_id(&api.id)
            .patch_operations(replace("/securityPolicy", "SecurityPolicy_TLS13_1_3_2025_09"))
            .patch_operations(replace("/endpointAccessMode", "STRICT"))
            .send()
            .await
            .map_err(err)?;
        Ok(())
    }

    /// Puts a canary on `stage` that sends `percent` of its calls to a deployment frozen while
    /// `verb path` did not require a key; the API itself keeps requiring it. The deployment is
    /// made on a scratch stage, deleted after, as AWS keeps a deployment without a stage.
    pub async fn canary_without_key(
        &self,
        api: &mut Api,
        path: &str,
        verb: &str,
        stage: &str,
        percent: f64,
    ) -> Result<()> {
        self.set_api_key_required(api, path, verb, false).await?;
        let deployment = self.deploy(api, "canary-build").await?;
        self.client
            .delete_stage()
            .rest_api_id(&api.id)
            .stage_name("canary-build")
            .send()
            .await
            .map_err(err)?;
        self.set_api_key_required(api, path, verb, true).await?;
        let percent = percent.to_string();
        self.update_stage(
            api,
            stage,
            &[
                ("/canarySettings/deploymentId", &deployment),
                ("/canarySettings/percentTraffic", &percent),
            ],
        )
        .await
    }

    /// Customizes the API's gateway response of `response_type` with this status and JSON body.
    pub async fn gateway_response(
        &self,
        api: &Api,
        response_type: &str,
        status: Option<&str>,
        body: &str,
    ) -> Result<()> {
        self.client
            .put_gateway_response()
            .rest_api_id(&api.id)
            .response_type(aws_sdk_apigateway::types::GatewayResponseType::from(response_type))
            .set_status_code(status.map(str::to_string))
            .response_templates("application/json", body)
            .send()
            .await
            .map_err(err)?;
        Ok(())
    }

    /// DEFAULT_4XX and DEFAULT_5XX with the CORS headers, as the console's Enable CORS puts them
    /// when its Default 4XX and Default 5XX boxes are ticked: refusals a browser can read.
    pub async fn cors_gateway_responses(&self, api: &Api) -> Result<()> {
        for response_type in ["DEFAULT_4XX", "DEFAULT_5XX"] {
            self.client
                .put_gateway_response()
                .rest_api_id(&api.id)
                .response_type(aws_sdk_apigateway::types::GatewayResponseType::from(response_type))
                .response_parameters("gatewayresponse.header.Access-Control-Allow-Origin", "'*'")
                .response_parameters(
                    "gatewayresponse.header.Access-Control-Allow-Headers",
                    "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token'",
                )
                .send()
                .await
                .map_err(err)?;
        }
        Ok(())
    }

    /// The log group `access_log` sends a stage's access logs to.
    pub fn access_log_group(api_name: &str) -> String {
        format!("access-{api_name}")
    }

    /// The id of the API key of this name.
    pub async fn key_id_named(&self, name: &str) -> Result<String> {
        let keys = self.client.get_api_keys().name_query(name).send().await.map_err(err)?;
        keys.items()
            .iter()
            .find(|k| k.name() == Some(name))
            .and_then(|k| k.id())
            .map(str::to_string)
            .ok_or_else(|| format!("no API key named {name}").into())
    }

    /// Sends a stage's access logs to a log group, in this format.
    pub async fn access_log(&self, api: &Api, stage: &str, format: &str) -> Result<()> {
        let group = format!(
            "arn:aws:logs:{}:123456789012:log-group:{}",
            self.region(),
            Self::access_log_group(&api.name)
        );
        self.update_stage(
            api,
            stage,
            &[
                ("/accessLogSettings/destinationArn", &group),
                ("/accessLogSettings/format", format),
            ],
        )
        .await
    }

    /// Turns execution logging on for every method of a stage.
    pub async fn enable_logging(&self, api: &Api, stage: &str) -> Result<()> {
        self.update_stage(api, stage, &[("/*/*/logging/loglevel", "ERROR")])
            .await
    }

    /// UpdateStage with `replace` of each (path, value).
    async fn update_stage(&self, api: &Api, stage: &str, replacements: &[(&str, &str)]) -> Result<()> {
        let operations = replacements
            .iter()
            .map(|(path, value)| {
                PatchOperation::builder()
                    .op(Op::Replace)
                    .path(*path)
                    .value(*value)
                    .build()
            })
            .collect();
        self.client
            .update_stage()
            .rest_api_id(&api.id)
            .stage_name(stage)
            .set_patch_operations(Some(operations))
            .send()
            .await
            .map_err(err)?;
        Ok(())
    }

    pub async fn ip_set(&self, name: &str, addresses: &[&str]) -> Result<String> {
        let created = self
            .waf
            .create_ip_set()
            .name(name)
            .scope(WafScope::Regional)
            .ip_address_version(aws_sdk_wafv2::types::IpAddressVersion::Ipv4)
            .set_addresses(Some(addresses.iter().map(|a| a.to_string()).collect()))
            .send()
            .await
            .map_err(err)?;
        Ok(created.summary().and_then(|s| s.arn()).unwrap_or_default().to_string())
    }

    /// A web ACL with the default action and (name, action, IP set ARN) rules, associated with
    /// the stage. Associate after the last deployment: moto recreates a stage on redeploy.
    pub async fn web_acl(
        &self,
        name: &str,
        block_by_default: bool,
        rules: &[(&str, WafRuleAction, &str)],
        stage: (&Api, &str),
    ) -> Result<String> {
        let visibility = |metric: &str| {
            VisibilityConfig::builder()
                .sampled_requests_enabled(false)
                .cloud_watch_metrics_enabled(false)
                .metric_name(metric)
                .build()
                .expect("visibility config has its required fields")
        };
        let default_action = if block_by_default {
            DefaultAction::builder().block(BlockAction::builder().build()).build()
        } else {
            DefaultAction::builder().allow(AllowAction::builder().build()).build()
        };
        let mut request = self
            .waf
            .create_web_acl()
            .name(name)
            .scope(WafScope::Regional)
            .default_action(default_action)
            .visibility_config(visibility(name));
        for (priority, (rule_name, action, ip_set_arn)) in rules.iter().enumerate() {
            let action = match action {
                WafRuleAction::Allow => RuleAction::builder().allow(AllowAction::builder().build()).build(),
                WafRuleAction::Block => RuleAction::builder().block(BlockAction::builder().build()).build(),
                WafRuleAction::Count => RuleAction::builder().count(CountAction::builder().build()).build(),
            };
            let statement = Statement::builder()
                .ip_set_reference_statement(
                    IpSetReferenceStatement::builder()
                        .arn(*ip_set_arn)
                        .build()
                        .expect("arn is set"),
                )
                .build();
            request = request.rules(
                Rule::builder()
                    .name(*rule_name)
                    .priority(priority as i32)
                    .statement(statement)
                    .action(action)
                    .visibility_config(visibility(rule_name))
                    .build()
                    .expect("rule has its required fields"),
            );
        }
        let created = request.send().await.map_err(err)?;
        let arn = created.summary().and_then(|s| s.arn()).unwrap_or_default().to_string();
        self.associate(&arn, stage.0, stage.1).await?;
        Ok(arn)
    }

    /// An allow-by-default web ACL on a stage whose one rule is AWS managed rule group `group`,
    /// applying its own actions but for the rules in `counted`, overridden to Count, as the
    /// console's "Add managed rule groups" makes it.
    pub async fn managed_rules_acl(
        &self,
        name: &str,
        group: &str,
        counted: &[&str],
        stage: (&Api, &str),
    ) -> Result<String> {
        use aws_sdk_wafv2::types::{ManagedRuleGroupStatement, NoneAction, OverrideAction, RuleActionOverride};
        let visibility = VisibilityConfig::builder()
            .sampled_requests_enabled(true)
            .cloud_watch_metrics_enabled(true)
            .metric_name(name)
            .build()
            .expect("visibility config has its required fields");
        let overrides = counted
            .iter()
            .map(|rule| {
                RuleActionOverride::builder()
                    .name(*rule)
                    .action_to_use(RuleAction::builder().count(CountAction::builder().build()).build())
                    .build()
                    .expect("override has its required fields")
            })
            .collect();
        let statement = Statement::builder()
            .managed_rule_group_statement(
                ManagedRuleGroupStatement::builder()
                    .vendor_name("AWS")
                    .name(group)
                    .set_rule_action_overrides(Some(overrides))
                    .build()
                    .expect("group has its required fields"),
            )
            .build();
        let rule = Rule::builder()
            .name(group)
            .priority(0)
            .statement(statement)
            .override_action(OverrideAction::builder().none(NoneAction::builder().build()).build())
            .visibility_config(visibility.clone())
            .build()
            .expect("rule has its required fields");
        let created = self
            .waf
            .create_web_acl()
            .name(name)
            .scope(WafScope::Regional)
            .default_action(DefaultAction::builder().allow(AllowAction::builder().build()).build())
            .visibility_config(visibility)
            .rules(rule)
            .send()
            .await
            .map_err(err)?;
        let arn = created.summary().and_then(|s| s.arn()).unwrap_or_default().to_string();
        self.associate(&arn, stage.0, stage.1).await?;
        Ok(arn)
    }

    /// Puts a web ACL on a stage, as AssociateWebACL with the stage's ARN.
    pub async fn associate(&self, acl_arn: &str, api: &Api, stage: &str) -> Result<()> {
        let stage_arn = format!(
            "arn:aws:apigateway:{}::/restapis/{}/stages/{stage}",
            self.region(),
            api.id
        );
        self.waf
            .associate_web_acl()
            .web_acl_arn(acl_arn)
            .resource_arn(stage_arn)
            .send()
            .await
            .map_err(err)?;
        Ok(())
    }

    pub async fn domain(&self, name: &str, mappings: &[(&str, &str, Option<&str>)]) -> Result<()> {
        self.domain_with_truststore(name, mappings, None).await
    }

    /// A regional custom domain; with a truststore URI, one that requires client certificates.
    pub async fn domain_with_truststore(
        &self,
        name: &str,
        mappings: &[(&str, &str, Option<&str>)],
        truststore_uri: Option<&str>,
    ) -> Result<()> {
        self.domain_full(name, mappings, truststore_uri, None).await
    }

    /// A routing rule on `domain`: requests under `base_path` go to `api_id`'s `stage`.
    pub async fn routing_rule(
        &self,
        domain: &str,
        priority: i32,
        base_path: &str,
        api_id: &str,
        stage: &str,
    ) -> Result<()> {
        use aws_sdk_apigatewayv2::types::{
            RoutingRuleAction, RoutingRuleActionInvokeApi, RoutingRuleCondition, RoutingRuleMatchBasePaths,
        };
        let invoke = RoutingRuleActionInvokeApi::builder()
            .api_id(api_id)
            .stage(stage)
            .strip_base_path(true)
            .build();
        let paths = RoutingRuleMatchBasePaths::builder().any_of(base_path).build();
        self.v2
            .create_routing_rule()
            .domain_name(domain)
            .priority(priority)
            .actions(RoutingRuleAction::builder().invoke_api(invoke).build())
            .conditions(RoutingRuleCondition::builder().match_base_paths(paths).build())
            .send()
            .await
            .map_err(err)?;
        Ok(())
    }

    /// A regional custom domain that routes by rules only: its mappings are ignored.
    pub async fn domain_routed_by_rules(&self, name: &str, mappings: &[(&str, &str, Option<&str>)]) -> Result<()> {
        let mode = aws_sdk_apigateway::types::RoutingMode::RoutingRuleOnly;
        self.domain_full(name, mappings, None, Some(mode)).await
    }

    async fn domain_full(
        &self,
        name: &str,
        mappings: &[(&str, &str, Option<&str>)],
        truststore_uri: Option<&str>,
        routing_mode: Option<aws_sdk_apigateway::types::RoutingMode>,
    ) -> Result<()> {
        let mtls = truststore_uri.map(|uri| {
            aws_sdk_apigateway::types::MutualTlsAuthenticationInput::builder()
                .truststore_uri(uri)
                .build()
        });
        self.client
            .create_domain_name()
            .domain_name(name)
            .regional_certificate_arn(format!("arn:aws:acm:{}:123456789012:certificate/demo", self.region()))
            .endpoint_configuration(EndpointConfiguration::builder().types(EndpointType::Regional).build())
            .set_mutual_tls_authentication(mtls)
            .set_routing_mode(routing_mode)
            .send()
            .await
            .map_err(err)?;
        for (base_path, api_id, stage) in mappings {
            self.client
                .create_base_path_mapping()
                .domain_name(name)
                .base_path(*base_path)
                .rest_api_id(*api_id)
                .set_stage(stage.map(str::to_string))
                .send()
                .await
                .map_err(err)?;
        }
        Ok(())
    }

    /// A private custom domain name (endpoint type PRIVATE, with the policy AWS requires),
    /// mapped by its `domainNameId` and associated with the VPC endpoint the policy admits;
    /// returns that id.
    pub async fn private_domain(&self, name: &str, mappings: &[(&str, &str, Option<&str>)]) -> Result<String> {
        self.private_domain_with(name, mappings, Some(VPCE_ID)).await
    }

    /// A private custom domain name associated with `vpce` (None: with no VPC endpoint).
    pub async fn private_domain_with(
        &self,
        name: &str,
        mappings: &[(&str, &str, Option<&str>)],
        vpce: Option<&str>,
    ) -> Result<String> {
        let created = self
            .client
            .create_domain_name()
            .domain_name(name)
            .certificate_arn(format!(
                "arn:aws:acm:{}:123456789012:certificate/private",
                self.region()
            ))
            .endpoint_configuration(EndpointConfiguration::builder().types(EndpointType::Private).build())
            .policy(VPCE_POLICY)
            .send()
            .await
            .map_err(err)?;
        let id = created.domain_name_id().unwrap_or_default().to_string();
        if let Some(vpce) = vpce {
            self.client
                .create_domain_name_access_association()
                .domain_name_arn(created.domain_name_arn().unwrap_or_default())
                .access_association_source_type(aws_sdk_apigateway::types::AccessAssociationSourceType::Vpce)
                .access_association_source(vpce)
                .send()
                .await
                .map_err(err)?;
        }
        for (base_path, api_id, stage) in mappings {
            self.client
                .create_base_path_mapping()
                .domain_name(name)
                .domain_name_id(&id)
                .base_path(*base_path)
                .rest_api_id(*api_id)
                .set_stage(stage.map(str::to_string))
                .send()
                .await
                .map_err(err)?;
        }
        Ok(id)
    }

    pub async fn api(&self, name: &str) -> Result<Api> {
        self.api_with(name, ApiKeySourceType::Header, &[]).await
    }

    pub async fn api_with(&self, name: &str, key_source: ApiKeySourceType, tags: &[(&str, &str)]) -> Result<Api> {
        let mut request = self.client.create_rest_api().name(name).api_key_source(key_source);
        for (k, v) in tags {
            request = request.tags(*k, *v);
        }
        let created = request.send().await.map_err(err)?;
        self.adopt(name, created.id().unwrap_or_default()).await
    }

    async fn resource(&self, api: &mut Api, path: &str) -> Result<String> {
        if let Some(id) = api.resources.get(path) {
            return Ok(id.clone());
        }
        let (parent_path, part) = path.rsplit_once('/').unwrap_or(("", path));
        let parent_path = if parent_path.is_empty() { "/" } else { parent_path };
        let parent = Box::pin(self.resource(api, parent_path)).await?;
        let created = self
            .client
            .create_resource()
            .rest_api_id(&api.id)
            .parent_id(parent)
            .path_part(part)
            .send()
            .await
            .map_err(err)?;
        let id = created.id().unwrap_or_default().to_string();
        api.resources.insert(path.to_string(), id.clone());
        Ok(id)
    }

    /// A method with a MOCK integration (CreateDeployment wants one), in the seeder's shape.
    pub async fn method(
        &self,
        api: &mut Api,
        path: &str,
        verb: &str,
        api_key_required: bool,
        authorization: &str,
        authorizer_id: Option<&str>,
    ) -> Result<()> {
        let resource_id = self.resource(api, path).await?;
        self.put_method(
            &api.id,
            &resource_id,
            verb,
            authorization,
            api_key_required,
            authorizer_id,
        )
        .await?;
        self.mock_integration(&api.id, &resource_id, verb, self.shape).await?;
        match self.shape {
            Shape::Sdk => Ok(()),
            Shape::Console => self.console_responses(&api.id, &resource_id, verb, &[]).await,
        }
    }

    /// PutMethod: the method's authorization, key requirement and authorizer.
    async fn put_method(
        &self,
        api_id: &str,
        resource_id: &str,
        verb: &str,
        authorization: &str,
        api_key_required: bool,
        authorizer_id: Option<&str>,
    ) -> Result<()> {
        self.client
            .put_method()
            .rest_api_id(api_id)
            .resource_id(resource_id)
            .http_method(verb)
            .authorization_type(authorization)
            .api_key_required(api_key_required)
            .set_authorizer_id(authorizer_id.map(str::to_string))
            .send()
            .await
            .map_err(err)?;
        Ok(())
    }

    /// A MOCK integration: bare, or with the console's request template.
    async fn mock_integration(&self, api_id: &str, resource_id: &str, verb: &str, shape: Shape) -> Result<()> {
        let template = (shape == Shape::Console).then_some(MOCK_REQUEST_TEMPLATE);
        self.client
            .put_integration()
            .rest_api_id(api_id)
            .resource_id(resource_id)
            .http_method(verb)
            .r#type(IntegrationType::Mock)
            .set_request_templates(template.map(|t| [("application/json".to_string(), t.to_string())].into()))
            .send()
            .await
            .map_err(err)?;
        Ok(())
    }

    /// What the console adds to a non-proxy method: a 200 method response with the `Empty`
    /// model, and an integration response with an empty mapping template (and these header
    /// mappings, for CORS).
    async fn console_responses(
        &self,
        api_id: &str,
        resource_id: &str,
        verb: &str,
        headers: &[(&str, &str)],
    ) -> Result<()> {
        let mut method_response = self
            .client
            .put_method_response()
            .rest_api_id(api_id)
            .resource_id(resource_id)
            .http_method(verb)
            .status_code("200")
            .response_models("application/json", "Empty");
        let mut integration_response = self
            .client
            .put_integration_response()
            .rest_api_id(api_id)
            .resource_id(resource_id)
            .http_method(verb)
            .status_code("200")
            .response_templates("application/json", "");
        for (header, value) in headers {
            let name = format!("method.response.header.{header}");
            method_response = method_response.response_parameters(&name, false);
            integration_response = integration_response.response_parameters(&name, *value);
        }
        method_response.send().await.map_err(err)?;
        integration_response.send().await.map_err(err)?;
        Ok(())
    }

    /// The OPTIONS method "Enable CORS" creates: no key, no authorization, a MOCK integration
    /// that answers the preflight with the Access-Control-Allow-* headers.
    pub async fn enable_cors(&self, api: &mut Api, path: &str, verbs: &str) -> Result<()> {
        let resource_id = self.resource(api, path).await?;
        self.put_method(&api.id, &resource_id, "OPTIONS", "NONE", false, None)
            .await?;
        self.mock_integration(&api.id, &resource_id, "OPTIONS", Shape::Console)
            .await?;
        let methods = format!("'{verbs},OPTIONS'");
        let headers = [
            (
                "Access-Control-Allow-Headers",
                "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token'",
            ),
            ("Access-Control-Allow-Methods", methods.as_str()),
            ("Access-Control-Allow-Origin", "'*'"),
        ];
        self.console_responses(&api.id, &resource_id, "OPTIONS", &headers)
            .await?;
        self.cors_gateway_responses(api).await
    }

    /// A Lambda proxy integration, as the console makes it: AWS_PROXY, invoked with POST,
    /// and a 200 method response with the `Empty` model.
    pub async fn lambda_proxy(&self, api: &mut Api, path: &str, verb: &str, api_key_required: bool) -> Result<()> {
        let resource_id = self.resource(api, path).await?;
        let region = self.region();
        self.put_method(&api.id, &resource_id, verb, "NONE", api_key_required, None)
            .await?;
        self.client
            .put_integration()
            .rest_api_id(&api.id)
            .resource_id(&resource_id)
            .http_method(verb)
            .r#type(IntegrationType::AwsProxy)
            .integration_http_method("POST")
            .uri(format!("arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/arn:aws:lambda:{region}:123456789012:function:orders/invocations"))
            .send()
            .await
            .map_err(err)?;
        self.client
            .put_method_response()
            .rest_api_id(&api.id)
            .resource_id(&resource_id)
            .http_method(verb)
            .status_code("200")
            .response_models("application/json", "Empty")
            .send()
            .await
            .map_err(err)?;
        Ok(())
    }

    /// A REST API imported from an OpenAPI definition (ImportRestApi).
    pub async fn import_openapi(&self, name: &str, definition: &str) -> Result<Api> {
        let created = self
            .client
            .import_rest_api()
            .body(aws_smithy_types::Blob::new(definition.as_bytes()))
            .send()
            .await
            .map_err(err)?;
        self.adopt(name, created.id().unwrap_or_default()).await
    }

    /// A method that requires a key and no other authorization.
    pub async fn keyed(&self, api: &mut Api, path: &str, verb: &str) -> Result<()> {
        self.method(api, path, verb, true, "NONE", None).await
    }

    /// An API with one key-required method, deployed to a logged `prod` stage.
    pub async fn keyed_api(&self, name: &str, path: &str, verb: &str) -> Result<Api> {
        let mut api = self.api(name).await?;
        self.keyed(&mut api, path, verb).await?;
        self.deploy_logged(&api, "prod").await?;
        Ok(api)
    }

    /// A key-required method built as the console builds it, whatever the seeder's shape.
    pub async fn console_keyed(&self, api: &mut Api, path: &str, verb: &str) -> Result<()> {
        let console = Seeder {
            client: self.client.clone(),
            v2: self.v2.clone(),
            waf: self.waf.clone(),
            ec2: self.ec2.clone(),
            cloudfront: self.cloudfront.clone(),
            shape: Shape::Console,
        };
        console.keyed(api, path, verb).await
    }

    pub async fn token_authorizer(&self, api: &Api, name: &str) -> Result<String> {
        let created = self
            .client
            .create_authorizer()
            .rest_api_id(&api.id)
            .name(name)
            .r#type(AuthorizerType::Token)
            .identity_source("method.request.header.Authorization")
            .authorizer_result_ttl_in_seconds(300)
            .authorizer_uri("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations")
            .send()
            .await
            .map_err(err)?;
        Ok(created.id().unwrap_or_default().to_string())
    }

    pub async fn deploy(&self, api: &Api, stage: &str) -> Result<String> {
        let created = self
            .client
            .create_deployment()
            .rest_api_id(&api.id)
            .stage_name(stage)
            .send()
            .await
            .map_err(err)?;
        Ok(created.id().unwrap_or_default().to_string())
    }

    /// A second stage on an existing deployment (no new deployment).
    pub async fn stage_on(&self, api: &Api, deployment_id: &str, stage: &str) -> Result<()> {
        self.client
            .create_stage()
            .rest_api_id(&api.id)
            .deployment_id(deployment_id)
            .stage_name(stage)
            .send()
            .await
            .map_err(err)?;
        Ok(())
    }

    /// Deploys, then turns on execution logging (a redeploy would reset it in moto).
    pub async fn deploy_logged(&self, api: &Api, stage: &str) -> Result<String> {
        let id = self.deploy(api, stage).await?;
        self.enable_logging(api, stage).await?;
        Ok(id)
    }

    /// A usage plan for one stage with a per-method throttle keyed `/path/VERB`.
    pub async fn plan_with_throttle(
        &self,
        name: &str,
        stage: (&Api, &str),
        throttle_key: &str,
        key_ids: &[&str],
    ) -> Result<String> {
        let throttle = aws_sdk_apigateway::types::ThrottleSettings::builder()
            .burst_limit(10)
            .rate_limit(5.0)
            .build();
        let api_stage = ApiStage::builder()
            .api_id(&stage.0.id)
            .stage(stage.1)
            .throttle(throttle_key, throttle)
            .build();
        let plan = self
            .client
            .create_usage_plan()
            .name(name)
            .api_stages(api_stage)
            .send()
            .await
            .map_err(err)?;
        let plan_id = plan.id().unwrap_or_default().to_string();
        self.add_keys(&plan_id, key_ids).await?;
        Ok(plan_id)
    }

    /// Attaches these API keys to a usage plan.
    async fn add_keys(&self, plan_id: &str, key_ids: &[&str]) -> Result<()> {
        for key_id in key_ids {
            self.client
                .create_usage_plan_key()
                .usage_plan_id(plan_id)
                .key_id(*key_id)
                .key_type("API_KEY")
                .send()
                .await
                .map_err(err)?;
        }
        Ok(())
    }

    pub async fn delete_stage(&self, api: &Api, stage: &str) -> Result<()> {
        self.client
            .delete_stage()
            .rest_api_id(&api.id)
            .stage_name(stage)
            .send()
            .await
            .map_err(err)?;
        Ok(())
    }

    /// Tags a stage. Apply after the last deployment: moto recreates a stage on redeploy.
    pub async fn tag_stage(&self, api: &Api, stage: &str, key: &str, value: &str) -> Result<()> {
        let arn = format!(
            "arn:aws:apigateway:{}::/restapis/{}/stages/{stage}",
            self.region(),
            api.id
        );
        self.client
            .tag_resource()
            .resource_arn(arn)
            .tags(key, value)
            .send()
            .await
            .map_err(err)?;
        Ok(())
    }

    /// An API key with a known value, so tests can assert that it never leaks.
    pub async fn key(&self, name: &str, enabled: bool, value: &str) -> Result<String> {
        let created = self
            .client
            .create_api_key()
            .name(name)
            .enabled(enabled)
            .value(value)
            .send()
            .await
            .map_err(err)?;
        Ok(created.id().unwrap_or_default().to_string())
    }

    pub async fn plan(&self, name: &str, stages: &[(&Api, &str)], key_ids: &[&str]) -> Result<String> {
        let mut request = self.client.create_usage_plan().name(name);
        for (api, stage) in stages {
            request = request.api_stages(ApiStage::builder().api_id(&api.id).stage(*stage).build());
        }
        let plan = request.send().await.map_err(err)?;
        let plan_id = plan.id().unwrap_or_default().to_string();
        self.add_keys(&plan_id, key_ids).await?;
        Ok(plan_id)
    }

    pub async fn set_cloudwatch_role(&self, role_arn: &str) -> Result<()> {
        self.client
            .update_account()
            .patch_operations(
                PatchOperation::builder()
                    .op(Op::Replace)
                    .path("/cloudwatchRoleArn")
                    .value(role_arn)
                    .build(),
            )
            .send()
            .await
            .map_err(err)?;
        Ok(())
    }
}

/// An OpenAPI 3 definition as API Gateway exports it and teams import it: a key-required GET
/// with a MOCK integration whose response template is empty, the CORS preflight, and a
/// DEFAULT_4XX gateway response with the CORS headers.
pub fn openapi_definition(title: &str) -> String {
    serde_json::json!({
        "openapi": "3.0.1",
        "info": {"title": title, "version": "2024-05-01"},
        "x-amazon-apigateway-api-key-source": "HEADER",
        "paths": {"/pets": {
            "get": {
                "security": [{"api_key": []}],
                "responses": {"200": {"description": "200 response",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Empty"}}}}},
                "x-amazon-apigateway-integration": {
                    "type": "mock",
                    "requestTemplates": {"application/json": MOCK_REQUEST_TEMPLATE},
                    "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": ""}}},
                    "passthroughBehavior": "when_no_match"
                }
            },
            "options": {
                "responses": {"200": {"description": "200 response", "headers": {
                    "Access-Control-Allow-Origin": {"schema": {"type": "string"}},
                    "Access-Control-Allow-Methods": {"schema": {"type": "string"}},
                    "Access-Control-Allow-Headers": {"schema": {"type": "string"}}}}},
                "x-amazon-apigateway-integration": {
                    "type": "mock",
                    "requestTemplates": {"application/json": MOCK_REQUEST_TEMPLATE},
                    "responses": {"default": {"statusCode": "200",
                        "responseParameters": {
                            "method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS'",
                            "method.response.header.Access-Control-Allow-Headers": "'Content-Type,X-Api-Key'",
                            "method.response.header.Access-Control-Allow-Origin": "'*'"},
                        "responseTemplates": {"application/json": ""}}},
                    "passthroughBehavior": "when_no_match"
                }
            }
        }},
        // As API Gateway exports an API whose console CORS set the Default 4XX headers.
        "x-amazon-apigateway-gateway-responses": {
            "DEFAULT_4XX": {"responseParameters": {
                "gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
                "gatewayresponse.header.Access-Control-Allow-Headers": "'Content-Type,X-Api-Key'"}}
        },
        "components": {
            "securitySchemes": {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}},
            "schemas": {"Empty": {"type": "object", "title": "Empty Schema"}}
        }
    })
    .to_string()
}

pub const IP_ALLOWLIST_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/24"]}}}]}"#;

/// An execute-api interface endpoint in a new VPC, with private DNS on or off and a policy of
/// its own (None: EC2's full-access default); its id.
impl Seeder {
    pub async fn execute_api_endpoint(&self, private_dns: bool, policy: Option<&str>) -> Result<String> {
        let vpc = self
            .ec2
            .create_vpc()
            .cidr_block("10.20.0.0/16")
            .send()
            .await
            .map_err(err)?;
        let vpc_id = vpc
            .vpc()
            .and_then(|v| v.vpc_id())
            .ok_or("CreateVpc returned no VpcId")?;
        let endpoint = self
            .ec2
            .create_vpc_endpoint()
            .vpc_id(vpc_id)
            .vpc_endpoint_type(aws_sdk_ec2::types::VpcEndpointType::Interface)
            .service_name(format!("com.amazonaws.{}.execute-api", self.region()))
            .private_dns_enabled(private_dns)
            .set_policy_document(policy.map(str::to_string))
            .send()
            .await
            .map_err(err)?;
        Ok(endpoint
            .vpc_endpoint()
            .and_then(|e| e.vpc_endpoint_id())
            .ok_or("CreateVpcEndpoint returned no VpcEndpointId")?
            .to_string())
    }
}

/// The VPC endpoint VPCE_POLICY lets in.
pub const VPCE_ID: &str = "vpce-0a1b2c3d4e5f60718";
pub const VPCE_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-0a1b2c3d4e5f60718"}}}]}"#;

/// How a seeded distribution's default behaviour sends headers to its origin.
pub enum Forwarding<'a> {
    /// A cache policy (Managed-CachingDisabled) with this origin request policy, as the
    /// console and CloudFormation set a behaviour up today.
    Policy(&'a str),
    /// The legacy cache settings (`ForwardedValues`) with these headers whitelisted, as older
    /// distributions and templates still carry them.
    Legacy(&'a [&'a str]),
}

/// AWS's managed origin request policies.
pub const MANAGED_ALL_VIEWER: &str = "216adef6-5c7f-47e4-b989-5492eafa07d3";
pub const MANAGED_ALL_VIEWER_EXCEPT_HOST: &str = "b689b0a8-53d0-40ab-baf2-68738e2966ac";
const MANAGED_CACHING_DISABLED: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";

impl Seeder {
    /// A CloudFront distribution whose origin is `api`'s execute-api hostname with `stage` as
    /// its origin path, called by `alias`; its domain name (`d….cloudfront.net`).
    pub async fn cloudfront_in_front(
        &self,
        api: &Api,
        stage: &str,
        alias: &str,
        forwarding: Forwarding<'_>,
    ) -> Result<String> {
        use aws_sdk_cloudfront::types::{
            Aliases, CookiePreference, CustomOriginConfig, DefaultCacheBehavior, DistributionConfig, ForwardedValues,
            Headers, ItemSelection, Origin, OriginProtocolPolicy, Origins, ViewerProtocolPolicy,
        };
        let origin = Origin::builder()
            .id("api-gateway")
            .domain_name(format!("{}.execute-api.{}.amazonaws.com", api.id, self.region()))
            .origin_path(format!("/{stage}"))
            .custom_origin_config(
                CustomOriginConfig::builder()
                    .http_port(80)
                    .https_port(443)
                    .origin_protocol_policy(OriginProtocolPolicy::HttpsOnly)
                    .build()
                    .map_err(err)?,
            )
            .build()
            .map_err(err)?;
        let behavior = DefaultCacheBehavior::builder()
            .target_origin_id("api-gateway")
            .viewer_protocol_policy(ViewerProtocolPolicy::RedirectToHttps);
        #[allow(deprecated)]
        let behavior = match forwarding {
            Forwarding::Policy(policy) => behavior
                .cache_policy_id(MANAGED_CACHING_DISABLED)
                .origin_request_policy_id(policy),
            Forwarding::Legacy(headers) => behavior
                .forwarded_values(
                    ForwardedValues::builder()
                        .query_string(true)
                        .cookies(
                            CookiePreference::builder()
                                .forward(ItemSelection::None)
                                .build()
                                .map_err(err)?,
                        )
                        .headers(
                            Headers::builder()
                                .quantity(headers.len() as i32)
                                .set_items(Some(headers.iter().map(|h| h.to_string()).collect()))
                                .build()
                                .map_err(err)?,
                        )
                        .build()
                        .map_err(err)?,
                )
                .min_ttl(0),
        };
        let config = DistributionConfig::builder()
            .caller_reference(format!("{}-{stage}-{alias}", api.id))
            .aliases(Aliases::builder().quantity(1).items(alias).build().map_err(err)?)
            .origins(Origins::builder().quantity(1).items(origin).build().map_err(err)?)
            .default_cache_behavior(behavior.build().map_err(err)?)
            .comment(format!("{} in front of {}", alias, api.name))
            .enabled(true)
            .build()
            .map_err(err)?;
        let created = self
            .cloudfront
            .create_distribution()
            .distribution_config(config)
            .send()
            .await
            .map_err(err)?;
        Ok(created
            .distribution()
            .map(|d| d.domain_name().to_string())
            .ok_or("CreateDistribution returned no distribution")?)
    }
}
