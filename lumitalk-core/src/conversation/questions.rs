//! Asking: the current question, how to listen for its answer, and what to do
//! when the answer is silence or unclear.

use super::action::{Action, EscalationReason, Speak};
use super::phase::{AskOrder, Phase};
use super::turn::{Ask, Turn};
use crate::domain::{Cacheability, ExpectedEntity};
use crate::reply::ListenSpec;

impl Turn<'_> {
    /// Silence: the question again, or, after too many, goodbye.
    pub(crate) fn on_silence(&mut self, phase: Phase) -> Phase {
        let mut phase = phase;
        let max = self.ctx.limits.max_reprompts;
        let Some(r) = phase.retries_mut() else {
            return self.ask(Phase::AskOrder(AskOrder::default()), Ask::First);
        };
        r.silences = r.silences.saturating_add(1);
        if r.silences > max {
            self.shared(self.p.silence_goodbye());
            let outcome = self.quiet_outcome();
            return self.end(outcome);
        }
        self.shared(self.p.no_input());
        self.ask(phase, Ask::First)
    }

    /// An answer that does not fit: the question rephrased (after `prefix`, or
    /// "sorry, I didn't catch that"), or, after too many, a human.
    pub(crate) fn on_unclear(&mut self, phase: Phase, prefix: Option<&'static str>) -> Phase {
        let mut phase = phase;
        let max = self.ctx.limits.max_unclear;
        let Some(r) = phase.retries_mut() else {
            return self.ask(Phase::AskOrder(AskOrder::default()), Ask::First);
        };
        r.unclear = r.unclear.saturating_add(1);
        if r.unclear > max {
            return self.escalate(&phase, EscalationReason::Unclear);
        }
        self.shared(prefix.unwrap_or_else(|| self.p.unclear()));
        self.ask(phase, Ask::Again)
    }

    /// "Repeat that": the answer again after an answer, else the question.
    pub(crate) fn repeat(&mut self, phase: Phase) -> Phase {
        if let Phase::Answered(a) = &phase {
            self.personal(self.p.answer(&a.order, self.when()));
        }
        self.ask(phase, Ask::First)
    }

    /// The question of `phase`.
    pub(crate) fn question(&self, phase: &Phase, how: Ask) -> Speak {
        let shared = |text: &str| Speak {
            text: text.to_string(),
            cacheability: Cacheability::Shared,
        };
        let personal = |text: String| Speak {
            text,
            cacheability: Cacheability::Personal,
        };
        let p = self.p;
        let again = how == Ask::Again;
        match phase {
            Phase::AskPhone(_) if again => shared(p.ask_phone_rephrased()),
            Phase::AskPhone(_) => shared(p.ask_phone()),
            Phase::ConfirmNumber(c) => personal(p.confirm_number(c.number.digits(), again)),
            Phase::OfferOrder(o) => personal(p.offer_order(&o.order.brief(), self.when(), again)),
            Phase::ChooseOrder(c) => personal(p.choose_order(&c.orders, self.when(), again)),
            Phase::Verify(v) => shared(p.challenge(&v.order.checks, again)),
            Phase::VerifyPhone(_) => shared(p.challenge_phone(again)),
            Phase::Answered(_) => shared(p.anything_else(again)),
            Phase::OfferHuman(_) => shared(p.offer_human(again)),
            _ if again => shared(p.ask_order_rephrased()),
            _ => shared(p.ask_order()),
        }
    }

    /// Asks the question of `phase` and listens; a phase that asks nothing
    /// becomes the order question.
    pub(crate) fn ask(&mut self, phase: Phase, how: Ask) -> Phase {
        let phase = match phase {
            Phase::New | Phase::Greeting | Phase::Transferring | Phase::Ended(_) => {
                Phase::AskOrder(AskOrder::default())
            }
            asking => asking,
        };
        let question = self.question(&phase, how);
        self.speak(question);
        self.listen(&phase);
        phase
    }

    /// Says `question` (a fixed prompt other than the phase's own) and listens.
    pub(crate) fn listen_after(&mut self, phase: Phase, question: &'static str) -> Phase {
        self.shared(question);
        self.listen(&phase);
        phase
    }

    fn listen(&mut self, phase: &Phase) {
        let spec = self.listen_spec(phase);
        self.actions.push(Action::Listen(spec));
    }

    fn listen_spec(&self, phase: &Phase) -> ListenSpec {
        let expected = phase.expected();
        // No digit limit, even for yes/no questions: every question also takes a
        // keyed order number (or phone number), which one key would cut short.
        ListenSpec {
            speech: true,
            keypad: true,
            timeout_secs: self.ctx.limits.listen_timeout_secs,
            finish_on_key: Some('#'),
            num_digits: None,
            hints: self
                .p
                .hints(expected)
                .iter()
                .map(|h| h.to_string())
                .collect(),
            language: self.ctx.merchant.language.clone(),
            expected: if expected == ExpectedEntity::None {
                ExpectedEntity::OrderNumber
            } else {
                expected
            },
        }
    }
}
