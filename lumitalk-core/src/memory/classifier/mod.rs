//! The offline keyword classifier: the fallback when the language model is
//! unavailable, and the classifier of demo mode.

mod normalize;
mod rules;

use async_trait::async_trait;

use self::normalize::{Normalized, normalize};
use self::rules::*;
use crate::domain::{
    Classification, ClassifyContext, Entities, ExpectedEntity, Intent, OrderNumber, PhoneNumber,
    Region, Utterance,
};
use crate::error::ClassifyError;
use crate::provider::IntentClassifier;

/// A rule-based [`IntentClassifier`] that needs no network: keywords for intents,
/// spoken or keyed digits for entities, read in the light of what the
/// conversation expects ([`ClassifyContext::expected`]).
///
/// - Keypad: `0` alone asks for a human, `*` asks to repeat; other digits are an
///   order number, a verification answer, a phone number or an order choice,
///   depending on what was asked (for a yes/no question, `1` is yes and `2` no).
/// - Speech: "agent", "representative", "operator", "real person" ask for a
///   human; "cancel", "refund"/"return", "change my address" are recognized;
///   "where's my stuff", "track my order" ask for order status; "yeah",
///   "that's right", "nope" answer yes/no; "bye", "that's all" (and "no thanks"
///   after "anything else?") end the call; spoken digits ("one oh oh one",
///   "order number is 1 0 0 1") become order numbers and verification answers.
/// - Signs of frustration (insults, swearing, "this is ridiculous", asking for an
///   agent again and again) set [`Classification::caller_upset`].
///
/// Confidence is a heuristic: high for keypad answers and for entities that
/// match what was asked, lower for single keywords, scaled down by a low
/// speech-recognition confidence. Never fails, never panics.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeywordClassifier;

impl KeywordClassifier {
    /// The classifier.
    pub fn new() -> Self {
        KeywordClassifier
    }

    /// Classifies without going through the async trait (it never fails).
    pub fn classify_now(&self, utterance: &Utterance, context: &ClassifyContext) -> Classification {
        let (mut c, stt) = match utterance {
            Utterance::Digits { digits } => (classify_keypad(digits, context.expected), None),
            Utterance::Speech { text, confidence } => (classify_speech(text, context), *confidence),
        };
        if let Some(stt) = stt.filter(|c| c.is_finite()) {
            c.confidence *= 0.6 + 0.4 * stt.clamp(0.0, 1.0);
        }
        c.confidence = c.confidence.clamp(0.0, 1.0);
        c
    }
}

#[async_trait]
impl IntentClassifier for KeywordClassifier {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn classify(
        &self,
        utterance: &Utterance,
        context: &ClassifyContext,
    ) -> Result<Classification, ClassifyError> {
        Ok(self.classify_now(utterance, context))
    }
}

const NAME: &str = "keywords";

fn result(intent: Intent, confidence: f32, entities: Entities) -> Classification {
    let mut c = Classification::new(intent, confidence, NAME);
    c.entities = entities;
    c
}

fn none() -> Entities {
    Entities::default()
}

fn yes_no(answer: bool, confidence: f32) -> Classification {
    let intent = if answer { Intent::Yes } else { Intent::No };
    let entities = Entities {
        yes_no: Some(answer),
        ..none()
    };
    result(intent, confidence, entities)
}

fn classify_keypad(keys: &str, expected: ExpectedEntity) -> Classification {
    let keys = keys.trim().trim_end_matches('#');
    match keys {
        "" => return result(Intent::Unknown, 0.0, none()),
        "0" => return result(Intent::Human, 0.99, none()),
        "*" => return result(Intent::Repeat, 0.9, none()),
        _ => {}
    }
    if !keys.bytes().all(|b| b.is_ascii_digit()) {
        return result(Intent::Unknown, 0.1, none());
    }
    digits_answer(keys, expected, 0.95).unwrap_or_else(|| result(Intent::Unknown, 0.2, none()))
}

