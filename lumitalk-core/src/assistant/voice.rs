//! Turning the conversation's `Speak` actions into prompts: synthesized audio
//! stored for the carrier to fetch (`Play`), or the carrier's own voice (`Say`)
//! when there is no speech provider or it fails or is too slow.
//!
//! Fixed prompts (`Shared`) are synthesized once and their audio kept here;
//! each use stores a fresh copy in the audio store, so an evicted or expired id
//! never reaches the carrier. Personal text is synthesized every time and never
//! kept.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::{Instant, timeout_at};

use super::failure::{failure, timed_out};
use crate::conversation::Speak;
use crate::domain::{AudioId, Merchant};
use crate::provider::{Audio, AudioFormat, Cacheability, Speech, SpeechRequest};
use crate::reply::Prompt;
use crate::store::{AudioStore, ProviderFailure};

/// How long stored audio waits for the carrier.
const AUDIO_TTL: Duration = Duration::from_secs(15 * 60);
/// Most fixed prompts kept (every merchant's set fits many times over).
const CACHE_ENTRIES: usize = 4096;
/// Time allowed to store audio even when the turn's deadline has passed.
const STORE_FLOOR: Duration = Duration::from_millis(250);
/// Time allowed per prompt when pre-synthesizing.
const PREWARM_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    text: String,
    voice: Option<String>,
    language: String,
}

/// One spoken prompt and what it cost.
#[derive(Debug)]
pub(crate) struct Spoken {
    pub(crate) prompt: Prompt,
    pub(crate) audio: Option<AudioId>,
    pub(crate) failures: Vec<ProviderFailure>,
    /// Characters sent to the speech provider.
    pub(crate) synthesized_chars: u32,
    /// Whether synthesis was tried (and so whether it failed).
    pub(crate) tried: bool,
    pub(crate) ms: u32,
}

pub(crate) struct Voice {
    speech: Option<Arc<dyn Speech>>,
    format: AudioFormat,
    store: Arc<dyn AudioStore>,
    cache: Mutex<HashMap<Key, Audio>>,
}

impl fmt::Debug for Voice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Voice")
            .field("speech", &self.speech.as_ref().map(|s| s.name()))
            .field("format", &self.format)
            .field("cached_prompts", &self.cache().len())
            .finish()
    }
}

fn say(speak: &Speak, merchant: &Merchant) -> Prompt {
    Prompt::Say {
        text: speak.text.clone(),
        voice: merchant.voice.carrier_voice.clone(),
        language: merchant.language.clone(),
    }
}

impl Voice {
    pub(crate) fn new(
        speech: Option<Arc<dyn Speech>>,
        format: AudioFormat,
        store: Arc<dyn AudioStore>,
    ) -> Self {
        Voice {
            speech,
            format,
            store,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Audio>> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn key(text: &str, merchant: &Merchant) -> Key {
        Key {
            text: text.to_string(),
            voice: merchant.voice.tts_voice.clone(),
            language: merchant.language.as_str().to_string(),
        }
    }

    fn request(&self, speak: &Speak, merchant: &Merchant) -> SpeechRequest {
        SpeechRequest {
            text: speak.text.clone(),
            voice: merchant.voice.tts_voice.clone(),
            language: merchant.language.clone(),
            format: self.format,
            cacheability: speak.cacheability,
        }
    }

    /// The prompt for `speak`: audio when it can be had before `deadline`, else
    /// the carrier's voice.
    pub(crate) async fn render(
        &self,
        speak: &Speak,
        merchant: &Merchant,
        deadline: Instant,
        carrier_only: bool,
    ) -> Spoken {
        let started = Instant::now();
        let mut spoken = Spoken {
            prompt: say(speak, merchant),
            audio: None,
            failures: Vec::new(),
            synthesized_chars: 0,
            tried: false,
            ms: 0,
        };
        let Some(speech) = self.speech.as_ref().filter(|_| !carrier_only) else {
            return spoken;
        };
        let shared = speak.cacheability == Cacheability::Shared;
        let cached = if shared {
            self.cache().get(&Self::key(&speak.text, merchant)).cloned()
        } else {
            None
        };
        let audio = match cached {
            Some(audio) => audio,
            None => {
                spoken.tried = true;
                let request = self.request(speak, merchant);
                let result = timeout_at(deadline, speech.synthesize(&request)).await;
                spoken.ms = started.elapsed().as_millis().min(u32::MAX as u128) as u32;
                match result {
                    Ok(Ok(audio)) => {
                        spoken.synthesized_chars = speak.text.chars().count() as u32;
                        if shared {
                            let mut cache = self.cache();
                            if cache.len() < CACHE_ENTRIES {
                                cache.insert(Self::key(&speak.text, merchant), audio.clone());
                            }
                        }
                        audio
                    }
                    Ok(Err(e)) => {
                        spoken.failures.push(failure(&e));
                        return spoken;
                    }
                    Err(_) => {
                        spoken.failures.push(timed_out(speech.name()));
                        return spoken;
                    }
                }
            }
        };
        let until = deadline.max(Instant::now() + STORE_FLOOR);
        match timeout_at(until, self.store.put(audio, AUDIO_TTL)).await {
            Ok(Ok(id)) => {
                spoken.prompt = Prompt::Play {
                    audio: id.clone(),
                    text: speak.text.clone(),
                };
                spoken.audio = Some(id);
            }
            Ok(Err(e)) => spoken.failures.push(failure(&e)),
            Err(_) => spoken.failures.push(timed_out(self.store.name())),
        }
        spoken
    }

    /// Synthesizes fixed prompts ahead of calls; returns how many are now cached.
    pub(crate) async fn prewarm(&self, merchant: &Merchant, texts: Vec<String>) -> usize {
        let Some(speech) = self.speech.as_ref() else {
            return 0;
        };
        let mut ready = 0;
        for text in texts {
            let key = Self::key(&text, merchant);
            if self.cache().contains_key(&key) {
                ready += 1;
                continue;
            }
            let speak = Speak {
                text,
                cacheability: Cacheability::Shared,
            };
            let request = self.request(&speak, merchant);
            if let Ok(Ok(audio)) =
                tokio::time::timeout(PREWARM_TIMEOUT, speech.synthesize(&request)).await
            {
                let mut cache = self.cache();
                if cache.len() < CACHE_ENTRIES {
                    cache.insert(key, audio);
                    ready += 1;
                }
            }
        }
        ready
    }
}
