//! `chokepoint scenario`: the 2028 scenario model (run, sweep, chart, parameters).

use crate::ui::{AtomicFile, Bar};
use crate::{Format, Global, Outcome};
use anyhow::Context;
use chokepoint_scenario::measured::{
    apply_distill, apply_shipments, read_distill_report, read_shipments,
};
use chokepoint_scenario::{
    catalog, monte_carlo, render_chart_svg, run as run_model, sensitivity, sweep, ChartSeries,
    MonteCarloResult, Params, ScenarioResult, Sensitivity,
};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, clap::Subcommand)]
pub enum ScenarioCommand {
    /// Run a scenario: the lead per quarter to 2028, Monte Carlo percentiles, which lever matters most.
    #[command(
        after_help = "Examples:\n  chokepoint scenario run --preset defend\n  chokepoint scenario run --preset inaction --format json --runs 10000 --seed 1\n  chokepoint scenario run --preset my-scenario.toml --from-distill report.json --from-shipments diverted.json\n  chokepoint scenario run --preset inaction --set-lever smuggling_interdiction=0.8"
    )]
    Run(RunArgs),
    /// Sweep one lever across its range: the 2028 lead at each value.
    #[command(
        after_help = "Example:\n  chokepoint scenario sweep --lever distillation_detection_rate --preset inaction --steps 11 --runs 1000"
    )]
    Sweep(SweepArgs),
    /// Draw the lead over time with Monte Carlo bands and the compute stocks by source (SVG).
    #[command(
        after_help = "Examples:\n  chokepoint scenario chart --out lead.svg\n  chokepoint scenario chart --preset defend --preset my.toml --runs 2000 --out lead.svg"
    )]
    Chart(ChartArgs),
    /// List the parameters (default, range, unit, source) and the levers.
    #[command(after_help = "Example:\n  chokepoint scenario parameters --format json")]
    Parameters,
}

/// Inputs shared by every command: overrides and measured inputs.
#[derive(Debug, clap::Args)]
pub struct InputArgs {
    /// Override a lever: NAME=VALUE (repeatable; checked against the lever's range).
    #[arg(long = "set-lever", value_name = "NAME=VALUE", value_parser = name_value)]
    pub levers: Vec<(String, f64)>,
    /// Override a parameter: NAME=VALUE (repeatable; checked against its range).
    #[arg(long = "set-param", value_name = "NAME=VALUE", value_parser = name_value)]
    pub params: Vec<(String, f64)>,
    /// A `distill scan` report: its campaigns set the distillation volume, duration and coverage.
    #[arg(long, value_name = "REPORT")]
    pub from_distill: Option<PathBuf>,
    /// Multiplier from the scanned logs to the whole industry (e.g. 5 when one of five labs was scanned).
    #[arg(long, default_value_t = 1.0, requires = "from_distill")]
    pub distill_scale: f64,
    /// Diverted shipments, JSON {"diverted_units": N, "period_days": D, ...}: sets the smuggling rate.
    #[arg(long, value_name = "ANALYSIS")]
    pub from_shipments: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// `defend`, `inaction`, or a scenario TOML file (every lever; optional [parameters]).
    #[arg(long)]
    pub preset: String,
    #[command(flatten)]
    pub inputs: InputArgs,
    /// Monte Carlo runs over the parameter ranges (0: none).
    #[arg(long, default_value_t = 10_000)]
    pub runs: usize,
    /// Monte Carlo seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Skip the sensitivity (tornado) analysis.
    #[arg(long)]
    pub no_sensitivity: bool,
    /// Also write the JSON result to this file.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// The lever to sweep (see `chokepoint scenario parameters`).
    #[arg(long)]
    pub lever: String,
    /// The scenario whose other levers stay fixed.
    #[arg(long, default_value = "inaction")]
    pub preset: String,
    /// Number of evenly spaced values across the lever's range.
    #[arg(long, default_value_t = 11)]
    pub steps: usize,
    /// Monte Carlo runs per step (0: point estimates only).
    #[arg(long, default_value_t = 0)]
    pub runs: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[command(flatten)]
    pub inputs: InputArgs,
}

