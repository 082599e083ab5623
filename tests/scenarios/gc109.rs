//! GC109: a private API whose policy admits its VPC endpoint, behind an endpoint whose own
//! policy (private DNS off) lets only the account's IAM principals invoke: unsigned callers
//! are anonymous there and refused before the API's policy is read.

use super::*;

const ENDPOINT_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"execute-api:Invoke","Resource":"*"}]}"#;

pub fn seed<'a>(s: &'a Seeder, keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        let vpce = s.execute_api_endpoint(false, Some(ENDPOINT_POLICY)).await?;
        let policy = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{{"StringEquals":{{"aws:SourceVpce":"{vpce}"}}}}}}]}}"#
        );
        let mut api = s
            .api_full("internal-endpoint-policy", EndpointType::Private, Some(&policy), false)
            .await?;
        s.keyed(&mut api, "/jobs", "GET").await?;
        s.deploy_logged(&api, "prod").await?;
        s.plan("internal-endpoint-plan", &[(&api, "prod")], &[&keys.enabled])
            .await?;
        Ok(vec![Expectation::reports(&api, &["GC103", "GC109"])])
    })
}
