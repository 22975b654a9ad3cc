//! What Shopify computes from a query's text: its *requested* cost (checked
//! against the bucket before the query runs), the answer reduced to the fields
//! the query selected, and the *actual* cost of that answer (charged; the
//! difference is refunded).
//!
//! The rules (shopify.dev "calculated query cost"): scalar and enum fields 0,
//! objects 1, connections `2 + first × (1 + the node's fields)`, lists with a
//! size `first × (1 + the element's fields)`. The actual cost counts what came
//! back: each object returned 1 plus its fields, each connection 2 plus its
//! nodes. The parser understands one operation, fragments, inline fragments,
//! aliases (answered under the field's name), arguments and directives
//! (skipped), and comments. (The same rules as `lumitalk-shopify`'s own cost
//! module, written again here: the stand-in plays Shopify, not the client.)

use std::collections::HashMap;

use serde_json::{Map, Value};

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

impl Query {
    /// The `first:`/`last:` of the top-level field `name`, variables resolved.
    pub(crate) fn top_size(&self, name: &str, vars: &Value) -> Option<u64> {
        let field = self
            .expand(&self.operation, 0)?
            .into_iter()
            .find(|f| f.name == name)?;
        match field.size.as_ref()? {
            Size::Int(n) => Some(*n),
            Size::Var(v) => vars.get(v)?.as_u64(),
        }
    }

    /// `data` reduced to the fields the operation selects (a field the data does
    /// not have is `null`, as a nullable field Shopify has nothing for).
    pub(crate) fn project(&self, data: &Value) -> Option<Value> {
        self.project_set(&self.operation, data, 0)
    }

    fn project_set(&self, selections: &[Selection], data: &Value, depth: usize) -> Option<Value> {
        match data {
            Value::Array(items) => items
                .iter()
                .map(|item| self.project_set(selections, item, depth))
                .collect::<Option<Vec<_>>>()
                .map(Value::Array),
            Value::Object(map) => {
                let mut out = Map::new();
                for f in self.expand(selections, depth)? {
                    let value = map.get(&f.name).unwrap_or(&Value::Null);
                    let projected = if f.children.is_empty() || value.is_null() {
                        value.clone()
                    } else {
                        self.project_set(&f.children, value, depth + 1)?
                    };
                    out.insert(f.name.clone(), projected);
                }
                Some(Value::Object(out))
            }
            other => Some(other.clone()),
        }
    }

    /// The actual cost of a projected answer.
    pub(crate) fn actual_cost(&self, data: &Value) -> Option<u64> {
        self.actual_set(&self.operation, data, 0)
    }

    fn actual_set(&self, selections: &[Selection], data: &Value, depth: usize) -> Option<u64> {
        let mut total = 0;
        for f in self.expand(selections, depth)? {
            if f.children.is_empty() {
                continue;
            }
            let value = data.get(&f.name).unwrap_or(&Value::Null);
            let children = self.expand(&f.children, depth + 1)?;
            let connection = children.iter().find(|c| c.name == "nodes");
            total += match (value, connection) {
                (Value::Null, _) => 0,
                (Value::Array(items), _) => {
                    let mut sum = 0;
                    for item in items {
                        sum += 1 + self.actual_set(&f.children, item, depth + 1)?;
                    }
                    sum
                }
                (_, Some(nodes_field)) => {
                    let nodes = value
                        .get("nodes")
                        .and_then(Value::as_array)
                        .map(Vec::as_slice)
                        .unwrap_or_default();
                    let mut sum = 2;
                    for node in nodes {
                        sum += 1 + self.actual_set(&nodes_field.children, node, depth + 2)?;
                    }
                    sum
                }
                _ => 1 + self.actual_set(&f.children, value, depth + 1)?,
            };
        }
        Some(total)
    }
}
