//! ECCN 3A090 / 4A090 classification from public performance figures.
//!
//! Total Processing Performance (TPP) = 2 × MacTOPS × bit length, which equals the dense
//! peak rate in tera-operations per second times the operand bit length; the part's TPP is the
//! highest over the precisions it supports. Performance density (PD) = TPP / applicable die
//! area in mm². The thresholds come from the versioned rules data ([`Thresholds`]) because the
//! regulation changes them.

use crate::error::ControlsError;
use chokepoint_core::Place;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// The accelerator data compiled into the binary (`data/accelerators.toml`).
pub const BUILTIN_PARTS: &str = include_str!("../data/accelerators.toml");

/// An arithmetic precision, with the bit length the 3A090 technical note multiplies by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    Int4,
    Int8,
    Fp4,
    Fp6,
    Fp8,
    Fp16,
    Bf16,
    /// TF32 operands travel in 32-bit registers; counted as 32 bits.
    Tf32,
    Fp32,
    Fp64,
}

impl Precision {
    /// Bit length of one operand.
    pub fn bits(self) -> u32 {
        match self {
            Precision::Int4 | Precision::Fp4 => 4,
            Precision::Fp6 => 6,
            Precision::Int8 | Precision::Fp8 => 8,
            Precision::Fp16 | Precision::Bf16 => 16,
            Precision::Tf32 | Precision::Fp32 => 32,
            Precision::Fp64 => 64,
        }
    }
    /// Lower-case name (`fp8`).
    pub fn name(self) -> &'static str {
        match self {
            Precision::Int4 => "int4",
            Precision::Int8 => "int8",
            Precision::Fp4 => "fp4",
            Precision::Fp6 => "fp6",
            Precision::Fp8 => "fp8",
            Precision::Fp16 => "fp16",
            Precision::Bf16 => "bf16",
            Precision::Tf32 => "tf32",
            Precision::Fp32 => "fp32",
            Precision::Fp64 => "fp64",
        }
    }
}

/// A number with the public source it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sourced {
    pub value: f64,
    pub source: String,
}

/// One dense peak rate of a part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateSpec {
    pub precision: Precision,
    /// Dense peak, tera-operations per second (TOPS or TFLOPS).
    pub dense: f64,
    pub source: String,
}

/// An accelerator (an integrated circuit) and its public figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartSpec {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub vendor: String,
    /// Designed or marketed for use in data centres.
    pub datacenter: bool,
    pub rates: Vec<RateSpec>,
    pub die_mm2: Option<Sourced>,
    pub tdp_w: Option<Sourced>,
}

/// What a computer contains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contains {
    pub part: String,
    pub count: u32,
}

/// A computer (server) built around accelerators: 4A090 when they are 3A090.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemSpec {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub contains: Contains,
    pub power_w: Option<Sourced>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartsFile {
    version: String,
    updated: String,
    #[serde(default, rename = "part")]
    parts: Vec<PartSpec>,
    #[serde(default, rename = "system")]
    systems: Vec<SystemSpec>,
}

/// Which entry of the data file a name resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartRef {
    Part(usize),
    System(usize),
}

/// The accelerator data: parts, systems, and an index of their names and aliases.
#[derive(Debug, Clone)]
pub struct PartsDb {
    pub version: String,
    pub updated: String,
    pub parts: Vec<PartSpec>,
    pub systems: Vec<SystemSpec>,
    index: HashMap<String, PartRef>,
}

/// Folds a part name for lookup: lower case, letters and digits only (`H100 SXM5` = `h100-sxm5`).
pub fn fold_name(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(|c| c.to_lowercase())
        .collect()
}

impl PartsDb {
    /// The data compiled into the binary.
    pub fn builtin() -> Result<PartsDb, ControlsError> {
        PartsDb::parse(BUILTIN_PARTS, Path::new("<builtin>/accelerators.toml"))
    }

