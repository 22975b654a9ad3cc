//! Storage traits the assistant needs: sessions, the verification lockout,
//! audio and call records.

mod audio;
mod lockout;
mod records;
mod session;

pub use audio::AudioStore;
pub use lockout::{
    ATTEMPT_HOLD, AttemptGrant, AttemptOutcome, LockoutKey, LockoutPolicy, LockoutStore,
};
pub use records::{
    CallOutcome, CallRecord, CallRecordStore, CallStart, Deleted, ProviderFailure, RetentionPolicy,
    TurnInput, TurnRecord, TurnTimings, UsageTotals,
};
pub use session::{SessionSave, SessionStore, StoredSession};
