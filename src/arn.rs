//! ARNs and the names inside them: partitions, region names, and the builders and parsers of
//! every ARN gatecheck makes or reads. Everything here is pure text work.

/// The AWS partition a region is in: `aws`, `aws-cn` or `aws-us-gov`.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// Whether `region` looks like an AWS region name (`eu-west-1`, `us-gov-east-1`).
pub fn is_region_name(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts
            .iter()
            .take(parts.len() - 1)
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// Whether `id` looks like a REST API id (AWS's are 10 lower-case letters and digits).
pub fn is_api_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// An ARN's six fields. `resource` keeps its own colons and slashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut parts = text.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        let arn = Arn {
            partition: parts.next()?,
            service: parts.next()?,
            region: parts.next()?,
            account: parts.next()?,
            resource: parts.next()?,
        };
        (!arn.partition.is_empty() && !arn.service.is_empty()).then_some(arn)
    }
}

/// `arn:aws:iam::111122223333:role/name` (any partition, any path) → 111122223333.
pub fn account_of_role(role_arn: &str) -> Option<String> {
    let arn = Arn::parse(role_arn)?;
    (arn.service == "iam" && arn.resource.starts_with("role/") && arn.region.is_empty())
        .then(|| arn.account.to_string())
        .filter(|id| id.len() == 12 && id.chars().all(|c| c.is_ascii_digit()))
}

/// The role `role_name` in `account`, in the partition of `region`.
pub fn role(region: &str, account: &str, role_name: &str) -> String {
    format!("arn:{}:iam::{account}:role/{role_name}", partition(region))
}

/// An API Gateway resource: `arn:{partition}:apigateway:{region}::{path}`.
pub fn apigateway(region: &str, path: &str) -> String {
    format!("arn:{}:apigateway:{region}::{path}", partition(region))
}

pub fn rest_api(region: &str, api_id: &str) -> String {
    apigateway(region, &format!("/restapis/{api_id}"))
}

pub fn stage(region: &str, api_id: &str, stage: &str) -> String {
    apigateway(region, &format!("/restapis/{api_id}/stages/{stage}"))
}

/// The account's API Gateway settings.
pub fn account_settings(region: &str) -> String {
    apigateway(region, "/account")
}

/// A private custom domain, which is named by account and id as well as by name.
pub fn private_domain(region: &str, account: &str, name: &str, domain_name_id: &str) -> String {
    format!(
        "arn:{}:apigateway:{region}:{account}:/domainnames/{name}+{domain_name_id}",
        partition(region)
    )
}

/// A regional WAFv2 web ACL (`webacl`) or IP set (`ipset`).
pub fn wafv2_regional(region: &str, account: &str, kind: &str, name: &str, id: &str) -> String {
    format!(
        "arn:{}:wafv2:{region}:{account}:regional/{kind}/{name}/{id}",
        partition(region)
    )
}

/// Security Hub's default product for findings an account imports about itself.
pub fn security_hub_default_product(region: &str, account: &str) -> String {
    format!(
        "arn:{}:securityhub:{region}:{account}:product/{account}/default",
        partition(region)
    )
}

/// The REST API, and the stage where the ARN names one, of an API Gateway ARN:
/// `arn:aws:apigateway:eu-west-1::/restapis/abc` → (abc, None),
/// `.../restapis/abc/stages/prod` → (abc, Some(prod)).
pub fn api_and_stage(arn: &str) -> Option<(String, Option<String>)> {
    let arn = Arn::parse(arn)?;
    if arn.service != "apigateway" {
        return None;
    }
    let mut parts = arn.resource.trim_start_matches('/').split('/');
    let ("restapis", api) = (parts.next()?, parts.next()?) else {
        return None;
    };
    if !is_api_id(api) {
        return None;
    }
    let stage = match (parts.next(), parts.next()) {
        (Some("stages"), Some(stage)) if !stage.is_empty() => Some(stage.to_string()),
        _ => None,
    };
    Some((api.to_string(), stage))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_follow_the_region() {
        assert_eq!(partition("eu-west-1"), "aws");
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
        assert_eq!(
            stage("cn-northwest-1", "a1", "prod"),
            "arn:aws-cn:apigateway:cn-northwest-1::/restapis/a1/stages/prod"
        );
        assert_eq!(
            role("us-gov-east-1", "111122223333", "audit"),
            "arn:aws-us-gov:iam::111122223333:role/audit"
        );
        assert_eq!(
            wafv2_regional("cn-north-1", "1", "webacl", "edge", "x"),
            "arn:aws-cn:wafv2:cn-north-1:1:regional/webacl/edge/x"
        );
    }

    #[test]
    fn region_names() {
        for ok in ["eu-west-1", "us-gov-east-1", "ap-southeast-2", "il-central-1"] {
            assert!(is_region_name(ok), "{ok}");
        }
        for bad in [
            "",
            "eu",
            "eu-west",
            "EU-west-1",
            "euwest1",
            "eu--1",
            "e-west-1",
            "eu-west-x",
            "moon-base-1a",
        ] {
            assert!(!is_region_name(bad), "{bad}");
        }
    }

    #[test]
    fn roles_name_their_account_in_every_partition() {
        assert_eq!(
            account_of_role("arn:aws:iam::111122223333:role/gatecheck").as_deref(),
            Some("111122223333")
        );
        assert_eq!(
            account_of_role("arn:aws-cn:iam::111122223333:role/path/gatecheck").as_deref(),
            Some("111122223333")
        );
        assert_eq!(account_of_role("arn:aws:iam::1111:role/x"), None);
        assert_eq!(account_of_role("arn:aws:iam::111122223333:user/x"), None);
        assert_eq!(account_of_role("gatecheck"), None);
    }

    #[test]
    fn api_gateway_arns_name_api_and_stage() {
        assert_eq!(
            api_and_stage("arn:aws:apigateway:eu-west-1::/restapis/abc/stages/prod"),
            Some(("abc".into(), Some("prod".into())))
        );
        assert_eq!(
            api_and_stage("arn:aws-us-gov:apigateway:us-gov-west-1::/restapis/abc"),
            Some(("abc".into(), None))
        );
        assert_eq!(api_and_stage("arn:aws:apigateway:eu-west-1::/domainnames/x"), None);
        assert_eq!(api_and_stage("arn:aws:apigateway:eu-west-1::/restapis/NotAnId"), None);
        assert_eq!(api_and_stage("arn:aws:s3:::bucket/restapis/abc"), None);
    }
}
