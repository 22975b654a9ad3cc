//! A simulated carrier: webhooks as signed JSON, replies as JSON.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use url::Url;

use crate::domain::{CallId, PhoneNumber, Region, Utterance};
use crate::error::TelephonyError;
use crate::provider::{
    CallEvent, CallEventKind, CallStatus, InboundRequest, RenderedReply, Telephony,
    TransferOutcome, WebhookError,
};
use crate::reply::Reply;

/// The header carrying a simulated webhook's signature.
pub const SIGNATURE_HEADER: &str = "X-Simulated-Signature";

/// The JSON body of a simulated webhook.
///
/// ```json
/// {"call_id": "SIM123", "from": "+14155550123", "to": "+18005550100",
///  "event": "speech", "text": "where is my order", "confidence": 0.92}
/// ```
/// `event` is one of `incoming`, `speech` (`text`, optional `confidence`),
/// `digits` (`digits`), `no_input`, `transfer_ended` (`outcome`: `answered`,
/// `busy`, `no_answer`, `failed`, `canceled`), `status` (`status`). Unknown fields
/// are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimulatedEvent {
    /// The call's id; required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    /// The caller's number, in any form [`PhoneNumber::parse`] reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The number called.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// What happened.
    #[serde(flatten)]
    pub kind: SimulatedKind,
}

/// What a [`SimulatedEvent`] reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum SimulatedKind {
    Incoming,
    Speech {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        confidence: Option<f32>,
    },
    Digits {
        digits: String,
    },
    NoInput,
    /// The carrier came back after a `continue` reply.
    Resumed,
    TransferEnded {
        outcome: TransferOutcome,
    },
    Status {
        status: CallStatus,
    },
}

impl SimulatedEvent {
    /// An event for `call_id` from `from` to `to`.
    pub fn new(call_id: &str, from: Option<&str>, to: Option<&str>, kind: SimulatedKind) -> Self {
        SimulatedEvent {
            call_id: Some(call_id.to_string()),
            from: from.map(str::to_string),
            to: to.map(str::to_string),
            kind,
        }
    }
}

/// A call-control request a [`SimulatedTelephony`] received.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ControlRequest {
    /// [`Telephony::update_call`].
    Update {
        /// The call.
        call: CallId,
        /// The new instructions.
        reply: Reply,
    },
    /// [`Telephony::redirect_call`].
    Redirect {
        /// The call.
        call: CallId,
        /// The new instructions URL.
        url: Url,
    },
    /// [`Telephony::hang_up`].
    HangUp {
        /// The call.
        call: CallId,
    },
}

/// An in-process carrier for tests, simulators and demo mode.
///
/// - Webhooks are JSON [`SimulatedEvent`]s signed with
///   `X-Simulated-Signature: hex(HMAC-SHA256(secret, url + "\n" + body))`; the
///   signature is checked (in constant time) before the body is read.
/// - Replies render as `application/json` of the [`Reply`], with `<`, `>`, `&`
///   and `'` escaped as `\u00XX` so no markup survives.
/// - Call control succeeds and is recorded; read it with [`SimulatedTelephony::requests`].
#[derive(Debug, Clone)]
pub struct SimulatedTelephony {
    secret: Arc<SecretString>,
    requests: Arc<Mutex<Vec<ControlRequest>>>,
}

impl SimulatedTelephony {
    /// A carrier that signs and verifies with `secret`.
    pub fn new(secret: SecretString) -> Self {
        SimulatedTelephony {
            secret: Arc::new(secret),
            requests: Arc::default(),
        }
    }

    /// The signature of a request to `url` with `body` (lowercase hex).
    pub fn sign(&self, url: &Url, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.secret.expose_secret().as_bytes())
            .expect("HMAC accepts keys of any length");
        mac.update(url.as_str().as_bytes());
        mac.update(b"\n");
        mac.update(body);
        hex(&mac.finalize().into_bytes())
    }

    /// A signed `POST` of `event` to `url`, as the server would receive it.
    pub fn signed_request(&self, url: &Url, event: &SimulatedEvent) -> InboundRequest {
        let body = serde_json::to_vec(event).expect("simulated events serialize");
        InboundRequest {
            method: "POST".into(),
            url: url.clone(),
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                (SIGNATURE_HEADER.into(), self.sign(url, &body)),
            ],
            body: Bytes::from(body),
        }
    }

    /// Call-control requests received so far, oldest first.
    pub fn requests(&self) -> Vec<ControlRequest> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<ControlRequest>> {
        self.requests.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 0xf) as usize] as char);
    }
    s
}

fn phone(s: Option<&str>) -> Option<PhoneNumber> {
    s.and_then(|s| PhoneNumber::parse(s, Region::NANP).ok())
}

