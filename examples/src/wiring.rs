//! Builds the assistant and the server state from [`Settings`]: each provider is
//! the real one when its key is set, else its demo implementation.

use std::sync::Arc;
use std::time::Duration;

use lumitalk_core::assistant::Assistant;
use lumitalk_core::memory::{
    DemoOrderStore, KeywordClassifier, MemoryAudioStore, MemorySessionStore,
};
use lumitalk_core::wrappers::{Retry, RetryPolicy, Timeout};
use lumitalk_core::{
    AudioFormat, AudioStore, CallRecordStore, Clock, IntentClassifier, MerchantDirectory,
    OrderSource, SessionStore, Speech, Telephony, TokioClock,
};
use lumitalk_elevenlabs::{CachedSpeech, ElevenLabsSpeech};
use lumitalk_openai::OpenAiClassifier;
use lumitalk_shopify::{ShopifyConfig, ShopifyOrderSource};
use lumitalk_sqlite::{SqliteCallRecordStore, SqliteConfig};
use lumitalk_twilio::TwilioTelephony;

use crate::metrics::Metrics;
use crate::privacy::retention_policy;
use crate::routed_orders::RoutedOrderSource;
use crate::server::{App, AppState, CacheCounters};
use crate::settings::{Env, ProcessEnv, Settings};

/// Bytes of synthesized audio held for the carrier to fetch.
pub const AUDIO_STORE_BYTES: usize = 64 * 1024 * 1024;
/// Bytes of shared (non-personal) speech kept in the speech cache.
pub const SPEECH_CACHE_BYTES: usize = 32 * 1024 * 1024;

/// The wired server state and a description of each provider for the start-up log.
#[derive(Debug)]
pub struct Wired {
    /// Handler state.
    pub state: AppState,
    /// One line per provider: which implementation is in use (never a secret).
    pub summary: Vec<String>,
    /// Whether carrier webhooks must be signed (false in demo mode).
    pub signatures_verified: bool,
    /// Whether a speech provider synthesizes audio (fixed prompts then get
    /// pre-warmed after the server binds, see [`crate::prewarm`]).
    pub speech_provider: bool,
}

/// Why the server could not be wired.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct WiringError(String);

impl<S> CacheCounters for CachedSpeech<S>
where
    S: Speech,
{
    fn hits_and_misses(&self) -> (u64, u64) {
        let s = self.stats();
        (s.hits + s.coalesced, s.misses)
    }
}

fn provider_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 2,
        max_elapsed: Duration::from_millis(2500),
        ..RetryPolicy::default()
    }
}

/// Wires everything from `settings` and the process environment.
pub async fn wire(settings: &Settings) -> Result<Wired, WiringError> {
    wire_with(settings, &ProcessEnv).await
}

