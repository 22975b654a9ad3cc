//! What the caller said, and what it means.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Language, OrderNumber, PhoneNumber};

/// One answer from the caller: recognized speech, or keypad digits.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Utterance {
    /// Speech as the carrier's recognizer transcribed it.
    Speech {
        /// Transcribed text.
        text: String,
        /// Recognizer confidence, 0.0..=1.0, when the carrier reports one.
        confidence: Option<f32>,
    },
    /// Keypad (DTMF) digits, without the finishing key.
    Digits {
        /// Digits pressed (`0-9`, `*`, `#`).
        digits: String,
    },
}

impl Utterance {
    /// Speech with a confidence.
    pub fn speech(text: impl Into<String>, confidence: Option<f32>) -> Self {
        Utterance::Speech {
            text: text.into(),
            confidence,
        }
    }

    /// Keypad digits.
    pub fn digits(digits: impl Into<String>) -> Self {
        Utterance::Digits {
            digits: digits.into(),
        }
    }

    /// The text or digits, for classifiers.
    pub fn text(&self) -> &str {
        match self {
            Utterance::Speech { text, .. } => text,
            Utterance::Digits { digits } => digits,
        }
    }

    /// Whether this came from the keypad.
    pub fn is_keypad(&self) -> bool {
        matches!(self, Utterance::Digits { .. })
    }
}

impl fmt::Debug for Utterance {
    // What a caller says can hold personal data; Debug shows its size only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Utterance::Speech { text, confidence } => write!(
                f,
                "Speech({} chars, confidence {:?})",
                text.chars().count(),
                confidence
            ),
            Utterance::Digits { digits } => write!(f, "Digits({} keys)", digits.len()),
        }
    }
}

/// What the caller wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Intent {
    /// "Where is my order?"
    OrderStatus,
    /// The caller gives an order number.
    ProvideOrderNumber,
    /// The caller gives a phone number to look orders up by.
    ProvidePhoneNumber,
    /// The caller answers a verification challenge (postal code, last digits).
    ProvideVerification,
    /// Yes / that's right.
    Yes,
    /// No / that's wrong.
    No,
    /// Agent, representative, operator, a person.
    Human,
    /// Cancel an order (a human handles it).
    CancelOrder,
    /// Return or refund (a human handles it).
    ReturnOrRefund,
    /// Change the shipping address (a human handles it).
    ChangeAddress,
    /// Say that again.
    Repeat,
    /// Bye, that's all.
    Goodbye,
    /// Anything else.
    Unknown,
}

impl Intent {
    /// Every intent, in declaration order (for schemas and tests).
    pub const ALL: [Intent; 13] = [
        Intent::OrderStatus,
        Intent::ProvideOrderNumber,
        Intent::ProvidePhoneNumber,
        Intent::ProvideVerification,
        Intent::Yes,
        Intent::No,
        Intent::Human,
        Intent::CancelOrder,
        Intent::ReturnOrRefund,
        Intent::ChangeAddress,
        Intent::Repeat,
        Intent::Goodbye,
        Intent::Unknown,
    ];

    /// The snake_case wire name (`order_status`).
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::OrderStatus => "order_status",
            Intent::ProvideOrderNumber => "provide_order_number",
            Intent::ProvidePhoneNumber => "provide_phone_number",
            Intent::ProvideVerification => "provide_verification",
            Intent::Yes => "yes",
            Intent::No => "no",
            Intent::Human => "human",
            Intent::CancelOrder => "cancel_order",
            Intent::ReturnOrRefund => "return_or_refund",
            Intent::ChangeAddress => "change_address",
            Intent::Repeat => "repeat",
            Intent::Goodbye => "goodbye",
            Intent::Unknown => "unknown",
        }
    }

    /// The intent for a wire name.
    pub fn from_name(name: &str) -> Option<Intent> {
        Intent::ALL.into_iter().find(|i| i.as_str() == name)
    }
}

/// Entities extracted from an utterance.
#[derive(Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Entities {
    /// An order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_number: Option<OrderNumber>,
    /// A postal code given as a verification answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Digits given as a verification answer (e.g. the last four of a phone number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digits: Option<String>,
    /// A phone number to look orders up by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<PhoneNumber>,
    /// A yes/no answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yes_no: Option<bool>,
}

impl fmt::Debug for Entities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entities")
            .field("order_number", &self.order_number)
            .field(
                "postal_code",
                &self.postal_code.as_ref().map(|_| "<redacted>"),
            )
            .field("digits", &self.digits.as_ref().map(|_| "<redacted>"))
            .field("phone", &self.phone)
            .field("yes_no", &self.yes_no)
            .finish()
    }
}

/// Tokens a language model used for one classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TokenUsage {
    /// Prompt (input) tokens.
    pub prompt_tokens: u32,
    /// Completion (output) tokens.
    pub completion_tokens: u32,
}

/// The result of classifying one utterance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    /// What the caller wants.
    pub intent: Intent,
    /// What they gave us.
    pub entities: Entities,
    /// The classifier's confidence, 0.0..=1.0.
    pub confidence: f32,
    /// Whether the caller sounds upset (the conversation offers a human).
    #[serde(default)]
    pub caller_upset: bool,
    /// Which classifier produced this (its `name()`).
    pub classifier: String,
    /// Tokens used, for classifiers that bill by token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<TokenUsage>,
    /// How long the classifier took, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u32>,
}

impl Classification {
    /// A classification with no entities.
    pub fn new(intent: Intent, confidence: f32, classifier: impl Into<String>) -> Self {
        Classification {
            intent,
            entities: Entities::default(),
            confidence,
            caller_upset: false,
            classifier: classifier.into(),
            usage: None,
            latency_ms: None,
        }
    }
}

/// Which piece of information the conversation is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ExpectedEntity {
    /// Nothing in particular (open question).
    #[default]
    None,
    /// An order number.
    OrderNumber,
    /// A phone number to look orders up by.
    PhoneNumber,
    /// A verification answer: postal code or last four digits of the order's phone.
    Verification,
    /// Yes or no.
    YesNo,
    /// Which of several orders (by its last digits).
    OrderChoice,
}

/// What a classifier knows about the moment in the conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassifyContext {
    /// The merchant's display name.
    pub merchant_name: String,
    /// The call's language.
    pub language: Language,
    /// What the caller was just asked, verbatim.
    pub last_prompt: String,
    /// Which entity the conversation expects.
    pub expected: ExpectedEntity,
}
