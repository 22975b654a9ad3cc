//! Rebuilding the URL Twilio signed from the public base URL and the request.
//!
//! Twilio signs the exact URL it called: the public base URL the number is
//! configured with (`LUMITALK_PUBLIC_URL`, which may carry a path prefix such as
//! `https://bot.example.com/lt`), the route and the query. Behind a reverse proxy
//! the application sees neither that host nor, often, that prefix, so the URL is
//! rebuilt as **public base URL (without trailing slash) + the request's path and
//! query** — never with [`Url::join`], which would drop the prefix.
//!
//! With a path prefix there are two proxy setups:
//! - the proxy **strips** the prefix (the common setup): the app sees
//!   `/twilio/voice`, Twilio signed `https://bot.example.com/lt/twilio/voice`;
//! - the proxy **passes it through**: the app sees `/lt/twilio/voice`, Twilio
//!   signed the same URL.
//!
//! [`signed_url_candidates`] returns the URL for the first setup and, when the
//! request's path starts with the prefix, the one for the second; a server tries
//! them in order and accepts the first whose signature verifies. TwiML URLs always
//! include the prefix ([`TwilioConfig::public_url_for`](crate::TwilioConfig::public_url_for)).

use url::Url;

/// The public base URL's path prefix without trailing slash (`""` for none):
/// `https://bot.example.com/lt/` → `/lt`.
pub fn path_prefix(public_url: &Url) -> &str {
    public_url.path().trim_end_matches('/')
}

/// `path` with the public URL's prefix removed when it carries it
/// (`/lt/twilio/voice` → `/twilio/voice`); otherwise `path` unchanged.
pub fn strip_prefix<'p>(public_url: &Url, path: &'p str) -> &'p str {
    let prefix = path_prefix(public_url);
    if prefix.is_empty() {
        return path;
    }
    match path.strip_prefix(prefix) {
        Some(rest) if rest.starts_with('/') => rest,
        _ => path,
    }
}

/// The URLs a request with `path_and_query` (as the application sees it) may have
/// been signed with, most likely first: `public base + path_and_query` (proxy
/// stripped the prefix, or there is none), then `public origin + path_and_query`
/// when the path already starts with the prefix (proxy passed it through).
/// URLs that do not parse are left out.
pub fn signed_url_candidates(public_url: &Url, path_and_query: &str) -> Vec<Url> {
    let path_and_query = if path_and_query.starts_with('/') {
        path_and_query.to_string()
    } else {
        format!("/{path_and_query}")
    };
    let base = public_url.as_str().trim_end_matches('/');
    let mut out: Vec<Url> = Url::parse(&format!("{base}{path_and_query}"))
        .into_iter()
        .collect();
    let prefix = path_prefix(public_url);
    let path = path_and_query.split('?').next().unwrap_or("");
    if !prefix.is_empty() && strip_prefix(public_url, path) != path {
        let origin = public_url.origin().ascii_serialization();
        if let Ok(u) = Url::parse(&format!("{origin}{path_and_query}"))
            && !out.contains(&u)
        {
            out.push(u);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strs(v: Vec<Url>) -> Vec<String> {
        v.into_iter().map(String::from).collect()
    }

    #[test]
    fn without_prefix_one_candidate() {
        let base = Url::parse("https://bot.example.com").unwrap();
        assert_eq!(path_prefix(&base), "");
        assert_eq!(
            strs(signed_url_candidates(&base, "/twilio/gather?turn=2")),
            ["https://bot.example.com/twilio/gather?turn=2"]
        );
    }

    #[test]
    fn prefix_is_kept_where_join_would_drop_it() {
        let base = Url::parse("https://bot.example.com/lt").unwrap();
        // What `Url::join` does: the bug this module exists for.
        assert_eq!(
            base.join("/twilio/gather").unwrap().as_str(),
            "https://bot.example.com/twilio/gather"
        );
        assert_eq!(
            strs(signed_url_candidates(&base, "/twilio/gather?x=1")),
            ["https://bot.example.com/lt/twilio/gather?x=1"]
        );
        let slash = Url::parse("https://bot.example.com/lt/").unwrap();
        assert_eq!(
            strs(signed_url_candidates(&slash, "/twilio/voice")),
            ["https://bot.example.com/lt/twilio/voice"]
        );
    }

    #[test]
    fn passed_through_prefix_is_a_second_candidate() {
        let base = Url::parse("https://bot.example.com:8443/lt").unwrap();
        assert_eq!(
            strs(signed_url_candidates(&base, "/lt/twilio/voice")),
            [
                "https://bot.example.com:8443/lt/lt/twilio/voice",
                "https://bot.example.com:8443/lt/twilio/voice"
            ]
        );
        assert_eq!(strip_prefix(&base, "/lt/twilio/voice"), "/twilio/voice");
        assert_eq!(
            strip_prefix(&base, "/ltx/twilio/voice"),
            "/ltx/twilio/voice"
        );
        assert_eq!(strip_prefix(&base, "/twilio/voice"), "/twilio/voice");
        assert_eq!(signed_url_candidates(&base, "/ltx/a").len(), 1);
    }
}
