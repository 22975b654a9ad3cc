//! Privacy operations that work with any [`CallRecordStore`]: the access-request
//! export document.
//!
//! Deletion needs no helper: [`CallRecordStore::delete_by_caller`] and
//! [`CallRecordStore::delete_merchant`] return the audio ids to remove from the
//! [`AudioStore`](lumitalk_core::AudioStore) as well.

use lumitalk_core::{CallRecord, CallRecordStore, MerchantId, PhoneNumber, StoreError, Timestamp};
use serde_json::{Value, json};

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
pub fn export_document(records: &[CallRecord], caller: &PhoneNumber, now: Timestamp) -> Value {
    json!({
        "caller": caller.as_e164(),
        "exported_at": now,
        "record_count": records.len(),
        "records": records,
    })
}

/// Lists `caller`'s records in `store` (optionally one merchant's) and wraps
/// them in [`export_document`].
///
/// # Errors
/// The store's error.
pub async fn export_caller(
    store: &dyn CallRecordStore,
    caller: &PhoneNumber,
    merchant: Option<&MerchantId>,
    now: Timestamp,
) -> Result<Value, StoreError> {
    let records = store.list_by_caller(caller, merchant).await?;
    Ok(export_document(&records, caller, now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lumitalk_core::{CallId, CallStart};

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
        let doc = export_document(&[record], &caller, Timestamp::from_unix_seconds(0));
        assert_eq!(doc["caller"], "+14155550123");
        assert_eq!(doc["exported_at"], "1970-01-01T00:00:00.000Z");
        assert_eq!(doc["record_count"], 1);
        assert_eq!(doc["records"][0]["call_id"], "CA1");
        assert_eq!(doc["records"][0]["caller"], "+14155550123");
        let empty = export_document(&[], &caller, Timestamp::EPOCH);
        assert_eq!(empty["records"], json!([]));
    }
}
