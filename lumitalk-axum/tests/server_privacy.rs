//! Admin API and Shopify compliance webhooks against the example server.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use async_trait::async_trait;
use common::{ADMIN_TOKEN, SHOPIFY_SECRET, Say, TestServer, follow_call};
use lumitalk_axum::LumiTalk;
use lumitalk_core::memory::{DemoOrderStore, MemoryCallRecordStore, MemoryLockoutStore};
use lumitalk_core::{
    Assistant, AttemptGrant, AttemptOutcome, CallId, CallOutcome, CallRecord, CallRecordStore,
    CallStart, Deleted, ErrorKind, LockoutKey, LockoutPolicy, LockoutStore, Merchant,
    MerchantDirectory, MerchantId, OrderNumber, OrderSource, PhoneNumber, RetentionPolicy,
    StoreError, Timestamp, TurnRecord,
};
use lumitalk_twilio::{TwilioConfig, TwilioTelephony};
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
    // The keys the issue names, alongside the older ones.
    assert_eq!(
        (report["deleted"].as_u64(), report["held"].as_u64()),
        (Some(0), Some(1))
    );
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

/// A call-record store the test can take down (every call fails, as if the
/// disk went away) or hold inside `delete_by_caller` (a slow deletion).
#[derive(Debug, Default)]
struct Switchable {
    inner: MemoryCallRecordStore,
    down: AtomicBool,
    /// Locked by the test: deletions wait for it.
    gate: tokio::sync::Mutex<()>,
    /// Deletions that reached the store.
    deletions: AtomicU64,
}

impl Switchable {
    fn check(&self) -> Result<(), StoreError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(StoreError::from_kind(
                ErrorKind::Unavailable,
                "switchable",
                "disk away",
            ));
        }
        Ok(())
    }
}

#[async_trait]
impl CallRecordStore for Switchable {
    fn name(&self) -> &'static str {
        "switchable"
    }
    async fn begin_call(&self, start: &CallStart) -> Result<(), StoreError> {
        self.check()?;
        self.inner.begin_call(start).await
    }
    async fn append_turn(&self, call: &CallId, turn: &TurnRecord) -> Result<bool, StoreError> {
        self.check()?;
        self.inner.append_turn(call, turn).await
    }
    async fn finish_call(
        &self,
        call: &CallId,
        outcome: CallOutcome,
        ended_at: Timestamp,
    ) -> Result<bool, StoreError> {
        self.check()?;
        self.inner.finish_call(call, outcome, ended_at).await
    }
    async fn get(&self, call: &CallId) -> Result<Option<CallRecord>, StoreError> {
        self.check()?;
        self.inner.get(call).await
    }
    async fn list_by_caller(
        &self,
        caller: &PhoneNumber,
        merchant: Option<&MerchantId>,
    ) -> Result<Vec<CallRecord>, StoreError> {
        self.check()?;
        self.inner.list_by_caller(caller, merchant).await
    }
    async fn delete_by_caller(
        &self,
        caller: &PhoneNumber,
        merchant: Option<&MerchantId>,
    ) -> Result<Deleted, StoreError> {
        self.deletions.fetch_add(1, Ordering::SeqCst);
        let _pass = self.gate.lock().await;
        self.check()?;
        self.inner.delete_by_caller(caller, merchant).await
    }
    async fn delete_merchant(&self, merchant: &MerchantId) -> Result<Deleted, StoreError> {
        self.check()?;
        self.inner.delete_merchant(merchant).await
    }
    async fn purge_expired(
        &self,
        now: Timestamp,
        policy: &RetentionPolicy,
    ) -> Result<Deleted, StoreError> {
        self.check()?;
        self.inner.purge_expired(now, policy).await
    }
    async fn set_legal_hold(&self, call: &CallId, hold: bool) -> Result<bool, StoreError> {
        self.check()?;
        self.inner.set_legal_hold(call, hold).await
    }
}

/// The stores a [`library_server`] runs on, for the test to fail or inspect.
struct Stores {
    records: Arc<Switchable>,
    lockout: Arc<MemoryLockoutStore>,
}

/// A server built through the library for the shop `demo.myshopify.com`
/// (merchant `acme`, the demo orders, Twilio webhooks signed with
/// [`common::AUTH_TOKEN`]) over stores the test holds.
async fn library_server() -> (TestServer, Stores) {
    let stores = Stores {
        records: Arc::new(Switchable::default()),
        lockout: Arc::new(MemoryLockoutStore::new()),
    };
    let records = stores.records.clone();
    let lockout = stores.lockout.clone();
    let server = TestServer::serve(move |base| {
        let orders: Arc<dyn OrderSource> = Arc::new(DemoOrderStore::demo());
        let assistant = Assistant::builder(
            MerchantDirectory::new(vec![Merchant::new("acme", "Acme Outdoor")]),
            orders.clone(),
        )
        .records(records)
        .lockout_store(lockout)
        .build()
        .unwrap();
        let twilio = TwilioTelephony::new(
            TwilioConfig::builder()
                .auth_token(SecretString::from(common::AUTH_TOKEN))
                .public_url(base)
                .build()
                .unwrap(),
        )
        .unwrap();
        LumiTalk::twilio(assistant, twilio)
            .admin_token(SecretString::from(ADMIN_TOKEN))
            .shopify_compliance(
                SecretString::from(SHOPIFY_SECRET),
                [("demo.myshopify.com".to_string(), MerchantId::new("acme"))],
            )
            .compliance_order_source(orders)
            .build()
            .unwrap()
    })
    .await;
    (server, stores)
}

