//! Order lookups, verification and the answer.

use super::action::{Effect, EscalationReason, Event};
use super::input::{Input, Lookup};
use super::machine::{Out, Step};
use super::phase::{Answered, AskOrder, ChooseOrder, ConfirmNumber, OfferOrder, Phase, Verify};
use super::speech::Reference;
use super::state::{Conversation, MAX_REMEMBERED, Pending, PendingLookup, remember};
use super::summary::{OrderBrief, OrderSummary, Origin};
use super::verify;
use crate::domain::{Order, OrderNumber, VerificationPolicy};
use crate::reply::ListenSpec;

impl Conversation {
    /// A lookup's result. Results nobody waits for are ignored; a speculative
    /// lookup's result that beats the classification is kept until it arrives.
    pub(crate) fn on_lookup(&mut self, t: &Step<'_>, out: &mut Out, input: Input) {
        let lookup = match &input {
            Input::OrdersFound { lookup, .. }
            | Input::OrdersNotFound { lookup }
            | Input::LookupFailed { lookup, .. } => lookup,
            _ => return,
        };
        let Some(p) = self.pending.as_mut() else {
            return;
        };
        let Some(pl) = p.lookup.as_ref().filter(|pl| &pl.lookup == lookup) else {
            return;
        };
        if pl.speculative && p.heard.is_some() {
            p.early_result = Some(input);
            return;
        }
        let origin = pl.origin;
        let answers = p.lookup.take().and_then(|pl| pl.answers);
        p.early_result = None;
        let greeting = matches!(self.phase, Phase::Greeting);
        match input {
            Input::LookupFailed { .. } if greeting => self.ask(t, out, false),
            Input::LookupFailed { .. } => {
                out.shared(t.p.lookup_failed());
                self.escalate(t, out, EscalationReason::LookupFailed)
            }
            // A phone number the caller gave, with their answer: checked the same
            // way whether or not the phone has orders.
            Input::OrdersFound {
                lookup: Lookup::Phone { phone },
                orders,
            } if answers.is_some() => {
                let answers = answers.unwrap_or_default();
                self.on_phone_orders(t, out, &phone, orders, &answers)
            }
            Input::OrdersNotFound {
                lookup: Lookup::Phone { phone },
            } if answers.is_some() => {
                let answers = answers.unwrap_or_default();
                self.on_phone_orders(t, out, &phone, Vec::new(), &answers)
            }
            Input::OrdersFound { lookup, orders } if !orders.is_empty() => {
                self.on_orders(t, out, lookup, orders, origin)
            }
            Input::OrdersFound { lookup, .. } | Input::OrdersNotFound { lookup } => {
                self.not_found(t, out, &lookup)
            }
            _ => {}
        }
    }

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

    fn on_orders(
        &mut self,
        t: &Step<'_>,
        out: &mut Out,
        lookup: Lookup,
        orders: Vec<Order>,
        origin: Origin,
    ) {
        match &lookup {
            Lookup::Number { number } => match orders.iter().find(|o| &o.number == number) {
                // An order source that is not exact must not make us speak another order.
                None => self.not_found(t, out, &lookup),
                Some(order) => {
                    let summary = self.summarize(order, origin);
                    self.check_caller(t, out, summary)
                }
            },
            Lookup::Phone { phone } => {
                // Only the orders of that very phone, and only when they may be named
                // before a challenge (the lookup was asked for on that condition; an
                // inexact order source must not widen it).
                let listable = self.may_list(t, phone);
                let no_verification = t.ctx.merchant.verification == VerificationPolicy::None;
                let orders: Vec<Order> = orders
                    .into_iter()
                    .filter(|o| listable && (no_verification || o.phone() == Some(phone)))
                    .collect();
                if self.security.locked && !matches!(self.phase, Phase::Greeting) {
                    out.shared(t.p.locked_out());
                    return self.escalate(t, out, EscalationReason::Verification);
                }
                if self.security.locked || orders.is_empty() {
                    return self.not_found(t, out, &lookup);
                }
                if let [order] = orders.as_slice() {
                    self.phase = Phase::OfferOrder(OfferOrder {
                        order: self.summarize(order, origin),
                        origin,
                        retries: Default::default(),
                    });
                } else {
                    let mut briefs: Vec<OrderBrief> = orders.iter().map(OrderBrief::from).collect();
                    briefs.sort_by_key(|b| std::cmp::Reverse(b.placed_at));
                    briefs.dedup_by(|a, b| a.number == b.number);
                    briefs.truncate(t.ctx.limits.recent_orders.max(1));
                    self.phase = Phase::ChooseOrder(ChooseOrder {
                        orders: briefs,
                        origin,
                        retries: Default::default(),
                    });
                }
                self.ask(t, out, false)
            }
        }
    }

    fn not_found(&mut self, t: &Step<'_>, out: &mut Out, lookup: &Lookup) {
        if matches!(self.phase, Phase::Greeting) {
            // Nothing under the caller ID: just ask for the order number.
            return self.ask(t, out, false);
        }
        let misses = self.phase.not_found().saturating_add(1);
        match lookup {
            Lookup::Number { number } => out.personal(t.p.not_found(number.digits())),
            Lookup::Phone { .. } => out.shared(t.p.not_found_phone()),
        }
        if misses >= t.ctx.limits.max_not_found {
            return self.escalate(t, out, EscalationReason::NotFound);
        }
        self.phase = Phase::AskOrder(AskOrder {
            not_found: misses,
            ..AskOrder::default()
        });
        out.shared(t.p.ask_order_again());
        out.actions
            .push(super::action::Action::Listen(self.listen_spec(t)));
    }

