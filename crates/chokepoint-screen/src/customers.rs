//! Customer risk: per compute customer the list hits, listed ownership, ultimate parent, the
//! offshore-access red flags and a decision with its reasons.
//!
//! ## Red flags (documented list)
//! | code | when | weight |
//! |---|---|---|
//! | `listed_name_match` | the customer's name matches a listed party (decision `match`) | deny |
//! | `listed_owner_50` | listed parties own ≥ 50% (effective or captured, see [`crate::ownership`]) | deny |
//! | `d5_parent_large_cluster` | headquarters or ultimate parent in Country Group D:5 or Macau, and ≥ [`LARGE_CLUSTER`] accelerators rented: a licence is required for such parties worldwide | deny (unless licensed) |
//! | `listed_name_review` | the name resembles a listed party (decision `review`) | review |
//! | `listed_owner_minority` | listed parties own ≥ 10% and < 50% | review |
//! | `d5_headquartered` / `d5_ultimate_parent` | HQ / ultimate parent in D:5 or Macau | review |
//! | `recent_incorporation` | incorporated less than 365 days before the screening date | soft |
//! | `billing_dc_mismatch` | billing country differs from the data-centre country | soft |
//! | `third_party_payment` | the payer is another party than the customer | soft |
//! | `training_declared_inference` | declared inference, usage shows training | soft |
//!
//! Decision: `deny` with any deny flag; `review` with any review flag, or with two soft flags,
//! or one soft flag on a large cluster; `clear` otherwise. Every flag carries its reason.

use crate::error::{ScreenError, Skipped};
use crate::matcher::{Decision, Hit, Screener};
use crate::ownership::{ListedOwnership, OwnershipGraph, UltimateParent};
use chokepoint_core::Place;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Accelerators from which a rental counts as a large cluster (eight 8-GPU servers).
pub const LARGE_CLUSTER: u32 = 64;

/// Country Group D:5 of the U.S. EAR (supplement no. 1 to part 740, as of 2025) and Macau, as
/// ISO alpha-2 codes. A dated table: check it against the current EAR before relying on it.
pub const D5_AND_MACAU: &[&str] = &[
    "AF", "BY", "MM", "KH", "CF", "CN", "CD", "CU", "CY", "ER", "HT", "IR", "IQ", "KP", "LB", "LY",
    "NI", "RU", "SO", "SS", "SD", "SY", "VE", "ZW", "MO",
];

/// Whether an ISO code is in D:5 or is Macau.
pub fn is_d5(country: &str) -> bool {
    D5_AND_MACAU.contains(&country.trim().to_ascii_uppercase().as_str())
}

/// A compute customer as known to the provider.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: String,
    pub name: String,
    /// Country of headquarters / incorporation (ISO alpha-2).
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub incorporated: Option<NaiveDate>,
    #[serde(default)]
    pub billing_country: Option<String>,
    #[serde(default)]
    pub datacenter_country: Option<String>,
    /// Who pays, when known.
    #[serde(default)]
    pub payer: Option<String>,
    /// `inference`, `training`, ... as declared at onboarding.
    #[serde(default)]
    pub declared_use: Option<String>,
    /// What usage metering shows (`inference` or `training`).
    #[serde(default)]
    pub observed_use: Option<String>,
    /// Accelerators rented.
    #[serde(default)]
    pub accelerators: Option<u32>,
}

/// Severity of a red flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Soft,
    Review,
    Deny,
}

/// One red flag with the measured values that raised it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedFlag {
    pub code: String,
    pub severity: Severity,
    pub reason: String,
}

/// `deny`, `review` or `clear`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CustomerDecision {
    Clear,
    Review,
    Deny,
}

/// The screening of one customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerReport {
    pub id: String,
    pub name: String,
    pub decision: CustomerDecision,
    /// List hits of the name (review threshold and above).
    pub hits: Vec<Hit>,
    pub listed_ownership: ListedOwnership,
    pub ultimate_parent: Option<UltimateParent>,
    pub ultimate_parent_country: Option<String>,
    pub red_flags: Vec<RedFlag>,
    /// The reasons of the decision, one line each.
    pub reasons: Vec<String>,
}

/// Customers read from a file, with skipped records.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LoadedCustomers {
    pub customers: Vec<Customer>,
    pub skipped: Vec<Skipped>,
}

