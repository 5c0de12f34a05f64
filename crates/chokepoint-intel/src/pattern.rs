//! The STIX 2.1 patterning language: a parser that accepts exactly the grammar of the
//! specification (section 9), so that every pattern chokepoint writes or accepts also parses
//! in other tools (`stix2-patterns` is the reference implementation).

use std::fmt;

/// A parsed pattern: observation expressions joined by `AND`, `OR`, `FOLLOWEDBY`.
#[derive(Debug, Clone, PartialEq)]
pub enum Observation {
    /// `[ comparison ]` with its qualifiers.
    Single(Comparison, Vec<Qualifier>),
    /// `( observations )` with its qualifiers.
    Group(Box<Observation>, Vec<Qualifier>),
    And(Box<Observation>, Box<Observation>),
    Or(Box<Observation>, Box<Observation>),
    FollowedBy(Box<Observation>, Box<Observation>),
}

/// A qualifier of an observation expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Qualifier {
    Within(f64),
    Repeats(u64),
    StartStop(String, String),
}

/// A comparison expression inside `[ ]`.
#[derive(Debug, Clone, PartialEq)]
pub enum Comparison {
    Test {
        path: ObjectPath,
        negated: bool,
        op: String,
        value: Literal,
    },
    Exists(ObjectPath),
    And(Box<Comparison>, Box<Comparison>),
    Or(Box<Comparison>, Box<Comparison>),
}

/// `object-type:property.sub[0]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectPath {
    pub object_type: String,
    pub steps: Vec<PathStep>,
}

/// One step of an object path.
#[derive(Debug, Clone, PartialEq)]
pub enum PathStep {
    Property(String),
    Index(Option<u64>),
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    Timestamp(String),
    Hex(String),
    Binary(String),
    Set(Vec<Literal>),
}

/// Why a pattern does not parse, with the byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at character {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for PatternError {}

impl Comparison {
    /// Every `(path, op, value)` test in the expression, in order.
    pub fn tests(&self) -> Vec<(&ObjectPath, &str, &Literal)> {
        let mut out = Vec::new();
        fn walk<'a>(c: &'a Comparison, out: &mut Vec<(&'a ObjectPath, &'a str, &'a Literal)>) {
            match c {
                Comparison::Test {
                    path, op, value, ..
                } => out.push((path, op.as_str(), value)),
                Comparison::Exists(_) => {}
                Comparison::And(a, b) | Comparison::Or(a, b) => {
                    walk(a, out);
                    walk(b, out);
                }
            }
        }
        walk(self, &mut out);
        out
    }
}

/// Parses a STIX 2.1 pattern.
pub fn parse(input: &str) -> Result<Observation, PatternError> {
    if input.len() > 4 << 20 {
        return Err(PatternError {
            offset: 0,
            message: "pattern longer than 4 MiB".into(),
        });
    }
    let mut p = Parser {
        s: input.as_bytes(),
        src: input,
        i: 0,
        depth: 0,
    };
    let obs = p.observations()?;
    p.ws();
    if p.i != p.s.len() {
        return Err(p.err("unexpected text after the pattern"));
    }
    Ok(obs)
}

struct Parser<'a> {
    s: &'a [u8],
    src: &'a str,
    i: usize,
    depth: usize,
}

const MAX_DEPTH: usize = 128;

