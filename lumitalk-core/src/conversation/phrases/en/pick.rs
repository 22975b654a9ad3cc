//! Which listed order the caller's words pick: "the second one", "the last one",
//! "the one from November" (optionally "November 3rd").

use super::super::When;
use crate::conversation::summary::OrderBrief;

const MONTHS: [&[&str]; 12] = [
    &["january", "jan"],
    &["february", "feb"],
    &["march"],
    &["april", "apr"],
    &["may"],
    &["june"],
    &["july"],
    &["august", "aug"],
    &["september", "sept", "sep"],
    &["october", "oct"],
    &["november", "nov"],
    &["december", "dec"],
];

/// A position word: 1-based, or `usize::MAX` for "the last one".
fn position(word: &str) -> Option<usize> {
    Some(match word {
        "first" | "1st" | "newest" | "latest" | "recent" | "top" => 1,
        "second" | "2nd" => 2,
        "third" | "3rd" => 3,
        "fourth" | "4th" => 4,
        "fifth" | "5th" => 5,
        "last" | "oldest" | "bottom" => usize::MAX,
        _ => return None,
    })
}

/// A day of the month said as "3rd", "3", "twenty-fourth" is not read (digits only).
fn day(word: &str) -> Option<u8> {
    let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &word[digits.len()..];
    if digits.is_empty() || !matches!(suffix, "" | "st" | "nd" | "rd" | "th") {
        return None;
    }
    digits.parse().ok().filter(|d| (1..=31).contains(d))
}

/// The 0-based index of the order the caller picked, if the words pick exactly one.
pub(super) fn pick(said: &str, orders: &[OrderBrief], when: When<'_>) -> Option<usize> {
    let lower = said.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    // A month first: "the one from November 3rd" names a date, not the third order.
    let month = words
        .iter()
        .find_map(|w| MONTHS.iter().position(|names| names.contains(w)))
        .map(|i| i as u8 + 1);
    if let Some(month) = month {
        let in_month: Vec<usize> = (0..orders.len())
            .filter(|&i| when.local(orders[i].placed_at).month == month)
            .collect();
        match in_month.as_slice() {
            [one] => return Some(*one),
            // "May I have the second one?": fall through to positions.
            [] => {}
            several => {
                let d = words.iter().find_map(|w| day(w))?;
                let mut on_day = several
                    .iter()
                    .copied()
                    .filter(|&i| when.local(orders[i].placed_at).day == d);
                return match (on_day.next(), on_day.next()) {
                    (Some(i), None) => Some(i),
                    _ => None,
                };
            }
        }
    }
    let p = words.iter().find_map(|w| position(w))?;
    match p {
        usize::MAX => orders.len().checked_sub(1),
        n => (n <= orders.len()).then(|| n - 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{OrderNumber, StoreTimeZone, Timestamp};

    fn orders() -> Vec<OrderBrief> {
        [("1001", 11, 24), ("1002", 11, 3), ("1003", 10, 1)]
            .into_iter()
            .map(|(n, m, d)| OrderBrief {
                number: OrderNumber::from_digits(n).unwrap(),
                placed_at: Timestamp::from_civil(2025, m, d, 17, 0, 0),
            })
            .collect()
    }

    fn when() -> When<'static> {
        static NEW_YORK_WINTER: StoreTimeZone = StoreTimeZone::FixedOffset(-300);
        When {
            now: Timestamp::from_civil(2025, 11, 28, 15, 0, 0),
            zone: &NEW_YORK_WINTER,
        }
    }

    #[test]
    fn positions_months_and_days() {
        let o = orders();
        let p = |s| pick(s, &o, when());
        assert_eq!(p("the second one"), Some(1));
        assert_eq!(p("Second."), Some(1));
        assert_eq!(p("the 3rd"), Some(2));
        assert_eq!(p("the last one"), Some(2));
        assert_eq!(p("the first one"), Some(0));
        assert_eq!(p("the fifth one"), None);
        assert_eq!(p("the one from October"), Some(2));
        assert_eq!(p("the one from November"), None);
        assert_eq!(p("the one from November 3rd"), Some(1));
        assert_eq!(p("November 24"), Some(0));
        assert_eq!(p("the one from May"), None);
        assert_eq!(p("may I have the second one"), Some(1));
        assert_eq!(p("one"), None);
        assert_eq!(p("the one ending in 1001"), None);
        assert_eq!(p(""), None);
        assert_eq!(pick("the last one", &[], when()), None);
    }
}
