//! Choosing among several listed orders: by position or date ("the second one",
//! "the one from November"), by menu digit, by last digits, or by a full number.

use super::input::Lookup;
use super::phase::{ChooseOrder, Phase};
use super::summary::Origin;
use super::turn::{Turn, Want};
use crate::domain::OrderNumber;

/// A menu digit said on its own ("two", "number 2"), as opposed to a "one" inside
/// a phrase ("the second one").
fn bare_digit(said: &str) -> Option<char> {
    let lower = said.to_lowercase();
    let mut words = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| {
        !w.is_empty() && !matches!(*w, "number" | "option" | "press" | "the" | "please")
    });
    let (Some(word), None) = (words.next(), words.next()) else {
        return None;
    };
    single(&super::verify::spoken_digits(word))
}

impl Turn<'_> {
    /// The caller's choice among the listed orders. `said` is the speech (for
    /// positions and dates; `None` when keyed), `candidates` are digit readings,
    /// most trusted first. A choice is looked up; the phase waits for it.
    pub(crate) fn choose(
        &mut self,
        co: ChooseOrder,
        said: Option<&str>,
        candidates: &[String],
    ) -> Phase {
        match picked(&co, said, candidates, |s| {
            self.p.pick(s, &co.orders, self.when())
        }) {
            Some((number, origin)) => {
                self.request_lookup(Lookup::Number { number }, origin, Want::Needed);
                Phase::ChooseOrder(co)
            }
            None => self.on_unclear(Phase::ChooseOrder(co), None),
        }
    }
}

/// The order chosen, and how it was found: by position or date (`pick`), by menu
/// digit, by last digits, or (a number not listed) by a full order number.
fn picked(
    co: &ChooseOrder,
    said: Option<&str>,
    candidates: &[String],
    pick: impl Fn(&str) -> Option<usize>,
) -> Option<(OrderNumber, Origin)> {
    let listed = |i: usize| co.orders.get(i).map(|o| (o.number.clone(), co.origin));
    if let Some(chosen) = said.and_then(&pick).and_then(listed) {
        return Some(chosen);
    }
    // A menu digit: keyed, or said on its own.
    let digit = match said {
        Some(s) => bare_digit(s),
        None => candidates.first().and_then(|k| single(k.trim())),
    };
    if let Some(chosen) = digit
        .and_then(|d| d.to_digit(10))
        .and_then(|i| (i as usize).checked_sub(1))
        .and_then(listed)
    {
        return Some(chosen);
    }
    for s in candidates
        .iter()
        .map(|s| s.trim())
        .filter(|s| s.len() >= 2 && s.bytes().all(|b| b.is_ascii_digit()))
    {
        let mut matching = co.orders.iter().filter(|o| o.number.digits().ends_with(s));
        if let (Some(one), None) = (matching.next(), matching.next()) {
            return Some((one.number.clone(), co.origin));
        }
        if let Ok(number) = OrderNumber::from_digits(s) {
            return Some((number, Origin::Number));
        }
    }
    None
}

/// The one character of `s`, if it has exactly one.
fn single(s: &str) -> Option<char> {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::bare_digit;

    #[test]
    fn bare_digits_are_told_from_phrases() {
        assert_eq!(bare_digit("two"), Some('2'));
        assert_eq!(bare_digit("2"), Some('2'));
        assert_eq!(bare_digit("number one"), Some('1'));
        assert_eq!(bare_digit("the second one"), None);
        assert_eq!(bare_digit("the one ending in 1001"), None);
        assert_eq!(bare_digit("1001"), None);
        assert_eq!(bare_digit(""), None);
    }
}
