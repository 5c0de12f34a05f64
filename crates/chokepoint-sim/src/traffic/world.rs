//! The simulated world: accounts of every population, with their identities, infrastructure,
//! timing and content, and the attack campaigns with their seed-drawn parameters.
//!
//! Volumes: a scale sets a record target for a 14-day period (small 100k, medium 2M, large
//! 16M); longer or shorter `--days` scale the volume with the period. Each legitimate
//! population gets a fixed share of the legitimate volume, and the attacks a seed-drawn share
//! of the total (12–30%). Within a population, per-account volume is log-normal (a few heavy
//! accounts, many light ones), except hydra clusters, which load-balance their volume evenly.
//! See the module documentation of [`crate::traffic`] for every population's parameters.

use super::infra::{self, Endpoint, NetKind};
use super::rng::{child, shuffle, Draw, Rng};
use super::text::{self, AppKind, Bench, Template};
use super::timing::{Profile, Timing, DAY_MS};
use super::{Population, Scale, TrafficConfig};
use std::collections::HashSet;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 86_400_000;

/// The models on offer: three generally available ones and one released mid-period.
pub(crate) struct Models {
    pub old: [String; 3],
    pub new: String,
    pub release: i64,
}

/// An attack campaign's prompt source.
pub(crate) struct Campaign {
    pub id: String,
    pub population: Population,
    /// Fixed templates (hydra, reseller); empty for paraphrasing campaigns.
    pub templates: Vec<Template>,
    pub template_weights: Vec<f64>,
    /// Paraphrase every request (slow-and-low): capability, language and chain-of-thought
    /// phrasing drawn afresh from these shares.
    pub cap_weights: Vec<f64>,
    pub cot_share: f64,
    pub zh_share: f64,
}

impl Campaign {
    pub fn prompt(&self, rng: &mut Rng) -> text::Prompt {
        if self.templates.is_empty() {
            let cap = text::CAPABILITIES[rng.weighted(&self.cap_weights)];
            let zh = rng.chance(self.zh_share);
            let cot = rng.chance(self.cot_share);
            Template::draw(rng, cap, zh, cot).render(rng)
        } else {
            let i = rng.weighted(&self.template_weights);
            self.templates[i].render(rng)
        }
    }
}

/// Where an account's requests come from.
pub(crate) enum Net {
    /// A few fixed endpoints; the first is used most (`weights`).
    Fixed(Vec<Endpoint>, Vec<f64>),
    /// A residential line whose address changes now and then inside the same AS.
    Sticky { current: Endpoint, p_change: f64 },
    /// A rotating pool shared with other accounts (proxy networks, carrier NAT, VPN exits):
    /// one endpoint is kept for `stick` requests, then another is drawn.
    Pool {
        pool: usize,
        stick: u32,
        cur: usize,
        left: u32,
    },
}

/// What an account asks.
pub(crate) enum Content {
    Dev {
        system: Option<String>,
    },
    App {
        kind: AppKind,
        system: String,
    },
    Batch {
        kind: usize,
        instruction: String,
        system: String,
    },
    Eval {
        benches: Vec<Bench>,
        cur: usize,
    },
    Agent {
        system: String,
        tools: Vec<String>,
        task: String,
        task_tools: Vec<String>,
        turn: u32,
    },
    Research {
        zh: bool,
    },
    Casual {
        zh: bool,
    },
    Employee {
        company: String,
    },
    SharedUser {
        zh: bool,
        dev: bool,
    },
    Attack {
        campaign: usize,
    },
    Reseller {
        campaign: usize,
        distill_share: f64,
        zh_share: f64,
    },
}

/// How an account picks its model.
pub(crate) struct ModelUse {
    /// Index into `Models::old` used most of the time.
    pub primary: usize,
    /// Share of requests to other generally available models.
    pub spread: f64,
    /// From when the new model is used, and for what share of requests.
    pub adopt_at: Option<i64>,
    pub new_share: f64,
    /// Chosen per session (evaluation harnesses evaluate one model per run).
    pub per_session: bool,
    pub session_model: Option<usize>,
}

/// One simulated account and its running state.
pub(crate) struct Account {
    pub id: String,
    pub org: String,
    pub keys: Vec<String>,
    pub email_domain: String,
    pub created: String,
    pub tier: &'static str,
    pub payment: Option<String>,
    pub user_agents: Vec<String>,
    pub net: Net,
    pub timing: Timing,
    pub from: i64,
    pub to: i64,
    pub content: Content,
    pub models: ModelUse,
    pub max_tokens: u32,
    pub population: Population,
    pub campaign: Option<usize>,
    pub rng: Rng,
    pub records: u64,
}

/// Everything shared between accounts.
pub(crate) struct World {
    pub start: i64,
    pub end: i64,
    pub models: Models,
    pub pools: Vec<Vec<Endpoint>>,
    pub campaigns: Vec<Campaign>,
}

/// Builds accounts one population at a time with unique random-looking ids.
struct Builder {
    seed: u64,
    rng: Rng,
    start: i64,
    end: i64,
    scale: Scale,
    /// Records a day of the whole dataset.
    per_day: f64,
    ids: HashSet<String>,
    accounts: Vec<Account>,
    pools: Vec<Vec<Endpoint>>,
    campaigns: Vec<Campaign>,
    release: i64,
}

/// Identity and network of a new account, before its behaviour is attached.
struct Identity {
    org: Option<String>,
    email_domain: String,
    created: i64,
    tier: &'static str,
    payment: Option<String>,
    user_agents: Vec<String>,
    net: Net,
    keys: u64,
}

impl Builder {
    fn uid(&mut self, prefix: &str, len: usize) -> String {
        loop {
            let id = format!("{prefix}-{}", self.rng.ident(len));
            if self.ids.insert(id.clone()) {
                return id;
            }
        }
    }

