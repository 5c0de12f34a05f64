//! Diversion red flags in a shipment ledger: per shipment, per counterparty, and as a graph
//! of who ships to whom with the re-export chains named.
//!
//! Signals (each with a documented weight in [0, 1]; a shipment's score is
//! 1 − Π(1 − wᵢ), flagged at [`AnalysisConfig::flag_threshold`]). The weights encode how much
//! one fact alone says about diversion, from the BIS advanced-computing red flags, not fitted to
//! any data: one weak or moderate signal never flags a shipment; a strong one (serial numbers
//! that move between unrelated parties, a re-export without a required licence) nearly does.
//!
//! | signal | weight | fires when |
//! |---|---|---|
//! | `transshipment_hub` | 0.15 | destination is a named transshipment hub |
//! | `payer_third_party` | 0.25 | payer is neither consignee nor end user |
//! | `payer_other_country` | 0.35 | … and pays from another country than the destination |
//! | `payer_d5` | 0.50 | … and pays from D:5 or Macau |
//! | `payer_affiliate` | 0.10 | payer's name shares the consignee's distinctive first word |
//! | `vague_end_use` | 0.25 | end use missing or uninformative (BIS: unwilling to state end use) |
//! | `vague_address` | 0.30 | address missing, a PO box, "c/o", or residential |
//! | `end_user_elsewhere` | 0.30 | end user's country differs from the destination |
//! | `forwarder_as_consignee` | 0.30 | the freight forwarder is named as consignee or end user |
//! | `first_time_large_order` | 0.25 | a consignee's first order (after the warm-up) is large |
//! | `capacity_exceeded` | 0.45–0.55 | accelerators held exceed what the declared power/racks host |
//! | `no_capacity_declared` | 0.30 | datacentre-scale holdings, no power or racks declared |
//! | `licence_missing` | 0.50 | licence required by destination, none recorded |
//! | `reexport_licence_required` | 0.45 | a party that received controlled items ships them on to a licence-required destination without a licence |
//! | `reexport` | 0.05 | … on to any other destination (information) |
//! | `consignee_reexported` | 0.45 (0.30 two hops back) | this shipment's consignee later re-exported to a licence-required destination |
//! | `declared_end_user_reexported` | 0.35 | … and had declared itself the end user |
//! | `serial_seen_twice` | 0.60 | a serial number already shipped between other parties |
//! | `serial_part_mismatch` | 0.60 | a serial number first shipped as one part, now declared as another |
//! | `serial_reexported` | 0.30 | serials the exporter received are re-exported to a licence-required destination |
//! | `serial_returned` | 0.10 | a serial shipped again by the same exporter to the same consignee (RMA) |

use crate::classify::{fold_name, ControlStatus, PartsDb, Thresholds};
use crate::error::ControlsError;
use crate::ledger::{read_ledger, LedgerFormat, LedgerHeader, LineIssue, Shipment};
use crate::rules::Rules;
use chokepoint_core::{Evidence, Progress};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::io::Read;
use std::path::Path;

/// Tunable parameters of the analysis. Defaults are reasoned, not fitted; see each field.
#[derive(Debug, Clone, Serialize)]
pub struct AnalysisConfig {
    /// Score at which a shipment is flagged.
    pub flag_threshold: f64,
    /// A "large" order: this many accelerators (one 8-GPU server rack unit is 8) …
    pub large_order_accelerators: u64,
    /// … or this declared value.
    pub large_order_value_usd: f64,
    /// No "first-time" judgement in the ledger's first days: everyone is new there.
    pub warmup_days: i64,
    /// Facility power per accelerator = board power × this. 1.5 is a LOW estimate (DGX H100:
    /// 10.2 kW for 8 × 700 W = 1.8×), so the capacity flag fires only when no plausible
    /// build fits the declared power.
    pub server_overhead: f64,
    /// Accelerators one rack can hold at most (a 72-GPU liquid-cooled rack).
    pub accelerators_per_rack: u64,
    /// Holdings at which an undeclared data centre becomes a red flag.
    pub undeclared_capacity_accelerators: u64,
    /// Bad lines kept with full detail (all are counted).
    pub max_issues_kept: usize,
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        AnalysisConfig {
            flag_threshold: 0.6,
            large_order_accelerators: 64,
            large_order_value_usd: 2_000_000.0,
            warmup_days: 30,
            server_overhead: 1.5,
            accelerators_per_rack: 72,
            undeclared_capacity_accelerators: 128,
            max_issues_kept: 1000,
        }
    }
}

/// Everything the analysis needs: the rules, the parts data, the parameters.
pub struct Analyzer<'a> {
    pub rules: &'a Rules,
    pub parts: &'a PartsDb,
    pub config: AnalysisConfig,
}

type Cc = [u8; 2];

fn cc(s: &str) -> Option<Cc> {
    let b = s.as_bytes();
    (b.len() == 2).then(|| [b[0], b[1]])
}

fn cc_str(c: Cc) -> String {
    String::from_utf8_lossy(&c).into_owned()
}

/// FNV-1a, enough to key serial numbers (64 bits: ~1e-6 collision odds at 10M serials).
fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.trim().bytes() {
        h ^= b.to_ascii_uppercase() as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

#[derive(Default)]
struct IdHasher(u64);
impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) ^ (*b as u64);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}
type SerialMap = HashMap<u64, (u32, u16), BuildHasherDefault<IdHasher>>;

const LEGAL_SUFFIXES: [&str; 24] = [
    "pte",
    "ltd",
    "llc",
    "inc",
    "co",
    "corp",
    "corporation",
    "limited",
    "company",
    "gmbh",
    "bv",
    "sdn",
    "bhd",
    "kk",
    "plc",
    "sa",
    "ag",
    "srl",
    "pty",
    "fze",
    "fzco",
    "jsc",
    "tbk",
    "pt",
];

/// A party name folded for matching: lower case, punctuation gone, legal suffixes dropped.
pub fn fold_party(name: &str) -> String {
    let lowered: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect();
    let words: Vec<&str> = lowered
        .split_whitespace()
        .filter(|w| !LEGAL_SUFFIXES.contains(w))
        .collect();
    if words.is_empty() {
        lowered.split_whitespace().collect::<Vec<_>>().join(" ")
    } else {
        words.join(" ")
    }
}

