//! The step: feeding one input, starting a call, and the caller's turns (keypad
//! here; speech and its classification in [`super::speech`]). Order lookups,
//! verification and answers are in [`super::orders`], phone numbers in
//! [`super::phone`], choosing among orders in [`super::choose`], questions and
//! retries in [`super::questions`], escalation and endings in [`super::endings`].

use super::action::{Action, Effect, EscalationReason, Event, Speak};
use super::context::Context;
use super::input::{Input, Lookup};
use super::phase::{AskOrder, Phase};
use super::phrases::{self, Phrases, When};
use super::speech::Reference;
use super::state::{Call, Conversation, Security};
use super::summary::Origin;
use super::verify;
use crate::domain::{Cacheability, CallOutcome, OrderNumber, PhoneNumber, Region, Timestamp};

/// Actions collected during one step.
#[derive(Debug, Default)]
pub(crate) struct Out {
    pub(crate) actions: Vec<Action>,
}

impl Out {
    pub(crate) fn shared(&mut self, text: impl Into<String>) {
        self.actions.push(Action::Speak(Speak {
            text: text.into(),
            cacheability: Cacheability::Shared,
        }));
    }

    pub(crate) fn personal(&mut self, text: String) {
        self.actions.push(Action::Speak(Speak {
            text,
            cacheability: Cacheability::Personal,
        }));
    }

    pub(crate) fn speak(&mut self, speak: Speak) {
        self.actions.push(Action::Speak(speak));
    }

    pub(crate) fn effect(&mut self, effect: Effect) {
        self.actions.push(Action::Effect(effect));
    }

    pub(crate) fn record(&mut self, event: Event) {
        self.actions.push(Action::Effect(Effect::Record(event)));
    }
}

/// What one step reads: the time, the context and the language.
pub(crate) struct Step<'a> {
    pub(crate) now: Timestamp,
    pub(crate) ctx: &'a Context<'a>,
    pub(crate) p: &'static dyn Phrases,
}

impl Step<'_> {
    pub(crate) fn when(&self) -> When {
        When {
            now: self.now,
            utc_offset_minutes: self.ctx.utc_offset_minutes(),
        }
    }

    pub(crate) fn store(&self) -> &str {
        &self.ctx.merchant.display_name
    }
}

