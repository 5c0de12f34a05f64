//! The deterministic model: one scenario, quarter by quarter from 2025Q1 to 2028Q4.
//!
//! The equations are written out in MODEL.md; the comments here name them (E1..E12).

use crate::params::{Levers, MeasuredInput, ModelParams, Params};
use serde::{Serialize, Serializer};

/// The first modelled year.
pub const FIRST_YEAR: u16 = 2025;
/// Quarters modelled: 2025Q1 ..= 2028Q4.
pub const QUARTERS: usize = 16;
/// The schema tag of [`ScenarioResult`].
pub const RESULT_SCHEMA: &str = "chokepoint.scenario.result/v1";

/// A calendar quarter, serialised as `"2027Q3"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quarter {
    pub year: u16,
    /// 1..=4
    pub q: u8,
}

impl Quarter {
    /// The `index`-th modelled quarter (0 = 2025Q1).
    pub fn from_index(index: usize) -> Quarter {
        Quarter {
            year: FIRST_YEAR + (index / 4) as u16,
            q: (index % 4) as u8 + 1,
        }
    }
    /// Years since the start of 2025 at the end of this quarter.
    pub fn years_end(&self) -> f64 {
        f64::from(self.year - FIRST_YEAR) + f64::from(self.q) / 4.0
    }
}

impl std::fmt::Display for Quarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}Q{}", self.year, self.q)
    }
}

impl Serialize for Quarter {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The leader bloc's compute at the end of a quarter, in H100e, by source.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct LeaderQuarter {
    /// What is left of the 2025 stock after depreciation.
    pub stock_initial: f64,
    /// Accumulated own additions, net of supply displaced by sales and smuggling to the challenger.
    pub stock_production: f64,
    /// Accumulated trusted-export capacity usable by leader-bloc labs.
    pub stock_trusted_exports: f64,
    /// Sum of the three.
    pub stock: f64,
    /// This quarter's gross additions (before displacement).
    pub additions: f64,
    /// Effective compute (E_L): the stock (the common algorithmic multiplier cancels in the ratio).
    pub effective_compute: f64,
}

/// The challenger's compute at the end of a quarter, in H100e, by source.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct ChallengerQuarter {
    pub stock_initial: f64,
    pub stock_domestic: f64,
    pub stock_legal_imports: f64,
    pub stock_smuggled: f64,
    /// Sum of the four stocks.
    pub stock: f64,
    /// Offshore compute rented during the quarter (a flow; not accumulated).
    pub offshore_rented: f64,
    /// This quarter's flows.
    pub domestic_added: f64,
    pub legal_imports_added: f64,
    pub smuggled_added: f64,
    /// Smuggling attempts stopped this quarter (H100e).
    pub smuggling_interdicted: f64,
    /// Effective compute (E_C): (stock + offshore) x efficiency.
    pub effective_compute: f64,
}

/// Distillation in a quarter.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct DistillationQuarter {
    /// Exchanges attempted this quarter.
    pub attempted_exchanges: f64,
    /// Exchanges harvested this quarter (attempted x harvest share).
    pub harvested_exchanges: f64,
    /// Harvested over the trailing four quarters (the uplift's input).
    pub harvested_trailing_year: f64,
    /// Share of the log compute gap that distillation closes (u).
    pub gap_closure: f64,
}

/// One quarter's result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct QuarterResult {
    pub quarter: Quarter,
    pub leader: LeaderQuarter,
    pub challenger: ChallengerQuarter,
    pub distillation: DistillationQuarter,
    /// E_L / E_C.
    pub compute_ratio: f64,
    /// The capability lead in months, distillation included.
    pub lead_months: f64,
    /// The lead distillation would leave without any harvest (for attribution).
    pub lead_months_without_distillation: f64,
}

/// One scenario's full result (the `run` JSON output; documented in MODEL.md).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioResult {
    pub schema: &'static str,
    pub scenario: String,
    pub description: String,
    pub levers: Levers,
    pub parameters: ModelParams,
    /// Parameters replaced by measurements (empty when all are defaults or file values).
    pub measured_inputs: Vec<MeasuredInput>,
    /// G: the leader's effective-compute growth per year used to convert a compute gap to months.
    pub leader_growth_per_year: f64,
    /// Share of a distillation campaign's attempted exchanges that is harvested (h).
    pub harvest_share: f64,
    pub quarters: Vec<QuarterResult>,
    /// The lead at the end of 2028 (the last quarter), in months.
    pub lead_2028_months: f64,
}

/// Runs one scenario.
pub fn run(params: &Params) -> ScenarioResult {
    let quarters = simulate(&params.model, &params.levers);
    let lead_2028_months = quarters[QUARTERS - 1].lead_months;
    ScenarioResult {
        schema: RESULT_SCHEMA,
        scenario: params.name.clone(),
        description: params.description.clone(),
        levers: params.levers,
        parameters: params.model,
        measured_inputs: params.measured.clone(),
        leader_growth_per_year: leader_growth(&params.model),
        harvest_share: harvest_share(&params.model, &params.levers),
        quarters,
        lead_2028_months,
    }
}

/// E11: G, the leader's effective-compute growth per year (algorithms x hardware).
pub fn leader_growth(p: &ModelParams) -> f64 {
    p.algorithmic_efficiency_growth * p.leader_additions_growth
}

