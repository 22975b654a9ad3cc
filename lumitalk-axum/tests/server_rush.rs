//! The rush: 200 callers at once against a Shopify that enforces its
//! documented leaky bucket (2,000 points, 100 restored per second; a query
//! runs only if its *requested* cost is available, then its *actual* cost is
//! charged; a query that does not fit is answered `THROTTLED` with HTTP 200).
//! Every caller who gives a valid order number and passes verification hears
//! its status; none hears the order-system apology; no call meets `THROTTLED`
//! more than once.

mod common;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{Say, TestServer, follow_call_attested};
use serde_json::{Value, json};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Callers at once; `LUMITALK_RUSH_CALLERS` changes it for the BENCHMARKS.md sweep.
fn callers() -> usize {
    std::env::var("LUMITALK_RUSH_CALLERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}
const BUCKET: f64 = 2000.0;
const RESTORE_PER_SEC: f64 = 100.0;

/// Shopify's bucket for one (app, shop).
struct Bucket {
    state: Mutex<(f64, Instant)>,
    throttled: Mutex<u32>,
    served: Mutex<u32>,
}

impl Bucket {
    fn new() -> Self {
        Bucket {
            state: Mutex::new((BUCKET, Instant::now())),
            throttled: Mutex::new(0),
            served: Mutex::new(0),
        }
    }

    /// Takes `actual` if `requested` is available now; the points left either way.
    fn charge(&self, requested: f64, actual: f64) -> (bool, f64) {
        let mut s = self.state.lock().unwrap();
        let now = Instant::now();
        let restored = now.duration_since(s.1).as_secs_f64() * RESTORE_PER_SEC;
        s.0 = (s.0 + restored).min(BUCKET);
        s.1 = now;
        if s.0 < requested {
            return (false, s.0);
        }
        s.0 -= actual;
        (true, s.0)
    }
}

/// The requested cost Shopify computes for the query sent: lumitalk-shopify's
/// published figures, which its own tests pin to Shopify's cost rules.
fn requested_cost(operation: &str, variables: &Value) -> f64 {
    let cost = match operation {
        "OrderByName" => lumitalk_shopify::ORDER_BY_NAME_REQUESTED_COST,
        _ => {
            let first = variables["first"].as_u64().unwrap_or(10) as usize;
            lumitalk_shopify::orders_by_phone_requested_cost(first)
        }
    };
    f64::from(cost)
}

/// The order named `#{digits}`: every caller asks about an order of their own.
fn order(digits: &str) -> Value {
    json!({
        "id": format!("gid://shopify/Order/{digits}"),
        "name": format!("#{digits}"),
        "createdAt": "2026-11-20T14:03:11Z",
        "cancelledAt": null,
        "displayFinancialStatus": "PAID",
        "displayFulfillmentStatus": "FULFILLED",
        "phone": null,
        "customer": {
            "firstName": "Jane",
            "defaultPhoneNumber": {"phoneNumber": "+14155550123"}
        },
        "shippingAddress": {"firstName": "Jane", "zip": "94105"},
        "currentTotalPriceSet": {"shopMoney": {"amount": "59.98", "currencyCode": "USD"}},
        "currentSubtotalLineItemsQuantity": 3,
        "lineItems": {"nodes": [{"title": "", "quantity": 3}]},
        "fulfillments": [{
            "status": "SUCCESS", "displayStatus": "IN_TRANSIT",
            "createdAt": "2026-11-21T09:12:00Z",
            "estimatedDeliveryAt": "2026-11-25T00:00:00Z", "deliveredAt": null,
            "totalQuantity": 3,
            "trackingInfo": [{"company": "UPS", "number": "1Z999AA10123456784"}]
        }]
    })
}

impl Respond for Bucket {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let op = body["operationName"].as_str().unwrap_or_default();
        let requested = requested_cost(op, &body["variables"]);
        let (data, actual) = match op {
            "OrderByName" => {
                let q = body["variables"]["q"].as_str().unwrap_or_default();
                let digits: String = q.chars().filter(char::is_ascii_digit).collect();
                (json!({"orders": {"nodes": [order(&digits)]}}), 6.0)
            }
            _ => (json!({"customers": {"nodes": []}}), 2.0),
        };
        let (ran, left) = self.charge(requested, actual);
        let throttle = json!({
            "maximumAvailable": BUCKET, "currentlyAvailable": left, "restoreRate": RESTORE_PER_SEC
        });
        let body = if ran {
            *self.served.lock().unwrap() += 1;
            json!({"data": data, "extensions": {"cost": {
                "requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": throttle
            }}})
        } else {
            *self.throttled.lock().unwrap() += 1;
            json!({
                "errors": [{"message": "Throttled", "extensions": {
                    "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"
                }}],
                "extensions": {"cost": {
                    "requestedQueryCost": requested, "actualQueryCost": null, "throttleStatus": throttle
                }}
            })
        };
        ResponseTemplate::new(200)
            .set_body_json(body)
            .set_delay(Duration::from_millis(150))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_callers_at_once_all_hear_their_order_within_the_bucket() {
    let mock = MockServer::start().await;
    let bucket = std::sync::Arc::new(Bucket::new());
    Mock::given(method("POST"))
        .and(path_regex("/admin/api/.*/graphql.json"))
        .respond_with(ArcBucket(bucket.clone()))
        .mount(&mock)
        .await;
    let server = std::sync::Arc::new(
        TestServer::start(&[
            ("SHOPIFY_SHOP", "demo.myshopify.com".into()),
            ("SHOPIFY_ACCESS_TOKEN", "shpat_test_token".into()),
            ("SHOPIFY_API_BASE_URL", mock.uri()),
        ])
        .await,
    );
    let mut calls = Vec::new();
    for i in 0..callers() {
        let server = server.clone();
        calls.push(tokio::spawn(async move {
            let from = format!("+1408555{i:04}");
            let number: &'static str = Box::leak((2001 + i).to_string().into_boxed_str());
            let script = [Say::Keys(number), Say::Keys("94105"), Say::Keys("2")];
            follow_call_attested(
                &server,
                &from,
                Some("TN-Validation-Passed-A"),
                &script,
                "completed",
            )
            .await
        }));
    }
    let mut holds = 0;
    for call in calls {
        let trace = call.await.unwrap();
        let heard = trace.all_heard();
        assert!(
            !heard.contains("trouble reaching our order system"),
            "apologized: {heard}"
        );
        assert!(heard.contains("Thanks, Jane"), "not verified: {heard}");
        assert!(heard.contains("UPS"), "no status: {heard}");
        assert!(
            trace.statuses.iter().all(|s| *s == 200),
            "{:?}",
            trace.statuses
        );
        holds += trace.holds;
    }
    let throttled = *bucket.throttled.lock().unwrap();
    let callers = callers();
    assert!(
        throttled as usize <= callers,
        "{throttled} THROTTLED answers for {callers} calls"
    );
    let metrics = server.metrics().await;
    let waits: Vec<&str> = metrics
        .lines()
        .filter(|l| l.starts_with("lumitalk_shopify_queue_wait_seconds"))
        .collect();
    eprintln!(
        "rush: {callers} callers, {} queries run, {throttled} throttled, {holds} holds\n{}",
        bucket.served.lock().unwrap(),
        waits.join("\n")
    );
}

/// Shares one bucket between the mock and the test's assertions.
struct ArcBucket(std::sync::Arc<Bucket>);

impl Respond for ArcBucket {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.0.respond(request)
    }
}