/// What the caller did.
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
        let t = Step {
            now,
            ctx,
            p: phrases::for_language(&ctx.merchant.language),
        };
        let mut out = Out::default();
        if std::mem::take(&mut self.call.resumed) {
            out.shared(t.p.restarted());
            if matches!(input, Input::NoInput | Input::TransferEnded(_)) {
                self.ask(&t, &mut out, false);
                return out.actions;
            }
        }
        match input {
            Input::CallStarted {
                caller,
                resumed,
                verification_locked,
            } => self.start(&t, &mut out, caller, resumed, verification_locked),
            Input::Speech { text, confidence } => {
                self.caller_turn(&t, &mut out, Said::Speech { text, confidence })
            }
            Input::Digits(d) => self.caller_turn(&t, &mut out, Said::Keys(d)),
            Input::NoInput => self.caller_turn(&t, &mut out, Said::Nothing),
            Input::Classified(c) | Input::ClassificationFailed { fallback: c } => {
                self.on_classified(&t, &mut out, c)
            }
            i @ (Input::OrdersFound { .. }
            | Input::OrdersNotFound { .. }
            | Input::LookupFailed { .. }) => self.on_lookup(&t, &mut out, i),
            Input::SpeechReady => self.call.speech_failures = 0,
            Input::SpeechFailed => {
                self.call.speech_failures = self.call.speech_failures.saturating_add(1)
            }
            Input::Deadline => self.on_deadline(&t, &mut out),
            Input::TransferEnded(o) => self.on_transfer_ended(&t, &mut out, o),
            Input::CallEnded => self.on_call_ended(&mut out),
        }
        if self
            .pending
            .as_ref()
            .is_some_and(|p| p.heard.is_none() && p.lookup.is_none())
        {
            self.pending = None;
        }
        out.actions
    }

    /// Every fixed prompt the conversation can say for this merchant (for
    /// pre-synthesis: the driver caches their audio across calls).
    pub fn fixed_prompts(ctx: &Context<'_>) -> Vec<String> {
        phrases::for_language(&ctx.merchant.language)
            .fixed_prompts(&ctx.merchant.display_name, ctx.merchant.greeting.as_deref())
    }

    pub(crate) fn start(
        &mut self,
        t: &Step<'_>,
        out: &mut Out,
        caller: Option<PhoneNumber>,
        resumed: bool,
        locked: bool,
    ) {
        self.call = Call {
            started_at: t.now,
            caller: caller.clone(),
            ..Call::default()
        };
        self.security = Security {
            locked,
            ..Security::default()
        };
        self.pending = None;
        if resumed {
            out.shared(t.p.restarted());
        } else {
            out.shared(t.p.greeting(t.store(), t.ctx.merchant.greeting.as_deref()));
        }
        match caller {
            // The caller ID's recent orders are worth fetching only when they may be
            // named: when the policy trusts caller ID (or verifies nothing).
            Some(phone) if !locked && !resumed && self.may_list(t, &phone) => {
                self.phase = Phase::Greeting;
                self.request_lookup(out, Lookup::Phone { phone }, Origin::CallerId, false);
            }
            _ => {
                self.phase = Phase::AskOrder(AskOrder::default());
                self.ask(t, out, false);
            }
        }
    }

    fn caller_turn(&mut self, t: &Step<'_>, out: &mut Out, said: Said) {
        match self.phase {
            Phase::Ended(_) => {
                out.shared(t.p.goodbye(t.store()));
                out.actions.push(Action::HangUp);
                return;
            }
            Phase::New => return self.start(t, out, None, true, false),
            Phase::Greeting => self.phase = Phase::AskOrder(AskOrder::default()),
            _ => {}
        }
        self.pending = None;
        self.call.turns = self.call.turns.saturating_add(1);
        let limits = t.ctx.limits;
        if self.call.turns > limits.max_turns
            || t.now.since(self.call.started_at) >= limits.max_duration
        {
            if matches!(self.phase, Phase::Transferring) {
                out.shared(t.p.goodbye(t.store()));
                return self.end(out, CallOutcome::Failed);
            }
            out.shared(t.p.limits());
            return self.escalate(t, out, EscalationReason::Limits);
        }
        if matches!(self.phase, Phase::Transferring) {
            // Carriers send no input during a transfer; if one does, connect again.
            return self.escalate(t, out, EscalationReason::Requested);
        }
        match said {
            Said::Nothing => self.on_silence(t, out),
            Said::Keys(keys) => self.on_keys(t, out, &keys),
            Said::Speech { text, .. } if text.trim().is_empty() => self.on_silence(t, out),
            Said::Speech { text, confidence } => self.on_speech(t, out, text, confidence),
        }
    }

    fn on_keys(&mut self, t: &Step<'_>, out: &mut Out, keys: &str) {
        let keys: String = keys
            .chars()
            .filter(|c| c.is_ascii_digit() || matches!(c, '*' | '#'))
            .collect();
        let keys = keys.trim_end_matches('#');
        match keys {
            "0" => return self.escalate(t, out, EscalationReason::Requested),
            "*" => return self.repeat(t, out),
            _ => {}
        }
        if keys.is_empty() || !keys.bytes().all(|b| b.is_ascii_digit()) {
            return self.on_unclear(t, out, None);
        }
        let long = keys.len() >= 3;
        match &self.phase {
            Phase::AskOrder(_) => self.keyed_reference(t, out, keys),
            Phase::AskPhone(_) => match PhoneNumber::parse(keys, Region::default()) {
                Ok(phone) => self.follow_reference(t, out, Reference::Phone(phone), None),
                Err(_) => self.on_unclear(t, out, Some(t.p.not_a_phone())),
            },
            Phase::ConfirmNumber(c) => match keys {
                "1" => {
                    let number = c.number.clone();
                    self.request_lookup(out, Lookup::Number { number }, Origin::Number, false)
                }
                "2" => self.deny_number(t, out),
                _ if long => self.keyed_reference(t, out, keys),
                _ => self.on_unclear(t, out, None),
            },
            Phase::OfferOrder(o) => match keys {
                "1" => {
                    let order = o.order.clone();
                    self.check_caller(t, out, order)
                }
                "2" => self.decline_offer(t, out),
                _ if long => self.keyed_reference(t, out, keys),
                _ => self.on_unclear(t, out, None),
            },
            Phase::ChooseOrder(_) => self.choose(t, out, None, &[keys.to_string()]),
            Phase::Verify(_) => self.on_challenge_answer(t, out, &verify::readings(&[keys])),
            Phase::VerifyPhone(_) => self.on_phone_answer(t, out, verify::readings(&[keys])),
            Phase::Answered(_) => match keys {
                "1" => self.ask_another(t, out),
                "2" => self.goodbye(t, out),
                _ if long => self.keyed_reference(t, out, keys),
                _ => self.on_unclear(t, out, None),
            },
            Phase::OfferHuman(_) => match keys {
                "1" => self.transfer_now(t, out),
                "2" => self.goodbye(t, out),
                _ if long => self.keyed_reference(t, out, keys),
                _ => self.on_unclear(t, out, None),
            },
            _ => self.on_unclear(t, out, None),
        }
    }

    /// Keyed digits as an order reference: ten or more digits that make a valid
    /// phone number are a phone number; otherwise an order number.
    fn keyed_reference(&mut self, t: &Step<'_>, out: &mut Out, keys: &str) {
        if keys.len() >= 10
            && let Ok(phone) = PhoneNumber::parse(keys, Region::default())
        {
            return self.follow_reference(t, out, Reference::Phone(phone), None);
        }
        match OrderNumber::from_digits(keys) {
            Ok(n) => self.follow_reference(t, out, Reference::Number(n), None),
            Err(_) => self.on_unclear(t, out, None),
        }
    }

    pub(crate) fn deny_number(&mut self, t: &Step<'_>, out: &mut Out) {
        let Phase::ConfirmNumber(c) = &self.phase else {
            return self.on_unclear(t, out, None);
        };
        let mut ask = c.ask;
        ask.retries.unclear = ask.retries.unclear.saturating_add(1);
        if ask.retries.unclear > t.ctx.limits.max_unclear {
            return self.escalate(t, out, EscalationReason::Unclear);
        }
        self.phase = Phase::AskOrder(ask);
        out.shared(t.p.okay());
        self.ask(t, out, true)
    }

    pub(crate) fn decline_offer(&mut self, t: &Step<'_>, out: &mut Out) {
        self.phase = Phase::AskOrder(AskOrder::default());
        out.shared(t.p.okay());
        self.ask(t, out, false)
    }

    pub(crate) fn ask_another(&mut self, t: &Step<'_>, out: &mut Out) {
        self.phase = Phase::AskOrder(AskOrder::default());
        out.shared(t.p.ask_another_order());
        out.actions.push(Action::Listen(self.listen_spec(t)));
    }
}
