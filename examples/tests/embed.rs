//! The embed example as its user meets it: the shop's own routes next to
//! LumiTalk's under `/lumitalk`, signed webhooks, audio, and the admin API on a
//! second listener.

use std::sync::Arc;

use async_trait::async_trait;
use lumitalk_axum::secrecy::SecretString;
use lumitalk_core::{Audio, Speech, SpeechError, SpeechRequest};
use lumitalk_examples::embed::{self, HashMapOrders, ShopConfig};

const TOKEN: &str = "embed-test-auth-token";
const ADMIN: &str = "embed-admin-token-0123";
const AUDIO: &[u8] = b"ID3-fake-mp3-audio";

/// Speech that always answers with the same bytes.
#[derive(Debug)]
struct FixedAudio;

#[async_trait]
impl Speech for FixedAudio {
    fn name(&self) -> &'static str {
        "fixed"
    }
    async fn synthesize(&self, request: &SpeechRequest) -> Result<Audio, SpeechError> {
        Ok(Audio {
            bytes: AUDIO.to_vec().into(),
            format: request.format,
        })
    }
}

struct Shop {
    public: String,
    internal: String,
    http: reqwest::Client,
}

async fn serve(app: lumitalk_axum::axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { lumitalk_axum::axum::serve(listener, app).await });
    format!("http://{addr}")
}

async fn shop(speech: bool) -> Shop {
    // The public URL must be known before binding: reserve the port first.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let public = format!("http://{}", listener.local_addr().unwrap());
    let config = ShopConfig {
        public_url: public.clone(),
        twilio_auth_token: SecretString::from(TOKEN),
        admin_token: SecretString::from(ADMIN),
        speech: speech.then(|| Arc::new(FixedAudio) as Arc<dyn Speech>),
    };
    let orders = HashMapOrders::new(lumitalk_core::memory::demo_orders().iter().cloned());
    let lumitalk = embed::lumitalk(config, orders).unwrap();
    let app = embed::public_app(&lumitalk);
    tokio::spawn(async move { lumitalk_axum::axum::serve(listener, app).await });
    let internal = serve(embed::internal_app(&lumitalk)).await;
    Shop {
        public,
        internal,
        http: reqwest::Client::new(),
    }
}

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

impl Shop {
    async fn post(
        &self,
        path: &str,
        params: &[(String, String)],
        signature: &str,
    ) -> (u16, String) {
        let resp = self
            .http
            .post(format!("{}{path}", self.public))
            .header("X-Twilio-Signature", signature)
            .form(params)
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    }

    async fn post_signed(&self, path: &str, params: &[(String, String)]) -> (u16, String) {
        let url = format!("{}{path}", self.public);
        let sig = lumitalk_twilio::sign(&url, params, &SecretString::from(TOKEN));
        self.post(path, params, &sig).await
    }
}

fn call(sid: &str) -> Vec<(String, String)> {
    form(&[
        ("CallSid", sid),
        ("From", "+14155550123"),
        ("To", "+14155550100"),
    ])
}

#[tokio::test]
async fn the_shops_own_routes_still_answer() {
    let shop = shop(false).await;
    let home = shop.http.get(&shop.public).send().await.unwrap();
    assert_eq!(home.text().await.unwrap(), "Welcome to My Shop");
    let products = shop
        .http
        .get(format!("{}/api/products", shop.public))
        .send()
        .await
        .unwrap();
    assert_eq!(products.status(), 200);
    let health = shop
        .http
        .get(format!("{}/readyz", shop.public))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn a_signed_webhook_gets_twiml_and_a_forged_one_403() {
    let shop = shop(false).await;
    let (status, twiml) = shop
        .post_signed("/lumitalk/twilio/voice", &call("CAembed01"))
        .await;
    assert_eq!(status, 200, "{twiml}");
    assert!(twiml.starts_with("<?xml"), "{twiml}");
    assert!(twiml.contains("Thanks for calling My Shop"), "{twiml}");
    // Action URLs point back under the mount point.
    assert!(
        twiml.contains(&format!("{}/lumitalk/twilio/gather", shop.public)),
        "{twiml}"
    );

    let (status, _) = shop
        .post("/lumitalk/twilio/voice", &call("CAembed02"), "Zm9yZ2Vk")
        .await;
    assert_eq!(status, 403);
    // Signed for another URL (the route without the mount point): refused too.
    let sig = lumitalk_twilio::sign(
        &format!("{}/twilio/voice", shop.public),
        &call("CAembed03"),
        &SecretString::from(TOKEN),
    );
    let (status, _) = shop
        .post("/lumitalk/twilio/voice", &call("CAembed03"), &sig)
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn synthesized_audio_is_served_under_the_mount_point() {
    let shop = shop(true).await;
    let (status, twiml) = shop
        .post_signed("/lumitalk/twilio/voice", &call("CAembed10"))
        .await;
    assert_eq!(status, 200, "{twiml}");
    let start = twiml.find("<Play>").expect("synthesized audio is played") + "<Play>".len();
    let end = twiml[start..].find("</Play>").unwrap() + start;
    let url = &twiml[start..end];
    assert!(
        url.starts_with(&format!("{}/lumitalk/audio/", shop.public)),
        "{url}"
    );
    let audio = shop.http.get(url).send().await.unwrap();
    assert_eq!(audio.status(), 200);
    assert_eq!(audio.headers()["content-type"], "audio/mpeg");
    assert_eq!(&audio.bytes().await.unwrap()[..], AUDIO);
    let missing = shop
        .http
        .get(format!("{}/lumitalk/audio/{}", shop.public, "0".repeat(32)))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn the_admin_api_is_on_the_internal_listener_only() {
    let shop = shop(false).await;
    shop.post_signed("/lumitalk/twilio/voice", &call("CAembed20"))
        .await;
    let export = |base: &str, token: Option<&str>| {
        let mut req = shop
            .http
            .get(format!("{base}/admin/callers/%2B14155550123"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let public = export(&shop.public, Some(ADMIN)).await.unwrap();
    assert_eq!(
        public.status(),
        404,
        "admin routes are not on the public app"
    );
    let anonymous = export(&shop.internal, None).await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let wrong = export(&shop.internal, Some("not-the-admin-token"))
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let ok = export(&shop.internal, Some(ADMIN)).await.unwrap();
    assert_eq!(ok.status(), 200);
    let doc: serde_json::Value = ok.json().await.unwrap();
    assert_eq!(doc["caller"], "+14155550123");
    assert_eq!(doc["record_count"], 1, "{doc}");
}
