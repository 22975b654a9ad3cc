//! Storage traits the assistant needs: sessions, audio and call records.

mod audio;
mod records;
mod session;

pub use audio::AudioStore;
pub use records::{
    CallOutcome, CallRecord, CallRecordStore, CallStart, Deleted, ProviderFailure, RetentionPolicy,
    TurnInput, TurnRecord, TurnTimings, UsageTotals,
};
pub use session::SessionStore;