    fn payment(&mut self) -> String {
        format!("pf-{}", self.rng.hex(16))
    }

    /// The scale's size for a population: `[small, medium, large]` account counts.
    fn count(&self, n: [usize; 3]) -> usize {
        match self.scale {
            Scale::Small => n[0],
            Scale::Medium => n[1],
            Scale::Large => n[2],
        }
    }

    /// Log-normal weights normalised to sum to 1.
    fn weights(&mut self, n: usize, sigma: f64) -> Vec<f64> {
        let w: Vec<f64> = (0..n).map(|_| self.rng.lognormal(1.0, sigma)).collect();
        let s: f64 = w.iter().sum();
        w.into_iter().map(|x| x / s).collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        population: Population,
        campaign: Option<usize>,
        id: Identity,
        timing: Timing,
        active: (i64, i64),
        content: Content,
        models: ModelUse,
    ) {
        let account_id = self.uid("a", 10);
        let org = id.org.unwrap_or_else(|| self.uid("o", 8));
        let keys = (0..id.keys.max(1)).map(|_| self.uid("k", 8)).collect();
        let max_tokens = *self.rng.pick(&[1024, 2048, 4096, 4096, 8192, 8192, 16000]);
        let index = self.accounts.len() as u64;
        let created = fmt_ms(id.created);
        self.accounts.push(Account {
            id: account_id,
            org,
            keys,
            email_domain: id.email_domain,
            created,
            tier: id.tier,
            payment: id.payment,
            user_agents: id.user_agents,
            net: id.net,
            timing,
            from: active.0.max(self.start).max(id.created),
            to: active.1.min(self.end),
            content,
            models,
            max_tokens,
            population,
            campaign,
            rng: child(self.seed, 0xacc0, index),
            records: 0,
        });
    }

    fn legit_models(&mut self, p_adopt: f64, mean_delay_days: f64) -> ModelUse {
        let adopt = self.rng.chance(p_adopt);
        ModelUse {
            primary: self.rng.weighted(&[0.45, 0.4, 0.15]),
            spread: self.rng.uniform(0.0, 0.2),
            adopt_at: adopt.then(|| self.release + (self.rng.exp(mean_delay_days) * DAY_MS) as i64),
            new_share: self.rng.uniform(0.3, 1.0),
            per_session: false,
            session_model: None,
        }
    }

    fn created_before(&mut self, min_days: f64, max_days: f64) -> i64 {
        self.start - (self.rng.uniform(min_days, max_days) * DAY_MS) as i64
    }

    // ------------------------------------------------------------------ legitimate

    fn individual_devs(&mut self, budget: f64) {
        let n = self.count([120, 1500, 8000]);
        let w = self.weights(n, 0.9);
        for wi in w {
            let country = infra::residential_country(&mut self.rng);
            let home = infra::home_endpoint(&mut self.rng, country, 0.1);
            let mut eps = vec![home];
            let mut ws = vec![0.8];
            if self.rng.chance(0.4) {
                let office = if self.rng.chance(0.5) {
                    NetKind::Business
                } else {
                    NetKind::Hosting
                };
                eps.push(infra::endpoint_of(
                    &mut self.rng,
                    office,
                    Some(country),
                    0.1,
                ));
                ws.push(0.18);
            }
            eps.push(infra::home_endpoint(&mut self.rng, country, 1.0));
            ws.push(0.02);
            let tier = *self
                .rng
                .pick(&["paid", "paid", "paid", "free", "free", "startup"]);
            let payment = (tier != "free").then(|| self.payment());
            let email_domain = if self.rng.chance(0.7) {
                infra::webmail(&mut self.rng).to_string()
            } else {
                infra::company_domain(&mut self.rng)
            };
            let mut uas = vec![infra::sdk_user_agent(&mut self.rng)];
            uas.push(if self.rng.chance(0.5) {
                infra::cli_user_agent(&mut self.rng)
            } else {
                infra::browser_user_agent(&mut self.rng)
            });
            let created = if self.rng.chance(0.05) {
                self.start + (self.rng.unit() * (self.end - self.start) as f64 * 0.8) as i64
            } else {
                self.created_before(20.0, 900.0)
            };
            let tz = infra::tz_of(country);
            let per_session = self.rng.uniform(3.0, 10.0);
            let timing = Timing::sessions(
                budget * wi,
                Profile::Work,
                tz,
                per_session,
                self.rng.uniform(60_000.0, 300_000.0),
            );
            let system = self.rng.chance(0.15).then(|| format!("You are a senior {} engineer. Answer with code first, then a short explanation.", self.rng.pick(&["Python", "TypeScript", "Rust", "Go", "backend", "data"])));
            let models = self.legit_models(0.5, 5.0);
            let keys = self.rng.between(1, 2);
            self.push(
                Population::IndividualDev,
                None,
                Identity {
                    org: None,
                    email_domain,
                    created,
                    tier,
                    payment,
                    user_agents: uas,
                    net: Net::Fixed(eps, ws),
                    keys,
                },
                timing,
                (i64::MIN, i64::MAX),
                Content::Dev { system },
                models,
            );
        }
    }

