//! Shopify Admin GraphQL: `POST /admin/api/{version}/graphql.json` answering the
//! two operations `lumitalk-shopify` sends (`OrderByName`, `OrdersByPhone`) from
//! the demo orders, in Shopify's JSON shape (display statuses, money bags,
//! connections with `nodes`, `extensions.cost`), with only the fields the query
//! selected.
//!
//! Rate limited like a real shop: a leaky bucket of cost points (default the
//! Standard plan's 2,000 points restoring 100 per second, see
//! [`ShopifyBucket`](super::ShopifyBucket)). Each query's *requested* cost is
//! computed from its text by Shopify's rules ([`query`]) and checked against
//! the bucket on arrival: short, the answer is `THROTTLED` with HTTP 200 and
//! nothing is charged; otherwise the requested cost is charged, the query runs,
//! and the difference to the *actual* cost (what came back) is refunded. Every
//! answer reports the true `extensions.cost`. A query over 1,000 points is
//! refused as Shopify refuses it (`MAX_COST_EXCEEDED`).

mod query;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use lumitalk_core::memory::demo_orders;
use lumitalk_core::{
    FinancialStatus, Fulfillment, FulfillmentStatus, Order, ShipmentStatus, Timestamp,
};
use serde_json::{Value, json};

use super::{Provider, Standins, has_header, json_error};
use query::Query;

/// Shopify refuses any single query whose requested cost is above this.
const MAX_SINGLE_QUERY_COST: u64 = 1000;

/// `POST /admin/api/{version}/graphql.json`.
pub(super) async fn graphql(
    State(s): State<Arc<Standins>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let _in_flight = s.begin(Provider::Shopify);
    if !has_header(&headers, "x-shopify-access-token") {
        s.delay(Provider::Shopify).await;
        return json_error(
            StatusCode::UNAUTHORIZED,
            json!({"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}),
        );
    }
    let request: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => {
            s.delay(Provider::Shopify).await;
            return json_error(StatusCode::BAD_REQUEST, json!({"errors": "Bad Request"}));
        }
    };
    let variables = &request["variables"];
    let parsed = request["query"]
        .as_str()
        .ok_or_else(|| "no query".to_string())
        .and_then(Query::parse);
    let (query, requested) = match parsed.map(|q| {
        let cost = q.requested_cost(variables);
        (q, cost)
    }) {
        Ok((q, Some(cost))) => (q, cost),
        Ok((_, None)) | Err(_) => {
            s.delay(Provider::Shopify).await;
            return graphql_error("Parse error: the query could not be read", "BAD_REQUEST");
        }
    };
    if requested > MAX_SINGLE_QUERY_COST {
        s.delay(Provider::Shopify).await;
        return graphql_error(
            &format!(
                "Query cost is {requested}, which exceeds the single query max cost limit ({MAX_SINGLE_QUERY_COST})."
            ),
            "MAX_COST_EXCEEDED",
        );
    }
    // Checked on arrival, charged before running.
    if let Err(available) = s.shopify_charge(requested as f64) {
        s.delay(Provider::Shopify).await;
        return throttled(&s, requested, available);
    }
    s.delay(Provider::Shopify).await;
    let op = request["operationName"].as_str().unwrap_or_default();
    let q = variables["q"].as_str().unwrap_or_default();
    let data = match (op, parse_term(q)) {
        (_, None) => Err("Invalid search query"),
        ("OrderByName", Some((field, value))) if field == "name" => {
            let first = query.top_size("orders", variables).unwrap_or(1) as usize;
            Ok(json!({ "orders": { "nodes": orders_by_name(&value, first) } }))
        }
        ("OrdersByPhone", Some((field, value))) if field == "phone" => {
            let first = variables["first"].as_u64().unwrap_or(10) as usize;
            let customers = query.top_size("customers", variables).unwrap_or(1) as usize;
            Ok(json!({ "customers": { "nodes": customers_by_phone(&value, first, customers) } }))
        }
        _ => Err("Unknown operation for this stand-in"),
    };
    let data = match data {
        Ok(data) => query.project(&data),
        Err(message) => {
            s.shopify_refund(requested as f64, 0.0);
            return graphql_error(message, "BAD_REQUEST");
        }
    };
    let Some(data) = data else {
        s.shopify_refund(requested as f64, 0.0);
        return graphql_error("Parse error: fragments do not resolve", "BAD_REQUEST");
    };
    let actual = query.actual_cost(&data).unwrap_or(requested).min(requested);
    let status = s.shopify_refund(requested as f64, actual as f64);
    (
        [("content-type", "application/json; charset=utf-8")],
        axum::Json(json!({
            "data": data,
            "extensions": { "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": status,
            }}
        })),
    )
        .into_response()
}

