//! [`OrderSource`] over the Shopify Admin GraphQL API.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use async_trait::async_trait;
use lumitalk_core::provider::{Urgency, urgency};
use lumitalk_core::{
    MerchantId, Order, OrderNumber, OrderSource, OrderSourceError, PhoneNumber, Region,
};
use serde_json::{Value, json};

use crate::cache::{Answer, Begin, Key, OrderCache, Outcome, Waiter};
use crate::client::{ShopifyClient, decode, queue_full};
use crate::config::{ConfigError, ORDER_CACHE_CAPACITY, ShopifyConfig};
use crate::error::{PROVIDER, invalid_response};
use crate::limiter::Admission;
use crate::map::{name_matches, number_from_name, to_order};
use crate::search::SearchQuery;
use crate::wire::{
    CustomersData, MAX_ORDERS_PER_PHONE, ORDER_BY_NAME_OP, ORDER_BY_NAME_REQUESTED_COST,
    ORDERS_BY_PHONE_OP, OrderCustomer, OrdersData, order_by_name_query, orders_by_phone_query,
    orders_by_phone_requested_cost,
};

static ORDER_BY_NAME_QUERY: LazyLock<String> = LazyLock::new(order_by_name_query);
static ORDERS_BY_PHONE_QUERY: LazyLock<String> = LazyLock::new(orders_by_phone_query);

/// After the queue wait ran out, how often a lookup already sent checks again
/// whether it is still on its way (answers come within the HTTP timeout) or was
/// re-queued by a throttled answer.
const IN_FLIGHT_RECHECK: Duration = Duration::from_millis(50);

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
/// - Every request waits for the shop's cost-aware limiter (see the crate docs);
///   identical lookups in flight share one request, and answers are cached for
///   the configured TTL. [`forget_cached`](OrderSource::forget_cached) drops
///   what is cached about a phone.
///
/// The `merchant` argument is ignored: one instance serves one shop. Clones share
/// the client, its limiter and the cache.
#[derive(Debug, Clone)]
pub struct ShopifyOrderSource {
    client: ShopifyClient,
    region: Region,
    cache: Arc<OrderCache>,
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
            cache: OrderCache::new(config.order_cache_ttl(), ORDER_CACHE_CAPACITY),
        })
    }

    /// An order source configured from `SHOPIFY_*` environment variables.
    ///
    /// # Errors
    /// A [`ConfigError`] naming every missing or malformed variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::new(&ShopifyConfig::from_env()?)
    }

    /// The underlying GraphQL client (for [`ShopifyClient::last_cost`] and
    /// [`ShopifyClient::limiter_stats`]).
    pub fn client(&self) -> &ShopifyClient {
        &self.client
    }

    /// A lookup through the cache, the flight of an identical lookup, or a new
    /// request (sent in a task of its own, so that it keeps its place and its
    /// answer lands in the cache even when the caller stops waiting).
    async fn lookup(
        &self,
        key: Key,
        operation: &'static str,
        query: &'static str,
        variables: Value,
        computed_cost: u32,
        parse: impl FnOnce(Value) -> Result<Answer, OrderSourceError> + Send + 'static,
    ) -> Outcome {
        let urgency = urgency();
        let flight = match self.cache.begin(&key) {
            Begin::Hit(answer) => return Ok(answer),
            Begin::Join(rx, request) => {
                if let Some(id) = request
                    && urgency == Urgency::CallerWaiting
                {
                    self.client.limiter().promote(id);
                }
                return self.wait(rx, request).await;
            }
            Begin::Lead(flight) => flight,
        };
        let limiter = self.client.limiter();
        let cost = self.client.scheduling_cost(operation, computed_cost);
        let mut request = limiter.request(cost, urgency);
        match request.admit() {
            Admission::Now | Admission::Queued(_) => {}
            Admission::Refused(wait) => {
                let refused = queue_full(wait + limiter.latency());
                flight.finish(Err(refused.clone()));
                return Err(refused);
            }
        }
        let id = request.id();
        flight.set_request(id);
        let rx = flight.waiter().expect("a new flight has its sender");
        let client = self.client.clone();
        tokio::spawn(async move {
            let result = client
                .run(&mut request, operation, computed_cost, query, &variables)
                .await;
            drop(request);
            flight.finish(result.and_then(parse));
        });
        self.wait(rx, Some(id)).await
    }

    /// Waits for a flight's outcome: at most the configured queue wait while its
    /// request is queued (then `RateLimited` with the expected wait, the request
    /// staying queued), as long as it takes once it is sent. Even a long
    /// estimate is waited on: it counts the requested cost of the queries in
    /// flight, most of which Shopify refunds when they answer.
    async fn wait(&self, mut rx: Waiter, request: Option<u64>) -> Outcome {
        let limiter = self.client.limiter();
        let max_wait = self.client.max_queue_wait();
        let mut deadline = tokio::time::Instant::now() + max_wait;
        loop {
            match tokio::time::timeout_at(deadline, rx.wait_for(Option::is_some)).await {
                Ok(Ok(outcome)) => {
                    return outcome.clone().unwrap_or_else(|| {
                        Err(invalid_response("the lookup ended without an answer"))
                    });
                }
                Ok(Err(_closed)) => {
                    return Err(OrderSourceError::Unavailable {
                        provider: PROVIDER,
                        message: "the lookup was abandoned before it finished".into(),
                    });
                }
                Err(_elapsed) => {
                    if let Some(wait) = request.and_then(|id| limiter.queued_wait(id)) {
                        return Err(queue_full(wait + limiter.latency()));
                    }
                    deadline = tokio::time::Instant::now() + IN_FLIGHT_RECHECK;
                }
            }
        }
    }
}