/// Wires everything from `settings` and adapter variables read from `env`.
pub async fn wire_with(settings: &Settings, env: &dyn Env) -> Result<Wired, WiringError> {
    let lookup = |k: &str| env.get(k);
    let mut summary = Vec::new();
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new());

    // Call records: the embedded SQLite store.
    let records: Arc<dyn CallRecordStore> = Arc::new(
        SqliteCallRecordStore::open_with(
            &SqliteConfig::file(&settings.database).synchronous(settings.sqlite_synchronous),
        )
        .map_err(|e| {
            WiringError(format!(
                "LUMITALK_DATABASE: cannot open {}: {e}",
                settings.database.display()
            ))
        })?,
    );
    summary.push(format!(
        "call records: sqlite ({}, synchronous={:?})",
        settings.database.display(),
        settings.sqlite_synchronous
    ));

    // Orders: Shopify when configured, else the demo store; per-merchant shops route.
    let default_orders: Arc<dyn OrderSource> =
        if lookup("SHOPIFY_SHOP").is_some() || lookup("SHOPIFY_ACCESS_TOKEN").is_some() {
            let config = lumitalk_shopify::ShopifyConfigBuilder::from_lookup(|k| env.get(k))
                .build()
                .map_err(|e| WiringError(e.to_string()))?;
            summary.push(format!("orders: shopify ({})", config.shop()));
            wrap_orders(
                ShopifyOrderSource::new(&config).map_err(|e| WiringError(e.to_string()))?,
                &clock,
            )
        } else {
            summary.push("orders: demo store (20 built-in orders)".into());
            Arc::new(DemoOrderStore::demo())
        };
    let mut orders = RoutedOrderSource::new(default_orders);
    let mut shops = std::collections::HashMap::new();
    if let (Some(shop), Some(first)) = (lookup("SHOPIFY_SHOP"), settings.merchants.first()) {
        shops.insert(normalize_shop(&shop), first.merchant.id.clone());
    }
    for m in &settings.merchants {
        if let Some(shop) = &m.shopify {
            let mut b = ShopifyConfig::builder()
                .shop(shop.shop.clone())
                .access_token(shop.access_token.clone());
            if let Some(v) = &shop.api_version {
                b = b.api_version(v.clone());
            }
            if let Some(base) = lookup("SHOPIFY_API_BASE_URL") {
                b = b.base_url(base);
            }
            let config = b
                .build()
                .map_err(|e| WiringError(format!("merchant {}: {e}", m.merchant.id)))?;
            summary.push(format!(
                "orders for {}: shopify ({})",
                m.merchant.id,
                config.shop()
            ));
            let source = ShopifyOrderSource::new(&config)
                .map_err(|e| WiringError(format!("merchant {}: {e}", m.merchant.id)))?;
            orders.route(m.merchant.id.clone(), wrap_orders(source, &clock));
            shops.insert(normalize_shop(&shop.shop), m.merchant.id.clone());
        }
    }

    // Classification: OpenAI when configured; the keyword classifier is always the fallback.
    let classifier: Arc<dyn IntentClassifier> = if lookup("OPENAI_API_KEY").is_some() {
        let c = OpenAiClassifier::new(
            lumitalk_openai::OpenAiConfigBuilder::from_vars(|k| env.get(k))
                .build()
                .map_err(|e| WiringError(e.to_string()))?,
        )
        .map_err(|e| WiringError(e.to_string()))?;
        summary.push(format!("intents: openai ({})", c.config().model()));
        Arc::new(
            Retry::new(
                Timeout::new(c, Duration::from_millis(2500)),
                provider_retry(),
            )
            .with_clock(clock.clone()),
        )
    } else {
        summary.push("intents: offline keyword classifier".into());
        Arc::new(KeywordClassifier::new())
    };

    // Speech: ElevenLabs behind a cache when configured, else the carrier's voice.
    let mut speech_cache: Option<Arc<dyn CacheCounters>> = None;
    let speech: Option<Arc<dyn Speech>> = if lookup("ELEVENLABS_API_KEY").is_some() {
        let config = lumitalk_elevenlabs::ElevenLabsConfigBuilder::from_lookup(|k| env.get(k))
            .build()
            .map_err(|e| WiringError(e.to_string()))?;
        summary.push(format!(
            "speech: elevenlabs ({}, voice {})",
            config.model_id(),
            config.voice_id()
        ));
        let inner = ElevenLabsSpeech::new(config).map_err(|e| WiringError(e.to_string()))?;
        let fingerprint = inner.settings_fingerprint();
        let cached = Arc::new(
            CachedSpeech::new(
                Timeout::new(inner, Duration::from_millis(2500)),
                SPEECH_CACHE_BYTES,
            )
            .with_fingerprint(fingerprint),
        );
        speech_cache = Some(cached.clone());
        Some(cached)
    } else {
        summary.push("speech: carrier voice (<Say>)".into());
        None
    };

    // Telephony: Twilio, verifying signatures when the auth token is set.
    let twilio_config = lumitalk_twilio::TwilioConfigBuilder::from_lookup(|k| env.get(k))
        .public_url(settings.public_url.as_str().trim_end_matches('/'))
        .build()
        .map_err(|e| WiringError(e.to_string()))?;
    let signatures_verified = twilio_config.has_auth_token();
    summary.push(format!(
        "speech recognition: {}",
        match twilio_config.speech_model() {
            Some(m) => format!(
                "twilio speechModel={m}, speechTimeout={}s",
                twilio_config.speech_timeout_secs()
            ),
            None => "twilio's choice (speechTimeout=auto)".to_string(),
        }
    ));
    if twilio_config.account_sid().is_none() {
        summary.push("call control (REST): off (set TWILIO_ACCOUNT_SID)".into());
    }
    let telephony: Arc<dyn Telephony> = if signatures_verified {
        summary.push("telephony: twilio (signatures verified)".into());
        Arc::new(TwilioTelephony::new(twilio_config).map_err(|e| WiringError(e.to_string()))?)
    } else {
        summary.push(
            "telephony: twilio, DEMO MODE: unsigned webhooks accepted on loopback only \
             (set TWILIO_AUTH_TOKEN)"
                .into(),
        );
        Arc::new(
            TwilioTelephony::without_signature_checks(twilio_config)
                .map_err(|e| WiringError(e.to_string()))?,
        )
    };

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
    let retention = retention_policy(settings.retention, directory.iter());

    let mut builder = Assistant::builder(directory, Arc::new(orders))
        .classifier(classifier)
        .fallback_classifier(Arc::new(KeywordClassifier::new()))
        .sessions(sessions)
        .audio_store(audio.clone())
        .records(records.clone())
        .clock(clock.clone())
        .audio_format(AudioFormat::Mp3_22050_32);
    let speech_provider = speech.is_some();
    if let Some(s) = speech {
        builder = builder.speech(s);
    }
    let assistant = builder.build().map_err(|e| WiringError(e.to_string()))?;
    // Fixed prompts are pre-synthesized in the background once the server
    // listens (`crate::prewarm`): start-up never waits on the speech provider.
    summary.push(format!(
        "admin API: {}",
        if settings.admin_token.is_some() {
            "on"
        } else {
            "off (set LUMITALK_ADMIN_TOKEN)"
        }
    ));

    let state = Arc::new(App {
        assistant,
        telephony,
        public_url: settings.public_url.clone(),
        metrics: Arc::new(Metrics::default()),
        admin_token: settings.admin_token.clone(),
        shopify_secret: settings.shopify_api_secret.clone(),
        retention,
        audio,
        records,
        clock,
        speech_cache,
        shops,
    });
    Ok(Wired {
        state,
        summary,
        signatures_verified,
        speech_provider,
    })
}

fn wrap_orders<S: OrderSource>(source: S, clock: &Arc<dyn Clock>) -> Arc<dyn OrderSource> {
    Arc::new(
        Retry::new(
            Timeout::new(source, Duration::from_millis(2000)),
            provider_retry(),
        )
        .with_clock(clock.clone()),
    )
}

/// `acme`, `acme.myshopify.com` and `https://acme.myshopify.com/` all name one shop.
fn normalize_shop(shop: &str) -> String {
    let s = shop.trim().to_ascii_lowercase();
    let s = s
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    if s.contains('.') {
        s.to_string()
    } else {
        format!("{s}.myshopify.com")
    }
}
