//! Which API, stage and resource a request reaches: from the host name, the path and the
//! API's resources, with API Gateway's matching precedence.

use super::request::Request;
use crate::model::{DomainName, Method, RestApi, RoutingRule};

/// How the request's host name reaches API Gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// `{api}.execute-api.{region}.amazonaws.com`.
    ExecuteApi { api_id: String, region: String },
    /// `{vpce}.execute-api.{region}.vpce.amazonaws.com`: a VPC endpoint's public DNS name,
    /// which needs `x-apigw-api-id` or a Host header to find the API.
    VpcEndpoint { vpce_id: String, region: String },
    /// `{api}-{vpce}.execute-api.{region}.amazonaws.com`: a private API's Route 53 alias.
    EndpointAlias {
        api_id: String,
        vpce_id: String,
        region: String,
    },
    /// `d111111abcdef8.cloudfront.net`: a CloudFront distribution's own name.
    CloudFront { name: String },
    /// Anything else: a custom domain name (or a CloudFront distribution's alias).
    CustomDomain { name: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("the host '{0}' still has placeholders: put your API's id and region in the URL")]
    Placeholder(String),
}

impl Host {
    pub fn parse(host: &str) -> Result<Host, TargetError> {
        if host.contains(['[', ']', '{', '}', '<', '>']) {
            return Err(TargetError::Placeholder(host.to_string()));
        }
        let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
        let is_aws =
            |suffix: &[&str]| labels.len() == 3 + suffix.len() && labels[1] == "execute-api" && labels[3..] == *suffix;
        if is_aws(&["vpce", "amazonaws", "com"]) {
            // vpce-0abc-1def[-az].execute-api...: the endpoint id is `vpce-` and its first part.
            let vpce_id = labels[0].split('-').take(2).collect::<Vec<_>>().join("-");
            return Ok(Host::VpcEndpoint {
                vpce_id,
                region: labels[2].to_string(),
            });
        }
        if is_aws(&["amazonaws", "com"]) || is_aws(&["amazonaws", "com", "cn"]) {
            let region = labels[2].to_string();
            return Ok(match labels[0].split_once("-vpce-") {
                Some((api_id, vpce)) => Host::EndpointAlias {
                    api_id: api_id.to_string(),
                    vpce_id: format!("vpce-{vpce}"),
                    region,
                },
                None => Host::ExecuteApi {
                    api_id: labels[0].to_string(),
                    region,
                },
            });
        }
        if labels.len() == 3 && labels[1..] == ["cloudfront", "net"] {
            return Ok(Host::CloudFront { name: host.to_string() });
        }
        Ok(Host::CustomDomain { name: host.to_string() })
    }

    pub fn region(&self) -> Option<&str> {
        match self {
            Host::ExecuteApi { region, .. } | Host::VpcEndpoint { region, .. } | Host::EndpointAlias { region, .. } => {
                Some(region)
            }
            Host::CustomDomain { .. } | Host::CloudFront { .. } => None,
        }
    }

    /// The API the host names by itself (not through headers or a domain's mappings).
    pub fn api_id(&self) -> Option<&str> {
        match self {
            Host::ExecuteApi { api_id, .. } | Host::EndpointAlias { api_id, .. } => Some(api_id),
            _ => None,
        }
    }

    pub fn vpce_id(&self) -> Option<&str> {
        match self {
            Host::VpcEndpoint { vpce_id, .. } | Host::EndpointAlias { vpce_id, .. } => Some(vpce_id),
            _ => None,
        }
    }
}

/// The API a request names, before any configuration is read: from the host, or for a VPC
/// endpoint's name from `x-apigw-api-id` or the Host header.
pub fn named_api_id(host: &Host, request: &Request) -> Option<String> {
    if let Some(id) = host.api_id() {
        return Some(id.to_string());
    }
    if let Host::VpcEndpoint { .. } = host {
        if let Some(h) = request.header("x-apigw-api-id") {
            return Some(h.value().to_string());
        }
        if let Some(h) = request.header("host") {
            if let Ok(Host::ExecuteApi { api_id, .. }) = Host::parse(&h.value().to_ascii_lowercase()) {
                return Some(api_id);
            }
        }
    }
    None
}

