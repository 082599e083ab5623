//! The Snapshot: everything an audit needs to know about one account and region, as plain
//! serde data. Checks read only this; the collector is the only thing that writes it. Names,
//! ids, paths and verbs are `CompactString`s, inline up to 24 bytes: an account of ten
//! thousand APIs holds a million of them.

use compact_str::CompactString;
use litemap::LiteMap;
use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;

mod cloudfront;
mod gaps;
mod index;
mod validate;

pub use cloudfront::{CacheBehavior, Distribution, HostForwarding, Origin, OriginRequestPolicy};
pub use gaps::{CoverageGap, GapReason, Part};
pub use index::Index;
pub use validate::parse_max_rps;

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
    /// The WAFv2 web ACLs that stages use, each read once.
    #[serde(default)]
    pub web_acls: Vec<WebAcl>,
    /// The IP sets those web ACLs reference, each read once.
    #[serde(default)]
    pub ip_sets: Vec<IpSet>,
    /// Custom domain names with their base path mappings.
    #[serde(default)]
    pub domain_names: Vec<DomainName>,
    /// The region's interface VPC endpoints for execute-api (EC2 DescribeVpcEndpoints).
    #[serde(default)]
    pub vpc_endpoints: Vec<VpcEndpoint>,
    /// The account's CloudFront distributions with an origin at one of this region's
    /// execute-api hostnames (CloudFront is global: read once per account).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub distributions: Vec<Distribution>,
    /// The origin request policies their behaviours name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub origin_request_policies: Vec<OriginRequestPolicy>,
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
            ip_sets: Vec::new(),
            domain_names: Vec::new(),
            vpc_endpoints: Vec::new(),
            distributions: Vec::new(),
            origin_request_policies: Vec::new(),
            gaps: Vec::new(),
            api_calls: BTreeMap::new(),
        }
    }

    /// The custom domains' base path mappings that point at `api_id`, as (domain, mapping).
    pub fn mappings_to<'a>(
        &'a self,
        api_id: &'a str,
    ) -> impl Iterator<Item = (&'a DomainName, &'a BasePathMapping)> + 'a {
        self.domain_names
            .iter()
            .flat_map(|d| d.mappings.iter().map(move |m| (d, m)))
            .filter(move |(_, m)| m.rest_api_id == api_id)
    }

    /// The custom domain a request's host names. A public and a private domain can share a
    /// name; a request that reaches a custom domain by name is taken to mean the public one,
    /// unless only a private one exists.
    pub fn custom_domain(&self, host: &str) -> Option<&DomainName> {
        let mut named = self.domain_names.iter().filter(|d| d.name.eq_ignore_ascii_case(host));
        let first = named.next()?;
        if !first.is_private() {
            return Some(first);
        }
        Some(named.find(|d| !d.is_private()).unwrap_or(first))
    }

    /// Whether this domain's base path mappings could not be read.
    pub fn domain_unread(&self, domain: &DomainName) -> bool {
        let object_id = DomainName::object_id(&domain.name);
        self.gaps
            .iter()
            .any(|g| g.part.includes(Part::BasePathMappings) && g.object_id.as_deref().is_none_or(|o| o == object_id))
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
    /// GetAccount `features`: `UsagePlans` once the account uses usage plans; an account from
    /// before them may still use stage keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
}

