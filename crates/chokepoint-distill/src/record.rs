//! One validated API-log record, borrowed from the reader's buffer where it can be.

use chokepoint_core::time::truncate;
use serde::Deserialize;
use std::borrow::Cow;

/// A record that passed validation (`specs/api-log.md`): required fields present, timestamps
/// parsed. Strings borrow from the input buffer unless they contained escapes.
#[derive(Debug, Clone, Default)]
pub struct Record<'a> {
    /// Arrival time, milliseconds since the Unix epoch (UTC).
    pub ts_ms: i64,
    pub account_id: Cow<'a, str>,
    pub prompt: Cow<'a, str>,
    pub org_id: Option<Cow<'a, str>>,
    pub ip: Option<Cow<'a, str>>,
    pub asn: Option<u32>,
    pub country: Option<Cow<'a, str>>,
    pub user_agent: Option<Cow<'a, str>>,
    pub payment_fingerprint: Option<Cow<'a, str>>,
    pub email_domain: Option<Cow<'a, str>>,
    pub account_created_ms: Option<i64>,
    pub account_tier: Option<Cow<'a, str>>,
    pub model: Option<Cow<'a, str>>,
    pub system_prompt: Option<Cow<'a, str>>,
    /// Number of tools declared.
    pub tools: usize,
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
}

/// Why a record was rejected: the field (when one is to blame) and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    pub field: Option<String>,
    pub message: String,
}

impl RecordError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        RecordError {
            field: Some(field.to_string()),
            message: message.into(),
        }
    }
    pub fn other(message: impl Into<String>) -> Self {
        RecordError {
            field: None,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "field `{field}`: {}", self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

/// Parses an RFC 3339 timestamp into epoch milliseconds.
pub fn parse_ts_ms(field: &str, s: &str) -> Result<i64, RecordError> {
    chokepoint_core::parse_rfc3339(s)
        .map(|t| t.timestamp_millis())
        .map_err(|m| RecordError::field(field, m))
}

#[derive(Deserialize)]
struct JsonRecord<'a> {
    #[serde(borrow, default)]
    ts: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    account_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    prompt: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    org_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    ip: Option<Cow<'a, str>>,
    #[serde(default)]
    asn: Option<u32>,
    #[serde(borrow, default)]
    country: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    user_agent: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    payment_fingerprint: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    email_domain: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    account_created: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    account_tier: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    model: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    system_prompt: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    tools: Option<Vec<Cow<'a, str>>>,
    #[serde(default)]
    prompt_tokens: Option<u32>,
    #[serde(default)]
    completion_tokens: Option<u32>,
}

/// Field types the JSON reader expects, used to name the field behind a type error.
const JSON_TYPES: &[(&str, &str)] = &[
    ("ts", "string"),
    ("account_id", "string"),
    ("prompt", "string"),
    ("request_id", "string"),
    ("org_id", "string"),
    ("api_key_id", "string"),
    ("ip", "string"),
    ("asn", "u32"),
    ("country", "string"),
    ("user_agent", "string"),
    ("payment_fingerprint", "string"),
    ("email_domain", "string"),
    ("account_created", "string"),
    ("account_tier", "string"),
    ("model", "string"),
    ("system_prompt", "string"),
    ("tools", "array"),
    ("prompt_tokens", "u32"),
    ("completion_tokens", "u32"),
    ("stop_reason", "string"),
];

fn explain_json_error(line: &[u8], err: &serde_json::Error) -> RecordError {
    if std::str::from_utf8(line).is_err() {
        return RecordError::other("not valid UTF-8");
    }
    // Only on the error path: find the field with the wrong type for a useful message.
    if let Ok(serde_json::Value::Object(m)) = serde_json::from_slice::<serde_json::Value>(line) {
        for (k, want) in JSON_TYPES {
            let Some(v) = m.get(*k) else { continue };
            let ok = match *want {
                "string" => v.is_string() || v.is_null(),
                "u32" => v.is_null() || v.as_u64().is_some_and(|n| n <= u64::from(u32::MAX)),
                "array" => {
                    v.is_null()
                        || v.as_array()
                            .is_some_and(|a| a.iter().all(|x| x.is_string()))
                }
                _ => true,
            };
            if !ok {
                let shown = v.to_string();
                return RecordError::field(
                    k,
                    format!("expected {want}, found {}", truncate(&shown, 40)),
                );
            }
        }
    } else if let Ok(v) = serde_json::from_slice::<serde_json::Value>(line) {
        let kind = match v {
            serde_json::Value::Array(_) => "an array",
            serde_json::Value::String(_) => "a string",
            serde_json::Value::Number(_) => "a number",
            _ => "not an object",
        };
        return RecordError::other(format!("record is {kind}, not a JSON object"));
    }
    RecordError::other(format!("invalid JSON ({err})"))
}

/// Parses one JSON line (without its newline) into a validated record.
pub fn parse_json_line(line: &[u8]) -> Result<Record<'_>, RecordError> {
    let raw: JsonRecord<'_> =
        serde_json::from_slice(line).map_err(|e| explain_json_error(line, &e))?;
    let ts = raw
        .ts
        .ok_or_else(|| RecordError::field("ts", "required field is missing"))?;
    let account_id = raw
        .account_id
        .ok_or_else(|| RecordError::field("account_id", "required field is missing"))?;
    let prompt = raw
        .prompt
        .ok_or_else(|| RecordError::field("prompt", "required field is missing"))?;
    build(RawFields {
        ts: &ts,
        account_id,
        prompt,
        org_id: raw.org_id,
        ip: raw.ip,
        asn: raw.asn,
        country: raw.country,
        user_agent: raw.user_agent,
        payment_fingerprint: raw.payment_fingerprint,
        email_domain: raw.email_domain,
        account_created: raw.account_created.as_deref(),
        account_tier: raw.account_tier,
        model: raw.model,
        system_prompt: raw.system_prompt,
        tools: raw.tools.map_or(0, |t| t.len()),
        prompt_tokens: raw.prompt_tokens,
        completion_tokens: raw.completion_tokens,
    })
}

