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
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod clock;
pub mod conversation;
pub mod domain;
pub mod error;
pub mod provider;
pub mod reply;
pub mod store;

pub use clock::{Clock, ManualClock, TokioClock};
pub use domain::*;
pub use error::{
    ClassifyError, ErrorKind, OrderSourceError, ProviderError, SpeechError, StoreError,
    TelephonyError,
};
pub use provider::*;
pub use reply::{ListenSpec, Next, Prompt, Reply, TransferSpec};
pub use store::*;
