//! The distill scan report (`specs/distill-report.md`), read with this crate's own structs so
//! that intel does not depend on the scanner's internals. Only the fields the exporter uses are
//! named; every other field, present or future, is ignored.

use crate::IntelError;
use chokepoint_core::Place;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The report's schema tag this reader understands.
pub const REPORT_SCHEMA: &str = "chokepoint.distill.report/v1";

/// A scan report, as far as the exporter needs it.
#[derive(Debug, Clone, Deserialize)]
pub struct DistillReport {
    pub schema: String,
    #[serde(default)]
    pub generated_at: Option<String>,
    #[serde(default)]
    pub accounts: Vec<ReportAccount>,
    #[serde(default)]
    pub campaigns: Vec<ReportCampaign>,
}

/// One account line of the report.
#[derive(Debug, Clone, Deserialize)]
pub struct ReportAccount {
    pub account_id: String,
    #[serde(default)]
    pub score: f64,
    #[serde(default)]
    pub flagged: bool,
    #[serde(default)]
    pub campaign: Option<String>,
}

/// One campaign of the report.
#[derive(Debug, Clone, Deserialize)]
pub struct ReportCampaign {
    pub id: String,
    #[serde(default)]
    pub score: f64,
    #[serde(default)]
    pub accounts: Vec<String>,
    #[serde(default)]
    pub records: u64,
    #[serde(default)]
    pub first_seen: Option<String>,
    #[serde(default)]
    pub last_seen: Option<String>,
    #[serde(default)]
    pub capabilities: BTreeMap<String, f64>,
    #[serde(default)]
    pub indicators: ReportIndicators,
}

/// A campaign's raw indicators (local only: intel hashes or sketches every one of them).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportIndicators {
    #[serde(default)]
    pub ips: Vec<String>,
    #[serde(default)]
    pub asns: Vec<u32>,
    #[serde(default)]
    pub payment_fingerprints: Vec<String>,
    #[serde(default)]
    pub template_sketches: Vec<String>,
}

impl DistillReport {
    /// Reads and checks a report file; errors name the file and the field (with JSON line).
    pub fn from_file(path: &Path) -> Result<DistillReport, IntelError> {
        let text = std::fs::read_to_string(path).map_err(|source| IntelError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_str_at(&text, Place::file(path))
    }

    /// Parses report text; `place` names where it came from.
    pub fn from_str_at(text: &str, place: Place) -> Result<DistillReport, IntelError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let r: DistillReport = serde_json::from_str::<serde_json::Value>(text)
            .map_err(|e| IntelError::Input {
                place: place.clone().at_line(e.line() as u64),
                message: format!("not JSON: {e}"),
            })
            .and_then(|_| {
                DistillReport::deserialize(de).map_err(|e| IntelError::Input {
                    place: place.clone().at_line(e.line() as u64),
                    message: format!("not a distill report: {e}"),
                })
            })?;
        if r.schema != REPORT_SCHEMA {
            return Err(IntelError::Input {
                place: place.at_field("schema"),
                message: format!("expected `{REPORT_SCHEMA}`, found `{}`", r.schema),
            });
        }
        for (i, c) in r.campaigns.iter().enumerate() {
            for (f, v) in [("first_seen", &c.first_seen), ("last_seen", &c.last_seen)] {
                if let Some(t) = v {
                    chokepoint_core::parse_rfc3339(t).map_err(|m| IntelError::Input {
                        place: place.clone().at_field(format!("campaigns[{i}].{f}")),
                        message: m,
                    })?;
                }
            }
            for (j, s) in c.indicators.template_sketches.iter().enumerate() {
                chokepoint_core::template::TemplateShingles::decode(s).map_err(|m| {
                    IntelError::Input {
                        place: place
                            .clone()
                            .at_field(format!("campaigns[{i}].indicators.template_sketches[{j}]")),
                        message: m,
                    }
                })?;
            }
        }
        if let Some(t) = &r.generated_at {
            chokepoint_core::parse_rfc3339(t).map_err(|m| IntelError::Input {
                place: place.at_field("generated_at"),
                message: m,
            })?;
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_spec_shape_ignoring_extra_fields() {
        let t = r#"{"schema":"chokepoint.distill.report/v1","generated_at":"2026-02-04T00:00:00Z","new_field":{"x":1},
          "stats":{"records":3},"accounts":[{"account_id":"a-1","score":0.9,"flagged":true,"campaign":"c-1","reasons":["r"]}],
          "campaigns":[{"id":"c-1","score":0.99,"accounts":["a-1"],"records":3,"first_seen":"2026-02-01T00:00:00Z",
          "last_seen":"2026-02-02T00:00:00Z","capabilities":{"coding":1.0},"evidence":["e"],"future":true,
          "indicators":{"ips":["203.0.113.9"],"asns":[64500],"payment_fingerprints":["pf-1"],"template_sketches":["tsh1:00000000000000ff"],"other":[]}}]}"#;
        let r = DistillReport::from_str_at(t, Place::file("r.json")).unwrap();
        assert_eq!(r.campaigns[0].indicators.asns, vec![64500]);
    }

    #[test]
    fn errors_name_the_place() {
        let e = DistillReport::from_str_at("{\n\"schema\": 3}", Place::file("r.json")).unwrap_err();
        assert!(e.to_string().contains("r.json:line 2"), "{e}");
        let e =
            DistillReport::from_str_at(r#"{"schema":"other"}"#, Place::file("r.json")).unwrap_err();
        assert!(e.to_string().contains("schema"), "{e}");
        let t = r#"{"schema":"chokepoint.distill.report/v1","campaigns":[{"id":"c","indicators":{"template_sketches":["tsh1:zz"]}}]}"#;
        let e = DistillReport::from_str_at(t, Place::file("r.json")).unwrap_err();
        assert!(
            e.to_string()
                .contains("campaigns[0].indicators.template_sketches[0]"),
            "{e}"
        );
        assert!(DistillReport::from_str_at("{", Place::file("r.json")).is_err());
    }
}
