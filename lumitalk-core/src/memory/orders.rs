//! The demo order store: twenty realistic orders, in memory.

use std::sync::{Arc, OnceLock};

use async_trait::async_trait;

use crate::domain::{MerchantId, Order, OrderNumber, PhoneNumber};
use crate::error::OrderSourceError;
use crate::provider::OrderSource;

const DEMO_ORDERS_JSON: &str = include_str!("demo_orders.json");

/// The fixture behind [`DemoOrderStore::demo`]: orders #1001 to #1020, placed in
/// October and November 2026, in every state the conversation must handle.
///
/// | order | state |
/// |---|---|
/// | 1001 | shipped with UPS, in transit, estimated delivery |
/// | 1002, 1016 | paid, not yet shipped |
/// | 1003 | delivered (USPS) |
/// | 1004 | cancelled and refunded |
/// | 1005 | partially fulfilled: one FedEx shipment in transit, one label created |
/// | 1006 | guest checkout without a phone (name and email only), shipped |
/// | 1007 | guest checkout without any customer, not shipped |
/// | 1008 | delivered, then refunded |
/// | 1009 | out for delivery (FedEx) |
/// | 1010 | delivered, partially refunded |
/// | 1011 | payment authorized, on hold |
/// | 1012 | shipment delayed (UPS) |
/// | 1015 | delivery attempted (FedEx) |
/// | 1017 | Canadian postal code, CAD |
/// | 1018 | payment pending |
/// | 1019 | ZIP+4 postal code, delivered |
/// | 1020 | cancelled before payment (voided) |
///
/// `+1 415 555 0123` (Priya) has three orders: #1016 (newest), #1009, #1003;
/// `+1 212 555 0187` (Maria) has two: #1002, #1014. All numbers are in the
/// fictional 555-01xx range.
pub fn demo_orders() -> &'static [Order] {
    static ORDERS: OnceLock<Vec<Order>> = OnceLock::new();
    ORDERS.get_or_init(|| {
        // The fixture is compiled in and parsed by a unit test; failing here is a
        // build defect, not a runtime condition.
        serde_json::from_str(DEMO_ORDERS_JSON).expect("demo_orders.json is valid")
    })
}

/// An [`OrderSource`] over a fixed list of orders: the demo mode's store and a
/// convenient store for tests. It serves one store and ignores the merchant.
///
/// Lookups are exact: by order number, or by the customer's (normalized) phone,
/// newest first.
#[derive(Debug, Clone)]
pub struct DemoOrderStore {
    orders: Arc<[Order]>,
}

impl DemoOrderStore {
    /// A store holding `orders`.
    pub fn new(orders: Vec<Order>) -> Self {
        DemoOrderStore {
            orders: orders.into(),
        }
    }

    /// A store holding the twenty demo orders (see [`demo_orders`]).
    pub fn demo() -> Self {
        DemoOrderStore::new(demo_orders().to_vec())
    }

    /// The orders held.
    pub fn orders(&self) -> &[Order] {
        &self.orders
    }
}

impl Default for DemoOrderStore {
    fn default() -> Self {
        DemoOrderStore::demo()
    }
}

#[async_trait]
impl OrderSource for DemoOrderStore {
    fn name(&self) -> &'static str {
        "demo"
    }

    async fn order_by_number(
        &self,
        _merchant: &MerchantId,
        number: &OrderNumber,
    ) -> Result<Option<Order>, OrderSourceError> {
        Ok(self.orders.iter().find(|o| &o.number == number).cloned())
    }

    async fn recent_orders_by_phone(
        &self,
        _merchant: &MerchantId,
        phone: &PhoneNumber,
        limit: usize,
    ) -> Result<Vec<Order>, OrderSourceError> {
        let mut found: Vec<&Order> = self
            .orders
            .iter()
            .filter(|o| o.phone() == Some(phone))
            .collect();
        found.sort_by(|a, b| {
            b.placed_at
                .cmp(&a.placed_at)
                .then_with(|| b.number.cmp(&a.number))
        });
        Ok(found.into_iter().take(limit).cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{FinancialStatus, FulfillmentStatus, ShipmentStatus};

    #[test]
    fn fixture_covers_the_states_the_conversation_needs() {
        let orders = demo_orders();
        assert_eq!(orders.len(), 20);
        let numbers: Vec<&str> = orders.iter().map(|o| o.number.digits()).collect();
        let want: Vec<String> = (1001..=1020).map(|n| n.to_string()).collect();
        assert_eq!(numbers, want);
        let has = |f: &dyn Fn(&Order) -> bool| orders.iter().any(f);
        assert!(has(&|o| o.fulfillment_status
            == FulfillmentStatus::Unfulfilled
            && !o.is_cancelled()));
        assert!(has(&|o| o.fulfillment_status
            == FulfillmentStatus::PartiallyFulfilled
            && o.fulfillments.len() == 2));
        assert!(has(&|o| o.is_cancelled()));
        assert!(has(&|o| o.is_refunded() && !o.is_cancelled()));
        assert!(has(
            &|o| o.financial_status == FinancialStatus::PartiallyRefunded
        ));
        assert!(has(&|o| o.customer.is_none()));
        assert!(has(&|o| o.customer.is_some() && o.phone().is_none()));
        for carrier in ["UPS", "USPS", "FedEx"] {
            assert!(has(&|o| o.fulfillments.iter().any(|f| {
                f.carrier.as_deref() == Some(carrier)
                    && f.tracking_url.as_deref().is_some_and(|u| {
                        u.starts_with("https://")
                            && u.contains(f.tracking_number.as_deref().unwrap())
                    })
            })));
        }
        assert!(has(&|o| o.fulfillments.iter().any(|f| f.status
            == ShipmentStatus::Delivered
            && f.delivered_at.is_some())));
        assert!(has(&|o| o.fulfillments.iter().any(|f| f.status
            == ShipmentStatus::InTransit
            && f.estimated_delivery.is_some())));
        for o in orders {
            assert_eq!(o.name, format!("#{}", o.number.digits()));
            assert!(o.shipping_postal_code.is_some());
            if let Some(p) = o.phone() {
                assert!(p.as_e164()[5..].starts_with("55501"), "fictional 555-01xx");
            }
        }
    }

    #[tokio::test]
    async fn finds_by_number_and_by_phone_newest_first() {
        let store = DemoOrderStore::demo();
        let m = MerchantId::new("demo");
        let n = OrderNumber::parse("one zero zero five").unwrap();
        let o = store.order_by_number(&m, &n).await.unwrap().unwrap();
        assert_eq!(o.fulfillments.len(), 2);
        let missing = OrderNumber::parse("9999").unwrap();
        assert_eq!(store.order_by_number(&m, &missing).await.unwrap(), None);

        let phone: PhoneNumber = "(415) 555-0123".parse().unwrap();
        let got = store.recent_orders_by_phone(&m, &phone, 10).await.unwrap();
        let got: Vec<&str> = got.iter().map(|o| o.number.digits()).collect();
        assert_eq!(got, ["1016", "1009", "1003"]);
        assert_eq!(
            store
                .recent_orders_by_phone(&m, &phone, 2)
                .await
                .unwrap()
                .len(),
            2
        );
        assert!(
            store
                .recent_orders_by_phone(&m, &phone, 0)
                .await
                .unwrap()
                .is_empty()
        );
    }
}
