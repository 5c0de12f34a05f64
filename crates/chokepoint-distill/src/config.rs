//! Weights and thresholds of the scan, loadable from TOML (`--config FILE`).
//!
//! Every number here is a documented default chosen from the *mechanics* of a distillation
//! campaign (what an attacker must do to harvest at scale), not fitted to one dataset. The
//! defaults are written out in `distill.default.toml` next to this file; `chokepoint distill
//! config` prints them.

use serde::{Deserialize, Serialize};

/// All knobs of a scan. Unknown keys in a file are an error that names the key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Score at or above which an account (and a campaign) is flagged.
    pub threshold: f64,
    /// Profile bounds (memory per account).
    pub profile: ProfileConfig,
    /// Linking accounts into campaigns.
    pub link: LinkConfig,
    /// Weights of the evidence that makes a campaign a distillation campaign.
    pub weights: Weights,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            threshold: 0.5,
            profile: ProfileConfig::default(),
            link: LinkConfig::default(),
            weights: Weights::default(),
        }
    }
}

/// Bounds that keep a profile's memory constant however many records an account sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProfileConfig {
    /// Prompts kept per account for template clustering (the ones with the smallest hash, so
    /// that any sharding of the input keeps the same ones).
    pub prompt_samples: usize,
    /// Shingles kept per sampled prompt (a bottom-k MinHash sketch).
    pub shingles_per_prompt: usize,
    /// Distinct values kept exactly per attribute (IPs, user agents...); beyond, a sketch.
    pub distinct_values: usize,
    /// Request timestamps kept per account for timing statistics.
    pub timestamps: usize,
    /// Longest accepted record (bytes); a longer line is a bad record.
    pub max_record_bytes: usize,
}

impl Default for ProfileConfig {
    fn default() -> Self {
        ProfileConfig {
            prompt_samples: 16,
            shingles_per_prompt: 48,
            distinct_values: 24,
            timestamps: 512,
            max_record_bytes: 8 << 20,
        }
    }
}

/// How accounts are linked into campaigns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LinkConfig {
    /// Estimated Jaccard similarity of two masked prompts above which they are one template.
    pub template_similarity: f64,
    /// Minimum shingles a template skeleton must have (shorter "templates" are common phrases).
    pub min_template_shingles: usize,
    /// An account joins a template's group when at least this share of its sampled prompts
    /// fall in that template...
    pub template_account_share: f64,
    /// ...or at least this many of them do.
    pub template_account_prompts: usize,
    /// A payment fingerprint links at most this many accounts (more is a payment processor or a
    /// data artefact, not a campaign).
    pub max_payment_accounts: usize,
    /// An IP address links at most this many accounts (carrier NAT, VPN exits and offices above).
    pub max_ip_accounts: usize,
    /// An IP links accounts only when they used it for at least this share of their requests.
    pub ip_account_share: f64,
    /// Smallest group of accounts reported as a campaign.
    pub min_campaign_accounts: usize,
    /// Also join accounts that fill the same prompt templates. Off by default: ordinary users
    /// share phrasing too, and template links alone glue unrelated accounts into one giant
    /// component; templates count as scoring evidence instead.
    pub template_links: bool,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            template_similarity: 0.3,
            min_template_shingles: 6,
            template_account_share: 0.25,
            template_account_prompts: 3,
            max_payment_accounts: 2000,
            max_ip_accounts: 16,
            ip_account_share: 0.2,
            min_campaign_accounts: 3,
            template_links: false,
        }
    }
}

/// Weights of campaign evidence. Each signal is first mapped to [0, 1] (see `score.rs` for the
/// ramps); the campaign score is `1 - exp(-sum(weight * signal))`, so that several independent
/// pieces of evidence are needed before a campaign crosses the default threshold of 0.5
/// (`-ln 0.5 = 0.69`): no single signal has a weight above 0.5.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    /// Share of the campaign's prompts that are fills of templates used across its accounts.
    pub shared_templates: f64,
    /// Share of prompts that elicit chain-of-thought / reasoning traces.
    pub cot_elicitation: f64,
    /// Accounts created in a burst.
    pub creation_burst: f64,
    /// Young accounts (median age at first request).
    pub new_accounts: f64,
    /// Requests from hosting / proxy networks with IPs rotating across accounts.
    pub proxy_rotation: f64,
    /// Payment methods shared across accounts that claim to be unrelated (different orgs).
    pub shared_payment: f64,
    /// Round-the-clock, load-balanced timing of the group as a whole.
    pub load_balanced_timing: f64,
    /// Many accounts each kept small (the rate-limit evasion pattern).
    pub spread_thin: f64,
    /// A jump to a newly released model within a day of its first appearance.
    pub model_release_jump: f64,
    /// Long completions for short prompts (harvesting outputs).
    pub output_harvesting: f64,
    /// Weak-verification tiers (free, edu, startup programmes) used to farm accounts.
    pub weak_tiers: f64,
    /// Prompts spread evenly over many capability areas (coding, maths, reasoning, tools...):
    /// a training-data harvest covers the curriculum; a product uses one or two areas.
    pub capability_breadth: f64,
    /// Members of a group active in the same minutes far more often than their own hourly
    /// activity explains: one scheduler driving many accounts.
    pub synchronised_timing: f64,
    /// The whole group on one exact client stack (user agent) that few accounts outside it use.
    pub shared_client_stack: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            shared_templates: 0.2,
            cot_elicitation: 0.5,
            creation_burst: 0.3,
            new_accounts: 0.15,
            proxy_rotation: 0.3,
            shared_payment: 0.3,
            load_balanced_timing: 0.2,
            spread_thin: 0.2,
            model_release_jump: 0.3,
            output_harvesting: 0.05,
            weak_tiers: 0.1,
            capability_breadth: 0.05,
            synchronised_timing: 0.2,
            shared_client_stack: 0.1,
        }
    }
}