const VAGUE_END_USES: [&str; 22] = [
    "",
    "n/a",
    "na",
    "none",
    "tbd",
    "tba",
    "unknown",
    "general",
    "general use",
    "general purpose",
    "general purpose computing",
    "various",
    "misc",
    "miscellaneous",
    "other",
    "commercial use",
    "business use",
    "it equipment",
    "trading",
    "stock",
    "-",
    "computer equipment",
];

fn is_vague_end_use(s: &str) -> bool {
    let t = s.trim().to_lowercase();
    let t = t.trim_end_matches('.');
    VAGUE_END_USES.contains(&t) || t.chars().filter(|c| c.is_alphabetic()).count() < 4
}

/// Why an address looks residential or vague, if it does.
fn address_problem(s: &str) -> Option<&'static str> {
    let t = s.trim().to_lowercase();
    if t.is_empty() {
        return None; // absent, not vague: many ledgers leave it out
    }
    let words: Vec<&str> = t
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    if t.contains("p.o. box") || t.contains("po box") || t.contains("pob ") || has("postbox") {
        return Some("a post-office box");
    }
    if t.contains("c/o") || t.contains("care of") {
        return Some("a care-of address");
    }
    if has("apt")
        || has("apartment")
        || has("flat")
        || has("residence")
        || has("residential")
        || has("condominium")
        || has("condo")
        || has("villa")
    {
        return Some("a residential address");
    }
    if !t.chars().any(|c| c.is_ascii_digit()) || words.len() < 3 {
        return Some("an address without street number or too vague to locate");
    }
    None
}

/// What one part name in a ledger is.
#[derive(Clone, Copy)]
struct PartInfo {
    known: bool,
    controlled: bool,
    /// Accelerators per unit (8 for an 8-GPU server).
    accelerators: u32,
    /// Board power of one accelerator.
    tdp_w: f32,
    /// Index of the canonical part (for serial part-mismatch).
    kind: u16,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Sig {
    Hub,
    PayerThirdParty,
    PayerOtherCountry,
    PayerD5,
    PayerAffiliate,
    VagueEndUse,
    VagueAddress(&'static str),
    EndUserElsewhere,
    ForwarderAsConsignee,
    FirstTimeLarge,
    CapacityExceeded { held: u64, hostable: u64 },
    NoCapacityDeclared { held: u64 },
    LicenceMissing,
    ReexportLicenceRequired { received: u64 },
    Reexport,
    ConsigneeReexported { hops: u8 },
    EndUserReexported,
    SerialSeenTwice { other: u32, count: u32 },
    SerialPartMismatch { other: u32, count: u32 },
    SerialReexported { other: u32, count: u32 },
    SerialReturned { count: u32 },
}

impl Sig {
    fn name(&self) -> &'static str {
        match self {
            Sig::Hub => "transshipment_hub",
            Sig::PayerThirdParty => "payer_third_party",
            Sig::PayerOtherCountry => "payer_other_country",
            Sig::PayerD5 => "payer_d5",
            Sig::PayerAffiliate => "payer_affiliate",
            Sig::VagueEndUse => "vague_end_use",
            Sig::VagueAddress(_) => "vague_address",
            Sig::EndUserElsewhere => "end_user_elsewhere",
            Sig::ForwarderAsConsignee => "forwarder_as_consignee",
            Sig::FirstTimeLarge => "first_time_large_order",
            Sig::CapacityExceeded { .. } => "capacity_exceeded",
            Sig::NoCapacityDeclared { .. } => "no_capacity_declared",
            Sig::LicenceMissing => "licence_missing",
            Sig::ReexportLicenceRequired { .. } => "reexport_licence_required",
            Sig::Reexport => "reexport",
            Sig::ConsigneeReexported { .. } => "consignee_reexported",
            Sig::EndUserReexported => "declared_end_user_reexported",
            Sig::SerialSeenTwice { .. } => "serial_seen_twice",
            Sig::SerialPartMismatch { .. } => "serial_part_mismatch",
            Sig::SerialReexported { .. } => "serial_reexported",
            Sig::SerialReturned { .. } => "serial_returned",
        }
    }
    fn weight(&self) -> f64 {
        match self {
            Sig::Hub => 0.15,
            Sig::PayerThirdParty => 0.25,
            Sig::PayerOtherCountry => 0.35,
            Sig::PayerD5 => 0.50,
            Sig::PayerAffiliate => 0.10,
            Sig::VagueEndUse => 0.25,
            Sig::VagueAddress(_) => 0.30,
            Sig::EndUserElsewhere => 0.30,
            Sig::ForwarderAsConsignee => 0.30,
            Sig::FirstTimeLarge => 0.25,
            Sig::CapacityExceeded { held, hostable } => {
                if *held >= hostable.saturating_mul(2) {
                    0.55
                } else {
                    0.45
                }
            }
            Sig::NoCapacityDeclared { .. } => 0.30,
            Sig::LicenceMissing => 0.50,
            Sig::ReexportLicenceRequired { .. } => 0.45,
            Sig::Reexport => 0.05,
            Sig::ConsigneeReexported { hops } => {
                if *hops <= 1 {
                    0.45
                } else {
                    0.30
                }
            }
            Sig::EndUserReexported => 0.35,
            Sig::SerialSeenTwice { .. } => 0.60,
            Sig::SerialPartMismatch { .. } => 0.60,
            Sig::SerialReexported { .. } => 0.30,
            Sig::SerialReturned { .. } => 0.10,
        }
    }
}

/// One shipment, compact (a million of them must fit comfortably).
struct Rec {
    line: u64,
    id: Box<str>,
    date: NaiveDate,
    exporter: u32,
    consignee: u32,
    dest: Cc,
    end_user: Option<u32>,
    end_user_cc: Option<Cc>,
    payer: Option<u32>,
    payer_cc: Option<Cc>,
    forwarder: Option<u32>,
    /// Controlled accelerators in the shipment (units × accelerators per unit).
    controlled_acc: u64,
    /// Facility watts those accelerators need (board power × overhead).
    controlled_w: f64,
    has_unknown: bool,
    value: f64,
    power_kw: Option<f32>,
    racks: Option<u32>,
    vague_end_use: bool,
    address: Option<&'static str>,
    licence_recorded: bool,
    sigs: Vec<Sig>,
    first_serial: Option<Box<str>>,
}

#[derive(Default)]
struct Interner {
    ids: HashMap<String, u32>,
    names: Vec<String>,
    countries: Vec<BTreeMap<String, u32>>,
}

impl Interner {
    fn intern(&mut self, name: &str, country: &str) -> u32 {
        let key = fold_party(name);
        let id = match self.ids.get(&key) {
            Some(&i) => i,
            None => {
                let i = self.names.len() as u32;
                self.ids.insert(key, i);
                self.names.push(name.trim().to_string());
                self.countries.push(BTreeMap::new());
                i
            }
        };
        if !country.is_empty() {
            *self.countries[id as usize]
                .entry(country.to_string())
                .or_default() += 1;
        }
        id
    }
    fn country(&self, id: u32) -> String {
        self.countries[id as usize]
            .iter()
            .max_by_key(|(_, n)| **n)
            .map(|(c, _)| c.clone())
            .unwrap_or_default()
    }
}

/// A flagged shipment and why.
#[derive(Debug, Clone, Serialize)]
pub struct ShipmentFinding {
    pub shipment_id: String,
    pub line: u64,
    pub date: NaiveDate,
    pub exporter: String,
    pub consignee: String,
    pub destination: String,
    pub controlled_accelerators: u64,
    pub value_usd: f64,
    pub score: f64,
    pub flagged: bool,
    pub evidence: Vec<Evidence>,
}

/// One counterparty's trade and risk.
#[derive(Debug, Clone, Serialize)]
pub struct PartyReport {
    pub name: String,
    pub country: String,
    /// exporter, consignee, end_user, payer, forwarder, intermediary
    pub roles: Vec<String>,
    pub shipments_in: u64,
    pub shipments_out: u64,
    pub accelerators_in: u64,
    pub accelerators_out: u64,
    pub value_in_usd: f64,
    pub value_out_usd: f64,
    pub flagged_in: u64,
    pub flagged_out: u64,
    /// Highest score of a shipment it received or sent.
    pub score: f64,
    /// Signal name → how many of its shipments carried it.
    pub signals: BTreeMap<String, u64>,
}

/// An edge of the who-ships-to-whom graph.
#[derive(Debug, Clone, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub destinations: Vec<String>,
    pub shipments: u64,
    pub accelerators: u64,
    pub value_usd: f64,
    pub flagged: u64,
    pub max_score: f64,
}

