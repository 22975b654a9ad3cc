//! Splitting text that exceeds a model's per-request character limit.
//!
//! Long text is split at sentence boundaries and the audio of the parts is joined
//! rather than rejected: a caller hearing the whole reply in the merchant's voice
//! beats a fallback to the carrier's voice, and every format this crate requests
//! today joins by plain concatenation (MP3 is a sequence of self-contained frames;
//! μ-law, A-law and PCM are headerless sample streams). Formats with a container or
//! header (WAV, Ogg/Opus) do not, so over-long text in those is rejected instead.

use lumitalk_core::AudioFormat;

/// Whether audio in `format` can be joined by concatenating the bytes.
pub(crate) fn joins_by_concatenation(format: AudioFormat) -> bool {
    let name = format.as_str();
    ["mp3_", "pcm_", "ulaw_", "alaw_"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
}

/// Splits `text` (trimmed) into parts of at most `max_chars` characters, preferring,
/// in order: the last sentence end that fits, the last whitespace that fits, and a
/// cut between two characters. Parts are trimmed and never empty.
pub(crate) fn split(text: &str, max_chars: usize) -> Vec<&str> {
    let max = max_chars.max(1);
    let mut parts = Vec::new();
    let mut rest = text.trim();
    while let Some((limit, next)) = rest.char_indices().nth(max) {
        // `rest` has more than `max` characters; `limit` is where character max+1
        // starts, and cutting at a space right there is as good as any earlier one.
        let cut = last_sentence_end(rest, limit)
            .or_else(|| last_whitespace(&rest[..limit + next.len_utf8()]))
            .unwrap_or(limit);
        let (head, tail) = rest.split_at(cut);
        let head = head.trim_end();
        if !head.is_empty() {
            parts.push(head);
        }
        rest = tail.trim_start();
    }
    if !rest.is_empty() {
        parts.push(rest);
    }
    parts
}

/// Characters that end a sentence when followed by whitespace.
const TERMINATORS: &[char] = &['.', '!', '?', '…', ';'];
/// Characters that end a sentence on their own (no space follows in CJK text).
const CJK_TERMINATORS: &[char] = &['。', '！', '？', '；'];
/// Closing quotes and brackets that stay with the sentence they close.
const CLOSERS: &[char] = &['"', '\'', ')', ']', '”', '’', '»', '」', '』'];

/// The byte offset just after the last sentence end within `text[..limit]`.
fn last_sentence_end(text: &str, limit: usize) -> Option<usize> {
    let window = &text[..limit];
    let mut best = None;
    for (i, c) in window.char_indices() {
        let cjk = CJK_TERMINATORS.contains(&c);
        if !cjk && !TERMINATORS.contains(&c) {
            continue;
        }
        let mut end = i + c.len_utf8();
        while let Some(next) = text[end..].chars().next().filter(|n| CLOSERS.contains(n)) {
            end += next.len_utf8();
        }
        if end > limit {
            continue;
        }
        let followed_by_space = text[end..].chars().next().is_some_and(char::is_whitespace);
        if cjk || followed_by_space {
            best = Some(end);
        }
    }
    best
}

/// The byte offset of the last whitespace in `window`, if not at the start.
fn last_whitespace(window: &str) -> Option<usize> {
    window
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map(|(i, _)| i)
        .filter(|&i| i > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, max: usize) -> Vec<&str> {
        let parts = split(text, max);
        for p in &parts {
            assert!(p.chars().count() <= max, "{p:?} longer than {max}");
            assert!(!p.is_empty() && p.trim() == *p);
        }
        let squash = |s: &str| s.split_whitespace().collect::<String>();
        assert_eq!(squash(&parts.concat()), squash(text), "characters lost");
        parts
    }

    #[test]
    fn short_text_is_one_part() {
        assert_eq!(check("  Hello there.  ", 100), vec!["Hello there."]);
        assert!(split("   ", 10).is_empty());
    }

    #[test]
    fn splits_after_the_last_sentence_that_fits() {
        let parts = check("One two. Three four! Five six? Seven.", 22);
        assert_eq!(parts, vec!["One two. Three four!", "Five six? Seven."]);
    }

    #[test]
    fn keeps_decimals_and_closing_quotes_together() {
        let parts = check("It costs 3.50 dollars. \"Thanks.\" Bye now.", 33);
        assert_eq!(
            parts,
            vec!["It costs 3.50 dollars. \"Thanks.\"", "Bye now."]
        );
    }

    #[test]
    fn long_sentence_splits_at_whitespace_then_anywhere() {
        assert_eq!(check("aaaa bbbb cccc", 9), vec!["aaaa bbbb", "cccc"]);
        assert_eq!(check("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
    }

    #[test]
    fn multibyte_text_splits_on_char_boundaries() {
        check(
            "注文は発送されました。明日届きます。ありがとうございます。",
            10,
        );
        check("Ça coûte très cher… Vraiment très, très cher… Désolé.", 12);
        check("ééééééééééééé", 5);
    }

    #[test]
    fn concatenable_formats() {
        assert!(joins_by_concatenation(AudioFormat::Mp3_44100_128));
        assert!(joins_by_concatenation(AudioFormat::Mp3_22050_32));
        assert!(joins_by_concatenation(AudioFormat::Ulaw8000));
        assert!(joins_by_concatenation(AudioFormat::Pcm16000));
    }
}
