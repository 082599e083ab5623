//! Seeds API Gateway configurations through the AWS SDK: the scenarios the tests and
//! `make demo` audit. Used by the tests and by `examples/seed_demo.rs`.

#![allow(dead_code)]

use aws_sdk_apigateway::types::{
    ApiKeySourceType, ApiStage, AuthorizerType, IntegrationType, Op, PatchOperation,
};
use aws_sdk_apigateway::Client;
use std::collections::HashMap;

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

pub struct Seeder {
    pub client: Client,
}

/// A REST API being seeded: its id and the ids of the resources made so far, by path.
pub struct Api {
    pub id: String,
    pub name: String,
    resources: HashMap<String, String>,
}

/// Keeps the SDK error's whole chain: its own Display shows only the outermost layer.
fn err(
    e: impl std::error::Error + Send + Sync + 'static,
) -> Box<dyn std::error::Error + Send + Sync> {
    aws_sdk_apigateway::error::DisplayErrorContext(e)
        .to_string()
        .into()
}

impl Seeder {
    pub fn new(client: Client) -> Self {
        Seeder { client }
    }

    pub async fn api(&self, name: &str) -> Result<Api> {
        self.api_with(name, ApiKeySourceType::Header, &[]).await
    }

    pub async fn api_with(
        &self,
        name: &str,
        key_source: ApiKeySourceType,
        tags: &[(&str, &str)],
    ) -> Result<Api> {
        let mut request = self
            .client
            .create_rest_api()
            .name(name)
            .api_key_source(key_source);
        for (k, v) in tags {
            request = request.tags(*k, *v);
        }
        let created = request.send().await.map_err(err)?;
        let id = created.id().unwrap_or_default().to_string();
        let root = self
            .client
            .get_resources()
            .rest_api_id(&id)
            .send()
            .await
            .map_err(err)?;
        let root_id = root
            .items()
            .iter()
            .find(|r| r.path() == Some("/"))
            .and_then(|r| r.id())
            .unwrap_or_default();
        Ok(Api {
            id,
            name: name.to_string(),
            resources: HashMap::from([("/".to_string(), root_id.to_string())]),
        })
    }

    async fn resource(&self, api: &mut Api, path: &str) -> Result<String> {
        if let Some(id) = api.resources.get(path) {
            return Ok(id.clone());
        }
        let (parent_path, part) = path.rsplit_once('/').unwrap_or(("", path));
        let parent_path = if parent_path.is_empty() {
            "/"
        } else {
            parent_path
        };
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

    /// A method with a MOCK integration (CreateDeployment wants one).
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
        self.client
            .put_method()
            .rest_api_id(&api.id)
            .resource_id(&resource_id)
            .http_method(verb)
            .authorization_type(authorization)
            .api_key_required(api_key_required)
            .set_authorizer_id(authorizer_id.map(str::to_string))
            .send()
            .await
            .map_err(err)?;
        self.client
            .put_integration()
            .rest_api_id(&api.id)
            .resource_id(&resource_id)
            .http_method(verb)
            .r#type(IntegrationType::Mock)
            .send()
            .await
            .map_err(err)?;
        Ok(())
    }

    /// A method that requires a key and no other authorization.
    pub async fn keyed(&self, api: &mut Api, path: &str, verb: &str) -> Result<()> {
        self.method(api, path, verb, true, "NONE", None).await
    }

