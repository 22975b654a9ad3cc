//! Whole calls against the example server over Twilio's wire protocol.

mod common;

use common::{Say, TestServer, follow_call, follow_call_attested};

#[tokio::test]
async fn order_status_by_keypad_with_postal_code_verification() {
    let server = TestServer::start(&[]).await;
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
        "{:?}",
        trace.statuses
    );
    let heard = trace.all_heard();
    assert!(
        heard.contains("LumiTalk Demo Store"),
        "greeting names the store: {heard}"
    );
    let disclosed_at = trace
        .heard
        .iter()
        .position(|t| t.contains("UPS"))
        .unwrap_or_else(|| panic!("status never spoken: {heard}"));
    // Nothing about the order before the postal code was given (turn 3).
    assert!(disclosed_at >= 3, "disclosed too early: {heard}");
    assert!(trace.hung_up, "ends with a goodbye: {heard}");
}

#[tokio::test]
async fn an_attested_caller_id_needs_no_challenge() {
    let server = TestServer::start(&[]).await;
    let trace = follow_call_attested(
        &server,
        "+17145550142",
        Some("TN-Validation-Passed-A"),
        &[Say::Keys("1001"), Say::Speech("goodbye")],
        "completed",
    )
    .await;
    let heard = trace.all_heard();
    assert!(heard.contains("UPS"), "verified by caller ID: {heard}");
    assert!(trace.hung_up);
}

#[tokio::test]
async fn a_caller_id_without_full_attestation_hears_the_challenge() {
    // Anyone can send Jordan's number from a SIP trunk; only `-A` says it is hers.
    let server = TestServer::start(&[]).await;
    for stir in [
        None,
        Some("No-TN-Validation"),
        Some("TN-Validation-Passed-B"),
        Some("TN-Validation-Passed-C"),
        Some("TN-Validation-Failed-A"),
    ] {
        let trace = follow_call_attested(
            &server,
            "+17145550142",
            stir,
            &[Say::Keys("1001"), Say::Speech("goodbye")],
            "completed",
        )
        .await;
        let heard = trace.all_heard();
        assert!(!heard.contains("UPS"), "{stir:?} disclosed: {heard}");
        assert!(!heard.contains("Jordan"), "{stir:?} disclosed: {heard}");
        assert!(heard.contains("ZIP code"), "{stir:?} challenged: {heard}");
    }
}

#[tokio::test]
async fn zero_reaches_a_human() {
    let server = TestServer::start(&[]).await;
    let trace = follow_call(&server, "+14085550111", &[Say::Keys("0")], "completed").await;
    assert_eq!(trace.transferred_to.as_deref(), Some("+14155550100"));
    assert!(trace.statuses.iter().all(|s| *s == 200));
}

#[tokio::test]
async fn agent_unanswered_tells_the_caller_what_happens_next() {
    let server = TestServer::start(&[]).await;
    let trace = follow_call(
        &server,
        "+14085550111",
        &[Say::Speech("I want to talk to a representative")],
        "no-answer",
    )
    .await;
    assert_eq!(trace.transferred_to.as_deref(), Some("+14155550100"));
    assert!(trace.hung_up, "ends politely: {}", trace.all_heard());
}

#[tokio::test]
async fn an_unknown_dial_status_still_tells_the_caller_what_happens_next() {
    // A DialCallStatus Twilio may add one day must not drop the call with a 400.
    let server = TestServer::start(&[]).await;
    let trace = follow_call(&server, "+14085550111", &[Say::Keys("0")], "rerouted").await;
    assert_eq!(trace.transferred_to.as_deref(), Some("+14155550100"));
    assert!(
        trace.statuses.iter().all(|s| *s == 200),
        "{:?}",
        trace.statuses
    );
    assert!(trace.hung_up, "ends politely: {}", trace.all_heard());
}

