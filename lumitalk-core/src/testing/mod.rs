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
mod lockout;
mod order_source;
mod records;
mod sessions;
mod speech;
mod stores;
mod telephony;

pub use classifier::{ClassifierCase, ClassifierFixture, classifier_conformance, context};
pub use lockout::{
    concurrent_attempts_share_one_budget, failures_lock_and_expire, keys_are_counted_apart,
    lockout_store_conformance, verified_and_withdrawn_attempts,
};
pub use order_source::{
    ExpectedOrder, OrderSourceFixture, a_missing_number_is_none,
    finds_an_order_by_its_exact_number, order_source_conformance, orders_by_phone_are_newest_first,
    orders_by_phone_respect_the_limit,
};
pub use records::{
    begin_call_is_idempotent, call_record_store_conformance, caller_deletion_is_scoped,
    deletions_keep_held_records, lookups_match_any_written_form,
    merchant_deletion_removes_everything, purge_keeps_the_boundary_and_holds,
    turns_round_trip_with_totals, unknown_calls_are_never_created,
};
pub use sessions::{
    racing_saves_store_one, session_store_conformance, sessions_compare_and_swap,
    sessions_expire_at_their_ttl, sessions_round_trip,
};
pub use speech::{SpeechFixture, speech_conformance};
pub use stores::{audio_expires_at_its_ttl, audio_round_trips, audio_store_conformance};
pub use telephony::{HOSTILE_TEXT, TelephonyFixture, telephony_conformance};
