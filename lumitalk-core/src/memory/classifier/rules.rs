//! Keyword rules: which phrases signal which intent.
//!
//! Phrases are matched as whole-word sequences on normalized words (contractions
//! expanded, so "that's right" is written "that is right"). A trailing `*`
//! matches any word starting with the prefix.

/// Whether `phrase` occurs in `words` as a run of whole words.
pub(super) fn has_phrase(words: &[String], phrase: &str) -> bool {
    let parts: Vec<&str> = phrase.split_whitespace().collect();
    if parts.is_empty() || parts.len() > words.len() {
        return false;
    }
    words.windows(parts.len()).any(|window| {
        window
            .iter()
            .zip(&parts)
            .all(|(w, p)| match p.strip_suffix('*') {
                Some(prefix) => w.starts_with(prefix),
                None => w == p,
            })
    })
}

/// Whether any of `phrases` occurs in `words`.
pub(super) fn has_any(words: &[String], phrases: &[&str]) -> bool {
    phrases.iter().any(|p| has_phrase(words, p))
}

/// How many words match one of `phrases` (single-word phrases only).
pub(super) fn count_words(words: &[String], phrases: &[&str]) -> usize {
    words
        .iter()
        .filter(|w| phrases.contains(&w.as_str()))
        .count()
}

pub(super) const HUMAN: &[&str] = &[
    "representative",
    "representatives",
    "agent",
    "agents",
    "operator",
    "human",
    "humans",
    "real person",
    "live person",
    "actual person",
    "a person",
    "speak to someone",
    "talk to someone",
    "speak with someone",
    "talk with someone",
    "speak to somebody",
    "talk to somebody",
    "customer service",
    "customer support",
    "manager",
    "supervisor",
    "somebody real",
    "someone real",
];

/// Single words of [`HUMAN`], counted to notice "agent agent agent".
pub(super) const HUMAN_WORDS: &[&str] = &["representative", "agent", "operator", "human"];

pub(super) const REPEAT: &[&str] = &[
    "repeat",
    "say that again",
    "say it again",
    "say again",
    "come again",
    "pardon",
    "one more time",
    "what did you say",
    "did not catch",
    "did not hear",
    "could not hear",
    "can not hear",
    "what was that",
    "sorry what",
];

/// Single-word utterances that ask to hear it again.
pub(super) const REPEAT_ALONE: &[&str] = &["what", "huh", "sorry", "again", "pardon"];

pub(super) const CANCEL: &[&str] = &[
    "cancel",
    "cancellation",
    "cancelling",
    "canceling",
    "stop my order",
    "stop the order",
    "do not want it anymore",
    "do not want the order",
];

pub(super) const REFUND: &[&str] = &[
    "refund",
    "refunds",
    "refunded",
    "return",
    "returns",
    "returning",
    "exchange",
    "money back",
    "send it back",
    "send back",
    "send this back",
    "store credit",
];

pub(super) const ADDRESS: &[&str] = &["address", "addresses"];

pub(super) const ADDRESS_CHANGE: &[&str] = &[
    "change",
    "changing",
    "update",
    "updating",
    "wrong",
    "different",
    "new",
    "fix",
    "correct",
    "edit",
    "moved",
    "incorrect",
];

pub(super) const ADDRESS_PHRASES: &[&str] = &[
    "ship it to a different",
    "ship to a different",
    "deliver it to a different",
    "send it to a different",
    "change where",
];

pub(super) const GOODBYE: &[&str] = &[
    "bye",
    "goodbye",
    "good bye",
    "bye bye",
    "that is all",
    "that is it",
    "that will be all",
    "that is everything",
    "nothing else",
    "i am done",
    "i am all set",
    "all set",
    "hang up",
    "have a good day",
    "have a nice day",
    "have a great day",
];

/// Answers that end the call only after "anything else?".
pub(super) const GOODBYE_AFTER_ANYTHING_ELSE: &[&str] = &[
    "no",
    "nope",
    "nah",
    "no thanks",
    "no thank you",
    "i am good",
    "i am fine",
    "that is fine",
    "thank you",
    "thanks",
    "not really",
];

/// Words of a prompt that asks whether the caller needs anything else.
pub(super) const ANYTHING_ELSE_PROMPT: &[&str] = &[
    "anything else",
    "something else",
    "else i can",
    "else can i",
];

pub(super) const YES: &[&str] = &[
    "yes",
    "yeah",
    "yep",
    "yup",
    "ya",
    "yah",
    "yes please",
    "sure",
    "correct",
    "right",
    "that is right",
    "that is correct",
    "absolutely",
    "affirmative",
    "uh huh",
    "definitely",
    "of course",
    "please do",
    "ok",
    "okay",
    "sounds good",
    "go ahead",
];

pub(super) const NO: &[&str] = &[
    "no",
    "nope",
    "nah",
    "negative",
    "incorrect",
    "wrong",
    "that is wrong",
    "not really",
    "not right",
    "that is not right",
    "that is not correct",
    "no thanks",
    "no thank you",
    "not that one",
];

/// "I don't know / don't have it" while asked for an order number or verification.
pub(super) const DONT_KNOW: &[&str] = &[
    "do not know",
    "do not have",
    "not sure",
    "can not find",
    "no idea",
    "do not remember",
    "lost it",
];

/// Phrases that clearly ask where an order is.
pub(super) const STATUS_STRONG: &[&str] = &[
    "where is my",
    "where is the",
    "where is it",
    "where are my",
    "order status",
    "status of my",
    "status of the",
    "track",
    "tracking",
    "has it shipped",
    "did it ship",
    "when will it",
    "when will my",
    "when is my",
    "when does my",
    "not arrived",
    "not received",
    "has not come",
    "never arrived",
    "never came",
    "never got",
    "did not get",
    "did not receive",
];

/// Words that suggest an order question.
pub(super) const STATUS_WEAK: &[&str] = &[
    "order",
    "orders",
    "package",
    "packages",
    "parcel",
    "shipment",
    "stuff",
    "delivery",
    "delivered",
    "arrive",
    "arrived",
    "arriving",
    "shipped",
    "shipping",
    "status",
    "purchase",
];

pub(super) const UPSET: &[&str] = &[
    "ridiculous",
    "terrible",
    "awful",
    "horrible",
    "worst",
    "useless",
    "stupid",
    "idiot",
    "frustrated",
    "frustrating",
    "angry",
    "furious",
    "unacceptable",
    "pathetic",
    "fed up",
    "sick of",
    "sick and tired",
    "waste of time",
    "what the hell",
    "damn",
    "dammit",
    "goddamn",
    "crap",
    "crappy",
    "shit*",
    "bullshit",
    "fuck*",
    "motherfuck*",
    "wtf",
    "pissed",
    "screw this",
    "scam",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn matches_whole_word_runs_and_prefixes() {
        assert!(has_phrase(&w("i want a real person now"), "real person"));
        assert!(!has_phrase(&w("a really personal question"), "real person"));
        assert!(has_phrase(&w("this is fucking ridiculous"), "fuck*"));
        assert!(!has_phrase(&w("agent"), ""));
        assert!(!has_phrase(&w(""), "agent"));
        assert!(has_any(&w("please return it"), REFUND));
        assert_eq!(count_words(&w("agent agent human"), HUMAN_WORDS), 3);
    }
}
