//! GC301: a key is required, but the stage is in no usage plan; built by an SDK and by the
//! console (with its CORS preflight), and once silenced by a `gatecheck:ignore` tag.

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let _ = keys;
        let sdk_made = s.keyed_api("orders-no-usage-plan", "/orders", "GET").await?;

        let mut console_made = s.api("console-cors-no-usage-plan").await?;
        s.console_keyed(&mut console_made, "/orders", "GET").await?;
        s.enable_cors(&mut console_made, "/orders", "GET").await?;
        s.deploy_logged(&console_made, "prod").await?;

        // A known gap, silenced with a tag: counted as suppressed, not reported.
        let mut silenced = s
            .api_with(
                "legacy-suppressed",
                ApiKeySourceType::Header,
                &[("gatecheck:ignore", "GC301")],
            )
            .await?;
        s.keyed(&mut silenced, "/legacy", "GET").await?;
        s.deploy_logged(&silenced, "prod").await?;
        let mut suppressed = Expectation::healthy(&silenced);
        suppressed.suppressed = vec!["GC301"];

        Ok(vec![
            Expectation::reports(&sdk_made, &["GC301"]),
            Expectation::reports(&console_made, &["GC301"]),
            suppressed,
        ])
    })
}
