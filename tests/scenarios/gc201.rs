//! GC201: WAF blocks by default and lets only the office's IP set through. Its access log
//! names each refusal's cause (the demo's traffic fills it).

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let office = s.ip_set("demo-office", &["198.51.100.0/24", "203.0.113.10/32"]).await?;
        let api = s.keyed_api("admin-waf-default-block", "/admin", "GET").await?;
        s.plan("admin-plan", &[(&api, "prod")], &[&keys.enabled]).await?;
        s.access_log(&api, "prod", super::super::traffic::JSON_ACCESS_LOG_FORMAT)
            .await?;
        s.web_acl(
            "demo-admin-acl",
            true,
            &[("office-only", WafRuleAction::Allow, &office)],
            (&api, "prod"),
        )
        .await?;
        Ok(vec![Expectation::reports(&api, &["GC201"])])
    })
}
