//! Measured inputs: what chokepoint measured replaces the default leakage estimates.
//!
//! - a `distill` scan report (`specs/distill-report.md`) gives the distillation volume, the
//!   campaigns' duration and their capability coverage;
//! - a shipments analysis (the small documented shape below) gives the smuggling rate.
//!
//! Every replaced parameter is recorded in [`Params::measured`], so the output says which
//! inputs were measured and how they were converted.

use crate::error::ScenarioError;
use crate::params::Params;
use chokepoint_core::{parse_rfc3339, Place, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The distill report schema this module reads.
pub const DISTILL_REPORT_SCHEMA: &str = "chokepoint.distill.report/v1";

/// Exchanges per account when a campaign reports accounts but no record count: 28.8M
/// exchanges over ~25k accounts in a disclosed case (field facts).
pub const EXCHANGES_PER_ACCOUNT: f64 = 1_150.0;

/// Number of capability families the disclosed campaigns targeted (reasoning, rubric grading,
/// coding, tool use, computer use, vision): the least denominator of the coverage measure.
pub const CAPABILITY_FAMILIES: usize = 6;

/// A category counts as covered when it has at least this records-weighted share.
pub const COVERED_SHARE: f64 = 0.05;

/// Upper bound on input files read (a report is JSON; a larger file is not one of ours).
pub const MAX_INPUT_BYTES: u64 = 512 * 1024 * 1024;

#[derive(Debug, Deserialize)]
struct Report {
    schema: Option<String>,
    #[serde(default)]
    campaigns: Vec<Campaign>,
}

#[derive(Debug, Deserialize)]
struct Campaign {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    accounts: Vec<serde_json::Value>,
    #[serde(default)]
    records: Option<f64>,
    #[serde(default)]
    first_seen: Option<String>,
    #[serde(default)]
    last_seen: Option<String>,
    #[serde(default)]
    capabilities: BTreeMap<String, f64>,
}

/// What a distill report measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistillMeasurement {
    pub campaigns: usize,
    pub accounts: usize,
    /// Exchanges in flagged campaigns (records; accounts x 1,150 where records are missing).
    pub exchanges: f64,
    /// Days from the earliest first_seen to the latest last_seen (at least one day).
    pub observed_days: f64,
    /// Years from 2025-01-01 to the middle of the observed period.
    pub observed_at_years: f64,
    /// Exchanges per year at the observed rate.
    pub exchanges_per_year: f64,
    /// Mean campaign duration in days, when every campaign has both timestamps.
    pub mean_campaign_days: Option<f64>,
    /// Share of capability families covered (None when the report carries no capability mix).
    pub capability_coverage: Option<f64>,
}

fn read_json_text(path: &Path) -> Result<String, ScenarioError> {
    let io = |source| ScenarioError::Io {
        path: path.to_path_buf(),
        source,
    };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > MAX_INPUT_BYTES {
        return Err(ScenarioError::invalid(
            Place::file(path),
            format!("file of {len} bytes is larger than the {MAX_INPUT_BYTES}-byte limit"),
        ));
    }
    std::fs::read_to_string(path).map_err(io)
}

fn json_error(path: &Path, text: &str, e: serde_json::Error) -> ScenarioError {
    let _ = text;
    ScenarioError::invalid(Place::file(path).at_line(e.line() as u64), e.to_string())
}

fn years_since_2025(t: &Timestamp) -> f64 {
    let start = parse_rfc3339("2025-01-01T00:00:00Z").unwrap_or_default();
    (*t - start).num_seconds() as f64 / (365.25 * 86_400.0)
}

/// Reads a distill report and measures the distillation volume it shows.
pub fn read_distill_report(path: &Path) -> Result<DistillMeasurement, ScenarioError> {
    let text = read_json_text(path)?;
    measure_distill_report(&text, path)
}

