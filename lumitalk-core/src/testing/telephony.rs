//! The [`Telephony`] contract.

use crate::domain::{CallId, Language, PhoneNumber, Utterance};
use crate::provider::{CallEventKind, InboundRequest, Telephony, TransferOutcome, WebhookError};
use crate::reply::{ListenSpec, Next, Prompt, Reply, TransferSpec};

/// Text that would break out of a markup reply if it were not escaped.
pub const HOSTILE_TEXT: &str = "</Say><Hangup/>&\"'";

/// Inbound requests, as the carrier would send them, and what they mean.
#[derive(Debug, Clone)]
pub struct TelephonyFixture {
    /// A signed incoming-call webhook.
    pub incoming: InboundRequest,
    /// Its call id.
    pub call_id: CallId,
    /// Its caller, if the request carries a usable number.
    pub from: Option<PhoneNumber>,
    /// A signed webhook with recognized speech.
    pub speech: InboundRequest,
    /// The speech text it carries.
    pub speech_text: String,
    /// A signed webhook with keypad digits.
    pub digits: InboundRequest,
    /// The digits it carries.
    pub digits_value: String,
    /// A signed webhook for a listen that heard nothing.
    pub no_input: InboundRequest,
    /// A signed webhook for a transfer that ended.
    pub transfer_ended: InboundRequest,
    /// How that transfer ended.
    pub transfer_outcome: TransferOutcome,
    /// A request with a wrong signature (forged or tampered with).
    pub forged: InboundRequest,
    /// A request without a signature header, if the carrier can send one.
    pub unsigned: Option<InboundRequest>,
    /// A correctly signed request without the call id parameter.
    pub missing_call_id: InboundRequest,
}

/// Checks a [`Telephony`] implementation: each fixture request parses to the
/// right event, forged and unsigned requests are authentication failures, a
/// missing call id is `MissingParameter`, and rendering escapes hostile text.
///
/// # Panics
/// On the first contract violation, with a message saying which.
pub fn telephony_conformance(telephony: &dyn Telephony, fixture: &TelephonyFixture) {
    let name = telephony.name();
    assert!(!name.is_empty(), "name() must not be empty");
    let parse = |label: &str, req: &InboundRequest| {
        telephony
            .parse_webhook(req)
            .unwrap_or_else(|e| panic!("[{name}] {label} webhook must parse: {e}"))
    };

    let ev = parse("incoming", &fixture.incoming);
    assert_eq!(
        ev.kind,
        CallEventKind::Incoming,
        "[{name}] incoming call kind"
    );
    assert_eq!(ev.call_id, fixture.call_id, "[{name}] incoming call id");
    assert_eq!(ev.from, fixture.from, "[{name}] incoming caller");

    let ev = parse("speech", &fixture.speech);
    match &ev.kind {
        CallEventKind::Input(Utterance::Speech { text, confidence }) => {
            assert_eq!(text, &fixture.speech_text, "[{name}] speech text");
            if let Some(c) = confidence {
                assert!(
                    (0.0..=1.0).contains(c),
                    "[{name}] speech confidence within 0..=1"
                );
            }
        }
        other => panic!("[{name}] speech webhook must be Input(Speech), got {other:?}"),
    }

    let ev = parse("digits", &fixture.digits);
    assert_eq!(
        ev.kind,
        CallEventKind::Input(Utterance::digits(fixture.digits_value.clone())),
        "[{name}] digits webhook"
    );

    let ev = parse("no input", &fixture.no_input);
    assert_eq!(ev.kind, CallEventKind::NoInput, "[{name}] no-input webhook");

    let ev = parse("transfer ended", &fixture.transfer_ended);
    assert_eq!(
        ev.kind,
        CallEventKind::TransferEnded(fixture.transfer_outcome),
        "[{name}] transfer-ended webhook"
    );

    match telephony.parse_webhook(&fixture.forged) {
        Err(e) => assert!(
            e.is_auth_failure(),
            "[{name}] forged request must fail authentication, got {e}"
        ),
        Ok(_) => panic!("[{name}] a forged request must be refused"),
    }
    if let Some(unsigned) = &fixture.unsigned {
        match telephony.parse_webhook(unsigned) {
            Err(e) => assert!(
                e.is_auth_failure(),
                "[{name}] unsigned request must fail authentication, got {e}"
            ),
            Ok(_) => panic!("[{name}] an unsigned request must be refused"),
        }
    }
    match telephony.parse_webhook(&fixture.missing_call_id) {
        Err(WebhookError::MissingParameter(_)) => {}
        other => {
            panic!("[{name}] a request without call id must be MissingParameter, got {other:?}")
        }
    }

    check_render(telephony);
}

fn check_render(telephony: &dyn Telephony) {
    let name = telephony.name();
    let say = Prompt::Say {
        text: format!("Your order {HOSTILE_TEXT} is on its way."),
        voice: None,
        language: Language::en_us(),
    };
    let listen = Reply {
        prompts: vec![say.clone()],
        next: Next::Listen(ListenSpec {
            speech: true,
            keypad: true,
            timeout_secs: 5,
            finish_on_key: Some('#'),
            num_digits: None,
            hints: vec![HOSTILE_TEXT.into()],
            language: Language::en_us(),
            expected: crate::domain::ExpectedEntity::OrderNumber,
        }),
    };
    let rendered = telephony.render(&listen);
    assert!(
        !rendered.content_type.is_empty(),
        "[{name}] content type must not be empty"
    );
    assert!(
        !rendered.body.is_empty(),
        "[{name}] rendered body must not be empty"
    );
    assert!(
        !rendered.body.contains(HOSTILE_TEXT) && !rendered.body.contains("</Say><Hangup/>"),
        "[{name}] rendered reply must escape caller-visible text"
    );

    let to: PhoneNumber = "+14155550100".parse().expect("valid phone number");
    for next in [
        Next::HangUp,
        Next::Transfer(TransferSpec {
            to,
            caller_id: None,
            timeout_secs: 20,
        }),
    ] {
        let r = telephony.render(&Reply {
            prompts: vec![say.clone()],
            next,
        });
        assert!(
            !r.content_type.is_empty() && !r.body.is_empty(),
            "[{name}] every reply renders"
        );
        assert!(
            !r.body.contains(HOSTILE_TEXT),
            "[{name}] rendered reply must escape text"
        );
    }
}