    fn app_backends(&mut self, budget: f64) {
        let n = self.count([10, 60, 200]);
        let w = self.weights(n, 1.0);
        let mut i = 0;
        while i < n {
            let org_size = (self.rng.between(1, 3) as usize).min(n - i);
            let org = self.uid("o", 8);
            let brand = infra::brand(&mut self.rng);
            let kind = *self.rng.pick(text::APP_KINDS);
            let system = text::app_system_prompt(&mut self.rng, kind, &brand);
            let domain = format!(
                "{}.{}",
                brand.to_lowercase(),
                self.rng.pick(&["com", "io", "app", "ai"])
            );
            let payment = self.payment();
            let tier = *self.rng.pick(&["enterprise", "startup", "startup", "paid"]);
            let cloud = *self.rng.pick(&[16509u32, 16509, 15169, 8075, 14061, 24940]);
            let a = infra::asn(cloud);
            let base = infra::v4_in(&mut self.rng, a);
            let servers: Vec<Endpoint> = (0..self.rng.between(2, 8))
                .map(|_| Endpoint {
                    ip: infra::v4_same_24(&mut self.rng, base).to_string(),
                    asn: a.number,
                    country: a.country,
                })
                .collect();
            let sw = vec![1.0; servers.len()];
            let ua = infra::sdk_user_agent(&mut self.rng);
            let tz = if kind == AppKind::ChineseAssistant {
                480
            } else {
                *self.rng.pick(&[-300, -360, 0, 60, 330, 540])
            };
            let created = self.created_before(30.0, 700.0);
            let models = self.legit_models(0.6, 8.0);
            // Staging/dev accounts keep 5% of their weight; production carries the rest of
            // the organisation's weight, so the population still sums to its budget.
            let staging: f64 = w[i + 1..i + org_size].iter().sum();
            for j in 0..org_size {
                // the first account is production; others are staging/dev with little traffic
                let share = if j == 0 {
                    w[i] + 0.95 * staging
                } else {
                    w[i] * 0.05
                };
                let timing = Timing::poisson(budget * share, Profile::Consumer, tz);
                let m = ModelUse {
                    primary: models.primary,
                    spread: models.spread,
                    adopt_at: models.adopt_at,
                    new_share: models.new_share,
                    per_session: false,
                    session_model: None,
                };
                let keys = self.rng.between(1, 3);
                self.push(
                    Population::AppBackend,
                    None,
                    Identity {
                        org: Some(org.clone()),
                        email_domain: domain.clone(),
                        created: created + j as i64 * HOUR * 24,
                        tier,
                        payment: Some(payment.clone()),
                        user_agents: vec![ua.clone()],
                        net: Net::Fixed(servers.clone(), sw.clone()),
                        keys,
                    },
                    timing,
                    (i64::MIN, i64::MAX),
                    Content::App {
                        kind,
                        system: system.clone(),
                    },
                    m,
                );
                i += 1;
            }
        }
    }

    fn enterprise_batch(&mut self, budget: f64) {
        let n = self.count([4, 20, 60]);
        let w = self.weights(n, 0.7);
        for wi in w {
            let kind = self.rng.below(text::BATCH_KINDS);
            let (instruction, system) = text::batch_instruction(&mut self.rng, kind);
            let kind_net = if self.rng.chance(0.6) {
                NetKind::Hosting
            } else {
                NetKind::Business
            };
            let ep = infra::endpoint_of(&mut self.rng, kind_net, Some("US"), 0.05);
            let per_day = budget * wi;
            let timing = if self.rng.chance(0.6) {
                let len_min = self.rng.between(180, 480) as i64;
                Timing::Nightly {
                    gap_ms: len_min as f64 * 60_000.0 / per_day,
                    cv: 0.25,
                    start_min: self.rng.between(0, 1439) as i64,
                    len_min,
                }
            } else {
                Timing::Steady {
                    gap_ms: DAY_MS / per_day,
                    cv: self.rng.uniform(0.2, 0.5),
                }
            };
            let ua = infra::sdk_user_agent(&mut self.rng);
            let payment = Some(self.payment());
            let created = self.created_before(60.0, 1000.0);
            let email_domain = infra::company_domain(&mut self.rng);
            let models = ModelUse {
                primary: self.rng.below(3),
                spread: 0.0,
                adopt_at: None,
                new_share: 0.0,
                per_session: false,
                session_model: None,
            };
            self.push(
                Population::EnterpriseBatch,
                None,
                Identity {
                    org: None,
                    email_domain,
                    created,
                    tier: "enterprise",
                    payment,
                    user_agents: vec![ua],
                    net: Net::Fixed(vec![ep], vec![1.0]),
                    keys: 1,
                },
                timing,
                (i64::MIN, i64::MAX),
                Content::Batch {
                    kind,
                    instruction,
                    system,
                },
                models,
            );
        }
    }

    fn eval_harnesses(&mut self, budget: f64) {
        let orgs = self.count([2, 4, 8]);
        let sizes: Vec<usize> = (0..orgs).map(|_| self.rng.between(2, 5) as usize).collect();
        let n: usize = sizes.iter().sum();
        let w = self.weights(n, 0.5);
        let mut i = 0;
        for size in sizes {
            let org = self.uid("o", 8);
            let academic = self.rng.chance(0.4);
            let (domain, tier) = if academic {
                (self.rng.pick(infra::EDU_DOMAINS).0.to_string(), "edu")
            } else {
                (
                    infra::company_domain(&mut self.rng),
                    *self.rng.pick(&["startup", "paid", "enterprise"]),
                )
            };
            let payment = self.payment();
            let a = infra::asn(*self.rng.pick(&[16509u32, 15169, 8075, 63949]));
            let base = infra::v4_in(&mut self.rng, a);
            let eps: Vec<Endpoint> = (0..4)
                .map(|_| Endpoint {
                    ip: infra::v4_same_24(&mut self.rng, base).to_string(),
                    asn: a.number,
                    country: a.country,
                })
                .collect();
            let ua = if self.rng.chance(0.5) {
                format!(
                    "python-httpx/0.{}.{}",
                    self.rng.between(25, 28),
                    self.rng.between(0, 2)
                )
            } else {
                infra::sdk_user_agent(&mut self.rng)
            };
            let created = self.created_before(10.0, 400.0);
            let adopt = self.release + self.rng.uniform(1.0, 30.0) as i64 * HOUR;
            for _ in 0..size {
                let mut benches: Vec<Bench> = text::BENCHES.to_vec();
                shuffle(&mut self.rng, &mut benches);
                benches.truncate(self.rng.between(2, 4) as usize);
                let per_session = self.rng.uniform(150.0, 800.0);
                let timing = Timing::sessions(
                    budget * w[i],
                    Profile::Flat,
                    0,
                    per_session,
                    self.rng.uniform(300.0, 2_000.0),
                );
                let models = ModelUse {
                    primary: 0,
                    spread: 0.0,
                    adopt_at: Some(adopt),
                    new_share: self.rng.uniform(0.4, 0.8),
                    per_session: true,
                    session_model: None,
                };
                let keys = self.rng.between(1, 4);
                self.push(
                    Population::EvalHarness,
                    None,
                    Identity {
                        org: Some(org.clone()),
                        email_domain: domain.clone(),
                        created,
                        tier,
                        payment: Some(payment.clone()),
                        user_agents: vec![ua.clone()],
                        net: Net::Fixed(eps.clone(), vec![1.0; eps.len()]),
                        keys,
                    },
                    timing,
                    (i64::MIN, i64::MAX),
                    Content::Eval { benches, cur: 0 },
                    models,
                );
                i += 1;
            }
        }
    }

