//! A small Admin GraphQL client for one shop: every request goes through the
//! shop's cost-aware [limiter](crate::limiter), a throttled answer is re-queued
//! (never returned while re-queuing helps), other failures are returned as they
//! are (the core `Retry` wrapper decides about those), and the last reported
//! query cost is kept for metrics.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lumitalk_core::provider::urgency;
use lumitalk_core::{ErrorKind, OrderSourceError};
use reqwest::Url;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::config::{ConfigError, HTTP_CLIENT, KIND, ShopifyConfig};
use crate::cost::Query;
use crate::error::{PROVIDER, classify, classify_transport, invalid_response, scrub};
use crate::limiter::{Admission, Limiter, LimiterStats, Request};
use crate::wire::{GraphqlRequest, QueryCost};

/// The access-token header.
pub const ACCESS_TOKEN_HEADER: &str = "X-Shopify-Access-Token";

const USER_AGENT_VALUE: &str = concat!("lumitalk-shopify/", env!("CARGO_PKG_VERSION"));

/// The cost assumed for a query whose cost cannot be computed from its text:
/// Shopify's limit for a single query.
const UNKNOWN_QUERY_COST: u32 = 1000;

/// How often one request is re-queued after throttled answers before the
/// throttled answer is returned (the estimate keeps being wrong: something else
/// drains the bucket).
const MAX_THROTTLED: u32 = 5;

/// A `RateLimited` error for a wait the limiter expects (at least 100 ms).
pub(crate) fn queue_full(wait: Duration) -> OrderSourceError {
    OrderSourceError::RateLimited {
        provider: PROVIDER,
        retry_after: Some(wait.max(Duration::from_millis(100))),
        message: "the shop's API cost limit needs a wait".into(),
    }
}

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

