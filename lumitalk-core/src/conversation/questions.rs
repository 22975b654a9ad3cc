//! Asking: the current question, how to listen for its answer, and what to do
//! when the answer is silence or unclear.

use super::action::{Action, EscalationReason, Speak};
use super::machine::{Out, Step};
use super::phase::{AskOrder, Phase};
use super::state::Conversation;
use crate::domain::{Cacheability, ExpectedEntity};
use crate::reply::ListenSpec;

impl Conversation {
    pub(crate) fn on_silence(&mut self, t: &Step<'_>, out: &mut Out) {
        let max = t.ctx.limits.max_reprompts;
        let Some(r) = self.phase.retries_mut() else {
            self.phase = Phase::AskOrder(AskOrder::default());
            return self.ask(t, out, false);
        };
        r.silences = r.silences.saturating_add(1);
        if r.silences > max {
            out.shared(t.p.silence_goodbye());
            let outcome = self.quiet_outcome();
            return self.end(out, outcome);
        }
        out.shared(t.p.no_input());
        self.ask(t, out, false);
    }

    pub(crate) fn on_unclear(&mut self, t: &Step<'_>, out: &mut Out, prefix: Option<&'static str>) {
        let max = t.ctx.limits.max_unclear;
        let Some(r) = self.phase.retries_mut() else {
            self.phase = Phase::AskOrder(AskOrder::default());
            return self.ask(t, out, false);
        };
        r.unclear = r.unclear.saturating_add(1);
        if r.unclear > max {
            return self.escalate(t, out, EscalationReason::Unclear);
        }
        out.shared(prefix.unwrap_or_else(|| t.p.unclear()));
        self.ask(t, out, true)
    }

    pub(crate) fn repeat(&mut self, t: &Step<'_>, out: &mut Out) {
        if let Phase::Answered(a) = &self.phase {
            out.personal(t.p.answer(&a.order, t.when()));
            out.shared(t.p.anything_else(false));
            out.actions.push(Action::Listen(self.listen_spec(t)));
            return;
        }
        self.ask(t, out, false)
    }

    /// The current question.
    pub(crate) fn question(&self, t: &Step<'_>, rephrase: bool) -> Speak {
        let shared = |text: &str| Speak {
            text: text.to_string(),
            cacheability: Cacheability::Shared,
        };
        let personal = |text: String| Speak {
            text,
            cacheability: Cacheability::Personal,
        };
        let p = t.p;
        match &self.phase {
            Phase::AskPhone(_) if rephrase => shared(p.ask_phone_rephrased()),
            Phase::AskPhone(_) => shared(p.ask_phone()),
            Phase::ConfirmNumber(c) => personal(p.confirm_number(c.number.digits(), rephrase)),
            Phase::OfferOrder(o) => personal(p.offer_order(&o.order.brief(), t.when(), rephrase)),
            Phase::ChooseOrder(c) => personal(p.choose_order(&c.orders, t.when(), rephrase)),
            Phase::Verify(v) => shared(p.challenge(&v.order.checks, rephrase)),
            Phase::VerifyPhone(_) => shared(p.challenge_phone(rephrase)),
            Phase::Answered(_) => shared(p.anything_else(rephrase)),
            Phase::OfferHuman(_) => shared(p.offer_human(rephrase)),
            _ if rephrase => shared(p.ask_order_rephrased()),
            _ => shared(p.ask_order()),
        }
    }

    /// Asks the current question and listens.
    pub(crate) fn ask(&mut self, t: &Step<'_>, out: &mut Out, rephrase: bool) {
        if matches!(
            self.phase,
            Phase::New | Phase::Greeting | Phase::Transferring | Phase::Ended(_)
        ) {
            self.phase = Phase::AskOrder(AskOrder::default());
        }
        out.speak(self.question(t, rephrase));
        out.actions.push(Action::Listen(self.listen_spec(t)));
    }

    pub(crate) fn listen_spec(&self, t: &Step<'_>) -> ListenSpec {
        let expected = self.phase.expected();
        // No digit limit, even for yes/no questions: every question also takes a
        // keyed order number (or phone number), which one key would cut short.
        ListenSpec {
            speech: true,
            keypad: true,
            timeout_secs: t.ctx.limits.listen_timeout_secs,
            finish_on_key: Some('#'),
            num_digits: None,
            hints: t.p.hints(expected).iter().map(|h| h.to_string()).collect(),
            language: t.ctx.merchant.language.clone(),
            expected: if expected == ExpectedEntity::None {
                ExpectedEntity::OrderNumber
            } else {
                expected
            },
        }
    }
}
