//! Hostile input (issue 17, item 11): property tests over arbitrary bytes and
//! strings for everything this crate reads from the network or writes for Twilio
//! to parse.
//!
//! - **Webhook forms** ([`parse_form`], [`parse_params`],
//!   `TwilioTelephony::parse_webhook`): arbitrary bytes, percent-encoding
//!   fragments (`%`, `%zz`, `%C3` without its continuation byte, `+`), duplicate
//!   keys and values of up to 16 KiB never panic; the outcome is exactly what a
//!   small reference model of the documented rules predicts (a `CallEvent`, or
//!   the `WebhookError` naming the missing parameter); form encoding round-trips.
//! - **Signatures** ([`sign`], [`validate_signature`],
//!   [`validate_signature_with_body`]): arbitrary URLs (any scheme, userinfo,
//!   IPv6 and non-ASCII hosts, ports that are empty, huge or not numbers, queries
//!   with `'`/`%27`, fragments) and bodies: a signature computed over the same
//!   bytes always validates, random, forged and other-token signatures never do,
//!   the documented port spellings are accepted and no other port is.
//! - **TwiML** ([`TwimlRenderer`]): replies with arbitrary text, voices,
//!   languages, hints, keypad keys and turn numbers, salted with `]]>`, `<`, `&`,
//!   entity look-alikes, markup, CR/LF and characters XML cannot carry, always
//!   render as well-formed XML (checked with quick-xml) holding only TwiML verbs;
//!   every spoken text and attribute reads back as given minus the characters XML
//!   1.0 cannot carry, and the callback URLs carry the turn number back.
//!
//! The existing unit tests in `src/signature.rs` and `src/twiml.rs` cover fixed
//! URLs and plain random text; these add the hostile shapes.

use bytes::Bytes;
use lumitalk_core::{
    AudioId, CallEvent, CallEventKind, ExpectedEntity, InboundRequest, Language, ListenSpec, Next,
    PhoneNumber, Prompt, Reply, Telephony, TransferSpec, Utterance, WebhookError,
};
use lumitalk_twilio::twiml::turn_of;
use lumitalk_twilio::{
    SignatureError, TwilioConfig, TwilioTelephony, TwimlRenderer, WebhookKind, infer_kind,
    parse_form, parse_params, sign, validate_signature, validate_signature_with_body,
};
use proptest::collection::vec;
use proptest::prelude::*;
use quick_xml::Reader;
use quick_xml::events::Event;
use secrecy::SecretString;
use url::Url;

const TOKEN: &str = "12345";

fn token() -> SecretString {
    SecretString::from(TOKEN)
}

fn config() -> TwilioConfig {
    TwilioConfig::builder()
        .account_sid("ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX")
        .auth_token(token())
        .public_url("https://example.com")
        .build()
        .unwrap()
}

const KINDS: [WebhookKind; 4] = [
    WebhookKind::Incoming,
    WebhookKind::Gather,
    WebhookKind::Dial,
    WebhookKind::Status,
];

/// Parameter names the parser reads (so generated forms hit its branches).
const KNOWN_KEYS: [&str; 10] = [
    "CallSid",
    "From",
    "To",
    "Digits",
    "SpeechResult",
    "Confidence",
    "DialCallStatus",
    "CallStatus",
    "StirVerstat",
    "CallbackSource",
];

// ---------------------------------------------------------------------------
// Webhook forms
// ---------------------------------------------------------------------------

/// Text that looks like a form body: separators, broken percent escapes, known
/// names, arbitrary characters.
fn formish() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just("&".to_string()),
        Just("=".to_string()),
        Just("+".to_string()),
        Just("%".to_string()),
        Just("%2".to_string()),
        Just("%zz".to_string()),
        Just("%C3".to_string()),
        Just("%FF%FE".to_string()),
        Just("%00".to_string()),
        Just("%2B1500555000".to_string()),
        Just(";".to_string()),
        "[0-9a-fA-F]{1,2}",
        prop::sample::select(KNOWN_KEYS.to_vec()).prop_map(String::from),
        "\\PC{0,6}",
        any::<char>().prop_map(String::from),
    ];
    vec(piece, 0..40).prop_map(|p| p.concat().into_bytes())
}

