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
use chokepoint_core::{Place, Progress};
use chokepoint_distill::config::ProfileConfig;
use chokepoint_distill::read::{fold_inputs, ReadOptions, RecordSink};
use chokepoint_distill::record::Record;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
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
    /// Faults that stopped an input early (everything read before them was matched).
    pub input_errors: Vec<String>,
    pub accounts_seen: usize,
    pub matches: Vec<AccountMatch>,
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

/// The fields of one API-log record that matching looks at, however the record was read.
#[derive(Debug, Clone, Copy)]
pub struct LogFields<'a> {
    /// Arrival time, milliseconds since the Unix epoch (UTC).
    pub ts_ms: i64,
    pub account_id: &'a str,
    pub ip: Option<&'a str>,
    pub payment_fingerprint: Option<&'a str>,
    pub prompt: &'a str,
}

#[derive(Debug, Clone, Copy)]
struct Acc {
    records: u64,
    sim_sum: f64,
    first_ms: i64,
    last_ms: i64,
}

impl Acc {
    fn merge(&mut self, o: &Acc) {
        self.records += o.records;
        self.sim_sum += o.sim_sum;
        self.first_ms = self.first_ms.min(o.first_ms);
        self.last_ms = self.last_ms.max(o.last_ms);
    }
}

/// What one worker has matched so far. Merging is exact (sums, minima, maxima), so any split
/// of the input into parts gives the same report.
#[derive(Debug, Default)]
pub struct MatchAcc {
    hits: HashMap<(String, usize), Acc>,
    account_records: HashMap<String, u64>,
    records: u64,
    bad_records: u64,
    /// The first bad records, with their place.
    bad_examples: Vec<String>,
}

impl MatchAcc {
    /// Folds another part into this one.
    pub fn merge(&mut self, o: MatchAcc) {
        for (k, a) in o.hits {
            match self.hits.get_mut(&k) {
                Some(mine) => mine.merge(&a),
                None => {
                    self.hits.insert(k, a);
                }
            }
        }
        for (k, n) in o.account_records {
            *self.account_records.entry(k).or_default() += n;
        }
        self.records += o.records;
    }

    /// Records folded in so far.
    pub fn records(&self) -> u64 {
        self.records
    }
}

/// How many bad records are reported in full.
const BAD_EXAMPLES: usize = 5;

/// A bundle's indicators, prepared for the keys this lab holds: shared by every worker.
pub struct Matcher {
    keys: Vec<CommunityKey>,
    indicators: Vec<SharedIndicator>,
    skipped: BTreeMap<String, usize>,
    /// keyed value -> indicators holding it, per (key, kind)
    by_value: HashMap<(usize, ValueKind, String), Vec<usize>>,
    kinds_per_key: HashSet<(usize, ValueKind)>,
    templates: Vec<usize>,
    template_keys: Vec<usize>,
}

