//! GC202: WAF allows by default but blocks a list of addresses.

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let blocklist = s.ip_set("demo-blocklist", &["192.0.2.0/24"]).await?;
        let api = s.keyed_api("storefront-waf-blocklist", "/cart", "GET").await?;
        s.plan("storefront-plan", &[(&api, "prod")], &[&keys.enabled]).await?;
        s.web_acl(
            "demo-storefront-acl",
            false,
            &[("blocklist", WafRuleAction::Block, &blocklist)],
            (&api, "prod"),
        )
        .await?;
        Ok(vec![Expectation::reports(&api, &["GC202"])])
    })
}
