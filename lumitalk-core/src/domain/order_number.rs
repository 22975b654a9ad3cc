//! Order numbers as callers say or key them.

use std::fmt;

use super::spoken_digits::{digit_word, is_oh};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why some text is not an order number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OrderNumberError {
    /// No digits were found.
    #[error("no order number found")]
    NoDigits,
    /// Digits were found, but too few or too many.
    #[error("an order number has {min} to {max} digits, found {found}")]
    InvalidLength {
        /// Digits found.
        found: usize,
        /// Fewest digits accepted.
        min: usize,
        /// Most digits accepted.
        max: usize,
    },
    /// Words other than digits and filler were present.
    #[error("unexpected word in order number")]
    UnexpectedWord,
}

/// A store's order number: the digits of the name shoppers see (`#1001` → `1001`).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrderNumber(String);

/// Fewest digits accepted in an order number.
pub const ORDER_NUMBER_MIN_DIGITS: usize = 3;
/// Most digits accepted in an order number.
pub const ORDER_NUMBER_MAX_DIGITS: usize = 12;

const FILLER: &[&str] = &[
    "order", "orders", "number", "no", "num", "is", "it", "it's", "its", "my", "the", "a", "an",
    "um", "uh", "er", "hash", "pound", "sign", "hashtag", "that's", "thats", "please", "yes", "so",
    "okay", "ok", "and", "of", "was", "i", "think",
];

impl OrderNumber {
    /// Normalizes what a caller said or keyed: `#1001`, `1001`, `order 1001`,
    /// `one zero zero one`, `one oh oh one`, `10-01`, `1 0 0 1`, `order number is 1001`.
    ///
    /// Rejects text with other words in it ("my order from Tuesday") and digit runs
    /// outside 3..=12 digits.
    pub fn parse(input: &str) -> Result<Self, OrderNumberError> {
        let lower = input.to_lowercase();
        let mut digits = String::new();
        // "double five" / "triple zero": how many times the next digit repeats.
        let mut repeat = 1;
        for raw in
            lower.split(|c: char| c.is_whitespace() || matches!(c, ',' | '-' | '.' | '?' | '!'))
        {
            let word = raw.trim_matches(|c: char| matches!(c, '#' | ':' | '"' | '\'' | ';'));
            if word.is_empty() {
                continue;
            }
            let run: Option<String> = if word.bytes().all(|b| b.is_ascii_digit()) {
                Some(word.to_string())
            } else if let Some(d) = digit_word(word).or(is_oh(word).then_some('0')) {
                // "oh" before any digit is filler ("oh, it's 1001"): order numbers
                // do not start with a zero.
                if word == "oh" && digits.is_empty() && repeat == 1 {
                    continue;
                }
                Some(d.to_string())
            } else {
                None
            };
            match (run, word) {
                (Some(run), _) => {
                    let mut chars = run.chars();
                    if let Some(first) = chars.next() {
                        for _ in 0..repeat {
                            digits.push(first);
                        }
                    }
                    digits.extend(chars);
                    repeat = 1;
                }
                (None, "double") if repeat == 1 => repeat = 2,
                (None, "triple") if repeat == 1 => repeat = 3,
                (None, w) if FILLER.contains(&w) && repeat == 1 => {}
                _ => return Err(OrderNumberError::UnexpectedWord),
            }
        }
        if repeat != 1 {
            return Err(OrderNumberError::UnexpectedWord);
        }
        Self::from_digits(&digits)
    }

    /// An order number from a string of ASCII digits.
    pub fn from_digits(digits: &str) -> Result<Self, OrderNumberError> {
        if digits.is_empty() {
            return Err(OrderNumberError::NoDigits);
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(OrderNumberError::UnexpectedWord);
        }
        let n = digits.len();
        if !(ORDER_NUMBER_MIN_DIGITS..=ORDER_NUMBER_MAX_DIGITS).contains(&n) {
            return Err(OrderNumberError::InvalidLength {
                found: n,
                min: ORDER_NUMBER_MIN_DIGITS,
                max: ORDER_NUMBER_MAX_DIGITS,
            });
        }
        Ok(OrderNumber(digits.to_string()))
    }

    /// The digits, e.g. `1001`.
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// The last `n` digits, for "the order ending in 1001".
    pub fn last_digits(&self, n: usize) -> &str {
        &self.0[self.0.len().saturating_sub(n)..]
    }
}

impl fmt::Display for OrderNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

impl fmt::Debug for OrderNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OrderNumber({})", self.0)
    }
}

impl std::str::FromStr for OrderNumber {
    type Err = OrderNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrderNumber::parse(s)
    }
}

impl Serialize for OrderNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for OrderNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(d)?;
        OrderNumber::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalizes_spoken_and_keyed_forms() {
        for input in [
            "#1001",
            "1001",
            "order 1001",
            "Order number is 1001.",
            "one zero zero one",
            "one oh oh one",
            "1 0 0 1",
            "10-01",
            "it's one double zero one",
            "um, my order number is 1 0 0 1",
        ] {
            assert_eq!(
                OrderNumber::parse(input).unwrap().digits(),
                "1001",
                "{input}"
            );
        }
    }

    #[test]
    fn rejects_non_numbers() {
        assert_eq!(
            OrderNumber::parse("where is my stuff"),
            Err(OrderNumberError::UnexpectedWord)
        );
        assert_eq!(OrderNumber::parse("order"), Err(OrderNumberError::NoDigits));
        assert!(matches!(
            OrderNumber::parse("12"),
            Err(OrderNumberError::InvalidLength { found: 2, .. })
        ));
        assert!(OrderNumber::parse("1001 OR status:any").is_err());
        assert!(OrderNumber::parse("1234567890123").is_err());
    }

    proptest! {
        #[test]
        fn digits_round_trip(d in "[0-9]{3,12}") {
            let n = OrderNumber::parse(&d).unwrap();
            prop_assert_eq!(n.digits(), d.as_str());
            prop_assert_eq!(OrderNumber::parse(&n.to_string()).unwrap(), n);
        }

        #[test]
        fn spoken_digits_round_trip(d in "[0-9]{3,12}") {
            const WORDS: [&str; 10] = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
            let spoken: Vec<&str> = d.bytes().map(|b| WORDS[(b - b'0') as usize]).collect();
            let n = OrderNumber::parse(&spoken.join(" ")).unwrap();
            prop_assert_eq!(n.digits(), d.as_str());
        }

        #[test]
        fn output_is_only_digits(s in "\\PC{0,40}") {
            if let Ok(n) = OrderNumber::parse(&s) {
                prop_assert!(n.digits().bytes().all(|b| b.is_ascii_digit()));
                prop_assert!((3..=12).contains(&n.digits().len()));
            }
        }
    }
}
