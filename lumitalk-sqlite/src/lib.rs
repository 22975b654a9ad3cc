//! # lumitalk-sqlite
//!
//! The embedded, durable default [`CallRecordStore`] for LumiTalk: every call's
//! record (caller, merchant, turns, classifications, audio references, provider
//! latencies and errors, usage totals, outcome) in one SQLite file, with the
//! privacy operations the product promises:
//!
//! - **Retention**: [`CallRecordStore::purge_expired`] removes exactly the
//!   records older than their merchant's window and not on legal hold.
//! - **Access**: [`privacy::export_document`] / [`privacy::export_caller`]
//!   build one JSON document with everything held for a phone number.
//! - **Deletion**: per caller (per merchant or everywhere) and per merchant
//!   (`shop/redact`); each returns the audio ids the removed records
//!   referenced, to delete from the [`AudioStore`](lumitalk_core::AudioStore).
//!
//! SQLite is bundled (no system library needed), runs in WAL mode with
//! `synchronous = FULL` (a write is durable once acknowledged) on dedicated
//! threads, never on the async runtime's workers. See [`SqliteCallRecordStore`].
//!
//! ```
//! use lumitalk_core::{
//!     CallId, CallOutcome, CallRecordStore, CallStart, MerchantId, PhoneNumber, Region,
//!     Timestamp, TurnInput, TurnRecord, TurnTimings,
//! };
//! use lumitalk_sqlite::{SqliteCallRecordStore, privacy};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = SqliteCallRecordStore::open_in_memory()?;
//! let call = CallId::new("CA0001");
//! let caller = PhoneNumber::parse("(415) 555-0123", Region::NANP)?;
//! let start = Timestamp::parse_rfc3339("2026-11-20T14:03:11Z")?;
//!
//! store
//!     .begin_call(&CallStart {
//!         call_id: call.clone(),
//!         merchant: MerchantId::new("acme.myshopify.com"),
//!         caller: Some(caller.clone()),
//!         called: None,
//!         started_at: start,
//!     })
//!     .await?;
//! let turn = TurnRecord {
//!     at: start,
//!     input: TurnInput::Speech { text: "where is my order".into(), confidence: Some(0.92) },
//!     classification: None,
//!     reply_text: "What is your order number?".into(),
//!     audio: Vec::new(),
//!     timings: TurnTimings { total_ms: 420, ..TurnTimings::default() },
//!     retry_attempts: 0,
//!     errors: Vec::new(),
//!     tts_characters: 26,
//!     events: Vec::new(),
//! };
//! assert!(store.append_turn(&call, &turn).await?);
//! store.finish_call(&call, CallOutcome::Resolved, start.plus(std::time::Duration::from_secs(60))).await?;
//!
//! // Any input form of the number finds the record.
//! let same_caller = PhoneNumber::parse("+1 415-555-0123", Region::NANP)?;
//! let records = store.list_by_caller(&same_caller, None).await?;
//! assert_eq!(records.len(), 1);
//! assert_eq!(records[0].turns[0].reply_text, "What is your order number?");
//!
//! let doc = privacy::export_document(&caller, &records, Timestamp::now_from_system());
//! assert_eq!(doc["records"][0]["call_id"], "CA0001");
//!
//! let deleted = store.delete_by_caller(&caller, None).await?;
//! assert_eq!(deleted.records, 1);
//! assert!(store.list_by_caller(&caller, None).await?.is_empty());
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod config;
mod error;
mod ops;
pub mod privacy;
mod schema;
mod store;
mod worker;

pub use config::{
    ConfigError, ConfigProblem, ENV_PATH, ENV_SYNCHRONOUS, SqliteConfig, SqliteConfigBuilder,
    Synchronous,
};
pub use lumitalk_core::CallRecordStore;
pub use store::SqliteCallRecordStore;

// The README's examples run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct OwnReadmeDoctests;
