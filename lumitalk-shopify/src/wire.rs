//! The Admin GraphQL wire: the two queries we send and serde types for what comes back.
//!
//! Only the fields a phone answer and caller verification need are selected, to keep
//! the calculated query cost (and the personal data we read) small. Contact fields use
//! the current names (`defaultEmailAddress`, `defaultPhoneNumber`), not the deprecated
//! `Customer.email` / `Customer.phone`.
//!
//! Wire types holding personal data deliberately do not implement `Debug`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How many orders a search by name asks for. The search is not exact (`name:1001`
/// can match other names), so a few candidates are fetched and filtered locally.
pub(crate) const ORDER_SEARCH_FIRST: u32 = 5;

/// How many customers a phone search asks for. Shopify keeps customer phone numbers
/// unique per shop; the second slot catches an inexact search result, which is then
/// dropped by the exact-phone filter.
pub(crate) const CUSTOMER_SEARCH_FIRST: u32 = 2;

/// The most orders a phone lookup fetches per customer, whatever `limit` asks for.
pub const MAX_ORDERS_PER_PHONE: usize = 10;

/// Selected on every order: roughly 7 objects (order, customer, its two contact
/// objects, address, money bag, money) + 12 (line items) + 5 × 2 (fulfillments with
/// one tracking entry) ≈ 30 requested cost points, so about 150 for a name search
/// (5 candidates) and 2 × (3 + 30 × `first`) for a phone lookup. Scalars are free;
/// the actual cost charged is usually far lower (only returned objects count).
const ORDER_FIELDS: &str = "\
fragment OrderFields on Order {
  id name createdAt cancelledAt
  displayFinancialStatus displayFulfillmentStatus
  email phone
  customer { firstName lastName defaultEmailAddress { emailAddress } defaultPhoneNumber { phoneNumber } }
  shippingAddress { firstName lastName zip }
  currentTotalPriceSet { shopMoney { amount currencyCode } }
  lineItems(first: 10) { nodes { title quantity } }
  fulfillments(first: 5) {
    createdAt status displayStatus estimatedDeliveryAt deliveredAt totalQuantity
    trackingInfo(first: 1) { company number url }
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
  orders(first: {ORDER_SEARCH_FIRST}, query: $q, sortKey: CREATED_AT, reverse: true) {{
    nodes {{ ...OrderFields }}
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
      defaultPhoneNumber {{ phoneNumber }}
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
pub(crate) struct EmailField {
    pub(crate) email_address: Option<String>,
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
    pub(crate) email: Option<String>,
    #[serde(default)]
    pub(crate) phone: Option<String>,
    /// `null` for guest checkouts.
    #[serde(default)]
    pub(crate) customer: Option<OrderCustomer>,
    #[serde(default)]
    pub(crate) shipping_address: Option<Address>,
    #[serde(default)]
    pub(crate) current_total_price_set: Option<MoneyBag>,
    #[serde(default)]
    pub(crate) line_items: Option<Nodes<LineItemNode>>,
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
    pub(crate) last_name: Option<String>,
    #[serde(default)]
    pub(crate) default_email_address: Option<EmailField>,
    #[serde(default)]
    pub(crate) default_phone_number: Option<PhoneField>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Address {
    #[serde(default)]
    pub(crate) first_name: Option<String>,
    #[serde(default)]
    pub(crate) last_name: Option<String>,
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
pub(crate) struct LineItemNode {
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) quantity: i64,
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
    #[serde(default)]
    pub(crate) url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_use_current_contact_fields_and_small_pages() {
        for q in [order_by_name_query(), orders_by_phone_query()] {
            assert!(q.contains("defaultPhoneNumber { phoneNumber }"));
            assert!(q.contains("defaultEmailAddress { emailAddress }"));
            assert!(q.contains("fragment OrderFields on Order"));
            assert_eq!(q.matches('{').count(), q.matches('}').count());
        }
        assert!(order_by_name_query().contains("orders(first: 5, query: $q"));
        assert!(orders_by_phone_query().contains("customers(first: 2, query: $q)"));
    }
}