impl<'a> Parser<'a> {
    fn err(&self, m: impl Into<String>) -> PatternError {
        PatternError {
            offset: self.i,
            message: m.into(),
        }
    }
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, c: u8) -> Result<(), PatternError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.err(format!("expected `{}`", c as char)))
        }
    }
    /// Consumes keyword `kw` when it is the next word (not a prefix of a longer word).
    fn keyword(&mut self, kw: &str) -> bool {
        self.ws();
        let end = self.i + kw.len();
        if end <= self.s.len()
            && &self.s[self.i..end] == kw.as_bytes()
            && !self
                .s
                .get(end)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            self.i = end;
            true
        } else {
            false
        }
    }
    fn enter(&mut self) -> Result<(), PatternError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            Err(self.err("pattern nested too deeply"))
        } else {
            Ok(())
        }
    }

    fn observations(&mut self) -> Result<Observation, PatternError> {
        self.enter()?;
        let mut left = self.obs_or()?;
        while self.keyword("FOLLOWEDBY") {
            let right = self.obs_or()?;
            left = Observation::FollowedBy(Box::new(left), Box::new(right));
        }
        self.depth -= 1;
        Ok(left)
    }
    fn obs_or(&mut self) -> Result<Observation, PatternError> {
        let mut left = self.obs_and()?;
        while self.keyword("OR") {
            let right = self.obs_and()?;
            left = Observation::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }
    fn obs_and(&mut self) -> Result<Observation, PatternError> {
        let mut left = self.obs_one()?;
        while self.keyword("AND") {
            let right = self.obs_one()?;
            left = Observation::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }
    fn obs_one(&mut self) -> Result<Observation, PatternError> {
        let obs = if self.eat(b'[') {
            let c = self.comparison()?;
            self.expect(b']')?;
            Observation::Single(c, Vec::new())
        } else if self.eat(b'(') {
            let o = self.observations()?;
            self.expect(b')')?;
            Observation::Group(Box::new(o), Vec::new())
        } else {
            return Err(self.err("expected `[` or `(` to start an observation expression"));
        };
        let mut quals = Vec::new();
        loop {
            if self.keyword("WITHIN") {
                let n = self.number()?;
                let v = match n {
                    Literal::Int(i) if i > 0 => i as f64,
                    Literal::Float(f) if f > 0.0 => f,
                    _ => return Err(self.err("WITHIN needs a positive number")),
                };
                if !self.keyword("SECONDS") {
                    return Err(self.err("expected SECONDS"));
                }
                quals.push(Qualifier::Within(v));
            } else if self.keyword("REPEATS") {
                let n = match self.number()? {
                    Literal::Int(i) if i > 0 => i as u64,
                    _ => return Err(self.err("REPEATS needs a positive integer")),
                };
                if !self.keyword("TIMES") {
                    return Err(self.err("expected TIMES"));
                }
                quals.push(Qualifier::Repeats(n));
            } else if self.keyword("START") {
                let a = self.timestamp_literal()?;
                if !self.keyword("STOP") {
                    return Err(self.err("expected STOP"));
                }
                let b = self.timestamp_literal()?;
                quals.push(Qualifier::StartStop(a, b));
            } else {
                break;
            }
        }
        Ok(match obs {
            Observation::Single(c, _) => Observation::Single(c, quals),
            Observation::Group(o, _) => Observation::Group(o, quals),
            other => other,
        })
    }

    fn comparison(&mut self) -> Result<Comparison, PatternError> {
        self.enter()?;
        let mut left = self.cmp_and()?;
        while self.keyword("OR") {
            let right = self.cmp_and()?;
            left = Comparison::Or(Box::new(left), Box::new(right));
        }
        self.depth -= 1;
        Ok(left)
    }
    fn cmp_and(&mut self) -> Result<Comparison, PatternError> {
        let mut left = self.prop_test()?;
        while self.keyword("AND") {
            let right = self.prop_test()?;
            left = Comparison::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }
    fn prop_test(&mut self) -> Result<Comparison, PatternError> {
        if self.eat(b'(') {
            let c = self.comparison()?;
            self.expect(b')')?;
            return Ok(c);
        }
        if self.keyword("EXISTS") {
            return Ok(Comparison::Exists(self.object_path()?));
        }
        let path = self.object_path()?;
        let negated = self.keyword("NOT");
        self.ws();
        let rest = &self.s[self.i..];
        let op: &str = if rest.starts_with(b"!=") {
            "!="
        } else if rest.starts_with(b"<=") {
            "<="
        } else if rest.starts_with(b">=") {
            ">="
        } else if rest.starts_with(b"=") {
            "="
        } else if rest.starts_with(b"<") {
            "<"
        } else if rest.starts_with(b">") {
            ">"
        } else {
            ""
        };
        if !op.is_empty() {
            self.i += op.len();
            let value = self.literal()?;
            if matches!(op, "<" | "<=" | ">" | ">=") && matches!(value, Literal::Bool(_)) {
                return Err(self.err("a boolean cannot be ordered"));
            }
            return Ok(Comparison::Test {
                path,
                negated,
                op: op.into(),
                value,
            });
        }
        for kw in ["IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"] {
            if self.keyword(kw) {
                let value = if kw == "IN" {
                    self.set_literal()?
                } else {
                    match self.literal()? {
                        Literal::Str(s) => Literal::Str(s),
                        _ => return Err(self.err(format!("{kw} needs a string literal"))),
                    }
                };
                return Ok(Comparison::Test {
                    path,
                    negated,
                    op: kw.into(),
                    value,
                });
            }
        }
        Err(self.err("expected a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET)"))
    }

    fn identifier(&mut self, allow_hyphen: bool) -> Option<String> {
        self.ws();
        let start = self.i;
        let first = *self.s.get(self.i)?;
        if !(first.is_ascii_alphabetic() || first == b'_') {
            return None;
        }
        self.i += 1;
        while let Some(&c) = self.s.get(self.i) {
            if c.is_ascii_alphanumeric() || c == b'_' || (allow_hyphen && c == b'-') {
                self.i += 1;
            } else {
                break;
            }
        }
        // An identifier with hyphens may not end with one.
        while allow_hyphen && self.i > start + 1 && self.s[self.i - 1] == b'-' {
            self.i -= 1;
        }
        Some(self.src[start..self.i].to_string())
    }

    fn object_path(&mut self) -> Result<ObjectPath, PatternError> {
        let object_type = self
            .identifier(true)
            .ok_or_else(|| self.err("expected an object type"))?;
        if self.s.get(self.i) != Some(&b':') {
            return Err(self.err("expected `:` after the object type"));
        }
        self.i += 1;
        let mut steps = vec![PathStep::Property(self.path_component()?)];
        loop {
            if self.s.get(self.i) == Some(&b'.') {
                self.i += 1;
                steps.push(PathStep::Property(self.path_component()?));
            } else if self.s.get(self.i) == Some(&b'[') {
                self.i += 1;
                self.ws();
                if self.s.get(self.i) == Some(&b'*') {
                    self.i += 1;
                    steps.push(PathStep::Index(None));
                } else {
                    match self.number()? {
                        Literal::Int(n) if n >= 0 => steps.push(PathStep::Index(Some(n as u64))),
                        _ => return Err(self.err("a list index must be `*` or an integer ≥ 0")),
                    }
                }
                self.expect(b']')?;
            } else {
                break;
            }
        }
        Ok(ObjectPath { object_type, steps })
    }

    fn path_component(&mut self) -> Result<String, PatternError> {
        if self.s.get(self.i) == Some(&b'\'') {
            return self.string_body();
        }
        let start = self.i;
        match self.s.get(self.i) {
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {}
            _ => return Err(self.err("expected a property name")),
        }
        while self
            .s
            .get(self.i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            self.i += 1;
        }
        Ok(self.src[start..self.i].to_string())
    }

    /// A quoted string starting at the current position (the `'`), with `\'` and `\\` escapes.
    fn string_body(&mut self) -> Result<String, PatternError> {
        let start = self.i;
        if self.s.get(self.i) != Some(&b'\'') {
            return Err(self.err("expected a quoted string"));
        }
        self.i += 1;
        let mut out = String::new();
        let mut seg = self.i;
        loop {
            match self.s.get(self.i) {
                None => {
                    self.i = start;
                    return Err(self.err("unterminated string"));
                }
                Some(b'\'') => {
                    out.push_str(&self.src[seg..self.i]);
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    out.push_str(&self.src[seg..self.i]);
                    match self.s.get(self.i + 1) {
                        Some(b'\'') => out.push('\''),
                        Some(b'\\') => out.push('\\'),
                        _ => return Err(self.err("only \\' and \\\\ may be escaped in a string")),
                    }
                    self.i += 2;
                    seg = self.i;
                }
                Some(_) => self.i += 1,
            }
        }
    }

    fn timestamp_literal(&mut self) -> Result<String, PatternError> {
        self.ws();
        if self.s.get(self.i) != Some(&b't') {
            return Err(self.err("expected a timestamp literal t'...'"));
        }
        self.i += 1;
        let at = self.i;
        let s = self.string_body()?;
        if !valid_pattern_timestamp(&s) {
            self.i = at;
            return Err(self.err(format!(
                "`{s}` is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.s]Z)"
            )));
        }
        Ok(s)
    }

    fn number(&mut self) -> Result<Literal, PatternError> {
        self.ws();
        let start = self.i;
        if matches!(self.s.get(self.i), Some(b'-') | Some(b'+')) {
            self.i += 1;
        }
        let digits = self.i;
        while self.s.get(self.i).is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        let mut float = false;
        if self.s.get(self.i) == Some(&b'.') {
            float = true;
            self.i += 1;
            let frac = self.i;
            while self.s.get(self.i).is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
            if frac == self.i {
                self.i = start;
                return Err(self.err("expected digits after the decimal point"));
            }
        }
        if digits == self.i {
            self.i = start;
            return Err(self.err("expected a number"));
        }
        let text = &self.src[start..self.i];
        if float {
            text.parse::<f64>()
                .map(Literal::Float)
                .map_err(|_| self.err("bad number"))
        } else {
            text.parse::<i64>()
                .map(Literal::Int)
                .map_err(|_| self.err("integer out of range"))
        }
    }

    fn literal(&mut self) -> Result<Literal, PatternError> {
        self.ws();
        let rest = &self.s[self.i..];
        if rest.starts_with(b"'") {
            return self.string_body().map(Literal::Str);
        }
        if rest.starts_with(b"t'") {
            return self.timestamp_literal().map(Literal::Timestamp);
        }
        if rest.starts_with(b"h'") {
            self.i += 1;
            let s = self.string_body()?;
            if s.len() % 2 != 0 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(self.err("a hex literal needs an even number of hex digits"));
            }
            return Ok(Literal::Hex(s));
        }
        if rest.starts_with(b"b'") {
            self.i += 1;
            let s = self.string_body()?;
            if !valid_base64(&s) {
                return Err(self.err("not a base64 literal"));
            }
            return Ok(Literal::Binary(s));
        }
        if self.keyword("true") {
            return Ok(Literal::Bool(true));
        }
        if self.keyword("false") {
            return Ok(Literal::Bool(false));
        }
        self.number()
    }

    fn set_literal(&mut self) -> Result<Literal, PatternError> {
        self.expect(b'(')?;
        let mut items = Vec::new();
        if self.eat(b')') {
            return Ok(Literal::Set(items));
        }
        loop {
            let v = self.literal()?;
            if matches!(v, Literal::Set(_)) {
                return Err(self.err("sets cannot nest"));
            }
            items.push(v);
            if self.eat(b',') {
                continue;
            }
            self.expect(b')')?;
            return Ok(Literal::Set(items));
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS(.fraction)?Z` as the pattern grammar's timestamp literal requires.
fn valid_pattern_timestamp(s: &str) -> bool {
    crate::stix::valid_timestamp(s)
}

fn valid_base64(s: &str) -> bool {
    let t = s.trim_end_matches('=');
    s.len() & 3 == 0
        && s.len() - t.len() <= 2
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// Quotes a string for a pattern (escapes `\` and `'`).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_spec_examples() {
        for p in [
            "[ipv4-addr:value = '198.51.100.1/32']",
            "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
            "[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND email-message:body_multipart[*].body_raw_ref.name LIKE 'pdf%']",
            "([ipv4-addr:value = '198.51.100.5/32'] OR [ipv4-addr:value = '198.51.100.10/32']) FOLLOWEDBY [domain-name:value = 'example.com'] WITHIN 600 SECONDS",
            "[network-traffic:dst_port IN (80, 443) AND network-traffic:protocols[0] = 'tcp'] REPEATS 5 TIMES START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00.123Z'",
            "[x-chokepoint-keyed-hash:kind = 'ip' AND x-chokepoint-keyed-hash:value IN ('ab', 'cd')]",
            "[autonomous-system:number = 64500]",
            "[file:size NOT > 10 AND file:name NOT = 'a\\'b']",
            "[artifact:payload_bin = b'aGVsbG8=' OR file:hashes.MD5 = h'0a1b']",
        ] {
            parse(p).unwrap_or_else(|e| panic!("{p}: {e}"));
        }
    }

    #[test]
    fn rejects_malformed() {
        for p in [
            "",
            "[ipv4-addr:value = '1.2.3.4'",
            "ipv4-addr:value = '1.2.3.4'",
            "[ipv4-addr value = '1']",
            "[ipv4-addr:value == '1']",
            "[ipv4-addr:value = 'x'] AND",
            "[a:b = 1] WITHIN -3 SECONDS",
            "[a:b = t'yesterday']",
            "[a:b IN ((1))]",
            "[a:b = 'unterminated]",
            "[a:b = 'x'] trailing",
            "[a:b < true]",
        ] {
            assert!(parse(p).is_err(), "{p} should not parse");
        }
        let deep = "(".repeat(10_000) + "[a:b = 1]" + &")".repeat(10_000);
        assert!(parse(&deep).is_err());
    }

    #[test]
    fn extracts_tests_and_quotes() {
        let q = quote("it's a \\ test");
        let p = format!("[x-y:value = {q}]");
        match parse(&p).unwrap() {
            Observation::Single(c, _) => {
                let t = c.tests();
                assert_eq!(t[0].2, &Literal::Str("it's a \\ test".into()));
                assert_eq!(t[0].0.object_type, "x-y");
            }
            o => panic!("{o:?}"),
        }
    }
}
