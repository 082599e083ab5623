//! `gatecheck explain`: one request walked through API Gateway's gates in the order API
//! Gateway applies them, stopping at the first that refuses it. Pure over a [`Snapshot`],
//! like the checks; where a gate matches a catalogue check, the step names its id.

mod gates;
mod render;
pub mod request;
pub mod target;

pub use request::{parse_curl, parse_curl_line, KeyIdentity, Request, RequestError};
pub use target::Host;

use crate::model::Snapshot;
use crate::report::CheckMeta;
use serde::{Serialize, Serializer};

pub use render::text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Forbidden,
    Allowed,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    Unknown,
    /// Passes today, but the current configuration will refuse it once deployed: it does
    /// not change the verdict.
    Warning,
}

/// The gates, in the order API Gateway applies them. The resource policy and authorization
/// swap places by the method's authorization type (see `gates::authorization`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Gate {
    Endpoint,
    Private,
    Stage,
    Waf,
    Route,
    ResourcePolicy,
    Authorization,
    ApiKey,
    Deployment,
}

impl Gate {
    pub const ALL: [Gate; 9] = [
        Gate::Endpoint,
        Gate::Private,
        Gate::Stage,
        Gate::Waf,
        Gate::Route,
        Gate::ResourcePolicy,
        Gate::Authorization,
        Gate::ApiKey,
        Gate::Deployment,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Gate::Endpoint => "endpoint",
            Gate::Private => "private API",
            Gate::Stage => "stage",
            Gate::Route => "resource and method",
            Gate::ResourcePolicy => "resource policy",
            Gate::Waf => "WAF",
            Gate::Authorization => "authorization",
            Gate::ApiKey => "API key",
            Gate::Deployment => "deployment",
        }
    }
}

/// What the caller receives when a gate refuses the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    pub status: u16,
    /// The `message` of API Gateway's JSON body, or what the body is when it is not JSON.
    pub message: String,
    /// Whether the body is API Gateway's `{"message": ...}`; AWS WAF's CAPTCHA and
    /// Challenge pages and custom responses are not.
    pub json: bool,
}

impl Refusal {
    fn new(status: u16, message: impl Into<String>) -> Self {
        Refusal {
            status,
            message: message.into(),
            json: true,
        }
    }
    fn forbidden() -> Self {
        Refusal::new(403, "Forbidden")
    }
    fn missing_token() -> Self {
        Refusal::new(403, "Missing Authentication Token")
    }
    fn unauthorized() -> Self {
        Refusal::new(401, "Unauthorized")
    }
    /// A body that is not API Gateway's JSON, described.
    fn page(status: u16, what: impl Into<String>) -> Self {
        Refusal {
            json: false,
            ..Refusal::new(status, what)
        }
    }
}

