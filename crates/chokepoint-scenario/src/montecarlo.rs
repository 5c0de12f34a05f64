//! Uncertainty: Monte Carlo over the parameter ranges, and the sensitivity of the 2028 lead to
//! each lever and each parameter (tornado).

use crate::model::{simulate, Quarter, QUARTERS};
use crate::params::{catalog, Levers, ModelParams, Params};
use chokepoint_core::Progress;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

/// The schema tag of [`MonteCarloResult`].
pub const MONTE_CARLO_SCHEMA: &str = "chokepoint.scenario.montecarlo/v1";

/// The most runs one call accepts (bounds memory: 16 floats per run).
pub const MAX_RUNS: usize = 1_000_000;

/// Percentiles of a sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Percentiles {
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
    pub mean: f64,
}

impl Percentiles {
    /// Percentiles of `values` (sorted in place). Nearest-rank on the sorted sample.
    pub fn of(values: &mut [f64]) -> Percentiles {
        if values.is_empty() {
            return Percentiles {
                p5: f64::NAN,
                p50: f64::NAN,
                p95: f64::NAN,
                mean: f64::NAN,
            };
        }
        values.sort_by(|a, b| a.total_cmp(b));
        let n = values.len();
        let at = |p: f64| {
            // Nearest rank: the smallest value with at least p of the sample at or below it.
            let rank = (p * n as f64).ceil() as usize;
            values[rank.clamp(1, n) - 1]
        };
        Percentiles {
            p5: at(0.05),
            p50: at(0.50),
            p95: at(0.95),
            mean: values.iter().sum::<f64>() / n as f64,
        }
    }
}

/// Percentiles of the lead in one quarter.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct QuarterBand {
    pub quarter: Quarter,
    #[serde(flatten)]
    pub lead_months: Percentiles,
}

/// The Monte Carlo's result (documented in MODEL.md).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonteCarloResult {
    pub schema: &'static str,
    pub scenario: String,
    pub runs: usize,
    pub seed: u64,
    /// Parameters held at their measured values instead of being sampled.
    pub fixed_parameters: Vec<String>,
    /// Percentiles of the 2028Q4 lead in months.
    pub lead_2028_months: Percentiles,
    /// Share of runs whose 2028 lead is at most 3 months (the paper's "near parity").
    pub share_runs_lead_at_most_3: f64,
    /// Share of runs whose 2028 lead is between 12 and 24 months.
    pub share_runs_lead_12_to_24: f64,
    /// Percentiles of the lead per quarter (the chart's bands).
    pub by_quarter: Vec<QuarterBand>,
}

/// Draws one value from the two-piece triangular distribution with mode and median at `mode`:
/// half the mass on [min, mode], half on [mode, max], each half triangular with its peak at
/// the mode. Keeps the default as the median even when the range is lopsided.
pub fn sample_two_piece<R: Rng + ?Sized>(rng: &mut R, min: f64, mode: f64, max: f64) -> f64 {
    let u: f64 = rng.random();
    // Symmetric triangular on [-1, 1] with peak at 0, by inverse CDF.
    let z = if u < 0.5 {
        (2.0 * u).sqrt() - 1.0
    } else {
        1.0 - (2.0 * (1.0 - u)).sqrt()
    };
    if z < 0.0 {
        mode + z * (mode - min)
    } else {
        mode + z * (max - mode)
    }
}

/// One random parameter point: every parameter not measured drawn from its range around the
/// scenario's value (which may be a file override of the default).
pub fn sample_params<R: Rng + ?Sized>(base: &Params, rng: &mut R) -> ModelParams {
    let mut p = base.model;
    for (name, spec) in &catalog().parameters {
        if base.is_measured(name) {
            continue;
        }
        let mode = base.model.get(name).unwrap_or(spec.value);
        p.set(name, sample_two_piece(rng, spec.min, mode, spec.max));
    }
    p
}

/// The RNG of run `index`: a function of (seed, index) only, so results do not depend on how
/// rayon schedules the runs.
fn run_rng(seed: u64, index: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index as u64);
    rng
}

/// Runs the model `runs` times over random parameter points (levers fixed), in parallel.
/// Deterministic for a given (params, runs, seed).
pub fn monte_carlo(
    params: &Params,
    runs: usize,
    seed: u64,
    progress: &dyn Progress,
) -> MonteCarloResult {
    let runs = runs.clamp(1, MAX_RUNS);
    progress.start("monte carlo", Some(runs as u64), "runs");
    const CHUNK: usize = 256;
    let leads: Vec<[f64; QUARTERS]> = (0..runs.div_ceil(CHUNK))
        .into_par_iter()
        .flat_map_iter(|c| {
            let start = c * CHUNK;
            let end = (start + CHUNK).min(runs);
            let chunk: Vec<[f64; QUARTERS]> = (start..end)
                .map(|i| {
                    let mut rng = run_rng(seed, i);
                    let p = sample_params(params, &mut rng);
                    let q = simulate(&p, &params.levers);
                    let mut row = [0.0; QUARTERS];
                    for (slot, r) in row.iter_mut().zip(&q) {
                        *slot = r.lead_months;
                    }
                    row
                })
                .collect();
            progress.advance((end - start) as u64);
            chunk
        })
        .collect();
    progress.finish();

    let mut by_quarter = Vec::with_capacity(QUARTERS);
    let mut column = vec![0.0; runs];
    for t in 0..QUARTERS {
        for (slot, row) in column.iter_mut().zip(&leads) {
            *slot = row[t];
        }
        by_quarter.push(QuarterBand {
            quarter: Quarter::from_index(t),
            lead_months: Percentiles::of(&mut column),
        });
    }
    let last: Vec<f64> = leads.iter().map(|r| r[QUARTERS - 1]).collect();
    let share =
        |f: &dyn Fn(f64) -> bool| last.iter().filter(|v| f(**v)).count() as f64 / runs as f64;
    MonteCarloResult {
        schema: MONTE_CARLO_SCHEMA,
        scenario: params.name.clone(),
        runs,
        seed,
        fixed_parameters: params
            .measured
            .iter()
            .map(|m| m.parameter.clone())
            .collect(),
        lead_2028_months: by_quarter[QUARTERS - 1].lead_months,
        share_runs_lead_at_most_3: share(&|v| v <= 3.0),
        share_runs_lead_12_to_24: share(&|v| (12.0..=24.0).contains(&v)),
        by_quarter,
    }
}