#[derive(Debug, clap::Args)]
pub struct ChartArgs {
    /// The SVG file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Scenarios to draw (repeatable); default: defend and inaction.
    #[arg(long)]
    pub preset: Vec<String>,
    /// Monte Carlo runs per scenario for the bands (0: no bands).
    #[arg(long, default_value_t = 2_000)]
    pub runs: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[command(flatten)]
    pub inputs: InputArgs,
}

fn name_value(s: &str) -> Result<(String, f64), String> {
    let (name, value) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: expected NAME=VALUE"))?;
    let v: f64 = value
        .trim()
        .parse()
        .map_err(|_| format!("`{s}`: `{value}` is not a number"))?;
    Ok((name.trim().to_string(), v))
}

/// A scenario with the command line's overrides and measured inputs applied.
fn load(spec: &str, inputs: &InputArgs) -> anyhow::Result<Params> {
    let mut p = Params::preset_or_file(spec)?;
    for (k, v) in &inputs.params {
        p.set_parameter(k, *v)
            .with_context(|| format!("--set-param {k}={v}"))?;
    }
    for (k, v) in &inputs.levers {
        p.set_lever(k, *v)
            .with_context(|| format!("--set-lever {k}={v}"))?;
    }
    if !inputs.levers.is_empty() || !inputs.params.is_empty() {
        p.name = format!("{} (modified)", p.name);
    }
    if let Some(path) = &inputs.from_distill {
        let m = read_distill_report(path)?;
        apply_distill(
            &mut p,
            &m,
            inputs.distill_scale,
            &path.display().to_string(),
        )?;
    }
    if let Some(path) = &inputs.from_shipments {
        let s = read_shipments(path)?;
        apply_shipments(&mut p, &s, &path.display().to_string())?;
    }
    Ok(p)
}

/// The `run --format json` document (MODEL.md, "JSON outputs").
#[derive(Serialize)]
struct RunOutput {
    result: ScenarioResult,
    #[serde(skip_serializing_if = "Option::is_none")]
    monte_carlo: Option<MonteCarloResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    monte_carlo_seconds: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sensitivity: Option<Sensitivity>,
}

pub fn run(cmd: ScenarioCommand, global: &Global) -> anyhow::Result<Outcome> {
    match cmd {
        ScenarioCommand::Run(a) => run_cmd(a, global),
        ScenarioCommand::Sweep(a) => sweep_cmd(a, global),
        ScenarioCommand::Chart(a) => chart_cmd(a, global),
        ScenarioCommand::Parameters => parameters_cmd(global),
    }
}

fn run_cmd(a: RunArgs, global: &Global) -> anyhow::Result<Outcome> {
    let params = load(&a.preset, &a.inputs)?;
    let result = run_model(&params);
    let (mc, secs) = if a.runs > 0 {
        let bar = Bar::new(global.quiet);
        let t = Instant::now();
        let mc = monte_carlo(&params, a.runs, a.seed, &bar);
        (Some(mc), Some(t.elapsed().as_secs_f64()))
    } else {
        (None, None)
    };
    let sens = (!a.no_sensitivity).then(|| sensitivity(&params));
    let out = RunOutput {
        result,
        monte_carlo: mc,
        monte_carlo_seconds: secs,
        sensitivity: sens,
    };
    if let Some(path) = &a.out {
        let (file, mut f) = AtomicFile::create(path)?;
        serde_json::to_writer_pretty(&mut f, &out)?;
        f.write_all(b"\n")?;
        f.sync_all()?;
        file.commit()?;
    }
    match global.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&out)?),
        Format::Text => print_run(&out),
    }
    Ok(Outcome::Ok)
}

