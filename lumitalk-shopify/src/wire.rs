//! The Admin GraphQL wire: the two queries we send and serde types for what comes back.
//!
//! # Lean queries
//!
//! A query selects only fields some code path uses (the privacy promise "read only
//! what a call needs", and the cost: Shopify checks a query's *requested* cost
//! against the shop's bucket before running it). No email, no last names, no
//! line-item titles, no tracking URLs. Each field's user is listed in the test
//! `every_field_has_a_user` below, which fails when a field is added without one.
//! Contact fields use the current names (`defaultPhoneNumber`), not the
//! deprecated `Customer.phone`.
//!
//! Sizes:
//! - `fulfillments(first: 5)`: the conversation describes at most
//!   [`MAX_SHIPMENTS`](lumitalk_core::conversation::MAX_SHIPMENTS) (3) shipments and
//!   *counts* the ones beyond (`more_shipments` = total − 3, spoken as "shipped in
//!   5 packages"). Five is what it always fetched, so the answer for every order
//!   stays the same; three would silently turn "5 packages" into "3 packages".
//!   (`Order.fulfillmentsCount`, 2024-07+, could carry the exact total for 1 point
//!   with `first: 3`, but core's `Order` has no field for a count without the
//!   shipments themselves.)
//! - `trackingInfo(first: 1)`: one carrier and tracking number per shipment is
//!   all that is spoken.
//! - `orders(first: 1, …, sortKey: ORDER_NUMBER)` for a search by number: Shopify's
//!   `name:` search is not exact (it also finds `#10010` and `#21001` for `1001`),
//!   so the adapter keeps only a name whose digits are exactly the number. Every
//!   other order such a search finds has a *longer* digit run holding those digits,
//!   i.e. a larger order number; sorted by order number ascending, the exact order
//!   (if it exists) comes first, so one candidate keeps the exact-match behaviour
//!   that five newest-first candidates only approximated (with five, once a shop
//!   reached #10014, `#1001` was crowded out by `#10010`…`#10014`).
//! - `customers(first: 2)`: Shopify keeps customer phones unique per shop, but its
//!   `phone:` search is not documented as exact; the second slot catches an
//!   inexact hit, which the exact-phone filter then drops.
//! - Line items: only their total quantity is used (for "3 items"), read from the
//!   scalar `currentSubtotalLineItemsQuantity` instead of a `lineItems` connection.
//! - The phone query reads the customer's first name and phone once, on the
//!   customer, instead of again on each of its orders.
//!
//! # Requested cost
//!
//! By Shopify's rules (scalar 0, object 1, connection 2 + `first` × node, sized
//! list `first` × element; see `cost.rs`):
//!
//! | part | points |
//! |---|---|
//! | order node: itself 1, `shippingAddress` 1, `currentTotalPriceSet { shopMoney }` 2, `fulfillments(first: 5)` 5 × (1 + `trackingInfo(first: 1)` 1) = 10 | 14 |
//! | by number: + `customer { defaultPhoneNumber }` 2 | 16 |
//! | [`ORDER_BY_NAME_REQUESTED_COST`]: `orders(first: 1)` = 2 + 1 × 16 | **18** (was 147) |
//! | customer node: itself 1, `defaultPhoneNumber` 1, `orders(first: n)` 2 + 14n | 4 + 14n |
//! | [`orders_by_phone_requested_cost`]`(n)`: `customers(first: 2)` = 2 + 2 × (4 + 14n) | **10 + 28n**: 38 for 1, 94 for 3 (was 184), 290 for 10 |
//!
//! The actual cost charged is lower (only objects returned count), and the
//! difference is refunded after the query ran.
//!
//! Wire types holding personal data deliberately do not implement `Debug`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How many orders a search by name asks for (see the module docs: sorted by
/// order number, the exact match comes first).
pub(crate) const ORDER_SEARCH_FIRST: u32 = 1;

/// How many customers a phone search asks for. Shopify keeps customer phone numbers
/// unique per shop; the second slot catches an inexact search result, which is then
/// dropped by the exact-phone filter.
pub(crate) const CUSTOMER_SEARCH_FIRST: u32 = 2;

