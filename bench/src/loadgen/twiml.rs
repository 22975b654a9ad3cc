//! Just enough TwiML reading to follow a call: the load generator must stay cheap.

fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn attr(doc: &str, tag: &str, name: &str) -> Option<String> {
    let start = doc.find(tag)?;
    let end = start + doc[start..].find('>')?;
    let el = &doc[start..end];
    let key = format!(" {name}=\"");
    let v = el.find(&key)? + key.len();
    let len = el[v..].find('"')?;
    Some(unescape(&el[v..v + len]))
}

fn texts<'a>(doc: &'a str, open: &'a str, close: &'a str) -> impl Iterator<Item = String> + 'a {
    let mut rest = doc;
    std::iter::from_fn(move || {
        let start = rest.find(open)?;
        let body = start + rest[start..].find('>')? + 1;
        let end = body + rest[body..].find(close)?;
        let text = unescape(&rest[body..end]);
        rest = &rest[end..];
        Some(text)
    })
}

/// The `<Gather action>` URL.
pub fn gather_action(doc: &str) -> Option<String> {
    attr(doc, "<Gather", "action")
}

/// The `<Dial action>` URL.
pub fn dial_action(doc: &str) -> Option<String> {
    attr(doc, "<Dial", "action")
}

/// The `<Redirect>` URL.
pub fn redirect(doc: &str) -> Option<String> {
    texts(doc, "<Redirect", "</Redirect>").next()
}

/// Every `<Play>` URL.
pub fn play_urls(doc: &str) -> Vec<String> {
    texts(doc, "<Play", "</Play>").collect()
}

/// Whether the document transfers the call (`<Dial>`, with or without an action).
pub fn has_dial(doc: &str) -> bool {
    doc.contains("<Dial")
}

/// Whether the document ends the call.
pub fn has_hangup(doc: &str) -> bool {
    doc.contains("<Hangup")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_verbs_a_call_follows() {
        let doc = r#"<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="http://h/twilio/gather?a=1&amp;b=2" input="dtmf speech"><Play>http://h/audio/ab</Play><Say>Hi &amp; bye</Say></Gather><Redirect method="POST">http://h/twilio/gather</Redirect></Response>"#;
        assert_eq!(
            gather_action(doc).unwrap(),
            "http://h/twilio/gather?a=1&b=2"
        );
        assert_eq!(redirect(doc).unwrap(), "http://h/twilio/gather");
        assert_eq!(play_urls(doc), vec!["http://h/audio/ab".to_string()]);
        assert!(!has_hangup(doc));
        let dial = r#"<Response><Dial action="http://h/twilio/dial" timeout="20"><Number>+1</Number></Dial></Response>"#;
        assert_eq!(dial_action(dial).unwrap(), "http://h/twilio/dial");
        assert!(has_dial(dial) && !has_dial(doc));
        assert_eq!(
            dial_action("<Response><Dial>+15005550006</Dial></Response>"),
            None
        );
    }
}
