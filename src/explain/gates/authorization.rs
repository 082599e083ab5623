//! The resource policy and the authorizer, in the order the method's authorization type
//! puts them (developer guide, "How API Gateway resource policies affect authorization
//! workflow", and its Table A for callers in the API's own account):
//!
//! - no authorization: the policy must allow explicitly; an implicit or explicit deny refuses;
//! - IAM: the caller is authenticated first (unsigned: 403 Missing Authentication Token),
//!   then the policy and the caller's IAM policies together;
//! - Lambda authorizer: before the authorizer runs, only an explicit Deny in the policy
//!   refuses; after it, an implicit deny with the authorizer's Allow is an Allow;
//! - Amazon Cognito: the token is checked first (none: 401), then the policy must allow
//!   explicitly.

use super::{unknown_gap, Context};
use crate::checks::reachability::{gc102, gc103, gc104, gc109};
use crate::explain::target::Host;
use crate::explain::{Gate, Outcome, Refusal, Step};
use crate::model::{AuthorizationType, AuthorizerType};
use crate::model::{Authorizer, Part};
use crate::policy::decide::{decide_explicit_deny, decide_policy, Caller, NetworkPath, PolicyDecision};
use crate::policy::Policy;

/// What the policy must do for the request to go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PolicyRule {
    /// Allow it explicitly (no authorization, or Cognito).
    ExplicitAllow,
    /// Not deny it explicitly (before a Lambda authorizer).
    NoExplicitDeny,
    /// Combined with the caller's IAM policies (IAM authorization).
    WithIam,
}

/// The policy and authorization steps, in API Gateway's order for the method, up to the
/// first that refuses.
pub(super) fn authorization_flow(c: &Context) -> Vec<Step> {
    // Through an interface endpoint, its own policy is read before the API's (GC109).
    let through_endpoint = endpoint_policy_step(c);
    let steps = match AuthorizationType::of(&c.served.authorization_type) {
        AuthorizationType::AwsIam => vec![iam_authentication(c), policy_step(c, PolicyRule::WithIam)],
        AuthorizationType::Custom => vec![policy_step(c, PolicyRule::NoExplicitDeny), lambda_authorizer(c)],
        AuthorizationType::CognitoUserPools => vec![cognito(c), policy_step(c, PolicyRule::ExplicitAllow)],
        AuthorizationType::None | AuthorizationType::Other => vec![
            policy_step(c, PolicyRule::ExplicitAllow),
            Step::pass(Gate::Authorization, "the method needs no authorization"),
        ],
    };
    let mut out = Vec::new();
    for step in through_endpoint.into_iter().chain(steps) {
        let failed = step.outcome == Outcome::Fail;
        out.push(step);
        if failed {
            break;
        }
    }
    out
}

/// `arn:{partition}:execute-api:{region}:{account}:{api}/{stage}/{VERB}/{path}`, as AWS
/// names the resource in a policy refusal.
fn invoke_arn(c: &Context) -> String {
    let region = &c.snapshot.region;
    let partition = if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    format!(
        "arn:{partition}:execute-api:{region}:{}:{}/{}/{}{}",
        c.snapshot.account.id.as_deref().unwrap_or("<account>"),
        c.api.id,
        c.stage.name,
        c.request.method,
        c.rest
    )
}

/// The VPC endpoint the request comes through, if any.
fn endpoint_of<'a>(c: &'a Context) -> Option<&'a str> {
    match (c.host, &c.private_endpoint) {
        (_, Some(vpce_id)) => Some(vpce_id),
        (Host::VpcEndpoint { vpce_id, .. } | Host::EndpointAlias { vpce_id, .. }, None) => Some(vpce_id),
        _ => None,
    }
}

