//! A public URL with a path prefix (`https://bot.example.com/lt`) behind a
//! reverse proxy that strips the prefix, or passes it through: signed webhooks
//! follow a whole call, and audio is served under the prefix.

mod common;

use common::{AUTH_TOKEN, Say, TestServer, follow_call, follow_call_attested};
use secrecy::SecretString;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn a_whole_call_works_under_a_public_path_prefix() {
    for pass_through in [false, true] {
        let server = TestServer::start_behind_proxy("/lt", pass_through, &[]).await;
        let trace = follow_call(
            &server,
            "+14085550111",
            &[
                Say::Speech("where is my order"),
                Say::Keys("1001"),
                Say::Speech("9 2 6 1 8"),
                Say::Speech("no that's all thanks"),
            ],
            "completed",
        )
        .await;
        assert!(
            trace.statuses.iter().all(|s| *s == 200),
            "pass through {pass_through}: {:?}",
            trace.statuses
        );
        let heard = trace.all_heard();
        assert!(
            heard.contains("UPS"),
            "the order status was reached: {heard}"
        );
        assert!(trace.hung_up, "{heard}");
    }
}

#[tokio::test]
async fn a_signature_over_the_url_without_the_prefix_is_refused() {
    // What Twilio never signs: the prefix dropped (the old `Url::join` result).
    let server = TestServer::start_behind_proxy("/lt", false, &[]).await;
    let params = common::base_params("CA00000000000000000000000000000p01", "+14085550111");
    let wrong = format!("{}/twilio/voice", server.base);
    let sig = lumitalk_twilio::sign(&wrong, &params, &SecretString::from(AUTH_TOKEN));
    let resp = server
        .client
        .post(&wrong)
        .header("X-Twilio-Signature", sig)
        .form(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn audio_urls_carry_the_prefix_and_are_served() {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex("/v1/text-to-speech/voice123.*"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Content-Type", "audio/mpeg")
                .set_body_bytes(vec![0xFFu8, 0xF3, 0x44, 0xC4, 0, 1, 2, 3]),
        )
        .mount(&mock)
        .await;
    for pass_through in [false, true] {
        let server = TestServer::start_behind_proxy(
            "/lt",
            pass_through,
            &[
                ("ELEVENLABS_API_KEY", "xi-test-key".into()),
                ("ELEVENLABS_VOICE_ID", "voice123".into()),
                ("ELEVENLABS_BASE_URL", mock.uri()),
            ],
        )
        .await;
        let trace = follow_call_attested(
            &server,
            "+17145550142",
            Some("TN-Validation-Passed-A"),
            &[Say::Keys("1001"), Say::Speech("goodbye")],
            "completed",
        )
        .await;
        assert!(
            trace.statuses.iter().all(|s| *s == 200),
            "{:?}",
            trace.statuses
        );
        assert!(!trace.played.is_empty(), "audio was played");
        for url in &trace.played {
            assert!(
                url.starts_with(&format!("{}/audio/", server.public)),
                "{url}"
            );
            let resp = server.client.get(server.local(url)).send().await.unwrap();
            assert_eq!(resp.status(), 200, "{url}");
            assert_eq!(resp.headers()["content-type"], "audio/mpeg");
            assert_eq!(resp.bytes().await.unwrap().len(), 8);
        }
    }
}
