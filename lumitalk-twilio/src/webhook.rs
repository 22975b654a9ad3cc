//! Parsing the form-encoded requests Twilio sends into core's [`CallEvent`].
//!
//! Which callback a request is cannot be read reliably from its parameters alone:
//! a `<Gather>` that heard nothing posts the same parameters as an incoming call.
//! So the caller of [`parse_params`] says which callback it is ([`WebhookKind`]),
//! and [`TwilioTelephony`](crate::TwilioTelephony) decides it from the request
//! **path**: the TwiML this crate renders points `<Gather action>` (and the
//! safety-net `<Redirect>` after it) at the configured gather route and
//! `<Dial action>` at the dial route (see [`Routes`](crate::Routes)). For a path it
//! does not know it falls back to [`infer_kind`].
//!
//! Unknown parameters are ignored; `CallSid`, `From` and `To` are required on every
//! callback.

use lumitalk_core::{
    Attestation, CallEvent, CallEventKind, CallId, CallStatus, PhoneNumber, TransferOutcome,
    Utterance, WebhookError,
};

/// Which Twilio callback a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WebhookKind {
    /// The number's Voice URL: a new call.
    Incoming,
    /// A `<Gather action>` (or the redirect after a `<Gather>`): input or silence.
    Gather,
    /// A `<Dial action>`: the transfer ended.
    Dial,
    /// A call status callback.
    Status,
}

/// Decodes an `application/x-www-form-urlencoded` body (or query string) into
/// name/value pairs, in order, repeated names kept. Invalid UTF-8 is replaced, so
/// this never fails.
pub fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Guesses the callback from its parameters, for requests on an unknown path:
/// `DialCallStatus` → [`WebhookKind::Dial`]; `SpeechResult`, `Digits` or
/// `Confidence` → [`WebhookKind::Gather`]; `CallbackSource` or
/// `StatusCallbackEvent` → [`WebhookKind::Status`]; otherwise
/// [`WebhookKind::Incoming`]. A gather that heard nothing looks like an incoming
/// call here, which is why the path decides first.
pub fn infer_kind(params: &[(String, String)]) -> WebhookKind {
    let has = |name: &str| params.iter().any(|(k, _)| k == name);
    if has("DialCallStatus") {
        WebhookKind::Dial
    } else if has("SpeechResult") || has("Digits") || has("Confidence") {
        WebhookKind::Gather
    } else if has("CallbackSource") || has("StatusCallbackEvent") {
        WebhookKind::Status
    } else {
        WebhookKind::Incoming
    }
}

/// Maps one callback's parameters to a [`CallEvent`].
///
/// - [`WebhookKind::Gather`]: non-empty `Digits` (only `0-9`, `*`, `#`) →
///   [`Utterance::Digits`]; else non-empty `SpeechResult` → [`Utterance::Speech`]
///   with `Confidence` parsed (unparsable or outside 0..=1 → `None`); else
///   [`CallEventKind::NoInput`].
/// - [`WebhookKind::Dial`]: `DialCallStatus` → [`CallEventKind::TransferEnded`]
///   (an undocumented value → [`TransferOutcome::Failed`], so the caller hears
///   what happens next).
/// - [`WebhookKind::Status`]: `CallStatus` → [`CallEventKind::Status`] (an
///   undocumented value → the non-final [`CallStatus::InProgress`], i.e. ignored).
/// - [`WebhookKind::Incoming`] → [`CallEventKind::Incoming`].
///
/// `StirVerstat` (Twilio's SHAKEN/STIR verification of the caller ID) becomes
/// the event's [`Attestation`]; absent, it is [`Attestation::Unverified`].
///
/// `from`/`to` are `None` when the value is not an E.164 phone number
/// (`anonymous`, `client:alice`, SIP URIs, Twilio's withheld-caller placeholders).
///
/// # Errors
/// [`WebhookError::MissingParameter`] naming a missing `CallSid`, `From`, `To`,
/// `DialCallStatus` (dial) or `CallStatus` (status); [`WebhookError::Malformed`]
/// for an empty `CallSid`. An unknown status *value* is never an error.
pub fn parse_params(
    kind: WebhookKind,
    params: &[(String, String)],
) -> Result<CallEvent, WebhookError> {
    let get = |name: &'static str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let require = |name: &'static str| get(name).ok_or(WebhookError::MissingParameter(name));

    let call_sid = require("CallSid")?.trim();
    if call_sid.is_empty() {
        return Err(WebhookError::Malformed("empty CallSid".into()));
    }
    let from = phone_number(require("From")?);
    let to = phone_number(require("To")?);

    let kind = match kind {
        WebhookKind::Incoming => CallEventKind::Incoming,
        WebhookKind::Gather => gather_result(get("Digits"), get("SpeechResult"), get("Confidence")),
        WebhookKind::Dial => CallEventKind::TransferEnded(dial_outcome(require("DialCallStatus")?)),
        WebhookKind::Status => CallEventKind::Status(call_status(require("CallStatus")?)),
    };
    let attestation =
        get("StirVerstat").map_or(Attestation::Unverified, Attestation::from_stir_verstat);
    Ok(CallEvent::new(CallId::new(call_sid), from, to, kind).with_attestation(attestation))
}