/// A re-export chain: controlled items from a source, through intermediaries, on to a
/// licence-required destination.
#[derive(Debug, Clone, Serialize)]
pub struct Chain {
    /// Party names in order: source, intermediaries…, final consignee.
    pub path: Vec<String>,
    pub countries: Vec<String>,
    /// The intermediaries (path without its ends).
    pub intermediaries: Vec<String>,
    /// Accelerators on the last leg.
    pub accelerators_onward: u64,
    pub value_onward_usd: f64,
    pub shipments: u64,
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    pub score: f64,
    pub summary: String,
}

/// The analysis of one ledger.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerReport {
    pub file: String,
    pub rules_version: String,
    pub parts_version: String,
    pub lines_read: u64,
    pub shipments: u64,
    pub bad_lines: u64,
    /// The first bad lines with their place and reason (all are counted in `bad_lines`).
    pub issues: Vec<LineIssue>,
    pub controlled_shipments: u64,
    pub flagged: u64,
    /// Part names the data file does not know → lines carrying them (not classified).
    pub unknown_parts: BTreeMap<String, u64>,
    /// Checks skipped because the ledger lacks their columns.
    pub skipped_checks: Vec<String>,
    pub config: AnalysisConfig,
    pub findings: Vec<ShipmentFinding>,
    pub parties: Vec<PartyReport>,
    pub edges: Vec<Edge>,
    pub chains: Vec<Chain>,
}

/// Counts bytes read, for the progress bar.
struct Reader<'p, R> {
    inner: R,
    pending: u64,
    progress: &'p dyn Progress,
}

impl<R: Read> Read for Reader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pending += n as u64;
        if self.pending >= 1 << 20 {
            self.progress.advance(self.pending);
            self.pending = 0;
        }
        Ok(n)
    }
}

impl<'a> Analyzer<'a> {
    /// An analyzer with the default parameters.
    pub fn new(rules: &'a Rules, parts: &'a PartsDb) -> Self {
        Analyzer {
            rules,
            parts,
            config: AnalysisConfig::default(),
        }
    }

    /// Analyses a ledger file (CSV or JSON lines, from the extension or the first byte).
    pub fn analyze_path(
        &self,
        path: &Path,
        progress: &dyn Progress,
    ) -> Result<LedgerReport, ControlsError> {
        let io = |source| ControlsError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(io)?;
        let size = file.metadata().map(|m| m.len()).ok();
        let format = match LedgerFormat::from_path(path) {
            Some(f) => f,
            None => {
                let mut first = [0u8; 1];
                let n = file.read(&mut first).map_err(io)?;
                let f = if n == 1 && first[0] == b'{' {
                    LedgerFormat::Jsonl
                } else {
                    LedgerFormat::Csv
                };
                file = std::fs::File::open(path).map_err(io)?;
                f
            }
        };
        self.analyze_reader(file, path, format, size, progress)
    }

    /// Analyses a ledger from any reader; `name` is used in messages, `size` (bytes) for
    /// progress when known.
    pub fn analyze_reader<R: Read>(
        &self,
        reader: R,
        name: &Path,
        format: LedgerFormat,
        size: Option<u64>,
        progress: &dyn Progress,
    ) -> Result<LedgerReport, ControlsError> {
        progress.start("read", size, "bytes");
        let counting = Reader {
            inner: reader,
            pending: 0,
            progress,
        };
        let mut st = State::new(self);
        let mut issues = Vec::new();
        let mut bad = 0u64;
        let mut lines = 0u64;
        let header = read_ledger(
            counting,
            name,
            format,
            &self.rules.countries,
            |line, s| st.add(line, s),
            |i| {
                bad += 1;
                if issues.len() < self.config.max_issues_kept {
                    issues.push(i);
                }
            },
            |n| lines = n,
        )?;
        progress.finish();
        Ok(st.finish(name, header, lines, bad, issues, progress))
    }

