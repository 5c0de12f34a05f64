//! Scoring: documented signals, each mapped to [0, 1], combined with documented weights.
//!
//! A distillation campaign needs two things, and the score asks for both:
//! - **harvesting content**: templated prompts shared across accounts, chain-of-thought
//!   elicitation, long completions for short prompts, a rush to a newly released model;
//! - **coordinated evasion**: accounts created in bursts, young accounts, rotating proxy
//!   infrastructure, payment methods shared across nominally unrelated accounts,
//!   round-the-clock load-balanced timing, many accounts each kept small, weak-verification
//!   tiers.
//!
//! Each side's evidence is `E = sum(weight * signal)`, turned into `1 - exp(-2E)`; the score is
//! the geometric mean of the two sides. An evaluation harness (all content, no evasion) or an
//! office of employees sharing a card (some coordination, no harvesting) therefore stays low,
//! however strong its one side is. A declared organisation shared by the whole group is
//! evidence of an accountable customer and halves the coordination side.
//!
//! An account in a linked group scores `group score * min(1, own / 0.4)`, where `own` is the
//! same formula on the account's own signals: membership alone never flags an account that
//! does not itself look like a member, and an account whose group is judged legitimate (an
//! office sharing a card) is not flagged on the group's shared card. An account in no group
//! scores its `own` score.

use crate::config::{Config, Weights};
use crate::link::CampaignGraph;
use crate::patterns::Capability;
use crate::profile::{entropy, Profile};
use crate::read::ReadStats;
use crate::report::{AccountFinding, Campaign, Indicators, Report, ReportStats, REPORT_SCHEMA};
use crate::ScanOptions;
use chokepoint_core::template::TemplateShingles;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::OnceLock;

/// Own score at which an account counts as a full member of its campaign.
const MEMBER_REFERENCE: f64 = 0.4;
const HOUR_MS: f64 = 3_600_000.0;
const DAY_MS: f64 = 86_400_000.0;

/// Linear ramp: 0 at `lo`, 1 at `hi` (works for descending ramps with `lo > hi`).
pub fn ramp(x: f64, lo: f64, hi: f64) -> f64 {
    if !x.is_finite() {
        return 0.0;
    }
    ((x - lo) / (hi - lo)).clamp(0.0, 1.0)
}

fn hosting_asns() -> &'static HashSet<String> {
    static S: OnceLock<HashSet<String>> = OnceLock::new();
    S.get_or_init(|| {
        include_str!("../data/hosting-asns.txt")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_whitespace().next())
            .map(str::to_string)
            .collect()
    })
}

/// Models that first appeared during the scanned period (at least a day after it began),
/// with their first appearance.
fn released_models(profiles: &[Profile]) -> BTreeMap<String, i64> {
    let start = profiles.iter().map(|p| p.first_ms).min().unwrap_or(0);
    let mut first: BTreeMap<String, i64> = BTreeMap::new();
    for p in profiles {
        for m in &p.models.entries {
            let e = first.entry(m.value.clone()).or_insert(i64::MAX);
            *e = (*e).min(m.first_ms);
        }
    }
    first.retain(|_, t| (*t - start) as f64 >= DAY_MS);
    first
}

/// Per-account creation-burst ratio: accounts created within ±6 h of this one, over the number
/// expected from the period's average creation rate.
fn creation_bursts(profiles: &[Profile]) -> Vec<f64> {
    let mut created: Vec<i64> = profiles.iter().filter_map(|p| p.created_ms).collect();
    created.sort_unstable();
    let (Some(&lo), Some(&hi)) = (created.first(), created.last()) else {
        return vec![0.0; profiles.len()];
    };
    let span_windows = (((hi - lo) as f64) / (12.0 * HOUR_MS)).max(1.0);
    let expected = (created.len() as f64 / span_windows).max(1.0);
    let win = (6.0 * HOUR_MS) as i64;
    profiles
        .iter()
        .map(|p| match p.created_ms {
            Some(c) => {
                let a = created.partition_point(|&x| x < c - win);
                let b = created.partition_point(|&x| x <= c + win);
                (b - a).saturating_sub(1) as f64 / expected
            }
            None => 0.0,
        })
        .collect()
}

/// Coefficient of variation of inter-arrival times (1 for Poisson arrivals, → 0 for a
/// metronome); None with fewer than 10 kept timestamps.
fn interarrival_cv(p: &Profile) -> Option<f64> {
    let t = p.times.sorted_times();
    if t.len() < 10 || p.times.saturated {
        return None;
    }
    let gaps: Vec<f64> = t.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    if mean <= 0.0 {
        return None;
    }
    let var = gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / gaps.len() as f64;
    Some(var.sqrt() / mean)
}

