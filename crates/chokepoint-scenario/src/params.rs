//! Parameters and levers: the compiled-in defaults (with source and range), scenario files and
//! presets, and their validation.
//!
//! A *parameter* is an estimate of the world (how many chips were smuggled in 2024); a *lever*
//! is a policy choice (how much smuggling is interdicted). Presets set levers only, so that the
//! model, not the preset, produces each scenario's result.

use crate::error::ScenarioError;
use chokepoint_core::Place;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

/// The defaults file, compiled in.
pub const DEFAULTS_TOML: &str = include_str!("../data/defaults.toml");

/// The presets, compiled in: (name, TOML text).
pub const PRESETS: &[(&str, &str)] = &[
    ("defend", include_str!("../data/presets/defend.toml")),
    ("inaction", include_str!("../data/presets/inaction.toml")),
];

/// Declares a struct of named `f64` fields with access by name, so that files, the HTTP API
/// and the sensitivity analysis can address fields by their documented names while the model
/// reads plain struct fields.
macro_rules! named_f64_fields {
    ($(#[$meta:meta])* $name:ident { $( $(#[$fmeta:meta])* $field:ident ),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
        pub struct $name { $( $(#[$fmeta])* pub $field: f64, )* }

        impl $name {
            /// The field names, in declaration order.
            pub const NAMES: &'static [&'static str] = &[ $( stringify!($field) ),* ];

            /// The value of the field called `name`.
            pub fn get(&self, name: &str) -> Option<f64> {
                match name {
                    $( stringify!($field) => Some(self.$field), )*
                    _ => None,
                }
            }

            /// Sets the field called `name`; false when there is no such field.
            pub fn set(&mut self, name: &str, value: f64) -> bool {
                match name {
                    $( stringify!($field) => { self.$field = value; true } )*
                    _ => false,
                }
            }

            /// A value with every field zero (filled by name afterwards).
            fn zeroed() -> Self {
                $name { $( $field: 0.0, )* }
            }
        }
    };
}

named_f64_fields! {
    /// The model's parameters (estimates of the world). Units and sources: `data/defaults.toml`
    /// and MODEL.md.
    ModelParams {
        leader_stock_2025,
        leader_additions_2025,
        leader_additions_growth,
        depreciation_rate,
        supply_displacement,
        trusted_export_capacity_2025,
        trusted_export_leader_share,
        trusted_export_offshore_cover,
        challenger_stock_2025,
        challenger_domestic_2025,
        challenger_domestic_growth,
        domestic_control_dependence,
        challenger_demand_share,
        legal_export_performance,
        smuggling_substitution,
        smuggled_chips_2024,
        smuggled_chip_h100e,
        smuggling_growth,
        offshore_pool_2025,
        offshore_pool_growth,
        offshore_reachable_share,
        challenger_efficiency,
        algorithmic_efficiency_growth,
        distillation_exchanges_2025,
        distillation_growth,
        campaign_duration_days,
        distillation_saturation_exchanges,
        distillation_max_gap_closure,
        capability_coverage,
    }
}

named_f64_fields! {
    /// The policy levers (the paper's recommendations).
    Levers {
        /// Share of the challenger's demand for leader-made accelerators that controls deny.
        export_control_tightness,
        /// Share of attempted smuggling stopped.
        smuggling_interdiction,
        /// Share of offshore rentals to challenger-linked customers blocked by screening.
        offshore_screening,
        /// Share of distillation campaigns detected and shut down.
        distillation_detection_rate,
        /// Days from a detected campaign's start to its shutdown.
        distillation_time_to_detect_days,
        /// Promotion of trusted exports, as a share of the achievable programme.
        trusted_exports,
    }
}

/// One parameter's default, range, unit and source, as written in the defaults file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    pub value: f64,
    pub min: f64,
    pub max: f64,
    pub unit: String,
    pub source: String,
}

/// One lever's allowed range, unit and meaning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeverSpec {
    pub min: f64,
    pub max: f64,
    pub unit: String,
    pub description: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DefaultsFile {
    parameters: BTreeMap<String, ParamSpec>,
    levers: BTreeMap<String, LeverSpec>,
}

/// The catalogue of parameters and levers: defaults, ranges, units and sources.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// Parameters in [`ModelParams::NAMES`] order.
    pub parameters: Vec<(&'static str, ParamSpec)>,
    /// Levers in [`Levers::NAMES`] order.
    pub levers: Vec<(&'static str, LeverSpec)>,
}

impl Catalog {
    /// Parses and checks a defaults file: every parameter and lever named exactly once, every
    /// default inside its range, every range non-empty.
    pub fn parse(text: &str, path: &Path) -> Result<Catalog, ScenarioError> {
        let file: DefaultsFile = chokepoint_core::config::parse_toml(text, path)?;
        let place = |section: &str, key: &str| {
            let p = Place::file(path).at_field(format!("{section}.{key}"));
            match line_of_table(text, section, key) {
                Some(l) => p.at_line(l),
                None => p,
            }
        };
        let mut parameters = Vec::with_capacity(ModelParams::NAMES.len());
        for name in ModelParams::NAMES {
            let spec = file.parameters.get(*name).ok_or_else(|| {
                ScenarioError::invalid(
                    Place::file(path).at_field(format!("parameters.{name}")),
                    "missing parameter",
                )
            })?;
            if !(spec.min.is_finite() && spec.max.is_finite() && spec.min <= spec.max) {
                return Err(ScenarioError::invalid(
                    place("parameters", name),
                    format!("bad range [{}, {}]", spec.min, spec.max),
                ));
            }
            if !(spec.min..=spec.max).contains(&spec.value) {
                return Err(ScenarioError::invalid(
                    place("parameters", name),
                    format!(
                        "default {} outside its range [{}, {}]",
                        spec.value, spec.min, spec.max
                    ),
                ));
            }
            parameters.push((*name, spec.clone()));
        }
        if let Some(extra) = file
            .parameters
            .keys()
            .find(|k| !ModelParams::NAMES.contains(&k.as_str()))
        {
            return Err(ScenarioError::invalid(
                place("parameters", extra),
                format!(
                    "unknown parameter `{extra}`; known parameters: {}",
                    ModelParams::NAMES.join(", ")
                ),
            ));
        }
        let mut levers = Vec::with_capacity(Levers::NAMES.len());
        for name in Levers::NAMES {
            let spec = file.levers.get(*name).ok_or_else(|| {
                ScenarioError::invalid(
                    Place::file(path).at_field(format!("levers.{name}")),
                    "missing lever",
                )
            })?;
            if !(spec.min.is_finite() && spec.max.is_finite() && spec.min <= spec.max) {
                return Err(ScenarioError::invalid(
                    place("levers", name),
                    format!("bad range [{}, {}]", spec.min, spec.max),
                ));
            }
            levers.push((*name, spec.clone()));
        }
        if let Some(extra) = file
            .levers
            .keys()
            .find(|k| !Levers::NAMES.contains(&k.as_str()))
        {
            return Err(ScenarioError::invalid(
                place("levers", extra),
                format!(
                    "unknown lever `{extra}`; known levers: {}",
                    Levers::NAMES.join(", ")
                ),
            ));
        }
        Ok(Catalog { parameters, levers })
    }

    /// The default parameter values.
    pub fn default_params(&self) -> ModelParams {
        let mut p = ModelParams::zeroed();
        for (name, spec) in &self.parameters {
            p.set(name, spec.value);
        }
        p
    }

    /// The spec of parameter `name`.
    pub fn parameter(&self, name: &str) -> Option<&ParamSpec> {
        self.parameters
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| s)
    }

    /// The spec of lever `name`.
    pub fn lever(&self, name: &str) -> Option<&LeverSpec> {
        self.levers.iter().find(|(n, _)| *n == name).map(|(_, s)| s)
    }
}

/// The compiled-in catalogue.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        // The defaults file is compiled in and checked by the test `defaults_parse`; a failure
        // here is a build defect, not bad input.
        Catalog::parse(DEFAULTS_TOML, Path::new("data/defaults.toml"))
            .expect("compiled-in data/defaults.toml is valid (tested)")
    })
}

