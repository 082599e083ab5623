//! What to audit, decided once: which accounts, which regions and which part of each, from
//! the command line's flags or the function's settings and event. The collector runs a
//! [`Plan`]; nothing else decides what is read.

use crate::arn::account_of_role;
use crate::model::Scope;
use std::collections::{BTreeMap, BTreeSet};

/// Which regions to audit in each account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Regions {
    These(Vec<String>),
    /// Each account's enabled regions (account:ListRegions), read with its own session.
    AllEnabled,
}

/// One account to audit: the caller's own (no role), or one reached through a role.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AccountTarget {
    /// Known from the role ARN or the organization; for the caller's own account, from STS.
    pub account_id: Option<String>,
    pub role_arn: Option<String>,
}

impl AccountTarget {
    pub fn own() -> Self {
        AccountTarget {
            account_id: None,
            role_arn: None,
        }
    }

    pub fn role(role_arn: &str) -> Self {
        AccountTarget {
            account_id: account_of_role(role_arn),
            role_arn: Some(role_arn.to_string()),
        }
    }
}

/// Which accounts an audit covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accounts {
    /// The caller's own account.
    Own,
    /// The accounts these roles are in.
    Roles(Vec<String>),
    /// Every active account of the organization, through the role of this name in each.
    Organization { role_name: String },
}

impl Accounts {
    /// From `--role-arn`/`GATECHECK_ROLE_ARNS` and `--org-role`/`GATECHECK_ORG_ROLE`.
    pub fn new(role_arns: &[String], org_role: Option<&str>) -> Self {
        match org_role {
            Some(name) => Accounts::Organization {
                role_name: name.to_string(),
            },
            None if role_arns.is_empty() => Accounts::Own,
            None => Accounts::Roles(role_arns.to_vec()),
        }
    }
}

/// One audit: these accounts, in these regions, this much of each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub accounts: Accounts,
    pub regions: Regions,
    pub scope: Scope,
}

impl Plan {
    /// The caller's own account in one region.
    pub fn region(region: &str, scope: Scope) -> Self {
        Plan {
            accounts: Accounts::Own,
            regions: Regions::These(vec![region.to_string()]),
            scope,
        }
    }

    /// Whether the plan reaches past the caller's own account and listed regions. Such a plan
    /// reads each account-region on its own, and one that cannot be read is a GC900 there;
    /// otherwise a region that cannot be read at all fails the audit.
    pub fn fans_out(&self) -> bool {
        self.accounts != Accounts::Own || self.regions == Regions::AllEnabled
    }
}

/// Changed (API, stage) pairs, as the function's events name them: None, the whole API.
pub type Target = (String, Option<String>);

/// The scopes that cover a set of changes: a change to one stage audits that stage; changes
/// to several stages, or to the API itself, the whole API.
pub fn scopes_for_changes(targets: BTreeSet<Target>) -> Vec<Scope> {
    let mut by_api: BTreeMap<String, BTreeSet<Option<String>>> = BTreeMap::new();
    for (api, stage) in targets {
        by_api.entry(api).or_default().insert(stage);
    }
    by_api
        .into_iter()
        .map(|(api_id, stages)| {
            let stage = match stages.iter().collect::<Vec<_>>().as_slice() {
                [Some(stage)] => Some(stage.clone()),
                _ => None,
            };
            Scope {
                api_id: Some(api_id),
                stage,
                ..Scope::default()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_and_regions_decide_the_fan_out() {
        let own = Plan::region("eu-west-1", Scope::default());
        assert!(!own.fans_out());
        let all = Plan {
            regions: Regions::AllEnabled,
            ..own.clone()
        };
        assert!(all.fans_out());
        let roles = Accounts::new(&["arn:aws:iam::111122223333:role/gatecheck".into()], None);
        assert!(matches!(roles, Accounts::Roles(ref r) if r.len() == 1));
        assert!(Plan {
            accounts: roles,
            ..own.clone()
        }
        .fans_out());
        assert_eq!(
            Accounts::new(&[], Some("gatecheck")),
            Accounts::Organization {
                role_name: "gatecheck".into()
            }
        );
        assert_eq!(Accounts::new(&[], None), Accounts::Own);
    }

    #[test]
    fn one_changed_stage_scopes_to_it_and_several_to_the_api() {
        let change = |api: &str, stage: Option<&str>| (api.to_string(), stage.map(str::to_string));
        let scopes = scopes_for_changes(BTreeSet::from([
            change("a1", Some("prod")),
            change("b2", Some("prod")),
            change("b2", Some("dev")),
            change("c3", None),
            change("c3", Some("prod")),
        ]));
        let pairs: Vec<(Option<&str>, Option<&str>)> = scopes
            .iter()
            .map(|s| (s.api_id.as_deref(), s.stage.as_deref()))
            .collect();
        assert_eq!(
            pairs,
            [(Some("a1"), Some("prod")), (Some("b2"), None), (Some("c3"), None)]
        );
    }
}