fn gather_result(
    digits: Option<&str>,
    speech: Option<&str>,
    confidence: Option<&str>,
) -> CallEventKind {
    if let Some(d) = digits.map(str::trim)
        && !d.is_empty()
        && d.chars()
            .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
    {
        return CallEventKind::Input(Utterance::digits(d));
    }
    if let Some(text) = speech.map(str::trim)
        && !text.is_empty()
    {
        return CallEventKind::Input(Utterance::speech(
            text,
            confidence.and_then(parse_confidence),
        ));
    }
    CallEventKind::NoInput
}

/// `Confidence` as a number in 0..=1, or `None`.
pub(crate) fn parse_confidence(raw: &str) -> Option<f32> {
    raw.trim()
        .parse::<f32>()
        .ok()
        .filter(|c| (0.0..=1.0).contains(c))
}

/// Placeholders Twilio puts in `From` when the caller ID is withheld: they spell
/// ANONYMOUS, RESTRICTED, BLOCKED, UNKNOWN and UNAVAILABLE on a keypad and would
/// otherwise parse as phone numbers.
const WITHHELD_CALLER_IDS: [&str; 5] = [
    "+266696687",
    "+7378742833",
    "+2562533",
    "+8656696",
    "+86282452253",
];

/// A usable caller/called number, or `None` for anything else.
pub fn phone_number(raw: &str) -> Option<PhoneNumber> {
    let raw = raw.trim();
    if WITHHELD_CALLER_IDS.contains(&raw) {
        return None;
    }
    PhoneNumber::parse_e164(raw).ok()
}

/// `DialCallStatus` as a transfer outcome. A value Twilio does not document (yet)
/// counts as [`TransferOutcome::Failed`]: the caller is still on the line and must
/// hear what happens next, which a 400 would prevent (Twilio would drop the call).
fn dial_outcome(raw: &str) -> TransferOutcome {
    match raw.trim() {
        // `completed`: the human answered and the bridged call has since ended.
        "completed" | "answered" => TransferOutcome::Answered,
        "busy" => TransferOutcome::Busy,
        "no-answer" => TransferOutcome::NoAnswer,
        "failed" => TransferOutcome::Failed,
        "canceled" => TransferOutcome::Canceled,
        _ => TransferOutcome::Failed,
    }
}

