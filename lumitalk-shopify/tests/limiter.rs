//! The shop's cost-aware limiter, single-flight and order cache, against a
//! wiremock Shopify that enforces its leaky bucket the way Shopify does: a
//! request whose requested cost the bucket does not hold is answered
//! `THROTTLED` (HTTP 200) and charged nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lumitalk_core::provider::{Urgency, with_urgency};
use lumitalk_core::{ErrorKind, MerchantId, OrderNumber, OrderSource, PhoneNumber};
use lumitalk_shopify::{
    BucketSize, ORDER_BY_NAME_REQUESTED_COST, ShopifyConfig, ShopifyOrderSource,
    orders_by_phone_requested_cost,
};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const JANE: &str = "+14155550123";
const JOE: &str = "+14155550124";

/// A shop with a leaky bucket. Orders: #1001…#1099 (Jane's are #1001 and #1002,
/// Joe's #2001); #9999 does not exist.
#[derive(Clone)]
struct Shop(Arc<ShopState>);

struct ShopState {
    size: f64,
    restore: f64,
    delay: Duration,
    bucket: Mutex<(f64, Instant)>,
    /// Every request: (operation, search value, throttled?), in arrival order.
    log: Mutex<Vec<(String, String, bool)>>,
}

impl Shop {
    fn new(size: f64, restore: f64, delay: Duration) -> Self {
        Shop(Arc::new(ShopState {
            size,
            restore,
            delay,
            bucket: Mutex::new((size, Instant::now())),
            log: Mutex::new(Vec::new()),
        }))
    }

    fn log(&self) -> Vec<(String, String, bool)> {
        self.0.log.lock().unwrap().clone()
    }

    fn throttled(&self) -> usize {
        self.log().iter().filter(|(_, _, t)| *t).count()
    }

    /// The search values sent, in arrival order (throttled ones included).
    fn values(&self) -> Vec<String> {
        self.log().into_iter().map(|(_, v, _)| v).collect()
    }
}

fn order(name: &str, phone: &str) -> Value {
    json!({
        "id": format!("gid://shopify/Order/{}", name.trim_start_matches('#')),
        "name": name, "createdAt": "2026-11-20T14:03:11Z", "cancelledAt": null,
        "displayFinancialStatus": "PAID", "displayFulfillmentStatus": "UNFULFILLED",
        "phone": null, "currentSubtotalLineItemsQuantity": 2,
        "customer": {"firstName": "Pat", "defaultPhoneNumber": {"phoneNumber": phone}},
        "shippingAddress": {"firstName": "Pat", "zip": "94105"},
        "currentTotalPriceSet": {"shopMoney": {"amount": "10.00", "currencyCode": "USD"}},
        "fulfillments": []
    })
}

fn owner(digits: &str) -> &'static str {
    match digits {
        "1001" | "1002" => JANE,
        "2001" => JOE,
        _ => "+14155550199",
    }
}

