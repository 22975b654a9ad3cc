//! The transitions: every input, in every phase, to the next phase. The
//! [module docs](super#what-each-phase-does-with-each-input) tabulate them.
//!
//! Each transition takes the current phase by value and returns the next;
//! [`Conversation::handle`] is the one place a phase is stored. Keyed digits and
//! classified speech arrive here as one [`Caller`] value; what every phase does
//! with it is [`Turn::on_caller`], and what each phase does with an answer is one
//! function per phase below it.

use super::action::{Action, EscalationReason, Event};
use super::caller::{Answer, Caller, Reference, YesNo};
use super::context::{Context, Humans};
use super::input::{Input, Lookup};
use super::phase::{
    Answered, AskOrder, AskPhone, ChooseOrder, ConfirmNumber, OfferHuman, OfferOrder, Phase,
    Verify, VerifyPhone,
};
use super::phrases;
use super::state::{Call, Conversation, Security, remember};
use super::summary::Origin;
use super::turn::{Ask, Lock, Start, Turn, Want};
use super::verify;
use crate::domain::{Attestation, CallOutcome, PhoneNumber, Timestamp, TransferOutcome};

/// What the caller did, as it arrives (speech is classified before a phase
/// judges it).
enum Said {
    Speech {
        text: String,
        confidence: Option<f32>,
    },
    Keys(String),
    Nothing,
}

impl Conversation {
    /// Feeds one input at time `now` and returns the actions to drain, in order.
    ///
    /// Never panics, whatever the input sequence. See the [module docs](super) for
    /// what to feed and what to do with the actions.
    pub fn handle(&mut self, now: Timestamp, ctx: &Context<'_>, input: Input) -> Vec<Action> {
        let phase = std::mem::take(&mut self.phase);
        let p = phrases::for_language(&ctx.merchant.language);
        let mut turn = Turn::new(
            now,
            ctx,
            p,
            &mut self.call,
            &mut self.security,
            &mut self.pending,
        );
        let next = turn.step(phase, input);
        let actions = turn.actions;
        self.phase = next;
        if self
            .pending
            .as_ref()
            .is_some_and(|p| p.heard.is_none() && p.lookup.is_none())
        {
            self.pending = None;
        }
        actions
    }
}