    /// Loads a (newer) data file.
    pub fn load(path: &Path) -> Result<PartsDb, ControlsError> {
        let text = std::fs::read_to_string(path).map_err(|source| ControlsError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        PartsDb::parse(&text, path)
    }

    /// Parses and validates a data file's text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<PartsDb, ControlsError> {
        let file: PartsFile = chokepoint_core::config::parse_toml(text, path)?;
        let mut index = HashMap::new();
        let place = |name: &str, field: &str| Place::file(path).at_field(format!("{name}.{field}"));
        for (i, p) in file.parts.iter().enumerate() {
            if p.rates.is_empty() {
                return Err(ControlsError::invalid(place(&p.name, "rates"), "no rates"));
            }
            for r in &p.rates {
                check_positive(r.dense, place(&p.name, r.precision.name()))?;
            }
            if let Some(d) = &p.die_mm2 {
                check_positive(d.value, place(&p.name, "die_mm2"))?;
            }
            if let Some(d) = &p.tdp_w {
                check_positive(d.value, place(&p.name, "tdp_w"))?;
            }
            for n in std::iter::once(&p.name).chain(&p.aliases) {
                let prev = index.insert(fold_name(n), PartRef::Part(i));
                if prev.is_some_and(|r| r != PartRef::Part(i)) {
                    return Err(ControlsError::invalid(
                        place(&p.name, "aliases"),
                        format!("name `{n}` is used twice"),
                    ));
                }
            }
        }
        for (i, s) in file.systems.iter().enumerate() {
            match index.get(&fold_name(&s.contains.part)) {
                Some(PartRef::Part(_)) => {}
                _ => {
                    return Err(ControlsError::invalid(
                        place(&s.name, "contains.part"),
                        format!("unknown part `{}`", s.contains.part),
                    ))
                }
            }
            if s.contains.count == 0 {
                return Err(ControlsError::invalid(
                    place(&s.name, "contains.count"),
                    "must be at least 1",
                ));
            }
            for n in std::iter::once(&s.name).chain(&s.aliases) {
                let prev = index.insert(fold_name(n), PartRef::System(i));
                if prev.is_some_and(|r| r != PartRef::System(i)) {
                    return Err(ControlsError::invalid(
                        place(&s.name, "aliases"),
                        format!("name `{n}` is used twice"),
                    ));
                }
            }
        }
        Ok(PartsDb {
            version: file.version,
            updated: file.updated,
            parts: file.parts,
            systems: file.systems,
            index,
        })
    }

    /// Finds a part or system by name or alias (case, spaces and dashes ignored).
    pub fn lookup(&self, name: &str) -> Option<PartRef> {
        self.index.get(&fold_name(name)).copied()
    }

    /// Like [`PartsDb::lookup`], but an unknown name is an error listing near matches.
    pub fn resolve(&self, name: &str) -> Result<PartRef, ControlsError> {
        if let Some(r) = self.lookup(name) {
            return Ok(r);
        }
        let folded = fold_name(name);
        let near: Vec<&str> = self
            .parts
            .iter()
            .map(|p| p.name.as_str())
            .chain(self.systems.iter().map(|s| s.name.as_str()))
            .filter(|n| {
                let f = fold_name(n);
                !folded.is_empty() && (f.contains(&folded) || folded.contains(&f))
            })
            .collect();
        let hint = if near.is_empty() {
            String::new()
        } else {
            format!(" (did you mean {}?)", near.join(", "))
        };
        Err(ControlsError::UnknownPart {
            name: name.to_string(),
            hint,
            known: self.names().join(", "),
        })
    }

    /// Every canonical part and system name.
    pub fn names(&self) -> Vec<String> {
        self.parts
            .iter()
            .map(|p| p.name.clone())
            .chain(self.systems.iter().map(|s| s.name.clone()))
            .collect()
    }

    /// The accelerator part behind a name and how many of it one unit holds (1 for a chip,
    /// 8 for an 8-GPU server).
    pub fn accelerators_in(&self, r: PartRef) -> (&PartSpec, u32) {
        match r {
            PartRef::Part(i) => (&self.parts[i], 1),
            PartRef::System(i) => {
                let s = &self.systems[i];
                // Validated in `parse`: every system's part resolves to a Part.
                match self.lookup(&s.contains.part) {
                    Some(PartRef::Part(p)) => (&self.parts[p], s.contains.count),
                    _ => unreachable!("validated at load"),
                }
            }
        }
    }
}

