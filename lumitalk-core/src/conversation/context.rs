//! What the conversation reads but does not keep: the merchant's configuration and
//! the limits that bound every call.

use std::time::Duration;

use crate::domain::{Merchant, PhoneNumber, Timestamp};

/// The bounds of a call. Every counter has a limit, so every call ends.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Caller turns (answers and silences) before the call is wrapped up.
    pub max_turns: u16,
    /// Call duration before the call is wrapped up.
    pub max_duration: Duration,
    /// Reprompts after silence in one question, before saying goodbye.
    pub max_reprompts: u8,
    /// Rephrasings after unclear answers in one question, before offering a human.
    pub max_unclear: u8,
    /// Order numbers not found before offering a human.
    pub max_not_found: u8,
    /// Failed verification answers per call before nothing more is tried.
    pub max_failed_challenges: u8,
    /// Speech below this recognizer confidence is confirmed before a lookup.
    pub confirm_below_confidence: f32,
    /// Seconds of silence before a listen ends.
    pub listen_timeout_secs: u8,
    /// Seconds a transfer rings before giving up.
    pub transfer_timeout_secs: u16,
    /// Recent orders fetched by phone.
    pub recent_orders: usize,
}

impl Limits {
    /// The defaults: 20 turns, 15 minutes, 2 reprompts, 2 rephrasings, 2 orders not
    /// found, 3 failed challenges, confirm below 0.6 confidence.
    pub const DEFAULT: Limits = Limits {
        max_turns: 20,
        max_duration: Duration::from_secs(15 * 60),
        max_reprompts: 2,
        max_unclear: 2,
        max_not_found: 2,
        max_failed_challenges: 3,
        confirm_below_confidence: 0.6,
        listen_timeout_secs: 6,
        transfer_timeout_secs: 30,
        recent_orders: 3,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// What [`Conversation::handle`](super::Conversation::handle) reads on each step.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The merchant answering the call.
    pub merchant: &'a Merchant,
    /// The call's bounds.
    pub limits: &'a Limits,
}

static DEFAULT_LIMITS: Limits = Limits::DEFAULT;

impl<'a> Context<'a> {
    /// A context with the default limits.
    pub fn new(merchant: &'a Merchant) -> Self {
        Context {
            merchant,
            limits: &DEFAULT_LIMITS,
        }
    }

    /// A context with other limits.
    pub fn with_limits(mut self, limits: &'a Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Who can take a transfer at `now`.
    pub(crate) fn humans(&self, now: Timestamp) -> Humans {
        match (
            &self.merchant.escalation_number,
            &self.merchant.business_hours,
        ) {
            (None, _) => Humans::NoNumber,
            (Some(_), Some(hours)) if !hours.is_open(now) => Humans::Closed,
            (Some(n), _) => Humans::Available(n.clone()),
        }
    }
}

/// Whether a human can take the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Humans {
    Available(PhoneNumber),
    Closed,
    NoNumber,
}
