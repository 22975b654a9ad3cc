//! [`LumiTalk`]: the server's pieces, built once and handed out as routers and
//! a background-jobs handle.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use lumitalk_core::assistant::Assistant;
use lumitalk_core::privacy::Privacy;
use lumitalk_core::{DEFAULT_RETENTION, MerchantId, OrderSource, Telephony};
use lumitalk_twilio::TwilioTelephony;
use secrecy::SecretString;
use url::Url;

use crate::admin_auth::{TokenGate, weakness};
use crate::health::Health;
use crate::jobs::{BackgroundJobs, JobSchedule};
use crate::metrics::MetricsEndpoint;

/// Everything the handlers share.
pub(crate) struct Shared {
    pub(crate) assistant: Assistant,
    pub(crate) telephony: Arc<dyn Telephony>,
    pub(crate) public_url: Url,
    pub(crate) privacy: Privacy,
    pub(crate) admin: AdminAuth,
    pub(crate) shopify_secret: Option<SecretString>,
    pub(crate) shops: HashMap<String, MerchantId>,
    pub(crate) metrics_endpoint: Option<MetricsEndpoint>,
    pub(crate) health: Health,
    pub(crate) schedule: JobSchedule,
    pub(crate) local_only: bool,
    pub(crate) seen_webhooks: crate::shopify::SeenWebhooks,
    /// Where `customers/redact` resolves `orders_to_redact` to order numbers.
    pub(crate) compliance_orders: Option<Arc<dyn OrderSource>>,
    /// `customers/data_request` exports waiting for the operator (per process).
    pub(crate) data_requests: crate::admin::data_requests::DataRequests,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LumiTalk")
            .field("public_url", &self.public_url.as_str())
            .field("telephony", &self.telephony.name())
            .field("admin_api", &self.admin.mode())
            .field("shopify_compliance", &self.shopify_secret.is_some())
            .finish_non_exhaustive()
    }
}

pub(crate) type AppState = Arc<Shared>;

/// The LumiTalk server as a set of routers an integrator mounts in their own
/// axum app, plus its background jobs. Cheap to clone.
///
/// | piece | routes |
/// |---|---|
/// | [`carrier_router`](Self::carrier_router) | `POST /twilio/voice` (and `GET`), `/twilio/gather`, `/twilio/dial`, `/twilio/status`, `GET /audio/{id}` |
/// | [`admin_router`](Self::admin_router) | `GET`/`DELETE /admin/callers/{phone}`, `POST /admin/retention/purge`, `PUT`/`DELETE /admin/calls/{call_id}/legal-hold`, `GET /admin/data-requests`, `GET /admin/data-requests/{id}` |
/// | [`shopify_router`](Self::shopify_router) | `POST /shopify/webhooks` (the mandatory compliance topics) |
/// | [`health_router`](Self::health_router) | `GET /healthz` (liveness), `GET /readyz` (readiness) |
/// | [`metrics_router`](Self::metrics_router) | `GET /metrics` (feature `prometheus`) |
/// | [`router`](Self::router) | all of the above, with body limit, deadline and masked access log |
///
/// Every router is mountable under any prefix with [`Router::nest`]; the
/// carrier routes check signatures against the public URL given to the builder
/// (which then carries that prefix).
#[derive(Debug, Clone)]
pub struct LumiTalk {
    pub(crate) shared: AppState,
}

impl LumiTalk {
    /// A builder over an assistant and the carrier that parses and renders its
    /// webhooks. Set the public URL the carrier reaches the routes at with
    /// [`LumiTalkBuilder::public_url`], or use [`LumiTalk::twilio`].
    pub fn builder(assistant: Assistant, telephony: Arc<dyn Telephony>) -> LumiTalkBuilder {
        LumiTalkBuilder::new(assistant, telephony)
    }

    /// A builder for Twilio, with the public URL taken from its configuration.
    pub fn twilio(assistant: Assistant, twilio: TwilioTelephony) -> LumiTalkBuilder {
        let url = twilio.config().public_url().clone();
        LumiTalkBuilder::new(assistant, Arc::new(twilio)).public_url(url)
    }

    /// The assistant behind the routes.
    pub fn assistant(&self) -> &Assistant {
        &self.shared.assistant
    }

    /// The privacy operations the admin API and compliance webhooks run.
    pub fn privacy(&self) -> &Privacy {
        &self.shared.privacy
    }

    /// The public URL carrier webhooks are signed against.
    pub fn public_url(&self) -> &Url {
        &self.shared.public_url
    }

