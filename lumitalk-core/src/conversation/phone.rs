//! Orders by phone number. The caller ID's orders may be named at once when the
//! merchant's policy trusts caller ID; a phone number the caller gives names no
//! order until the caller answers with the postal code the order ships to (or
//! gives an order number of that phone, which is then verified as usual).

use super::action::{EscalationReason, Event};
use super::input::Lookup;
use super::phase::{Phase, VerifyPhone};
use super::state::{Answers, remember};
use super::summary::{OrderBrief, Origin};
use super::turn::{Ask, Turn, Want};
use crate::domain::{Order, PhoneNumber, VerificationPolicy};

impl Turn<'_> {
    /// Whether the recent orders of `phone` may be named before any challenge:
    /// under no verification (unless locked out), or when `phone` is a caller
    /// ID the policy trusts.
    pub(crate) fn may_list(&self, phone: &PhoneNumber) -> bool {
        match self.ctx.merchant.verification {
            VerificationPolicy::None => !self.security.locked,
            _ => self.caller_id_verifies() && self.call.caller.as_ref() == Some(phone),
        }
    }

    /// Whether this call's caller ID verifies the caller for the orders of that
    /// phone: with full attestation under the default policy (a lockout does
    /// not stand in the way: attestation is no guess); without it only under
    /// the unsafe `caller_id_unattested`, and then not while locked out.
    pub(crate) fn caller_id_verifies(&self) -> bool {
        match self.ctx.merchant.verification {
            VerificationPolicy::CallerIdOrChallenge => self.call.attestation.proves_ownership(),
            VerificationPolicy::CallerIdUnattested => !self.security.locked,
            VerificationPolicy::ChallengeAlways | VerificationPolicy::None => false,
        }
    }

    /// The caller gave a phone number to find their order by.
    pub(crate) fn follow_phone(&mut self, phase: Phase, phone: PhoneNumber) -> Phase {
        if self.security.locked && !self.may_list(&phone) {
            self.shared(self.p.locked_out());
            return self.escalate(&phase, EscalationReason::Verification);
        }
        remember(&mut self.call.given_phones, phone.clone());
        if self.may_list(&phone) {
            self.request_lookup(Lookup::Phone { phone }, Origin::CallerId, Want::Needed);
            return phase;
        }
        let next = Phase::VerifyPhone(VerifyPhone {
            phone,
            retries: Default::default(),
        });
        self.ask(next, Ask::First)
    }

    /// Keeps the caller's answer to "the ZIP code or the order number" with the
    /// lookup of their phone's orders, to check those orders against.
    pub(crate) fn await_answers(&mut self, candidate: String) {
        if let Some(pl) = self.pending.as_mut().and_then(|p| p.lookup.as_mut()) {
            pl.answers = Some(Answers(candidate));
        }
    }

    /// The orders of a phone number the caller gave, with their answer: the orders
    /// whose postal code they said are verified (one is answered, several are
    /// listed); an order number of that phone goes on to its challenge; anything
    /// else fails like a wrong challenge answer, whether or not the phone has
    /// orders.
    pub(crate) fn on_phone_orders(
        &mut self,
        phase: Phase,
        phone: &PhoneNumber,
        orders: Vec<Order>,
        answers: &Answers,
    ) -> Phase {
        if self.security.locked {
            // One of these orders is locked out (the driver found out with them).
            self.shared(self.p.locked_out());
            return self.escalate(&phase, EscalationReason::Verification);
        }
        let mut mine: Vec<&Order> = orders.iter().filter(|o| o.phone() == Some(phone)).collect();
        mine.sort_by_key(|o| std::cmp::Reverse(o.placed_at));
        mine.dedup_by(|a, b| a.number == b.number);
        let candidate = answers.0.as_str();
        let matched: Vec<&Order> = mine
            .iter()
            .copied()
            .filter(|o| {
                o.shipping_postal_code
                    .as_ref()
                    .is_some_and(|z| z.matches(candidate))
            })
            .collect();
        match matched.as_slice() {
            [] => {
                let named = mine.iter().find(|o| candidate == o.number.digits());
                match named {
                    Some(order) => {
                        let summary = self.summarize(order, Origin::GivenPhone);
                        self.check_caller(&phase, summary)
                    }
                    None => {
                        let numbers = mine.iter().map(|o| o.number.clone()).collect();
                        self.fail_challenge(phase, numbers)
                    }
                }
            }
            [order] => {
                let summary = self.summarize(order, Origin::GivenPhone);
                self.record(Event::Verified);
                remember(&mut self.security.verified, summary.number.clone());
                self.answer(summary)
            }
            several => {
                self.record(Event::Verified);
                let briefs = several.iter().map(|o| OrderBrief::from(*o)).collect();
                let choose = self.choose_among(briefs, Origin::GivenPhone);
                for b in &choose.orders {
                    remember(&mut self.security.verified, b.number.clone());
                }
                self.ask(Phase::ChooseOrder(choose), Ask::First)
            }
        }
    }
}
