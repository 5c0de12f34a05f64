//! Shared indicators against local API logs.
//!
//! The receiving lab recomputes, with the same community key, the keyed hashes of its own
//! accounts, client IPs and payment fingerprints, and the keyed shingles of its own prompts,
//! and reports which local accounts match which shared indicator — for templates with a
//! similarity: the estimated share of the shared skeleton found in the account's prompts.
//! Sightings written back carry counts and times only, never a local account, IP or prompt.

use crate::export::EXTENSION_ID;
use crate::keyed::{CommunityKey, KeyedSketch, ValueKind};
use crate::stix::{self, format_timestamp, Common, Identity, Sighting, StixObject, Tlp};
use crate::IntelError;
use chokepoint_core::{ApiRecord, Place, Progress};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// One shared indicator this lab can evaluate.
#[derive(Debug, Clone)]
enum Shared {
    Keyed {
        kind: ValueKind,
        key: usize,
        values: HashSet<String>,
    },
    Template {
        key: usize,
        sketch: KeyedSketch,
        min_similarity: f64,
    },
}

#[derive(Debug, Clone)]
struct SharedIndicator {
    id: String,
    name: String,
    campaigns: Vec<String>,
    what: Shared,
}

/// One local account that matched one shared indicator.
#[derive(Debug, Clone, Serialize)]
pub struct AccountMatch {
    /// The local account (raw: this report stays in the lab).
    pub account_id: String,
    pub indicator_id: String,
    pub indicator_name: String,
    /// The campaigns the indicator indicates (ids from the bundle).
    pub campaigns: Vec<String>,
    /// `account`, `ip`, `payment` or `template`.
    pub kind: String,
    /// For templates: the mean estimated containment of the shared skeleton over the account's
    /// matching prompts (in [0, 1]); 1 for exact keyed-hash matches.
    pub similarity: f64,
    /// The account's records that matched.
    pub records: u64,
    /// For templates: the share of the account's prompts that matched.
    pub share_of_account: f64,
    pub first_seen: String,
    pub last_seen: String,
}

/// The result of a match run.
#[derive(Debug, Clone, Serialize)]
pub struct MatchReport {
    pub indicators_used: usize,
    /// Indicators made with a key this lab does not hold (by key id), or not chokepoint's.
    pub indicators_skipped: BTreeMap<String, usize>,
    pub records: u64,
    pub bad_records: u64,
    /// First few bad records, with their place.
    pub bad_examples: Vec<String>,
    pub accounts_seen: usize,
    pub matches: Vec<AccountMatch>,
}

#[derive(Default)]
struct Acc {
    records: u64,
    sim_sum: f64,
    first: String,
    last: String,
}

/// Loads the bundle's chokepoint indicators for the keys held.
fn load_indicators(
    objects: &[StixObject],
    keys: &[CommunityKey],
) -> (Vec<SharedIndicator>, BTreeMap<String, usize>) {
    let mut indicates: HashMap<String, Vec<String>> = HashMap::new();
    for o in objects {
        let v = o.to_value();
        if v.get("type").and_then(Value::as_str) == Some("relationship")
            && v.get("relationship_type").and_then(Value::as_str) == Some("indicates")
        {
            if let (Some(s), Some(t)) = (
                v.get("source_ref").and_then(Value::as_str),
                v.get("target_ref").and_then(Value::as_str),
            ) {
                indicates
                    .entry(s.to_string())
                    .or_default()
                    .push(t.to_string());
            }
        }
    }
    let mut out = Vec::new();
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    for o in objects {
        let StixObject::Indicator(ind) = o else {
            continue;
        };
        let Some(ext) = ind.common.extensions.get(EXTENSION_ID) else {
            *skipped
                .entry("not a chokepoint indicator".into())
                .or_default() += 1;
            continue;
        };
        let key_id = ext.get("key_id").and_then(Value::as_str).unwrap_or("");
        let Some(key) = keys.iter().position(|k| k.id() == key_id) else {
            *skipped.entry(format!("key {key_id} not held")).or_default() += 1;
            continue;
        };
        let strings = |f: &str| -> Vec<String> {
            ext.get(f)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        };
        let what = match ext.get("kind").and_then(Value::as_str) {
            Some("keyed-hash") => match ext
                .get("value_kind")
                .and_then(Value::as_str)
                .and_then(ValueKind::parse)
            {
                Some(kind) => Shared::Keyed {
                    kind,
                    key,
                    values: strings("values").into_iter().collect(),
                },
                None => {
                    *skipped.entry("unknown value kind".into()).or_default() += 1;
                    continue;
                }
            },
            Some("template-sketch") => {
                let mut values: Vec<u64> = strings("values")
                    .iter()
                    .filter_map(|h| u64::from_str_radix(h, 16).ok())
                    .collect();
                values.sort_unstable();
                values.dedup();
                Shared::Template {
                    key,
                    sketch: KeyedSketch {
                        key_id: key_id.to_string(),
                        skeleton_size: ext
                            .get("skeleton_size")
                            .and_then(Value::as_u64)
                            .unwrap_or(0) as usize,
                        values,
                    },
                    min_similarity: ext
                        .get("min_similarity")
                        .and_then(Value::as_f64)
                        .filter(|s| (0.0..=1.0).contains(s) && *s > 0.0)
                        .unwrap_or(crate::export::DEFAULT_MIN_SIMILARITY),
                }
            }
            _ => {
                *skipped
                    .entry("unknown chokepoint indicator kind".into())
                    .or_default() += 1;
                continue;
            }
        };
        out.push(SharedIndicator {
            id: ind.common.id.clone(),
            name: ind.name.clone().unwrap_or_default(),
            campaigns: indicates.get(&ind.common.id).cloned().unwrap_or_default(),
            what,
        });
    }
    (out, skipped)
}

