//! # lumitalk-shopify
//!
//! Shopify as LumiTalk's [`OrderSource`](lumitalk_core::OrderSource): orders by
//! number or by the caller's phone over the Admin GraphQL API, and the three
//! mandatory compliance webhooks, verified and parsed into typed requests.
//!
//! ## Looking up orders
//!
//! ```no_run
//! use lumitalk_core::{MerchantId, OrderNumber, OrderSource, PhoneNumber};
//! use lumitalk_shopify::{ShopifyConfig, ShopifyOrderSource};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // SHOPIFY_SHOP=acme SHOPIFY_ACCESS_TOKEN=shpat_… (SHOPIFY_API_VERSION defaults to 2026-10)
//! let config = ShopifyConfig::from_env()?;
//! let orders = ShopifyOrderSource::new(&config)?;
//! let merchant = MerchantId::new("acme");
//!
//! let number = OrderNumber::parse("order one zero zero one")?;
//! if let Some(order) = orders.order_by_number(&merchant, &number).await? {
//!     println!("{} is {:?}", order.name, order.fulfillment_status);
//! }
//!
//! let caller = PhoneNumber::parse_e164("+14155550123")?;
//! let recent = orders.recent_orders_by_phone(&merchant, &caller, 3).await?;
//! println!("{} recent orders; last query cost {:?}", recent.len(), orders.client().last_cost());
//! # Ok(())
//! # }
//! ```
//!
//! - **By number**: the search `name:"1001"` is not exact (it also finds
//!   `#10010`), so candidates are sorted by order number, the first is fetched,
//!   and it is kept only if its name carries exactly those digits (`#1001`, or
//!   the shop's own prefix/suffix form such as `EU-1001`): every inexact match
//!   has a longer digit run, i.e. a larger number. No match is `Ok(None)`.
//! - **By phone**: Shopify's `orders` query has no phone filter, so the customer
//!   whose default phone number is exactly the caller's E.164 number is found
//!   first, then that customer's newest orders in the same request (at most
//!   `limit`, capped at [`MAX_ORDERS_PER_PHONE`]).
//! - **Guest checkouts** have no customer record (`customer: null`). Their orders
//!   carry a phone only on the order or its shipping address, which Shopify cannot
//!   search, so a phone lookup never finds them: the caller is asked for the order
//!   number instead, and verified with the shipping ZIP or the phone on the order
//!   (which the mapped [`Order`](lumitalk_core::Order) does carry).
//! - Without the `read_all_orders` scope Shopify shows only the last 60 days of
//!   orders. Reading names, phones and addresses needs Level 2 protected customer
//!   data access; without it Shopify answers `ACCESS_DENIED`, which becomes a
//!   permanent `Unauthorized` error naming the scope rather than a silent
//!   "no customer".
//!
//! ## Lean queries
//!
//! A query reads only the fields some code path uses (no email, no last names,
//! no line-item titles, no tracking URLs; a test lists each field with its
//! user). Shopify checks a query's *requested* cost against the shop's bucket
//! before running it; by its rules the lookups request
//! [`ORDER_BY_NAME_REQUESTED_COST`] (18 points, 147 before) and
//! [`orders_by_phone_requested_cost`]`(n)` (`10 + 28 × n`: 94 for 3 orders,
//! 184 before).
//!
//! ## Rate limit, queue and cache
//!
//! One [`ShopifyOrderSource`] (and its clones) serves one shop and holds that
//! shop's limiter and order cache; build one per shop and share it.
//!
//! - **Limiter.** Every answer's `extensions.cost.throttleStatus` (throttled
//!   ones too) updates an estimate of the shop's bucket, refilled at the
//!   restore rate between answers and reduced by the requested cost of requests
//!   in flight; before the first answer it assumes
//!   [`ShopifyConfigBuilder::assumed_bucket`] (default the Standard plan's 2,000
//!   points restoring 100 per second). No request is sent that the estimate
//!   does not cover.
//! - **Priorities.** The lookup's
//!   [`urgency`](lumitalk_core::provider::urgency) decides its place: lookups a
//!   caller waits for queue first-in first-out; a speculative one (the
//!   caller-ID lookup at pick-up) that cannot go at once, or while a caller
//!   waits, is answered `RateLimited` (with the expected wait) without
//!   sending anything.
//! - **Waiting.** A caller's lookup expected to wait longer than
//!   [`max_queue_wait`](ShopifyConfigBuilder::max_queue_wait) (default 2 s,
//!   `SHOPIFY_MAX_QUEUE_WAIT_MS`) is answered `RateLimited` with the expected
//!   wait as `retry_after` after at most that long, while the request keeps its
//!   place and finishes in the background; its answer lands in the cache, so
//!   the caller's next attempt (after a holding phrase) is answered from it, or
//!   joins the request still in flight.
//! - **THROTTLED** (the estimate was wrong, e.g. another process of the app
//!   used the bucket) corrects the estimate and re-queues the request at the
//!   front of its queue: a lookup does not see `THROTTLED`.
//! - **Single-flight and cache.** Identical lookups in flight (the same number,
//!   or the same phone and page size) share one request. Answers, found or not,
//!   are reused for [`order_cache_ttl`](ShopifyConfigBuilder::order_cache_ttl)
//!   (default 30 s, `SHOPIFY_ORDER_CACHE_TTL_MS`, 0 disables; at most
//!   [`ORDER_CACHE_CAPACITY`], oldest first out); a phone's orders also answer
//!   lookups of their numbers. [`forget_cached`](lumitalk_core::OrderSource::forget_cached)
//!   drops every answer about a phone and every cached order whose customer
//!   phone it is.
//! - **Observability.** [`ShopifyClient::limiter_stats`], and through the
//!   `metrics` facade (labelled `shop`): `lumitalk_shopify_queue_length`
//!   (gauge), `lumitalk_shopify_queue_wait_seconds` (histogram, also labelled
//!   `urgency`), `lumitalk_shopify_speculative_dropped_total` (counter).
//!
//! The bucket estimate sits behind a small seam (observe a report, estimate
//! now) so that a shared implementation (e.g. in Redis, for several processes
//! serving one shop) can follow; the queue stays per process.
//!
//! ## Errors
//!
//! Every failure is classified in one function into core's
//! [`OrderSourceError`](lumitalk_core::OrderSourceError):
//!
//! | what Shopify sent | error |
//! |---|---|
//! | HTTP 200, `errors[].extensions.code == "THROTTLED"` | re-queued (see above); after five in a row, `RateLimited`, wait from `throttleStatus` |
//! | the limiter's queue is too long (see above) | `RateLimited`, the expected wait |
//! | HTTP 429 | `RateLimited`, wait from `Retry-After` (seconds, fractions allowed); nothing is sent for that long |
//! | HTTP 5xx, or GraphQL `INTERNAL_SERVER_ERROR` | `Unavailable` (retryable) |
//! | HTTP 401 | `Unauthorized` (bad or revoked token) |
//! | HTTP 402 / 423 | `Unauthorized` (shop frozen / locked) |
//! | HTTP 403, or GraphQL `ACCESS_DENIED` | `Unauthorized`, naming the missing scope when Shopify does |
//! | HTTP 404 | `InvalidRequest` (unknown shop or API version) |
//! | other HTTP 4xx, other GraphQL errors | `InvalidRequest` with Shopify's code and message |
//! | body not JSON, `errors` of an unknown shape, no `data` | `InvalidResponse` |
//! | HTTP 3xx (never followed: the token would go along) | `InvalidResponse` |
//! | request timed out / could not connect | `Timeout` / `Unavailable` |
//!
//! Apart from re-queuing `THROTTLED`, the adapter never retries: wrap it in
//! core's retry wrapper, which honours the `retry_after` hint.
//! [`ShopifyClient::last_cost`] exposes the latest `extensions.cost` (requested
//! and actual cost, bucket state) for metrics.
//!
//! ## Compliance webhooks
//!
//! ```
//! use lumitalk_core::Region;
//! use lumitalk_shopify::webhook::{sign, verify_hmac, ComplianceRequest};
//! use secrecy::SecretString;
//!
//! // Shopify's own test vector.
//! let secret = SecretString::from("test_secret_key");
//! let hmac = "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=";
//! assert!(verify_hmac(br#"{"foo": "bar"}"#, hmac, &secret).is_ok());
//!
//! // A server passes X-Shopify-Topic, X-Shopify-Hmac-Sha256 and the raw body.
//! let body = br#"{"shop_id":954889,"shop_domain":"acme.myshopify.com"}"#;
//! let header = sign(body, &secret);
//! let request = ComplianceRequest::from_webhook(
//!     Some("shop/redact"), Some(&header), body, &secret, Region::NANP,
//! )?;
//! assert_eq!(request.shop().domain, "acme.myshopify.com");
//!
//! let forged = ComplianceRequest::from_webhook(
//!     Some("shop/redact"), Some(&header), b"{}", &secret, Region::NANP,
//! );
//! assert_eq!(forged.unwrap_err().http_status(), 401);
//! # Ok::<(), lumitalk_shopify::webhook::WebhookError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod cache;
mod client;
mod config;
mod cost;
mod error;
mod limiter;
mod map;
mod orders;
mod search;
pub mod webhook;
mod wire;

pub use client::{ACCESS_TOKEN_HEADER, ShopifyClient};
pub use config::{
    BucketSize, ConfigError, ConfigProblem, DEFAULT_API_VERSION, DEFAULT_MAX_QUEUE_WAIT,
    DEFAULT_ORDER_CACHE_TTL, DEFAULT_TIMEOUT, ENV_ACCESS_TOKEN, ENV_API_BASE_URL, ENV_API_VERSION,
    ENV_MAX_QUEUE_WAIT_MS, ENV_ORDER_CACHE_TTL_MS, ENV_SHOP, ENV_TIMEOUT_MS, ORDER_CACHE_CAPACITY,
    ShopifyConfig, ShopifyConfigBuilder,
};
pub use error::throttle_wait;
pub use limiter::LimiterStats;
pub use orders::ShopifyOrderSource;
pub use search::{SearchQuery, quote};
pub use wire::{
    MAX_ORDERS_PER_PHONE, ORDER_BY_NAME_REQUESTED_COST, ORDERS_BY_PHONE_MAX_REQUESTED_COST,
    ORDERS_BY_PHONE_REQUESTED_COST, QueryCost, ThrottleStatus, orders_by_phone_requested_cost,
};

// The README's examples run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct OwnReadmeDoctests;
