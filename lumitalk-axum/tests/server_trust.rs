//! Trust over the wire: duplicated and concurrent webhooks apply once, and the
//! verification lockout holds across parallel calls, through signed Twilio
//! requests against the standard deployment's server.

mod common;

use std::sync::Arc;

use common::{Say, TestServer, attr, base_params, follow_call_attested, new_call_sid, says};

const WRONG_ZIP: &str = "90210";
const JORDAN: &str = "+17145550142";
const NO_MATCH: &str = "That doesn't match";
const LOCKED: &str = "For your security";

/// One call driven step by step: the last TwiML and where its `<Gather>` posts.
struct Step {
    call_sid: String,
    from: String,
    twiml: String,
}

impl Step {
    async fn ring(server: &TestServer, from: &str) -> Step {
        let call_sid = new_call_sid();
        let (status, twiml) = server
            .post_signed("/twilio/voice", &base_params(&call_sid, from))
            .await;
        assert_eq!(status, 200, "{twiml}");
        Step {
            call_sid,
            from: from.into(),
            twiml,
        }
    }

    /// The path and query the last reply's `<Gather>` posts to.
    fn action(&self, server: &TestServer) -> String {
        let url = attr(&self.twiml, "Gather", "action").expect("the reply listens");
        url.strip_prefix(&server.public).unwrap_or(&url).to_string()
    }

    fn keyed(&self, keys: &str) -> Vec<(String, String)> {
        let mut p = base_params(&self.call_sid, &self.from);
        p.push(("Digits".into(), keys.into()));
        p.push(("FinishedOnKey".into(), "#".into()));
        p
    }

    /// Answers the last `<Gather>` with `keys`; returns the reply's text.
    async fn keys(&mut self, server: &TestServer, keys: &str) -> String {
        let (status, twiml) = server
            .post_signed(&self.action(server), &self.keyed(keys))
            .await;
        assert_eq!(status, 200, "{twiml}");
        self.twiml = twiml;
        says(&self.twiml)
    }
}

#[tokio::test]
async fn a_replayed_gather_gets_the_same_twiml_and_counts_once() {
    let server = TestServer::start(&[]).await;
    let mut call = Step::ring(&server, "+14085550111").await;
    call.keys(&server, "1001").await;
    let action = call.action(&server);
    assert!(
        action.contains("turn="),
        "the callback URL names its turn: {action}"
    );
    let answer = call.keyed(WRONG_ZIP);
    let (_, first) = server.post_signed(&action, &answer).await;
    assert!(says(&first).starts_with(NO_MATCH), "{first}");
    // Twilio retries, a proxy duplicates: three more deliveries of that request.
    for _ in 0..3 {
        let (status, again) = server.post_signed(&action, &answer).await;
        assert_eq!(status, 200);
        assert_eq!(again, first, "a duplicate gets the very same TwiML");
    }
    // The failure counted once: two more wrong answers are still asked again
    // and then refused (three per call), not refused at once.
    call.twiml = first;
    let second = call.keys(&server, WRONG_ZIP).await;
    assert!(second.starts_with(NO_MATCH), "second failure: {second}");
    let third = call.keys(&server, WRONG_ZIP).await;
    assert!(
        third.contains("wasn't able to verify"),
        "third failure: {third}"
    );
}

#[tokio::test]
async fn a_duplicate_voice_webhook_does_not_reset_a_live_call() {
    let server = TestServer::start(&[]).await;
    let mut call = Step::ring(&server, "+14085550111").await;
    let question = call.keys(&server, "1001").await;
    assert!(question.contains("ZIP code"), "{question}");
    let (status, again) = server
        .post_signed("/twilio/voice", &base_params(&call.call_sid, &call.from))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        again, call.twiml,
        "the call's current reply, not a new greeting"
    );
    // The call goes on where it was.
    let answer = call.keys(&server, "92618").await;
    assert!(answer.contains("UPS"), "{answer}");
}

