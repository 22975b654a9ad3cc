//! Serde types for the ElevenLabs text-to-speech payloads.

use serde::{Deserialize, Serialize};

/// The `voice_settings` object of a text-to-speech request.
///
/// Defaults are ElevenLabs' own: stability 0.5, similarity boost 0.75, style 0.0,
/// speaker boost on, speed 1.0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VoiceSettings {
    /// 0.0–1.0: lower is more expressive, higher more consistent.
    pub stability: f32,
    /// 0.0–1.0: how closely to match the original voice.
    pub similarity_boost: f32,
    /// 0.0–1.0: style exaggeration (adds latency above 0).
    pub style: f32,
    /// Boosts similarity to the original speaker (adds a little latency).
    pub use_speaker_boost: bool,
    /// 0.7–1.2: speaking rate.
    pub speed: f32,
}

impl Default for VoiceSettings {
    fn default() -> Self {
        VoiceSettings {
            stability: 0.5,
            similarity_boost: 0.75,
            style: 0.0,
            use_speaker_boost: true,
            speed: 1.0,
        }
    }
}

/// The JSON body of `POST /v1/text-to-speech/{voice_id}[/stream]`.
#[derive(Debug, Serialize)]
pub(crate) struct TextToSpeechBody<'a> {
    pub(crate) text: &'a str,
    pub(crate) model_id: &'a str,
    pub(crate) voice_settings: VoiceSettings,
    /// ISO 639-1; only sent to models that accept it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) language_code: Option<String>,
}

/// An error body: `{"detail": ...}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub(crate) detail: ErrorDetail,
}

/// The two documented `detail` shapes, plus a bare string.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum ErrorDetail {
    /// 422 validation errors (FastAPI style).
    Validation(Vec<ValidationItem>),
    /// `{"status": "quota_exceeded", "message": "..."}`.
    Status(StatusDetail),
    /// A plain message.
    Text(String),
}

/// One validation error. Any `input` field is deliberately not read: it can echo the
/// text being synthesized, which may hold personal data.
#[derive(Debug, Deserialize)]
pub(crate) struct ValidationItem {
    #[serde(default)]
    pub(crate) loc: Vec<serde_json::Value>,
    #[serde(default)]
    pub(crate) msg: String,
}

/// A coded error.
#[derive(Debug, Deserialize)]
pub(crate) struct StatusDetail {
    #[serde(default)]
    pub(crate) status: Option<String>,
    #[serde(default)]
    pub(crate) message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_omits_absent_language() {
        let body = TextToSpeechBody {
            text: "Hi",
            model_id: "eleven_multilingual_v2",
            voice_settings: VoiceSettings::default(),
            language_code: None,
        };
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "text": "Hi",
                "model_id": "eleven_multilingual_v2",
                "voice_settings": {"stability": 0.5, "similarity_boost": 0.75, "style": 0.0,
                                   "use_speaker_boost": true, "speed": 1.0}
            })
        );
    }

    #[test]
    fn both_detail_shapes_parse() {
        let v: ErrorBody = serde_json::from_str(
            r#"{"detail":[{"loc":["body","text"],"msg":"field required","type":"value_error.missing"}]}"#,
        )
        .unwrap();
        assert!(
            matches!(v.detail, ErrorDetail::Validation(ref items) if items[0].msg == "field required")
        );
        let s: ErrorBody = serde_json::from_str(
            r#"{"detail":{"status":"quota_exceeded","message":"over quota"}}"#,
        )
        .unwrap();
        assert!(
            matches!(s.detail, ErrorDetail::Status(ref d) if d.status.as_deref() == Some("quota_exceeded"))
        );
    }
}