    fn agent_frameworks(&mut self, budget: f64) {
        const FRAMEWORK_SYSTEMS: &[&str] = &[
            "You are an autonomous agent. You can call tools to act in the environment. Think about which tool to use, call it, observe the result, and continue until the task is done. When finished, reply with FINAL ANSWER.",
            "You are a coding agent working in a sandboxed repository. Use the tools to read, edit and test code. Make minimal, correct changes. Never ask the user for confirmation.",
            "You are a helpful assistant with access to tools. Use them when needed. Respond in the user's language.",
        ];
        const TOOLS: &[&str] = &[
            "read_file",
            "write_file",
            "list_dir",
            "run_shell",
            "run_tests",
            "search_code",
            "web_search",
            "browser_open",
            "browser_click",
            "browser_type",
            "screenshot",
            "sql_query",
            "python_exec",
            "send_email",
            "calendar_create",
            "get_weather",
            "http_request",
            "extract_table",
            "make_chart",
            "create_ticket",
        ];
        let n = self.count([20, 250, 1200]);
        let w = self.weights(n, 1.1);
        for wi in w {
            let country = infra::residential_country(&mut self.rng);
            let server = self.rng.chance(0.5);
            let ep = if server {
                infra::endpoint_of(&mut self.rng, NetKind::Hosting, None, 0.1)
            } else {
                infra::home_endpoint(&mut self.rng, country, 0.05)
            };
            let mut tools: Vec<String> = TOOLS.iter().map(|s| s.to_string()).collect();
            shuffle(&mut self.rng, &mut tools);
            tools.truncate(self.rng.between(5, 15) as usize);
            let system = self.rng.pick(FRAMEWORK_SYSTEMS).to_string();
            let tier = *self.rng.pick(&["paid", "startup", "startup", "enterprise"]);
            let payment = Some(self.payment());
            let email_domain = if self.rng.chance(0.5) {
                infra::webmail(&mut self.rng).to_string()
            } else {
                infra::company_domain(&mut self.rng)
            };
            let profile = if server { Profile::Flat } else { Profile::Work };
            let timing = Timing::sessions(
                budget * wi,
                profile,
                infra::tz_of(country),
                self.rng.uniform(10.0, 40.0),
                self.rng.uniform(3_000.0, 20_000.0),
            );
            let ua = infra::sdk_user_agent(&mut self.rng);
            let created = self.created_before(5.0, 500.0);
            let models = self.legit_models(0.6, 3.0);
            let keys = self.rng.between(1, 3);
            self.push(
                Population::AgentFramework,
                None,
                Identity {
                    org: None,
                    email_domain,
                    created,
                    tier,
                    payment,
                    user_agents: vec![ua],
                    net: Net::Fixed(vec![ep], vec![1.0]),
                    keys,
                },
                timing,
                (i64::MIN, i64::MAX),
                Content::Agent {
                    system,
                    tools,
                    task: String::new(),
                    task_tools: Vec::new(),
                    turn: 0,
                },
                models,
            );
        }
    }

    fn edu_researchers(&mut self, budget: f64) {
        let n = self.count([30, 400, 2000]);
        let w = self.weights(n, 1.0);
        let mut i = 0;
        while i < n {
            let lab = (self.rng.between(3, 10) as usize).min(n - i);
            let (domain, asn_no) = *self.rng.pick(infra::EDU_DOMAINS);
            let a = infra::asn(asn_no);
            let campus = infra::v4_in(&mut self.rng, a);
            let org = self.uid("o", 8);
            let lab_card = self.rng.chance(0.5).then(|| self.payment());
            let zh = matches!(a.country, "CN" | "SG");
            let tz = match a.country {
                "US" => -420,
                c => infra::tz_of(c),
            };
            for _ in 0..lab {
                let office = Endpoint {
                    ip: infra::v4_same_24(&mut self.rng, campus).to_string(),
                    asn: a.number,
                    country: a.country,
                };
                let home = infra::home_endpoint(&mut self.rng, a.country, 0.2);
                let uas = vec![
                    infra::sdk_user_agent(&mut self.rng),
                    infra::browser_user_agent(&mut self.rng),
                ];
                let created = self.created_before(5.0, 700.0);
                let timing = Timing::sessions(
                    budget * w[i],
                    Profile::Work,
                    tz,
                    self.rng.uniform(3.0, 12.0),
                    self.rng.uniform(60_000.0, 400_000.0),
                );
                let models = self.legit_models(0.5, 4.0);
                self.push(
                    Population::EduResearcher,
                    None,
                    Identity {
                        org: Some(org.clone()),
                        email_domain: domain.to_string(),
                        created,
                        tier: "edu",
                        payment: lab_card.clone(),
                        user_agents: uas,
                        net: Net::Fixed(vec![office, home], vec![0.7, 0.3]),
                        keys: 1,
                    },
                    timing,
                    (i64::MIN, i64::MAX),
                    Content::Research { zh },
                    models,
                );
                i += 1;
            }
        }
    }

