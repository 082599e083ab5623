//! GC101: the execute-api endpoint is off and no custom domain maps the API.

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let mut api = s
            .api_full("legacy-endpoint-disabled", EndpointType::Regional, None, true)
            .await?;
        s.keyed(&mut api, "/legacy", "GET").await?;
        s.deploy_logged(&api, "prod").await?;
        s.plan("legacy-endpoint-plan", &[(&api, "prod")], &[&keys.enabled])
            .await?;
        Ok(vec![Expectation::reports(&api, &["GC101"])])
    })
}
