//! GC305: browsers' CORS preflight is refused: OPTIONS requires a key.

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let mut api = s.api("catalog-cors-preflight").await?;
        s.keyed(&mut api, "/products", "GET").await?;
        s.keyed(&mut api, "/products", "OPTIONS").await?;
        s.cors_gateway_responses(&api).await?;
        s.deploy_logged(&api, "prod").await?;
        s.plan("catalog-plan", &[(&api, "prod")], &[&keys.enabled]).await?;
        Ok(vec![Expectation::reports(&api, &["GC305"])])
    })
}
