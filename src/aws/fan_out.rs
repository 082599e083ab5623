//! Many accounts and regions: the member accounts of an organization, the regions an account
//! has enabled, a role assumed in each account, and the account-regions audited in parallel,
//! each with its own rate limiter and concurrency. One account that cannot be read is a gap
//! for that account; the rest carry on.

use super::errors::classify;
use super::{collect, CollectError, CollectOptions, ServiceConfigs};
use crate::model::{Account, CoverageGap, GapReason, Part, Snapshot};
pub use crate::scope::{AccountTarget, Regions};
use aws_config::{Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use futures::StreamExt;

/// The session name gatecheck's assumed-role sessions carry, for CloudTrail.
pub const SESSION_NAME: &str = "gatecheck-audit";

/// A call that must succeed for the fan-out to know what to read.
fn unreadable<E, R>(
    config: &SdkConfig,
    operation: &str,
    err: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> CollectError
where
    E: aws_sdk_apigateway::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    CollectError::Unreadable {
        region: config.region().map(|r| r.to_string()).unwrap_or_default(),
        operation: operation.into(),
        message: classify(err).message,
    }
}

/// The active accounts of the caller's organization, each with the role `role_name` in it.
pub async fn organization_roles(base: &SdkConfig, role_name: &str) -> Result<Vec<AccountTarget>, CollectError> {
    let client = aws_sdk_organizations::Client::new(base);
    // The roles are in the organization's partition, which is the caller's.
    let region = base.region().map(|r| r.to_string()).unwrap_or_default();
    let region = region.as_str();
    let pages: Vec<_> = client
        .list_accounts()
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .map_err(|err| unreadable(base, "organizations:ListAccounts", &err))?;
    let mut targets: Vec<AccountTarget> = pages
        .iter()
        .flat_map(|page| page.accounts())
        .filter(|a| a.state().is_none_or(|s| s.as_str() == "ACTIVE"))
        .filter_map(|a| a.id())
        .map(|id| AccountTarget {
            account_id: Some(id.to_string()),
            role_arn: Some(crate::arn::role(region, id, role_name)),
        })
        .collect();
    targets.sort();
    Ok(targets)
}

/// The regions the account has enabled (opted in, or on by default).
pub async fn enabled_regions(config: &SdkConfig) -> Result<Vec<String>, CollectError> {
    use aws_sdk_account::types::RegionOptStatus;
    let client = aws_sdk_account::Client::new(config);
    let regions: Vec<_> = client
        .list_regions()
        .region_opt_status_contains(RegionOptStatus::Enabled)
        .region_opt_status_contains(RegionOptStatus::EnabledByDefault)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .map_err(|err| unreadable(config, "account:ListRegions", &err))?;
    let mut names: Vec<String> = regions
        .iter()
        .filter_map(|r| r.region_name())
        .filter(|name| crate::arn::is_region_name(name))
        .map(str::to_string)
        .collect();
    names.sort();
    names.dedup();
    Ok(names)
}

/// The base configuration with the credentials of `role_arn`'s session, or why not.
pub async fn assume(base: &SdkConfig, role_arn: &str, external_id: Option<&str>) -> Result<SdkConfig, String> {
    let sts = aws_sdk_sts::Client::new(base);
    let out = sts
        .assume_role()
        .role_arn(role_arn)
        .role_session_name(SESSION_NAME)
        .set_external_id(external_id.map(str::to_string))
        .send()
        .await
        .map_err(|err| classify(&err).message)?;
    let credentials = out.credentials().ok_or("AssumeRole returned no credentials")?;
    let expiry = std::time::SystemTime::try_from(*credentials.expiration()).ok();
    let credentials = Credentials::new(
        credentials.access_key_id(),
        credentials.secret_access_key(),
        Some(credentials.session_token().to_string()),
        expiry,
        "gatecheck-assume-role",
    );
    Ok(base
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .build())
}

/// What could not be reached in one account-region, as a snapshot whose only content is
/// the gap: GC900 names the account, and no check guesses there.
fn unreachable_snapshot(target: &AccountTarget, region: &str, operation: &str, message: String) -> Snapshot {
    let mut snapshot = Snapshot::new(
        Account {
            id: target.account_id.clone(),
            cloudwatch_role_arn: None,
            ..Account::default()
        },
        region,
    );
    snapshot.gaps.push(CoverageGap {
        within: None,
        part: Part::AccountAccess,
        operation: operation.into(),
        api_id: None,
        stage: None,
        object_id: target.role_arn.clone(),
        reason: if message.contains("AccessDenied") || message.contains("not authorized") {
            GapReason::AccessDenied
        } else {
            GapReason::Other
        },
        message,
    });
    snapshot
}

/// Audits every account in every region, `parallel` account-regions at a time, each with
/// its own limiter and concurrency (`options`). An account whose role cannot be assumed, or
/// an account-region that cannot be read at all, is a gap; the others carry on. `configure`
/// turns an account-region's SDK configuration into the collector's (tests add headers).
pub async fn collect_all(
    base: &SdkConfig,
    targets: &[AccountTarget],
    regions: &Regions,
    external_id: Option<&str>,
    parallel: usize,
    options: &CollectOptions,
    configure: &(dyn Fn(&SdkConfig) -> ServiceConfigs + Sync),
) -> Vec<Snapshot> {
    // Assume each role once; its session serves every region.
    let sessions = futures::stream::iter(targets.iter())
        .map(|target| async move {
            let session = match &target.role_arn {
                None => Ok(base.clone()),
                Some(role) => assume(base, role, external_id)
                    .await
                    .map_err(|message| ("sts:AssumeRole", message)),
            };
            let regions = match (&session, regions) {
                (_, Regions::These(list)) => Ok(list.clone()),
                (Err(failure), Regions::AllEnabled) => Err(failure.clone()),
                (Ok(session), Regions::AllEnabled) => enabled_regions(session)
                    .await
                    .map_err(|e| ("account:ListRegions", e.to_string())),
            };
            (target, session, regions)
        })
        .buffered(parallel.max(1))
        .collect::<Vec<_>>()
        .await;

    let home = base.region().map_or_else(|| "us-east-1".to_string(), |r| r.to_string());
    type Session = Result<SdkConfig, (&'static str, String)>;
    let mut work: Vec<(&AccountTarget, Session, String)> = Vec::new();
    for (target, session, regions) in &sessions {
        match regions {
            Ok(list) => work.extend(list.iter().map(|region| (*target, session.clone(), region.clone()))),
            // Neither the role nor the region list: one gap for the account.
            Err(failure) => work.push((*target, Err(failure.clone()), home.clone())),
        }
    }
    let mut snapshots: Vec<Snapshot> = futures::stream::iter(work)
        .map(|(target, session, region)| async move {
            let session = match session {
                Ok(session) => session,
                Err((operation, message)) => return unreachable_snapshot(target, &region, operation, message),
            };
            let config = session.to_builder().region(Region::new(region.clone())).build();
            match collect(&configure(&config), options).await {
                Ok(mut snapshot) => {
                    if snapshot.account.id.is_none() {
                        snapshot.account.id = target.account_id.clone();
                    }
                    snapshot
                }
                Err(err) => {
                    tracing::warn!(account = ?target.account_id, region, "could not audit: {err}");
                    unreachable_snapshot(target, &region, "the audit", err.to_string())
                }
            }
        })
        .buffer_unordered(parallel.max(1))
        .collect()
        .await;
    snapshots.sort_by(|a, b| (&a.account.id, &a.region).cmp(&(&b.account.id, &b.region)));
    snapshots
}
