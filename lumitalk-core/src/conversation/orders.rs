//! Orders found, not found, verified and answered; following a number the
//! caller gave.

use super::action::{EscalationReason, Event};
use super::caller::Reference;
use super::input::Lookup;
use super::phase::{Answered, AskOrder, ChooseOrder, ConfirmNumber, OfferOrder, Phase, Verify};
use super::state::{MAX_REMEMBERED, remember};
use super::summary::{OrderBrief, OrderSummary, Origin};
use super::turn::{Ask, Turn, Want};
use crate::domain::{Order, OrderNumber, VerificationPolicy};

impl Turn<'_> {
    /// Summarizes an order for this call: the last digits of a phone the caller
    /// gave prove nothing about an order on that phone.
    pub(crate) fn summarize(&self, order: &Order, origin: Origin) -> OrderSummary {
        let mut summary = OrderSummary::new(order, self.call.caller.as_ref(), origin);
        if order
            .phone()
            .is_some_and(|p| self.call.given_phones.contains(p))
        {
            summary.checks.phone_last4 = None;
        }
        summary
    }

    /// Orders a lookup found (not for a phone number awaiting its challenge).
    pub(crate) fn on_orders(
        &mut self,
        phase: Phase,
        lookup: Lookup,
        orders: Vec<Order>,
        origin: Origin,
    ) -> Phase {
        let phone = match &lookup {
            Lookup::Number { number } => {
                return match orders.iter().find(|o| &o.number == number) {
                    // An order source that is not exact must not make us speak another order.
                    None => self.not_found(phase, &lookup),
                    Some(order) => {
                        let summary = self.summarize(order, origin);
                        self.check_caller(&phase, summary)
                    }
                };
            }
            Lookup::Phone { phone } => phone,
        };
        // Only the orders of that very phone, and only when they may be named
        // before a challenge (the lookup was asked for on that condition; an
        // inexact order source must not widen it).
        let listable = self.may_list(phone);
        let no_verification = self.ctx.merchant.verification == VerificationPolicy::None;
        let orders: Vec<Order> = orders
            .into_iter()
            .filter(|o| listable && (no_verification || o.phone() == Some(phone)))
            .collect();
        let greeting = matches!(phase, Phase::Greeting);
        // An attested caller ID lists its own orders even when locked out.
        let locked = self.security.locked && !listable;
        if locked && !greeting {
            self.shared(self.p.locked_out());
            return self.escalate(&phase, EscalationReason::Verification);
        }
        if locked || orders.is_empty() {
            return self.not_found(phase, &lookup);
        }
        let next = if let [order] = orders.as_slice() {
            Phase::OfferOrder(OfferOrder {
                order: self.summarize(order, origin),
                origin,
                retries: Default::default(),
            })
        } else {
            let mut briefs: Vec<OrderBrief> = orders.iter().map(OrderBrief::from).collect();
            briefs.sort_by_key(|b| std::cmp::Reverse(b.placed_at));
            briefs.dedup_by(|a, b| a.number == b.number);
            Phase::ChooseOrder(self.choose_among(briefs, origin))
        };
        self.ask(next, Ask::First)
    }

    /// Choosing among `briefs` (newest first): at most as many as the limits name.
    pub(crate) fn choose_among(&self, mut briefs: Vec<OrderBrief>, origin: Origin) -> ChooseOrder {
        briefs.truncate(self.ctx.limits.recent_orders.max(1));
        ChooseOrder {
            orders: briefs,
            origin,
            retries: Default::default(),
        }
    }

    /// A lookup found nothing: the order question again, or, after too many
    /// misses, a human.
    pub(crate) fn not_found(&mut self, phase: Phase, lookup: &Lookup) -> Phase {
        if matches!(phase, Phase::Greeting) {
            // Nothing under the caller ID: just ask for the order number.
            return self.ask(phase, Ask::First);
        }
        let misses = phase.not_found().saturating_add(1);
        match lookup {
            Lookup::Number { number } => self.personal(self.p.not_found(number.digits())),
            Lookup::Phone { .. } => self.shared(self.p.not_found_phone()),
        }
        if misses >= self.ctx.limits.max_not_found {
            return self.escalate(&phase, EscalationReason::NotFound);
        }
        let next = Phase::AskOrder(AskOrder {
            not_found: misses,
            ..AskOrder::default()
        });
        self.listen_after(next, self.p.ask_order_again())
    }

    /// Verifies the caller for `order` per the merchant's policy, then answers;
    /// or asks a challenge; or, when verification is impossible, offers a human.
    pub(crate) fn check_caller(&mut self, from: &Phase, order: OrderSummary) -> Phase {
        if order.checks.caller_matches && self.caller_id_verifies() {
            // The owner of the number, as the network attests (or as the unsafe
            // policy assumes): verified, which also clears the order's lockout.
            self.record(Event::Verified);
            remember(&mut self.security.verified, order.number.clone());
            return self.answer(order);
        }
        if self.security.locked {
            self.shared(self.p.locked_out());
            return self.escalate(from, EscalationReason::Verification);
        }
        if self.security.verified.contains(&order.number)
            || self.ctx.merchant.verification == VerificationPolicy::None
        {
            return self.answer(order);
        }
        if self.security.failed >= self.ctx.limits.max_failed_challenges {
            self.shared(self.p.challenge_failed());
            return self.escalate(from, EscalationReason::Verification);
        }
        if !order.checks.has_challenge() {
            self.shared(self.p.cannot_verify());
            return self.escalate(from, EscalationReason::Verification);
        }
        let next = Phase::Verify(Verify {
            order,
            retries: Default::default(),
        });
        self.ask(next, Ask::First)
    }

    /// A wrong answer to a challenge about `orders`: counted per call (and by the
    /// driver across calls, per caller and per order); asked again, or, after too
    /// many, nothing is disclosed.
    pub(crate) fn fail_challenge(&mut self, phase: Phase, mut orders: Vec<OrderNumber>) -> Phase {
        orders.truncate(MAX_REMEMBERED);
        self.security.challenged = orders;
        self.security.failed = self.security.failed.saturating_add(1);
        self.record(Event::VerificationFailed);
        if self.security.failed >= self.ctx.limits.max_failed_challenges {
            self.shared(self.p.challenge_failed());
            return self.escalate(&phase, EscalationReason::Verification);
        }
        self.shared(self.p.challenge_retry());
        self.ask(phase, Ask::Again)
    }

    /// Speaks the verified order's status, then "anything else?".
    pub(crate) fn answer(&mut self, order: OrderSummary) -> Phase {
        let text = format!(
            "{} {}",
            self.p.thanks(order.first_name.as_deref()),
            self.p.answer(&order, self.when())
        );
        self.personal(text);
        self.call.answered = true;
        let next = Phase::Answered(Answered {
            order,
            retries: Default::default(),
        });
        self.ask(next, Ask::First)
    }

    /// Looks up what the caller referred to, confirming low-confidence numbers first.
    pub(crate) fn follow_reference(
        &mut self,
        phase: Phase,
        reference: Reference,
        confidence: Option<f32>,
    ) -> Phase {
        match reference {
            Reference::Number(number) if !self.confident(confidence) => {
                let ask = match &phase {
                    Phase::AskOrder(a) => *a,
                    Phase::ConfirmNumber(c) => c.ask,
                    other => AskOrder {
                        not_found: other.not_found(),
                        ..AskOrder::default()
                    },
                };
                let next = Phase::ConfirmNumber(ConfirmNumber {
                    number,
                    ask,
                    retries: Default::default(),
                });
                self.ask(next, Ask::First)
            }
            Reference::Number(number) => {
                self.request_lookup(Lookup::Number { number }, Origin::Number, Want::Needed);
                phase
            }
            Reference::Phone(phone) => self.follow_phone(phase, phone),
        }
    }
}
