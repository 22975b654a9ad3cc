//! What the conversation asks for: things to say, what to do next, and effects
//! for the driver to run.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::input::Lookup;
use crate::domain::{Cacheability, CallOutcome, ClassifyContext, TransferOutcome, Utterance};
use crate::reply::{ListenSpec, TransferSpec};

/// One action to drain from [`Conversation::handle`](super::Conversation::handle).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Action {
    /// Say this (in order with other `Speak`s of the turn).
    Speak(Speak),
    /// Then listen. Ends the turn.
    Listen(ListenSpec),
    /// Then transfer to a human. Ends the turn.
    Transfer(TransferSpec),
    /// Then hang up. Ends the turn.
    HangUp,
    /// Then come straight back without listening (the carrier redirects and
    /// the driver feeds [`Input::Resumed`](super::Input::Resumed)): the caller
    /// was told to hold on while a lookup waits. Ends the turn.
    Continue,
    /// Run this effect.
    Effect(Effect),
}

impl Action {
    /// Whether this action ends the turn (listen, transfer, hang up).
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Action::Listen(_) | Action::Transfer(_) | Action::HangUp | Action::Continue
        )
    }
}

/// Text to speak. `Debug` shows personal text's length only.
#[derive(Clone, PartialEq, Eq)]
pub struct Speak {
    /// The words.
    pub text: String,
    /// `Shared` for fixed prompts (cacheable across calls), `Personal` when the text
    /// holds order details or anything about the caller.
    pub cacheability: Cacheability,
}

impl fmt::Debug for Speak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.cacheability {
            Cacheability::Shared => write!(f, "Speak({:?})", self.text),
            Cacheability::Personal => {
                write!(f, "Speak(<personal, {} chars>)", self.text.chars().count())
            }
        }
    }
}

/// Work for the driver. `Classify` and `Lookup` expect an answer fed back as an
/// [`Input`](super::Input); `Record` does not.
///
/// `Debug` shows no caller words and not the classification context's last
/// prompt (it can hold order details).
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum Effect {
    /// Classify the utterance; answer with `Classified` or `ClassificationFailed`.
    Classify {
        /// What the caller said.
        utterance: Utterance,
        /// Where in the conversation.
        context: ClassifyContext,
    },
    /// Look orders up; answer with `OrdersFound`, `OrdersNotFound` or `LookupFailed`.
    Lookup(Lookup),
    /// Note something for the driver (lockout counting, call records, metrics).
    Record(Event),
}

impl fmt::Debug for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Effect::Classify { utterance, context } => f
                .debug_struct("Classify")
                .field("utterance", utterance)
                .field("expected", &context.expected)
                .finish_non_exhaustive(),
            Effect::Lookup(l) => f.debug_tuple("Lookup").field(l).finish(),
            Effect::Record(e) => f.debug_tuple("Record").field(e).finish(),
        }
    }
}

/// Something that happened, for the driver to act on or count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// The caller was verified for an order.
    Verified,
    /// The caller gave a wrong verification answer (the driver counts these per
    /// caller number across calls).
    VerificationFailed,
    /// The conversation is handing the caller to a human, or offering to.
    Escalated(EscalationReason),
    /// The caller was promised a callback.
    CallbackPromised,
    /// A transfer to a human ended this way.
    TransferEnded(TransferOutcome),
    /// The call is over, with this outcome.
    Ended(CallOutcome),
}

/// Why the conversation escalates to a human.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EscalationReason {
    /// The caller asked for a person (or pressed 0).
    Requested,
    /// The caller wants something only a person can do (cancel, return, address).
    Unsupported,
    /// The caller sounds upset.
    Upset,
    /// The caller could not be understood.
    Unclear,
    /// The order could not be found.
    NotFound,
    /// The caller could not be verified.
    Verification,
    /// The order system failed.
    LookupFailed,
    /// The call reached its turn or time limit.
    Limits,
}