fn check_positive(v: f64, place: Place) -> Result<(), ControlsError> {
    if !v.is_finite() {
        return Err(ControlsError::invalid(place, "must be a finite number"));
    }
    if v <= 0.0 {
        return Err(ControlsError::invalid(
            place,
            format!("must be greater than zero (got {v})"),
        ));
    }
    Ok(())
}

/// The 3A090 parameters (from the rules data; defaults are the rule in force since Nov 2023).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// 3A090.a.1: TPP at or above this.
    pub a1_tpp: f64,
    /// 3A090.a.2: TPP at or above `a2_tpp` and PD at or above `a2_pd`.
    pub a2_tpp: f64,
    pub a2_pd: f64,
    /// 3A090.b.1: `b1_tpp` ≤ TPP < `a1_tpp` and `b1_pd` ≤ PD < `a2_pd`.
    pub b1_tpp: f64,
    pub b1_pd: f64,
    /// 3A090.b.2: TPP ≥ `b2_tpp` and `b2_pd` ≤ PD < `a2_pd`.
    pub b2_tpp: f64,
    pub b2_pd: f64,
    /// ICs not designed or marketed for data centres are outside 3A090 below this TPP.
    pub non_datacenter_min_tpp: f64,
    /// The regulation these numbers come from.
    pub citation: String,
    pub non_datacenter_citation: String,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            a1_tpp: 4800.0,
            a2_tpp: 1600.0,
            a2_pd: 5.92,
            b1_tpp: 2400.0,
            b1_pd: 1.6,
            b2_tpp: 1600.0,
            b2_pd: 3.2,
            non_datacenter_min_tpp: 4800.0,
            citation: "15 CFR 774 Supp. 1, ECCN 3A090".into(),
            non_datacenter_citation:
                "Note to 3A090 (ICs not designed or marketed for use in data centres)".into(),
        }
    }
}

/// The figures a classification starts from, whether from the data file or typed in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChipFigures {
    /// Dense peak rates, tera-ops per second.
    pub rates: Vec<(Precision, f64)>,
    /// Applicable die area in mm², when known.
    pub die_mm2: Option<f64>,
    /// Designed or marketed for data centres (assume yes when unsure: it is the stricter reading).
    pub datacenter: bool,
}

/// One precision's contribution to TPP.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TppTerm {
    pub precision: Precision,
    pub dense_tops: f64,
    pub bits: u32,
    /// dense_tops × bits (= 2 × MacTOPS × bits).
    pub tpp: f64,
}

/// The ECCN outcome for an IC or a computer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ControlStatus {
    #[serde(rename = "3A090.a")]
    A3090A,
    #[serde(rename = "3A090.b")]
    A3090B,
    #[serde(rename = "4A090.a")]
    A4090A,
    #[serde(rename = "4A090.b")]
    A4090B,
    /// Below every 3A090 parameter (or excluded by the note): 3A991, 4A994, 5A992 or EAR99.
    #[serde(rename = "not 3A090")]
    NotControlled,
}

impl ControlStatus {
    /// The ECCN text (`3A090.a`), or `not 3A090`.
    pub fn code(self) -> &'static str {
        match self {
            ControlStatus::A3090A => "3A090.a",
            ControlStatus::A3090B => "3A090.b",
            ControlStatus::A4090A => "4A090.a",
            ControlStatus::A4090B => "4A090.b",
            ControlStatus::NotControlled => "not 3A090",
        }
    }
    /// Whether the item is an advanced-computing item (3A090 or 4A090).
    pub fn is_controlled(self) -> bool {
        self != ControlStatus::NotControlled
    }
}

