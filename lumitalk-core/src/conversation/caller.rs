//! What the caller did, keypad and speech alike: keyed digits (at once) and
//! classified speech (when its classification arrives) become one [`Caller`]
//! value before any phase looks at them.
//!
//! The keypad's conventions: `0` asks for a person, `*` repeats, `1` / `2` are
//! yes / no, more digits are an order number (or, ten and more that make one, a
//! phone number), and `#` finishes.

use super::phrases::Phrases;
use super::state::Heard;
use super::verify;
use crate::domain::{Classification, Intent, OrderNumber, PhoneNumber, Region};

/// What the caller did, normalized.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Caller {
    /// Nothing heard (or only whitespace).
    Silence,
    /// Something that cannot be an answer (stray keys, speech never classified).
    Unclear,
    /// "Agent", "representative", or keypad `0`.
    Human,
    /// "Say that again", or keypad `*`.
    Repeat,
    /// "Bye" (speech only).
    Goodbye,
    /// Something only a person can do: cancel, return, change the address.
    Unsupported(Intent),
    /// The caller sounds upset; then what they said.
    Upset(Box<Caller>),
    /// An answer to the question: yes or no, a number, words.
    Answer(Answer),
}

/// Yes or no: keypad `1` / `2`, or said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum YesNo {
    Yes,
    No,
}

/// An order reference the caller gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reference {
    Number(OrderNumber),
    Phone(PhoneNumber),
}

/// An answer, read every way a phase may need it. `Debug` shows no caller words.
#[derive(Clone, PartialEq, Default)]
pub(crate) struct Answer {
    /// The words said; `None` when keyed.
    pub(crate) words: Option<String>,
    /// The recognizer's confidence in the words.
    pub(crate) confidence: Option<f32>,
    pub(crate) yes_no: Option<YesNo>,
    /// The order or phone number it names.
    pub(crate) reference: Option<Reference>,
    /// The whole answer read as a phone number (for "what phone number?").
    pub(crate) phone: Option<PhoneNumber>,
    /// The one value this answer offers to a challenge (see `verify`).
    pub(crate) challenge: Option<String>,
    /// Digit readings for choosing among listed orders, most trusted first.
    pub(crate) digits: Vec<String>,
    /// The caller talks about a phone number ("can I give you my phone number?").
    pub(crate) about_phone: bool,
    /// The caller asks about an order without naming one.
    pub(crate) about_status: bool,
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answer")
            .field("keyed", &self.keyed())
            .field("yes_no", &self.yes_no)
            .field("reference", &self.reference.is_some())
            .finish_non_exhaustive()
    }
}

impl Answer {
    /// Whether the answer came from the keypad.
    pub(crate) fn keyed(&self) -> bool {
        self.words.is_none()
    }
}

impl Caller {
    /// Keyed digits (with or without the finishing `#`).
    pub(crate) fn from_keys(keys: &str) -> Caller {
        let keys: String = keys
            .chars()
            .filter(|c| c.is_ascii_digit() || matches!(c, '*' | '#'))
            .collect();
        let keys = keys.trim_end_matches('#');
        match keys {
            "0" => return Caller::Human,
            "*" => return Caller::Repeat,
            _ => {}
        }
        if keys.is_empty() || !keys.bytes().all(|b| b.is_ascii_digit()) {
            return Caller::Unclear;
        }
        Caller::Answer(Answer {
            yes_no: match keys {
                "1" => Some(YesNo::Yes),
                "2" => Some(YesNo::No),
                _ => None,
            },
            reference: keyed_reference(keys),
            // Fewer than 7 digits is no phone number anywhere: skip the parse.
            phone: (keys.len() >= 7)
                .then(|| PhoneNumber::parse(keys, Region::default()).ok())
                .flatten(),
            // Keyed digits read only as themselves.
            challenge: Some(keys.to_string()),
            digits: vec![keys.to_string()],
            ..Answer::default()
        })
    }

