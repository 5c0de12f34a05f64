//! Charts (SVG, through plotters' SVG backend): the lead over time with Monte Carlo bands,
//! and each scenario's compute stocks by source.

use crate::error::ScenarioError;
use crate::model::{QuarterResult, ScenarioResult, QUARTERS};
use crate::montecarlo::MonteCarloResult;
use plotters::prelude::*;

/// One scenario on the chart: its point run and, optionally, its Monte Carlo bands.
pub struct ChartSeries<'a> {
    pub result: &'a ScenarioResult,
    pub monte_carlo: Option<&'a MonteCarloResult>,
}

/// Reads one source's H100e from a quarter.
type SourceOf = fn(&QuarterResult) -> f64;

const SCENARIO_COLOURS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
];

const SOURCE_COLOURS: [RGBColor; 5] = [
    RGBColor(127, 127, 127), // initial
    RGBColor(188, 189, 34),  // domestic
    RGBColor(23, 190, 207),  // legal imports
    RGBColor(214, 39, 40),   // smuggled
    RGBColor(255, 127, 14),  // offshore
];

fn err<E: std::fmt::Display>(e: E) -> ScenarioError {
    ScenarioError::Chart(e.to_string())
}

/// Renders the chart as an SVG document: on top the 2028 lead over time per scenario (line:
/// point estimate; band: Monte Carlo p5-p95; dashed: p50), below one panel per scenario with the
/// challenger's compute by source (stacked) and the leader's stock (line), in millions of H100e.
pub fn render_chart_svg(series: &[ChartSeries<'_>]) -> Result<String, ScenarioError> {
    if series.is_empty() {
        return Err(ScenarioError::Chart(
            "nothing to draw: no scenario given".into(),
        ));
    }
    let width = 960u32;
    let panel_h = 330u32;
    let height = panel_h * (1 + series.len() as u32);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let areas = root.split_evenly((1 + series.len(), 1));
        let x_range = 0f64..(QUARTERS as f64);
        let quarter_label = |x: &f64| {
            let i = x.round().clamp(0.0, (QUARTERS - 1) as f64) as usize;
            crate::model::Quarter::from_index(i).to_string()
        };

        // Panel 1: the lead.
        let mut lo: f64 = 0.0;
        let mut hi: f64 = 3.0;
        for s in series {
            for q in &s.result.quarters {
                lo = lo.min(q.lead_months);
                hi = hi.max(q.lead_months);
            }
            if let Some(mc) = s.monte_carlo {
                for b in &mc.by_quarter {
                    lo = lo.min(b.lead_months.p5);
                    hi = hi.max(b.lead_months.p95);
                }
            }
        }
        let pad = (hi - lo).max(1.0) * 0.05;
        let mut chart = ChartBuilder::on(&areas[0])
            .caption(
                "Frontier-AI lead of the democracies (months)",
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(48)
            .build_cartesian_2d(x_range.clone(), (lo - pad)..(hi + pad))
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_labels(QUARTERS)
            .x_label_formatter(&quarter_label)
            .y_desc("lead, months")
            .draw()
            .map_err(err)?;
        for (i, s) in series.iter().enumerate() {
            let colour = SCENARIO_COLOURS[i % SCENARIO_COLOURS.len()];
            if let Some(mc) = s.monte_carlo {
                let mut band: Vec<(f64, f64)> = mc
                    .by_quarter
                    .iter()
                    .enumerate()
                    .map(|(t, b)| (t as f64, b.lead_months.p95))
                    .collect();
                band.extend(
                    mc.by_quarter
                        .iter()
                        .enumerate()
                        .rev()
                        .map(|(t, b)| (t as f64, b.lead_months.p5)),
                );
                chart
                    .draw_series(std::iter::once(Polygon::new(band, colour.mix(0.18))))
                    .map_err(err)?;
                chart
                    .draw_series(DashedLineSeries::new(
                        mc.by_quarter
                            .iter()
                            .enumerate()
                            .map(|(t, b)| (t as f64, b.lead_months.p50)),
                        6,
                        4,
                        colour.stroke_width(1),
                    ))
                    .map_err(err)?;
            }
            let label = match s.monte_carlo {
                Some(mc) => format!(
                    "{}: 2028 lead {:.1} mo (MC p5-p95 {:.1}-{:.1}, {} runs)",
                    s.result.scenario,
                    s.result.lead_2028_months,
                    mc.lead_2028_months.p5,
                    mc.lead_2028_months.p95,
                    mc.runs
                ),
                None => format!(
                    "{}: 2028 lead {:.1} mo",
                    s.result.scenario, s.result.lead_2028_months
                ),
            };
            chart
                .draw_series(LineSeries::new(
                    s.result
                        .quarters
                        .iter()
                        .enumerate()
                        .map(|(t, q)| (t as f64, q.lead_months)),
                    colour.stroke_width(3),
                ))
                .map_err(err)?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(3))
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(err)?;

        // One panel per scenario: compute by source.
        for (i, s) in series.iter().enumerate() {
            let qs = &s.result.quarters;
            let m = 1e6;
            let layers: [(&str, SourceOf); 5] = [
                ("challenger: 2025 stock", |q| q.challenger.stock_initial),
                ("domestic", |q| q.challenger.stock_domestic),
                ("legal imports", |q| q.challenger.stock_legal_imports),
                ("smuggled", |q| q.challenger.stock_smuggled),
                ("offshore rented", |q| q.challenger.offshore_rented),
            ];
            let top = qs
                .iter()
                .map(|q| {
                    q.leader
                        .stock
                        .max(q.challenger.stock + q.challenger.offshore_rented)
                })
                .fold(1.0, f64::max)
                / m;
            let mut chart = ChartBuilder::on(&areas[i + 1])
                .caption(
                    format!(
                        "{}: compute by source (millions of H100e)",
                        s.result.scenario
                    ),
                    ("sans-serif", 18),
                )
                .margin(12)
                .x_label_area_size(32)
                .y_label_area_size(48)
                .build_cartesian_2d(x_range.clone(), 0f64..top * 1.05)
                .map_err(err)?;
            chart
                .configure_mesh()
                .x_labels(QUARTERS)
                .x_label_formatter(&quarter_label)
                .y_desc("M H100e")
                .draw()
                .map_err(err)?;
            let mut below = vec![0.0; QUARTERS];
            for (k, (name, value)) in layers.iter().enumerate() {
                let colour = SOURCE_COLOURS[k];
                let above: Vec<f64> = (0..QUARTERS)
                    .map(|t| below[t] + value(&qs[t]) / m)
                    .collect();
                let mut poly: Vec<(f64, f64)> =
                    (0..QUARTERS).map(|t| (t as f64, above[t])).collect();
                poly.extend((0..QUARTERS).rev().map(|t| (t as f64, below[t])));
                chart
                    .draw_series(std::iter::once(Polygon::new(poly, colour.mix(0.75))))
                    .map_err(err)?
                    .label(*name)
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 5), (x + 14, y + 5)], colour.filled())
                    });
                below = above;
            }
            chart
                .draw_series(LineSeries::new(
                    qs.iter()
                        .enumerate()
                        .map(|(t, q)| (t as f64, q.leader.stock / m)),
                    BLACK.stroke_width(2),
                ))
                .map_err(err)?
                .label("leader stock")
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], BLACK.stroke_width(2))
                });
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .position(SeriesLabelPosition::UpperLeft)
                .draw()
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}
