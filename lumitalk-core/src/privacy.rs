//! The privacy operations the product promises, in one place: export a
//! caller's data, delete a caller's or a merchant's data, purge records past
//! their retention window, and legal holds that survive purges.
//!
//! [`Privacy`] works with any [`CallRecordStore`] and [`AudioStore`]: every
//! deletion also removes the synthesized audio the deleted records referenced
//! (the audio may speak order details). The admin API, the Shopify compliance
//! webhooks and the retention job all go through it.
//!
//! ```
//! use std::sync::Arc;
//! use lumitalk_core::memory::{MemoryAudioStore, MemoryCallRecordStore};
//! use lumitalk_core::privacy::Privacy;
//! use lumitalk_core::{
//!     CallId, CallRecordStore, CallStart, Clock, ManualClock, MerchantId, PhoneNumber,
//!     RetentionPolicy, Timestamp,
//! };
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let clock = Arc::new(ManualClock::new(Timestamp::from_unix_seconds(1_800_000_000)));
//! let records = Arc::new(MemoryCallRecordStore::new());
//! let audio = Arc::new(MemoryAudioStore::new(1 << 20, clock.clone()));
//! let privacy = Privacy::new(records.clone(), audio, clock.clone(), RetentionPolicy::default());
//!
//! let caller = PhoneNumber::parse_e164("+14155550123").unwrap();
//! records.begin_call(&CallStart {
//!     call_id: CallId::new("CA1"),
//!     merchant: MerchantId::new("acme"),
//!     caller: Some(caller.clone()),
//!     called: None,
//!     started_at: clock.now(),
//! }).await?;
//!
//! let export = privacy.export_caller(&caller, None).await?;
//! assert_eq!(export["record_count"], 1);
//! let deleted = privacy.delete_caller(&caller, None).await?;
//! assert_eq!(deleted.records, 1);
//! # Ok::<(), lumitalk_core::StoreError>(())
//! # }).unwrap();
//! ```

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::clock::Clock;
use crate::domain::{CallId, Merchant, MerchantId, PhoneNumber, Timestamp};
use crate::error::StoreError;
use crate::store::{AudioStore, CallRecord, CallRecordStore, Deleted, RetentionPolicy};

/// The one JSON document answering an access request for `caller`:
///
/// ```json
/// { "caller": "+14155550123",
///   "exported_at": "2026-11-20T14:03:11.000Z",
///   "record_count": 1,
///   "records": [ { "call_id": "CA…", "merchant": "…", "turns": [ … ], … } ] }
/// ```
///
/// Records appear as given (stores list them oldest first), each in the serde
/// form of [`CallRecord`]: timestamps as RFC 3339, phone numbers in full E.164.
/// The document holds personal data by design: send it to the verified
/// requester, never to logs.
pub fn export_document(caller: &PhoneNumber, records: &[CallRecord], now: Timestamp) -> Value {
    json!({
        "caller": caller.as_e164(),
        "exported_at": now,
        "record_count": records.len(),
        "records": records,
    })
}

/// Privacy requests and retention over one deployment's call records and audio.
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Privacy {
    records: Arc<dyn CallRecordStore>,
    audio: Arc<dyn AudioStore>,
    clock: Arc<dyn Clock>,
    retention: Arc<RetentionPolicy>,
    /// The live state of calls (sessions, lockout counts), when the operations
    /// run for an assistant: deletions forget it too.
    assistant: Option<crate::assistant::Assistant>,
}

impl Privacy {
    /// Privacy operations over `records` and `audio`, purging by `retention`.
    pub fn new(
        records: Arc<dyn CallRecordStore>,
        audio: Arc<dyn AudioStore>,
        clock: Arc<dyn Clock>,
        retention: RetentionPolicy,
    ) -> Self {
        Privacy {
            records,
            audio,
            clock,
            retention: Arc::new(retention),
            assistant: None,
        }
    }

    /// The operations over an assistant's own stores and clock, each merchant's
    /// records kept for that merchant's window ([`Merchant::retention`]),
    /// others for `default_retention`.
    pub fn for_assistant(
        assistant: &crate::assistant::Assistant,
        default_retention: Duration,
    ) -> Self {
        Privacy {
            assistant: Some(assistant.clone()),
            ..Privacy::new(
                assistant.records().clone(),
                assistant.audio_store().clone(),
                assistant.clock().clone(),
                retention_for(default_retention, assistant.merchants().iter()),
            )
        }
    }

    /// The retention windows purges use.
    pub fn retention(&self) -> &RetentionPolicy {
        &self.retention
    }

    /// The call-record store.
    pub fn records(&self) -> &Arc<dyn CallRecordStore> {
        &self.records
    }

