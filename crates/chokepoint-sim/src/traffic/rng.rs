//! Deterministic randomness: every account owns a ChaCha8 stream seeded from the dataset seed
//! and the account's index, so that a record's content never depends on the order in which the
//! scheduler interleaves accounts. Only `RngCore`/`SeedableRng` are used, with our own
//! samplers, so the output bytes do not change with a `rand` upgrade.

pub(crate) use rand_chacha::rand_core::{RngCore, SeedableRng};
pub(crate) type Rng = rand_chacha::ChaCha8Rng;

/// SplitMix64 finaliser: a bijection on `u64`, used to derive seeds and unique ids.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A child stream of `seed` for purpose `tag` and index `i`.
pub(crate) fn child(seed: u64, tag: u64, i: u64) -> Rng {
    Rng::seed_from_u64(mix64(
        mix64(seed ^ tag.wrapping_mul(0x2545_f491_4f6c_dd1d)) ^ i,
    ))
}

/// Samplers on top of a raw stream.
pub(crate) trait Draw {
    fn unit(&mut self) -> f64;
    /// Uniform in `0..n` (`n > 0`; returns 0 for `n == 0`).
    fn below(&mut self, n: usize) -> usize;
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    /// Uniform integer in `lo..=hi`.
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo + 1) as usize) as u64
    }
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    /// Exponential with the given mean.
    fn exp(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }
    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit();
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
    /// Log-normal with the given median and log-space sigma.
    fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }
    /// A positive gap with the given mean and coefficient of variation (log-normal).
    fn gap(&mut self, mean: f64, cv: f64) -> f64 {
        let s2 = (1.0 + cv * cv).ln();
        mean * (self.normal() * s2.sqrt() - s2 / 2.0).exp()
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    /// An index drawn with the given (non-negative) weights.
    fn weighted(&mut self, w: &[f64]) -> usize {
        let total: f64 = w.iter().sum();
        let mut x = self.unit() * total;
        for (i, wi) in w.iter().enumerate() {
            if x < *wi {
                return i;
            }
            x -= wi;
        }
        w.len().saturating_sub(1)
    }
    /// A random-looking identifier body of `n` characters (lowercase base-36).
    fn ident(&mut self, n: usize) -> String {
        const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
        (0..n).map(|_| ALPHABET[self.below(36)] as char).collect()
    }
    fn hex(&mut self, n: usize) -> String {
        const ALPHABET: &[u8] = b"0123456789abcdef";
        (0..n).map(|_| ALPHABET[self.below(16)] as char).collect()
    }
}

impl<R: RngCore> Draw for R {
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }
}

/// Shuffles `xs` in place (Fisher–Yates).
pub(crate) fn shuffle<T>(rng: &mut Rng, xs: &mut [T]) {
    for i in (1..xs.len()).rev() {
        let j = rng.below(i + 1);
        xs.swap(i, j);
    }
}
