//! GC303: the only key in the plan is disabled; made by an SDK and as the console makes a
//! Lambda proxy.

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let sdk_made = s.keyed_api("payments-disabled-key", "/payments", "POST").await?;
        s.plan("payments-plan", &[(&sdk_made, "prod")], &[&keys.disabled])
            .await?;

        let mut console_made = s.api("console-lambda-proxy-disabled-key").await?;
        s.lambda_proxy(&mut console_made, "/orders", "POST", true).await?;
        s.enable_cors(&mut console_made, "/orders", "POST").await?;
        s.deploy_logged(&console_made, "prod").await?;
        s.plan("lambda-proxy-plan", &[(&console_made, "prod")], &[&keys.disabled])
            .await?;
        Ok(vec![
            Expectation::reports(&sdk_made, &["GC303"]),
            Expectation::reports(&console_made, &["GC303"]),
        ])
    })
}
