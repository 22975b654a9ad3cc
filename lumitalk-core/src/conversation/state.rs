//! The conversation's state: what survives between webhooks.

use serde::{Deserialize, Serialize};

use super::context::Context;
use super::input::{Input, Lookup};
use super::phase::Phase;
use super::phrases;
use super::summary::{Origin, ts_ms};
use crate::domain::{Attestation, CallOutcome, OrderNumber, PhoneNumber, Timestamp};

fn is_zero(n: &u8) -> bool {
    *n == 0
}

fn is_unverified(a: &Attestation) -> bool {
    *a == Attestation::Unverified
}

/// One call's conversation: a pure state machine.
///
/// Feed it inputs with [`Conversation::handle`]; drain the returned actions. See
/// the [module docs](super) for the contract.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Conversation {
    #[serde(rename = "c", default)]
    pub(crate) call: Call,
    #[serde(rename = "s", default)]
    pub(crate) security: Security,
    #[serde(rename = "p", default)]
    pub(crate) phase: Phase,
    /// Effects in flight during one turn. Never saved: a session is stored between
    /// turns, when nothing is pending.
    #[serde(skip)]
    pub(crate) pending: Option<Pending>,
}

/// Facts bounding the whole call.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub(crate) struct Call {
    #[serde(rename = "t", with = "ts_ms")]
    pub(crate) started_at: Timestamp,
    #[serde(rename = "f", default, skip_serializing_if = "Option::is_none")]
    pub(crate) caller: Option<PhoneNumber>,
    /// How far the network vouches for the caller ID.
    #[serde(rename = "at", default, skip_serializing_if = "is_unverified")]
    pub(crate) attestation: Attestation,
    /// Caller turns so far (answers and silences).
    #[serde(rename = "n", default)]
    pub(crate) turns: u16,
    /// An order was answered on this call.
    #[serde(rename = "a", default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) answered: bool,
    /// Speech synthesis failures in a row.
    #[serde(rename = "x", default, skip_serializing_if = "is_zero")]
    pub(crate) speech_failures: u8,
    /// The session was lost: the next reply starts with an apology.
    #[serde(rename = "r", default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) resumed: bool,
    /// Phone numbers the caller gave (at most [`MAX_REMEMBERED`]): the last digits
    /// of these prove nothing about an order.
    #[serde(rename = "g", default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) given_phones: Vec<PhoneNumber>,
    /// A lookup the caller was asked to hold on for: asked again when the
    /// carrier comes back ([`Input::Resumed`]).
    #[serde(rename = "h", default, skip_serializing_if = "Option::is_none")]
    pub(crate) held: Option<Held>,
}

/// A lookup that waits its turn at the order system, kept over one
/// "one moment" reply.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Held {
    #[serde(rename = "l")]
    pub(crate) lookup: Lookup,
    #[serde(rename = "o")]
    pub(crate) origin: Origin,
    /// The challenge answer kept with a phone number's lookup.
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    pub(crate) answers: Option<String>,
    /// Holds so far for this lookup.
    #[serde(rename = "n")]
    pub(crate) holds: u8,
}

impl std::fmt::Debug for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Held")
            .field("lookup", &self.lookup)
            .field("origin", &self.origin)
            .field("holds", &self.holds)
            .finish_non_exhaustive()
    }
}

/// Phone numbers and verified orders remembered per call.
pub(crate) const MAX_REMEMBERED: usize = 4;

/// Pushes `item` to a short most-recent-last list without duplicates.
pub(crate) fn remember<T: PartialEq>(list: &mut Vec<T>, item: T) {
    list.retain(|x| x != &item);
    list.push(item);
    if list.len() > MAX_REMEMBERED {
        list.remove(0);
    }
}

/// Verification across the call. Failed answers are counted here, not in the
/// verify phase, so that switching orders does not reset them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub(crate) struct Security {
    #[serde(rename = "f", default, skip_serializing_if = "is_zero")]
    pub(crate) failed: u8,
    #[serde(rename = "l", default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) locked: bool,
    /// Orders the caller was verified for on this call (at most [`MAX_REMEMBERED`]).
    #[serde(rename = "v", default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) verified: Vec<OrderNumber>,
    /// The orders the last wrong challenge answer was about.
    #[serde(rename = "c", default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) challenged: Vec<OrderNumber>,
}

