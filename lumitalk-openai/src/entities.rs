//! Checking what the model extracted. A model can be wrong; an entity that fails
//! its check is dropped (the conversation asks again) rather than failing the turn.

use lumitalk_core::{Entities, Language, OrderNumber, PhoneNumber, Region};

use crate::wire::ModelOutput;

/// Fewest and most letters/digits in a postal code worldwide (`"D6W"` .. `"SW1A 1AA"`,
/// US ZIP+4 `"94105-1234"`).
const POSTAL_MIN: usize = 3;
const POSTAL_MAX: usize = 10;
/// Most digits in a verification answer (a whole E.164 number at most).
const DIGITS_MAX: usize = 15;

/// The entities in `out` that pass their checks.
pub(crate) fn validated(out: &ModelOutput, language: &Language) -> Entities {
    Entities {
        order_number: out.order_number.as_deref().and_then(order_number),
        postal_code: out.postal_code.as_deref().and_then(postal_code),
        digits: out.digits.as_deref().and_then(digits),
        phone: out
            .phone_number
            .as_deref()
            .and_then(|p| phone(p, region(language))),
        yes_no: out.yes_no,
    }
}

/// `"#1001"`, `"10-01"` -> `1001`; 3 to 12 digits.
fn order_number(raw: &str) -> Option<OrderNumber> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    OrderNumber::from_digits(&digits).ok()
}

/// Letters, digits, spaces and dashes; 3 to 10 letters/digits, at least one digit
/// (every country's codes have one). Upper-cased, spaces collapsed.
fn postal_code(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    if !trimmed
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
    {
        return None;
    }
    let alnum = trimmed.chars().filter(char::is_ascii_alphanumeric).count();
    if !(POSTAL_MIN..=POSTAL_MAX).contains(&alnum) || !trimmed.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(
        trimmed
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_uppercase(),
    )
}

/// Digits only (spaces and dashes between them are dropped); 1 to 15 of them.
fn digits(raw: &str) -> Option<String> {
    let kept: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    (!kept.is_empty() && kept.len() <= DIGITS_MAX && kept.bytes().all(|b| b.is_ascii_digit()))
        .then_some(kept)
}

fn phone(raw: &str, region: Region) -> Option<PhoneNumber> {
    PhoneNumber::parse(raw, region).ok()
}

/// The numbering plan for national numbers, from the call language's region subtag
/// (`en-GB` -> UK). Unknown regions use North America; a national number that does
/// not fit is dropped, and numbers said with a country code parse anywhere.
pub(crate) fn region(language: &Language) -> Region {
    let tag = language.as_str();
    let country = tag
        .split(['-', '_'])
        .skip(1)
        .find(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_alphabetic()))
        .map(str::to_ascii_uppercase);
    match country.as_deref() {
        Some("GB") => Region::UK,
        Some("IE") => Region::new(353, Some(b'0')),
        Some("AU") => Region::new(61, Some(b'0')),
        Some("NZ") => Region::new(64, Some(b'0')),
        Some("DE") => Region::new(49, Some(b'0')),
        Some("AT") => Region::new(43, Some(b'0')),
        Some("CH") => Region::new(41, Some(b'0')),
        Some("FR") => Region::new(33, Some(b'0')),
        Some("NL") => Region::new(31, Some(b'0')),
        Some("BE") => Region::new(32, Some(b'0')),
        Some("ES") => Region::new(34, None),
        Some("IT") => Region::new(39, None),
        _ => Region::NANP,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(f: impl FnOnce(&mut ModelOutput)) -> ModelOutput {
        let mut o = ModelOutput {
            intent: "unknown".into(),
            order_number: None,
            postal_code: None,
            digits: None,
            phone_number: None,
            yes_no: None,
            confidence: 0.5,
            caller_upset: false,
        };
        f(&mut o);
        o
    }

    #[test]
    fn order_numbers_are_normalized_or_dropped() {
        assert_eq!(order_number("#1001").unwrap().digits(), "1001");
        assert_eq!(order_number("10-01").unwrap().digits(), "1001");
        assert_eq!(order_number("12"), None);
        assert_eq!(order_number("1234567890123"), None);
        assert_eq!(order_number("none"), None);
    }

    #[test]
    fn postal_codes_must_look_like_postal_codes() {
        assert_eq!(postal_code("94105").as_deref(), Some("94105"));
        assert_eq!(postal_code("94105-1234").as_deref(), Some("94105-1234"));
        assert_eq!(postal_code(" sw1a  1aa ").as_deref(), Some("SW1A 1AA"));
        assert_eq!(postal_code("12"), None);
        assert_eq!(postal_code("hello"), None);
        assert_eq!(postal_code("94105; DROP"), None);
        assert_eq!(postal_code("12345678901"), None);
    }

    #[test]
    fn digits_are_only_digits() {
        assert_eq!(digits("4 5 6 7").as_deref(), Some("4567"));
        assert_eq!(digits("45a7"), None);
        assert_eq!(digits(""), None);
        assert_eq!(digits("1234567890123456"), None);
    }

    #[test]
    fn phones_parse_in_the_call_region() {
        let us = Language::en_us();
        let e = validated(
            &output(|o| o.phone_number = Some("(415) 555-0123".into())),
            &us,
        );
        assert_eq!(e.phone.unwrap().as_e164(), "+14155550123");
        let gb = Language::new("en-GB");
        let e = validated(
            &output(|o| o.phone_number = Some("020 7946 0958".into())),
            &gb,
        );
        assert_eq!(e.phone.unwrap().as_e164(), "+442079460958");
        let e = validated(
            &output(|o| o.phone_number = Some("call me maybe".into())),
            &us,
        );
        assert_eq!(e.phone, None);
    }

    #[test]
    fn invalid_entities_are_dropped_valid_ones_kept() {
        let e = validated(
            &output(|o| {
                o.order_number = Some("12".into());
                o.postal_code = Some("94105".into());
                o.yes_no = Some(true);
            }),
            &Language::en_us(),
        );
        assert_eq!(e.order_number, None);
        assert_eq!(e.postal_code.as_deref(), Some("94105"));
        assert_eq!(e.yes_no, Some(true));
    }
}
