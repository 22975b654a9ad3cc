//! # lumitalk-core
//!
//! The heart of LumiTalk, an AI phone assistant for eCommerce stores: the domain
//! (phone numbers, orders, intents, merchants), the provider traits every adapter
//! implements ([`Telephony`], [`OrderSource`], [`IntentClassifier`], [`Speech`],
//! and the stores [`SessionStore`], [`AudioStore`], [`CallRecordStore`]), their
//! error enums, and the carrier-neutral [`Reply`] a turn produces.
//!
//! No network code lives here: adapters (`lumitalk-twilio`, `lumitalk-shopify`,
//! `lumitalk-openai`, `lumitalk-elevenlabs`, `lumitalk-sqlite`) implement the traits.
//!
//! Also here: [`wrappers`] (timeout, retry, fallback, routing, the speech cache)
//! that implement the same traits, real in-memory implementations of every trait
//! in [`memory`] (demo mode runs on them), and conformance suites for
//! implementations in `testing` (feature `testing`).
//!
//! The types the traits take are re-exported ([`async_trait`](macro@async_trait), [`Bytes`],
//! [`Url`], [`SecretString`] and [`ExposeSecret`], and the [`secrecy`] crate), so
//! an implementation of a trait needs no other dependency.
//!
//! # Example
//!
//! Look up a demo order and classify what a caller said, offline:
//!
//! ```
//! use std::sync::Arc;
//! use lumitalk_core::memory::{DemoOrderStore, KeywordClassifier};
//! use lumitalk_core::{
//!     ClassifyContext, ExpectedEntity, Intent, IntentClassifier, Language, MerchantId,
//!     OrderSource, Utterance,
//! };
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let orders: Arc<dyn OrderSource> = Arc::new(DemoOrderStore::demo());
//! let classifier: Arc<dyn IntentClassifier> = Arc::new(KeywordClassifier::new());
//!
//! let context = ClassifyContext {
//!     merchant_name: "Acme Outdoor".into(),
//!     language: Language::en_us(),
//!     last_prompt: "What is your order number?".into(),
//!     expected: ExpectedEntity::OrderNumber,
//! };
//! let said = Utterance::speech("um, it's one oh oh nine", Some(0.87));
//! let c = classifier.classify(&said, &context).await?;
//! assert_eq!(c.intent, Intent::ProvideOrderNumber);
//! let number = c.entities.order_number.expect("an order number");
//!
//! let order = orders
//!     .order_by_number(&MerchantId::new("demo"), &number)
//!     .await?
//!     .expect("order #1009 is in the demo store");
//! assert_eq!(order.name, "#1009");
//! assert_eq!(order.fulfillments[0].carrier.as_deref(), Some("FedEx"));
//!
//! // Pressing 0 always asks for a person.
//! let c = classifier.classify(&Utterance::digits("0"), &context).await?;
//! assert_eq!(c.intent, Intent::Human);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod assistant;
pub mod clock;
pub mod config;
pub mod conversation;
pub mod domain;
pub mod error;
mod forward;
pub mod memory;
pub mod privacy;
pub mod provider;
pub mod reply;
pub mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod wrappers;

pub use assistant::{Assistant, AssistantBuildError, AssistantBuilder, TurnOutcome};
pub use clock::{Clock, ManualClock, TokioClock};
pub use config::{ConfigError, ConfigProblem, Setting};
pub use domain::*;
pub use error::{
    ClassifyError, ErrorKind, OrderSourceError, ProviderError, SpeechError, StoreError,
    TelephonyError,
};
pub use provider::*;
pub use reply::{ListenSpec, Next, Prompt, Reply, TransferSpec};
pub use store::*;

// The types the traits above take, so that `lumitalk-core` is the only dependency
// an implementation needs (`#[lumitalk_core::async_trait]`, `lumitalk_core::Url`, ...).
// Their versions are this crate's: a crate naming `url` or `bytes` itself must pick
// semver-compatible ones.
#[doc(no_inline)]
pub use async_trait::async_trait;
#[doc(no_inline)]
pub use bytes::Bytes;
#[doc(no_inline)]
pub use secrecy::{self, ExposeSecret, SecretString};
#[doc(no_inline)]
pub use url::Url;

// The README's examples run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct OwnReadmeDoctests;
