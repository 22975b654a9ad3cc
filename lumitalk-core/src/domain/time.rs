//! Wall-clock instants without a date library: a UTC timestamp in milliseconds,
//! RFC 3339 parsing/formatting and the civil (calendar) date the conversation
//! speaks ("Tuesday, December 2nd").

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A UTC instant, in milliseconds since the Unix epoch.
///
/// Serializes as an RFC 3339 string (`2026-11-20T14:03:11.000Z`) so exported
/// records read well; [`Timestamp::parse_rfc3339`] accepts any offset.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

/// A calendar date in UTC (or in the offset it was computed for).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CivilDate {
    /// Year, e.g. 2026.
    pub year: i32,
    /// Month, 1..=12.
    pub month: u8,
    /// Day of the month, 1..=31.
    pub day: u8,
    /// Day of the week.
    pub weekday: Weekday,
}

/// Day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    /// English name, e.g. "Tuesday".
    pub fn name(self) -> &'static str {
        match self {
            Weekday::Monday => "Monday",
            Weekday::Tuesday => "Tuesday",
            Weekday::Wednesday => "Wednesday",
            Weekday::Thursday => "Thursday",
            Weekday::Friday => "Friday",
            Weekday::Saturday => "Saturday",
            Weekday::Sunday => "Sunday",
        }
    }

    /// 0 for Monday .. 6 for Sunday.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Why a timestamp string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 3339 timestamp: {reason}")]
pub struct TimestampError {
    reason: &'static str,
}

const MS_PER_DAY: i64 = 86_400_000;

impl Timestamp {
    /// The Unix epoch.
    pub const EPOCH: Timestamp = Timestamp(0);

    /// From milliseconds since the Unix epoch.
    pub const fn from_unix_millis(ms: i64) -> Self {
        Timestamp(ms)
    }

    /// From whole seconds since the Unix epoch.
    pub const fn from_unix_seconds(s: i64) -> Self {
        Timestamp(s.saturating_mul(1000))
    }

    /// Milliseconds since the Unix epoch.
    pub const fn as_unix_millis(self) -> i64 {
        self.0
    }

    /// The current time from the system clock. Prefer an injected
    /// [`Clock`](crate::Clock) in code that must be testable.
    pub fn now_from_system() -> Self {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(d.as_millis() as i64)
    }

