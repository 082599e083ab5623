//! GC102: a private API with no resource policy refuses everything.

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let mut api = s
            .api_full("internal-private-no-policy", EndpointType::Private, None, false)
            .await?;
        s.keyed(&mut api, "/jobs", "GET").await?;
        s.deploy_logged(&api, "prod").await?;
        s.plan("internal-plan", &[(&api, "prod")], &[&keys.enabled]).await?;
        Ok(vec![Expectation::reports(&api, &["GC102"])])
    })
}
