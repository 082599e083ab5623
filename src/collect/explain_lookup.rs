//! `explain --lookup-key-value`: the only read in gatecheck that asks for API key values, and
//! only for that one command, never in an audit.

use super::errors;
use super::{CollectError, ServiceConfigs};

/// The id of the API key whose value is `value`, for `explain --lookup-key-value`: the only
/// read that asks for key values. Each value is compared in constant time and dropped with
/// its page; none is logged, returned or kept.
pub async fn key_id_for_value(configs: &ServiceConfigs, value: &str) -> Result<Option<String>, CollectError> {
    use subtle::ConstantTimeEq;
    let region = configs.region().ok_or(CollectError::NoRegion)?;
    let client = aws_sdk_apigateway::Client::from_conf(configs.apigateway.clone());
    let mut pages = client
        .get_api_keys()
        .include_values(true)
        .limit(500)
        .into_paginator()
        .send();
    let mut found = None;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|err| CollectError::Unreadable {
            region: region.clone(),
            operation: "GetApiKeys (includeValues)".into(),
            message: errors::classify(&err).message,
        })?;
        for key in page.items() {
            let same: bool = key
                .value()
                .unwrap_or_default()
                .as_bytes()
                .ct_eq(value.as_bytes())
                .into();
            if same && found.is_none() {
                found = key.id().map(str::to_string);
            }
        }
    }
    Ok(found)
}