/// Reads a customers CSV: `id,name` required; `country, incorporated (YYYY-MM-DD),
/// billing_country, datacenter_country, payer, declared_use, observed_use, accelerators`
/// optional.
pub fn load_customers(path: &Path) -> Result<LoadedCustomers, ScreenError> {
    let bytes = std::fs::read(path).map_err(|e| ScreenError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    let text = crate::lists::decode(path, &bytes, crate::lists::Encoding::Utf8)?;
    parse_customers_csv(path, &text)
}

/// Parses the customers CSV (see [`load_customers`]).
pub fn parse_customers_csv(path: &Path, text: &str) -> Result<LoadedCustomers, ScreenError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| {
            ScreenError::invalid(Place::file(path).at_line(1), format!("bad CSV header: {e}"))
        })?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let col = |n: &str| headers.iter().position(|h| h == n);
    let name_col = col("name").ok_or_else(|| {
        ScreenError::invalid(
            Place::file(path).at_line(1).at_field("name"),
            format!(
                "missing column `name` (columns found: {})",
                headers.join(", ")
            ),
        )
    })?;
    let id_col = col("id");
    let mut out = LoadedCustomers::default();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                out.skipped.push(Skipped {
                    place: Place::file(path).at_line(line),
                    reason: format!("unreadable CSV record: {e}"),
                });
                continue;
            }
        };
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let place = Place::file(path).at_line(line);
        let get = |n: &str| {
            col(n)
                .and_then(|i| rec.get(i))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let name = rec.get(name_col).unwrap_or("").trim().to_string();
        if name.is_empty() {
            out.skipped.push(Skipped {
                place: place.at_field("name"),
                reason: "customer has no name".into(),
            });
            continue;
        }
        let incorporated = match get("incorporated") {
            None => None,
            Some(s) => match NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    out.skipped.push(Skipped {
                        place: place.at_field("incorporated"),
                        reason: format!("`{s}` is not a date (YYYY-MM-DD)"),
                    });
                    continue;
                }
            },
        };
        let accelerators = match get("accelerators") {
            None => None,
            Some(s) => match s.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    out.skipped.push(Skipped {
                        place: place.at_field("accelerators"),
                        reason: format!("`{s}` is not a whole number"),
                    });
                    continue;
                }
            },
        };
        let cc = |n: &str| get(n).map(|c| crate::lists::country_code(&c));
        out.customers.push(Customer {
            id: id_col
                .and_then(|i| rec.get(i))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| format!("line {line}")),
            name,
            country: cc("country"),
            incorporated,
            billing_country: cc("billing_country"),
            datacenter_country: cc("datacenter_country"),
            payer: get("payer"),
            declared_use: get("declared_use").map(|s| s.to_ascii_lowercase()),
            observed_use: get("observed_use").map(|s| s.to_ascii_lowercase()),
            accelerators,
        });
    }
    Ok(out)
}

/// Whether two names are the same party's (payer against customer): the same normalised name,
/// or a `match` between them through a one-entry index.
fn same_party(a: &str, b: &str) -> bool {
    let n = crate::normalize::Normalizer::new();
    if n.normalize(a).tokens == n.normalize(b).tokens {
        return true;
    }
    let one = Screener::build(
        vec![crate::lists::ListEntry {
            list_id: "x".into(),
            name: a.into(),
            aliases: vec![],
            kind: String::new(),
            source: String::new(),
            countries: vec![],
            addresses: vec![],
            programs: vec![],
        }],
        crate::matcher::MatchConfig::default(),
        &chokepoint_core::NoProgress,
    );
    one.screen(b, None).decision == Decision::Match
}

/// Screens customers: names against the lists, ownership through `graph`, red flags as of
/// `as_of`. Listed parties in the graph are those whose name (with country) matches a list.
pub fn screen_customers(
    screener: &Screener,
    customers: &[Customer],
    graph: Option<&OwnershipGraph>,
    as_of: NaiveDate,
    progress: &dyn chokepoint_core::Progress,
) -> Vec<CustomerReport> {
    use rayon::prelude::*;
    // Which parties of the graph are listed: screened once each.
    let listed_parties: std::collections::HashSet<String> = graph
        .map(|g| {
            g.parties()
                .par_iter()
                .filter(|p| screener.screen(p, g.country(p)).decision == Decision::Match)
                .map(|p| p.to_lowercase())
                .collect()
        })
        .unwrap_or_default();
    progress.start("customers", Some(customers.len() as u64), "customers");
    let out = customers
        .par_iter()
        .map(|c| {
            let r = screen_customer(screener, c, graph, &listed_parties, as_of);
            progress.advance(1);
            r
        })
        .collect();
    progress.finish();
    out
}