    /// Verifies the caller for `order` per the merchant's policy, then answers;
    /// or asks a challenge; or, when verification is impossible, offers a human.
    pub(crate) fn check_caller(&mut self, t: &Step<'_>, out: &mut Out, order: OrderSummary) {
        if self.security.locked {
            out.shared(t.p.locked_out());
            return self.escalate(t, out, EscalationReason::Verification);
        }
        if self.security.verified.contains(&order.number) {
            return self.answer(t, out, order);
        }
        match t.ctx.merchant.verification {
            VerificationPolicy::None => return self.answer(t, out, order),
            VerificationPolicy::CallerIdOrChallenge if order.checks.caller_matches => {
                out.record(Event::Verified);
                return self.answer(t, out, order);
            }
            _ => {}
        }
        if self.security.failed >= t.ctx.limits.max_failed_challenges {
            out.shared(t.p.challenge_failed());
            return self.escalate(t, out, EscalationReason::Verification);
        }
        if !order.checks.has_challenge() {
            out.shared(t.p.cannot_verify());
            return self.escalate(t, out, EscalationReason::Verification);
        }
        self.phase = Phase::Verify(Verify {
            order,
            retries: Default::default(),
        });
        self.ask(t, out, false)
    }

    pub(crate) fn on_challenge_answer(&mut self, t: &Step<'_>, out: &mut Out, readings: &[String]) {
        let Phase::Verify(v) = &self.phase else {
            return self.on_unclear(t, out, None);
        };
        if verify::matches(&v.order.checks, readings) {
            let order = v.order.clone();
            out.record(Event::Verified);
            remember(&mut self.security.verified, order.number.clone());
            return self.answer(t, out, order);
        }
        if !verify::is_attempt(readings) {
            return self.on_unclear(t, out, None);
        }
        let number = v.order.number.clone();
        self.fail_challenge(t, out, vec![number])
    }

    /// A wrong answer to a challenge about `orders`: counted per call (and by the
    /// driver across calls, per caller and per order); asked again, or, after too
    /// many, nothing is disclosed.
    pub(crate) fn fail_challenge(&mut self, t: &Step<'_>, out: &mut Out, orders: Vec<OrderNumber>) {
        let mut orders = orders;
        orders.truncate(MAX_REMEMBERED);
        self.security.challenged = orders;
        self.security.failed = self.security.failed.saturating_add(1);
        out.record(Event::VerificationFailed);
        if self.security.failed >= t.ctx.limits.max_failed_challenges {
            out.shared(t.p.challenge_failed());
            return self.escalate(t, out, EscalationReason::Verification);
        }
        out.shared(t.p.challenge_retry());
        self.ask(t, out, true)
    }

    pub(crate) fn answer(&mut self, t: &Step<'_>, out: &mut Out, order: OrderSummary) {
        let text = format!(
            "{} {}",
            t.p.thanks(order.first_name.as_deref()),
            t.p.answer(&order, t.when())
        );
        out.personal(text);
        self.call.answered = true;
        self.phase = Phase::Answered(Answered {
            order,
            retries: Default::default(),
        });
        out.shared(t.p.anything_else(false));
        let spec: ListenSpec = self.listen_spec(t);
        out.actions.push(super::action::Action::Listen(spec));
    }

    /// Looks up what the caller referred to, confirming low-confidence numbers first.
    pub(crate) fn follow_reference(
        &mut self,
        t: &Step<'_>,
        out: &mut Out,
        reference: Reference,
        confidence: Option<f32>,
    ) {
        match reference {
            Reference::Number(number) if !Self::confident(t, confidence) => {
                let ask = match &self.phase {
                    Phase::AskOrder(a) => *a,
                    Phase::ConfirmNumber(c) => c.ask,
                    other => AskOrder {
                        not_found: other.not_found(),
                        ..AskOrder::default()
                    },
                };
                self.phase = Phase::ConfirmNumber(ConfirmNumber {
                    number,
                    ask,
                    retries: Default::default(),
                });
                self.ask(t, out, false)
            }
            Reference::Number(number) => {
                self.request_lookup(out, Lookup::Number { number }, Origin::Number, false)
            }
            Reference::Phone(phone) => self.follow_phone(t, out, phone),
        }
    }

    /// Asks for a lookup, or keeps waiting for the same one already in flight.
    pub(crate) fn request_lookup(
        &mut self,
        out: &mut Out,
        lookup: Lookup,
        origin: Origin,
        speculative: bool,
    ) {
        let p = self.pending.get_or_insert_with(Pending::default);
        if let Some(pl) = p.lookup.as_mut()
            && pl.lookup == lookup
        {
            pl.speculative &= speculative;
            pl.origin = origin;
            return;
        }
        p.lookup = Some(PendingLookup {
            lookup: lookup.clone(),
            origin,
            speculative,
            answers: None,
        });
        p.early_result = None;
        out.effect(Effect::Lookup(lookup));
    }
}