    /// Speech, with its classification. Asking for a person or for something only
    /// a person can do wins over the caller's mood; the mood over the rest.
    pub(crate) fn from_speech(c: &Classification, heard: &Heard, p: &dyn Phrases) -> Caller {
        match c.intent {
            Intent::Human => return Caller::Human,
            Intent::CancelOrder | Intent::ReturnOrRefund | Intent::ChangeAddress => {
                return Caller::Unsupported(c.intent);
            }
            _ => {}
        }
        let said = match c.intent {
            Intent::Goodbye => Caller::Goodbye,
            Intent::Repeat => Caller::Repeat,
            _ => Caller::Answer(spoken_answer(c, heard, p)),
        };
        if c.caller_upset {
            Caller::Upset(Box::new(said))
        } else {
            said
        }
    }
}

fn spoken_answer(c: &Classification, heard: &Heard, p: &dyn Phrases) -> Answer {
    let text = heard.text.as_str();
    let e = &c.entities;
    let mut digits: Vec<String> = Vec::new();
    digits.extend(e.order_number.as_ref().map(|n| n.digits().to_string()));
    digits.extend(e.digits.clone());
    digits.push(verify::spoken_digits(text));
    Answer {
        words: Some(text.to_string()),
        confidence: heard.confidence,
        yes_no: match c.intent {
            Intent::Yes => Some(YesNo::Yes),
            Intent::No => Some(YesNo::No),
            _ => e.yes_no.map(|y| if y { YesNo::Yes } else { YesNo::No }),
        },
        reference: reference(c, text, p),
        phone: e
            .phone
            .clone()
            .or_else(|| PhoneNumber::parse(&verify::spoken_digits(text), Region::default()).ok()),
        challenge: verify::spoken_candidate(e, text),
        digits,
        about_phone: c.intent == Intent::ProvidePhoneNumber || p.mentions_phone(text),
        about_status: c.intent == Intent::OrderStatus,
    }
}

/// Keyed digits as an order reference: ten or more digits that make a valid
/// phone number are a phone number; otherwise an order number.
fn keyed_reference(keys: &str) -> Option<Reference> {
    if keys.len() >= 10
        && let Ok(phone) = PhoneNumber::parse(keys, Region::default())
    {
        return Some(Reference::Phone(phone));
    }
    OrderNumber::from_digits(keys).ok().map(Reference::Number)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::phrases::English;

    fn answer(c: Caller) -> Answer {
        match c {
            Caller::Answer(a) => a,
            other => panic!("not an answer: {other:?}"),
        }
    }

    #[test]
    fn keys_follow_the_keypad_conventions() {
        assert_eq!(Caller::from_keys("0#"), Caller::Human);
        assert_eq!(Caller::from_keys("*"), Caller::Repeat);
        assert_eq!(Caller::from_keys("#"), Caller::Unclear);
        assert_eq!(Caller::from_keys("1*2"), Caller::Unclear);
        assert_eq!(answer(Caller::from_keys("1")).yes_no, Some(YesNo::Yes));
        assert_eq!(answer(Caller::from_keys("2#")).yes_no, Some(YesNo::No));
        let a = answer(Caller::from_keys("1001#"));
        assert!(a.keyed());
        assert_eq!(a.yes_no, None);
        assert!(matches!(a.reference, Some(Reference::Number(n)) if n.digits() == "1001"));
        assert!(matches!(
            answer(Caller::from_keys("4155550123")).reference,
            Some(Reference::Phone(_))
        ));
        assert_eq!(answer(Caller::from_keys("12")).reference, None);
    }

    #[test]
    fn speech_reads_like_keys_where_it_means_the_same() {
        let heard = |text: &str| Heard {
            text: text.into(),
            confidence: Some(0.9),
        };
        let mut c = Classification::new(Intent::Yes, 0.9, "test");
        let a = answer(Caller::from_speech(&c, &heard("yes"), &English));
        assert_eq!(a.yes_no, Some(YesNo::Yes));
        assert!(!a.keyed());
        c.intent = Intent::Human;
        c.caller_upset = true;
        assert_eq!(
            Caller::from_speech(&c, &heard("agent"), &English),
            Caller::Human
        );
        c.intent = Intent::Goodbye;
        assert_eq!(
            Caller::from_speech(&c, &heard("bye"), &English),
            Caller::Upset(Box::new(Caller::Goodbye))
        );
        c = Classification::new(Intent::Unknown, 0.9, "test");
        let a = answer(Caller::from_speech(&c, &heard("it's 1001"), &English));
        assert!(matches!(a.reference, Some(Reference::Number(n)) if n.digits() == "1001"));
        assert_eq!(a.challenge.as_deref(), Some("1001"));
    }
}
