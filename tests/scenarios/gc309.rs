//! GC309: a Lambda authorizer caches its policy (AWS's default 300 s) for two methods.

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let _ = keys;
        let mut api = s.api("tickets-cached-authorizer").await?;
        let authorizer = s.token_authorizer(&api, "cached-tokens").await?;
        for verb in ["GET", "POST"] {
            s.method(&mut api, "/tickets", verb, false, "CUSTOM", Some(&authorizer))
                .await?;
        }
        s.deploy_logged(&api, "prod").await?;
        Ok(vec![Expectation::reports(&api, &["GC309"])])
    })
}
