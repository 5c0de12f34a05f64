//! From a distill report to a STIX bundle that can leave the lab.
//!
//! Each campaign becomes a `campaign` (counts and capability mix only), an `infrastructure`
//! (its account network), and `indicator`s: keyed hashes of its accounts, IPs and payment
//! fingerprints, keyed sketches of its prompt templates, and its ASNs (public routing data,
//! shared as is). Nothing else from the report is copied: the analyst-facing `reasons` and
//! `evidence` sentences may quote raw values, so they never enter a bundle.

use crate::keyed::{CommunityKey, ValueKind, SKETCH_K};
use crate::pattern::quote;
use crate::report::{DistillReport, ReportCampaign};
use crate::stix::{
    format_timestamp, Bundle, Campaign, Common, ExtensionDefinition, Identity, Indicator,
    Infrastructure, Relationship, StixObject, Tlp,
};
use crate::IntelError;
use chokepoint_core::template::TemplateShingles;
use chokepoint_core::Progress;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// The extension-definition that declares chokepoint's private-indicator properties.
pub const EXTENSION_ID: &str = "extension-definition--0c8f6a1e-5d2b-4b7e-9a43-6e1d2f8c7b90";
/// The identity of the chokepoint project, creator of [`EXTENSION_ID`].
pub const PROJECT_IDENTITY: &str = "identity--3f1e9c2a-7b4d-4e8f-a1c6-5d9b2e7f4a03";
/// The custom observable type that keyed-hash patterns test.
pub const KEYED_HASH_TYPE: &str = "x-chokepoint-keyed-hash";
/// The custom observable type that template-sketch patterns test.
pub const TEMPLATE_SKETCH_TYPE: &str = "x-chokepoint-template-sketch";
/// At most this many hashes go into one indicator (patterns stay a reasonable size).
pub const MAX_VALUES_PER_INDICATOR: usize = 500;
/// Skeletons with fewer shingles are not shared: about 18 tokens of fixed text or less is a
/// phrase that many benign prompts share ("explain step by step ..."), not a campaign's template.
pub const MIN_SKELETON_SHINGLES: usize = 16;
/// The containment above which a local prompt is reported as an instance of a template.
pub const DEFAULT_MIN_SIMILARITY: f64 = 0.8;

/// How to export.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The producing organisation's name (its `identity`).
    pub producer: String,
    /// The TLP level every object is marked with.
    pub tlp: Tlp,
    /// The export's timestamp (`created`/`modified` of new objects).
    pub now: chrono::DateTime<chrono::Utc>,
    /// Campaigns scoring below this are left out.
    pub min_score: f64,
}

impl ExportOptions {
    /// TLP:AMBER, now, every campaign.
    pub fn new(producer: &str) -> ExportOptions {
        ExportOptions {
            producer: producer.into(),
            tlp: Tlp::Amber,
            now: chrono::Utc::now(),
            min_score: 0.0,
        }
    }
}

/// The extension-definition object (always included in exported bundles).
pub fn extension_definition() -> ExtensionDefinition {
    let mut c = Common::new(
        "extension-definition",
        EXTENSION_ID.into(),
        "2026-11-01T00:00:00.000Z",
        Some(PROJECT_IDENTITY),
        None,
    );
    c.extensions = Map::new();
    ExtensionDefinition {
        common: c,
        name: "chokepoint private indicators".into(),
        description: Some(
            "Keyed hashes (keyed BLAKE3, 128 bits, one sub-key per value kind) of account ids, IP \
             addresses and payment fingerprints, and keyed bottom-k MinHash samples of prompt-template \
             skeletons, all under a community key named by key_id. Property-extension on indicator \
             (kind, value_kind, key_id, values, sample_size, skeleton_size, min_similarity) and on \
             campaign (accounts, records, score, capabilities)."
                .into(),
        ),
        schema: "https://github.com/chokepoint/chokepoint/blob/main/crates/chokepoint-intel/EXTENSION.md".into(),
        version: "1.0.0".into(),
        extension_types: vec!["property-extension".into()],
        extra: Map::new(),
    }
}