/// A classification with its arithmetic and the reasons, for people to check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    /// The part or system name, when classified from the data file.
    pub part: Option<String>,
    pub status: ControlStatus,
    pub eccn: String,
    /// TPP of one IC.
    pub tpp: f64,
    pub terms: Vec<TppTerm>,
    pub performance_density: Option<f64>,
    pub die_mm2: Option<f64>,
    pub datacenter: bool,
    /// For a computer: how many such ICs it holds (1 for a chip).
    pub ics_per_unit: u32,
    /// Lines of arithmetic, in order.
    pub arithmetic: Vec<String>,
    /// Why this status, with the paragraph cited.
    pub reasons: Vec<String>,
    /// Where the figures came from.
    pub sources: Vec<String>,
    /// Version of the accelerator data, when it was used.
    pub data_version: Option<String>,
}

fn fmt_num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.2}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

/// Classifies an IC from its figures. Errors name the offending field: a negative, zero or
/// non-finite rate or area, no rate at all, or a die area that is needed and missing.
pub fn classify_figures(
    figures: &ChipFigures,
    thresholds: &Thresholds,
) -> Result<Classification, ControlsError> {
    if figures.rates.is_empty() {
        return Err(ControlsError::field(
            "rates",
            "no performance figure given (e.g. --tops-int8, --tflops-fp8, --tflops-fp16)",
        ));
    }
    let mut terms = Vec::new();
    for &(precision, dense) in &figures.rates {
        check_positive(dense, Place::default().at_field(precision.name()))?;
        let bits = precision.bits();
        terms.push(TppTerm {
            precision,
            dense_tops: dense,
            bits,
            tpp: dense * bits as f64,
        });
    }
    if let Some(d) = figures.die_mm2 {
        check_positive(d, Place::default().at_field("die_mm2"))?;
    }
    let mut arithmetic = Vec::new();
    for t in &terms {
        arithmetic.push(format!(
            "{}: 2 × MacTOPS × bits = 2 × {} × {} = {}",
            t.precision.name(),
            fmt_num(t.dense_tops / 2.0),
            t.bits,
            fmt_num(t.tpp)
        ));
    }
    let best = terms
        .iter()
        .max_by(|a, b| a.tpp.total_cmp(&b.tpp))
        .cloned()
        // Not empty: checked above.
        .ok_or_else(|| ControlsError::field("rates", "no performance figure"))?;
    let tpp = best.tpp;
    arithmetic.push(format!(
        "TPP = max over precisions = {} ({})",
        fmt_num(tpp),
        best.precision.name()
    ));
    let pd = figures.die_mm2.map(|d| tpp / d);
    if let (Some(pd), Some(d)) = (pd, figures.die_mm2) {
        arithmetic.push(format!(
            "PD = TPP / die area = {} / {} mm² = {:.2}",
            fmt_num(tpp),
            fmt_num(d),
            pd
        ));
    }
    let t = thresholds;
    let cite = &t.citation;
    let mut reasons = Vec::new();
    let mut status = ControlStatus::NotControlled;
    if tpp >= t.a1_tpp {
        status = ControlStatus::A3090A;
        reasons.push(format!(
            "TPP {} ≥ {} ({cite}.a.1)",
            fmt_num(tpp),
            fmt_num(t.a1_tpp)
        ));
    } else if tpp < t.a2_tpp.min(t.b1_tpp).min(t.b2_tpp) {
        reasons.push(format!(
            "TPP {} < {}: below every 3A090 parameter ({cite})",
            fmt_num(tpp),
            fmt_num(t.a2_tpp.min(t.b1_tpp).min(t.b2_tpp))
        ));
    } else {
        let Some(pd) = pd else {
            return Err(ControlsError::field(
                "die_mm2",
                format!(
                    "TPP {} is between {} and {}, where the status depends on performance density: give the applicable die area (--die-mm2)",
                    fmt_num(tpp),
                    fmt_num(t.a2_tpp.min(t.b2_tpp)),
                    fmt_num(t.a1_tpp)
                ),
            ));
        };
        if tpp >= t.a2_tpp && pd >= t.a2_pd {
            status = ControlStatus::A3090A;
            reasons.push(format!(
                "TPP {} ≥ {} and PD {:.2} ≥ {} ({cite}.a.2)",
                fmt_num(tpp),
                fmt_num(t.a2_tpp),
                pd,
                t.a2_pd
            ));
        } else if tpp >= t.b1_tpp && tpp < t.a1_tpp && pd >= t.b1_pd && pd < t.a2_pd {
            status = ControlStatus::A3090B;
            reasons.push(format!(
                "{} ≤ TPP {} < {} and {} ≤ PD {:.2} < {} ({cite}.b.1)",
                fmt_num(t.b1_tpp),
                fmt_num(tpp),
                fmt_num(t.a1_tpp),
                t.b1_pd,
                pd,
                t.a2_pd
            ));
        } else if tpp >= t.b2_tpp && pd >= t.b2_pd && pd < t.a2_pd {
            status = ControlStatus::A3090B;
            reasons.push(format!(
                "TPP {} ≥ {} and {} ≤ PD {:.2} < {} ({cite}.b.2)",
                fmt_num(tpp),
                fmt_num(t.b2_tpp),
                t.b2_pd,
                pd,
                t.a2_pd
            ));
        } else {
            reasons.push(format!(
                "TPP {} < {} and PD {:.2} below the .a.2 ({}), .b.1 (TPP ≥ {}, PD ≥ {}) and .b.2 (PD ≥ {}) parameters ({cite})",
                fmt_num(tpp),
                fmt_num(t.a1_tpp),
                pd,
                t.a2_pd,
                fmt_num(t.b1_tpp),
                t.b1_pd,
                t.b2_pd
            ));
        }
    }
    if status.is_controlled() && !figures.datacenter && tpp < t.non_datacenter_min_tpp {
        reasons.push(format!(
            "not designed or marketed for data centres and TPP {} < {}: outside 3A090 ({})",
            fmt_num(tpp),
            fmt_num(t.non_datacenter_min_tpp),
            t.non_datacenter_citation
        ));
        status = ControlStatus::NotControlled;
    }
    if !status.is_controlled() {
        reasons.push(
            "not 3A090: check 3A991, 4A994, 5A992 or EAR99 for the item's own ECCN".to_string(),
        );
    }
    Ok(Classification {
        part: None,
        status,
        eccn: status.code().to_string(),
        tpp,
        terms,
        performance_density: pd,
        die_mm2: figures.die_mm2,
        datacenter: figures.datacenter,
        ics_per_unit: 1,
        arithmetic,
        reasons,
        sources: Vec::new(),
        data_version: None,
    })
}

