//! Escalation to a human, transfers, and the ways a call ends.

use super::action::{Action, EscalationReason, Event};
use super::context::Humans;
use super::phase::{Ended, OfferHuman, Phase};
use super::turn::{Ask, Turn};
use crate::domain::{CallOutcome, PhoneNumber};
use crate::reply::TransferSpec;

impl Turn<'_> {
    /// Hands the caller to a human, offers to (once, for reasons a caller may
    /// rather try again after), or says what happens next when no human can take
    /// the call.
    pub(crate) fn escalate(&mut self, from: &Phase, reason: EscalationReason) -> Phase {
        self.record(Event::Escalated(reason));
        match self.ctx.humans(self.now) {
            Humans::Available(to) => {
                let offer = matches!(
                    reason,
                    EscalationReason::Unclear
                        | EscalationReason::NotFound
                        | EscalationReason::Verification
                        | EscalationReason::LookupFailed
                ) && !matches!(from, Phase::OfferHuman(_));
                if offer {
                    self.ask(Phase::OfferHuman(OfferHuman::default()), Ask::First)
                } else {
                    self.transfer_to(to)
                }
            }
            Humans::Closed => {
                self.shared(self.p.team_closed());
                self.promise_callback_and_end()
            }
            Humans::NoNumber => {
                self.shared(self.p.no_transfer());
                self.promise_callback_and_end()
            }
        }
    }

    /// "Yes, connect me": a transfer when someone can take it.
    pub(crate) fn transfer_now(&mut self, from: &Phase) -> Phase {
        match self.ctx.humans(self.now) {
            Humans::Available(to) => self.transfer_to(to),
            _ => self.escalate(from, EscalationReason::Requested),
        }
    }

    fn transfer_to(&mut self, to: PhoneNumber) -> Phase {
        self.shared(self.p.connecting());
        self.actions.push(Action::Transfer(TransferSpec {
            to,
            caller_id: None,
            timeout_secs: self.ctx.limits.transfer_timeout_secs,
        }));
        *self.pending = None;
        Phase::Transferring
    }

    pub(crate) fn promise_callback_and_end(&mut self) -> Phase {
        let can_call_back = self.call.caller.is_some();
        self.shared(self.p.callback(can_call_back));
        if can_call_back {
            self.record(Event::CallbackPromised);
        }
        self.shared(self.p.goodbye(self.store()));
        let outcome = if self.call.answered {
            CallOutcome::Resolved
        } else {
            CallOutcome::Failed
        };
        self.end(outcome)
    }

    /// The caller is done: goodbye.
    pub(crate) fn goodbye(&mut self) -> Phase {
        self.shared(self.p.goodbye(self.store()));
        let outcome = self.quiet_outcome();
        self.end(outcome)
    }

    /// Input after the call ended: goodbye again, and hang up.
    pub(crate) fn goodbye_again(&mut self, ended: Phase) -> Phase {
        self.shared(self.p.goodbye(self.store()));
        self.actions.push(Action::HangUp);
        ended
    }

    /// How a call the caller left ends: resolved if they got an answer.
    pub(crate) fn quiet_outcome(&self) -> CallOutcome {
        if self.call.answered {
            CallOutcome::Resolved
        } else {
            CallOutcome::Abandoned
        }
    }

    /// Ends the call and hangs up.
    pub(crate) fn end(&mut self, outcome: CallOutcome) -> Phase {
        let ended = self.close(outcome);
        self.actions.push(Action::HangUp);
        ended
    }

    /// Ends the call without a word (the caller is gone).
    pub(crate) fn close(&mut self, outcome: CallOutcome) -> Phase {
        *self.pending = None;
        self.record(Event::Ended(outcome));
        Phase::Ended(Ended { outcome })
    }
}