/// The chokepoint project's identity (creator of the extension definition).
pub fn project_identity() -> Identity {
    Identity {
        common: Common::new(
            "identity",
            PROJECT_IDENTITY.into(),
            "2026-11-01T00:00:00.000Z",
            None,
            None,
        ),
        name: "chokepoint project".into(),
        identity_class: Some("organization".into()),
        description: None,
        extra: Map::new(),
    }
}

/// A deterministic UUIDv4-form id: the same producer, key and label give the same id, so a
/// re-export makes a new version of the same objects; another community's key gives other ids.
fn stable_id(key: &CommunityKey, type_: &str, label: &str) -> String {
    let b = key.derive_id(&format!("{type_}\u{0}{label}"));
    format!(
        "{type_}--{}",
        uuid::Builder::from_random_bytes(b).into_uuid()
    )
}

fn ext(props: Value) -> Map<String, Value> {
    let mut m = Map::new();
    let mut v = props;
    if let Value::Object(o) = &mut v {
        o.insert("extension_type".into(), json!("property-extension"));
    }
    m.insert(EXTENSION_ID.into(), v);
    m
}

fn stix_time(t: &Option<String>) -> Option<String> {
    t.as_deref()
        .and_then(|s| chokepoint_core::parse_rfc3339(s).ok())
        .map(|t| format_timestamp(&t))
}

