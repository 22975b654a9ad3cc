//! English.

use super::spoken::{
    count_en, date_en, money_en, number_en, short_date_en, spaced, tracking_groups,
};
use super::{Phrases, When};
use crate::conversation::summary::{Checks, OrderBrief, OrderSummary, ShipmentSummary};
use crate::domain::{ExpectedEntity, FinancialStatus, FulfillmentStatus, Intent, ShipmentStatus};

/// US English.
#[derive(Debug, Clone, Copy, Default)]
pub struct English;

const YES_NO: &str = "Please say yes or no, or press 1 for yes and 2 for no.";

fn ending_in(o: &OrderBrief) -> String {
    spaced(o.number.last_digits(4))
}

impl English {
    fn shipment_sentence(&self, subject: &str, s: &ShipmentSummary, when: When) -> String {
        let date = |t| date_en(t, when.now, when.utc_offset_minutes);
        let carrier = s.carrier.as_deref().filter(|c| !c.trim().is_empty());
        let with_carrier = carrier.map(|c| format!(" with {c}")).unwrap_or_default();
        let eta = s
            .estimated_delivery
            .map(|t| format!(", expected to arrive {}", date(t)))
            .unwrap_or_default();
        let mut out = match s.status {
            ShipmentStatus::Delivered => match s.delivered_at {
                Some(t) => format!("{subject} was delivered on {}.", date(t)),
                None => format!("{subject} has been delivered."),
            },
            ShipmentStatus::OutForDelivery => {
                format!("{subject} is out for delivery{with_carrier}.")
            }
            ShipmentStatus::AttemptedDelivery => {
                format!(
                    "The carrier tried to deliver {}, and will try again.",
                    object(subject)
                )
            }
            ShipmentStatus::Delayed => format!("{subject} is delayed{eta}."),
            ShipmentStatus::ReadyForPickup => format!("{subject} is ready for pickup."),
            ShipmentStatus::PickedUp => format!("{subject} was picked up."),
            ShipmentStatus::Failed => {
                format!("The carrier was not able to deliver {}.", object(subject))
            }
            ShipmentStatus::Cancelled => format!("{subject} was cancelled."),
            ShipmentStatus::LabelCreated | ShipmentStatus::Confirmed => {
                format!("{subject} is packed and waiting for pickup{with_carrier}{eta}.")
            }
            _ => format!("{subject} is on its way{with_carrier}{eta}."),
        };
        let trackable = !matches!(
            s.status,
            ShipmentStatus::Delivered | ShipmentStatus::PickedUp | ShipmentStatus::Cancelled
        );
        if let (true, Some(t)) = (
            trackable,
            s.tracking.as_deref().filter(|t| !t.trim().is_empty()),
        ) {
            let whose = carrier.map(|c| format!("{c} ")).unwrap_or_default();
            out.push_str(&format!(
                " The {whose}tracking number is {}.",
                tracking_groups(t)
            ));
        }
        out
    }
}

fn object(subject: &str) -> String {
    if subject == "It" {
        "it".into()
    } else {
        subject.to_lowercase()
    }
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

    fn offer_order(&self, order: &OrderBrief, when: When, rephrase: bool) -> String {
        if rephrase {
            format!(
                "Are you calling about the order ending in {}? {YES_NO}",
                ending_in(order)
            )
        } else {
            format!(
                "I see an order ending in {}, placed on {}. Is that the one you're calling about?",
                ending_in(order),
                date_en(order.placed_at, when.now, when.utc_offset_minutes)
            )
        }
    }

    fn choose_order(&self, orders: &[OrderBrief], when: When, rephrase: bool) -> String {
        let list: Vec<String> = orders
            .iter()
            .map(|o| {
                if rephrase {
                    ending_in(o)
                } else {
                    format!(
                        "one ending in {}, placed {}",
                        ending_in(o),
                        short_date_en(o.placed_at, when.utc_offset_minutes)
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

    fn answer(&self, o: &OrderSummary, when: When) -> String {
        let date = |t| date_en(t, when.now, when.utc_offset_minutes);
        let number = spaced(o.number.digits());
        let total = money_en(&o.total);
        let mut out = String::with_capacity(256);
        if let Some(at) = o.cancelled_at {
            out.push_str(&format!("Order {number} was cancelled on {}.", date(at)));
            out.push_str(match o.financial {
                FinancialStatus::Refunded => " It has been refunded in full.",
                FinancialStatus::PartiallyRefunded => " It has been partly refunded.",
                FinancialStatus::Voided | FinancialStatus::Expired | FinancialStatus::Pending => {
                    " You were not charged for it."
                }
                _ => " Any refund goes back to your original payment method.",
            });
            return out;
        }
        out.push_str(&format!(
            "Order {number}, placed on {}, for {total}",
            date(o.placed_at)
        ));
        if o.financial == FinancialStatus::Refunded {
            out.push_str(", has been refunded in full.");
            return out;
        }
        let shipped: Vec<&ShipmentSummary> = o
            .shipments
            .iter()
            .filter(|s| s.status != ShipmentStatus::Cancelled)
            .collect();
        let packages = shipped.len() as u32 + o.more_shipments;
        match (o.fulfillment, shipped.as_slice()) {
            (FulfillmentStatus::OnHold, []) => out.push_str(", is on hold. It hasn't shipped yet."),
            (FulfillmentStatus::InProgress, []) => {
                out.push_str(", is being prepared. It hasn't shipped yet.")
            }
            (FulfillmentStatus::Restocked, []) => out.push_str(", was not shipped."),
            (_, []) => out.push_str(", hasn't shipped yet."),
            (FulfillmentStatus::PartiallyFulfilled, list) => {
                let sent: u32 = list.iter().filter_map(|s| s.items).sum();
                if sent > 0 && o.items > sent {
                    out.push_str(&format!(
                        ", has partly shipped: {} of {} are on the way.",
                        number_en(sent as u64),
                        count_en(o.items, "item", "items")
                    ));
                } else {
                    out.push_str(", has partly shipped.");
                }
                self.push_shipments(&mut out, list, packages, when);
                out.push_str(" The rest hasn't shipped yet.");
            }
            (_, [_]) => {
                out.push_str(", has shipped.");
                self.push_shipments(&mut out, &shipped, packages, when);
            }
            (_, list) => {
                out.push_str(&format!(
                    ", shipped in {}.",
                    count_en(packages, "package", "packages")
                ));
                self.push_shipments(&mut out, list, packages, when);
            }
        }
        match o.financial {
            FinancialStatus::PartiallyRefunded => out.push_str(" Part of it has been refunded."),
            FinancialStatus::Pending | FinancialStatus::Authorized => {
                out.push_str(" The payment is still being processed.")
            }
            FinancialStatus::PartiallyPaid => out.push_str(" Part of the payment is still due."),
            _ => {}
        }
        out
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

impl English {
    fn push_shipments(
        &self,
        out: &mut String,
        list: &[&ShipmentSummary],
        packages: u32,
        when: When,
    ) {
        const ORDINALS: [&str; 3] = [
            "The first package",
            "The second package",
            "The third package",
        ];
        for (i, s) in list.iter().enumerate() {
            let subject = if packages <= 1 {
                "It"
            } else {
                ORDINALS[i.min(2)]
            };
            out.push(' ');
            out.push_str(&self.shipment_sentence(subject, s, when));
        }
    }
}

#[cfg(test)]
#[path = "en_tests.rs"]
mod tests;