/// The segments of a path, without empty ones (`//` and a trailing `/` collapse).
pub fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// The stage and the resource path of an execute-api URL path: `/prod/pets/1` → (prod, /pets/1).
pub fn split_stage(path: &str) -> (Option<String>, String) {
    let parts = segments(path);
    match parts.split_first() {
        Some((stage, rest)) => (Some((*stage).to_string()), format!("/{}", rest.join("/"))),
        None => (None, "/".to_string()),
    }
}

/// A custom domain's mapping that takes the path: its API, its stage (or the path's first
/// segment when the mapping has none) and the rest of the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedPath {
    pub base_path: String,
    pub api_id: String,
    pub stage: Option<String>,
    pub stage_from_mapping: bool,
    pub rest: String,
}

/// API Gateway takes the mapping with the longest base path that begins the path, segment by
/// segment (`orders/v1` before `orders`), and the empty base path when none does
/// (developer guide, "Use API mappings to connect API stages to a custom domain name").
pub fn map_custom_domain(domain: &DomainName, path: &str) -> Option<MappedPath> {
    let parts = segments(path);
    let by_base = domain
        .mappings
        .iter()
        .filter(|m| m.base_path != "(none)" && !m.base_path.is_empty())
        .filter_map(|m| {
            let base = segments(&m.base_path);
            parts.starts_with(&base).then_some((m, base.len()))
        })
        .max_by_key(|(_, consumed)| *consumed);
    let (mapping, consumed) = by_base.or_else(|| {
        domain
            .mappings
            .iter()
            .find(|m| m.base_path == "(none)" || m.base_path.is_empty())
            .map(|m| (m, 0))
    })?;
    let remaining = &parts[consumed..];
    let (stage, rest) = match &mapping.stage {
        Some(stage) => (Some(stage.clone()), format!("/{}", remaining.join("/"))),
        None => split_stage(&format!("/{}", remaining.join("/"))),
    };
    Some(MappedPath {
        base_path: mapping.base_path.clone(),
        api_id: mapping.rest_api_id.clone(),
        stage,
        stage_from_mapping: mapping.stage.is_some(),
        rest,
    })
}

/// What a custom domain's routing rules do with a request.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleMatch<'d> {
    /// This rule takes it; `rest` is the path the API sees.
    Taken {
        rule: &'d RoutingRule,
        base_path: String,
        rest: String,
    },
    /// No rule matches.
    NoRule,
}

/// The API a request to `domain` reaches, as the endpoint gate walks it: the routing rule
/// that takes it when the domain routes by rules, else the longest base path mapping. None
/// when nothing takes it.
pub fn api_reached(domain: &DomainName, request: &Request) -> Option<String> {
    if domain.routing().uses_rules() {
        match route_by_rules(domain, request) {
            RuleMatch::Taken { rule, .. } => return rule.api_id.clone(),
            RuleMatch::NoRule if domain.routing() == crate::model::RoutingMode::RoutingRuleOnly => return None,
            RuleMatch::NoRule => {}
        }
    }
    map_custom_domain(domain, &request.path).map(|m| m.api_id)
}

/// The lowest-priority rule whose conditions all hold: a base path that begins the path
/// (segment by segment), and a header whose value matches its glob (developer guide,
/// "Routing rules to connect API stages to a custom domain name for REST APIs").
pub fn route_by_rules<'d>(domain: &'d DomainName, request: &Request) -> RuleMatch<'d> {
    let parts = segments(&request.path);
    let mut by_priority: Vec<&RoutingRule> = domain.routing_rules.iter().collect();
    by_priority.sort_by_key(|r| r.priority);
    for rule in by_priority {
        let base = if rule.base_paths.is_empty() {
            Some(Vec::new())
        } else {
            rule.base_paths
                .iter()
                .map(|b| segments(b))
                .filter(|b| parts.starts_with(b))
                .max_by_key(|b| b.len())
        };
        let Some(base) = base else {
            continue;
        };
        let headers_hold = rule.headers.is_empty()
            || rule.headers.iter().any(|condition| {
                let (name, pattern) = condition.split_once(": ").unwrap_or((condition, "*"));
                request
                    .header(name)
                    .is_some_and(|h| crate::policy::decide::glob(pattern, h.value()))
            });
        if !headers_hold {
            continue;
        }
        let kept = if rule.strip_base_path {
            &parts[base.len()..]
        } else {
            &parts[..]
        };
        return RuleMatch::Taken {
            rule,
            base_path: base.join("/"),
            rest: format!("/{}", kept.join("/")),
        };
    }
    RuleMatch::NoRule
}