/// The measured facts about one account, kept for reasons.
#[derive(Debug, Clone, Default)]
struct Facts {
    templated_share: f64,
    templates: usize,
    cot_rate: f64,
    ratio: Option<f64>,
    age_days: Option<f64>,
    burst: f64,
    distinct_ips: f64,
    hosting_share: f64,
    payment_peers: usize,
    hour_entropy: f64,
    cv: Option<f64>,
    release: Option<(String, f64, f64)>,
    weak_tier: bool,
}

/// Account-level signal values in [0, 1], by name.
fn account_signals(
    p: &Profile,
    g: &CampaignGraph,
    a: usize,
    burst: f64,
    released: &BTreeMap<String, i64>,
) -> (BTreeMap<&'static str, f64>, Facts) {
    let n = p.records.max(1) as f64;
    let links = &g.accounts[a];
    let mut f = Facts {
        templated_share: links.templated_share,
        templates: links.templates.len(),
        cot_rate: p.cot as f64 / n,
        burst,
        distinct_ips: p.ips.distinct(),
        payment_peers: links.payment_peers,
        hour_entropy: p.hour_entropy(),
        cv: interarrival_cv(p),
        ..Facts::default()
    };
    if p.token_records > 0 && p.prompt_tokens > 0 {
        f.ratio = Some(p.completion_tokens as f64 / p.prompt_tokens as f64);
    }
    if let Some(c) = p.created_ms {
        f.age_days = Some(((p.first_ms - c) as f64 / DAY_MS).max(0.0));
    }
    let kept = p.asns.kept_count().max(1) as f64;
    let hosted: u64 = p
        .asns
        .entries
        .iter()
        .filter(|e| hosting_asns().contains(&e.value))
        .map(|e| e.count)
        .sum();
    f.hosting_share = hosted as f64 / kept;
    for m in &p.models.entries {
        if let Some(&t0) = released.get(&m.value) {
            let delay_h = (m.first_ms - t0) as f64 / HOUR_MS;
            let share = m.count as f64 / n;
            if delay_h <= 24.0 && share >= 0.25 && f.release.as_ref().is_none_or(|r| share > r.1) {
                f.release = Some((m.value.clone(), share, delay_h));
            }
        }
    }
    f.weak_tier = p.tiers.top().is_some_and(|t| {
        matches!(
            t.value.to_ascii_lowercase().as_str(),
            "free" | "edu" | "startup" | "trial" | "research"
        )
    });
    let rotation = if p.records >= 10 {
        ramp(f.distinct_ips / n, 0.05, 0.4)
    } else {
        0.0
    };
    let timing_entropy = if p.records >= 24 {
        ramp(f.hour_entropy, 3.8, 4.4)
    } else {
        0.0
    };
    let regular = f.cv.map_or(0.0, |cv| ramp(cv, 1.0, 0.3));
    let mut s = BTreeMap::new();
    s.insert("shared_templates", ramp(f.templated_share, 0.15, 0.6));
    s.insert("cot_elicitation", ramp(f.cot_rate, 0.1, 0.5));
    s.insert(
        "output_harvesting",
        f.ratio.map_or(0.0, |r| ramp(r, 2.0, 8.0)),
    );
    s.insert(
        "model_release_jump",
        if f.release.is_some() { 1.0 } else { 0.0 },
    );
    s.insert("creation_burst", ramp(f.burst, 3.0, 12.0));
    s.insert(
        "new_accounts",
        f.age_days.map_or(0.0, |d| ramp(d, 60.0, 3.0)),
    );
    s.insert("proxy_rotation", rotation * (0.5 + 0.5 * f.hosting_share));
    s.insert("shared_payment", ramp(f.payment_peers as f64, 2.0, 10.0));
    s.insert("load_balanced_timing", 0.5 * timing_entropy + 0.5 * regular);
    s.insert("spread_thin", 0.0);
    s.insert("weak_tiers", if f.weak_tier { 1.0 } else { 0.0 });
    (s, f)
}

const CONTENT: &[&str] = &[
    "shared_templates",
    "cot_elicitation",
    "output_harvesting",
    "model_release_jump",
];
const COORDINATION: &[&str] = &[
    "creation_burst",
    "new_accounts",
    "proxy_rotation",
    "shared_payment",
    "load_balanced_timing",
    "spread_thin",
    "weak_tiers",
];