/// Reads a digit string as the answer to what was asked.
fn digits_answer(
    digits: &str,
    expected: ExpectedEntity,
    confidence: f32,
) -> Option<Classification> {
    let order = OrderNumber::from_digits(digits).ok();
    match expected {
        ExpectedEntity::Verification => Some(verification(digits.to_string(), None, confidence)),
        ExpectedEntity::PhoneNumber => {
            let phone = PhoneNumber::parse(digits, Region::NANP).ok()?;
            let entities = Entities {
                phone: Some(phone),
                ..none()
            };
            Some(result(Intent::ProvidePhoneNumber, confidence, entities))
        }
        ExpectedEntity::OrderChoice => {
            let entities = Entities {
                order_number: order,
                digits: Some(digits.to_string()),
                ..none()
            };
            Some(result(Intent::ProvideOrderNumber, confidence, entities))
        }
        ExpectedEntity::YesNo => match digits {
            "1" => Some(yes_no(true, confidence)),
            "2" => Some(yes_no(false, confidence)),
            _ => order.map(|n| provide_order(n, confidence * 0.8)),
        },
        ExpectedEntity::OrderNumber | ExpectedEntity::None => {
            order.map(|n| provide_order(n, confidence))
        }
    }
}

fn provide_order(number: OrderNumber, confidence: f32) -> Classification {
    let entities = Entities {
        order_number: Some(number),
        ..none()
    };
    result(Intent::ProvideOrderNumber, confidence, entities)
}

/// A verification answer: the digits, and a postal code when they look like one
/// (5 or 9 digits, or an alphanumeric code such as `M5V 2T6`).
fn verification(digits: String, postal: Option<String>, confidence: f32) -> Classification {
    let postal = postal.or_else(|| matches!(digits.len(), 5 | 9).then(|| digits.clone()));
    let digits = (!digits.is_empty()).then_some(digits);
    let entities = Entities {
        digits,
        postal_code: postal,
        ..none()
    };
    result(Intent::ProvideVerification, confidence, entities)
}

/// An alphanumeric postal code (`sw1a 1aa`, `m5v 2t6`): the first word mixing
/// letters and digits and the short alphanumeric words after it.
fn alphanumeric_postal(words: &[String]) -> Option<String> {
    let mixed =
        |w: &str| w.chars().any(|c| c.is_ascii_digit()) && w.chars().any(|c| c.is_alphabetic());
    let start = words
        .iter()
        .position(|w| mixed(w) && w.chars().count() <= 4)?;
    let mut code = words[start].to_uppercase();
    if let Some(next) = words.get(start + 1)
        && next.chars().count() <= 4
        && next.chars().any(|c| c.is_ascii_digit())
        && next.chars().all(|c| c.is_ascii_alphanumeric())
    {
        code.push_str(&next.to_uppercase());
    }
    Some(code)
}

fn first_order_number(text: &Normalized) -> Option<OrderNumber> {
    text.runs
        .iter()
        .find_map(|r| OrderNumber::from_digits(r).ok())
}

fn with_order(intent: Intent, confidence: f32, order: Option<OrderNumber>) -> Classification {
    result(
        intent,
        confidence,
        Entities {
            order_number: order,
            ..none()
        },
    )
}

fn is_upset(words: &[String]) -> bool {
    has_any(words, UPSET) || count_words(words, HUMAN_WORDS) >= 3
}

fn classify_speech(text: &str, context: &ClassifyContext) -> Classification {
    let norm = normalize(text);
    let mut c = classify_words(&norm, context);
    c.caller_upset = is_upset(&norm.words);
    c
}

