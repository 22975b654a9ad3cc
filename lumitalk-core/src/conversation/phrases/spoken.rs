//! Formatting for the ear: numbers read digit by digit, tracking numbers in small
//! groups, dates as "Tuesday, December 2nd", money as "forty-nine dollars and
//! ninety cents".
//!
//! The grouping helpers are language-neutral; the word helpers (`*_en`) are
//! English. Another language adds its own word helpers beside its phrase file.

use crate::domain::{Money, Timestamp};

/// Characters separated by spaces, so both a carrier voice and a synthesized voice
/// read them one by one: `"1001"` → `"1 0 0 1"`.
pub fn spaced(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars().filter(|c| c.is_ascii_alphanumeric()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// A tracking number in groups of four, characters spaced, groups separated by
/// commas (a pause): `"1Z999AA1"` → `"1 Z 9 9, 9 A A 1"`.
pub fn tracking_groups(tracking: &str) -> String {
    let chars: Vec<char> = tracking
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let groups: Vec<String> = chars
        .chunks(4)
        .map(|g| spaced(&g.iter().collect::<String>()))
        .collect();
    groups.join(", ")
}

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

fn below_thousand_en(n: u64, out: &mut Vec<String>) {
    let (hundreds, rest) = (n / 100, n % 100);
    if hundreds > 0 {
        out.push(format!("{} hundred", ONES[hundreds as usize]));
    }
    if rest == 0 {
        return;
    }
    if rest < 20 {
        out.push(ONES[rest as usize].to_string());
    } else if rest % 10 == 0 {
        out.push(TENS[(rest / 10) as usize].to_string());
    } else {
        out.push(format!(
            "{}-{}",
            TENS[(rest / 10) as usize],
            ONES[(rest % 10) as usize]
        ));
    }
}

/// A whole number in English words: `49` → `"forty-nine"`, `1205` →
/// `"one thousand two hundred five"`.
pub fn number_en(n: u64) -> String {
    if n == 0 {
        return "zero".into();
    }
    const SCALES: [(u64, &str); 6] = [
        (1_000_000_000_000_000_000, "quintillion"),
        (1_000_000_000_000_000, "quadrillion"),
        (1_000_000_000_000, "trillion"),
        (1_000_000_000, "billion"),
        (1_000_000, "million"),
        (1_000, "thousand"),
    ];
    let mut words = Vec::new();
    let mut rest = n;
    for (scale, name) in SCALES {
        if rest >= scale {
            below_thousand_en(rest / scale, &mut words);
            words.push(name.to_string());
            rest %= scale;
        }
    }
    below_thousand_en(rest, &mut words);
    words.join(" ")
}

/// The English ordinal suffix of a day of the month: `1` → `"1st"`, `22` → `"22nd"`,
/// `13` → `"13th"`.
pub fn ordinal_en(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date as English speech: `"Tuesday, December 2nd"`, in the store's zone,
/// with the year added when it differs from the year of `when.now`.
pub fn date_en(at: Timestamp, when: super::When<'_>) -> String {
    let d = when.local(at);
    let this_year = when.local(when.now).year;
    let month = MONTHS_EN[(d.month.clamp(1, 12) - 1) as usize];
    let mut s = format!(
        "{}, {} {}",
        d.weekday.name(),
        month,
        ordinal_en(d.day as u32)
    );
    if d.year != this_year {
        s.push_str(&format!(", {}", d.year));
    }
    s
}

/// A short date for lists: `"November 3rd"`, in the store's zone.
pub fn short_date_en(at: Timestamp, when: super::When<'_>) -> String {
    let d = when.local(at);
    format!(
        "{} {}",
        MONTHS_EN[(d.month.clamp(1, 12) - 1) as usize],
        ordinal_en(d.day as u32)
    )
}

fn currency_names_en(
    code: &str,
) -> Option<(&'static str, &'static str, &'static str, &'static str)> {
    // (major singular, major plural, minor singular, minor plural)
    Some(match code.to_ascii_uppercase().as_str() {
        "USD" | "AUD" | "NZD" | "SGD" | "HKD" => ("dollar", "dollars", "cent", "cents"),
        "CAD" => ("Canadian dollar", "Canadian dollars", "cent", "cents"),
        "EUR" => ("euro", "euros", "cent", "cents"),
        "GBP" => ("pound", "pounds", "penny", "pence"),
        "MXN" => ("peso", "pesos", "centavo", "centavos"),
        _ => return None,
    })
}

/// An amount of money in English words: `4990 USD` → `"forty-nine dollars and
/// ninety cents"`; currencies without English names are followed by their code,
/// spelled out (`"twelve C H F and fifty cents"`).
pub fn money_en(money: &Money) -> String {
    let negative = money.minor_units < 0;
    let abs = money.minor_units.unsigned_abs();
    let (major, minor) = (abs / 100, abs % 100);
    let code_spelled;
    let (maj1, majn, min1, minn) = match currency_names_en(&money.currency) {
        Some(names) => names,
        None => {
            code_spelled = spaced(&money.currency);
            (
                code_spelled.as_str(),
                code_spelled.as_str(),
                "cent",
                "cents",
            )
        }
    };
    let major_words = format!(
        "{} {}",
        number_en(major),
        if major == 1 { maj1 } else { majn }
    );
    let minor_words = format!(
        "{} {}",
        number_en(minor),
        if minor == 1 { min1 } else { minn }
    );
    let body = match (major, minor) {
        (0, 0) => major_words,
        (_, 0) => major_words,
        (0, _) => minor_words,
        _ => format!("{major_words} and {minor_words}"),
    };
    if negative {
        format!("minus {body}")
    } else {
        body
    }
}

/// A small count in words with a noun: `(1, "item", "items")` → `"one item"`.
pub fn count_en(n: u32, singular: &str, plural: &str) -> String {
    format!(
        "{} {}",
        number_en(n as u64),
        if n == 1 { singular } else { plural }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_spaced() {
        assert_eq!(spaced("1001"), "1 0 0 1");
        assert_eq!(spaced("#10-01"), "1 0 0 1");
        assert_eq!(spaced(""), "");
    }

    #[test]
    fn tracking_numbers_come_in_groups_of_four() {
        assert_eq!(
            tracking_groups("1Z999AA10123456784"),
            "1 Z 9 9, 9 A A 1, 0 1 2 3, 4 5 6 7, 8 4"
        );
        assert_eq!(tracking_groups("9400 1000"), "9 4 0 0, 1 0 0 0");
        assert_eq!(tracking_groups("ab"), "A B");
    }

    #[test]
    fn numbers_in_words() {
        assert_eq!(number_en(0), "zero");
        assert_eq!(number_en(7), "seven");
        assert_eq!(number_en(13), "thirteen");
        assert_eq!(number_en(40), "forty");
        assert_eq!(number_en(49), "forty-nine");
        assert_eq!(number_en(100), "one hundred");
        assert_eq!(number_en(1205), "one thousand two hundred five");
        assert_eq!(number_en(2_000_019), "two million nineteen");
        assert_eq!(number_en(u64::MAX).split(' ').next(), Some("eighteen"));
    }

    #[test]
    fn ordinals() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31, 101, 111]
            .into_iter()
            .map(ordinal_en)
            .collect();
        assert_eq!(
            got,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "31st",
                "101st", "111th"
            ]
        );
    }

    #[test]
    fn dates_read_naturally() {
        use crate::domain::StoreTimeZone;
        let now = Timestamp::from_civil(2025, 11, 20, 12, 0, 0);
        let utc = super::super::When {
            now,
            zone: &StoreTimeZone::Utc,
        };
        let at = Timestamp::from_civil(2025, 12, 2, 15, 0, 0);
        assert_eq!(date_en(at, utc), "Tuesday, December 2nd");
        let next_year = Timestamp::from_civil(2026, 1, 1, 15, 0, 0);
        assert_eq!(date_en(next_year, utc), "Thursday, January 1st, 2026");
        // 02:00 UTC on the 2nd is still the 1st in New York (UTC-5).
        let early = Timestamp::from_civil(2025, 12, 2, 2, 0, 0);
        let new_york = super::super::When {
            now,
            zone: &StoreTimeZone::FixedOffset(-300),
        };
        assert_eq!(date_en(early, new_york), "Monday, December 1st");
        assert_eq!(short_date_en(at, utc), "December 2nd");
    }

    #[test]
    fn money_in_words() {
        assert_eq!(
            money_en(&Money::new(4990, "USD")),
            "forty-nine dollars and ninety cents"
        );
        assert_eq!(money_en(&Money::new(100, "USD")), "one dollar");
        assert_eq!(money_en(&Money::new(1, "USD")), "one cent");
        assert_eq!(money_en(&Money::new(0, "USD")), "zero dollars");
        assert_eq!(
            money_en(&Money::new(250, "GBP")),
            "two pounds and fifty pence"
        );
        assert_eq!(money_en(&Money::new(101, "EUR")), "one euro and one cent");
        assert_eq!(
            money_en(&Money::new(1250, "chf")),
            "twelve C H F and fifty cents"
        );
        assert_eq!(money_en(&Money::new(-500, "USD")), "minus five dollars");
        assert_eq!(
            money_en(&Money::new(12_345_678, "CAD")),
            "one hundred twenty-three thousand four hundred fifty-six Canadian dollars and seventy-eight cents"
        );
    }

    #[test]
    fn counts() {
        assert_eq!(count_en(1, "item", "items"), "one item");
        assert_eq!(count_en(3, "item", "items"), "three items");
    }
}