    /// Analyses shipments already in memory (the simulator's, a server request's).
    pub fn analyze_shipments(
        &self,
        shipments: Vec<Shipment>,
        progress: &dyn Progress,
    ) -> LedgerReport {
        let mut st = State::new(self);
        let n = shipments.len() as u64;
        for (i, s) in shipments.into_iter().enumerate() {
            st.add(i as u64 + 1, s);
        }
        st.finish(
            Path::new("<memory>"),
            LedgerHeader {
                has_capacity_columns: true,
                has_licence_column: true,
                has_payer_column: true,
                ignored_columns: vec![],
            },
            n,
            0,
            vec![],
            progress,
        )
    }
}

struct State<'a> {
    an: &'a Analyzer<'a>,
    parties: Interner,
    recs: Vec<Rec>,
    part_cache: HashMap<String, PartInfo>,
    unknown_parts: BTreeMap<String, u64>,
    serials: SerialMap,
    /// (earlier shipment, later shipment) → (count, part mismatch count)
    serial_repeats: HashMap<(u32, u32), (u32, u32)>,
    d5: Vec<Cc>,
}

impl<'a> State<'a> {
    fn new(an: &'a Analyzer<'a>) -> Self {
        let mut d5: Vec<Cc> = an
            .rules
            .groups
            .get("D:5")
            .map(|g| g.iter().filter_map(|c| cc(c)).collect())
            .unwrap_or_default();
        d5.push(*b"MO");
        State {
            an,
            parties: Interner::default(),
            recs: Vec::new(),
            part_cache: HashMap::new(),
            unknown_parts: BTreeMap::new(),
            serials: SerialMap::default(),
            serial_repeats: HashMap::new(),
            d5,
        }
    }

    fn part(&mut self, name: &str) -> PartInfo {
        if let Some(p) = self.part_cache.get(name) {
            return *p;
        }
        let t: &Thresholds = &self.an.rules.thresholds;
        let info = match self.an.parts.lookup(name) {
            Some(r) => {
                let (spec, count) = self.an.parts.accelerators_in(r);
                let kind = self
                    .an
                    .parts
                    .parts
                    .iter()
                    .position(|p| p.name == spec.name)
                    .unwrap_or(0) as u16;
                let status = crate::classify::classify_figures(&spec.figures(), t)
                    .map(|c| c.status)
                    // A part whose TPP needs a die area we lack: treat as controlled (the
                    // stricter reading) — only possible for 1600 ≤ TPP < 4800 parts.
                    .unwrap_or(ControlStatus::A3090B);
                PartInfo {
                    known: true,
                    controlled: status.is_controlled(),
                    accelerators: count,
                    tdp_w: spec.tdp_w.as_ref().map(|d| d.value as f32).unwrap_or(700.0),
                    kind,
                }
            }
            None => PartInfo {
                known: false,
                controlled: false,
                accelerators: 1,
                tdp_w: 0.0,
                kind: u16::MAX - (fold_name(name).len() as u16 % 1000),
            },
        };
        self.part_cache.insert(name.to_string(), info);
        info
    }

    fn add(&mut self, line: u64, s: Shipment) {
        let idx = self.recs.len() as u32;
        let exporter = self.parties.intern(&s.exporter, &s.exporter_country);
        let consignee = self.parties.intern(&s.consignee, &s.destination);
        let end_user =
            (!s.end_user.is_empty()).then(|| self.parties.intern(&s.end_user, &s.end_user_country));
        let payer = (!s.payer.is_empty()).then(|| self.parties.intern(&s.payer, &s.payer_country));
        let forwarder = (!s.freight_forwarder.is_empty())
            .then(|| self.parties.intern(&s.freight_forwarder, ""));
        let mut controlled_acc = 0u64;
        let mut controlled_w = 0f64;
        let mut has_unknown = false;
        let overhead = self.an.config.server_overhead;
        let mut first_serial = None;
        for it in &s.items {
            let p = self.part(&it.part);
            if !p.known {
                has_unknown = true;
                *self.unknown_parts.entry(it.part.clone()).or_default() += 1;
            }
            if p.controlled {
                let acc = it.quantity as u64 * p.accelerators as u64;
                controlled_acc += acc;
                controlled_w += acc as f64 * p.tdp_w as f64 * overhead;
            }
            for sn in &it.serials {
                if first_serial.is_none() {
                    first_serial = Some(sn.clone().into_boxed_str());
                }
                let h = fnv(sn);
                match self.serials.get(&h) {
                    Some(&(earlier, kind)) if earlier != idx => {
                        let e = self.serial_repeats.entry((earlier, idx)).or_default();
                        e.0 += 1;
                        if kind != p.kind {
                            e.1 += 1;
                        }
                        // The serial's latest holder is this shipment.
                        self.serials.insert(h, (idx, p.kind));
                    }
                    Some(_) => {}
                    None => {
                        self.serials.insert(h, (idx, p.kind));
                    }
                }
            }
        }
        self.recs.push(Rec {
            line,
            id: s.shipment_id.into_boxed_str(),
            date: s.date,
            exporter,
            consignee,
            dest: cc(&s.destination).unwrap_or(*b"??"),
            end_user,
            end_user_cc: cc(&s.end_user_country),
            payer,
            payer_cc: cc(&s.payer_country),
            forwarder,
            controlled_acc,
            controlled_w,
            has_unknown,
            value: s.value_usd,
            power_kw: s.end_user_power_kw.map(|p| p as f32),
            racks: s.end_user_racks,
            vague_end_use: is_vague_end_use(&s.declared_end_use),
            address: address_problem(&s.ship_to_address),
            licence_recorded: {
                let l = s.licence.trim().to_ascii_uppercase();
                !(l.is_empty() || l == "NLR" || l == "NONE" || l == "N/A")
            },
            sigs: Vec::new(),
            first_serial,
        });
    }

    fn affiliated(&self, a: u32, b: u32) -> bool {
        let fa = fold_party(&self.parties.names[a as usize]);
        let fb = fold_party(&self.parties.names[b as usize]);
        match (fa.split_whitespace().next(), fb.split_whitespace().next()) {
            (Some(x), Some(y)) => x == y && x.len() >= 4,
            _ => false,
        }
    }