/// Where a parameter's value came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasuredInput {
    /// The parameter replaced.
    pub parameter: String,
    /// The value the model now uses.
    pub value: f64,
    /// The default it replaced.
    pub default: f64,
    /// The file or measurement it came from, and how it was converted.
    pub source: String,
    /// True when the value lies outside the default range (it is used anyway: it was measured).
    pub outside_default_range: bool,
}

/// A complete scenario: parameters, levers, and which parameters were measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// The scenario's name (a preset's name or the file's `name`).
    pub name: String,
    /// What the scenario stands for.
    pub description: String,
    /// The world.
    pub model: ModelParams,
    /// The policy.
    pub levers: Levers,
    /// Parameters replaced by measurements; the Monte Carlo holds these fixed.
    pub measured: Vec<MeasuredInput>,
}

/// A scenario file: levers (all of them), optional parameter overrides.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    name: Option<String>,
    description: Option<String>,
    levers: BTreeMap<String, f64>,
    #[serde(default)]
    parameters: BTreeMap<String, f64>,
}

impl Params {
    /// A preset by name (`defend`, `inaction`).
    pub fn preset(name: &str) -> Result<Params, ScenarioError> {
        let (_, text) = PRESETS.iter().find(|(n, _)| *n == name).ok_or_else(|| {
            ScenarioError::UnknownPreset {
                name: name.to_string(),
                known: preset_names().join(", "),
            }
        })?;
        let mut p = Params::from_toml_str(text, Path::new(&format!("preset {name}")))?;
        p.name = name.to_string();
        Ok(p)
    }

