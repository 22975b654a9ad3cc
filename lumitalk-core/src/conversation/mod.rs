//! The conversation: a pure, deterministic state machine for one call.
//!
//! It reads no clock, does no I/O and knows no provider. The driver
//! ([`Assistant`](crate::assistant::Assistant), or your own) feeds it inputs with
//! the current time and runs what it asks for.
//!
//! # The contract
//!
//! **Feed** [`Conversation::handle`]`(now, &ctx, input)` with:
//! 1. [`Input::CallStarted`] once, when the call arrives (or when a webhook
//!    arrives for a call whose session was lost: `resumed: true`);
//! 2. each thing the caller does: [`Input::Speech`], [`Input::Digits`],
//!    [`Input::NoInput`];
//! 3. the result of each [`Effect::Classify`] and [`Effect::Lookup`] it asked for
//!    ([`Input::Classified`] / [`Input::ClassificationFailed`] with the offline
//!    classifier's answer; [`Input::OrdersFound`] / [`Input::OrdersNotFound`] /
//!    [`Input::LookupFailed`]), preferably in the order requested; a result nobody
//!    waits for any more is ignored;
//! 4. [`Input::Deadline`] if the turn's time ran out with results still missing;
//! 5. [`Input::SpeechReady`] / [`Input::SpeechFailed`] after synthesizing a turn's
//!    speech; [`Input::TransferEnded`] when a transfer ends; [`Input::CallEnded`]
//!    when the caller hangs up.
//!
//! **Drain** the returned [`Action`]s in order:
//! - [`Action::Speak`]: text to say, `Shared` (a fixed prompt, cacheable across
//!   calls) or `Personal` (order details: never cached). Several per turn; say
//!   them in order.
//! - [`Action::Effect`]: run it. `Classify` and `Lookup` expect a result fed back;
//!   independent ones may run concurrently. `Record` expects nothing.
//! - exactly one *terminal* action per turn, [`Action::Listen`],
//!   [`Action::Transfer`] or [`Action::HangUp`], once nothing is pending
//!   ([`Conversation::is_waiting`] is false). A turn is complete when a terminal
//!   action was drained; every caller input leads to one, after its effects.
//!
//! [`Input::CallEnded`] is the exception: the call is gone, so it yields only a
//! `Record(Ended)`.
//!
//! # Guarantees
//! - Order details (status, tracking, dates, name) are spoken only after the
//!   caller is verified per the merchant's [`VerificationPolicy`](crate::VerificationPolicy).
//! - Recent orders are named ("one ending in 1001, placed November 3rd") only when
//!   the policy trusts caller ID and they are the caller ID's orders (or under no
//!   verification). A phone number the caller gives names nothing until they say
//!   the postal code an order ships to (or give one of its order numbers, which is
//!   then challenged as usual); a wrong code sounds the same whether or not the
//!   phone has orders.
//! - The last four digits of the order's phone are asked only when they can prove
//!   something: never when the caller ID is that phone, nor for an order found by
//!   a phone number. Otherwise only the shipping postal code verifies.
//! - Every counter is bounded ([`Limits`]), and so is the whole call (turns and
//!   duration): every call ends in a transfer or a hangup.
//! - "agent", "representative" or keypad 0 reaches a transfer whenever the
//!   merchant has an escalation number and is open.
//!
//! # What each phase does with each input
//!
//! Keyed digits and classified speech are first normalized into one caller
//! input (`caller.rs`), so each phase judges "yes", "no", a number or anything
//! else in one place (`transitions.rs`), whichever way it came. Every transition
//! takes the current phase and returns the next.
//!
//! Words used below: *reprompt*: "Sorry, I didn't hear anything" and the question
//! again; one silence more than [`Limits::max_reprompts`] says goodbye and ends the
//! call. *Unclear*: the question rephrased; one more than [`Limits::max_unclear`]
//! offers a human (`OfferHuman`). *Transfer*: to a human when one can take the
//! call (escalation number, open hours), otherwise a callback promise and the end.
//! *Follow*: an order number is looked up (spoken with low confidence, it is
//! confirmed first: `ConfirmNumber`); a phone number's orders are looked up when
//! they may be named (the trusted caller ID, or no verification), otherwise its
//! challenge is asked (`VerifyPhone`).
//!
//! **Caller input** ([`Input::Digits`], [`Input::Speech`] once classified,
//! [`Input::NoInput`]) in a phase that asks a question:
//!
//! | phase | silence | `0`, "agent" | `*`, "repeat" | `1`, "yes" | `2`, "no" | an order or phone number | anything else |
//! |---|---|---|---|---|---|---|---|
//! | `AskOrder` | reprompt | transfer | the question | unclear | unclear | follow | a phone mentioned: `AskPhone`; status asked: "Sure", unclear; else unclear |
//! | `AskPhone` | reprompt | transfer | the question | keyed: as other digits; said: unclear | keyed: as other digits; said: unclear | a phone number: follow; keyed other digits: unclear ("that doesn't look like a full phone number"); a spoken order number: follow | unclear |
//! | `ConfirmNumber` | reprompt | transfer | the question | look the number up | "Okay", `AskOrder` rephrased (counted as unclear there) | follow | unclear |
//! | `OfferOrder` | reprompt | transfer | the question | check the caller: answer, `Verify`, or offer a human | "Okay", `AskOrder` | follow | unclear |
//! | `ChooseOrder` | reprompt | transfer | the question | keyed: the first listed; said: unclear | keyed: the second listed; said: "Okay", `AskOrder` | a menu digit, last digits, "the second one", "the one from November": look it up; an unlisted full number: look it up | unclear |
//! | `Verify` | reprompt | transfer | the question | unclear | unclear | the postal code or last four: answer (`Answered`); another attempt: counted, "that doesn't match what we have on file", the question rephrased; too many: offer a human | unclear |
//! | `VerifyPhone` | reprompt | transfer | the question | unclear | unclear | an attempt (three digits or a code): look the phone's orders up, judged with the answer (below); too many failures already: offer a human | unclear |
//! | `Answered` | reprompt | transfer | the answer again | `AskOrder` ("what's the order number?") | goodbye, end | follow | status asked: `AskOrder`; a phone mentioned: `AskPhone`; else unclear |
//! | `OfferHuman` | reprompt | transfer | the question | transfer | goodbye, end | follow | unclear (too many: transfer) |
//!
//! Before the table: every caller input is a turn, and past [`Limits::max_turns`]
//! or [`Limits::max_duration`] the call is wrapped up ("I'm sorry we couldn't sort
//! this out together", transfer). Speech is judged
//! first for what every phase does alike: "bye" says goodbye and ends; cancelling,
//! returns and address changes ("someone from our team can help with that") transfer; an upset
//! caller hears "I'm sorry for the trouble" and is transferred when a human can take the call,
//! else the table applies as if calm.
//!
//! The other phases ask nothing: in `New` (the session was lost) any caller input
//! apologizes and asks for the order number; in `Greeting` (waiting for the caller
//! ID's orders) it is judged as in `AskOrder`; in `Transferring` it connects again
//! (past the limits: goodbye, end `Failed`); in `Ended` it says goodbye and hangs
//! up again.
//!
//! **Lookup results** ([`Input::OrdersFound`], [`Input::OrdersNotFound`],
//! [`Input::LookupFailed`], or [`Input::Deadline`] with a lookup pending):
//!
//! | result | in `Greeting` | in any other phase |
//! |---|---|---|
//! | the order of a number | (none asked) | check the caller: answer if verified or trusted, else `Verify`; no challenge possible, locked out or too many failures: offer a human |
//! | the orders of a listable phone | one: `OfferOrder`; several: `ChooseOrder` | the same; locked out: offer a human |
//! | the orders of a given phone, with its challenge answer | (none asked) | the postal code of one: answer; of several: `ChooseOrder`; an order number of that phone: check the caller; else a wrong answer, as in `Verify` (the same whether or not the phone has orders) |
//! | nothing found | `AskOrder` | "I couldn't find ...", `AskOrder` counting a miss; [`Limits::max_not_found`] misses: offer a human |
//! | queued (`RateLimited`: the order system's rate limit is spent for now) | `AskOrder` | "One moment while I look that up" and [`Action::Continue`]; on [`Input::Resumed`] the same lookup again; a fourth time: as failed |
//! | failed, timed out | `AskOrder` | "I'm having trouble reaching our order system", offer a human |
//!
//! **Everything else**, in any phase:
//!
//! | input | does |
//! |---|---|
//! | [`Input::CallStarted`] | starts over: greets (or apologizes, `resumed`), then `Greeting` with a lookup of the caller ID's orders when they may be named, else `AskOrder` |
//! | [`Input::Classified`], [`Input::ClassificationFailed`] | judges the waiting speech as caller input (above), in the phase it arrived in; a lookup guessed from the raw words is dropped unless meant; with no speech waiting: ignored |
//! | [`Input::Resumed`] | after a hold: the held lookup again (results as above); nothing held: the question again |
//! | [`Input::Deadline`] | speech never classified: unclear; a lookup never answered: failed (above); nothing pending: nothing |
//! | [`Input::TransferEnded`] | in `Transferring`: answered, goodbye, end `Transferred`; caller hung up, end `Abandoned`; busy, no answer, failed: "no one from our team could take your call", a callback, end. In `Ended`: goodbye, hang up. In `New`: apologizes, `AskOrder`. Elsewhere: the question again |
//! | [`Input::CallEnded`] | `Ended` (`Transferred` while transferring, `Resolved` if answered, else `Abandoned`), with only a `Record`; already ended: nothing |
//! | [`Input::SpeechReady`], [`Input::SpeechFailed`] | counts synthesis failures in a row ([`Conversation::prefers_carrier_voice`]); the phase stays |
//!
//! # Where things are
//! - `transitions.rs`: [`Conversation::handle`], every input to the next phase,
//!   one function per phase for the caller's answer;
//! - `caller.rs`: keys and classified speech into one caller input;
//! - `turn.rs`: what a step reads and writes besides the phase, the small enums
//!   that name what would otherwise be boolean arguments;
//! - `questions.rs` (asking, silence, unclear), `orders.rs` (orders found,
//!   verification, the answer), `phone.rs` (orders by phone number), `choose.rs`
//!   (picking among listed orders), `pending.rs` (effects in flight, early and
//!   late results), `endings.rs` (escalation, transfers, the end): the steps the
//!   transitions share;
//! - `phase.rs`, `state.rs`, `input.rs`, `action.rs`, `context.rs`, `summary.rs`:
//!   the types; `phrases/`: every sentence; `verify.rs`: matching answers.
//!
//! # Purity
//! Nothing here names the driver, a provider, a store, the clock, the wrappers, a
//! clock read or an async runtime: values shared with them ([`CallOutcome`],
//! [`TransferOutcome`], [`Cacheability`]) live in [`domain`](crate::domain).
//! `tests/purity.rs` keeps it so.
//!
//! [`CallOutcome`]: crate::domain::CallOutcome
//! [`TransferOutcome`]: crate::domain::TransferOutcome
//! [`Cacheability`]: crate::domain::Cacheability
//!
//! # State
//! [`Conversation`] serializes (serde) to a few hundred bytes of JSON
//! ([`Conversation::to_bytes`]): orders are kept as small summaries, lists of
//! orders as numbers and dates. Save it between turns, when nothing is pending.
//!
//! # Example
//! ```
//! use lumitalk_core::conversation::{Action, Context, Conversation, Input};
//! use lumitalk_core::{Attestation, Merchant, Timestamp};
//!
//! let merchant = Merchant::new("acme", "Acme Outdoor");
//! let ctx = Context::new(&merchant);
//! let now = Timestamp::from_civil(2025, 11, 28, 15, 0, 0);
//! let mut conversation = Conversation::new();
//! let actions = conversation.handle(
//!     now,
//!     &ctx,
//!     Input::CallStarted {
//!         caller: None,
//!         attestation: Attestation::Unverified,
//!         resumed: false,
//!         verification_locked: false,
//!     },
//! );
//! let said: Vec<&str> = actions
//!     .iter()
//!     .filter_map(|a| match a {
//!         Action::Speak(s) => Some(s.text.as_str()),
//!         _ => None,
//!     })
//!     .collect();
//! assert_eq!(said[0], "Thanks for calling Acme Outdoor.");
//! assert!(matches!(actions.last(), Some(Action::Listen(_))));
//!
//! // The caller keys an order number: the conversation asks for a lookup.
//! let actions = conversation.handle(now, &ctx, Input::Digits("1001".into()));
//! assert!(matches!(actions[0], Action::Effect(_)));
//! assert!(conversation.is_waiting());
//! ```

mod action;
mod caller;
mod choose;
mod context;
mod endings;
mod input;
mod orders;
mod pending;
mod phase;
mod phone;
pub mod phrases;
mod questions;
mod state;
mod summary;
mod transitions;
mod turn;
mod verify;

pub use action::{Action, Effect, EscalationReason, Event, Speak};
pub use context::{Context, Limits};
pub use input::{Input, Lookup};
pub use phase::{
    Answered, AskOrder, AskPhone, ChooseOrder, ConfirmNumber, Ended, OfferHuman, OfferOrder, Phase,
    Retries, Verify, VerifyPhone,
};
pub use phrases::{Phrases, When};
pub use state::Conversation;
pub use summary::{Checks, MAX_SHIPMENTS, OrderBrief, OrderSummary, Origin, ShipmentSummary};
