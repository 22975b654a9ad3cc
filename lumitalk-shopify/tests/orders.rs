//! ShopifyOrderSource against wiremock: what we send and what we make of the answer.

use std::time::Duration;

use lumitalk_core::{
    ErrorKind, FinancialStatus, FulfillmentStatus, LineItem, MerchantId, Money, OrderNumber,
    OrderSource, PhoneNumber, PostalCode, ShipmentStatus, Timestamp,
};
use lumitalk_shopify::{ShopifyConfig, ShopifyOrderSource};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "shpat_test_token_0123";
const ENDPOINT: &str = "/admin/api/2026-10/graphql.json";

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn source(server: &MockServer) -> ShopifyOrderSource {
    source_with_timeout(server, Duration::from_secs(5))
}

fn source_with_timeout(server: &MockServer, timeout: Duration) -> ShopifyOrderSource {
    let config = ShopifyConfig::builder()
        .shop("acme")
        .access_token(TOKEN)
        .base_url(server.uri())
        .timeout(timeout)
        .build()
        .unwrap();
    ShopifyOrderSource::new(&config).unwrap()
}

fn merchant() -> MerchantId {
    MerchantId::new("acme")
}

fn number(d: &str) -> OrderNumber {
    OrderNumber::from_digits(d).unwrap()
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

/// Mounts a mock for one GraphQL operation that answers with `fixture`.
async fn serve(server: &MockServer, operation: &str, variables: Value, body: Value) {
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .and(header("X-Shopify-Access-Token", TOKEN))
        .and(header("content-type", "application/json"))
        .and(body_partial_json(
            json!({ "operationName": operation, "variables": variables }),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(server)
        .await;
}

fn sent_body(req: &Request) -> Value {
    serde_json::from_slice(&req.body).unwrap()
}

#[tokio::test]
async fn order_by_number_sends_the_expected_request_and_maps_everything() {
    let server = MockServer::start().await;
    serve(
        &server,
        "OrderByName",
        json!({ "q": "name:\"1001\"" }),
        fixture("order_multi_fulfillment.json"),
    )
    .await;
    let orders = source(&server);

    let order = orders
        .order_by_number(&merchant(), &number("1001"))
        .await
        .unwrap()
        .expect("found");

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let body = sent_body(&requests[0]);
    let query = body["query"].as_str().unwrap();
    assert!(
        query.starts_with("query OrderByName($q: String!)"),
        "{query}"
    );
    assert!(query.contains("orders(first: 1, query: $q, sortKey: ORDER_NUMBER)"));
    assert!(query.contains("defaultPhoneNumber { phoneNumber }"));
    // Read only what a call needs.
    for never in ["email", "lastName", "lineItems", "title", "url"] {
        assert!(!query.contains(never), "{never} in {query}");
    }
    assert_eq!(body["variables"], json!({ "q": "name:\"1001\"" }));
    assert_eq!(body["operationName"], "OrderByName");
    assert_eq!(body.as_object().unwrap().len(), 3);

    assert_eq!(order.number, number("1001"));
    assert_eq!(order.name, "#1001");
    assert_eq!(
        order.source_id.as_deref(),
        Some("gid://shopify/Order/5678901234567")
    );
    assert_eq!(order.placed_at, ts("2026-11-20T14:03:11Z"));
    // First name only, no email, even though this answer carries more.
    let customer = order.customer.as_ref().unwrap();
    assert_eq!(customer.name.as_deref(), Some("Jane"));
    assert_eq!(customer.email, None);
    assert_eq!(
        order.phone(),
        Some(&PhoneNumber::parse_e164("+14155550123").unwrap())
    );
    assert_eq!(order.shipping_postal_code, Some(PostalCode::new("94105")));
    assert_eq!(order.financial_status, FinancialStatus::Paid);
    assert_eq!(order.fulfillment_status, FulfillmentStatus::Fulfilled);
    assert_eq!(order.cancelled_at, None);
    assert_eq!(order.total, Money::new(5998, "USD"));
    // Titles are not read: one untitled line carries the item count.
    assert_eq!(
        order.line_items,
        [LineItem {
            title: String::new(),
            quantity: 3
        }]
    );
    assert_eq!(order.item_count(), 3);
    // Two shipments, oldest first although Shopify listed the newer one first.
    assert_eq!(order.fulfillments.len(), 2);
    let first = &order.fulfillments[0];
    assert_eq!(first.status, ShipmentStatus::Delivered);
    assert_eq!(first.carrier.as_deref(), Some("USPS"));
    assert_eq!(
        first.tracking_number.as_deref(),
        Some("9400111899223197428490")
    );
    assert_eq!(first.delivered_at, Some(ts("2026-11-24T16:31:05Z")));
    assert_eq!(first.shipped_at, Some(ts("2026-11-21T09:12:00Z")));
    assert_eq!(first.item_count, Some(1));
    let second = &order.fulfillments[1];
    assert_eq!(second.status, ShipmentStatus::InTransit);
    assert_eq!(second.carrier.as_deref(), Some("UPS"));
    assert_eq!(
        second.tracking_number.as_deref(),
        Some("1Z999AA10123456784")
    );
    assert_eq!(second.tracking_url, None, "not read");
    assert_eq!(second.estimated_delivery, Some(ts("2026-11-27T00:00:00Z")));
    assert_eq!(second.delivered_at, None);

    let cost = orders.client().last_cost().expect("cost recorded");
    assert_eq!(cost.actual_query_cost, Some(14.0));
    assert_eq!(cost.throttle_status.unwrap().currently_available, 1986.0);
}

#[tokio::test]
async fn partial_shipment() {
    let server = MockServer::start().await;
    serve(
        &server,
        "OrderByName",
        json!({ "q": "name:\"1002\"" }),
        fixture("order_partial_shipment.json"),
    )
    .await;
    let order = source(&server)
        .order_by_number(&merchant(), &number("1002"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        order.fulfillment_status,
        FulfillmentStatus::PartiallyFulfilled
    );
    assert_eq!(order.financial_status, FinancialStatus::PartiallyRefunded);
    assert_eq!(order.placed_at, ts("2026-11-22T13:45:00Z"));
    assert_eq!(order.total, Money::new(12050, "USD"));
    assert_eq!(order.item_count(), 5);
    // The customer record has no phone: the order's own phone is used.
    let customer = order.customer.as_ref().unwrap();
    assert_eq!(customer.name.as_deref(), Some("Sam"));
    assert_eq!(customer.email, None);
    assert_eq!(order.phone().unwrap().as_e164(), "+14155550177");
    assert!(
        order
            .shipping_postal_code
            .as_ref()
            .unwrap()
            .matches("10001")
    );
    let [shipment] = order.fulfillments.as_slice() else {
        panic!("one shipment")
    };
    assert_eq!(shipment.status, ShipmentStatus::OutForDelivery);
    assert_eq!(shipment.carrier.as_deref(), Some("FedEx"));
    assert_eq!(shipment.tracking_url, None);
    assert_eq!(shipment.item_count, Some(1));
}

#[tokio::test]
async fn cancelled_and_refunded() {
    let server = MockServer::start().await;
    serve(
        &server,
        "OrderByName",
        json!({ "q": "name:\"1003\"" }),
        fixture("order_cancelled_refunded.json"),
    )
    .await;
    let order = source(&server)
        .order_by_number(&merchant(), &number("1003"))
        .await
        .unwrap()
        .unwrap();
    assert!(order.is_cancelled());
    assert!(order.is_refunded());
    assert_eq!(order.cancelled_at, Some(ts("2026-11-19T09:00:00Z")));
    assert_eq!(order.fulfillment_status, FulfillmentStatus::Unfulfilled);
    assert!(order.fulfillments.is_empty());
    assert_eq!(order.total, Money::new(0, "GBP"));
    assert_eq!(order.phone().unwrap().as_e164(), "+442079460958");
    assert_eq!(
        order.customer.as_ref().unwrap().name.as_deref(),
        Some("Ana")
    );
}

#[tokio::test]
async fn guest_checkout_uses_what_the_order_carries() {
    let server = MockServer::start().await;
    serve(
        &server,
        "OrderByName",
        json!({ "q": "name:\"1004\"" }),
        fixture("order_guest.json"),
    )
    .await;
    let order = source(&server)
        .order_by_number(&merchant(), &number("1004"))
        .await
        .unwrap()
        .unwrap();
    let contact = order
        .customer
        .as_ref()
        .expect("contact from the order itself");
    assert_eq!(
        contact.name.as_deref(),
        Some("Lee"),
        "the shipping first name"
    );
    assert_eq!(contact.email, None);
    // The shipping address's phone is the recipient's: never the customer's
    // phone, so caller ID is never matched against it.
    assert_eq!(order.phone(), None);
    assert_eq!(order.shipping_postal_code, Some(PostalCode::new("60601")));
    assert_eq!(order.financial_status, FinancialStatus::Authorized);
}

#[tokio::test]
async fn unknown_values_degrade_instead_of_failing() {
    let server = MockServer::start().await;
    serve(
        &server,
        "OrderByName",
        json!({ "q": "name:\"1005\"" }),
        fixture("order_unknown_statuses.json"),
    )
    .await;
    let order = source(&server)
        .order_by_number(&merchant(), &number("1005"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.financial_status, FinancialStatus::Unknown);
    assert_eq!(order.fulfillment_status, FulfillmentStatus::Unknown);
    assert_eq!(order.fulfillments[0].status, ShipmentStatus::Unknown);
    assert_eq!(order.fulfillments[0].estimated_delivery, None);
    assert_eq!(order.fulfillments[0].carrier, None);
    // Neither phone parses: no phone, but the name is kept.
    assert_eq!(order.phone(), None);
    assert_eq!(
        order.customer.as_ref().unwrap().name.as_deref(),
        Some("Kim")
    );
    assert_eq!(order.shipping_postal_code, None);
}

#[tokio::test]
async fn not_found_is_none() {
    let server = MockServer::start().await;
    serve(
        &server,
        "OrderByName",
        json!({ "q": "name:\"4242\"" }),
        fixture("orders_empty.json"),
    )
    .await;
    let found = source(&server)
        .order_by_number(&merchant(), &number("4242"))
        .await
        .unwrap();
    assert_eq!(found, None);
}

#[tokio::test]
async fn inexact_search_results_are_filtered() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("orders_inexact.json")))
        .mount(&server)
        .await;
    let orders = source(&server);
    // `#10010` and `#21001` come first in the answer; only `EU-1001` is 1001.
    let order = orders
        .order_by_number(&merchant(), &number("1001"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.name, "EU-1001");
    assert_eq!(order.number, number("1001"));
    assert_eq!(order.total, Money::new(5998, "EUR"));
    // Searching 001 returns the same candidates; none is exactly 001.
    let none = orders
        .order_by_number(&merchant(), &number("001"))
        .await
        .unwrap();
    assert_eq!(none, None);
}

#[tokio::test]
async fn orders_by_phone_finds_the_exact_customer_newest_first() {
    let server = MockServer::start().await;
    serve(
        &server,
        "OrdersByPhone",
        json!({ "q": "phone:\"+14155550123\"", "first": 2 }),
        fixture("customers_by_phone.json"),
    )
    .await;
    let orders = source(&server);
    let caller = PhoneNumber::parse_e164("+14155550123").unwrap();
    let found = orders
        .recent_orders_by_phone(&merchant(), &caller, 2)
        .await
        .unwrap();

    let requests = server.received_requests().await.unwrap();
    let body = sent_body(&requests[0]);
    let query = body["query"].as_str().unwrap();
    assert!(
        query.starts_with("query OrdersByPhone($q: String!, $first: Int!)"),
        "{query}"
    );
    assert!(query.contains("customers(first: 2, query: $q)"));
    assert!(query.contains("orders(first: $first, sortKey: CREATED_AT, reverse: true)"));

    let names: Vec<&str> = found.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(
        names,
        ["#1010", "#1001"],
        "the other customer's #1500 is excluded"
    );
    assert!(found.iter().all(|o| o.phone() == Some(&caller)));
    assert_eq!(found[1].fulfillments[0].status, ShipmentStatus::InTransit);
}

#[tokio::test]
async fn orders_by_phone_caps_first_and_handles_no_customer() {
    let server = MockServer::start().await;
    serve(
        &server,
        "OrdersByPhone",
        json!({ "q": "phone:\"+14155550123\"", "first": 10 }),
        fixture("customers_empty.json"),
    )
    .await;
    let caller = PhoneNumber::parse_e164("+14155550123").unwrap();
    let found = source(&server)
        .recent_orders_by_phone(&merchant(), &caller, 500)
        .await
        .unwrap();
    assert!(found.is_empty());
}

#[tokio::test]
async fn orders_by_phone_with_limit_zero_sends_nothing() {
    let server = MockServer::start().await;
    let caller = PhoneNumber::parse_e164("+14155550123").unwrap();
    let found = source(&server)
        .recent_orders_by_phone(&merchant(), &caller, 0)
        .await
        .unwrap();
    assert!(found.is_empty());
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn throttled_is_requeued_not_returned() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("throttled.json")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("order_multi_fulfillment.json")),
        )
        .mount(&server)
        .await;
    let orders = source(&server);

    let started = std::time::Instant::now();
    let order = orders
        .order_by_number(&merchant(), &number("1001"))
        .await
        .unwrap();
    assert!(order.is_some(), "the caller never sees THROTTLED");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    // Sent again once the bucket held the 18 points again: (18 - 8) / 100 per second.
    assert!(started.elapsed() >= Duration::from_millis(100));
    let stats = orders.client().limiter_stats();
    assert_eq!((stats.sent, stats.throttled), (2, 1));
    let cost = orders.client().last_cost().unwrap();
    assert_eq!(cost.actual_query_cost, Some(14.0));
}

#[tokio::test]
async fn access_denied_names_the_scope() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("access_denied.json")))
        .mount(&server)
        .await;
    let err = source(&server)
        .order_by_number(&merchant(), &number("1001"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert!(err.to_string().contains("read_orders"), "{err}");
}

#[tokio::test]
async fn http_failures_are_classified() {
    let cases: [(ResponseTemplate, ErrorKind, Option<Duration>); 5] = [
        (
            ResponseTemplate::new(401).set_body_json(json!({
                "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
            })),
            ErrorKind::Unauthorized,
            None,
        ),
        (
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "2.0")
                .set_body_json(json!({ "errors": "Exceeded 2 calls per second for api client." })),
            ErrorKind::RateLimited,
            Some(Duration::from_secs(2)),
        ),
        (
            ResponseTemplate::new(503).set_body_json(json!({ "errors": "Internal Server Error" })),
            ErrorKind::Unavailable,
            None,
        ),
        (
            ResponseTemplate::new(200).set_body_string("<html>not json</html>"),
            ErrorKind::InvalidResponse,
            None,
        ),
        (
            ResponseTemplate::new(200).set_body_json(json!({ "data": { "orders": { "edges": [] } } })),
            ErrorKind::InvalidResponse,
            None,
        ),
    ];
    for (response, kind, wait) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(ENDPOINT))
            .respond_with(response)
            .mount(&server)
            .await;
        let err = source(&server)
            .order_by_number(&merchant(), &number("1001"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{err}");
        assert_eq!(err.retry_after(), wait, "{err}");
        assert!(!err.to_string().contains(TOKEN));
    }
}

#[tokio::test]
async fn slow_answer_is_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(fixture("orders_empty.json"))
                .set_delay(Duration::from_secs(30)),
        )
        .mount(&server)
        .await;
    let err = source_with_timeout(&server, Duration::from_millis(20))
        .order_by_number(&merchant(), &number("1001"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
}

#[tokio::test]
async fn refused_connection_is_unavailable() {
    // Bind a port, then free it, so nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let config = ShopifyConfig::builder()
        .shop("acme")
        .access_token(TOKEN)
        .base_url(format!("http://{addr}"))
        .build()
        .unwrap();
    let err = ShopifyOrderSource::new(&config)
        .unwrap()
        .order_by_number(&merchant(), &number("1001"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert!(err.is_retryable());
}

#[tokio::test]
async fn debug_output_has_no_token() {
    let server = MockServer::start().await;
    let orders = source(&server);
    let dbg = format!("{orders:?}");
    assert!(!dbg.contains(TOKEN), "{dbg}");
    assert_eq!(orders.name(), "shopify");
}