fn screen_customer(
    screener: &Screener,
    c: &Customer,
    graph: Option<&OwnershipGraph>,
    listed_parties: &std::collections::HashSet<String>,
    as_of: NaiveDate,
) -> CustomerReport {
    let mut flags: Vec<RedFlag> = Vec::new();
    let mut flag = |code: &str, severity: Severity, reason: String| {
        flags.push(RedFlag {
            code: code.into(),
            severity,
            reason,
        })
    };
    let names = screener.screen(&c.name, c.country.as_deref());
    if let Some(top) = names.matches.first() {
        let (code, sev) = if names.decision == Decision::Match {
            ("listed_name_match", Severity::Deny)
        } else {
            ("listed_name_review", Severity::Review)
        };
        flag(
            code,
            sev,
            format!(
                "name resembles `{}` ({}, {}) with score {:.2}: matched `{}`",
                top.name, top.source, top.list_id, top.score, top.explanation.matched_variant
            ),
        );
    }
    let listed = |n: &str| listed_parties.contains(&n.to_lowercase());
    let (ownership, parent) = match graph {
        Some(g) if g.contains(&c.name) || g.contains(&c.id) => {
            let key = if g.contains(&c.name) {
                c.name.as_str()
            } else {
                c.id.as_str()
            };
            (g.listed_ownership(key, &listed), g.ultimate_parent(key))
        }
        _ => (ListedOwnership::default(), None),
    };
    if ownership.captured {
        let who: Vec<String> = ownership
            .stakes
            .iter()
            .map(|s| format!("{} {:.1}%", s.owner, s.percent))
            .collect();
        flag(
            "listed_owner_50",
            Severity::Deny,
            format!(
                "listed parties own {:.1}% (50% rule; {})",
                ownership.percent,
                who.join(", ")
            ),
        );
    } else if ownership.percent >= 10.0 {
        let who: Vec<String> = ownership
            .stakes
            .iter()
            .map(|s| format!("{} {:.1}%", s.owner, s.percent))
            .collect();
        flag(
            "listed_owner_minority",
            Severity::Review,
            format!(
                "listed parties own {:.1}% ({})",
                ownership.percent,
                who.join(", ")
            ),
        );
    }
    let parent_country = parent
        .as_ref()
        .filter(|p| p.chain.len() > 1)
        .and_then(|p| p.country.clone());
    let hq_d5 = c.country.as_deref().is_some_and(is_d5);
    let parent_d5 = parent_country.as_deref().is_some_and(is_d5);
    let large = c.accelerators.is_some_and(|n| n >= LARGE_CLUSTER);
    if (hq_d5 || parent_d5) && large {
        flag(
            "d5_parent_large_cluster",
            Severity::Deny,
            format!(
                "{} in {} (Country Group D:5/Macau) renting {} accelerators: licence required",
                if parent_d5 {
                    "ultimate parent"
                } else {
                    "headquarters"
                },
                if parent_d5 {
                    parent_country.clone().unwrap_or_default()
                } else {
                    c.country.clone().unwrap_or_default()
                },
                c.accelerators.unwrap_or(0)
            ),
        );
    } else if parent_d5 {
        flag(
            "d5_ultimate_parent",
            Severity::Review,
            format!(
                "ultimate parent `{}` in {} (D:5/Macau)",
                parent.as_ref().map(|p| p.name.as_str()).unwrap_or(""),
                parent_country.clone().unwrap_or_default()
            ),
        );
    } else if hq_d5 {
        flag(
            "d5_headquartered",
            Severity::Review,
            format!(
                "headquartered in {} (D:5/Macau)",
                c.country.clone().unwrap_or_default()
            ),
        );
    }
    if let Some(d) = c.incorporated {
        let days = (as_of - d).num_days();
        if (0..365).contains(&days) {
            flag(
                "recent_incorporation",
                Severity::Soft,
                format!("incorporated {d}, {days} days before {as_of}"),
            );
        }
    }
    if let (Some(b), Some(dc)) = (&c.billing_country, &c.datacenter_country) {
        if b != dc {
            flag(
                "billing_dc_mismatch",
                Severity::Soft,
                format!("billing country {b}, data-centre country {dc}"),
            );
        }
    }
    if let Some(p) = &c.payer {
        if !same_party(&c.name, p) {
            flag(
                "third_party_payment",
                Severity::Soft,
                format!("paid by `{p}`, not by the customer"),
            );
        }
    }
    if c.declared_use.as_deref() == Some("inference")
        && c.observed_use.as_deref() == Some("training")
    {
        flag(
            "training_declared_inference",
            Severity::Soft,
            "declared inference, usage shows training-scale jobs".into(),
        );
    }
    let soft = flags
        .iter()
        .filter(|f| f.severity == Severity::Soft)
        .count();
    let worst = flags.iter().map(|f| f.severity).max();
    let decision = match worst {
        Some(Severity::Deny) => CustomerDecision::Deny,
        Some(Severity::Review) => CustomerDecision::Review,
        _ if soft >= 2 || (soft >= 1 && large) => CustomerDecision::Review,
        _ => CustomerDecision::Clear,
    };
    let mut reasons: Vec<String> = flags
        .iter()
        .map(|f| format!("{}: {}", f.code, f.reason))
        .collect();
    if decision == CustomerDecision::Clear {
        reasons.push(if flags.is_empty() {
            "no list hit, no listed ownership, no red flag".to_string()
        } else {
            format!("only {soft} soft red flag(s) on a small rental")
        });
    }
    CustomerReport {
        id: c.id.clone(),
        name: c.name.clone(),
        decision,
        hits: names.matches,
        listed_ownership: ownership,
        ultimate_parent_country: parent_country,
        ultimate_parent: parent,
        red_flags: flags,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lists::ListEntry;
    use crate::ownership::OwnershipEdge;
    use chokepoint_core::NoProgress;

    fn screener() -> Screener {
        let e = |id: &str, n: &str, c: &str| ListEntry {
            list_id: id.into(),
            name: n.into(),
            aliases: vec![],
            kind: "entity".into(),
            source: "EL".into(),
            countries: vec![c.into()],
            addresses: vec![],
            programs: vec![],
        };
        Screener::build(
            vec![
                e("1", "Huawei Technologies Co., Ltd.", "CN"),
                e("2", "Beijing Zhipu Huazhang Technology Co., Ltd.", "CN"),
            ],
            Default::default(),
            &NoProgress,
        )
    }

    #[test]
    fn shell_owned_by_listed_party_is_denied() {
        let s = screener();
        let g = OwnershipGraph::new(&[
            OwnershipEdge {
                owner: "Beijing Zhipu Huazhang Technology Co., Ltd.".into(),
                owned: "Zenith Holdings Ltd".into(),
                percent: 80.0,
                owner_country: Some("CN".into()),
                owned_country: Some("HK".into()),
            },
            OwnershipEdge {
                owner: "Zenith Holdings Ltd".into(),
                owned: "Kelana Compute Sdn Bhd".into(),
                percent: 70.0,
                owner_country: None,
                owned_country: Some("MY".into()),
            },
        ]);
        let cs = vec![
            Customer {
                id: "c1".into(),
                name: "Kelana Compute Sdn Bhd".into(),
                country: Some("MY".into()),
                accelerators: Some(2400),
                ..Default::default()
            },
            Customer {
                id: "c2".into(),
                name: "Acme Analytics GmbH".into(),
                country: Some("DE".into()),
                accelerators: Some(16),
                billing_country: Some("DE".into()),
                datacenter_country: Some("DE".into()),
                ..Default::default()
            },
        ];
        let as_of = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let r = screen_customers(&s, &cs, Some(&g), as_of, &NoProgress);
        assert_eq!(r[0].decision, CustomerDecision::Deny, "{:?}", r[0]);
        assert!(r[0].red_flags.iter().any(|f| f.code == "listed_owner_50"));
        assert!((r[0].listed_ownership.percent - 56.0).abs() < 1e-6);
        assert_eq!(r[0].ultimate_parent_country.as_deref(), Some("CN"));
        assert_eq!(r[1].decision, CustomerDecision::Clear, "{:?}", r[1]);
    }

    #[test]
    fn soft_flags_combine() {
        let s = screener();
        let c = Customer {
            id: "c3".into(),
            name: "Nusantara AI Cloud Pte Ltd".into(),
            country: Some("SG".into()),
            incorporated: NaiveDate::from_ymd_opt(2026, 3, 1),
            billing_country: Some("HK".into()),
            datacenter_country: Some("MY".into()),
            payer: Some("Shenzhen Qianhai Trading Co".into()),
            declared_use: Some("inference".into()),
            observed_use: Some("training".into()),
            accelerators: Some(512),
        };
        let r = screen_customers(
            &s,
            &[c],
            None,
            NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
            &NoProgress,
        );
        let codes: Vec<&str> = r[0].red_flags.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "recent_incorporation",
                "billing_dc_mismatch",
                "third_party_payment",
                "training_declared_inference"
            ]
        );
        assert_eq!(r[0].decision, CustomerDecision::Review);
    }

    #[test]
    fn customers_csv_errors() {
        let e = parse_customers_csv(Path::new("c.csv"), "id,label\n1,x\n").unwrap_err();
        assert!(e.to_string().contains("c.csv:line 1, field `name`"));
        let l = parse_customers_csv(Path::new("c.csv"), "id,name,incorporated,accelerators\n1,A,2025-13-01,\n2,,,\n3,B,,lots\n4,C,2025-01-01,8\n").unwrap();
        assert_eq!(l.customers.len(), 1);
        assert_eq!(l.skipped.len(), 3);
        assert!(l.skipped[0]
            .to_string()
            .contains("line 2, field `incorporated`"));
    }
}
