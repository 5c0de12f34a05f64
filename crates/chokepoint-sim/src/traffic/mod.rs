//! API-traffic simulator: labelled request logs (`specs/api-log.md`) with distillation
//! campaigns and the legitimate traffic that looks like them.
//!
//! # Output
//! [`generate`] streams [`ApiRecord`]s in global time order and then one [`AccountLabel`] per
//! account that sent at least one request. Same configuration (seed included), same records,
//! byte for byte. Memory grows with the number of accounts, never with the number of records:
//! a min-heap holds each account's next request time.
//!
//! # Volume
//! A scale is a record target for the default 14-day period: small ≈ 100k, medium ≈ 2M,
//! large ≈ 16M (the size of the largest disclosed campaign total). `days` scales volume with
//! the period. Attacks take a seed-drawn 12–30% of the volume.
//!
//! # Legitimate populations (accounts per scale small / medium / large; share of legit volume)
//! - `individual-dev` (120 / 1,500 / 8,000; 12%): coding questions ("fix this bug", how-tos,
//!   reviews) in sessions of 3–10 requests a few minutes apart during their own time zone's
//!   working hours; home residential IP (sometimes an office or CI address, rarely mobile);
//!   personal card (free tier: none); webmail or own domain; SDK plus curl/browser.
//! - `app-backend` (10 / 60 / 200; 30%): backends proxying many end users; one org of 1–3
//!   accounts (production and low-volume staging) sharing a company card, 2–8 server IPs in one
//!   /24 on a cloud AS, one server SDK user agent and the app's system prompt; very diverse end
//!   user prompts (support, writing, tutoring "explain step by step", travel, cooking, language
//!   learning, a Chinese-language assistant); consumer diurnal curve in the user base's zone.
//! - `enterprise-batch` (4 / 20 / 60; 20%): ONE instruction template per account filled with
//!   generated documents (invoices, tickets, contract clauses, listings, reviews), very high
//!   volume, one stable IP, enterprise tier, either a nightly 3–8 h window or steady
//!   round-the-clock load; pinned to one model (never moves to the new one).
//! - `eval-harness` (2 / 4 / 8 orgs of 2–5 accounts; 8%): benchmark items under the standard
//!   shared preambles (multiple choice with "Think step by step ... Let's think step by step.",
//!   grade-school math, a Chinese exam with "让我们一步一步思考", code completion, LLM-as-judge
//!   with rubrics) in bursts of 150–800 requests ~1 s apart at any hour, from a few cloud IPs;
//!   each run evaluates one model and the new model is evaluated within 1–30 h of release.
//! - `agent-framework` (20 / 250 / 1,200; 10%): tool-heavy agent loops (5–15 declared tools, a
//!   framework system prompt shared by unrelated accounts), sessions of 10–40 turns seconds
//!   apart whose prompts grow with tool results; half run on servers round the clock.
//! - `edu-researcher` (30 / 400 / 2,000; 5%): labs of 3–10 accounts on a university e-mail
//!   domain, campus /24 (and home), edu tier, half with a shared lab card; papers, proofs,
//!   statistics, LaTeX; Chinese for campuses in CN/SG.
//! - `casual-free` (250 / 4,000 / 20,000; 3%): free tier, no card, webmail, residential or
//!   mobile IP, browser mostly; a handful of short chatty messages (Chinese where common).
//! - `company-employees` (30 / 200 / 600; 7%): ONE company: one org, ONE card, one office NAT
//!   (1–3 IPs in one /24), company domain, 70% of accounts created in one onboarding burst;
//!   diverse work prompts in office hours.
//! - `shared-ip-users` (60 / 800 / 4,000; 5%): unrelated people behind carrier-grade NAT
//!   (mobile ASes) or commercial VPN exits (4 / 12 / 40 shared pools of 2–8 IPs); own cards,
//!   e-mails, clients; casual or developer prompts.
//!
//! # Attack populations (all parameters drawn per seed within these ranges)
//! - `hydra` (2–4 clusters, campaign `hydra-N`; 50–100 / 200–1,500 / 800–4,000 accounts each):
//!   accounts created in 3–8 bursts of 20–240 minutes (the first before the period), each
//!   active 4–30 days (counted from the period start for accounts made before it); requests rotate over a proxy pool of 60–200 / 300–2,500 / 1,000–6,000
//!   endpoints on 3–6 hosting ASes plus a 0–60% residential-proxy share (0–15% IPv6), keeping
//!   an endpoint for 1–20 requests; cards shared in subsets of 5–30 accounts; tiers mixed
//!   (paid, startup, edu via weak verification, free without card); e-mail from webmail and
//!   1–4 bulk domains; ONE client stack, a user agent drawn from the same distribution as
//!   legitimate SDK users; load-balanced steady timing round the clock (every account about
//!   the same small rate, gap CV 0.2–0.6); 4–12 fixed templates over math, coding, reasoning,
//!   agentic tool use and rubric grading, 30–90% with chain-of-thought elicitation, 0–60% in
//!   Chinese; 2–20 h after the new model's release, 42–58% of each account's requests move
//!   to it.
//! - `slow-and-low` (campaign `slow-and-low-1`; 12–20 / 20–60 / 30–90 accounts): paraphrased
//!   templates (framing redrawn per request), 10–50 requests a day per account (under rate
//!   limits) in office hours, sticky residential IPs in 2–5 countries, mostly own cards,
//!   webmail, 2–4 common user agents, accounts created over 5–90 days (no bursts); moves
//!   30–60% of traffic to the new model 1–5 days after release.
//! - `reseller` (campaign `reseller-1`; 3–6 / 4–10 / 6–16 accounts, 6–14% of attack volume):
//!   an API reseller whose accounts carry GENUINE customer traffic (diverse app prompts in
//!   English and Chinese) AND a distillation stream (20–50% of its requests, 2–5 fixed
//!   templates) at once, from one org on 4–12 cloud server IPs. All its accounts are labelled
//!   `attack` with their own campaign id, because the operator knowingly mixes the stream in.
//!
//! Account, org, key and request ids are random-looking and carry no label. The models are a
//! seed-chosen family of three plus a newer one released 35–65% into the period.