    fn finish(
        mut self,
        name: &Path,
        header: LedgerHeader,
        lines: u64,
        bad: u64,
        issues: Vec<LineIssue>,
        progress: &dyn Progress,
    ) -> LedgerReport {
        let cfg = self.an.config.clone();
        let rules = self.an.rules;
        let n = self.recs.len();
        progress.start("analyse", Some(n as u64), "shipments");
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_by_key(|&i| (self.recs[i as usize].date, self.recs[i as usize].line));
        let start = order.first().map(|&i| self.recs[i as usize].date);
        let warmup_end = start.map(|d| d + chrono::Days::new(cfg.warmup_days.max(0) as u64));

        // Licence requirement by destination, cached per country.
        let mut lic_cache: HashMap<Cc, bool> = HashMap::new();
        let today = chrono::Utc::now().date_naive();
        let mut lic_required = |c: Cc, date: NaiveDate| -> bool {
            let _ = date;
            *lic_cache
                .entry(c)
                .or_insert_with(|| rules.ac_destination_requires_licence(&cc_str(c), today))
        };
        let hubs: HashSet<Cc> = rules
            .ledger
            .transshipment_hubs
            .iter()
            .filter_map(|h| cc(h))
            .collect();
        let d5 = self.d5.clone();
        let is_d5 = |c: Cc| d5.contains(&c) || c == *b"HK";

        // Serial repeats per later shipment.
        let mut repeats_by_later: HashMap<u32, Vec<(u32, u32, u32)>> = HashMap::new();
        for (&(a, b), &(count, mism)) in &self.serial_repeats {
            // Pairs are in reading order; the ledger need not be sorted by date.
            let key = |i: u32| (self.recs[i as usize].date, self.recs[i as usize].line);
            let (e, l) = if key(a) <= key(b) { (a, b) } else { (b, a) };
            repeats_by_later
                .entry(l)
                .or_default()
                .push((e, count, mism));
        }

        #[derive(Default, Clone)]
        struct PState {
            seen_as_consignee: bool,
            received_acc: u64,
            received_w: f64,
            shipped_acc: u64,
            shipped_w: f64,
            power_kw: Option<f32>,
            racks: Option<u32>,
        }
        let mut ps: Vec<PState> = vec![PState::default(); self.parties.names.len()];
        // Parties that re-exported controlled items to a licence-required destination.
        let mut reexporters: HashSet<u32> = HashSet::new();

        for (k, &i) in order.iter().enumerate() {
            if k % 65536 == 0 && k > 0 {
                progress.advance(65536);
            }
            let r = &self.recs[i as usize];
            let controlled = r.controlled_acc > 0 || r.has_unknown;
            let mut sigs = Vec::new();
            if hubs.contains(&r.dest) {
                sigs.push(Sig::Hub);
            }
            if let Some(p) = r.payer {
                if p != r.consignee && Some(p) != r.end_user {
                    if self.affiliated(p, r.consignee)
                        || r.end_user.is_some_and(|e| self.affiliated(p, e))
                    {
                        sigs.push(Sig::PayerAffiliate);
                    } else if r.payer_cc.is_some_and(is_d5) {
                        sigs.push(Sig::PayerD5);
                    } else if r.payer_cc.is_some_and(|c| c != r.dest) {
                        sigs.push(Sig::PayerOtherCountry);
                    } else {
                        sigs.push(Sig::PayerThirdParty);
                    }
                }
            }
            if r.vague_end_use {
                sigs.push(Sig::VagueEndUse);
            }
            if let Some(a) = r.address {
                sigs.push(Sig::VagueAddress(a));
            }
            if r.end_user_cc.is_some_and(|c| c != r.dest) {
                sigs.push(Sig::EndUserElsewhere);
            }
            if let Some(f) = r.forwarder {
                if f == r.consignee || Some(f) == r.end_user {
                    sigs.push(Sig::ForwarderAsConsignee);
                }
            }
            let licence_needed = r.controlled_acc > 0 && lic_required(r.dest, r.date);
            if licence_needed && !r.licence_recorded {
                sigs.push(Sig::LicenceMissing);
            }
            // First-time large order.
            let c = r.consignee as usize;
            if !ps[c].seen_as_consignee
                && warmup_end.is_some_and(|w| r.date >= w)
                && (r.controlled_acc >= cfg.large_order_accelerators
                    || (controlled && r.value >= cfg.large_order_value_usd))
            {
                sigs.push(Sig::FirstTimeLarge);
            }
            ps[c].seen_as_consignee = true;
            // Re-export by a party that received controlled items.
            let ex = r.exporter as usize;
            if controlled && ps[ex].received_acc > 0 {
                let dest_needs =
                    lic_required(r.dest, r.date) && (r.controlled_acc > 0 || r.has_unknown);
                if dest_needs && !r.licence_recorded {
                    sigs.push(Sig::ReexportLicenceRequired {
                        received: ps[ex].received_acc,
                    });
                    reexporters.insert(r.exporter);
                } else {
                    sigs.push(Sig::Reexport);
                }
            }
            // Serial numbers seen before.
            if let Some(reps) = repeats_by_later.get(&i) {
                for &(e, count, mism) in reps {
                    let er = &self.recs[e as usize];
                    let onward_needs = lic_required(r.dest, r.date) && !r.licence_recorded;
                    if mism > 0 {
                        sigs.push(Sig::SerialPartMismatch {
                            other: e,
                            count: mism,
                        });
                        if er.consignee == r.exporter && onward_needs {
                            reexporters.insert(r.exporter);
                        }
                    }
                    if er.consignee == r.exporter {
                        if onward_needs {
                            sigs.push(Sig::SerialReexported { other: e, count });
                            reexporters.insert(r.exporter);
                        }
                    } else if er.exporter == r.exporter && er.consignee == r.consignee {
                        sigs.push(Sig::SerialReturned { count });
                    } else if mism == 0 {
                        sigs.push(Sig::SerialSeenTwice { other: e, count });
                    }
                }
            }
            // Capacity of the party that hosts the accelerators.
            let host = r.end_user.unwrap_or(r.consignee) as usize;
            if r.power_kw.is_some() {
                ps[host].power_kw = r.power_kw;
            }
            if r.racks.is_some() {
                ps[host].racks = r.racks;
            }
            ps[host].received_acc += r.controlled_acc;
            ps[host].received_w += r.controlled_w;
            if host != c {
                ps[c].received_acc += r.controlled_acc;
                ps[c].received_w += r.controlled_w;
            }
            ps[ex].shipped_acc += r.controlled_acc;
            ps[ex].shipped_w += r.controlled_w;
            if r.controlled_acc > 0 && header.has_capacity_columns {
                let h = &ps[host];
                let held = h.received_acc.saturating_sub(h.shipped_acc);
                let held_w = (h.received_w - h.shipped_w).max(0.0);
                let mut hostable: Option<u64> = None;
                if let Some(kw) = h.power_kw {
                    let per_acc_w = if held > 0 { held_w / held as f64 } else { 1.0 };
                    let by_power = (kw as f64 * 1000.0 / per_acc_w.max(1.0)).floor() as u64;
                    hostable = Some(by_power);
                }
                if let Some(racks) = h.racks {
                    let by_racks = racks as u64 * cfg.accelerators_per_rack;
                    hostable = Some(hostable.map_or(by_racks, |x| x.min(by_racks)));
                }
                match hostable {
                    Some(cap) if held > cap => sigs.push(Sig::CapacityExceeded {
                        held,
                        hostable: cap,
                    }),
                    None if held >= cfg.undeclared_capacity_accelerators => {
                        sigs.push(Sig::NoCapacityDeclared { held })
                    }
                    _ => {}
                }
            }
            if !controlled {
                // Only serial-number evidence counts on lines without advanced-computing items.
                sigs.retain(|s| {
                    matches!(
                        s,
                        Sig::SerialPartMismatch { .. } | Sig::SerialSeenTwice { .. }
                    )
                });
            }
            self.recs[i as usize].sigs = sigs;
        }

        // Propagate: shipments into a party that re-exported to a licence-required destination.
        let mut hop_of: HashMap<u32, u8> = reexporters.iter().map(|&p| (p, 1u8)).collect();
        // Second hop: parties that supplied a re-exporter.
        let mut second: HashSet<u32> = HashSet::new();
        for r in &self.recs {
            if r.controlled_acc > 0
                && reexporters.contains(&r.consignee)
                && !reexporters.contains(&r.exporter)
            {
                let ex = r.exporter;
                // Only parties that themselves received controlled items are intermediaries.
                if ps[ex as usize].received_acc > 0 {
                    second.insert(ex);
                }
            }
        }
        for p in second {
            hop_of.entry(p).or_insert(2);
        }
        for r in self.recs.iter_mut() {
            if r.controlled_acc > 0 {
                if let Some(&h) = hop_of.get(&r.consignee) {
                    r.sigs.push(Sig::ConsigneeReexported { hops: h });
                    if r.end_user == Some(r.consignee) && ps[r.consignee as usize].shipped_acc > 0 {
                        r.sigs.push(Sig::EndUserReexported);
                    }
                }
            }
        }
        progress.finish();

        // Scores.
        let scores: Vec<f64> = self
            .recs
            .iter()
            .map(|r| 1.0 - r.sigs.iter().fold(1.0, |acc, s| acc * (1.0 - s.weight())))
            .collect();
        let flagged: Vec<bool> = scores.iter().map(|&s| s >= cfg.flag_threshold).collect();

        let names = &self.parties.names;
        let country_of: Vec<String> = (0..names.len() as u32)
            .map(|i| self.parties.country(i))
            .collect();
        let mut findings = Vec::new();
        for &i in &order {
            let i = i as usize;
            if !flagged[i] {
                continue;
            }
            let r = &self.recs[i];
            findings.push(ShipmentFinding {
                shipment_id: r.id.to_string(),
                line: r.line,
                date: r.date,
                exporter: names[r.exporter as usize].clone(),
                consignee: names[r.consignee as usize].clone(),
                destination: cc_str(r.dest),
                controlled_accelerators: r.controlled_acc,
                value_usd: r.value,
                score: scores[i],
                flagged: true,
                evidence: r
                    .sigs
                    .iter()
                    .map(|s| Evidence::new(s.name(), self.explain(r, s, &country_of), s.weight()))
                    .collect(),
            });
        }

        // Parties and edges.
        let mut parties: Vec<PartyReport> = names
            .iter()
            .enumerate()
            .map(|(i, n)| PartyReport {
                name: n.clone(),
                country: country_of[i].clone(),
                roles: Vec::new(),
                shipments_in: 0,
                shipments_out: 0,
                accelerators_in: 0,
                accelerators_out: 0,
                value_in_usd: 0.0,
                value_out_usd: 0.0,
                flagged_in: 0,
                flagged_out: 0,
                score: 0.0,
                signals: BTreeMap::new(),
            })
            .collect();
        let mut role_sets: Vec<u8> = vec![0; names.len()];
        let mut edges: HashMap<(u32, u32), Edge> = HashMap::new();
        for (i, r) in self.recs.iter().enumerate() {
            let (f, sc) = (flagged[i], scores[i]);
            role_sets[r.exporter as usize] |= 1;
            role_sets[r.consignee as usize] |= 2;
            if let Some(e) = r.end_user {
                role_sets[e as usize] |= 4;
            }
            if let Some(p) = r.payer {
                role_sets[p as usize] |= 8;
            }
            if let Some(fw) = r.forwarder {
                role_sets[fw as usize] |= 16;
            }
            {
                let p = &mut parties[r.exporter as usize];
                p.shipments_out += 1;
                p.accelerators_out += r.controlled_acc;
                p.value_out_usd += r.value;
                p.flagged_out += f as u64;
                p.score = p.score.max(sc);
                for s in &r.sigs {
                    *p.signals.entry(s.name().to_string()).or_default() += 1;
                }
            }
            {
                let p = &mut parties[r.consignee as usize];
                p.shipments_in += 1;
                p.accelerators_in += r.controlled_acc;
                p.value_in_usd += r.value;
                p.flagged_in += f as u64;
                p.score = p.score.max(sc);
                for s in &r.sigs {
                    *p.signals.entry(s.name().to_string()).or_default() += 1;
                }
            }
            let e = edges
                .entry((r.exporter, r.consignee))
                .or_insert_with(|| Edge {
                    from: names[r.exporter as usize].clone(),
                    to: names[r.consignee as usize].clone(),
                    destinations: Vec::new(),
                    shipments: 0,
                    accelerators: 0,
                    value_usd: 0.0,
                    flagged: 0,
                    max_score: 0.0,
                });
            let d = cc_str(r.dest);
            if !e.destinations.contains(&d) {
                e.destinations.push(d);
            }
            e.shipments += 1;
            e.accelerators += r.controlled_acc;
            e.value_usd += r.value;
            e.flagged += f as u64;
            e.max_score = e.max_score.max(sc);
        }
        for (i, p) in parties.iter_mut().enumerate() {
            let rs = role_sets[i];
            for (bit, name) in [
                (1, "exporter"),
                (2, "consignee"),
                (4, "end_user"),
                (8, "payer"),
                (16, "forwarder"),
            ] {
                if rs & bit != 0 {
                    p.roles.push(name.to_string());
                }
            }
            if reexporters.contains(&(i as u32)) || hop_of.get(&(i as u32)) == Some(&2) {
                p.roles.push("intermediary".to_string());
            }
        }

        // Chains: each flagged re-export leg, traced back through the re-exporter's suppliers.
        let mut chains: BTreeMap<Vec<u32>, Chain> = BTreeMap::new();
        let mut suppliers: HashMap<u32, HashMap<u32, u64>> = HashMap::new();
        for r in &self.recs {
            if r.controlled_acc > 0 && hop_of.contains_key(&r.consignee) {
                *suppliers
                    .entry(r.consignee)
                    .or_default()
                    .entry(r.exporter)
                    .or_default() += r.controlled_acc;
            }
        }
        for (i, r) in self.recs.iter().enumerate() {
            let onward = r.sigs.iter().any(|s| {
                matches!(
                    s,
                    Sig::ReexportLicenceRequired { .. } | Sig::SerialReexported { .. }
                ) || matches!(s, Sig::SerialPartMismatch { .. })
                    && reexporters.contains(&r.exporter)
            });
            if !onward {
                continue;
            }
            // Walk back up to two supplier hops, taking the largest supplier at each step.
            let mut path = vec![r.consignee, r.exporter];
            let mut cur = r.exporter;
            for _ in 0..2 {
                let Some(sup) = suppliers.get(&cur) else {
                    break;
                };
                let Some((&best, _)) = sup
                    .iter()
                    .filter(|(s, _)| !path.contains(s))
                    .max_by_key(|(s, n)| (**n, std::cmp::Reverse(**s)))
                else {
                    break;
                };
                path.push(best);
                if !hop_of.contains_key(&best) {
                    break;
                }
                cur = best;
            }
            path.reverse();
            let entry = chains.entry(path.clone()).or_insert_with(|| Chain {
                path: path.iter().map(|&p| names[p as usize].clone()).collect(),
                countries: path
                    .iter()
                    .map(|&p| country_of[p as usize].clone())
                    .collect(),
                intermediaries: path[1..path.len() - 1]
                    .iter()
                    .map(|&p| names[p as usize].clone())
                    .collect(),
                accelerators_onward: 0,
                value_onward_usd: 0.0,
                shipments: 0,
                first_date: r.date,
                last_date: r.date,
                score: 0.0,
                summary: String::new(),
            });
            entry.accelerators_onward += r.controlled_acc;
            entry.value_onward_usd += r.value;
            entry.shipments += 1;
            entry.first_date = entry.first_date.min(r.date);
            entry.last_date = entry.last_date.max(r.date);
            entry.score = entry.score.max(scores[i]);
        }
        let mut chains: Vec<Chain> = chains.into_values().collect();
        for c in &mut chains {
            let legs: Vec<String> = c
                .path
                .iter()
                .zip(&c.countries)
                .map(|(n, cc)| format!("{n} ({cc})"))
                .collect();
            c.summary =
                format!(
                "{} — intermediar{} {}; {} onward shipment(s), {} accelerators, ${:.0}, {} to {}",
                legs.join(" → "),
                if c.intermediaries.len() == 1 { "y" } else { "ies" },
                c.intermediaries.join(", "),
                c.shipments,
                c.accelerators_onward,
                c.value_onward_usd,
                c.first_date,
                c.last_date
            );
        }
        chains.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(b.accelerators_onward.cmp(&a.accelerators_onward))
        });

        let mut parties: Vec<PartyReport> = parties.into_iter().collect();
        parties.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(b.flagged_in.cmp(&a.flagged_in))
                .then(a.name.cmp(&b.name))
        });
        let mut edges: Vec<Edge> = edges.into_values().collect();
        edges.sort_by(|a, b| {
            b.max_score
                .total_cmp(&a.max_score)
                .then(b.value_usd.total_cmp(&a.value_usd))
        });

        let mut skipped = Vec::new();
        if !header.has_capacity_columns {
            skipped.push(
                "capacity vs volume: the ledger has no end_user_power_kw / end_user_racks columns"
                    .to_string(),
            );
        }
        if !header.has_licence_column {
            skipped.push("licence recorded: the ledger has no licence column (every licence-required shipment is treated as unlicensed)".to_string());
        }
        if !header.has_payer_column {
            skipped.push("payer ≠ consignee: the ledger has no payer column".to_string());
        }
        LedgerReport {
            file: name.display().to_string(),
            rules_version: rules.meta.version.clone(),
            parts_version: self.an.parts.version.clone(),
            lines_read: lines,
            shipments: n as u64,
            bad_lines: bad,
            issues,
            controlled_shipments: self.recs.iter().filter(|r| r.controlled_acc > 0).count() as u64,
            flagged: findings.len() as u64,
            unknown_parts: self.unknown_parts,
            skipped_checks: skipped,
            config: cfg,
            findings,
            parties,
            edges,
            chains,
        }
    }

    fn explain(&self, r: &Rec, s: &Sig, country_of: &[String]) -> String {
        let names = &self.parties.names;
        let nm = |i: u32| names[i as usize].as_str();
        let dest = cc_str(r.dest);
        let other = |o: u32| {
            let e = &self.recs[o as usize];
            format!(
                "shipment {} (line {}, {} → {}, {})",
                e.id,
                e.line,
                nm(e.exporter),
                nm(e.consignee),
                e.date
            )
        };
        match s {
            Sig::Hub => format!("destination {dest} is a named transshipment hub ({})", self.an.rules.ledger.hubs_citation),
            Sig::PayerThirdParty | Sig::PayerOtherCountry | Sig::PayerD5 | Sig::PayerAffiliate => {
                let p = r.payer.map(nm).unwrap_or("");
                let pc = r.payer_cc.map(cc_str).unwrap_or_default();
                match s {
                    Sig::PayerD5 => format!("paid by {p} ({pc}, D:5 or Macau), not the consignee {}", nm(r.consignee)),
                    Sig::PayerOtherCountry => format!("paid by {p} from {pc}, not the consignee {} in {dest}", nm(r.consignee)),
                    Sig::PayerAffiliate => format!("paid by {p}, which shares a name with the consignee {} (an affiliate?)", nm(r.consignee)),
                    _ => format!("paid by {p}, neither consignee nor end user"),
                }
            }
            Sig::VagueEndUse => "declared end use is missing or uninformative".to_string(),
            Sig::VagueAddress(why) => format!("ship-to address is {why}"),
            Sig::EndUserElsewhere => format!(
                "end user in {} but shipped to {dest}",
                r.end_user_cc.map(cc_str).unwrap_or_default()
            ),
            Sig::ForwarderAsConsignee => "the freight forwarder is named as consignee or end user".to_string(),
            Sig::FirstTimeLarge => format!(
                "first order from {} is large: {} accelerators, ${:.0}",
                nm(r.consignee),
                r.controlled_acc,
                r.value
            ),
            Sig::CapacityExceeded { held, hostable } => format!(
                "{} would hold {held} accelerators but its declared capacity ({}{}) hosts at most {hostable}",
                nm(r.end_user.unwrap_or(r.consignee)),
                r.power_kw.map(|p| format!("{p} kW")).unwrap_or_else(|| "earlier declaration".into()),
                r.racks.map(|k| format!(", {k} racks")).unwrap_or_default()
            ),
            Sig::NoCapacityDeclared { held } => format!(
                "{} would hold {held} accelerators and has declared no data-centre power or racks",
                nm(r.end_user.unwrap_or(r.consignee))
            ),
            Sig::LicenceMissing => format!(
                "advanced computing items to {dest} need a licence (rules {}), none recorded",
                self.an.rules.meta.version
            ),
            Sig::ReexportLicenceRequired { received } => format!(
                "{} ({}) received {received} controlled accelerators and re-exports to {dest}, where a licence is required, with none recorded",
                nm(r.exporter),
                country_of[r.exporter as usize]
            ),
            Sig::Reexport => format!("re-export by {} of items it received", nm(r.exporter)),
            Sig::ConsigneeReexported { hops } => format!(
                "consignee {} {} controlled items on to a licence-required destination",
                nm(r.consignee),
                if *hops <= 1 { "later re-exported" } else { "supplied a party that re-exported" }
            ),
            Sig::EndUserReexported => format!(
                "{} declared itself the end user, yet shipped controlled items onward",
                nm(r.consignee)
            ),
            Sig::SerialSeenTwice { other: o, count } => format!(
                "{count} serial number(s) (e.g. {}) already shipped in {}",
                r.first_serial.as_deref().unwrap_or("?"),
                other(*o)
            ),
            Sig::SerialPartMismatch { other: o, count } => format!(
                "{count} serial number(s) were declared as a different part in {}",
                other(*o)
            ),
            Sig::SerialReexported { other: o, count } => format!(
                "{count} serial number(s) received by {} in {} are re-exported to {dest}",
                nm(r.exporter),
                other(*o)
            ),
            Sig::SerialReturned { count } => format!("{count} serial number(s) shipped again to the same consignee (a return or replacement?)"),
        }
    }
}

