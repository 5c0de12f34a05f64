//! The per-account profile: the map step's output, mergeable across shards.

use crate::config::ProfileConfig;
use crate::patterns::{self, Capability};
use crate::record::Record;
use crate::sketch::{bottom_k, hash_str, PromptSample, TimeSample, ValueSketch};
use serde::{Deserialize, Serialize};

/// Everything the scan needs to know about one account, in bounded memory. Only integer
/// counters and hash-selected samples, so that merging is exact, associative and commutative.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Profile {
    pub account_id: String,
    pub records: u64,
    pub first_ms: i64,
    pub last_ms: i64,
    /// Records that carried token counts, and their sums.
    pub token_records: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Requests per UTC hour of day.
    pub hours: [u64; 24],
    /// Requests whose prompt or system prompt elicits chain-of-thought.
    pub cot: u64,
    /// Requests per capability area (index: `Capability as usize`).
    pub capabilities: [u64; 7],
    /// Earliest `account_created` seen.
    pub created_ms: Option<i64>,
    pub ips: ValueSketch,
    /// IPv4 /24 or IPv6 /48 prefixes.
    pub subnets: ValueSketch,
    pub asns: ValueSketch,
    pub countries: ValueSketch,
    pub user_agents: ValueSketch,
    pub payments: ValueSketch,
    pub email_domains: ValueSketch,
    pub orgs: ValueSketch,
    pub tiers: ValueSketch,
    pub models: ValueSketch,
    pub times: TimeSample,
    pub prompts: PromptSample,
}

/// The /24 (IPv4) or /48 (IPv6) prefix of an address, or `None` when it is not an address.
pub fn subnet_of(ip: &str) -> Option<String> {
    match ip.parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(v4) => {
            let o = v4.octets();
            Some(format!("{}.{}.{}.0/24", o[0], o[1], o[2]))
        }
        std::net::IpAddr::V6(v6) => {
            let s = v6.segments();
            Some(format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2]))
        }
    }
}

impl Profile {
    pub fn new(account_id: &str) -> Self {
        Profile {
            account_id: account_id.to_string(),
            first_ms: i64::MAX,
            last_ms: i64::MIN,
            ..Profile::default()
        }
    }

    /// Adds one record of this account.
    pub fn add(&mut self, r: &Record<'_>, cfg: &ProfileConfig) {
        let t = r.ts_ms;
        self.records += 1;
        self.first_ms = self.first_ms.min(t);
        self.last_ms = self.last_ms.max(t);
        if let (Some(p), Some(c)) = (r.prompt_tokens, r.completion_tokens) {
            self.token_records += 1;
            self.prompt_tokens += u64::from(p);
            self.completion_tokens += u64::from(c);
        }
        let hour = (t.rem_euclid(86_400_000) / 3_600_000) as usize;
        self.hours[hour.min(23)] += 1;
        if patterns::elicits_cot(&r.prompt)
            || r.system_prompt
                .as_deref()
                .is_some_and(patterns::elicits_cot)
        {
            self.cot += 1;
        }
        self.capabilities[patterns::capability(&r.prompt, r.tools > 0) as usize] += 1;
        if let Some(c) = r.account_created_ms {
            self.created_ms = Some(self.created_ms.map_or(c, |x| x.min(c)));
        }
        let k = cfg.distinct_values;
        if let Some(ip) = r.ip.as_deref() {
            self.ips.add(ip, t, k);
            if let Some(s) = subnet_of(ip) {
                self.subnets.add(&s, t, k);
            }
        }
        if let Some(asn) = r.asn {
            self.asns.add(&asn.to_string(), t, k);
        }
        for (sketch, v) in [
            (&mut self.countries, &r.country),
            (&mut self.user_agents, &r.user_agent),
            (&mut self.payments, &r.payment_fingerprint),
            (&mut self.email_domains, &r.email_domain),
            (&mut self.orgs, &r.org_id),
            (&mut self.tiers, &r.account_tier),
            (&mut self.models, &r.model),
        ] {
            if let Some(v) = v.as_deref() {
                sketch.add(v, t, k);
            }
        }
        self.times.add(t, cfg.timestamps);
        let h = hash_str(&r.prompt);
        if self.prompts.wants(h, cfg.prompt_samples) {
            let kk = cfg.shingles_per_prompt;
            self.prompts
                .add(h, cfg.prompt_samples, || prompt_sketch(&r.prompt, kk));
        }
    }

    /// Merges another profile of the same account into this one.
    pub fn merge(&mut self, o: Profile, cfg: &ProfileConfig) {
        self.records += o.records;
        self.first_ms = self.first_ms.min(o.first_ms);
        self.last_ms = self.last_ms.max(o.last_ms);
        self.token_records += o.token_records;
        self.prompt_tokens += o.prompt_tokens;
        self.completion_tokens += o.completion_tokens;
        for i in 0..24 {
            self.hours[i] += o.hours[i];
        }
        self.cot += o.cot;
        for i in 0..7 {
            self.capabilities[i] += o.capabilities[i];
        }
        self.created_ms = match (self.created_ms, o.created_ms) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let k = cfg.distinct_values;
        self.ips.merge(o.ips, k);
        self.subnets.merge(o.subnets, k);
        self.asns.merge(o.asns, k);
        self.countries.merge(o.countries, k);
        self.user_agents.merge(o.user_agents, k);
        self.payments.merge(o.payments, k);
        self.email_domains.merge(o.email_domains, k);
        self.orgs.merge(o.orgs, k);
        self.tiers.merge(o.tiers, k);
        self.models.merge(o.models, k);
        self.times.merge(o.times, cfg.timestamps);
        self.prompts.merge(o.prompts, cfg.prompt_samples);
    }

