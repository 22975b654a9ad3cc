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
//! - **By number**: the search `name:"1001"` is not exact, so up to five candidates
//!   are fetched and only the order whose name carries exactly those digits
//!   (`#1001`, or the shop's own prefix/suffix form such as `EU-1001`) is kept.
//!   No match is `Ok(None)`.
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
//! ## Errors
//!
//! Every failure is classified in one function into core's
//! [`OrderSourceError`](lumitalk_core::OrderSourceError):
//!
//! | what Shopify sent | error |
//! |---|---|
//! | HTTP 200, `errors[].extensions.code == "THROTTLED"` | `RateLimited`, wait from `throttleStatus` |
//! | HTTP 429 | `RateLimited`, wait from `Retry-After` (seconds, fractions allowed) |
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
//! The adapter never retries: wrap it in core's retry wrapper, which honours the
//! `retry_after` hint. [`ShopifyClient::last_cost`] exposes the latest
//! `extensions.cost` (requested and actual cost, bucket state) for metrics.
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

mod client;
mod config;
mod error;
mod map;
mod orders;
mod search;
pub mod webhook;
mod wire;

pub use client::{ACCESS_TOKEN_HEADER, ShopifyClient};
pub use config::{
    ConfigError, ConfigProblem, DEFAULT_API_VERSION, DEFAULT_TIMEOUT, ENV_ACCESS_TOKEN,
    ENV_API_BASE_URL, ENV_API_VERSION, ENV_SHOP, ENV_TIMEOUT_MS, ShopifyConfig,
    ShopifyConfigBuilder,
};
pub use error::throttle_wait;
pub use orders::ShopifyOrderSource;
pub use search::{SearchQuery, quote};
pub use wire::{MAX_ORDERS_PER_PHONE, QueryCost, ThrottleStatus};

// The README's examples run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct OwnReadmeDoctests;
