//! CloudFront distributions in front of execute-api origins, and the origin request policies
//! their cache behaviours name, as ListDistributions and GetOriginRequestPolicy return them.
//! CloudFront is global: an audit reads it once per account, and each region's snapshot keeps
//! the distributions with an origin among that region's execute-api hostnames.

use serde::{Deserialize, Serialize};

/// A distribution's summary, as ListDistributions returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Distribution {
    pub id: String,
    /// Its own name, `d111111abcdef8.cloudfront.net`.
    pub domain_name: String,
    /// Alternate domain names (CNAMEs) that viewers call it by.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// A disabled distribution serves no request.
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub origins: Vec<Origin>,
    /// The cache behaviours in the order CloudFront matches them, the default one last.
    #[serde(default)]
    pub behaviors: Vec<CacheBehavior>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Origin {
    pub id: String,
    pub domain_name: String,
    /// `OriginPath`: prefixed to the viewer's path (`/prod` for an API's stage).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheBehavior {
    /// None: the default cache behaviour, which takes what no other pattern matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_pattern: Option<String>,
    pub target_origin_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_request_policy_id: Option<String>,
    /// The legacy `ForwardedValues.Headers`, for a behaviour without a cache policy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forwarded_headers: Vec<String>,
}

/// An origin request policy's header settings (GetOriginRequestPolicy).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OriginRequestPolicy {
    pub id: String,
    pub name: String,
    /// `HeaderBehavior`: none, whitelist, allViewer, allViewerAndWhitelistCloudFront or allExcept.
    pub header_behavior: String,
    /// The headers it names (forwarded for whitelist, withheld for allExcept).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<String>,
}

impl OriginRequestPolicy {
    /// Whether the origin receives the viewer's `Host` header.
    pub fn forwards_host(&self) -> bool {
        let names_host = self.headers.iter().any(|h| h.eq_ignore_ascii_case("host"));
        match self.header_behavior.as_str() {
            "allViewer" | "allViewerAndWhitelistCloudFront" => true,
            "whitelist" => names_host,
            "allExcept" => !names_host,
            _ => false,
        }
    }
}

impl Origin {
    /// The REST API id and region of an origin at an API's default endpoint,
    /// `{api_id}.execute-api.{region}.amazonaws.com` (or `.amazonaws.com.cn`).
    pub fn execute_api(&self) -> Option<(&str, &str)> {
        let name = self.domain_name.trim_end_matches('.');
        let mut labels = name.split('.');
        let (api_id, service, region) = (labels.next()?, labels.next()?, labels.next()?);
        let rest: Vec<&str> = labels.collect();
        let aws = rest == ["amazonaws", "com"] || rest == ["amazonaws", "com", "cn"];
        (service == "execute-api" && aws && !api_id.is_empty() && !region.is_empty()).then_some((api_id, region))
    }
}

impl CacheBehavior {
    /// Whether the viewer's `Host` reaches the origin: through the origin request policy (None
    /// while that policy is unknown), or through the legacy forwarded headers (`Host`, or `*`
    /// for all).
    pub fn forwards_host<'a>(&self, policies: &'a [OriginRequestPolicy]) -> Option<HostForwarding<'a>> {
        match &self.origin_request_policy_id {
            Some(id) => {
                let policy = policies.iter().find(|p| &p.id == id)?;
                Some(if policy.forwards_host() {
                    HostForwarding::Policy(policy)
                } else {
                    HostForwarding::No
                })
            }
            None if self
                .forwarded_headers
                .iter()
                .any(|h| h == "*" || h.eq_ignore_ascii_case("host")) =>
            {
                Some(HostForwarding::Legacy)
            }
            None => Some(HostForwarding::No),
        }
    }

    /// Whether this behaviour's pattern takes `path` (CloudFront's `*` and `?` wildcards, case
    /// sensitive, the leading `/` optional).
    pub fn matches(&self, path: &str) -> bool {
        let Some(pattern) = &self.path_pattern else {
            return true;
        };
        let pattern = pattern.strip_prefix('/').unwrap_or(pattern);
        let path = path.strip_prefix('/').unwrap_or(path);
        glob(pattern.as_bytes(), path.as_bytes())
    }
}

/// How a behaviour sends the viewer's `Host` to its origin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HostForwarding<'a> {
    No,
    Policy(&'a OriginRequestPolicy),
    /// The legacy cache settings whitelist it (or forward all headers).
    Legacy,
}

impl Distribution {
    /// The behaviour that takes `path`: the first whose pattern matches, else the default.
    pub fn behavior_for(&self, path: &str) -> Option<&CacheBehavior> {
        self.behaviors.iter().find(|b| b.matches(path))
    }

