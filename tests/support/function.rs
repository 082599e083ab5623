//! The function as it runs on a schedule, against the emulator: a region of moto's default
//! account with a topic (a queue subscribed to it) and a state bucket.

use super::{Subscribed, TestAccount};
use gatecheck::aws::s3_state::{StateLocation, StateStore};
use gatecheck::lambda::{Function, Settings};
use gatecheck::report::Report;
use serde_json::Value;

/// The emulator's default account, which the function's own reads use.
pub const ACCOUNT: &str = "123456789012";

/// The sample scheduled event.
pub fn scheduled() -> Value {
    serde_json::from_str(include_str!("../../events/scheduled.json")).expect("the sample event")
}

/// A region of moto's default account with a topic, a queue on it and a state bucket.
pub struct Setup {
    pub region: String,
    pub sdk: aws_config::SdkConfig,
    pub subscribed: Subscribed,
    pub bucket: String,
    pub account: TestAccount,
}

impl Setup {
    pub async fn new(region: &str) -> Setup {
        let sdk = super::sdk_config(&super::moto().endpoint, region);
        let bucket = format!("gatecheck-state-{region}");
        let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build());
        let location = aws_sdk_s3::types::BucketLocationConstraint::from(region);
        s3.create_bucket()
            .bucket(&bucket)
            .create_bucket_configuration(
                aws_sdk_s3::types::CreateBucketConfiguration::builder()
                    .location_constraint(location)
                    .build(),
            )
            .send()
            .await
            .expect("bucket");
        Setup {
            region: region.to_string(),
            subscribed: Subscribed::new(&sdk, &format!("findings-{region}")).await,
            sdk,
            bucket,
            account: TestAccount::new(ACCOUNT, region),
        }
    }

    pub fn function_at(&self, sdk: &aws_config::SdkConfig, extra: &[(&str, &str)]) -> Function {
        let topic = self.subscribed.topic.clone();
        let settings = Settings::from_lookup(|name| {
            if let Some((_, value)) = extra.iter().find(|(k, _)| *k == name) {
                return Some(value.to_string());
            }
            match name {
                "GATECHECK_REGIONS" => Some(self.region.clone()),
                "GATECHECK_TOPIC_ARN" => Some(topic.clone()),
                "GATECHECK_STATE_BUCKET" => Some(self.bucket.clone()),
                "GATECHECK_PUBLISH_SEVERITY" => Some("high".into()),
                "GATECHECK_MAX_RPS" => Some("100".into()),
                _ => None,
            }
        })
        .expect("settings");
        Function::with_sdk_config(settings, sdk.clone())
    }

    pub fn function(&self, extra: &[(&str, &str)]) -> Function {
        self.function_at(&self.sdk, extra)
    }

    pub async fn run(&self, function: &Function) -> (Report, Value) {
        let response = function.handle(scheduled()).await.expect("invocation");
        (serde_json::from_value(response.clone()).expect("a report"), response)
    }

    /// The `change` attribute of each message the queue received, with its body.
    pub async fn published(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for body in self.subscribed.bodies().await {
            let envelope: Value = serde_json::from_str(&body).expect("an SNS envelope");
            let change = envelope["MessageAttributes"]["change"]["Value"]
                .as_str()
                .unwrap_or_default();
            out.push((
                change.to_string(),
                envelope["Message"].as_str().unwrap_or_default().to_string(),
            ));
        }
        out
    }

    pub async fn state(&self) -> gatecheck::state::State {
        let store = StateStore::new(
            &self.sdk,
            StateLocation::new(&self.bucket, "gatecheck/").expect("location"),
        );
        store
            .load(Some(ACCOUNT), &self.region)
            .await
            .expect("readable")
            .expect("a state")
    }

    pub async fn save(&self, state: &gatecheck::state::State) {
        let store = StateStore::new(
            &self.sdk,
            StateLocation::new(&self.bucket, "gatecheck/").expect("location"),
        );
        let stored = store
            .load_versioned(state.account.as_deref(), &state.region)
            .await
            .expect("readable");
        store.save_if(state, stored.etag.as_deref()).await.expect("saved");
    }
}
