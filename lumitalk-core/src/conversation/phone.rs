//! Orders by phone number. The caller ID's orders may be named at once when the
//! merchant's policy trusts caller ID; a phone number the caller gives names no
//! order until the caller answers with the postal code the order ships to (or
//! gives an order number of that phone, which is then verified as usual).

use super::action::{EscalationReason, Event};
use super::input::Lookup;
use super::machine::{Out, Step};
use super::phase::{ChooseOrder, Phase, VerifyPhone};
use super::state::{Answers, Conversation, remember};
use super::summary::{OrderBrief, Origin};
use super::verify;
use crate::domain::{Order, PhoneNumber, VerificationPolicy};

impl Conversation {
    /// Whether the recent orders of `phone` may be named before any challenge:
    /// under no verification, or when the policy trusts caller ID and `phone` is
    /// the caller ID.
    pub(crate) fn may_list(&self, t: &Step<'_>, phone: &PhoneNumber) -> bool {
        match t.ctx.merchant.verification {
            VerificationPolicy::None => true,
            VerificationPolicy::CallerIdOrChallenge => self.call.caller.as_ref() == Some(phone),
            VerificationPolicy::ChallengeAlways => false,
        }
    }

    /// The caller gave a phone number to find their order by.
    pub(crate) fn follow_phone(&mut self, t: &Step<'_>, out: &mut Out, phone: PhoneNumber) {
        if self.security.locked {
            out.shared(t.p.locked_out());
            return self.escalate(t, out, EscalationReason::Verification);
        }
        remember(&mut self.call.given_phones, phone.clone());
        if self.may_list(t, &phone) {
            return self.request_lookup(out, Lookup::Phone { phone }, Origin::CallerId, false);
        }
        self.phase = Phase::VerifyPhone(VerifyPhone {
            phone,
            retries: Default::default(),
        });
        self.ask(t, out, false)
    }

    /// The answer to "the ZIP code or the order number" for a phone number: look
    /// the phone's orders up and check them against it.
    pub(crate) fn on_phone_answer(&mut self, t: &Step<'_>, out: &mut Out, readings: Vec<String>) {
        let Phase::VerifyPhone(v) = &self.phase else {
            return self.on_unclear(t, out, None);
        };
        if self.security.failed >= t.ctx.limits.max_failed_challenges {
            out.shared(t.p.challenge_failed());
            return self.escalate(t, out, EscalationReason::Verification);
        }
        if !verify::is_attempt(&readings) {
            return self.on_unclear(t, out, None);
        }
        let phone = v.phone.clone();
        self.request_lookup(out, Lookup::Phone { phone }, Origin::GivenPhone, false);
        if let Some(pl) = self.pending.as_mut().and_then(|p| p.lookup.as_mut()) {
            pl.answers = Some(Answers(readings));
        }
    }

    /// The orders of a phone number the caller gave, with their answer: the orders
    /// whose postal code they said are verified (one is answered, several are
    /// listed); an order number of that phone goes on to its challenge; anything
    /// else fails like a wrong challenge answer, whether or not the phone has
    /// orders.
    pub(crate) fn on_phone_orders(
        &mut self,
        t: &Step<'_>,
        out: &mut Out,
        phone: &PhoneNumber,
        orders: Vec<Order>,
        answers: &Answers,
    ) {
        if self.security.locked {
            // One of these orders is locked out (the driver found out with them).
            out.shared(t.p.locked_out());
            return self.escalate(t, out, EscalationReason::Verification);
        }
        let mut mine: Vec<&Order> = orders.iter().filter(|o| o.phone() == Some(phone)).collect();
        mine.sort_by_key(|o| std::cmp::Reverse(o.placed_at));
        mine.dedup_by(|a, b| a.number == b.number);
        let readings = &answers.0;
        let matched: Vec<&Order> = mine
            .iter()
            .copied()
            .filter(|o| {
                o.shipping_postal_code
                    .as_ref()
                    .is_some_and(|z| readings.iter().any(|r| z.matches(r)))
            })
            .collect();
        match matched.as_slice() {
            [] => {
                let named = mine
                    .iter()
                    .find(|o| readings.iter().any(|r| r == o.number.digits()));
                match named {
                    Some(order) => {
                        let summary = self.summarize(order, Origin::GivenPhone);
                        self.check_caller(t, out, summary)
                    }
                    None => {
                        let numbers = mine.iter().map(|o| o.number.clone()).collect();
                        self.fail_challenge(t, out, numbers)
                    }
                }
            }
            [order] => {
                let summary = self.summarize(order, Origin::GivenPhone);
                out.record(Event::Verified);
                remember(&mut self.security.verified, summary.number.clone());
                self.answer(t, out, summary)
            }
            several => {
                out.record(Event::Verified);
                let mut briefs: Vec<OrderBrief> =
                    several.iter().map(|o| OrderBrief::from(*o)).collect();
                briefs.truncate(t.ctx.limits.recent_orders.max(1));
                for b in &briefs {
                    remember(&mut self.security.verified, b.number.clone());
                }
                self.phase = Phase::ChooseOrder(ChooseOrder {
                    orders: briefs,
                    origin: Origin::GivenPhone,
                    retries: Default::default(),
                });
                self.ask(t, out, false)
            }
        }
    }
}