/// The most orders a phone lookup fetches per customer, whatever `limit` asks for.
pub const MAX_ORDERS_PER_PHONE: usize = 10;

/// The requested cost of the order-by-number query (`OrderByName`), in Shopify's
/// cost points: 18 (147 before the lean rewrite). See the module docs.
pub const ORDER_BY_NAME_REQUESTED_COST: u32 = 18;

/// The requested cost of an orders-by-phone lookup for `limit` orders (capped at
/// [`MAX_ORDERS_PER_PHONE`]): `10 + 28 × n`. Zero for `limit` 0, which sends nothing.
pub const fn orders_by_phone_requested_cost(limit: usize) -> u32 {
    let n = if limit > MAX_ORDERS_PER_PHONE {
        MAX_ORDERS_PER_PHONE
    } else {
        limit
    };
    if n == 0 { 0 } else { 10 + 28 * n as u32 }
}

/// The requested cost of the orders-by-phone query at the assistant's default of
/// 3 recent orders: 94 (184 before the lean rewrite).
pub const ORDERS_BY_PHONE_REQUESTED_COST: u32 = orders_by_phone_requested_cost(3);

/// The requested cost of the orders-by-phone query at its largest
/// ([`MAX_ORDERS_PER_PHONE`] orders): 290.
pub const ORDERS_BY_PHONE_MAX_REQUESTED_COST: u32 =
    orders_by_phone_requested_cost(MAX_ORDERS_PER_PHONE);

/// The order fields both queries read (14 points per order).
const ORDER_FIELDS: &str = "\
fragment OrderFields on Order {
  id name createdAt cancelledAt
  displayFinancialStatus displayFulfillmentStatus
  phone currentSubtotalLineItemsQuantity
  shippingAddress { firstName zip }
  currentTotalPriceSet { shopMoney { amount currencyCode } }
  fulfillments(first: 5) {
    createdAt status displayStatus estimatedDeliveryAt deliveredAt totalQuantity
    trackingInfo(first: 1) { company number }
  }
}";

/// Operation name of the order-by-name query.
pub(crate) const ORDER_BY_NAME_OP: &str = "OrderByName";
/// Operation name of the orders-by-phone query.
pub(crate) const ORDERS_BY_PHONE_OP: &str = "OrdersByPhone";

/// The order-by-name query; `$q` is built by [`crate::SearchQuery`].
pub(crate) fn order_by_name_query() -> String {
    format!(
        "query OrderByName($q: String!) {{
  orders(first: {ORDER_SEARCH_FIRST}, query: $q, sortKey: ORDER_NUMBER) {{
    nodes {{
      ...OrderFields
      customer {{ firstName defaultPhoneNumber {{ phoneNumber }} }}
    }}
  }}
}}
{ORDER_FIELDS}"
    )
}

/// The orders-by-phone query: the customer with that phone, then their newest orders.
pub(crate) fn orders_by_phone_query() -> String {
    format!(
        "query OrdersByPhone($q: String!, $first: Int!) {{
  customers(first: {CUSTOMER_SEARCH_FIRST}, query: $q) {{
    nodes {{
      firstName defaultPhoneNumber {{ phoneNumber }}
      orders(first: $first, sortKey: CREATED_AT, reverse: true) {{ nodes {{ ...OrderFields }} }}
    }}
  }}
}}
{ORDER_FIELDS}"
    )
}

/// The JSON body of a GraphQL request.
#[derive(Serialize)]
pub(crate) struct GraphqlRequest<'a> {
    pub(crate) query: &'a str,
    pub(crate) variables: &'a Value,
    #[serde(rename = "operationName")]
    pub(crate) operation_name: &'a str,
}

/// Any GraphQL response: `data`, `errors` and `extensions` are all optional on the wire.
#[derive(Deserialize)]
pub(crate) struct Envelope {
    #[serde(default)]
    pub(crate) data: Option<Value>,
    /// An array of error objects (GraphQL), or a string / object (HTTP-level errors).
    #[serde(default)]
    pub(crate) errors: Option<Value>,
    #[serde(default)]
    pub(crate) extensions: Option<Extensions>,
}

#[derive(Deserialize)]
pub(crate) struct Extensions {
    #[serde(default)]
    pub(crate) cost: Option<QueryCost>,
}

