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
}
