//! Shopify's order shape → core's [`Order`].
//!
//! Enums are open: a status this crate does not know (Shopify adds values between
//! versions) becomes `Unknown`, never an error. Required fields (`name`,
//! `createdAt`, the total) that are missing or malformed make the answer an
//! invalid response; optional timestamps that do not parse are dropped.

use lumitalk_core::{
    CustomerContact, FinancialStatus, Fulfillment, FulfillmentStatus, LineItem, Money, Order,
    OrderNumber, PhoneNumber, PostalCode, Region, ShipmentStatus, Timestamp,
};

use crate::wire::{FulfillmentNode, OrderCustomer, OrderNode};

/// Whether an order's display name (`#1001`, `EU-1001`, `1001-US`, `S2-1001`) is
/// the order with exactly these digits: one of the name's digit runs must equal
/// `number`'s digits, so `#10010` and `#21001` do not match `1001`. (Shopify's
/// configurable prefix and suffix may themselves hold digits, hence runs rather
/// than "all digits of the name".)
pub(crate) fn name_matches(name: &str, number: &OrderNumber) -> bool {
    digit_runs(name).any(|run| run == number.digits())
}

/// The order number inside a display name: its last run of digits.
pub(crate) fn number_from_name(name: &str) -> Option<OrderNumber> {
    digit_runs(name)
        .last()
        .and_then(|d| OrderNumber::from_digits(d).ok())
}

fn digit_runs(name: &str) -> impl Iterator<Item = &str> {
    name.split(|c: char| !c.is_ascii_digit())
        .filter(|run| !run.is_empty())
}

/// Maps one order. `owner` is the customer the order was found under (the phone
/// query reads it once on the customer, not on each order); without it the
/// order's own `customer` is used. `Err` carries a message naming the bad field
/// (no values).
pub(crate) fn to_order(
    node: OrderNode,
    owner: Option<&OrderCustomer>,
    number: OrderNumber,
    region: Region,
) -> Result<Order, String> {
    let placed_at = Timestamp::parse_rfc3339(&node.created_at)
        .map_err(|_| "order `createdAt` is not an RFC 3339 timestamp".to_string())?;
    let money = node
        .current_total_price_set
        .ok_or_else(|| "order has no `currentTotalPriceSet`".to_string())?
        .shop_money;
    let total = Money::parse_decimal(&money.amount, money.currency_code)
        .ok_or_else(|| "order total `amount` is not a decimal".to_string())?;

    let phone = |s: Option<&str>| s.and_then(|s| PhoneNumber::parse(s, region).ok());
    let text = |s: Option<&str>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());

    let (ship_first, zip) = match node.shipping_address {
        Some(a) => (a.first_name, a.zip),
        None => (None, None),
    };
    // Only first names are read (the conversation says "Thanks, Jane"); the
    // shipping address's for a guest checkout, which has no customer record.
    // The customer record's phone first; for guest checkouts, the order's own.
    // Never the shipping address's phone: it is the recipient's (a gift, a
    // workplace), and matching caller ID against it would let whoever answers
    // that phone verify as the customer.
    let customer = owner.or(node.customer.as_ref());
    let contact = match customer {
        Some(c) => CustomerContact {
            name: text(c.first_name.as_deref()).or(text(ship_first.as_deref())),
            phone: phone(
                c.default_phone_number
                    .as_ref()
                    .and_then(|p| p.phone_number.as_deref()),
            )
            .or_else(|| phone(node.phone.as_deref())),
            email: None,
        },
        None => CustomerContact {
            name: text(ship_first.as_deref()),
            phone: phone(node.phone.as_deref()),
            email: None,
        },
    };
    let customer = (contact.name.is_some() || contact.phone.is_some()).then_some(contact);

    let mut fulfillments: Vec<(Option<Timestamp>, Fulfillment)> = node
        .fulfillments
        .unwrap_or_default()
        .into_iter()
        .map(to_fulfillment)
        .collect();
    // Oldest first; fulfillments without a creation time keep their place at the end.
    fulfillments.sort_by_key(|(created, _)| created.map_or(i64::MAX, |t| t.as_unix_millis()));

    // Titles are not read: one untitled line carries the item count
    // (`Order::item_count` sums quantities).
    let quantity = node
        .current_subtotal_line_items_quantity
        .map(|q| u32::try_from(q.max(0)).unwrap_or(u32::MAX))
        .unwrap_or(0);
    let line_items = match quantity {
        0 => Vec::new(),
        quantity => vec![LineItem {
            title: String::new(),
            quantity,
        }],
    };

    Ok(Order {
        number,
        name: node.name,
        source_id: node.id,
        placed_at,
        customer,
        shipping_postal_code: text(zip.as_deref()).map(PostalCode::new),
        financial_status: financial_status(node.display_financial_status.as_deref()),
        fulfillment_status: fulfillment_status(node.display_fulfillment_status.as_deref()),
        cancelled_at: optional_time(node.cancelled_at.as_deref()),
        fulfillments: fulfillments.into_iter().map(|(_, f)| f).collect(),
        line_items,
        total,
    })
}