/// `extensions.cost` of a response: what the query cost and how full the bucket is.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryCost {
    /// Cost computed before running the query (the amount that must be available).
    #[serde(default)]
    pub requested_query_cost: Option<f64>,
    /// Cost actually charged (`null` when the query did not run, e.g. throttled).
    #[serde(default)]
    pub actual_query_cost: Option<f64>,
    /// The leaky bucket's state after the request.
    #[serde(default)]
    pub throttle_status: Option<ThrottleStatus>,
}

/// The leaky bucket of cost points for this app and shop (sizes depend on the plan).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThrottleStatus {
    /// Bucket size.
    pub maximum_available: f64,
    /// Points available now.
    pub currently_available: f64,
    /// Points restored per second.
    pub restore_rate: f64,
}

/// One entry of a GraphQL `errors` array.
#[derive(Deserialize)]
pub(crate) struct GraphqlError {
    #[serde(default)]
    pub(crate) message: String,
    #[serde(default)]
    pub(crate) extensions: Option<GraphqlErrorExtensions>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GraphqlErrorExtensions {
    #[serde(default)]
    pub(crate) code: Option<String>,
    /// Present on `ACCESS_DENIED`, e.g. "`read_orders` access scope."
    #[serde(default)]
    pub(crate) required_access: Option<String>,
}

/// A connection's `nodes`. Required: a connection without them means the answer
/// is not what we asked for, and must not read as "nothing found".
#[derive(Deserialize)]
pub(crate) struct Nodes<T> {
    pub(crate) nodes: Vec<T>,
}

impl<T> Default for Nodes<T> {
    fn default() -> Self {
        Nodes { nodes: Vec::new() }
    }
}

/// `data` of [`order_by_name_query`].
#[derive(Deserialize)]
pub(crate) struct OrdersData {
    pub(crate) orders: Nodes<OrderNode>,
}

/// `data` of [`orders_by_phone_query`].
#[derive(Deserialize)]
pub(crate) struct CustomersData {
    pub(crate) customers: Nodes<CustomerNode>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CustomerNode {
    #[serde(default)]
    pub(crate) first_name: Option<String>,
    #[serde(default)]
    pub(crate) default_phone_number: Option<PhoneField>,
    pub(crate) orders: Nodes<OrderNode>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PhoneField {
    pub(crate) phone_number: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrderNode {
    pub(crate) id: Option<String>,
    pub(crate) name: String,
    pub(crate) created_at: String,
    #[serde(default)]
    pub(crate) cancelled_at: Option<String>,
    #[serde(default)]
    pub(crate) display_financial_status: Option<String>,
    #[serde(default)]
    pub(crate) display_fulfillment_status: Option<String>,
    #[serde(default)]
    pub(crate) phone: Option<String>,
    /// The total quantity of the order's current line items.
    #[serde(default)]
    pub(crate) current_subtotal_line_items_quantity: Option<i64>,
    /// `null` for guest checkouts; not selected by the phone query (whose
    /// orders all belong to the customer it found).
    #[serde(default)]
    pub(crate) customer: Option<OrderCustomer>,
    #[serde(default)]
    pub(crate) shipping_address: Option<Address>,
    #[serde(default)]
    pub(crate) current_total_price_set: Option<MoneyBag>,
    /// A plain list, not a connection.
    #[serde(default)]
    pub(crate) fulfillments: Option<Vec<FulfillmentNode>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrderCustomer {
    #[serde(default)]
    pub(crate) first_name: Option<String>,
    #[serde(default)]
    pub(crate) default_phone_number: Option<PhoneField>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Address {
    #[serde(default)]
    pub(crate) first_name: Option<String>,
    #[serde(default)]
    pub(crate) zip: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MoneyBag {
    pub(crate) shop_money: MoneyV2,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MoneyV2 {
    /// A decimal string, e.g. `"59.98"`.
    pub(crate) amount: String,
    pub(crate) currency_code: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FulfillmentNode {
    #[serde(default)]
    pub(crate) created_at: Option<String>,
    #[serde(default)]
    pub(crate) status: Option<String>,
    #[serde(default)]
    pub(crate) display_status: Option<String>,
    #[serde(default)]
    pub(crate) estimated_delivery_at: Option<String>,
    #[serde(default)]
    pub(crate) delivered_at: Option<String>,
    #[serde(default)]
    pub(crate) total_quantity: Option<i64>,
    #[serde(default)]
    pub(crate) tracking_info: Vec<TrackingInfo>,
}

#[derive(Deserialize)]
pub(crate) struct TrackingInfo {
    #[serde(default)]
    pub(crate) company: Option<String>,
    #[serde(default)]
    pub(crate) number: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::Query;
    use serde_json::json;

    /// Where each order field is used (paths below the order node).
    const ORDER_FIELD_USERS: &[(&str, &str)] = &[
        (
            "id",
            "Order::source_id: de-duplicates a phone lookup's orders (orders.rs)",
        ),
        (
            "name",
            "the exact-number filter (map::name_matches) and Order::number (map::number_from_name)",
        ),
        (
            "createdAt",
            "OrderSummary::placed_at (\"placed on …\"), newest-first order of a phone's orders",
        ),
        (
            "cancelledAt",
            "OrderSummary::cancelled_at (\"was cancelled on …\")",
        ),
        (
            "displayFinancialStatus",
            "OrderSummary::financial (refund and payment sentences)",
        ),
        (
            "displayFulfillmentStatus",
            "OrderSummary::fulfillment (\"hasn't shipped yet\", \"partly shipped\")",
        ),
        (
            "phone",
            "Order::phone() for a guest checkout or a customer without a phone: caller-ID match, last-4 challenge",
        ),
        (
            "currentSubtotalLineItemsQuantity",
            "Order::item_count() -> OrderSummary::items (\"2 of 5 items\")",
        ),
        ("shippingAddress", "(object holding the two fields below)"),
        (
            "shippingAddress.firstName",
            "OrderSummary::first_name for a guest checkout (\"Thanks, Jane\")",
        ),
        (
            "shippingAddress.zip",
            "Checks::postal_code, the verification challenge",
        ),
        ("currentTotalPriceSet", "(object holding the total)"),
        (
            "currentTotalPriceSet.shopMoney",
            "(object holding the total)",
        ),
        (
            "currentTotalPriceSet.shopMoney.amount",
            "OrderSummary::total (\"for $59.98\")",
        ),
        (
            "currentTotalPriceSet.shopMoney.currencyCode",
            "OrderSummary::total (\"for $59.98\")",
        ),
        (
            "fulfillments",
            "OrderSummary::shipments (3) and more_shipments (the rest)",
        ),
        (
            "fulfillments.createdAt",
            "ShipmentSummary::shipped_at; shipments oldest first",
        ),
        (
            "fulfillments.status",
            "ShipmentSummary::status when displayStatus is missing",
        ),
        (
            "fulfillments.displayStatus",
            "ShipmentSummary::status (\"in transit\", \"delivered\")",
        ),
        (
            "fulfillments.estimatedDeliveryAt",
            "ShipmentSummary::estimated_delivery",
        ),
        ("fulfillments.deliveredAt", "ShipmentSummary::delivered_at"),
        (
            "fulfillments.totalQuantity",
            "ShipmentSummary::items (\"2 of 5 items are on the way\")",
        ),
        (
            "fulfillments.trackingInfo",
            "(list holding the two fields below)",
        ),
        (
            "fulfillments.trackingInfo.company",
            "ShipmentSummary::carrier",
        ),
        (
            "fulfillments.trackingInfo.number",
            "ShipmentSummary::tracking (spoken on request)",
        ),
        (
            "customer",
            "(object holding the two fields below; by-number query only)",
        ),
        (
            "customer.firstName",
            "OrderSummary::first_name (\"Thanks, Jane\")",
        ),
        ("customer.defaultPhoneNumber", "(object holding the phone)"),
        (
            "customer.defaultPhoneNumber.phoneNumber",
            "Order::phone(): Checks::caller_matches, last-4 challenge",
        ),
    ];

    /// Where each field outside the order node is used (full paths).
    const OTHER_FIELD_USERS: &[(&str, &str)] = &[
        ("orders", "the search by order number"),
        ("orders.nodes", "the candidate orders"),
        ("customers", "the search by phone"),
        ("customers.nodes", "the candidate customers"),
        (
            "customers.nodes.firstName",
            "OrderSummary::first_name of each of the customer's orders",
        ),
        (
            "customers.nodes.defaultPhoneNumber",
            "(object holding the phone)",
        ),
        (
            "customers.nodes.defaultPhoneNumber.phoneNumber",
            "the exact-phone filter (orders.rs phone_orders) and Order::phone()",
        ),
        ("customers.nodes.orders", "the customer's newest orders"),
        (
            "customers.nodes.orders.nodes",
            "the customer's newest orders",
        ),
    ];

    const ORDER_PREFIXES: [&str; 2] = ["orders.nodes.", "customers.nodes.orders.nodes."];

    fn user_of(path: &str) -> Option<&'static str> {
        if let Some((_, user)) = OTHER_FIELD_USERS.iter().find(|(p, _)| *p == path) {
            return Some(user);
        }
        let below = ORDER_PREFIXES
            .iter()
            .find_map(|pre| path.strip_prefix(pre))?;
        ORDER_FIELD_USERS
            .iter()
            .find(|(p, _)| *p == below)
            .map(|(_, user)| *user)
    }

    fn paths(query: &str) -> Vec<String> {
        Query::parse(query).unwrap().field_paths().unwrap()
    }

    #[test]
    fn every_field_has_a_user() {
        let mut requested = Vec::new();
        for query in [order_by_name_query(), orders_by_phone_query()] {
            for path in paths(&query) {
                assert!(
                    user_of(&path).is_some(),
                    "`{path}` is requested but no code path is listed as using it; \
                     add its user to the table or stop requesting it"
                );
                requested.push(path);
            }
        }
        // And the table lists nothing that is no longer requested.
        for (path, _) in OTHER_FIELD_USERS {
            assert!(
                requested.iter().any(|p| p == path),
                "`{path}` is listed but not requested"
            );
        }
        for (field, _) in ORDER_FIELD_USERS {
            let used = requested.iter().any(|p| {
                ORDER_PREFIXES
                    .iter()
                    .any(|pre| p.strip_prefix(pre) == Some(field))
            });
            assert!(used, "`{field}` is listed but not requested");
        }
        // The privacy promise, spelled out.
        for path in &requested {
            let last = path.rsplit('.').next().unwrap();
            for never in [
                "email",
                "defaultEmailAddress",
                "emailAddress",
                "lastName",
                "title",
                "url",
                "lineItems",
            ] {
                assert_ne!(last, never, "`{path}` must not be read");
            }
        }
    }

    #[test]
    fn the_cost_constants_match_the_rules() {
        let by_name = Query::parse(&order_by_name_query()).unwrap();
        assert_eq!(
            by_name.requested_cost(&json!({"q": "name:\"1\""})),
            Some(u64::from(ORDER_BY_NAME_REQUESTED_COST))
        );
        let by_phone = Query::parse(&orders_by_phone_query()).unwrap();
        for limit in 1..=MAX_ORDERS_PER_PHONE {
            assert_eq!(
                by_phone.requested_cost(&json!({"q": "", "first": limit})),
                Some(u64::from(orders_by_phone_requested_cost(limit))),
                "limit {limit}"
            );
        }
        assert_eq!(ORDER_BY_NAME_REQUESTED_COST, 18);
        assert_eq!(ORDERS_BY_PHONE_REQUESTED_COST, 94);
        assert_eq!(ORDERS_BY_PHONE_MAX_REQUESTED_COST, 290);
        assert_eq!(orders_by_phone_requested_cost(0), 0);
        assert_eq!(orders_by_phone_requested_cost(500), 290);
    }

    #[test]
    fn queries_are_well_formed() {
        for q in [order_by_name_query(), orders_by_phone_query()] {
            assert!(q.contains("defaultPhoneNumber { phoneNumber }"));
            assert!(q.contains("fragment OrderFields on Order"));
            assert_eq!(q.matches('{').count(), q.matches('}').count());
        }
        assert!(
            order_by_name_query().contains("orders(first: 1, query: $q, sortKey: ORDER_NUMBER)")
        );
        assert!(orders_by_phone_query().contains("customers(first: 2, query: $q)"));
    }
}
