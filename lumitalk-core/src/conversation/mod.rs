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
//! # State
//! [`Conversation`] serializes (serde) to a few hundred bytes of JSON
//! ([`Conversation::to_bytes`]): orders are kept as small summaries, lists of
//! orders as numbers and dates. Save it between turns, when nothing is pending.
//!
//! # Example
//! ```
//! use lumitalk_core::conversation::{Action, Context, Conversation, Input};
//! use lumitalk_core::{Merchant, Timestamp};
//!
//! let merchant = Merchant::new("acme", "Acme Outdoor");
//! let ctx = Context::new(&merchant);
//! let now = Timestamp::from_civil(2025, 11, 28, 15, 0, 0);
//! let mut conversation = Conversation::new();
//! let actions = conversation.handle(
//!     now,
//!     &ctx,
//!     Input::CallStarted { caller: None, resumed: false, verification_locked: false },
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