mod infra;
mod rng;
mod text;
mod timing;
mod world;
pub mod write;

use chokepoint_core::{AccountLabel, ApiRecord, Progress};
use chrono::{DateTime, Utc};
use rng::{Draw, Rng};
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use text::{Prompt, Style};
use world::{Account, Content, Net, World};

pub use write::{write_jsonl, write_parquet};

/// Size of a simulated dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    /// ≈ 100k records over 14 days.
    Small,
    /// ≈ 2M records over 14 days.
    Medium,
    /// ≈ 16M records over 14 days.
    Large,
}

impl Scale {
    /// The record target for the default 14-day period.
    pub fn target_records(self) -> u64 {
        match self {
            Scale::Small => 100_000,
            Scale::Medium => 2_000_000,
            Scale::Large => 16_000_000,
        }
    }
}

impl std::str::FromStr for Scale {
    type Err = crate::SimError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "small" => Ok(Scale::Small),
            "medium" => Ok(Scale::Medium),
            "large" => Ok(Scale::Large),
            other => Err(crate::SimError::Config(format!(
                "scale `{other}` does not exist (small, medium, large)"
            ))),
        }
    }
}

/// The simulated populations. Names are the `population` values of the labels file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Population {
    IndividualDev,
    AppBackend,
    EnterpriseBatch,
    EvalHarness,
    AgentFramework,
    EduResearcher,
    CasualFree,
    CompanyEmployees,
    SharedIpUsers,
    Hydra,
    SlowAndLow,
    Reseller,
}

impl Population {
    /// Every population, legitimate first.
    pub const ALL: [Population; 12] = [
        Population::IndividualDev,
        Population::AppBackend,
        Population::EnterpriseBatch,
        Population::EvalHarness,
        Population::AgentFramework,
        Population::EduResearcher,
        Population::CasualFree,
        Population::CompanyEmployees,
        Population::SharedIpUsers,
        Population::Hydra,
        Population::SlowAndLow,
        Population::Reseller,
    ];