/// What the caller said, while its classification is pending.
#[derive(Clone, PartialEq)]
pub(crate) struct Heard {
    pub(crate) text: String,
    pub(crate) confidence: Option<f32>,
}

impl std::fmt::Debug for Heard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Heard({} chars)", self.text.chars().count())
    }
}

/// The one candidate of the caller's answer to "the ZIP code or the order
/// number" for a phone number's orders, kept while those orders are looked up.
/// `Debug` shows only its length.
#[derive(Clone, PartialEq, Default)]
pub(crate) struct Answers(pub(crate) String);

impl std::fmt::Debug for Answers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Answers({} chars)", self.0.chars().count())
    }
}

/// A lookup in flight.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PendingLookup {
    pub(crate) lookup: Lookup,
    pub(crate) origin: Origin,
    /// Requested before classification, on a guess from the raw text; dropped if
    /// the classification does not want it.
    pub(crate) speculative: bool,
    /// For a phone number the caller gave: their answer to check the orders
    /// against before naming any.
    pub(crate) answers: Option<Answers>,
}

/// Effects in flight.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Pending {
    pub(crate) heard: Option<Heard>,
    pub(crate) lookup: Option<PendingLookup>,
    /// A speculative lookup's result that arrived before the classification.
    pub(crate) early_result: Option<Input>,
}

impl Conversation {
    /// A conversation before the call started.
    pub fn new() -> Self {
        Conversation::default()
    }

    /// A conversation for a call whose session was lost (e.g. after a restart):
    /// it waits for an order number, and its next reply starts with an apology
    /// ("Sorry, I lost track of our conversation..."). Feed it the event that found
    /// no session as a normal input, so that "0" or "agent" still reach a human.
    pub fn resume(
        now: Timestamp,
        caller: Option<PhoneNumber>,
        attestation: Attestation,
        verification_locked: bool,
    ) -> Self {
        Conversation {
            call: Call {
                started_at: now,
                caller,
                attestation,
                resumed: true,
                ..Call::default()
            },
            security: Security {
                locked: verification_locked,
                ..Security::default()
            },
            phase: Phase::AskOrder(Default::default()),
            pending: None,
        }
    }

    /// Every fixed prompt the conversation can say for this merchant (for
    /// pre-synthesis: the driver caches their audio across calls).
    pub fn fixed_prompts(ctx: &Context<'_>) -> Vec<String> {
        phrases::for_language(&ctx.merchant.language)
            .fixed_prompts(&ctx.merchant.display_name, ctx.merchant.greeting.as_deref())
    }

    /// Whether effects are in flight: the driver must feed their results (or
    /// [`Input::Deadline`]) before the turn is complete.
    pub fn is_waiting(&self) -> bool {
        self.pending
            .as_ref()
            .is_some_and(|p| p.heard.is_some() || p.lookup.is_some())
    }

    /// Whether the conversation still wants this lookup's result (a driver may drop
    /// a speculative lookup the classification made moot).
    pub fn wants(&self, lookup: &Lookup) -> bool {
        self.pending
            .as_ref()
            .and_then(|p| p.lookup.as_ref())
            .is_some_and(|p| &p.lookup == lookup)
    }

    /// Whether `lookup` only might help: a guess from words still being
    /// classified, or the caller ID's orders fetched at pick-up. A driver may
    /// let such a lookup give way to ones a caller waits for; if it fails, the
    /// caller is simply asked for the order number.
    pub fn is_speculative(&self, lookup: &Lookup) -> bool {
        let guess = self
            .pending
            .as_ref()
            .and_then(|p| p.lookup.as_ref())
            .is_some_and(|p| &p.lookup == lookup && p.speculative);
        guess || matches!(self.phase, Phase::Greeting)
    }

    /// Whether the call is over.
    pub fn is_ended(&self) -> bool {
        matches!(self.phase, Phase::Ended(_))
    }

    /// How the call ended, once it has.
    pub fn outcome(&self) -> Option<CallOutcome> {
        match self.phase {
            Phase::Ended(e) => Some(e.outcome),
            _ => None,
        }
    }

    /// The current phase.
    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    /// Caller turns so far.
    pub fn turns(&self) -> u16 {
        self.call.turns
    }

    /// The caller ID the call started with.
    pub fn caller(&self) -> Option<&PhoneNumber> {
        self.call.caller.as_ref()
    }

