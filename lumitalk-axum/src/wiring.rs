//! The standard deployment (feature `providers`): every provider built from
//! [`Settings`] and its adapter's environment variables, each the real one
//! when its key is set, else its demo implementation.
//!
//! | provider | real when | demo |
//! |---|---|---|
//! | orders | `SHOPIFY_SHOP` + `SHOPIFY_ACCESS_TOKEN`, or a merchant's `[merchants.shopify]` | 20 built-in orders |
//! | intents | `OPENAI_API_KEY` | offline keyword classifier (also the fallback) |
//! | speech | `ELEVENLABS_API_KEY` (behind a byte-bounded cache) | the carrier's voice (`<Say>`) |
//! | carrier | `TWILIO_AUTH_TOKEN` (signatures verified) | unsigned webhooks, loopback only |
//! | call records | always SQLite (`LUMITALK_DATABASE`) | |

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use lumitalk_core::assistant::Assistant;
use lumitalk_core::memory::{
    DemoOrderStore, KeywordClassifier, MemoryAudioStore, MemorySessionStore,
};
use lumitalk_core::wrappers::{Retry, RetryPolicy, RoutedOrderSource, Timeout};
use lumitalk_core::{
    AudioFormat, AudioStore, CallRecordStore, Clock, IntentClassifier, MerchantDirectory,
    MerchantId, OrderSource, SessionStore, Speech, TokioClock,
};
use lumitalk_elevenlabs::ElevenLabsSpeech;
use lumitalk_openai::OpenAiClassifier;
use lumitalk_shopify::{ShopifyConfig, ShopifyOrderSource};
use lumitalk_sqlite::{SqliteCallRecordStore, SqliteConfig, Synchronous};
use lumitalk_twilio::TwilioTelephony;

use crate::service::LumiTalk;
use crate::settings::{DatabaseSync, Env, ProcessEnv, Settings};

/// Bytes of synthesized audio held for the carrier to fetch.
pub const AUDIO_STORE_BYTES: usize = 64 * 1024 * 1024;

/// A wired deployment and a description of each provider for the start-up log.
#[derive(Debug)]
pub struct Deployment {
    /// The server.
    pub lumitalk: LumiTalk,
    /// One line per provider: which implementation is in use (never a secret).
    pub summary: Vec<String>,
    /// Whether carrier webhooks must be signed (false in demo mode).
    pub signatures_verified: bool,
}

/// Why the deployment could not be wired.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {message}")]
pub struct WiringError {
    /// The setting or provider concerned.
    pub what: String,
    /// What went wrong (never a secret).
    pub message: String,
}

fn wiring_error(what: impl Into<String>, e: impl std::fmt::Display) -> WiringError {
    WiringError {
        what: what.into(),
        message: e.to_string(),
    }
}

fn provider_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 2,
        max_elapsed: Duration::from_millis(2500),
        ..RetryPolicy::default()
    }
}

fn wrap_orders<S: OrderSource>(source: S, clock: &Arc<dyn Clock>) -> Arc<dyn OrderSource> {
    Arc::new(
        Retry::new(
            Timeout::new(source, Duration::from_millis(2000)).with_clock(clock.clone()),
            provider_retry(),
        )
        .with_clock(clock.clone()),
    )
}

impl Deployment {
    /// Wires everything from `settings` and the process environment.
    ///
    /// # Errors
    /// [`WiringError`] naming the provider or setting.
    pub fn from_settings(settings: &Settings) -> Result<Self, WiringError> {
        Self::from_settings_and(settings, &ProcessEnv)
    }