/// Sends GraphQL operations to one shop's Admin API. Cheap to clone (shared
/// state): clones share the shop's limiter, so build one client (or one
/// [`ShopifyOrderSource`](crate::ShopifyOrderSource)) per shop and share it.
#[derive(Clone)]
pub struct ShopifyClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    endpoint: Url,
    token: SecretString,
    timeout: Duration,
    max_queue_wait: Duration,
    limiter: Limiter,
    last_cost: Mutex<Option<QueryCost>>,
    /// Shopify's requested cost per (operation, our computed cost), when it
    /// counted higher than we do.
    calibration: Mutex<HashMap<(String, u32), f64>>,
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
                max_queue_wait: config.max_queue_wait(),
                limiter: Limiter::new(config.shop(), config.assumed_bucket()),
                last_cost: Mutex::new(None),
                calibration: Mutex::new(HashMap::new()),
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

    /// A snapshot of the shop's rate limiter: queue lengths, requests in flight,
    /// the estimated bucket, and counts of requests sent, throttled answers and
    /// speculative lookups dropped.
    pub fn limiter_stats(&self) -> LimiterStats {
        self.inner.limiter.stats()
    }

    pub(crate) fn limiter(&self) -> &Limiter {
        &self.inner.limiter
    }

    pub(crate) fn max_queue_wait(&self) -> Duration {
        self.inner.max_queue_wait
    }

    /// The cost to schedule `operation` with: ours (`computed`), or Shopify's if
    /// an earlier answer reported a higher requested cost for it.
    pub(crate) fn scheduling_cost(&self, operation: &str, computed: u32) -> f64 {
        let calibration = self
            .inner
            .calibration
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let reported = calibration
            .get(&(operation.to_string(), computed))
            .copied()
            .unwrap_or(0.0);
        f64::from(computed).max(reported)
    }

    fn calibrate(&self, operation: &str, computed: u32, cost: Option<&QueryCost>) {
        let Some(requested) = cost.and_then(|c| c.requested_query_cost) else {
            return;
        };
        if !(requested.is_finite() && requested > f64::from(computed)) {
            return;
        }
        let mut calibration = self
            .inner
            .calibration
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if calibration.len() >= 64 {
            calibration.clear();
        }
        calibration.insert((operation.to_string(), computed), requested);
    }

    /// Runs one GraphQL operation and decodes its `data` into `T`.
    ///
    /// Sends `{"query", "variables", "operationName"}` when the shop's limiter
    /// says the bucket holds the query's requested cost (computed from the query
    /// text; 1,000 points when it cannot be). The lookup's
    /// [urgency](lumitalk_core::provider::urgency) decides its place: a
    /// speculative request that cannot go at once is answered `RateLimited`
    /// without sending; any other waits its turn, at most the configured
    /// [`max_queue_wait`](crate::ShopifyConfigBuilder::max_queue_wait), and then
    /// gives its place up and answers `RateLimited` with the expected wait. A
    /// `THROTTLED` answer is re-queued at the front (up to five times), not
    /// returned. Other failures are never retried.
    ///
    /// Runs in a DEBUG `graphql` span (provider and operation name, never the
    /// variables); the answer's HTTP status, query cost, request id and, on failure,
    /// the error's kind and delay hint are logged at DEBUG. The assistant logs the
    /// failure it works around at WARN.
    ///
    /// # Errors
    /// Every failure is classified as described in the crate's error table.
    pub async fn graphql<T: DeserializeOwned>(
        &self,
        operation_name: &str,
        query: &str,
        variables: &Value,
    ) -> Result<T, OrderSourceError> {
        let computed = Query::parse(query)
            .ok()
            .and_then(|q| q.requested_cost(variables))
            .map_or(UNKNOWN_QUERY_COST, |c| {
                u32::try_from(c).unwrap_or(UNKNOWN_QUERY_COST)
            });
        let cost = self.scheduling_cost(operation_name, computed);
        let limiter = &self.inner.limiter;
        let mut request = limiter.request(cost, urgency());
        let max_wait = self.inner.max_queue_wait;
        match request.admit() {
            Admission::Now => {}
            Admission::Refused(wait) => return Err(queue_full(wait + limiter.latency())),
            Admission::Queued(wait) if wait > max_wait => {
                return Err(queue_full(wait + limiter.latency()));
            }
            Admission::Queued(_) => {
                if tokio::time::timeout(max_wait, request.ready())
                    .await
                    .is_err()
                {
                    let wait = limiter.queued_wait(request.id()).unwrap_or_default();
                    return Err(queue_full(wait + limiter.latency()));
                }
            }
        }
        let data = self
            .run(&mut request, operation_name, computed, query, variables)
            .await?;
        decode(data)
    }

    /// Sends an admitted `request`'s query when it is its turn, re-queuing it
    /// after a throttled answer (at most [`MAX_THROTTLED`] times).
    pub(crate) async fn run(
        &self,
        request: &mut Request,
        operation_name: &str,
        computed_cost: u32,
        query: &str,
        variables: &Value,
    ) -> Result<Value, OrderSourceError> {
        let mut throttled = 0;
        loop {
            request.ready().await;
            let started = tokio::time::Instant::now();
            let (result, cost, status) = self.send(operation_name, query, variables).await;
            self.calibrate(operation_name, computed_cost, cost.as_ref());
            let rate_limited = matches!(&result, Err(e) if e.kind() == ErrorKind::RateLimited);
            match result {
                // `THROTTLED` (HTTP 200): back to the front of the queue.
                Err(_)
                    if rate_limited
                        && matches!(status, Some(200..=299))
                        && throttled < MAX_THROTTLED =>
                {
                    throttled += 1;
                    request.throttled(cost.as_ref(), None);
                }
                // HTTP 429 (not Shopify's GraphQL way, but a proxy's): returned, and
                // nothing more is sent for the time it asks.
                Err(e) if rate_limited => {
                    request.answered(cost.as_ref(), started.elapsed(), e.retry_after());
                    return Err(e);
                }
                result => {
                    request.answered(cost.as_ref(), started.elapsed(), None);
                    return result;
                }
            }
        }
    }

    /// One POST: the GraphQL `data` or the classified failure, the query cost
    /// Shopify reported (either way), and the HTTP status if there was an answer.
    #[tracing::instrument(
        name = "graphql",
        level = "debug",
        skip_all,
        fields(provider = %crate::error::PROVIDER, operation = %operation_name)
    )]
    async fn send(
        &self,
        operation_name: &str,
        query: &str,
        variables: &Value,
    ) -> (
        Result<Value, OrderSourceError>,
        Option<QueryCost>,
        Option<u16>,
    ) {
        let body = match serde_json::to_vec(&GraphqlRequest {
            query,
            variables,
            operation_name,
        }) {
            Ok(body) => body,
            Err(_) => {
                let e = invalid_response("could not encode the request");
                return (Err(e), None, None);
            }
        };
        let mut token = match HeaderValue::from_str(self.inner.token.expose_secret()) {
            Ok(token) => token,
            Err(_) => {
                let e = OrderSourceError::Unauthorized {
                    provider: PROVIDER,
                    message: "the access token is not a valid header value".into(),
                };
                return (Err(e), None, None);
            }
        };
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
            .await;
        let response = match response {
            Ok(r) => r,
            Err(e) => {
                let e = debug_failure(None, classify_transport(&e, timeout));
                return (Err(e), None, None);
            }
        };
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = match response.bytes().await {
            Ok(b) => b,
            Err(e) => {
                let e = debug_failure(Some(status.as_u16()), classify_transport(&e, timeout));
                return (Err(e), None, Some(status.as_u16()));
            }
        };
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
        (classified.result, classified.cost, Some(status.as_u16()))
    }
}

/// `data` into the shape a query asked for.
pub(crate) fn decode<T: DeserializeOwned>(data: Value) -> Result<T, OrderSourceError> {
    serde_json::from_value(data).map_err(|e| {
        invalid_response(format!(
            "`data` does not have the expected shape: {}",
            scrub(&e.to_string())
        ))
    })
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
            .field("max_queue_wait", &self.inner.max_queue_wait)
            .finish_non_exhaustive()
    }
}
