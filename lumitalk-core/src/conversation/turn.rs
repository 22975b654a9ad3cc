//! One step of the machine: what it reads (time, context, language), what it may
//! change besides the phase (the call's facts, verification, effects in flight),
//! and the actions it collects.
//!
//! [`Turn`] deliberately holds no phase. Transitions take the current phase by
//! value and return the next one, and [`Conversation::handle`] stores it: the
//! only place a phase is assigned.
//!
//! [`Conversation::handle`]: super::Conversation::handle

use super::action::{Action, Effect, Event, Speak};
use super::context::Context;
use super::phrases::{Phrases, When};
use super::state::{Call, Pending, Security};
use crate::domain::{Cacheability, StoreTimeZone, Timestamp};

/// What one step reads and writes, except the phase.
pub(crate) struct Turn<'a> {
    pub(crate) now: Timestamp,
    pub(crate) ctx: &'a Context<'a>,
    /// The store's zone, read from the merchant when a date is first spoken.
    zone: std::cell::OnceCell<StoreTimeZone>,
    pub(crate) p: &'static dyn Phrases,
    pub(crate) call: &'a mut Call,
    pub(crate) security: &'a mut Security,
    pub(crate) pending: &'a mut Option<Pending>,
    /// The actions to drain, in order.
    pub(crate) actions: Vec<Action>,
}

/// Whether a question is asked as written or rephrased after an unclear answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ask {
    /// As written (first time, after silence, after "repeat").
    First,
    /// Rephrased: the caller's answer did not fit.
    Again,
}

/// How a call (re)starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Start {
    /// A new call: greet.
    Fresh,
    /// The session was lost: apologize and ask for the order number.
    Resumed,
}

/// Whether verification is open for the call, or locked by the driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lock {
    /// Challenges may be asked.
    Open,
    /// Locked out after repeated failures across calls: nothing is disclosed.
    Locked,
}

/// Whether a lookup is wanted, or a guess from the raw words made while the
/// classification is pending (dropped if the classification means otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    /// The machine needs the result.
    Needed,
    /// A guess: kept only if the classification agrees.
    Guess,
}

impl<'a> Turn<'a> {
    pub(crate) fn new(
        now: Timestamp,
        ctx: &'a Context<'a>,
        p: &'static dyn Phrases,
        call: &'a mut Call,
        security: &'a mut Security,
        pending: &'a mut Option<Pending>,
    ) -> Self {
        Turn {
            now,
            ctx,
            zone: std::cell::OnceCell::new(),
            p,
            call,
            security,
            pending,
            actions: Vec::new(),
        }
    }

    /// Says a fixed prompt (cacheable across calls).
    pub(crate) fn shared(&mut self, text: impl Into<String>) {
        self.speak(Speak {
            text: text.into(),
            cacheability: Cacheability::Shared,
        });
    }

    /// Says text holding order details or anything about the caller.
    pub(crate) fn personal(&mut self, text: String) {
        self.speak(Speak {
            text,
            cacheability: Cacheability::Personal,
        });
    }

    pub(crate) fn speak(&mut self, speak: Speak) {
        self.actions.push(Action::Speak(speak));
    }

    pub(crate) fn effect(&mut self, effect: Effect) {
        self.actions.push(Action::Effect(effect));
    }

    pub(crate) fn record(&mut self, event: Event) {
        self.effect(Effect::Record(event));
    }

    /// How dates are spoken now.
    pub(crate) fn when(&self) -> When<'_> {
        When {
            now: self.now,
            zone: self.zone.get_or_init(|| self.ctx.merchant.zone()),
        }
    }

    /// The store's name, as spoken.
    pub(crate) fn store(&self) -> &str {
        &self.ctx.merchant.display_name
    }

    /// Whether speech at this recognizer confidence is trusted without a
    /// confirmation (keyed input has none and always is).
    pub(crate) fn confident(&self, confidence: Option<f32>) -> bool {
        confidence.is_none_or(|c| c >= self.ctx.limits.confirm_below_confidence)
    }
}
