//! Private indicators: keyed hashes and keyed template sketches under a community key.
//!
//! Labs share what identifies a campaign (payment fingerprints, client IPs, account ids, the
//! fixed text of its prompt templates) without sharing the values: every value is hashed with a
//! key that only the sharing community holds (keyed BLAKE3, one derived sub-key per kind), and a
//! template's skeleton travels as a keyed bottom-k MinHash sample. Small value spaces (IPv4,
//! card BINs) are brute-forceable by anyone holding the key, which is why keys are per community
//! and rotated: every indicator names the id of the key it was made with, and `intel match`
//! accepts several keys so that indicators made before a rotation still match.

use crate::IntelError;
use chokepoint_core::template::TemplateShingles;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::Path;

/// Number of keyed shingle hashes kept in a template sketch (bottom-k under the keyed order).
pub const SKETCH_K: usize = 64;

/// What kind of value a keyed hash stands for. Each kind has its own derived sub-key, so that
/// the same string hashed as an account and as an IP gives unrelated hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValueKind {
    Account,
    Ip,
    Payment,
}

impl ValueKind {
    /// The name used in patterns and extension properties.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueKind::Account => "account",
            ValueKind::Ip => "ip",
            ValueKind::Payment => "payment",
        }
    }
    /// Parses [`ValueKind::as_str`].
    pub fn parse(s: &str) -> Option<ValueKind> {
        match s {
            "account" => Some(ValueKind::Account),
            "ip" => Some(ValueKind::Ip),
            "payment" => Some(ValueKind::Payment),
            _ => None,
        }
    }
    fn context(self) -> &'static str {
        match self {
            ValueKind::Account => "chokepoint intel v1 keyed hash: account id",
            ValueKind::Ip => "chokepoint intel v1 keyed hash: ip address",
            ValueKind::Payment => "chokepoint intel v1 keyed hash: payment fingerprint",
        }
    }
}

/// The secret a sharing community holds. Never serialised; only its id travels.
#[derive(Clone)]
pub struct CommunityKey {
    root: [u8; 32],
    id: String,
    kind_keys: [[u8; 32]; 3],
    shingle_key: [u8; 32],
}

impl std::fmt::Debug for CommunityKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommunityKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl CommunityKey {
    /// A key from 32 secret bytes.
    pub fn from_bytes(root: [u8; 32]) -> CommunityKey {
        let idk = blake3::derive_key("chokepoint intel v1 community key id", &root);
        let mut id = String::from("ck1-");
        for b in &idk[..8] {
            let _ = write!(id, "{b:02x}");
        }
        CommunityKey {
            root,
            id,
            kind_keys: [
                blake3::derive_key(ValueKind::Account.context(), &root),
                blake3::derive_key(ValueKind::Ip.context(), &root),
                blake3::derive_key(ValueKind::Payment.context(), &root),
            ],
            shingle_key: blake3::derive_key("chokepoint intel v1 template shingle order", &root),
        }
    }

    /// Reads a key file: 64 hex digits (what [`CommunityKey::generate_hex`] writes), or any
    /// other secret of at least 32 bytes, which is stretched with BLAKE3's key derivation.
    /// Surrounding whitespace is ignored.
    pub fn from_file(path: &Path) -> Result<CommunityKey, IntelError> {
        let raw = std::fs::read(path).map_err(|source| IntelError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let text = String::from_utf8_lossy(&raw);
        Self::from_secret(text.trim()).map_err(|m| IntelError::Key {
            path: path.to_path_buf(),
            message: m,
        })
    }

    /// Parses a key from its text form (see [`CommunityKey::from_file`]).
    pub fn from_secret(secret: &str) -> Result<CommunityKey, String> {
        if secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit()) {
            let mut root = [0u8; 32];
            for (i, b) in root.iter_mut().enumerate() {
                // Cannot fail: all 64 characters were checked to be hex digits.
                *b = u8::from_str_radix(&secret[2 * i..2 * i + 2], 16).unwrap_or(0);
            }
            return Ok(CommunityKey::from_bytes(root));
        }
        if secret.len() < 32 {
            return Err(format!(
                "a community key must be 64 hex digits or a secret of at least 32 bytes (found {} bytes)",
                secret.len()
            ));
        }
        Ok(CommunityKey::from_bytes(blake3::derive_key(
            "chokepoint intel v1 community key from passphrase",
            secret.as_bytes(),
        )))
    }