impl Respond for Shop {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let op = body["operationName"].as_str().unwrap().to_string();
        let q = body["variables"]["q"].as_str().unwrap();
        let value = q.split('"').nth(1).unwrap().to_string();
        let requested = f64::from(match op.as_str() {
            "OrderByName" => ORDER_BY_NAME_REQUESTED_COST,
            _ => {
                orders_by_phone_requested_cost(body["variables"]["first"].as_u64().unwrap() as usize)
            }
        });
        let s = &self.0;
        let available = {
            let mut bucket = s.bucket.lock().unwrap();
            let now = Instant::now();
            let refilled =
                (bucket.0 + s.restore * now.duration_since(bucket.1).as_secs_f64()).min(s.size);
            let throttled = refilled < requested;
            *bucket = (
                if throttled {
                    refilled
                } else {
                    refilled - requested
                },
                now,
            );
            s.log
                .lock()
                .unwrap()
                .push((op.clone(), value.clone(), throttled));
            if throttled {
                let status = json!({"maximumAvailable": s.size, "currentlyAvailable": refilled, "restoreRate": s.restore});
                return ResponseTemplate::new(200)
                    .set_body_json(json!({
                        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED",
                            "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                        "extensions": {"cost": {"requestedQueryCost": requested, "actualQueryCost": null,
                            "throttleStatus": status}}
                    }))
                    .set_delay(s.delay);
            }
            bucket.0
        };
        let data = if op == "OrderByName" {
            let nodes: Vec<Value> = match value.as_str() {
                "9999" => vec![],
                d => vec![order(&format!("#{d}"), owner(d))],
            };
            json!({"orders": {"nodes": nodes}})
        } else {
            let names: &[&str] = match value.as_str() {
                JANE => &["#1002", "#1001"],
                JOE => &["#2001"],
                _ => &[],
            };
            let customers: Vec<Value> = if names.is_empty() {
                vec![]
            } else {
                let nodes: Vec<Value> = names.iter().map(|n| order(n, &value)).collect();
                vec![
                    json!({"firstName": "Pat", "defaultPhoneNumber": {"phoneNumber": value}, "orders": {"nodes": nodes}}),
                ]
            };
            json!({"customers": {"nodes": customers}})
        };
        // Charged what was requested (no refund): the bucket only gets tighter.
        ResponseTemplate::new(200)
            .set_body_json(json!({
                "data": data,
                "extensions": {"cost": {"requestedQueryCost": requested, "actualQueryCost": requested,
                    "throttleStatus": {"maximumAvailable": s.size, "currentlyAvailable": available,
                        "restoreRate": s.restore}}}
            }))
            .set_delay(s.delay)
    }
}

struct Setup {
    shop: Shop,
    source: ShopifyOrderSource,
    _server: MockServer,
}

async fn setup(shop: Shop, assumed: BucketSize, max_wait: Duration, cache_ttl: Duration) -> Setup {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(shop.clone())
        .mount(&server)
        .await;
    let config = ShopifyConfig::builder()
        .shop("acme")
        .access_token("shpat_limiter".to_string())
        .base_url(server.uri())
        .assumed_bucket(assumed)
        .max_queue_wait(max_wait)
        .order_cache_ttl(cache_ttl)
        .build()
        .unwrap();
    Setup {
        shop,
        source: ShopifyOrderSource::new(&config).unwrap(),
        _server: server,
    }
}

fn bucket(maximum: f64, restore_rate: f64) -> BucketSize {
    BucketSize {
        maximum,
        restore_rate,
    }
}

fn m() -> MerchantId {
    MerchantId::new("acme")
}

fn n(d: &str) -> OrderNumber {
    OrderNumber::from_digits(d).unwrap()
}

fn p(s: &str) -> PhoneNumber {
    PhoneNumber::parse_e164(s).unwrap()
}

const LONG: Duration = Duration::from_secs(5);
const TTL: Duration = Duration::from_secs(30);

#[tokio::test]
async fn never_sends_what_the_bucket_cannot_hold() {
    // 60 points restoring 300/s; ten lookups of 18 points at once.
    let s = setup(
        Shop::new(60.0, 300.0, Duration::from_millis(20)),
        bucket(60.0, 300.0),
        LONG,
        TTL,
    )
    .await;
    let mut tasks = Vec::new();
    for i in 0..10 {
        let source = s.source.clone();
        tasks.push(tokio::spawn(async move {
            source
                .order_by_number(&m(), &n(&format!("10{:02}", 10 + i)))
                .await
        }));
    }
    for t in tasks {
        assert!(t.await.unwrap().unwrap().is_some());
    }
    assert_eq!(s.shop.throttled(), 0, "{:?}", s.shop.log());
    let stats = s.source.client().limiter_stats();
    assert_eq!((stats.sent, stats.throttled), (10, 0));
    assert_eq!((stats.in_flight, stats.queued_caller_waiting), (0, 0));
    assert_eq!(stats.maximum_available, 60.0);
}