/// Exports a report's campaigns as a bundle. Deterministic given the options and the key
/// (except the bundle's own id).
pub fn export_bundle(
    report: &DistillReport,
    key: &CommunityKey,
    opts: &ExportOptions,
    progress: &dyn Progress,
) -> Result<Bundle, IntelError> {
    let now = format_timestamp(&opts.now);
    let producer_id = stable_id(key, "identity", &opts.producer);
    let tlp = Some(opts.tlp);
    let mut objects = vec![
        StixObject::MarkingDefinition(opts.tlp.marking_definition()),
        StixObject::Identity(project_identity()),
        StixObject::ExtensionDefinition(extension_definition()),
        StixObject::Identity(Identity {
            common: Common::new("identity", producer_id.clone(), &now, None, tlp),
            name: opts.producer.clone(),
            identity_class: Some("organization".into()),
            description: None,
            extra: Map::new(),
        }),
    ];
    let campaigns: Vec<&ReportCampaign> = report
        .campaigns
        .iter()
        .filter(|c| c.score >= opts.min_score)
        .collect();
    progress.start("export", Some(campaigns.len() as u64), "campaigns");
    for c in campaigns {
        let mut accounts: BTreeSet<&str> = c.accounts.iter().map(String::as_str).collect();
        for a in &report.accounts {
            if a.campaign.as_deref() == Some(c.id.as_str()) {
                accounts.insert(&a.account_id);
            }
        }
        let label = format!("{}\u{0}{}", opts.producer, c.id);
        let first_seen = stix_time(&c.first_seen);
        let last_seen = stix_time(&c.last_seen).filter(|l| {
            first_seen
                .as_deref()
                .is_none_or(|f| crate::stix::timestamp_key(l) >= crate::stix::timestamp_key(f))
        });
        let valid_from = first_seen.clone().unwrap_or_else(|| now.clone());
        let campaign_id = stable_id(key, "campaign", &label);
        let mut caps: Vec<(&String, &f64)> = c.capabilities.iter().collect();
        caps.sort_by(|a, b| b.1.total_cmp(a.1));
        let objective = if caps.is_empty() {
            "harvest model outputs to train another model (distillation)".to_string()
        } else {
            let parts: Vec<String> = caps
                .iter()
                .map(|(k, v)| format!("{k} {:.0}%", **v * 100.0))
                .collect();
            format!(
                "harvest model outputs to train another model (distillation); traffic by capability: {}",
                parts.join(", ")
            )
        };
        let capabilities: Map<String, Value> = c
            .capabilities
            .iter()
            .filter(|(k, v)| crate::stix::valid_property_name(k) && v.is_finite())
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        let mut camp_common = Common::new(
            "campaign",
            campaign_id.clone(),
            &now,
            Some(&producer_id),
            tlp,
        );
        camp_common.extensions = ext(json!({
            "kind": "campaign-stats",
            "accounts": accounts.len(),
            "records": c.records,
            "score": if c.score.is_finite() { c.score } else { 0.0 },
            "capabilities": capabilities,
        }));
        objects.push(StixObject::Campaign(Campaign {
            common: camp_common,
            name: format!(
                "distillation campaign {} of {}",
                safe_label(&c.id),
                opts.producer
            ),
            description: Some(format!(
                "{} accounts, {} requests, campaign score {:.2}",
                accounts.len(),
                c.records,
                c.score
            )),
            first_seen: first_seen.clone(),
            last_seen: last_seen.clone(),
            objective: Some(objective),
            extra: Map::new(),
        }));
        let infra_id = stable_id(key, "infrastructure", &label);
        objects.push(StixObject::Infrastructure(Infrastructure {
            common: Common::new(
                "infrastructure",
                infra_id.clone(),
                &now,
                Some(&producer_id),
                tlp,
            ),
            name: format!("account network of campaign {}", safe_label(&c.id)),
            description: Some(format!(
                "{} API accounts, {} client IPs, {} payment fingerprints, {} ASNs",
                accounts.len(),
                c.indicators.ips.len(),
                c.indicators.payment_fingerprints.len(),
                c.indicators.asns.len()
            )),
            infrastructure_types: vec!["botnet".into()],
            first_seen: first_seen.clone(),
            last_seen: last_seen.clone(),
            extra: Map::new(),
        }));
        objects.push(StixObject::Relationship(Relationship {
            common: Common::new(
                "relationship",
                stable_id(key, "relationship", &format!("{label}\u{0}uses")),
                &now,
                Some(&producer_id),
                tlp,
            ),
            relationship_type: "uses".into(),
            source_ref: campaign_id.clone(),
            target_ref: infra_id.clone(),
            description: None,
            extra: Map::new(),
        }));
        let mut indicators: Vec<Indicator> = Vec::new();
        let keyed_sets: [(ValueKind, Vec<&str>); 3] = [
            (ValueKind::Account, accounts.iter().copied().collect()),
            (
                ValueKind::Ip,
                c.indicators.ips.iter().map(String::as_str).collect(),
            ),
            (
                ValueKind::Payment,
                c.indicators
                    .payment_fingerprints
                    .iter()
                    .map(String::as_str)
                    .collect(),
            ),
        ];
        for (kind, values) in keyed_sets {
            let hashes: BTreeSet<String> = values
                .iter()
                .filter(|v| !v.trim().is_empty())
                .map(|v| key.hash_value(kind, v))
                .collect();
            let hashes: Vec<String> = hashes.into_iter().collect();
            for (n, chunk) in hashes.chunks(MAX_VALUES_PER_INDICATOR).enumerate() {
                let list: Vec<String> = chunk.iter().map(|h| quote(h)).collect();
                let pattern = format!(
                    "[{t}:value_kind = '{k}' AND {t}:key_id = {id} AND {t}:value IN ({list})]",
                    t = KEYED_HASH_TYPE,
                    k = kind.as_str(),
                    id = quote(key.id()),
                    list = list.join(", ")
                );
                let mut common = Common::new(
                    "indicator",
                    stable_id(
                        key,
                        "indicator",
                        &format!("{label}\u{0}{}\u{0}{n}", kind.as_str()),
                    ),
                    &now,
                    Some(&producer_id),
                    tlp,
                );
                common.extensions = ext(json!({
                    "kind": "keyed-hash",
                    "value_kind": kind.as_str(),
                    "key_id": key.id(),
                    "hash_algorithm": "blake3-keyed-128",
                    "values": chunk,
                }));
                indicators.push(Indicator {
                    common,
                    name: Some(format!(
                        "keyed hashes of {} {}s of campaign {}",
                        chunk.len(),
                        kind.as_str(),
                        safe_label(&c.id)
                    )),
                    description: Some(format!(
                        "Keyed BLAKE3 hashes under community key {}; recompute over local data with `chokepoint intel match`.",
                        key.id()
                    )),
                    indicator_types: vec!["malicious-activity".into()],
                    pattern,
                    pattern_type: "stix".into(),
                    pattern_version: Some("2.1".into()),
                    valid_from: valid_from.clone(),
                    valid_until: None,
                    extra: Map::new(),
                });
            }
        }
        for (n, s) in c.indicators.template_sketches.iter().enumerate() {
            let skeleton = TemplateShingles::decode(s).map_err(|m| IntelError::Input {
                place: chokepoint_core::Place::default().at_field(format!(
                    "campaigns[{}].indicators.template_sketches[{n}]",
                    c.id
                )),
                message: m,
            })?;
            if skeleton.0.len() < MIN_SKELETON_SHINGLES {
                tracing::info!(
                    campaign = %c.id,
                    shingles = skeleton.0.len(),
                    "template skeleton too short to be distinctive; not shared"
                );
                continue;
            }
            let sk = key.sketch(&skeleton, SKETCH_K);
            let sketch_id = sk.digest();
            let mut common = Common::new(
                "indicator",
                stable_id(
                    key,
                    "indicator",
                    &format!("{label}\u{0}template\u{0}{sketch_id}"),
                ),
                &now,
                Some(&producer_id),
                tlp,
            );
            common.extensions = ext(json!({
                "kind": "template-sketch",
                "key_id": key.id(),
                "sketch_algorithm": "keyed-bottom-k-minhash-v1",
                "sample_size": sk.values.len(),
                "skeleton_size": sk.skeleton_size,
                "min_similarity": DEFAULT_MIN_SIMILARITY,
                "values": sk.values_hex(),
            }));
            indicators.push(Indicator {
                common,
                name: Some(format!("prompt template {} of campaign {}", n + 1, safe_label(&c.id))),
                description: Some(
                    "Keyed sketch of a prompt template's fixed text; match with `chokepoint intel match`."
                        .into(),
                ),
                indicator_types: vec!["malicious-activity".into()],
                pattern: format!(
                    "[{t}:key_id = {id} AND {t}:sketch_id = {sid}]",
                    t = TEMPLATE_SKETCH_TYPE,
                    id = quote(key.id()),
                    sid = quote(&sketch_id)
                ),
                pattern_type: "stix".into(),
                pattern_version: Some("2.1".into()),
                valid_from: valid_from.clone(),
                valid_until: None,
                extra: Map::new(),
            });
        }
        let asns: BTreeSet<u32> = c.indicators.asns.iter().copied().collect();
        if !asns.is_empty() {
            let list: Vec<String> = asns.iter().map(u32::to_string).collect();
            indicators.push(Indicator {
                common: Common::new(
                    "indicator",
                    stable_id(key, "indicator", &format!("{label}\u{0}asns")),
                    &now,
                    Some(&producer_id),
                    tlp,
                ),
                name: Some(format!("autonomous systems of campaign {}", safe_label(&c.id))),
                description: Some(
                    "Networks the campaign's traffic came from; context only, shared by legitimate customers too."
                        .into(),
                ),
                indicator_types: vec!["anomalous-activity".into()],
                pattern: format!("[autonomous-system:number IN ({})]", list.join(", ")),
                pattern_type: "stix".into(),
                pattern_version: Some("2.1".into()),
                valid_from: valid_from.clone(),
                valid_until: None,
                extra: Map::new(),
            });
        }
        for ind in indicators {
            let ind_id = ind.common.id.clone();
            objects.push(StixObject::Indicator(ind));
            objects.push(StixObject::Relationship(Relationship {
                common: Common::new(
                    "relationship",
                    stable_id(key, "relationship", &format!("{ind_id}\u{0}indicates")),
                    &now,
                    Some(&producer_id),
                    tlp,
                ),
                relationship_type: "indicates".into(),
                source_ref: ind_id,
                target_ref: campaign_id.clone(),
                description: None,
                extra: Map::new(),
            }));
        }
        progress.advance(1);
    }
    progress.finish();
    Ok(Bundle::new(objects))
}

/// A campaign label safe to share: the report's campaign id when it is a short plain token,
/// else a digest of it (a label is local bookkeeping and must not smuggle raw values out).
fn safe_label(id: &str) -> String {
    if id.len() <= 24
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        id.to_string()
    } else {
        crate::keyed::hex(&blake3::hash(id.as_bytes()).as_bytes()[..6])
    }
}
