//! Rendering core's [`Reply`] (and a few standalone documents) as TwiML.
//!
//! Shapes follow Twilio's official libraries: an XML prolog, a `<Response>` root,
//! attributes in alphabetical order, empty elements as `<Hangup />`. Every text
//! node and attribute value is escaped, so text that came from a caller ("did you
//! say …?") can never inject elements. Characters XML 1.0 cannot carry at all
//! (most ASCII control characters) are dropped.
//!
//! Serve it with `Content-Type: text/xml` ([`CONTENT_TYPE`]). TwiML sent inline
//! through the REST API (`Twiml=`) may be at most [`MAX_REST_TWIML_CHARS`]
//! characters (Twilio error 32018); [`TwilioClient::update_call`](crate::TwilioClient)
//! refuses longer documents before sending.
//!
//! A listening turn renders as:
//!
//! ```xml
//! <Gather action="{public}/twilio/gather" actionOnEmptyResult="true" finishOnKey="#"
//!         hints="…" input="speech dtmf" language="en-US" method="POST"
//!         speechTimeout="auto" timeout="5">
//!   <Say …>prompt</Say>
//! </Gather>
//! <Redirect method="POST">{public}/twilio/gather</Redirect>
//! ```
//!
//! The prompts sit inside `<Gather>` so the caller can barge in;
//! `actionOnEmptyResult` makes silence reach the gather route too, and the
//! `<Redirect>` is a safety net should Twilio fall through anyway (it reaches the
//! same route without input, i.e. as [`NoInput`](lumitalk_core::CallEventKind)).
//!
//! By default no `speechModel` is sent: Twilio then picks the speech recognizer
//! (with failover between providers) and `speechTimeout="auto"` ends the turn on a
//! natural pause. `auto` cannot be combined with `speechModel` (Twilio warning
//! 13335: "use a positive integer for speechTimeout whenever you set
//! speechModel"), so when a model is configured
//! ([`TwilioConfigBuilder::speech_model`](crate::TwilioConfigBuilder::speech_model),
//! `TWILIO_SPEECH_MODEL`) the renderer writes `speechModel="…"` with an integer
//! `speechTimeout` ([`TwilioConfigBuilder::speech_timeout_secs`](crate::TwilioConfigBuilder::speech_timeout_secs),
//! default 2 seconds).

use lumitalk_core::{ListenSpec, Next, Prompt, Reply, TransferSpec};

use crate::config::TwilioConfig;

/// The content type to answer Twilio with.
pub const CONTENT_TYPE: &str = "text/xml";

/// The longest TwiML document the REST API accepts inline (error 32018).
pub const MAX_REST_TWIML_CHARS: usize = 4000;

const PROLOG: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

/// Renders replies for one deployment (its public URLs and speech settings).
#[derive(Debug, Clone)]
pub struct TwimlRenderer {
    config: TwilioConfig,
}

impl TwimlRenderer {
    /// A renderer using `config`'s public URL, routes and speech model.
    pub fn new(config: TwilioConfig) -> Self {
        TwimlRenderer { config }
    }

    /// The full TwiML document for a reply.
    pub fn render(&self, reply: &Reply) -> String {
        self.render_numbered(reply, None)
    }

    /// The full TwiML document for the call's reply number `turn`: its
    /// `<Gather>` and `<Dial>` callback URLs carry `turn=N` in their query (so
    /// it is signed with them) and [`turn_of`] reads it back.
    pub fn render_turn(&self, reply: &Reply, turn: u32) -> String {
        self.render_numbered(reply, Some(turn))
    }