    /// The name written in the labels file.
    pub fn name(self) -> &'static str {
        match self {
            Population::IndividualDev => "individual-dev",
            Population::AppBackend => "app-backend",
            Population::EnterpriseBatch => "enterprise-batch",
            Population::EvalHarness => "eval-harness",
            Population::AgentFramework => "agent-framework",
            Population::EduResearcher => "edu-researcher",
            Population::CasualFree => "casual-free",
            Population::CompanyEmployees => "company-employees",
            Population::SharedIpUsers => "shared-ip-users",
            Population::Hydra => "hydra",
            Population::SlowAndLow => "slow-and-low",
            Population::Reseller => "reseller",
        }
    }

    /// Whether accounts of this population are labelled `attack`.
    pub fn is_attack(self) -> bool {
        matches!(
            self,
            Population::Hydra | Population::SlowAndLow | Population::Reseller
        )
    }

    /// Legitimate populations built to look suspicious at first glance (hard negatives).
    pub fn is_hard_negative(self) -> bool {
        matches!(
            self,
            Population::AppBackend
                | Population::EnterpriseBatch
                | Population::EvalHarness
                | Population::AgentFramework
                | Population::CompanyEmployees
                | Population::SharedIpUsers
                | Population::EduResearcher
        )
    }
}

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrafficConfig {
    /// Everything random derives from this seed, including the attack parameters.
    pub seed: u64,
    pub scale: Scale,
    /// Start of the simulated period.
    pub start: DateTime<Utc>,
    /// Length of the period in days (1..=366).
    pub days: u32,
}

impl Default for TrafficConfig {
    fn default() -> Self {
        TrafficConfig {
            seed: 1,
            scale: Scale::Small,
            // a Monday; fixed so that the default output is reproducible
            start: DateTime::from_timestamp(1_772_409_600, 0).unwrap_or_default(),
            days: 14,
        }
    }
}

impl TrafficConfig {
    /// Rejects configurations the simulator cannot honour, naming the parameter.
    pub fn validate(&self) -> Result<(), crate::SimError> {
        if !(1..=366).contains(&self.days) {
            return Err(crate::SimError::Config(format!(
                "days must be between 1 and 366, got {}",
                self.days
            )));
        }
        Ok(())
    }

    /// The expected number of records (the simulation lands within a few percent of it).
    pub fn expected_records(&self) -> u64 {
        (self.scale.target_records() as f64 * self.days as f64 / 14.0) as u64
    }
}

/// Counts per population.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PopulationSummary {
    pub population: &'static str,
    pub label: &'static str,
    /// Accounts with at least one request.
    pub accounts: u64,
    pub records: u64,
}

/// Counts per attack campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CampaignSummary {
    pub campaign: String,
    pub population: &'static str,
    pub accounts: u64,
    pub records: u64,
}

/// What a simulation produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrafficSummary {
    pub seed: u64,
    pub records: u64,
    pub accounts: u64,
    pub attack_accounts: u64,
    pub attack_records: u64,
    pub start: String,
    pub end: String,
    /// The model released during the period, and when.
    pub new_model: String,
    pub new_model_release: String,
    pub populations: Vec<PopulationSummary>,
    pub campaigns: Vec<CampaignSummary>,
}

