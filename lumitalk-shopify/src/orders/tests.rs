//! The queries on the wire: their exact shape and requested cost, captured from
//! what the source sends.

use std::sync::{Arc, Mutex};

use lumitalk_core::{MerchantId, OrderNumber, OrderSource, PhoneNumber};
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::cost::Query;
use crate::wire::{
    ORDER_BY_NAME_REQUESTED_COST, ORDERS_BY_PHONE_MAX_REQUESTED_COST,
    ORDERS_BY_PHONE_REQUESTED_COST,
};
use crate::{ShopifyConfig, ShopifyOrderSource};

/// Every field below an order, in either query.
const ORDER_FIELDS: &[&str] = &[
    "id",
    "name",
    "createdAt",
    "cancelledAt",
    "displayFinancialStatus",
    "displayFulfillmentStatus",
    "phone",
    "currentSubtotalLineItemsQuantity",
    "shippingAddress",
    "shippingAddress.firstName",
    "shippingAddress.zip",
    "currentTotalPriceSet",
    "currentTotalPriceSet.shopMoney",
    "currentTotalPriceSet.shopMoney.amount",
    "currentTotalPriceSet.shopMoney.currencyCode",
    "fulfillments",
    "fulfillments.createdAt",
    "fulfillments.status",
    "fulfillments.displayStatus",
    "fulfillments.estimatedDeliveryAt",
    "fulfillments.deliveredAt",
    "fulfillments.totalQuantity",
    "fulfillments.trackingInfo",
    "fulfillments.trackingInfo.company",
    "fulfillments.trackingInfo.number",
];

fn expected_by_name() -> Vec<String> {
    let mut v = vec!["orders".to_string(), "orders.nodes".to_string()];
    v.extend(ORDER_FIELDS.iter().map(|f| format!("orders.nodes.{f}")));
    for f in [
        "customer",
        "customer.firstName",
        "customer.defaultPhoneNumber",
        "customer.defaultPhoneNumber.phoneNumber",
    ] {
        v.push(format!("orders.nodes.{f}"));
    }
    v.sort();
    v
}

fn expected_by_phone() -> Vec<String> {
    let mut v: Vec<String> = [
        "customers",
        "customers.nodes",
        "customers.nodes.firstName",
        "customers.nodes.defaultPhoneNumber",
        "customers.nodes.defaultPhoneNumber.phoneNumber",
        "customers.nodes.orders",
        "customers.nodes.orders.nodes",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.extend(
        ORDER_FIELDS
            .iter()
            .map(|f| format!("customers.nodes.orders.nodes.{f}")),
    );
    v.sort();
    v
}

/// What was sent: the query's selected fields (sorted) and its requested cost
/// by Shopify's rules, for the variables sent.
fn shape(body: &Value) -> (Vec<String>, u64) {
    let query = Query::parse(body["query"].as_str().unwrap()).unwrap();
    let mut paths = query.field_paths().unwrap();
    paths.sort();
    let cost = query.requested_cost(&body["variables"]).unwrap();
    (paths, cost)
}

#[tokio::test]
async fn the_queries_sent_have_exactly_the_lean_shape_and_cost() {
    let server = MockServer::start().await;
    let sent: Arc<Mutex<Vec<Value>>> = Arc::default();
    let log = sent.clone();
    Mock::given(wiremock::matchers::method("POST"))
        .respond_with(move |req: &Request| {
            let body: Value = serde_json::from_slice(&req.body).unwrap();
            let data = match body["operationName"].as_str() {
                Some("OrderByName") => json!({"orders": {"nodes": []}}),
                _ => json!({"customers": {"nodes": []}}),
            };
            log.lock().unwrap().push(body);
            ResponseTemplate::new(200).set_body_json(json!({"data": data}))
        })
        .mount(&server)
        .await;
    let config = ShopifyConfig::builder()
        .shop("acme")
        .access_token("shpat_shape".to_string())
        .base_url(server.uri())
        .build()
        .unwrap();
    let source = ShopifyOrderSource::new(&config).unwrap();
    let m = MerchantId::new("acme");
    let phone = PhoneNumber::parse_e164("+14155550123").unwrap();
    let number = OrderNumber::from_digits("1001").unwrap();
    assert_eq!(source.order_by_number(&m, &number).await.unwrap(), None);
    assert!(
        source
            .recent_orders_by_phone(&m, &phone, 3)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        source
            .recent_orders_by_phone(&m, &phone, 50)
            .await
            .unwrap()
            .is_empty()
    );

    let sent = sent.lock().unwrap();
    assert_eq!(sent.len(), 3);
    let (paths, cost) = shape(&sent[0]);
    assert_eq!(
        paths,
        expected_by_name(),
        "the order-by-name query changed shape"
    );
    assert!(cost <= u64::from(ORDER_BY_NAME_REQUESTED_COST), "{cost}");
    let (paths, cost) = shape(&sent[1]);
    assert_eq!(
        paths,
        expected_by_phone(),
        "the orders-by-phone query changed shape"
    );
    assert_eq!(sent[1]["variables"]["first"], 3);
    assert!(cost <= u64::from(ORDERS_BY_PHONE_REQUESTED_COST), "{cost}");
    let (_, cost) = shape(&sent[2]);
    assert_eq!(sent[2]["variables"]["first"], 10);
    assert!(
        cost <= u64::from(ORDERS_BY_PHONE_MAX_REQUESTED_COST),
        "{cost}"
    );
}