    /// A preset name, or else a path to a scenario file.
    pub fn preset_or_file(spec: &str) -> Result<Params, ScenarioError> {
        if PRESETS.iter().any(|(n, _)| *n == spec) {
            return Params::preset(spec);
        }
        let path = Path::new(spec);
        if !path.exists() {
            return Err(ScenarioError::UnknownPreset {
                name: spec.to_string(),
                known: preset_names().join(", "),
            });
        }
        Params::from_file(path)
    }

    /// Reads a scenario file.
    pub fn from_file(path: &Path) -> Result<Params, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Params::from_toml_str(&text, path)
    }

    /// Parses a scenario file's text (`path` is used in messages only). Every lever must be set
    /// and inside its range; parameter overrides must name a known parameter and lie inside its
    /// range.
    pub fn from_toml_str(text: &str, path: &Path) -> Result<Params, ScenarioError> {
        let file: ScenarioFile = chokepoint_core::config::parse_toml(text, path)?;
        let place = |section: &str, key: &str| {
            let p = Place::file(path).at_field(format!("{section}.{key}"));
            match line_of_key(text, section, key) {
                Some(l) => p.at_line(l),
                None => p,
            }
        };
        let cat = catalog();
        let mut levers = Levers::zeroed();
        for (key, value) in &file.levers {
            let spec = cat.lever(key).ok_or_else(|| {
                ScenarioError::invalid(
                    place("levers", key),
                    format!(
                        "unknown lever `{key}`; known levers: {}",
                        Levers::NAMES.join(", ")
                    ),
                )
            })?;
            check_range(*value, spec.min, spec.max, &spec.unit)
                .map_err(|m| ScenarioError::invalid(place("levers", key), m))?;
            levers.set(key, *value);
        }
        for name in Levers::NAMES {
            if !file.levers.contains_key(*name) {
                let spec = cat.lever(name).map(|s| (s.min, s.max, s.unit.clone()));
                let range = spec
                    .map(|(a, b, u)| format!(" (allowed range {a} to {b} {u})"))
                    .unwrap_or_default();
                return Err(ScenarioError::invalid(
                    Place::file(path).at_field(format!("levers.{name}")),
                    format!("missing lever `{name}`{range}: a scenario sets every lever"),
                ));
            }
        }
        let mut model = cat.default_params();
        for (key, value) in &file.parameters {
            let spec = cat.parameter(key).ok_or_else(|| {
                ScenarioError::invalid(
                    place("parameters", key),
                    format!(
                        "unknown parameter `{key}`; known parameters: {}",
                        ModelParams::NAMES.join(", ")
                    ),
                )
            })?;
            check_range(*value, spec.min, spec.max, &spec.unit)
                .map_err(|m| ScenarioError::invalid(place("parameters", key), m))?;
            model.set(key, *value);
        }
        Ok(Params {
            name: file.name.unwrap_or_else(|| {
                path.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "scenario".into())
            }),
            description: file.description.unwrap_or_default(),
            model,
            levers,
            measured: Vec::new(),
        })
    }

    /// Sets a lever, checking its range (for overrides from the CLI or HTTP).
    pub fn set_lever(&mut self, name: &str, value: f64) -> Result<(), ScenarioError> {
        let spec = catalog().lever(name).ok_or_else(|| {
            ScenarioError::invalid(
                Place::default().at_field(name),
                format!(
                    "unknown lever `{name}`; known levers: {}",
                    Levers::NAMES.join(", ")
                ),
            )
        })?;
        check_range(value, spec.min, spec.max, &spec.unit)
            .map_err(|m| ScenarioError::invalid(Place::default().at_field(name), m))?;
        self.levers.set(name, value);
        Ok(())
    }

    /// Sets a parameter, checking its range (for overrides from the CLI or HTTP).
    pub fn set_parameter(&mut self, name: &str, value: f64) -> Result<(), ScenarioError> {
        let spec = catalog().parameter(name).ok_or_else(|| {
            ScenarioError::invalid(
                Place::default().at_field(name),
                format!(
                    "unknown parameter `{name}`; known parameters: {}",
                    ModelParams::NAMES.join(", ")
                ),
            )
        })?;
        check_range(value, spec.min, spec.max, &spec.unit)
            .map_err(|m| ScenarioError::invalid(Place::default().at_field(name), m))?;
        self.model.set(name, value);
        self.measured.retain(|m| m.parameter != name);
        Ok(())
    }

    /// Replaces a parameter by a measured value. Measurements may lie outside the default
    /// range (they are flagged, not rejected) but must be finite and positive, or the model's
    /// logarithms would be undefined.
    pub fn set_measured(
        &mut self,
        name: &str,
        value: f64,
        source: impl Into<String>,
    ) -> Result<(), ScenarioError> {
        let spec = catalog().parameter(name).ok_or_else(|| {
            ScenarioError::invalid(
                Place::default().at_field(name),
                format!("unknown parameter `{name}`"),
            )
        })?;
        if !(value.is_finite() && value > 0.0) {
            return Err(ScenarioError::invalid(
                Place::default().at_field(name),
                format!("measured value {value} must be a positive number"),
            ));
        }
        let default = spec.value;
        self.model.set(name, value);
        self.measured.retain(|m| m.parameter != name);
        self.measured.push(MeasuredInput {
            parameter: name.to_string(),
            value,
            default,
            source: source.into(),
            outside_default_range: value < spec.min || value > spec.max,
        });
        Ok(())
    }

    /// True when parameter `name` was measured (and so is held fixed in the Monte Carlo).
    pub fn is_measured(&self, name: &str) -> bool {
        self.measured.iter().any(|m| m.parameter == name)
    }
}

