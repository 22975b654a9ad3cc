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
pub mod conversation;
pub mod domain;
pub mod error;
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
pub use domain::*;
pub use error::{
    ClassifyError, ErrorKind, OrderSourceError, ProviderError, SpeechError, StoreError,
    TelephonyError,
};
pub use provider::*;
pub use reply::{ListenSpec, Next, Prompt, Reply, TransferSpec};
pub use store::*;
