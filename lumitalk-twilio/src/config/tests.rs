//! Configuration tests.

use super::*;

const SID: &str = "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";

fn env(pairs: &[(&str, &str)]) -> TwilioConfigBuilder {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    TwilioConfigBuilder::from_lookup(move |name| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    })
}

#[test]
fn from_env_with_auth_token() {
    let c = env(&[
        ("TWILIO_ACCOUNT_SID", SID),
        ("TWILIO_AUTH_TOKEN", "tok"),
        ("LUMITALK_PUBLIC_URL", "https://bot.example.com/"),
    ])
    .build()
    .unwrap();
    assert_eq!(c.account_sid(), Some(SID));
    assert!(c.has_auth_token());
    assert_eq!(c.api_base().as_str(), "https://api.twilio.com/");
    assert_eq!(c.gather_url(), "https://bot.example.com/twilio/gather");
    assert_eq!(
        c.audio_url(&AudioId::new("abc")),
        "https://bot.example.com/audio/abc"
    );
    assert_eq!(c.speech_model(), None);
    assert_eq!(c.speech_timeout(), "auto");
    let dbg = format!("{c:?}");
    assert!(!dbg.contains("tok\""), "{dbg}");
}

#[test]
fn api_key_and_base_url_override() {
    let c = env(&[
        ("TWILIO_ACCOUNT_SID", SID),
        ("TWILIO_API_KEY_SID", "SK0123456789abcdef0123456789abcdef"),
        ("TWILIO_API_KEY_SECRET", "shh"),
        ("TWILIO_API_BASE_URL", "http://127.0.0.1:9999"),
        ("LUMITALK_PUBLIC_URL", "https://bot.example.com/app"),
    ])
    .build()
    .unwrap();
    assert!(matches!(c.credentials, Some(Credentials::ApiKey { .. })));
    assert!(!c.has_auth_token());
    assert_eq!(c.voice_url(), "https://bot.example.com/app/twilio/voice");
    assert!(!format!("{c:?}").contains("shh"));
}

#[test]
fn webhook_only_config_is_valid() {
    let c = env(&[("LUMITALK_PUBLIC_URL", "http://localhost:3000")])
        .build()
        .unwrap();
    assert!(c.credentials.is_none());
    assert!(c.account_sid().is_none());
}

#[test]
fn reports_every_problem() {
    let err = env(&[
        ("TWILIO_ACCOUNT_SID", "nope"),
        ("TWILIO_API_KEY_SID", "SKshort"),
        ("TWILIO_API_BASE_URL", "ftp://x"),
    ])
    .routes(Routes {
        audio: "/audio".into(),
        ..Routes::default()
    })
    .build()
    .unwrap_err();
    let all = err.to_string();
    for needle in [
        "LUMITALK_PUBLIC_URL is missing",
        "TWILIO_API_BASE_URL: must be an http(s) URL",
        "TWILIO_ACCOUNT_SID: must be",
        "TWILIO_API_KEY_SECRET is missing (TWILIO_API_KEY_SID is set)",
        "TwilioConfig::builder().routes(..): audio must contain `{id}`",
    ] {
        assert!(all.contains(needle), "{needle} not in {all}");
    }
    assert_eq!(err.problems().len(), 5, "{all}");
}

#[test]
fn account_sid_without_credentials_is_an_error() {
    let err = env(&[
        ("TWILIO_ACCOUNT_SID", SID),
        ("LUMITALK_PUBLIC_URL", "https://x.example"),
    ])
    .build()
    .unwrap_err();
    assert!(
        err.to_string().contains(
            "TWILIO_AUTH_TOKEN is missing (TWILIO_ACCOUNT_SID is set; give the auth token or an API key)"
        ),
        "{err}"
    );
    let err = env(&[
        ("TWILIO_AUTH_TOKEN", "t"),
        ("LUMITALK_PUBLIC_URL", "https://x.example?q=1"),
    ])
    .build()
    .unwrap_err();
    assert_eq!(err.problems().len(), 1, "{err}");
}

#[test]
fn builder_errors_name_the_method_and_lookup_errors_the_variable() {
    let err = TwilioConfig::builder()
        .account_sid(SID)
        .request_timeout(Duration::ZERO)
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid Twilio configuration: TwilioConfig::builder().public_url(..) is missing; \
         TwilioConfig::builder().auth_token(..) is missing (account_sid is set; give the \
         auth token or an API key); TwilioConfig::builder().request_timeout(..): must be positive"
    );
    let err = env(&[("TWILIO_SPEECH_TIMEOUT", "x")])
        .public_url("ftp://x")
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid Twilio configuration: TwilioConfig::builder().public_url(..): must be an \
         http(s) URL with a host; TWILIO_SPEECH_TIMEOUT: must be a whole number of seconds \
         from 1 to 60 (`auto` is used automatically without TWILIO_SPEECH_MODEL)"
    );
}

#[test]
fn auth_token_without_account_sid_is_valid() {
    // Verifying webhooks needs only the token; the SID is for call control.
    let c = env(&[
        ("TWILIO_AUTH_TOKEN", "tok"),
        ("LUMITALK_PUBLIC_URL", "https://x.example"),
    ])
    .build()
    .unwrap();
    assert!(c.has_auth_token());
    assert_eq!(c.account_sid(), None);
}

#[test]
fn speech_model_switches_speech_timeout_to_an_integer() {
    let c = env(&[
        ("LUMITALK_PUBLIC_URL", "https://x.example"),
        ("TWILIO_SPEECH_MODEL", "phone_call"),
    ])
    .build()
    .unwrap();
    assert_eq!(c.speech_model(), Some("phone_call"));
    assert_eq!(c.speech_timeout(), "2");
    let c = env(&[
        ("LUMITALK_PUBLIC_URL", "https://x.example"),
        ("TWILIO_SPEECH_MODEL", "googlev2_telephony"),
        ("TWILIO_SPEECH_TIMEOUT", "3"),
    ])
    .build()
    .unwrap();
    assert_eq!(c.speech_timeout(), "3");
    let c = TwilioConfig::builder()
        .public_url("https://x.example")
        .speech_timeout_secs(4)
        .build()
        .unwrap();
    assert_eq!(c.speech_timeout(), "auto", "no model: auto");
    assert_eq!(c.speech_timeout_secs(), 4);
    for bad in ["auto", "0", "61", "1.5", "x"] {
        let err = env(&[
            ("LUMITALK_PUBLIC_URL", "https://x.example"),
            ("TWILIO_SPEECH_MODEL", "phone_call"),
            ("TWILIO_SPEECH_TIMEOUT", bad),
        ])
        .build()
        .unwrap_err();
        assert!(
            err.to_string().contains("TWILIO_SPEECH_TIMEOUT"),
            "{bad}: {err}"
        );
    }
    let err = env(&[
        ("LUMITALK_PUBLIC_URL", "https://x.example"),
        ("TWILIO_SPEECH_MODEL", "phone call"),
    ])
    .build()
    .unwrap_err();
    assert!(err.to_string().contains("TWILIO_SPEECH_MODEL"), "{err}");
}