    fn casual_users(&mut self, budget: f64) {
        let n = self.count([250, 4000, 20000]);
        let w = self.weights(n, 1.2);
        for wi in w {
            let country = infra::residential_country(&mut self.rng);
            let zh = infra::speaks_zh(country);
            let created = if self.rng.chance(0.3) {
                self.start + (self.rng.unit() * (self.end - self.start) as f64) as i64
            } else {
                self.created_before(1.0, 400.0)
            };
            let uas = vec![if self.rng.chance(0.7) {
                infra::browser_user_agent(&mut self.rng)
            } else {
                infra::sdk_user_agent(&mut self.rng)
            }];
            let timing = Timing::sessions(
                budget * wi,
                Profile::Consumer,
                infra::tz_of(country),
                self.rng.uniform(1.5, 5.0),
                self.rng.uniform(20_000.0, 120_000.0),
            );
            let current = infra::home_endpoint(&mut self.rng, country, 0.4);
            let email_domain = infra::webmail(&mut self.rng).to_string();
            let models = ModelUse {
                primary: 2,
                spread: 0.1,
                adopt_at: None,
                new_share: 0.0,
                per_session: false,
                session_model: None,
            };
            self.push(
                Population::CasualFree,
                None,
                Identity {
                    org: None,
                    email_domain,
                    created,
                    tier: "free",
                    payment: None,
                    user_agents: uas,
                    net: Net::Sticky {
                        current,
                        p_change: 0.05,
                    },
                    keys: 1,
                },
                timing,
                (i64::MIN, i64::MAX),
                Content::Casual { zh },
                models,
            );
        }
    }

    fn company(&mut self, budget: f64) {
        let n = self.count([30, 200, 600]);
        let w = self.weights(n, 0.8);
        let org = self.uid("o", 8);
        let company = infra::brand(&mut self.rng);
        let domain = format!("{}.com", company.to_lowercase());
        let card = self.payment();
        let country = *self.rng.pick(&["US", "GB", "DE", "NL", "SG"]);
        let office_asn = if country == "US" {
            infra::asn(*self.rng.pick(&[6461u32, 174, 3356]))
        } else {
            infra::asn(1299)
        };
        let nat = infra::v4_in(&mut self.rng, office_asn);
        let office: Vec<Endpoint> = (0..self.rng.between(1, 3))
            .map(|_| Endpoint {
                ip: infra::v4_same_24(&mut self.rng, nat).to_string(),
                asn: office_asn.number,
                country: office_asn.country,
            })
            .collect();
        let onboarding = self.created_before(30.0, 200.0);
        let tz = infra::tz_of(country);
        for wi in w {
            let mut eps = office.clone();
            let mut ws = vec![0.85 / office.len() as f64; office.len()];
            eps.push(infra::home_endpoint(&mut self.rng, country, 0.2));
            ws.push(0.15);
            // most accounts were made in the company-wide onboarding, the rest as people joined
            let created = if self.rng.chance(0.7) {
                onboarding + self.rng.below(4 * 3_600) as i64 * 1000
            } else {
                onboarding + (self.rng.unit() * (self.start - onboarding) as f64) as i64
            };
            let uas = vec![match self.rng.below(3) {
                0 => infra::sdk_user_agent(&mut self.rng),
                1 => infra::cli_user_agent(&mut self.rng),
                _ => infra::browser_user_agent(&mut self.rng),
            }];
            let timing = Timing::sessions(
                budget * wi,
                Profile::Work,
                tz,
                self.rng.uniform(2.0, 8.0),
                self.rng.uniform(60_000.0, 600_000.0),
            );
            let models = self.legit_models(0.7, 6.0);
            self.push(
                Population::CompanyEmployees,
                None,
                Identity {
                    org: Some(org.clone()),
                    email_domain: domain.clone(),
                    created,
                    tier: "enterprise",
                    payment: Some(card.clone()),
                    user_agents: uas,
                    net: Net::Fixed(eps, ws),
                    keys: 1,
                },
                timing,
                (i64::MIN, i64::MAX),
                Content::Employee {
                    company: company.clone(),
                },
                models,
            );
        }
    }