/// The fields of a record as any reader found them, before validation.
pub struct RawFields<'a, 't> {
    pub ts: &'t str,
    pub account_id: Cow<'a, str>,
    pub prompt: Cow<'a, str>,
    pub org_id: Option<Cow<'a, str>>,
    pub ip: Option<Cow<'a, str>>,
    pub asn: Option<u32>,
    pub country: Option<Cow<'a, str>>,
    pub user_agent: Option<Cow<'a, str>>,
    pub payment_fingerprint: Option<Cow<'a, str>>,
    pub email_domain: Option<Cow<'a, str>>,
    pub account_created: Option<&'t str>,
    pub account_tier: Option<Cow<'a, str>>,
    pub model: Option<Cow<'a, str>>,
    pub system_prompt: Option<Cow<'a, str>>,
    pub tools: usize,
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
}

fn non_empty(v: Option<Cow<'_, str>>) -> Option<Cow<'_, str>> {
    v.filter(|s| !s.is_empty())
}

/// Validates raw fields into a record (shared by the JSON, CSV and Parquet readers).
pub fn build<'a>(f: RawFields<'a, '_>) -> Result<Record<'a>, RecordError> {
    let ts_ms = parse_ts_ms("ts", f.ts)?;
    if f.account_id.is_empty() {
        return Err(RecordError::field("account_id", "must not be empty"));
    }
    let account_created_ms = match f.account_created {
        Some(s) if !s.is_empty() => Some(parse_ts_ms("account_created", s)?),
        _ => None,
    };
    Ok(Record {
        ts_ms,
        account_id: f.account_id,
        prompt: f.prompt,
        org_id: non_empty(f.org_id),
        ip: non_empty(f.ip),
        asn: f.asn,
        country: non_empty(f.country),
        user_agent: non_empty(f.user_agent),
        payment_fingerprint: non_empty(f.payment_fingerprint),
        email_domain: non_empty(f.email_domain),
        account_created_ms,
        account_tier: non_empty(f.account_tier),
        model: non_empty(f.model),
        system_prompt: non_empty(f.system_prompt),
        tools: f.tools,
        prompt_tokens: f.prompt_tokens,
        completion_tokens: f.completion_tokens,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_example_parses() {
        let line = br#"{"ts":"2026-02-03T14:07:11.482Z","request_id":"r-91f2","account_id":"a-1029","org_id":"o-77","ip":"203.0.113.41","asn":64500,"country":"SG","user_agent":"python-httpx/0.27.0","payment_fingerprint":"pf-5c1e","email_domain":"mail.example","account_created":"2026-02-01T09:00:00Z","account_tier":"startup","model":"frontier-large","prompt":"Solve step by step","tools":[],"prompt_tokens":212,"completion_tokens":1490,"stop_reason":"end_turn","extra":{"x":1}}"#;
        let r = parse_json_line(line).unwrap();
        assert_eq!(r.account_id, "a-1029");
        assert_eq!(r.asn, Some(64500));
        assert_eq!(r.ts_ms, 1_770_127_631_482);
    }

    #[test]
    fn errors_name_the_field() {
        let e = parse_json_line(br#"{"ts":"2026-02-03T14:07:11Z","prompt":"x"}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("account_id"));
        let e = parse_json_line(br#"{"ts":"nope","account_id":"a","prompt":"x"}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("ts"));
        let e = parse_json_line(
            br#"{"ts":"2026-02-03T14:07:11Z","account_id":"a","prompt":"x","asn":"64500"}"#,
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("asn"), "{e}");
        let e = parse_json_line(b"[1,2]").unwrap_err();
        assert!(e.message.contains("array"), "{e}");
        let e = parse_json_line(b"{\"ts\":\"\xff\"}").unwrap_err();
        assert!(e.message.contains("UTF-8"), "{e}");
        let e = parse_json_line(b"{\"ts\":").unwrap_err();
        assert!(e.message.contains("invalid JSON"), "{e}");
    }
}
