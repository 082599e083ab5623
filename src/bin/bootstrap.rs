//! The Lambda entry point: settings checked and clients built once, then one audit per event.
// The runtime's service stack around a handler that returns a Diagnostic nests deeper than
// the compiler's default query depth in a release build.
#![recursion_limit = "256"]

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
            .map_err(|err| gatecheck::lambda::diagnostic(&err))
    }))
    .await
}
