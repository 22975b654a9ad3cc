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
    let hmac = lumitalk_shopify::webhook::sign(body.as_bytes(), &SecretString::from(secret));
    server
        .client
        .post(format!("{}/shopify/webhooks", server.base))
        .header("X-Shopify-Topic", topic)
        .header("X-Shopify-Hmac-Sha256", hmac)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn shopify_customer_redact_deletes_and_bad_hmac_is_401() {
    let server = TestServer::start(&[]).await;
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