impl Config {
    /// Checks ranges; the error names the key and its allowed range.
    pub fn validate(&self) -> Result<(), String> {
        let unit = |k: &str, v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(format!("`{k}` = {v} is outside [0, 1]"))
            }
        };
        unit("threshold", self.threshold)?;
        unit("link.template_similarity", self.link.template_similarity)?;
        unit(
            "link.template_account_share",
            self.link.template_account_share,
        )?;
        unit("link.ip_account_share", self.link.ip_account_share)?;
        let w = &self.weights;
        for (k, v) in [
            ("shared_templates", w.shared_templates),
            ("cot_elicitation", w.cot_elicitation),
            ("creation_burst", w.creation_burst),
            ("new_accounts", w.new_accounts),
            ("proxy_rotation", w.proxy_rotation),
            ("shared_payment", w.shared_payment),
            ("load_balanced_timing", w.load_balanced_timing),
            ("spread_thin", w.spread_thin),
            ("model_release_jump", w.model_release_jump),
            ("output_harvesting", w.output_harvesting),
            ("weak_tiers", w.weak_tiers),
            ("capability_breadth", w.capability_breadth),
            ("synchronised_timing", w.synchronised_timing),
            ("shared_client_stack", w.shared_client_stack),
        ] {
            if !(0.0..=5.0).contains(&v) || !v.is_finite() {
                return Err(format!("`weights.{k}` = {v} is outside [0, 5]"));
            }
        }
        let p = &self.profile;
        for (k, v, lo, hi) in [
            ("profile.prompt_samples", p.prompt_samples, 1, 1024),
            (
                "profile.shingles_per_prompt",
                p.shingles_per_prompt,
                8,
                1024,
            ),
            ("profile.distinct_values", p.distinct_values, 1, 4096),
            ("profile.timestamps", p.timestamps, 2, 1 << 20),
            (
                "profile.max_record_bytes",
                p.max_record_bytes,
                1024,
                1 << 30,
            ),
            (
                "link.min_campaign_accounts",
                self.link.min_campaign_accounts,
                2,
                1 << 20,
            ),
            (
                "link.max_ip_accounts",
                self.link.max_ip_accounts,
                2,
                1 << 20,
            ),
            (
                "link.max_payment_accounts",
                self.link.max_payment_accounts,
                2,
                1 << 24,
            ),
        ] {
            if !(lo..=hi).contains(&v) {
                return Err(format!("`{k}` = {v} is outside [{lo}, {hi}]"));
            }
        }
        Ok(())
    }

    /// The defaults as TOML (what `distill.default.toml` holds).
    pub fn default_toml() -> String {
        // Serialising a plain struct of numbers cannot fail.
        toml_string(&Config::default())
    }
}

fn toml_string(c: &Config) -> String {
    match serde_json::to_value(c) {
        Ok(v) => json_to_toml(&v, ""),
        Err(_) => String::new(),
    }
}

/// Minimal writer for this config's shape (tables of numbers), so the crate needs no TOML
/// serialiser of its own.
fn json_to_toml(v: &serde_json::Value, prefix: &str) -> String {
    let mut out = String::new();
    let mut tables = String::new();
    if let serde_json::Value::Object(m) = v {
        for (k, val) in m {
            match val {
                serde_json::Value::Object(_) => {
                    let name = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    tables.push_str(&format!("\n[{name}]\n"));
                    tables.push_str(&json_to_toml(val, &name));
                }
                other => out.push_str(&format!("{k} = {other}\n")),
            }
        }
    }
    out + &tables
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn defaults_are_valid_and_round_trip_through_toml() {
        let c = Config::default();
        c.validate().unwrap();
        let text = Config::default_toml();
        let back: Config = chokepoint_core::config::parse_toml(&text, Path::new("d.toml")).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn unknown_and_out_of_range_keys_are_named() {
        let e = chokepoint_core::config::parse_toml::<Config>(
            "[weights]\ncot = 1\n",
            Path::new("c.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("cot") && e.contains("line 2"), "{e}");
        let c: Config =
            chokepoint_core::config::parse_toml("threshold = 1.5\n", Path::new("c.toml")).unwrap();
        assert!(c.validate().unwrap_err().contains("threshold"));
    }
}