/// E9: the share of attempted exchanges a campaign harvests before it is shut down.
pub fn harvest_share(p: &ModelParams, l: &Levers) -> f64 {
    let d = l.distillation_detection_rate.clamp(0.0, 1.0);
    let window = if p.campaign_duration_days > 0.0 {
        (l.distillation_time_to_detect_days / p.campaign_duration_days).clamp(0.0, 1.0)
    } else {
        1.0
    };
    (1.0 - d) + d * window
}

/// The model's core: every quarter's stocks, flows, distillation and lead.
pub fn simulate(p: &ModelParams, l: &Levers) -> Vec<QuarterResult> {
    let mut out = Vec::with_capacity(QUARTERS);
    let tau = l.export_control_tightness;
    let iota = l.smuggling_interdiction;
    let x = l.trusted_exports;
    // Depreciation factor per quarter.
    let keep = (1.0 - p.depreciation_rate).max(0.0).powf(0.25);
    // E2: controlled inputs (SME, HBM) slow the challenger's domestic growth.
    let domestic_growth = p
        .challenger_domestic_growth
        .powf(1.0 - p.domestic_control_dependence * tau);
    let ln_g = leader_growth(p).ln();
    let h = harvest_share(p, l);
    let attempted =
        |t: i64| p.distillation_exchanges_2025 / 4.0 * p.distillation_growth.powf(t as f64 / 4.0);

    let mut lead = LeaderQuarter::default();
    let mut ch = ChallengerQuarter::default();
    for t in 0..QUARTERS {
        let y = t as f64 / 4.0;
        // E1: the leader's gross additions.
        let additions = p.leader_additions_2025 / 4.0 * p.leader_additions_growth.powf(y);
        // E3: legal exports to the challenger (supply units, then H100e delivered).
        let legal_supply = p.challenger_demand_share * additions * (1.0 - tau);
        let legal_h100e = legal_supply * p.legal_export_performance;
        // E4: smuggling attempts: the 2024 baseline grown, plus demand pushed out by controls.
        let smuggling_attempted = p.smuggled_chips_2024 * p.smuggled_chip_h100e / 4.0
            * p.smuggling_growth.powf(1.0 + y)
            + p.smuggling_substitution * p.challenger_demand_share * additions * tau;
        let smuggled = smuggling_attempted * (1.0 - iota);
        // E5: trusted exports.
        let trusted = x * p.trusted_export_capacity_2025 / 4.0 * p.leader_additions_growth.powf(y);
        // E6: stocks with depreciation.
        lead.stock_initial = p.leader_stock_2025 * keep.powi(t as i32 + 1);
        lead.stock_production = lead.stock_production * keep
            + (additions - p.supply_displacement * (legal_supply + smuggled)).max(0.0);
        lead.stock_trusted_exports =
            lead.stock_trusted_exports * keep + p.trusted_export_leader_share * trusted;
        lead.stock = lead.stock_initial + lead.stock_production + lead.stock_trusted_exports;
        lead.additions = additions;
        lead.effective_compute = lead.stock;

        let domestic = p.challenger_domestic_2025 / 4.0 * domestic_growth.powf(y);
        ch.stock_initial = p.challenger_stock_2025 * keep.powi(t as i32 + 1);
        ch.stock_domestic = ch.stock_domestic * keep + domestic;
        ch.stock_legal_imports = ch.stock_legal_imports * keep + legal_h100e;
        ch.stock_smuggled = ch.stock_smuggled * keep + smuggled;
        ch.stock =
            ch.stock_initial + ch.stock_domestic + ch.stock_legal_imports + ch.stock_smuggled;
        // E7: offshore rented compute, reachable share after screening and trusted exports.
        ch.offshore_rented = p.offshore_pool_2025
            * p.offshore_pool_growth.powf(y)
            * p.offshore_reachable_share
            * (1.0 - l.offshore_screening)
            * (1.0 - x * p.trusted_export_offshore_cover);
        ch.domestic_added = domestic;
        ch.legal_imports_added = legal_h100e;
        ch.smuggled_added = smuggled;
        ch.smuggling_interdicted = smuggling_attempted * iota;
        // E8: effective compute.
        ch.effective_compute = (ch.stock + ch.offshore_rented) * p.challenger_efficiency;

        // E9-E10: distillation harvest over the trailing year and the gap it closes.
        let ti = t as i64;
        let harvested_trailing: f64 = (0..4).map(|k| attempted(ti - k) * h).sum();
        let closure = p.distillation_max_gap_closure
            * p.capability_coverage
            * (1.0 - (-harvested_trailing / p.distillation_saturation_exchanges).exp());
        let distillation = DistillationQuarter {
            attempted_exchanges: attempted(ti),
            harvested_exchanges: attempted(ti) * h,
            harvested_trailing_year: harvested_trailing,
            gap_closure: closure,
        };

        // E12: the lead in months.
        let ratio = lead.effective_compute / ch.effective_compute;
        let gap = ratio.ln();
        let gap_after = if gap > 0.0 {
            gap * (1.0 - closure)
        } else {
            gap
        };
        out.push(QuarterResult {
            quarter: Quarter::from_index(t),
            leader: lead,
            challenger: ch,
            distillation,
            compute_ratio: ratio,
            lead_months: 12.0 * gap_after / ln_g,
            lead_months_without_distillation: 12.0 * gap / ln_g,
        });
    }
    out
}

/// The 2028 lead only (the Monte Carlo's and the sensitivity analysis' fast path).
pub fn lead_2028(p: &ModelParams, l: &Levers) -> f64 {
    simulate(p, l)[QUARTERS - 1].lead_months
}
