//! chokepoint-scenario: the 2028 scenario model. Its one job: turn explicit, sourced estimates
//! of compute and leakage (smuggled chips, offshore rentals, distillation) plus policy levers
//! into the democracies' frontier-AI lead in months, quarter by quarter to 2028, with its
//! uncertainty and its sensitivity to each lever.
//!
//! The model is documented in `MODEL.md` (equations E1-E12, every parameter with source and
//! range, the JSON outputs). Entry points:
//! - [`Params::preset`] / [`Params::preset_or_file`]: a scenario (levers + parameters);
//! - [`run`]: one deterministic run, [`ScenarioResult`];
//! - [`monte_carlo`]: percentiles over the parameter ranges, seeded, parallel;
//! - [`sensitivity`] and [`sweep`]: which lever moves the 2028 lead most;
//! - [`measured`]: replace default leakage estimates by what chokepoint measured;
//! - [`render_chart_svg`]: the lead with bands and the compute stocks by source;
//! - [`http::router`]: the console's API (mount behind authentication).

pub mod chart;
pub mod error;
pub mod http;
pub mod measured;
pub mod model;
pub mod montecarlo;
pub mod params;

pub use chart::{render_chart_svg, ChartSeries};
pub use error::ScenarioError;
pub use model::{run, QuarterResult, ScenarioResult};
pub use montecarlo::{
    monte_carlo, sensitivity, sweep, MonteCarloResult, Percentiles, Sensitivity, Sweep,
};
pub use params::{catalog, preset_names, Levers, ModelParams, Params};
