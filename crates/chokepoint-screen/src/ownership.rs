//! Ownership chains: who owns whom, how much of a party listed parties own through chains, and
//! its ultimate parent.
//!
//! Two readings of the 50% rule are computed, because authorities word it both ways:
//! * **effective listed ownership**: over every ownership path from a listed party down to the
//!   party (paths stop at the first listed party met going up, so that a listed parent of a
//!   listed subsidiary is not counted twice), the product of the percentages along the path,
//!   summed across paths (capped at 100%);
//! * **captured**: OFAC-style propagation: a party owned 50% or more, in the aggregate, by
//!   listed or captured parties is itself captured; iterated to a fixpoint.
//!
//! The ultimate parent follows the majority owner (> 50%) upwards until there is none.
//! Cycles (A owns B owns A) are handled: a path never visits a party twice, propagation stops
//! at the fixpoint, the parent walk stops on a party already seen.

use crate::error::{ScreenError, Skipped};
use chokepoint_core::Place;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// One ownership edge as read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnershipEdge {
    /// The owner (name or id).
    pub owner: String,
    /// The owned party (name or id).
    pub owned: String,
    /// Share in percent, 0–100.
    pub percent: f64,
    #[serde(default)]
    pub owner_country: Option<String>,
    #[serde(default)]
    pub owned_country: Option<String>,
}

/// Edges read from a file, with skipped records.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LoadedOwnership {
    pub edges: Vec<OwnershipEdge>,
    /// Names of FollowTheMoney ids (`id` → (name, country)) read from party entities.
    pub parties: HashMap<String, (String, Option<String>)>,
    pub skipped: Vec<Skipped>,
}

fn parse_percent(s: &str) -> Result<f64, String> {
    let t = s.trim().trim_end_matches('%').trim();
    let v: f64 = t
        .parse()
        .map_err(|_| format!("percent `{s}` is not a number"))?;
    if !(0.0..=100.0).contains(&v) || v.is_nan() {
        return Err(format!("percent {v} is outside 0–100"));
    }
    Ok(v)
}

/// Reads ownership edges: a CSV with columns `owner,owned,percent` (and optional
/// `owner_country,owned_country`), or FollowTheMoney JSON lines (`Ownership` entities with
/// `owner`, `asset`, `percentage`; party entities give the ids their names).
pub fn load_ownership(path: &Path) -> Result<LoadedOwnership, ScreenError> {
    let bytes = std::fs::read(path).map_err(|e| ScreenError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    let text = crate::lists::decode(path, &bytes, crate::lists::Encoding::Utf8)?;
    let is_json = text.trim_start().starts_with('{');
    if is_json {
        parse_ftm_ownership(path, &text)
    } else {
        parse_ownership_csv(path, &text)
    }
}

/// Parses the CSV form (see [`load_ownership`]).
pub fn parse_ownership_csv(path: &Path, text: &str) -> Result<LoadedOwnership, ScreenError> {
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
    let col = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| headers.iter().position(|h| h == n))
    };
    let need = |names: &[&str], label: &str| {
        col(names).ok_or_else(|| {
            ScreenError::invalid(
                Place::file(path).at_line(1).at_field(label),
                format!(
                    "missing column `{label}` (columns found: {})",
                    headers.join(", ")
                ),
            )
        })
    };
    let owner = need(&["owner", "parent"], "owner")?;
    let owned = need(&["owned", "asset", "subsidiary", "child"], "owned")?;
    let percent = need(&["percent", "percentage", "share"], "percent")?;
    let owner_country = col(&["owner_country"]);
    let owned_country = col(&["owned_country"]);
    let mut out = LoadedOwnership::default();
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
        let get = |i: usize| rec.get(i).unwrap_or("").trim().to_string();
        let opt = |i: Option<usize>| {
            i.map(get)
                .filter(|s| !s.is_empty())
                .map(|c| crate::lists::country_code(&c))
        };
        let (o, a) = (get(owner), get(owned));
        if o.is_empty() || a.is_empty() {
            out.skipped.push(Skipped {
                place: place.at_field(if o.is_empty() { "owner" } else { "owned" }),
                reason: "empty party name".into(),
            });
            continue;
        }
        match parse_percent(&get(percent)) {
            Ok(p) => out.edges.push(OwnershipEdge {
                owner: o,
                owned: a,
                percent: p,
                owner_country: opt(owner_country),
                owned_country: opt(owned_country),
            }),
            Err(reason) => out.skipped.push(Skipped {
                place: place.at_field("percent"),
                reason,
            }),
        }
    }
    Ok(out)
}