    /// A fresh random key in its file form (64 hex digits).
    pub fn generate_hex() -> String {
        let mut b = [0u8; 32];
        rand::Rng::fill(&mut rand::rng(), &mut b[..]);
        hex(&b)
    }

    /// The key's public id (`ck1-` + 16 hex digits), written into every indicator.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The keyed hash of a value (32 hex digits, 128 bits). Values are normalised first so that
    /// two labs writing the same value differently still agree: IPs in canonical form
    /// (IPv4-mapped IPv6 as IPv4), other values trimmed.
    pub fn hash_value(&self, kind: ValueKind, value: &str) -> String {
        let norm = normalise(kind, value);
        let k = &self.kind_keys[kind as usize];
        let h = blake3::keyed_hash(k, norm.as_bytes());
        hex(&h.as_bytes()[..16])
    }

    /// A shingle's position in the community's keyed order (the keyed permutation).
    pub fn keyed_shingle(&self, shingle: u64) -> u64 {
        let h = blake3::keyed_hash(&self.shingle_key, &shingle.to_le_bytes());
        let mut b = [0u8; 8];
        b.copy_from_slice(&h.as_bytes()[..8]);
        u64::from_le_bytes(b)
    }

    /// The keyed sketch of a template skeleton: the `k` smallest keyed shingle hashes.
    pub fn sketch(&self, skeleton: &TemplateShingles, k: usize) -> KeyedSketch {
        let mut v: Vec<u64> = skeleton.0.iter().map(|s| self.keyed_shingle(*s)).collect();
        v.sort_unstable();
        v.dedup();
        v.truncate(k);
        KeyedSketch {
            key_id: self.id.clone(),
            skeleton_size: skeleton.0.len(),
            values: v,
        }
    }

    /// The keyed hashes of a local prompt's shingles, sorted, for [`KeyedSketch::containment_in`].
    pub fn keyed_prompt(&self, shingles: &[u64]) -> Vec<u64> {
        let mut v: Vec<u64> = shingles.iter().map(|s| self.keyed_shingle(*s)).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// An id derived from the key for a piece of shared data (used for deterministic STIX ids).
    pub fn derive_id(&self, label: &str) -> [u8; 16] {
        let k = blake3::derive_key("chokepoint intel v1 object ids", &self.root);
        let h = blake3::keyed_hash(&k, label.as_bytes());
        let mut out = [0u8; 16];
        out.copy_from_slice(&h.as_bytes()[..16]);
        out
    }
}

/// A keyed bottom-k sample of a template skeleton's shingles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedSketch {
    pub key_id: String,
    /// How many shingles the skeleton had (the sample holds `min(k, skeleton_size)`).
    pub skeleton_size: usize,
    /// Sorted keyed shingle hashes.
    pub values: Vec<u64>,
}

impl KeyedSketch {
    /// Estimated containment of the shared skeleton in a prompt: the fraction of sampled
    /// skeleton shingles that the prompt's keyed shingles (sorted) contain. A prompt made from
    /// the template contains its whole skeleton, so this is close to 1 for it and small for
    /// unrelated prompts, whatever the prompt's length.
    pub fn containment_in(&self, keyed_prompt: &[u64]) -> f64 {
        if self.values.is_empty() {
            return 0.0;
        }
        let hits = self
            .values
            .iter()
            .filter(|v| keyed_prompt.binary_search(v).is_ok())
            .count();
        hits as f64 / self.values.len() as f64
    }

    /// A digest of the sample, used as the sketch's id in STIX patterns.
    pub fn digest(&self) -> String {
        let mut h = blake3::Hasher::new();
        h.update(self.key_id.as_bytes());
        for v in &self.values {
            h.update(&v.to_le_bytes());
        }
        hex(&h.finalize().as_bytes()[..16])
    }