/// Runs the simulation: calls `out` for every record in time order, then `labels` for every
/// account that sent at least one request (in account order). Errors from the callbacks stop
/// the run and are returned.
pub fn generate(
    cfg: &TrafficConfig,
    out: &mut dyn FnMut(&ApiRecord) -> std::io::Result<()>,
    labels: &mut dyn FnMut(&AccountLabel) -> std::io::Result<()>,
    progress: &dyn Progress,
) -> Result<TrafficSummary, crate::SimError> {
    cfg.validate()?;
    let (mut world, mut accounts) = world::build(cfg);
    let mut heap: BinaryHeap<Reverse<(i64, u32)>> = BinaryHeap::with_capacity(accounts.len());
    for (i, a) in accounts.iter_mut().enumerate() {
        if a.from >= a.to {
            continue;
        }
        if let Some((t, new_session)) = a.timing.next(&mut a.rng, a.from - 1, a.to) {
            if new_session {
                start_session(a, &world, t);
            }
            heap.push(Reverse((t, i as u32)));
        }
    }
    progress.start("simulate", Some(cfg.expected_records()), "records");
    let request_key = rng::mix64(cfg.seed ^ 0x7265_7175_6573_7473);
    let mut seq: u64 = 0;
    let mut pending: u64 = 0;
    while let Some(Reverse((t, i))) = heap.pop() {
        let a = &mut accounts[i as usize];
        let rec = record(a, &mut world, t, rng::mix64(request_key ^ seq));
        out(&rec).map_err(|e| crate::SimError::Io {
            what: "records".into(),
            source: e,
        })?;
        a.records += 1;
        seq += 1;
        pending += 1;
        if pending == 8192 {
            progress.advance(pending);
            pending = 0;
        }
        if let Some((next, new_session)) = a.timing.next(&mut a.rng, t, a.to) {
            if new_session {
                start_session(a, &world, next);
            }
            heap.push(Reverse((next, i)));
        }
    }
    progress.advance(pending);
    progress.finish();

    let mut pops: Vec<PopulationSummary> = Population::ALL
        .iter()
        .map(|p| PopulationSummary {
            population: p.name(),
            label: if p.is_attack() { "attack" } else { "legit" },
            accounts: 0,
            records: 0,
        })
        .collect();
    let mut camps: Vec<CampaignSummary> = world
        .campaigns
        .iter()
        .map(|c| CampaignSummary {
            campaign: c.id.clone(),
            population: c.population.name(),
            accounts: 0,
            records: 0,
        })
        .collect();
    let mut summary_accounts = 0;
    for a in &accounts {
        if a.records == 0 {
            continue;
        }
        summary_accounts += 1;
        let p = &mut pops[Population::ALL
            .iter()
            .position(|p| *p == a.population)
            .unwrap_or(0)];
        p.accounts += 1;
        p.records += a.records;
        if let Some(c) = a.campaign {
            camps[c].accounts += 1;
            camps[c].records += a.records;
        }
        let label = AccountLabel {
            account_id: a.id.clone(),
            label: if a.population.is_attack() {
                "attack"
            } else {
                "legit"
            }
            .to_string(),
            campaign: a.campaign.map(|c| world.campaigns[c].id.clone()),
            population: a.population.name().to_string(),
        };
        labels(&label).map_err(|e| crate::SimError::Io {
            what: "labels".into(),
            source: e,
        })?;
    }
    let attack: Vec<&PopulationSummary> = pops.iter().filter(|p| p.label == "attack").collect();
    Ok(TrafficSummary {
        seed: cfg.seed,
        records: seq,
        accounts: summary_accounts,
        attack_accounts: attack.iter().map(|p| p.accounts).sum(),
        attack_records: attack.iter().map(|p| p.records).sum(),
        start: world::fmt_ms(world.start),
        end: world::fmt_ms(world.end),
        new_model: world.models.new.clone(),
        new_model_release: world::fmt_ms(world.models.release),
        populations: pops,
        campaigns: camps,
    })
}

/// Per-session choices: an evaluation run picks its benchmark and model, an agent its task.
fn start_session(a: &mut Account, world: &World, t: i64) {
    let rng = &mut a.rng;
    match &mut a.content {
        Content::Eval { benches, cur } => *cur = rng.below(benches.len()),
        Content::Agent {
            task,
            task_tools,
            turn,
            ..
        } => {
            let (t, tools) = text::agent_task_en(rng);
            *task = t;
            *task_tools = tools;
            *turn = 0;
        }
        _ => {}
    }
    if a.models.per_session {
        let new_ok = a.models.adopt_at.is_some_and(|x| t >= x);
        a.models.session_model = Some(if new_ok && rng.chance(a.models.new_share) {
            3
        } else {
            rng.below(3)
        });
    }
    let _ = world;
}

