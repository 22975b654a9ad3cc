//! [`OrderSource`] over the Shopify Admin GraphQL API.

use async_trait::async_trait;
use lumitalk_core::{
    MerchantId, Order, OrderNumber, OrderSource, OrderSourceError, PhoneNumber, Region,
};
use serde_json::json;

use crate::client::ShopifyClient;
use crate::config::{ConfigError, ShopifyConfig};
use crate::error::invalid_response;
use crate::map::{name_matches, number_from_name, to_order};
use crate::search::SearchQuery;
use crate::wire::{
    CustomersData, MAX_ORDERS_PER_PHONE, ORDER_BY_NAME_OP, ORDERS_BY_PHONE_OP, OrdersData,
    order_by_name_query, orders_by_phone_query,
};

/// Orders from one Shopify shop (`name()` is `"shopify"`).
///
/// - [`order_by_number`](OrderSource::order_by_number) searches `name:"1001"` and
///   keeps only an order whose name carries exactly those digits (`#1001`,
///   `EU-1001`), because Shopify's search is not exact.
/// - [`recent_orders_by_phone`](OrderSource::recent_orders_by_phone) finds the
///   customer whose default phone is exactly the caller's number and returns their
///   newest orders (at most `limit`, capped at [`MAX_ORDERS_PER_PHONE`]). Guest
///   checkouts have no customer record and cannot be found this way; see the crate
///   docs.
///
/// The `merchant` argument is ignored: one instance serves one shop.
#[derive(Debug, Clone)]
pub struct ShopifyOrderSource {
    client: ShopifyClient,
    region: Region,
}

impl ShopifyOrderSource {
    /// An order source for the configured shop.
    ///
    /// # Errors
    /// If the HTTP client cannot be built.
    pub fn new(config: &ShopifyConfig) -> Result<Self, ConfigError> {
        Ok(ShopifyOrderSource {
            client: ShopifyClient::new(config)?,
            region: config.phone_region(),
        })
    }

    /// An order source configured from `SHOPIFY_*` environment variables.
    ///
    /// # Errors
    /// A [`ConfigError`] naming every missing or malformed variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::new(&ShopifyConfig::from_env()?)
    }

    /// The underlying GraphQL client (for [`ShopifyClient::last_cost`]).
    pub fn client(&self) -> &ShopifyClient {
        &self.client
    }
}

#[async_trait]
impl OrderSource for ShopifyOrderSource {
    fn name(&self) -> &'static str {
        crate::error::PROVIDER
    }

    async fn order_by_number(
        &self,
        _merchant: &MerchantId,
        number: &OrderNumber,
    ) -> Result<Option<Order>, OrderSourceError> {
        // Digits only: Shopify's name search finds `#1001` and prefixed names from them.
        let q = SearchQuery::term("name", number.digits());
        let data: OrdersData = self
            .client
            .graphql(
                ORDER_BY_NAME_OP,
                &order_by_name_query(),
                &json!({ "q": q.as_str() }),
            )
            .await?;
        data.orders
            .nodes
            .into_iter()
            .find(|node| name_matches(&node.name, number))
            .map(|node| to_order(node, number.clone(), self.region).map_err(invalid_response))
            .transpose()
    }

    async fn recent_orders_by_phone(
        &self,
        _merchant: &MerchantId,
        phone: &PhoneNumber,
        limit: usize,
    ) -> Result<Vec<Order>, OrderSourceError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let first = limit.min(MAX_ORDERS_PER_PHONE);
        let q = SearchQuery::term("phone", phone.as_e164());
        let data: CustomersData = self
            .client
            .graphql(
                ORDERS_BY_PHONE_OP,
                &orders_by_phone_query(),
                &json!({ "q": q.as_str(), "first": first }),
            )
            .await?;
        let mut orders = Vec::new();
        for customer in data.customers.nodes {
            let on_file = customer
                .default_phone_number
                .and_then(|p| p.phone_number)
                .and_then(|p| PhoneNumber::parse(&p, self.region).ok());
            // The search is not exact: keep only the customer with exactly this number.
            if on_file.as_ref() != Some(phone) {
                continue;
            }
            for node in customer.orders.nodes {
                // An order whose name holds no order number cannot be talked about.
                let Some(number) = number_from_name(&node.name) else {
                    continue;
                };
                orders.push(to_order(node, number, self.region).map_err(invalid_response)?);
            }
        }
        orders.sort_by_key(|o| std::cmp::Reverse(o.placed_at));
        orders.dedup_by(|a, b| a.source_id.is_some() && a.source_id == b.source_id);
        orders.truncate(limit);
        Ok(orders)
    }
}
