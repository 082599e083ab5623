//! GC103: only one office's addresses may call, worth knowing when a partner gets 403.

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let mut api = s
            .api_full(
                "partners-ip-allowlist",
                EndpointType::Regional,
                Some(IP_ALLOWLIST_POLICY),
                false,
            )
            .await?;
        s.keyed(&mut api, "/partners", "GET").await?;
        s.deploy_logged(&api, "prod").await?;
        s.plan("partners-plan", &[(&api, "prod")], &[&keys.enabled]).await?;
        Ok(vec![Expectation::reports(&api, &["GC103"])])
    })
}
