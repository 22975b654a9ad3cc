//! Shopify's *requested* query cost, computed from a query's text the way Shopify
//! documents it, and the list of fields a query selects.
//!
//! Shopify computes a query's cost before running it and refuses (`THROTTLED`)
//! when the shop's bucket holds less than that; the limiter therefore needs the
//! requested cost of every request before sending it. The rules
//! (<https://shopify.dev/docs/api/usage/limits>, "calculated query cost"):
//!
//! | selection | requested cost |
//! |---|---|
//! | scalar or enum field (no selection set) | 0 |
//! | object field (`customer { … }`) | 1 + its fields |
//! | connection (`orders(first: n) { nodes { … } }`) | 2 + n × (1 + the node's fields) |
//! | list with a size (`fulfillments(first: n) { … }`) | n × (1 + its fields) |
//!
//! These rules reproduce the numbers the old queries were measured at (147 for
//! the order-by-name query, 184 for orders-by-phone with 3 orders). The type of a
//! field is read from the query alone: a field with a selection set is an object,
//! one whose selection holds `nodes` or `edges` and that has `first`/`last` is a
//! connection. Variables (`first: $first`) are read from the request's variables.
//!
//! Only the subset of GraphQL this crate and ordinary read queries use is
//! understood: one operation, fragments, inline fragments, aliases, arguments of
//! any literal shape, directives (ignored), comments. Anything else is a parse
//! error, and the caller falls back to a conservative cost.

use std::collections::HashMap;

use serde_json::Value;

/// One selected item.
#[derive(Debug, Clone)]
enum Selection {
    Field(Field),
    Spread(String),
    Inline(Vec<Selection>),
}

#[derive(Debug, Clone)]
struct Field {
    name: String,
    /// `first:` or `last:` (whichever is given).
    size: Option<Size>,
    children: Vec<Selection>,
}

#[derive(Debug, Clone)]
enum Size {
    Int(u64),
    Var(String),
}

/// A parsed query: the operation's selection and the fragments it may spread.
#[derive(Debug, Clone)]
pub(crate) struct Query {
    operation: Vec<Selection>,
    fragments: HashMap<String, Vec<Selection>>,
}

/// Fragments nest at most this deep (a cycle is an error, not a hang).
const MAX_DEPTH: usize = 32;

impl Query {
    /// Parses `text`.
    pub(crate) fn parse(text: &str) -> Result<Query, String> {
        Parser {
            tokens: tokenize(text)?,
            pos: 0,
        }
        .document()
    }

    /// The requested cost, with `variables` giving `$first`-style sizes. `None`
    /// when a size variable is missing or the fragments do not resolve.
    pub(crate) fn requested_cost(&self, variables: &Value) -> Option<u64> {
        self.cost_of(&self.operation, variables, 0)
    }

    /// Every selected field as a dotted path from the operation root
    /// (`orders.nodes.customer.firstName`), fragments expanded, in query order
    /// without duplicates. `None` when the fragments do not resolve.
    #[cfg(test)]
    pub(crate) fn field_paths(&self) -> Option<Vec<String>> {
        let mut out = Vec::new();
        self.paths_of(&self.operation, "", &mut out, 0)?;
        Some(out)
    }

