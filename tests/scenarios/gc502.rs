//! GC502: partners reach a healthy API through a domain that requires client certificates (a
//! domain's finding, not the API's).

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let api = s.keyed_api("partners-mtls-domain", "/items", "GET").await?;
        s.plan("partners-mtls-plan", &[(&api, "prod")], &[&keys.enabled])
            .await?;
        s.domain_with_truststore(
            "partners.example.com",
            &[("items", &api.id, Some("prod"))],
            Some("s3://demo-truststore/partners.pem"),
        )
        .await?;
        Ok(vec![Expectation::healthy(&api)])
    })
}
