//! The API traffic record: one request a model provider served (`specs/api-log.md`).
//!
//! It lives in core because two modules speak it: the simulator writes it and the distillation
//! scanner reads it. Field order here is the order of the spec's table, which is also the
//! column order writers use.

use serde::{Deserialize, Serialize};

/// One API request, exactly the fields of the api-log contract. `ts` and `account_created` stay
/// RFC 3339 strings here: readers validate them (a malformed timestamp is a bad record), and
/// writers emit them verbatim.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ApiRecord {
    pub ts: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    pub account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_fingerprint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_tier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    pub prompt: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_tokens: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_tokens: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
}

/// Column names of the contract, in order; `REQUIRED_FIELDS` must be present in every record.
pub const FIELDS: &[&str] = &[
    "ts",
    "request_id",
    "account_id",
    "org_id",
    "api_key_id",
    "ip",
    "asn",
    "country",
    "user_agent",
    "payment_fingerprint",
    "email_domain",
    "account_created",
    "account_tier",
    "model",
    "prompt",
    "system_prompt",
    "tools",
    "prompt_tokens",
    "completion_tokens",
    "stop_reason",
];

/// The fields without which a record is a bad record.
pub const REQUIRED_FIELDS: &[&str] = &["ts", "account_id", "prompt"];

/// The ground truth for one simulated account (one line of a labels file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountLabel {
    pub account_id: String,
    /// `attack` or `legit`.
    pub label: String,
    /// The campaign id for attack accounts, null for legitimate ones.
    pub campaign: Option<String>,
    /// The simulated population the account belongs to.
    pub population: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_example_round_trips() {
        let line = r#"{"ts":"2026-02-03T14:07:11.482Z","request_id":"r-91f2","account_id":"a-1029","org_id":"o-77","ip":"203.0.113.41","asn":64500,"country":"SG","user_agent":"python-httpx/0.27.0","payment_fingerprint":"pf-5c1e","email_domain":"mail.example","account_created":"2026-02-01T09:00:00Z","account_tier":"startup","model":"frontier-large","prompt":"Solve step by step and show all of your reasoning: ...","tools":[],"prompt_tokens":212,"completion_tokens":1490,"stop_reason":"end_turn"}"#;
        let r: ApiRecord = serde_json::from_str(line).unwrap();
        assert_eq!(r.asn, Some(64500));
        assert_eq!(serde_json::to_string(&r).unwrap(), line);
        assert_eq!(FIELDS.len(), 20);
    }
}
