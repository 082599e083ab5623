//! The Snapshot: everything an audit needs to know about one account and region, as plain
//! serde data. Checks read only this; the collector is the only thing that writes it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bumped whenever a field changes meaning or a required field is added, so that an older
/// gatecheck refuses a newer snapshot file instead of misreading it.
pub const SNAPSHOT_SCHEMA_VERSION: u32 = 1;

/// The tag that silences checks on a REST API or stage: a comma list of check ids.
pub const IGNORE_TAG: &str = "gatecheck:ignore";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub schema_version: u32,
    pub account: Account,
    pub region: String,
    /// What the audit was asked to cover; findings outside it are dropped.
    #[serde(default)]
    pub scope: Scope,
    #[serde(default)]
    pub rest_apis: Vec<RestApi>,
    #[serde(default)]
    pub usage_plans: Vec<UsagePlan>,
    #[serde(default)]
    pub api_keys: Vec<ApiKey>,
    /// Filled by the WAF reader; empty until then.
    #[serde(default)]
    pub web_acls: Vec<serde_json::Value>,
    /// Filled by the custom domain reader; empty until then.
    #[serde(default)]
    pub domain_names: Vec<serde_json::Value>,
    /// Parts of the configuration that could not be read.
    #[serde(default)]
    pub gaps: Vec<CoverageGap>,
    /// AWS API calls made while collecting, by operation name.
    #[serde(default)]
    pub api_calls: BTreeMap<String, u64>,
}

impl Snapshot {
    pub fn new(account: Account, region: impl Into<String>) -> Self {
        Snapshot {
            schema_version: SNAPSHOT_SCHEMA_VERSION,
            account,
            region: region.into(),
            scope: Scope::default(),
            rest_apis: Vec::new(),
            usage_plans: Vec::new(),
            api_keys: Vec::new(),
            web_acls: Vec::new(),
            domain_names: Vec::new(),
            gaps: Vec::new(),
            api_calls: BTreeMap::new(),
        }
    }

    pub fn rest_api(&self, api_id: &str) -> Option<&RestApi> {
        self.rest_apis.iter().find(|api| api.id == api_id)
    }

    pub fn api_key(&self, key_id: &str) -> Option<&ApiKey> {
        self.api_keys.iter().find(|key| key.id == key_id)
    }

    /// The usage plans that list `api_id`/`stage` among their API stages.
    pub fn plans_covering<'a>(
        &'a self,
        api_id: &'a str,
        stage: &'a str,
    ) -> impl Iterator<Item = &'a UsagePlan> + 'a {
        self.usage_plans.iter().filter(move |plan| {
            plan.api_stages
                .iter()
                .any(|s| s.api_id == api_id && s.stage == stage)
        })
    }

    pub fn total_api_calls(&self) -> u64 {
        self.api_calls.values().sum()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// The 12-digit account id, when the caller identity could be read.
    pub id: Option<String>,
    /// API Gateway's account-level CloudWatch role (GetAccount `cloudwatchRoleArn`).
    pub cloudwatch_role_arn: Option<String>,
}