fn to_fulfillment(f: FulfillmentNode) -> (Option<Timestamp>, Fulfillment) {
    let created = optional_time(f.created_at.as_deref());
    let status = match f.display_status.as_deref() {
        Some(display) => shipment_status(display),
        None => match f.status.as_deref() {
            Some("CANCELLED") => ShipmentStatus::Cancelled,
            Some("ERROR" | "FAILURE") => ShipmentStatus::Failed,
            Some("SUCCESS") => ShipmentStatus::Confirmed,
            _ => ShipmentStatus::Unknown,
        },
    };
    let tracking = f.tracking_info.into_iter().next();
    let non_empty = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
    let (carrier, tracking_number) = match tracking {
        Some(t) => (non_empty(t.company), non_empty(t.number)),
        None => (None, None),
    };
    let fulfillment = Fulfillment {
        status,
        carrier,
        tracking_number,
        // Not read: nothing speaks or sends it.
        tracking_url: None,
        shipped_at: created,
        estimated_delivery: optional_time(f.estimated_delivery_at.as_deref()),
        delivered_at: optional_time(f.delivered_at.as_deref()),
        item_count: f.total_quantity.and_then(|q| u32::try_from(q).ok()),
    };
    (created, fulfillment)
}

fn optional_time(s: Option<&str>) -> Option<Timestamp> {
    s.and_then(|s| Timestamp::parse_rfc3339(s).ok())
}

/// `OrderDisplayFinancialStatus` → core.
pub(crate) fn financial_status(s: Option<&str>) -> FinancialStatus {
    match s {
        Some("PENDING") => FinancialStatus::Pending,
        Some("AUTHORIZED") => FinancialStatus::Authorized,
        Some("PARTIALLY_PAID") => FinancialStatus::PartiallyPaid,
        Some("PAID") => FinancialStatus::Paid,
        Some("PARTIALLY_REFUNDED") => FinancialStatus::PartiallyRefunded,
        Some("REFUNDED") => FinancialStatus::Refunded,
        Some("VOIDED") => FinancialStatus::Voided,
        Some("EXPIRED") => FinancialStatus::Expired,
        _ => FinancialStatus::Unknown,
    }
}

/// `OrderDisplayFulfillmentStatus` → core.
pub(crate) fn fulfillment_status(s: Option<&str>) -> FulfillmentStatus {
    match s {
        // OPEN: nothing fulfilled yet; REQUEST_DECLINED: the fulfillment service
        // declined, so the items are still waiting.
        Some("UNFULFILLED" | "OPEN" | "REQUEST_DECLINED") => FulfillmentStatus::Unfulfilled,
        Some("PARTIALLY_FULFILLED") => FulfillmentStatus::PartiallyFulfilled,
        Some("FULFILLED") => FulfillmentStatus::Fulfilled,
        Some("IN_PROGRESS" | "PENDING_FULFILLMENT") => FulfillmentStatus::InProgress,
        Some("ON_HOLD") => FulfillmentStatus::OnHold,
        Some("SCHEDULED") => FulfillmentStatus::Scheduled,
        Some("RESTOCKED") => FulfillmentStatus::Restocked,
        _ => FulfillmentStatus::Unknown,
    }
}