#[tokio::test]
async fn waiting_callers_go_first_in_order_and_speculative_lookups_are_dropped() {
    // 100 points restoring 100/s.
    let s = setup(
        Shop::new(100.0, 100.0, Duration::from_millis(10)),
        bucket(100.0, 100.0),
        LONG,
        TTL,
    )
    .await;
    // Jane's 3 orders: 94 points; 6 left.
    let first = s
        .source
        .recent_orders_by_phone(&m(), &p(JANE), 3)
        .await
        .unwrap();
    assert_eq!(first.len(), 2);
    // Joe's 2 orders need 66: a caller waits ~0.6 s; another caller's order
    // (18 points, which would fit sooner) waits behind it.
    let (source, source2) = (s.source.clone(), s.source.clone());
    let joe = tokio::spawn(async move { source.recent_orders_by_phone(&m(), &p(JOE), 2).await });
    tokio::time::sleep(Duration::from_millis(30)).await;
    let other = tokio::spawn(async move { source2.order_by_number(&m(), &n("1050")).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    // ~26 points are there by now, but callers wait: a speculative lookup is
    // refused at once, sending nothing.
    let started = Instant::now();
    let spec = with_urgency(
        Urgency::Speculative,
        s.source.order_by_number(&m(), &n("1060")),
    )
    .await
    .unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(50));
    assert_eq!(spec.kind(), ErrorKind::RateLimited);
    assert!(
        spec.retry_after().unwrap() >= Duration::from_millis(100),
        "{spec:?}"
    );
    assert_eq!(s.source.client().limiter_stats().queued_caller_waiting, 2);

    assert_eq!(joe.await.unwrap().unwrap().len(), 1);
    assert!(other.await.unwrap().unwrap().is_some());
    assert_eq!(
        s.shop.values(),
        [JANE, JOE, "1050"],
        "FIFO among waiting callers"
    );
    assert_eq!(s.shop.throttled(), 0);
    let stats = s.source.client().limiter_stats();
    assert_eq!(stats.speculative_dropped, 1);
    // With the bucket full again, a speculative lookup goes at once.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let caller_id = with_urgency(
        Urgency::Speculative,
        s.source.recent_orders_by_phone(&m(), &p(JOE), 1),
    )
    .await
    .unwrap();
    assert_eq!(caller_id.len(), 1);
}

#[tokio::test]
async fn throttled_answers_are_requeued_never_returned() {
    // The shop's bucket is far smaller than the limiter assumes (another process
    // of the same app, say): the first answers correct the estimate.
    let s = setup(
        Shop::new(40.0, 200.0, Duration::from_millis(10)),
        BucketSize::STANDARD,
        LONG,
        TTL,
    )
    .await;
    let mut tasks = Vec::new();
    for i in 0..6 {
        let source = s.source.clone();
        tasks.push(tokio::spawn(async move {
            source
                .order_by_number(&m(), &n(&format!("10{:02}", 20 + i)))
                .await
        }));
    }
    for t in tasks {
        assert!(
            t.await.unwrap().unwrap().is_some(),
            "never THROTTLED to the caller"
        );
    }
    let log = s.shop.log();
    assert!(s.shop.throttled() >= 1, "{log:?}");
    let mut per_lookup: HashMap<String, usize> = HashMap::new();
    for (_, value, throttled) in &log {
        *per_lookup.entry(value.clone()).or_default() += usize::from(*throttled);
    }
    assert!(
        per_lookup.values().all(|t| *t <= 1),
        "at most once per lookup: {log:?}"
    );
    let stats = s.source.client().limiter_stats();
    assert_eq!(stats.throttled as usize, s.shop.throttled());
    assert_eq!(stats.maximum_available, 40.0, "learned from the answers");
}