fn print_run(o: &RunOutput) {
    let r = &o.result;
    println!(
        "scenario {}: 2028 lead {:.1} months (point estimate)",
        r.scenario, r.lead_2028_months
    );
    if !r.description.is_empty() {
        println!("  {}", r.description);
    }
    if let (Some(mc), Some(secs)) = (&o.monte_carlo, o.monte_carlo_seconds) {
        let l = mc.lead_2028_months;
        println!(
            "  Monte Carlo ({} runs, seed {}, {:.2} s): p5 {:.1}  p50 {:.1}  p95 {:.1} months; {:.0}% of runs 12-24 months, {:.0}% at most 3",
            mc.runs,
            mc.seed,
            secs,
            l.p5,
            l.p50,
            l.p95,
            mc.share_runs_lead_12_to_24 * 100.0,
            mc.share_runs_lead_at_most_3 * 100.0
        );
    }
    let year_ends: Vec<String> = r
        .quarters
        .iter()
        .filter(|q| q.quarter.q == 4)
        .map(|q| format!("{} {:.1}", q.quarter, q.lead_months))
        .collect();
    println!("  lead at year ends (months): {}", year_ends.join(", "));
    if let Some(last) = r.quarters.last() {
        let m = 1e6;
        let c = &last.challenger;
        println!(
            "  {} compute (M H100e): leader {:.1} | challenger {:.2} (2025 stock {:.2}, domestic {:.2}, legal imports {:.2}, smuggled {:.2}) + offshore rented {:.2}",
            last.quarter,
            last.leader.stock / m,
            c.stock / m,
            c.stock_initial / m,
            c.stock_domestic / m,
            c.stock_legal_imports / m,
            c.stock_smuggled / m,
            c.offshore_rented / m
        );
        println!(
            "  distillation: {:.0}% of campaigns' exchanges harvested, {:.2e} over the last year, closing {:.0}% of the gap ({:.1} months without it)",
            r.harvest_share * 100.0,
            last.distillation.harvested_trailing_year,
            last.distillation.gap_closure * 100.0,
            last.lead_months_without_distillation
        );
    }
    if r.measured_inputs.is_empty() {
        println!("  measured inputs: none (all estimates are defaults or scenario-file values)");
    } else {
        println!("  measured inputs:");
        for m in &r.measured_inputs {
            println!(
                "    {} = {:.4e} (default {:.4e}){}: {}",
                m.parameter,
                m.value,
                m.default,
                if m.outside_default_range {
                    " [outside the default range]"
                } else {
                    ""
                },
                m.source
            );
        }
    }
    if let Some(s) = &o.sensitivity {
        println!("  levers by effect on the 2028 lead (each from min to max, others fixed):");
        for b in &s.levers {
            println!(
                "    {:<34} {:>5} -> {:<5} {:>6.1} -> {:>6.1} months (swing {:.1})",
                b.name, b.low_value, b.high_value, b.lead_at_low, b.lead_at_high, b.swing
            );
        }
        println!("  most influential estimates:");
        for b in s.parameters.iter().take(5) {
            println!(
                "    {:<34} {:>9.3e} -> {:<9.3e} {:>6.1} -> {:>6.1} months",
                b.name, b.low_value, b.high_value, b.lead_at_low, b.lead_at_high
            );
        }
    }
}

fn sweep_cmd(a: SweepArgs, global: &Global) -> anyhow::Result<Outcome> {
    let params = load(&a.preset, &a.inputs)?;
    let bar = Bar::new(global.quiet || a.runs == 0);
    let s = sweep(&params, &a.lever, a.steps, a.runs, a.seed, &bar)?;
    match global.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&s)?),
        Format::Text => {
            println!(
                "sweep of {} in scenario {} (2028 lead, months)",
                s.lever, s.scenario
            );
            for p in &s.points {
                match &p.monte_carlo {
                    Some(m) => println!(
                        "  {:>8.3}  {:>6.1}   MC p5 {:>6.1}  p50 {:>6.1}  p95 {:>6.1}",
                        p.value, p.lead_2028_months, m.p5, m.p50, m.p95
                    ),
                    None => println!("  {:>8.3}  {:>6.1}", p.value, p.lead_2028_months),
                }
            }
        }
    }
    Ok(Outcome::Ok)
}