/// Opens a log file: JSON Lines, plain or `.gz` / `.zst`, or `-` for standard input.
fn open_log(path: &Path) -> Result<Box<dyn BufRead>, IntelError> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(BufReader::new(std::io::stdin())));
    }
    let f = std::fs::File::open(path).map_err(|source| IntelError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let name = path.to_string_lossy();
    let r: Box<dyn Read> = if name.ends_with(".gz") {
        Box::new(flate2::read::MultiGzDecoder::new(f))
    } else if name.ends_with(".zst") {
        Box::new(
            zstd::stream::read::Decoder::new(f).map_err(|source| IntelError::Io {
                path: path.to_path_buf(),
                source,
            })?,
        )
    } else {
        Box::new(f)
    };
    Ok(Box::new(BufReader::with_capacity(1 << 20, r)))
}

/// Matches the bundle's indicators against API logs (JSONL per `specs/api-log.md`).
pub fn match_logs(
    objects: &[StixObject],
    keys: &[CommunityKey],
    inputs: &[PathBuf],
    progress: &dyn Progress,
) -> Result<MatchReport, IntelError> {
    let (indicators, skipped) = load_indicators(objects, keys);
    // keyed value -> indicators holding it, per (key, kind)
    let mut by_value: HashMap<(usize, ValueKind, &str), Vec<usize>> = HashMap::new();
    let mut templates: Vec<usize> = Vec::new();
    let mut template_keys: Vec<usize> = Vec::new();
    let mut kinds_per_key: HashSet<(usize, ValueKind)> = HashSet::new();
    for (i, ind) in indicators.iter().enumerate() {
        match &ind.what {
            Shared::Keyed { kind, key, values } => {
                kinds_per_key.insert((*key, *kind));
                for v in values {
                    by_value
                        .entry((*key, *kind, v.as_str()))
                        .or_default()
                        .push(i);
                }
            }
            Shared::Template { key, .. } => {
                templates.push(i);
                if !template_keys.contains(key) {
                    template_keys.push(*key);
                }
            }
        }
    }
    let mut acc: HashMap<(String, usize), Acc> = HashMap::new();
    let mut account_records: HashMap<String, u64> = HashMap::new();
    let mut records = 0u64;
    let mut bad = 0u64;
    let mut bad_examples = Vec::new();
    let mut hash_cache: HashMap<(usize, ValueKind, String), String> = HashMap::new();
    progress.start("match", None, "records");
    for path in inputs {
        let reader = open_log(path)?;
        for (n, line) in reader.split(b'\n').enumerate() {
            let line = line.map_err(|source| IntelError::Io {
                path: path.clone(),
                source,
            })?;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let rec: ApiRecord = match serde_json::from_slice(&line) {
                Ok(r) => r,
                Err(e) => {
                    bad += 1;
                    if bad_examples.len() < 5 {
                        bad_examples
                            .push(format!("{}: {e}", Place::file(path).at_line(n as u64 + 1)));
                    }
                    continue;
                }
            };
            if chokepoint_core::parse_rfc3339(&rec.ts).is_err() {
                bad += 1;
                if bad_examples.len() < 5 {
                    bad_examples.push(format!(
                        "{}: not an RFC 3339 timestamp",
                        Place::file(path).at_line(n as u64 + 1).at_field("ts")
                    ));
                }
                continue;
            }
            records += 1;
            if records & 4095 == 0 {
                progress.advance(4096);
            }
            *account_records.entry(rec.account_id.clone()).or_default() += 1;
            let hit = |i: usize, sim: f64, acc: &mut HashMap<(String, usize), Acc>| {
                let a = acc.entry((rec.account_id.clone(), i)).or_default();
                a.records += 1;
                a.sim_sum += sim;
                if a.first.is_empty() || rec.ts < a.first {
                    a.first = rec.ts.clone();
                }
                if rec.ts > a.last {
                    a.last = rec.ts.clone();
                }
            };
            let fields = [
                (ValueKind::Account, Some(rec.account_id.as_str())),
                (ValueKind::Ip, rec.ip.as_deref()),
                (ValueKind::Payment, rec.payment_fingerprint.as_deref()),
            ];
            for (kind, value) in fields {
                let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
                    continue;
                };
                for (k, key) in keys.iter().enumerate() {
                    if !kinds_per_key.contains(&(k, kind)) {
                        continue;
                    }
                    let ck = (k, kind, value.to_string());
                    let h = match hash_cache.get(&ck) {
                        Some(h) => h.clone(),
                        None => {
                            let h = key.hash_value(kind, value);
                            if hash_cache.len() < 4_000_000 {
                                hash_cache.insert(ck, h.clone());
                            }
                            h
                        }
                    };
                    if let Some(is) = by_value.get(&(k, kind, h.as_str())) {
                        for &i in is {
                            hit(i, 1.0, &mut acc);
                        }
                    }
                }
            }
            if !templates.is_empty() {
                let sh = chokepoint_core::template::shingles(&rec.prompt);
                let keyed: Vec<(usize, Vec<u64>)> = template_keys
                    .iter()
                    .map(|&k| (k, keys[k].keyed_prompt(&sh)))
                    .collect();
                for &i in &templates {
                    if let Shared::Template {
                        key,
                        sketch,
                        min_similarity,
                    } = &indicators[i].what
                    {
                        let kp = keyed
                            .iter()
                            .find(|(k, _)| k == key)
                            .map(|(_, v)| v.as_slice())
                            .unwrap_or(&[]);
                        let sim = sketch.containment_in(kp);
                        if sim >= *min_similarity {
                            hit(i, sim, &mut acc);
                        }
                    }
                }
            }
        }
    }
    progress.finish();
    let mut matches: Vec<AccountMatch> = acc
        .into_iter()
        .map(|((account_id, i), a)| {
            let ind = &indicators[i];
            let total = account_records
                .get(&account_id)
                .copied()
                .unwrap_or(1)
                .max(1);
            let kind = match &ind.what {
                Shared::Keyed { kind, .. } => kind.as_str().to_string(),
                Shared::Template { .. } => "template".to_string(),
            };
            AccountMatch {
                indicator_id: ind.id.clone(),
                indicator_name: ind.name.clone(),
                campaigns: ind.campaigns.clone(),
                kind,
                similarity: a.sim_sum / a.records.max(1) as f64,
                records: a.records,
                share_of_account: a.records as f64 / total as f64,
                first_seen: a.first,
                last_seen: a.last,
                account_id,
            }
        })
        .collect();
    matches.sort_by(|a, b| {
        a.account_id
            .cmp(&b.account_id)
            .then(a.indicator_id.cmp(&b.indicator_id))
    });
    Ok(MatchReport {
        indicators_used: indicators.len(),
        indicators_skipped: skipped,
        records,
        bad_records: bad,
        bad_examples,
        accounts_seen: account_records.len(),
        matches,
    })
}