impl PartSpec {
    /// The figures of this part, for [`classify_figures`].
    pub fn figures(&self) -> ChipFigures {
        ChipFigures {
            rates: self.rates.iter().map(|r| (r.precision, r.dense)).collect(),
            die_mm2: self.die_mm2.as_ref().map(|d| d.value),
            datacenter: self.datacenter,
        }
    }
}

/// Classifies a part or system of the data file by name. A computer holding 3A090.a (.b)
/// ICs is 4A090.a (.b).
pub fn classify_part(
    db: &PartsDb,
    name: &str,
    thresholds: &Thresholds,
) -> Result<Classification, ControlsError> {
    let r = db.resolve(name)?;
    let (part, count) = db.accelerators_in(r);
    let mut c = classify_figures(&part.figures(), thresholds)?;
    c.sources = part
        .rates
        .iter()
        .map(|r| format!("{}: {}", r.precision.name(), r.source))
        .chain(
            part.die_mm2
                .iter()
                .map(|d| format!("die area: {}", d.source)),
        )
        .collect();
    c.data_version = Some(db.version.clone());
    match r {
        PartRef::Part(_) => c.part = Some(part.name.clone()),
        PartRef::System(i) => {
            let sys = &db.systems[i];
            c.part = Some(sys.name.clone());
            c.ics_per_unit = count;
            c.arithmetic.push(format!(
                "{} holds {} × {}: aggregate TPP {}",
                sys.name,
                count,
                part.name,
                fmt_num(c.tpp * count as f64)
            ));
            c.status = match c.status {
                ControlStatus::A3090A => ControlStatus::A4090A,
                ControlStatus::A3090B => ControlStatus::A4090B,
                s => s,
            };
            c.eccn = c.status.code().to_string();
            if c.status.is_controlled() {
                c.reasons.push(format!(
                    "a computer containing {} ICs is {} (15 CFR 774 Supp. 1, ECCN 4A090)",
                    if c.status == ControlStatus::A4090A {
                        "3A090.a"
                    } else {
                        "3A090.b"
                    },
                    c.eccn
                ));
            }
        }
    }
    Ok(c)
}