/// What an audit covers: the whole region, one API, or one API stage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    pub api_id: Option<String>,
    pub stage: Option<String>,
    /// When set, only stages behind one of these web ACLs (after a WAF change).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub web_acl_arns: Vec<String>,
    /// Only the account-level settings (after UpdateAccount).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub account_only: bool,
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
    pub id: CompactString,
    pub name: CompactString,
    #[serde(default)]
    pub api_key_source: ApiKeySource,
    /// EDGE, REGIONAL or PRIVATE.
    #[serde(default)]
    pub endpoint_types: Vec<CompactString>,
    /// `endpointConfiguration.ipAddressType`: `ipv4` or `dualstack` (IPv6 callers too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address_type: Option<CompactString>,
    /// The resource policy as AWS returns it: a JSON document in a string.
    pub policy: Option<String>,
    #[serde(default)]
    pub disable_execute_api_endpoint: bool,
    /// `endpointAccessMode`: STRICT (only requests through the API's own endpoint type, whose
    /// TLS SNI names the host they call) or BASIC; absent with a legacy security policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_access_mode: Option<CompactString>,
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
    /// The gateway responses customized on this API (AWS's defaults are left out).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gateway_responses: Vec<GatewayResponse>,
    /// When this was last read in full (ms since the epoch); a quota-light audit takes what
    /// has not changed from its stored snapshot and keeps the time it was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at_ms: Option<u64>,
}

/// A customized gateway response: what API Gateway answers for a refusal of this type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayResponse {
    /// DEFAULT_4XX, ACCESS_DENIED, INVALID_API_KEY, ...
    pub response_type: String,
    /// The status code it answers with; None keeps the type's own.
    pub status_code: Option<String>,
    /// Body templates by content type.
    #[serde(default)]
    pub templates: BTreeMap<String, String>,
    /// The names of the headers it sets (`gatewayresponse.header.<name>`); their values are
    /// never kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub header_names: Vec<String>,
}

impl GatewayResponse {
    /// Whether it sets `name` (header names are case-insensitive).
    pub fn sets_header(&self, name: &str) -> bool {
        self.header_names.iter().any(|h| h.eq_ignore_ascii_case(name))
    }
}

/// API Gateway's enumerations, read from the wire strings the snapshot keeps as AWS sent them
/// (a value a newer AWS adds stays in the snapshot, and is `Other` here): the checks and
/// explain decide on these, never on the strings.
///
/// How a method authorizes its callers (`authorizationType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizationType {
    None,
    AwsIam,
    /// A Lambda authorizer (TOKEN or REQUEST).
    Custom,
    CognitoUserPools,
    Other,
}

impl AuthorizationType {
    pub fn of(text: &str) -> Self {
        match text {
            "NONE" => Self::None,
            "AWS_IAM" => Self::AwsIam,
            "CUSTOM" => Self::Custom,
            "COGNITO_USER_POOLS" => Self::CognitoUserPools,
            _ => Self::Other,
        }
    }
}

/// Where an API or custom domain is served (`endpointConfiguration.types`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointType {
    Edge,
    Regional,
    Private,
    Other,
}

impl EndpointType {
    pub fn of(text: &str) -> Self {
        match text {
            "EDGE" => Self::Edge,
            "REGIONAL" => Self::Regional,
            "PRIVATE" => Self::Private,
            _ => Self::Other,
        }
    }
}

/// How a custom domain routes (`routingMode`); absent, as before routing rules existed, it
/// routes by its base path mappings only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoutingMode {
    BasePathMappingOnly,
    RoutingRuleOnly,
    RoutingRuleThenBasePathMapping,
}

impl RoutingMode {
    pub fn of(text: Option<&str>) -> Self {
        match text {
            Some("ROUTING_RULE_ONLY") => Self::RoutingRuleOnly,
            Some("ROUTING_RULE_THEN_BASE_PATH_MAPPING") => Self::RoutingRuleThenBasePathMapping,
            _ => Self::BasePathMappingOnly,
        }
    }

    /// Whether routing rules are consulted at all.
    pub fn uses_rules(self) -> bool {
        self != Self::BasePathMappingOnly
    }
}

/// What kind of authorizer (`type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizerType {
    /// A Lambda authorizer given a bearer token.
    Token,
    /// A Lambda authorizer given request parameters.
    Request,
    CognitoUserPools,
    Other,
}

