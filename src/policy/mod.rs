//! Reading REST API resource policies: who may call `execute-api:Invoke`, from where.
//! Pure parsing, shared by the checks; AWS returns the policy as a JSON document inside a
//! string, sometimes with its quotes still escaped.

pub mod decide;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// One statement, reduced to what decides whether a caller may invoke the API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Statement {
    pub effect: Option<Effect>,
    /// `*`, or the principals named; `not:`-prefixed for NotPrincipal.
    pub principals: Vec<String>,
    /// Whether the statement's Action (or NotAction) covers `execute-api:Invoke`.
    pub covers_invoke: bool,
    /// Resource patterns as written (`execute-api:/prod/GET/*`, ARNs...).
    pub resources: Vec<String>,
    pub source_ips: Vec<String>,
    pub not_source_ips: Vec<String>,
    pub source_vpcs: Vec<String>,
    pub not_source_vpcs: Vec<String>,
    pub source_vpces: Vec<String>,
    pub not_source_vpces: Vec<String>,
    /// Condition keys the summary does not interpret.
    pub other_conditions: Vec<String>,
}

impl Statement {
    fn has_conditions(&self) -> bool {
        !(self.source_ips.is_empty()
            && self.not_source_ips.is_empty()
            && self.source_vpcs.is_empty()
            && self.not_source_vpcs.is_empty()
            && self.source_vpces.is_empty()
            && self.not_source_vpces.is_empty()
            && self.other_conditions.is_empty())
    }

    fn everyone(&self) -> bool {
        self.principals.iter().any(|p| p == "*")
    }

    fn all_resources(&self) -> bool {
        self.resources.is_empty()
            || self
                .resources
                .iter()
                .any(|r| r == "*" || r == "execute-api:/*" || r.ends_with(":*/*") || r.ends_with("/*/*/*"))
    }

    /// "any principal from 203.0.113.0/24 for execute-api:/prod/*".
    pub fn describe(&self) -> String {
        let who = if self.everyone() {
            "any principal".to_string()
        } else {
            self.principals.join(", ")
        };
        let mut parts = vec![who];
        let mut push = |label: &str, values: &[String]| {
            if !values.is_empty() {
                parts.push(format!("{label} {}", values.join(", ")));
            }
        };
        push("from IPs", &self.source_ips);
        push("not from IPs", &self.not_source_ips);
        push("from VPCs", &self.source_vpcs);
        push("not from VPCs", &self.not_source_vpcs);
        push("through VPC endpoints", &self.source_vpces);
        push("not through VPC endpoints", &self.not_source_vpces);
        push("with conditions on", &self.other_conditions);
        if !self.all_resources() {
            parts.push(format!("on {}", self.resources.join(", ")));
        }
        parts.join(" ")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("resource policy is not a readable IAM policy: {0}")]
pub struct PolicyError(pub String);

impl Policy {
    /// Parses a policy as GetRestApi returns it, escaped or not.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        match serde_json::from_str::<Json>(text) {
            Ok(document) => Policy::from_document(&document),
            Err(first) => {
                // `{\"Version\":...}`: the document still wears its string escaping.
                let unescaped: String =
                    serde_json::from_str(&format!("\"{text}\"")).map_err(|_| PolicyError(first.to_string()))?;
                let document: Json = serde_json::from_str(&unescaped).map_err(|e| PolicyError(e.to_string()))?;
                Policy::from_document(&document)
            }
        }
    }

    fn from_document(document: &Json) -> Result<Policy, PolicyError> {
        let statements = match document.get("Statement") {
            Some(Json::Array(items)) => items.iter().map(parse_statement).collect::<Result<Vec<_>, _>>()?,
            Some(item @ Json::Object(_)) => vec![parse_statement(item)?],
            _ => return Err(PolicyError("no Statement".into())),
        };
        Ok(Policy { statements })
    }

    fn invoking(&self, effect: Effect) -> impl Iterator<Item = &Statement> {
        self.statements
            .iter()
            .filter(move |s| s.effect == Some(effect) && s.covers_invoke)
    }

    /// Whether the policy does more than let anyone invoke everything.
    pub fn restricts(&self) -> bool {
        self.invoking(Effect::Deny).next().is_some()
            || self
                .invoking(Effect::Allow)
                .any(|s| s.has_conditions() || !s.everyone() || !s.all_resources())
            || self.invoking(Effect::Allow).next().is_none()
    }

    /// A Deny for everyone, on everything, with no condition: nobody gets in.
    pub fn denies_everyone(&self) -> bool {
        self.invoking(Effect::Deny)
            .any(|s| s.everyone() && s.all_resources() && !s.has_conditions())
    }

    /// Whether some request arriving through a VPC endpoint may be allowed: decided as one
    /// request is (`decide`), for any endpoint, principal and resource. A condition on
    /// aws:SourceIp, which endpoint traffic never carries, is false (true when negated).
    pub fn admits_vpc_traffic(&self) -> bool {
        decide::decide_policy(self, &decide::Caller::any_through_endpoint(None)).may_admit()
    }

    /// Whether some request through VPC endpoint `vpce` may be allowed, decided the same way.
    /// Conditions gatecheck cannot see count as possibly met, so `false` is certain.
    pub fn admits_endpoint(&self, vpce: &str) -> bool {
        decide::decide_policy(self, &decide::Caller::any_through_endpoint(Some(vpce))).may_admit()
    }

    /// "Allow: any principal through VPC endpoints vpce-1; Deny: ...".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (effect, label) in [(Effect::Allow, "Allow"), (Effect::Deny, "Deny")] {
            let described: Vec<String> = self.invoking(effect).map(Statement::describe).collect();
            if !described.is_empty() {
                parts.push(format!("{label}: {}", described.join("; ")));
            }
        }
        if parts.is_empty() {
            "no statement about execute-api:Invoke: nobody may invoke".to_string()
        } else {
            parts.join(". ")
        }
    }
}

