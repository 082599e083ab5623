//! The HTTP client under every API Gateway client gatecheck builds: each request waits for
//! the account-region's limiter, and each response loses the null values that API Gateway
//! sends inside maps (see `nulls.rs`) before the SDK reads it.

use super::nulls::drop_null_values;
use super::rate_limit::Limiter;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use std::fmt;

#[derive(Clone)]
pub struct ApiGatewayHttpClient {
    inner: SharedHttpClient,
    limiter: Option<Limiter>,
}

impl fmt::Debug for ApiGatewayHttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiGatewayHttpClient")
            .field("limiter", &self.limiter)
            .finish_non_exhaustive()
    }
}

impl ApiGatewayHttpClient {
    /// Wraps `inner`, or the SDK's default HTTPS client when there is none.
    pub fn new(inner: Option<SharedHttpClient>, limiter: Option<Limiter>) -> Self {
        let inner = inner.unwrap_or_else(|| {
            aws_smithy_http_client::Builder::new()
                .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                    aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc,
                ))
                .build_https()
        });
        ApiGatewayHttpClient { inner, limiter }
    }
}

impl HttpClient for ApiGatewayHttpClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(EdgeConnector {
            inner: self.inner.http_connector(settings, components),
            limiter: self.limiter.clone(),
        })
    }
}

#[derive(Clone)]
struct EdgeConnector {
    inner: SharedHttpConnector,
    limiter: Option<Limiter>,
}

impl fmt::Debug for EdgeConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EdgeConnector").finish_non_exhaustive()
    }
}

impl HttpConnector for EdgeConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (inner, limiter) = (self.inner.clone(), self.limiter.clone());
        HttpConnectorFuture::new(async move {
            if let Some(limiter) = &limiter {
                limiter.until_ready(request.method(), request.uri()).await;
            }
            let mut response = inner.call(request).await?;
            // The SDK reads the body only after this returns: read it here, whole, so that
            // its null values can go. A body cut short is the same I/O error it would be there.
            let body = ByteStream::new(response.take_body())
                .collect()
                .await
                .map_err(|err| ConnectorError::io(err.into()))?
                .into_bytes();
            *response.body_mut() = match drop_null_values(&body) {
                Some(cleaned) => {
                    response
                        .headers_mut()
                        .insert("content-length", cleaned.len().to_string());
                    SdkBody::from(cleaned)
                }
                None => SdkBody::from(body),
            };
            Ok(response)
        })
    }
}
