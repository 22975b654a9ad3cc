//! Phone numbers: parsed into E.164, masked whenever they are printed.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The country a national number (without `+`) is assumed to be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region {
    calling_code: u16,
    trunk_prefix: Option<u8>,
    national_len: Option<u8>,
}

impl Region {
    /// The North American Numbering Plan (US, Canada, ...): `+1` and ten national digits.
    pub const NANP: Region = Region {
        calling_code: 1,
        trunk_prefix: Some(b'1'),
        national_len: Some(10),
    };
    /// The United Kingdom: `+44`, national numbers start with the trunk prefix `0`.
    pub const UK: Region = Region {
        calling_code: 44,
        trunk_prefix: Some(b'0'),
        national_len: None,
    };

    /// A region by its country calling code, with an optional trunk prefix digit
    /// (`0` in most of Europe) that national numbers carry and E.164 drops.
    pub const fn new(calling_code: u16, trunk_prefix: Option<u8>) -> Self {
        Region {
            calling_code,
            trunk_prefix,
            national_len: None,
        }
    }

    /// The country calling code, e.g. `1` or `44`.
    pub fn calling_code(&self) -> u16 {
        self.calling_code
    }
}

impl Default for Region {
    fn default() -> Self {
        Region::NANP
    }
}

/// Why a phone number was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PhoneNumberError {
    /// The input was empty or held no digits.
    #[error("phone number is empty")]
    Empty,
    /// The input held characters that never appear in a phone number.
    #[error("phone number contains an unexpected character")]
    InvalidCharacter,
    /// Too few or too many digits for the country or for E.164 (at most 15).
    #[error("phone number has {0} digits, which is not a valid length")]
    InvalidLength(usize),
    /// A North American number whose area code or exchange starts with 0 or 1.
    #[error("phone number is not a valid number in its numbering plan")]
    InvalidNumber,
}

/// A phone number in E.164 form (`+14155550123`).
///
/// `Display` and `Debug` mask all but the last three digits (`***123`), so a
/// number can be logged safely; [`PhoneNumber::as_e164`] gives the full number
/// for the places that need it (carrier APIs, order lookups, storage).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses E.164 (`+14155550123`), international (`0044 20 7946 0958`) and national
    /// forms in `region` (`(415) 555-0123`, `415.555.0123`, `14155550123`).
    ///
    /// Spaces, dots, dashes, slashes and parentheses are ignored; letters are rejected.
    pub fn parse(input: &str, region: Region) -> Result<Self, PhoneNumberError> {
        let trimmed = input.trim();
        let mut digits = String::with_capacity(16);
        let mut plus = false;
        for (i, c) in trimmed.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => plus = true,
                ' ' | '-' | '.' | '(' | ')' | '/' | '\u{a0}' => {}
                _ => return Err(PhoneNumberError::InvalidCharacter),
            }
        }
        if digits.is_empty() {
            return Err(PhoneNumberError::Empty);
        }
        if !plus && digits.starts_with("00") {
            digits.drain(..2);
            plus = true;
        }
        let e164_digits = if plus {
            digits
        } else {
            let cc = region.calling_code.to_string();
            match region.national_len {
                Some(n) if digits.len() == n as usize => format!("{cc}{digits}"),
                Some(n) if digits.len() == n as usize + cc.len() && digits.starts_with(&cc) => {
                    digits
                }
                Some(_) => return Err(PhoneNumberError::InvalidLength(digits.len())),
                None => {
                    let national = match region.trunk_prefix {
                        Some(p) if digits.as_bytes()[0] == p => &digits[1..],
                        _ => &digits[..],
                    };
                    format!("{cc}{national}")
                }
            }
        };
        Self::from_e164_digits(e164_digits)
    }

    /// Parses a number that must already be in E.164 form (`+` and 8 to 15 digits).
    pub fn parse_e164(input: &str) -> Result<Self, PhoneNumberError> {
        let rest = input
            .trim()
            .strip_prefix('+')
            .ok_or(PhoneNumberError::InvalidCharacter)?;
        if rest.is_empty() {
            return Err(PhoneNumberError::Empty);
        }
        if !rest.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PhoneNumberError::InvalidCharacter);
        }
        Self::from_e164_digits(rest.to_string())
    }

    fn from_e164_digits(digits: String) -> Result<Self, PhoneNumberError> {
        if !(8..=15).contains(&digits.len()) {
            return Err(PhoneNumberError::InvalidLength(digits.len()));
        }
        if digits.starts_with('0') {
            return Err(PhoneNumberError::InvalidNumber);
        }
        if let Some(national) = digits.strip_prefix('1') {
            let b = national.as_bytes();
            if b.len() != 10 {
                return Err(PhoneNumberError::InvalidLength(digits.len()));
            }
            if b[0] < b'2' || b[3] < b'2' {
                return Err(PhoneNumberError::InvalidNumber);
            }
        }
        let mut s = String::with_capacity(digits.len() + 1);
        s.push('+');
        s.push_str(&digits);
        Ok(PhoneNumber(s))
    }

    /// The full number in E.164 form. This is personal data: never log it.
    pub fn as_e164(&self) -> &str {
        &self.0
    }

    /// The national significant digits after `+`, e.g. `14155550123`.
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }

    /// The last `n` digits (all of them if the number is shorter).
    pub fn last_digits(&self, n: usize) -> &str {
        let d = self.digits();
        &d[d.len().saturating_sub(n)..]
    }

    /// The masked form used by `Display` and `Debug`: `***` and the last three digits.
    pub fn masked(&self) -> String {
        format!("***{}", self.last_digits(3))
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "***{}", self.last_digits(3))
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber(***{})", self.last_digits(3))
    }
}

