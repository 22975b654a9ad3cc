//! What the caller said: its classification, yes or no, and the order or phone
//! number it refers to.

use super::action::{Effect, EscalationReason};
use super::context::Humans;
use super::input::Lookup;
use super::machine::{Out, Step};
use super::phase::{AskPhone, Phase};
use super::phrases::Phrases;
use super::state::{Conversation, Heard, Pending};
use super::summary::Origin;
use super::verify;
use crate::domain::{
    Classification, ClassifyContext, Intent, OrderNumber, PhoneNumber, Region, Utterance,
};

/// An order reference the caller gave.
pub(crate) enum Reference {
    Number(OrderNumber),
    Phone(PhoneNumber),
}

fn yes_no(c: &Classification) -> Option<bool> {
    match c.intent {
        Intent::Yes => Some(true),
        Intent::No => Some(false),
        _ => c.entities.yes_no,
    }
}

/// A phone number in speech: ten or more digits (spoken digit words included)
/// that make a valid phone number.
pub(crate) fn spoken_phone(text: &str) -> Option<PhoneNumber> {
    let digits = verify::spoken_digits(text);
    if digits.len() < 10 {
        return None;
    }
    PhoneNumber::parse(&digits, Region::default()).ok()
}

/// What the caller referred to. A phone number wins over an order number: the
/// classifier's, or one in the words ("my phone number is 415 555 0123"); when
/// the caller talks about a phone number without giving a whole one, nothing is
/// read as an order number.
fn reference(c: &Classification, text: &str, p: &dyn Phrases) -> Option<Reference> {
    if let Some(phone) = c.entities.phone.clone().or_else(|| spoken_phone(text)) {
        return Some(Reference::Phone(phone));
    }
    if p.mentions_phone(text) {
        return None;
    }
    if let Some(n) = &c.entities.order_number {
        return Some(Reference::Number(n.clone()));
    }
    match c.intent {
        Intent::ProvideOrderNumber | Intent::OrderStatus | Intent::Unknown => {
            OrderNumber::parse(text).ok().map(Reference::Number)
        }
        _ => None,
    }
}

impl Conversation {
    pub(crate) fn on_speech(
        &mut self,
        t: &Step<'_>,
        out: &mut Out,
        text: String,
        confidence: Option<f32>,
    ) {
        let expected = self.phase.expected();
        let context = ClassifyContext {
            merchant_name: t.ctx.merchant.display_name.clone(),
            language: t.ctx.merchant.language.clone(),
            last_prompt: self.question(t, false).text,
            expected,
        };
        let speculate = matches!(self.phase, Phase::AskOrder(_) | Phase::Answered(_))
            && Self::confident(t, confidence);
        let guess = if speculate && spoken_phone(&text).is_none() && !t.p.mentions_phone(&text) {
            OrderNumber::parse(&text).ok()
        } else {
            None
        };
        self.pending = Some(Pending {
            heard: Some(Heard {
                text: text.clone(),
                confidence,
            }),
            ..Pending::default()
        });
        out.effect(Effect::Classify {
            utterance: Utterance::speech(text, confidence),
            context,
        });
        if let Some(number) = guess {
            self.request_lookup(out, Lookup::Number { number }, Origin::Number, true);
        }
    }

    pub(crate) fn confident(t: &Step<'_>, confidence: Option<f32>) -> bool {
        confidence.is_none_or(|c| c >= t.ctx.limits.confirm_below_confidence)
    }

    pub(crate) fn on_classified(&mut self, t: &Step<'_>, out: &mut Out, c: Classification) {
        let Some(heard) = self.pending.as_mut().and_then(|p| p.heard.take()) else {
            return;
        };
        self.after_classified(t, out, &c, &heard);
        if let Some(p) = self.pending.as_mut() {
            if p.lookup.as_ref().is_some_and(|l| l.speculative) {
                // The caller meant something else: drop the guess.
                p.lookup = None;
                p.early_result = None;
            } else if let Some(early) = p.early_result.take() {
                self.on_lookup(t, out, early);
            }
        }
    }