/// Measures a distill report's text (`path` for messages).
pub fn measure_distill_report(
    text: &str,
    path: &Path,
) -> Result<DistillMeasurement, ScenarioError> {
    let report: Report = serde_json::from_str(text).map_err(|e| json_error(path, text, e))?;
    match report.schema.as_deref() {
        Some(DISTILL_REPORT_SCHEMA) => {}
        other => {
            return Err(ScenarioError::invalid(
                Place::file(path).at_field("schema"),
                format!(
                    "expected \"{DISTILL_REPORT_SCHEMA}\", found {}",
                    other
                        .map(|s| format!("\"{s}\""))
                        .unwrap_or_else(|| "nothing".into())
                ),
            ))
        }
    }
    if report.campaigns.is_empty() {
        return Err(ScenarioError::invalid(
            Place::file(path).at_field("campaigns"),
            "the report has no campaigns: nothing measured (the model's default stays in use only if you leave --from-distill out)",
        ));
    }
    let mut exchanges = 0.0;
    let mut accounts = 0usize;
    let mut first: Option<Timestamp> = None;
    let mut last: Option<Timestamp> = None;
    let mut durations = Vec::new();
    let mut all_timed = true;
    let mut mix: BTreeMap<String, f64> = BTreeMap::new();
    let mut mix_weight = 0.0;
    for (i, c) in report.campaigns.iter().enumerate() {
        let field = |f: &str| {
            Place::file(path).at_field(format!(
                "campaigns[{i}]{}.{f}",
                c.id.as_ref()
                    .map(|id| format!(" ({id})"))
                    .unwrap_or_default()
            ))
        };
        let n = match c.records {
            Some(r) if r.is_finite() && r >= 0.0 => r,
            Some(r) => {
                return Err(ScenarioError::invalid(
                    field("records"),
                    format!("{r} is not a count"),
                ))
            }
            None => c.accounts.len() as f64 * EXCHANGES_PER_ACCOUNT,
        };
        exchanges += n;
        accounts += c.accounts.len();
        let parse = |s: &Option<String>, f: &str| -> Result<Option<Timestamp>, ScenarioError> {
            s.as_deref()
                .map(|s| parse_rfc3339(s).map_err(|e| ScenarioError::invalid(field(f), e)))
                .transpose()
        };
        let (fs, ls) = (
            parse(&c.first_seen, "first_seen")?,
            parse(&c.last_seen, "last_seen")?,
        );
        match (fs, ls) {
            (Some(a), Some(b)) => {
                if b < a {
                    return Err(ScenarioError::invalid(
                        field("last_seen"),
                        "last_seen is before first_seen",
                    ));
                }
                durations.push((b - a).num_seconds() as f64 / 86_400.0);
                first = Some(first.map_or(a, |f| f.min(a)));
                last = Some(last.map_or(b, |l| l.max(b)));
            }
            _ => all_timed = false,
        }
        for (cap, share) in &c.capabilities {
            if !share.is_finite() || *share < 0.0 {
                return Err(ScenarioError::invalid(
                    field(&format!("capabilities.{cap}")),
                    format!("{share} is not a share"),
                ));
            }
            *mix.entry(cap.clone()).or_default() += share * n;
        }
        if !c.capabilities.is_empty() {
            mix_weight += n;
        }
    }
    let (first, last) =
        match (first, last) {
            (Some(f), Some(l)) => (f, l),
            _ => return Err(ScenarioError::invalid(
                Place::file(path).at_field("campaigns[].first_seen"),
                "no campaign has first_seen and last_seen: the volume cannot be turned into a rate",
            )),
        };
    let observed_days = ((last - first).num_seconds() as f64 / 86_400.0).max(1.0);
    let mid = first + (last - first) / 2;
    let capability_coverage = (mix_weight > 0.0).then(|| {
        let families: Vec<&String> = mix.keys().filter(|k| k.as_str() != "other").collect();
        let covered = families
            .iter()
            .filter(|k| mix[k.as_str()] / mix_weight >= COVERED_SHARE)
            .count();
        (covered as f64 / families.len().max(CAPABILITY_FAMILIES) as f64).clamp(0.05, 1.0)
    });
    Ok(DistillMeasurement {
        campaigns: report.campaigns.len(),
        accounts,
        exchanges,
        observed_days,
        observed_at_years: years_since_2025(&mid),
        exchanges_per_year: exchanges * 365.25 / observed_days,
        mean_campaign_days: (all_timed && !durations.is_empty())
            .then(|| (durations.iter().sum::<f64>() / durations.len() as f64).max(1.0)),
        capability_coverage,
    })
}

