//! Signed webhook fixtures through `Telephony::parse_webhook`.

use bytes::Bytes;
use lumitalk_core::{
    CallEventKind, InboundRequest, Telephony, TransferOutcome, Utterance, WebhookError,
};
use lumitalk_twilio::{TwilioConfig, TwilioTelephony, parse_form, sign};
use secrecy::SecretString;
use url::Url;

const TOKEN: &str = "12345";

/// The speech gather vector from the provider reference (wire body + signature).
const GATHER_URL: &str = "https://example.com/twilio/gather?step=1";
const GATHER_BODY: &str = "AccountSid=ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX&ApiVersion=2010-04-01\
&CallSid=CA0123456789abcdef0123456789abcdef&CallStatus=in-progress&Confidence=0.9134\
&Direction=inbound&From=%2B15005550006&SpeechResult=Where+is+my+order+number+1001%3F\
&To=%2B15005550001";
const GATHER_SIG: &str = "C3EtqvgceTli8mVi4TN5IPX5iRM=";

const INCOMING_BODY: &str = "AccountSid=ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX&ApiVersion=2010-04-01\
&CallSid=CA0123456789abcdef0123456789abcdef&CallStatus=ringing&Called=%2B15005550001\
&CalledCountry=US&Caller=%2B15005550006&CallerCountry=US&Direction=inbound\
&From=%2B15005550006&FromCountry=US&To=%2B15005550001&ToCountry=US";

fn telephony() -> TwilioTelephony {
    let config = TwilioConfig::builder()
        .account_sid("ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX")
        .auth_token(SecretString::from(TOKEN))
        .public_url("https://example.com")
        .build()
        .unwrap();
    TwilioTelephony::new(config).unwrap()
}

fn post(url: &str, body: &str, signature: Option<&str>) -> InboundRequest {
    let mut headers = vec![(
        "content-type".to_string(),
        "application/x-www-form-urlencoded".to_string(),
    )];
    if let Some(s) = signature {
        headers.push(("x-twilio-signature".to_string(), s.to_string()));
    }
    InboundRequest {
        method: "POST".into(),
        url: Url::parse(url).unwrap(),
        headers,
        body: Bytes::from(body.to_string()),
    }
}

fn signed_post(url: &str, body: &str) -> InboundRequest {
    let sig = sign(
        url,
        &parse_form(body.as_bytes()),
        &SecretString::from(TOKEN),
    );
    post(url, body, Some(&sig))
}

#[test]
fn reference_gather_vector_parses_as_speech() {
    let e = telephony()
        .parse_webhook(&post(GATHER_URL, GATHER_BODY, Some(GATHER_SIG)))
        .unwrap();
    assert_eq!(e.call_id.as_str(), "CA0123456789abcdef0123456789abcdef");
    assert_eq!(
        e.kind,
        CallEventKind::Input(Utterance::speech(
            "Where is my order number 1001?",
            Some(0.9134)
        ))
    );
}

#[test]
fn incoming_call_on_voice_route() {
    let e = telephony()
        .parse_webhook(&signed_post(
            "https://example.com/twilio/voice",
            INCOMING_BODY,
        ))
        .unwrap();
    assert_eq!(e.kind, CallEventKind::Incoming);
    assert_eq!(e.from.unwrap().as_e164(), "+15005550006");
}

#[test]
fn empty_gather_on_gather_route_is_no_input() {
    // The same parameters as an incoming call: only the path tells them apart.
    let e = telephony()
        .parse_webhook(&signed_post(
            "https://example.com/twilio/gather",
            INCOMING_BODY,
        ))
        .unwrap();
    assert_eq!(e.kind, CallEventKind::NoInput);
}

#[test]
fn a_signed_redirect_back_from_a_hold_is_a_resume() {
    let e = telephony()
        .parse_webhook(&signed_post(
            "https://example.com/twilio/gather?turn=3&resume=1",
            INCOMING_BODY,
        ))
        .unwrap();
    assert_eq!(e.kind, CallEventKind::Resumed);
    assert_eq!(e.answers_turn, Some(3));
    // Caller input on the same URL is still input (a resume carries none).
    let body = format!("{INCOMING_BODY}&Digits=1001");
    let e = telephony()
        .parse_webhook(&signed_post(
            "https://example.com/twilio/gather?turn=3&resume=1",
            &body,
        ))
        .unwrap();
    assert!(matches!(e.kind, CallEventKind::Input(_)));
}

