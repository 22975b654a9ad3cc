//! A test harness: the standard deployment's server in-process on an ephemeral port, and a
//! caller that speaks Twilio's wire protocol (signed form posts, following the
//! returned TwiML as Twilio would).

#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use lumitalk_axum::Settings;
use lumitalk_axum::wiring::Deployment;
use secrecy::SecretString;

pub const AUTH_TOKEN: &str = "test-auth-token-12345";
pub const ADMIN_TOKEN: &str = "admin-token-0123456789";
pub const SHOPIFY_SECRET: &str = "shopify-app-secret";

pub struct TestServer {
    /// Where the server listens (`http://127.0.0.1:port`).
    pub base: String,
    /// `LUMITALK_PUBLIC_URL`: `base`, or `base` + a path prefix.
    pub public: String,
    /// Whether the (simulated) proxy in front keeps the public path prefix.
    pub pass_prefix_through: bool,
    pub client: reqwest::Client,
    pub db: std::path::PathBuf,
}

static SEQ: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}

impl TestServer {
    /// Starts a server with the given extra environment (signature checks on).
    pub async fn start(extra: &[(&str, String)]) -> TestServer {
        Self::start_behind_proxy("", false, extra).await
    }

    /// Starts a server whose public URL is its address + `prefix` (e.g. `/lt`), as
    /// behind a reverse proxy that strips the prefix, or passes it through.
    pub async fn start_behind_proxy(
        prefix: &str,
        pass_prefix_through: bool,
        extra: &[(&str, String)],
    ) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base = format!("http://{addr}");
        let public = format!("{base}{prefix}");
        let db = std::env::temp_dir().join(format!("{}.db", unique("lumitalk-test")));
        let mut env: HashMap<String, String> = HashMap::new();
        env.insert("LUMITALK_ADDR".into(), addr.to_string());
        env.insert("LUMITALK_PUBLIC_URL".into(), public.clone());
        env.insert("LUMITALK_DATABASE".into(), db.display().to_string());
        env.insert("LUMITALK_ADMIN_TOKEN".into(), ADMIN_TOKEN.into());
        env.insert("LUMITALK_ESCALATION_NUMBER".into(), "+14155550100".into());
        env.insert("TWILIO_AUTH_TOKEN".into(), AUTH_TOKEN.into());
        env.insert("TWILIO_ACCOUNT_SID".into(), format!("AC{}", "0".repeat(32)));
        env.insert("SHOPIFY_API_SECRET".into(), SHOPIFY_SECRET.into());
        for (k, v) in extra {
            env.insert(k.to_string(), v.clone());
        }
        let settings = Settings::from_source(&env).expect("settings");
        let deployment = Deployment::from_settings_and(&settings, &env).expect("wiring");
        let app = deployment.lumitalk.router::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        TestServer {
            base,
            public,
            pass_prefix_through,
            client: reqwest::Client::new(),
            db,
        }
    }

    /// Serves a server the test builds itself through the library (its own
    /// stores, to inspect or fail on purpose): `build` gets the base URL
    /// (`http://127.0.0.1:port`), which is also the public URL.
    pub async fn serve(build: impl FnOnce(&str) -> lumitalk_axum::LumiTalk) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = build(&base).router::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        TestServer {
            public: base.clone(),
            base,
            pass_prefix_through: false,
            client: reqwest::Client::new(),
            // No database: nothing to remove on drop.
            db: std::env::temp_dir().join(unique("lumitalk-test-none")),
        }
    }

    /// The URL the server sees for a public URL (what the proxy forwards to).
    pub fn local(&self, public_url: &str) -> String {
        let route = public_url.strip_prefix(&self.public).unwrap_or(public_url);
        if self.pass_prefix_through {
            format!("{}{route}", self.public)
        } else {
            format!("{}{route}", self.base)
        }
    }

    /// The Prometheus text of `/metrics`.
    pub async fn metrics(&self) -> String {
        let response = self.client.get(format!("{}/metrics", self.base)).send();
        response.await.unwrap().text().await.unwrap()
    }

    /// Posts a form signed as Twilio would sign it: over the public URL of the
    /// route (`/twilio/voice?...`), delivered through the proxy.
    pub async fn post_signed(
        &self,
        path_and_query: &str,
        params: &[(String, String)],
    ) -> (u16, String) {
        let public_url = format!("{}{}", self.public, path_and_query);
        let sig = lumitalk_twilio::sign(&public_url, params, &SecretString::from(AUTH_TOKEN));
        let resp = self
            .client
            .post(self.local(&public_url))
            .header("X-Twilio-Signature", sig)
            .form(params)
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    }

    pub async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
    ) -> (u16, String) {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", self.db.display()));
        }
    }
}