    /// Everything held about `caller` (one merchant's records, or all), as the
    /// [`export_document`].
    ///
    /// # Errors
    /// The store's error.
    pub async fn export_caller(
        &self,
        caller: &PhoneNumber,
        merchant: Option<&MerchantId>,
    ) -> Result<Value, StoreError> {
        let records = self.records.list_by_caller(caller, merchant).await?;
        Ok(export_document(caller, &records, self.clock.now()))
    }

    /// Deletes `caller`'s records (one merchant's, or everywhere) and the audio
    /// they reference.
    ///
    /// # Errors
    /// The store's error; nothing was deleted from the audio store then.
    pub async fn delete_caller(
        &self,
        caller: &PhoneNumber,
        merchant: Option<&MerchantId>,
    ) -> Result<Deleted, StoreError> {
        let deleted = self.records.delete_by_caller(caller, merchant).await?;
        self.remove_audio(&deleted).await;
        self.end_sessions(&deleted).await;
        if let Some(assistant) = &self.assistant
            && let Err(e) = assistant.forget_caller(caller).await
        {
            tracing::warn!(
                provider = assistant.lockout_store().name(),
                kind = e.kind().as_str(),
                "could not forget the caller's lockout count; it expires with its window"
            );
        }
        Ok(deleted)
    }

    /// Deletes all of a merchant's records and their audio (`shop/redact`).
    ///
    /// # Errors
    /// The store's error.
    pub async fn delete_merchant(&self, merchant: &MerchantId) -> Result<Deleted, StoreError> {
        let deleted = self.records.delete_merchant(merchant).await?;
        self.remove_audio(&deleted).await;
        self.end_sessions(&deleted).await;
        Ok(deleted)
    }

    /// Removes every record past its merchant's window and not on legal hold,
    /// and the audio those records referenced.
    ///
    /// # Errors
    /// The store's error.
    pub async fn purge_expired(&self) -> Result<Deleted, StoreError> {
        let deleted = self
            .records
            .purge_expired(self.clock.now(), &self.retention)
            .await?;
        self.remove_audio(&deleted).await;
        Ok(deleted)
    }

    /// Sets (`true`) or releases a legal hold on a call's record; held records
    /// survive purges. `Ok(false)` when there is no record for the call.
    ///
    /// # Errors
    /// The store's error.
    pub async fn set_legal_hold(&self, call: &CallId, hold: bool) -> Result<bool, StoreError> {
        self.records.set_legal_hold(call, hold).await
    }

    /// The deleted calls' live sessions go too (a call still in progress then
    /// starts over, knowing nothing). Best effort: sessions expire on their own.
    async fn end_sessions(&self, deleted: &Deleted) {
        let Some(assistant) = &self.assistant else {
            return;
        };
        let sessions = assistant.sessions();
        for call in &deleted.calls {
            if let Err(e) = sessions.remove(call).await {
                tracing::warn!(
                    provider = sessions.name(),
                    kind = e.kind().as_str(),
                    "could not remove the session of a deleted call; it expires on its own"
                );
            }
        }
    }

    /// Audio removal is best effort: audio expires on its own within minutes,
    /// so a failure here leaves nothing behind for long.
    async fn remove_audio(&self, deleted: &Deleted) {
        if deleted.audio.is_empty() {
            return;
        }
        if let Err(e) = self.audio.remove(&deleted.audio).await {
            tracing::warn!(
                provider = self.audio.name(),
                kind = e.kind().as_str(),
                "could not remove the audio of deleted records; it expires on its own"
            );
        }
    }
}

/// The retention policy for a set of merchants: each merchant's own window,
/// `default` for any other.
pub fn retention_for<'a>(
    default: Duration,
    merchants: impl Iterator<Item = &'a Merchant>,
) -> RetentionPolicy {
    RetentionPolicy {
        default,
        per_merchant: merchants.map(|m| (m.id.clone(), m.retention)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::CallStart;

    #[test]
    fn document_shape() {
        let caller = PhoneNumber::parse_e164("+14155550123").unwrap();
        let record = CallRecord::new(CallStart {
            call_id: CallId::new("CA1"),
            merchant: MerchantId::new("shop"),
            caller: Some(caller.clone()),
            called: None,
            started_at: Timestamp::from_unix_seconds(1_700_000_000),
        });
        let doc = export_document(&caller, &[record], Timestamp::from_unix_seconds(0));
        assert_eq!(doc["caller"], "+14155550123");
        assert_eq!(doc["exported_at"], "1970-01-01T00:00:00.000Z");
        assert_eq!(doc["record_count"], 1);
        assert_eq!(doc["records"][0]["call_id"], "CA1");
        assert_eq!(doc["records"][0]["caller"], "+14155550123");
        let empty = export_document(&caller, &[], Timestamp::EPOCH);
        assert_eq!(empty["records"], json!([]));
    }
}
