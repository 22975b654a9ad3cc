//! The [`Speech`] contract.

use crate::error::ErrorKind;
use crate::provider::{Speech, SpeechRequest};

/// What to synthesize in a [`Speech`] conformance run.
#[derive(Debug, Clone)]
pub struct SpeechFixture {
    /// A valid request the implementation can answer.
    pub request: SpeechRequest,
    /// Whether the streamed audio must equal the audio of `synthesize` (true for
    /// deterministic test servers; real providers may vary between calls).
    pub stream_matches_synthesize: bool,
}

impl SpeechFixture {
    /// A short shared prompt in `format`, streamed bytes checked against
    /// `synthesize`.
    pub fn new(format: crate::provider::AudioFormat) -> Self {
        SpeechFixture {
            request: SpeechRequest {
                text: "Thanks for calling. How can I help you today?".into(),
                voice: None,
                language: crate::domain::Language::en_us(),
                format,
                cacheability: crate::provider::Cacheability::Shared,
            },
            stream_matches_synthesize: true,
        }
    }
}

/// Checks a [`Speech`] implementation: audio comes back non-empty in the
/// requested format, from `synthesize` and from `synthesize_stream` (with the
/// same bytes, if the fixture says so); empty or blank text is `InvalidRequest`.
///
/// # Panics
/// On the first contract violation, with a message saying which.
pub async fn speech_conformance(speech: &dyn Speech, fixture: &SpeechFixture) {
    let name = speech.name();
    assert!(!name.is_empty(), "name() must not be empty");
    let req = &fixture.request;

    let audio = speech
        .synthesize(req)
        .await
        .unwrap_or_else(|e| panic!("[{name}] synthesize failed: {e}"));
    assert_eq!(
        audio.format, req.format,
        "[{name}] audio must be in the requested format"
    );
    assert!(!audio.bytes.is_empty(), "[{name}] audio must not be empty");

    let stream = speech
        .synthesize_stream(req)
        .await
        .unwrap_or_else(|e| panic!("[{name}] synthesize_stream failed: {e}"));
    assert_eq!(
        stream.format(),
        req.format,
        "[{name}] stream must be in the requested format"
    );
    let streamed = stream
        .collect()
        .await
        .unwrap_or_else(|e| panic!("[{name}] stream failed mid-way: {e}"));
    assert!(
        !streamed.bytes.is_empty(),
        "[{name}] streamed audio must not be empty"
    );
    if fixture.stream_matches_synthesize {
        assert_eq!(
            streamed.bytes, audio.bytes,
            "[{name}] stream must yield the same bytes"
        );
    }

    for blank in ["", "   \n\t"] {
        let mut bad = req.clone();
        bad.text = blank.into();
        match speech.synthesize(&bad).await {
            Err(e) => assert_eq!(
                e.kind(),
                ErrorKind::InvalidRequest,
                "[{name}] blank text must be InvalidRequest, got {e}"
            ),
            Ok(_) => panic!("[{name}] blank text {blank:?} must be refused with InvalidRequest"),
        }
    }
}