/// A private API called through an interface endpoint: the endpoint's own policy decides
/// first, for this caller (signed or anonymous) on this resource of this API.
fn endpoint_policy_step(c: &Context) -> Option<Step> {
    let vpce_id = endpoint_of(c).filter(|_| c.api.is_private())?;
    let Some(endpoint) = c.snapshot.vpc_endpoints.iter().find(|e| e.id == vpce_id) else {
        if let Some(why) = super::unread(c.snapshot, &[Part::VpcEndpoints], None, None) {
            return Some(unknown_gap(
                Gate::Private,
                format!("VPC endpoint {vpce_id}'s own policy: {why}"),
            ));
        }
        return Some(Step::pass(
            Gate::Private,
            format!("VPC endpoint {vpce_id} is not one of this account's in {}: its own policy (another account's) is not read", c.snapshot.region),
        ));
    };
    let Some(text) = &endpoint.policy else {
        return Some(Step::pass(
            Gate::Private,
            format!("VPC endpoint {vpce_id} has the full-access default policy"),
        ));
    };
    let policy = match Policy::parse(text) {
        Ok(policy) => policy,
        Err(err) => {
            return Some(unknown_gap(
                Gate::Private,
                format!("VPC endpoint {vpce_id}'s policy: {err}"),
            ))
        }
    };
    let caller = Caller {
        source_ip: None,
        path: NetworkPath::VpcEndpoint(Some(vpce_id)),
        signed: c.request.signed(),
        resource: Some(format!("{}/{}{}", c.stage.name, c.request.method, c.rest)),
        api_id: Some(&c.api.id),
    };
    let who = if c.request.signed() {
        "the signer"
    } else {
        "an anonymous (unsigned) caller"
    };
    Some(match decide_policy(&policy, &caller) {
        PolicyDecision::Allowed(statement) => Step::pass(
            Gate::Private,
            format!("VPC endpoint {vpce_id}'s own policy allows it: {statement}"),
        ),
        PolicyDecision::ExplicitDeny(_) | PolicyDecision::ImplicitDeny => {
            let refusal = Refusal::new(
                403,
                format!(
                    "User: anonymous is not authorized to perform: execute-api:Invoke on resource: {}",
                    invoke_arn(c)
                ),
            );
            let evidence = format!(
                "VPC endpoint {vpce_id}'s own policy does not let {who} invoke API {}: {}",
                c.api.id,
                policy.describe()
            );
            // GC109's place: an endpoint the API's own policy admits. Through one it does not
            // admit, the call is the caller's choice of endpoint, not the endpoint's policy.
            let admitted = gc109::reaches_through(c.api, vpce_id);
            if admitted {
                c.refused(
                    Gate::Private,
                    refusal,
                    evidence,
                    gc109::CHECK.meta,
                    &[("vpce_id", vpce_id)],
                )
            } else {
                Step::fail(
                    Gate::Private,
                    refusal,
                    format!("{evidence}; the API's own policy does not admit this endpoint either"),
                    "call through a VPC endpoint the API's resource policy admits",
                )
            }
        }
        PolicyDecision::Unknown(why) => {
            Step::unknown(Gate::Private, format!("VPC endpoint {vpce_id}'s own policy: {why}"))
        }
    })
}