    pub async fn token_authorizer(&self, api: &Api, name: &str) -> Result<String> {
        let created = self
            .client
            .create_authorizer()
            .rest_api_id(&api.id)
            .name(name)
            .r#type(AuthorizerType::Token)
            .identity_source("method.request.header.Authorization")
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
        let region = self
            .client
            .config()
            .region()
            .map(|r| r.to_string())
            .unwrap_or_default();
        let arn = format!(
            "arn:aws:apigateway:{region}::/restapis/{}/stages/{stage}",
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

    pub async fn plan(
        &self,
        name: &str,
        stages: &[(&Api, &str)],
        key_ids: &[&str],
    ) -> Result<String> {
        let mut request = self.client.create_usage_plan().name(name);
        for (api, stage) in stages {
            request = request.api_stages(ApiStage::builder().api_id(&api.id).stage(*stage).build());
        }
        let plan = request.send().await.map_err(err)?;
        let plan_id = plan.id().unwrap_or_default().to_string();
        for key_id in key_ids {
            self.client
                .create_usage_plan_key()
                .usage_plan_id(&plan_id)
                .key_id(*key_id)
                .key_type("API_KEY")
                .send()
                .await
                .map_err(err)?;
        }
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

/// Key values seeded in the demo account; no output may ever contain one.
pub const DEMO_KEY_VALUES: [&str; 4] = [
    "demoKeyValueEnabled0000000000000001",
    "demoKeyValueDisabled000000000000002",
    "demoKeyValueAuthorizer0000000000003",
    "demoKeyValueSpare000000000000000004",
];

/// One seeded API and what an audit must say about it.
pub struct Expectation {
    pub api_name: &'static str,
    pub api_id: String,
    /// Check ids that must be reported on this API (empty for a healthy control).
    pub checks: Vec<&'static str>,
    /// Check ids that must be silenced by the API's `gatecheck:ignore` tag.
    pub suppressed: Vec<&'static str>,
}

/// Seeds one API per cause of 403 that the checks find, plus healthy controls, and returns
/// what the audit must report for each. The account has no CloudWatch role (GC602).
pub async fn seed_demo_account(s: &Seeder) -> Result<Vec<Expectation>> {
    let mut expectations = Vec::new();
    let mut expect =
        |api: &Api, name: &'static str, checks: &[&'static str], suppressed: &[&'static str]| {
            expectations.push(Expectation {
                api_name: name,
                api_id: api.id.clone(),
                checks: checks.to_vec(),
                suppressed: suppressed.to_vec(),
            })
        };
    let enabled = s.key("demo-enabled-key", true, DEMO_KEY_VALUES[0]).await?;
    let disabled = s
        .key("demo-disabled-key", false, DEMO_KEY_VALUES[1])
        .await?;
    let authorizer_key = s
        .key("demo-authorizer-key", true, DEMO_KEY_VALUES[2])
        .await?;

    // A key is required, but the stage is in no usage plan.
    let mut api = s.api("orders-no-usage-plan").await?;
    s.keyed(&mut api, "/orders", "GET").await?;
    s.deploy(&api, "prod").await?;
    expect(&api, "orders-no-usage-plan", &["GC301"], &[]);

    // The plan lists the stage but holds no key.
    let mut api = s.api("billing-plan-without-keys").await?;
    s.keyed(&mut api, "/invoices", "GET").await?;
    s.deploy(&api, "prod").await?;
    s.plan("billing-plan", &[(&api, "prod")], &[]).await?;
    expect(&api, "billing-plan-without-keys", &["GC302"], &[]);

    // The only key in the plan is disabled.
    let mut api = s.api("payments-disabled-key").await?;
    s.keyed(&mut api, "/payments", "POST").await?;
    s.deploy(&api, "prod").await?;
    s.plan("payments-plan", &[(&api, "prod")], &[&disabled])
        .await?;
    expect(&api, "payments-disabled-key", &["GC303"], &[]);

    // Key source AUTHORIZER, but no Lambda authorizer supplies the key.
    let mut api = s
        .api_with(
            "reports-authorizer-source",
            ApiKeySourceType::Authorizer,
            &[],
        )
        .await?;
    s.keyed(&mut api, "/reports", "GET").await?;
    s.deploy(&api, "prod").await?;
    s.plan("reports-plan", &[(&api, "prod")], &[&authorizer_key])
        .await?;
    expect(&api, "reports-authorizer-source", &["GC304"], &[]);

    // Browsers' CORS preflight is refused: OPTIONS requires a key.
    let mut api = s.api("catalog-cors-preflight").await?;
    s.keyed(&mut api, "/products", "GET").await?;
    s.keyed(&mut api, "/products", "OPTIONS").await?;
    s.deploy(&api, "prod").await?;
    s.plan("catalog-plan", &[(&api, "prod")], &[&enabled])
        .await?;
    expect(&api, "catalog-cors-preflight", &["GC305"], &[]);

    // Some methods of a keyed stage need no key: quotas don't apply to them.
    let mut api = s.api("inventory-key-not-enforced").await?;
    s.keyed(&mut api, "/stock", "GET").await?;
    s.method(&mut api, "/stock", "PUT", false, "NONE", None)
        .await?;
    s.deploy(&api, "prod").await?;
    s.plan("inventory-plan", &[(&api, "prod")], &[&enabled])
        .await?;
    expect(&api, "inventory-key-not-enforced", &["GC306"], &[]);

    // The plan still lists a stage that was deleted and replaced: callers of v2 are refused.
    let mut api = s.api("shipping-stale-plan-stage").await?;
    s.keyed(&mut api, "/parcels", "GET").await?;
    s.deploy(&api, "v1").await?;
    s.deploy(&api, "v2").await?;
    s.plan("shipping-plan", &[(&api, "v1")], &[&enabled])
        .await?;
    s.delete_stage(&api, "v1").await?;
    expect(&api, "shipping-stale-plan-stage", &["GC301", "GC307"], &[]);

    // A known gap, silenced with a tag: counted as suppressed, not reported.
    let mut api = s
        .api_with(
            "legacy-suppressed",
            ApiKeySourceType::Header,
            &[("gatecheck:ignore", "GC301")],
        )
        .await?;
    s.keyed(&mut api, "/legacy", "GET").await?;
    s.deploy(&api, "prod").await?;
    expect(&api, "legacy-suppressed", &[], &["GC301"]);

    // Healthy controls.
    let mut api = s.api("healthy-keyed").await?;
    s.keyed(&mut api, "/items", "GET").await?;
    s.method(&mut api, "/items", "OPTIONS", false, "NONE", None)
        .await?;
    s.deploy(&api, "prod").await?;
    s.plan("healthy-plan", &[(&api, "prod")], &[&enabled])
        .await?;
    expect(&api, "healthy-keyed", &[], &[]);

    let mut api = s
        .api_with(
            "healthy-authorizer-source",
            ApiKeySourceType::Authorizer,
            &[],
        )
        .await?;
    let authorizer = s.token_authorizer(&api, "key-supplier").await?;
    s.method(
        &mut api,
        "/accounts",
        "GET",
        true,
        "CUSTOM",
        Some(&authorizer),
    )
    .await?;
    s.deploy(&api, "prod").await?;
    s.plan(
        "healthy-authorizer-plan",
        &[(&api, "prod")],
        &[&authorizer_key],
    )
    .await?;
    expect(&api, "healthy-authorizer-source", &[], &[]);

    let mut api = s.api("healthy-iam-no-keys").await?;
    s.method(&mut api, "/status", "GET", false, "AWS_IAM", None)
        .await?;
    s.deploy(&api, "prod").await?;
    expect(&api, "healthy-iam-no-keys", &[], &[]);

    let mut api = s.api("healthy-two-plans").await?;
    s.keyed(&mut api, "/quotes", "GET").await?;
    s.deploy(&api, "prod").await?;
    s.plan("two-plans-disabled", &[(&api, "prod")], &[&disabled])
        .await?;
    s.plan("two-plans-enabled", &[(&api, "prod")], &[&enabled])
        .await?;
    expect(&api, "healthy-two-plans", &[], &[]);

    Ok(expectations)
}