/// `CallStatus` of a status callback. A value Twilio does not document (yet) is
/// reported as the non-final [`CallStatus::InProgress`], which changes nothing: a
/// status callback is informational, and only a known final status ends a call's
/// record.
fn call_status(raw: &str) -> CallStatus {
    match raw.trim() {
        // `initiated` (status callbacks only): dialled, not yet ringing.
        "queued" | "initiated" => CallStatus::Queued,
        "ringing" => CallStatus::Ringing,
        "in-progress" => CallStatus::InProgress,
        "completed" => CallStatus::Completed,
        "busy" => CallStatus::Busy,
        "no-answer" => CallStatus::NoAnswer,
        "failed" => CallStatus::Failed,
        "canceled" => CallStatus::Canceled,
        _ => CallStatus::InProgress,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INCOMING: &str = "AccountSid=ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX&ApiVersion=2010-04-01\
        &CallSid=CA0123456789abcdef0123456789abcdef&CallStatus=ringing&Called=%2B15005550001\
        &CalledCountry=US&Caller=%2B15005550006&CallerCountry=US&Direction=inbound\
        &From=%2B15005550006&FromCountry=US&To=%2B15005550001&ToCountry=US&SomethingNew=1";

    fn parse(kind: WebhookKind, body: &str) -> Result<CallEvent, WebhookError> {
        parse_params(kind, &parse_form(body.as_bytes()))
    }

    fn base(extra: &str) -> String {
        format!(
            "CallSid=CA0123456789abcdef0123456789abcdef&From=%2B15005550006&To=%2B15005550001{extra}"
        )
    }

    #[test]
    fn incoming_call() {
        let e = parse(WebhookKind::Incoming, INCOMING).unwrap();
        assert_eq!(e.call_id.as_str(), "CA0123456789abcdef0123456789abcdef");
        assert_eq!(e.from.unwrap().as_e164(), "+15005550006");
        assert_eq!(e.to.unwrap().as_e164(), "+15005550001");
        assert_eq!(e.kind, CallEventKind::Incoming);
        assert_eq!(
            infer_kind(&parse_form(INCOMING.as_bytes())),
            WebhookKind::Incoming
        );
    }

    #[test]
    fn speech_with_confidence() {
        let body = base("&SpeechResult=Where+is+my+order+number+1001%3F&Confidence=0.9134");
        let e = parse(WebhookKind::Gather, &body).unwrap();
        assert_eq!(
            e.kind,
            CallEventKind::Input(Utterance::speech(
                "Where is my order number 1001?",
                Some(0.9134)
            ))
        );
    }

    #[test]
    fn bad_confidence_is_none_not_an_error() {
        for c in ["abc", "", "1.5", "-0.1", "NaN"] {
            let body = base(&format!("&SpeechResult=hi&Confidence={c}"));
            let e = parse(WebhookKind::Gather, &body).unwrap();
            assert_eq!(
                e.kind,
                CallEventKind::Input(Utterance::speech("hi", None)),
                "{c}"
            );
        }
    }

    #[test]
    fn digits_win_and_zero_is_digits() {
        let e = parse(WebhookKind::Gather, &base("&Digits=0&FinishedOnKey=")).unwrap();
        assert_eq!(e.kind, CallEventKind::Input(Utterance::digits("0")));
        let e = parse(WebhookKind::Gather, &base("&Digits=1001&FinishedOnKey=%23")).unwrap();
        assert_eq!(e.kind, CallEventKind::Input(Utterance::digits("1001")));
        let e = parse(WebhookKind::Gather, &base("&Digits=12&SpeechResult=twelve")).unwrap();
        assert_eq!(e.kind, CallEventKind::Input(Utterance::digits("12")));
    }

    #[test]
    fn empty_gather_is_no_input() {
        for extra in [
            "",
            "&SpeechResult=&Digits=",
            "&SpeechResult=+++",
            "&Digits=hangup",
        ] {
            let e = parse(WebhookKind::Gather, &base(extra)).unwrap();
            assert_eq!(e.kind, CallEventKind::NoInput, "{extra}");
        }
        // The same request on the incoming route is a new call.
        assert_eq!(
            parse(WebhookKind::Incoming, &base("")).unwrap().kind,
            CallEventKind::Incoming
        );
    }

    #[test]
    fn dial_outcomes() {
        for (raw, want) in [
            ("completed", TransferOutcome::Answered),
            ("answered", TransferOutcome::Answered),
            ("busy", TransferOutcome::Busy),
            ("no-answer", TransferOutcome::NoAnswer),
            ("failed", TransferOutcome::Failed),
            ("canceled", TransferOutcome::Canceled),
        ] {
            let body = base(&format!(
                "&DialCallStatus={raw}&DialCallSid=CAx&DialBridged=false"
            ));
            assert_eq!(infer_kind(&parse_form(body.as_bytes())), WebhookKind::Dial);
            let e = parse(WebhookKind::Dial, &body).unwrap();
            assert_eq!(e.kind, CallEventKind::TransferEnded(want), "{raw}");
        }
        assert_eq!(
            parse(WebhookKind::Dial, &base("")),
            Err(WebhookError::MissingParameter("DialCallStatus"))
        );
        // An undocumented value must not drop the call with a 400.
        assert_eq!(
            parse(WebhookKind::Dial, &base("&DialCallStatus=weird")).map(|e| e.kind),
            Ok(CallEventKind::TransferEnded(TransferOutcome::Failed))
        );
    }

    #[test]
    fn status_callbacks() {
        for (raw, want) in [
            ("initiated", CallStatus::Queued),
            ("ringing", CallStatus::Ringing),
            ("in-progress", CallStatus::InProgress),
            ("completed", CallStatus::Completed),
            ("busy", CallStatus::Busy),
            ("no-answer", CallStatus::NoAnswer),
            ("failed", CallStatus::Failed),
            ("canceled", CallStatus::Canceled),
        ] {
            let body = base(&format!(
                "&CallStatus={raw}&CallbackSource=call-progress-events&SequenceNumber=0&CallDuration=12"
            ));
            assert_eq!(
                infer_kind(&parse_form(body.as_bytes())),
                WebhookKind::Status
            );
            let e = parse(WebhookKind::Status, &body).unwrap();
            assert_eq!(e.kind, CallEventKind::Status(want), "{raw}");
        }
        assert_eq!(
            parse(WebhookKind::Status, &base("")),
            Err(WebhookError::MissingParameter("CallStatus"))
        );
        // An undocumented value is ignored (non-final), never a 400.
        let e = parse(WebhookKind::Status, &base("&CallStatus=teleported")).unwrap();
        assert_eq!(e.kind, CallEventKind::Status(CallStatus::InProgress));
        assert!(!CallStatus::InProgress.is_final());
    }

    #[test]
    fn missing_required_parameters_are_named() {
        assert_eq!(
            parse(
                WebhookKind::Incoming,
                "From=%2B15005550006&To=%2B15005550001"
            ),
            Err(WebhookError::MissingParameter("CallSid"))
        );
        assert_eq!(
            parse(WebhookKind::Incoming, "CallSid=CA1&To=%2B15005550001"),
            Err(WebhookError::MissingParameter("From"))
        );
        assert_eq!(
            parse(WebhookKind::Gather, "CallSid=CA1&From=%2B15005550006"),
            Err(WebhookError::MissingParameter("To"))
        );
    }

    #[test]
    fn unusable_caller_ids_become_none() {
        for from in [
            "anonymous",
            "client%3Aalice",
            "sip%3Aalice%40example.com",
            "%2B266696687",
            "%2B7378742833",
            "",
        ] {
            let body = format!("CallSid=CA1&From={from}&To=%2B15005550001");
            let e = parse(WebhookKind::Incoming, &body).unwrap();
            assert_eq!(e.from, None, "{from}");
            assert!(e.to.is_some());
        }
    }

    #[test]
    fn infer_kind_gather() {
        let p = parse_form(base("&SpeechResult=hi").as_bytes());
        assert_eq!(infer_kind(&p), WebhookKind::Gather);
    }
}