impl AuthorizerType {
    pub fn of(text: &str) -> Self {
        match text {
            "TOKEN" => Self::Token,
            "REQUEST" => Self::Request,
            "COGNITO_USER_POOLS" => Self::CognitoUserPools,
            _ => Self::Other,
        }
    }

    pub fn is_lambda(self) -> bool {
        matches!(self, Self::Token | Self::Request)
    }
}

impl Method {
    pub fn authorization(&self) -> AuthorizationType {
        AuthorizationType::of(&self.authorization_type)
    }
}

impl Authorizer {
    pub fn kind(&self) -> AuthorizerType {
        AuthorizerType::of(&self.authorizer_type)
    }
}

impl RestApi {
    /// Whether the API is served only through interface VPC endpoints.
    pub fn is_private(&self) -> bool {
        self.endpoint_types
            .iter()
            .any(|t| EndpointType::of(t) == EndpointType::Private)
    }

    /// Where the API is served: its one endpoint type.
    pub fn endpoint_type(&self) -> Option<EndpointType> {
        self.endpoint_types.first().map(|t| EndpointType::of(t))
    }

    /// Whether `endpointAccessMode` is STRICT.
    pub fn is_strict(&self) -> bool {
        self.endpoint_access_mode
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case("STRICT"))
    }

    pub fn stage(&self, name: &str) -> Option<&Stage> {
        self.stages.iter().find(|stage| stage.name == name)
    }

    pub fn deployment(&self, id: &str) -> Option<&Deployment> {
        self.deployments.iter().find(|d| d.id == id)
    }

    /// The current resources as a deployment would freeze them (an `apiSummary`).
    pub fn current_summary(&self) -> ApiSummary {
        self.resources
            .iter()
            .map(|r| {
                let methods = r
                    .methods
                    .iter()
                    .map(|m| {
                        let deployed = DeployedMethod {
                            api_key_required: m.api_key_required,
                            authorization_type: m.authorization_type.clone(),
                        };
                        (m.http_method.clone(), deployed)
                    })
                    .collect();
                (r.path.clone(), methods)
            })
            .collect()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    pub id: CompactString,
    pub path: CompactString,
    #[serde(default)]
    pub methods: Vec<Method>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Method {
    /// GET, POST, ..., or ANY.
    pub http_method: CompactString,
    #[serde(default)]
    pub api_key_required: bool,
    /// NONE, AWS_IAM, CUSTOM or COGNITO_USER_POOLS.
    pub authorization_type: CompactString,
    pub authorizer_id: Option<CompactString>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Authorizer {
    pub id: String,
    pub name: String,
    /// TOKEN, REQUEST (both Lambda) or COGNITO_USER_POOLS.
    pub authorizer_type: String,
    /// Where the caller's identity is read, e.g. `method.request.header.Authorization`, or
    /// for REQUEST authorizers a comma list of headers and query strings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_source: Option<String>,
    /// A TOKEN authorizer's regular expression: a token that does not match is refused (401)
    /// without calling the function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_validation_expression: Option<String>,
    /// How long a result is cached (`authorizerResultTtlInSeconds`); AWS's default is 300.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_ttl_seconds: Option<i32>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub name: CompactString,
    pub deployment_id: Option<CompactString>,
    /// Keyed as AWS keys them: `*/*` or `resource/path/VERB`.
    #[serde(default, serialize_with = "as_map")]
    pub method_settings: LiteMap<CompactString, MethodSetting>,
    pub web_acl_arn: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// A canary release: a share of the stage's calls served by another deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary: Option<Canary>,
    /// `accessLogSettings`: where the stage writes access logs, and in which format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log: Option<AccessLog>,
}

/// A stage's `accessLogSettings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessLog {
    /// The log group (or Firehose stream) ARN.
    pub destination_arn: String,
    /// The line format, with `$context` variables.
    pub format: String,
}

/// A stage's `canarySettings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Canary {
    pub deployment_id: Option<CompactString>,
    /// The share of the stage's calls the canary serves, 0 to 100.
    pub percent_traffic: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MethodSetting {
    /// OFF, ERROR or INFO.
    pub logging_level: Option<CompactString>,
    #[serde(default)]
    pub data_trace_enabled: bool,
    #[serde(default)]
    pub metrics_enabled: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    pub id: CompactString,
    /// What the deployment froze. `None` when the endpoint did not say (GetDeployment
    /// without `apiSummary`), in which case checks fall back to the current resources.
    #[serde(serialize_with = "summary_as_map")]
    pub api_summary: Option<ApiSummary>,
}

/// What a deployment froze: path → verb → method, sorted by path, then verb. Kept in sorted
/// vectors rather than trees, and short strings inline: a tree node per path and a heap
/// string per verb would be most of a large account's snapshot.
pub type ApiSummary = LiteMap<CompactString, LiteMap<CompactString, DeployedMethod>>;

/// Writes a small sorted map as a JSON object, empty or not (the snapshot file's shape).
fn as_map<K: Serialize, V: Serialize, S: Serializer>(map: &LiteMap<K, V>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_map(map.iter())
}

fn summary_as_map<S: Serializer>(summary: &Option<ApiSummary>, serializer: S) -> Result<S::Ok, S::Error> {
    struct Verbs<'a>(&'a LiteMap<CompactString, DeployedMethod>);
    impl Serialize for Verbs<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            as_map(self.0, serializer)
        }
    }
    match summary {
        Some(paths) => serializer.collect_map(paths.iter().map(|(path, verbs)| (path, Verbs(verbs)))),
        None => serializer.serialize_none(),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeployedMethod {
    #[serde(default)]
    pub api_key_required: bool,
    pub authorization_type: CompactString,
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
    pub key_ids: Vec<CompactString>,
    /// When its keys were last read (ms since the epoch); a quota-light audit takes what
    /// has not changed from its stored snapshot and keeps the time it was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at_ms: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanApiStage {
    pub api_id: CompactString,
    pub stage: CompactString,
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
    pub id: CompactString,
    pub name: CompactString,
    pub enabled: bool,
    /// `restApiId/stageName` pairs the key is bound to directly (stage keys, from before
    /// usage plans).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stage_keys: Vec<String>,
}

/// A WAFv2 web ACL as it decides requests: default action and rules in priority order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebAcl {
    pub arn: String,
    pub name: String,
    pub default_action: WafAction,
    /// The status code of the default Block action's custom response (403 without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_block_status: Option<u16>,
    #[serde(default)]
    pub rules: Vec<WafRule>,
    /// When this was last read in full (ms since the epoch); a quota-light audit takes what
    /// has not changed from its stored snapshot and keeps the time it was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at_ms: Option<u64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WafAction {
    #[default]
    Allow,
    Block,
    /// Counts and lets the request go on to the next rule.
    Count,
    Captcha,
    Challenge,
    /// For a rule group: each of the group's rules applies its own action.
    UseGroupActions,
}

