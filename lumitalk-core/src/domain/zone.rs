//! A store's time zone: an IANA zone (`America/New_York`, with its daylight
//! saving rules, from the bundled tz database) or a fixed UTC offset.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Timestamp;

/// Where a store's clocks are: the zone its opening hours are written in and
/// dates are spoken in.
#[derive(Clone, Default)]
pub enum StoreTimeZone {
    /// UTC.
    #[default]
    Utc,
    /// A fixed offset, in minutes east of UTC (no daylight saving time).
    FixedOffset(i32),
    /// An IANA zone, daylight saving time included.
    Iana(IanaZone),
}

/// An IANA time zone and its name.
#[derive(Clone)]
pub struct IanaZone {
    name: String,
    zone: jiff::tz::TimeZone,
}

impl fmt::Debug for IanaZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// A day in the store's calendar (`2026-12-25`), e.g. a holiday it is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CalendarDate {
    /// Year, e.g. 2026.
    pub year: i32,
    /// Month, 1..=12.
    pub month: u8,
    /// Day of the month, 1..=31.
    pub day: u8,
}

/// Text that is not a `YYYY-MM-DD` date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a date like 2026-12-25")]
pub struct InvalidDate(pub String);

impl CalendarDate {
    /// The date at `at` in `zone`.
    pub fn at(at: Timestamp, zone: &StoreTimeZone) -> Self {
        let d = at.civil_date(zone.offset_minutes_at(at));
        CalendarDate {
            year: d.year,
            month: d.month,
            day: d.day,
        }
    }
}

impl std::str::FromStr for CalendarDate {
    type Err = InvalidDate;

    fn from_str(s: &str) -> Result<Self, InvalidDate> {
        let d: jiff::civil::Date = s.trim().parse().map_err(|_| InvalidDate(s.to_string()))?;
        Ok(CalendarDate {
            year: i32::from(d.year()),
            month: d.month() as u8,
            day: d.day() as u8,
        })
    }
}

impl fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for CalendarDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CalendarDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// A zone name the tz database does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an IANA time zone (like America/New_York)")]
pub struct UnknownTimeZone(pub String);

impl StoreTimeZone {
    /// The IANA zone named `name` (`America/Los_Angeles`), or `UTC`.
    ///
    /// # Errors
    /// [`UnknownTimeZone`] when the bundled tz database has no such zone.
    pub fn named(name: &str) -> Result<Self, UnknownTimeZone> {
        let name = name.trim();
        if name.eq_ignore_ascii_case("utc") {
            return Ok(StoreTimeZone::Utc);
        }
        jiff::tz::TimeZone::get(name)
            .map(|zone| {
                StoreTimeZone::Iana(IanaZone {
                    name: name.to_string(),
                    zone,
                })
            })
            .map_err(|_| UnknownTimeZone(name.to_string()))
    }

    /// The offset from UTC, in minutes, in effect at `at`.
    pub fn offset_minutes_at(&self, at: Timestamp) -> i32 {
        match self {
            StoreTimeZone::Utc => 0,
            StoreTimeZone::FixedOffset(m) => *m,
            StoreTimeZone::Iana(z) => {
                let Ok(t) = jiff::Timestamp::from_millisecond(at.as_unix_millis()) else {
                    return 0;
                };
                z.zone.to_offset(t).seconds() / 60
            }
        }
    }

    /// The zone's name: `UTC`, `UTC-05:00`, or the IANA name.
    pub fn name(&self) -> String {
        match self {
            StoreTimeZone::Utc => "UTC".into(),
            StoreTimeZone::FixedOffset(m) => {
                let sign = if *m < 0 { '-' } else { '+' };
                format!("UTC{sign}{:02}:{:02}", m.abs() / 60, m.abs() % 60)
            }
            StoreTimeZone::Iana(z) => z.name.clone(),
        }
    }
}

impl fmt::Debug for StoreTimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl PartialEq for StoreTimeZone {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (StoreTimeZone::Iana(a), StoreTimeZone::Iana(b)) => a.name == b.name,
            (StoreTimeZone::Utc, StoreTimeZone::Utc) => true,
            (StoreTimeZone::FixedOffset(a), StoreTimeZone::FixedOffset(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for StoreTimeZone {}

/// Serialized as its name (`America/New_York`, `UTC`) or, for a fixed offset,
/// as the number of minutes.
impl Serialize for StoreTimeZone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            StoreTimeZone::FixedOffset(m) => s.serialize_i32(*m),
            other => s.serialize_str(&other.name()),
        }
    }
}

impl<'de> Deserialize<'de> for StoreTimeZone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Minutes(i32),
            Name(String),
        }
        match Repr::deserialize(d)? {
            Repr::Minutes(m) => Ok(StoreTimeZone::FixedOffset(m)),
            Repr::Name(n) => StoreTimeZone::named(&n).map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_york_observes_daylight_saving_time() {
        let ny = StoreTimeZone::named("America/New_York").unwrap();
        let july = Timestamp::from_civil(2026, 7, 15, 20, 30, 0);
        let january = Timestamp::from_civil(2026, 1, 15, 21, 30, 0);
        assert_eq!(ny.offset_minutes_at(july), -240);
        assert_eq!(ny.offset_minutes_at(january), -300);
        assert_eq!(ny.name(), "America/New_York");
    }

    #[test]
    fn names_and_offsets() {
        assert_eq!(StoreTimeZone::named("utc").unwrap(), StoreTimeZone::Utc);
        assert!(StoreTimeZone::named("Mars/Olympus_Mons").is_err());
        assert_eq!(StoreTimeZone::FixedOffset(-480).name(), "UTC-08:00");
        assert_eq!(StoreTimeZone::FixedOffset(330).name(), "UTC+05:30");
        let t = Timestamp::from_civil(2026, 3, 1, 0, 0, 0);
        assert_eq!(StoreTimeZone::FixedOffset(-480).offset_minutes_at(t), -480);
    }

    #[test]
    fn calendar_dates_parse_and_follow_the_zone() {
        let d: CalendarDate = "2026-12-25".parse().unwrap();
        assert_eq!((d.year, d.month, d.day), (2026, 12, 25));
        assert_eq!(d.to_string(), "2026-12-25");
        assert!("25/12/2026".parse::<CalendarDate>().is_err());
        assert!("2026-02-30".parse::<CalendarDate>().is_err());
        // 03:00 UTC on the 26th is still the 25th in New York.
        let ny = StoreTimeZone::named("America/New_York").unwrap();
        let t = Timestamp::from_civil(2026, 12, 26, 3, 0, 0);
        assert_eq!(CalendarDate::at(t, &ny), d);
    }

    #[test]
    fn serde_round_trips() {
        for zone in [
            StoreTimeZone::Utc,
            StoreTimeZone::FixedOffset(-300),
            StoreTimeZone::named("Europe/Berlin").unwrap(),
        ] {
            let json = serde_json::to_string(&zone).unwrap();
            let back: StoreTimeZone = serde_json::from_str(&json).unwrap();
            assert_eq!(back, zone, "{json}");
        }
        assert!(serde_json::from_str::<StoreTimeZone>("\"Nowhere/Land\"").is_err());
    }
}
