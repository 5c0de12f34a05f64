//! Scoring: documented signals, each mapped to [0, 1], combined with documented weights.
//!
//! A distillation campaign needs two things, and the score asks for both:
//! - **harvesting content**: templated prompts shared across accounts, chain-of-thought
//!   elicitation, long completions for short prompts, a rush to a newly released model,
//!   and prompts spread over the whole curriculum of capability areas;
//! - **coordinated evasion**: accounts created in bursts, young accounts, rotating proxy
//!   infrastructure, payment methods shared across nominally unrelated accounts,
//!   round-the-clock load-balanced timing, members active in the same minutes, one client
//!   stack used by the group and few others, many accounts each kept small,
//!   weak-verification tiers.
//!
//! Each side's evidence is `E = sum(weight * signal)`, turned into `1 - exp(-2E)`; the score is
//! the geometric mean of the two sides. An evaluation harness (all content, no evasion) or an
//! office of employees sharing a card (some coordination, no harvesting) therefore stays low,
//! however strong its one side is. A declared organisation shared by the whole group is
//! evidence of an accountable customer and halves the coordination side (quarters it when the
//! group also works from stable addresses, [`accountability_factor`]). Identity signals
//! (a young account, a weak-verification tier) describe most ordinary sign-ups: they count in
//! full only next to behavioural evidence of evasion ([`IDENTITY_REFERENCE`]), so a new
//! free-tier account with templated prompts is not a campaign on its own.
//!
//! Flagged groups that share a user agent, card or main address that almost only flagged
//! accounts use are then reported as one campaign ([`merge_operations`]): a farm that rotates
//! cards every few accounts is one operation, not forty.
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
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
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

/// Capability areas holding at least 5% of an account's requests (`None` under 20 requests).
fn capability_areas(p: &Profile) -> Option<usize> {
    (p.records >= 20).then(|| {
        p.capability_share()
            .iter()
            .filter(|(c, share)| *c != Capability::Other && *share >= 0.05)
            .count()
    })
}

/// Minute-level synchrony of a group: how many more (member, member) pairs are active in the
/// same minute than expected if each member kept its own activity within each hour but chose
/// its minutes independently. Conditioning on the hour removes shared working days and time
/// zones (an office is busy at 10:00 together without being driven by one scheduler); what
/// remains is lockstep. Uses the hash-selected time samples, which select the same
/// timestamps in every account, so the ratio is unbiased under sampling. `None` when the
/// expected count is too small to judge (fewer than 20 co-active pairs).
fn synchrony(profiles: &[Profile], members: &[usize]) -> Option<f64> {
    const MINUTE: i64 = 60_000;
    let mut per_minute: HashMap<i64, u32> = HashMap::new();
    let mut per_hour: HashMap<i64, (f64, f64)> = HashMap::new();
    for &a in members {
        let mut minutes: Vec<i64> = profiles[a]
            .times
            .sorted_times()
            .into_iter()
            .map(|t| t.div_euclid(MINUTE))
            .collect();
        minutes.dedup();
        let mut i = 0;
        while i < minutes.len() {
            let hour = minutes[i].div_euclid(60);
            let j = i + minutes[i..].partition_point(|m| m.div_euclid(60) == hour);
            let n = (j - i) as f64;
            let e = per_hour.entry(hour).or_default();
            e.0 += n;
            e.1 += n * n;
            i = j;
        }
        for m in minutes {
            *per_minute.entry(m).or_default() += 1;
        }
    }
    let observed: f64 = per_minute
        .values()
        .map(|&c| f64::from(c) * (f64::from(c) - 1.0) / 2.0)
        .sum();
    let expected: f64 = per_hour
        .values()
        .map(|&(sum, sq)| (sum * sum - sq) / 2.0 / 60.0)
        .sum();
    (expected >= 20.0).then(|| observed / expected)
}