    fn shared_ip_users(&mut self, budget: f64) {
        let n = self.count([60, 800, 4000]);
        let w = self.weights(n, 1.0);
        // shared exits: carrier-grade NAT pools (a handful of public IPs per region) and VPN exits
        let groups = self.count([4, 12, 40]);
        let mut pool_ids = Vec::new();
        for g in 0..groups {
            let vpn = g % 2 == 1;
            let a = if vpn {
                *self.rng.pick(&infra::asns_of(NetKind::Vpn))
            } else {
                *self.rng.pick(&infra::asns_of(NetKind::Mobile))
            };
            let base = infra::v4_in(&mut self.rng, a);
            let size = self.rng.between(2, 8);
            let pool: Vec<Endpoint> = (0..size)
                .map(|_| Endpoint {
                    ip: infra::v4_same_24(&mut self.rng, base).to_string(),
                    asn: a.number,
                    country: a.country,
                })
                .collect();
            self.pools.push(pool);
            pool_ids.push((self.pools.len() - 1, a.country, vpn));
        }
        for wi in w {
            let (pool, pool_country, vpn) = *self.rng.pick(&pool_ids);
            let country = if vpn {
                infra::residential_country(&mut self.rng)
            } else {
                pool_country
            };
            let zh = infra::speaks_zh(country);
            let tier = *self.rng.pick(&["free", "paid", "paid"]);
            let payment = (tier == "paid").then(|| self.payment());
            let email_domain = infra::webmail(&mut self.rng).to_string();
            let uas = vec![if self.rng.chance(0.5) {
                infra::browser_user_agent(&mut self.rng)
            } else {
                infra::sdk_user_agent(&mut self.rng)
            }];
            let created = self.created_before(1.0, 600.0);
            let timing = Timing::sessions(
                budget * wi,
                if self.rng.chance(0.5) {
                    Profile::Work
                } else {
                    Profile::Consumer
                },
                infra::tz_of(country),
                self.rng.uniform(2.0, 8.0),
                self.rng.uniform(30_000.0, 300_000.0),
            );
            let dev = self.rng.chance(0.5);
            let models = self.legit_models(0.4, 6.0);
            let stick = self.rng.between(1, 30) as u32;
            self.push(
                Population::SharedIpUsers,
                None,
                Identity {
                    org: None,
                    email_domain,
                    created,
                    tier,
                    payment,
                    user_agents: uas,
                    net: Net::Pool {
                        pool,
                        stick,
                        cur: 0,
                        left: 0,
                    },
                    keys: 1,
                },
                timing,
                (i64::MIN, i64::MAX),
                Content::SharedUser { zh, dev },
                models,
            );
        }
    }

    // ------------------------------------------------------------------ attacks

    fn templates(
        &mut self,
        n: usize,
        cap_weights: &[f64],
        cot_share: f64,
        zh_share: f64,
    ) -> (Vec<Template>, Vec<f64>) {
        let mut ts = Vec::with_capacity(n);
        for _ in 0..n {
            let cap = text::CAPABILITIES[self.rng.weighted(cap_weights)];
            let zh = self.rng.chance(zh_share);
            let cot = self.rng.chance(cot_share);
            ts.push(Template::draw(&mut self.rng, cap, zh, cot));
        }
        let w = (0..n).map(|_| self.rng.uniform(0.2, 1.0)).collect();
        (ts, w)
    }

    /// Capability mix of a campaign: random weights, one or two capabilities sometimes absent.
    fn cap_weights(&mut self) -> Vec<f64> {
        let mut w: Vec<f64> = text::CAPABILITIES
            .iter()
            .map(|_| self.rng.exp(1.0))
            .collect();
        for _ in 0..self.rng.between(0, 2) {
            let i = self.rng.below(w.len());
            w[i] = 0.0;
        }
        if w.iter().all(|x| *x == 0.0) {
            w[0] = 1.0;
        }
        // reasoning traces are what distillers want most
        w[0] += 0.3;
        w
    }

