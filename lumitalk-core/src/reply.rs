//! What the assistant tells the carrier to do next: carrier-neutral, rendered by a
//! [`Telephony`](crate::Telephony) implementation (TwiML for Twilio).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::{AudioId, ExpectedEntity, Language, PhoneNumber};

/// One turn's answer: prompts to play, then what happens next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    /// Spoken or played in order. When `next` is a listen, the carrier plays them
    /// while listening so the caller can barge in.
    pub prompts: Vec<Prompt>,
    /// Listen for an answer, transfer, or hang up.
    pub next: Next,
}

impl Reply {
    /// All spoken text of the prompts, joined by spaces (for transcripts and tests).
    pub fn spoken_text(&self) -> String {
        let mut out = String::new();
        for p in &self.prompts {
            let text = match p {
                Prompt::Say { text, .. } => text,
                Prompt::Play { text, .. } => text,
                Prompt::Pause { .. } => continue,
            };
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(text);
        }
        out
    }
}

/// Something the caller hears.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Prompt {
    /// Text spoken by the carrier's own voice.
    Say {
        /// The text.
        text: String,
        /// Carrier voice name (e.g. `Polly.Joanna-Neural`); carrier default when `None`.
        voice: Option<String>,
        /// Language.
        language: Language,
    },
    /// Synthesized audio the carrier fetches from the server's audio route.
    Play {
        /// Which audio.
        audio: AudioId,
        /// The text it says (kept for transcripts; not sent to the carrier).
        text: String,
    },
    /// Silence.
    Pause {
        /// Seconds.
        seconds: u8,
    },
}

impl fmt::Debug for Prompt {
    // Prompt text may carry order details; Debug shows its size only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Prompt::Say { text, voice, .. } => {
                write!(f, "Say({} chars, voice {:?})", text.chars().count(), voice)
            }
            Prompt::Play { audio, .. } => write!(f, "Play({audio})"),
            Prompt::Pause { seconds } => write!(f, "Pause({seconds}s)"),
        }
    }
}

/// What happens after the prompts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Next {
    /// Listen for speech and/or keypad input.
    Listen(ListenSpec),
    /// Transfer the call to a human.
    Transfer(TransferSpec),
    /// End the call.
    HangUp,
    /// Come straight back, without listening, for the next step: the caller
    /// was told to hold on while a lookup waits its turn. The carrier answers
    /// with a [`CallEventKind::Resumed`](crate::provider::CallEventKind::Resumed)
    /// event (Twilio: a `<Redirect>` to the gather URL, marked as a resume).
    Continue,
}

/// How to listen for the caller's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListenSpec {
    /// Accept speech.
    pub speech: bool,
    /// Accept keypad digits.
    pub keypad: bool,
    /// Seconds of silence before giving up (the carrier then reports no input).
    pub timeout_secs: u8,
    /// The key that ends keypad entry (`#`), if any.
    pub finish_on_key: Option<char>,
    /// Stop after this many digits, when the expected answer has a fixed length.
    pub num_digits: Option<u8>,
    /// Words and phrases the recognizer should expect.
    pub hints: Vec<String>,
    /// Recognition language.
    pub language: Language,
    /// What the conversation expects (carriers may tune recognition for it).
    pub expected: ExpectedEntity,
}

/// Where and how to transfer a call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransferSpec {
    /// The human's number.
    pub to: PhoneNumber,
    /// The caller ID to present, if not the carrier default.
    pub caller_id: Option<PhoneNumber>,
    /// Seconds to ring before giving up.
    pub timeout_secs: u16,
}
