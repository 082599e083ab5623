//! Healthy controls: APIs on which an audit must report nothing (a private API's GC103, info,
//! says who it lets in), made by an SDK, as the console makes them and by an OpenAPI import.

use super::*;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let mut out = Vec::new();

        // Keyed, with an unkeyed preflight and refusals a browser can read, a custom domain
        // and a web ACL that only counts.
        let mut api = s.api("healthy-keyed").await?;
        s.keyed(&mut api, "/items", "GET").await?;
        s.method(&mut api, "/items", "OPTIONS", false, "NONE", None).await?;
        s.cors_gateway_responses(&api).await?;
        s.deploy_logged(&api, "prod").await?;
        s.plan("healthy-plan", &[(&api, "prod")], &[&keys.enabled]).await?;
        s.domain("items.example.com", &[("items", &api.id, Some("prod"))])
            .await?;
        let counted = s.ip_set("demo-watchlist", &["198.18.0.0/15"]).await?;
        s.web_acl(
            "demo-count-only-acl",
            false,
            &[("watchlist", WafRuleAction::Count, &counted)],
            (&api, "prod"),
        )
        .await?;
        out.push(Expectation::healthy(&api));

        // Key source AUTHORIZER, with the authorizer that supplies the key.
        let mut api = s
            .api_with("healthy-authorizer-source", ApiKeySourceType::Authorizer, &[])
            .await?;
        let authorizer = s.token_authorizer(&api, "key-supplier").await?;
        s.method(&mut api, "/accounts", "GET", true, "CUSTOM", Some(&authorizer))
            .await?;
        s.deploy_logged(&api, "prod").await?;
        s.plan("healthy-authorizer-plan", &[(&api, "prod")], &[&keys.authorizer])
            .await?;
        out.push(Expectation::healthy(&api));

        let mut api = s.api("healthy-iam-no-keys").await?;
        s.method(&mut api, "/status", "GET", false, "AWS_IAM", None).await?;
        s.deploy_logged(&api, "prod").await?;
        out.push(Expectation::healthy(&api));

        // One plan's key is disabled, the other's is not.
        let api = s.keyed_api("healthy-two-plans", "/quotes", "GET").await?;
        s.plan("two-plans-disabled", &[(&api, "prod")], &[&keys.disabled])
            .await?;
        s.plan("two-plans-enabled", &[(&api, "prod")], &[&keys.enabled]).await?;
        out.push(Expectation::healthy(&api));

        // A private API whose policy admits one VPC endpoint, reached from the VPC through a
        // private custom domain name read by its domainNameId.
        let mut api = s
            .api_full("healthy-private-vpce", EndpointType::Private, Some(VPCE_POLICY), false)
            .await?;
        s.keyed(&mut api, "/internal", "GET").await?;
        s.deploy_logged(&api, "prod").await?;
        s.plan("private-plan", &[(&api, "prod")], &[&keys.enabled]).await?;
        s.private_domain("internal.example.com", &[("(none)", &api.id, Some("prod"))])
            .await?;
        out.push(Expectation::reports(&api, &["GC103"]));

        // As the console builds them: empty mapping templates that API Gateway returns as
        // null, CORS preflights, Lambda proxies; and an OpenAPI import.
        let mut api = s.api("healthy-console-cors").await?;
        s.console_keyed(&mut api, "/orders", "GET").await?;
        s.enable_cors(&mut api, "/orders", "GET").await?;
        s.deploy_logged(&api, "prod").await?;
        s.plan("healthy-console-plan", &[(&api, "prod")], &[&keys.enabled])
            .await?;
        out.push(Expectation::healthy(&api));

        let mut api = s.api("healthy-lambda-proxy").await?;
        s.lambda_proxy(&mut api, "/orders", "POST", true).await?;
        s.enable_cors(&mut api, "/orders", "POST").await?;
        s.deploy_logged(&api, "prod").await?;
        s.plan("healthy-lambda-proxy-plan", &[(&api, "prod")], &[&keys.enabled])
            .await?;
        out.push(Expectation::healthy(&api));

        let api = s
            .import_openapi(
                "healthy-imported-openapi",
                &openapi_definition("healthy-imported-openapi"),
            )
            .await?;
        s.deploy_logged(&api, "prod").await?;
        s.plan("healthy-imported-plan", &[(&api, "prod")], &[&keys.enabled])
            .await?;
        out.push(Expectation::healthy(&api));

        Ok(out)
    })
}