fn weight(w: &Weights, name: &str) -> f64 {
    match name {
        "shared_templates" => w.shared_templates,
        "cot_elicitation" => w.cot_elicitation,
        "output_harvesting" => w.output_harvesting,
        "model_release_jump" => w.model_release_jump,
        "creation_burst" => w.creation_burst,
        "new_accounts" => w.new_accounts,
        "proxy_rotation" => w.proxy_rotation,
        "shared_payment" => w.shared_payment,
        "load_balanced_timing" => w.load_balanced_timing,
        "spread_thin" => w.spread_thin,
        "weak_tiers" => w.weak_tiers,
        _ => 0.0,
    }
}

/// The two-sided score of a set of signal values (see the module doc).
pub fn combine(
    signals: &BTreeMap<&'static str, f64>,
    w: &Weights,
    coordination_factor: f64,
) -> f64 {
    let side = |names: &[&str]| {
        names
            .iter()
            .map(|n| weight(w, n) * signals.get(n).copied().unwrap_or(0.0))
            .sum::<f64>()
    };
    let content = 1.0 - (-2.0 * side(CONTENT)).exp();
    let coord = 1.0 - (-2.0 * side(COORDINATION) * coordination_factor).exp();
    (content * coord).sqrt()
}

fn pct(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

fn account_reasons(f: &Facts, s: &BTreeMap<&'static str, f64>) -> Vec<String> {
    let on = |k: &str| s.get(k).copied().unwrap_or(0.0) >= 0.3;
    let mut r = Vec::new();
    if on("shared_templates") {
        r.push(format!(
            "{} of sampled prompts fill {} template(s) shared with other accounts",
            pct(f.templated_share),
            f.templates
        ));
    }
    if on("cot_elicitation") {
        r.push(format!(
            "{} of requests ask for step-by-step reasoning (chain-of-thought elicitation)",
            pct(f.cot_rate)
        ));
    }
    if on("output_harvesting") {
        if let Some(x) = f.ratio {
            r.push(format!("completions are {x:.1}x as long as prompts"));
        }
    }
    if let Some((m, share, h)) = &f.release {
        r.push(format!(
            "moved {} of its traffic to `{m}` within {h:.1} h of the model's first appearance",
            pct(*share)
        ));
    }
    if on("creation_burst") {
        r.push(format!(
            "created in a burst: {:.0}x the usual number of accounts created within 6 h of it",
            f.burst
        ));
    }
    if on("new_accounts") {
        if let Some(d) = f.age_days {
            r.push(format!("account was {d:.1} days old at its first request"));
        }
    }
    if on("proxy_rotation") {
        r.push(format!(
            "{:.0} distinct IPs, {} of requests from hosting networks",
            f.distinct_ips,
            pct(f.hosting_share)
        ));
    }
    if on("shared_payment") {
        r.push(format!(
            "shares a payment fingerprint with {} accounts",
            f.payment_peers.saturating_sub(1)
        ));
    }
    if on("load_balanced_timing") {
        let cv =
            f.cv.map(|c| format!(", inter-arrival CV {c:.2}"))
                .unwrap_or_default();
        r.push(format!(
            "round-the-clock timing: hour-of-day entropy {:.2} of 4.58 bits{cv}",
            f.hour_entropy
        ));
    }
    if f.weak_tier && !r.is_empty() {
        r.push("on a weak-verification tier (free, edu, startup or trial)".into());
    }
    r
}

/// Scores accounts and campaigns and builds the report.
pub fn score(
    profiles: &[Profile],
    g: &CampaignGraph,
    stats: &ReadStats,
    opts: &ScanOptions,
) -> Report {
    let cfg: &Config = &opts.config;
    let w = &cfg.weights;
    let released = released_models(profiles);
    let bursts = creation_bursts(profiles);
    let per: Vec<(BTreeMap<&'static str, f64>, Facts)> = profiles
        .iter()
        .enumerate()
        .map(|(a, p)| account_signals(p, g, a, bursts[a], &released))
        .collect();
    let own: Vec<f64> = per.iter().map(|(s, _)| combine(s, w, 1.0)).collect();

    // Campaign scores from member means and group-level signals.
    struct Scored {
        comp: usize,
        score: f64,
        signals: BTreeMap<&'static str, f64>,
        single_org: Option<String>,
    }
    let mut scored: Vec<Scored> = Vec::new();
    for (ci, members) in g.components.iter().enumerate() {
        let k = members.len() as f64;
        let mut s: BTreeMap<&'static str, f64> = BTreeMap::new();
        for &a in members {
            for (name, v) in &per[a].0 {
                *s.entry(name).or_default() += v / k;
            }
        }
        // Group-level: creation burst as the share created within the densest 48 h window.
        let mut created: Vec<i64> = members
            .iter()
            .filter_map(|&a| profiles[a].created_ms)
            .collect();
        created.sort_unstable();
        let mut densest = 0usize;
        for (i, &c) in created.iter().enumerate() {
            let j = created.partition_point(|&x| x <= c + (2.0 * DAY_MS) as i64);
            densest = densest.max(j - i);
        }
        if created.len() >= 5 {
            let v = ramp(densest as f64 / created.len() as f64, 0.3, 0.8);
            let e = s.entry("creation_burst").or_default();
            *e = e.max(v);
        }
        let mut hours = [0u64; 24];
        for &a in members {
            for (h, n) in hours.iter_mut().zip(profiles[a].hours.iter()) {
                *h += n;
            }
        }
        let group_timing = if k >= 5.0 {
            ramp(entropy(&hours), 4.0, 4.45)
        } else {
            0.0
        };
        let e = s.entry("load_balanced_timing").or_default();
        *e = e.max(group_timing);
        s.insert("spread_thin", ramp(k, 5.0, 50.0));
        // A declared organisation shared by (nearly) the whole group.
        let mut orgs: BTreeMap<&str, usize> = BTreeMap::new();
        for &a in members {
            if let Some(o) = profiles[a].orgs.top() {
                *orgs.entry(o.value.as_str()).or_default() += 1;
            }
        }
        let single_org = orgs
            .iter()
            .max_by_key(|(_, n)| **n)
            .filter(|(_, n)| **n as f64 >= 0.8 * k)
            .map(|(o, _)| o.to_string());
        let factor = if single_org.is_some() { 0.5 } else { 1.0 };
        let score = combine(&s, w, factor);
        scored.push(Scored {
            comp: ci,
            score,
            signals: s,
            single_org,
        });
    }
    scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.comp.cmp(&b.comp)));

    let mut campaign_id: Vec<Option<String>> = vec![None; g.components.len()];
    let mut campaign_score: Vec<f64> = vec![0.0; g.components.len()];
    let mut next = 1;
    for sc in &scored {
        campaign_score[sc.comp] = sc.score;
        if sc.score >= cfg.threshold {
            campaign_id[sc.comp] = Some(format!("c-{next}"));
            next += 1;
        }
    }

    // Accounts.
    let mut findings = Vec::with_capacity(profiles.len());
    for (a, p) in profiles.iter().enumerate() {
        let comp = g.component_of[a];
        let campaign = comp.and_then(|c| campaign_id[c].clone());
        // A linked account is judged with its group: its own coordination evidence (a shared
        // card, shared IPs) is the group's, and the group score weighs it in context.
        let score = match comp {
            Some(c) => campaign_score[c] * (own[a] / MEMBER_REFERENCE).min(1.0),
            None => own[a],
        };
        let score = (score * 1e9).round() / 1e9;
        let flagged = score >= cfg.threshold;
        let (s, f) = &per[a];
        let mut reasons = account_reasons(f, s);
        if let Some(c) = &campaign {
            reasons.insert(
                0,
                format!(
                    "member of campaign {c} ({} accounts, campaign score {:.2})",
                    g.components[comp.unwrap_or(0)].len(),
                    campaign_score[comp.unwrap_or(0)]
                ),
            );
        }
        findings.push(AccountFinding {
            account_id: p.account_id.clone(),
            score,
            flagged,
            campaign: if flagged { campaign } else { None },
            reasons,
            records: p.records,
            signals: s
                .iter()
                .map(|(k, v)| (k.to_string(), (v * 1e6).round() / 1e6))
                .collect(),
        });
    }

    // Campaigns: flagged components, members that are themselves flagged.
    let mut campaigns = Vec::new();
    for sc in &scored {
        let Some(id) = campaign_id[sc.comp].clone() else {
            continue;
        };
        let members: Vec<usize> = g.components[sc.comp]
            .iter()
            .copied()
            .filter(|&a| findings[a].flagged)
            .collect();
        if members.is_empty() {
            continue;
        }
        campaigns.push(build_campaign(
            id,
            sc.score,
            &sc.signals,
            sc.single_org.as_deref(),
            &members,
            profiles,
            g,
            &per,
        ));
    }
    // Accounts whose campaign was dropped (no flagged member kept it) lose the reference.
    let kept: HashSet<&str> = campaigns.iter().map(|c| c.id.as_str()).collect();
    for f in &mut findings {
        if f.campaign.as_deref().is_some_and(|c| !kept.contains(c)) {
            f.campaign = None;
        }
    }
    let flagged_accounts = findings.iter().filter(|f| f.flagged).count() as u64;
    let accounts = findings.len() as u64;
    if !opts.all_accounts {
        findings.retain(|f| f.flagged);
    }
    findings.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.account_id.cmp(&b.account_id))
    });
    Report {
        schema: REPORT_SCHEMA.to_string(),
        generated_at: chokepoint_core::time::format_rfc3339(&chrono::Utc::now()),
        stats: ReportStats {
            records: stats.records,
            bad_records: stats.bad_records,
            accounts,
            flagged_accounts,
            campaigns: campaigns.len() as u64,
            seconds: 0.0,
            bad_record_samples: stats.bad_samples.iter().map(|b| b.to_string()).collect(),
            input_errors: stats.input_errors.clone(),
            threshold: cfg.threshold,
        },
        accounts: findings,
        campaigns,
    }
}

