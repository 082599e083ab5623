//! GC302: the plan lists the stage but holds no key; made by an SDK and by an OpenAPI import.

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let _ = keys;
        let sdk_made = s.keyed_api("billing-plan-without-keys", "/invoices", "GET").await?;
        s.plan("billing-plan", &[(&sdk_made, "prod")], &[]).await?;

        let imported = s
            .import_openapi(
                "imported-openapi-plan-without-keys",
                &openapi_definition("imported-openapi-plan-without-keys"),
            )
            .await?;
        s.deploy_logged(&imported, "prod").await?;
        s.plan("imported-plan", &[(&imported, "prod")], &[]).await?;
        Ok(vec![
            Expectation::reports(&sdk_made, &["GC302"]),
            Expectation::reports(&imported, &["GC302"]),
        ])
    })
}