/// Parses FollowTheMoney JSON lines: `Ownership` entities become edges (ids resolved to names
/// later through [`LoadedOwnership::parties`]); party entities give names and countries.
pub fn parse_ftm_ownership(path: &Path, text: &str) -> Result<LoadedOwnership, ScreenError> {
    let mut out = LoadedOwnership::default();
    let first = |v: &serde_json::Value, k: &str| -> Option<String> {
        match v.get("properties")?.get(k)? {
            serde_json::Value::Array(a) => a.iter().find_map(|x| match x {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Object(_) => {
                    x.get("id").and_then(|i| i.as_str()).map(String::from)
                }
                _ => None,
            }),
            _ => None,
        }
    };
    let mut raw_edges: Vec<(Place, String, String, Option<String>)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let place = Place::file(path).at_line(i as u64 + 1);
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                out.skipped.push(Skipped {
                    place,
                    reason: format!("not a JSON object: {e}"),
                });
                continue;
            }
        };
        let schema = v.get("schema").and_then(|s| s.as_str()).unwrap_or("");
        if schema == "Ownership" {
            match (first(&v, "owner"), first(&v, "asset")) {
                (Some(o), Some(a)) => raw_edges.push((place, o, a, first(&v, "percentage"))),
                _ => out.skipped.push(Skipped {
                    place: place.at_field("properties.owner/asset"),
                    reason: "Ownership without owner or asset".into(),
                }),
            }
        } else if let Some(id) = v.get("id").and_then(|s| s.as_str()) {
            if let Some(name) = first(&v, "name") {
                let country = first(&v, "country")
                    .or_else(|| first(&v, "jurisdiction"))
                    .map(|c| crate::lists::country_code(&c));
                out.parties.insert(id.to_string(), (name, country));
            }
        } else {
            out.skipped.push(Skipped {
                place: place.at_field("schema"),
                reason: "not a FollowTheMoney entity".into(),
            });
        }
    }
    for (place, o, a, pct) in raw_edges {
        // FtM ownership without a percentage: unknown share, counted as 0 (never assumed).
        let percent = match pct.as_deref().map(parse_percent) {
            Some(Ok(p)) => p,
            Some(Err(reason)) => {
                out.skipped.push(Skipped {
                    place: place.at_field("properties.percentage"),
                    reason,
                });
                continue;
            }
            None => 0.0,
        };
        let (on, oc) = out.parties.get(&o).cloned().unwrap_or((o.clone(), None));
        let (an, ac) = out.parties.get(&a).cloned().unwrap_or((a.clone(), None));
        out.edges.push(OwnershipEdge {
            owner: on,
            owned: an,
            percent,
            owner_country: oc,
            owned_country: ac,
        });
    }
    Ok(out)
}

/// The ownership graph.
#[derive(Debug, Clone, Default)]
pub struct OwnershipGraph {
    names: Vec<String>,
    countries: Vec<Option<String>>,
    index: HashMap<String, usize>,
    /// owners_of[x] = (owner, fraction 0–1)
    owners_of: Vec<Vec<(usize, f64)>>,
}

fn key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// One listed party's effective stake in a party.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ListedStake {
    /// The listed owner.
    pub owner: String,
    /// Effective share in percent (products along paths, summed across paths).
    pub percent: f64,
    /// One path, owner first, the party last.
    pub path: Vec<String>,
}

/// Listed ownership of a party.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ListedOwnership {
    /// Effective listed ownership in percent (capped at 100).
    pub percent: f64,
    /// Captured by the 50% rule (effective ≥ 50%, or owned ≥ 50% by captured parties).
    pub captured: bool,
    pub stakes: Vec<ListedStake>,
}

/// The ultimate parent of a party.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UltimateParent {
    pub name: String,
    pub country: Option<String>,
    /// The majority chain, the party first, the parent last.
    pub chain: Vec<String>,
    /// The walk met a cycle of majority owners.
    pub cycle: bool,
}

const MAX_DEPTH: usize = 16;
const MAX_PATHS: usize = 100_000;

