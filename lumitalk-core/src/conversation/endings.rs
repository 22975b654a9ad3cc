//! Escalation to a human, transfers, and the ways a call ends.

use super::action::{Action, EscalationReason, Event};
use super::context::Humans;
use super::input::Input;
use super::machine::{Out, Step};
use super::phase::{Ended, OfferHuman, Phase};
use super::state::Conversation;
use crate::domain::{CallOutcome, PhoneNumber, TransferOutcome};
use crate::reply::TransferSpec;

impl Conversation {
    /// Hands the caller to a human, offers to, or says what happens next when no
    /// human can take the call.
    pub(crate) fn escalate(&mut self, t: &Step<'_>, out: &mut Out, reason: EscalationReason) {
        out.record(Event::Escalated(reason));
        match t.ctx.humans(t.now) {
            Humans::Available(to) => {
                let offer = matches!(
                    reason,
                    EscalationReason::Unclear
                        | EscalationReason::NotFound
                        | EscalationReason::Verification
                        | EscalationReason::LookupFailed
                ) && !matches!(self.phase, Phase::OfferHuman(_));
                if offer {
                    self.phase = Phase::OfferHuman(OfferHuman::default());
                    self.ask(t, out, false)
                } else {
                    self.transfer_to(t, out, to)
                }
            }
            Humans::Closed => {
                out.shared(t.p.team_closed());
                self.promise_callback_and_end(t, out)
            }
            Humans::NoNumber => {
                out.shared(t.p.no_transfer());
                self.promise_callback_and_end(t, out)
            }
        }
    }

    pub(crate) fn transfer_now(&mut self, t: &Step<'_>, out: &mut Out) {
        match t.ctx.humans(t.now) {
            Humans::Available(to) => self.transfer_to(t, out, to),
            _ => self.escalate(t, out, EscalationReason::Requested),
        }
    }

    pub(crate) fn transfer_to(&mut self, t: &Step<'_>, out: &mut Out, to: PhoneNumber) {
        out.shared(t.p.connecting());
        out.actions.push(Action::Transfer(TransferSpec {
            to,
            caller_id: None,
            timeout_secs: t.ctx.limits.transfer_timeout_secs,
        }));
        self.pending = None;
        self.phase = Phase::Transferring;
    }

    pub(crate) fn promise_callback_and_end(&mut self, t: &Step<'_>, out: &mut Out) {
        let can_call_back = self.call.caller.is_some();
        out.shared(t.p.callback(can_call_back));
        if can_call_back {
            out.record(Event::CallbackPromised);
        }
        out.shared(t.p.goodbye(t.store()));
        let outcome = if self.call.answered {
            CallOutcome::Resolved
        } else {
            CallOutcome::Failed
        };
        self.end(out, outcome)
    }

    pub(crate) fn goodbye(&mut self, t: &Step<'_>, out: &mut Out) {
        out.shared(t.p.goodbye(t.store()));
        let outcome = self.quiet_outcome();
        self.end(out, outcome)
    }

    pub(crate) fn quiet_outcome(&self) -> CallOutcome {
        if self.call.answered {
            CallOutcome::Resolved
        } else {
            CallOutcome::Abandoned
        }
    }

    pub(crate) fn end(&mut self, out: &mut Out, outcome: CallOutcome) {
        self.phase = Phase::Ended(Ended { outcome });
        self.pending = None;
        out.record(Event::Ended(outcome));
        out.actions.push(Action::HangUp);
    }

    pub(crate) fn on_deadline(&mut self, t: &Step<'_>, out: &mut Out) {
        let Some(p) = self.pending.as_mut() else {
            return;
        };
        if p.heard.take().is_some() {
            // Never classified: treat as not understood.
            self.pending = None;
            return self.on_unclear(t, out, None);
        }
        if let Some(pl) = &p.lookup {
            let lookup = pl.lookup.clone();
            self.on_lookup(
                t,
                out,
                Input::LookupFailed {
                    lookup,
                    kind: crate::error::ErrorKind::Timeout,
                },
            );
        }
    }

    pub(crate) fn on_transfer_ended(
        &mut self,
        t: &Step<'_>,
        out: &mut Out,
        outcome: TransferOutcome,
    ) {
        if matches!(self.phase, Phase::Transferring) {
            out.record(Event::TransferEnded(outcome));
        }
        match self.phase {
            Phase::Transferring => match outcome {
                TransferOutcome::Answered => {
                    out.shared(t.p.goodbye(t.store()));
                    self.end(out, CallOutcome::Transferred)
                }
                TransferOutcome::Canceled => {
                    out.shared(t.p.goodbye(t.store()));
                    self.end(out, CallOutcome::Abandoned)
                }
                _ => {
                    out.shared(t.p.transfer_unanswered());
                    self.promise_callback_and_end(t, out)
                }
            },
            Phase::Ended(_) => {
                out.shared(t.p.goodbye(t.store()));
                out.actions.push(Action::HangUp);
            }
            Phase::New => self.start(t, out, None, true, false),
            _ => {
                self.pending = None;
                self.ask(t, out, false)
            }
        }
    }

    pub(crate) fn on_call_ended(&mut self, out: &mut Out) {
        if self.is_ended() {
            return;
        }
        let outcome = if matches!(self.phase, Phase::Transferring) {
            CallOutcome::Transferred
        } else {
            self.quiet_outcome()
        };
        self.phase = Phase::Ended(Ended { outcome });
        self.pending = None;
        out.record(Event::Ended(outcome));
    }
}
