//! Media Streams: the JSON messages of a bidirectional `<Connect><Stream>`
//! WebSocket, and G.711 μ-law, the audio they carry (8 kHz mono, 20 ms = 160 bytes
//! per inbound frame, Base64 in `payload`).
//!
//! Twilio sends `sequenceNumber`, `chunk` and `timestamp` as strings holding
//! integers; they are read from strings or numbers and written back as strings.
//! Unknown fields are ignored and unknown event types read as
//! [`StreamEvent::Unknown`]. Render the TwiML that opens a stream with
//! [`crate::twiml::connect_stream`].

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

/// A message from Twilio on the stream's WebSocket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "event",
    rename_all = "lowercase",
    rename_all_fields = "camelCase"
)]
#[non_exhaustive]
pub enum StreamEvent {
    /// The WebSocket is open (first message).
    Connected {
        /// `Call`.
        protocol: String,
        /// Protocol version, e.g. `1.0.0`.
        version: String,
    },
    /// The stream started: its SIDs, format and custom parameters.
    Start {
        /// Message order.
        #[serde(with = "string_number")]
        sequence_number: u64,
        /// Stream details.
        start: StreamStart,
        /// The stream (`MZ…`; treat as opaque).
        stream_sid: String,
    },
    /// One chunk of caller audio.
    Media {
        /// Message order.
        #[serde(with = "string_number")]
        sequence_number: u64,
        /// The audio.
        media: InboundMedia,
        /// The stream.
        stream_sid: String,
    },
    /// The caller pressed a key.
    Dtmf {
        /// Message order.
        #[serde(with = "string_number")]
        sequence_number: u64,
        /// The stream.
        stream_sid: String,
        /// The key.
        dtmf: Dtmf,
    },
    /// Audio queued before a mark we sent has finished playing (or was cleared).
    Mark {
        /// Message order.
        #[serde(with = "string_number")]
        sequence_number: u64,
        /// The stream.
        stream_sid: String,
        /// The mark we sent.
        mark: Mark,
    },
    /// The stream ended.
    Stop {
        /// Message order.
        #[serde(with = "string_number")]
        sequence_number: u64,
        /// The stream.
        stream_sid: String,
        /// Which call it was.
        stop: StreamStop,
    },
    /// An event type this crate does not know.
    #[serde(other)]
    Unknown,
}

/// The `start` object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StreamStart {
    /// `AC…`.
    pub account_sid: String,
    /// The stream.
    pub stream_sid: String,
    /// The call (`CA…`).
    pub call_sid: String,
    /// Tracks carried (`inbound`; `outbound` for unidirectional both-track streams).
    #[serde(default)]
    pub tracks: Vec<String>,
    /// The audio format.
    pub media_format: MediaFormat,
    /// `<Parameter>` values from the TwiML.
    #[serde(default)]
    pub custom_parameters: BTreeMap<String, String>,
}

/// The stream's audio format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MediaFormat {
    /// `audio/x-mulaw`.
    pub encoding: String,
    /// `8000`.
    #[serde(deserialize_with = "string_number::deserialize")]
    pub sample_rate: u64,
    /// `1`.
    #[serde(deserialize_with = "string_number::deserialize")]
    pub channels: u64,
}

/// One chunk of audio from Twilio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InboundMedia {
    /// `inbound` or `outbound`.
    pub track: String,
    /// Chunk number, from 1.
    #[serde(with = "string_number")]
    pub chunk: u64,
    /// Milliseconds since the stream started.
    #[serde(with = "string_number")]
    pub timestamp: u64,
    /// Base64 μ-law audio.
    pub payload: String,
}

impl InboundMedia {
    /// The raw μ-law bytes.
    ///
    /// # Errors
    /// When `payload` is not Base64.
    pub fn audio(&self) -> Result<Vec<u8>, base64::DecodeError> {
        BASE64.decode(&self.payload)
    }
}

/// A key press.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Dtmf {
    /// `inbound_track`.
    pub track: String,
    /// `0`-`9`, `*`, `#`.
    pub digit: String,
}

/// A named position in the outbound audio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    /// The name we chose.
    pub name: String,
}

/// The `stop` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StreamStop {
    /// `AC…`.
    pub account_sid: String,
    /// `CA…`.
    pub call_sid: String,
}

