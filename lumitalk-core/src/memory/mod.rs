//! Real in-memory implementations of every provider trait: they are demo mode,
//! and the reference each adapter's behaviour is compared with.
//!
//! | trait | implementation |
//! |---|---|
//! | [`OrderSource`](crate::OrderSource) | [`DemoOrderStore`] (20 demo orders, see [`demo_orders`]) |
//! | [`IntentClassifier`](crate::IntentClassifier) | [`KeywordClassifier`] (offline rules) |
//! | [`Telephony`](crate::Telephony) | [`SimulatedTelephony`] (signed JSON webhooks) |
//! | [`SessionStore`](crate::SessionStore) | [`MemorySessionStore`] |
//! | [`LockoutStore`](crate::LockoutStore) | [`MemoryLockoutStore`] |
//! | [`AudioStore`](crate::AudioStore) | [`MemoryAudioStore`] (byte-bounded LRU) |
//! | [`CallRecordStore`](crate::CallRecordStore) | [`MemoryCallRecordStore`] |

mod audio;
mod classifier;
mod lockout;
mod orders;
mod records;
mod session;
mod telephony;

pub use audio::{DEFAULT_AUDIO_CAPACITY, MemoryAudioStore};
pub use classifier::KeywordClassifier;
pub use lockout::MemoryLockoutStore;
pub use orders::{DemoOrderStore, demo_orders};
pub use records::MemoryCallRecordStore;
pub use session::MemorySessionStore;
pub use telephony::{
    ControlRequest, SIGNATURE_HEADER, SimulatedEvent, SimulatedKind, SimulatedTelephony,
};
