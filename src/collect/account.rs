//! Account-level reads: who we are (STS) and API Gateway's account settings.

use super::errors::classify;
use super::Reader;
use crate::model::{Account, Part};

pub(crate) async fn read_account(reader: &Reader) -> Account {
    let id = {
        let _permit = reader.permit().await;
        match reader.sts.get_caller_identity().send().await {
            Ok(identity) => identity.account().map(str::to_string),
            Err(err) => {
                // No check depends on it, but findings lose their account and their
                // fingerprints change: say so rather than let alerts churn silently.
                reader.record_gap(classify(&err).into_gap(Part::CallerIdentity, "GetCallerIdentity", None, None));
                None
            }
        }
    };
    let cloudwatch_role_arn = {
        let _permit = reader.permit().await;
        match reader.apigateway.get_account().send().await {
            Ok(settings) => settings.cloudwatch_role_arn().map(str::to_string),
            Err(err) => {
                reader.record_gap(classify(&err).into_gap(Part::Account, "GetAccount", None, None));
                None
            }
        }
    };
    Account {
        id,
        cloudwatch_role_arn,
    }
}
