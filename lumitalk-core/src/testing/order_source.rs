//! The [`OrderSource`] contract.

use crate::domain::{MerchantId, OrderNumber, PhoneNumber};
use crate::provider::OrderSource;

/// What a fixture's existing order must look like.
#[derive(Debug, Clone)]
pub struct ExpectedOrder {
    /// Its number.
    pub number: OrderNumber,
    /// The customer phone it carries, if any.
    pub customer_phone: Option<PhoneNumber>,
    /// Its shipping postal code, if any.
    pub postal_code: Option<String>,
    /// How many fulfillments (shipments) it has.
    pub fulfillment_count: usize,
}

/// The data an [`OrderSource`] under test serves.
#[derive(Debug, Clone)]
pub struct OrderSourceFixture {
    /// The merchant to ask for.
    pub merchant: MerchantId,
    /// An order that exists.
    pub existing: ExpectedOrder,
    /// A number with no order.
    pub missing: OrderNumber,
    /// A number whose (non-exact) search would also find other orders, e.g. `100`
    /// when `1001` exists; it must yield `None` or an order with exactly this number.
    pub near_miss: Option<OrderNumber>,
    /// A phone with several orders.
    pub phone_with_orders: PhoneNumber,
    /// That phone's orders, newest first (two or more).
    pub orders_for_phone: Vec<OrderNumber>,
    /// A phone with no orders.
    pub phone_without_orders: PhoneNumber,
}

impl OrderSourceFixture {
    /// The fixture of [`DemoOrderStore::demo`](crate::memory::DemoOrderStore::demo).
    pub fn demo() -> Self {
        let n = |s: &str| OrderNumber::parse(s).expect("valid order number");
        let p = |s: &str| s.parse::<PhoneNumber>().expect("valid phone number");
        OrderSourceFixture {
            merchant: MerchantId::new("demo"),
            existing: ExpectedOrder {
                number: n("1005"),
                customer_phone: Some(p("+12065550111")),
                postal_code: Some("98103".into()),
                fulfillment_count: 2,
            },
            missing: n("9999"),
            near_miss: Some(n("100")),
            phone_with_orders: p("+1 (415) 555-0123"),
            orders_for_phone: vec![n("1016"), n("1009"), n("1003")],
            phone_without_orders: p("+1 503 555 0100"),
        }
    }
}

/// Checks an [`OrderSource`] against its contract: every named check below,
/// in order.
///
/// # Panics
/// On the first contract violation, with a message saying which.
pub async fn order_source_conformance(source: &dyn OrderSource, fixture: &OrderSourceFixture) {
    assert!(!source.name().is_empty(), "name() must not be empty");
    finds_an_order_by_its_exact_number(source, fixture).await;
    a_missing_number_is_none(source, fixture).await;
    orders_by_phone_are_newest_first(source, fixture).await;
    orders_by_phone_respect_the_limit(source, fixture).await;
}

/// The existing order is found by its number, with exactly that number, its
/// customer phone, postal code and fulfillments.
pub async fn finds_an_order_by_its_exact_number(
    source: &dyn OrderSource,
    fixture: &OrderSourceFixture,
) {
    let name = source.name();
    let want = &fixture.existing;
    let order = source
        .order_by_number(&fixture.merchant, &want.number)
        .await
        .unwrap_or_else(|e| panic!("[{name}] order_by_number({:?}) failed: {e}", want.number))
        .unwrap_or_else(|| panic!("[{name}] order {:?} must be found", want.number));
    assert_eq!(
        order.number, want.number,
        "[{name}] lookup must return exactly the asked number"
    );
    assert_eq!(
        order.phone(),
        want.customer_phone.as_ref(),
        "[{name}] order's customer phone"
    );
    match (&order.shipping_postal_code, &want.postal_code) {
        (Some(got), Some(code)) => assert!(
            got.matches(code),
            "[{name}] order's postal code must match the fixture's"
        ),
        (None, None) => {}
        (got, _) => panic!(
            "[{name}] postal code: got {}, the fixture expects {}",
            if got.is_some() { "one" } else { "none" },
            if got.is_some() { "none" } else { "one" },
        ),
    }
    assert_eq!(
        order.fulfillments.len(),
        want.fulfillment_count,
        "[{name}] fulfillment count of {:?}",
        want.number
    );
}

