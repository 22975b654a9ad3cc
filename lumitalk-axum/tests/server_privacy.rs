//! Admin API and Shopify compliance webhooks against the example server.

mod common;

use common::{ADMIN_TOKEN, SHOPIFY_SECRET, Say, TestServer, follow_call};
use reqwest::Method;
use secrecy::SecretString;

#[tokio::test]
async fn admin_requires_the_token() {
    let server = TestServer::start(&[]).await;
    let (status, _) = server
        .admin(Method::GET, "/admin/callers/+14085550111", None)
        .await;
    assert_eq!(status, 401);
    let (status, _) = server
        .admin(
            Method::GET,
            "/admin/callers/+14085550111",
            Some("wrong-token-wrong-token"),
        )
        .await;
    assert_eq!(status, 401);
    // The comparison is exact: one byte off, a prefix, a longer token, empty.
    let last = if ADMIN_TOKEN.ends_with('x') { "y" } else { "x" };
    let one_off = format!("{}{last}", &ADMIN_TOKEN[..ADMIN_TOKEN.len() - 1]);
    let longer = format!("{ADMIN_TOKEN}x");
    let prefix = &ADMIN_TOKEN[..ADMIN_TOKEN.len() - 1];
    for wrong in [one_off.as_str(), prefix, longer.as_str(), ""] {
        let (status, _) = server
            .admin(Method::GET, "/admin/callers/+14085550111", Some(wrong))
            .await;
        assert_eq!(status, 401, "{wrong:?}");
    }
    let (status, _) = server
        .admin(
            Method::GET,
            "/admin/callers/+14085550111",
            Some(ADMIN_TOKEN),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = server
        .admin(Method::POST, "/admin/retention/purge", None)
        .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn export_then_delete_a_callers_records() {
    let server = TestServer::start(&[]).await;
    follow_call(
        &server,
        "+14085550111",
        &[Say::Keys("1001"), Say::Speech("bye")],
        "completed",
    )
    .await;
    follow_call(&server, "+14085550122", &[Say::Keys("0")], "completed").await;

    // Any input format finds the caller.
    let (status, body) = server
        .admin(
            Method::GET,
            "/admin/callers/(408)%20555-0111",
            Some(ADMIN_TOKEN),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["caller"], "+14085550111");
    assert_eq!(doc["records"].as_array().unwrap().len(), 1);
    assert!(!doc["records"][0]["turns"].as_array().unwrap().is_empty());

    let (status, body) = server
        .admin(
            Method::DELETE,
            "/admin/callers/+14085550111",
            Some(ADMIN_TOKEN),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = server
        .admin(
            Method::GET,
            "/admin/callers/+14085550111",
            Some(ADMIN_TOKEN),
        )
        .await;
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(doc["records"].as_array().unwrap().is_empty());
    // The other caller is untouched.
    let (_, body) = server
        .admin(
            Method::GET,
            "/admin/callers/+14085550122",
            Some(ADMIN_TOKEN),
        )
        .await;
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["records"].as_array().unwrap().len(), 1);

    let (status, _) = server
        .admin(
            Method::GET,
            "/admin/callers/not-a-number",
            Some(ADMIN_TOKEN),
        )
        .await;
    assert_eq!(status, 400);
    let (status, body) = server
        .admin(Method::POST, "/admin/retention/purge", Some(ADMIN_TOKEN))
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_held_record_survives_deleting_the_caller() {
    let server = TestServer::start(&[]).await;
    let call = follow_call(&server, "+14085550133", &[Say::Keys("0")], "completed").await;
    let hold = format!("/admin/calls/{}/legal-hold", call.call_sid);
    let (status, body) = server.admin(Method::PUT, &hold, Some(ADMIN_TOKEN)).await;
    assert_eq!(status, 200, "{body}");

    let (status, body) = server
        .admin(
            Method::DELETE,
            "/admin/callers/+14085550133",
            Some(ADMIN_TOKEN),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let report: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["deleted_records"], 0, "{report}");
    assert_eq!(report["held_records"], 1, "{report}");
    let (_, body) = server
        .admin(
            Method::GET,
            "/admin/callers/+14085550133",
            Some(ADMIN_TOKEN),
        )
        .await;
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        doc["record_count"], 1,
        "the held record is still there: {doc}"
    );

    // Released explicitly, it goes.
    let (status, _) = server.admin(Method::DELETE, &hold, Some(ADMIN_TOKEN)).await;
    assert_eq!(status, 200);
    let (_, body) = server
        .admin(
            Method::DELETE,
            "/admin/callers/+14085550133",
            Some(ADMIN_TOKEN),
        )
        .await;
    let report: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (
            report["deleted_records"].as_u64(),
            report["held_records"].as_u64()
        ),
        (Some(1), Some(0))
    );
}

async fn shopify_webhook(server: &TestServer, topic: &str, body: &str, secret: &str) -> u16 {
    shopify_webhook_with(server, topic, body, secret, &[])
        .await
        .0
}

async fn shopify_webhook_with(
    server: &TestServer,
    topic: &str,
    body: &str,
    secret: &str,
    headers: &[(&str, &str)],
) -> (u16, String) {
    let hmac = lumitalk_shopify::webhook::sign(body.as_bytes(), &SecretString::from(secret));
    let mut req = server
        .client
        .post(format!("{}/shopify/webhooks", server.base))
        .header("X-Shopify-Topic", topic)
        .header("X-Shopify-Hmac-Sha256", hmac)
        .header("Content-Type", "application/json")
        .body(body.to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// A server whose orders come from the shop `demo.myshopify.com` (a Shopify
/// endpoint that answers nothing: calls still end well), so its compliance
/// webhooks are about this deployment.
async fn server_for_demo_shop(shopify: &wiremock::MockServer) -> TestServer {
    TestServer::start(&[
        ("SHOPIFY_SHOP", "demo.myshopify.com".into()),
        ("SHOPIFY_ACCESS_TOKEN", "shpat_test_token".into()),
        ("SHOPIFY_API_BASE_URL", shopify.uri()),
    ])
    .await
}

async fn record_count(server: &TestServer, caller: &str) -> u64 {
    let (_, body) = server
        .admin(
            Method::GET,
            &format!("/admin/callers/{caller}"),
            Some(ADMIN_TOKEN),
        )
        .await;
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    doc["record_count"].as_u64().unwrap()
}

#[tokio::test]
async fn compliance_webhooks_act_only_on_the_configured_shop() {
    let shopify = wiremock::MockServer::start().await;
    let server = server_for_demo_shop(&shopify).await;
    follow_call(&server, "+14085550144", &[Say::Keys("0")], "completed").await;
    assert_eq!(record_count(&server, "+14085550144").await, 1);

    // Another shop the same app is installed in (a dev store): nothing changes.
    let other = r#"{"shop_id":1,"shop_domain":"dev-store.myshopify.com"}"#;
    let (status, body) =
        shopify_webhook_with(&server, "shop/redact", other, SHOPIFY_SECRET, &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("not configured"), "{body}");
    assert_eq!(record_count(&server, "+14085550144").await, 1);

    // The header must name the body's shop.
    let ours = r#"{"shop_id":954889,"shop_domain":"demo.myshopify.com"}"#;
    let (status, _) = shopify_webhook_with(
        &server,
        "shop/redact",
        ours,
        SHOPIFY_SECRET,
        &[("X-Shopify-Shop-Domain", "dev-store.myshopify.com")],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(record_count(&server, "+14085550144").await, 1);

    // A redelivery of a handled webhook does not run again.
    let redact = r#"{"shop_id":954889,"shop_domain":"demo.myshopify.com","customer":{"id":1,"phone":"408-555-0144"},"orders_to_redact":[]}"#;
    let id = [(
        "X-Shopify-Webhook-Id",
        "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    )];
    let (status, first) =
        shopify_webhook_with(&server, "customers/redact", redact, SHOPIFY_SECRET, &id).await;
    assert_eq!(status, 200, "{first}");
    assert!(first.contains("\"deleted_records\":1"), "{first}");
    let (status, again) =
        shopify_webhook_with(&server, "customers/redact", redact, SHOPIFY_SECRET, &id).await;
    assert_eq!(status, 200);
    assert!(again.contains("duplicate"), "{again}");
}

#[tokio::test]
async fn shopify_customer_redact_deletes_and_bad_hmac_is_401() {
    let shopify = wiremock::MockServer::start().await;
    let server = server_for_demo_shop(&shopify).await;
    follow_call(&server, "+14085550111", &[Say::Keys("0")], "completed").await;
    let body = r#"{"shop_id":954889,"shop_domain":"demo.myshopify.com","customer":{"id":191167,"email":"john@example.com","phone":"408-555-0111"},"orders_to_redact":[299938]}"#;
    assert_eq!(
        shopify_webhook(&server, "customers/redact", body, "wrong-secret").await,
        401
    );
    let (_, still) = server
        .admin(
            Method::GET,
            "/admin/callers/+14085550111",
            Some(ADMIN_TOKEN),
        )
        .await;
    assert!(
        still.contains("+14085550111") && still.contains("turns"),
        "nothing deleted by a forgery"
    );

    assert_eq!(
        shopify_webhook(&server, "customers/redact", body, SHOPIFY_SECRET).await,
        200
    );
    let (_, after) = server
        .admin(
            Method::GET,
            "/admin/callers/+14085550111",
            Some(ADMIN_TOKEN),
        )
        .await;
    let doc: serde_json::Value = serde_json::from_str(&after).unwrap();
    assert!(doc["records"].as_array().unwrap().is_empty(), "{after}");

    let shop = r#"{"shop_id":954889,"shop_domain":"demo.myshopify.com"}"#;
    assert_eq!(
        shopify_webhook(&server, "shop/redact", shop, SHOPIFY_SECRET).await,
        200
    );
}

#[tokio::test]
async fn deleting_a_caller_ends_their_live_call_state_too() {
    let server = TestServer::start(&[]).await;
    let sid = "CA0000000000000000000000000000d311";
    let params = common::base_params(sid, "+14085550166");
    let (status, _) = server.post_signed("/twilio/voice", &params).await;
    assert_eq!(status, 200);
    let (status, body) = server
        .admin(
            Method::DELETE,
            "/admin/callers/+14085550166",
            Some(ADMIN_TOKEN),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // The call goes on, but the assistant no longer remembers anything of it.
    let mut gather = common::base_params(sid, "+14085550166");
    gather.push(("Digits".into(), "1001".into()));
    let (status, twiml) = server.post_signed("/twilio/gather", &gather).await;
    assert_eq!(status, 200);
    assert!(twiml.contains("lost track"), "{twiml}");
}