fn model_for(a: &mut Account, world: &World, t: i64) -> String {
    let m = &a.models;
    let idx = if let Some(s) = m.session_model {
        s
    } else if m.adopt_at.is_some_and(|x| t >= x) && a.rng.chance(m.new_share) {
        3
    } else if a.rng.chance(m.spread) {
        a.rng.below(3)
    } else {
        m.primary
    };
    if idx == 3 {
        world.models.new.clone()
    } else {
        world.models.old[idx].clone()
    }
}

fn endpoint_for(a: &mut Account, world: &World) -> (String, u32, &'static str) {
    let rng = &mut a.rng;
    match &mut a.net {
        Net::Fixed(eps, ws) => {
            let e = &eps[rng.weighted(ws)];
            (e.ip.clone(), e.asn, e.country)
        }
        Net::Sticky { current, p_change } => {
            if rng.chance(*p_change) {
                // dynamic residential address: a new one in the same AS
                let asn = infra::asn(current.asn);
                let v6 = current.ip.contains(':');
                *current = infra::endpoint_in(rng, asn, if v6 { 1.0 } else { 0.0 });
            }
            (current.ip.clone(), current.asn, current.country)
        }
        Net::Pool {
            pool,
            stick,
            cur,
            left,
        } => {
            let p = &world.pools[*pool];
            if *left == 0 {
                *cur = rng.below(p.len());
                *left = *stick;
            }
            *left -= 1;
            let e = &p[*cur];
            (e.ip.clone(), e.asn, e.country)
        }
    }
}

fn prompt_for(a: &mut Account, world: &World) -> Prompt {
    let rng: &mut Rng = &mut a.rng;
    match &mut a.content {
        Content::Dev { system } => {
            let mut p = text::dev_prompt(rng);
            if rng.chance(0.5) {
                p.system = system.clone();
            }
            p
        }
        Content::App { kind, system } => {
            let mut p = text::app_user_prompt(rng, *kind);
            p.system = Some(system.clone());
            p
        }
        Content::Batch {
            kind,
            instruction,
            system,
        } => {
            let doc = text::batch_document(rng, *kind);
            let style = if *kind == 1 {
                Style::Short
            } else {
                Style::Extraction
            };
            let mut p = Prompt::new(format!("{instruction}\n\n{doc}"), style);
            p.system = Some(system.clone());
            p
        }
        Content::Eval { benches, cur } => text::eval_prompt(rng, benches[*cur]),
        Content::Agent {
            system,
            tools,
            task,
            task_tools,
            turn,
        } => {
            if task.is_empty() {
                let (t, tt) = text::agent_task_en(rng);
                *task = t;
                *task_tools = tt;
            }
            let mut body = task.clone();
            for _ in 0..(*turn).min(6) {
                let tool = rng.pick(task_tools).clone();
                body.push_str("\n\n");
                body.push_str(&text::tool_result(rng, &tool));
            }
            *turn += 1;
            let mut declared = tools.clone();
            for t in task_tools.iter() {
                if !declared.contains(t) {
                    declared.push(t.clone());
                }
            }
            Prompt {
                text: body,
                system: Some(system.clone()),
                tools: declared,
                style: Style::Agent,
            }
        }
        Content::Research { zh } => text::research_prompt(rng, *zh),
        Content::Casual { zh } => text::casual_prompt(rng, *zh),
        Content::Employee { company } => text::employee_prompt(rng, company),
        Content::SharedUser { zh, dev } => {
            if *dev && rng.chance(0.7) {
                text::dev_prompt(rng)
            } else {
                text::casual_prompt(rng, *zh)
            }
        }
        Content::Attack { campaign } => world.campaigns[*campaign].prompt(rng),
        Content::Reseller {
            campaign,
            distill_share,
            zh_share,
        } => {
            if rng.chance(*distill_share) {
                world.campaigns[*campaign].prompt(rng)
            } else {
                // genuine customer traffic: whatever the reseller's customers build
                let zh = rng.chance(*zh_share);
                let mut p = match rng.below(4) {
                    0 => text::dev_prompt(rng),
                    1 => text::casual_prompt(rng, zh),
                    _ => {
                        let kind = if zh {
                            text::AppKind::ChineseAssistant
                        } else {
                            *rng.pick(text::APP_KINDS)
                        };
                        text::app_user_prompt(rng, kind)
                    }
                };
                if rng.chance(0.4) {
                    let brand = infra::brand(rng);
                    let kind = *rng.pick(text::APP_KINDS);
                    p.system = Some(text::app_system_prompt(rng, kind, &brand));
                }
                p
            }
        }
    }
}

