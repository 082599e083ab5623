//! GC108: CloudFront distributions in front of APIs' execute-api hostnames. One behaviour
//! sends every viewer header (Managed-AllViewer, the console's first choice for "all"), one
//! whitelists Host in its legacy cache settings: both send the viewer's Host and API Gateway
//! refuses. A third withholds Host (Managed-AllViewerExceptHostHeader), the healthy control.

use super::super::seed::{Forwarding, MANAGED_ALL_VIEWER, MANAGED_ALL_VIEWER_EXCEPT_HOST};
use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let mut apis = Vec::new();
        for name in [
            "catalog-cdn-all-viewer",
            "catalog-cdn-legacy-host",
            "catalog-cdn-except-host",
        ] {
            let mut api = s.api_full(name, EndpointType::Regional, None, false).await?;
            s.keyed(&mut api, "/items", "GET").await?;
            s.deploy_logged(&api, "prod").await?;
            s.plan(&format!("{name}-plan"), &[(&api, "prod")], &[&keys.enabled])
                .await?;
            apis.push(api);
        }
        s.cloudfront_in_front(
            &apis[0],
            "prod",
            "catalog.example.com",
            Forwarding::Policy(MANAGED_ALL_VIEWER),
        )
        .await?;
        s.cloudfront_in_front(
            &apis[1],
            "prod",
            "catalog-legacy.example.com",
            Forwarding::Legacy(&["Host", "Authorization"]),
        )
        .await?;
        s.cloudfront_in_front(
            &apis[2],
            "prod",
            "catalog-ok.example.com",
            Forwarding::Policy(MANAGED_ALL_VIEWER_EXCEPT_HOST),
        )
        .await?;
        Ok(vec![
            Expectation::reports(&apis[0], &["GC108"]),
            Expectation::reports(&apis[1], &["GC108"]),
            Expectation::healthy(&apis[2]),
        ])
    })
}
