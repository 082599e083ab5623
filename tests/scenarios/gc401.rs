//! GC401: the key requirement was dropped after the last deployment; the stage still asks for
//! one.

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let mut api = s.keyed_api("profile-undeployed-change", "/me", "GET").await?;
        s.plan("profile-plan", &[(&api, "prod")], &[&keys.enabled]).await?;
        s.set_api_key_required(&mut api, "/me", "GET", false).await?;
        Ok(vec![Expectation::reports(&api, &["GC401"])])
    })
}