/// A JSON value as far as a policy needs it: strings borrowed from the text where they hold
/// no escapes, objects as their entries in order, numbers, booleans and null as `Other`.
/// Cheaper than `serde_json::Value`, which owns every key and sorts every object.
#[derive(Debug)]
enum Json<'a> {
    Str(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
    Other,
}

impl<'a> Json<'a> {
    /// An object's value for `key`; the last one wins when a key repeats, as in `Value`.
    fn get(&self, key: &str) -> Option<&Json<'a>> {
        match self {
            Json::Object(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct JsonVisitor;

        impl<'de> Visitor<'de> for JsonVisitor {
            type Value = Json<'de>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }

            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Json<'de>, E> {
                Ok(Json::Str(Cow::Borrowed(v)))
            }

            fn visit_str<E>(self, v: &str) -> Result<Json<'de>, E> {
                Ok(Json::Str(Cow::Owned(v.to_string())))
            }

            fn visit_string<E>(self, v: String) -> Result<Json<'de>, E> {
                Ok(Json::Str(Cow::Owned(v)))
            }

            fn visit_bool<E>(self, _: bool) -> Result<Json<'de>, E> {
                Ok(Json::Other)
            }

            fn visit_i64<E>(self, _: i64) -> Result<Json<'de>, E> {
                Ok(Json::Other)
            }

            fn visit_u64<E>(self, _: u64) -> Result<Json<'de>, E> {
                Ok(Json::Other)
            }

            fn visit_f64<E>(self, _: f64) -> Result<Json<'de>, E> {
                Ok(Json::Other)
            }

            fn visit_unit<E>(self) -> Result<Json<'de>, E> {
                Ok(Json::Other)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Json::Array(items))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some((key, value)) = map.next_entry::<Json, Json>()? {
                    if let Json::Str(key) = key {
                        entries.push((key, value));
                    }
                }
                Ok(Json::Object(entries))
            }
        }

        deserializer.deserialize_any(JsonVisitor)
    }
}