/// What an audit covers: the whole region, one API, or one API stage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    pub api_id: Option<String>,
    pub stage: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApiKeySource {
    /// The key comes from the `x-api-key` header.
    #[default]
    Header,
    /// The key comes from a Lambda authorizer's `usageIdentifierKey`.
    Authorizer,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestApi {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub api_key_source: ApiKeySource,
    /// EDGE, REGIONAL or PRIVATE.
    #[serde(default)]
    pub endpoint_types: Vec<String>,
    /// The resource policy as AWS returns it: a JSON document in a string.
    pub policy: Option<String>,
    #[serde(default)]
    pub disable_execute_api_endpoint: bool,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub resources: Vec<Resource>,
    #[serde(default)]
    pub authorizers: Vec<Authorizer>,
    #[serde(default)]
    pub stages: Vec<Stage>,
    /// The deployments that stages point at, with what each deployed.
    #[serde(default)]
    pub deployments: Vec<Deployment>,
}

impl RestApi {
    pub fn stage(&self, name: &str) -> Option<&Stage> {
        self.stages.iter().find(|stage| stage.name == name)
    }

    pub fn deployment(&self, id: &str) -> Option<&Deployment> {
        self.deployments.iter().find(|d| d.id == id)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    pub id: String,
    pub path: String,
    #[serde(default)]
    pub methods: Vec<Method>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Method {
    /// GET, POST, ..., or ANY.
    pub http_method: String,
    #[serde(default)]
    pub api_key_required: bool,
    /// NONE, AWS_IAM, CUSTOM or COGNITO_USER_POOLS.
    pub authorization_type: String,
    pub authorizer_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Authorizer {
    pub id: String,
    pub name: String,
    /// TOKEN, REQUEST (both Lambda) or COGNITO_USER_POOLS.
    pub authorizer_type: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub name: String,
    pub deployment_id: Option<String>,
    /// Keyed as AWS keys them: `*/*` or `resource/path/VERB`.
    #[serde(default)]
    pub method_settings: BTreeMap<String, MethodSetting>,
    pub web_acl_arn: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MethodSetting {
    /// OFF, ERROR or INFO.
    pub logging_level: Option<String>,
    #[serde(default)]
    pub data_trace_enabled: bool,
    #[serde(default)]
    pub metrics_enabled: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    pub id: String,
    /// What the deployment froze: path → verb → method summary. `None` when the endpoint
    /// did not say (GetDeployment without `apiSummary`), in which case checks fall back to
    /// the current resources.
    pub api_summary: Option<BTreeMap<String, BTreeMap<String, DeployedMethod>>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeployedMethod {
    #[serde(default)]
    pub api_key_required: bool,
    pub authorization_type: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsagePlan {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub api_stages: Vec<PlanApiStage>,
    /// Ids of the API keys attached to the plan (GetUsagePlanKeys). Never their values.
    #[serde(default)]
    pub key_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanApiStage {
    pub api_id: String,
    pub stage: String,
    /// Per-method throttles keyed `/path/VERB`.
    #[serde(default)]
    pub throttle: BTreeMap<String, ThrottleSetting>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThrottleSetting {
    pub burst_limit: Option<i32>,
    pub rate_limit: Option<f64>,
}

/// An API key's identity and state. The snapshot never holds a key's value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub enabled: bool,
}

/// The kinds of configuration the collector reads. A check declares the parts it reads, so a
/// part that could not be read names the checks it blinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    RestApis,
    Resources,
    Authorizers,
    Stages,
    Deployments,
    UsagePlans,
    UsagePlanKeys,
    ApiKeys,
    Account,
}

impl Part {
    pub fn as_str(self) -> &'static str {
        match self {
            Part::RestApis => "REST APIs",
            Part::Resources => "resources and methods",
            Part::Authorizers => "authorizers",
            Part::Stages => "stages",
            Part::Deployments => "deployments",
            Part::UsagePlans => "usage plans",
            Part::UsagePlanKeys => "usage plan keys",
            Part::ApiKeys => "API keys",
            Part::Account => "account settings",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapReason {
    AccessDenied,
    Throttled,
    NotFound,
    NotImplemented,
    Unreachable,
    Other,
}

impl GapReason {
    pub fn as_str(self) -> &'static str {
        match self {
            GapReason::AccessDenied => "access denied",
            GapReason::Throttled => "throttled past retries",
            GapReason::NotFound => "not found",
            GapReason::NotImplemented => "not implemented by the endpoint",
            GapReason::Unreachable => "endpoint unreachable",
            GapReason::Other => "failed",
        }
    }
}

/// Something the collector could not read. It never aborts an audit: it becomes a GC900
/// finding, and the checks it blinds stay quiet on its scope rather than guess.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageGap {
    pub part: Part,
    /// The AWS operation that failed, e.g. `GetUsagePlans`.
    pub operation: String,
    /// `None` when the gap is region-wide.
    pub api_id: Option<String>,
    pub stage: Option<String>,
    /// A usage plan, deployment or other object the gap is about.
    pub object_id: Option<String>,
    pub reason: GapReason,
    pub message: String,
}

impl CoverageGap {
    /// Whether this gap hides what a finding on (api_id, stage) would say.
    pub fn covers(&self, api_id: Option<&str>, stage: Option<&str>) -> bool {
        let api_matches = match (&self.api_id, api_id) {
            (None, _) => true,
            (Some(gap_api), Some(api)) => gap_api == api,
            (Some(_), None) => false,
        };
        let stage_matches = match (&self.stage, stage) {
            (None, _) => true,
            (Some(gap_stage), Some(stage)) => gap_stage == stage,
            (Some(_), None) => false,
        };
        api_matches && stage_matches
    }
}
