//! GC107: `{proxy+}` serves every sub-path, but the base path has no method; its control
//! answers on `/` too.

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let _ = keys;
        let mut api = s.api("gateway-proxy-without-root").await?;
        s.method(&mut api, "/{proxy+}", "ANY", false, "NONE", None).await?;
        s.deploy_logged(&api, "prod").await?;
        let mut control = s.api("healthy-proxy-with-root").await?;
        s.method(&mut control, "/{proxy+}", "ANY", false, "NONE", None).await?;
        s.method(&mut control, "/", "ANY", false, "NONE", None).await?;
        s.deploy_logged(&control, "prod").await?;
        Ok(vec![
            Expectation::reports(&api, &["GC107"]),
            Expectation::healthy(&control),
        ])
    })
}
