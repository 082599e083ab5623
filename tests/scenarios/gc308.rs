//! GC308: a per-method throttle names a method the API no longer has.

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let api = s.keyed_api("search-stale-throttle", "/search", "GET").await?;
        s.plan_with_throttle("search-plan", (&api, "prod"), "/lookup/GET", &[&keys.enabled])
            .await?;
        Ok(vec![Expectation::reports(&api, &["GC308"])])
    })
}
