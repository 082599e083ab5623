//! GC603: every 4XX answers a body without the reason, so callers cannot tell a missing key
//! from a missing path.

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let api = s.keyed_api("ledger-opaque-errors", "/entries", "GET").await?;
        s.plan("ledger-plan", &[(&api, "prod")], &[&keys.enabled]).await?;
        s.gateway_response(&api, "DEFAULT_4XX", None, r#"{"error":"request refused"}"#)
            .await?;
        Ok(vec![Expectation::reports(&api, &["GC603"])])
    })
}
