//! GC605: an API with a CORS preflight whose refusals carry no Access-Control-Allow-Origin: a
//! browser shows a CORS error instead of the 403.

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let mut api = s.api("storefront-cors-refusals").await?;
        s.keyed(&mut api, "/basket", "GET").await?;
        s.method(&mut api, "/basket", "OPTIONS", false, "NONE", None).await?;
        s.deploy_logged(&api, "prod").await?;
        s.plan("storefront-cors-plan", &[(&api, "prod")], &[&keys.enabled])
            .await?;
        Ok(vec![Expectation::reports(&api, &["GC605"])])
    })
}
