//! Evaluation of a report against ground-truth labels (`chokepoint distill eval`).

use crate::report::Report;
use chokepoint_core::AccountLabel;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Account- and campaign-level quality of a report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Evaluation {
    pub accounts: u64,
    pub attack_accounts: u64,
    pub flagged: u64,
    pub true_positives: u64,
    pub false_positives: u64,
    pub false_negatives: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Mean over reported campaigns of the share of members from its majority true campaign.
    pub campaign_purity: f64,
    /// Mean over true campaigns of the largest share of its accounts found in one reported campaign.
    pub campaign_completeness: f64,
    /// Per true campaign: accounts and the share flagged.
    pub recall_by_campaign: BTreeMap<String, CampaignRecall>,
    /// Per population: accounts and flagged ones (false positives for legitimate populations).
    pub flagged_by_population: BTreeMap<String, PopulationCount>,
    /// Flagged accounts that the labels do not know.
    pub unlabelled_flagged: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CampaignRecall {
    pub accounts: u64,
    pub flagged: u64,
    pub recall: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PopulationCount {
    pub label: String,
    pub accounts: u64,
    pub flagged: u64,
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Compares `report` (flagged accounts and campaigns) with `labels`.
pub fn evaluate(report: &Report, labels: &[AccountLabel]) -> Evaluation {
    let flagged: HashMap<&str, Option<&str>> = report
        .accounts
        .iter()
        .filter(|a| a.flagged)
        .map(|a| (a.account_id.as_str(), a.campaign.as_deref()))
        .collect();
    let by_id: HashMap<&str, &AccountLabel> =
        labels.iter().map(|l| (l.account_id.as_str(), l)).collect();
    let (mut tp, mut fp, mut fneg) = (0u64, 0u64, 0u64);
    let mut by_campaign: BTreeMap<String, CampaignRecall> = BTreeMap::new();
    let mut by_pop: BTreeMap<String, PopulationCount> = BTreeMap::new();
    for l in labels {
        let is_attack = l.label == "attack";
        let hit = flagged.contains_key(l.account_id.as_str());
        match (is_attack, hit) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fneg += 1,
            _ => {}
        }
        let pc = by_pop
            .entry(l.population.clone())
            .or_insert(PopulationCount {
                label: l.label.clone(),
                accounts: 0,
                flagged: 0,
            });
        pc.accounts += 1;
        pc.flagged += u64::from(hit);
        if let Some(c) = &l.campaign {
            let cr = by_campaign.entry(c.clone()).or_insert(CampaignRecall {
                accounts: 0,
                flagged: 0,
                recall: 0.0,
            });
            cr.accounts += 1;
            cr.flagged += u64::from(hit);
        }
    }
    for cr in by_campaign.values_mut() {
        cr.recall = ratio(cr.flagged, cr.accounts);
    }
    // Purity of reported campaigns.
    let mut purities = Vec::new();
    for c in &report.campaigns {
        let mut counts: HashMap<&str, u64> = HashMap::new();
        for a in &c.accounts {
            let truth = by_id
                .get(a.as_str())
                .and_then(|l| l.campaign.as_deref())
                .unwrap_or("(legit)");
            *counts.entry(truth).or_default() += 1;
        }
        let max = counts.values().copied().max().unwrap_or(0);
        purities.push(ratio(max, c.accounts.len() as u64));
    }
    // Completeness of true campaigns.
    let mut completeness = Vec::new();
    for (name, cr) in &by_campaign {
        let mut in_reported: HashMap<&str, u64> = HashMap::new();
        for l in labels
            .iter()
            .filter(|l| l.campaign.as_deref() == Some(name.as_str()))
        {
            if let Some(Some(c)) = flagged.get(l.account_id.as_str()) {
                *in_reported.entry(c).or_default() += 1;
            }
        }
        completeness.push(ratio(
            in_reported.values().copied().max().unwrap_or(0),
            cr.accounts,
        ));
    }
    let mean = |v: &[f64]| {
        if v.is_empty() {
            0.0
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let precision = ratio(tp, tp + fp);
    let recall = ratio(tp, tp + fneg);
    Evaluation {
        accounts: labels.len() as u64,
        attack_accounts: tp + fneg,
        flagged: flagged.len() as u64,
        true_positives: tp,
        false_positives: fp,
        false_negatives: fneg,
        precision,
        recall,
        f1: if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        },
        campaign_purity: mean(&purities),
        campaign_completeness: mean(&completeness),
        recall_by_campaign: by_campaign,
        flagged_by_population: by_pop,
        unlabelled_flagged: flagged.keys().filter(|a| !by_id.contains_key(*a)).count() as u64,
    }
}

/// Reads a labels file (JSON lines of `AccountLabel`), naming the line of a bad one.
pub fn read_labels(path: &std::path::Path) -> Result<Vec<AccountLabel>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l)
                .map_err(|e| format!("{}:line {}: not a label ({e})", path.display(), i + 1))
        })
        .collect()
}
