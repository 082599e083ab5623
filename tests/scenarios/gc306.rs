//! GC306: some methods of a keyed stage need no key, so quotas don't apply to them.

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let mut api = s.api("inventory-key-not-enforced").await?;
        s.keyed(&mut api, "/stock", "GET").await?;
        s.method(&mut api, "/stock", "PUT", false, "NONE", None).await?;
        s.deploy_logged(&api, "prod").await?;
        s.plan("inventory-plan", &[(&api, "prod")], &[&keys.enabled]).await?;
        Ok(vec![Expectation::reports(&api, &["GC306"])])
    })
}