    /// Share of requests per capability area.
    pub fn capability_share(&self) -> Vec<(Capability, f64)> {
        let n = self.records.max(1) as f64;
        Capability::ALL
            .iter()
            .map(|&c| (c, self.capabilities[c as usize] as f64 / n))
            .collect()
    }

    /// Shannon entropy (bits) of the hour-of-day histogram: ~4.58 for round-the-clock traffic,
    /// ~3 for a working day.
    pub fn hour_entropy(&self) -> f64 {
        entropy(&self.hours)
    }
}

/// Shingles kept from the start and from the end of a prompt: templates wrap their content
/// in an instruction frame, so the frame is kept whole and the rest is sampled.
pub const FRAME_SHINGLES: usize = 16;

/// The stored sketch of one prompt: the shingles of its first and last [`FRAME_SHINGLES`]
/// token 3-grams plus the smallest-hash shingles of the middle, up to `k` in all; sorted.
/// Returns the sketch and the prompt's total number of distinct shingles.
pub fn prompt_sketch(prompt: &str, k: usize) -> (Vec<u64>, u32) {
    let tokens = chokepoint_core::template::token_hashes(prompt);
    let windows: Vec<u64> = match tokens.len() {
        0..=2 => chokepoint_core::template::shingles_of_tokens(&tokens),
        _ => tokens
            .windows(3)
            .map(|w| chokepoint_core::template::mix3(w[0], w[1], w[2]))
            .collect(),
    };
    let mut all = windows.clone();
    all.sort_unstable();
    all.dedup();
    let total = u32::try_from(all.len()).unwrap_or(u32::MAX);
    if windows.len() <= k {
        return (all, total);
    }
    let frame = FRAME_SHINGLES.min(k / 4);
    let mut kept: Vec<u64> = windows[..frame]
        .iter()
        .chain(&windows[windows.len() - frame..])
        .copied()
        .collect();
    let mut middle: Vec<u64> = windows[frame..windows.len() - frame].to_vec();
    middle.sort_unstable();
    middle.dedup();
    kept.sort_unstable();
    kept.dedup();
    let need = k.saturating_sub(kept.len());
    let extra: Vec<u64> = middle
        .into_iter()
        .filter(|m| kept.binary_search(m).is_err())
        .take(need)
        .collect();
    kept.extend(extra);
    kept.sort_unstable();
    (bottom_k(&kept, k), total)
}

/// Shannon entropy in bits of a histogram.
pub fn entropy(counts: &[u64]) -> f64 {
    let n: u64 = counts.iter().sum();
    if n == 0 {
        return 0.0;
    }
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n as f64;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn rec(t: i64, acct: &str, prompt: &str, ip: &str) -> Record<'static> {
        Record {
            ts_ms: t,
            account_id: Cow::Owned(acct.into()),
            prompt: Cow::Owned(prompt.into()),
            ip: Some(Cow::Owned(ip.into())),
            asn: Some(16509),
            prompt_tokens: Some(10),
            completion_tokens: Some(100),
            ..Record::default()
        }
    }

    #[test]
    fn merge_of_shards_equals_whole() {
        let cfg = ProfileConfig {
            prompt_samples: 4,
            distinct_values: 3,
            timestamps: 5,
            ..ProfileConfig::default()
        };
        let recs: Vec<_> = (0..40)
            .map(|i| {
                rec(
                    i * 61_000,
                    "a",
                    &format!("prompt number {} think step by step", i % 9),
                    &format!("10.0.{}.1", i % 7),
                )
            })
            .collect();
        let mut whole = Profile::new("a");
        recs.iter().for_each(|r| whole.add(r, &cfg));
        for cut in [0, 1, 17, 39, 40] {
            let (mut a, mut b) = (Profile::new("a"), Profile::new("a"));
            recs[..cut].iter().for_each(|r| a.add(r, &cfg));
            recs[cut..].iter().for_each(|r| b.add(r, &cfg));
            b.merge(a, &cfg);
            assert_eq!(b, whole, "cut at {cut}");
        }
        assert_eq!(whole.cot, 40);
        assert_eq!(whole.records, 40);
        assert!(whole.ips.saturated);
        assert_eq!(whole.prompts.entries.len(), 4);
    }

    #[test]
    fn subnets() {
        assert_eq!(subnet_of("203.0.113.41").as_deref(), Some("203.0.113.0/24"));
        assert_eq!(
            subnet_of("2001:db8:1:2::5").as_deref(),
            Some("2001:db8:1::/48")
        );
        assert_eq!(subnet_of("nope"), None);
    }

    #[test]
    fn hour_entropy_of_flat_and_peaked() {
        let mut p = Profile::new("x");
        p.hours = [10; 24];
        assert!((p.hour_entropy() - 24f64.log2()).abs() < 1e-9);
        p.hours = [0; 24];
        p.hours[9] = 5;
        assert_eq!(p.hour_entropy(), 0.0);
    }
}
