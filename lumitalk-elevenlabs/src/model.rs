//! What differs between ElevenLabs models: characters per request, and whether
//! `language_code` may be sent.

/// The most characters one request to `model_id` accepts.
///
/// Flash and Turbo v2.5 take 40,000 and Multilingual v2 10,000. Every other model,
/// including `eleven_v3` (documented as 3,000 in 2025 and 5,000 in 2026) and models
/// this crate does not know, gets the smallest documented limit, 3,000: splitting a
/// text more often than needed costs nothing audible, a rejected request costs the
/// caller the voice.
pub(crate) fn max_chars(model_id: &str) -> usize {
    match model_id {
        "eleven_flash_v2_5" | "eleven_turbo_v2_5" => 40_000,
        "eleven_multilingual_v2" => 10_000,
        _ => 3_000,
    }
}

/// Whether `language_code` may be sent to `model_id`.
///
/// The 2025 API spec says only Turbo v2.5 and Flash v2.5 accept it and other models
/// answer with an error; the 2026 SDK says it is unsupported for Multilingual v2.
/// Sending it only to the two v2.5 models is right under both readings.
pub(crate) fn accepts_language_code(model_id: &str) -> bool {
    matches!(model_id, "eleven_flash_v2_5" | "eleven_turbo_v2_5")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_model() {
        assert_eq!(max_chars("eleven_flash_v2_5"), 40_000);
        assert_eq!(max_chars("eleven_turbo_v2_5"), 40_000);
        assert_eq!(max_chars("eleven_multilingual_v2"), 10_000);
        assert_eq!(max_chars("eleven_v3"), 3_000);
        assert_eq!(max_chars("some_future_model"), 3_000);
    }

    #[test]
    fn language_code_only_for_v2_5() {
        assert!(accepts_language_code("eleven_flash_v2_5"));
        assert!(accepts_language_code("eleven_turbo_v2_5"));
        assert!(!accepts_language_code("eleven_multilingual_v2"));
        assert!(!accepts_language_code("eleven_v3"));
    }
}