    fn hydra(&mut self, k: usize, budget: f64) {
        let n = match self.scale {
            Scale::Small => self.rng.between(50, 100),
            Scale::Medium => self.rng.between(200, 1500),
            Scale::Large => self.rng.between(800, 4000),
        } as usize;
        let cot_share = self.rng.uniform(0.3, 0.9);
        let zh_share = self.rng.uniform(0.0, 0.6);
        let caps = self.cap_weights();
        let n_templates = self.rng.between(4, 12) as usize;
        let (templates, template_weights) = self.templates(n_templates, &caps, cot_share, zh_share);
        let campaign = self.campaigns.len();
        self.campaigns.push(Campaign {
            id: format!("hydra-{}", k + 1),
            population: Population::Hydra,
            templates,
            template_weights,
            cap_weights: caps,
            cot_share,
            zh_share,
        });

        // proxy pool: hosting ASes plus a residential-proxy share
        let pool_size = match self.scale {
            Scale::Small => self.rng.between(60, 200),
            Scale::Medium => self.rng.between(300, 2500),
            Scale::Large => self.rng.between(1000, 6000),
        };
        let mut hosting = infra::asns_of(NetKind::Hosting);
        shuffle(&mut self.rng, &mut hosting);
        hosting.truncate(self.rng.between(3, 6) as usize);
        let residential: Vec<_> = infra::ASNS
            .iter()
            .filter(|a| matches!(a.kind, NetKind::Residential | NetKind::Mobile))
            .collect();
        let resi_share = self.rng.uniform(0.0, 0.6);
        let p_v6 = self.rng.uniform(0.0, 0.15);
        let pool: Vec<Endpoint> = (0..pool_size)
            .map(|_| {
                let a = if self.rng.chance(resi_share) {
                    *self.rng.pick(&residential)
                } else {
                    *self.rng.pick(&hosting)
                };
                infra::endpoint_in(&mut self.rng, a, p_v6)
            })
            .collect();
        self.pools.push(pool);
        let pool = self.pools.len() - 1;
        let stick = self.rng.between(1, 20) as u32;

        // identities: one client stack, e-mail mix, tiers, cards shared in subsets
        let ua = infra::sdk_user_agent(&mut self.rng);
        let bulk_domains: Vec<String> = (0..self.rng.between(1, 4))
            .map(|_| infra::company_domain(&mut self.rng))
            .collect();
        let p_webmail = self.rng.uniform(0.3, 0.9);
        let tier_w = [
            self.rng.uniform(0.0, 1.0),
            self.rng.uniform(0.0, 1.0),
            self.rng.uniform(0.0, 0.6),
            self.rng.uniform(0.0, 0.5),
        ];
        let bursts = self.rng.between(3, 8) as usize;
        let burst_times: Vec<i64> = (0..bursts)
            .map(|b| {
                if b == 0 {
                    self.start - (self.rng.uniform(1.0, 21.0) * DAY_MS) as i64
                } else {
                    self.start - 10 * DAY
                        + (self.rng.unit()
                            * ((self.end - 2 * DAY) - (self.start - 10 * DAY)).max(DAY) as f64)
                            as i64
                }
            })
            .collect();
        let burst_len = self.rng.uniform(20.0, 240.0) * 60_000.0;
        let adopt = self.release + (self.rng.uniform(2.0, 20.0) * HOUR as f64) as i64;
        let new_share = self.rng.uniform(0.42, 0.58);
        let cv = self.rng.uniform(0.2, 0.6);

        let mut card: Option<String> = None;
        let mut card_left = 0;
        let mut plans = Vec::with_capacity(n);
        for _ in 0..n {
            let burst = if self.rng.chance(0.4) {
                burst_times[0]
            } else {
                *self.rng.pick(&burst_times)
            };
            let created = burst + (self.rng.unit() * burst_len) as i64;
            let from = created + (self.rng.uniform(0.2, 6.0) * HOUR as f64) as i64;
            let lifetime = (self.rng.uniform(4.0, 30.0) * DAY_MS) as i64;
            // accounts made before the period are those still alive at its start
            let from = from.max(self.start);
            plans.push((created, from, (from + lifetime).min(self.end)));
        }
        let active_days: f64 = plans
            .iter()
            .map(|(_, f, t)| ((t - f).max(0)) as f64 / DAY_MS)
            .sum();
        let days = (self.end - self.start) as f64 / DAY_MS;
        // load balancing: every active account carries about the same rate
        let per_account_day = budget * days / active_days.max(1.0);
        for (created, from, to) in plans {
            let tier = ["paid", "startup", "edu", "free"][self.rng.weighted(&tier_w)];
            let payment = if tier == "free" {
                None
            } else {
                if card_left == 0 {
                    card = Some(self.payment());
                    card_left = self.rng.between(5, 30);
                }
                card_left -= 1;
                card.clone()
            };
            let email_domain = if tier == "edu" {
                if self.rng.chance(0.5) {
                    self.rng.pick(infra::EDU_DOMAINS).0.to_string()
                } else {
                    format!(
                        "{}.edu.{}",
                        self.rng.pick(&["mail", "stu", "student"]),
                        self.rng.pick(&["cn", "my", "vn", "pk", "ng"])
                    )
                }
            } else if self.rng.chance(p_webmail) {
                infra::webmail(&mut self.rng).to_string()
            } else {
                self.rng.pick(&bulk_domains).clone()
            };
            let rate = per_account_day * self.rng.lognormal(1.0, 0.15);
            let timing = Timing::Steady {
                gap_ms: DAY_MS / rate.max(1e-3),
                cv,
            };
            let models = ModelUse {
                primary: 0,
                spread: 0.05,
                adopt_at: Some(adopt + self.rng.below(2 * HOUR as usize) as i64),
                new_share,
                per_session: false,
                session_model: None,
            };
            self.push(
                Population::Hydra,
                Some(campaign),
                Identity {
                    org: None,
                    email_domain,
                    created,
                    tier,
                    payment,
                    user_agents: vec![ua.clone()],
                    net: Net::Pool {
                        pool,
                        stick,
                        cur: 0,
                        left: 0,
                    },
                    keys: 1,
                },
                timing,
                (from, to),
                Content::Attack { campaign },
                models,
            );
        }
    }

    fn slow_and_low(&mut self) {
        let n = match self.scale {
            Scale::Small => self.rng.between(12, 20),
            Scale::Medium => self.rng.between(20, 60),
            Scale::Large => self.rng.between(30, 90),
        } as usize;
        let caps = self.cap_weights();
        let cot_share = self.rng.uniform(0.4, 0.9);
        let zh_share = self.rng.uniform(0.0, 0.5);
        let campaign = self.campaigns.len();
        self.campaigns.push(Campaign {
            id: "slow-and-low-1".into(),
            population: Population::SlowAndLow,
            templates: Vec::new(),
            template_weights: Vec::new(),
            cap_weights: caps,
            cot_share,
            zh_share,
        });
        let countries: Vec<&'static str> = (0..self.rng.between(2, 5))
            .map(|_| infra::residential_country(&mut self.rng))
            .collect();
        let uas: Vec<String> = (0..self.rng.between(2, 4))
            .map(|_| {
                if self.rng.chance(0.7) {
                    infra::sdk_user_agent(&mut self.rng)
                } else {
                    infra::browser_user_agent(&mut self.rng)
                }
            })
            .collect();
        let tz = *self.rng.pick(&[480, 480, 0, -300, 60]);
        let mut shared_card: Option<String> = None;
        for _ in 0..n {
            let country = *self.rng.pick(&countries);
            let current = infra::home_endpoint(&mut self.rng, country, 0.2);
            let tier = if self.rng.chance(0.8) { "paid" } else { "free" };
            let payment = if tier == "free" {
                None
            } else if self.rng.chance(0.15) && shared_card.is_some() {
                shared_card.take()
            } else {
                let c = self.payment();
                if shared_card.is_none() && self.rng.chance(0.3) {
                    shared_card = Some(c.clone());
                }
                Some(c)
            };
            let created = self.created_before(5.0, 90.0);
            let per_day = self.rng.uniform(10.0, 50.0);
            let timing = Timing::poisson(
                per_day,
                Profile::Work,
                tz + self.rng.between(0, 120) as i32 - 60,
            );
            let adopt = self.release + (self.rng.uniform(1.0, 5.0) * DAY_MS) as i64;
            let models = ModelUse {
                primary: self.rng.weighted(&[0.8, 0.2, 0.0]),
                spread: 0.1,
                adopt_at: Some(adopt),
                new_share: self.rng.uniform(0.3, 0.6),
                per_session: false,
                session_model: None,
            };
            let email_domain = infra::webmail(&mut self.rng).to_string();
            let ua = self.rng.pick(&uas).clone();
            self.push(
                Population::SlowAndLow,
                Some(campaign),
                Identity {
                    org: None,
                    email_domain,
                    created,
                    tier,
                    payment,
                    user_agents: vec![ua],
                    net: Net::Sticky {
                        current,
                        p_change: 0.02,
                    },
                    keys: 1,
                },
                timing,
                (i64::MIN, i64::MAX),
                Content::Attack { campaign },
                models,
            );
        }
    }

