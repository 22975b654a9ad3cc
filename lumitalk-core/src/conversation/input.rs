//! What the conversation is fed: the caller's doings and the results of the
//! effects it asked for.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::{
    Attestation, Classification, Order, OrderNumber, PhoneNumber, TransferOutcome, Utterance,
};
use crate::error::ErrorKind;

/// An order lookup the conversation asked for; results echo it back.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Lookup {
    /// The order with this number.
    Number {
        /// The order number.
        number: OrderNumber,
    },
    /// Recent orders placed with this phone number.
    Phone {
        /// The phone number.
        phone: PhoneNumber,
    },
}

impl fmt::Debug for Lookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lookup::Number { number } => write!(f, "Lookup::Number({})", number.digits()),
            Lookup::Phone { phone } => write!(f, "Lookup::Phone({phone})"),
        }
    }
}

/// One input to [`Conversation::handle`](super::Conversation::handle).
///
/// `Debug` shows no caller words and no order details.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum Input {
    /// The call arrived (or a webhook arrived for a call with no session).
    CallStarted {
        /// The caller ID, when the carrier gave a usable number.
        caller: Option<PhoneNumber>,
        /// How far the network vouches for the caller ID.
        attestation: Attestation,
        /// The session was lost (e.g. after a restart): start over politely.
        resumed: bool,
        /// The driver has locked this caller out of verification after repeated
        /// failures across calls: no challenge is asked and nothing is disclosed.
        verification_locked: bool,
    },
    /// Recognized speech.
    Speech {
        /// Transcribed text.
        text: String,
        /// Recognizer confidence, 0.0..=1.0.
        confidence: Option<f32>,
    },
    /// Keypad digits (without the finishing key).
    Digits(String),
    /// A listen ended with nothing heard.
    NoInput,
    /// The carrier came back after an [`Action::Continue`](super::Action::Continue)
    /// (the caller was told to hold on): carry on with what was held.
    Resumed,
    /// The classifier's answer to a [`Effect::Classify`](super::Effect::Classify).
    Classified(Classification),
    /// The classifier failed or timed out; `fallback` is the offline classifier's answer.
    ClassificationFailed {
        /// What the offline classifier made of the utterance.
        fallback: Classification,
    },
    /// A lookup found orders (newest first).
    OrdersFound {
        /// The lookup asked for.
        lookup: Lookup,
        /// What it found; an empty list means not found.
        orders: Vec<Order>,
    },
    /// A lookup found nothing.
    OrdersNotFound {
        /// The lookup asked for.
        lookup: Lookup,
    },
    /// A lookup failed or timed out.
    LookupFailed {
        /// The lookup asked for.
        lookup: Lookup,
        /// Why.
        kind: ErrorKind,
    },
    /// Synthesized speech for this turn was ready.
    SpeechReady,
    /// Speech synthesis failed or timed out (the carrier's voice was used).
    SpeechFailed,
    /// The turn's deadline passed with effects still pending: answer with what is known.
    Deadline,
    /// A transfer to a human ended.
    TransferEnded(TransferOutcome),
    /// The call is over (the caller hung up).
    CallEnded,
}

impl From<Utterance> for Input {
    fn from(u: Utterance) -> Self {
        match u {
            Utterance::Speech { text, confidence } => Input::Speech { text, confidence },
            Utterance::Digits { digits } => Input::Digits(digits),
        }
    }
}

impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Input::CallStarted {
                caller,
                attestation,
                resumed,
                verification_locked,
            } => f
                .debug_struct("CallStarted")
                .field("caller", caller)
                .field("attestation", attestation)
                .field("resumed", resumed)
                .field("verification_locked", verification_locked)
                .finish(),
            Input::Speech { text, confidence } => write!(
                f,
                "Speech({} chars, confidence {confidence:?})",
                text.chars().count()
            ),
            Input::Digits(d) => write!(f, "Digits({} keys)", d.len()),
            Input::NoInput => f.write_str("NoInput"),
            Input::Resumed => f.write_str("Resumed"),
            Input::Classified(c) => f.debug_tuple("Classified").field(c).finish(),
            Input::ClassificationFailed { fallback } => f
                .debug_struct("ClassificationFailed")
                .field("fallback", fallback)
                .finish(),
            Input::OrdersFound { lookup, orders } => {
                write!(f, "OrdersFound({lookup:?}, {} orders)", orders.len())
            }
            Input::OrdersNotFound { lookup } => write!(f, "OrdersNotFound({lookup:?})"),
            Input::LookupFailed { lookup, kind } => write!(f, "LookupFailed({lookup:?}, {kind:?})"),
            Input::SpeechReady => f.write_str("SpeechReady"),
            Input::SpeechFailed => f.write_str("SpeechFailed"),
            Input::Deadline => f.write_str("Deadline"),
            Input::TransferEnded(o) => write!(f, "TransferEnded({o:?})"),
            Input::CallEnded => f.write_str("CallEnded"),
        }
    }
}