impl Turn<'_> {
    /// One input, in whatever phase it finds the call. A lost session's first
    /// reply starts with an apology.
    fn step(&mut self, phase: Phase, input: Input) -> Phase {
        if std::mem::take(&mut self.call.resumed) {
            self.shared(self.p.restarted());
            if matches!(input, Input::NoInput | Input::TransferEnded(_)) {
                return self.ask(phase, Ask::First);
            }
        }
        match input {
            Input::CallStarted {
                caller,
                attestation,
                resumed,
                verification_locked,
            } => {
                let start = if resumed {
                    Start::Resumed
                } else {
                    Start::Fresh
                };
                let lock = if verification_locked {
                    Lock::Locked
                } else {
                    Lock::Open
                };
                self.start(caller, attestation, start, lock)
            }
            Input::Speech { text, confidence } => {
                self.caller_turn(phase, Said::Speech { text, confidence })
            }
            Input::Digits(d) => self.caller_turn(phase, Said::Keys(d)),
            Input::NoInput => self.caller_turn(phase, Said::Nothing),
            Input::Resumed => self.on_resumed(phase),
            Input::Classified(c) | Input::ClassificationFailed { fallback: c } => {
                self.on_classified(phase, c)
            }
            i @ (Input::OrdersFound { .. }
            | Input::OrdersNotFound { .. }
            | Input::LookupFailed { .. }) => self.on_lookup(phase, i),
            Input::SpeechReady => {
                self.call.speech_failures = 0;
                phase
            }
            Input::SpeechFailed => {
                self.call.speech_failures = self.call.speech_failures.saturating_add(1);
                phase
            }
            Input::Deadline => self.on_deadline(phase),
            Input::TransferEnded(o) => self.on_transfer_ended(phase, o),
            Input::CallEnded => self.on_call_ended(phase),
        }
    }

    /// The call arrived (or a caller's input found no session: `Start::Resumed`).
    fn start(
        &mut self,
        caller: Option<PhoneNumber>,
        attestation: Attestation,
        start: Start,
        lock: Lock,
    ) -> Phase {
        *self.call = Call {
            started_at: self.now,
            caller: caller.clone(),
            attestation,
            ..Call::default()
        };
        *self.security = Security {
            locked: lock == Lock::Locked,
            ..Security::default()
        };
        *self.pending = None;
        match start {
            Start::Resumed => self.shared(self.p.restarted()),
            Start::Fresh => {
                let custom = self.ctx.merchant.greeting.as_deref();
                self.shared(self.p.greeting(self.store(), custom))
            }
        }
        match caller {
            // The caller ID's recent orders are worth fetching only when they may be
            // named: when the policy trusts this caller ID (or verifies nothing).
            Some(phone) if start == Start::Fresh && self.may_list(&phone) => {
                self.request_lookup(Lookup::Phone { phone }, Origin::CallerId, Want::Needed);
                Phase::Greeting
            }
            _ => self.ask(Phase::AskOrder(AskOrder::default()), Ask::First),
        }
    }

    /// A caller's turn, as it arrives: counted and bounded; speech is sent to be
    /// classified, keys and silence are judged at once.
    fn caller_turn(&mut self, phase: Phase, said: Said) -> Phase {
        let phase = match phase {
            Phase::Ended(_) => return self.goodbye_again(phase),
            Phase::New => {
                return self.start(None, Attestation::Unverified, Start::Resumed, Lock::Open);
            }
            // The caller spoke before the caller-ID lookup chose the question.
            Phase::Greeting => Phase::AskOrder(AskOrder::default()),
            other => other,
        };
        *self.pending = None;
        self.call.held = None;
        self.call.turns = self.call.turns.saturating_add(1);
        let limits = self.ctx.limits;
        let transferring = matches!(phase, Phase::Transferring);
        if self.call.turns > limits.max_turns
            || self.now.since(self.call.started_at) >= limits.max_duration
        {
            if transferring {
                self.shared(self.p.goodbye(self.store()));
                return self.end(CallOutcome::Failed);
            }
            self.shared(self.p.limits());
            return self.escalate(&phase, EscalationReason::Limits);
        }
        if transferring {
            // Carriers send no input during a transfer; if one does, connect again.
            return self.escalate(&phase, EscalationReason::Requested);
        }
        match said {
            Said::Speech { text, confidence } if !text.trim().is_empty() => {
                self.classify(phase, text, confidence)
            }
            Said::Speech { .. } | Said::Nothing => self.on_caller(phase, Caller::Silence),
            Said::Keys(keys) => self.on_caller(phase, Caller::from_keys(&keys)),
        }
    }

    /// What the caller did, keyed or said, in any phase.
    pub(crate) fn on_caller(&mut self, phase: Phase, caller: Caller) -> Phase {
        match caller {
            Caller::Silence => self.on_silence(phase),
            Caller::Unclear => self.on_unclear(phase, None),
            Caller::Human => self.escalate(&phase, EscalationReason::Requested),
            Caller::Repeat => self.repeat(phase),
            Caller::Goodbye => self.goodbye(),
            Caller::Unsupported(intent) => {
                self.shared(self.p.unsupported(intent));
                self.escalate(&phase, EscalationReason::Unsupported)
            }
            Caller::Upset(said) => {
                self.shared(self.p.upset());
                if matches!(self.ctx.humans(self.now), Humans::Available(_)) {
                    return self.escalate(&phase, EscalationReason::Upset);
                }
                self.on_caller(phase, *said)
            }
            Caller::Answer(a) => match phase {
                Phase::AskOrder(ask) => self.ask_order(ask, a),
                Phase::AskPhone(ask) => self.ask_phone(ask, a),
                Phase::ConfirmNumber(c) => self.confirm_number(c, a),
                Phase::OfferOrder(o) => self.offer_order(o, a),
                Phase::ChooseOrder(c) => self.choose_order(c, a),
                Phase::Verify(v) => self.verify(v, a),
                Phase::VerifyPhone(v) => self.verify_phone(v, a),
                Phase::Answered(done) => self.answered(done, a),
                Phase::OfferHuman(o) => self.offer_human(o, a),
                other @ (Phase::New | Phase::Greeting | Phase::Transferring | Phase::Ended(_)) => {
                    self.on_unclear(other, None)
                }
            },
        }
    }

    /// "What is your order number?"
    fn ask_order(&mut self, ask: AskOrder, a: Answer) -> Phase {
        let phase = Phase::AskOrder(ask);
        match a.reference {
            Some(r) => self.follow_reference(phase, r, a.confidence),
            None if a.about_phone => {
                let next = Phase::AskPhone(AskPhone {
                    not_found: ask.not_found,
                    ..AskPhone::default()
                });
                self.ask(next, Ask::First)
            }
            None if a.about_status => self.on_unclear(phase, Some(self.p.sure())),
            None => self.on_unclear(phase, None),
        }
    }

    /// "What is the phone number on the order?" Keyed digits are a phone number
    /// or nothing; speech may give an order number instead.
    fn ask_phone(&mut self, ask: AskPhone, a: Answer) -> Phase {
        let phase = Phase::AskPhone(ask);
        let keyed = a.keyed();
        match (a.phone, a.reference) {
            (Some(phone), _) => self.follow_reference(phase, Reference::Phone(phone), None),
            (None, _) if keyed => self.on_unclear(phase, Some(self.p.not_a_phone())),
            (None, Some(r)) => self.follow_reference(phase, r, a.confidence),
            (None, None) => self.on_unclear(phase, None),
        }
    }

    /// "I heard 1 0 0 1. Is that right?"
    fn confirm_number(&mut self, c: ConfirmNumber, a: Answer) -> Phase {
        match (a.yes_no, a.reference) {
            (Some(YesNo::Yes), _) => {
                let lookup = Lookup::Number {
                    number: c.number.clone(),
                };
                self.request_lookup(lookup, Origin::Number, Want::Needed);
                Phase::ConfirmNumber(c)
            }
            (Some(YesNo::No), None) => {
                let mut ask = c.ask;
                ask.retries.unclear = ask.retries.unclear.saturating_add(1);
                if ask.retries.unclear > self.ctx.limits.max_unclear {
                    return self.escalate(&Phase::ConfirmNumber(c), EscalationReason::Unclear);
                }
                self.shared(self.p.okay());
                self.ask(Phase::AskOrder(ask), Ask::Again)
            }
            (_, Some(r)) => self.follow_reference(Phase::ConfirmNumber(c), r, a.confidence),
            (None, None) => self.on_unclear(Phase::ConfirmNumber(c), None),
        }
    }

    /// "I see an order ending in 1001 ... Is that the one?"
    fn offer_order(&mut self, o: OfferOrder, a: Answer) -> Phase {
        match (a.yes_no, a.reference) {
            (Some(YesNo::Yes), _) => {
                let from = Phase::OfferOrder(o.clone());
                self.check_caller(&from, o.order)
            }
            (Some(YesNo::No), None) => self.decline_offer(),
            (_, Some(r)) => self.follow_reference(Phase::OfferOrder(o), r, a.confidence),
            (None, None) => self.on_unclear(Phase::OfferOrder(o), None),
        }
    }

    /// "I see 2 recent orders ... Which one?" Keyed `1`, `2`... pick from the
    /// list; only a spoken "no" declines.
    fn choose_order(&mut self, c: ChooseOrder, a: Answer) -> Phase {
        if !a.keyed() && a.yes_no == Some(YesNo::No) && a.reference.is_none() {
            return self.decline_offer();
        }
        self.choose(c, a.words.as_deref(), &a.digits)
    }

    /// A challenge: "the ZIP code the order ships to?"
    fn verify(&mut self, v: Verify, a: Answer) -> Phase {
        if self.security.locked {
            // Locked out while the question was open (the driver checks the
            // lockout before each answer): the answer is not checked.
            let phase = Phase::Verify(v);
            self.shared(self.p.locked_out());
            return self.escalate(&phase, EscalationReason::Verification);
        }
        let candidate = a.challenge.as_deref();
        if candidate.is_some_and(|c| verify::matches(&v.order.checks, c)) {
            self.record(Event::Verified);
            remember(&mut self.security.verified, v.order.number.clone());
            return self.answer(v.order);
        }
        let number = v.order.number.clone();
        let phase = Phase::Verify(v);
        if !verify::is_attempt(candidate) {
            return self.on_unclear(phase, None);
        }
        self.fail_challenge(phase, vec![number])
    }

    /// "The ZIP code or the order number" for a phone number the caller gave: the
    /// phone's orders are looked up and checked against the answer.
    fn verify_phone(&mut self, v: VerifyPhone, a: Answer) -> Phase {
        let lookup = Lookup::Phone {
            phone: v.phone.clone(),
        };
        let phase = Phase::VerifyPhone(v);
        if self.security.failed >= self.ctx.limits.max_failed_challenges {
            self.shared(self.p.challenge_failed());
            return self.escalate(&phase, EscalationReason::Verification);
        }
        let Some(candidate) = a.challenge.filter(|c| verify::is_attempt(Some(c))) else {
            return self.on_unclear(phase, None);
        };
        self.request_lookup(lookup, Origin::GivenPhone, Want::Needed);
        self.await_answers(candidate);
        phase
    }

    /// "Anything else?"
    fn answered(&mut self, done: Answered, a: Answer) -> Phase {
        match (a.reference, a.yes_no) {
            (Some(r), _) => self.follow_reference(Phase::Answered(done), r, a.confidence),
            (None, Some(YesNo::Yes)) => self.ask_another(),
            (None, Some(YesNo::No)) => self.goodbye(),
            (None, None) if a.about_status => self.ask_another(),
            (None, None) if a.about_phone => {
                self.ask(Phase::AskPhone(AskPhone::default()), Ask::First)
            }
            (None, None) => self.on_unclear(Phase::Answered(done), None),
        }
    }

    /// "Would you like me to connect you with someone from our team?"
    fn offer_human(&mut self, o: OfferHuman, a: Answer) -> Phase {
        let phase = Phase::OfferHuman(o);
        match (a.yes_no, a.reference) {
            (Some(YesNo::Yes), _) => self.transfer_now(&phase),
            (Some(YesNo::No), None) => self.goodbye(),
            (_, Some(r)) => self.follow_reference(phase, r, a.confidence),
            (None, None) => self.on_unclear(phase, None),
        }
    }

    /// "No" to an offered order: back to the order question.
    fn decline_offer(&mut self) -> Phase {
        self.shared(self.p.okay());
        self.ask(Phase::AskOrder(AskOrder::default()), Ask::First)
    }

    /// "Yes" to "anything else?": a fresh order question.
    fn ask_another(&mut self) -> Phase {
        self.listen_after(
            Phase::AskOrder(AskOrder::default()),
            self.p.ask_another_order(),
        )
    }

    /// A transfer ended (or the carrier says so late, or out of turn).
    fn on_transfer_ended(&mut self, phase: Phase, outcome: TransferOutcome) -> Phase {
        match phase {
            Phase::Transferring => {
                self.record(Event::TransferEnded(outcome));
                match outcome {
                    TransferOutcome::Answered => {
                        self.shared(self.p.goodbye(self.store()));
                        self.end(CallOutcome::Transferred)
                    }
                    TransferOutcome::Canceled => {
                        self.shared(self.p.goodbye(self.store()));
                        self.end(CallOutcome::Abandoned)
                    }
                    _ => {
                        self.shared(self.p.transfer_unanswered());
                        self.promise_callback_and_end()
                    }
                }
            }
            Phase::Ended(_) => self.goodbye_again(phase),
            Phase::New => self.start(None, Attestation::Unverified, Start::Resumed, Lock::Open),
            other => {
                *self.pending = None;
                self.ask(other, Ask::First)
            }
        }
    }

    /// The caller hung up: the call is over, with nothing more to say.
    fn on_call_ended(&mut self, phase: Phase) -> Phase {
        match phase {
            Phase::Ended(_) => phase,
            Phase::Transferring => self.close(CallOutcome::Transferred),
            _ => {
                let outcome = self.quiet_outcome();
                self.close(outcome)
            }
        }
    }
}