fn hostile_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![vec(any::<u8>(), 0..512), formish()]
}

/// A value of any shape: plain, phone-like, digits, status words, control
/// characters, or very long.
fn form_value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        2 => "\\PC{0,12}",
        1 => "[+]?[0-9]{0,16}",
        1 => "[0-9*#]{0,8}",
        1 => " ?[0-9.eE+-]{0,6}",
        1 => prop::sample::select(vec![
            "", " ", "completed", "busy", "no-answer", "in-progress", "NaN", "inf",
            "TN-Validation-Passed-A", "anonymous", "+266696687",
        ])
        .prop_map(String::from),
        1 => (0usize..16_384, any::<char>()).prop_map(|(n, c)| c.to_string().repeat(n)),
    ]
}

fn form_key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(KNOWN_KEYS.to_vec()).prop_map(String::from),
        1 => any::<String>(),
    ]
}

/// Name/value pairs, duplicate names likely.
fn form_pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    vec((form_key(), form_value()), 0..12)
}

fn encode(pairs: &[(String, String)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

fn first<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The error the documented rules predict for `params`, or `None` for success.
fn expected_error(kind: WebhookKind, params: &[(String, String)]) -> Option<WebhookError> {
    let Some(sid) = first(params, "CallSid") else {
        return Some(WebhookError::MissingParameter("CallSid"));
    };
    if sid.trim().is_empty() {
        return Some(WebhookError::Malformed("empty CallSid".into()));
    }
    for name in ["From", "To"] {
        if first(params, name).is_none() {
            return Some(WebhookError::MissingParameter(name));
        }
    }
    match kind {
        WebhookKind::Dial if first(params, "DialCallStatus").is_none() => {
            Some(WebhookError::MissingParameter("DialCallStatus"))
        }
        WebhookKind::Status if first(params, "CallStatus").is_none() => {
            Some(WebhookError::MissingParameter("CallStatus"))
        }
        _ => None,
    }
}

/// Checks one parse against the reference model and the event's invariants.
fn check_parse(
    kind: WebhookKind,
    params: &[(String, String)],
    got: &Result<CallEvent, WebhookError>,
) -> Result<(), TestCaseError> {
    match (expected_error(kind, params), got) {
        (Some(want), Err(e)) => prop_assert_eq!(&want, e),
        (Some(want), Ok(_)) => prop_assert!(false, "expected {want:?}, got an event"),
        (None, Err(e)) => prop_assert!(false, "expected an event, got {e:?}"),
        (None, Ok(event)) => {
            let sid = first(params, "CallSid").unwrap().trim();
            prop_assert_eq!(event.call_id.as_str(), sid);
            for (phone, name) in [(&event.from, "From"), (&event.to, "To")] {
                if let Some(p) = phone {
                    // Only a real E.164 number survives, and it is the first one sent.
                    prop_assert_eq!(p.as_e164(), first(params, name).unwrap().trim());
                    prop_assert!(PhoneNumber::parse_e164(p.as_e164()).is_ok());
                }
            }
            match (kind, &event.kind) {
                (WebhookKind::Incoming, CallEventKind::Incoming)
                | (WebhookKind::Dial, CallEventKind::TransferEnded(_))
                | (WebhookKind::Status, CallEventKind::Status(_))
                | (WebhookKind::Gather, CallEventKind::NoInput) => {}
                (WebhookKind::Gather, CallEventKind::Input(Utterance::Digits { digits })) => {
                    prop_assert!(!digits.is_empty());
                    prop_assert!(
                        digits
                            .chars()
                            .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
                    );
                    prop_assert_eq!(
                        Some(digits.as_str()),
                        first(params, "Digits").map(str::trim)
                    );
                }
                (
                    WebhookKind::Gather,
                    CallEventKind::Input(Utterance::Speech { text, confidence }),
                ) => {
                    prop_assert!(!text.trim().is_empty());
                    prop_assert_eq!(
                        Some(text.as_str()),
                        first(params, "SpeechResult").map(str::trim)
                    );
                    if let Some(c) = confidence {
                        prop_assert!((0.0..=1.0).contains(c));
                    }
                }
                (kind, other) => prop_assert!(false, "{kind:?} gave {other:?}"),
            }
            if kind == WebhookKind::Gather && !matches!(event.kind, CallEventKind::Input(_)) {
                // No input only when neither usable digits nor speech were sent.
                let digits = first(params, "Digits").map(str::trim).unwrap_or("");
                let usable = !digits.is_empty()
                    && digits
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '*' || c == '#');
                let speech = first(params, "SpeechResult").map(str::trim).unwrap_or("");
                prop_assert!(!usable && speech.is_empty());
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bodies_give_an_event_or_a_typed_error(body in hostile_body()) {
        let params = parse_form(&body);
        let _ = infer_kind(&params);
        for kind in KINDS {
            check_parse(kind, &params, &parse_params(kind, &params))?;
        }
    }

    #[test]
    fn encoded_forms_round_trip_and_the_first_duplicate_wins(pairs in form_pairs()) {
        let body = encode(&pairs);
        let params = parse_form(body.as_bytes());
        prop_assert_eq!(&params, &pairs);
        for kind in KINDS {
            check_parse(kind, &pairs, &parse_params(kind, &params))?;
        }
    }
}

// --- The same through `Telephony::parse_webhook`, signature included ---------

const PATHS: [&str; 6] = [
    "/twilio/voice",
    "/twilio/gather",
    "/twilio/dial",
    "/twilio/status",
    "/somewhere/else",
    "/",
];

fn request(
    method: &str,
    url: &Url,
    content_type: Option<&str>,
    signature: Option<&str>,
    body: Vec<u8>,
) -> InboundRequest {
    let mut headers = Vec::new();
    if let Some(ct) = content_type {
        headers.push(("Content-Type".to_string(), ct.to_string()));
    }
    if let Some(s) = signature {
        headers.push(("X-Twilio-Signature".to_string(), s.to_string()));
    }
    InboundRequest {
        method: method.into(),
        url: url.clone(),
        headers,
        body: Bytes::from(body),
    }
}

fn webhook_case() -> impl Strategy<Value = (String, Url, Option<String>, Vec<u8>)> {
    let method = prop::sample::select(vec!["POST", "post", "GET", "get", "PUT", ""]);
    let content_type = prop_oneof![
        3 => Just(Some("application/x-www-form-urlencoded".to_string())),
        1 => Just(Some("APPLICATION/X-WWW-FORM-URLENCODED; charset=utf-8".to_string())),
        1 => Just(None),
        1 => Just(Some(String::new())),
        1 => Just(Some("application/json".to_string())),
        1 => any::<String>().prop_map(Some),
    ];
    let body = prop_oneof![
        hostile_body(),
        form_pairs().prop_map(|p| encode(&p).into_bytes())
    ];
    let query = prop_oneof![
        Just(None),
        any::<u32>().prop_map(|t| Some(format!("turn={t}"))),
        any::<u32>().prop_map(|t| Some(format!("turn={t}&resume=1"))),
        form_pairs().prop_map(|p| Some(encode(&p))),
        "\\PC{0,20}".prop_map(Some),
    ];
    (
        method,
        prop::sample::select(PATHS.to_vec()),
        query,
        content_type,
        body,
    )
        .prop_map(|(method, path, query, ct, body)| {
            let mut url = Url::parse("https://example.com").unwrap();
            url.set_path(path);
            url.set_query(query.as_deref());
            (method.to_string(), url, ct, body)
        })
}

/// What `parse_webhook` must answer for a correctly signed request.
fn expected_webhook(
    twilio: &TwilioTelephony,
    method: &str,
    url: &Url,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(WebhookKind, Vec<(String, String)>), WebhookError> {
    let is_get = method.eq_ignore_ascii_case("GET");
    let ct = content_type.unwrap_or("");
    if !is_get
        && !ct.is_empty()
        && !ct
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    {
        return Err(WebhookError::Malformed(
            "voice webhooks are form-encoded".into(),
        ));
    }
    let params = if is_get {
        parse_form(url.query().unwrap_or("").as_bytes())
    } else {
        parse_form(body)
    };
    let kind = twilio
        .webhook_kind(url.path())
        .unwrap_or_else(|| infer_kind(&params));
    Ok((kind, params))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn signed_hostile_webhooks_parse_exactly_as_the_rules_say(
        (method, url, content_type, body) in webhook_case(),
    ) {
        let twilio = TwilioTelephony::new(config()).unwrap();
        let is_get = method.eq_ignore_ascii_case("GET");
        let signed_params = if is_get { Vec::new() } else { parse_form(&body) };
        let sig = sign(url.as_str(), &signed_params, &token());
        let req = request(&method, &url, content_type.as_deref(), Some(&sig), body.clone());
        let got = twilio.parse_webhook(&req);
        match expected_webhook(&twilio, &method, &url, content_type.as_deref(), &body) {
            Err(want) => prop_assert_eq!(got, Err(want)),
            Ok((kind, params)) => {
                if let Err(e) = &got {
                    prop_assert!(!e.is_auth_failure(), "a correct signature was refused: {e:?}");
                }
                // A gather callback marked as coming back from a hold reads as
                // `Resumed` where the rules alone say "no input".
                let mut got = got;
                if let Ok(event) = &mut got
                    && event.kind == CallEventKind::Resumed
                {
                    prop_assert_eq!(kind, WebhookKind::Gather);
                    prop_assert!(url.query_pairs().any(|(k, _)| k == "resume"));
                    event.kind = CallEventKind::NoInput;
                }
                check_parse(kind, &params, &got)?;
                if let Ok(event) = got {
                    let want_turn = match kind {
                        WebhookKind::Gather | WebhookKind::Dial => turn_of(&url),
                        _ => None,
                    };
                    prop_assert_eq!(event.answers_turn, want_turn);
                }
            }
        }
    }

    #[test]
    fn unsigned_forged_and_random_signatures_are_refused(
        (method, url, content_type, body) in webhook_case(),
        header in prop_oneof![
            Just(None),
            any::<String>().prop_map(Some),
            vec(any::<u8>(), 20).prop_map(|b| {
                use base64::Engine as _;
                Some(base64::engine::general_purpose::STANDARD.encode(b))
            }),
            "[A-Za-z0-9+/]{27}=".prop_map(Some),
        ],
        other_token in "[a-z0-9]{1,16}",
    ) {
        let twilio = TwilioTelephony::new(config()).unwrap();
        let is_get = method.eq_ignore_ascii_case("GET");
        let signed_params = if is_get { Vec::new() } else { parse_form(&body) };
        // A correct signature made with someone else's token is as good as random.
        prop_assume!(other_token != TOKEN);
        let wrong_token = sign(url.as_str(), &signed_params, &SecretString::from(other_token));
        let wants_form_error =
            expected_webhook(&twilio, &method, &url, content_type.as_deref(), &body).is_err();
        for header in [header.as_deref(), Some(wrong_token.as_str())] {
            let req = request(&method, &url, content_type.as_deref(), header, body.clone());
            let e = twilio.parse_webhook(&req).unwrap_err();
            if wants_form_error {
                // The content type is checked first: a JSON post is a bad request.
                prop_assert!(matches!(e, WebhookError::Malformed(_)), "{e:?}");
            } else {
                prop_assert!(e.is_auth_failure(), "{e:?}");
                let missing = header.is_none_or(|h| h.trim().is_empty());
                prop_assert_eq!(missing, e == WebhookError::MissingSignature);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Signatures
// ---------------------------------------------------------------------------

/// URL components; `host` is always splittable (no `/?#@` and `:` only inside
/// brackets), so the port rules apply to it.
#[derive(Debug, Clone)]
struct Parts {
    scheme: String,
    userinfo: String,
    host: String,
    port: Option<String>,
    rest: String,
}

impl Parts {
    fn url(&self, port: Option<&str>) -> String {
        let port = port.map(|p| format!(":{p}")).unwrap_or_default();
        format!(
            "{}://{}{}{}{}",
            self.scheme, self.userinfo, self.host, port, self.rest
        )
    }

    fn default_port(&self) -> Option<&'static str> {
        match self.scheme.to_ascii_lowercase().as_str() {
            "https" => Some("443"),
            "http" => Some("80"),
            _ => None,
        }
    }
}

fn url_rest() -> impl Strategy<Value = String> {
    let path = vec(
        prop_oneof!["[a-zA-Z0-9._~%'@:!$()*,;=-]{0,8}", "[^/?#]{0,4}"],
        0..4,
    )
    .prop_map(|segs| segs.iter().map(|s| format!("/{s}")).collect::<String>());
    let query_piece = prop_oneof![
        Just("'".to_string()),
        Just("%27".to_string()),
        Just("&".to_string()),
        Just("=".to_string()),
        Just("bodySHA256=".to_string()),
        "[a-zA-Z0-9+% ]{1,6}",
        "[^#]{0,4}",
    ];
    let query = prop::option::of(vec(query_piece, 0..8).prop_map(|p| p.concat()));
    let fragment = prop::option::of("\\PC{0,8}");
    (path, query, fragment).prop_map(|(path, query, fragment)| {
        let mut s = path;
        if let Some(q) = query {
            s.push('?');
            s.push_str(&q);
        }
        if let Some(f) = fragment {
            s.push('#');
            s.push_str(&f);
        }
        s
    })
}

fn parts() -> impl Strategy<Value = Parts> {
    let scheme = prop_oneof![
        Just("https".to_string()),
        Just("http".to_string()),
        Just("HTTPS".to_string()),
        Just("Http".to_string()),
        Just("wss".to_string()),
        Just(String::new()),
        "[a-z+.-]{1,6}",
    ];
    let userinfo = prop_oneof![
        3 => Just(String::new()),
        1 => "[a-z0-9:%]{0,8}@",
    ];
    let host = prop_oneof![
        "[a-z0-9.-]{1,20}",
        "\\[[0-9a-fA-F:.]{0,16}\\]",
        "[^/?#@:\\[\\]]{1,10}",
        Just(String::new()),
    ];
    let port = prop::option::of(prop_oneof![
        Just("443".to_string()),
        Just("80".to_string()),
        Just("0".to_string()),
        Just("00443".to_string()),
        "[0-9]{1,6}",
        "[0-9]{20,30}",
    ]);
    (scheme, userinfo, host, port, url_rest()).prop_map(|(scheme, userinfo, host, port, rest)| {
        Parts {
            scheme,
            userinfo,
            host,
            port,
            rest,
        }
    })
}

/// Any string at all as a URL, or a URL-shaped one.
fn any_url() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => parts().prop_map(|p| p.url(p.port.as_deref())),
        1 => any::<String>(),
        1 => "[a-z]{0,5}:?/{0,3}[^ ]{0,20}",
    ]
}

fn sig_params() -> impl Strategy<Value = Vec<(String, String)>> {
    vec((any::<String>(), any::<String>()), 0..5)
}

/// The exact bytes a signature covers for `url` and `params` (sorted,
/// deduplicated name/value pairs appended without separators).
fn signed_bytes(url: &str, params: &[(String, String)]) -> String {
    let mut v: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    v.sort_unstable();
    v.dedup();
    let mut s = url.to_string();
    for (k, val) in v {
        s.push_str(k);
        s.push_str(val);
    }
    s
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_signature_over_the_same_bytes_validates_any_url(url in any_url(), params in sig_params()) {
        let sig = sign(&url, &params, &token());
        prop_assert_eq!(validate_signature(&url, &params, &sig, &token()), Ok(()));
        // Order of the pairs does not matter; the header may carry whitespace.
        let mut reversed = params.clone();
        reversed.reverse();
        let padded = format!(" {sig}\t");
        prop_assert_eq!(validate_signature(&url, &reversed, &padded, &token()), Ok(()));
    }

    #[test]
    fn random_and_forged_signatures_never_validate(
        url in any_url(),
        params in sig_params(),
        header in any::<String>(),
        raw in vec(any::<u8>(), 0..32),
        other_token in "\\PC{1,16}",
    ) {
        let check = |h: &str| validate_signature(&url, &params, h, &token());
        match check(&header) {
            Err(SignatureError::Missing) => prop_assert!(header.trim().is_empty()),
            Err(SignatureError::Mismatch) => prop_assert!(!header.trim().is_empty()),
            other => prop_assert!(false, "random header {header:?} gave {other:?}"),
        }
        prop_assert_eq!(check(&b64(&raw)), if raw.is_empty() {
            Err(SignatureError::Missing)
        } else {
            Err(SignatureError::Mismatch)
        });
        prop_assume!(other_token != TOKEN);
        let forged = sign(&url, &params, &SecretString::from(other_token));
        prop_assert_eq!(check(&forged), Err(SignatureError::Mismatch));
    }

    #[test]
    fn a_signature_over_other_bytes_fails(
        url in any_url(),
        a in sig_params(),
        b in sig_params(),
    ) {
        // Name/value concatenation is Twilio's scheme: only genuinely different
        // signed bytes must differ (`("ab","c")` and `("a","bc")` sign alike).
        prop_assume!(signed_bytes(&url, &a) != signed_bytes(&url, &b));
        let sig = sign(&url, &a, &token());
        prop_assert_eq!(
            validate_signature(&url, &b, &sig, &token()),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn only_the_documented_port_spellings_are_accepted(p in parts(), port in "[0-9]{1,5}") {
        let none = p.url(None);
        let with = p.url(Some(&port));
        let ok = |url: &str, signed_for: &str| {
            validate_signature(url, &[], &sign(signed_for, &[], &token()), &token()).is_ok()
        };
        // An explicit port may have been signed without it.
        prop_assert!(ok(&with, &none));
        // A port-less URL accepts the scheme's default port, and no other.
        let default = p.default_port();
        prop_assert_eq!(ok(&none, &with), default == Some(port.as_str()));
        if let Some(d) = default {
            prop_assert!(ok(&none, &p.url(Some(d))));
        }
    }

    #[test]
    fn json_bodies_validate_only_with_their_own_hash(
        p in parts(),
        body in vec(any::<u8>(), 0..2048),
        other in vec(any::<u8>(), 0..64),
        header in any::<String>(),
    ) {
        // No fragment (a hash after `#` is not in the query) and no hash already.
        let full = p.url(p.port.as_deref());
        let base = full.split('#').next().unwrap_or("").replace("bodySHA256", "bodySHA255");
        let sep = if base.contains('?') { '&' } else { '?' };
        let hash = lumitalk_twilio::signature::body_sha256_hex(&body);
        let url = format!("{base}{sep}bodySHA256={hash}");
        let sig = sign(&url, &[], &token());
        prop_assert_eq!(validate_signature_with_body(&url, &body, &sig, &token()), Ok(()));
        if other != body {
            prop_assert_eq!(
                validate_signature_with_body(&url, &other, &sig, &token()),
                Err(SignatureError::BodyHashMismatch)
            );
        }
        // Without the hash parameter, even a good URL signature is not enough.
        let bare_sig = sign(&base, &[], &token());
        prop_assert_eq!(
            validate_signature_with_body(&base, &body, &bare_sig, &token()),
            Err(SignatureError::MissingBodyHash)
        );
        prop_assert!(validate_signature_with_body(&url, &body, &header, &token()).is_err());
    }
}

// ---------------------------------------------------------------------------
// TwiML
// ---------------------------------------------------------------------------

/// XML 1.0 `Char` (what the renderer keeps).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= '\u{20}' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

fn xml_kept(s: &str) -> String {
    s.chars().filter(|c| is_xml_char(*c)).collect()
}

/// Text salted with what breaks naive XML writers.
fn hostile_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        prop::sample::select(vec![
            "]]>",
            "<![CDATA[",
            "<",
            ">",
            "&",
            "&amp;",
            "&#0;",
            "&#x1F;",
            "&lt;",
            "\"",
            "'",
            "\r\n",
            "\r",
            "\n",
            "\t",
            "\u{0}",
            "\u{1b}",
            "\u{7f}",
            "\u{85}",
            "\u{2028}",
            "\u{FFFE}",
            "\u{FFFF}",
            "\u{FEFF}",
            "</Say><Hangup/>",
            "<Dial>+15005550009</Dial>",
            "<!--",
            "-->",
            "<?xml version=\"1.0\"?>",
            "<!DOCTYPE x [<!ENTITY e \"x\">]>",
            "&e;",
        ])
        .prop_map(String::from),
        any::<char>().prop_map(String::from),
        "\\PC{0,8}",
        "[\\x00-\\x1f]{1,3}",
    ];
    vec(piece, 0..16).prop_map(|p| p.concat())
}

fn language() -> impl Strategy<Value = Language> {
    prop_oneof![
        Just(Language::en_us()),
        hostile_text().prop_map(Language::new)
    ]
}

fn prompt() -> impl Strategy<Value = Prompt> {
    prop_oneof![
        3 => (hostile_text(), prop::option::of(hostile_text()), language())
            .prop_map(|(text, voice, language)| Prompt::Say { text, voice, language }),
        1 => (hostile_text(), hostile_text())
            .prop_map(|(id, text)| Prompt::Play { audio: AudioId::new(id), text }),
        1 => any::<u8>().prop_map(|seconds| Prompt::Pause { seconds }),
    ]
}

fn next() -> impl Strategy<Value = Next> {
    let listen = (
        any::<(bool, bool, u8)>(),
        prop::option::of(any::<char>()),
        prop::option::of(any::<u8>()),
        vec(hostile_text(), 0..3),
        language(),
    )
        .prop_map(
            |((speech, keypad, timeout_secs), finish_on_key, num_digits, hints, language)| {
                Next::Listen(ListenSpec {
                    speech,
                    keypad,
                    timeout_secs,
                    finish_on_key,
                    num_digits,
                    hints,
                    language,
                    expected: ExpectedEntity::OrderNumber,
                })
            },
        );
    let transfer = (any::<bool>(), any::<u16>()).prop_map(|(caller_id, timeout_secs)| {
        Next::Transfer(TransferSpec {
            to: PhoneNumber::parse_e164("+15005550002").unwrap(),
            caller_id: caller_id.then(|| PhoneNumber::parse_e164("+15005550001").unwrap()),
            timeout_secs,
        })
    });
    prop_oneof![
        2 => listen,
        1 => transfer,
        1 => Just(Next::HangUp),
        1 => Just(Next::Continue),
    ]
}

/// One parsed element: its name, attributes and (for text elements) its text.
#[derive(Debug, Default)]
struct Parsed {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
}

impl Parsed {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a whole document, failing on any XML error, and returns its elements
/// in document order with their decoded attributes and text.
fn parse_xml(xml: &str) -> Result<Vec<Parsed>, String> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut out: Vec<Parsed> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut roots = 0;
    let element = |e: &quick_xml::events::BytesStart<'_>| -> Result<Parsed, String> {
        let name = String::from_utf8(e.name().as_ref().to_vec()).map_err(|e| e.to_string())?;
        let mut attrs = Vec::new();
        for a in e.attributes() {
            let a = a.map_err(|e| e.to_string())?;
            let key = String::from_utf8(a.key.as_ref().to_vec()).map_err(|e| e.to_string())?;
            let value = a.unescape_value().map_err(|e| e.to_string())?.into_owned();
            attrs.push((key, value));
        }
        Ok(Parsed {
            name,
            attrs,
            text: String::new(),
        })
    };
    loop {
        let event = reader.read_event().map_err(|e| e.to_string())?;
        match event {
            Event::Start(e) => {
                if open.is_empty() {
                    roots += 1;
                }
                out.push(element(&e)?);
                open.push(out.len() - 1);
            }
            Event::Empty(e) => {
                if open.is_empty() {
                    roots += 1;
                }
                out.push(element(&e)?);
            }
            Event::End(_) => {
                open.pop().ok_or("unbalanced end tag")?;
            }
            Event::Text(t) => {
                let text = t.decode().map_err(|e| e.to_string())?;
                match open.last() {
                    Some(&i) => out[i].text.push_str(&text),
                    None if text.trim().is_empty() => {}
                    None => return Err("text outside the root".into()),
                }
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(c) => c,
                    None => match r.decode().map_err(|e| e.to_string())?.as_ref() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => return Err(format!("undeclared entity &{other};")),
                    },
                };
                let &i = open.last().ok_or("reference outside the root")?;
                out[i].text.push(c);
            }
            Event::Decl(_) => {}
            Event::Eof => break,
            other => return Err(format!("unexpected {other:?}")),
        }
    }
    if !open.is_empty() {
        return Err("unclosed element".into());
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(out)
}

const VERBS: [&str; 9] = [
    "Response", "Say", "Play", "Pause", "Gather", "Redirect", "Dial", "Number", "Hangup",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn hostile_replies_render_well_formed_twiml_that_reads_back(
        prompts in vec(prompt(), 0..4),
        next in next(),
        turn in prop::option::of(any::<u32>()),
    ) {
        let config = config();
        let renderer = TwimlRenderer::new(config.clone());
        let reply = Reply { prompts, next };
        let xml = match turn {
            Some(t) => renderer.render_turn(&reply, t),
            None => renderer.render(&reply),
        };
        let els = parse_xml(&xml).map_err(|e| TestCaseError::fail(format!("{e}\n{xml}")))?;
        prop_assert_eq!(els[0].name.as_str(), "Response");
        for el in &els {
            prop_assert!(VERBS.contains(&el.name.as_str()), "injected element {}", el.name);
        }

        // Every prompt comes back, in order, with its text and attributes.
        let mut spoken = els.iter().filter(|e| matches!(e.name.as_str(), "Say" | "Play" | "Pause"));
        for p in &reply.prompts {
            let el = spoken.next().ok_or_else(|| TestCaseError::fail("a prompt is missing"))?;
            match p {
                Prompt::Say { text, voice, language } => {
                    prop_assert_eq!(el.name.as_str(), "Say");
                    prop_assert_eq!(&el.text, &xml_kept(text));
                    let kept_language = xml_kept(language.as_str());
                    prop_assert_eq!(el.attr("language"), Some(kept_language.as_str()));
                    let kept_voice = voice.as_deref().map(xml_kept);
                    prop_assert_eq!(el.attr("voice"), kept_voice.as_deref());
                }
                Prompt::Play { audio, .. } => {
                    prop_assert_eq!(el.name.as_str(), "Play");
                    prop_assert_eq!(&el.text, &xml_kept(&config.audio_url(audio)));
                }
                Prompt::Pause { seconds } => {
                    prop_assert_eq!(el.name.as_str(), "Pause");
                    let length = seconds.to_string();
                    prop_assert_eq!(el.attr("length"), Some(length.as_str()));
                }
            }
        }
        prop_assert!(spoken.next().is_none(), "an extra prompt element");

        // The callback carries the turn back, and the verbs match `next`.
        let find = |name: &str| els.iter().find(|e| e.name == name);
        let callback = match &reply.next {
            Next::Listen(spec) => {
                let gather = find("Gather").ok_or_else(|| TestCaseError::fail("no Gather"))?;
                let redirect = find("Redirect").ok_or_else(|| TestCaseError::fail("no Redirect"))?;
                prop_assert_eq!(gather.attr("action"), Some(redirect.text.as_str()));
                let kept_language = xml_kept(spec.language.as_str());
                prop_assert_eq!(gather.attr("language"), Some(kept_language.as_str()));
                if let Some(hints) = gather.attr("hints") {
                    prop_assert_eq!(hints, xml_kept(&spec.hints.join(", ")));
                }
                if spec.keypad || !spec.speech {
                    let key = spec.finish_on_key.map(|c| xml_kept(&c.to_string())).unwrap_or_default();
                    prop_assert_eq!(gather.attr("finishOnKey"), Some(key.as_str()));
                }
                redirect.text.clone()
            }
            Next::Transfer(spec) => {
                let dial = find("Dial").ok_or_else(|| TestCaseError::fail("no Dial"))?;
                let number = find("Number").ok_or_else(|| TestCaseError::fail("no Number"))?;
                prop_assert_eq!(number.text.as_str(), spec.to.as_e164());
                dial.attr("action").unwrap_or_default().to_string()
            }
            Next::HangUp => {
                prop_assert!(find("Hangup").is_some());
                return Ok(());
            }
            Next::Continue => {
                let redirect = find("Redirect").ok_or_else(|| TestCaseError::fail("no Redirect"))?;
                prop_assert!(find("Gather").is_none());
                redirect.text.clone()
            }
        };
        let url = Url::parse(&callback).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(turn_of(&url), turn);
    }
}