    /// Values as 16-digit hex strings (their form in the STIX extension).
    pub fn values_hex(&self) -> Vec<String> {
        self.values.iter().map(|v| format!("{v:016x}")).collect()
    }
}

fn normalise(kind: ValueKind, value: &str) -> String {
    let v = value.trim();
    match kind {
        ValueKind::Ip => match v.parse::<IpAddr>() {
            Ok(IpAddr::V6(a)) => match a.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => a.to_string(),
            },
            Ok(a) => a.to_string(),
            Err(_) => v.to_ascii_lowercase(),
        },
        _ => v.to_string(),
    }
}

/// Lower-case hex of bytes.
pub fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(2 * b.len());
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use chokepoint_core::template::shingles;

    fn key(c: u8) -> CommunityKey {
        CommunityKey::from_bytes([c; 32])
    }

    #[test]
    fn hashes_depend_on_key_and_kind_and_normalise_ips() {
        let a = key(1);
        let b = key(2);
        assert_ne!(
            a.hash_value(ValueKind::Ip, "203.0.113.7"),
            b.hash_value(ValueKind::Ip, "203.0.113.7")
        );
        assert_ne!(
            a.hash_value(ValueKind::Ip, "x1"),
            a.hash_value(ValueKind::Account, "x1")
        );
        assert_eq!(
            a.hash_value(ValueKind::Ip, "::ffff:203.0.113.7"),
            a.hash_value(ValueKind::Ip, " 203.0.113.7")
        );
        assert_eq!(
            a.hash_value(ValueKind::Ip, "2001:DB8::1"),
            a.hash_value(ValueKind::Ip, "2001:db8:0::1")
        );
        assert_eq!(a.hash_value(ValueKind::Account, "a-1").len(), 32);
        assert_ne!(a.id(), b.id());
        assert!(a.id().starts_with("ck1-") && a.id().len() == 20);
    }

    #[test]
    fn key_file_forms() {
        let hexkey = CommunityKey::generate_hex();
        let k = CommunityKey::from_secret(&hexkey).unwrap();
        assert_eq!(k.id(), CommunityKey::from_secret(&hexkey).unwrap().id());
        assert!(CommunityKey::from_secret("short").is_err());
        assert!(CommunityKey::from_secret("a long enough passphrase of many words").is_ok());
    }

    #[test]
    fn sketch_containment_separates_template_from_other_prompts() {
        let k = key(9);
        let fills = [
            "You are a careful grader. Score the following answer from 1 to 10 and explain your reasoning step by step, citing the rubric: \"Paris is the capital\"",
            "You are a careful grader. Score the following answer from 1 to 10 and explain your reasoning step by step, citing the rubric: \"Water boils at 90C\"",
            "You are a careful grader. Score the following answer from 1 to 10 and explain your reasoning step by step, citing the rubric: \"The derivative of x^2 is 2x\"",
        ];
        let sets: Vec<Vec<u64>> = fills.iter().map(|p| shingles(p)).collect();
        let skeleton: Vec<u64> = sets[0]
            .iter()
            .copied()
            .filter(|s| sets[1..].iter().all(|o| o.binary_search(s).is_ok()))
            .collect();
        let sk = k.sketch(&TemplateShingles::new(skeleton), SKETCH_K);
        assert!(!sk.values.is_empty());
        let fresh = "You are a careful grader. Score the following answer from 1 to 10 and explain your reasoning step by step, citing the rubric: \"Rust has no GC\"";
        let sim = sk.containment_in(&k.keyed_prompt(&shingles(fresh)));
        assert!(sim > 0.9, "{sim}");
        let other = "Write a haiku about autumn leaves falling on a quiet pond in Kyoto";
        let sim2 = sk.containment_in(&k.keyed_prompt(&shingles(other)));
        assert!(sim2 < 0.1, "{sim2}");
        // Another community's key sees nothing.
        let k2 = key(10);
        assert!(sk.containment_in(&k2.keyed_prompt(&shingles(fresh))) < 0.1);
    }
}
