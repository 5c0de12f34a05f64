//! Mergeable bounded summaries: exact up to a bound, then a bottom-k sketch.
//!
//! Every summary here keeps the entries whose *hash* is smallest. The kept set therefore
//! depends only on the set of values seen, never on the order or the sharding of the input:
//! merging two summaries gives exactly the summary of the union, and merge is associative
//! and commutative. That is what lets `distill profile` run on shards anywhere and
//! `distill link` produce the same report as one scan.

use chokepoint_core::template::splitmix64;
use serde::{Deserialize, Serialize};

/// Stable 64-bit hash of a string (FNV-1a, then SplitMix64 to spread it).
pub fn hash_str(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    splitmix64(h)
}

/// One kept value with how often and since when it was seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueCount {
    pub hash: u64,
    pub value: String,
    pub count: u64,
    /// Earliest timestamp (epoch ms) it was seen.
    pub first_ms: i64,
}

/// Distinct values of one attribute of an account (IPs, user agents, payment fingerprints...).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ValueSketch {
    /// Kept entries, sorted by hash.
    pub entries: Vec<ValueCount>,
    /// True when values were dropped because more than the bound were seen.
    pub saturated: bool,
}

impl ValueSketch {
    /// Records one occurrence of `value` at `ts_ms`.
    pub fn add(&mut self, value: &str, ts_ms: i64, bound: usize) {
        let hash = hash_str(value);
        match self
            .entries
            .binary_search_by(|e| (e.hash, e.value.as_str()).cmp(&(hash, value)))
        {
            Ok(i) => {
                let e = &mut self.entries[i];
                e.count += 1;
                e.first_ms = e.first_ms.min(ts_ms);
            }
            Err(i) => {
                if self.entries.len() >= bound && i >= bound {
                    self.saturated = true;
                    return;
                }
                self.entries.insert(
                    i,
                    ValueCount {
                        hash,
                        value: value.to_string(),
                        count: 1,
                        first_ms: ts_ms,
                    },
                );
                if self.entries.len() > bound {
                    self.entries.truncate(bound);
                    self.saturated = true;
                }
            }
        }
    }

    /// Merges `other` into `self`, keeping `bound` entries.
    pub fn merge(&mut self, other: ValueSketch, bound: usize) {
        let mut out = Vec::with_capacity((self.entries.len() + other.entries.len()).min(bound));
        let mut a = std::mem::take(&mut self.entries).into_iter().peekable();
        let mut b = other.entries.into_iter().peekable();
        let mut saturated = self.saturated || other.saturated;
        loop {
            let next = match (a.peek(), b.peek()) {
                (None, None) => break,
                (Some(_), None) => a.next(),
                (None, Some(_)) => b.next(),
                (Some(x), Some(y)) => {
                    match (x.hash, x.value.as_str()).cmp(&(y.hash, y.value.as_str())) {
                        std::cmp::Ordering::Less => a.next(),
                        std::cmp::Ordering::Greater => b.next(),
                        std::cmp::Ordering::Equal => {
                            // Both peeked, so both have a next.
                            match (a.next(), b.next()) {
                                (Some(mut x), Some(y)) => {
                                    x.count += y.count;
                                    x.first_ms = x.first_ms.min(y.first_ms);
                                    Some(x)
                                }
                                (x, y) => x.or(y),
                            }
                        }
                    }
                }
            };
            if let Some(e) = next {
                if out.len() < bound {
                    out.push(e);
                } else {
                    saturated = true;
                }
            }
        }
        self.entries = out;
        self.saturated = saturated;
    }

    /// Distinct values: exact when not saturated, else the KMV estimate `(k-1) / h_k`.
    pub fn distinct(&self) -> f64 {
        let k = self.entries.len();
        if !self.saturated || k < 2 {
            return k as f64;
        }
        let hk = self.entries[k - 1].hash as f64 / u64::MAX as f64;
        ((k - 1) as f64 / hk.max(f64::MIN_POSITIVE)).max(k as f64)
    }