/// Replaces the distillation parameters by a report's measurement. `scale` extrapolates from
/// the logs scanned to the whole industry (e.g. 5 when one of five frontier labs was scanned).
pub fn apply_distill(
    params: &mut Params,
    m: &DistillMeasurement,
    scale: f64,
    source: &str,
) -> Result<(), ScenarioError> {
    if !(scale.is_finite() && scale > 0.0) {
        return Err(ScenarioError::invalid(
            Place::default().at_field("distill scale"),
            format!("{scale} must be a positive number"),
        ));
    }
    // The model's volume is the yearly rate at the start of 2025, growing by
    // distillation_growth a year: bring the rate observed at `observed_at_years` back.
    let growth = params.model.distillation_growth;
    let rate_2025 = m.exchanges_per_year * scale / growth.powf(m.observed_at_years);
    params.set_measured(
        "distillation_exchanges_2025",
        rate_2025,
        format!(
            "{source}: {:.0} exchanges in {} campaigns ({} accounts) over {:.1} days = {:.3e}/year, x{scale} to the industry, discounted to 2025 at {growth}x/year",
            m.exchanges, m.campaigns, m.accounts, m.observed_days, m.exchanges_per_year
        ),
    )?;
    if let Some(days) = m.mean_campaign_days {
        params.set_measured(
            "campaign_duration_days",
            days,
            format!(
                "{source}: mean first_seen..last_seen of {} campaigns",
                m.campaigns
            ),
        )?;
    }
    if let Some(c) = m.capability_coverage {
        params.set_measured(
            "capability_coverage",
            c,
            format!(
                "{source}: capability families with >= {:.0}% of records, over at least {CAPABILITY_FAMILIES} families",
                COVERED_SHARE * 100.0
            ),
        )?;
    }
    Ok(())
}

/// The shipments input: diverted shipments found by `controls` (or any analysis), as a rate.
///
/// ```json
/// {"diverted_units": 12000, "period_days": 90, "observed_at": "2025-06-30", "h100e_per_unit": 2.0}
/// ```
/// `observed_at` (RFC 3339 or a date; default 2025-01-01) dates the middle of the period;
/// `h100e_per_unit` (optional) replaces the H100e per smuggled chip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShipmentsInput {
    pub diverted_units: f64,
    pub period_days: f64,
    #[serde(default)]
    pub observed_at: Option<String>,
    #[serde(default)]
    pub h100e_per_unit: Option<f64>,
}

/// Reads a shipments input file.
pub fn read_shipments(path: &Path) -> Result<ShipmentsInput, ScenarioError> {
    let text = read_json_text(path)?;
    parse_shipments(&text, path)
}

/// Parses and checks a shipments input (`path` for messages).
pub fn parse_shipments(text: &str, path: &Path) -> Result<ShipmentsInput, ScenarioError> {
    let s: ShipmentsInput = serde_json::from_str(text).map_err(|e| json_error(path, text, e))?;
    if !(s.diverted_units.is_finite() && s.diverted_units > 0.0) {
        return Err(ScenarioError::invalid(
            Place::file(path).at_field("diverted_units"),
            format!(
                "{} must be a positive count (0 diverted units cannot be a smuggling rate)",
                s.diverted_units
            ),
        ));
    }
    if !(s.period_days.is_finite() && (1.0..=3660.0).contains(&s.period_days)) {
        return Err(ScenarioError::invalid(
            Place::file(path).at_field("period_days"),
            format!("{} is out of range: allowed 1 to 3660 days", s.period_days),
        ));
    }
    if let Some(h) = s.h100e_per_unit {
        if !(h.is_finite() && h > 0.0 && h <= 100.0) {
            return Err(ScenarioError::invalid(
                Place::file(path).at_field("h100e_per_unit"),
                format!("{h} is out of range: allowed above 0 up to 100"),
            ));
        }
    }
    if let Some(t) = &s.observed_at {
        parse_date(t)
            .map_err(|e| ScenarioError::invalid(Place::file(path).at_field("observed_at"), e))?;
    }
    Ok(s)
}

fn parse_date(s: &str) -> Result<Timestamp, String> {
    parse_rfc3339(s).or_else(|_| parse_rfc3339(&format!("{s}T00:00:00Z")))
}

/// Replaces the smuggling baseline by a measured rate.
pub fn apply_shipments(
    params: &mut Params,
    s: &ShipmentsInput,
    source: &str,
) -> Result<(), ScenarioError> {
    let per_year = s.diverted_units * 365.25 / s.period_days;
    let at = match &s.observed_at {
        Some(t) => years_since_2025(
            &parse_date(t)
                .map_err(|e| ScenarioError::invalid(Place::default().at_field("observed_at"), e))?,
        ),
        None => 0.0,
    };
    // E4 grows the 2024 baseline by smuggling_growth^(1 + years since 2025).
    let growth = params.model.smuggling_growth;
    let base_2024 = per_year / growth.powf(1.0 + at);
    params.set_measured(
        "smuggled_chips_2024",
        base_2024,
        format!(
            "{source}: {} diverted units in {} days = {per_year:.0}/year, discounted to the 2024 baseline at {growth}x/year",
            s.diverted_units, s.period_days
        ),
    )?;
    if let Some(h) = s.h100e_per_unit {
        params.set_measured(
            "smuggled_chip_h100e",
            h,
            format!("{source}: h100e_per_unit"),
        )?;
    }
    Ok(())
}