#[test]
fn dial_action_on_dial_route() {
    let body = format!("{INCOMING_BODY}&DialCallStatus=no-answer&DialCallSid=CA9");
    let e = telephony()
        .parse_webhook(&signed_post("https://example.com/twilio/dial", &body))
        .unwrap();
    assert_eq!(
        e.kind,
        CallEventKind::TransferEnded(TransferOutcome::NoAnswer)
    );
}

#[test]
fn signature_made_with_default_port_validates() {
    // Twilio signed `https://example.com:443/...`; the server rebuilt it without the port.
    let signed = "https://example.com:443/twilio/voice";
    let sig = sign(
        signed,
        &parse_form(INCOMING_BODY.as_bytes()),
        &SecretString::from(TOKEN),
    );
    let e = telephony()
        .parse_webhook(&post(
            "https://example.com/twilio/voice",
            INCOMING_BODY,
            Some(&sig),
        ))
        .unwrap();
    assert_eq!(e.kind, CallEventKind::Incoming);
}

#[test]
fn forged_and_unsigned_requests_are_refused() {
    let t = telephony();
    let tampered = GATHER_BODY.replace("1001", "1002");
    assert_eq!(
        t.parse_webhook(&post(GATHER_URL, &tampered, Some(GATHER_SIG))),
        Err(WebhookError::InvalidSignature)
    );
    assert_eq!(
        t.parse_webhook(&post(
            "https://example.com/twilio/gather?step=2",
            GATHER_BODY,
            Some(GATHER_SIG)
        )),
        Err(WebhookError::InvalidSignature)
    );
    let err = t
        .parse_webhook(&post(GATHER_URL, GATHER_BODY, None))
        .unwrap_err();
    assert_eq!(err, WebhookError::MissingSignature);
    assert!(err.is_auth_failure());
}

#[test]
fn get_webhooks_sign_the_url_only() {
    let url = format!("https://example.com/twilio/voice?{INCOMING_BODY}");
    let sig = sign(&url, &[], &SecretString::from(TOKEN));
    let request = InboundRequest {
        method: "GET".into(),
        url: Url::parse(&url).unwrap(),
        headers: vec![("X-Twilio-Signature".into(), sig)],
        body: Bytes::new(),
    };
    let e = telephony().parse_webhook(&request).unwrap();
    assert_eq!(e.kind, CallEventKind::Incoming);
}

#[test]
fn missing_parameters_and_json_bodies_are_bad_requests() {
    let t = telephony();
    let err = t
        .parse_webhook(&signed_post(
            "https://example.com/twilio/voice",
            "CallSid=CA1&To=%2B15005550001",
        ))
        .unwrap_err();
    assert_eq!(err, WebhookError::MissingParameter("From"));
    assert!(!err.is_auth_failure());
    let mut json = signed_post("https://example.com/twilio/voice", "{}");
    json.headers[0].1 = "application/json".into();
    assert!(matches!(
        t.parse_webhook(&json),
        Err(WebhookError::Malformed(_))
    ));
}

#[test]
fn demo_mode_skips_signatures_only_when_asked() {
    let config = TwilioConfig::builder()
        .public_url("http://localhost:3000")
        .build()
        .unwrap();
    assert!(TwilioTelephony::new(config.clone()).is_err());
    let t = TwilioTelephony::without_signature_checks(config).unwrap();
    assert!(!t.verifies_signatures());
    let e = t
        .parse_webhook(&post(
            "http://localhost:3000/twilio/voice",
            INCOMING_BODY,
            None,
        ))
        .unwrap();
    assert_eq!(e.kind, CallEventKind::Incoming);
}

#[test]
fn render_is_text_xml() {
    let r = telephony().render(&lumitalk_core::Reply {
        prompts: vec![],
        next: lumitalk_core::Next::HangUp,
    });
    assert_eq!(r.content_type, "text/xml");
    assert!(r.body.ends_with("<Hangup /></Response>"));
}
