//! Telling audio from an error that arrived with status 200.
//!
//! The response's content type does not say which audio format it is (ElevenLabs
//! labels every format `audio/mpeg`), so the format is always the one requested.
//! But a `200` whose content type is JSON, HTML, XML or text is clearly not audio
//! (an error page from a proxy, a truncated JSON error): it is refused with
//! `InvalidResponse` instead of being played to a caller and cached. MP3 audio must
//! also start like MP3 (an `ID3` tag or a frame sync), and no body may be larger
//! than [`MAX_AUDIO_BYTES`]. Headerless formats (μ-law, PCM) have no signature to
//! check.

use bytes::{Bytes, BytesMut};
use lumitalk_core::{AudioFormat, SpeechError};

use crate::error::PROVIDER;

/// The largest audio body accepted from one request: 10 MiB, about 40 minutes of
/// 32 kbit/s MP3 and far more than one reply needs.
pub const MAX_AUDIO_BYTES: usize = 10 * 1024 * 1024;

/// Bytes needed to recognise the start of MP3 audio.
const MP3_SNIFF: usize = 3;

pub(crate) fn invalid_response(message: impl Into<String>) -> SpeechError {
    SpeechError::InvalidResponse {
        provider: PROVIDER,
        message: message.into(),
    }
}

/// Whether a success response's content type says it is certainly not audio.
pub(crate) fn is_not_audio_content_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence.starts_with("text/")
        || essence.ends_with("json")
        || essence.ends_with("+xml")
        || essence == "application/xml"
        || essence.contains("html")
}

/// The refusal of a success response whose content type is not audio. The body
/// is not quoted: it may echo the text, which can be personal.
pub(crate) fn not_audio(content_type: &str) -> SpeechError {
    let shown: String = content_type.chars().take(64).collect();
    invalid_response(format!(
        "a success response with content type `{shown}` instead of audio"
    ))
}

/// The refusal of a body larger than [`MAX_AUDIO_BYTES`].
pub(crate) fn too_large() -> SpeechError {
    invalid_response(format!(
        "the audio is larger than {MAX_AUDIO_BYTES} bytes; refused"
    ))
}

/// Whether `start` (at least [`MP3_SNIFF`] bytes, or the whole body) begins like
/// MP3: an ID3v2 tag or an MPEG audio frame sync (11 set bits).
fn looks_like_mp3(start: &[u8]) -> bool {
    start.starts_with(b"ID3") || (start.len() >= 2 && start[0] == 0xFF && start[1] & 0xE0 == 0xE0)
}

fn is_mp3(format: AudioFormat) -> bool {
    matches!(
        format,
        AudioFormat::Mp3_22050_32 | AudioFormat::Mp3_44100_128
    )
}

/// Checks the start of one response body as it streams in: holds back the first
/// bytes until the format's signature can be checked, then passes everything
/// through.
#[derive(Debug)]
pub(crate) struct StartCheck {
    format: AudioFormat,
    held: BytesMut,
    checked: bool,
}

impl StartCheck {
    pub(crate) fn new(format: AudioFormat) -> Self {
        StartCheck {
            format,
            held: BytesMut::new(),
            checked: !is_mp3(format),
        }
    }

    /// The bytes that may be passed on after `chunk` (possibly none yet).
    ///
    /// # Errors
    /// `InvalidResponse` when the body does not start like the requested format.
    pub(crate) fn feed(&mut self, chunk: Bytes) -> Result<Option<Bytes>, SpeechError> {
        if self.checked {
            return Ok(Some(chunk).filter(|c| !c.is_empty()));
        }
        self.held.extend_from_slice(&chunk);
        if self.held.len() < MP3_SNIFF {
            return Ok(None);
        }
        self.release()
    }

    /// The bytes still held at the end of the body.
    ///
    /// # Errors
    /// `InvalidResponse` when a short body does not start like the format.
    pub(crate) fn finish(&mut self) -> Result<Option<Bytes>, SpeechError> {
        if self.checked || self.held.is_empty() {
            return Ok(None);
        }
        self.release()
    }

    fn release(&mut self) -> Result<Option<Bytes>, SpeechError> {
        if !looks_like_mp3(&self.held) {
            return Err(invalid_response(format!(
                "the body does not start like {} audio (no ID3 tag or MPEG frame sync)",
                self.format.as_str()
            )));
        }
        self.checked = true;
        Ok(Some(self.held.split().freeze()))
    }
}

/// Checks a whole body at once.
///
/// # Errors
/// As [`StartCheck`].
pub(crate) fn check_body(format: AudioFormat, body: &[u8]) -> Result<(), SpeechError> {
    if is_mp3(format) && !body.is_empty() && !looks_like_mp3(&body[..body.len().min(MP3_SNIFF)]) {
        return Err(invalid_response(format!(
            "the body does not start like {} audio (no ID3 tag or MPEG frame sync)",
            format.as_str()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lumitalk_core::ErrorKind;

    #[test]
    fn content_types_that_are_not_audio() {
        for ct in [
            "application/json",
            "application/json; charset=utf-8",
            "application/problem+json",
            "text/html; charset=UTF-8",
            "text/plain",
            "application/xml",
            "application/xhtml+xml",
        ] {
            assert!(is_not_audio_content_type(ct), "{ct}");
        }
        for ct in ["audio/mpeg", "audio/basic", "application/octet-stream", ""] {
            assert!(!is_not_audio_content_type(ct), "{ct}");
        }
    }

    #[test]
    fn mp3_starts_with_id3_or_frame_sync() {
        assert!(check_body(AudioFormat::Mp3_44100_128, b"ID3\x04rest").is_ok());
        assert!(check_body(AudioFormat::Mp3_22050_32, b"\xff\xf3\x64").is_ok());
        let e = check_body(AudioFormat::Mp3_22050_32, br#"{"data": 5"#).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidResponse);
        // Headerless formats cannot be checked.
        assert!(check_body(AudioFormat::Ulaw8000, br#"{"data": 5"#).is_ok());
    }

    #[test]
    fn streaming_check_holds_back_until_it_can_decide() {
        let mut c = StartCheck::new(AudioFormat::Mp3_44100_128);
        assert_eq!(c.feed(Bytes::from_static(b"I")).unwrap(), None);
        assert_eq!(
            c.feed(Bytes::from_static(b"D3x")).unwrap().as_deref(),
            Some(&b"ID3x"[..])
        );
        assert_eq!(
            c.feed(Bytes::from_static(b"more")).unwrap().as_deref(),
            Some(&b"more"[..])
        );
        assert_eq!(c.finish().unwrap(), None);

        let mut c = StartCheck::new(AudioFormat::Mp3_44100_128);
        assert_eq!(c.feed(Bytes::from_static(b"{")).unwrap(), None);
        assert!(c.feed(Bytes::from_static(b"\"data\"")).is_err());

        let mut c = StartCheck::new(AudioFormat::Mp3_44100_128);
        assert_eq!(c.feed(Bytes::from_static(b"{}")).unwrap(), None);
        assert!(
            c.finish().is_err(),
            "a short non-MP3 body is refused at the end"
        );

        let mut c = StartCheck::new(AudioFormat::Ulaw8000);
        assert_eq!(
            c.feed(Bytes::from_static(b"{")).unwrap().as_deref(),
            Some(&b"{"[..])
        );
    }
}