/// `FulfillmentDisplayStatus` → core.
pub(crate) fn shipment_status(s: &str) -> ShipmentStatus {
    match s {
        "LABEL_PRINTED" | "LABEL_PURCHASED" | "SUBMITTED" => ShipmentStatus::LabelCreated,
        // Shipped without carrier events (or marked by hand): confirmed, not yet tracked.
        "CONFIRMED" | "FULFILLED" | "MARKED_AS_FULFILLED" => ShipmentStatus::Confirmed,
        "IN_TRANSIT" => ShipmentStatus::InTransit,
        "OUT_FOR_DELIVERY" => ShipmentStatus::OutForDelivery,
        "DELIVERED" => ShipmentStatus::Delivered,
        "ATTEMPTED_DELIVERY" => ShipmentStatus::AttemptedDelivery,
        "DELAYED" => ShipmentStatus::Delayed,
        "READY_FOR_PICKUP" => ShipmentStatus::ReadyForPickup,
        "PICKED_UP" => ShipmentStatus::PickedUp,
        "FAILURE" | "NOT_DELIVERED" => ShipmentStatus::Failed,
        "CANCELED" | "CANCELLED" | "LABEL_VOIDED" => ShipmentStatus::Cancelled,
        _ => ShipmentStatus::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(d: &str) -> OrderNumber {
        OrderNumber::from_digits(d).unwrap()
    }

    #[test]
    fn names_match_exact_digits_with_any_prefix() {
        assert!(name_matches("#1001", &n("1001")));
        assert!(name_matches("EU-1001", &n("1001")));
        assert!(name_matches("1001-US", &n("1001")));
        assert!(name_matches("S2-1001", &n("1001")));
        assert!(!name_matches("#10010", &n("1001")));
        assert!(!name_matches("#21001", &n("1001")));
        assert!(!name_matches("#100", &n("1001")));
        assert!(!name_matches("", &n("1001")));
        assert_eq!(number_from_name("S2-1001"), Some(n("1001")));
        assert_eq!(number_from_name("#D1"), None);
    }

    #[test]
    fn unknown_enum_values_are_unknown() {
        assert_eq!(
            financial_status(Some("SOMETHING_NEW")),
            FinancialStatus::Unknown
        );
        assert_eq!(financial_status(None), FinancialStatus::Unknown);
        assert_eq!(fulfillment_status(Some("NEW")), FulfillmentStatus::Unknown);
        assert_eq!(shipment_status("TELEPORTED"), ShipmentStatus::Unknown);
        assert_eq!(shipment_status("DELAYED"), ShipmentStatus::Delayed);
    }
}

/// Hostile input (issue 17, item 11): arbitrary JSON where an order should be,
/// and arbitrary display names, never panic; an order is mapped or refused with
/// one of the fixed messages, and what is mapped keeps the documented rules.
#[cfg(test)]
mod hostile {
    use proptest::collection::vec;
    use proptest::prelude::*;
    use serde_json::{Map, Value, json};

    use super::*;
    use crate::error::classify;
    use crate::wire::{OrderCustomer, OrderNode};

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => "\\PC{0,12}",
            1 => any::<String>(),
            1 => Just(String::new()),
            1 => Just("   ".to_string()),
        ]
    }

    /// How hostile the shapes are: well-typed JSON with hostile contents (so the
    /// mapping itself runs), or any value of any type anywhere.
    #[derive(Debug, Clone, Copy)]
    enum Shape {
        Typed,
        Any,
    }

    /// A field's value: plausible, `null` for an optional field, or (in
    /// [`Shape::Any`]) something of the wrong type.
    fn field(
        plausible: BoxedStrategy<Value>,
        required: bool,
        shape: Shape,
    ) -> BoxedStrategy<Value> {
        match (shape, required) {
            (Shape::Typed, true) => plausible,
            (Shape::Typed, false) => prop_oneof![8 => plausible, 1 => Just(Value::Null)].boxed(),
            (Shape::Any, _) => prop_oneof![
                8 => plausible,
                1 => Just(Value::Null),
                1 => text().prop_map(Value::from),
                1 => any::<i64>().prop_map(Value::from),
                1 => any::<bool>().prop_map(Value::from),
                1 => Just(json!([])),
                1 => Just(json!({})),
            ]
            .boxed(),
        }
    }

    fn s(strategy: impl Strategy<Value = String> + 'static) -> BoxedStrategy<Value> {
        strategy.prop_map(Value::from).boxed()
    }

    fn timestamp() -> BoxedStrategy<Value> {
        s(prop_oneof![
            3 => "(19|20|99|00)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])",
            3 => "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-2][0-9]:[0-6][0-9]:[0-6][0-9](\\.[0-9]{0,12})?(Z|[+-][0-9]{2}:[0-9]{2})?",
            1 => Just("2024-02-29T23:59:60.999+14:00".to_string()),
            1 => Just("2023-02-29T00:00:00Z".to_string()),
            1 => Just("0000-01-01T00:00:00Z".to_string()),
            1 => Just("9999-12-31T23:59:59-23:59".to_string()),
            2 => text(),
        ])
    }

    fn amount() -> BoxedStrategy<Value> {
        s(prop_oneof![
            4 => "-?[0-9]{0,6}(\\.[0-9]{0,4})?",
            1 => "-?[0-9]{17,40}(\\.[0-9]{0,3})?",
            1 => Just("9223372036854775807".to_string()),
            1 => Just("92233720368547758.07".to_string()),
            1 => Just("-92233720368547758.08".to_string()),
            1 => Just("-".to_string()),
            1 => Just(".".to_string()),
            1 => text(),
        ])
    }

    fn phone() -> BoxedStrategy<Value> {
        s(prop_oneof!["\\+?[0-9 ()-]{0,20}", text()])
    }

    fn status(known: &[&'static str]) -> BoxedStrategy<Value> {
        s(prop_oneof![
            prop::sample::select(known.to_vec()).prop_map(String::from),
            text()
        ])
    }

    /// An object whose keys are present (required ones always, in
    /// [`Shape::Typed`]) with values from their strategies.
    fn object(
        shape: Shape,
        fields: Vec<(&'static str, bool, BoxedStrategy<Value>)>,
    ) -> BoxedStrategy<Value> {
        let parts: Vec<BoxedStrategy<Option<(&'static str, Value)>>> = fields
            .into_iter()
            .map(|(k, required, v)| {
                let value = field(v, required, shape).prop_map(move |v| Some((k, v)));
                match (shape, required) {
                    (Shape::Typed, true) => value.boxed(),
                    _ => prop_oneof![9 => value, 1 => Just(None)].boxed(),
                }
            })
            .collect();
        parts
            .prop_map(|kv| {
                Value::Object(
                    kv.into_iter()
                        .flatten()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect::<Map<_, _>>(),
                )
            })
            .boxed()
    }

    fn quantity(shape: Shape) -> BoxedStrategy<Value> {
        match shape {
            Shape::Typed => prop_oneof![any::<i64>(), 0i64..5]
                .prop_map(Value::from)
                .boxed(),
            Shape::Any => prop_oneof![
                any::<i64>().prop_map(Value::from),
                (0i64..5).prop_map(Value::from),
                any::<f64>().prop_map(|f| json!(f)),
            ]
            .boxed(),
        }
    }

    fn fulfillment(shape: Shape) -> BoxedStrategy<Value> {
        let tracking = object(
            shape,
            vec![
                ("company", false, s(text())),
                ("number", false, s(text())),
                ("url", false, s(text())),
            ],
        );
        object(
            shape,
            vec![
                ("createdAt", false, timestamp()),
                (
                    "status",
                    false,
                    status(&["SUCCESS", "CANCELLED", "ERROR", "FAILURE", "OPEN"]),
                ),
                (
                    "displayStatus",
                    false,
                    status(&["IN_TRANSIT", "DELIVERED", "CANCELED", "LABEL_VOIDED"]),
                ),
                ("estimatedDeliveryAt", false, timestamp()),
                ("deliveredAt", false, timestamp()),
                ("totalQuantity", false, quantity(shape)),
                (
                    "trackingInfo",
                    true,
                    vec(tracking, 0..3).prop_map(Value::from).boxed(),
                ),
            ],
        )
    }

    fn customer_json(shape: Shape) -> BoxedStrategy<Value> {
        object(
            shape,
            vec![
                ("firstName", false, s(text())),
                ("lastName", false, s(text())),
                (
                    "defaultEmailAddress",
                    false,
                    object(shape, vec![("emailAddress", false, s(text()))]),
                ),
                (
                    "defaultPhoneNumber",
                    false,
                    object(shape, vec![("phoneNumber", false, phone())]),
                ),
            ],
        )
    }

    fn order_json(shape: Shape) -> BoxedStrategy<Value> {
        let name = s(prop_oneof![
            "[#A-Z-]{0,3}[0-9]{1,14}(-[A-Z0-9]{0,3})?",
            text()
        ]);
        let address = object(
            shape,
            vec![
                ("firstName", false, s(text())),
                ("lastName", false, s(text())),
                ("zip", false, s(text())),
            ],
        );
        let money = object(
            shape,
            vec![
                ("amount", true, amount()),
                ("currencyCode", true, s(text())),
            ],
        );
        let line = object(
            shape,
            vec![
                ("title", true, s(text())),
                ("quantity", true, quantity(shape)),
            ],
        );
        object(
            shape,
            vec![
                ("id", false, s(text())),
                ("name", true, name),
                ("createdAt", true, timestamp()),
                ("cancelledAt", false, timestamp()),
                (
                    "displayFinancialStatus",
                    false,
                    status(&["PAID", "REFUNDED", "PENDING"]),
                ),
                (
                    "displayFulfillmentStatus",
                    false,
                    status(&["FULFILLED", "OPEN", "ON_HOLD"]),
                ),
                ("email", false, s(text())),
                ("phone", false, phone()),
                ("customer", false, customer_json(shape)),
                ("shippingAddress", false, address),
                (
                    "currentTotalPriceSet",
                    false,
                    object(shape, vec![("shopMoney", true, money)]),
                ),
                (
                    "lineItems",
                    false,
                    object(
                        shape,
                        vec![("nodes", true, vec(line, 0..3).prop_map(Value::from).boxed())],
                    ),
                ),
                ("currentSubtotalLineItemsQuantity", false, quantity(shape)),
                (
                    "fulfillments",
                    false,
                    vec(fulfillment(shape), 0..4).prop_map(Value::from).boxed(),
                ),
            ],
        )
    }

    fn any_order_json() -> BoxedStrategy<Value> {
        prop_oneof![3 => order_json(Shape::Typed), 1 => order_json(Shape::Any)].boxed()
    }

    fn number() -> impl Strategy<Value = OrderNumber> {
        "[0-9]{3,12}".prop_map(|d| OrderNumber::from_digits(&d).unwrap())
    }

    fn region() -> impl Strategy<Value = Region> {
        prop::sample::select(vec![Region::NANP, Region::UK])
    }

    /// Maps `json` as an order found under `owner` (when both deserialize) and
    /// checks the result.
    fn check(
        json: &Value,
        owner: Option<&Value>,
        number: &OrderNumber,
        region: Region,
    ) -> Result<(), TestCaseError> {
        let owner = match owner.map(|o| serde_json::from_value::<OrderCustomer>(o.clone())) {
            Some(Err(_)) => return Ok(()),
            Some(Ok(o)) => Some(o),
            None => None,
        };
        let Ok(node) = serde_json::from_value::<OrderNode>(json.clone()) else {
            return Ok(());
        };
        let name = node.name.clone();
        match to_order(node, owner.as_ref(), number.clone(), region) {
            // A refusal names the field, never its value.
            Err(message) => prop_assert!(
                message.starts_with("order ") && message.contains('`') && message.len() < 80,
                "{message}"
            ),
            Ok(order) => {
                prop_assert_eq!(&order.number, number);
                prop_assert_eq!(&order.name, &name);
                // Oldest first; those without a time at the end.
                let times: Vec<i64> = order
                    .fulfillments
                    .iter()
                    .map(|f| f.shipped_at.map_or(i64::MAX, |t| t.as_unix_millis()))
                    .collect();
                prop_assert!(times.windows(2).all(|w| w[0] <= w[1]));
                if let Some(c) = &order.customer {
                    prop_assert!(c.name.is_some() || c.phone.is_some() || c.email.is_some());
                    for t in [&c.name, &c.email].into_iter().flatten() {
                        prop_assert!(!t.is_empty() && t.trim() == t);
                    }
                }
                for f in &order.fulfillments {
                    for t in [&f.carrier, &f.tracking_number, &f.tracking_url]
                        .into_iter()
                        .flatten()
                    {
                        prop_assert!(!t.trim().is_empty());
                    }
                }
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn hostile_order_json_maps_or_is_refused(
            json in any_order_json(),
            owner in prop::option::of(prop_oneof![customer_json(Shape::Typed), customer_json(Shape::Any)]),
            number in number(),
            region in region(),
        ) {
            check(&json, owner.as_ref(), &number, region)?;
        }

        /// The whole answer path: bytes → classification → `data` shape → orders.
        #[test]
        fn hostile_answers_never_panic(
            orders in vec(any_order_json(), 0..3),
            wrap in 0u8..4,
            cut in any::<prop::sample::Index>(),
            number in number(),
        ) {
            let data = match wrap {
                0 => json!({"orders": {"nodes": orders}}),
                1 => json!({"customers": {"nodes": [{
                    "firstName": "Jane",
                    "defaultPhoneNumber": {"phoneNumber": "+14155550123"},
                    "orders": {"nodes": orders},
                }]}}),
                2 => json!({"orders": orders}),
                _ => Value::Array(orders),
            };
            let body = serde_json::to_vec(&json!({"data": data})).unwrap();
            // Whole, and cut short anywhere.
            let cut = cut.index(body.len() + 1);
            for bytes in [&body[..], &body[..cut]] {
                let classified = classify(
                    reqwest::StatusCode::OK,
                    &reqwest::header::HeaderMap::new(),
                    bytes,
                );
                let Ok(data) = classified.result else { continue };
                // Every order where either query's answer holds them (a customer's
                // orders with that customer as their owner).
                let listed = |v: &Value| {
                    v.pointer("/orders/nodes")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default()
                };
                for node in listed(&data) {
                    check(&node, None, &number, Region::NANP)?;
                }
                let customers = data.pointer("/customers/nodes").and_then(Value::as_array);
                for customer in customers.into_iter().flatten() {
                    for node in listed(customer) {
                        check(&node, Some(customer), &number, Region::NANP)?;
                    }
                }
            }
        }

        #[test]
        fn display_names_match_only_their_own_digits(name in any::<String>(), digits in "[0-9]{3,12}") {
            let n = OrderNumber::from_digits(&digits).unwrap();
            if name_matches(&name, &n) {
                prop_assert!(name.contains(n.digits()));
            }
            if let Some(found) = number_from_name(&name) {
                prop_assert!(name_matches(&name, &found));
            }
            // A name built around the number always matches it.
            let built = format!("{}{digits}{}", name.replace(|c: char| c.is_ascii_digit(), ""), "-x");
            prop_assert!(name_matches(&built, &n));
            prop_assert_eq!(number_from_name(&built), Some(n));
        }
    }
}