    fn render_numbered(&self, reply: &Reply, turn: Option<u32>) -> String {
        let prompts: Vec<El> = reply.prompts.iter().map(|p| self.prompt(p)).collect();
        let mut verbs = Vec::new();
        match &reply.next {
            Next::Listen(spec) => {
                let action = numbered(self.config.gather_url(), turn);
                verbs.push(self.gather(spec, prompts, &action));
                verbs.push(redirect_el(&action));
            }
            Next::Transfer(spec) => {
                verbs.extend(prompts);
                verbs.push(self.dial(spec, &numbered(self.config.dial_url(), turn)));
            }
            Next::HangUp => {
                verbs.extend(prompts);
                verbs.push(El::new("Hangup"));
            }
            Next::Continue => {
                verbs.extend(prompts);
                let back = numbered(self.config.gather_url(), turn);
                verbs.push(redirect_el(&with_param(back, RESUME_PARAM, "1")));
            }
        }
        document(&verbs)
    }

    fn prompt(&self, prompt: &Prompt) -> El {
        match prompt {
            Prompt::Say {
                text,
                voice,
                language,
            } => El::new("Say")
                .attr("language", language.as_str())
                .opt_attr("voice", voice.as_deref())
                .text(text),
            Prompt::Play { audio, .. } => El::new("Play").text(&self.config.audio_url(audio)),
            Prompt::Pause { seconds } => El::new("Pause").attr("length", seconds.to_string()),
        }
    }

    fn gather(&self, spec: &ListenSpec, prompts: Vec<El>, action: &str) -> El {
        let input = match (spec.speech, spec.keypad) {
            (true, false) => "speech",
            (false, true) => "dtmf",
            // Listening for nothing makes no sense; listen for everything.
            _ => "speech dtmf",
        };
        let speech = spec.speech || !spec.keypad;
        let keypad = spec.keypad || !spec.speech;
        let mut el = El::new("Gather")
            .attr("input", input)
            .attr("action", action)
            .attr("method", "POST")
            .attr("timeout", spec.timeout_secs.max(1).to_string())
            .attr("language", spec.language.as_str())
            .attr("actionOnEmptyResult", "true");
        if speech {
            // Never `auto` together with a model (warning 13335).
            el = el
                .attr("speechTimeout", self.config.speech_timeout())
                .opt_attr("speechModel", self.config.speech_model());
            if !spec.hints.is_empty() {
                el = el.attr("hints", spec.hints.join(", "));
            }
        }
        if keypad {
            // No finishing key: `''` disables Twilio's default `#`.
            el = el.attr(
                "finishOnKey",
                spec.finish_on_key.map(String::from).unwrap_or_default(),
            );
            if let Some(n) = spec.num_digits.filter(|n| *n > 0) {
                el = el.attr("numDigits", n.to_string());
            }
        }
        el.children(prompts)
    }

    fn dial(&self, spec: &TransferSpec, action: &str) -> El {
        El::new("Dial")
            .attr("action", action)
            .attr("method", "POST")
            .attr("timeout", spec.timeout_secs.max(1).to_string())
            .opt_attr("callerId", spec.caller_id.as_ref().map(|p| p.as_e164()))
            .children(vec![El::new("Number").text(spec.to.as_e164())])
    }
}

/// The query parameter of a callback URL that names the reply it answers.
pub const TURN_PARAM: &str = "turn";

/// The query parameter that marks the gather URL a `<Redirect>` comes back to
/// after a hold ([`Next::Continue`]): such a callback is a
/// [`CallEventKind::Resumed`](lumitalk_core::CallEventKind::Resumed), not a
/// silence.
pub const RESUME_PARAM: &str = "resume";

/// Whether a callback URL comes back from a hold (see [`RESUME_PARAM`]).
pub fn is_resume(url: &url::Url) -> bool {
    url.query_pairs()
        .any(|(k, v)| k == RESUME_PARAM && v == "1")
}

/// `url` with `turn=N` added to its query.
fn numbered(url: String, turn: Option<u32>) -> String {
    match turn {
        None => url,
        Some(n) => with_param(url, TURN_PARAM, &n.to_string()),
    }
}

/// `url` with `name=value` added to its query (both plain ASCII).
fn with_param(url: String, name: &str, value: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{name}={value}")
}