/// A message to Twilio on a bidirectional stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "event",
    rename_all = "lowercase",
    rename_all_fields = "camelCase"
)]
#[non_exhaustive]
pub enum StreamCommand {
    /// Play audio (μ-law 8 kHz mono, no header, Base64).
    Media {
        /// The stream.
        stream_sid: String,
        /// The audio.
        media: OutboundMedia,
    },
    /// Ask Twilio to echo this mark once the audio queued before it has played.
    Mark {
        /// The stream.
        stream_sid: String,
        /// The mark.
        mark: Mark,
    },
    /// Drop all queued audio (barge-in); pending marks come back.
    Clear {
        /// The stream.
        stream_sid: String,
    },
}

/// Audio to play.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundMedia {
    /// Base64 μ-law audio.
    pub payload: String,
}

impl StreamCommand {
    /// A media message carrying raw μ-law bytes.
    pub fn media(stream_sid: impl Into<String>, mulaw: &[u8]) -> Self {
        StreamCommand::Media {
            stream_sid: stream_sid.into(),
            media: OutboundMedia {
                payload: BASE64.encode(mulaw),
            },
        }
    }

    /// A mark message.
    pub fn mark(stream_sid: impl Into<String>, name: impl Into<String>) -> Self {
        StreamCommand::Mark {
            stream_sid: stream_sid.into(),
            mark: Mark { name: name.into() },
        }
    }

    /// A clear message.
    pub fn clear(stream_sid: impl Into<String>) -> Self {
        StreamCommand::Clear {
            stream_sid: stream_sid.into(),
        }
    }

    /// The JSON text frame.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("stream commands always serialize")
    }
}

/// Integers Twilio sends as strings (or, for some fields, as numbers).
mod string_number {
    use serde::{Deserialize, Deserializer, Serializer, de};

    pub(super) fn serialize<S: Serializer>(n: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&n.to_string())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw<'a> {
            Num(u64),
            Str(&'a str),
            Owned(String),
        }
        match Raw::deserialize(d)? {
            Raw::Num(n) => Ok(n),
            Raw::Str(s) => s.trim().parse().map_err(de::Error::custom),
            Raw::Owned(s) => s.trim().parse().map_err(de::Error::custom),
        }
    }
}

const MULAW_BIAS: i32 = 0x84;
const MULAW_CLIP: i32 = 32635;

/// Encodes one 16-bit linear PCM sample as G.711 μ-law.
pub fn mulaw_encode(sample: i16) -> u8 {
    let mut s = i32::from(sample);
    let sign = if s < 0 {
        s = -s;
        0x80
    } else {
        0
    };
    s = s.min(MULAW_CLIP) + MULAW_BIAS;
    let mut exponent = 7;
    let mut mask = 0x4000;
    while s & mask == 0 && exponent > 0 {
        exponent -= 1;
        mask >>= 1;
    }
    let mantissa = (s >> (exponent + 3)) & 0x0F;
    // Bounded to 8 bits by construction: sign 0x80, exponent <= 7, mantissa <= 15.
    !((sign | (exponent << 4) | mantissa) as u8)
}

/// Decodes one G.711 μ-law byte to 16-bit linear PCM.
pub fn mulaw_decode(byte: u8) -> i16 {
    let u = !byte;
    let exponent = i32::from((u >> 4) & 0x07);
    let mantissa = i32::from(u & 0x0F);
    let magnitude = (((mantissa << 3) + MULAW_BIAS) << exponent) - MULAW_BIAS;
    // At most 32124 in magnitude.
    let m = magnitude as i16;
    if u & 0x80 != 0 { -m } else { m }
}

/// Encodes PCM samples as μ-law bytes.
pub fn encode_mulaw(samples: &[i16]) -> Vec<u8> {
    samples.iter().map(|s| mulaw_encode(*s)).collect()
}