impl Matcher {
    /// Prepares the bundle's chokepoint indicators made with any of `keys`; the others are
    /// counted as skipped, by reason.
    pub fn new(objects: &[StixObject], keys: &[CommunityKey]) -> Matcher {
        let (indicators, skipped) = load_indicators(objects, keys);
        let mut by_value: HashMap<(usize, ValueKind, String), Vec<usize>> = HashMap::new();
        let mut templates = Vec::new();
        let mut template_keys = Vec::new();
        let mut kinds_per_key = HashSet::new();
        for (i, ind) in indicators.iter().enumerate() {
            match &ind.what {
                Shared::Keyed { kind, key, values } => {
                    kinds_per_key.insert((*key, *kind));
                    for v in values {
                        by_value
                            .entry((*key, *kind, v.clone()))
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
        Matcher {
            keys: keys.to_vec(),
            indicators,
            skipped,
            by_value,
            kinds_per_key,
            templates,
            template_keys,
        }
    }

    /// How many indicators this lab can evaluate.
    pub fn indicators(&self) -> usize {
        self.indicators.len()
    }

    /// Matches one record against every indicator, into `acc`.
    pub fn add(&self, acc: &mut MatchAcc, r: &LogFields<'_>) {
        acc.records += 1;
        *acc.account_records
            .entry(r.account_id.to_string())
            .or_default() += 1;
        let mut hit = |i: usize, sim: f64| {
            let a = acc
                .hits
                .entry((r.account_id.to_string(), i))
                .or_insert(Acc {
                    records: 0,
                    sim_sum: 0.0,
                    first_ms: i64::MAX,
                    last_ms: i64::MIN,
                });
            a.records += 1;
            a.sim_sum += sim;
            a.first_ms = a.first_ms.min(r.ts_ms);
            a.last_ms = a.last_ms.max(r.ts_ms);
        };
        let fields = [
            (ValueKind::Account, Some(r.account_id)),
            (ValueKind::Ip, r.ip),
            (ValueKind::Payment, r.payment_fingerprint),
        ];
        for (kind, value) in fields {
            let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
                continue;
            };
            for (k, key) in self.keys.iter().enumerate() {
                if !self.kinds_per_key.contains(&(k, kind)) {
                    continue;
                }
                let h = key.hash_value(kind, value);
                if let Some(is) = self.by_value.get(&(k, kind, h)) {
                    for &i in is {
                        hit(i, 1.0);
                    }
                }
            }
        }
        if self.templates.is_empty() {
            return;
        }
        let sh = chokepoint_core::template::shingles(r.prompt);
        let keyed: Vec<(usize, Vec<u64>)> = self
            .template_keys
            .iter()
            .map(|&k| (k, self.keys[k].keyed_prompt(&sh)))
            .collect();
        for &i in &self.templates {
            if let Shared::Template {
                key,
                sketch,
                min_similarity,
            } = &self.indicators[i].what
            {
                let kp = keyed
                    .iter()
                    .find(|(k, _)| k == key)
                    .map_or(&[][..], |(_, v)| v.as_slice());
                let sim = sketch.containment_in(kp);
                if sim >= *min_similarity {
                    hit(i, sim);
                }
            }
        }
    }

    /// The report of everything folded into `acc`.
    pub fn report(&self, acc: MatchAcc) -> MatchReport {
        let time = |ms: i64| {
            chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
                .map(|t| format_timestamp(&t))
                .unwrap_or_default()
        };
        let mut matches: Vec<AccountMatch> = acc
            .hits
            .into_iter()
            .map(|((account_id, i), a)| {
                let ind = &self.indicators[i];
                let total = acc
                    .account_records
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
                    first_seen: time(a.first_ms),
                    last_seen: time(a.last_ms),
                    account_id,
                }
            })
            .collect();
        matches.sort_by(|a, b| {
            a.account_id
                .cmp(&b.account_id)
                .then(a.indicator_id.cmp(&b.indicator_id))
        });
        MatchReport {
            indicators_used: self.indicators.len(),
            indicators_skipped: self.skipped.clone(),
            records: acc.records,
            bad_records: acc.bad_records,
            bad_examples: acc.bad_examples,
            input_errors: Vec::new(),
            accounts_seen: acc.account_records.len(),
            matches,
        }
    }
}

/// distill's readers fold records into this: one per worker, merged.
struct MatchSink<'m> {
    matcher: &'m Matcher,
    acc: MatchAcc,
}

impl RecordSink for MatchSink<'_> {
    fn add(&mut self, r: &Record<'_>) {
        self.matcher.add(
            &mut self.acc,
            &LogFields {
                ts_ms: r.ts_ms,
                account_id: &r.account_id,
                ip: r.ip.as_deref(),
                payment_fingerprint: r.payment_fingerprint.as_deref(),
                prompt: &r.prompt,
            },
        );
    }

    fn merge(&mut self, other: Self) {
        self.acc.merge(other.acc);
    }
}

/// Matches the bundle's indicators against API logs: the inputs `distill scan` reads (JSON
/// Lines plain, gzip or zstd, `-`; CSV; Parquet), read and validated by distill's own readers,
/// in parallel. A bad record is counted with its place and skipped; with `strict`, the first
/// one is an error.
pub fn match_logs(
    objects: &[StixObject],
    keys: &[CommunityKey],
    inputs: &[PathBuf],
    strict: bool,
    progress: &dyn Progress,
) -> Result<MatchReport, IntelError> {
    let matcher = Matcher::new(objects, keys);
    let profile = ProfileConfig::default();
    let opts = ReadOptions {
        profile: &profile,
        strict,
        progress,
    };
    let folded = fold_inputs(inputs, &opts, &|| MatchSink {
        matcher: &matcher,
        acc: MatchAcc::default(),
    })?;
    let mut acc = folded.sink.acc;
    acc.bad_records = folded.stats.bad_records;
    acc.bad_examples = folded
        .stats
        .bad_samples
        .iter()
        .take(BAD_EXAMPLES)
        .map(|b| b.to_string())
        .collect();
    let mut report = matcher.report(acc);
    report.input_errors = folded.stats.input_errors;
    Ok(report)
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
