//! Conformance suites: the contract of each provider trait, as code.
//!
//! Each suite is a free async function over `&dyn Trait` and a fixture that
//! describes the data the implementation serves. It panics with a message naming
//! the broken rule, so it reads well as a test failure. Core runs every suite
//! against the [`memory`](crate::memory) implementations; every adapter crate
//! runs the same suite against its provider's wire format (wiremock on
//! localhost), so all implementations keep one contract.
//!
//! Enable with the `testing` feature (as a dev-dependency):
//!
//! ```toml
//! [dev-dependencies]
//! lumitalk-core = { workspace = true, features = ["testing"] }
//! ```
//!
//! ```
//! use lumitalk_core::memory::DemoOrderStore;
//! use lumitalk_core::testing::{OrderSourceFixture, order_source_conformance};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! order_source_conformance(&DemoOrderStore::demo(), &OrderSourceFixture::demo()).await;
//! # });
//! ```

mod classifier;
mod order_source;
mod records;
mod speech;
mod stores;
mod telephony;

pub use classifier::{ClassifierCase, ClassifierFixture, classifier_conformance, context};
pub use order_source::{ExpectedOrder, OrderSourceFixture, order_source_conformance};
pub use records::call_record_store_conformance;
pub use speech::{SpeechFixture, speech_conformance};
pub use stores::{audio_store_conformance, session_store_conformance};
pub use telephony::{HOSTILE_TEXT, TelephonyFixture, telephony_conformance};
