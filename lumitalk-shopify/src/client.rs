//! A small Admin GraphQL client: one POST per call, no retries (the core `Retry`
//! wrapper decides that), and the last reported query cost kept for metrics.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lumitalk_core::OrderSourceError;
use reqwest::Url;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::config::{ConfigError, HTTP_CLIENT, KIND, ShopifyConfig};
use crate::error::{classify, classify_transport, invalid_response, scrub};
use crate::wire::{GraphqlRequest, QueryCost};

/// The access-token header.
pub const ACCESS_TOKEN_HEADER: &str = "X-Shopify-Access-Token";

const USER_AGENT_VALUE: &str = concat!("lumitalk-shopify/", env!("CARGO_PKG_VERSION"));

/// The client used unless one is injected: `timeout` for the whole request and for
/// connecting, and no redirects (the access token is a custom header, which reqwest
/// would carry to another host).
fn default_http_client(timeout: Duration) -> Result<reqwest::Client, ConfigError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| {
            let reason = format!("the default HTTP client could not be built ({e}); inject one");
            ConfigError::invalid(KIND, HTTP_CLIENT, reason)
        })
}

/// Sends GraphQL operations to one shop's Admin API. Cheap to clone (shared state).
#[derive(Clone)]
pub struct ShopifyClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    endpoint: Url,
    token: SecretString,
    timeout: Duration,
    last_cost: Mutex<Option<QueryCost>>,
}

impl ShopifyClient {
    /// A client for the configured shop.
    ///
    /// # Errors
    /// If the HTTP client cannot be built (TLS backend initialisation).
    pub fn new(config: &ShopifyConfig) -> Result<Self, ConfigError> {
        let http = match config.http_client() {
            Some(injected) => injected.clone(),
            None => default_http_client(config.timeout())?,
        };
        Ok(ShopifyClient {
            inner: Arc::new(Inner {
                http,
                endpoint: config.graphql_url(),
                token: config.access_token().clone(),
                timeout: config.timeout(),
                last_cost: Mutex::new(None),
            }),
        })
    }

    /// The GraphQL endpoint, `{base}/admin/api/{version}/graphql.json`.
    pub fn endpoint(&self) -> &Url {
        &self.inner.endpoint
    }

    /// The query cost and bucket state from the most recent response that carried
    /// them (including a throttled one), for metrics and pacing.
    pub fn last_cost(&self) -> Option<QueryCost> {
        *self
            .inner
            .last_cost
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs one GraphQL operation and decodes its `data` into `T`.
    ///
    /// Sends `{"query", "variables", "operationName"}` once; never retries.
    ///
    /// Runs in a DEBUG `graphql` span (provider and operation name, never the
    /// variables); the answer's HTTP status, query cost, request id and, on failure,
    /// the error's kind and delay hint are logged at DEBUG. The assistant logs the
    /// failure it works around at WARN.
    ///
    /// # Errors
    /// Every failure is classified as described in the crate's error table.
    #[tracing::instrument(
        name = "graphql",
        level = "debug",
        skip_all,
        fields(provider = %crate::error::PROVIDER, operation = %operation_name)
    )]
    pub async fn graphql<T: DeserializeOwned>(
        &self,
        operation_name: &str,
        query: &str,
        variables: &Value,
    ) -> Result<T, OrderSourceError> {
        let body = serde_json::to_vec(&GraphqlRequest {
            query,
            variables,
            operation_name,
        })
        .map_err(|_| invalid_response("could not encode the request"))?;
        let mut token = HeaderValue::from_str(self.inner.token.expose_secret()).map_err(|_| {
            OrderSourceError::Unauthorized {
                provider: crate::error::PROVIDER,
                message: "the access token is not a valid header value".into(),
            }
        })?;
        token.set_sensitive(true);
        let timeout = self.inner.timeout;
        let response = self
            .inner
            .http
            .post(self.inner.endpoint.clone())
            // Per request, not client defaults, so that an injected client gets them too.
            .header(ACCESS_TOKEN_HEADER, token)
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE))
            .timeout(timeout)
            .body(body)
            .send()
            .await
            .map_err(|e| debug_failure(None, classify_transport(&e, timeout)))?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| debug_failure(Some(status.as_u16()), classify_transport(&e, timeout)))?;
        let classified = classify(status, &headers, &bytes);
        debug_answer(
            status.as_u16(),
            &headers,
            classified.cost,
            &classified.result,
        );
        if let Some(cost) = classified.cost {
            *self
                .inner
                .last_cost
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(cost);
        }
        let data = classified.result?;
        serde_json::from_value(data).map_err(|e| {
            invalid_response(format!(
                "`data` does not have the expected shape: {}",
                scrub(&e.to_string())
            ))
        })
    }
}

/// Logs a failure before a full answer at DEBUG (its kind only: transport errors
/// can name the URL).
fn debug_failure(status: Option<u16>, e: OrderSourceError) -> OrderSourceError {
    tracing::debug!(status, kind = %e.kind().as_str(), "GraphQL request failed");
    e
}

/// Logs an answer at DEBUG: status, cost, Shopify's request id and, for an error,
/// its kind and delay hint (not its message, which may quote the shop's data).
fn debug_answer(
    status: u16,
    headers: &HeaderMap,
    cost: Option<QueryCost>,
    result: &Result<Value, OrderSourceError>,
) {
    if !tracing::enabled!(tracing::Level::DEBUG) {
        return;
    }
    let request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let requested = cost.and_then(|c| c.requested_query_cost);
    let actual = cost.and_then(|c| c.actual_query_cost);
    let available = cost
        .and_then(|c| c.throttle_status)
        .map(|t| t.currently_available);
    match result {
        Ok(_) => tracing::debug!(
            status,
            request_id,
            cost_requested = requested,
            cost_actual = actual,
            cost_available = available,
            "GraphQL answer"
        ),
        Err(e) => tracing::debug!(
            status,
            request_id,
            kind = %e.kind().as_str(),
            retry_after_ms = e.retry_after().map(|d| d.as_millis() as u64),
            cost_requested = requested,
            cost_available = available,
            "GraphQL request failed"
        ),
    }
}

impl fmt::Debug for ShopifyClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShopifyClient")
            .field("endpoint", &self.inner.endpoint.as_str())
            .field("access_token", &"<redacted>")
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}