#[allow(clippy::too_many_arguments)]
fn build_campaign(
    id: String,
    score: f64,
    s: &BTreeMap<&'static str, f64>,
    single_org: Option<&str>,
    members: &[usize],
    profiles: &[Profile],
    g: &CampaignGraph,
    per: &[(BTreeMap<&'static str, f64>, Facts)],
) -> Campaign {
    let records: u64 = members.iter().map(|&a| profiles[a].records).sum();
    let first = members
        .iter()
        .map(|&a| profiles[a].first_ms)
        .min()
        .unwrap_or(0);
    let last = members
        .iter()
        .map(|&a| profiles[a].last_ms)
        .max()
        .unwrap_or(0);
    let fmt = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|t| chokepoint_core::time::format_rfc3339(&t))
            .unwrap_or_default()
    };
    let mut caps = [0u64; 7];
    for &a in members {
        for (i, c) in caps.iter_mut().enumerate() {
            *c += profiles[a].capabilities[i];
        }
    }
    let capabilities: BTreeMap<String, f64> = Capability::ALL
        .iter()
        .filter(|&&c| caps[c as usize] > 0)
        .map(|&c| {
            (
                c.name().to_string(),
                ((caps[c as usize] as f64 / records.max(1) as f64) * 1e4).round() / 1e4,
            )
        })
        .collect();
    // Indicators.
    let member_set: BTreeSet<usize> = members.iter().copied().collect();
    let mut ip_accounts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut asns: BTreeSet<u32> = BTreeSet::new();
    let mut pays: BTreeMap<&str, usize> = BTreeMap::new();
    let mut uas: BTreeMap<&str, usize> = BTreeMap::new();
    for &a in members {
        let p = &profiles[a];
        for e in &p.ips.entries {
            *ip_accounts.entry(&e.value).or_default() += 1;
        }
        asns.extend(
            p.asns
                .entries
                .iter()
                .filter_map(|e| e.value.parse::<u32>().ok()),
        );
        for e in &p.payments.entries {
            *pays.entry(&e.value).or_default() += 1;
        }
        if let Some(u) = p.user_agents.top() {
            *uas.entry(&u.value).or_default() += 1;
        }
    }
    let top = |m: &BTreeMap<&str, usize>, n: usize| {
        let mut v: Vec<(&str, usize)> = m.iter().map(|(k, c)| (*k, *c)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v.into_iter()
            .take(n)
            .map(|(k, _)| k.to_string())
            .collect::<Vec<_>>()
    };
    let mut tpl: Vec<(usize, usize)> = g
        .templates
        .iter()
        .enumerate()
        .map(|(t, c)| {
            (
                t,
                c.accounts.keys().filter(|a| member_set.contains(a)).count(),
            )
        })
        .filter(|&(t, n)| n >= 2 && !g.templates[t].skeleton.is_empty())
        .collect();
    tpl.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let template_sketches: Vec<String> = tpl
        .iter()
        .take(20)
        .map(|&(t, _)| TemplateShingles::new(g.templates[t].skeleton.clone()).encode())
        .collect();
    let mut links: BTreeMap<String, u64> = BTreeMap::new();
    for &a in members {
        for k in &g.accounts[a].kinds {
            *links.entry(k.to_string()).or_default() += 1;
        }
    }
    // Evidence.
    let k = members.len();
    let mean = |f: &dyn Fn(&Facts) -> f64| {
        members.iter().map(|&a| f(&per[a].1)).sum::<f64>() / k.max(1) as f64
    };
    let mut ev = vec![format!(
        "{k} accounts linked by {}",
        links
            .iter()
            .map(|(l, n)| format!("{l} ({n} accounts)"))
            .collect::<Vec<_>>()
            .join(", ")
    )];
    let on = |n: &str| s.get(n).copied().unwrap_or(0.0) >= 0.3;
    if on("shared_templates") {
        ev.push(format!(
            "{} of sampled prompts fill {} shared templates",
            pct(mean(&|f| f.templated_share)),
            tpl.len()
        ));
    }
    if on("cot_elicitation") {
        ev.push(format!(
            "{} of requests elicit chain-of-thought",
            pct(mean(&|f| f.cot_rate))
        ));
    }
    if on("creation_burst") || on("new_accounts") {
        let ages: Vec<f64> = members.iter().filter_map(|&a| per[a].1.age_days).collect();
        if !ages.is_empty() {
            let mut ages = ages;
            ages.sort_by(f64::total_cmp);
            ev.push(format!(
                "accounts created in bursts; median age at first request {:.1} days",
                ages[ages.len() / 2]
            ));
        }
    }
    if on("proxy_rotation") {
        ev.push(format!(
            "{} IPs in {} ASNs; {} of requests from hosting networks",
            ip_accounts.len(),
            asns.len(),
            pct(mean(&|f| f.hosting_share))
        ));
    }
    if on("shared_payment") {
        ev.push(format!(
            "{} payment fingerprints shared across {k} accounts",
            pays.len()
        ));
    }
    if on("load_balanced_timing") {
        ev.push("round-the-clock, load-balanced timing across accounts".into());
    }
    let jumps = members
        .iter()
        .filter(|&&a| per[a].1.release.is_some())
        .count();
    if jumps > 0 {
        ev.push(format!(
            "{jumps} accounts moved to a newly released model within 24 h"
        ));
    }
    if let Some(o) = single_org {
        ev.push(format!("note: nearly all accounts declare one organisation ({o}); coordination evidence halved"));
    }
    let mut shared_pays: Vec<(&str, usize)> = pays.into_iter().filter(|&(_, n)| n >= 2).collect();
    shared_pays.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    Campaign {
        id,
        score: (score * 1e9).round() / 1e9,
        accounts: members
            .iter()
            .map(|&a| profiles[a].account_id.clone())
            .collect(),
        records,
        first_seen: fmt(first),
        last_seen: fmt(last),
        capabilities,
        evidence: ev,
        indicators: Indicators {
            ips: top(&ip_accounts, 50),
            asns: asns.into_iter().take(50).collect(),
            payment_fingerprints: shared_pays
                .into_iter()
                .take(100)
                .map(|(p, _)| p.to_string())
                .collect(),
            template_sketches,
            user_agents: top(&uas, 5),
        },
        links,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramps() {
        assert_eq!(ramp(0.0, 0.1, 0.5), 0.0);
        assert_eq!(ramp(0.5, 0.1, 0.5), 1.0);
        assert!((ramp(0.3, 0.1, 0.5) - 0.5).abs() < 1e-12);
        assert_eq!(ramp(1.0, 60.0, 3.0), 1.0);
        assert_eq!(ramp(f64::NAN, 0.0, 1.0), 0.0);
    }

    #[test]
    fn one_sided_evidence_stays_low() {
        let w = Weights::default();
        let mut content_only = BTreeMap::new();
        content_only.insert("shared_templates", 1.0);
        content_only.insert("cot_elicitation", 1.0);
        assert_eq!(combine(&content_only, &w, 1.0), 0.0);
        let mut coord_only = BTreeMap::new();
        coord_only.insert("shared_payment", 1.0);
        coord_only.insert("creation_burst", 1.0);
        assert_eq!(combine(&coord_only, &w, 1.0), 0.0);
        let mut both = content_only.clone();
        both.extend(coord_only);
        assert!(combine(&both, &w, 1.0) > 0.7);
        assert!(combine(&both, &w, 0.5) < combine(&both, &w, 1.0));
    }
}
