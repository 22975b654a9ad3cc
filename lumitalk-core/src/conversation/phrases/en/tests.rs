//! Tests of the English answers and lists.
use super::*;
use crate::conversation::summary::ShipmentSummary;
use crate::domain::{
    FinancialStatus, FulfillmentStatus, Money, OrderNumber, ShipmentStatus, StoreTimeZone,
    Timestamp,
};

fn when() -> When<'static> {
    When {
        now: Timestamp::from_civil(2025, 11, 28, 15, 0, 0),
        zone: &StoreTimeZone::Utc,
    }
}

fn summary() -> OrderSummary {
    OrderSummary {
        number: OrderNumber::from_digits("1001").unwrap(),
        placed_at: Timestamp::from_civil(2025, 11, 24, 10, 0, 0),
        first_name: Some("Jane".into()),
        financial: FinancialStatus::Paid,
        fulfillment: FulfillmentStatus::Fulfilled,
        cancelled_at: None,
        shipments: vec![ShipmentSummary {
            status: ShipmentStatus::InTransit,
            carrier: Some("UPS".into()),
            tracking: Some("1Z999AA10123456784".into()),
            shipped_at: None,
            estimated_delivery: Some(Timestamp::from_civil(2025, 12, 2, 12, 0, 0)),
            delivered_at: None,
            items: Some(2),
        }],
        more_shipments: 0,
        items: 2,
        total: Money::new(4990, "USD"),
        checks: Checks::default(),
    }
}

#[test]
fn answers_a_shipped_order() {
    let text = English.answer(&summary(), when());
    assert_eq!(
        text,
        "Order 1 0 0 1, placed on Monday, November 24th, for forty-nine dollars and ninety cents, \
         has shipped. It is on its way with UPS, expected to arrive Tuesday, December 2nd. \
         The UPS tracking number is 1 Z 9 9, 9 A A 1, 0 1 2 3, 4 5 6 7, 8 4."
    );
}

#[test]
fn a_past_delivery_estimate_is_said_to_be_late() {
    let late = When {
        now: Timestamp::from_civil(2025, 12, 5, 15, 0, 0),
        zone: &StoreTimeZone::Utc,
    };
    let text = English.answer(&summary(), late);
    assert!(
        text.contains(
            "It is on its way with UPS, and was expected Tuesday, December 2nd, so it's running late."
        ),
        "{text}"
    );
}

#[test]
fn answers_partial_cancelled_and_unshipped_orders() {
    let mut o = summary();
    o.fulfillment = FulfillmentStatus::PartiallyFulfilled;
    o.items = 3;
    let text = English.answer(&o, when());
    assert!(
        text.contains("has partly shipped: two of three items are on the way."),
        "{text}"
    );
    assert!(text.ends_with("The rest hasn't shipped yet."), "{text}");

    let mut o = summary();
    o.cancelled_at = Some(Timestamp::from_civil(2025, 11, 25, 10, 0, 0));
    o.financial = FinancialStatus::Refunded;
    assert_eq!(
        English.answer(&o, when()),
        "Order 1 0 0 1 was cancelled on Tuesday, November 25th. It has been refunded in full."
    );

    let mut o = summary();
    o.shipments.clear();
    o.fulfillment = FulfillmentStatus::Unfulfilled;
    o.financial = FinancialStatus::Pending;
    assert!(
        English
            .answer(&o, when())
            .ends_with("hasn't shipped yet. The payment is still being processed.")
    );

    let mut o = summary();
    let mut second = o.shipments[0].clone();
    second.status = ShipmentStatus::Delivered;
    second.delivered_at = Some(Timestamp::from_civil(2025, 11, 27, 12, 0, 0));
    o.shipments.insert(0, second);
    let text = English.answer(&o, when());
    assert!(text.contains("shipped in two packages. The first package was delivered on Thursday, November 27th. The second package is on its way"), "{text}");
}

#[test]
fn lists_several_orders_briefly() {
    let a = OrderBrief {
        number: OrderNumber::from_digits("1001").unwrap(),
        placed_at: Timestamp::from_civil(2025, 11, 3, 10, 0, 0),
    };
    let b = OrderBrief {
        number: OrderNumber::from_digits("1002").unwrap(),
        placed_at: Timestamp::from_civil(2025, 11, 9, 10, 0, 0),
    };
    assert_eq!(
        English.choose_order(&[a.clone(), b.clone()], when(), false),
        "I see two recent orders: one ending in 1 0 0 1, placed November 3rd, and one ending in \
         1 0 0 2, placed November 9th. Which one are you calling about? You can say or enter its last four digits."
    );
    assert!(
        English
            .choose_order(&[a, b], when(), true)
            .contains("1 0 0 1, or 1 0 0 2")
    );
}

#[test]
fn fixed_prompts_are_listed_once() {
    let fixed = English.fixed_prompts("Acme", None);
    assert!(fixed.contains(&"Thanks for calling Acme.".to_string()));
    assert!(fixed.contains(&English.ask_order().to_string()));
    assert!(fixed.len() > 30);
}

#[test]
fn dates_are_spoken_in_the_stores_zone_across_daylight_saving_time() {
    let la = StoreTimeZone::named("America/Los_Angeles").unwrap();
    let when = When {
        now: Timestamp::from_civil(2026, 7, 10, 18, 0, 0),
        zone: &la,
    };
    // 03:30 UTC on July 2nd is still July 1st in Los Angeles (UTC-7 in summer)...
    assert_eq!(
        super::super::spoken::date_en(Timestamp::from_civil(2026, 7, 2, 3, 30, 0), when),
        "Wednesday, July 1st"
    );
    // ...and 07:30 UTC on January 2nd is January 1st (UTC-8 in winter), a year said.
    assert_eq!(
        super::super::spoken::date_en(Timestamp::from_civil(2027, 1, 2, 7, 30, 0), when),
        "Friday, January 1st, 2027"
    );
}