impl OwnershipGraph {
    /// Builds the graph. Parties are identified by name (case- and space-insensitive).
    pub fn new(edges: &[OwnershipEdge]) -> Self {
        let mut g = OwnershipGraph::default();
        for e in edges {
            let o = g.node(&e.owner, e.owner_country.as_deref());
            let a = g.node(&e.owned, e.owned_country.as_deref());
            if o != a {
                g.owners_of[a].push((o, e.percent / 100.0));
            }
        }
        g
    }

    fn node(&mut self, name: &str, country: Option<&str>) -> usize {
        let k = key(name);
        let i = match self.index.get(&k) {
            Some(&i) => i,
            None => {
                let i = self.names.len();
                self.names.push(name.trim().to_string());
                self.countries.push(None);
                self.owners_of.push(Vec::new());
                self.index.insert(k, i);
                i
            }
        };
        if let Some(c) = country.filter(|c| !c.is_empty()) {
            self.countries[i].get_or_insert_with(|| c.to_string());
        }
        i
    }

    /// All party names.
    pub fn parties(&self) -> &[String] {
        &self.names
    }

    /// Whether a party appears in the graph.
    pub fn contains(&self, name: &str) -> bool {
        self.index.contains_key(&key(name))
    }

    /// The recorded country of a party.
    pub fn country(&self, name: &str) -> Option<&str> {
        self.index
            .get(&key(name))
            .and_then(|&i| self.countries[i].as_deref())
    }