/// The names of the compiled-in presets.
pub fn preset_names() -> Vec<&'static str> {
    PRESETS.iter().map(|(n, _)| *n).collect()
}

fn check_range(value: f64, min: f64, max: f64, unit: &str) -> Result<(), String> {
    if !value.is_finite() || value < min || value > max {
        Err(format!(
            "value {value} is out of range: allowed {min} to {max} ({unit})"
        ))
    } else {
        Ok(())
    }
}

/// The 1-based line of `key = ...` inside `[section]` (for messages after parsing succeeded).
fn line_of_key(text: &str, section: &str, key: &str) -> Option<u64> {
    let mut in_section = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            in_section = t.trim_start_matches('[').trim_end_matches(']').trim() == section;
            continue;
        }
        if in_section {
            if let Some(rest) = t.strip_prefix(key) {
                if rest.trim_start().starts_with('=') {
                    return Some(i as u64 + 1);
                }
            }
        }
    }
    None
}

/// The 1-based line of the table header `[section.key]`.
fn line_of_table(text: &str, section: &str, key: &str) -> Option<u64> {
    let header = format!("[{section}.{key}]");
    text.lines()
        .position(|l| l.trim() == header)
        .map(|i| i as u64 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse() {
        Catalog::parse(DEFAULTS_TOML, Path::new("defaults.toml")).unwrap();
        let c = catalog();
        assert_eq!(c.parameters.len(), ModelParams::NAMES.len());
        assert_eq!(c.levers.len(), Levers::NAMES.len());
        for (name, spec) in &c.parameters {
            assert!(!spec.source.trim().is_empty(), "{name} has no source");
            assert!(spec.min > 0.0 || *name == "supply_displacement", "{name}");
        }
    }

    #[test]
    fn presets_set_levers_only() {
        for (name, text) in PRESETS {
            let v: toml::Table = toml::from_str(text).unwrap();
            assert!(
                !v.contains_key("parameters"),
                "preset {name} sets parameters"
            );
            let p = Params::preset(name).unwrap();
            assert_eq!(p.model, catalog().default_params());
        }
    }

    #[test]
    fn line_lookup() {
        let t = "name = \"x\"\n[levers]\nsmuggling_interdiction = 2\n";
        assert_eq!(line_of_key(t, "levers", "smuggling_interdiction"), Some(3));
        assert_eq!(line_of_key(t, "parameters", "smuggling_interdiction"), None);
    }
}
