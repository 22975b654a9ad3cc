//! English.

mod answer;
mod pick;

use super::spoken::{date_en, number_en, short_date_en, spaced};
use super::{Phrases, When};
use crate::conversation::summary::{Checks, OrderBrief, OrderSummary};
use crate::domain::{ExpectedEntity, Intent};

/// US English.
#[derive(Debug, Clone, Copy, Default)]
pub struct English;

const YES_NO: &str = "Please say yes or no, or press 1 for yes and 2 for no.";

fn ending_in(o: &OrderBrief) -> String {
    spaced(o.number.last_digits(4))
}

impl Phrases for English {
    fn greeting(&self, store: &str, custom: Option<&str>) -> String {
        match custom.map(str::trim).filter(|g| !g.is_empty()) {
            Some(g) => g.to_string(),
            None => format!("Thanks for calling {store}."),
        }
    }

    fn restarted(&self) -> &'static str {
        "Sorry, I lost track of our conversation. Let's start again."
    }

    fn ask_order(&self) -> &'static str {
        "Please say or enter your order number, or say agent at any time."
    }

    fn ask_order_rephrased(&self) -> &'static str {
        "You can say your order number, like one zero zero one, or type it on your keypad and press pound. \
         To speak with a person, say agent or press zero."
    }

    fn ask_another_order(&self) -> &'static str {
        "Sure. What's the order number?"
    }

    fn sure(&self) -> &'static str {
        "Sure, I can help with that."
    }

    fn okay(&self) -> &'static str {
        "Okay."
    }

    fn ask_phone(&self) -> &'static str {
        "Please enter the phone number on the order, including the area code, then press pound."
    }

    fn ask_phone_rephrased(&self) -> &'static str {
        "Please type the ten digit phone number you used for the order on your keypad, then press pound. \
         Or say agent to speak with a person."
    }

    fn not_a_phone(&self) -> &'static str {
        "That doesn't look like a full phone number."
    }

    fn confirm_number(&self, number: &str, rephrase: bool) -> String {
        if rephrase {
            format!("Is your order number {}? {YES_NO}", spaced(number))
        } else {
            format!("I heard {}. Is that right?", spaced(number))
        }
    }

    fn offer_order(&self, order: &OrderBrief, when: When<'_>, rephrase: bool) -> String {
        if rephrase {
            format!(
                "Are you calling about the order ending in {}? {YES_NO}",
                ending_in(order)
            )
        } else {
            format!(
                "I see an order ending in {}, placed on {}. Is that the one you're calling about?",
                ending_in(order),
                date_en(order.placed_at, when)
            )
        }
    }

    fn choose_order(&self, orders: &[OrderBrief], when: When<'_>, rephrase: bool) -> String {
        let list: Vec<String> = orders
            .iter()
            .map(|o| {
                if rephrase {
                    ending_in(o)
                } else {
                    format!(
                        "one ending in {}, placed {}",
                        ending_in(o),
                        short_date_en(o.placed_at, when)
                    )
                }
            })
            .collect();
        let joined = match list.as_slice() {
            [] => String::new(),
            [one] => one.clone(),
            [init @ .., last] => format!("{}, and {last}", init.join(", ")),
        };
        if rephrase {
            format!(
                "Please say or enter the last four digits of the order you're calling about: {}. \
                 Or say another order number.",
                joined.replace(", and ", ", or ")
            )
        } else {
            format!(
                "I see {} recent orders: {joined}. Which one are you calling about? \
                 You can say or enter its last four digits.",
                number_en(orders.len() as u64)
            )
        }
    }

    fn not_found(&self, number: &str) -> String {
        format!(
            "I couldn't find an order with the number {}.",
            spaced(number)
        )
    }

    fn not_found_phone(&self) -> &'static str {
        "I couldn't find any recent orders for that phone number."
    }

    fn ask_order_again(&self) -> &'static str {
        "Please say or enter your order number again. You'll find it in your order confirmation email."
    }

    fn lookup_failed(&self) -> &'static str {
        "I'm sorry, I'm having trouble reaching our order system right now."
    }

    fn hold_on(&self) -> &'static str {
        "One moment while I look that up."
    }

    fn challenge(&self, checks: &Checks, rephrase: bool) -> &'static str {
        match (
            checks.postal_code.is_some(),
            checks.phone_last4.is_some(),
            rephrase,
        ) {
            (true, true, false) => {
                "To protect your privacy, please say or enter the ZIP code the order ships to, \
                 or the last four digits of the phone number on the order."
            }
            (true, true, true) => {
                "Please enter the five digit ZIP code of the shipping address, or the last four digits \
                 of the phone number on the order, then press pound."
            }
            (true, false, false) => {
                "To protect your privacy, please say or enter the ZIP code the order ships to."
            }
            (true, false, true) => {
                "Please enter the five digit ZIP code of the shipping address, then press pound."
            }
            (false, _, false) => {
                "To protect your privacy, please say or enter the last four digits of the phone number on the order."
            }
            (false, _, true) => {
                "Please enter the last four digits of the phone number on the order, then press pound."
            }
        }
    }

    fn challenge_phone(&self, rephrase: bool) -> &'static str {
        if rephrase {
            "Please enter the five digit ZIP code of the shipping address, or the order number, \
             then press pound."
        } else {
            "To protect your privacy, please say or enter the ZIP code the order ships to, \
             or the order number."
        }
    }

    fn challenge_retry(&self) -> &'static str {
        "That doesn't match what we have on file. Let's try again."
    }

    fn challenge_failed(&self) -> &'static str {
        "I'm sorry, I wasn't able to verify that, so I can't share the details of this order."
    }

    fn locked_out(&self) -> &'static str {
        "For your security, I can't share order details on this call."
    }

    fn cannot_verify(&self) -> &'static str {
        "I'm not able to verify this order over the phone."
    }

    fn thanks(&self, first_name: Option<&str>) -> String {
        match first_name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => format!("Thanks, {name}."),
            None => "Thanks.".into(),
        }
    }

    fn answer(&self, o: &OrderSummary, when: When<'_>) -> String {
        answer::answer(o, when)
    }

    fn mentions_phone(&self, said: &str) -> bool {
        let lower = said.to_lowercase();
        [
            "phone number",
            "phone no",
            "telephone",
            "cell number",
            "mobile number",
        ]
        .iter()
        .any(|p| lower.contains(p))
    }

    fn pick(&self, said: &str, orders: &[OrderBrief], when: When<'_>) -> Option<usize> {
        pick::pick(said, orders, when)
    }

    fn anything_else(&self, rephrase: bool) -> &'static str {
        if rephrase {
            "If you have another order to check, say or enter its number. Otherwise, just say goodbye."
        } else {
            "Is there anything else I can help you with?"
        }
    }

    fn no_input(&self) -> &'static str {
        "Sorry, I didn't hear anything."
    }

    fn unclear(&self) -> &'static str {
        "Sorry, I didn't catch that."
    }

    fn goodbye(&self, store: &str) -> String {
        format!("Thank you for calling {store}. Goodbye!")
    }

    fn silence_goodbye(&self) -> &'static str {
        "I still can't hear you, so I'll end the call now. Please call back any time. Goodbye!"
    }

    fn unsupported(&self, intent: Intent) -> &'static str {
        match intent {
            Intent::CancelOrder => {
                "I'm not able to cancel orders myself, but someone from our team can help with that."
            }
            Intent::ReturnOrRefund => {
                "I'm not able to handle returns or refunds myself, but someone from our team can help with that."
            }
            Intent::ChangeAddress => {
                "I'm not able to change a shipping address myself, but someone from our team can help with that."
            }
            _ => "Someone from our team can help with that.",
        }
    }

    fn upset(&self) -> &'static str {
        "I'm sorry for the trouble."
    }

    fn offer_human(&self, rephrase: bool) -> &'static str {
        if rephrase {
            "To speak with someone from our team, say yes or press 1. Otherwise, say no or press 2."
        } else {
            "Would you like me to connect you with someone from our team?"
        }
    }

    fn connecting(&self) -> &'static str {
        "Please hold while I connect you with our team."
    }

    fn team_closed(&self) -> &'static str {
        "Our team is away right now, so I can't transfer your call."
    }

    fn no_transfer(&self) -> &'static str {
        "I'm not able to transfer your call right now."
    }

    fn callback(&self, can_call_back: bool) -> &'static str {
        if can_call_back {
            "Someone from our team will call you back at this number within one business day."
        } else {
            "Please call us back during business hours, or email us, and someone from our team will help you."
        }
    }

    fn transfer_unanswered(&self) -> &'static str {
        "I'm sorry, no one from our team could take your call right now."
    }

    fn limits(&self) -> &'static str {
        "I'm sorry we couldn't sort this out together."
    }

    fn hints(&self, expected: ExpectedEntity) -> &'static [&'static str] {
        match expected {
            ExpectedEntity::OrderNumber => &[
                "order number",
                "agent",
                "representative",
                "cancel",
                "return",
                "where is my order",
            ],
            ExpectedEntity::PhoneNumber => &["agent", "representative"],
            ExpectedEntity::YesNo => &["yes", "no", "agent"],
            ExpectedEntity::Verification => &["zip code", "agent"],
            ExpectedEntity::OrderChoice => &["the first one", "the second one", "agent"],
            _ => &["agent"],
        }
    }

    fn fixed_prompts(&self, store: &str, custom_greeting: Option<&str>) -> Vec<String> {
        let mut out: Vec<String> = vec![self.greeting(store, custom_greeting), self.goodbye(store)];
        let with_postal = Checks {
            postal_code: Some(crate::domain::PostalCode::new("0")),
            ..Checks::default()
        };
        let with_both = Checks {
            phone_last4: Some(String::new()),
            ..with_postal.clone()
        };
        let with_phone = Checks {
            phone_last4: Some(String::new()),
            ..Checks::default()
        };
        for checks in [&with_postal, &with_both, &with_phone] {
            for rephrase in [false, true] {
                out.push(self.challenge(checks, rephrase).into());
            }
        }
        for rephrase in [false, true] {
            out.push(self.challenge_phone(rephrase).into());
            out.push(self.anything_else(rephrase).into());
            out.push(self.offer_human(rephrase).into());
        }
        for can in [false, true] {
            out.push(self.callback(can).into());
        }
        for intent in [
            Intent::CancelOrder,
            Intent::ReturnOrRefund,
            Intent::ChangeAddress,
        ] {
            out.push(self.unsupported(intent).into());
        }
        for s in [
            self.restarted(),
            self.ask_order(),
            self.ask_order_rephrased(),
            self.ask_another_order(),
            self.sure(),
            self.okay(),
            self.ask_phone(),
            self.ask_phone_rephrased(),
            self.not_a_phone(),
            self.not_found_phone(),
            self.ask_order_again(),
            self.lookup_failed(),
            self.challenge_retry(),
            self.challenge_failed(),
            self.locked_out(),
            self.cannot_verify(),
            self.no_input(),
            self.unclear(),
            self.silence_goodbye(),
            self.upset(),
            self.connecting(),
            self.team_closed(),
            self.no_transfer(),
            self.transfer_unanswered(),
            self.limits(),
        ] {
            out.push(s.into());
        }
        out.sort();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests;
