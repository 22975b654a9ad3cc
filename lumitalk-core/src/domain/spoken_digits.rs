//! Reading digits out of what a caller said, one way everywhere: order
//! numbers, the classifier's digit runs and verification answers.
//!
//! Words are lowercase. Digit words (`zero`..`nine`), teens (`ten`..`nineteen`)
//! and tens (`twenty three` is 23, `twenty oh one` is 2001), `double`/`triple`
//! before a digit, and written digits all count; `oh`/`o` is a zero only
//! beside another digit ("oh no" has none, "nine four one oh five" is 94105).

/// The digit a word names: `zero`..`nine` (not `oh`, which needs context).
pub(crate) fn digit_word(w: &str) -> Option<char> {
    Some(match w {
        "zero" => '0',
        "one" => '1',
        "two" => '2',
        "three" => '3',
        "four" => '4',
        "five" => '5',
        "six" => '6',
        "seven" => '7',
        "eight" => '8',
        "nine" => '9',
        _ => return None,
    })
}

/// Whether a word is the spoken letter for zero (`oh`, `o`).
pub(crate) fn is_oh(w: &str) -> bool {
    matches!(w, "oh" | "o")
}

/// Runs of consecutive digits in `words`, spoken or written, in order.
pub(crate) fn digit_runs(words: &[String]) -> Vec<String> {
    let mut runs = Vec::new();
    let mut current: Option<String> = None;
    for tok in digit_tokens(words) {
        match tok {
            Some(d) => current.get_or_insert_with(String::new).push_str(&d),
            None => runs.extend(current.take()),
        }
    }
    runs.extend(current);
    runs.retain(|r| !r.is_empty());
    runs
}

/// Every digit in `text`, spoken or written, run together: `"nine four one oh
/// five"` is `"94105"`, `"it's 0123"` is `"0123"`.
pub(crate) fn all_digits(text: &str) -> String {
    // Keyed digits (the common case on the keypad) need no reading.
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.to_string();
    }
    let words: Vec<String> = text
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    digit_runs(&words).concat()
}

fn teen(w: &str) -> Option<&'static str> {
    Some(match w {
        "ten" => "10",
        "eleven" => "11",
        "twelve" => "12",
        "thirteen" => "13",
        "fourteen" => "14",
        "fifteen" => "15",
        "sixteen" => "16",
        "seventeen" => "17",
        "eighteen" => "18",
        "nineteen" => "19",
        _ => return None,
    })
}

fn tens(w: &str) -> Option<char> {
    Some(match w {
        "twenty" => '2',
        "thirty" => '3',
        "forty" => '4',
        "fifty" => '5',
        "sixty" => '6',
        "seventy" => '7',
        "eighty" => '8',
        "ninety" => '9',
        _ => return None,
    })
}

fn is_number(w: &str) -> bool {
    !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit())
}

/// Whether a word reads as digits on its own (not counting "oh", which needs a
/// digit beside it).
fn is_digitish(w: &str) -> bool {
    is_number(w) || digit_word(w).is_some() || teen(w).is_some() || tens(w).is_some()
}

/// Reads the digits each word stands for; `None` for ordinary words.
fn digit_tokens(words: &[String]) -> Vec<Option<String>> {
    let mut out: Vec<Option<String>> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        let next = words.get(i + 1).map(String::as_str);
        let prev_is_digit = matches!(out.last(), Some(Some(_)));
        if is_number(w) {
            out.push(Some(w.to_string()));
        } else if let Some(d) = digit_word(w) {
            out.push(Some(d.to_string()));
        } else if let Some(t) = teen(w) {
            out.push(Some(t.to_string()));
        } else if let Some(t) = tens(w) {
            // "twenty three" is 23; "twenty oh one" is 20 then 0 then 1.
            match next.and_then(digit_word) {
                Some(d) if d != '0' => {
                    // The unit word is consumed: an empty digit string keeps the run joined.
                    out.push(Some(format!("{t}{d}")));
                    out.push(Some(String::new()));
                    i += 1;
                }
                _ => out.push(Some(format!("{t}0"))),
            }
        } else if is_oh(w) && (prev_is_digit || next.is_some_and(is_digitish)) {
            out.push(Some("0".into()));
        } else if let (Some(times), Some(n)) = (
            match w {
                "double" => Some(2),
                "triple" => Some(3),
                _ => None,
            },
            next,
        ) {
            let d = digit_word(n).or_else(|| {
                (n.len() == 1 && is_number(n)).then(|| n.chars().next().unwrap_or('0'))
            });
            match d {
                Some(d) => {
                    out.push(Some(d.to_string().repeat(times)));
                    out.push(Some(String::new()));
                    i += 1;
                }
                None => out.push(None),
            }
        } else {
            out.push(None);
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_digits_reads_every_form() {
        assert_eq!(all_digits("nine four one oh five"), "94105");
        assert_eq!(all_digits("it's 0123"), "0123");
        assert_eq!(all_digits("oh two one three eight"), "02138");
        assert_eq!(all_digits("ninety four one oh five"), "94105");
        assert_eq!(all_digits("oh no"), "");
        assert_eq!(all_digits(""), "");
    }
}