/// Billed tokens of a text: about four characters per token for Latin script, about one per
/// CJK character.
fn tokens_of(s: &str) -> u32 {
    let mut ascii = 0u32;
    let mut other = 0u32;
    for c in s.chars() {
        if c.is_ascii() {
            ascii += 1;
        } else {
            other += 1;
        }
    }
    ascii / 4 + other * 9 / 10 + 1
}

fn record(a: &mut Account, world: &mut World, t: i64, request: u64) -> ApiRecord {
    let prompt = prompt_for(a, world);
    let model = model_for(a, world, t);
    let (ip, asn, country) = endpoint_for(a, world);
    let rng = &mut a.rng;
    let ua = if a.user_agents.len() > 1 && rng.chance(0.15) {
        a.user_agents[1 + rng.below(a.user_agents.len() - 1)].clone()
    } else {
        a.user_agents[0].clone()
    };
    let key = if a.keys.len() > 1 && rng.chance(0.2) {
        a.keys[rng.below(a.keys.len())].clone()
    } else {
        a.keys[0].clone()
    };
    let prompt_tokens = tokens_of(&prompt.text)
        + prompt.system.as_deref().map(tokens_of).unwrap_or(0)
        + 90 * prompt.tools.len() as u32
        + rng.between(3, 12) as u32;
    let (median, sigma) = match prompt.style {
        Style::Short => (60.0, 0.7),
        Style::Chat => (280.0, 0.6),
        Style::Code => (450.0, 0.6),
        Style::Reasoning => (1100.0, 0.5),
        Style::Extraction => (90.0, 0.4),
        Style::Agent => (180.0, 0.8),
    };
    let mut completion = rng.lognormal(median, sigma).max(1.0) as u32;
    let mut stop = "end_turn";
    if rng.chance(0.003) {
        completion = rng.between(15, 80) as u32;
        stop = "refusal";
    } else if completion >= a.max_tokens {
        completion = a.max_tokens;
        stop = "max_tokens";
    } else if prompt.style == Style::Agent && !prompt.tools.is_empty() && rng.chance(0.65) {
        stop = "tool_use";
    } else if a.population == Population::EvalHarness && rng.chance(0.2) {
        stop = "stop_sequence";
    }
    ApiRecord {
        ts: world::fmt_ms(t),
        request_id: Some(format!("req_{request:016x}")),
        account_id: a.id.clone(),
        org_id: Some(a.org.clone()),
        api_key_id: Some(key),
        ip: Some(ip),
        asn: Some(asn),
        country: Some(country.to_string()),
        user_agent: Some(ua),
        payment_fingerprint: a.payment.clone(),
        email_domain: Some(a.email_domain.clone()),
        account_created: Some(a.created.clone()),
        account_tier: Some(a.tier.to_string()),
        model: Some(model),
        prompt: prompt.text,
        system_prompt: prompt.system,
        tools: Some(prompt.tools),
        prompt_tokens: Some(prompt_tokens),
        completion_tokens: Some(completion),
        stop_reason: Some(stop.to_string()),
    }
}
