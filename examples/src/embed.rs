//! Embedding LumiTalk in an existing axum app: the shop's own routes, LumiTalk's
//! carrier routes mounted under `/lumitalk`, orders from the shop's own data (a
//! `HashMap` here), and the admin API on a second, internal listener.
//!
//! Run it with `cargo run -p lumitalk-examples --bin embed` (see that binary).

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use lumitalk_axum::LumiTalk;
use lumitalk_axum::axum::{Json, Router, routing::get};
use lumitalk_axum::secrecy::SecretString;
use lumitalk_core::assistant::Assistant;
use lumitalk_core::{
    Merchant, MerchantDirectory, MerchantId, Order, OrderNumber, OrderSource, OrderSourceError,
    PhoneNumber, Speech,
};
use lumitalk_twilio::{TwilioConfig, TwilioTelephony};

/// Where LumiTalk's routes live inside the shop's app.
pub const MOUNT: &str = "/lumitalk";

/// The shop's orders, keyed by order number: the integrator's own data.
#[derive(Debug, Default)]
pub struct HashMapOrders {
    by_number: HashMap<OrderNumber, Order>,
}

impl HashMapOrders {
    /// A store holding `orders`.
    pub fn new(orders: impl IntoIterator<Item = Order>) -> Self {
        HashMapOrders {
            by_number: orders.into_iter().map(|o| (o.number.clone(), o)).collect(),
        }
    }
}

#[async_trait]
impl OrderSource for HashMapOrders {
    fn name(&self) -> &'static str {
        "shop-hashmap"
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
        let mut orders: Vec<Order> = self
            .by_number
            .values()
            .filter(|o| o.phone() == Some(phone))
            .cloned()
            .collect();
        orders.sort_by_key(|o| std::cmp::Reverse(o.placed_at));
        orders.truncate(limit);
        Ok(orders)
    }
}

/// What the shop configures.
#[derive(Debug)]
pub struct ShopConfig {
    /// The shop's public base URL (`https://shop.example.com`); Twilio calls
    /// `{public_url}/lumitalk/twilio/voice`.
    pub public_url: String,
    /// The Twilio auth token webhooks are signed with.
    pub twilio_auth_token: SecretString,
    /// The admin API's bearer token (16+ characters).
    pub admin_token: SecretString,
    /// A speech provider, if any (otherwise Twilio's own voice speaks).
    pub speech: Option<Arc<dyn Speech>>,
}

/// Builds LumiTalk over the shop's orders.
///
/// # Errors
/// Any configuration problem, as text.
pub fn lumitalk(config: ShopConfig, orders: HashMapOrders) -> Result<LumiTalk, String> {
    let shop = PhoneNumber::parse_e164("+14155550100").map_err(|e| e.to_string())?;
    let merchants = MerchantDirectory::new(vec![
        Merchant::new("my-shop", "My Shop")
            .with_phone_number(shop.clone())
            .with_escalation_number(shop),
    ]);
    let mut assistant = Assistant::builder(merchants, Arc::new(orders))
        // A real shop gives a durable store here (lumitalk-sqlite, or its own).
        .demo_in_memory_records();
    if let Some(speech) = config.speech {
        assistant = assistant.speech(speech);
    }
    let assistant = assistant.build().map_err(|e| e.to_string())?;
    let twilio = TwilioTelephony::new(
        TwilioConfig::builder()
            .auth_token(config.twilio_auth_token)
            .public_url(format!(
                "{}{MOUNT}",
                config.public_url.trim_end_matches('/')
            ))
            .build()
            .map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    LumiTalk::twilio(assistant, twilio)
        .admin_token(config.admin_token)
        .build()
        .map_err(|e| e.to_string())
}

/// The shop's public app: its own routes, with LumiTalk under [`MOUNT`].
pub fn public_app(lumitalk: &LumiTalk) -> Router {
    Router::new()
        .route("/", get(|| async { "Welcome to My Shop" }))
        .route(
            "/api/products",
            get(|| async { Json(vec!["tent", "stove", "lantern"]) }),
        )
        .nest(MOUNT, lumitalk.carrier_router())
        .merge(lumitalk.health_router())
}

/// The internal app, on a listener only operators reach: LumiTalk's admin API.
pub fn internal_app(lumitalk: &LumiTalk) -> Router {
    Router::new().merge(lumitalk.admin_router())
}