/// One bar of a tornado: the 2028 lead with one input at each end of its range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TornadoBar {
    /// Lever or parameter name.
    pub name: String,
    pub low_value: f64,
    pub high_value: f64,
    /// 2028 lead with the input at `low_value` / `high_value`, all else at the scenario.
    pub lead_at_low: f64,
    pub lead_at_high: f64,
    /// |lead_at_high - lead_at_low|: the bars are sorted by it, largest first.
    pub swing: f64,
}

/// The sensitivity analysis (documented in MODEL.md).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    pub schema: &'static str,
    pub scenario: String,
    /// The scenario's own 2028 lead.
    pub lead_2028_months: f64,
    /// Each lever from its minimum to its maximum, others at the scenario's values.
    pub levers: Vec<TornadoBar>,
    /// Each parameter from its minimum to its maximum (measured ones skipped).
    pub parameters: Vec<TornadoBar>,
}

/// Tornado analysis: which lever (and which uncertain parameter) moves the 2028 lead most.
pub fn sensitivity(params: &Params) -> Sensitivity {
    let base = crate::model::lead_2028(&params.model, &params.levers);
    let cat = catalog();
    let mut levers: Vec<TornadoBar> = cat
        .levers
        .iter()
        .map(|(name, spec)| {
            let at = |v: f64| {
                let mut l: Levers = params.levers;
                l.set(name, v);
                crate::model::lead_2028(&params.model, &l)
            };
            bar(name, spec.min, spec.max, at(spec.min), at(spec.max))
        })
        .collect();
    let mut parameters: Vec<TornadoBar> = cat
        .parameters
        .iter()
        .filter(|(name, _)| !params.is_measured(name))
        .map(|(name, spec)| {
            let at = |v: f64| {
                let mut p = params.model;
                p.set(name, v);
                crate::model::lead_2028(&p, &params.levers)
            };
            bar(name, spec.min, spec.max, at(spec.min), at(spec.max))
        })
        .collect();
    levers.sort_by(|a, b| b.swing.total_cmp(&a.swing));
    parameters.sort_by(|a, b| b.swing.total_cmp(&a.swing));
    Sensitivity {
        schema: "chokepoint.scenario.sensitivity/v1",
        scenario: params.name.clone(),
        lead_2028_months: base,
        levers,
        parameters,
    }
}

fn bar(name: &str, low: f64, high: f64, lead_low: f64, lead_high: f64) -> TornadoBar {
    TornadoBar {
        name: name.to_string(),
        low_value: low,
        high_value: high,
        lead_at_low: lead_low,
        lead_at_high: lead_high,
        swing: (lead_high - lead_low).abs(),
    }
}

/// One point of a lever sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepPoint {
    pub value: f64,
    /// The point estimate of the 2028 lead.
    pub lead_2028_months: f64,
    /// Monte Carlo percentiles, when runs > 0.
    pub monte_carlo: Option<Percentiles>,
}

/// A lever swept across its range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sweep {
    pub schema: &'static str,
    pub scenario: String,
    pub lever: String,
    pub points: Vec<SweepPoint>,
}

/// Sweeps `lever` over `steps` evenly spaced values of its range, other levers at the
/// scenario's values; with `runs > 0` each point also gets Monte Carlo percentiles.
pub fn sweep(
    params: &Params,
    lever: &str,
    steps: usize,
    runs: usize,
    seed: u64,
    progress: &dyn Progress,
) -> Result<Sweep, crate::ScenarioError> {
    let spec = catalog().lever(lever).ok_or_else(|| {
        crate::ScenarioError::invalid(
            chokepoint_core::Place::default().at_field(lever),
            format!(
                "unknown lever `{lever}`; known levers: {}",
                Levers::NAMES.join(", ")
            ),
        )
    })?;
    let steps = steps.clamp(2, 1001);
    let mut points = Vec::with_capacity(steps);
    for i in 0..steps {
        let value = spec.min + (spec.max - spec.min) * i as f64 / (steps - 1) as f64;
        let mut p = params.clone();
        p.levers.set(lever, value);
        let lead = crate::model::lead_2028(&p.model, &p.levers);
        let mc = (runs > 0).then(|| monte_carlo(&p, runs, seed, progress).lead_2028_months);
        points.push(SweepPoint {
            value,
            lead_2028_months: lead,
            monte_carlo: mc,
        });
    }
    Ok(Sweep {
        schema: "chokepoint.scenario.sweep/v1",
        scenario: params.name.clone(),
        lever: lever.to_string(),
        points,
    })
}
