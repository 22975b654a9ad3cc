//! The server's own defences, through HTTP: demo mode answers only requests
//! addressed to this machine, failed admin authentication is throttled, and
//! the admin API can live on an internal listener only.

mod common;

use common::{ADMIN_TOKEN, TestServer};
use reqwest::Method;

/// A demo-mode server: no `TWILIO_AUTH_TOKEN`, unsigned webhooks.
async fn demo_server() -> TestServer {
    TestServer::start(&[
        ("TWILIO_AUTH_TOKEN", String::new()),
        ("TWILIO_ACCOUNT_SID", String::new()),
    ])
    .await
}

#[tokio::test]
async fn demo_mode_answers_only_requests_addressed_to_localhost() {
    let server = demo_server().await;
    let form = [
        ("CallSid", "CA00000000000000000000000000000abc"),
        ("From", "+14155550123"),
        ("To", "+14155550100"),
    ];
    let voice = format!("{}/twilio/voice", server.base);
    let ok = server.client.post(&voice).form(&form).send().await.unwrap();
    assert_eq!(
        ok.status(),
        200,
        "an unsigned local webhook is answered in demo mode"
    );
    for host in ["attacker.example", "abc.ngrok.app:443", "10.0.0.5:3000"] {
        let refused = server
            .client
            .post(&voice)
            .header("host", host)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403, "Host {host}");
    }
    let localhost = server
        .client
        .get(format!("{}/healthz", server.base))
        .header("host", "localhost:3000")
        .send()
        .await
        .unwrap();
    assert_eq!(localhost.status(), 200);
}

#[tokio::test]
async fn signed_mode_does_not_check_the_host() {
    let server = TestServer::start(&[]).await;
    let resp = server
        .client
        .get(format!("{}/healthz", server.base))
        .header("host", "bot.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn failed_admin_authentication_is_throttled() {
    let server = TestServer::start(&[]).await;
    let path = "/admin/callers/+14155550123";
    for _ in 0..10 {
        let (status, _) = server
            .admin(Method::GET, path, Some("wrong-token-guess"))
            .await;
        assert_eq!(status, 401);
    }
    let resp = server
        .client
        .get(format!("{}{path}", server.base))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        429,
        "even the right token waits once guesses pile up"
    );
    assert!(resp.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn the_admin_api_can_live_on_an_internal_listener_only() {
    use lumitalk_axum::Settings;
    use lumitalk_axum::wiring::Deployment;
    use std::collections::HashMap;

    let db = std::env::temp_dir().join(format!("lumitalk-split-{}.db", std::process::id()));
    let env: HashMap<String, String> = [
        ("LUMITALK_DATABASE", db.display().to_string()),
        ("LUMITALK_ADMIN_TOKEN", ADMIN_TOKEN.to_string()),
        ("LUMITALK_ADMIN_ADDR", "127.0.0.1:0".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let settings = Settings::from_source(&env).unwrap();
    let lumitalk = Deployment::from_settings_and(&settings, &env)
        .unwrap()
        .lumitalk;
    let serve = |app: axum::Router| async move {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(l, app).await });
        format!("http://{addr}")
    };
    let public = serve(lumitalk.public_router()).await;
    let internal = serve(lumitalk.internal_router()).await;
    let client = reqwest::Client::new();
    let get = |url: String| {
        let client = client.clone();
        async move {
            client
                .get(url)
                .bearer_auth(ADMIN_TOKEN)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        get(format!("{public}/admin/callers/+14155550123")).await,
        404
    );
    assert_eq!(get(format!("{public}/metrics")).await, 404);
    assert_eq!(get(format!("{public}/healthz")).await, 200);
    assert_eq!(
        get(format!("{internal}/admin/callers/+14155550123")).await,
        200
    );
    assert_eq!(get(format!("{internal}/metrics")).await, 200);
    assert_eq!(get(format!("{internal}/twilio/voice")).await, 404);
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
}