    /// Wires everything from `settings` and adapter variables read from `env`.
    ///
    /// # Errors
    /// [`WiringError`] naming the provider or setting.
    pub fn from_settings_and(settings: &Settings, env: &dyn Env) -> Result<Self, WiringError> {
        let mut summary = Vec::new();
        let clock: Arc<dyn Clock> = Arc::new(TokioClock::new());
        let records = records(settings, &mut summary)?;
        let (orders, shops) = orders(settings, env, &clock, &mut summary)?;
        let classifier = classifier(env, &clock, &mut summary)?;
        let speech = speech(env, &clock, &mut summary)?;
        let twilio = telephony(settings, env, &mut summary)?;
        let signatures_verified = twilio.config().has_auth_token();

        let sessions: Arc<dyn SessionStore> = Arc::new(MemorySessionStore::new(clock.clone()));
        let audio: Arc<dyn AudioStore> =
            Arc::new(MemoryAudioStore::new(AUDIO_STORE_BYTES, clock.clone()));
        let directory = MerchantDirectory::new(
            settings
                .merchants
                .iter()
                .map(|m| m.merchant.clone())
                .collect(),
        );
        let mut builder = Assistant::builder(directory, orders.clone())
            .classifier(classifier)
            .fallback_classifier(Arc::new(KeywordClassifier::new()))
            .sessions(sessions)
            .audio_store(audio)
            .records(records)
            .clock(clock)
            .audio_format(AudioFormat::Mp3_22050_32);
        if let Some(s) = speech {
            builder = builder.speech(s);
        }
        let assistant = builder.build().map_err(|e| wiring_error("assistant", e))?;

        let mut lumitalk =
            LumiTalk::twilio(assistant, twilio).default_retention(settings.retention);
        summary.push(format!(
            "admin API: {}",
            if settings.admin_token.is_some() {
                "on"
            } else {
                "off (set LUMITALK_ADMIN_TOKEN)"
            }
        ));
        if let Some(token) = &settings.admin_token {
            lumitalk = lumitalk.admin_token(token.clone());
        }
        if let Some(secret) = &settings.shopify_api_secret {
            lumitalk = lumitalk
                .shopify_compliance(secret.clone(), shops)
                .compliance_order_source(orders);
        }
        if !signatures_verified {
            lumitalk = lumitalk.local_requests_only();
        }
        #[cfg(feature = "prometheus")]
        match crate::metrics::install_prometheus() {
            Ok(handle) => lumitalk = lumitalk.prometheus(handle),
            Err(e) => tracing::warn!(error = %e, "/metrics is off"),
        }
        let lumitalk = lumitalk.build().map_err(|e| wiring_error("server", e))?;
        Ok(Deployment {
            lumitalk,
            summary,
            signatures_verified,
        })
    }
}

/// Call records: the embedded SQLite store.
fn records(
    settings: &Settings,
    summary: &mut Vec<String>,
) -> Result<Arc<dyn CallRecordStore>, WiringError> {
    let sync = match settings.database_sync {
        DatabaseSync::Full => Synchronous::Full,
        DatabaseSync::Normal => Synchronous::Normal,
    };
    let store =
        SqliteCallRecordStore::open_with(&SqliteConfig::file(&settings.database).synchronous(sync))
            .map_err(|e| {
                wiring_error(
                    "LUMITALK_DATABASE",
                    format!("cannot open {}: {e}", settings.database.display()),
                )
            })?;
    summary.push(format!(
        "call records: sqlite ({}, synchronous={sync:?})",
        settings.database.display()
    ));
    Ok(Arc::new(store))
}

/// Shop domain to merchant, for the compliance webhooks.
type ShopMerchants = HashMap<String, MerchantId>;

/// Orders: Shopify when configured, else the demo store; per-merchant shops route.
fn orders(
    settings: &Settings,
    env: &dyn Env,
    clock: &Arc<dyn Clock>,
    summary: &mut Vec<String>,
) -> Result<(Arc<dyn OrderSource>, ShopMerchants), WiringError> {
    let mut shops = HashMap::new();
    let default: Arc<dyn OrderSource> = match env.get("SHOPIFY_SHOP") {
        Some(shop) => {
            let config = lumitalk_shopify::ShopifyConfigBuilder::from_lookup(|k| env.get(k))
                .build()
                .map_err(|e| wiring_error("shopify", e))?;
            summary.push(format!("orders: shopify ({})", config.shop()));
            if let Some(first) = settings.merchants.first() {
                shops.insert(shop, first.merchant.id.clone());
            }
            let source =
                ShopifyOrderSource::new(&config).map_err(|e| wiring_error("shopify", e))?;
            wrap_orders(source, clock)
        }
        None => {
            summary.push("orders: demo store (20 built-in orders)".into());
            Arc::new(DemoOrderStore::demo())
        }
    };
    let mut routed = RoutedOrderSource::new(default);
    for m in &settings.merchants {
        let Some(shop) = &m.shopify else { continue };
        let what = format!("merchant {}", m.merchant.id);
        let mut b = ShopifyConfig::builder()
            .shop(shop.shop.clone())
            .access_token(shop.access_token.clone());
        if let Some(v) = &shop.api_version {
            b = b.api_version(v.clone());
        }
        if let Some(base) = env.get("SHOPIFY_API_BASE_URL") {
            b = b.base_url(base);
        }
        let config = b.build().map_err(|e| wiring_error(&what, e))?;
        summary.push(format!(
            "orders for {}: shopify ({})",
            m.merchant.id,
            config.shop()
        ));
        let source = ShopifyOrderSource::new(&config).map_err(|e| wiring_error(&what, e))?;
        routed.route(m.merchant.id.clone(), wrap_orders(source, clock));
        shops.insert(shop.shop.clone(), m.merchant.id.clone());
    }
    Ok((Arc::new(routed), shops))
}

