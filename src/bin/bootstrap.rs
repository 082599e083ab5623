//! The Lambda entry point: settings checked and clients built once, then one audit per event.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    gatecheck::lambda::init_tracing();
    let settings = gatecheck::lambda::Settings::from_env()?;
    let function = gatecheck::lambda::Function::new(settings).await;
    let function = &function;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        function
            .handle_until(event.payload, event.context.deadline)
            .await
            .map_err(Error::from)
    }))
    .await
}
