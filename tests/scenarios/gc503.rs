//! GC503: a private API behind a private domain that no VPC endpoint is associated with:
//! nothing reaches it (a domain's finding; GC103, info, says who the API lets in).

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let mut api = s
            .api_full(
                "ops-private-unassociated-domain",
                EndpointType::Private,
                Some(VPCE_POLICY),
                false,
            )
            .await?;
        s.keyed(&mut api, "/ops", "GET").await?;
        s.deploy_logged(&api, "prod").await?;
        s.plan("ops-private-plan", &[(&api, "prod")], &[&keys.enabled]).await?;
        s.private_domain_with("ops.internal.example.com", &[("(none)", &api.id, Some("prod"))], None)
            .await?;
        Ok(vec![Expectation::reports(&api, &["GC103"])])
    })
}