fn chart_cmd(a: ChartArgs, global: &Global) -> anyhow::Result<Outcome> {
    let specs = if a.preset.is_empty() {
        vec!["defend".to_string(), "inaction".to_string()]
    } else {
        a.preset.clone()
    };
    let mut runs = Vec::new();
    for spec in &specs {
        let p = load(spec, &a.inputs)?;
        let r = run_model(&p);
        let mc = (a.runs > 0).then(|| monte_carlo(&p, a.runs, a.seed, &Bar::new(global.quiet)));
        runs.push((r, mc));
    }
    let series: Vec<ChartSeries> = runs
        .iter()
        .map(|(r, mc)| ChartSeries {
            result: r,
            monte_carlo: mc.as_ref(),
        })
        .collect();
    let svg = render_chart_svg(&series)?;
    let (file, mut f) = AtomicFile::create(&a.out)?;
    f.write_all(svg.as_bytes())?;
    f.sync_all()?;
    file.commit()?;
    match global.format {
        Format::Json => println!(
            "{}",
            serde_json::json!({
                "out": a.out,
                "scenarios": runs.iter().map(|(r, mc)| serde_json::json!({
                    "scenario": r.scenario,
                    "lead_2028_months": r.lead_2028_months,
                    "monte_carlo": mc.as_ref().map(|m| m.lead_2028_months),
                })).collect::<Vec<_>>(),
            })
        ),
        Format::Text => {
            for (r, mc) in &runs {
                match mc {
                    Some(m) => println!(
                        "{}: 2028 lead {:.1} months (p5 {:.1}, p50 {:.1}, p95 {:.1})",
                        r.scenario,
                        r.lead_2028_months,
                        m.lead_2028_months.p5,
                        m.lead_2028_months.p50,
                        m.lead_2028_months.p95
                    ),
                    None => println!("{}: 2028 lead {:.1} months", r.scenario, r.lead_2028_months),
                }
            }
            println!("wrote {}", a.out.display());
        }
    }
    Ok(Outcome::Ok)
}

fn parameters_cmd(global: &Global) -> anyhow::Result<Outcome> {
    let cat = catalog();
    match global.format {
        Format::Json => {
            let params: Vec<_> = cat
                .parameters
                .iter()
                .map(|(n, s)| serde_json::json!({"name": n, "value": s.value, "min": s.min, "max": s.max, "unit": s.unit, "source": s.source}))
                .collect();
            let levers: Vec<_> = cat
                .levers
                .iter()
                .map(|(n, s)| serde_json::json!({"name": n, "min": s.min, "max": s.max, "unit": s.unit, "description": s.description}))
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(
                    &serde_json::json!({"parameters": params, "levers": levers})
                )?
            );
        }
        Format::Text => {
            println!("levers:");
            for (n, s) in &cat.levers {
                println!(
                    "  {n} [{} to {} {}]: {}",
                    s.min, s.max, s.unit, s.description
                );
            }
            println!("parameters:");
            for (n, s) in &cat.parameters {
                println!(
                    "  {n} = {} [{} to {}] {}\n      {}",
                    s.value, s.min, s.max, s.unit, s.source
                );
            }
        }
    }
    Ok(Outcome::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    #[derive(Debug, Parser)]
    struct Wrapper {
        #[command(subcommand)]
        cmd: ScenarioCommand,
    }

    #[test]
    fn arguments_are_consistent() {
        Wrapper::command().debug_assert();
        let w = Wrapper::try_parse_from([
            "scenario",
            "sweep",
            "--lever",
            "trusted_exports",
            "--set-lever",
            "smuggling_interdiction=0.5",
        ])
        .unwrap();
        match w.cmd {
            ScenarioCommand::Sweep(a) => {
                assert_eq!(a.lever, "trusted_exports");
                assert_eq!(
                    a.inputs.levers,
                    vec![("smuggling_interdiction".to_string(), 0.5)]
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(name_value("x").is_err());
        assert!(name_value("x=abc").is_err());
    }
}
