//! GC504: a domain routes by rules only, so its mapping is ignored, and one of its rules still
//! sends /legacy to a stage deleted long ago (both the domain's findings); its other rule is
//! healthy.

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let api = s.keyed_api("rules-routed-domain", "/items", "GET").await?;
        s.plan("rules-routed-plan", &[(&api, "prod")], &[&keys.enabled]).await?;
        s.domain_routed_by_rules("rules.example.com", &[("items", &api.id, Some("prod"))])
            .await?;
        s.routing_rule("rules.example.com", 10, "legacy", &api.id, "v1").await?;
        // Its other rule sends /current to the live stage, stripping the base path: healthy.
        s.routing_rule("rules.example.com", 20, "current", &api.id, "prod")
            .await?;
        // The rule's finding is placed on the stage it invokes.
        Ok(vec![Expectation::reports(&api, &["GC504"])])
    })
}
