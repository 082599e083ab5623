//! GC304: the key source is AUTHORIZER, but no Lambda authorizer supplies the key.

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let mut api = s
            .api_with("reports-authorizer-source", ApiKeySourceType::Authorizer, &[])
            .await?;
        s.keyed(&mut api, "/reports", "GET").await?;
        s.deploy_logged(&api, "prod").await?;
        s.plan("reports-plan", &[(&api, "prod")], &[&keys.authorizer]).await?;
        Ok(vec![Expectation::reports(&api, &["GC304"])])
    })
}
