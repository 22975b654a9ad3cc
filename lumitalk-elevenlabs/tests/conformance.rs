//! Core's `Speech` conformance suite against `ElevenLabsSpeech` (and the cache
//! wrapped around it), served by wiremock with ElevenLabs' wire shapes.

mod common;

use common::*;
use lumitalk_core::AudioFormat;
use lumitalk_core::testing::{SpeechFixture, speech_conformance};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Serves the same audio from the full and the streaming endpoint, labelled
/// `audio/mpeg` whatever the format (as ElevenLabs does).
async fn server_for(format: AudioFormat, audio: &'static [u8]) -> MockServer {
    let server = MockServer::start().await;
    for suffix in ["", "/stream"] {
        Mock::given(method("POST"))
            .and(path(format!("/v1/text-to-speech/{VOICE}{suffix}")))
            .and(query_param("output_format", format.as_str()))
            .and(header("xi-api-key", KEY))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-type", "audio/mpeg")
                    .set_body_bytes(audio),
            )
            .mount(&server)
            .await;
    }
    server
}

#[tokio::test]
async fn elevenlabs_speech_conforms() {
    for (format, audio) in [
        (AudioFormat::Ulaw8000, &[0x7f_u8; 320][..]),
        (
            AudioFormat::Mp3_44100_128,
            &b"\xff\xfb\x90\x64mp3-frame"[..],
        ),
    ] {
        let server = server_for(format, audio).await;
        speech_conformance(&speech(&server.uri()), &SpeechFixture::new(format)).await;
    }
}

#[tokio::test]
async fn cached_elevenlabs_speech_conforms() {
    let server = server_for(AudioFormat::Ulaw8000, &[0x7f; 320]).await;
    let cached = speech(&server.uri()).cached(1024 * 1024);
    speech_conformance(&cached, &SpeechFixture::new(AudioFormat::Ulaw8000)).await;
    // The fixture's prompt was synthesized once and then served from the cache.
    assert_eq!(cached.stats().misses, 1);
    assert!(cached.stats().hits >= 1);
}