    /// Listed ownership of `party`; `listed(name)` says whether a party is listed itself.
    pub fn listed_ownership(&self, party: &str, listed: &dyn Fn(&str) -> bool) -> ListedOwnership {
        let Some(&target) = self.index.get(&key(party)) else {
            return ListedOwnership::default();
        };
        let is_listed: Vec<bool> = self.names.iter().map(|n| listed(n)).collect();
        // Effective ownership: DFS upwards from the target.
        let mut stakes: HashMap<usize, (f64, Vec<usize>)> = HashMap::new();
        let mut on_path = vec![false; self.names.len()];
        let mut paths = 0usize;
        let mut stack_path = vec![target];
        on_path[target] = true;
        self.walk_up(
            target,
            1.0,
            &is_listed,
            &mut on_path,
            &mut stack_path,
            &mut stakes,
            &mut paths,
        );
        let mut stakes: Vec<ListedStake> = stakes
            .into_iter()
            .map(|(o, (p, path))| ListedStake {
                owner: self.names[o].clone(),
                percent: (p * 100.0).min(100.0),
                path: path.iter().rev().map(|&i| self.names[i].clone()).collect(),
            })
            .collect();
        stakes.sort_by(|a, b| {
            b.percent
                .total_cmp(&a.percent)
                .then_with(|| a.owner.cmp(&b.owner))
        });
        let percent = stakes.iter().map(|s| s.percent).sum::<f64>().min(100.0);
        // Captured: fixpoint propagation.
        let mut captured = is_listed.clone();
        loop {
            let mut changed = false;
            for x in 0..self.names.len() {
                if captured[x] {
                    continue;
                }
                let share: f64 = self.owners_of[x]
                    .iter()
                    .filter(|(o, _)| captured[*o])
                    .map(|(_, p)| p)
                    .sum();
                if share >= 0.5 - 1e-9 {
                    captured[x] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        ListedOwnership {
            percent,
            captured: percent >= 50.0 - 1e-9 || (captured[target] && !is_listed[target]),
            stakes,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn walk_up(
        &self,
        x: usize,
        product: f64,
        is_listed: &[bool],
        on_path: &mut [bool],
        path: &mut Vec<usize>,
        stakes: &mut HashMap<usize, (f64, Vec<usize>)>,
        paths: &mut usize,
    ) {
        if path.len() > MAX_DEPTH || *paths > MAX_PATHS {
            return;
        }
        for &(o, frac) in &self.owners_of[x] {
            if on_path[o] || frac <= 0.0 {
                continue;
            }
            let p = product * frac;
            *paths += 1;
            if is_listed[o] {
                let slot = stakes.entry(o).or_insert((0.0, Vec::new()));
                if slot.1.is_empty() {
                    let mut pth = path.clone();
                    pth.push(o);
                    slot.1 = pth;
                }
                slot.0 += p;
                continue;
            }
            on_path[o] = true;
            path.push(o);
            self.walk_up(o, p, is_listed, on_path, path, stakes, paths);
            path.pop();
            on_path[o] = false;
        }
    }

    /// The ultimate parent of `party` (itself when no owner holds more than 50%).
    pub fn ultimate_parent(&self, party: &str) -> Option<UltimateParent> {
        let &start = self.index.get(&key(party))?;
        let mut seen = HashSet::from([start]);
        let mut chain = vec![start];
        let mut cur = start;
        let mut cycle = false;
        loop {
            let majority = self.owners_of[cur]
                .iter()
                .filter(|(_, f)| *f > 0.5)
                .max_by(|a, b| a.1.total_cmp(&b.1));
            let Some(&(o, _)) = majority else { break };
            if !seen.insert(o) {
                cycle = true;
                break;
            }
            chain.push(o);
            cur = o;
        }
        Some(UltimateParent {
            name: self.names[cur].clone(),
            country: self.countries[cur].clone(),
            chain: chain.iter().map(|&i| self.names[i].clone()).collect(),
            cycle,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(o: &str, a: &str, p: f64) -> OwnershipEdge {
        OwnershipEdge {
            owner: o.into(),
            owned: a.into(),
            percent: p,
            owner_country: None,
            owned_country: None,
        }
    }

    #[test]
    fn chains_multiply_and_paths_sum() {
        // L owns 60% of A and 30% of B; A owns 50% of X; B owns 40% of X.
        let g = OwnershipGraph::new(&[
            e("L", "A", 60.0),
            e("L", "B", 30.0),
            e("A", "X", 50.0),
            e("B", "X", 40.0),
        ]);
        let r = g.listed_ownership("X", &|n| n == "L");
        assert!((r.percent - (30.0 + 12.0)).abs() < 1e-9, "{r:?}");
        // A is captured (60% by L), and owns 50% of X: captured under the propagation reading.
        assert!(r.captured);
        assert_eq!(r.stakes[0].path.first().map(String::as_str), Some("L"));
    }

    #[test]
    fn cycles_terminate_and_parents_stop() {
        let g = OwnershipGraph::new(&[e("A", "B", 60.0), e("B", "A", 60.0), e("L", "A", 20.0)]);
        let r = g.listed_ownership("B", &|n| n == "L");
        assert!((r.percent - 12.0).abs() < 1e-9, "{r:?}");
        assert!(!r.captured);
        let p = g.ultimate_parent("B").unwrap();
        assert!(p.cycle);
    }

    #[test]
    fn ultimate_parent_country() {
        let g = OwnershipGraph::new(&[
            OwnershipEdge {
                owner: "HoldCo".into(),
                owned: "MidCo".into(),
                percent: 100.0,
                owner_country: Some("CN".into()),
                owned_country: Some("HK".into()),
            },
            e("MidCo", "Shell Sdn Bhd", 70.0),
            e("Local Investor", "Shell Sdn Bhd", 30.0),
        ]);
        let p = g.ultimate_parent("shell sdn  bhd").unwrap();
        assert_eq!(p.name, "HoldCo");
        assert_eq!(p.country.as_deref(), Some("CN"));
        assert_eq!(p.chain.len(), 3);
    }

    #[test]
    fn csv_errors_have_places() {
        let e = parse_ownership_csv(Path::new("o.csv"), "owner,owned\nA,B\n").unwrap_err();
        assert!(
            e.to_string().contains("o.csv:line 1, field `percent`"),
            "{e}"
        );
        let l = parse_ownership_csv(
            Path::new("o.csv"),
            "owner,owned,percent\nA,B,150\nA,,10\nA,C,51%\n",
        )
        .unwrap();
        assert_eq!(l.edges.len(), 1);
        assert_eq!(l.skipped.len(), 2);
        assert!(l.skipped[0].to_string().contains("line 2"));
    }

    #[test]
    fn ftm_ownership_resolves_ids() {
        let text = concat!(
            r#"{"id":"c1","schema":"Company","properties":{"name":["Parent Co"],"country":["cn"]}}"#,
            "\n",
            r#"{"id":"c2","schema":"Company","properties":{"name":["Child Ltd"]}}"#,
            "\n",
            r#"{"id":"o1","schema":"Ownership","properties":{"owner":["c1"],"asset":["c2"],"percentage":["75"]}}"#,
            "\n",
        );
        let l = parse_ftm_ownership(Path::new("o.jsonl"), text).unwrap();
        assert_eq!(l.edges.len(), 1);
        assert_eq!(l.edges[0].owner, "Parent Co");
        assert_eq!(l.edges[0].owner_country.as_deref(), Some("CN"));
    }
}