/// What the caller does at a listen.
#[derive(Debug, Clone)]
pub enum Say {
    Speech(&'static str),
    Keys(&'static str),
    Silence,
}

/// How a followed call ended.
#[derive(Debug, Default)]
pub struct CallTrace {
    /// The call's `CallSid`.
    pub call_sid: String,
    /// Everything the caller heard, turn by turn.
    pub heard: Vec<String>,
    /// Every `<Play>` URL, in order.
    pub played: Vec<String>,
    pub transferred_to: Option<String>,
    pub hung_up: bool,
    pub statuses: Vec<u16>,
    /// Times the caller was asked to hold on (a bare `<Redirect>` followed).
    pub holds: u32,
}

impl CallTrace {
    pub fn all_heard(&self) -> String {
        self.heard.join("\n")
    }
}

/// Text of every `<Say>` in a TwiML document, unescaped.
pub fn says(twiml: &str) -> String {
    let mut out = Vec::new();
    let mut rest = twiml;
    while let Some(start) = rest.find("<Say") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let body = &after[open_end + 1..];
        let Some(close) = body.find("</Say>") else {
            break;
        };
        out.push(unescape(&body[..close]));
        rest = &body[close..];
    }
    out.join(" ")
}

pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The value of `attr` on the first `<tag` element.
pub fn attr(twiml: &str, tag: &str, attr: &str) -> Option<String> {
    let start = twiml.find(&format!("<{tag}"))?;
    let el = &twiml[start..start + twiml[start..].find('>')?];
    let key = format!(" {attr}=\"");
    let v = el.find(&key)? + key.len();
    let end = el[v..].find('"')?;
    Some(unescape(&el[v..v + end]))
}

/// The text of every `<tag>...</tag>`.
pub fn texts(twiml: &str, tag: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = twiml;
    while let Some(t) = text(rest, tag) {
        out.push(t);
        let close = format!("</{tag}>");
        match rest.find(&close) {
            Some(i) => rest = &rest[i + close.len()..],
            None => break,
        }
    }
    out
}

/// The text of the first `<tag>...</tag>`.
pub fn text(twiml: &str, tag: &str) -> Option<String> {
    let start = twiml.find(&format!("<{tag}"))?;
    let body_start = start + twiml[start..].find('>')? + 1;
    let end = body_start + twiml[body_start..].find(&format!("</{tag}>"))?;
    Some(unescape(&twiml[body_start..end]))
}

/// The route of a public URL from the TwiML (`{public}/twilio/gather` → `/twilio/gather`).
fn path_of(server: &TestServer, url: &str) -> String {
    assert!(
        url.starts_with(&server.public),
        "TwiML URL {url} is not under the public URL {}",
        server.public
    );
    url.strip_prefix(&server.public).unwrap_or(url).to_string()
}

pub fn base_params(call_sid: &str, from: &str) -> Vec<(String, String)> {
    vec![
        ("AccountSid".into(), format!("AC{}", "0".repeat(32))),
        ("ApiVersion".into(), "2010-04-01".into()),
        ("CallSid".into(), call_sid.into()),
        ("CallStatus".into(), "in-progress".into()),
        ("Direction".into(), "inbound".into()),
        ("From".into(), from.into()),
        ("To".into(), "+14155550100".into()),
        ("Caller".into(), from.into()),
        ("Called".into(), "+14155550100".into()),
    ]
}

/// Plays a whole call as Twilio would: posts the incoming call, then for each
/// returned document answers its `<Gather>` with the next scripted input (or
/// posts the `<Dial>` result), until a hang-up, a transfer that is answered,
/// or the script runs out (the caller then hangs up).
pub async fn follow_call(
    server: &TestServer,
    from: &str,
    script: &[Say],
    dial_status: &str,
) -> CallTrace {
    follow_call_attested(server, from, None, script, dial_status).await
}

/// A new `CallSid`.
pub fn new_call_sid() -> String {
    format!("CA{:032x}", SEQ.fetch_add(1, Ordering::Relaxed) + 0xabc000)
}

/// [`follow_call`] with the SHAKEN/STIR result Twilio sends on the incoming
/// call (`StirVerstat`, e.g. `TN-Validation-Passed-A`).
pub async fn follow_call_attested(
    server: &TestServer,
    from: &str,
    stir_verstat: Option<&str>,
    script: &[Say],
    dial_status: &str,
) -> CallTrace {
    let call_sid = new_call_sid();
    let mut trace = CallTrace {
        call_sid: call_sid.clone(),
        ..CallTrace::default()
    };
    let mut params = base_params(&call_sid, from);
    if let Some(v) = stir_verstat {
        params.push(("StirVerstat".into(), v.into()));
    }
    let (status, mut twiml) = server.post_signed("/twilio/voice", &params).await;
    trace.statuses.push(status);
    let mut script = script.iter();
    for _ in 0..40 {
        trace.heard.push(says(&twiml));
        trace.played.extend(texts(&twiml, "Play"));
        if twiml.contains("<Hangup") {
            trace.hung_up = true;
            break;
        }
        if let Some(number) = text(&twiml, "Number") {
            trace.transferred_to = Some(number);
            let action = attr(&twiml, "Dial", "action").expect("Dial has an action");
            let mut p = base_params(&call_sid, from);
            p.push(("DialCallStatus".into(), dial_status.into()));
            let (status, next) = server.post_signed(&path_of(server, &action), &p).await;
            trace.statuses.push(status);
            if dial_status == "completed" || dial_status == "answered" {
                break;
            }
            twiml = next;
            continue;
        }
        // A hold: Twilio follows a bare `<Redirect>` at once, with the call's
        // parameters and no caller input.
        if !twiml.contains("<Gather")
            && let Some(back) = text(&twiml, "Redirect")
        {
            trace.holds += 1;
            let p = base_params(&call_sid, from);
            let (status, next) = server.post_signed(&path_of(server, &back), &p).await;
            trace.statuses.push(status);
            twiml = next;
            continue;
        }
        let Some(action) = attr(&twiml, "Gather", "action") else {
            break;
        };
        let mut p = base_params(&call_sid, from);
        match script.next() {
            Some(Say::Speech(s)) => {
                p.push(("SpeechResult".into(), (*s).into()));
                p.push(("Confidence".into(), "0.93".into()));
            }
            Some(Say::Keys(k)) => {
                p.push(("Digits".into(), (*k).into()));
                p.push(("FinishedOnKey".into(), "#".into()));
            }
            Some(Say::Silence) => {}
            None => {
                let mut p = base_params(&call_sid, from);
                p.retain(|(k, _)| k != "CallStatus");
                p.push(("CallStatus".into(), "completed".into()));
                let (status, _) = server.post_signed("/twilio/status", &p).await;
                trace.statuses.push(status);
                break;
            }
        }
        let (status, next) = server.post_signed(&path_of(server, &action), &p).await;
        trace.statuses.push(status);
        twiml = next;
    }
    trace
}
