//! Checks on user-given names and numbers, shared by the command line and the function.

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

/// A requests-per-second limit from a flag or setting: a whole number from 1 to 100.
pub fn parse_max_rps(value: &str) -> Result<u32, String> {
    match value.trim().parse::<u32>() {
        Ok(n) if (1..=100).contains(&n) => Ok(n),
        _ => Err(format!("'{value}' is not a whole number from 1 to 100")),
    }
}

/// `arn:aws:iam::111122223333:role/name` → 111122223333.
pub fn account_of_role(role_arn: &str) -> Option<String> {
    let parts: Vec<&str> = role_arn.split(':').collect();
    (parts.len() == 6 && parts[0] == "arn" && parts[2] == "iam" && parts[5].starts_with("role/"))
        .then(|| parts[4].to_string())
        .filter(|id| id.len() == 12 && id.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names() {
        for ok in ["eu-west-1", "us-gov-east-1", "ap-southeast-2", "il-central-1"] {
            assert!(is_region_name(ok), "{ok}");
        }
        for bad in ["", "eu-west", "EU-west-1", "euwest1", "eu--1", "e-west-1", "eu-west-x"] {
            assert!(!is_region_name(bad), "{bad}");
        }
    }

    #[test]
    fn account_ids_from_role_arns() {
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
}