#[tokio::test]
async fn a_long_wait_answers_rate_limited_and_finishes_in_the_background() {
    // 20 points restoring 100/s; callers wait at most 50 ms.
    let s = setup(
        Shop::new(20.0, 100.0, Duration::from_millis(5)),
        bucket(20.0, 100.0),
        Duration::from_millis(50),
        TTL,
    )
    .await;
    assert!(
        s.source
            .order_by_number(&m(), &n("1001"))
            .await
            .unwrap()
            .is_some()
    );
    // ~2 points left: the next lookup would wait ~160 ms.
    let started = Instant::now();
    let err = s
        .source
        .order_by_number(&m(), &n("1002"))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(60),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    let retry = err.retry_after().unwrap();
    assert!(retry >= Duration::from_millis(100), "{retry:?}");
    assert_eq!(
        s.source.client().limiter_stats().queued_caller_waiting,
        1,
        "kept its place"
    );
    // The assistant's holding phrase, then the caller's next attempt.
    tokio::time::sleep(retry + Duration::from_millis(100)).await;
    let order = s.source.order_by_number(&m(), &n("1002")).await.unwrap();
    assert_eq!(order.unwrap().name, "#1002");
    assert_eq!(s.shop.values(), ["1001", "1002"], "answered from the cache");
    assert_eq!(s.shop.throttled(), 0);
}

#[tokio::test]
async fn identical_lookups_in_flight_share_one_request() {
    let s = setup(
        Shop::new(2000.0, 100.0, Duration::from_millis(150)),
        BucketSize::STANDARD,
        LONG,
        Duration::ZERO,
    )
    .await;
    let (merchant, number, jane) = (m(), n("1001"), p(JANE));
    let (a, b) = tokio::join!(
        s.source.order_by_number(&merchant, &number),
        s.source.order_by_number(&merchant, &number),
    );
    assert_eq!(a.unwrap(), b.unwrap());
    let (a, b) = tokio::join!(
        s.source.recent_orders_by_phone(&merchant, &jane, 3),
        with_urgency(
            Urgency::Speculative,
            s.source.recent_orders_by_phone(&merchant, &jane, 3)
        ),
    );
    assert_eq!(a.unwrap(), b.unwrap());
    assert_eq!(s.shop.values(), ["1001", JANE]);
    // The cache is off: the same lookup afterwards asks again.
    s.source.order_by_number(&m(), &n("1001")).await.unwrap();
    assert_eq!(s.shop.values().len(), 3);
}

#[tokio::test]
async fn answers_are_cached_found_or_not() {
    let s = setup(
        Shop::new(2000.0, 100.0, Duration::ZERO),
        BucketSize::STANDARD,
        LONG,
        TTL,
    )
    .await;
    for _ in 0..2 {
        assert!(
            s.source
                .order_by_number(&m(), &n("1050"))
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            s.source
                .order_by_number(&m(), &n("9999"))
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            s.source
                .recent_orders_by_phone(&m(), &p(JANE), 3)
                .await
                .unwrap()
                .len(),
            2
        );
        // A smaller limit is a different page size: asked once, then cached.
        assert_eq!(
            s.source
                .recent_orders_by_phone(&m(), &p(JANE), 1)
                .await
                .unwrap()
                .len(),
            1
        );
    }
    // The caller-ID lookup's orders answer a lookup by number.
    let order = s
        .source
        .order_by_number(&m(), &n("1002"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.phone(), Some(&p(JANE)));
    assert_eq!(s.shop.values(), ["1050", "9999", JANE, JANE]);
}

#[tokio::test]
async fn forget_cached_drops_the_phone_and_its_orders() {
    let s = setup(
        Shop::new(2000.0, 100.0, Duration::ZERO),
        BucketSize::STANDARD,
        LONG,
        TTL,
    )
    .await;
    let src = &s.source;
    src.recent_orders_by_phone(&m(), &p(JANE), 3).await.unwrap();
    src.order_by_number(&m(), &n("1001")).await.unwrap();
    src.order_by_number(&m(), &n("2001")).await.unwrap();
    assert_eq!(s.shop.values(), [JANE, "2001"]);

    src.forget_cached(&m(), &p(JANE));
    src.recent_orders_by_phone(&m(), &p(JANE), 3).await.unwrap();
    src.forget_cached(&m(), &p(JANE));
    src.order_by_number(&m(), &n("1001")).await.unwrap();
    // Joe's order is still cached.
    src.order_by_number(&m(), &n("2001")).await.unwrap();
    assert_eq!(s.shop.values(), [JANE, "2001", JANE, "1001"]);
}