/// Decodes μ-law bytes to PCM samples.
pub fn decode_mulaw(bytes: &[u8]) -> Vec<i16> {
    bytes.iter().map(|b| mulaw_decode(*b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_captured_session() {
        let lines = [
            r#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#,
            r#"{"event":"start","sequenceNumber":"1","start":{"accountSid":"ACx","streamSid":"MZ1","callSid":"CA1","tracks":["inbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1},"customParameters":{"aCutomParameter":"aCustomValue that was set in TwiML"}},"streamSid":"MZ1"}"#,
            r#"{"event":"media","sequenceNumber":"2","media":{"track":"inbound","chunk":"1","timestamp":"52","payload":"/w=="},"streamSid":"MZ1"}"#,
            r#"{"event":"mark","sequenceNumber":"103","streamSid":"MZ1","mark":{"name":"Repeat message 0"}}"#,
            r#"{"event":"dtmf","sequenceNumber":"5","streamSid":"MZ1","dtmf":{"track":"inbound_track","digit":"1"}}"#,
            r#"{"event":"stop","sequenceNumber":"6","streamSid":"MZ1","stop":{"accountSid":"ACx","callSid":"CA1"},"extra":true}"#,
            r#"{"event":"somethingNew","foo":1}"#,
        ];
        let events: Vec<StreamEvent> = lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(matches!(&events[0], StreamEvent::Connected { version, .. } if version == "1.0.0"));
        let StreamEvent::Start {
            sequence_number,
            start,
            ..
        } = &events[1]
        else {
            panic!("{:?}", events[1])
        };
        assert_eq!(*sequence_number, 1);
        assert_eq!(start.media_format.sample_rate, 8000);
        assert_eq!(
            start.custom_parameters["aCutomParameter"],
            "aCustomValue that was set in TwiML"
        );
        let StreamEvent::Media { media, .. } = &events[2] else {
            panic!()
        };
        assert_eq!((media.chunk, media.timestamp), (1, 52));
        assert_eq!(media.audio().unwrap(), vec![0xFF]);
        assert!(
            matches!(&events[3], StreamEvent::Mark { mark, sequence_number: 103, .. } if mark.name == "Repeat message 0")
        );
        assert!(matches!(&events[4], StreamEvent::Dtmf { dtmf, .. } if dtmf.digit == "1"));
        assert!(matches!(&events[5], StreamEvent::Stop { stop, .. } if stop.call_sid == "CA1"));
        assert_eq!(events[6], StreamEvent::Unknown);
        // Numbers are written back as strings.
        let again = serde_json::to_string(&events[2]).unwrap();
        assert!(again.contains(r#""sequenceNumber":"2""#), "{again}");
        assert!(again.contains(r#""chunk":"1""#), "{again}");
    }

    #[test]
    fn writes_commands() {
        assert_eq!(
            StreamCommand::media("MZ1", &[0xFF, 0x7F]).to_json(),
            r#"{"event":"media","streamSid":"MZ1","media":{"payload":"/38="}}"#
        );
        assert_eq!(
            StreamCommand::mark("MZ1", "utterance-42").to_json(),
            r#"{"event":"mark","streamSid":"MZ1","mark":{"name":"utterance-42"}}"#
        );
        assert_eq!(
            StreamCommand::clear("MZ1").to_json(),
            r#"{"event":"clear","streamSid":"MZ1"}"#
        );
    }

    #[test]
    fn mulaw_known_values() {
        assert_eq!(mulaw_encode(0), 0xFF);
        assert_eq!(mulaw_encode(i16::MAX), 0x80);
        assert_eq!(mulaw_encode(i16::MIN), 0x00);
        assert_eq!(mulaw_encode(-1), 0x7F);
        assert_eq!(mulaw_decode(0xFF), 0);
        assert_eq!(mulaw_decode(0x7F), 0);
        assert_eq!(mulaw_decode(0x80), 32124);
        assert_eq!(mulaw_decode(0x00), -32124);
        assert_eq!(mulaw_decode(0xF0), 8 * 15); // exponent 0: step 8, the middle of 116..124
    }

    #[test]
    fn mulaw_round_trip_error_is_within_half_a_step() {
        for s in i16::MIN..=i16::MAX {
            let back = i32::from(mulaw_decode(mulaw_encode(s)));
            let s = i32::from(s);
            let err = (back - s).abs();
            if s.abs() <= MULAW_CLIP {
                // Half a quantisation step, which is at most (|s| + bias) / 32.
                assert!(err <= (s.abs() + MULAW_BIAS) / 32, "{s} -> {back}");
            } else {
                assert_eq!(back.abs(), 32124, "{s} clips");
            }
            assert!(back.signum() * s.signum() >= 0, "{s} keeps its sign");
        }
    }

    #[test]
    fn mulaw_codes_are_stable() {
        for b in 0..=255u8 {
            let want = if b == 0x7F { 0xFF } else { b }; // two zeros, one code
            assert_eq!(mulaw_encode(mulaw_decode(b)), want, "{b:#x}");
        }
        let pcm = [0i16, 1000, -1000, 12345, -32768];
        assert_eq!(decode_mulaw(&encode_mulaw(&pcm)).len(), pcm.len());
    }
}