    /// The kept value with the highest count (ties: smallest hash).
    pub fn top(&self) -> Option<&ValueCount> {
        self.entries
            .iter()
            .max_by(|a, b| a.count.cmp(&b.count).then(b.hash.cmp(&a.hash)))
    }

    /// Occurrences counted over the kept entries.
    pub fn kept_count(&self) -> u64 {
        self.entries.iter().map(|e| e.count).sum()
    }
}

/// A bounded sample of request timestamps: the `bound` timestamps with the smallest hash.
/// Exact (all timestamps) for accounts with fewer requests than the bound.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TimeSample {
    /// (hash, epoch ms, multiplicity), sorted by (hash, ms).
    pub entries: Vec<(u64, i64, u32)>,
    pub saturated: bool,
}

impl TimeSample {
    pub fn add(&mut self, ts_ms: i64, bound: usize) {
        let h = splitmix64(ts_ms as u64);
        match self
            .entries
            .binary_search_by(|e| (e.0, e.1).cmp(&(h, ts_ms)))
        {
            Ok(i) => self.entries[i].2 = self.entries[i].2.saturating_add(1),
            Err(i) => {
                if self.entries.len() >= bound && i >= bound {
                    self.saturated = true;
                    return;
                }
                self.entries.insert(i, (h, ts_ms, 1));
                if self.entries.len() > bound {
                    self.entries.truncate(bound);
                    self.saturated = true;
                }
            }
        }
    }

    pub fn merge(&mut self, other: TimeSample, bound: usize) {
        let mut all = std::mem::take(&mut self.entries);
        all.extend(other.entries);
        all.sort_unstable_by_key(|e| (e.0, e.1));
        let mut out: Vec<(u64, i64, u32)> = Vec::with_capacity(all.len().min(bound));
        let mut saturated = self.saturated || other.saturated;
        for e in all {
            let full = out.len() >= bound;
            match out.last_mut() {
                Some(l) if l.0 == e.0 && l.1 == e.1 => l.2 = l.2.saturating_add(e.2),
                _ if full => saturated = true,
                _ => out.push(e),
            }
        }
        self.entries = out;
        self.saturated = saturated;
    }

    /// The kept timestamps in time order (with multiplicity).
    pub fn sorted_times(&self) -> Vec<i64> {
        let mut v: Vec<i64> = self
            .entries
            .iter()
            .flat_map(|&(_, t, n)| std::iter::repeat_n(t, n as usize))
            .collect();
        v.sort_unstable();
        v
    }
}

/// One sampled prompt: its bottom-k shingle sketch and how often the exact text recurred.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampledPrompt {
    /// Hash of the exact prompt text (the sampling key).
    pub hash: u64,
    /// The smallest shingle hashes of the masked prompt (a bottom-k MinHash sketch), sorted.
    pub shingles: Vec<u64>,
    /// Number of shingles of the whole masked prompt (before the bottom-k cut).
    pub total_shingles: u32,
    pub count: u64,
}

/// The `bound` distinct prompts of an account with the smallest text hash.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PromptSample {
    pub entries: Vec<SampledPrompt>,
    pub saturated: bool,
}

impl PromptSample {
    /// Would a prompt with this hash enter the sample? (Check before computing shingles.)
    pub fn wants(&self, hash: u64, bound: usize) -> bool {
        self.entries.len() < bound || self.entries.last().is_some_and(|l| hash <= l.hash)
    }

    /// Adds a prompt; `shingles` is only called when the prompt enters the sample.
    pub fn add(&mut self, hash: u64, bound: usize, shingles: impl FnOnce() -> (Vec<u64>, u32)) {
        match self.entries.binary_search_by(|e| e.hash.cmp(&hash)) {
            Ok(i) => self.entries[i].count += 1,
            Err(i) => {
                if i >= bound {
                    self.saturated = true;
                    return;
                }
                let (shingles, total_shingles) = shingles();
                self.entries.insert(
                    i,
                    SampledPrompt {
                        hash,
                        shingles,
                        total_shingles,
                        count: 1,
                    },
                );
                if self.entries.len() > bound {
                    self.entries.truncate(bound);
                    self.saturated = true;
                }
            }
        }
    }

