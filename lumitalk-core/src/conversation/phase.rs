//! Where a call stands: one small struct per phase, each holding the counters that
//! bound it. Leaving a phase drops its counters.

use serde::{Deserialize, Serialize};

use super::summary::{OrderBrief, OrderSummary, Origin};
use crate::domain::{CallOutcome, ExpectedEntity, OrderNumber, PhoneNumber};

fn is_zero(n: &u8) -> bool {
    *n == 0
}

/// Silences and unclear answers to the current question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Retries {
    /// Silences so far.
    #[serde(rename = "q", default, skip_serializing_if = "is_zero")]
    pub silences: u8,
    /// Unclear answers so far.
    #[serde(rename = "u", default, skip_serializing_if = "is_zero")]
    pub unclear: u8,
}

/// The phases of a call.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "p", rename_all = "snake_case")]
pub enum Phase {
    /// Before the call started.
    #[default]
    New,
    /// Greeted; waiting for the caller-ID lookup to choose the first question.
    Greeting,
    /// Asking for an order number.
    AskOrder(AskOrder),
    /// Asking for the phone number on the order.
    AskPhone(AskPhone),
    /// Confirming a number heard with low confidence.
    ConfirmNumber(ConfirmNumber),
    /// Offering the one order found by phone.
    OfferOrder(OfferOrder),
    /// Asking which of several orders found by phone.
    ChooseOrder(ChooseOrder),
    /// Asking a verification challenge.
    Verify(Verify),
    /// Asking the postal code (or an order number) for a phone number the caller
    /// gave, before naming any of its orders.
    VerifyPhone(VerifyPhone),
    /// Answered; asking "anything else?".
    Answered(Answered),
    /// Offering to connect a human.
    OfferHuman(OfferHuman),
    /// Transferred; waiting for the transfer to end.
    Transferring,
    /// Over.
    Ended(Ended),
}

/// Asking for an order number. `not_found` bounds the whole search for an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AskOrder {
    /// Silences and unclear answers.
    #[serde(rename = "r", default)]
    pub retries: Retries,
    /// Order numbers (or phone numbers) that found nothing.
    #[serde(rename = "nf", default, skip_serializing_if = "is_zero")]
    pub not_found: u8,
}

/// Asking for the phone number on the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AskPhone {
    /// Silences and unclear answers.
    #[serde(rename = "r", default)]
    pub retries: Retries,
    /// Lookups that found nothing, carried over from the order question.
    #[serde(rename = "nf", default, skip_serializing_if = "is_zero")]
    pub not_found: u8,
}

/// "I heard 1 0 0 1. Is that right?"
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmNumber {
    /// What was heard.
    #[serde(rename = "n")]
    pub number: OrderNumber,
    /// The order question's counters, restored on "no".
    #[serde(rename = "a", default)]
    pub ask: AskOrder,
    /// Silences and unclear answers to the confirmation.
    #[serde(rename = "r", default)]
    pub retries: Retries,
}

/// "I see an order ending in 1001 ... Is that the one?"
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferOrder {
    /// The order.
    #[serde(rename = "o")]
    pub order: OrderSummary,
    /// How it was found.
    #[serde(rename = "g")]
    pub origin: Origin,
    /// Silences and unclear answers.
    #[serde(rename = "r", default)]
    pub retries: Retries,
}

/// "I see 2 recent orders ... Which one?"
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChooseOrder {
    /// The candidates, newest first.
    #[serde(rename = "o")]
    pub orders: Vec<OrderBrief>,
    /// How they were found.
    #[serde(rename = "g")]
    pub origin: Origin,
    /// Silences and unclear answers.
    #[serde(rename = "r", default)]
    pub retries: Retries,
}

/// Asking a challenge for `order`. Failed answers are counted per call (in the
/// conversation's security state), not here: switching orders must not reset them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verify {
    /// The order to verify for.
    #[serde(rename = "o")]
    pub order: OrderSummary,
    /// Silences and unclear answers.
    #[serde(rename = "r", default)]
    pub retries: Retries,
}

