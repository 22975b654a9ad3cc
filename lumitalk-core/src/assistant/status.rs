//! The status path: a carrier's status callback runs the same stages as a
//! webhook's turn, without a caller to answer. A final status ends the call.

use super::TurnOutcome;
use super::context::TurnContext;
use super::observe::StoreOp;
use crate::conversation::{Context, Input};
use crate::provider::CallStatus;
use crate::reply::{Next, Reply};
use crate::store::CallOutcome;

impl TurnContext<'_> {
    /// A status callback. A final status finishes the call's record (as its
    /// conversation judges it, `Abandoned` when there is nothing to judge by),
    /// removes its session and forgets it as active.
    pub(super) async fn on_status(mut self, status: CallStatus) -> TurnOutcome {
        let mut ended = None;
        if status.is_final() {
            let (inner, call) = (self.inner, &self.event.call_id);
            ended = self.end_record().await;
            let op = StoreOp::RemoveSession;
            self.store(inner.sessions.name(), op, inner.sessions.remove(call))
                .await;
            inner.active.end(call);
        }
        let reply = Reply {
            prompts: Vec::new(),
            next: Next::HangUp,
        };
        self.finish(reply, ended)
    }

    /// Finishes the call's record if it is still open; how the call ended.
    async fn end_record(&mut self) -> Option<CallOutcome> {
        let outcome = self.final_outcome().await?;
        let (records, call) = (&self.inner.records, &self.event.call_id);
        let finish = records.finish_call(call, outcome, self.now);
        self.store(records.name(), StoreOp::FinishCall, finish)
            .await
            .map(|_| outcome)
    }

    /// Stages "load" and "decide" for an ending call whose record is still
    /// open: as its conversation judges it, or `Abandoned` when only the
    /// record is left. `None` when the call has ended already.
    async fn final_outcome(&mut self) -> Option<CallOutcome> {
        match self.load_session().await {
            Some(loaded) if !loaded.saved.conv.is_ended() => {
                let mut conv = loaded.saved.conv;
                let ctx = Context::new(self.merchant).with_limits(&self.inner.limits);
                conv.handle(self.now, &ctx, Input::CallEnded);
                Some(conv.outcome().unwrap_or(CallOutcome::Abandoned))
            }
            Some(_) => None,
            None => {
                let (records, call) = (&self.inner.records, &self.event.call_id);
                let record = self.store(records.name(), StoreOp::GetRecord, records.get(call));
                let open = record.await.flatten().is_some_and(|r| r.outcome.is_none());
                open.then_some(CallOutcome::Abandoned)
            }
        }
    }
}
