//! GC307 and GC501: v1 was replaced by v2 and deleted; the plan and a custom domain still
//! point at v1 (and so no plan covers the live stage: GC301).

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let mut api = s.api("shipping-stale-stage").await?;
        s.keyed(&mut api, "/parcels", "GET").await?;
        s.deploy(&api, "v1").await?;
        s.deploy_logged(&api, "v2").await?;
        s.plan("shipping-plan", &[(&api, "v1")], &[&keys.enabled]).await?;
        s.domain("shipping.example.com", &[("parcels", &api.id, Some("v1"))])
            .await?;
        s.delete_stage(&api, "v1").await?;
        Ok(vec![Expectation::reports(&api, &["GC301", "GC307", "GC501"])])
    })
}
