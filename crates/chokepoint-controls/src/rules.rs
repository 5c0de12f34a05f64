//! Licence determination by destination, headquarters and end use, from a versioned and dated
//! rules data file (`data/rules.toml`).
//!
//! The logic is the shape of the EAR's advanced-computing controls (embargo, destination,
//! headquarters, end-use rules; review policy; licence exceptions); the facts (country groups,
//! ECCNs, citations, dates) are data, so a rule change is a new data version, not a new build.

use crate::classify::Thresholds;
use crate::error::ControlsError;
use chokepoint_core::Place;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

/// The rules data compiled into the binary.
pub const BUILTIN_RULES: &str = include_str!("../data/rules.toml");
/// ISO 3166-1 alpha-2 codes and names (from Debian's iso-codes), compiled in.
pub const ISO_3166_1: &str = include_str!("../data/iso3166-1.tsv");

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub version: String,
    pub reviewed: NaiveDate,
    pub summary: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TreatedAs {
    pub country: String,
    #[serde(rename = "as")]
    pub as_country: String,
    pub effective_from: NaiveDate,
    pub citation: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EccnEntry {
    pub code: String,
    pub description: String,
    pub advanced_computing: bool,
}

/// Which facts a licence rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// Every item to these destinations.
    Embargo,
    /// Advanced computing items to these destinations.
    Destination,
    /// Advanced computing items for parties headquartered here, wherever they go.
    Headquarters,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub kind: RuleKind,
    pub groups: Vec<String>,
    pub countries: Vec<String>,
    pub except_groups: Vec<String>,
    pub effective_from: NaiveDate,
    #[serde(default)]
    pub effective_until: Option<NaiveDate>,
    #[serde(default)]
    pub policy: Option<String>,
    pub citation: String,
    pub text: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EndUseRule {
    pub id: String,
    /// Lower-case phrases; any one found in the declared end use triggers the rule.
    pub keywords: Vec<String>,
    /// Where the rule applies (destination or headquarters); empty = worldwide.
    pub groups: Vec<String>,
    pub countries: Vec<String>,
    pub advanced_computing_only: bool,
    pub effective_from: NaiveDate,
    #[serde(default)]
    pub effective_until: Option<NaiveDate>,
    pub policy: String,
    pub citation: String,
    pub text: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewPolicy {
    pub groups: Vec<String>,
    pub countries: Vec<String>,
    pub policy: String,
    pub citation: String,
    pub effective_from: NaiveDate,
    #[serde(default)]
    pub effective_until: Option<NaiveDate>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExceptionRule {
    pub code: String,
    pub name: String,
    pub destination_groups: Vec<String>,
    pub destination_countries: Vec<String>,
    pub except_groups: Vec<String>,
    pub except_countries: Vec<String>,
    pub headquarters_allowed: bool,
    pub notification: bool,
    pub effective_from: NaiveDate,
    #[serde(default)]
    pub effective_until: Option<NaiveDate>,
    pub citation: String,
    pub conditions: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Advisory {
    pub id: String,
    pub effective_from: NaiveDate,
    #[serde(default)]
    pub effective_until: Option<NaiveDate>,
    /// Windows `[from, until)` in which the rule was suspended.
    #[serde(default)]
    pub suspended: Vec<(NaiveDate, NaiveDate)>,
    pub citation: String,
    pub text: String,
}

/// Ledger-analysis facts that belong with the rules (they change with enforcement practice).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerFacts {
    pub transshipment_hubs: Vec<String>,
    pub hubs_citation: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    meta: Meta,
    classification: Thresholds,
    groups: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    treated_as: Vec<TreatedAs>,
    eccn: Vec<EccnEntry>,
    #[serde(default)]
    rule: Vec<Rule>,
    #[serde(default)]
    end_use: Vec<EndUseRule>,
    #[serde(default)]
    review_policy: Vec<ReviewPolicy>,
    #[serde(default)]
    exception: Vec<ExceptionRule>,
    #[serde(default)]
    advisory: Vec<Advisory>,
    ledger: LedgerFacts,
}

/// ISO 3166-1 alpha-2 codes with their names.
#[derive(Debug, Clone)]
pub struct Countries {
    names: HashMap<String, String>,
}

impl Countries {
    /// The compiled-in list.
    pub fn builtin() -> Countries {
        let names = ISO_3166_1
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.split_once('\t'))
            .map(|(c, n)| (c.to_string(), n.to_string()))
            .collect();
        Countries { names }
    }
    /// The short name of a code, if it is one.
    pub fn name(&self, code: &str) -> Option<&str> {
        self.names.get(code).map(String::as_str)
    }
    /// Validates and upper-cases a code typed by a person; the error names `field`.
    pub fn parse(&self, input: &str, field: &str) -> Result<String, ControlsError> {
        let code = input.trim().to_ascii_uppercase();
        if self.names.contains_key(&code) {
            return Ok(code);
        }
        let hint = match code.as_str() {
            "UK" => " (the United Kingdom is GB)",
            "EL" => " (Greece is GR)",
            _ if code.len() == 3 => " (use the two-letter alpha-2 code, e.g. CN, not CHN)",
            _ => "",
        };
        Err(ControlsError::field(
            field,
            format!(
                "`{}` is not an ISO 3166-1 alpha-2 country code{hint}",
                input.trim()
            ),
        ))
    }
}

/// The rules: groups, ECCNs, licence rules, review policies, exceptions, advisories.
#[derive(Debug, Clone)]
pub struct Rules {
    pub meta: Meta,
    pub thresholds: Thresholds,
    pub groups: BTreeMap<String, HashSet<String>>,
    pub treated_as: Vec<TreatedAs>,
    pub eccns: Vec<EccnEntry>,
    pub rules: Vec<Rule>,
    pub end_uses: Vec<EndUseRule>,
    pub review_policies: Vec<ReviewPolicy>,
    pub exceptions: Vec<ExceptionRule>,
    pub advisories: Vec<Advisory>,
    pub ledger: LedgerFacts,
    pub countries: Countries,
}

fn in_force(from: NaiveDate, until: Option<NaiveDate>, on: NaiveDate) -> bool {
    on >= from && until.is_none_or(|u| on < u)
}

impl Rules {
    /// The rules compiled into the binary.
    pub fn builtin() -> Result<Rules, ControlsError> {
        Rules::parse(BUILTIN_RULES, Path::new("<builtin>/rules.toml"))
    }

    /// Loads a (newer) rules file.
    pub fn load(path: &Path) -> Result<Rules, ControlsError> {
        let text = std::fs::read_to_string(path).map_err(|source| ControlsError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Rules::parse(&text, path)
    }

    /// Parses and validates rules text; every country code must be ISO 3166-1 alpha-2 and
    /// every group a rule names must be defined.
    pub fn parse(text: &str, path: &Path) -> Result<Rules, ControlsError> {
        let f: RulesFile = chokepoint_core::config::parse_toml(text, path)?;
        let countries = Countries::builtin();
        let place = |field: String| Place::file(path).at_field(field);
        let check_cc = |cc: &str, field: String| -> Result<(), ControlsError> {
            if countries.name(cc).is_none() {
                return Err(ControlsError::invalid(
                    place(field),
                    format!("`{cc}` is not an ISO 3166-1 alpha-2 code"),
                ));
            }
            Ok(())
        };
        let mut groups = BTreeMap::new();
        for (g, list) in &f.groups {
            for cc in list {
                check_cc(cc, format!("groups.\"{g}\""))?;
            }
            groups.insert(g.clone(), list.iter().cloned().collect::<HashSet<_>>());
        }
        let check_groups = |gs: &[String], field: String| -> Result<(), ControlsError> {
            for g in gs {
                if !groups.contains_key(g) {
                    return Err(ControlsError::invalid(
                        place(field),
                        format!("country group `{g}` is not defined in [groups]"),
                    ));
                }
            }
            Ok(())
        };
        for r in &f.rule {
            check_groups(&r.groups, format!("rule.{}.groups", r.id))?;
            check_groups(&r.except_groups, format!("rule.{}.except_groups", r.id))?;
            for cc in &r.countries {
                check_cc(cc, format!("rule.{}.countries", r.id))?;
            }
        }
        for r in &f.end_use {
            check_groups(&r.groups, format!("end_use.{}.groups", r.id))?;
            for cc in &r.countries {
                check_cc(cc, format!("end_use.{}.countries", r.id))?;
            }
        }
        for (i, r) in f.review_policy.iter().enumerate() {
            check_groups(&r.groups, format!("review_policy[{i}].groups"))?;
        }
        for e in &f.exception {
            check_groups(&e.destination_groups, format!("exception.{}", e.code))?;
            check_groups(&e.except_groups, format!("exception.{}", e.code))?;
        }
        for t in &f.treated_as {
            check_cc(&t.country, "treated_as.country".into())?;
            check_cc(&t.as_country, "treated_as.as".into())?;
        }
        for cc in &f.ledger.transshipment_hubs {
            check_cc(cc, "ledger.transshipment_hubs".into())?;
        }
        Ok(Rules {
            meta: f.meta,
            thresholds: f.classification,
            groups,
            treated_as: f.treated_as,
            eccns: f.eccn,
            rules: f.rule,
            end_uses: f.end_use,
            review_policies: f.review_policy,
            exceptions: f.exception,
            advisories: f.advisory,
            ledger: f.ledger,
            countries,
        })
    }

    /// The groups (`D:5`, ...) a country is in, sorted.
    pub fn groups_of(&self, cc: &str) -> Vec<String> {
        self.groups
            .iter()
            .filter(|(_, m)| m.contains(cc))
            .map(|(g, _)| g.clone())
            .collect()
    }

    fn in_any(&self, cc: &str, groups: &[String], countries: &[String]) -> bool {
        countries.iter().any(|c| c == cc)
            || groups
                .iter()
                .any(|g| self.groups.get(g).is_some_and(|m| m.contains(cc)))
    }

    /// The destination the EAR applies for `cc` on `date` (Hong Kong is China), with why.
    pub fn effective_destination(&self, cc: &str, date: NaiveDate) -> (String, Option<String>) {
        for t in &self.treated_as {
            if t.country == cc && date >= t.effective_from {
                return (
                    t.as_country.clone(),
                    Some(format!(
                        "{cc} is treated as {} ({})",
                        t.as_country, t.citation
                    )),
                );
            }
        }
        (cc.to_string(), None)
    }

    /// Looks up an ECCN (case-insensitive); unknown codes are an error listing the known.
    pub fn eccn(&self, code: &str) -> Result<&EccnEntry, ControlsError> {
        let c = code.trim();
        self.eccns
            .iter()
            .find(|e| e.code.eq_ignore_ascii_case(c))
            .ok_or_else(|| {
                ControlsError::field(
                    "eccn",
                    format!(
                        "`{c}` is not an ECCN these rules know; known: {}",
                        self.eccns
                            .iter()
                            .map(|e| e.code.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })
    }

    /// Whether advanced-computing items to `cc` need a licence by destination alone (the
    /// ledger analysis asks this of every onward shipment).
    pub fn ac_destination_requires_licence(&self, cc: &str, date: NaiveDate) -> bool {
        let (dest, _) = self.effective_destination(cc, date);
        self.rules.iter().any(|r| {
            in_force(r.effective_from, r.effective_until, date)
                && matches!(r.kind, RuleKind::Destination | RuleKind::Embargo)
                && self.in_any(&dest, &r.groups, &r.countries)
                && !self.in_any(&dest, &r.except_groups, &[])
        })
    }

    /// Whether `cc` is a transshipment hub of the ledger facts.
    pub fn is_transshipment_hub(&self, cc: &str) -> bool {
        self.ledger.transshipment_hubs.iter().any(|h| h == cc)
    }
}

/// A licence question.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenceQuery {
    pub eccn: String,
    pub destination: String,
    /// Where the end user (or its ultimate parent) is headquartered.
    #[serde(default)]
    pub end_user_hq: Option<String>,
    #[serde(default)]
    pub end_use: Option<String>,
    /// The date the export happens (defaults to today, UTC).
    #[serde(default)]
    pub date: Option<NaiveDate>,
}

/// One reason in an answer, with the rule that gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub rule: String,
    pub text: String,
    pub citation: String,
}

/// A licence exception that may be used, and on which conditions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExceptionOption {
    pub code: String,
    pub name: String,
    pub notification: bool,
    pub conditions: String,
    pub citation: String,
}

/// The answer to a [`LicenceQuery`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LicenceDecision {
    pub licence_required: bool,
    pub eccn: String,
    pub destination: String,
    pub destination_name: String,
    /// The destination's country groups (after "treated as").
    pub destination_groups: Vec<String>,
    pub end_user_hq: Option<String>,
    pub review_policy: Option<String>,
    pub review_policy_citation: Option<String>,
    pub exceptions: Vec<ExceptionOption>,
    pub reasons: Vec<Reason>,
    pub advisories: Vec<Reason>,
    pub as_of: NaiveDate,
    pub rules_version: String,
}

/// Decides whether a licence is required, why, under which review policy and with which
/// licence exceptions. Errors name the field: unknown ECCN, invalid country code.
pub fn determine_licence(
    rules: &Rules,
    q: &LicenceQuery,
) -> Result<LicenceDecision, ControlsError> {
    let date = q.date.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let eccn = rules.eccn(&q.eccn)?;
    let dest_in = rules.countries.parse(&q.destination, "destination")?;
    let hq_in = match q.end_user_hq.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(h) => Some(rules.countries.parse(h, "end_user_hq")?),
        None => None,
    };
    let mut reasons = Vec::new();
    let (dest, dest_note) = rules.effective_destination(&dest_in, date);
    if let Some(n) = dest_note {
        reasons.push(Reason {
            rule: "treated-as".into(),
            text: n,
            citation: String::new(),
        });
    }
    let hq = hq_in.map(|h| rules.effective_destination(&h, date).0);
    let end_use = q.end_use.as_deref().unwrap_or("").to_lowercase();
    let mut required = false;
    let mut embargo = false;
    let mut wmd_or_end_use_policy: Option<(String, String)> = None;
    let mut hq_triggered = false;

    for r in rules
        .rules
        .iter()
        .filter(|r| in_force(r.effective_from, r.effective_until, date))
    {
        let hit = match r.kind {
            RuleKind::Embargo => {
                rules.in_any(&dest, &r.groups, &r.countries)
                    && !rules.in_any(&dest, &r.except_groups, &[])
            }
            RuleKind::Destination => {
                eccn.advanced_computing
                    && rules.in_any(&dest, &r.groups, &r.countries)
                    && !rules.in_any(&dest, &r.except_groups, &[])
            }
            RuleKind::Headquarters => {
                eccn.advanced_computing
                    && hq
                        .as_deref()
                        .is_some_and(|h| rules.in_any(h, &r.groups, &r.countries))
            }
        };
        if hit {
            required = true;
            if r.kind == RuleKind::Embargo {
                embargo = true;
            }
            if r.kind == RuleKind::Headquarters {
                hq_triggered = true;
            }
            let who = match r.kind {
                RuleKind::Headquarters => {
                    format!("end user headquartered in {}", hq.as_deref().unwrap_or(""))
                }
                _ => format!("destination {dest}"),
            };
            reasons.push(Reason {
                rule: r.id.clone(),
                text: format!("licence required: {who}: {}", r.text),
                citation: r.citation.clone(),
            });
        } else if r.kind == RuleKind::Destination && eccn.advanced_computing {
            let excluded = rules.in_any(&dest, &r.except_groups, &[]);
            reasons.push(Reason {
                rule: r.id.clone(),
                text: if excluded {
                    format!(
                        "{dest} is in {} and so excluded from the destination rule",
                        r.except_groups.join("/")
                    )
                } else {
                    format!(
                        "{dest} is not in {} or {}",
                        r.groups.join(", "),
                        r.countries.join(", ")
                    )
                },
                citation: r.citation.clone(),
            });
        } else if r.kind == RuleKind::Headquarters && eccn.advanced_computing && hq.is_none() {
            reasons.push(Reason {
                rule: r.id.clone(),
                text: "end user's headquarters not given: the headquarters rule (D:5 or Macau parent) was not checked".into(),
                citation: r.citation.clone(),
            });
        }
    }
    if !end_use.trim().is_empty() {
        for r in rules
            .end_uses
            .iter()
            .filter(|r| in_force(r.effective_from, r.effective_until, date))
        {
            if r.advanced_computing_only && !eccn.advanced_computing {
                continue;
            }
            let Some(k) = r.keywords.iter().find(|k| end_use.contains(k.as_str())) else {
                continue;
            };
            let place_ok = (r.groups.is_empty() && r.countries.is_empty())
                || rules.in_any(&dest, &r.groups, &r.countries)
                || hq
                    .as_deref()
                    .is_some_and(|h| rules.in_any(h, &r.groups, &r.countries));
            if place_ok {
                required = true;
                reasons.push(Reason {
                    rule: r.id.clone(),
                    text: format!(
                        "licence required: end use mentions `{}`: {}",
                        k.trim(),
                        r.text
                    ),
                    citation: r.citation.clone(),
                });
                if wmd_or_end_use_policy.is_none() {
                    wmd_or_end_use_policy = Some((r.policy.clone(), r.citation.clone()));
                }
            }
        }
    }
    if !required {
        reasons.push(Reason {
            rule: "nlr".into(),
            text: format!(
                "no licence required (NLR) for {} to {dest} under these rules",
                eccn.code
            ),
            citation: String::new(),
        });
    }

    let (mut review_policy, mut review_citation) = (None, None);
    if required {
        let matched = rules
            .review_policies
            .iter()
            .filter(|p| in_force(p.effective_from, p.effective_until, date))
            .find(|p| {
                (p.groups.is_empty() && p.countries.is_empty())
                    || rules.in_any(&dest, &p.groups, &p.countries)
                    || hq
                        .as_deref()
                        .is_some_and(|h| rules.in_any(h, &p.groups, &p.countries))
            });
        if let Some(p) = matched {
            review_policy = Some(p.policy.clone());
            review_citation = Some(p.citation.clone());
        }
        // An end-use rule's own policy wins when stricter than case-by-case.
        if let Some((pol, cit)) = &wmd_or_end_use_policy {
            if review_policy
                .as_deref()
                .is_none_or(|p| p.starts_with("case-by-case"))
            {
                review_policy = Some(pol.clone());
                review_citation = Some(cit.clone());
            }
        }
    }

    let mut exceptions = Vec::new();
    if required && !embargo && wmd_or_end_use_policy.is_none() && eccn.advanced_computing {
        for e in rules
            .exceptions
            .iter()
            .filter(|e| in_force(e.effective_from, e.effective_until, date))
        {
            let dest_ok = rules.in_any(&dest, &e.destination_groups, &e.destination_countries)
                && !rules.in_any(&dest, &e.except_groups, &e.except_countries);
            // A headquarters-rule case with a destination outside every D group still
            // reaches NAC (its destination list is "anywhere" for such parties).
            let hq_case_ok = hq_triggered
                && e.headquarters_allowed
                && !rules.in_any(&dest, &e.except_groups, &e.except_countries);
            let hq_ok = !hq_triggered || e.headquarters_allowed;
            if (dest_ok && hq_ok) || hq_case_ok {
                exceptions.push(ExceptionOption {
                    code: e.code.clone(),
                    name: e.name.clone(),
                    notification: e.notification,
                    conditions: e.conditions.clone(),
                    citation: e.citation.clone(),
                });
            }
        }
    }

    let mut advisories = Vec::new();
    for a in &rules.advisories {
        if !in_force(a.effective_from, a.effective_until, date) {
            continue;
        }
        let suspended = a.suspended.iter().find(|(f, u)| date >= *f && date < *u);
        let text = match suspended {
            Some((f, u)) => format!("suspended from {f} until {u}: {}", a.text),
            None => a.text.clone(),
        };
        advisories.push(Reason {
            rule: a.id.clone(),
            text,
            citation: a.citation.clone(),
        });
    }
    if date > rules.meta.reviewed + chrono::Days::new(180) {
        advisories.push(Reason {
            rule: "stale-data".into(),
            text: format!(
                "these rules (version {}) were last reviewed on {}, more than 180 days before {date}: load a newer file with --rules",
                rules.meta.version, rules.meta.reviewed
            ),
            citation: String::new(),
        });
    }

    Ok(LicenceDecision {
        licence_required: required,
        eccn: eccn.code.clone(),
        destination_name: rules.countries.name(&dest_in).unwrap_or("").to_string(),
        destination: dest_in,
        destination_groups: rules.groups_of(&dest),
        end_user_hq: hq,
        review_policy,
        review_policy_citation: review_citation,
        exceptions,
        reasons,
        advisories,
        as_of: date,
        rules_version: rules.meta.version.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(eccn: &str, dest: &str) -> LicenceQuery {
        LicenceQuery {
            eccn: eccn.into(),
            destination: dest.into(),
            date: NaiveDate::from_ymd_opt(2026, 6, 1),
            ..Default::default()
        }
    }

    #[test]
    fn builtin_rules_parse() {
        let r = Rules::builtin().unwrap();
        assert!(r.groups_of("CN").contains(&"D:5".to_string()));
        assert_eq!(r.thresholds, Thresholds::default());
    }

    #[test]
    fn bad_country_codes_are_named() {
        let r = Rules::builtin().unwrap();
        let e = determine_licence(&r, &q("3A090.a", "XX"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("field `destination`") && e.contains("XX"), "{e}");
        let e = determine_licence(&r, &q("3A090.a", "UK"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("GB"), "{e}");
        let mut qq = q("3A090.a", "DE");
        qq.end_user_hq = Some("CHN".into());
        let e = determine_licence(&r, &qq).unwrap_err().to_string();
        assert!(e.contains("end_user_hq") && e.contains("alpha-2"), "{e}");
        let e = determine_licence(&r, &q("3A999", "DE"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("field `eccn`"), "{e}");
    }

    #[test]
    fn rules_file_with_unknown_group_or_code_is_rejected() {
        let bad = BUILTIN_RULES.replace(
            "\"D:1\", \"D:4\", \"D:5\"]\ncountries = [\"MO\"]",
            "\"D:9\"]\ncountries = [\"MO\"]",
        );
        assert_ne!(bad, BUILTIN_RULES);
        let e = Rules::parse(&bad, Path::new("r.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("D:9") && e.contains("r.toml"), "{e}");
        let bad = BUILTIN_RULES.replace("\"AE\", \"BH\"", "\"QQ\", \"BH\"");
        let e = Rules::parse(&bad, Path::new("r.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("QQ"), "{e}");
    }
}