fn policy_step(c: &Context, rule: PolicyRule) -> Step {
    let Some(text) = &c.api.policy else {
        return Step::pass(Gate::ResourcePolicy, "no resource policy");
    };
    let policy = match Policy::parse(text) {
        Ok(policy) => policy,
        Err(err) => return unknown_gap(Gate::ResourcePolicy, err.to_string()),
    };
    let caller = Caller {
        source_ip: c.request.source_ip,
        path: match (c.host, &c.private_endpoint) {
            (_, Some(vpce_id)) => NetworkPath::VpcEndpoint(Some(vpce_id)),
            (Host::VpcEndpoint { vpce_id, .. } | Host::EndpointAlias { vpce_id, .. }, None) => {
                NetworkPath::VpcEndpoint(Some(vpce_id))
            }
            (Host::ExecuteApi { .. }, None) if c.api.is_private() => NetworkPath::VpcEndpoint(None),
            _ => NetworkPath::Internet,
        },
        signed: c.request.signed(),
        resource: Some(format!("{}/{}{}", c.stage.name, c.request.method, c.rest)),
        api_id: Some(&c.api.id),
    };
    // A policy changed since the last deployment applies only once the API is deployed.
    const CURRENT: &str = "the current policy (a change applies at the next deployment)";
    // The check whose condition refuses, as the audit names it for this API.
    let ipv6_caller = caller.source_ip.is_some_and(|ip| ip.is_ipv6());
    let named = if gc102::refuses_all_vpc_traffic(c.api, &policy) {
        gc102::CHECK.meta
    } else if ipv6_caller && gc104::ipv4_only_on_dualstack(c.api, &policy) {
        gc104::CHECK.meta
    } else {
        gc103::CHECK.meta
    };
    let who = if rule == PolicyRule::WithIam {
        "<the signer's ARN>"
    } else {
        "anonymous"
    };
    let refusal = |suffix: &str| {
        Refusal::new(
            403,
            format!(
                "User: {who} is not authorized to perform: execute-api:Invoke on resource: {}{suffix}",
                invoke_arn(c)
            ),
        )
    };
    let decision = match rule {
        PolicyRule::NoExplicitDeny => decide_explicit_deny(&policy, &caller),
        _ => decide_policy(&policy, &caller),
    };
    match (decision, rule) {
        (PolicyDecision::ExplicitDeny(statement), _) => c.refused(
            Gate::ResourcePolicy,
            refusal(" with an explicit deny"),
            format!("{CURRENT} denies it: {statement}"),
            named,
            &[],
        ),
        (PolicyDecision::Allowed(statement), PolicyRule::WithIam) => Step::pass(
            Gate::ResourcePolicy,
            format!("{CURRENT} allows it: {statement}; an explicit Deny in the signer's IAM policies would still refuse"),
        ),
        (PolicyDecision::Allowed(statement), _) => {
            Step::pass(Gate::ResourcePolicy, format!("{CURRENT} allows it: {statement}"))
        }
        (PolicyDecision::ImplicitDeny, PolicyRule::NoExplicitDeny) => Step::pass(
            Gate::ResourcePolicy,
            format!("{CURRENT} has no Deny that matches; with a Lambda authorizer an implicit deny does not refuse: the authorizer's policy decides"),
        ),
        (PolicyDecision::ImplicitDeny, PolicyRule::WithIam) => Step::unknown(
            Gate::ResourcePolicy,
            format!("{CURRENT} has no statement that allows this caller: a signer in the API's own account is let in by an IAM policy that allows execute-api:Invoke; one in another account is refused"),
        ),
        (PolicyDecision::ImplicitDeny, PolicyRule::ExplicitAllow) => c.refused(
            Gate::ResourcePolicy,
            refusal(""),
            format!(
                "{CURRENT} has no statement that allows this caller, and this method's authorization needs an explicit Allow; the policy lets in: {}",
                policy.describe()
            ),
            named,
            &[],
        ),
        (PolicyDecision::Unknown(why), _) => Step::unknown(Gate::ResourcePolicy, why),
    }
}

fn iam_authentication(c: &Context) -> Step {
    if !c.request.signed() {
        return Step::fail(
            Gate::Authorization,
            Refusal::missing_token(),
            "the method uses IAM authorization and the request carries no SigV4 signature (no Authorization header, no presigned query string)",
            format!("sign the request, e.g. curl --aws-sigv4 'aws:amz:{}:execute-api' --user \"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY\" -H \"x-amz-security-token: $AWS_SESSION_TOKEN\" ...", c.snapshot.region),
        );
    }
    if c.api.policy.is_none() {
        return Step::unknown(
            Gate::Authorization,
            "IAM authorization: the request is signed; with no resource policy the signer's IAM policies decide, and gatecheck does not read them",
        );
    }
    Step::pass(
        Gate::Authorization,
        "IAM authorization: the request is signed (the signature itself is not verified here)",
    )
}

/// The method's authorizer, from the current configuration (a deployment's summary does
/// not name it).
fn authorizer<'a>(c: &Context<'a>) -> Result<&'a Authorizer, Step> {
    if let Some(why) = c.gap_for(&[Part::Authorizers]) {
        return Err(unknown_gap(Gate::Authorization, why));
    }
    let id = c.served.current.and_then(|m| m.authorizer_id.as_deref());
    id.and_then(|id| c.api.authorizers.iter().find(|a| a.id == id))
        .ok_or_else(|| {
            Step::unknown(
                Gate::Authorization,
                format!(
                    "the method uses {} authorization, but its authorizer is not in the current configuration",
                    c.served.authorization_type
                ),
            )
        })
}

/// Where an identity source is read: `method.request.header.X`, `method.request.querystring.X`.
enum Source<'s> {
    Header(&'s str),
    Query(&'s str),
    /// A stage variable or context value: not in the request.
    Other(&'s str),
}

fn sources(identity_source: Option<&str>) -> Vec<Source<'_>> {
    let Some(text) = identity_source else {
        return vec![Source::Header("Authorization")];
    };
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            if let Some(name) = s.strip_prefix("method.request.header.") {
                Source::Header(name)
            } else if let Some(name) = s.strip_prefix("method.request.querystring.") {
                Source::Query(name)
            } else {
                Source::Other(s)
            }
        })
        .collect()
}