/// Shopify's answer to a query the bucket cannot hold: HTTP 200, nothing charged.
fn throttled(s: &Standins, requested: u64, available: f64) -> Response {
    s.shopify_throttled.fetch_add(1, Ordering::Relaxed);
    let bucket = s.shopify_bucket_size();
    (
        [("content-type", "application/json; charset=utf-8")],
        axum::Json(json!({
            "errors": [{
                "message": "Throttled",
                "extensions": {
                    "code": "THROTTLED",
                    "documentation": "https://shopify.dev/api/usage/rate-limits"
                }
            }],
            "extensions": { "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": null,
                "throttleStatus": {
                    "maximumAvailable": bucket.size,
                    "currentlyAvailable": available,
                    "restoreRate": bucket.restore_rate
                }
            }}
        })),
    )
        .into_response()
}

fn graphql_error(message: &str, code: &str) -> Response {
    axum::Json(json!({
        "errors": [{ "message": message, "locations": [], "extensions": { "code": code } }]
    }))
    .into_response()
}

/// `field:"value"` with `\`-escapes, as `lumitalk_shopify::SearchQuery` builds it.
pub(super) fn parse_term(q: &str) -> Option<(String, String)> {
    let (field, rest) = q.split_once(':')?;
    let mut chars = rest.strip_prefix('"')?.chars();
    let mut value = String::new();
    loop {
        match chars.next()? {
            '\\' => value.push(chars.next()?),
            '"' => break,
            c => value.push(c),
        }
    }
    Some((field.trim().to_string(), value))
}

/// The demo's order numbers are unique: the search finds one order or none
/// (at most `first`).
fn orders_by_name(digits: &str, first: usize) -> Vec<Value> {
    demo_orders()
        .iter()
        .filter(|o| o.number.digits() == digits)
        .take(first)
        .map(order_node)
        .collect()
}

fn customers_by_phone(phone: &str, first: usize, customers: usize) -> Vec<Value> {
    if customers == 0 {
        return Vec::new();
    }
    let mut orders: Vec<&Order> = demo_orders()
        .iter()
        .filter(|o| o.phone().is_some_and(|p| p.as_e164() == phone))
        .collect();
    if orders.is_empty() {
        return Vec::new();
    }
    orders.sort_by_key(|o| std::cmp::Reverse(o.placed_at));
    let first_name = orders[0]
        .customer
        .as_ref()
        .and_then(|c| c.name.as_deref())
        .map_or(Value::Null, |n| split_name(n).0);
    let nodes: Vec<Value> = orders.into_iter().take(first).map(order_node).collect();
    vec![json!({
        "firstName": first_name,
        "defaultPhoneNumber": { "phoneNumber": phone },
        "orders": { "nodes": nodes }
    })]
}

fn time(t: Timestamp) -> String {
    let s = t.to_string();
    match s.strip_suffix(".000Z") {
        Some(whole) => format!("{whole}Z"),
        None => s,
    }
}

fn opt_time(t: Option<Timestamp>) -> Value {
    t.map_or(Value::Null, |t| Value::String(time(t)))
}

fn split_name(name: &str) -> (Value, Value) {
    match name.trim().split_once(' ') {
        Some((first, last)) => (json!(first), json!(last.trim())),
        None => (json!(name.trim()), Value::Null),
    }
}

fn money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    format!("{sign}{}.{:02}", m / 100, m % 100)
}