    /// Starts the background jobs (retention purge at start and daily, speech
    /// pre-warm, session sweeps). Stop them with [`BackgroundJobs::shutdown`].
    /// Must be called within a tokio runtime.
    pub fn start_jobs(&self) -> BackgroundJobs {
        BackgroundJobs::start(self.shared.clone())
    }

    /// Every route with the server's layers; this is what the example server
    /// serves on one listener. See [`crate::routes`].
    pub fn router<S>(&self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        crate::routes::serve(self.shared.clone(), crate::routes::Routes::All)
    }

    /// What the carrier and Shopify must reach (carrier routes, audio, Shopify
    /// compliance, health), with the server's layers: the public listener when
    /// the admin API has its own ([`internal_router`](Self::internal_router)).
    pub fn public_router<S>(&self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        crate::routes::serve(self.shared.clone(), crate::routes::Routes::Public)
    }

    /// What only operators reach (admin API, metrics, health), with the
    /// server's layers, for an internal listener.
    pub fn internal_router<S>(&self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        crate::routes::serve(self.shared.clone(), crate::routes::Routes::Internal)
    }

    /// The carrier webhooks and `/audio/{id}`.
    pub fn carrier_router<S>(&self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        let router = crate::carrier::router();
        let router = if self.shared.local_only {
            router.layer(axum::middleware::from_fn(crate::routes::local_host_only))
        } else {
            router
        };
        router.with_state(self.shared.clone())
    }

    /// The admin API. Without an admin token it answers 404 naming the setting;
    /// mount it on an internal listener, or behind your own auth (and set
    /// [`LumiTalkBuilder::admin_token`] too, or [`LumiTalkBuilder::admin_without_token`]).
    pub fn admin_router<S>(&self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        crate::admin::router().with_state(self.shared.clone())
    }

    /// Shopify's compliance webhooks (`customers/data_request`,
    /// `customers/redact`, `shop/redact`), HMAC-checked.
    pub fn shopify_router<S>(&self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        crate::shopify::router().with_state(self.shared.clone())
    }

    /// `GET /healthz` and `GET /readyz`.
    pub fn health_router<S>(&self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        crate::health::router().with_state(self.shared.clone())
    }

    /// `GET /metrics` when a Prometheus handle was given to the builder;
    /// otherwise an empty router.
    pub fn metrics_router<S>(&self) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        crate::metrics::router(&self.shared).with_state(self.shared.clone())
    }
}

/// Why a [`LumiTalk`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No public URL: carrier signatures cannot be checked without it.
    #[error(
        "no public URL: call `.public_url(url)` with the base URL the carrier reaches \
         these routes at (LUMITALK_PUBLIC_URL in the example server)"
    )]
    NoPublicUrl,
    /// The admin token is too short or too regular to resist guessing.
    #[error("admin token: {0}")]
    WeakAdminToken(String),
}

/// Configures a [`LumiTalk`].
#[derive(Debug)]
pub struct LumiTalkBuilder {
    assistant: Assistant,
    telephony: Arc<dyn Telephony>,
    public_url: Option<Url>,
    admin: AdminChoice,
    shopify_secret: Option<SecretString>,
    shops: HashMap<String, MerchantId>,
    compliance_orders: Option<Arc<dyn OrderSource>>,
    metrics_endpoint: Option<MetricsEndpoint>,
    default_retention: Duration,
    schedule: JobSchedule,
    local_only: bool,
}

/// How the admin API authenticates.
#[derive(Debug)]
pub(crate) enum AdminAuth {
    /// The admin API answers 404.
    Off,
    /// A bearer token, compared in constant time, failures throttled.
    Token(TokenGate),
    /// The integrator authenticates in front of the router.
    External,
}

/// The admin authentication chosen on the builder.
#[derive(Debug)]
enum AdminChoice {
    Off,
    Token(SecretString),
    External,
}

impl AdminAuth {
    fn mode(&self) -> &'static str {
        match self {
            AdminAuth::Off => "off",
            AdminAuth::Token(_) => "bearer token",
            AdminAuth::External => "integrator's authentication",
        }
    }
}

impl LumiTalkBuilder {
    fn new(assistant: Assistant, telephony: Arc<dyn Telephony>) -> Self {
        LumiTalkBuilder {
            assistant,
            telephony,
            public_url: None,
            admin: AdminChoice::Off,
            shopify_secret: None,
            shops: HashMap::new(),
            compliance_orders: None,
            metrics_endpoint: None,
            default_retention: DEFAULT_RETENTION,
            schedule: JobSchedule::default(),
            local_only: false,
        }
    }

