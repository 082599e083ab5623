//! The Lambda entry point: settings checked and clients built once, then one audit per event.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    gatecheck::lambda::init_tracing();
    let settings = gatecheck::lambda::Settings::from_env()?;
    let function = gatecheck::lambda::Function::new(settings).await;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async {
        function.handle(event.payload).await.map_err(Error::from)
    }))
    .await
}