/// A number with no order is `Ok(None)`, not an error; a near miss (a number a
/// non-exact search would widen) finds nothing or exactly that number.
pub async fn a_missing_number_is_none(source: &dyn OrderSource, fixture: &OrderSourceFixture) {
    let name = source.name();
    let m = &fixture.merchant;
    let missing = source
        .order_by_number(m, &fixture.missing)
        .await
        .unwrap_or_else(|e| panic!("[{name}] a missing order is Ok(None), not an error: {e}"));
    assert!(
        missing.is_none(),
        "[{name}] {:?} must not be found",
        fixture.missing
    );
    if let Some(near) = &fixture.near_miss {
        let got = source
            .order_by_number(m, near)
            .await
            .unwrap_or_else(|e| panic!("[{name}] order_by_number({near:?}) failed: {e}"));
        if let Some(o) = got {
            assert_eq!(
                &o.number, near,
                "[{name}] lookups must match the number exactly"
            );
        }
    }
}

/// A phone's orders all carry the phone, newest first; a phone without
/// orders is `Ok(vec![])`, not an error.
pub async fn orders_by_phone_are_newest_first(
    source: &dyn OrderSource,
    fixture: &OrderSourceFixture,
) {
    let name = source.name();
    let m = &fixture.merchant;
    let phone = &fixture.phone_with_orders;
    assert!(
        fixture.orders_for_phone.len() >= 2,
        "fixture: give two or more orders for the phone"
    );
    let all = source
        .recent_orders_by_phone(m, phone, 50)
        .await
        .unwrap_or_else(|e| panic!("[{name}] recent_orders_by_phone failed: {e}"));
    let numbers: Vec<&OrderNumber> = all.iter().map(|o| &o.number).collect();
    let expected: Vec<&OrderNumber> = fixture.orders_for_phone.iter().collect();
    assert_eq!(
        numbers, expected,
        "[{name}] the phone's orders, newest first"
    );
    for o in &all {
        assert_eq!(
            o.phone(),
            Some(phone),
            "[{name}] {:?} must carry the phone",
            o.number
        );
    }
    for pair in all.windows(2) {
        assert!(
            pair[0].placed_at >= pair[1].placed_at,
            "[{name}] orders must be newest first"
        );
    }
    let unknown = source
        .recent_orders_by_phone(m, &fixture.phone_without_orders, 10)
        .await
        .unwrap_or_else(|e| {
            panic!("[{name}] a phone without orders is Ok(vec![]), not an error: {e}")
        });
    assert!(
        unknown.is_empty(),
        "[{name}] a phone without orders has no orders"
    );
}

/// `limit` bounds the phone's orders: 1 gives the newest, 0 gives none.
pub async fn orders_by_phone_respect_the_limit(
    source: &dyn OrderSource,
    fixture: &OrderSourceFixture,
) {
    let name = source.name();
    let m = &fixture.merchant;
    let phone = &fixture.phone_with_orders;
    let one = source
        .recent_orders_by_phone(m, phone, 1)
        .await
        .unwrap_or_else(|e| panic!("[{name}] recent_orders_by_phone(limit 1) failed: {e}"));
    assert_eq!(one.len(), 1, "[{name}] limit 1 must return one order");
    assert_eq!(
        one[0].number, fixture.orders_for_phone[0],
        "[{name}] limit 1 must return the newest"
    );
    let none = source
        .recent_orders_by_phone(m, phone, 0)
        .await
        .unwrap_or_else(|e| panic!("[{name}] recent_orders_by_phone(limit 0) failed: {e}"));
    assert!(none.is_empty(), "[{name}] limit 0 must return no order");
}