fn check_id<S: Serializer>(check: &Option<&'static CheckMeta>, serializer: S) -> Result<S::Ok, S::Error> {
    match check {
        Some(meta) => serializer.serialize_some(meta.id),
        None => serializer.serialize_none(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub step: Gate,
    pub outcome: Outcome,
    pub evidence: String,
    /// The catalogue check that finds this cause account-wide (its id, in JSON).
    #[serde(serialize_with = "check_id")]
    pub check: Option<&'static CheckMeta>,
    pub fix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Refusal>,
}

impl Step {
    fn pass(step: Gate, evidence: impl Into<String>) -> Self {
        Step {
            step,
            outcome: Outcome::Pass,
            evidence: evidence.into(),
            check: None,
            fix: None,
            refusal: None,
        }
    }

    fn unknown(step: Gate, evidence: impl Into<String>) -> Self {
        Step {
            outcome: Outcome::Unknown,
            ..Step::pass(step, evidence)
        }
    }

    fn fail(step: Gate, refusal: Refusal, evidence: impl Into<String>, fix: impl Into<String>) -> Self {
        Step {
            outcome: Outcome::Fail,
            fix: Some(fix.into()),
            refusal: Some(refusal),
            ..Step::pass(step, evidence)
        }
    }

    fn warning(step: Gate, evidence: impl Into<String>) -> Self {
        Step {
            outcome: Outcome::Warning,
            ..Step::pass(step, evidence)
        }
    }

    /// A refusal whose cause a catalogue check finds: the step names the check and its fix is
    /// the check's own command for this place, so the two cannot disagree. A refusal no check
    /// owns (a request-specific mistake) is a plain `fail` with advice.
    fn refused(
        step: Gate,
        refusal: Refusal,
        evidence: impl Into<String>,
        meta: &'static CheckMeta,
        vars: &[(&str, &str)],
    ) -> Self {
        Step {
            check: Some(meta),
            ..Step::fail(step, refusal, evidence, meta.command(vars))
        }
    }

    /// A warning about the cause `meta` finds, with the check's command as its fix.
    fn warned(step: Gate, evidence: impl Into<String>, meta: &'static CheckMeta, vars: &[(&str, &str)]) -> Self {
        Step {
            check: Some(meta),
            fix: Some(meta.command(vars)),
            ..Step::warning(step, evidence)
        }
    }

    /// Names the check behind a step that does not refuse (an unknown or a warning); a
    /// refusal names its check through `refused`, which sets the fix with it.
    fn check(mut self, meta: &'static CheckMeta) -> Self {
        debug_assert_ne!(
            self.outcome,
            Outcome::Fail,
            "a refusal names its check with Step::refused"
        );
        self.check = Some(meta);
        self
    }

    /// The check's id, if the step names one.
    pub fn check_id(&self) -> Option<&'static str> {
        self.check.map(|m| m.id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FirstFailure {
    pub step: Gate,
    #[serde(serialize_with = "check_id")]
    pub check: Option<&'static CheckMeta>,
    pub fix: String,
}

/// What the request is, as explained: never a header's value unless it is a routing header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestSummary {
    pub method: String,
    pub url: String,
    pub headers: Vec<String>,
    pub source_ip: Option<String>,
    pub key_id: Option<String>,
}

/// Where the request lands, as far as the walk got.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Target {
    pub region: Option<String>,
    pub api_id: Option<String>,
    pub api_name: Option<String>,
    pub stage: Option<String>,
    pub resource_path: Option<String>,
    pub http_method: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub verdict: Verdict,
    /// What the caller sees: the status code and the body's message, when refused.
    pub status: Option<u16>,
    pub message: Option<String>,
    /// Whether the refusal's body is API Gateway's `{"message": ...}` (not a WAF page).
    #[serde(skip)]
    pub json_body: bool,
    pub first_failure: Option<FirstFailure>,
    pub steps: Vec<Step>,
    pub request: RequestSummary,
    pub target: Target,
}

impl Explanation {
    fn new(request: &Request, target: Target, steps: Vec<Step>) -> Self {
        let failed = steps.iter().find(|s| s.outcome == Outcome::Fail);
        let verdict = match failed {
            Some(_) => Verdict::Forbidden,
            None if steps.iter().any(|s| s.outcome == Outcome::Unknown) => Verdict::Unknown,
            None => Verdict::Allowed,
        };
        let refusal = failed.and_then(|s| s.refusal.clone());
        Explanation {
            verdict,
            json_body: refusal.as_ref().is_none_or(|r| r.json),
            status: refusal.as_ref().map(|r| r.status),
            message: refusal.map(|r| r.message),
            first_failure: failed.map(|s| FirstFailure {
                step: s.step,
                check: s.check,
                fix: s.fix.clone().unwrap_or_default(),
            }),
            steps,
            request: RequestSummary {
                method: request.method.clone(),
                url: request.shown_url(),
                headers: request.describe_headers(),
                source_ip: request.source_ip.map(|ip| ip.to_string()),
                key_id: match &request.key {
                    KeyIdentity::Given(id) | KeyIdentity::LookedUp(id) => Some(id.clone()),
                    _ => None,
                },
            },
            target,
        }
    }

    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExplainError {
    #[error(transparent)]
    Host(#[from] target::TargetError),
    #[error("no REST API {api_id} in {region}: check the id and the region")]
    ApiNotFound { api_id: String, region: String },
    #[error("no custom domain name '{name}' in {region}: pass --region for the domain's region")]
    DomainNotFound { name: String, region: String },
    #[error("no CloudFront distribution called '{name}' sends requests to an API in {region}: check the host, or pass --region for the API's region")]
    DistributionNotFound { name: String, region: String },
    #[error("the URL is in {url_region} but the configuration read is of {snapshot_region}")]
    WrongRegion {
        url_region: String,
        snapshot_region: String,
    },
}

/// What has to be read before the walk: the region (None: the default one, for a custom
/// domain) and the API (None: found through the custom domain, or not named at all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needs {
    pub host: Host,
    pub region: Option<String>,
    pub api_id: Option<String>,
}

pub fn needs(request: &Request) -> Result<Needs, ExplainError> {
    let host = Host::parse(&request.host)?;
    Ok(Needs {
        region: host.region().map(str::to_string),
        api_id: target::named_api_id(&host, request),
        host,
    })
}

/// Walks `request` through the gates over `snapshot`, which must hold the request's API
/// (and, for a custom domain, its domain names) with its usage plans, keys and web ACLs.
pub fn explain(snapshot: &Snapshot, request: &Request) -> Result<Explanation, ExplainError> {
    let needs = needs(request)?;
    if let Some(region) = &needs.region {
        if *region != snapshot.region {
            return Err(ExplainError::WrongRegion {
                url_region: region.clone(),
                snapshot_region: snapshot.region.clone(),
            });
        }
    }
    let (target, steps) = gates::walk(snapshot, request, &needs.host)?;
    Ok(Explanation::new(request, target, steps))
}

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;
