//! Everything the caller hears, one file per language.
//!
//! [`Phrases`] lists every sentence the conversation can say; [`for_language`]
//! picks the set for a merchant's language. Adding Spanish is one more file
//! (`es.rs`) implementing [`Phrases`], plus a line in [`for_language`].
//!
//! Fixed sentences (no order details, nothing about the caller) are spoken as
//! separate `Shared` prompts so their audio can be cached across calls;
//! [`Phrases::fixed_prompts`] lists them for pre-synthesis.

mod en;
pub mod spoken;

use std::fmt;

pub use en::English;

use super::summary::{Checks, OrderBrief, OrderSummary};
use crate::domain::{CivilDate, ExpectedEntity, Intent, Language, StoreTimeZone, Timestamp};

/// Dates are spoken relative to `now` (the year is said only when it differs),
/// each in the store's time zone as it was on that date (daylight saving time
/// included).
#[derive(Debug, Clone, Copy)]
pub struct When<'a> {
    /// The current time.
    pub now: Timestamp,
    /// The store's time zone.
    pub zone: &'a StoreTimeZone,
}

impl When<'_> {
    /// The store's calendar date at `at`.
    pub fn local(&self, at: Timestamp) -> CivilDate {
        at.civil_date(self.zone.offset_minutes_at(at))
    }
}

/// The sentences of one language.
///
/// Methods returning `&'static str` are fixed prompts; methods taking order data
/// return personal text.
pub trait Phrases: Send + Sync + fmt::Debug {
    /// The greeting: the store's custom greeting if set, else "Thanks for calling {store}."
    fn greeting(&self, store: &str, custom: Option<&str>) -> String;
    /// After a lost session: "Sorry, I lost track of our conversation..."
    fn restarted(&self) -> &'static str;
    /// The main question: "Please say or enter your order number, or say agent at any time."
    fn ask_order(&self) -> &'static str;
    /// The main question, rephrased after an unclear answer.
    fn ask_order_rephrased(&self) -> &'static str;
    /// After "anything else? yes": "Sure. What's the order number?"
    fn ask_another_order(&self) -> &'static str;
    /// "Sure, I can help with that." (order status asked without a number)
    fn sure(&self) -> &'static str;
    /// "Okay." (before asking again after a "no")
    fn okay(&self) -> &'static str;
    /// Asking for the phone number on the order.
    fn ask_phone(&self) -> &'static str;
    /// Asking for the phone number, rephrased.
    fn ask_phone_rephrased(&self) -> &'static str;
    /// The digits given are not a phone number.
    fn not_a_phone(&self) -> &'static str;
    /// "I heard 1 0 0 1. Is that right?"
    fn confirm_number(&self, number: &str, rephrase: bool) -> String;
    /// "I see an order ending in 1 0 0 1, placed on ... Is that the one you're calling about?"
    fn offer_order(&self, order: &OrderBrief, when: When<'_>, rephrase: bool) -> String;
    /// "I see 2 recent orders: ... Which one are you calling about?"
    fn choose_order(&self, orders: &[OrderBrief], when: When<'_>, rephrase: bool) -> String;
    /// "I couldn't find an order with the number 1 0 0 1."
    fn not_found(&self, number: &str) -> String;
    /// "I couldn't find any recent orders for that phone number."
    fn not_found_phone(&self) -> &'static str;
    /// "Please say or enter your order number again."
    fn ask_order_again(&self) -> &'static str;
    /// The order system is failing.
    fn lookup_failed(&self) -> &'static str;
    /// While a lookup waits its turn at the order system: "One moment while I
    /// look that up." (never an apology: nothing failed).
    fn hold_on(&self) -> &'static str;
    /// The verification challenge for the checks available.
    fn challenge(&self, checks: &Checks, rephrase: bool) -> &'static str;
    /// The challenge for a phone number the caller gave, before any of its orders
    /// is named: "please say the ZIP code the order ships to, or the order number."
    fn challenge_phone(&self, rephrase: bool) -> &'static str;
    /// A wrong answer, with tries left.
    fn challenge_retry(&self) -> &'static str;
    /// Too many wrong answers: nothing will be disclosed.
    fn challenge_failed(&self) -> &'static str;
    /// The caller's number is locked out of verification.
    fn locked_out(&self) -> &'static str;
    /// The order has nothing to check the caller against.
    fn cannot_verify(&self) -> &'static str;
    /// "Thanks, Jane." after verification.
    fn thanks(&self, first_name: Option<&str>) -> String;
    /// The answer: status, shipments, tracking, delivery, money.
    fn answer(&self, order: &OrderSummary, when: When<'_>) -> String;
    /// Whether the caller talks about a phone number ("my phone number is ..."),
    /// so that digits they say are not read as an order number.
    fn mentions_phone(&self, said: &str) -> bool;
    /// Which of the listed `orders` the caller's words pick, 0-based: by position
    /// ("the second one", "the last one") or by date ("the one from November").
    /// `None` when the words pick none, or more than one (digits are tried next).
    fn pick(&self, said: &str, orders: &[OrderBrief], when: When<'_>) -> Option<usize>;
    /// "Is there anything else I can help you with?"
    fn anything_else(&self, rephrase: bool) -> &'static str;
    /// "Sorry, I didn't hear anything."
    fn no_input(&self) -> &'static str;
    /// "Sorry, I didn't catch that."
    fn unclear(&self) -> &'static str;
    /// Thank and say goodbye.
    fn goodbye(&self, store: &str) -> String;
    /// Ending after repeated silence.
    fn silence_goodbye(&self) -> &'static str;
    /// What only a person can do (cancel, return, address change).
    fn unsupported(&self, intent: Intent) -> &'static str;
    /// "I'm sorry for the trouble."
    fn upset(&self) -> &'static str;
    /// "Would you like me to connect you with someone from our team?"
    fn offer_human(&self, rephrase: bool) -> &'static str;
    /// "Please hold while I connect you."
    fn connecting(&self) -> &'static str;
    /// Outside business hours.
    fn team_closed(&self) -> &'static str;
    /// No escalation number.
    fn no_transfer(&self) -> &'static str;
    /// What happens next: a callback (when the caller's number is known).
    fn callback(&self, can_call_back: bool) -> &'static str;
    /// The transfer was not answered.
    fn transfer_unanswered(&self) -> &'static str;
    /// The call reached its limits.
    fn limits(&self) -> &'static str;
    /// Recognizer hints for a question.
    fn hints(&self, expected: ExpectedEntity) -> &'static [&'static str];
    /// Every fixed prompt for a store, for pre-synthesis.
    fn fixed_prompts(&self, store: &str, custom_greeting: Option<&str>) -> Vec<String>;
}

/// The phrases for a language (English when the language has none yet).
pub fn for_language(language: &Language) -> &'static dyn Phrases {
    match language.primary().as_str() {
        "en" => &English,
        // One arm per language file, e.g. `"es" => &es::Spanish`.
        _ => &English,
    }
}