impl WafAction {
    pub fn as_str(self) -> &'static str {
        match self {
            WafAction::Allow => "Allow",
            WafAction::Block => "Block",
            WafAction::Count => "Count",
            WafAction::Captcha => "CAPTCHA",
            WafAction::Challenge => "Challenge",
            WafAction::UseGroupActions => "the group's own actions",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WafRule {
    pub name: String,
    pub priority: i32,
    /// The rule's action, or for a rule group reference its override (None → the group's
    /// own actions, Count → counts only).
    pub action: WafAction,
    /// The status code of a Block action's custom response (403 without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_status: Option<u16>,
    pub statement: WafStatement,
    /// It inspects a body or headers with `OversizeHandling` MATCH: a request whose body is
    /// over what WAF inspects (8 KB for API Gateway by default) matches, whatever it holds.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub oversize_matches: bool,
    /// Put in the ACL by AWS Firewall Manager (its pre- or post-process rule groups), not by
    /// the ACL's owner.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub firewall_manager: bool,
}

/// A rule statement, kept to what decides who is let in or refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum WafStatement {
    IpSet {
        arn: String,
        /// With `IPSetForwardedIPConfig`, the header whose address is matched instead of
        /// the source IP (e.g. `X-Forwarded-For`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        forwarded_header: Option<String>,
        /// With a forwarded header that holds no valid address: whether the statement
        /// matches (`FallbackBehavior` MATCH) or not (NO_MATCH).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        fallback_match: bool,
    },
    Geo {
        country_codes: Vec<String>,
        /// With `ForwardedIPConfig`, the header whose address is located.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        forwarded_header: Option<String>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        fallback_match: bool,
    },
    RateBased {
        limit: i64,
        scope_down: Option<Box<WafStatement>>,
    },
    ManagedRuleGroup {
        vendor: String,
        name: String,
        /// The group's rules overridden to Count (`RuleActionOverrides`, or the older
        /// `ExcludedRules`): they refuse nothing.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        counted_rules: Vec<String>,
    },
    RuleGroup {
        arn: String,
    },
    /// A byte or regex match on part of the request, e.g. `header:x-api-key`.
    Match {
        field: String,
        description: String,
    },
    And {
        statements: Vec<WafStatement>,
    },
    Or {
        statements: Vec<WafStatement>,
    },
    Not {
        statement: Box<WafStatement>,
    },
    /// A statement kind the analysis does not look into (size constraint, SQLi, label...).
    Other {
        kind: String,
    },
}

impl WafStatement {
    /// The ARNs of the IP sets this statement references, at any depth.
    pub fn ip_set_arns<'a>(&'a self, out: &mut std::collections::BTreeSet<&'a str>) {
        match self {
            WafStatement::IpSet { arn, .. } => {
                out.insert(arn);
            }
            WafStatement::And { statements } | WafStatement::Or { statements } => {
                statements.iter().for_each(|s| s.ip_set_arns(out));
            }
            WafStatement::Not { statement } => statement.ip_set_arns(out),
            WafStatement::RateBased {
                scope_down: Some(inner),
                ..
            } => inner.ip_set_arns(out),
            _ => {}
        }
    }
}

