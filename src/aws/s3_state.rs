//! The state between audits, one S3 object per account and region:
//! `s3://{bucket}/{prefix}{account}/{region}/state.json`.

use super::errors::classify;
use crate::model::Snapshot;
use crate::state::{parse_state, state_json, State};
use aws_config::SdkConfig;

/// Where states are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateLocation {
    pub bucket: String,
    /// Empty, or ending in `/`.
    pub prefix: String,
}

impl StateLocation {
    pub fn new(bucket: &str, prefix: &str) -> Result<Self, String> {
        // S3's bucket naming rules, as far as telling a typo from a bucket goes.
        let valid = (3..=63).contains(&bucket.len())
            && bucket
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
        if !valid {
            return Err(format!(
                "'{bucket}' is not an S3 bucket name (3 to 63 lower-case letters, digits, '-' and '.')"
            ));
        }
        let prefix = prefix.trim_matches('/');
        Ok(StateLocation {
            bucket: bucket.to_string(),
            prefix: if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}/")
            },
        })
    }

    /// `s3://bucket/prefix`, as `--state` takes it.
    pub fn parse(url: &str) -> Result<Self, String> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| format!("'{url}' is not an S3 location: expected s3://bucket/prefix"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        Self::new(bucket, prefix)
    }

    pub fn key(&self, account: Option<&str>, region: &str) -> String {
        format!(
            "{}{}/{region}/state.json",
            self.prefix,
            account.unwrap_or("unknown-account")
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot read state s3://{bucket}/{key}: {message}")]
    Unreadable {
        bucket: String,
        key: String,
        message: String,
    },
    #[error("cannot write state s3://{bucket}/{key}: {message}")]
    Unwritable {
        bucket: String,
        key: String,
        message: String,
    },
    #[error(transparent)]
    Invalid(#[from] crate::state::StateFileError),
}

/// Reads and writes states in S3.
#[derive(Clone)]
pub struct StateStore {
    client: aws_sdk_s3::Client,
    location: StateLocation,
}

impl StateStore {
    pub fn new(sdk: &SdkConfig, location: StateLocation) -> Self {
        // Path-style addressing works against every S3-compatible endpoint and, for bucket
        // names with dots, against S3 itself.
        let config = aws_sdk_s3::config::Builder::from(sdk).force_path_style(true).build();
        StateStore {
            client: aws_sdk_s3::Client::from_conf(config),
            location,
        }
    }

    pub fn location(&self) -> &StateLocation {
        &self.location
    }

    /// The account-region's state; None when there is none yet (or it is of another
    /// version). A state that cannot be read is an error: guessing "none" would make every
    /// standing finding new again.
    pub async fn load(&self, account: Option<&str>, region: &str) -> Result<Option<State>, StateError> {
        let key = self.location.key(account, region);
        let unreadable = |message: String| StateError::Unreadable {
            bucket: self.location.bucket.clone(),
            key: key.clone(),
            message,
        };
        let object = match self
            .client
            .get_object()
            .bucket(&self.location.bucket)
            .key(&key)
            .send()
            .await
        {
            Ok(object) => object,
            Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_key()) => return Ok(None),
            Err(err) => return Err(unreadable(classify(&err).message)),
        };
        let bytes = object
            .body
            .collect()
            .await
            .map_err(|e| unreadable(e.to_string()))?
            .into_bytes();
        let text = String::from_utf8_lossy(&bytes);
        let shown = format!("s3://{}/{key}", self.location.bucket);
        let state = parse_state(&text, &shown)?;
        // A state filed under another account or region is not this one's.
        Ok(state.filter(|s| s.is_for(account, region) || account.is_none()))
    }

    pub async fn save(&self, state: &State) -> Result<(), StateError> {
        let key = self.location.key(state.account.as_deref(), &state.region);
        self.client
            .put_object()
            .bucket(&self.location.bucket)
            .key(&key)
            .content_type("application/json")
            .body(state_json(state).into_bytes().into())
            .send()
            .await
            .map_err(|err| StateError::Unwritable {
                bucket: self.location.bucket.clone(),
                key,
                message: classify(&err).message,
            })?;
        Ok(())
    }

    /// The stored states of the snapshots' account-regions, `loaded` (those a quota-light
    /// read already has) and the rest read now. A state that cannot be read is an error: the
    /// caller then leaves the report unmarked, so every finding goes out, and saves nothing
    /// over it.
    pub async fn load_missing(&self, snapshots: &[Snapshot], mut loaded: Vec<State>) -> Result<Vec<State>, StateError> {
        let mut read: Vec<(Option<String>, String)> =
            loaded.iter().map(|s| (s.account.clone(), s.region.clone())).collect();
        for snapshot in snapshots {
            let place = (snapshot.account.id.clone(), snapshot.region.clone());
            if !read.contains(&place) {
                loaded.extend(self.load(place.0.as_deref(), &place.1).await?);
                read.push(place);
            }
        }
        Ok(loaded)
    }

    /// Saves each state; the first failure stops and is returned.
    pub async fn save_all(&self, states: &[State]) -> Result<(), StateError> {
        for state in states {
            self.save(state).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse_and_name_one_object_per_account_region() {
        let at = StateLocation::parse("s3://audit-state/gatecheck/").expect("parses");
        assert_eq!(
            at.key(Some("111122223333"), "eu-west-1"),
            "gatecheck/111122223333/eu-west-1/state.json"
        );
        let bare = StateLocation::parse("s3://audit-state").expect("parses");
        assert_eq!(bare.key(None, "eu-west-1"), "unknown-account/eu-west-1/state.json");
        assert!(StateLocation::parse("audit-state/x")
            .unwrap_err()
            .contains("s3://bucket/prefix"));
        assert!(StateLocation::parse("s3://Audit_State/x")
            .unwrap_err()
            .contains("not an S3 bucket name"));
    }
}