fn redact_body(phone: &str, orders: &str) -> String {
    format!(
        r#"{{"shop_id":954889,"shop_domain":"demo.myshopify.com","customer":{{"id":1,"phone":"{phone}"}},"orders_to_redact":[{orders}]}}"#
    )
}

#[tokio::test]
async fn a_redact_that_failed_runs_again_when_shopify_retries() {
    let (server, stores) = library_server().await;
    follow_call(&server, "+14085550155", &[Say::Keys("0")], "completed").await;
    assert_eq!(record_count(&server, "+14085550155").await, 1);
    let redact = redact_body("408-555-0155", "");
    let id = [(
        "X-Shopify-Webhook-Id",
        "6c1f6a2e-0000-4b37-8a5f-000000000001",
    )];

    // The store is away: 503, and Shopify will retry.
    stores.records.down.store(true, Ordering::SeqCst);
    let (status, body) =
        shopify_webhook_with(&server, "customers/redact", &redact, SHOPIFY_SECRET, &id).await;
    assert_eq!(status, 503, "{body}");

    // Shopify's retry, once the store is back, does the work.
    stores.records.down.store(false, Ordering::SeqCst);
    let (status, body) =
        shopify_webhook_with(&server, "customers/redact", &redact, SHOPIFY_SECRET, &id).await;
    assert_eq!(status, 200, "{body}");
    let report: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (report["deleted"].as_u64(), report["held"].as_u64()),
        (Some(1), Some(0)),
        "{report}"
    );
    assert_eq!(record_count(&server, "+14085550155").await, 0);

    // Handled now: a redelivery does not run again.
    let (status, body) =
        shopify_webhook_with(&server, "customers/redact", &redact, SHOPIFY_SECRET, &id).await;
    assert_eq!(status, 200);
    assert!(body.contains("duplicate"), "{body}");
    assert_eq!(stores.records.deletions.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn two_deliveries_of_one_webhook_at_once_run_once() {
    let (server, stores) = library_server().await;
    follow_call(&server, "+14085550156", &[Say::Keys("0")], "completed").await;
    let redact = redact_body("408-555-0156", "");
    let id = [(
        "X-Shopify-Webhook-Id",
        "6c1f6a2e-0000-4b37-8a5f-000000000002",
    )];

    // The first delivery is held inside the deletion...
    let gate = stores.records.gate.lock().await;
    let first = {
        let (base, redact) = (server.base.clone(), redact.clone());
        let client = server.client.clone();
        let hmac =
            lumitalk_shopify::webhook::sign(redact.as_bytes(), &SecretString::from(SHOPIFY_SECRET));
        tokio::spawn(async move {
            let resp = client
                .post(format!("{base}/shopify/webhooks"))
                .header("X-Shopify-Topic", "customers/redact")
                .header("X-Shopify-Hmac-Sha256", hmac)
                .header(id[0].0, id[0].1)
                .body(redact)
                .send()
                .await
                .unwrap();
            (resp.status().as_u16(), resp.text().await.unwrap())
        })
    };
    for _ in 0..500 {
        if stores.records.deletions.load(Ordering::SeqCst) == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(stores.records.deletions.load(Ordering::SeqCst), 1);
    // ...while a second one arrives: not run, and not answered 200 (should the
    // first fail, Shopify must come back).
    let (status, body) =
        shopify_webhook_with(&server, "customers/redact", &redact, SHOPIFY_SECRET, &id).await;
    assert_eq!(status, 409, "{body}");

    drop(gate);
    let (status, body) = first.await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"deleted\":1"), "{body}");
    let (status, body) =
        shopify_webhook_with(&server, "customers/redact", &redact, SHOPIFY_SECRET, &id).await;
    assert_eq!(status, 200);
    assert!(body.contains("duplicate"), "{body}");
    assert_eq!(
        stores.records.deletions.load(Ordering::SeqCst),
        1,
        "ran once"
    );
}