/// "To protect your privacy, please say the ZIP code the order ships to, or the
/// order number." The phone's orders are looked up with the answer and checked
/// against it: a phone number alone names no order. Failed answers count like
/// any challenge's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyPhone {
    /// The phone number the caller gave (`Debug` masks it).
    #[serde(rename = "f")]
    pub phone: PhoneNumber,
    /// Silences and unclear answers.
    #[serde(rename = "r", default)]
    pub retries: Retries,
}

/// The answer was given; "anything else?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answered {
    /// The verified order (for "repeat").
    #[serde(rename = "o")]
    pub order: OrderSummary,
    /// Silences and unclear answers.
    #[serde(rename = "r", default)]
    pub retries: Retries,
}

/// "Would you like me to connect you with someone from our team?"
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OfferHuman {
    /// Silences and unclear answers.
    #[serde(rename = "r", default)]
    pub retries: Retries,
}

/// The call is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ended {
    /// How it ended.
    #[serde(rename = "o")]
    pub outcome: CallOutcome,
}

impl Phase {
    /// A short name for tests and metrics.
    pub fn name(&self) -> &'static str {
        match self {
            Phase::New => "new",
            Phase::Greeting => "greeting",
            Phase::AskOrder(_) => "ask_order",
            Phase::AskPhone(_) => "ask_phone",
            Phase::ConfirmNumber(_) => "confirm_number",
            Phase::OfferOrder(_) => "offer_order",
            Phase::ChooseOrder(_) => "choose_order",
            Phase::Verify(_) => "verify",
            Phase::VerifyPhone(_) => "verify_phone",
            Phase::Answered(_) => "answered",
            Phase::OfferHuman(_) => "offer_human",
            Phase::Transferring => "transferring",
            Phase::Ended(_) => "ended",
        }
    }

    /// The retry counters of a listening phase.
    pub(crate) fn retries_mut(&mut self) -> Option<&mut Retries> {
        match self {
            Phase::AskOrder(p) => Some(&mut p.retries),
            Phase::AskPhone(p) => Some(&mut p.retries),
            Phase::ConfirmNumber(p) => Some(&mut p.retries),
            Phase::OfferOrder(p) => Some(&mut p.retries),
            Phase::ChooseOrder(p) => Some(&mut p.retries),
            Phase::Verify(p) => Some(&mut p.retries),
            Phase::VerifyPhone(p) => Some(&mut p.retries),
            Phase::Answered(p) => Some(&mut p.retries),
            Phase::OfferHuman(p) => Some(&mut p.retries),
            Phase::New | Phase::Greeting | Phase::Transferring | Phase::Ended(_) => None,
        }
    }

    /// Order-search misses so far, carried across the phases of one search.
    pub(crate) fn not_found(&self) -> u8 {
        match self {
            Phase::AskOrder(p) => p.not_found,
            Phase::AskPhone(p) => p.not_found,
            Phase::ConfirmNumber(p) => p.ask.not_found,
            _ => 0,
        }
    }

    /// What the phase's question expects.
    pub(crate) fn expected(&self) -> ExpectedEntity {
        match self {
            Phase::AskOrder(_) | Phase::Greeting | Phase::New => ExpectedEntity::OrderNumber,
            Phase::AskPhone(_) => ExpectedEntity::PhoneNumber,
            Phase::ConfirmNumber(_)
            | Phase::OfferOrder(_)
            | Phase::Answered(_)
            | Phase::OfferHuman(_) => ExpectedEntity::YesNo,
            Phase::ChooseOrder(_) => ExpectedEntity::OrderChoice,
            Phase::Verify(_) | Phase::VerifyPhone(_) => ExpectedEntity::Verification,
            Phase::Transferring | Phase::Ended(_) => ExpectedEntity::None,
        }
    }
}