    pub fn origin(&self, id: &str) -> Option<&Origin> {
        self.origins.iter().find(|o| o.id == id)
    }

    /// Whether viewers call it by `host`: its own name or one of its aliases (a `*.` alias
    /// takes one label).
    pub fn serves(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        host.eq_ignore_ascii_case(&self.domain_name)
            || self.aliases.iter().any(|alias| match alias.strip_prefix("*.") {
                Some(parent) => host
                    .split_once('.')
                    .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(parent)),
                None => alias.eq_ignore_ascii_case(host),
            })
    }

    /// Whether any behaviour sends requests to an execute-api origin in `region`.
    pub fn fronts_region(&self, region: &str) -> bool {
        self.behaviors.iter().any(|b| {
            self.origin(&b.target_origin_id)
                .and_then(Origin::execute_api)
                .is_some_and(|(_, r)| r == region)
        })
    }
}

/// `*` any run of characters, `?` exactly one.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(behavior: &str, headers: &[&str]) -> OriginRequestPolicy {
        OriginRequestPolicy {
            id: "p".into(),
            name: "p".into(),
            header_behavior: behavior.into(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
        }
    }

    #[test]
    fn a_policy_forwards_host_when_it_sends_all_viewer_headers_or_names_host() {
        assert!(policy("allViewer", &[]).forwards_host());
        assert!(policy("allViewerAndWhitelistCloudFront", &["CloudFront-Viewer-Country"]).forwards_host());
        assert!(policy("whitelist", &["host"]).forwards_host());
        assert!(policy("allExcept", &["authorization"]).forwards_host());
        assert!(
            !policy("allExcept", &["host"]).forwards_host(),
            "AllViewerExceptHostHeader"
        );
        assert!(!policy("whitelist", &["origin"]).forwards_host());
        assert!(!policy("none", &[]).forwards_host());
    }

    #[test]
    fn legacy_headers_forward_host_by_name_or_wildcard() {
        let behavior = |headers: &[&str]| CacheBehavior {
            forwarded_headers: headers.iter().map(|h| h.to_string()).collect(),
            ..CacheBehavior::default()
        };
        assert_eq!(behavior(&["Host"]).forwards_host(&[]), Some(HostForwarding::Legacy));
        assert_eq!(behavior(&["*"]).forwards_host(&[]), Some(HostForwarding::Legacy));
        assert_eq!(behavior(&["Origin"]).forwards_host(&[]), Some(HostForwarding::No));
        let unknown = CacheBehavior {
            origin_request_policy_id: Some("gone".into()),
            ..behavior(&["Host"])
        };
        assert_eq!(unknown.forwards_host(&[]), None, "a policy not read is not guessed");
    }

    #[test]
    fn origins_at_an_api_endpoint_name_the_api_and_region() {
        let origin = |name: &str| Origin {
            domain_name: name.into(),
            ..Origin::default()
        };
        assert_eq!(
            origin("a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com").execute_api(),
            Some(("a1b2c3d4e5", "eu-west-1"))
        );
        assert_eq!(
            origin("a1.execute-api.cn-north-1.amazonaws.com.cn").execute_api(),
            Some(("a1", "cn-north-1"))
        );
        assert_eq!(origin("bucket.s3.eu-west-1.amazonaws.com").execute_api(), None);
        assert_eq!(origin("api.example.com").execute_api(), None);
        assert_eq!(
            origin("vpce-1.execute-api.eu-west-1.vpce.amazonaws.com").execute_api(),
            None
        );
    }

    #[test]
    fn behaviours_match_cloudfront_path_patterns() {
        let pattern = |p: &str| CacheBehavior {
            path_pattern: Some(p.into()),
            ..CacheBehavior::default()
        };
        assert!(pattern("/api/*").matches("/api/orders"));
        assert!(pattern("api/*").matches("/api/orders"));
        assert!(!pattern("/api/*").matches("/API/orders"), "case sensitive");
        assert!(pattern("*.jpg").matches("/img/a.jpg"));
        assert!(pattern("/v?/x").matches("/v1/x") && !pattern("/v?/x").matches("/v10/x"));
        assert!(!pattern("/legacy/*").matches("/orders"));
        assert!(CacheBehavior::default().matches("/anything"), "the default takes all");
    }

    #[test]
    fn a_distribution_serves_its_name_and_aliases() {
        let d = Distribution {
            domain_name: "d1.cloudfront.net".into(),
            aliases: vec!["www.example.com".into(), "*.shop.example.com".into()],
            ..Distribution::default()
        };
        assert!(d.serves("d1.cloudfront.net") && d.serves("WWW.example.com"));
        assert!(d.serves("eu.shop.example.com") && !d.serves("a.b.shop.example.com"));
        assert!(!d.serves("example.com"));
    }
}
