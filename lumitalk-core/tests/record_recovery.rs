//! No lost records: when the store is away for a call's first turn, the next
//! turns begin the record themselves, so the rest of the call is kept.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use common::*;
use lumitalk_core::memory::{DemoOrderStore, MemoryCallRecordStore};
use lumitalk_core::{
    Assistant, CallEvent, CallEventKind, CallId, CallOutcome, CallRecord, CallRecordStore,
    CallStart, Deleted, ErrorKind, MerchantDirectory, MerchantId, PhoneNumber, RetentionPolicy,
    StoreError, Timestamp, TokioClock, TurnRecord, Utterance,
};

/// A record store whose first `begin_call` fails, as if the disk went away.
#[derive(Debug, Default)]
struct FirstBeginFails {
    inner: MemoryCallRecordStore,
    failed: AtomicBool,
}

#[async_trait]
impl CallRecordStore for FirstBeginFails {
    fn name(&self) -> &'static str {
        "flaky-records"
    }
    async fn begin_call(&self, start: &CallStart) -> Result<(), StoreError> {
        if !self.failed.swap(true, Ordering::SeqCst) {
            return Err(StoreError::from_kind(
                ErrorKind::Unavailable,
                "flaky-records",
                "disk away",
            ));
        }
        self.inner.begin_call(start).await
    }
    async fn append_turn(&self, call: &CallId, turn: &TurnRecord) -> Result<bool, StoreError> {
        self.inner.append_turn(call, turn).await
    }
    async fn finish_call(
        &self,
        call: &CallId,
        outcome: CallOutcome,
        ended_at: Timestamp,
    ) -> Result<bool, StoreError> {
        self.inner.finish_call(call, outcome, ended_at).await
    }
    async fn get(&self, call: &CallId) -> Result<Option<CallRecord>, StoreError> {
        self.inner.get(call).await
    }
    async fn list_by_caller(
        &self,
        caller: &PhoneNumber,
        merchant: Option<&MerchantId>,
    ) -> Result<Vec<CallRecord>, StoreError> {
        self.inner.list_by_caller(caller, merchant).await
    }
    async fn delete_by_caller(
        &self,
        caller: &PhoneNumber,
        merchant: Option<&MerchantId>,
    ) -> Result<Deleted, StoreError> {
        self.inner.delete_by_caller(caller, merchant).await
    }
    async fn delete_merchant(&self, merchant: &MerchantId) -> Result<Deleted, StoreError> {
        self.inner.delete_merchant(merchant).await
    }
    async fn purge_expired(
        &self,
        now: Timestamp,
        policy: &RetentionPolicy,
    ) -> Result<Deleted, StoreError> {
        self.inner.purge_expired(now, policy).await
    }
    async fn set_legal_hold(&self, call: &CallId, hold: bool) -> Result<bool, StoreError> {
        self.inner.set_legal_hold(call, hold).await
    }
}

#[tokio::test(start_paused = true)]
async fn a_failed_begin_call_is_made_good_by_the_next_turn() {
    let records = Arc::new(FirstBeginFails::default());
    let a = Assistant::builder(
        MerchantDirectory::new(vec![merchant()]),
        Arc::new(DemoOrderStore::new(orders())),
    )
    .records(records.clone())
    .clock(Arc::new(TokioClock::starting_at(t0())))
    .build()
    .unwrap();
    let event = |kind| {
        CallEvent::new(
            CallId::new("CA-recover"),
            Some(phone(STRANGER_PHONE)),
            Some(phone(STORE_PHONE)),
            kind,
        )
    };
    let first = a.handle(event(CallEventKind::Incoming)).await;
    assert!(
        first.errors.iter().any(|e| e.provider == "flaky-records"),
        "the failure is reported: {:?}",
        first.errors
    );
    assert!(
        records
            .get(&CallId::new("CA-recover"))
            .await
            .unwrap()
            .is_none()
    );

    let second = a
        .handle(event(CallEventKind::Input(Utterance::digits("0"))))
        .await;
    assert!(second.errors.is_empty(), "{:?}", second.errors);
    let record = records
        .get(&CallId::new("CA-recover"))
        .await
        .unwrap()
        .expect("the second turn begins the record");
    assert_eq!(record.turns.len(), 1, "the turns from then on are kept");
    assert_eq!(record.caller, Some(phone(STRANGER_PHONE)));
}
