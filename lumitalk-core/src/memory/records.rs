//! Call records in memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;

use crate::domain::{CallId, MerchantId, PhoneNumber, Timestamp};
use crate::error::StoreError;
use crate::store::{
    CallOutcome, CallRecord, CallRecordStore, CallStart, Deleted, RetentionPolicy, TurnRecord,
};

/// A [`CallRecordStore`] in process memory: the full contract, without
/// durability. For tests, demos, and deployments that keep records elsewhere.
///
/// Phone numbers are compared in their normalized E.164 form, so lookups match
/// however the number was written when it was parsed.
#[derive(Debug, Clone, Default)]
pub struct MemoryCallRecordStore {
    records: Arc<Mutex<HashMap<CallId, CallRecord>>>,
}

impl MemoryCallRecordStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryCallRecordStore::default()
    }

    /// Number of records held.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the store holds no record.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<CallId, CallRecord>> {
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Removes the records `doomed` selects and reports what went.
    fn delete_where(&self, doomed: impl Fn(&CallRecord) -> bool) -> Deleted {
        let mut map = self.lock();
        let mut deleted = Deleted::default();
        let ids: Vec<CallId> = map
            .values()
            .filter(|r| doomed(r))
            .filter(|r| {
                deleted.held += u64::from(r.legal_hold);
                !r.legal_hold
            })
            .map(|r| r.call_id.clone())
            .collect();
        for id in ids {
            if let Some(r) = map.remove(&id) {
                deleted.records += 1;
                deleted.audio.extend(r.audio_ids().cloned());
                deleted.calls.push(id);
            }
        }
        deleted
    }
}

fn caller_matches(r: &CallRecord, caller: &PhoneNumber, merchant: Option<&MerchantId>) -> bool {
    r.caller.as_ref().map(PhoneNumber::as_e164) == Some(caller.as_e164())
        && merchant.is_none_or(|m| &r.merchant == m)
}

#[async_trait]
impl CallRecordStore for MemoryCallRecordStore {
    fn name(&self) -> &'static str {
        "memory"
    }

    async fn begin_call(&self, start: &CallStart) -> Result<(), StoreError> {
        self.lock()
            .entry(start.call_id.clone())
            .or_insert_with(|| CallRecord::new(start.clone()));
        Ok(())
    }

    async fn append_turn(&self, call: &CallId, turn: &TurnRecord) -> Result<bool, StoreError> {
        Ok(match self.lock().get_mut(call) {
            Some(r) => {
                r.push_turn(turn.clone());
                true
            }
            None => false,
        })
    }

    async fn finish_call(
        &self,
        call: &CallId,
        outcome: CallOutcome,
        ended_at: Timestamp,
    ) -> Result<bool, StoreError> {
        Ok(match self.lock().get_mut(call) {
            Some(r) => {
                r.outcome = Some(outcome);
                r.ended_at = Some(ended_at);
                true
            }
            None => false,
        })
    }

    async fn get(&self, call: &CallId) -> Result<Option<CallRecord>, StoreError> {
        Ok(self.lock().get(call).cloned())
    }

    async fn list_by_caller(
        &self,
        caller: &PhoneNumber,
        merchant: Option<&MerchantId>,
    ) -> Result<Vec<CallRecord>, StoreError> {
        let mut found: Vec<CallRecord> = self
            .lock()
            .values()
            .filter(|r| caller_matches(r, caller, merchant))
            .cloned()
            .collect();
        found.sort_by(|a, b| {
            a.started_at
                .cmp(&b.started_at)
                .then_with(|| a.call_id.cmp(&b.call_id))
        });
        Ok(found)
    }

    async fn delete_by_caller(
        &self,
        caller: &PhoneNumber,
        merchant: Option<&MerchantId>,
    ) -> Result<Deleted, StoreError> {
        Ok(self.delete_where(|r| caller_matches(r, caller, merchant)))
    }

    async fn delete_merchant(&self, merchant: &MerchantId) -> Result<Deleted, StoreError> {
        Ok(self.delete_where(|r| &r.merchant == merchant))
    }

    async fn purge_expired(
        &self,
        now: Timestamp,
        policy: &RetentionPolicy,
    ) -> Result<Deleted, StoreError> {
        Ok(self.delete_where(|r| policy.is_expired(&r.merchant, r.started_at, now)))
    }

    async fn set_legal_hold(&self, call: &CallId, hold: bool) -> Result<bool, StoreError> {
        Ok(match self.lock().get_mut(call) {
            Some(r) => {
                r.legal_hold = hold;
                true
            }
            None => false,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use proptest::prelude::*;

    const DAY: u64 = 86_400;

    fn start(id: usize, merchant: &str, age_days: u64, now: Timestamp) -> CallStart {
        CallStart {
            call_id: CallId::new(format!("CA{id:04}")),
            merchant: MerchantId::new(merchant),
            caller: Some("+14155550123".parse().unwrap()),
            called: None,
            started_at: now.minus(Duration::from_secs(age_days * DAY)),
        }
    }

    proptest! {
        #[test]
        fn purge_removes_exactly_expired_and_not_held(
            calls in proptest::collection::vec((0u64..40, any::<bool>(), 0usize..3), 0..30),
        ) {
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            rt.block_on(async {
                let now = Timestamp::from_civil(2026, 11, 20, 12, 0, 0);
                let merchants = ["a", "b", "c"];
                let mut policy = RetentionPolicy { default: Duration::from_secs(20 * DAY), ..Default::default() };
                policy.per_merchant.insert(MerchantId::new("b"), Duration::from_secs(10 * DAY));
                policy.per_merchant.insert(MerchantId::new("c"), Duration::from_secs(30 * DAY));
                let store = MemoryCallRecordStore::new();
                let mut expect_kept = Vec::new();
                for (i, (age, hold, m)) in calls.iter().enumerate() {
                    let s = start(i, merchants[*m], *age, now);
                    store.begin_call(&s).await.unwrap();
                    store.set_legal_hold(&s.call_id, *hold).await.unwrap();
                    let expired = policy.is_expired(&s.merchant, s.started_at, now);
                    if *hold || !expired {
                        expect_kept.push(s.call_id.clone());
                    }
                }
                let deleted = store.purge_expired(now, &policy).await.unwrap();
                assert_eq!(deleted.records as usize, calls.len() - expect_kept.len());
                assert_eq!(store.len(), expect_kept.len());
                for id in expect_kept {
                    assert!(store.get(&id).await.unwrap().is_some());
                }
            });
        }
    }
}