/// How well one segment of a resource path matched: lower wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum SegmentMatch {
    Literal,
    Parameter,
    Greedy,
}

/// Whether resource `pattern` (`/pets/{id}`, `/{proxy+}`) takes `path`, and how closely.
fn match_path(pattern: &str, path: &[&str]) -> Option<Vec<SegmentMatch>> {
    let pattern = segments(pattern);
    let mut ranks = Vec::new();
    for (i, part) in pattern.iter().enumerate() {
        if part.starts_with('{') && part.ends_with("+}") {
            // Greedy: the last segment, taking one or more of what is left.
            return (i == pattern.len() - 1 && path.len() > i).then(|| {
                ranks.push(SegmentMatch::Greedy);
                ranks
            });
        }
        let segment = path.get(i)?;
        if part.starts_with('{') && part.ends_with('}') {
            ranks.push(SegmentMatch::Parameter);
        } else if part == segment {
            ranks.push(SegmentMatch::Literal);
        } else {
            return None;
        }
    }
    (pattern.len() == path.len()).then_some(ranks)
}

/// The resource path that takes `path` among `patterns`, by API Gateway's precedence: a
/// literal segment beats `{param}`, which beats `{proxy+}`, from the left.
pub fn best_resource<'a>(patterns: impl IntoIterator<Item = &'a str>, path: &str) -> Option<&'a str> {
    let wanted = segments(path);
    patterns
        .into_iter()
        .filter_map(|p| match_path(p, &wanted).map(|ranks| (ranks, p)))
        .min_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, p)| p)
}

/// The method that answers `verb` on a resource: the verb itself, else ANY.
pub fn pick_method<'a, T>(methods: impl IntoIterator<Item = (&'a str, T)>, verb: &str) -> Option<(&'a str, T)> {
    let mut any = None;
    for (name, method) in methods {
        if name.eq_ignore_ascii_case(verb) {
            return Some((name, method));
        }
        if name == "ANY" {
            any = Some((name, method));
        }
    }
    any
}

/// What the request reaches in the API's current configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentRoute<'a> {
    pub resource_path: &'a str,
    /// The resource's methods, for the explanation when the verb has none.
    pub verbs: Vec<&'a str>,
    pub method: Option<&'a Method>,
}

