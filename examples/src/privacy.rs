//! Privacy operations shared by the admin API, the Shopify compliance webhooks
//! and the retention schedule.

use lumitalk_core::{
    CallRecord, Deleted, MerchantId, PhoneNumber, RetentionPolicy, StoreError, Timestamp,
};
use serde_json::{Value, json};

use crate::server::AppState;

/// One JSON document with everything held about a caller (an access request).
pub fn export_document(caller: &PhoneNumber, records: &[CallRecord], now: Timestamp) -> Value {
    json!({
        "caller": caller.as_e164(),
        "exported_at": now,
        "record_count": records.len(),
        "records": records,
    })
}

/// Deletes a caller's records (one merchant's, or everywhere) and the audio they reference.
pub async fn delete_caller(
    state: &AppState,
    caller: &PhoneNumber,
    merchant: Option<&MerchantId>,
) -> Result<Deleted, StoreError> {
    let deleted = state.records.delete_by_caller(caller, merchant).await?;
    remove_audio(state, &deleted).await;
    Ok(deleted)
}

/// Deletes all of a merchant's records and their audio (`shop/redact`).
pub async fn delete_merchant(
    state: &AppState,
    merchant: &MerchantId,
) -> Result<Deleted, StoreError> {
    let deleted = state.records.delete_merchant(merchant).await?;
    remove_audio(state, &deleted).await;
    Ok(deleted)
}

/// Runs the retention purge with each merchant's window.
pub async fn purge(state: &AppState) -> Result<Deleted, StoreError> {
    let deleted = state
        .records
        .purge_expired(state.clock.now(), &state.retention)
        .await?;
    remove_audio(state, &deleted).await;
    tracing::info!(
        records = deleted.records,
        audio = deleted.audio.len(),
        "retention purge"
    );
    Ok(deleted)
}

async fn remove_audio(state: &AppState, deleted: &Deleted) {
    if deleted.audio.is_empty() {
        return;
    }
    if let Err(e) = state.audio.remove(&deleted.audio).await {
        tracing::warn!(error = %e, "could not remove audio of deleted records");
    }
}

/// The retention policy for a set of merchants.
pub fn retention_policy<'a>(
    default: std::time::Duration,
    merchants: impl Iterator<Item = &'a lumitalk_core::Merchant>,
) -> RetentionPolicy {
    RetentionPolicy {
        default,
        per_merchant: merchants.map(|m| (m.id.clone(), m.retention)).collect(),
    }
}