impl std::str::FromStr for PhoneNumber {
    type Err = PhoneNumberError;
    /// Parses with the default region (NANP).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PhoneNumber::parse(s, Region::default())
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(d)?;
        PhoneNumber::parse(&s, Region::default()).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_common_forms() {
        let want = "+17143608361";
        for input in [
            "+1 (714) 360-8361",
            "714.360.8361",
            "17143608361",
            "(714) 360 8361",
            "+17143608361",
            "001 714 360 8361",
        ] {
            let p = PhoneNumber::parse(input, Region::NANP).unwrap();
            assert_eq!(p.as_e164(), want, "{input}");
        }
        let uk = PhoneNumber::parse("020 7946 0958", Region::UK).unwrap();
        assert_eq!(uk.as_e164(), "+442079460958");
    }

    #[test]
    fn rejects_garbage() {
        use PhoneNumberError::*;
        assert_eq!(PhoneNumber::parse("", Region::NANP), Err(Empty));
        assert_eq!(
            PhoneNumber::parse("anonymous", Region::NANP),
            Err(InvalidCharacter)
        );
        assert_eq!(
            PhoneNumber::parse("client:alice", Region::NANP),
            Err(InvalidCharacter)
        );
        assert_eq!(
            PhoneNumber::parse("12345", Region::NANP),
            Err(InvalidLength(5))
        );
        assert_eq!(
            PhoneNumber::parse("+1 011 555 0123", Region::NANP),
            Err(InvalidNumber)
        );
        assert!(PhoneNumber::parse("+1234567890123456", Region::NANP).is_err());
    }

    #[test]
    fn display_and_debug_are_masked() {
        let p = PhoneNumber::parse_e164("+14155550123").unwrap();
        assert_eq!(p.to_string(), "***123");
        assert_eq!(format!("{p:?}"), "PhoneNumber(***123)");
        assert_eq!(p.last_digits(4), "0123");
    }

    fn e164() -> impl Strategy<Value = String> {
        prop_oneof![
            "[2-9][0-9]{2}[2-9][0-9]{6}".prop_map(|n| format!("+1{n}")),
            "[2-9][0-9]{7,13}".prop_map(|n| format!("+{n}")),
        ]
    }

    proptest! {
        #[test]
        fn parse_format_round_trip(s in e164()) {
            let p = PhoneNumber::parse(&s, Region::NANP).unwrap();
            prop_assert_eq!(p.as_e164(), s.as_str());
            let again = PhoneNumber::parse(p.as_e164(), Region::UK).unwrap();
            prop_assert_eq!(again, p);
        }

        #[test]
        fn masking_shows_at_most_three_digits(s in e164()) {
            let p = PhoneNumber::parse(&s, Region::NANP).unwrap();
            for shown in [p.to_string(), format!("{p:?}"), p.masked()] {
                let digits = shown.chars().filter(char::is_ascii_digit).count();
                prop_assert!(digits <= 3, "{shown}");
            }
        }

        #[test]
        fn never_panics(s in "\\PC{0,24}") {
            let _ = PhoneNumber::parse(&s, Region::NANP);
            let _ = PhoneNumber::parse(&s, Region::UK);
        }
    }
}