/// The value the request gives for an identity source; None when it is missing or empty.
fn source_value<'r>(c: &'r Context, source: &Source) -> Option<&'r str> {
    let value = match source {
        Source::Header(name) => c.request.header(name).map(|h| h.value()),
        Source::Query(name) => c.request.query_value(name),
        Source::Other(_) => return Some(""),
    };
    value.filter(|v| !v.is_empty())
}

fn describe(source: &Source) -> String {
    match source {
        Source::Header(name) => format!("header {name}"),
        Source::Query(name) => format!("query string parameter {name}"),
        Source::Other(name) => name.to_string(),
    }
}

/// Developer guide, "Use API Gateway Lambda authorizers": a TOKEN authorizer answers 401
/// without calling its function when the token is missing or fails the
/// identityValidationExpression; a REQUEST authorizer with caching on does so when an
/// identity source is missing.
fn lambda_authorizer(c: &Context) -> Step {
    let authorizer = match authorizer(c) {
        Ok(a) => a,
        Err(step) => return step,
    };
    let name = format!("{} ({})", authorizer.name, authorizer.authorizer_type);
    let sources = sources(authorizer.identity_source.as_deref());
    let unauthorized = |why: String, fix: String| Step::fail(Gate::Authorization, Refusal::unauthorized(), why, fix);
    if authorizer.kind() == AuthorizerType::Request {
        let caching = authorizer.result_ttl_seconds.unwrap_or(300) > 0;
        if caching {
            if let Some(missing) = sources.iter().find(|s| source_value(c, s).is_none()) {
                return unauthorized(
                    format!(
                        "Lambda authorizer {name} caches its results, so API Gateway refuses a request without each identity source before calling it; the request has no {}",
                        describe(missing)
                    ),
                    format!("send the {}", describe(missing)),
                );
            }
        }
        return Step::unknown(
            Gate::Authorization,
            format!("Lambda authorizer {name} decides from its identity sources; gatecheck does not run it (a Deny answers 403 'User is not authorized to access this resource')"),
        );
    }
    let token_source = sources.first().unwrap_or(&Source::Header("Authorization"));
    let Some(token) = source_value(c, token_source) else {
        return unauthorized(
            format!(
                "Lambda authorizer {name} reads the token from the {}, which the request does not send",
                describe(token_source)
            ),
            format!("send the token in the {}", describe(token_source)),
        );
    };
    if let Some(expression) = &authorizer.identity_validation_expression {
        // API Gateway matches the whole token; its expressions are Java's, which the regex
        // crate reads alike for the usual character classes and repetitions.
        match regex::Regex::new(&format!("^(?:{expression})$")) {
            Ok(re) if !re.is_match(token) => {
                return unauthorized(
                    format!(
                        "the token in the {} does not match Lambda authorizer {name}'s identityValidationExpression {expression}: API Gateway refuses it without calling the function",
                        describe(token_source)
                    ),
                    "send a token of the form the authorizer expects".into(),
                );
            }
            Ok(_) => {}
            Err(_) => {
                return Step::unknown(
                    Gate::Authorization,
                    format!(
                        "Lambda authorizer {name}'s identityValidationExpression {expression} could not be evaluated"
                    ),
                )
            }
        }
    }
    Step::unknown(
        Gate::Authorization,
        format!(
            "Lambda authorizer {name} decides on the token in the {}; gatecheck does not run it (a Deny answers 403 'User is not authorized to access this resource')",
            describe(token_source)
        ),
    )
}

fn cognito(c: &Context) -> Step {
    let authorizer = match authorizer(c) {
        Ok(a) => a,
        Err(step) => return step,
    };
    let sources = sources(authorizer.identity_source.as_deref());
    let token_source = sources.first().unwrap_or(&Source::Header("Authorization"));
    if source_value(c, token_source).is_none() {
        return Step::fail(
            Gate::Authorization,
            Refusal::unauthorized(),
            format!(
                "Amazon Cognito authorizer {} reads the token from the {}, which the request does not send",
                authorizer.name,
                describe(token_source)
            ),
            format!(
                "send the user pool's ID or access token in the {}",
                describe(token_source)
            ),
        );
    }
    Step::unknown(
        Gate::Authorization,
        format!(
            "Amazon Cognito authorizer {} checks the token against the user pool; gatecheck does not",
            authorizer.name
        ),
    )
}

#[cfg(test)]
mod tests;