    /// The orders the caller's last wrong challenge answer was about: after an
    /// [`Event::VerificationFailed`](super::Event::VerificationFailed), a driver
    /// counts the failure against each of them (across calls and callers), as well
    /// as against the caller.
    pub fn failed_challenge_orders(&self) -> &[OrderNumber] {
        &self.security.challenged
    }

    /// The orders the caller was verified for on this call (at most four, the
    /// latest last): after an [`Event::Verified`](super::Event::Verified), a
    /// driver clears their lockout.
    pub fn verified_orders(&self) -> &[OrderNumber] {
        &self.security.verified
    }

    /// The orders a challenge answer would be checked against if `input` were
    /// fed now: `Some` when feeding it may check an answer (an empty list for a
    /// phone number the caller gave that has no orders), `None` when it cannot.
    ///
    /// A driver reserves one verification attempt for these orders and the
    /// caller before feeding such an input (or, if they are locked out, calls
    /// [`lock_verification`](Self::lock_verification) first), and ends it with
    /// what the actions record: [`Event::Verified`](super::Event::Verified),
    /// [`Event::VerificationFailed`](super::Event::VerificationFailed), or
    /// neither (no answer was checked).
    pub fn challenge_at_stake(&self, input: &Input) -> Option<Vec<OrderNumber>> {
        match (&self.phase, input) {
            (
                Phase::Verify(v),
                Input::Digits(_) | Input::Classified(_) | Input::ClassificationFailed { .. },
            ) => Some(vec![v.order.number.clone()]),
            (Phase::VerifyPhone(v), Input::OrdersFound { lookup, orders })
                if self.awaits_answers(lookup) =>
            {
                let mut mine: Vec<OrderNumber> = orders
                    .iter()
                    .filter(|o| o.phone() == Some(&v.phone))
                    .map(|o| o.number.clone())
                    .collect();
                mine.dedup();
                mine.truncate(MAX_REMEMBERED);
                Some(mine)
            }
            (Phase::VerifyPhone(_), Input::OrdersNotFound { lookup })
                if self.awaits_answers(lookup) =>
            {
                Some(Vec::new())
            }
            _ => None,
        }
    }

    /// Whether `lookup` is in flight with a challenge answer to check its orders against.
    fn awaits_answers(&self, lookup: &Lookup) -> bool {
        self.pending
            .as_ref()
            .and_then(|p| p.lookup.as_ref())
            .is_some_and(|pl| &pl.lookup == lookup && pl.answers.is_some())
    }

    /// Locks the rest of this call out of verification: no challenge is asked and
    /// nothing is disclosed; the caller is offered a human instead. A driver calls
    /// it before feeding a lookup's result that holds an order locked out after
    /// repeated failures across calls.
    pub fn lock_verification(&mut self) {
        self.security.locked = true;
    }

    /// Whether verification is locked for this call.
    pub fn is_verification_locked(&self) -> bool {
        self.security.locked
    }

    /// Whether synthesis failed twice in a row: the driver should use the carrier's
    /// voice for the rest of the call instead of waiting on a failing provider.
    pub fn prefers_carrier_voice(&self) -> bool {
        self.call.speech_failures >= 2
    }

    /// The state as compact JSON, for a [`SessionStore`](crate::SessionStore).
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serializing plain data to a Vec cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The state from [`Conversation::to_bytes`]; `None` if it does not parse
    /// (e.g. saved by an incompatible version).
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice(bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::{Context, Input};
    use crate::domain::Merchant;

    #[test]
    fn debug_shows_no_caller_words_or_numbers() {
        let m = Merchant::new("m", "Shop");
        let ctx = Context::new(&m);
        let now = Timestamp::from_unix_seconds(1_700_000_000);
        let mut c = Conversation::new();
        let caller = PhoneNumber::parse_e164("+14155550123").ok();
        c.handle(
            now,
            &ctx,
            Input::CallStarted {
                caller,
                attestation: Attestation::Unverified,
                resumed: false,
                verification_locked: false,
            },
        );
        let input = Input::Speech {
            text: "my zip is 94105".into(),
            confidence: None,
        };
        assert!(!format!("{input:?}").contains("94105"));
        let actions = c.handle(
            now,
            &ctx,
            Input::Speech {
                text: "my zip is 94105".into(),
                confidence: None,
            },
        );
        let shown = format!("{c:?} {actions:?}");
        assert!(!shown.contains("94105"), "{shown}");
        assert!(!shown.contains("5550123"), "{shown}");
    }
}
