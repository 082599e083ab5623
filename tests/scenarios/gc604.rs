//! GC604: access logs in the common log format, which a 403's cause is not in.

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let api = s.keyed_api("events-clf-access-log", "/events", "GET").await?;
        s.plan("events-plan", &[(&api, "prod")], &[&keys.enabled]).await?;
        s.access_log(
        &api,
        "prod",
        "$context.identity.sourceIp $context.requestTime $context.httpMethod $context.resourcePath $context.status $context.requestId",
    )
    .await?;
        Ok(vec![Expectation::reports(&api, &["GC604"])])
    })
}
