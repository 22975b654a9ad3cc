//! Shopify search syntax (the `query:` argument), built so that caller input can
//! never widen a search.
//!
//! Field names are `&'static str` chosen by this crate; every value is wrapped in
//! double quotes with `\` and `"` escaped by a backslash and control characters
//! replaced by spaces. Whatever a value holds (`1001 OR status:any`, quotes,
//! backslashes, parentheses), it stays one quoted phrase of one field: Shopify's
//! search grammar treats a quoted phrase as a single value and a backslash as
//! escaping the next character.

use std::fmt;

/// A search query of `field:"value"` terms joined by `AND`.
///
/// ```
/// use lumitalk_shopify::SearchQuery;
///
/// let q = SearchQuery::term("name", "1001 OR status:any");
/// assert_eq!(q.as_str(), r#"name:"1001 OR status:any""#);
/// let q = SearchQuery::term("name", r#"1001" OR name:"*"#);
/// assert_eq!(q.as_str(), r#"name:"1001\" OR name:\"*""#);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SearchQuery(String);

impl SearchQuery {
    /// One `field:"value"` term.
    ///
    /// # Panics
    /// If `field` is not a plain lowercase identifier (`[a-z_]+`): field names are
    /// chosen by code, never by callers.
    pub fn term(field: &'static str, value: &str) -> Self {
        let mut q = SearchQuery(String::new());
        q.push_term(field, value);
        q
    }

    /// Adds ` AND field:"value"`.
    ///
    /// # Panics
    /// As [`SearchQuery::term`].
    pub fn and(mut self, field: &'static str, value: &str) -> Self {
        self.0.push_str(" AND ");
        self.push_term(field, value);
        self
    }

    /// The query text for the GraphQL `query:` argument.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn push_term(&mut self, field: &'static str, value: &str) {
        assert!(
            !field.is_empty() && field.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "search field names are fixed identifiers"
        );
        self.0.push_str(field);
        self.0.push(':');
        self.0.push_str(&quote(value));
    }
}

/// `value` as one double-quoted, escaped search phrase.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' | '"' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The query may contain a customer's phone number: `Debug` shows only its shape.
impl fmt::Debug for SearchQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = self.0.split(':').next().unwrap_or_default();
        write!(f, "SearchQuery({field}:<{} chars>)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A reference reader of Shopify's search grammar, as far as quoting goes:
    /// returns the terms `(field, value)` and the connectives between them, or
    /// `None` if the text does not consist solely of quoted terms.
    type Parsed = (Vec<(String, String)>, Vec<String>);

    fn parse(q: &str) -> Option<Parsed> {
        let mut terms = Vec::new();
        let mut joins = Vec::new();
        let mut chars = q.chars().peekable();
        loop {
            let mut field = String::new();
            while let Some(&c) = chars.peek() {
                if c == ':' {
                    break;
                }
                field.push(c);
                chars.next();
            }
            if chars.next() != Some(':') || chars.next() != Some('"') {
                return None;
            }
            let mut value = String::new();
            loop {
                match chars.next()? {
                    '\\' => value.push(chars.next()?),
                    '"' => break,
                    c => value.push(c),
                }
            }
            terms.push((field, value));
            match chars.next() {
                None => return Some((terms, joins)),
                Some(' ') => {
                    let word: String = chars.by_ref().take_while(|&c| c != ' ').collect();
                    joins.push(word);
                }
                Some(_) => return None,
            }
        }
    }

    #[test]
    fn injection_attempts_stay_one_phrase() {
        for input in [
            "1001 OR status:any",
            "1001\" OR status:any OR name:\"",
            "1001\\\" OR x",
            "1001' OR '1",
            "(1001) -name:2",
            "1001\nOR status:any",
        ] {
            let q = SearchQuery::term("name", input);
            let (terms, joins) = parse(q.as_str()).unwrap_or_else(|| panic!("{}", q.as_str()));
            assert_eq!(terms.len(), 1, "{input:?} -> {}", q.as_str());
            assert!(joins.is_empty());
            assert_eq!(terms[0].0, "name");
        }
    }

    #[test]
    fn debug_hides_the_value() {
        let q = SearchQuery::term("phone", "+14155550123");
        assert_eq!(format!("{q:?}"), "SearchQuery(phone:<20 chars>)");
    }

    #[test]
    #[should_panic(expected = "fixed identifiers")]
    fn field_names_are_checked() {
        let _ = SearchQuery::term("name OR x", "1");
    }

    proptest! {
        #[test]
        fn any_value_is_exactly_one_term(value in "\\PC{0,40}|[\"\\\\ :()'a-zA-Z0-9-]{0,40}|[\\x00-\\x1f\"\\\\a ]{0,20}") {
            let q = SearchQuery::term("name", &value);
            let (terms, joins) = parse(q.as_str()).expect("parses");
            prop_assert_eq!(terms.len(), 1);
            prop_assert!(joins.is_empty());
            prop_assert_eq!(terms[0].0.as_str(), "name");
            let expected: String = value.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
            prop_assert_eq!(&terms[0].1, &expected);
        }

        #[test]
        fn and_keeps_term_count(a in "\\PC{0,20}", b in "[\"\\\\ :a-z]{0,20}") {
            let q = SearchQuery::term("name", &a).and("status", &b);
            let (terms, joins) = parse(q.as_str()).expect("parses");
            prop_assert_eq!(terms.len(), 2);
            prop_assert_eq!(joins, vec!["AND".to_string()]);
        }
    }
}