#[async_trait]
impl Telephony for SimulatedTelephony {
    fn name(&self) -> &'static str {
        "simulated"
    }

    fn parse_webhook(&self, request: &InboundRequest) -> Result<CallEvent, WebhookError> {
        let given = request
            .header(SIGNATURE_HEADER)
            .ok_or(WebhookError::MissingSignature)?
            .trim()
            .to_ascii_lowercase();
        let expected = self.sign(&request.url, &request.body);
        // Time independent of where the signatures differ (only of their lengths).
        if !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
            return Err(WebhookError::InvalidSignature);
        }
        let event: SimulatedEvent = serde_json::from_slice(&request.body)
            .map_err(|e| WebhookError::Malformed(e.to_string()))?;
        let call_id = event
            .call_id
            .filter(|id| !id.trim().is_empty())
            .ok_or(WebhookError::MissingParameter("call_id"))?;
        let kind = match event.kind {
            SimulatedKind::Incoming => CallEventKind::Incoming,
            SimulatedKind::Speech { text, confidence } => {
                CallEventKind::Input(Utterance::speech(text, confidence))
            }
            SimulatedKind::Digits { digits } => CallEventKind::Input(Utterance::digits(digits)),
            SimulatedKind::NoInput => CallEventKind::NoInput,
            SimulatedKind::Resumed => CallEventKind::Resumed,
            SimulatedKind::TransferEnded { outcome } => CallEventKind::TransferEnded(outcome),
            SimulatedKind::Status { status } => CallEventKind::Status(status),
        };
        Ok(CallEvent::new(
            CallId::new(call_id),
            phone(event.from.as_deref()),
            phone(event.to.as_deref()),
            kind,
        ))
    }

    fn render(&self, reply: &Reply) -> RenderedReply {
        // serde_json output of plain data cannot fail; fall back to an empty object.
        let json = serde_json::to_string(reply).unwrap_or_else(|_| "{}".into());
        // These characters only occur inside JSON strings, where \u escapes are
        // equivalent: the body stays the same JSON with no markup in it.
        let body = json
            .replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026")
            .replace('\'', "\\u0027");
        RenderedReply {
            content_type: "application/json",
            body,
        }
    }

    async fn update_call(&self, call: &CallId, reply: &Reply) -> Result<(), TelephonyError> {
        self.lock().push(ControlRequest::Update {
            call: call.clone(),
            reply: reply.clone(),
        });
        Ok(())
    }

    async fn redirect_call(&self, call: &CallId, url: &Url) -> Result<(), TelephonyError> {
        self.lock().push(ControlRequest::Redirect {
            call: call.clone(),
            url: url.clone(),
        });
        Ok(())
    }

    async fn hang_up(&self, call: &CallId) -> Result<(), TelephonyError> {
        self.lock()
            .push(ControlRequest::HangUp { call: call.clone() });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Language;
    use crate::reply::{Next, Prompt};

    fn carrier() -> SimulatedTelephony {
        SimulatedTelephony::new(SecretString::from("s3cret".to_string()))
    }

    fn url() -> Url {
        Url::parse("https://example.test/voice/simulated").unwrap()
    }

    #[test]
    fn parses_signed_events_and_refuses_tampering() {
        let t = carrier();
        let ev = SimulatedEvent::new(
            "SIM1",
            Some("(415) 555-0123"),
            Some("anonymous"),
            SimulatedKind::Speech {
                text: "agent".into(),
                confidence: Some(0.8),
            },
        );
        let req = t.signed_request(&url(), &ev);
        let parsed = t.parse_webhook(&req).unwrap();
        assert_eq!(parsed.call_id.as_str(), "SIM1");
        assert_eq!(parsed.from.unwrap().as_e164(), "+14155550123");
        assert_eq!(parsed.to, None);
        assert_eq!(
            parsed.kind,
            CallEventKind::Input(Utterance::speech("agent", Some(0.8)))
        );

        let mut tampered = req.clone();
        tampered.body = req
            .body
            .iter()
            .map(|&b| if b == b'a' { b'b' } else { b })
            .collect();
        assert_eq!(
            t.parse_webhook(&tampered),
            Err(WebhookError::InvalidSignature)
        );
        let mut moved = req.clone();
        moved.url = Url::parse("https://evil.test/voice/simulated").unwrap();
        assert_eq!(t.parse_webhook(&moved), Err(WebhookError::InvalidSignature));
        let other = SimulatedTelephony::new(SecretString::from("other".to_string()));
        assert_eq!(
            other.parse_webhook(&req),
            Err(WebhookError::InvalidSignature)
        );
        let mut unsigned = req;
        unsigned.headers.retain(|(k, _)| k != SIGNATURE_HEADER);
        assert_eq!(
            t.parse_webhook(&unsigned),
            Err(WebhookError::MissingSignature)
        );
        assert!(!format!("{t:?}").contains("s3cret"));
    }

    #[test]
    fn signature_comparison_is_exact_equality() {
        let t = carrier();
        let req = t.signed_request(
            &url(),
            &SimulatedEvent::new("SIM1", None, None, SimulatedKind::Incoming),
        );
        let with_signature = |sig: String| {
            let mut r = req.clone();
            r.headers.retain(|(k, _)| k != SIGNATURE_HEADER);
            r.headers.push((SIGNATURE_HEADER.into(), sig));
            t.parse_webhook(&r)
        };
        let good = t.sign(&req.url, &req.body);
        assert!(with_signature(good.clone()).is_ok());
        assert!(with_signature(good.to_ascii_uppercase()).is_ok());
        let last = if good.ends_with('0') { "1" } else { "0" };
        let one_off = format!("{}{last}", &good[..good.len() - 1]);
        for bad in [
            one_off,
            good[..good.len() - 1].into(),
            format!("{good}0"),
            String::new(),
        ] {
            assert_eq!(with_signature(bad), Err(WebhookError::InvalidSignature));
        }
    }

    #[tokio::test]
    async fn renders_json_without_markup_and_records_control() {
        let t = carrier();
        let reply = Reply {
            prompts: vec![Prompt::Say {
                text: "</Say><Hangup/>&\"'".into(),
                voice: None,
                language: Language::en_us(),
            }],
            next: Next::HangUp,
        };
        let r = t.render(&reply);
        assert_eq!(r.content_type, "application/json");
        assert!(!r.body.contains('<') && !r.body.contains('\''));
        let back: Reply = serde_json::from_str(&r.body).unwrap();
        assert_eq!(back, reply);
        let call = CallId::new("SIM1");
        t.update_call(&call, &reply).await.unwrap();
        t.hang_up(&call).await.unwrap();
        assert_eq!(t.requests().len(), 2);
        assert_eq!(t.requests()[1], ControlRequest::HangUp { call });
    }
}
