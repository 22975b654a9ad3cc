//! A fake shop behind wiremock: answers the two GraphQL operations from a list of
//! orders, with Shopify's inexact search (a name or phone *containing* the value),
//! its sort keys and its `first:` limits (read from the query text), so the
//! adapter's filtering is what makes lookups exact.

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

/// One order of the fake shop.
pub(crate) struct FakeOrder {
    pub(crate) name: &'static str,
    pub(crate) created_at: &'static str,
    pub(crate) phone: Option<&'static str>,
    pub(crate) zip: Option<&'static str>,
    pub(crate) fulfillments: usize,
}

pub(crate) struct FakeShop {
    pub(crate) orders: Vec<FakeOrder>,
}

fn cost() -> Value {
    json!({"cost": {"requestedQueryCost": 150, "actualQueryCost": 10,
        "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1990.0, "restoreRate": 100.0}}})
}

/// The value inside `field:"…"`, unescaped.
fn search_value(q: &str) -> String {
    let start = q.find(":\"").expect("quoted search value") + 2;
    let mut out = String::new();
    let mut chars = q[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            '"' => break,
            c => out.push(c),
        }
    }
    out
}

impl FakeOrder {
    fn to_json(&self, i: usize) -> Value {
        let fulfillments: Vec<Value> = (0..self.fulfillments)
            .map(|k| {
                json!({"createdAt": format!("2026-11-2{k}T10:00:00Z"), "status": "SUCCESS",
                    "displayStatus": "IN_TRANSIT", "estimatedDeliveryAt": null, "deliveredAt": null,
                    "totalQuantity": 1, "trackingInfo": [{"company": "UPS", "number": format!("1Z{i}{k}")}]})
            })
            .collect();
        let customer = self
            .phone
            .map(|p| json!({"firstName": "Pat", "defaultPhoneNumber": {"phoneNumber": p}}));
        json!({
            "id": format!("gid://shopify/Order/{}", 5_000_000 + i),
            "name": self.name, "createdAt": self.created_at, "cancelledAt": null,
            "displayFinancialStatus": "PAID", "displayFulfillmentStatus": "PARTIALLY_FULFILLED",
            "phone": null, "customer": customer,
            "currentSubtotalLineItemsQuantity": 1,
            "shippingAddress": {"firstName": "Pat", "zip": self.zip},
            "currentTotalPriceSet": {"shopMoney": {"amount": "10.00", "currencyCode": "USD"}},
            "fulfillments": fulfillments,
        })
    }

    fn newest_first(orders: &[FakeOrder]) -> Vec<(usize, &FakeOrder)> {
        let mut v: Vec<(usize, &FakeOrder)> = orders.iter().enumerate().collect();
        v.sort_by(|a, b| b.1.created_at.cmp(a.1.created_at));
        v
    }

    /// `sortKey: ORDER_NUMBER`, ascending: by the name's digits as a number.
    fn by_number(orders: &[FakeOrder]) -> Vec<(usize, &FakeOrder)> {
        let number = |o: &FakeOrder| -> u64 {
            let digits: String = o.name.chars().filter(char::is_ascii_digit).collect();
            digits.parse().unwrap_or(u64::MAX)
        };
        let mut v: Vec<(usize, &FakeOrder)> = orders.iter().enumerate().collect();
        v.sort_by_key(|(_, o)| number(o));
        v
    }
}

/// The `first:` argument of the query's top-level connection.
fn top_first(query: &str, connection: &str) -> usize {
    let start = query
        .find(&format!("{connection}(first: "))
        .expect("a sized connection")
        + connection.len()
        + "(first: ".len();
    let digits: String = query[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().expect("a literal size")
}

impl Respond for FakeShop {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).expect("JSON request");
        let value = search_value(body["variables"]["q"].as_str().expect("q"));
        let data = match body["operationName"].as_str() {
            Some("OrderByName") => {
                let query = body["query"].as_str().expect("query");
                assert!(query.contains("sortKey: ORDER_NUMBER"), "{query}");
                let nodes: Vec<Value> = FakeOrder::by_number(&self.orders)
                    .into_iter()
                    .filter(|(_, o)| o.name.contains(value.as_str()))
                    .take(top_first(query, "orders"))
                    .map(|(i, o)| o.to_json(i))
                    .collect();
                json!({"orders": {"nodes": nodes}})
            }
            Some("OrdersByPhone") => {
                let first = body["variables"]["first"].as_u64().expect("first") as usize;
                let mut phones: Vec<&str> = self
                    .orders
                    .iter()
                    .filter_map(|o| o.phone)
                    // Inexact on purpose: numbers sharing a prefix also match.
                    .filter(|p| p.get(..10) == value.get(..10))
                    .collect();
                phones.dedup();
                let query = body["query"].as_str().expect("query");
                let customers: Vec<Value> = phones
                    .into_iter()
                    .take(top_first(query, "customers"))
                    .map(|phone| {
                        let nodes: Vec<Value> = FakeOrder::newest_first(&self.orders)
                            .into_iter()
                            .filter(|(_, o)| o.phone == Some(phone))
                            .take(first)
                            .map(|(i, o)| o.to_json(i))
                            .collect();
                        json!({"firstName": "Pat", "defaultPhoneNumber": {"phoneNumber": phone}, "orders": {"nodes": nodes}})
                    })
                    .collect();
                json!({"customers": {"nodes": customers}})
            }
            other => panic!("unexpected operation {other:?}"),
        };
        ResponseTemplate::new(200).set_body_json(json!({"data": data, "extensions": cost()}))
    }
}

/// The fake shop the contract tests run against.
pub(crate) fn demo_shop() -> FakeShop {
    let o = |name, created_at, phone, zip, fulfillments| FakeOrder {
        name,
        created_at,
        phone,
        zip,
        fulfillments,
    };
    FakeShop {
        orders: vec![
            o(
                "#998",
                "2026-10-02T17:30:00Z",
                Some("+14155550123"),
                Some("94105"),
                1,
            ),
            o(
                "#1001",
                "2026-11-20T14:03:11Z",
                Some("+14155550123"),
                Some("94105"),
                2,
            ),
            o(
                "#1002",
                "2026-11-21T08:00:00Z",
                Some("+14155550124"),
                Some("10001"),
                0,
            ),
            o("#10010", "2026-11-28T08:00:00Z", None, Some("60601"), 0),
            o(
                "#1010",
                "2026-11-26T09:00:00Z",
                Some("+14155550123"),
                Some("94105"),
                0,
            ),
        ],
    }
}
