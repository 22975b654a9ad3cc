//! Privacy operations that work with any [`CallRecordStore`]: the access-request
//! export document, now defined once in core ([`lumitalk_core::privacy`]) and
//! re-exported here.
//!
//! Deletion needs no helper: [`CallRecordStore::delete_by_caller`] and
//! [`CallRecordStore::delete_merchant`] return the audio ids to remove from the
//! [`AudioStore`](lumitalk_core::AudioStore) as well; [`Privacy`] does both.

use lumitalk_core::{CallRecordStore, MerchantId, PhoneNumber, StoreError, Timestamp};
use serde_json::Value;

pub use lumitalk_core::privacy::{Privacy, export_document};

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
    Ok(export_document(caller, &records, now))
}