#[tokio::test]
async fn two_concurrent_gathers_for_one_call_apply_once() {
    let server = Arc::new(TestServer::start(&[]).await);
    let mut call = Step::ring(&server, "+14085550111").await;
    call.keys(&server, "1001").await;
    let action = call.action(&server);
    let answer = call.keyed(WRONG_ZIP);
    let racers: Vec<_> = (0..4)
        .map(|_| {
            let (server, action, answer) = (server.clone(), action.clone(), answer.clone());
            tokio::spawn(async move { server.post_signed(&action, &answer).await })
        })
        .collect();
    let mut replies = Vec::new();
    for r in racers {
        let (status, twiml) = r.await.unwrap();
        assert_eq!(status, 200);
        replies.push(twiml);
    }
    assert!(
        replies.iter().all(|r| r == &replies[0]),
        "all deliveries get one reply: {replies:?}"
    );
    assert!(says(&replies[0]).starts_with(NO_MATCH), "{}", replies[0]);
    // The session is consistent: one failure so far, the call goes on.
    call.twiml = replies[0].clone();
    let next = call.keys(&server, WRONG_ZIP).await;
    assert!(next.starts_with(NO_MATCH), "{next}");
    let verified = call.keys(&server, "92618").await;
    assert!(verified.contains("UPS"), "{verified}");
}

#[tokio::test]
async fn parallel_calls_share_one_budget_of_guesses_and_the_attested_owner_unlocks() {
    let server = Arc::new(TestServer::start(&[]).await);
    // Eight callers from eight numbers, each at order 1001's challenge.
    let mut calls = Vec::new();
    for i in 0..8 {
        let mut call = Step::ring(&server, &format!("+1408555{:04}", 2000 + i)).await;
        let question = call.keys(&server, "1001").await;
        assert!(question.contains("ZIP code"), "{question}");
        calls.push(call);
    }
    // Each guesses wrong three times, all calls at once.
    let mut wrong_answers_checked = 0;
    for _round in 0..3 {
        let tasks: Vec<_> = calls
            .drain(..)
            .map(|mut call| {
                let server = server.clone();
                tokio::spawn(async move {
                    // Only a call still at the challenge answers it.
                    let heard = if says(&call.twiml).contains("ZIP code") {
                        call.keys(&server, WRONG_ZIP).await
                    } else {
                        String::new()
                    };
                    (call, heard)
                })
            })
            .collect();
        for t in tasks {
            let (call, heard) = t.await.unwrap();
            if heard.starts_with(NO_MATCH) || heard.contains("wasn't able to verify") {
                wrong_answers_checked += 1;
            } else if !heard.is_empty() {
                assert!(heard.contains(LOCKED), "a refused answer says so: {heard}");
            }
            calls.push(call);
        }
    }
    assert_eq!(
        wrong_answers_checked, 5,
        "24 wrong answers from 8 calls: only the lockout's 5 were checked"
    );
    // A ninth number is not even asked: the order is locked.
    let mut late = Step::ring(&server, "+14085553000").await;
    let heard = late.keys(&server, "1001").await;
    assert!(
        heard.contains(LOCKED) && !heard.contains("ZIP code"),
        "{heard}"
    );
    // Jordan, calling from the order's phone with full attestation, hears it
    // and unlocks the order.
    let trace = follow_call_attested(
        &server,
        JORDAN,
        Some("TN-Validation-Passed-A"),
        &[Say::Keys("1001"), Say::Speech("goodbye")],
        "completed",
    )
    .await;
    assert!(trace.all_heard().contains("UPS"), "{}", trace.all_heard());
    let mut after = Step::ring(&server, "+14085553001").await;
    after.keys(&server, "1001").await;
    let heard = after.keys(&server, "92618").await;
    assert!(heard.contains("UPS"), "unlocked by the owner: {heard}");
}