/// How much one exact user agent is the group's own: the share of members whose main user
/// agent it is, times the share of all accounts with that main user agent that are members.
/// A popular SDK version is shared by a campaign and thousands of customers (low); a custom
/// scraper stack used by the whole group and nobody else is 1.
fn client_stack_exclusivity(
    profiles: &[Profile],
    members: &[usize],
    ua_accounts: &HashMap<&str, usize>,
) -> f64 {
    let mut in_group: HashMap<&str, usize> = HashMap::new();
    for &a in members {
        if let Some(u) = profiles[a].user_agents.top() {
            *in_group.entry(u.value.as_str()).or_default() += 1;
        }
    }
    in_group
        .iter()
        .map(|(ua, &c)| {
            let everywhere = ua_accounts.get(ua).copied().unwrap_or(c).max(c);
            (c as f64 / members.len() as f64) * (c as f64 / everywhere as f64)
        })
        .fold(0.0, f64::max)
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
    distinct_subnets: f64,
    hosting_share: f64,
    payment_peers: usize,
    hour_entropy: f64,
    cv: Option<f64>,
    release: Option<(String, f64, f64)>,
    weak_tier: bool,
    capability_areas: Option<usize>,
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
        distinct_subnets: p.subnets.distinct(),
        payment_peers: links.payment_peers,
        hour_entropy: p.hour_entropy(),
        cv: interarrival_cv(p),
        capability_areas: capability_areas(p),
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
    // Rotation counts /24 (/48) subnets, not addresses: a service's servers in one subnet are
    // one deployment; proxy pools spread requests over many networks.
    let rotation = if p.records >= 10 {
        ramp(f.distinct_subnets / n, 0.05, 0.4)
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
    s.insert(
        "capability_breadth",
        f.capability_areas.map_or(0.0, |n| ramp(n as f64, 3.0, 6.0)),
    );
    // Group-level only (set on campaigns): synchrony and a shared client stack.
    s.insert("synchronised_timing", 0.0);
    s.insert("shared_client_stack", 0.0);
    (s, f)
}

const CONTENT: &[&str] = &[
    "shared_templates",
    "cot_elicitation",
    "output_harvesting",
    "model_release_jump",
    "capability_breadth",
];
const COORDINATION: &[&str] = &[
    "creation_burst",
    "new_accounts",
    "proxy_rotation",
    "shared_payment",
    "load_balanced_timing",
    "spread_thin",
    "weak_tiers",
    "synchronised_timing",
    "shared_client_stack",
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
        "capability_breadth" => w.capability_breadth,
        "synchronised_timing" => w.synchronised_timing,
        "shared_client_stack" => w.shared_client_stack,
        _ => 0.0,
    }
}

/// Coordination signals that describe who an account is rather than what it does: most
/// legitimate sign-ups are young accounts on a free or trial tier.
const IDENTITY: &[&str] = &["new_accounts", "weak_tiers"];
/// Behavioural coordination evidence at which identity signals count in full (e.g. half of
/// round-the-clock timing, or a third of proxy rotation); below it they count in proportion.
pub const IDENTITY_REFERENCE: f64 = 0.1;

/// Share of a value's holders that must be in flagged groups for the value to join them.
pub const OPERATION_EXCLUSIVITY: f64 = 0.9;

/// Joins flagged groups into operations. A campaign that rotates cards every few accounts
/// falls apart into many linked groups, each flagged on its own; groups that share a client
/// stack (exact user agent), a payment fingerprint or a main IP address that at least
/// [`OPERATION_EXCLUSIVITY`] of its holders in the whole scan are flagged-group members are one
/// operation for the analyst. Values common among ordinary accounts (a popular SDK's user
/// agent, a carrier NAT) fail that test, so they never glue campaigns together; groups that
/// were not flagged are left as they are. Returns the groups, merged ones sorted, in order of
/// their smallest account.
pub fn merge_operations(
    profiles: &[Profile],
    groups: &[Vec<usize>],
    flagged: &[bool],
    ip_account_share: f64,
) -> Vec<Vec<usize>> {
    let mut group_of = vec![usize::MAX; profiles.len()];
    for (gi, m) in groups.iter().enumerate() {
        for &a in m {
            group_of[a] = gi;
        }
    }
    // (kind, value) -> holders, holders in flagged groups, the flagged groups holding it.
    let mut values: HashMap<(u8, &str), (usize, usize, Vec<usize>)> = HashMap::new();
    let mut held: Vec<(u8, &str)> = Vec::new();
    for (a, p) in profiles.iter().enumerate() {
        let gi = group_of[a];
        let in_flagged = gi != usize::MAX && flagged.get(gi).copied().unwrap_or(false);
        held.clear();
        if let Some(u) = p.user_agents.top() {
            held.push((0, u.value.as_str()));
        }
        for e in &p.payments.entries {
            held.push((1, e.value.as_str()));
        }
        for e in &p.ips.entries {
            if e.count as f64 >= ip_account_share * p.records as f64 {
                held.push((2, e.value.as_str()));
            }
        }
        for &key in &held {
            let e = values.entry(key).or_default();
            e.0 += 1;
            if in_flagged {
                e.1 += 1;
                if !e.2.contains(&gi) {
                    e.2.push(gi);
                }
            }
        }
    }
    let mut uf = crate::link::UnionFind::new(groups.len());
    for (holders, in_flagged, gs) in values.values() {
        if gs.len() >= 2 && *in_flagged as f64 >= OPERATION_EXCLUSIVITY * *holders as f64 {
            for w in gs.windows(2) {
                uf.union(w[0], w[1]);
            }
        }
    }
    let mut by_root: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (gi, m) in groups.iter().enumerate() {
        by_root.entry(uf.find(gi)).or_default().extend(m);
    }
    let mut out: Vec<Vec<usize>> = by_root
        .into_values()
        .map(|mut m| {
            m.sort_unstable();
            m
        })
        .collect();
    out.sort_by_key(|m| m.first().copied());
    out
}