/// One order with every field Shopify could answer (the answer is then reduced
/// to what the query selected). A customer with a phone becomes a customer
/// record; one without (the demo's guest checkouts) becomes an order-level email
/// and the shipping name.
pub(super) fn order_node(o: &Order) -> Value {
    let contact = o.customer.as_ref();
    let email = contact.and_then(|c| c.email.clone());
    let (first, last) = contact
        .and_then(|c| c.name.as_deref())
        .map_or((Value::Null, Value::Null), split_name);
    let customer = match contact {
        Some(c) if c.phone.is_some() => json!({
            "firstName": first,
            "lastName": last,
            "defaultEmailAddress": email.as_ref().map(|e| json!({ "emailAddress": e })),
            "defaultPhoneNumber": c.phone.as_ref().map(|p| json!({ "phoneNumber": p.as_e164() })),
        }),
        _ => Value::Null,
    };
    json!({
        "id": o.source_id.clone().unwrap_or_else(|| format!("gid://shopify/Order/{}", o.number.digits())),
        "name": o.name,
        "createdAt": time(o.placed_at),
        "cancelledAt": opt_time(o.cancelled_at),
        "displayFinancialStatus": financial(o.financial_status),
        "displayFulfillmentStatus": fulfillment(o.fulfillment_status),
        "email": email,
        "phone": Value::Null,
        "customer": customer,
        "shippingAddress": {
            "firstName": first,
            "lastName": last,
            "zip": o.shipping_postal_code.as_ref().map(|z| z.as_str()),
            "phone": Value::Null
        },
        "currentTotalPriceSet": { "shopMoney": {
            "amount": money(o.total.minor_units),
            "currencyCode": o.total.currency
        }},
        "lineItems": { "nodes": o.line_items.iter()
            .map(|l| json!({ "title": l.title, "quantity": l.quantity }))
            .collect::<Vec<_>>() },
        "currentSubtotalLineItemsQuantity": o.item_count(),
        "fulfillments": o.fulfillments.iter().map(fulfillment_node).collect::<Vec<_>>(),
    })
}

fn fulfillment_node(f: &Fulfillment) -> Value {
    let tracking = if f.carrier.is_some() || f.tracking_number.is_some() {
        vec![json!({ "company": f.carrier, "number": f.tracking_number, "url": f.tracking_url })]
    } else {
        Vec::new()
    };
    json!({
        "createdAt": opt_time(f.shipped_at),
        "status": if f.status == ShipmentStatus::Cancelled { "CANCELLED" } else { "SUCCESS" },
        "displayStatus": shipment(f.status),
        "estimatedDeliveryAt": opt_time(f.estimated_delivery),
        "deliveredAt": opt_time(f.delivered_at),
        "totalQuantity": f.item_count,
        "trackingInfo": tracking,
    })
}

fn financial(s: FinancialStatus) -> Value {
    json!(match s {
        FinancialStatus::Pending => "PENDING",
        FinancialStatus::Authorized => "AUTHORIZED",
        FinancialStatus::PartiallyPaid => "PARTIALLY_PAID",
        FinancialStatus::Paid => "PAID",
        FinancialStatus::PartiallyRefunded => "PARTIALLY_REFUNDED",
        FinancialStatus::Refunded => "REFUNDED",
        FinancialStatus::Voided => "VOIDED",
        FinancialStatus::Expired => "EXPIRED",
        _ => return Value::Null,
    })
}

fn fulfillment(s: FulfillmentStatus) -> Value {
    json!(match s {
        FulfillmentStatus::Unfulfilled => "UNFULFILLED",
        FulfillmentStatus::PartiallyFulfilled => "PARTIALLY_FULFILLED",
        FulfillmentStatus::Fulfilled => "FULFILLED",
        FulfillmentStatus::InProgress => "IN_PROGRESS",
        FulfillmentStatus::OnHold => "ON_HOLD",
        FulfillmentStatus::Scheduled => "SCHEDULED",
        FulfillmentStatus::Restocked => "RESTOCKED",
        _ => return Value::Null,
    })
}

fn shipment(s: ShipmentStatus) -> Value {
    json!(match s {
        ShipmentStatus::LabelCreated => "LABEL_PRINTED",
        ShipmentStatus::Confirmed => "CONFIRMED",
        ShipmentStatus::InTransit => "IN_TRANSIT",
        ShipmentStatus::OutForDelivery => "OUT_FOR_DELIVERY",
        ShipmentStatus::Delivered => "DELIVERED",
        ShipmentStatus::AttemptedDelivery => "ATTEMPTED_DELIVERY",
        ShipmentStatus::Delayed => "DELAYED",
        ShipmentStatus::ReadyForPickup => "READY_FOR_PICKUP",
        ShipmentStatus::PickedUp => "PICKED_UP",
        ShipmentStatus::Failed => "FAILURE",
        ShipmentStatus::Cancelled => "CANCELED",
        _ => return Value::Null,
    })
}