fn strings(value: Option<&Json>) -> Vec<String> {
    match value {
        Some(Json::Str(s)) => vec![s.to_string()],
        Some(Json::Array(items)) => items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

fn principals(value: Option<&Json>) -> Vec<String> {
    match value {
        Some(Json::Str(s)) => vec![s.to_string()],
        Some(Json::Object(entries)) => entries.iter().flat_map(|(_, v)| strings(Some(v))).collect(),
        _ => Vec::new(),
    }
}

fn action_covers_invoke(action: &str) -> bool {
    let action = action.to_ascii_lowercase();
    action == "*" || action == "execute-api:*" || action == "execute-api:invoke"
}

fn parse_statement(map: &Json) -> Result<Statement, PolicyError> {
    if !matches!(map, Json::Object(_)) {
        return Err(PolicyError("a Statement entry is not an object".into()));
    }
    let effect = match map.get("Effect").and_then(Json::as_str) {
        Some("Allow") => Some(Effect::Allow),
        Some("Deny") => Some(Effect::Deny),
        _ => None,
    };
    let mut statement = Statement {
        effect,
        ..Statement::default()
    };
    statement.principals = principals(map.get("Principal"));
    statement.principals.extend(
        principals(map.get("NotPrincipal"))
            .into_iter()
            .map(|p| format!("not:{p}")),
    );
    statement.covers_invoke = if map.get("NotAction").is_some() {
        !strings(map.get("NotAction")).iter().any(|a| action_covers_invoke(a))
    } else {
        strings(map.get("Action")).iter().any(|a| action_covers_invoke(a))
    };
    statement.resources = strings(map.get("Resource"));
    if let Some(Json::Object(conditions)) = map.get("Condition") {
        for (operator, keys) in conditions {
            let op = operator
                .trim_start_matches("ForAnyValue:")
                .trim_start_matches("ForAllValues:");
            let op = op.trim_end_matches("IfExists");
            let negated = op.starts_with("Not") || op.contains("NotEquals") || op.contains("NotLike");
            let Json::Object(keys) = keys else { continue };
            for (key, values) in keys {
                let values = strings(Some(values));
                let target = match (key.to_ascii_lowercase().as_str(), negated) {
                    ("aws:sourceip", false) => &mut statement.source_ips,
                    ("aws:sourceip", true) => &mut statement.not_source_ips,
                    ("aws:sourcevpc", false) => &mut statement.source_vpcs,
                    ("aws:sourcevpc", true) => &mut statement.not_source_vpcs,
                    ("aws:sourcevpce", false) => &mut statement.source_vpces,
                    ("aws:sourcevpce", true) => &mut statement.not_source_vpces,
                    _ => {
                        statement.other_conditions.push(format!("{operator} {key}"));
                        continue;
                    }
                };
                target.extend(values);
            }
        }
    }
    Ok(statement)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRIVATE_WITH_VPCE: &str = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},
        {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*",
         "Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-0123"}}}]}"#;

    #[test]
    fn parses_escaped_policies_as_aws_returns_them() {
        let escaped = PRIVATE_WITH_VPCE.replace('"', "\\\"").replace('\n', "");
        let policy = Policy::parse(&escaped).expect("escaped policy parses");
        assert_eq!(policy, Policy::parse(PRIVATE_WITH_VPCE).unwrap());
        assert_eq!(policy.statements[1].not_source_vpces, ["vpce-0123"]);
    }

    #[test]
    fn private_policy_with_endpoint_admits_vpc_traffic() {
        let policy = Policy::parse(PRIVATE_WITH_VPCE).unwrap();
        assert!(policy.admits_vpc_traffic());
        assert!(policy.restricts());
        assert!(
            policy.describe().contains("not through VPC endpoints vpce-0123"),
            "{}",
            policy.describe()
        );
    }

    #[test]
    fn ip_only_allow_admits_no_vpc_traffic() {
        let policy = Policy::parse(r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":["execute-api:Invoke"],"Resource":"execute-api:/prod/GET/*","Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/24"]}}}}"#).unwrap();
        assert!(!policy.admits_vpc_traffic());
        let text = policy.describe();
        assert!(
            text.contains("from IPs 203.0.113.0/24") && text.contains("on execute-api:/prod/GET/*"),
            "{text}"
        );
    }

    #[test]
    fn not_ip_address_and_blanket_deny() {
        let policy = Policy::parse(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"execute-api:*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}"#).unwrap();
        assert_eq!(policy.statements[1].not_source_ips, ["10.0.0.0/8"]);
        assert!(!policy.denies_everyone());
        let deny_all = Policy::parse(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*"},{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#).unwrap();
        assert!(deny_all.denies_everyone() && !deny_all.admits_vpc_traffic());
    }

    /// IAM: a negated condition operator on a key the request does not carry is true. Traffic
    /// through a VPC endpoint carries no aws:SourceIp, so a Deny on NotIpAddress refuses all of
    /// it; an Allow on NotIpAddress admits it.
    #[test]
    fn a_negated_condition_on_source_ip_is_true_for_vpc_endpoint_traffic() {
        let deny_outside = Policy::parse(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"execute-api:*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}"#).unwrap();
        assert!(!deny_outside.admits_vpc_traffic());
        assert!(!deny_outside.admits_endpoint("vpce-1"));
        let allow_outside = Policy::parse(r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}"#).unwrap();
        assert!(allow_outside.admits_vpc_traffic());
        // A statement limited to some resources may admit some request: not a certain refusal.
        let one_path = Policy::parse(r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/health"}}"#).unwrap();
        assert!(one_path.admits_endpoint("vpce-1"));
    }

    #[test]
    fn values_of_any_kind_and_escapes_are_read_as_written() {
        // A boolean condition value is kept as a condition; `\/` is an escaped `/`; keys
        // keep the document's order.
        let policy = Policy::parse(r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"x.amazonaws.com","AWS":["arn:aws:iam::1:root"]},"Action":"execute-api:Invoke","Condition":{"Bool":{"aws:SecureTransport":false},"IpAddress":{"aws:SourceIp":["203.0.113.0\/24",7]}}}}"#).unwrap();
        let statement = &policy.statements[0];
        assert_eq!(statement.principals, ["x.amazonaws.com", "arn:aws:iam::1:root"]);
        assert_eq!(statement.source_ips, ["203.0.113.0/24"]);
        assert_eq!(statement.other_conditions, ["Bool aws:SecureTransport"]);
        // A key given twice counts once, the last time, as JSON readers do.
        let twice =
            Policy::parse(r#"{"Statement":{"Effect":"Deny","Effect":"Allow","Principal":"*","Action":"*"}}"#).unwrap();
        assert_eq!(twice.statements[0].effect, Some(Effect::Allow));
    }

    #[test]
    fn open_policy_does_not_restrict_and_garbage_is_an_error() {
        let open = Policy::parse(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#).unwrap();
        assert!(!open.restricts());
        assert!(Policy::parse("not json").is_err());
        assert!(Policy::parse(r#"{"Statement": 7}"#).is_err());
        assert!(Policy::parse(r#"{"Statement": [1]}"#).is_err());
    }
}