/// Classification: OpenAI when configured; the keyword classifier is always the fallback.
fn classifier(
    env: &dyn Env,
    clock: &Arc<dyn Clock>,
    summary: &mut Vec<String>,
) -> Result<Arc<dyn IntentClassifier>, WiringError> {
    if env.get("OPENAI_API_KEY").is_none() {
        summary.push("intents: offline keyword classifier".into());
        return Ok(Arc::new(KeywordClassifier::new()));
    }
    let config = lumitalk_openai::OpenAiConfigBuilder::from_lookup(|k| env.get(k))
        .build()
        .map_err(|e| wiring_error("openai", e))?;
    let c = OpenAiClassifier::new(config).map_err(|e| wiring_error("openai", e))?;
    summary.push(format!("intents: openai ({})", c.config().model()));
    Ok(Arc::new(
        Retry::new(
            Timeout::new(c, Duration::from_millis(2500)).with_clock(clock.clone()),
            provider_retry(),
        )
        .with_clock(clock.clone()),
    ))
}

/// Speech: ElevenLabs when configured (the assistant caches its fixed
/// prompts), else the carrier's voice.
fn speech(
    env: &dyn Env,
    clock: &Arc<dyn Clock>,
    summary: &mut Vec<String>,
) -> Result<Option<Arc<dyn Speech>>, WiringError> {
    if env.get("ELEVENLABS_API_KEY").is_none() {
        summary.push("speech: carrier voice (<Say>)".into());
        return Ok(None);
    }
    let config = lumitalk_elevenlabs::ElevenLabsConfigBuilder::from_lookup(|k| env.get(k))
        .build()
        .map_err(|e| wiring_error("elevenlabs", e))?;
    summary.push(format!(
        "speech: elevenlabs ({}, voice {})",
        config.model_id(),
        config.voice_id()
    ));
    let inner = ElevenLabsSpeech::new(config).map_err(|e| wiring_error("elevenlabs", e))?;
    Ok(Some(Arc::new(
        Timeout::new(inner, Duration::from_millis(2500)).with_clock(clock.clone()),
    )))
}

/// Telephony: Twilio, verifying signatures when the auth token is set.
fn telephony(
    settings: &Settings,
    env: &dyn Env,
    summary: &mut Vec<String>,
) -> Result<TwilioTelephony, WiringError> {
    let config = lumitalk_twilio::TwilioConfigBuilder::from_lookup(|k| env.get(k))
        .public_url(settings.public_url.as_str().trim_end_matches('/'))
        .build()
        .map_err(|e| wiring_error("twilio", e))?;
    summary.push(format!(
        "speech recognition: {}",
        match config.speech_model() {
            Some(m) => format!(
                "twilio speechModel={m}, speechTimeout={}s",
                config.speech_timeout_secs()
            ),
            None => "twilio's choice (speechTimeout=auto)".to_string(),
        }
    ));
    if config.account_sid().is_none() {
        summary.push("call control (REST): off (set TWILIO_ACCOUNT_SID)".into());
    }
    if config.has_auth_token() {
        summary.push("telephony: twilio (signatures verified)".into());
        TwilioTelephony::new(config).map_err(|e| wiring_error("twilio", e))
    } else {
        summary.push(
            "telephony: twilio, DEMO MODE: unsigned webhooks accepted on loopback only \
             (set TWILIO_AUTH_TOKEN)"
                .into(),
        );
        TwilioTelephony::without_signature_checks(config).map_err(|e| wiring_error("twilio", e))
    }
}
