//! Checking a caller's answer to a verification challenge.
//!
//! One answer tests one value: the single candidate read from it (what was
//! keyed; for speech, the classifier's postal code, else its order number or
//! digits, else the digits said, else the words' letters and digits). The
//! candidate matches when it is the order's postal code, or, for an order
//! without one, exactly the last four digits of its phone. Spoken digit words
//! ("nine four one oh five") are read as digits.

use super::summary::Checks;
use crate::domain::Entities;

/// The one value a spoken answer offers to a challenge, if any.
pub(crate) fn spoken_candidate(entities: &Entities, text: &str) -> Option<String> {
    let entity = entities
        .postal_code
        .clone()
        .or_else(|| {
            entities
                .order_number
                .as_ref()
                .map(|n| n.digits().to_string())
        })
        .or_else(|| entities.digits.clone())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    if entity.is_some() {
        return entity;
    }
    let digits = spoken_digits(text);
    if digits.len() >= 3 {
        return Some(digits);
    }
    let token: String = text
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let postcode_like =
        (3..=10).contains(&token.len()) && token.chars().any(|c| c.is_ascii_digit());
    postcode_like.then_some(token)
}

/// Whether the candidate is the order's postal code or (for an order without
/// one) its phone's last four digits.
pub(crate) fn matches(checks: &Checks, candidate: &str) -> bool {
    let postal = checks
        .postal_code
        .as_ref()
        .is_some_and(|z| z.matches(candidate));
    let digits: String = candidate.chars().filter(char::is_ascii_digit).collect();
    let last4 = checks
        .phone_last4
        .as_deref()
        .is_some_and(|l| l.len() == 4 && digits == l);
    postal || last4
}

/// Whether the caller attempted an answer (a candidate with at least three
/// digits, or a postal-code-like token), as opposed to "um, let me check".
pub(crate) fn is_attempt(candidate: Option<&str>) -> bool {
    candidate.is_some_and(|c| {
        let digits = c.chars().filter(char::is_ascii_digit).count();
        digits >= 3 || (c.len() >= 3 && c.chars().any(|ch| ch.is_ascii_digit()))
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
            phone_last4: None,
        }
    }

    fn said(text: &str) -> Option<String> {
        spoken_candidate(&Entities::default(), text)
    }

    #[test]
    fn one_answer_is_one_candidate() {
        let c = checks();
        for yes in [
            "94105",
            "nine four one oh five",
            "it's 9 4 1 0 5",
            "94105-1234",
        ] {
            assert!(matches(&c, &said(yes).unwrap()), "{yes}");
        }
        for no in ["94106", "the zip is 94106 or 94105", "94105 94106 94107"] {
            assert!(!said(no).is_some_and(|s| matches(&c, &s)), "{no}");
        }
        let entities = Entities {
            postal_code: Some("94107".into()),
            digits: Some("94105".into()),
            ..Entities::default()
        };
        assert_eq!(
            spoken_candidate(&entities, "94105").as_deref(),
            Some("94107")
        );
        assert!(!matches(&Checks::default(), "94105"));
    }

    #[test]
    fn last_four_only_where_set() {
        let c = Checks {
            phone_last4: Some("0123".into()),
            ..Checks::default()
        };
        assert!(matches(&c, &said("zero one two three").unwrap()));
        assert!(matches(&c, "0123"));
        assert!(!matches(&c, "1234"));
        assert!(!matches(&checks(), "0123"));
    }

    #[test]
    fn alphanumeric_postcodes_are_one_token() {
        let c = Checks {
            postal_code: Some(PostalCode::new("SW1A 1AA")),
            ..Checks::default()
        };
        assert!(matches(&c, &said("sw1a 1aa").unwrap()));
        assert!(!matches(&c, &said("sw1a 1ab").unwrap()));
    }

    #[test]
    fn attempts_are_told_from_hesitation() {
        assert!(is_attempt(said("94106").as_deref()));
        assert!(is_attempt(said("nine four one").as_deref()));
        assert!(!is_attempt(said("um let me check").as_deref()));
        assert!(!is_attempt(said("").as_deref()));
    }

    #[test]
    fn spoken_digits_read_words() {
        assert_eq!(spoken_digits("nine four one oh five"), "94105");
        assert_eq!(spoken_digits("it's 0123."), "0123");
        assert_eq!(spoken_digits("hello"), "");
    }
}
