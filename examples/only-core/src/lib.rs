//! An [`OrderSource`] written against `lumitalk-core` alone, as an integrator
//! would write one for their own order database: `#[async_trait]`, [`Url`] and
//! [`SecretString`] all come from `lumitalk_core`, and `Cargo.toml` lists no
//! other dependency. Its test runs core's conformance suite.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::collections::HashMap;
use std::fmt;

use lumitalk_core::{
    ExposeSecret, MerchantId, Order, OrderNumber, OrderSource, OrderSourceError, PhoneNumber,
    SecretString, Url, async_trait,
};

/// Orders held in the integrator's own service, indexed by number.
///
/// A real implementation would query `endpoint` with `api_key`; this one serves a
/// snapshot, which is enough to show the trait and run its conformance suite.
pub struct WarehouseOrders {
    endpoint: Url,
    api_key: SecretString,
    by_number: HashMap<OrderNumber, Order>,
}

impl fmt::Debug for WarehouseOrders {
    // Never the key; no order contents either.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WarehouseOrders")
            .field("endpoint", &self.endpoint.as_str())
            .field("orders", &self.by_number.len())
            .finish_non_exhaustive()
    }
}

impl WarehouseOrders {
    /// A source answering from `orders`, configured as if for `endpoint`.
    pub fn new(
        endpoint: Url,
        api_key: SecretString,
        orders: impl IntoIterator<Item = Order>,
    ) -> Self {
        let by_number = orders.into_iter().map(|o| (o.number.clone(), o)).collect();
        WarehouseOrders {
            endpoint,
            api_key,
            by_number,
        }
    }

    /// The `Authorization` header value a request to the service would carry.
    pub fn authorization(&self) -> String {
        format!("Bearer {}", self.api_key.expose_secret())
    }

    /// The service's URL for one order.
    pub fn order_url(&self, number: &OrderNumber) -> Url {
        let mut url = self.endpoint.clone();
        url.path_segments_mut()
            .expect("an http(s) endpoint has path segments")
            .pop_if_empty()
            .extend(["orders", number.digits()]);
        url
    }
}

#[async_trait]
impl OrderSource for WarehouseOrders {
    fn name(&self) -> &'static str {
        "warehouse"
    }

    async fn order_by_number(
        &self,
        _merchant: &MerchantId,
        number: &OrderNumber,
    ) -> Result<Option<Order>, OrderSourceError> {
        Ok(self.by_number.get(number).cloned())
    }

    async fn recent_orders_by_phone(
        &self,
        _merchant: &MerchantId,
        phone: &PhoneNumber,
        limit: usize,
    ) -> Result<Vec<Order>, OrderSourceError> {
        let mut found: Vec<&Order> = self
            .by_number
            .values()
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
