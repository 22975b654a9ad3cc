//! ElevenLabs text-to-speech: `POST /v1/text-to-speech/{voice}` and `.../stream`
//! answering silent audio of a plausible length in the requested
//! `output_format` (MP3 frames, or 8 kHz μ-law bytes).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Provider, Standins, has_header, json_error};

/// About fifteen characters of text per second of speech.
const CHARS_PER_SECOND: f64 = 15.0;
/// The longest audio the stand-in makes, whatever the text.
const MAX_SECONDS: f64 = 60.0;

/// `POST /v1/text-to-speech/{voice}`.
pub(super) async fn full(
    state: State<Arc<Standins>>,
    voice: Path<String>,
    query: RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    speak(state, voice, query, headers, body).await
}

/// `POST /v1/text-to-speech/{voice}/stream` (the same bytes, sent once the delay
/// has passed).
pub(super) async fn stream(
    state: State<Arc<Standins>>,
    voice: Path<String>,
    query: RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    speak(state, voice, query, headers, body).await
}

async fn speak(
    State(s): State<Arc<Standins>>,
    Path(voice): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let _in_flight = s.begin(Provider::ElevenLabs);
    s.delay(Provider::ElevenLabs).await;
    if !has_header(&headers, "xi-api-key") {
        return json_error(
            StatusCode::UNAUTHORIZED,
            json!({"detail": {"status": "invalid_api_key", "message": "Invalid API key"}}),
        );
    }
    let text = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["text"].as_str().map(str::to_string));
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return json_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"detail": [{"loc": ["body", "text"], "msg": "field required", "type": "value_error.missing"}]}),
        );
    };
    if voice.trim().is_empty() {
        return json_error(
            StatusCode::NOT_FOUND,
            json!({"detail": {"status": "voice_not_found", "message": "A voice with the voice_id was not found."}}),
        );
    }
    let format = query
        .as_deref()
        .unwrap_or_default()
        .split('&')
        .find_map(|kv| kv.strip_prefix("output_format="))
        .unwrap_or("mp3_44100_128")
        .to_string();
    let seconds = (text.chars().count() as f64 / CHARS_PER_SECOND).clamp(0.5, MAX_SECONDS);
    let (content_type, bytes) = if format.starts_with("ulaw") {
        ("audio/basic", vec![0xFF_u8; (8000.0 * seconds) as usize])
    } else {
        ("audio/mpeg", silent_mp3(seconds))
    };
    (
        [
            ("content-type", content_type),
            ("request-id", "standin"),
            ("x-character-count", "0"),
        ],
        bytes,
    )
        .into_response()
}

/// Silent MPEG-2 Layer III frames, 22.05 kHz mono 32 kbit/s: 104-byte frames of
/// 576 samples (26 ms) each.
fn silent_mp3(seconds: f64) -> Vec<u8> {
    const FRAME: usize = 104;
    let frames = (seconds * 22_050.0 / 576.0).ceil() as usize;
    let mut out = Vec::with_capacity(frames * FRAME);
    for _ in 0..frames {
        out.extend_from_slice(&[0xFF, 0xF3, 0x40, 0xC0]);
        out.resize(out.len() + FRAME - 4, 0);
    }
    out
}