/// Figures typed on a command line or sent in a request. Every field is optional; at least
/// one rate is required.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFigures {
    pub tops_int4: Option<f64>,
    pub tops_int8: Option<f64>,
    pub tflops_fp4: Option<f64>,
    pub tflops_fp8: Option<f64>,
    pub tflops_fp16: Option<f64>,
    pub tflops_bf16: Option<f64>,
    pub tflops_tf32: Option<f64>,
    pub tflops_fp32: Option<f64>,
    pub tflops_fp64: Option<f64>,
    pub die_mm2: Option<f64>,
    /// Defaults to true (the stricter reading).
    pub datacenter: Option<bool>,
}

impl RawFigures {
    /// The figures as a [`ChipFigures`] (validation happens in [`classify_figures`]).
    pub fn to_figures(&self) -> ChipFigures {
        let pairs = [
            (Precision::Int4, self.tops_int4),
            (Precision::Int8, self.tops_int8),
            (Precision::Fp4, self.tflops_fp4),
            (Precision::Fp8, self.tflops_fp8),
            (Precision::Fp16, self.tflops_fp16),
            (Precision::Bf16, self.tflops_bf16),
            (Precision::Tf32, self.tflops_tf32),
            (Precision::Fp32, self.tflops_fp32),
            (Precision::Fp64, self.tflops_fp64),
        ];
        ChipFigures {
            rates: pairs
                .into_iter()
                .filter_map(|(p, v)| v.map(|v| (p, v)))
                .collect(),
            die_mm2: self.die_mm2,
            datacenter: self.datacenter.unwrap_or(true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> PartsDb {
        PartsDb::builtin().expect("builtin data parses")
    }

    #[test]
    fn builtin_data_parses_and_every_rate_has_a_source() {
        let db = db();
        assert!(db.parts.len() >= 10);
        for p in &db.parts {
            for r in &p.rates {
                assert!(!r.source.trim().is_empty(), "{} {:?}", p.name, r.precision);
            }
        }
    }

    #[test]
    fn aliases_resolve_and_unknown_parts_are_named() {
        let db = db();
        assert_eq!(db.lookup("h100 sxm5"), db.lookup("H100-SXM"));
        let e = db.resolve("H1000").unwrap_err().to_string();
        assert!(e.contains("unknown part `H1000`"), "{e}");
    }

    #[test]
    fn negative_and_missing_figures_are_errors_naming_the_field() {
        let t = Thresholds::default();
        let e = classify_figures(
            &ChipFigures {
                rates: vec![(Precision::Fp8, -5.0)],
                die_mm2: None,
                datacenter: true,
            },
            &t,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("field `fp8`") && e.contains("greater than zero"),
            "{e}"
        );
        let e = classify_figures(&RawFigures::default().to_figures(), &t)
            .unwrap_err()
            .to_string();
        assert!(e.contains("rates"), "{e}");
        // TPP 2000 needs a die area to decide.
        let raw = RawFigures {
            tops_int8: Some(250.0),
            ..Default::default()
        };
        let e = classify_figures(&raw.to_figures(), &t)
            .unwrap_err()
            .to_string();
        assert!(e.contains("die_mm2"), "{e}");
        let raw = RawFigures {
            tops_int8: Some(250.0),
            die_mm2: Some(f64::NAN),
            ..Default::default()
        };
        assert!(classify_figures(&raw.to_figures(), &t).is_err());
    }
}