    pub fn merge(&mut self, other: PromptSample, bound: usize) {
        let mut all = std::mem::take(&mut self.entries);
        all.extend(other.entries);
        all.sort_by_key(|e| e.hash);
        let mut out: Vec<SampledPrompt> = Vec::with_capacity(all.len().min(bound));
        let mut saturated = self.saturated || other.saturated;
        for e in all {
            let full = out.len() >= bound;
            match out.last_mut() {
                Some(l) if l.hash == e.hash => l.count += e.count,
                _ if full => saturated = true,
                _ => out.push(e),
            }
        }
        self.entries = out;
        self.saturated = saturated;
    }
}

/// The bottom-`k` of a sorted shingle set.
pub fn bottom_k(shingles: &[u64], k: usize) -> Vec<u64> {
    shingles.iter().copied().take(k).collect()
}

/// Estimated Jaccard similarity of two sets from their bottom-k sketches (both sorted):
/// among the k smallest hashes of the union, the share present in both.
pub fn jaccard_bottom_k(a: &[u64], b: &[u64], k: usize) -> f64 {
    let (mut i, mut j, mut seen, mut both) = (0, 0, 0, 0);
    while seen < k && (i < a.len() || j < b.len()) {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                both += 1;
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => i += 1,
            (Some(_), Some(_)) => j += 1,
            (Some(_), None) => i += 1,
            (None, Some(_)) => j += 1,
            (None, None) => break,
        }
        seen += 1;
    }
    if seen == 0 {
        0.0
    } else {
        both as f64 / seen as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sketch_of(vals: &[String], bound: usize) -> ValueSketch {
        let mut s = ValueSketch::default();
        for (i, v) in vals.iter().enumerate() {
            s.add(v, i as i64, bound);
        }
        s
    }

    proptest! {
        #[test]
        fn value_sketch_merge_equals_sketch_of_union(vals in proptest::collection::vec("[a-f]{1,3}", 0..80), cut in 0usize..80, bound in 1usize..12) {
            let cut = cut.min(vals.len());
            let whole = sketch_of(&vals, bound);
            let mut left = sketch_of(&vals[..cut], bound);
            let right = {
                let mut s = ValueSketch::default();
                for (i, v) in vals[cut..].iter().enumerate() { s.add(v, (cut + i) as i64, bound); }
                s
            };
            left.merge(right, bound);
            prop_assert_eq!(left, whole);
        }

        #[test]
        fn time_sample_merge_equals_sample_of_union(ts in proptest::collection::vec(0i64..50, 0..60), cut in 0usize..60, bound in 2usize..10) {
            let cut = cut.min(ts.len());
            let mut whole = TimeSample::default();
            for t in &ts { whole.add(*t, bound); }
            let (mut l, mut r) = (TimeSample::default(), TimeSample::default());
            for t in &ts[..cut] { l.add(*t, bound); }
            for t in &ts[cut..] { r.add(*t, bound); }
            r.merge(l, bound);
            prop_assert_eq!(r, whole);
        }
    }

    #[test]
    fn distinct_estimate_is_close_when_saturated() {
        let vals: Vec<String> = (0..5000)
            .map(|i| format!("10.0.{}.{}", i / 256, i % 256))
            .collect();
        let s = sketch_of(&vals, 64);
        assert!(s.saturated);
        let d = s.distinct();
        assert!((3500.0..7000.0).contains(&d), "{d}");
        assert_eq!(sketch_of(&vals[..10], 64).distinct(), 10.0);
    }

    #[test]
    fn jaccard_estimates() {
        let a: Vec<u64> = (0..100)
            .map(splitmix64)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert!((jaccard_bottom_k(&a, &a, 32) - 1.0).abs() < 1e-12);
        let b: Vec<u64> = (1000..1100)
            .map(splitmix64)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(jaccard_bottom_k(&a, &b, 32), 0.0);
    }
}