/// The reply number a callback URL carries (see
/// [`TwimlRenderer::render_turn`]); `None` when it carries none or an
/// unreadable one.
pub fn turn_of(url: &url::Url) -> Option<u32> {
    url.query_pairs()
        .find(|(k, _)| k == TURN_PARAM)
        .and_then(|(_, v)| v.parse().ok())
}

/// A document that redirects the call to `url` (method POST).
pub fn redirect(url: &str) -> String {
    document(&[redirect_el(url)])
}

/// A document that ends the call.
pub fn hangup() -> String {
    document(&[El::new("Hangup")])
}

/// A document that connects the call to a bidirectional Media Stream at `url`
/// (`wss://…`), passing `parameters` as `<Parameter name value/>` (they arrive in
/// the stream's `start.customParameters`; the stream URL itself must not carry a
/// query string). TwiML after `<Connect>` runs only once the server closes the
/// WebSocket.
pub fn connect_stream(url: &str, parameters: &[(String, String)]) -> String {
    let params = parameters
        .iter()
        .map(|(k, v)| {
            El::new("Parameter")
                .attr("name", k.as_str())
                .attr("value", v.as_str())
        })
        .collect();
    let stream = El::new("Stream").attr("url", url).children(params);
    document(&[El::new("Connect").children(vec![stream])])
}

fn redirect_el(url: &str) -> El {
    El::new("Redirect").attr("method", "POST").text(url)
}

fn document(verbs: &[El]) -> String {
    let mut out = String::with_capacity(256);
    out.push_str(PROLOG);
    out.push_str("<Response>");
    for v in verbs {
        v.write(&mut out);
    }
    out.push_str("</Response>");
    out
}

/// A TwiML element: a name, attributes and either text or child elements.
#[derive(Debug, Clone)]
struct El {
    name: &'static str,
    attrs: Vec<(&'static str, String)>,
    body: Body,
}

#[derive(Debug, Clone)]
enum Body {
    Empty,
    Text(String),
    Children(Vec<El>),
}

impl El {
    fn new(name: &'static str) -> Self {
        El {
            name,
            attrs: Vec::new(),
            body: Body::Empty,
        }
    }

    fn attr(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.attrs.push((name, value.into()));
        self
    }

    fn opt_attr(self, name: &'static str, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.attr(name, v),
            None => self,
        }
    }

    fn text(mut self, text: &str) -> Self {
        self.body = Body::Text(text.to_string());
        self
    }

    fn children(mut self, children: Vec<El>) -> Self {
        self.body = if children.is_empty() {
            Body::Empty
        } else {
            Body::Children(children)
        };
        self
    }

    fn write(&self, out: &mut String) {
        out.push('<');
        out.push_str(self.name);
        let mut attrs: Vec<&(&str, String)> = self.attrs.iter().collect();
        attrs.sort_by_key(|(k, _)| *k);
        for (k, v) in attrs {
            out.push(' ');
            out.push_str(k);
            out.push_str("=\"");
            escape_into(out, v, true);
            out.push('"');
        }
        match &self.body {
            Body::Empty => out.push_str(" />"),
            Body::Text(t) => {
                out.push('>');
                escape_into(out, t, false);
                self.close(out);
            }
            Body::Children(children) => {
                out.push('>');
                for c in children {
                    c.write(out);
                }
                self.close(out);
            }
        }
    }

    fn close(&self, out: &mut String) {
        out.push_str("</");
        out.push_str(self.name);
        out.push('>');
    }
}

/// Escapes text for an XML text node (`attribute == false`) or a double-quoted
/// attribute value. Characters XML 1.0 forbids are dropped; `\r` (and in
/// attributes `\t`, `\n`) become character references so parsers do not
/// normalise them away.
pub fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text, attribute);
    out
}

fn escape_into(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
}

