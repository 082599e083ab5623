//! GC104: an IPv4 allow list on an API that takes IPv6 calls refuses those (and GC103 says
//! who is let in).

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let mut api = s
            .dualstack_api("partners-dualstack-ipv4-policy", Some(IP_ALLOWLIST_POLICY))
            .await?;
        s.keyed(&mut api, "/partners", "GET").await?;
        s.deploy_logged(&api, "prod").await?;
        s.plan("partners-v6-plan", &[(&api, "prod")], &[&keys.enabled]).await?;
        Ok(vec![Expectation::reports(&api, &["GC103", "GC104"])])
    })
}
