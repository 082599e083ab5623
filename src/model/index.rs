//! Hashed lookups over a snapshot, built once per audit or explanation.

use super::{ApiKey, IpSet, RestApi, Snapshot, UsagePlan, WebAcl};
use std::collections::HashMap;

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The lookups an audit makes per stage or per finding, built once: a scan of every plan for
/// every stage is quadratic, and an account can have thousands of both.
pub struct Index<'a> {
    // foldhash, not SipHash: the keys are AWS ids, not adversarial, and an evaluation of
    // ten thousand APIs looks them up hundreds of thousands of times.
    apis: FastMap<&'a str, &'a RestApi>,
    keys: FastMap<&'a str, &'a ApiKey>,
    web_acls: FastMap<&'a str, &'a WebAcl>,
    ip_sets: FastMap<&'a str, &'a IpSet>,
    /// API id → each listed stage with the plans that list it (an API has few stages).
    plans_by_stage: FastMap<&'a str, Vec<(&'a str, Vec<&'a UsagePlan>)>>,
}

impl<'a> Index<'a> {
    pub fn new(snapshot: &'a Snapshot) -> Self {
        let mut plans_by_stage: FastMap<&str, Vec<(&str, Vec<&UsagePlan>)>> = FastMap::default();
        for plan in &snapshot.usage_plans {
            for listed in &plan.api_stages {
                let stages = plans_by_stage.entry(&listed.api_id).or_default();
                let at = match stages.iter().position(|(stage, _)| *stage == listed.stage) {
                    Some(at) => at,
                    None => {
                        stages.push((&listed.stage, Vec::new()));
                        stages.len() - 1
                    }
                };
                let plans = &mut stages[at].1;
                // A plan listing the same stage twice covers it once.
                if !plans.iter().any(|p| std::ptr::eq(*p, plan)) {
                    plans.push(plan);
                }
            }
        }
        Index {
            apis: snapshot.rest_apis.iter().map(|a| (a.id.as_str(), a)).collect(),
            keys: snapshot.api_keys.iter().map(|k| (k.id.as_str(), k)).collect(),
            web_acls: snapshot.web_acls.iter().map(|a| (a.arn.as_str(), a)).collect(),
            ip_sets: snapshot.ip_sets.iter().map(|s| (s.arn.as_str(), s)).collect(),
            plans_by_stage,
        }
    }

    pub fn rest_api(&self, id: &str) -> Option<&'a RestApi> {
        self.apis.get(id).copied()
    }

    pub fn api_key(&self, id: &str) -> Option<&'a ApiKey> {
        self.keys.get(id).copied()
    }

    pub fn web_acl(&self, arn: &str) -> Option<&'a WebAcl> {
        self.web_acls.get(arn).copied()
    }

    pub fn ip_set(&self, arn: &str) -> Option<&'a IpSet> {
        self.ip_sets.get(arn).copied()
    }

    /// The usage plans that list `api_id`/`stage`, in the snapshot's order.
    pub fn plans_covering(&self, api_id: &str, stage: &str) -> &[&'a UsagePlan] {
        let stages = self.plans_by_stage.get(api_id).map_or(&[][..], Vec::as_slice);
        stages
            .iter()
            .find(|(listed, _)| *listed == stage)
            .map_or(&[], |(_, plans)| plans.as_slice())
    }
}
