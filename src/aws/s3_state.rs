//! The state between audits, one S3 object per account and region:
//! `s3://{bucket}/{prefix}{account}/{region}/state.json`.

use super::errors::classify;
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
    /// Another run wrote the state since this one read it.
    #[error("state s3://{bucket}/{key} was written by another run since this one read it")]
    Conflict { bucket: String, key: String },
    /// A state this run must neither use nor overwrite: another account's or region's, or
    /// one stamped in the future.
    #[error("state s3://{bucket}/{key} cannot be trusted: {why}")]
    Untrusted { bucket: String, key: String, why: String },
    #[error("cannot tell which account {region} is in (sts:GetCallerIdentity failed), so no state is used for it")]
    UnknownAccount { region: String },
}

/// A state as stored, with the version (ETag) that the next write must replace: None when
/// there is no object yet.
#[derive(Debug, Clone, Default)]
pub struct Versioned {
    pub state: Option<State>,
    pub etag: Option<String>,
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

    /// The account-region's state; None when there is none yet (or it is of an older
    /// version). A state that cannot be read or trusted is an error: guessing "none" would
    /// make every standing finding new again.
    pub async fn load(&self, account: Option<&str>, region: &str) -> Result<Option<State>, StateError> {
        Ok(self.load_versioned(account, region).await?.state)
    }

    /// [`StateStore::load`], with the version (ETag) a conditional write must name.
    pub async fn load_versioned(&self, account: Option<&str>, region: &str) -> Result<Versioned, StateError> {
        // Without the account the state would be filed under a guess, and every finding
        // found new there.
        let account = account.ok_or_else(|| StateError::UnknownAccount {
            region: region.to_string(),
        })?;
        let key = self.location.key(Some(account), region);
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
            Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_key()) => return Ok(Versioned::default()),
            Err(err) => return Err(unreadable(classify(&err).message)),
        };
        let etag = object.e_tag().map(str::to_string);
        let bytes = object
            .body
            .collect()
            .await
            .map_err(|e| unreadable(e.to_string()))?
            .into_bytes();
        let text = String::from_utf8_lossy(&bytes);
        let shown = format!("s3://{}/{key}", self.location.bucket);
        let state = parse_state(&text, &shown)?;
        if let Some(state) = &state {
            state
                .trust(account, region, crate::clock::now_ms())
                .map_err(|why| StateError::Untrusted {
                    bucket: self.location.bucket.clone(),
                    key: key.clone(),
                    why,
                })?;
        }
        // An older version's object is still the one a write must replace.
        Ok(Versioned { state, etag })
    }

    /// Writes `state` only over the version `replaces` names (None: only where there is no
    /// object yet), and returns the new version. A write another run made in between is a
    /// [`StateError::Conflict`], never overwritten.
    pub async fn save_if(&self, state: &State, replaces: Option<&str>) -> Result<String, StateError> {
        let key = self.location.key(state.account.as_deref(), &state.region);
        let request = self
            .client
            .put_object()
            .bucket(&self.location.bucket)
            .key(&key)
            .content_type("application/json")
            .body(state_json(state).into_bytes().into());
        let request = match replaces {
            Some(etag) => request.if_match(etag),
            None => request.if_none_match("*"),
        };
        match request.send().await {
            Ok(out) => Ok(out.e_tag().unwrap_or_default().to_string()),
            // 412: the condition failed; 409: the write raced another conditional write.
            Err(err)
                if err
                    .raw_response()
                    .is_some_and(|r| matches!(r.status().as_u16(), 409 | 412)) =>
            {
                Err(StateError::Conflict {
                    bucket: self.location.bucket.clone(),
                    key,
                })
            }
            Err(err) => Err(StateError::Unwritable {
                bucket: self.location.bucket.clone(),
                key,
                message: classify(&err).message,
            }),
        }
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