#[async_trait]
impl OrderSource for ShopifyOrderSource {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    async fn order_by_number(
        &self,
        _merchant: &MerchantId,
        number: &OrderNumber,
    ) -> Result<Option<Order>, OrderSourceError> {
        // Digits only: Shopify's name search finds `#1001` and prefixed names from them.
        let q = SearchQuery::term("name", number.digits());
        let wanted = number.clone();
        let region = self.region;
        let answer = self
            .lookup(
                Key::Number(number.digits().to_string()),
                ORDER_BY_NAME_OP,
                &ORDER_BY_NAME_QUERY,
                json!({ "q": q.as_str() }),
                ORDER_BY_NAME_REQUESTED_COST,
                move |data| {
                    let data: OrdersData = decode(data)?;
                    data.orders
                        .nodes
                        .into_iter()
                        .find(|node| name_matches(&node.name, &wanted))
                        .map(|node| to_order(node, None, wanted, region).map_err(invalid_response))
                        .transpose()
                        .map(|order| Answer::Number(order.map(Box::new)))
                },
            )
            .await?;
        match answer {
            Answer::Number(order) => Ok(order.map(|o| *o)),
            Answer::Phone(_) => Err(invalid_response("a cached answer of the wrong kind")),
        }
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
        let wanted = phone.clone();
        let region = self.region;
        let answer = self
            .lookup(
                Key::Phone {
                    e164: phone.as_e164().to_string(),
                    first,
                },
                ORDERS_BY_PHONE_OP,
                &ORDERS_BY_PHONE_QUERY,
                json!({ "q": q.as_str(), "first": first }),
                orders_by_phone_requested_cost(first),
                move |data| phone_orders(decode(data)?, &wanted, region).map(Answer::Phone),
            )
            .await?;
        match answer {
            Answer::Phone(mut orders) => {
                orders.truncate(limit);
                Ok(orders)
            }
            Answer::Number(_) => Err(invalid_response("a cached answer of the wrong kind")),
        }
    }

    fn forget_cached(&self, _merchant: &MerchantId, phone: &PhoneNumber) {
        self.cache.forget(phone);
    }
}

/// The orders of the customer whose phone is exactly `phone`, newest first.
fn phone_orders(
    data: CustomersData,
    phone: &PhoneNumber,
    region: Region,
) -> Result<Vec<Order>, OrderSourceError> {
    let mut orders = Vec::new();
    for customer in data.customers.nodes {
        let on_file = customer
            .default_phone_number
            .as_ref()
            .and_then(|p| p.phone_number.as_deref())
            .and_then(|p| PhoneNumber::parse(p, region).ok());
        // The search is not exact: keep only the customer with exactly this number.
        if on_file.as_ref() != Some(phone) {
            continue;
        }
        let owner = OrderCustomer {
            first_name: customer.first_name,
            default_phone_number: customer.default_phone_number,
        };
        for node in customer.orders.nodes {
            // An order whose name holds no order number cannot be talked about.
            let Some(number) = number_from_name(&node.name) else {
                continue;
            };
            orders.push(to_order(node, Some(&owner), number, region).map_err(invalid_response)?);
        }
    }
    orders.sort_by_key(|o| std::cmp::Reverse(o.placed_at));
    orders.dedup_by(|a, b| a.source_id.is_some() && a.source_id == b.source_id);
    Ok(orders)
}

#[cfg(test)]
mod tests;