/// Multiplier of a group's coordination evidence for how accountable the group is: a single
/// declared organisation is a customer the lab can identify (half); one that also works from
/// its own stable addresses (mean proxy-rotation signal under 0.1) is not hiding (a quarter).
pub fn accountability_factor(single_org: bool, proxy_rotation: f64) -> f64 {
    match (single_org, proxy_rotation < 0.1) {
        (false, _) => 1.0,
        (true, false) => 0.5,
        (true, true) => 0.25,
    }
}

/// The two-sided score of a set of signal values (see the module doc).
pub fn combine(
    signals: &BTreeMap<&'static str, f64>,
    w: &Weights,
    coordination_factor: f64,
) -> f64 {
    let evidence = |n: &&str| weight(w, n) * signals.get(n).copied().unwrap_or(0.0);
    let content: f64 = CONTENT.iter().map(evidence).sum();
    let identity: f64 = IDENTITY.iter().map(evidence).sum();
    let behaviour: f64 = COORDINATION
        .iter()
        .filter(|n| !IDENTITY.contains(n))
        .map(evidence)
        .sum();
    let coordination = behaviour + identity * (behaviour / IDENTITY_REFERENCE).min(1.0);
    let content = 1.0 - (-2.0 * content).exp();
    let coord = 1.0 - (-2.0 * coordination * coordination_factor).exp();
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
            "{:.0} distinct IPs in {:.0} subnets, {} of requests from hosting networks",
            f.distinct_ips,
            f.distinct_subnets,
            pct(f.hosting_share)
        ));
    }
    if on("shared_payment") {
        r.push(format!(
            "shares a payment fingerprint with {} accounts outside its declared organisation",
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
    if on("capability_breadth") {
        if let Some(n) = f.capability_areas {
            r.push(format!(
                "prompts spread over {n} capability areas (5% or more each)"
            ));
        }
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
        .map(|(a, p)| {
            // A burst of *other* accounts' creations is evidence only about accounts tied to
            // them: an unrelated sign-up that happens to fall in a campaign's burst is not.
            let burst = if g.component_of[a].is_some() {
                bursts[a]
            } else {
                0.0
            };
            account_signals(p, g, a, burst, &released)
        })
        .collect();
    let own: Vec<f64> = per.iter().map(|(s, _)| combine(s, w, 1.0)).collect();
    let mut ua_accounts: HashMap<&str, usize> = HashMap::new();
    for p in profiles {
        if let Some(u) = p.user_agents.top() {
            *ua_accounts.entry(u.value.as_str()).or_default() += 1;
        }
    }

    // Campaign scores from member means and group-level signals.
    struct Scored {
        comp: usize,
        score: f64,
        signals: BTreeMap<&'static str, f64>,
        single_org: Option<String>,
    }
    let score_group = |members: &[usize]| -> (f64, BTreeMap<&'static str, f64>, Option<String>) {
        let k = members.len() as f64;
        let mut s: BTreeMap<&'static str, f64> = BTreeMap::new();
        for &a in members {
            for (name, v) in &per[a].0 {
                *s.entry(name).or_default() += v / k;
            }
        }
        // Group-level: creation burst from the accounts created within the densest 48 h window.
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
            // A burst is a share *and* a count: a team opening five accounts on its first day
            // is ordinary; twenty or more within 48 h is an account farm.
            let v = ramp(densest as f64 / created.len() as f64, 0.3, 0.8)
                * ramp(densest as f64, 5.0, 20.0);
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
        let sync = if k >= 3.0 {
            synchrony(profiles, members)
        } else {
            None
        };
        s.insert(
            "synchronised_timing",
            sync.map_or(0.0, |x| ramp(x, 1.5, 6.0)),
        );
        s.insert(
            "shared_client_stack",
            if k >= 3.0 {
                ramp(
                    client_stack_exclusivity(profiles, members, &ua_accounts),
                    0.3,
                    0.8,
                )
            } else {
                0.0
            },
        );
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
        let factor = accountability_factor(
            single_org.is_some(),
            s.get("proxy_rotation").copied().unwrap_or(0.0),
        );
        let score = combine(&s, w, factor);
        (score, s, single_org)
    };
    // Flagged groups that share a value almost nobody else uses are one operation.
    let first: Vec<bool> = g
        .components
        .iter()
        .map(|m| score_group(m).0 >= cfg.threshold)
        .collect();
    let groups = merge_operations(profiles, &g.components, &first, cfg.link.ip_account_share);
    let mut group_of: Vec<Option<usize>> = vec![None; profiles.len()];
    for (gi, m) in groups.iter().enumerate() {
        for &a in m {
            group_of[a] = Some(gi);
        }
    }
    let mut scored: Vec<Scored> = groups
        .iter()
        .enumerate()
        .map(|(ci, m)| {
            let (score, signals, single_org) = score_group(m);
            Scored {
                comp: ci,
                score,
                signals,
                single_org,
            }
        })
        .collect();
    scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.comp.cmp(&b.comp)));

    let mut campaign_id: Vec<Option<String>> = vec![None; groups.len()];
    let mut campaign_score: Vec<f64> = vec![0.0; groups.len()];
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
        let comp = group_of[a];
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
                    groups[comp.unwrap_or(0)].len(),
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
        let members: Vec<usize> = groups[sc.comp]
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
            let what = if on("creation_burst") {
                "accounts created in bursts"
            } else {
                "young accounts"
            };
            ev.push(format!(
                "{what}; median age at first request {:.1} days",
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
    if on("synchronised_timing") {
        ev.push(format!(
            "members active in the same minutes far more often than chance (synchrony signal {:.2})",
            s.get("synchronised_timing").copied().unwrap_or(0.0)
        ));
    }
    if on("shared_client_stack") {
        ev.push(format!(
            "one client stack for the group, rare elsewhere: {}",
            top(&uas, 1).join("")
        ));
    }
    if on("capability_breadth") {
        ev.push(format!(
            "prompts cover {} capability areas (5% or more each)",
            capabilities
                .iter()
                .filter(|(c, share)| c.as_str() != "other" && **share >= 0.05)
                .count()
        ));
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
        let stable = s.get("proxy_rotation").copied().unwrap_or(0.0) < 0.1;
        ev.push(if stable {
            format!("note: nearly all accounts declare one organisation ({o}) and use stable addresses; coordination evidence quartered")
        } else {
            format!("note: nearly all accounts declare one organisation ({o}); coordination evidence halved")
        });
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

    /// Deterministic pseudo-random minutes for the synthetic profiles below.
    fn rand(state: &mut u64) -> u64 {
        *state = chokepoint_core::template::splitmix64(*state);
        *state
    }

    fn timed(id: &str, times: &[i64]) -> Profile {
        let mut p = Profile::new(id);
        for &t in times {
            p.times.add(t, 512);
            p.records += 1;
        }
        p
    }

    #[test]
    fn synchrony_separates_lockstep_from_shared_office_hours() {
        const MIN: i64 = 60_000;
        let mut st = 7u64;
        // Ten members busy in the same office hours (9-17 h over 10 days), minutes independent.
        let office: Vec<Profile> = (0..10)
            .map(|i| {
                let t: Vec<i64> = (0..10)
                    .flat_map(|d| (9..17).map(move |h| (d, h)))
                    .flat_map(|(d, h)| {
                        (0..4)
                            .map(|_| (d * 24 + h) * 60 * MIN + (rand(&mut st) % 60) as i64 * MIN)
                            .collect::<Vec<_>>()
                    })
                    .collect();
                timed(&format!("o{i}"), &t)
            })
            .collect();
        let members: Vec<usize> = (0..10).collect();
        let r = synchrony(&office, &members).unwrap();
        assert!((0.6..1.5).contains(&r), "independent minutes: {r}");
        // The same members driven by one scheduler: each tick fires 6 of the 10 accounts.
        let ticks: Vec<i64> = (0..300)
            .map(|_| (rand(&mut st) % (10 * 24 * 60)) as i64 * MIN)
            .collect();
        let mut lock: Vec<Vec<i64>> = vec![Vec::new(); 10];
        for &t in &ticks {
            for _ in 0..6 {
                lock[(rand(&mut st) % 10) as usize].push(t + (rand(&mut st) % 20_000) as i64);
            }
        }
        let lockstep: Vec<Profile> = lock
            .iter()
            .enumerate()
            .map(|(i, t)| timed(&format!("l{i}"), t))
            .collect();
        let r = synchrony(&lockstep, &members).unwrap();
        assert!(r > 6.0, "lockstep: {r}");
        // Too little data to judge.
        assert!(synchrony(&lockstep[..1], &[0]).is_none());
    }

    #[test]
    fn client_stack_counts_only_when_rare_outside_the_group() {
        let mut ps = Vec::new();
        for i in 0..100 {
            let mut p = Profile::new(&format!("a{i}"));
            let ua = if i < 5 {
                "harvester/0.3 (custom)"
            } else {
                "openai-python/1.40"
            };
            p.user_agents.add(ua, 0, 8);
            ps.push(p);
        }
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for p in &ps {
            *counts
                .entry(p.user_agents.top().unwrap().value.as_str())
                .or_default() += 1;
        }
        let own = client_stack_exclusivity(&ps, &[0, 1, 2, 3, 4], &counts);
        assert!((own - 1.0).abs() < 1e-12, "{own}");
        let common = client_stack_exclusivity(&ps, &[10, 11, 12, 13, 14], &counts);
        assert!(common < 0.1, "{common}");
    }

    #[test]
    fn capability_breadth_needs_several_areas() {
        let mut p = Profile::new("x");
        p.records = 100;
        p.capabilities = [0, 95, 5, 0, 0, 0, 0];
        assert_eq!(capability_areas(&p), Some(2));
        p.capabilities = [20, 20, 20, 20, 10, 5, 5];
        assert_eq!(capability_areas(&p), Some(6));
        p.records = 10;
        assert_eq!(capability_areas(&p), None);
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

    #[test]
    fn flagged_groups_sharing_a_rare_value_are_one_operation() {
        let with_ua = |id: &str, ua: &str| {
            let mut p = Profile::new(id);
            p.user_agents.add(ua, 0, 8);
            p
        };
        // Flagged groups 0 and 1 share a client stack nobody else uses; flagged groups 1 and 2
        // share one that ten ordinary accounts use too; group 3 is not flagged.
        let mut profiles = vec![
            with_ua("a0", "farm/1.0"),
            with_ua("a1", "farm/1.0"),
            with_ua("b0", "farm/1.0"),
            with_ua("b1", "sdk/2"),
            with_ua("c0", "sdk/2"),
            with_ua("c1", "sdk/2"),
            with_ua("d0", "lab/3"),
            with_ua("d1", "lab/3"),
        ];
        for i in 0..10 {
            profiles.push(with_ua(&format!("o{i}"), "sdk/2"));
        }
        let groups = vec![vec![0, 1], vec![2, 3], vec![4, 5], vec![6, 7]];
        let flagged = [true, true, true, false];
        assert_eq!(
            merge_operations(&profiles, &groups, &flagged, 0.2),
            vec![vec![0, 1, 2, 3], vec![4, 5], vec![6, 7]]
        );
        // One ordinary holder more (3 of 4 flagged < 0.9) and the stack no longer joins.
        profiles.push(with_ua("o-farm", "farm/1.0"));
        assert_eq!(merge_operations(&profiles, &groups, &flagged, 0.2), groups);
    }

    #[test]
    fn a_declared_org_on_stable_addresses_is_accountable() {
        assert_eq!(accountability_factor(false, 0.0), 1.0);
        assert_eq!(accountability_factor(true, 0.8), 0.5);
        assert_eq!(accountability_factor(true, 0.0), 0.25);
        let w = Weights::default();
        let mut s: BTreeMap<&'static str, f64> = BTreeMap::new();
        for n in CONTENT.iter().chain(COORDINATION) {
            s.insert(n, 0.5);
        }
        let open = combine(&s, &w, accountability_factor(false, 0.0));
        let org = combine(&s, &w, accountability_factor(true, 0.0));
        assert!(org < open);
    }

    #[test]
    fn identity_alone_is_not_coordination() {
        let w = Weights::default();
        let mut s: BTreeMap<&'static str, f64> = BTreeMap::new();
        for n in CONTENT {
            s.insert(n, 1.0);
        }
        s.insert("new_accounts", 1.0);
        s.insert("weak_tiers", 1.0);
        let identity_only = combine(&s, &w, 1.0);
        assert_eq!(identity_only, 0.0);
        // With behavioural evidence at the reference, identity counts in full.
        s.insert(
            "load_balanced_timing",
            IDENTITY_REFERENCE / w.load_balanced_timing,
        );
        let with_behaviour = combine(&s, &w, 1.0);
        s.remove("new_accounts");
        s.remove("weak_tiers");
        assert!(with_behaviour > combine(&s, &w, 1.0));
    }
}
