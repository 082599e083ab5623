//! GC106: an API whose endpoint access mode is STRICT (with an enhanced TLS security policy, as
//! the console's API settings set them). Created without an endpoint configuration, it is
//! edge-optimized, and a Regional custom domain maps it: requests through the domain come
//! another way and are refused. A Regional API in the same mode behind a Regional domain is
//! the healthy control.

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        // The mode applies from the next deployment: set, then deployed.
        let mut edge = s.api("orders-strict-edge").await?;
        s.keyed(&mut edge, "/orders", "GET").await?;
        s.strict(&edge).await?;
        s.deploy_logged(&edge, "prod").await?;
        s.plan("orders-strict-edge-plan", &[(&edge, "prod")], &[&keys.enabled])
            .await?;
        s.domain("orders-strict.example.com", &[("orders", &edge.id, Some("prod"))])
            .await?;

        let mut regional = s
            .api_full("orders-strict-regional", EndpointType::Regional, None, false)
            .await?;
        s.keyed(&mut regional, "/orders", "GET").await?;
        s.strict(&regional).await?;
        s.deploy_logged(&regional, "prod").await?;
        s.plan("orders-strict-regional-plan", &[(&regional, "prod")], &[&keys.enabled])
            .await?;
        s.domain("orders-regional.example.com", &[("orders", &regional.id, Some("prod"))])
            .await?;
        Ok(vec![
            Expectation::reports(&edge, &["GC106"]),
            Expectation::healthy(&regional),
        ])
    })
}
