//! Where orders come from.

use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::{MerchantId, Order, OrderNumber, PhoneNumber};
use crate::error::OrderSourceError;

/// Finds a merchant's orders by number or by the customer's phone.
///
/// # Contract
/// - `order_by_number` returns `Ok(None)` when no order has exactly that number;
///   a search that is not exact (e.g. Shopify's) must filter to the exact name.
/// - `recent_orders_by_phone` returns at most `limit` orders, newest first, whose
///   customer phone is `phone`; `Ok(vec![])` when there are none.
/// - Implementations serving one store may ignore `merchant`; routers use it.
/// - Caller-provided input never widens a search (no query injection).
///
/// # Errors
/// [`OrderSourceError`] says whether retrying can help; not-found is not an error.
#[async_trait]
pub trait OrderSource: Send + Sync + std::fmt::Debug + 'static {
    /// Short provider name for logs and metrics (`"shopify"`, `"demo"`).
    fn name(&self) -> &'static str;

    /// The order with exactly this number.
    async fn order_by_number(
        &self,
        merchant: &MerchantId,
        number: &OrderNumber,
    ) -> Result<Option<Order>, OrderSourceError>;

    /// The customer's most recent orders, newest first.
    async fn recent_orders_by_phone(
        &self,
        merchant: &MerchantId,
        phone: &PhoneNumber,
        limit: usize,
    ) -> Result<Vec<Order>, OrderSourceError>;

    /// Drops whatever the source keeps of `phone`'s orders for `merchant`
    /// (a short-lived answer cache), on a privacy deletion of that caller.
    /// Sources that keep nothing need not implement it.
    fn forget_cached(&self, merchant: &MerchantId, phone: &PhoneNumber) {
        let _ = (merchant, phone);
    }
}

crate::forward::forward_to_inner!(OrderSource for [Arc, Box] {
    fn name(&self) -> &'static str;
    fn forget_cached(&self, merchant: &MerchantId, phone: &PhoneNumber) -> ();
    async fn order_by_number(
        &self,
        merchant: &MerchantId,
        number: &OrderNumber,
    ) -> Result<Option<Order>, OrderSourceError>;
    async fn recent_orders_by_phone(
        &self,
        merchant: &MerchantId,
        phone: &PhoneNumber,
        limit: usize,
    ) -> Result<Vec<Order>, OrderSourceError>;
});