impl WebAcl {
    /// The ARNs of the IP sets the ACL's rules reference.
    pub fn ip_set_arns(&self) -> std::collections::BTreeSet<&str> {
        let mut out = std::collections::BTreeSet::new();
        self.rules.iter().for_each(|r| r.statement.ip_set_arns(&mut out));
        out
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IpSet {
    pub arn: String,
    pub name: String,
    /// CIDR blocks.
    #[serde(default)]
    pub addresses: Vec<String>,
}

impl DomainName {
    pub fn is_private(&self) -> bool {
        self.domain_name_id.is_some()
            || self
                .endpoint_types
                .iter()
                .any(|t| EndpointType::of(t) == EndpointType::Private)
    }

    /// How the domain sends requests on: by its base path mappings, its routing rules, or
    /// rules first.
    pub fn routing(&self) -> RoutingMode {
        RoutingMode::of(self.routing_mode.as_deref())
    }

    /// How a coverage gap names this domain.
    pub fn object_id(name: &str) -> String {
        format!("domain {name}")
    }
}

/// A custom domain name and the APIs its base paths map to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainName {
    pub name: String,
    /// Only private custom domain names have one: a private and a public domain can share a
    /// name, and a private one's mappings are read by name and this id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_name_id: Option<String>,
    #[serde(default)]
    pub endpoint_types: Vec<String>,
    #[serde(default)]
    pub mappings: Vec<BasePathMapping>,
    /// `mutualTlsAuthentication`: callers must present a client certificate from this
    /// truststore.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutual_tls: Option<MutualTls>,
    /// `routingMode`: BASE_PATH_MAPPING_ONLY (the default), ROUTING_RULE_ONLY or
    /// ROUTING_RULE_THEN_BASE_PATH_MAPPING.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_mode: Option<String>,
    /// The domain's routing rules (API Gateway v2), read when its routing mode uses them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routing_rules: Vec<RoutingRule>,
    /// A private domain's resource policy: which VPC endpoints may invoke through it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// The VPC endpoints associated with a private domain (its domain name access
    /// associations); only those can reach it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_associations: Vec<String>,
    /// When its mappings and routing rules were last read (ms since the epoch); a quota-light audit takes what
    /// has not changed from its stored snapshot and keeps the time it was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at_ms: Option<u64>,
}

/// An interface VPC endpoint for the region's execute-api service, as DescribeVpcEndpoints
/// returns it: private APIs are reached through these.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VpcEndpoint {
    pub id: String,
    pub vpc_id: String,
    /// `PrivateDnsEnabled`: inside the VPC, every `*.execute-api.<region>.amazonaws.com` name
    /// resolves to this endpoint, which serves private APIs only.
    #[serde(default)]
    pub private_dns: bool,
    /// The endpoint's own policy (`PolicyDocument`); EC2 returns the full-access default for an
    /// endpoint created without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// `State` (available, pending, rejected, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

impl VpcEndpoint {
    /// Whether it carries traffic: a pending, rejected, deleted or failed endpoint does not.
    pub fn is_available(&self) -> bool {
        self.state
            .as_deref()
            .is_none_or(|s| s.eq_ignore_ascii_case("available"))
    }
}

/// A custom domain's routing rule: the lowest priority that matches sends the request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingRule {
    pub priority: i32,
    /// Base paths of which the request's must be one; empty: any.
    #[serde(default)]
    pub base_paths: Vec<String>,
    /// Header conditions, as `name: glob`; the request must match one; empty: none.
    #[serde(default)]
    pub headers: Vec<String>,
    /// The API and stage the rule invokes.
    pub api_id: Option<String>,
    pub stage: Option<String>,
    #[serde(default)]
    pub strip_base_path: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MutualTls {
    pub truststore_uri: String,
    pub truststore_version: Option<String>,
    /// What API Gateway found wrong with certificates in the truststore (expired, invalid
    /// chain): clients presenting those are refused.
    #[serde(default)]
    pub truststore_warnings: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasePathMapping {
    /// `(none)` for the empty base path, as AWS shows it.
    pub base_path: String,
    pub rest_api_id: String,
    /// `None` maps every stage (the stage is then the first path segment).
    pub stage: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_maps_keep_the_snapshot_file_shape() {
        let stage = Stage {
            name: "prod".into(),
            ..Stage::default()
        };
        let json = serde_json::to_value(&stage).expect("serializes");
        assert_eq!(
            json["method_settings"],
            serde_json::json!({}),
            "empty is an object, not a list"
        );
        let text = r#"{"id":"d1","api_summary":{"/b":{"POST":{"authorization_type":"NONE"}},"/a":{"GET":{"api_key_required":true,"authorization_type":"NONE"},"DELETE":{"authorization_type":"AWS_IAM"}}}}"#;
        let deployment: Deployment = serde_json::from_str(text).expect("reads a map");
        let summary = deployment.api_summary.as_ref().expect("summary");
        let order: Vec<(&str, &str)> = summary
            .iter()
            .flat_map(|(path, verbs)| verbs.iter().map(move |(verb, _)| (path.as_str(), verb.as_str())))
            .collect();
        assert_eq!(order, [("/a", "DELETE"), ("/a", "GET"), ("/b", "POST")], "kept sorted");
        let again: Deployment =
            serde_json::from_value(serde_json::to_value(&deployment).expect("writes")).expect("reads");
        assert_eq!(again, deployment);
        assert_eq!(
            serde_json::to_value(&deployment).expect("writes")["api_summary"]["/a"]["GET"]["api_key_required"],
            true
        );
    }
}
