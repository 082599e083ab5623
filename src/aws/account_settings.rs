//! Account-level reads: who we are (STS) and API Gateway's account settings.

use super::{Reader, Unread};
use crate::model::{Account, Part};

pub(crate) async fn read_account(reader: &Reader) -> Account {
    // No check depends on the account id, but findings lose their account and their
    // fingerprints change without it: a gap says so rather than let alerts churn silently.
    let identity = reader.sts.get_caller_identity().send();
    let id = reader
        .read(Unread::region(Part::CallerIdentity, "GetCallerIdentity"), identity)
        .await
        .and_then(|identity| identity.account().map(str::to_string));
    let settings = reader.apigateway.get_account().send();
    let settings = reader.read(Unread::region(Part::Account, "GetAccount"), settings).await;
    Account {
        id,
        cloudwatch_role_arn: settings
            .as_ref()
            .and_then(|s| s.cloudwatch_role_arn().map(str::to_string)),
        features: settings.as_ref().map(|s| s.features().to_vec()).unwrap_or_default(),
    }
}