    fn after_classified(&mut self, t: &Step<'_>, out: &mut Out, c: &Classification, heard: &Heard) {
        match c.intent {
            Intent::Human => return self.escalate(t, out, EscalationReason::Requested),
            Intent::CancelOrder | Intent::ReturnOrRefund | Intent::ChangeAddress => {
                out.shared(t.p.unsupported(c.intent));
                return self.escalate(t, out, EscalationReason::Unsupported);
            }
            _ => {}
        }
        if c.caller_upset {
            out.shared(t.p.upset());
            if matches!(t.ctx.humans(t.now), Humans::Available(_)) {
                return self.escalate(t, out, EscalationReason::Upset);
            }
        }
        match c.intent {
            Intent::Goodbye => return self.goodbye(t, out),
            Intent::Repeat => return self.repeat(t, out),
            _ => {}
        }
        let answer = yes_no(c);
        let reference = reference(c, &heard.text, t.p);
        let wants_phone = c.intent == Intent::ProvidePhoneNumber || t.p.mentions_phone(&heard.text);
        match &self.phase {
            Phase::AskOrder(_) => match reference {
                Some(r) => self.follow_reference(t, out, r, heard.confidence),
                None if wants_phone => {
                    self.phase = Phase::AskPhone(AskPhone {
                        not_found: self.phase.not_found(),
                        ..AskPhone::default()
                    });
                    self.ask(t, out, false)
                }
                None if c.intent == Intent::OrderStatus => {
                    self.on_unclear(t, out, Some(t.p.sure()))
                }
                None => self.on_unclear(t, out, None),
            },
            Phase::AskPhone(_) => {
                let phone = c.entities.phone.clone().or_else(|| {
                    PhoneNumber::parse(&verify::spoken_digits(&heard.text), Region::default()).ok()
                });
                match (phone, reference) {
                    (Some(phone), _) => {
                        self.follow_reference(t, out, Reference::Phone(phone), None)
                    }
                    (None, Some(r)) => self.follow_reference(t, out, r, heard.confidence),
                    (None, None) => self.on_unclear(t, out, None),
                }
            }
            Phase::ConfirmNumber(cn) => match (answer, reference) {
                (Some(true), _) => {
                    let number = cn.number.clone();
                    self.request_lookup(out, Lookup::Number { number }, Origin::Number, false)
                }
                (Some(false), None) => self.deny_number(t, out),
                (_, Some(r)) => self.follow_reference(t, out, r, heard.confidence),
                (None, None) => self.on_unclear(t, out, None),
            },
            Phase::OfferOrder(o) => match (answer, reference) {
                (Some(true), _) => {
                    let order = o.order.clone();
                    self.check_caller(t, out, order)
                }
                (Some(false), None) => self.decline_offer(t, out),
                (_, Some(r)) => self.follow_reference(t, out, r, heard.confidence),
                (None, None) => self.on_unclear(t, out, None),
            },
            Phase::ChooseOrder(_) => {
                if answer == Some(false) && reference.is_none() {
                    return self.decline_offer(t, out);
                }
                let mut candidates = Vec::new();
                if let Some(n) = &c.entities.order_number {
                    candidates.push(n.digits().to_string());
                }
                if let Some(d) = &c.entities.digits {
                    candidates.push(d.clone());
                }
                candidates.push(verify::spoken_digits(&heard.text));
                self.choose(t, out, Some(&heard.text), &candidates)
            }
            Phase::Verify(_) | Phase::VerifyPhone(_) => {
                let mut answers: Vec<&str> = Vec::new();
                if let Some(z) = &c.entities.postal_code {
                    answers.push(z);
                }
                if let Some(d) = &c.entities.digits {
                    answers.push(d);
                }
                if let Some(n) = &c.entities.order_number {
                    answers.push(n.digits());
                }
                answers.push(&heard.text);
                let readings = verify::readings(&answers);
                if matches!(self.phase, Phase::Verify(_)) {
                    self.on_challenge_answer(t, out, &readings)
                } else {
                    self.on_phone_answer(t, out, readings)
                }
            }
            Phase::Answered(_) => match (reference, answer) {
                (Some(r), _) => self.follow_reference(t, out, r, heard.confidence),
                (None, Some(true)) => self.ask_another(t, out),
                (None, Some(false)) => self.goodbye(t, out),
                (None, None) if c.intent == Intent::OrderStatus => self.ask_another(t, out),
                (None, None) if wants_phone => {
                    self.phase = Phase::AskPhone(AskPhone::default());
                    self.ask(t, out, false)
                }
                (None, None) => self.on_unclear(t, out, None),
            },
            Phase::OfferHuman(_) => match (answer, reference) {
                (Some(true), _) => self.transfer_now(t, out),
                (Some(false), None) => self.goodbye(t, out),
                (_, Some(r)) => self.follow_reference(t, out, r, heard.confidence),
                (None, None) => self.on_unclear(t, out, None),
            },
            Phase::New | Phase::Greeting | Phase::Transferring | Phase::Ended(_) => {
                self.on_unclear(t, out, None)
            }
        }
    }
}
