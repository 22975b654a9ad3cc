//! Turning a transcript into words and digit runs.
//!
//! Speech-to-text output varies: "where's my stuff", "wheres my stuff", "order
//! number is 1 0 0 1", "one oh oh one", "ten oh one", "double five". This module
//! lowercases, drops punctuation, expands contractions, and reads spoken digits
//! so the rules can match plain words and digit strings.

/// A transcript, normalized.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Normalized {
    /// Lowercase words, contractions expanded (`where's` -> `where is`).
    pub(super) words: Vec<String>,
    /// Runs of consecutive digits, spoken or written, in order of appearance.
    pub(super) runs: Vec<String>,
}

/// Normalizes a transcript. Never panics, whatever the input.
pub(super) fn normalize(text: &str) -> Normalized {
    let words = words(text);
    let runs = crate::domain::spoken_digits::digit_runs(&words);
    Normalized { words, runs }
}

fn words(text: &str) -> Vec<String> {
    let cleaned: String = text
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            '\u{2019}' | '\u{2018}' | '`' => '\'',
            c if c.is_alphanumeric() || c == '\'' => c,
            _ => ' ',
        })
        .collect();
    let mut out = Vec::new();
    for raw in cleaned.split_whitespace() {
        let w = raw.trim_matches('\'');
        if w.is_empty() {
            continue;
        }
        expand(w, &mut out);
    }
    out
}

/// Expands one word's contraction into `out`, with or without the apostrophe.
fn expand(w: &str, out: &mut Vec<String>) {
    let fixed: Option<&[&str]> = match w {
        "can't" | "cant" | "cannot" => Some(&["can", "not"]),
        "won't" | "wont" => Some(&["will", "not"]),
        "wheres" => Some(&["where", "is"]),
        "whats" => Some(&["what", "is"]),
        "thats" => Some(&["that", "is"]),
        "im" => Some(&["i", "am"]),
        "dont" => Some(&["do", "not"]),
        "didnt" => Some(&["did", "not"]),
        "doesnt" => Some(&["does", "not"]),
        "isnt" => Some(&["is", "not"]),
        "havent" => Some(&["have", "not"]),
        "couldnt" => Some(&["could", "not"]),
        "ive" => Some(&["i", "have"]),
        _ => None,
    };
    if let Some(parts) = fixed {
        out.extend(parts.iter().map(|p| p.to_string()));
        return;
    }
    let Some((stem, suffix)) = w.split_once('\'') else {
        out.push(w.to_string());
        return;
    };
    let stem = stem.to_string();
    match suffix {
        "s" => {
            let is_verb = matches!(
                stem.as_str(),
                "where" | "what" | "that" | "it" | "there" | "here" | "who" | "how" | "he" | "she"
            );
            out.push(stem);
            if is_verb {
                out.push("is".into());
            }
        }
        "m" => out.extend([stem, "am".into()]),
        "re" => out.extend([stem, "are".into()]),
        "ll" => out.extend([stem, "will".into()]),
        "ve" => out.extend([stem, "have".into()]),
        "d" => out.extend([stem, "would".into()]),
        "t" if stem.ends_with('n') => {
            let base = stem[..stem.len() - 1].to_string();
            out.extend([base, "not".into()]);
        }
        _ => out.push(w.replace('\'', "")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(s: &str) -> Vec<String> {
        normalize(s).runs
    }

    #[test]
    fn expands_contractions_and_drops_punctuation() {
        assert_eq!(
            normalize("Where's my STUFF?!").words,
            ["where", "is", "my", "stuff"]
        );
        assert_eq!(
            normalize("wheres my stuff").words,
            ["where", "is", "my", "stuff"]
        );
        assert_eq!(
            normalize("I didn’t catch that").words,
            ["i", "did", "not", "catch", "that"]
        );
        assert_eq!(
            normalize("that's all, thanks").words,
            ["that", "is", "all", "thanks"]
        );
        assert_eq!(
            normalize("the order's status").words,
            ["the", "order", "status"]
        );
        assert!(normalize("").words.is_empty());
        assert!(normalize("'''  -- ").words.is_empty());
    }

    #[test]
    fn reads_spoken_and_written_digits() {
        assert_eq!(runs("order number is 1 0 0 1"), ["1001"]);
        assert_eq!(runs("one zero zero one"), ["1001"]);
        assert_eq!(runs("one oh oh one please"), ["1001"]);
        assert_eq!(runs("oh it's ten oh one"), ["1001"]);
        assert_eq!(runs("twenty three"), ["23"]);
        assert_eq!(runs("twenty oh one"), ["2001"]);
        assert_eq!(runs("one double zero one"), ["1001"]);
        assert_eq!(runs("#1001"), ["1001"]);
        assert_eq!(runs("94105-1234"), ["941051234"]);
        assert_eq!(runs("(415) 555-0123"), ["4155550123"]);
        assert_eq!(runs("I ordered 2 shirts and 3 hats"), ["2", "3"]);
        assert!(runs("oh no").is_empty());
        assert!(runs("double trouble").is_empty());
    }
}
