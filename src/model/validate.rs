//! Checks on user-given names and numbers, shared by the command line and the function.

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
    fn rates_are_whole_numbers_from_1_to_100() {
        assert_eq!(parse_max_rps(" 10 "), Ok(10));
        assert!(parse_max_rps("0").is_err() && parse_max_rps("101").is_err() && parse_max_rps("x").is_err());
    }
}
