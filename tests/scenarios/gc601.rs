//! GC601: execution logging is off, so the next 403's reason is written nowhere. GC602: the
//! demo account has no CloudWatch role for API Gateway (nothing is seeded for it).

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let mut api = s.api("audit-logging-off").await?;
        s.keyed(&mut api, "/events", "GET").await?;
        s.deploy(&api, "prod").await?;
        s.plan("audit-plan", &[(&api, "prod")], &[&keys.enabled]).await?;
        Ok(vec![Expectation::reports(&api, &["GC601"])])
    })
}
