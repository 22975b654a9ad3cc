//! One order source per merchant: each merchant may have its own shop.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::{MerchantId, Order, OrderNumber, PhoneNumber};
use crate::error::OrderSourceError;
use crate::provider::OrderSource;

/// Sends each lookup to the merchant's own source, else to the default one.
///
/// ```
/// use std::sync::Arc;
/// use lumitalk_core::memory::DemoOrderStore;
/// use lumitalk_core::wrappers::RoutedOrderSource;
/// use lumitalk_core::MerchantId;
///
/// let mut orders = RoutedOrderSource::new(Arc::new(DemoOrderStore::demo()));
/// orders.route(MerchantId::new("acme"), Arc::new(DemoOrderStore::new(vec![])));
/// ```
#[derive(Debug)]
pub struct RoutedOrderSource {
    default: Arc<dyn OrderSource>,
    per_merchant: HashMap<MerchantId, Arc<dyn OrderSource>>,
}

impl RoutedOrderSource {
    /// A router with a default source.
    pub fn new(default: Arc<dyn OrderSource>) -> Self {
        RoutedOrderSource {
            default,
            per_merchant: HashMap::new(),
        }
    }

    /// Routes a merchant's lookups to `source`.
    pub fn route(&mut self, merchant: MerchantId, source: Arc<dyn OrderSource>) {
        self.per_merchant.insert(merchant, source);
    }

    fn source(&self, merchant: &MerchantId) -> &Arc<dyn OrderSource> {
        self.per_merchant.get(merchant).unwrap_or(&self.default)
    }
}

#[async_trait]
impl OrderSource for RoutedOrderSource {
    fn name(&self) -> &'static str {
        self.default.name()
    }
    fn forget_cached(&self, merchant: &MerchantId, phone: &PhoneNumber) {
        self.source(merchant).forget_cached(merchant, phone);
    }

    async fn order_by_number(
        &self,
        merchant: &MerchantId,
        number: &OrderNumber,
    ) -> Result<Option<Order>, OrderSourceError> {
        self.source(merchant)
            .order_by_number(merchant, number)
            .await
    }

    async fn recent_orders_by_phone(
        &self,
        merchant: &MerchantId,
        phone: &PhoneNumber,
        limit: usize,
    ) -> Result<Vec<Order>, OrderSourceError> {
        self.source(merchant)
            .recent_orders_by_phone(merchant, phone, limit)
            .await
    }
}
