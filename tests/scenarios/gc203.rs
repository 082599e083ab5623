//! GC203: AWS's common rule set blocks in full on an API's stage: bodies over 8 KB and calls
//! without a User-Agent are refused (GC202, info, lists the blocking rule); its control
//! overrides those two rules to Count.

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let api = s.keyed_api("uploads-managed-rules-block", "/uploads", "POST").await?;
        s.plan("uploads-plan", &[(&api, "prod")], &[&keys.enabled]).await?;
        s.managed_rules_acl("demo-common-rules", "AWSManagedRulesCommonRuleSet", &[], (&api, "prod"))
            .await?;
        let control = s.keyed_api("healthy-managed-rules-counted", "/uploads", "POST").await?;
        s.plan("uploads-counted-plan", &[(&control, "prod")], &[&keys.enabled])
            .await?;
        s.managed_rules_acl(
            "demo-common-rules-counted",
            "AWSManagedRulesCommonRuleSet",
            &["SizeRestrictions_BODY", "NoUserAgent_HEADER"],
            (&control, "prod"),
        )
        .await?;
        Ok(vec![
            Expectation::reports(&api, &["GC202", "GC203"]),
            Expectation::reports(&control, &["GC202"]),
        ])
    })
}