pub fn current_route<'a>(api: &'a RestApi, path: &str, verb: &str) -> Option<CurrentRoute<'a>> {
    let resource_path = best_resource(api.resources.iter().map(|r| r.path.as_str()), path)?;
    let resource = api.resources.iter().find(|r| r.path == resource_path)?;
    let method = pick_method(resource.methods.iter().map(|m| (m.http_method.as_str(), m)), verb).map(|(_, m)| m);
    Some(CurrentRoute {
        resource_path,
        verbs: resource.methods.iter().map(|m| m.http_method.as_str()).collect(),
        method,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::BasePathMapping;

    #[test]
    fn hosts() {
        assert_eq!(
            Host::parse("a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com").unwrap(),
            Host::ExecuteApi {
                api_id: "a1b2c3d4e5".into(),
                region: "eu-west-1".into()
            }
        );
        assert_eq!(
            Host::parse("vpce-0a1b2c3d4e5f60718-x1y2z3.execute-api.us-east-1.vpce.amazonaws.com").unwrap(),
            Host::VpcEndpoint {
                vpce_id: "vpce-0a1b2c3d4e5f60718".into(),
                region: "us-east-1".into()
            }
        );
        assert_eq!(
            Host::parse("a1b2c3d4e5-vpce-0a1b2.execute-api.us-east-1.amazonaws.com").unwrap(),
            Host::EndpointAlias {
                api_id: "a1b2c3d4e5".into(),
                vpce_id: "vpce-0a1b2".into(),
                region: "us-east-1".into()
            }
        );
        assert_eq!(
            Host::parse("api.example.com").unwrap(),
            Host::CustomDomain {
                name: "api.example.com".into()
            }
        );
        assert!(Host::parse("[api-id].execute-api.[region].amazonaws.com").is_err());
    }

    #[test]
    fn api_id_from_headers_on_a_vpc_endpoint_name() {
        let host = Host::parse("vpce-1.execute-api.eu-west-1.vpce.amazonaws.com").unwrap();
        let by_header = Request::new("https://x/p", None, &["x-apigw-api-id: abc".into()]).unwrap();
        assert_eq!(named_api_id(&host, &by_header).as_deref(), Some("abc"));
        let by_host = Request::new(
            "https://x/p",
            None,
            &["Host: def.execute-api.eu-west-1.amazonaws.com".into()],
        )
        .unwrap();
        assert_eq!(named_api_id(&host, &by_host).as_deref(), Some("def"));
        let neither = Request::new("https://x/p", None, &[]).unwrap();
        assert_eq!(named_api_id(&host, &neither), None);
    }

    #[test]
    fn stage_split() {
        assert_eq!(split_stage("/prod/pets/1"), (Some("prod".into()), "/pets/1".into()));
        assert_eq!(split_stage("/prod/"), (Some("prod".into()), "/".into()));
        assert_eq!(split_stage("/"), (None, "/".into()));
    }

    #[test]
    fn precedence_literal_then_parameter_then_greedy() {
        let paths = ["/", "/pets", "/pets/{id}", "/pets/mine", "/{proxy+}", "/pets/{id}/toys"];
        let best = |p| best_resource(paths.iter().copied(), p);
        assert_eq!(best("/"), Some("/"));
        assert_eq!(best("/pets"), Some("/pets"));
        assert_eq!(best("/pets/mine"), Some("/pets/mine"));
        assert_eq!(best("/pets/7"), Some("/pets/{id}"));
        assert_eq!(best("/pets/7/toys"), Some("/pets/{id}/toys"));
        assert_eq!(best("/pets/7/food"), Some("/{proxy+}"));
        assert_eq!(best("/owners"), Some("/{proxy+}"));
        assert_eq!(best_resource(["/", "/pets"], "/owners"), None);
        assert_eq!(best_resource(["/{proxy+}"], "/"), None);
    }

    #[test]
    fn verb_before_any() {
        let methods = [("ANY", 1), ("GET", 2)];
        assert_eq!(pick_method(methods, "get"), Some(("GET", 2)));
        assert_eq!(pick_method(methods, "POST"), Some(("ANY", 1)));
        assert_eq!(pick_method([("GET", 2)], "POST"), None);
    }

    #[test]
    fn custom_domain_mappings() {
        let domain = DomainName {
            name: "api.example.com".into(),
            endpoint_types: vec![],
            mappings: vec![
                BasePathMapping {
                    base_path: "orders".into(),
                    rest_api_id: "a1".into(),
                    stage: Some("prod".into()),
                },
                BasePathMapping {
                    base_path: "(none)".into(),
                    rest_api_id: "b2".into(),
                    stage: None,
                },
            ],
            ..DomainName::default()
        };
        let orders = map_custom_domain(&domain, "/orders/17").unwrap();
        assert_eq!(
            (orders.api_id.as_str(), orders.stage.as_deref(), orders.rest.as_str()),
            ("a1", Some("prod"), "/17")
        );
        let root = map_custom_domain(&domain, "/beta/things").unwrap();
        assert_eq!(
            (root.api_id.as_str(), root.stage.as_deref(), root.rest.as_str()),
            ("b2", Some("beta"), "/things")
        );
        let only_orders = DomainName {
            mappings: domain.mappings[..1].to_vec(),
            ..domain
        };
        assert_eq!(map_custom_domain(&only_orders, "/other"), None);
    }
}
