//! Choosing among several listed orders: by position or date ("the second one",
//! "the one from November"), by menu digit, by last digits, or by a full number.

use super::input::Lookup;
use super::machine::{Out, Step};
use super::phase::Phase;
use super::state::Conversation;
use super::summary::Origin;
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
    let d = super::verify::spoken_digits(word);
    let mut chars = d.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

impl Conversation {
    /// The caller's choice among the listed orders. `said` is the speech (for
    /// positions and dates), `candidates` are digit readings, most trusted first.
    pub(crate) fn choose(
        &mut self,
        t: &Step<'_>,
        out: &mut Out,
        said: Option<&str>,
        candidates: &[String],
    ) {
        let Phase::ChooseOrder(co) = &self.phase else {
            return self.on_unclear(t, out, None);
        };
        let origin = co.origin;
        let picked = said.and_then(|s| t.p.pick(s, &co.orders, t.when()));
        if let Some(o) = picked.and_then(|i| co.orders.get(i)) {
            let number = o.number.clone();
            return self.request_lookup(out, Lookup::Number { number }, origin, false);
        }
        // A menu digit: keyed, or said on its own.
        let digit = match said {
            Some(s) => bare_digit(s),
            None => candidates.first().and_then(|k| {
                let mut c = k.trim().chars();
                match (c.next(), c.next()) {
                    (Some(d), None) => Some(d),
                    _ => None,
                }
            }),
        };
        if let Some(i) = digit.and_then(|d| d.to_digit(10)) {
            let i = i as usize;
            if let Some(o) = i.checked_sub(1).and_then(|i| co.orders.get(i)) {
                let number = o.number.clone();
                return self.request_lookup(out, Lookup::Number { number }, origin, false);
            }
        }
        for s in candidates
            .iter()
            .map(|s| s.trim())
            .filter(|s| s.len() >= 2 && s.bytes().all(|b| b.is_ascii_digit()))
        {
            let mut matching = co.orders.iter().filter(|o| o.number.digits().ends_with(s));
            if let (Some(one), None) = (matching.next(), matching.next()) {
                let number = one.number.clone();
                return self.request_lookup(out, Lookup::Number { number }, origin, false);
            }
            if let Ok(number) = OrderNumber::from_digits(s) {
                return self.request_lookup(out, Lookup::Number { number }, Origin::Number, false);
            }
        }
        self.on_unclear(t, out, None)
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