#[tokio::test]
async fn a_data_request_is_kept_for_the_operator_not_sent_to_shopify() {
    let shopify = wiremock::MockServer::start().await;
    let server = server_for_demo_shop(&shopify).await;
    follow_call(&server, "+14085550177", &[Say::Keys("0")], "completed").await;

    let request = r#"{"shop_id":954889,"shop_domain":"demo.myshopify.com","orders_requested":[299938],"customer":{"id":191167,"email":"john@example.com","phone":"408-555-0177"},"data_request":{"id":9999}}"#;
    let (status, body) = shopify_webhook_with(
        &server,
        "customers/data_request",
        request,
        SHOPIFY_SECRET,
        &[],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // Shopify ignores the body: nothing personal in it, no export.
    for personal in ["555", "0177", "john", "191167", "records", "turns"] {
        assert!(!body.contains(personal), "{personal} in {body}");
    }
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    let id = answer["data_request"].as_str().unwrap().to_string();

    // The list: behind the admin token, nothing personal but a masked number.
    let (status, _) = server
        .admin(Method::GET, "/admin/data-requests", None)
        .await;
    assert_eq!(status, 401);
    let (status, body) = server
        .admin(Method::GET, "/admin/data-requests", Some(ADMIN_TOKEN))
        .await;
    assert_eq!(status, 200, "{body}");
    let list: serde_json::Value = serde_json::from_str(&body).unwrap();
    let pending = list["data_requests"].as_array().unwrap();
    assert_eq!(pending.len(), 1, "{list}");
    assert_eq!(pending[0]["id"], id.as_str());
    assert_eq!(pending[0]["shop"], "demo.myshopify.com");
    assert_eq!(pending[0]["record_count"], 1);
    assert_eq!(pending[0]["caller"], "***177");
    assert!(pending[0]["received_at"].is_string(), "{list}");
    for personal in ["555", "john", "191167", "turns"] {
        assert!(!body.contains(personal), "{personal} in {body}");
    }

    // The download: the export, once.
    let one = format!("/admin/data-requests/{id}");
    let (status, _) = server.admin(Method::GET, &one, None).await;
    assert_eq!(status, 401);
    let (status, body) = server.admin(Method::GET, &one, Some(ADMIN_TOKEN)).await;
    assert_eq!(status, 200, "{body}");
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["shopify_request_id"], 9999);
    assert_eq!(doc["customer"]["phone"], "+14085550177");
    assert_eq!(doc["customer"]["id"], 191167);
    assert_eq!(doc["export"]["caller"], "+14085550177");
    assert_eq!(doc["export"]["records"].as_array().unwrap().len(), 1);

    // Done: gone from the list, and a second download is 404.
    let (_, body) = server
        .admin(Method::GET, "/admin/data-requests", Some(ADMIN_TOKEN))
        .await;
    let list: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(list["data_requests"], serde_json::json!([]), "{list}");
    let (status, _) = server.admin(Method::GET, &one, Some(ADMIN_TOKEN)).await;
    assert_eq!(status, 404);
    // The records themselves are still there (a data request deletes nothing).
    assert_eq!(record_count(&server, "+14085550177").await, 1);
}

#[tokio::test]
async fn customer_redact_forgets_the_lockout_of_the_orders_it_names() {
    let (server, stores) = library_server().await;
    let lockout = &stores.lockout;
    let policy = LockoutPolicy {
        max_failures: 1,
        window: std::time::Duration::from_secs(3600),
    };
    let order =
        |n: &str| LockoutKey::Order(MerchantId::new("acme"), OrderNumber::parse(n).unwrap());
    let now = Timestamp::now_from_system();
    // Orders 1003, 1009 and 1016 are +14155550123's; 1001 someone else's.
    for n in ["1001", "1003", "1009", "1016"] {
        let key = [order(n)];
        assert_eq!(
            lockout.begin_attempt(&key, &policy, now).await.unwrap(),
            AttemptGrant::Granted
        );
        lockout
            .finish_attempt(&key, AttemptOutcome::Failed, &policy, now)
            .await
            .unwrap();
        assert!(lockout.is_locked(&key, now).await.unwrap());
    }

    // Shopify names orders by id (the demo orders' ids are their numbers);
    // 424242 is no order of this customer's.
    let redact = redact_body("415-555-0123", "1003,1016,424242");
    let (status, body) =
        shopify_webhook_with(&server, "customers/redact", &redact, SHOPIFY_SECRET, &[]).await;
    assert_eq!(status, 200, "{body}");
    let report: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["orders_named"], 3, "{report}");
    assert_eq!(report["order_lockouts_forgotten"], 2, "{report}");
    let now = Timestamp::now_from_system();
    for (n, locked) in [
        ("1003", false),
        ("1016", false),
        ("1009", true),
        ("1001", true),
    ] {
        assert_eq!(
            lockout.is_locked(&[order(n)], now).await.unwrap(),
            locked,
            "order {n}"
        );
    }

    // Without a phone the orders cannot be found: named, nothing forgotten.
    let no_phone = r#"{"shop_id":954889,"shop_domain":"demo.myshopify.com","customer":{"id":2},"orders_to_redact":[1009]}"#;
    let (status, body) =
        shopify_webhook_with(&server, "customers/redact", no_phone, SHOPIFY_SECRET, &[]).await;
    assert_eq!(status, 200, "{body}");
    let report: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (
            report["orders_named"].as_u64(),
            report["order_lockouts_forgotten"].as_u64()
        ),
        (Some(1), Some(0)),
        "{report}"
    );
    assert!(lockout.is_locked(&[order("1009")], now).await.unwrap());
}