    /// A UTC timestamp from calendar fields.
    pub fn from_civil(year: i32, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> Self {
        let days = days_from_civil(year, month, day);
        Timestamp(
            days * MS_PER_DAY
                + (hour as i64) * 3_600_000
                + (minute as i64) * 60_000
                + (second as i64) * 1000,
        )
    }

    /// This instant plus `d` (saturating).
    pub fn plus(self, d: Duration) -> Self {
        Timestamp(
            self.0
                .saturating_add(d.as_millis().min(i64::MAX as u128) as i64),
        )
    }

    /// This instant minus `d` (saturating).
    pub fn minus(self, d: Duration) -> Self {
        Timestamp(
            self.0
                .saturating_sub(d.as_millis().min(i64::MAX as u128) as i64),
        )
    }

    /// Time elapsed from `earlier` to `self`; zero if `earlier` is later.
    pub fn since(self, earlier: Timestamp) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0).max(0) as u64)
    }

    /// The calendar date at a fixed UTC offset (minutes east of UTC).
    pub fn civil_date(self, utc_offset_minutes: i32) -> CivilDate {
        let local = self.0 + (utc_offset_minutes as i64) * 60_000;
        let days = local.div_euclid(MS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        // 1970-01-01 was a Thursday (index 3).
        let weekday = match (days + 3).rem_euclid(7) {
            0 => Weekday::Monday,
            1 => Weekday::Tuesday,
            2 => Weekday::Wednesday,
            3 => Weekday::Thursday,
            4 => Weekday::Friday,
            5 => Weekday::Saturday,
            _ => Weekday::Sunday,
        };
        CivilDate {
            year,
            month,
            day,
            weekday,
        }
    }

    /// Minutes since local midnight at a fixed UTC offset.
    pub fn minute_of_day(self, utc_offset_minutes: i32) -> u16 {
        let local = self.0 + (utc_offset_minutes as i64) * 60_000;
        (local.rem_euclid(MS_PER_DAY) / 60_000) as u16
    }

    /// Parses RFC 3339 / ISO 8601 date-times such as `2026-11-20T14:03:11Z`,
    /// `2026-11-20T14:03:11.250+01:00`, and plain dates `2026-11-20`.
    pub fn parse_rfc3339(s: &str) -> Result<Self, TimestampError> {
        let b = s.trim().as_bytes();
        let err = |reason| TimestampError { reason };
        let num = |range: std::ops::Range<usize>| -> Result<i64, TimestampError> {
            let part = b.get(range).ok_or(err("too short"))?;
            if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
                return Err(err("expected digits"));
            }
            Ok(part
                .iter()
                .fold(0i64, |acc, d| acc * 10 + (d - b'0') as i64))
        };
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(err("expected YYYY-MM-DD"));
        }
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year as i32, month as u8) as i64
        {
            return Err(err("date out of range"));
        }
        let days = days_from_civil(year as i32, month as u8, day as u8);
        if b.len() == 10 {
            return Ok(Timestamp(days * MS_PER_DAY));
        }
        if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 19 || b[13] != b':' || b[16] != b':' {
            return Err(err("expected THH:MM:SS"));
        }
        let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if h > 23 || mi > 59 || sec > 60 {
            return Err(err("time out of range"));
        }
        let mut i = 19;
        let mut millis = 0i64;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                if i - start < 3 {
                    millis = millis * 10 + (b[i] - b'0') as i64;
                }
                i += 1;
            }
            if i == start {
                return Err(err("empty fraction"));
            }
            for _ in (i - start)..3 {
                millis *= 10;
            }
        }
        let offset_ms = match b.get(i) {
            Some(b'Z') | Some(b'z') if i + 1 == b.len() => 0,
            Some(sign @ (b'+' | b'-')) if b.len() == i + 6 && b[i + 3] == b':' => {
                let oh = num(i + 1..i + 3)?;
                let om = num(i + 4..i + 6)?;
                let off = (oh * 60 + om) * 60_000;
                if *sign == b'+' { off } else { -off }
            }
            _ => return Err(err("expected Z or +HH:MM offset")),
        };
        Ok(Timestamp(
            days * MS_PER_DAY + h * 3_600_000 + mi * 60_000 + sec.min(59) * 1000 + millis
                - offset_ms,
        ))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(MS_PER_DAY);
        let ms = self.0.rem_euclid(MS_PER_DAY);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
            ms / 3_600_000,
            ms / 60_000 % 60,
            ms / 1000 % 60,
            ms % 1000
        )
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(d)?;
        Timestamp::parse_rfc3339(&s).map_err(serde::de::Error::custom)
    }
}

/// Days in a month of a (proleptic Gregorian) year.
pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

// Howard Hinnant's days-from-civil algorithm (public domain).
fn days_from_civil(y: i32, m: u8, d: u8) -> i64 {
    let y = if m <= 2 { y as i64 - 1 } else { y as i64 };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i32, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_shopify_timestamps() {
        let t = Timestamp::parse_rfc3339("2026-11-20T14:03:11Z").unwrap();
        assert_eq!(t.to_string(), "2026-11-20T14:03:11.000Z");
        let c = t.civil_date(0);
        assert_eq!(
            (c.year, c.month, c.day, c.weekday),
            (2026, 11, 20, Weekday::Friday)
        );
        let o = Timestamp::parse_rfc3339("2026-11-20T15:03:11.5+01:00").unwrap();
        assert_eq!(o.as_unix_millis(), t.as_unix_millis() + 500);
        assert_eq!(
            Timestamp::parse_rfc3339("2026-12-02")
                .unwrap()
                .civil_date(0)
                .weekday,
            Weekday::Wednesday
        );
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-02-30T00:00:00Z",
            "2026-11-20T14:03Z",
        ] {
            assert!(Timestamp::parse_rfc3339(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(ms in -2_000_000_000_000i64..8_000_000_000_000i64) {
            let t = Timestamp::from_unix_millis(ms);
            prop_assert_eq!(Timestamp::parse_rfc3339(&t.to_string()).unwrap(), t);
        }
    }
}