    fn reseller(&mut self, budget: f64) {
        let n = match self.scale {
            Scale::Small => self.rng.between(3, 6),
            Scale::Medium => self.rng.between(4, 10),
            Scale::Large => self.rng.between(6, 16),
        } as usize;
        let caps = self.cap_weights();
        let cot_share = self.rng.uniform(0.5, 1.0);
        let zh_share = self.rng.uniform(0.2, 0.8);
        let (templates, template_weights) = {
            let k = self.rng.between(2, 5) as usize;
            self.templates(k, &caps, cot_share, zh_share)
        };
        let campaign = self.campaigns.len();
        self.campaigns.push(Campaign {
            id: "reseller-1".into(),
            population: Population::Reseller,
            templates,
            template_weights,
            cap_weights: caps,
            cot_share,
            zh_share,
        });
        let distill_share = self.rng.uniform(0.2, 0.5);
        let org = self.uid("o", 8);
        let domain = infra::company_domain(&mut self.rng);
        let cards: Vec<String> = (0..self.rng.between(1, 2))
            .map(|_| self.payment())
            .collect();
        let a = infra::asn(*self.rng.pick(&[45102u32, 132203, 24940, 14061, 63949]));
        let base = infra::v4_in(&mut self.rng, a);
        let servers: Vec<Endpoint> = (0..self.rng.between(4, 12))
            .map(|_| Endpoint {
                ip: infra::v4_same_24(&mut self.rng, base).to_string(),
                asn: a.number,
                country: a.country,
            })
            .collect();
        let ua = infra::sdk_user_agent(&mut self.rng);
        let w = self.weights(n, 0.4);
        let created = self.created_before(20.0, 200.0);
        let adopt = self.release + (self.rng.uniform(1.0, 12.0) * HOUR as f64) as i64;
        for (j, wi) in w.into_iter().enumerate() {
            let timing = Timing::poisson(budget * wi, Profile::Consumer, 480);
            let models = ModelUse {
                primary: 0,
                spread: 0.35,
                adopt_at: Some(adopt),
                new_share: 0.5,
                per_session: false,
                session_model: None,
            };
            let keys = self.rng.between(1, 4);
            self.push(
                Population::Reseller,
                Some(campaign),
                Identity {
                    org: Some(org.clone()),
                    email_domain: domain.clone(),
                    created: created + j as i64 * 7 * DAY,
                    tier: if j % 2 == 0 { "startup" } else { "paid" },
                    payment: Some(cards[j % cards.len()].clone()),
                    user_agents: vec![ua.clone()],
                    net: Net::Fixed(servers.clone(), vec![1.0; servers.len()]),
                    keys,
                },
                timing,
                (i64::MIN, i64::MAX),
                Content::Reseller {
                    campaign,
                    distill_share,
                    zh_share,
                },
                models,
            );
        }
    }
}

/// Builds the world for `cfg`.
pub(crate) fn build(cfg: &TrafficConfig) -> (World, Vec<Account>) {
    let start = cfg.start.timestamp_millis();
    let end = start + cfg.days as i64 * DAY;
    let mut rng = child(cfg.seed, 0x5eed, 0);
    let release = start + ((end - start) as f64 * rng.uniform(0.35, 0.65)) as i64;
    let family = rng
        .pick(&["frontier", "atlas", "nova", "meridian", "summit"])
        .to_string();
    let gen = rng.between(3, 5);
    let models = Models {
        old: [
            format!("{family}-{gen}-large"),
            format!("{family}-{gen}-medium"),
            format!("{family}-{gen}-small"),
        ],
        new: format!("{family}-{gen}.5-large"),
        release,
    };
    let mut b = Builder {
        seed: cfg.seed,
        rng,
        start,
        end,
        scale: cfg.scale,
        per_day: cfg.scale.target_records() as f64 / 14.0,
        ids: HashSet::new(),
        accounts: Vec::new(),
        pools: Vec::new(),
        campaigns: Vec::new(),
        release,
    };
    let attack_share = b.rng.uniform(0.12, 0.30);
    let legit = b.per_day * (1.0 - attack_share);
    b.app_backends(legit * 0.30);
    b.enterprise_batch(legit * 0.20);
    b.individual_devs(legit * 0.12);
    b.agent_frameworks(legit * 0.10);
    b.eval_harnesses(legit * 0.08);
    b.company(legit * 0.07);
    b.edu_researchers(legit * 0.05);
    b.shared_ip_users(legit * 0.05);
    b.casual_users(legit * 0.03);
    let attack = b.per_day * attack_share;
    let reseller_share = b.rng.uniform(0.06, 0.14);
    let clusters = b.rng.between(2, 4) as usize;
    let split = b.weights(clusters, 0.5);
    for (k, s) in split.into_iter().enumerate() {
        b.hydra(k, attack * (1.0 - reseller_share) * s);
    }
    b.slow_and_low();
    b.reseller(attack * reseller_share);
    (
        World {
            start,
            end,
            models,
            pools: b.pools,
            campaigns: b.campaigns,
        },
        b.accounts,
    )
}

/// Formats epoch milliseconds as RFC 3339 UTC with milliseconds.
pub(crate) fn fmt_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
