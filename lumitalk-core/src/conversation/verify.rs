//! Checking a caller's answer to a verification challenge.
//!
//! An answer matches when any reading of it (a postal code, or exactly four digits
//! for the phone's last four) equals what the order holds. Spoken digit words
//! ("nine four one oh five") are read as digits.

use super::summary::Checks;

/// Readings of a caller's answer: the raw text, its alphanumerics, and its digits
/// (spoken digit words included).
pub(crate) fn readings(answers: &[&str]) -> Vec<String> {
    let mut out = Vec::with_capacity(answers.len() * 2);
    for a in answers {
        let a = a.trim();
        if a.is_empty() {
            continue;
        }
        out.push(a.to_string());
        let digits = spoken_digits(a);
        if !digits.is_empty() {
            out.push(digits);
        }
    }
    out.dedup();
    out
}

/// Whether any reading matches the order's postal code or phone's last four digits.
pub(crate) fn matches(checks: &Checks, readings: &[String]) -> bool {
    readings.iter().any(|r| {
        let postal = checks.postal_code.as_ref().is_some_and(|z| z.matches(r));
        let digits: String = r.chars().filter(char::is_ascii_digit).collect();
        let last4 = checks
            .phone_last4
            .as_deref()
            .is_some_and(|l| l.len() == 4 && digits == l);
        postal || last4
    })
}

/// Whether the caller attempted an answer (something with at least three digits or
/// a postal-code-like token), as opposed to "um, let me check".
pub(crate) fn is_attempt(readings: &[String]) -> bool {
    readings.iter().any(|r| {
        let digits = r.chars().filter(char::is_ascii_digit).count();
        digits >= 3
            || r.split_whitespace().any(|w| {
                w.len() >= 3
                    && w.chars().any(|c| c.is_ascii_digit())
                    && w.chars().all(|c| c.is_ascii_alphanumeric())
            })
    })
}

/// The digits in a text, with spoken digit words read as digits:
/// `"nine four one oh five"` → `"94105"`, `"it's 0123"` → `"0123"` (the one
/// reading of spoken digits, [`crate::domain::spoken_digits`]).
pub(crate) fn spoken_digits(text: &str) -> String {
    crate::domain::spoken_digits::all_digits(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PostalCode;

    fn checks() -> Checks {
        Checks {
            caller_matches: false,
            postal_code: Some(PostalCode::new("94105")),
            phone_last4: Some("0123".into()),
        }
    }

    #[test]
    fn postal_codes_and_last_four_match() {
        let c = checks();
        assert!(matches(&c, &readings(&["94105"])));
        assert!(matches(&c, &readings(&["nine four one oh five"])));
        assert!(matches(&c, &readings(&["it's 9 4 1 0 5"])));
        assert!(matches(&c, &readings(&["0123"])));
        assert!(matches(&c, &readings(&["zero one two three"])));
        assert!(!matches(&c, &readings(&["94106"])));
        assert!(!matches(&c, &readings(&["1234"])));
        assert!(!matches(
            &c,
            &readings(&["the zip is 94106 and phone 0123 99"])
        ));
        assert!(!matches(&Checks::default(), &readings(&["94105"])));
    }

    #[test]
    fn attempts_are_told_from_hesitation() {
        assert!(is_attempt(&readings(&["94106"])));
        assert!(is_attempt(&readings(&["nine four one"])));
        assert!(!is_attempt(&readings(&["um let me check"])));
        assert!(!is_attempt(&readings(&[""])));
    }

    #[test]
    fn spoken_digits_read_words() {
        assert_eq!(spoken_digits("nine four one oh five"), "94105");
        assert_eq!(spoken_digits("it's 0123."), "0123");
        assert_eq!(spoken_digits("hello"), "");
    }
}