    /// Answers only requests whose `Host` is this machine (`localhost`,
    /// `127.0.0.1`, `[::1]`): for demo mode, where webhooks are unsigned.
    pub fn local_requests_only(mut self) -> Self {
        self.local_only = true;
        self
    }

    /// The base URL the carrier reaches the carrier routes at, with any path
    /// prefix they are mounted under (`https://shop.example.com/lumitalk`).
    pub fn public_url(mut self, url: Url) -> Self {
        self.public_url = Some(url);
        self
    }

    /// Turns the admin API on behind this bearer token (16+ characters),
    /// compared in constant time.
    pub fn admin_token(mut self, token: SecretString) -> Self {
        self.admin = AdminChoice::Token(token);
        self
    }

    /// Turns the admin API on with no token check of its own: for an admin
    /// router mounted behind the integrator's own authentication, or on a
    /// listener only operators reach.
    pub fn admin_without_token(mut self) -> Self {
        self.admin = AdminChoice::External;
        self
    }

    /// Turns the Shopify compliance webhooks on, HMAC-checked with the app's
    /// secret. `shops` maps each shop domain (`acme.myshopify.com`) to the
    /// merchant it belongs to. Only these shops are acted on: a webhook from
    /// any other shop is answered 200 and changes nothing.
    pub fn shopify_compliance(
        mut self,
        secret: SecretString,
        shops: impl IntoIterator<Item = (String, MerchantId)>,
    ) -> Self {
        self.shopify_secret = Some(secret);
        self.shops = shops
            .into_iter()
            .map(|(shop, m)| (crate::shopify::normalize_shop(&shop), m))
            .collect();
        self
    }

    /// The order source `customers/redact` resolves its `orders_to_redact`
    /// (Shopify order ids) through, among the customer's recent orders, so
    /// the lockout entries of those orders are forgotten; usually the one the
    /// assistant was built with. Without it, only the caller's own lockout
    /// entry is forgotten (order entries still end with their window).
    pub fn compliance_order_source(mut self, orders: Arc<dyn OrderSource>) -> Self {
        self.compliance_orders = Some(orders);
        self
    }

    /// Serves `GET /metrics` from a Prometheus recorder (feature `prometheus`;
    /// see [`crate::metrics::install_prometheus`]).
    #[cfg(feature = "prometheus")]
    pub fn prometheus(mut self, handle: metrics_exporter_prometheus::PrometheusHandle) -> Self {
        self.metrics_endpoint = Some(MetricsEndpoint::new(handle));
        self
    }

    /// The retention window for merchants without their own (default 365 days);
    /// each merchant's [`retention`](lumitalk_core::Merchant::retention) wins.
    pub fn default_retention(mut self, window: Duration) -> Self {
        self.default_retention = window;
        self
    }

    /// How often the background jobs run (defaults: purge daily, sessions
    /// swept every minute, pre-warm within 2 minutes, 10 s shutdown grace).
    pub fn job_schedule(mut self, schedule: JobSchedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// The server.
    ///
    /// # Errors
    /// [`BuildError`] naming what is missing or unsafe.
    pub fn build(self) -> Result<LumiTalk, BuildError> {
        let public_url = self.public_url.ok_or(BuildError::NoPublicUrl)?;
        let admin = match self.admin {
            AdminChoice::Off => AdminAuth::Off,
            AdminChoice::External => AdminAuth::External,
            AdminChoice::Token(t) => {
                if let Some(why) = weakness(secrecy::ExposeSecret::expose_secret(&t)) {
                    return Err(BuildError::WeakAdminToken(why));
                }
                warn_if_plain_http(&public_url);
                AdminAuth::Token(TokenGate::new(t))
            }
        };
        let privacy = Privacy::for_assistant(&self.assistant, self.default_retention);
        Ok(LumiTalk {
            shared: Arc::new(Shared {
                assistant: self.assistant,
                telephony: self.telephony,
                public_url,
                privacy,
                admin,
                shopify_secret: self.shopify_secret,
                shops: self.shops,
                metrics_endpoint: self.metrics_endpoint,
                health: Health::default(),
                schedule: self.schedule,
                local_only: self.local_only,
                seen_webhooks: Default::default(),
                compliance_orders: self.compliance_orders,
                data_requests: Default::default(),
            }),
        })
    }
}

/// The admin token travels in a header: over plain http to a host that is not
/// this machine, anyone on the path reads it.
fn warn_if_plain_http(public_url: &Url) {
    if public_url.scheme() != "https" && !crate::settings::is_loopback_url(public_url) {
        tracing::warn!(
            "the admin API is on and the public URL is not https: serve the admin router on \
             an internal listener (LUMITALK_ADMIN_ADDR) or put TLS in front of it"
        );
    }
}
