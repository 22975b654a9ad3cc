//! Effects in flight: the classification of what the caller said (with a
//! speculative lookup of an order number guessed from the raw words), lookups,
//! results that arrive early, late or not at all.

use super::action::Action;
use super::action::{Effect, EscalationReason};
use super::caller::{Caller, spoken_phone};
use super::input::{Input, Lookup};
use super::phase::Phase;
use super::state::{Answers, Heard, Held, Pending, PendingLookup};
use super::summary::Origin;
use super::turn::{Ask, Turn, Want};
use crate::domain::{Classification, ClassifyContext, OrderNumber, Utterance};
use crate::error::ErrorKind;

/// How many times in a row a caller is asked to hold on for one lookup
/// before hearing that the order system cannot be reached.
pub(crate) const MAX_HOLDS: u8 = 3;

impl Turn<'_> {
    /// Speech: asks for its classification, and, when the caller is likely giving
    /// an order number, looks the number in the words up at the same time.
    pub(crate) fn classify(
        &mut self,
        phase: Phase,
        text: String,
        confidence: Option<f32>,
    ) -> Phase {
        let context = ClassifyContext {
            merchant_name: self.ctx.merchant.display_name.clone(),
            language: self.ctx.merchant.language.clone(),
            last_prompt: self.question(&phase, Ask::First).text,
            expected: phase.expected(),
        };
        let speculate =
            matches!(phase, Phase::AskOrder(_) | Phase::Answered(_)) && self.confident(confidence);
        let guess = if speculate && spoken_phone(&text).is_none() && !self.p.mentions_phone(&text) {
            OrderNumber::parse(&text).ok()
        } else {
            None
        };
        *self.pending = Some(Pending {
            heard: Some(Heard {
                text: text.clone(),
                confidence,
            }),
            ..Pending::default()
        });
        self.effect(Effect::Classify {
            utterance: Utterance::speech(text, confidence),
            context,
        });
        if let Some(number) = guess {
            self.request_lookup(Lookup::Number { number }, Origin::Number, Want::Guess);
        }
        phase
    }

    /// The classification of the pending speech: the caller's turn is judged now.
    /// A speculative lookup the caller did not mean is dropped; its result, if it
    /// came first, is used now.
    pub(crate) fn on_classified(&mut self, phase: Phase, c: Classification) -> Phase {
        let Some(heard) = self.pending.as_mut().and_then(|p| p.heard.take()) else {
            return phase;
        };
        let caller = Caller::from_speech(&c, &heard, self.p);
        let phase = self.on_caller(phase, caller);
        let Some(p) = self.pending.as_mut() else {
            return phase;
        };
        if p.lookup.as_ref().is_some_and(|l| l.speculative) {
            // The caller meant something else: drop the guess.
            p.lookup = None;
            p.early_result = None;
            return phase;
        }
        match p.early_result.take() {
            Some(early) => self.on_lookup(phase, early),
            None => phase,
        }
    }

    /// The turn's time ran out: speech never classified is not understood; a
    /// lookup never answered failed.
    pub(crate) fn on_deadline(&mut self, phase: Phase) -> Phase {
        let Some(p) = self.pending.as_mut() else {
            return phase;
        };
        if p.heard.take().is_some() {
            *self.pending = None;
            return self.on_caller(phase, Caller::Unclear);
        }
        match p.lookup.as_ref().map(|pl| pl.lookup.clone()) {
            Some(lookup) => self.on_lookup(
                phase,
                Input::LookupFailed {
                    lookup,
                    kind: ErrorKind::Timeout,
                },
            ),
            None => phase,
        }
    }

    /// A lookup's result. Results nobody waits for are ignored; a speculative
    /// lookup's result that beats the classification is kept until it arrives.
    pub(crate) fn on_lookup(&mut self, phase: Phase, input: Input) -> Phase {
        let lookup = match &input {
            Input::OrdersFound { lookup, .. }
            | Input::OrdersNotFound { lookup }
            | Input::LookupFailed { lookup, .. } => lookup,
            _ => return phase,
        };
        let Some(p) = self.pending.as_mut() else {
            return phase;
        };
        let Some(pl) = p.lookup.as_ref().filter(|pl| &pl.lookup == lookup) else {
            return phase;
        };
        if pl.speculative && p.heard.is_some() {
            p.early_result = Some(input);
            return phase;
        }
        let origin = pl.origin;
        let answers = p.lookup.take().and_then(|pl| pl.answers);
        p.early_result = None;
        if let Input::LookupFailed {
            lookup,
            kind: ErrorKind::RateLimited,
        } = &input
            && !matches!(phase, Phase::Greeting)
            && let Some(held) = self.next_hold(lookup, origin, answers.as_ref())
        {
            return self.hold(phase, held);
        }
        self.call.held = None;
        match (input, answers) {
            // Nothing under the caller ID: just ask for the order number.
            (Input::LookupFailed { .. }, _) if matches!(phase, Phase::Greeting) => {
                self.ask(phase, Ask::First)
            }
            (Input::LookupFailed { .. }, _) => {
                self.shared(self.p.lookup_failed());
                self.escalate(&phase, EscalationReason::LookupFailed)
            }
            // A phone number the caller gave, with their answer: checked the same
            // way whether or not the phone has orders.
            (
                Input::OrdersFound {
                    lookup: Lookup::Phone { phone },
                    orders,
                },
                Some(answers),
            ) => self.on_phone_orders(phase, &phone, orders, &answers),
            (
                Input::OrdersNotFound {
                    lookup: Lookup::Phone { phone },
                },
                Some(answers),
            ) => self.on_phone_orders(phase, &phone, Vec::new(), &answers),
            (Input::OrdersFound { lookup, orders }, _) if !orders.is_empty() => {
                self.on_orders(phase, lookup, orders, origin)
            }
            (Input::OrdersFound { lookup, .. } | Input::OrdersNotFound { lookup }, _) => {
                self.not_found(phase, &lookup)
            }
            _ => phase,
        }
    }

    /// The hold to make for a lookup the order system queued (its rate limit
    /// is spent for now): `None` once the caller has held [`MAX_HOLDS`] times
    /// for it, when the failure is answered as any other.
    fn next_hold(
        &self,
        lookup: &Lookup,
        origin: Origin,
        answers: Option<&Answers>,
    ) -> Option<Held> {
        let holds = match &self.call.held {
            Some(h) if &h.lookup == lookup => h.holds,
            _ => 0,
        };
        (holds < MAX_HOLDS).then(|| Held {
            lookup: lookup.clone(),
            origin,
            answers: answers.map(|a| a.0.clone()),
            holds: holds + 1,
        })
    }

    /// "One moment while I look that up", and straight back
    /// ([`Action::Continue`]): the lookup is asked again then.
    fn hold(&mut self, phase: Phase, held: Held) -> Phase {
        self.call.held = Some(held);
        self.shared(self.p.hold_on());
        self.actions.push(Action::Continue);
        phase
    }

    /// The carrier came back after a hold: the held lookup is asked again; with
    /// nothing held, the question is asked again.
    pub(crate) fn on_resumed(&mut self, phase: Phase) -> Phase {
        let Some(held) = self.call.held.clone() else {
            return self.ask(phase, Ask::First);
        };
        self.request_lookup(held.lookup, held.origin, Want::Needed);
        if let Some(pl) = self.pending.as_mut().and_then(|p| p.lookup.as_mut()) {
            pl.answers = held.answers.map(Answers);
        }
        phase
    }

    /// Asks for a lookup, or keeps waiting for the same one already in flight.
    pub(crate) fn request_lookup(&mut self, lookup: Lookup, origin: Origin, want: Want) {
        let speculative = want == Want::Guess;
        let p = self.pending.get_or_insert_with(Pending::default);
        if let Some(pl) = p.lookup.as_mut()
            && pl.lookup == lookup
        {
            pl.speculative &= speculative;
            pl.origin = origin;
            return;
        }
        p.lookup = Some(PendingLookup {
            lookup: lookup.clone(),
            origin,
            speculative,
            answers: None,
        });
        p.early_result = None;
        self.effect(Effect::Lookup(lookup));
    }
}
