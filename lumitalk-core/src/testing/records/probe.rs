//! A store under test whose every call panics with the store's name and the
//! operation on failure, so each check reads as its contract.

use crate::domain::{CallId, MerchantId, PhoneNumber, Timestamp};
use crate::store::{
    CallOutcome, CallRecord, CallRecordStore, CallStart, Deleted, RetentionPolicy, TurnRecord,
};

/// `store`, with failures turned into panics naming the operation.
pub(super) struct Probe<'a> {
    pub(super) store: &'a dyn CallRecordStore,
    pub(super) name: &'static str,
}

impl<'a> Probe<'a> {
    pub(super) fn new(store: &'a dyn CallRecordStore) -> Self {
        Probe {
            store,
            name: store.name(),
        }
    }

    fn fail(&self, what: &str, e: crate::error::StoreError) -> ! {
        panic!("[{}] {what} failed: {e}", self.name)
    }

    pub(super) async fn begin(&self, start: &CallStart) {
        self.store
            .begin_call(start)
            .await
            .unwrap_or_else(|e| self.fail("begin_call", e));
    }

    pub(super) async fn append(&self, call: &CallId, turn: &TurnRecord) -> bool {
        self.store
            .append_turn(call, turn)
            .await
            .unwrap_or_else(|e| self.fail("append_turn", e))
    }

    pub(super) async fn finish(&self, call: &CallId, outcome: CallOutcome, at: Timestamp) -> bool {
        self.store
            .finish_call(call, outcome, at)
            .await
            .unwrap_or_else(|e| self.fail("finish_call", e))
    }

    pub(super) async fn get(&self, call: &CallId) -> Option<CallRecord> {
        self.store
            .get(call)
            .await
            .unwrap_or_else(|e| self.fail("get", e))
    }

    pub(super) async fn exists(&self, call: &CallId) -> bool {
        self.get(call).await.is_some()
    }

    pub(super) async fn list(
        &self,
        caller: &PhoneNumber,
        merchant: Option<&MerchantId>,
    ) -> Vec<CallRecord> {
        self.store
            .list_by_caller(caller, merchant)
            .await
            .unwrap_or_else(|e| self.fail("list_by_caller", e))
    }

    pub(super) async fn delete_caller(
        &self,
        caller: &PhoneNumber,
        merchant: Option<&MerchantId>,
    ) -> Deleted {
        self.store
            .delete_by_caller(caller, merchant)
            .await
            .unwrap_or_else(|e| self.fail("delete_by_caller", e))
    }

    pub(super) async fn delete_merchant(&self, merchant: &MerchantId) -> Deleted {
        self.store
            .delete_merchant(merchant)
            .await
            .unwrap_or_else(|e| self.fail("delete_merchant", e))
    }

    pub(super) async fn purge(&self, now: Timestamp, policy: &RetentionPolicy) -> Deleted {
        self.store
            .purge_expired(now, policy)
            .await
            .unwrap_or_else(|e| self.fail("purge_expired", e))
    }

    pub(super) async fn hold(&self, call: &CallId, on: bool) -> bool {
        self.store
            .set_legal_hold(call, on)
            .await
            .unwrap_or_else(|e| self.fail("set_legal_hold", e))
    }
}
