//! The region's execute-api interface VPC endpoints: one paginated DescribeVpcEndpoints a
//! region and audit, filtered to the execute-api service. EC2 meters its describe calls in a
//! bucket of 100 that refills at 20 a second (EC2 API reference, "Request throttling"), so one
//! read a region needs no limiter of its own; throttling is retried by the SDK and, past that,
//! a gap that blinds only the checks that read the endpoints.

use super::{Reader, Unread};
use crate::model::{Part, VpcEndpoint};
use aws_sdk_ec2::types::Filter;

/// `com.amazonaws.<region>.execute-api`, the service private APIs are reached through.
fn execute_api_service(region: &str) -> String {
    format!("com.amazonaws.{region}.execute-api")
}

pub(crate) async fn read_vpc_endpoints(reader: &Reader) -> Vec<VpcEndpoint> {
    let filter = Filter::builder()
        .name("service-name")
        .values(execute_api_service(&reader.region))
        .build();
    let pages = reader
        .ec2
        .describe_vpc_endpoints()
        .filters(filter)
        .into_paginator()
        .items()
        .send()
        .try_collect();
    let Some(endpoints) = reader
        .read(Unread::region(Part::VpcEndpoints, "DescribeVpcEndpoints"), pages)
        .await
    else {
        return Vec::new();
    };
    endpoints
        .iter()
        // Gateway endpoints have no policy for execute-api and carry no DNS: interface only.
        .filter(|e| {
            e.vpc_endpoint_type()
                .is_none_or(|t| t.as_str().eq_ignore_ascii_case("Interface"))
        })
        .filter_map(|e| {
            Some(VpcEndpoint {
                id: e.vpc_endpoint_id()?.to_string(),
                vpc_id: e.vpc_id().unwrap_or_default().to_string(),
                private_dns: e.private_dns_enabled().unwrap_or(false),
                policy: e.policy_document().map(str::to_string),
                state: e.state().map(|s| s.as_str().to_string()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_filter_names_the_regions_execute_api_service() {
        assert_eq!(
            super::execute_api_service("eu-west-1"),
            "com.amazonaws.eu-west-1.execute-api"
        );
    }
}