/// The who-ships-to-whom graph as Graphviz DOT: every edge with a flagged shipment and every
/// edge into or out of a chain's party; intermediaries drawn red, scores on the edges.
pub fn graph_dot(report: &LedgerReport) -> String {
    let chain_parties: HashSet<&str> = report
        .chains
        .iter()
        .flat_map(|c| c.path.iter().map(String::as_str))
        .collect();
    let intermediaries: HashSet<&str> = report
        .chains
        .iter()
        .flat_map(|c| c.intermediaries.iter().map(String::as_str))
        .collect();
    let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let mut out = String::from(
        "digraph shipments {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n",
    );
    let mut nodes: BTreeMap<&str, &str> = BTreeMap::new();
    let country: HashMap<&str, &str> = report
        .parties
        .iter()
        .map(|p| (p.name.as_str(), p.country.as_str()))
        .collect();
    let mut lines = Vec::new();
    for e in &report.edges {
        let relevant = e.flagged > 0
            || (chain_parties.contains(e.from.as_str()) && chain_parties.contains(e.to.as_str()));
        if !relevant {
            continue;
        }
        nodes.insert(&e.from, country.get(e.from.as_str()).copied().unwrap_or(""));
        nodes.insert(&e.to, country.get(e.to.as_str()).copied().unwrap_or(""));
        lines.push(format!(
            "  \"{}\" -> \"{}\" [label=\"{} shipments, {} acc., {}/{} flagged, max {:.2}\"{}];\n",
            esc(&e.from),
            esc(&e.to),
            e.shipments,
            e.accelerators,
            e.flagged,
            e.shipments,
            e.max_score,
            if e.flagged > 0 { ", color=red" } else { "" }
        ));
    }
    for (n, c) in nodes {
        let style = if intermediaries.contains(n) {
            ", color=red, style=bold"
        } else {
            ""
        };
        out.push_str(&format!(
            "  \"{}\" [label=\"{}\\n({})\"{}];\n",
            esc(n),
            esc(n),
            c,
            style
        ));
    }
    for l in lines {
        out.push_str(&l);
    }
    out.push_str("}\n");
    out
}

/// Reads and analyses a ledger file with the built-in (or given) rules and parts data.
pub fn analyze_ledger(
    path: &Path,
    rules: &Rules,
    parts: &PartsDb,
    progress: &dyn Progress,
) -> Result<LedgerReport, ControlsError> {
    Analyzer::new(rules, parts).analyze_path(path, progress)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn party_names_fold_legal_suffixes() {
        assert_eq!(
            fold_party("Lion City Compute Pte. Ltd."),
            "lion city compute"
        );
        assert_eq!(fold_party("LION CITY COMPUTE PTE LTD"), "lion city compute");
        assert_eq!(fold_party("Co., Ltd."), "co ltd");
    }

    #[test]
    fn vague_things() {
        assert!(is_vague_end_use("N/A"));
        assert!(is_vague_end_use("general purpose"));
        assert!(!is_vague_end_use(
            "training large language models for our search product"
        ));
        assert!(address_problem("PO Box 1234, Singapore").is_some());
        assert!(address_problem("Apt 5, 12 Orchard Rd, Singapore").is_some());
        assert!(address_problem("Kuala Lumpur").is_some());
        assert!(address_problem("12 Tuas South Ave 3, Singapore 637000").is_none());
    }
}