/// XML 1.0 `Char`: tab, LF, CR, and everything from U+0020 except U+FFFE/U+FFFF
/// (Rust strings hold no surrogates).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= '\u{20}' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use lumitalk_core::{AudioId, ExpectedEntity, Language, PhoneNumber};
    use proptest::prelude::*;
    use quick_xml::Reader;
    use quick_xml::events::Event;

    fn renderer() -> TwimlRenderer {
        TwimlRenderer::new(
            TwilioConfig::builder()
                .public_url("https://bot.example.com")
                .build()
                .unwrap(),
        )
    }

    fn say(text: &str) -> Prompt {
        Prompt::Say {
            text: text.into(),
            voice: Some("Polly.Joanna-Neural".into()),
            language: Language::en_us(),
        }
    }

    fn listen() -> ListenSpec {
        ListenSpec {
            speech: true,
            keypad: true,
            timeout_secs: 5,
            finish_on_key: Some('#'),
            num_digits: Some(6),
            hints: vec!["order number".into(), "tracking".into()],
            language: Language::en_us(),
            expected: ExpectedEntity::OrderNumber,
        }
    }

    const P: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

    #[test]
    fn golden_say_in_gather_with_redirect() {
        let reply = Reply {
            prompts: vec![say("Please say or key in your order number.")],
            next: Next::Listen(listen()),
        };
        let want = format!(
            "{P}<Response><Gather action=\"https://bot.example.com/twilio/gather\" \
             actionOnEmptyResult=\"true\" finishOnKey=\"#\" hints=\"order number, tracking\" \
             input=\"speech dtmf\" language=\"en-US\" method=\"POST\" numDigits=\"6\" \
             speechTimeout=\"auto\" timeout=\"5\">\
             <Say language=\"en-US\" voice=\"Polly.Joanna-Neural\">Please say or key in your order number.</Say>\
             </Gather><Redirect method=\"POST\">https://bot.example.com/twilio/gather</Redirect></Response>"
        );
        assert_eq!(renderer().render(&reply), want);
    }

    #[test]
    fn golden_continue_says_then_redirects_back_as_a_resume() {
        let reply = Reply {
            prompts: vec![say("One moment while I look that up.")],
            next: Next::Continue,
        };
        let want = format!(
            "{P}<Response><Say language=\"en-US\" voice=\"Polly.Joanna-Neural\">One moment while I look that up.</Say>\
             <Redirect method=\"POST\">https://bot.example.com/twilio/gather?turn=4&amp;resume=1</Redirect></Response>"
        );
        assert_eq!(renderer().render_turn(&reply, 4), want);
        let url = url::Url::parse("https://bot.example.com/twilio/gather?turn=4&resume=1").unwrap();
        assert!(is_resume(&url));
        assert_eq!(turn_of(&url), Some(4));
        assert!(!is_resume(
            &url::Url::parse("https://bot.example.com/twilio/gather?turn=4").unwrap()
        ));
    }

    #[test]
    fn golden_speech_only_gather_omits_keypad_attributes() {
        let spec = ListenSpec {
            keypad: false,
            hints: vec![],
            ..listen()
        };
        let out = renderer().render(&Reply {
            prompts: vec![],
            next: Next::Listen(spec),
        });
        assert!(out.contains("<Gather action=\"https://bot.example.com/twilio/gather\" actionOnEmptyResult=\"true\" input=\"speech\" language=\"en-US\" method=\"POST\" speechTimeout=\"auto\" timeout=\"5\" />"), "{out}");
        let spec = ListenSpec {
            speech: false,
            finish_on_key: None,
            num_digits: None,
            ..listen()
        };
        let out = renderer().render(&Reply {
            prompts: vec![],
            next: Next::Listen(spec),
        });
        assert!(out.contains("finishOnKey=\"\" input=\"dtmf\""), "{out}");
        assert!(!out.contains("speech"), "{out}");
    }

    #[test]
    fn golden_gather_with_speech_model_uses_an_integer_speech_timeout() {
        // Twilio warning 13335: `speechTimeout="auto"` must not be combined with
        // `speechModel`.
        let spec = ListenSpec {
            keypad: false,
            hints: vec![],
            ..listen()
        };
        let reply = Reply {
            prompts: vec![],
            next: Next::Listen(spec),
        };
        let config = TwilioConfig::builder()
            .public_url("https://bot.example.com")
            .speech_model(Some("phone_call".into()));
        let out = TwimlRenderer::new(config.clone().build().unwrap()).render(&reply);
        assert!(out.contains("<Gather action=\"https://bot.example.com/twilio/gather\" actionOnEmptyResult=\"true\" input=\"speech\" language=\"en-US\" method=\"POST\" speechModel=\"phone_call\" speechTimeout=\"2\" timeout=\"5\" />"), "{out}");
        let out = TwimlRenderer::new(config.speech_timeout_secs(3).build().unwrap()).render(&reply);
        assert!(
            out.contains("speechModel=\"phone_call\" speechTimeout=\"3\""),
            "{out}"
        );
        assert!(!out.contains("auto"), "{out}");
    }

    #[test]
    fn golden_play_pause_hangup() {
        let reply = Reply {
            prompts: vec![
                Prompt::Play {
                    audio: AudioId::new("0123abcd"),
                    text: "not sent".into(),
                },
                Prompt::Pause { seconds: 2 },
                Prompt::Say {
                    text: "Goodbye".into(),
                    voice: None,
                    language: Language::new("fr"),
                },
            ],
            next: Next::HangUp,
        };
        assert_eq!(
            renderer().render(&reply),
            format!(
                "{P}<Response><Play>https://bot.example.com/audio/0123abcd</Play>\
                 <Pause length=\"2\" /><Say language=\"fr\">Goodbye</Say><Hangup /></Response>"
            )
        );
        assert_eq!(hangup(), format!("{P}<Response><Hangup /></Response>"));
    }

    #[test]
    fn golden_dial() {
        let reply = Reply {
            prompts: vec![],
            next: Next::Transfer(TransferSpec {
                to: PhoneNumber::parse_e164("+15005550002").unwrap(),
                caller_id: Some(PhoneNumber::parse_e164("+15005550001").unwrap()),
                timeout_secs: 20,
            }),
        };
        assert_eq!(
            renderer().render(&reply),
            format!(
                "{P}<Response><Dial action=\"https://bot.example.com/twilio/dial\" \
                 callerId=\"+15005550001\" method=\"POST\" timeout=\"20\">\
                 <Number>+15005550002</Number></Dial></Response>"
            )
        );
    }

    #[test]
    fn golden_redirect_escapes_ampersand() {
        assert_eq!(
            redirect("example.com?id=34&action=hey"),
            format!(
                "{P}<Response><Redirect method=\"POST\">example.com?id=34&amp;action=hey</Redirect></Response>"
            )
        );
    }

    #[test]
    fn golden_connect_stream() {
        let out = connect_stream(
            "wss://bot.example.com/stream",
            &[("call".into(), "CA1".into()), ("q".into(), "a\"b".into())],
        );
        assert_eq!(
            out,
            format!(
                "{P}<Response><Connect><Stream url=\"wss://bot.example.com/stream\">\
                 <Parameter name=\"call\" value=\"CA1\" /><Parameter name=\"q\" value=\"a&quot;b\" />\
                 </Stream></Connect></Response>"
            )
        );
    }

    #[test]
    fn non_ascii_and_apostrophes_stay_raw() {
        let out = renderer().render(&Reply {
            prompts: vec![say("nécessaire et d'autres")],
            next: Next::HangUp,
        });
        assert!(out.contains(">nécessaire et d'autres</Say>"), "{out}");
    }

    #[test]
    fn injection_attempt_is_text() {
        let evil = "</Say><Dial>+15005550009</Dial><Say>";
        let out = renderer().render(&Reply {
            prompts: vec![say(evil)],
            next: Next::HangUp,
        });
        assert!(!out.contains("<Dial>"), "{out}");
        assert_eq!(say_texts(&out), vec![evil.to_string()]);
    }

    #[test]
    fn control_characters_are_dropped() {
        assert_eq!(escape("a\u{0}b\u{1b}c\u{FFFF}", false), "abc");
        assert_eq!(escape("a\r\n\tb", true), "a&#13;&#10;&#9;b");
    }

    /// Parses the whole document (failing on any XML error) and returns the text of
    /// every `<Say>`, plus every attribute value seen (for the attribute test).
    fn parse_doc(xml: &str) -> (Vec<String>, Vec<String>) {
        let mut reader = Reader::from_str(xml);
        reader.config_mut().check_end_names = true;
        let mut says = Vec::new();
        let mut attrs = Vec::new();
        let mut current: Option<String> = None;
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Start(e) | Event::Empty(e) => {
                    for a in e.attributes() {
                        let a = a.expect("attribute");
                        attrs.push(a.unescape_value().expect("attr value").into_owned());
                    }
                    if e.name().as_ref() == b"Say" {
                        current = Some(String::new());
                    }
                }
                Event::Text(t) => {
                    if let Some(s) = current.as_mut() {
                        s.push_str(&t.decode().expect("utf-8"));
                    }
                }
                Event::GeneralRef(r) => {
                    if let Some(s) = current.as_mut() {
                        let c = match r.resolve_char_ref().expect("char ref") {
                            Some(c) => c,
                            None => match r.decode().expect("utf-8").as_ref() {
                                "amp" => '&',
                                "lt" => '<',
                                "gt" => '>',
                                "quot" => '"',
                                "apos" => '\'',
                                other => panic!("unknown entity {other}"),
                            },
                        };
                        s.push(c);
                    }
                }
                Event::End(e) => {
                    if e.name().as_ref() == b"Say"
                        && let Some(s) = current.take()
                    {
                        says.push(s);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        (says, attrs)
    }

    fn say_texts(xml: &str) -> Vec<String> {
        parse_doc(xml).0
    }

    /// Arbitrary text XML can carry (no forbidden control characters).
    fn xml_text() -> impl Strategy<Value = String> {
        any::<String>().prop_map(|s| s.chars().filter(|c| is_xml_char(*c)).collect())
    }

    proptest! {
        #[test]
        fn say_text_round_trips(text in xml_text(), voice in xml_text()) {
            let reply = Reply {
                prompts: vec![Prompt::Say { text: text.clone(), voice: Some(voice.clone()), language: Language::en_us() }],
                next: Next::Listen(listen()),
            };
            let out = renderer().render(&reply);
            let (says, attrs) = parse_doc(&out);
            prop_assert_eq!(says, vec![text]);
            prop_assert!(attrs.contains(&voice));
        }

        #[test]
        fn hints_and_stream_parameters_round_trip(hint in xml_text(), name in xml_text(), value in xml_text()) {
            let spec = ListenSpec { hints: vec![hint.clone()], ..listen() };
            let out = renderer().render(&Reply { prompts: vec![], next: Next::Listen(spec) });
            let (_, attrs) = parse_doc(&out);
            prop_assert!(hint.is_empty() || attrs.contains(&hint));
            let out = connect_stream("wss://x/y", &[(name.clone(), value.clone())]);
            let (_, attrs) = parse_doc(&out);
            prop_assert!(attrs.contains(&name) && attrs.contains(&value));
        }

        #[test]
        fn any_text_gives_well_formed_xml(text in any::<String>()) {
            let out = renderer().render(&Reply { prompts: vec![say(&text)], next: Next::HangUp });
            let (says, _) = parse_doc(&out);
            let kept: String = text.chars().filter(|c| is_xml_char(*c)).collect();
            prop_assert_eq!(says, vec![kept]);
        }
    }
}