/// STIX sightings of the matched indicators by `sighter` (counts of local accounts and the
/// time span only), with the sighter's identity and the TLP marking.
pub fn sightings(
    report: &MatchReport,
    sighter: &str,
    tlp: Tlp,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<StixObject> {
    let now_s = format_timestamp(&now);
    let identity_id = format!(
        "identity--{}",
        uuid::Uuid::new_v5(
            &uuid::Uuid::NAMESPACE_OID,
            format!("chokepoint sighter {sighter}").as_bytes()
        )
    );
    let mut out = vec![
        StixObject::MarkingDefinition(tlp.marking_definition()),
        StixObject::Identity(Identity {
            common: Common::new("identity", identity_id.clone(), &now_s, None, Some(tlp)),
            name: sighter.to_string(),
            identity_class: Some("organization".into()),
            description: None,
            extra: Map::new(),
        }),
    ];
    let mut per: BTreeMap<&str, (HashSet<&str>, String, String)> = BTreeMap::new();
    for m in &report.matches {
        let e = per
            .entry(m.indicator_id.as_str())
            .or_insert_with(|| (HashSet::new(), String::new(), String::new()));
        e.0.insert(m.account_id.as_str());
        if e.1.is_empty() || m.first_seen < e.1 {
            e.1 = m.first_seen.clone();
        }
        if m.last_seen > e.2 {
            e.2 = m.last_seen.clone();
        }
    }
    for (ind, (accounts, first, last)) in per {
        let to_stix = |t: &str| {
            chokepoint_core::parse_rfc3339(t)
                .ok()
                .map(|t| format_timestamp(&t))
        };
        let (first, last) = (to_stix(&first), to_stix(&last));
        out.push(StixObject::Sighting(Sighting {
            common: Common::new(
                "sighting",
                format!("sighting--{}", uuid::Uuid::new_v4()),
                &now_s,
                Some(&identity_id),
                Some(tlp),
            ),
            sighting_of_ref: ind.to_string(),
            first_seen: first,
            last_seen: last,
            count: Some(accounts.len().min(999_999_999) as u64),
            where_sighted_refs: vec![identity_id.clone()],
            description: Some(format!("{} local accounts matched", accounts.len())),
            extra: Map::new(),
        }));
    }
    out
}

/// Reads a bundle file, validating every object; errors name the file and the object.
pub fn read_bundle(path: &Path) -> Result<Vec<StixObject>, IntelError> {
    let text = std::fs::read_to_string(path).map_err(|source| IntelError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    stix::parse_bundle(&text).map_err(|source| IntelError::Stix {
        place: Place::file(path),
        source: Box::new(source),
    })
}