    fn expand<'a>(&'a self, selections: &'a [Selection], depth: usize) -> Option<Vec<&'a Field>> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut fields = Vec::new();
        for s in selections {
            match s {
                Selection::Field(f) => fields.push(f),
                Selection::Spread(name) => {
                    fields.extend(self.expand(self.fragments.get(name)?, depth + 1)?)
                }
                Selection::Inline(inner) => fields.extend(self.expand(inner, depth + 1)?),
            }
        }
        Some(fields)
    }

    fn cost_of(&self, selections: &[Selection], vars: &Value, depth: usize) -> Option<u64> {
        let mut total = 0u64;
        for f in self.expand(selections, depth)? {
            total = total.checked_add(self.field_cost(f, vars, depth + 1)?)?;
        }
        Some(total)
    }

    fn field_cost(&self, f: &Field, vars: &Value, depth: usize) -> Option<u64> {
        if f.children.is_empty() {
            return Some(0);
        }
        let size = match &f.size {
            None => None,
            Some(Size::Int(n)) => Some(*n),
            Some(Size::Var(v)) => Some(vars.get(v)?.as_u64()?),
        };
        let children = self.expand(&f.children, depth)?;
        let is_connection = children
            .iter()
            .any(|c| c.name == "nodes" || c.name == "edges");
        match size {
            Some(n) if is_connection => {
                // 2 + n × (each node: 1 + its fields); `pageInfo` and cursors are free.
                let mut per_node = 0u64;
                for c in children {
                    let node = match c.name.as_str() {
                        "nodes" => Some(&c.children),
                        "edges" => self
                            .expand(&c.children, depth + 1)?
                            .into_iter()
                            .find(|e| e.name == "node")
                            .map(|e| &e.children),
                        _ => None,
                    };
                    if let Some(node) = node {
                        per_node = per_node.max(1 + self.cost_of(node, vars, depth + 1)?);
                    }
                }
                n.checked_mul(per_node)?.checked_add(2)
            }
            Some(n) => n.checked_mul(1 + self.cost_of(&f.children, vars, depth)?),
            None => Some(1 + self.cost_of(&f.children, vars, depth)?),
        }
    }

    #[cfg(test)]
    fn paths_of(
        &self,
        selections: &[Selection],
        prefix: &str,
        out: &mut Vec<String>,
        depth: usize,
    ) -> Option<()> {
        for f in self.expand(selections, depth)? {
            let path = if prefix.is_empty() {
                f.name.clone()
            } else {
                format!("{prefix}.{}", f.name)
            };
            if !out.contains(&path) {
                out.push(path.clone());
            }
            self.paths_of(&f.children, &path, out, depth + 1)?;
        }
        Some(())
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Punct(char),
    Spread,
    Name(String),
    Int(u64),
    /// Strings, floats and other literals we skip over.
    Other,
    /// `$name`.
    Var(String),
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() || c == ',' || c == '\u{feff}' => i += 1,
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '{' | '}' | '(' | ')' | ':' | '!' | '[' | ']' | '=' | '@' | '|' | '&' => {
                out.push(Token::Punct(c));
                i += 1;
            }
            '.' => {
                if chars.get(i..i + 3) == Some(&['.', '.', '.']) {
                    out.push(Token::Spread);
                    i += 3;
                } else {
                    return Err("a lone `.`".into());
                }
            }
            '$' => {
                let start = i + 1;
                i = start;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                out.push(Token::Var(chars[start..i].iter().collect()));
            }
            '"' => {
                let block = chars.get(i..i + 3) == Some(&['"', '"', '"']);
                if block {
                    i += 3;
                    loop {
                        if i >= chars.len() {
                            return Err("an unterminated block string".into());
                        }
                        if chars.get(i..i + 3) == Some(&['"', '"', '"']) {
                            i += 3;
                            break;
                        }
                        i += 1;
                    }
                } else {
                    i += 1;
                    loop {
                        match chars.get(i) {
                            None | Some('\n') => return Err("an unterminated string".into()),
                            Some('\\') => i += 2,
                            Some('"') => {
                                i += 1;
                                break;
                            }
                            Some(_) => i += 1,
                        }
                    }
                }
                out.push(Token::Other);
            }
            c if c.is_ascii_digit() || c == '-' => {
                let start = i;
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '.' | '+' | '-'))
                {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                out.push(match text.parse::<u64>() {
                    Ok(n) => Token::Int(n),
                    Err(_) => Token::Other,
                });
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                out.push(Token::Name(chars[start..i].iter().collect()));
            }
            other => return Err(format!("unexpected character {other:?}")),
        }
    }
    Ok(out)
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        match self.next() {
            Some(Token::Punct(p)) if p == c => Ok(()),
            other => Err(format!("expected `{c}`, found {other:?}")),
        }
    }

    fn name(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Token::Name(n)) => Ok(n),
            other => Err(format!("expected a name, found {other:?}")),
        }
    }

    fn at_punct(&self, c: char) -> bool {
        self.peek() == Some(&Token::Punct(c))
    }

    /// Skips a balanced `(…)` or `[…]` or `{…}` group starting at the current token.
    fn skip_group(&mut self) -> Result<(), String> {
        let mut depth = 0usize;
        loop {
            match self.next() {
                Some(Token::Punct('(' | '[' | '{')) => depth += 1,
                Some(Token::Punct(')' | ']' | '}')) => {
                    depth = depth.checked_sub(1).ok_or("unbalanced brackets")?;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                Some(_) => {}
                None => return Err("unbalanced brackets".into()),
            }
        }
    }

    fn document(&mut self) -> Result<Query, String> {
        let mut operation = None;
        let mut fragments = HashMap::new();
        while let Some(t) = self.peek().cloned() {
            match t {
                Token::Punct('{') => {
                    if operation.is_some() {
                        return Err("more than one operation".into());
                    }
                    operation = Some(self.selection_set()?);
                }
                Token::Name(kw) if kw == "query" => {
                    self.next();
                    if let Some(Token::Name(_)) = self.peek() {
                        self.next();
                    }
                    if self.at_punct('(') {
                        self.skip_group()?;
                    }
                    self.directives()?;
                    if operation.is_some() {
                        return Err("more than one operation".into());
                    }
                    operation = Some(self.selection_set()?);
                }
                Token::Name(kw) if kw == "fragment" => {
                    self.next();
                    let name = self.name()?;
                    if self.name()? != "on" {
                        return Err("expected `on` in a fragment definition".into());
                    }
                    self.name()?;
                    self.directives()?;
                    let set = self.selection_set()?;
                    fragments.insert(name, set);
                }
                other => return Err(format!("unexpected {other:?} at the top level")),
            }
        }
        Ok(Query {
            operation: operation.ok_or("no operation")?,
            fragments,
        })
    }

    fn directives(&mut self) -> Result<(), String> {
        while self.at_punct('@') {
            self.next();
            self.name()?;
            if self.at_punct('(') {
                self.skip_group()?;
            }
        }
        Ok(())
    }

    fn selection_set(&mut self) -> Result<Vec<Selection>, String> {
        self.expect('{')?;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                Some(Token::Punct('}')) => {
                    self.next();
                    return Ok(out);
                }
                Some(Token::Spread) => {
                    self.next();
                    match self.peek().cloned() {
                        Some(Token::Name(n)) if n != "on" => {
                            self.next();
                            self.directives()?;
                            out.push(Selection::Spread(n));
                        }
                        _ => {
                            if let Some(Token::Name(_)) = self.peek() {
                                self.next();
                                self.name()?;
                            }
                            self.directives()?;
                            out.push(Selection::Inline(self.selection_set()?));
                        }
                    }
                }
                Some(Token::Name(_)) => out.push(Selection::Field(self.field()?)),
                other => return Err(format!("unexpected {other:?} in a selection set")),
            }
        }
    }

    fn field(&mut self) -> Result<Field, String> {
        let mut name = self.name()?;
        if self.at_punct(':') {
            // `alias: field`
            self.next();
            name = self.name()?;
        }
        let mut size = None;
        if self.at_punct('(') {
            self.next();
            while !self.at_punct(')') {
                let arg = self.name()?;
                self.expect(':')?;
                let value = match self.peek() {
                    Some(Token::Punct('[' | '{')) => {
                        self.skip_group()?;
                        None
                    }
                    _ => self.next(),
                };
                if arg == "first" || arg == "last" {
                    size = match value {
                        Some(Token::Int(n)) => Some(Size::Int(n)),
                        Some(Token::Var(v)) => Some(Size::Var(v)),
                        other => return Err(format!("`{arg}` is not a size: {other:?}")),
                    };
                }
                if self.peek().is_none() {
                    return Err("unterminated arguments".into());
                }
            }
            self.next();
        }
        self.directives()?;
        let children = if self.at_punct('{') {
            self.selection_set()?
        } else {
            Vec::new()
        };
        Ok(Field {
            name,
            size,
            children,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The queries this crate sent before the lean rewrite, as measured in the
    /// rush investigation (issue 18): 147 and 184 points.
    const OLD_FIELDS: &str = "
fragment OrderFields on Order {
  id name createdAt cancelledAt
  displayFinancialStatus displayFulfillmentStatus
  email phone
  customer { firstName lastName defaultEmailAddress { emailAddress } defaultPhoneNumber { phoneNumber } }
  shippingAddress { firstName lastName zip }
  currentTotalPriceSet { shopMoney { amount currencyCode } }
  lineItems(first: 10) { nodes { title quantity } }
  fulfillments(first: 5) {
    createdAt status displayStatus estimatedDeliveryAt deliveredAt totalQuantity
    trackingInfo(first: 1) { company number url }
  }
}";

    #[test]
    fn reproduces_the_measured_costs_of_the_old_queries() {
        let by_name = format!(
            "query OrderByName($q: String!) {{
  orders(first: 5, query: $q, sortKey: CREATED_AT, reverse: true) {{ nodes {{ ...OrderFields }} }}
}}{OLD_FIELDS}"
        );
        let q = Query::parse(&by_name).unwrap();
        assert_eq!(q.requested_cost(&json!({"q": "x"})), Some(147));
        let by_phone = format!(
            "query OrdersByPhone($q: String!, $first: Int!) {{
  customers(first: 2, query: $q) {{ nodes {{ defaultPhoneNumber {{ phoneNumber }}
    orders(first: $first, sortKey: CREATED_AT, reverse: true) {{ nodes {{ ...OrderFields }} }} }} }}
}}{OLD_FIELDS}"
        );
        let q = Query::parse(&by_phone).unwrap();
        assert_eq!(q.requested_cost(&json!({"q": "x", "first": 3})), Some(184));
        assert_eq!(q.requested_cost(&json!({"q": "x"})), None, "unknown $first");
    }

    #[test]
    fn rules_for_each_kind_of_field() {
        let cost = |text: &str| Query::parse(text).unwrap().requested_cost(&json!({}));
        assert_eq!(cost("{ shop { id name } }"), Some(1));
        assert_eq!(
            cost("query { shop { id billingAddress { city } } }"),
            Some(2)
        );
        assert_eq!(cost("{ products(first: 10) { nodes { id } } }"), Some(12));
        assert_eq!(
            cost(
                "{ products(first: 10) { edges { cursor node { id } } pageInfo { hasNextPage } } }"
            ),
            Some(12)
        );
        assert_eq!(
            cost("{ order(id: \"gid://x\") { fulfillments(first: 3) { id } } }"),
            Some(4)
        );
        assert_eq!(
            cost(
                "{ a: shop { ... on Shop { id } ...F } } fragment F on Shop { plan { displayName } }"
            ),
            Some(2)
        );
        // Directives, comments, list and object arguments are skipped over.
        assert_eq!(
            cost(
                "# hi\n{ orders(first: 2, query: \"a:\\\"b\\\"\", ids: [1, 2], f: {x: 1}) @include(if: true) { nodes { id } } }"
            ),
            Some(4)
        );
    }

    #[test]
    fn paths_expand_fragments_in_order() {
        let q = Query::parse("{ a { b ...F c { d } } } fragment F on A { e b }").unwrap();
        assert_eq!(
            q.field_paths().unwrap(),
            ["a", "a.b", "a.e", "a.c", "a.c.d"]
        );
    }

    #[test]
    fn malformed_queries_are_errors_not_panics() {
        for text in [
            "",
            "{",
            "{ a(first: ) }",
            "{ a(first: \"x\") { b } }",
            "{ a } { b }",
            "query { a { b } ",
            "{ a(b: \"unterminated) }",
            "{ a . b }",
            "{ a(first: 1 }",
        ] {
            assert!(Query::parse(text).is_err(), "{text:?}");
        }
        let cyclic = Query::parse("{ a { ...F } } fragment F on A { b { ...F } }").unwrap();
        assert_eq!(cyclic.requested_cost(&json!({})), None);
        let missing = Query::parse("{ a { ...G } }").unwrap();
        assert_eq!(missing.field_paths(), None);
    }
}
