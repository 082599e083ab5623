//! GC402: a canary sends a tenth of the calls to a deployment that does not require the key.

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let mut api = s.keyed_api("quotes-canary-drops-key", "/quotes", "GET").await?;
        s.plan("quotes-plan", &[(&api, "prod")], &[&keys.enabled]).await?;
        s.canary_without_key(&mut api, "/quotes", "GET", "prod", 10.0).await?;
        Ok(vec![Expectation::reports(&api, &["GC402"])])
    })
}