#[tokio::test]
async fn an_unknown_call_status_is_ignored() {
    let server = TestServer::start(&[]).await;
    let mut p = common::base_params("CA00000000000000000000000000000077", "+14085550111");
    p.retain(|(k, _)| k != "CallStatus");
    p.push(("CallStatus".into(), "teleported".into()));
    let (status, _) = server.post_signed("/twilio/status", &p).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn silence_is_reprompted_then_the_call_ends() {
    let server = TestServer::start(&[]).await;
    let trace = follow_call(
        &server,
        "+14085550111",
        &[Say::Silence, Say::Silence, Say::Silence, Say::Silence],
        "completed",
    )
    .await;
    assert!(trace.hung_up, "{}", trace.all_heard());
    assert!(
        trace.heard.len() <= 5,
        "bounded reprompts: {:?}",
        trace.heard
    );
}

#[tokio::test]
async fn forged_and_unsigned_webhooks_are_refused() {
    let server = TestServer::start(&[]).await;
    let params = common::base_params("CA00000000000000000000000000000042", "+14085550111");
    let url = format!("{}/twilio/voice", server.base);
    let forged = server
        .client
        .post(&url)
        .header("X-Twilio-Signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
        .form(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let unsigned = server.client.post(&url).form(&params).send().await.unwrap();
    assert_eq!(unsigned.status(), 403);
    // Signed for another URL (a replay against a different route).
    let sig = lumitalk_twilio::sign(
        &format!("{}/twilio/gather", server.base),
        &params,
        &secrecy::SecretString::from(common::AUTH_TOKEN),
    );
    let replay = server
        .client
        .post(&url)
        .header("X-Twilio-Signature", sig)
        .form(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 403);
}

#[tokio::test]
async fn malformed_webhook_is_a_clear_400() {
    let server = TestServer::start(&[]).await;
    let params = vec![("From".to_string(), "+14085550111".to_string())];
    let (status, body) = server.post_signed("/twilio/voice", &params).await;
    assert_eq!(status, 400);
    assert!(body.contains("CallSid"), "{body}");
}

#[tokio::test]
async fn gather_for_an_unknown_call_starts_politely() {
    let server = TestServer::start(&[]).await;
    let mut params = common::base_params("CA0000000000000000000000000000dead", "+14085550111");
    params.push(("Digits".into(), "1001".into()));
    let (status, twiml) = server.post_signed("/twilio/gather", &params).await;
    assert_eq!(status, 200);
    assert!(
        twiml.contains("<Gather") || twiml.contains("<Say"),
        "{twiml}"
    );
}

#[tokio::test]
async fn health_and_metrics() {
    // A merchant of its own: the metrics recorder is global to the test process.
    let config = std::env::temp_dir().join(format!("lumitalk-metrics-{}.toml", std::process::id()));
    std::fs::write(
        &config,
        "[[merchants]]\nid = \"metrics-probe\"\nname = \"Probe\"\nnumbers = [\"+14155550100\"]\n\
         escalation_number = \"+14155550199\"\n",
    )
    .unwrap();
    let server = TestServer::start(&[("LUMITALK_CONFIG", config.display().to_string())]).await;
    follow_call(&server, "+14085550111", &[Say::Keys("0")], "completed").await;
    let health = server
        .client
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let ready = server
        .client
        .get(format!("{}/readyz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let ready: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(ready["ready"], true, "{ready}");
    assert_eq!(ready["stores"][0]["store"], "sqlite", "{ready}");
    let metrics = server.metrics().await;
    assert!(
        metrics.contains("lumitalk_turn_duration_seconds_count"),
        "{metrics}"
    );
    assert!(
        metrics
            .contains("lumitalk_calls_total{outcome=\"transferred\",merchant=\"metrics-probe\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("lumitalk_active_calls"));
    assert!(
        metrics.contains("# HELP lumitalk_webhooks_total"),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "lumitalk_turn_duration_seconds_bucket{merchant=\"metrics-probe\",le=\"0.005\"}"
        ),
        "{metrics}"
    );
    let _ = std::fs::remove_file(config);
}
