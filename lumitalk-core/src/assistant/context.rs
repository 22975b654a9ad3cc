//! What every turn carries from stage to stage, and the stages every path
//! shares: loading the session, store calls under the turn's deadline, writing
//! the call record, finishing the turn.

use std::future::Future;

use tracing::Instrument;

use super::failure::within;
use super::observe::{self, StoreOp};
use super::saved::{Loaded, SavedCall};
use super::{Inner, STORE_FLOOR, TurnOutcome};
use crate::clock::ms_since;
use crate::domain::{Merchant, Timestamp};
use crate::error::StoreError;
use crate::provider::CallEvent;
use crate::reply::Reply;
use crate::store::{CallOutcome, CallStart, ProviderFailure, TurnRecord, TurnTimings};

/// One turn's context: the event, the merchant answering, the clock's reading
/// at the start, the turn's one deadline (on the same clock), and what the
/// stages measured and worked around so far.
pub(super) struct TurnContext<'a> {
    pub(super) inner: &'a Inner,
    pub(super) event: &'a CallEvent,
    pub(super) merchant: &'a Merchant,
    /// When the turn started: the conversation's `now` for its first decision,
    /// the lockout's and the record's time.
    pub(super) now: Timestamp,
    /// When every provider call of the turn must be done.
    pub(super) deadline: Timestamp,
    pub(super) timings: TurnTimings,
    pub(super) errors: Vec<ProviderFailure>,
}

impl<'a> TurnContext<'a> {
    /// A turn that started at `now`.
    pub(super) fn new(
        inner: &'a Inner,
        event: &'a CallEvent,
        merchant: &'a Merchant,
        now: Timestamp,
    ) -> Self {
        TurnContext {
            inner,
            event,
            merchant,
            now,
            deadline: now.plus(inner.turn_deadline),
            timings: TurnTimings::default(),
            errors: Vec::new(),
        }
    }

    /// A store call bounded by the turn's deadline (but given at least
    /// [`STORE_FLOOR`]), in its span; a failure is logged there.
    pub(super) async fn bounded<T>(
        &self,
        store: &str,
        op: StoreOp,
        call: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, ProviderFailure> {
        let clock = &*self.inner.clock;
        let until = self.deadline.max(clock.now().plus(STORE_FLOOR));
        let span = observe::store_span(store, op);
        let result = within(clock, until, store, call)
            .instrument(span.clone())
            .await;
        if let Err(f) = &result {
            span.in_scope(|| observe::warn_store_failure(f, op));
        }
        result
    }

    /// [`bounded`](Self::bounded), a failure noted in the turn's errors.
    pub(super) async fn store<T>(
        &mut self,
        store: &str,
        op: StoreOp,
        call: impl Future<Output = Result<T, StoreError>>,
    ) -> Option<T> {
        match self.bounded(store, op, call).await {
            Ok(v) => Some(v),
            Err(f) => {
                self.errors.push(f);
                None
            }
        }
    }

    /// Stage "load": the call's saved session and its version; `None` when
    /// there is none, it cannot be read, or the store failed (noted).
    pub(super) async fn load_session(&mut self) -> Option<Loaded> {
        let (inner, event) = (self.inner, self.event);
        let load = inner.sessions.load(&event.call_id);
        let stored = self
            .store(inner.sessions.name(), StoreOp::LoadSession, load)
            .await
            .flatten()?;
        let saved = SavedCall::from_bytes(&stored.state)?;
        Some(Loaded {
            saved,
            version: stored.version,
        })
    }

    /// A webhook delivered again (a carrier's retry, a duplicating proxy):
    /// the reply numbered `turn` again, nothing changed, nothing recorded.
    pub(super) fn replay(&mut self, reply: Reply, turn: u32) -> TurnOutcome {
        tracing::info!(
            turn,
            "webhook delivered again; answering with the reply already given"
        );
        let mut outcome = self.finish(reply, None);
        outcome.turn = Some(turn);
        outcome.replayed = true;
        outcome
    }

    /// Stage "record", for a webhook's turn: the record's start on the call's
    /// first turn, the turn, the record's end on its last; failures noted.
    ///
    /// The writes go to the store together: a store that batches (the SQLite one
    /// commits everything queued at once) then pays one commit per turn instead of
    /// two or three. They are queued in this order, as `join!` polls its futures
    /// in order.
    pub(super) async fn write_record(
        &mut self,
        start: Option<&CallStart>,
        record: &TurnRecord,
        ended: Option<CallOutcome>,
    ) {
        let (records, call) = (&self.inner.records, &self.event.call_id);
        let name = records.name();
        let begin = async {
            match start {
                Some(s) => {
                    self.bounded(name, StoreOp::BeginCall, records.begin_call(s))
                        .await
                }
                None => Ok(()),
            }
        };
        let append = self.bounded(name, StoreOp::AppendTurn, records.append_turn(call, record));
        let finish = async {
            match ended {
                Some(outcome) => {
                    let at = self.inner.clock.now();
                    let op = StoreOp::FinishCall;
                    self.bounded(name, op, records.finish_call(call, outcome, at))
                        .await
                        .map(|_| ())
                }
                None => Ok(()),
            }
        };
        let (began, appended, finished) = tokio::join!(begin, append, finish);
        let lost = start.is_none() && matches!(appended, Ok(false));
        let failed = [began.err(), appended.err(), finished.err()];
        self.errors.extend(failed.into_iter().flatten());
        if lost {
            self.recreate_record(record, ended).await;
        }
    }

    /// The call has no record although this is not its first turn: its
    /// `begin_call` failed earlier (the store was away). Begins it now, from
    /// this turn, so the rest of the call is kept.
    async fn recreate_record(&mut self, record: &TurnRecord, ended: Option<CallOutcome>) {
        let (records, call) = (&self.inner.records, &self.event.call_id);
        let name = records.name();
        let start = CallStart {
            call_id: call.clone(),
            merchant: self.merchant.id.clone(),
            caller: self.event.from.clone(),
            called: self.event.to.clone(),
            started_at: self.now,
        };
        tracing::warn!(
            provider = name,
            "call record missing mid-call (an earlier begin_call failed); beginning it now"
        );
        let begin = self.bounded(name, StoreOp::BeginCall, records.begin_call(&start));
        let result = match begin.await {
            Ok(()) => {
                let append = records.append_turn(call, record);
                self.bounded(name, StoreOp::AppendTurn, append)
                    .await
                    .map(drop)
            }
            Err(e) => Err(e),
        };
        if let (Ok(()), Some(outcome)) = (&result, ended) {
            let finish = records.finish_call(call, outcome, self.inner.clock.now());
            if let Err(e) = self.bounded(name, StoreOp::FinishCall, finish).await {
                self.errors.push(e);
            }
        }
        if let Err(e) = result {
            self.errors.push(e);
        }
    }

    /// The end of every turn: its total time, its log line, its outcome.
    pub(super) fn finish(&mut self, reply: Reply, ended: Option<CallOutcome>) -> TurnOutcome {
        self.timings.total_ms = ms_since(&*self.inner.clock, self.now);
        observe::turn_done(&self.timings, self.errors.len(), ended);
        TurnOutcome {
            reply,
            merchant: self.merchant.id.clone(),
            timings: self.timings,
            errors: std::mem::take(&mut self.errors),
            ended,
            turn: None,
            replayed: false,
        }
    }
}
