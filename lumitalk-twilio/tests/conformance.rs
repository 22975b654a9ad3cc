//! Core's telephony conformance suite against `TwilioTelephony`, with requests
//! signed exactly as Twilio signs them.

use bytes::Bytes;
use lumitalk_core::testing::{TelephonyFixture, telephony_conformance};
use lumitalk_core::{CallId, InboundRequest, PhoneNumber, TransferOutcome};
use lumitalk_twilio::{TwilioConfig, TwilioTelephony, parse_form, sign};
use secrecy::SecretString;
use url::Url;

const TOKEN: &str = "12345";
const PUBLIC: &str = "https://bot.example.com";
const CALL: &str = "CA0123456789abcdef0123456789abcdef";

fn common(extra: &str) -> String {
    format!(
        "AccountSid=ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX&ApiVersion=2010-04-01&CallSid={CALL}\
         &CallStatus=in-progress&Direction=inbound&From=%2B15005550006&To=%2B15005550001{extra}"
    )
}

fn request(path: &str, body: &str, signature: Option<String>) -> InboundRequest {
    let mut headers = vec![(
        "Content-Type".to_string(),
        "application/x-www-form-urlencoded".to_string(),
    )];
    if let Some(s) = signature {
        headers.push(("X-Twilio-Signature".to_string(), s));
    }
    InboundRequest {
        method: "POST".into(),
        url: Url::parse(&format!("{PUBLIC}{path}")).unwrap(),
        headers,
        body: Bytes::from(body.to_string()),
    }
}

fn signed(path: &str, body: &str) -> InboundRequest {
    let sig = sign(
        &format!("{PUBLIC}{path}"),
        &parse_form(body.as_bytes()),
        &SecretString::from(TOKEN),
    );
    request(path, body, Some(sig))
}

fn fixture() -> TelephonyFixture {
    let speech = common("&SpeechResult=Where+is+my+order+number+1001%3F&Confidence=0.9134");
    let mut forged = signed("/twilio/gather", &speech);
    forged.body = Bytes::from(speech.replace("1001", "1002"));
    TelephonyFixture {
        incoming: signed(
            "/twilio/voice",
            &common("").replace("in-progress", "ringing"),
        ),
        call_id: CallId::new(CALL),
        from: Some(PhoneNumber::parse_e164("+15005550006").unwrap()),
        speech: signed("/twilio/gather", &speech),
        speech_text: "Where is my order number 1001?".into(),
        digits: signed("/twilio/gather", &common("&Digits=1001&FinishedOnKey=%23")),
        digits_value: "1001".into(),
        no_input: signed("/twilio/gather", &common("&SpeechResult=&Digits=")),
        transfer_ended: signed(
            "/twilio/dial",
            &common("&DialCallStatus=busy&DialCallSid=CAffffffffffffffffffffffffffffffff"),
        ),
        transfer_outcome: TransferOutcome::Busy,
        forged,
        unsigned: Some(request("/twilio/voice", &common(""), None)),
        missing_call_id: signed(
            "/twilio/voice",
            "From=%2B15005550006&To=%2B15005550001&CallStatus=ringing",
        ),
    }
}

#[test]
fn twilio_telephony_passes_core_conformance() {
    let config = TwilioConfig::builder()
        .account_sid("ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX")
        .auth_token(SecretString::from(TOKEN))
        .public_url(PUBLIC)
        .build()
        .unwrap();
    let twilio = TwilioTelephony::new(config).unwrap();
    telephony_conformance(&twilio, &fixture());
}