fn classify_words(text: &Normalized, context: &ClassifyContext) -> Classification {
    let words = &text.words;
    if words.is_empty() {
        return result(Intent::Unknown, 0.0, none());
    }
    let short = words.len() <= 5;
    let order = first_order_number(text);

    if has_any(words, HUMAN) {
        return result(Intent::Human, 0.9, none());
    }
    if has_any(words, REPEAT) || (words.len() == 1 && has_any(words, REPEAT_ALONE)) {
        return result(Intent::Repeat, if short { 0.85 } else { 0.7 }, none());
    }
    let address = (has_any(words, ADDRESS) && has_any(words, ADDRESS_CHANGE))
        || has_any(words, ADDRESS_PHRASES);
    if address {
        return with_order(Intent::ChangeAddress, 0.85, order);
    }
    if has_any(words, CANCEL) {
        return with_order(Intent::CancelOrder, 0.85, order);
    }
    if has_any(words, REFUND) {
        return with_order(Intent::ReturnOrRefund, 0.85, order);
    }
    let anything_else = has_any(&normalize(&context.last_prompt).words, ANYTHING_ELSE_PROMPT);
    if anything_else && short && has_any(words, GOODBYE_AFTER_ANYTHING_ELSE) {
        return result(Intent::Goodbye, 0.85, none());
    }
    if let Some(c) = expected_answer(text, context) {
        return c;
    }
    if has_any(words, GOODBYE) {
        return result(Intent::Goodbye, 0.85, none());
    }
    if has_any(words, STATUS_STRONG) || (has_phrase(words, "where") && has_any(words, STATUS_WEAK))
    {
        return with_order(Intent::OrderStatus, 0.9, order);
    }
    if let Some(c) = yes_no_answer(words, 0.8) {
        return c;
    }
    if has_any(words, STATUS_WEAK) {
        if let Some(n) = order.clone() {
            return with_order(Intent::ProvideOrderNumber, 0.75, Some(n));
        }
        return with_order(Intent::OrderStatus, 0.65, None);
    }
    if let Some(n) = order {
        return provide_order(n, 0.75);
    }
    result(Intent::Unknown, 0.2, none())
}

/// Yes or no, when the utterance is short or starts with the answer.
fn yes_no_answer(words: &[String], confidence: f32) -> Option<Classification> {
    let first = std::slice::from_ref(words.first()?);
    let short = words.len() <= 5;
    let yes = has_any(first, YES) || (short && has_any(words, YES));
    let no = has_any(first, NO) || (short && has_any(words, NO));
    match (yes, no) {
        (true, false) => Some(yes_no(true, confidence)),
        (false, true) => Some(yes_no(false, confidence)),
        // "that's not right": the negation wins.
        (true, true) if has_phrase(words, "not") => Some(yes_no(false, confidence)),
        // "yes, no, I mean...": whichever came first, less sure.
        (true, true) => Some(yes_no(has_any(first, YES), confidence * 0.6)),
        (false, false) => None,
    }
}

/// The entity the conversation asked for, if the utterance holds it.
fn expected_answer(text: &Normalized, context: &ClassifyContext) -> Option<Classification> {
    let words = &text.words;
    let dont_know = || has_any(words, DONT_KNOW).then(|| yes_no(false, 0.6));
    match context.expected {
        ExpectedEntity::OrderNumber => first_order_number(text)
            .map(|n| provide_order(n, 0.9))
            .or_else(dont_know),
        ExpectedEntity::Verification => {
            let postal = alphanumeric_postal(words);
            let longest = text.runs.iter().max_by_key(|r| r.len()).cloned();
            match (longest, postal) {
                (None, None) => dont_know(),
                (digits, postal) => Some(verification(digits.unwrap_or_default(), postal, 0.85)),
            }
        }
        ExpectedEntity::PhoneNumber => {
            let joined: String = text.runs.concat();
            match PhoneNumber::parse(&joined, Region::NANP) {
                Ok(phone) => Some(result(
                    Intent::ProvidePhoneNumber,
                    0.9,
                    Entities {
                        phone: Some(phone),
                        ..none()
                    },
                )),
                Err(_) => dont_know(),
            }
        }
        ExpectedEntity::OrderChoice => {
            let digits = text.runs.last()?;
            digits_answer(digits, ExpectedEntity::OrderChoice, 0.8)
        }
        ExpectedEntity::YesNo => yes_no_answer(words, 0.9),
        _ => None,
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
