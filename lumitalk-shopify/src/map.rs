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

use crate::wire::{FulfillmentNode, OrderNode};

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

/// Maps one order. `Err` carries a message naming the bad field (no values).
pub(crate) fn to_order(
    node: OrderNode,
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
    let text = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let full_name = |first: Option<String>, last: Option<String>| {
        let parts: Vec<String> = [text(first), text(last)].into_iter().flatten().collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    };

    let address = node.shipping_address;
    let (ship_first, ship_last, zip) = match address {
        Some(a) => (a.first_name, a.last_name, a.zip),
        None => (None, None, None),
    };
    // The customer record first; for guest checkouts, what the order itself
    // carries. Never the shipping address's phone: it is the recipient's (a
    // gift, a workplace), and matching caller ID against it would let whoever
    // answers that phone verify as the customer.
    let contact = match node.customer {
        Some(c) => CustomerContact {
            name: full_name(c.first_name, c.last_name).or(full_name(ship_first, ship_last)),
            phone: phone(
                c.default_phone_number
                    .and_then(|p| p.phone_number)
                    .as_deref(),
            )
            .or_else(|| phone(node.phone.as_deref())),
            email: text(c.default_email_address.and_then(|e| e.email_address)).or(text(node.email)),
        },
        None => CustomerContact {
            name: full_name(ship_first, ship_last),
            phone: phone(node.phone.as_deref()),
            email: text(node.email),
        },
    };
    let customer = (contact.name.is_some() || contact.phone.is_some() || contact.email.is_some())
        .then_some(contact);

    let mut fulfillments: Vec<(Option<Timestamp>, Fulfillment)> = node
        .fulfillments
        .unwrap_or_default()
        .into_iter()
        .map(to_fulfillment)
        .collect();
    // Oldest first; fulfillments without a creation time keep their place at the end.
    fulfillments.sort_by_key(|(created, _)| created.map_or(i64::MAX, |t| t.as_unix_millis()));

    Ok(Order {
        number,
        name: node.name,
        source_id: node.id,
        placed_at,
        customer,
        shipping_postal_code: text(zip).map(PostalCode::new),
        financial_status: financial_status(node.display_financial_status.as_deref()),
        fulfillment_status: fulfillment_status(node.display_fulfillment_status.as_deref()),
        cancelled_at: optional_time(node.cancelled_at.as_deref()),
        fulfillments: fulfillments.into_iter().map(|(_, f)| f).collect(),
        line_items: node
            .line_items
            .unwrap_or_default()
            .nodes
            .into_iter()
            .map(|l| LineItem {
                title: l.title,
                quantity: u32::try_from(l.quantity.max(0)).unwrap_or(u32::MAX),
            })
            .collect(),
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
    let (carrier, tracking_number, tracking_url) = match tracking {
        Some(t) => (non_empty(t.company), non_empty(t.number), non_empty(t.url)),
        None => (None, None, None),
    };
    let fulfillment = Fulfillment {
        status,
        carrier,
        tracking_number,
        tracking_url,
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
