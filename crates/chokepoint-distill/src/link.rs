//! The reduce step: accounts joined through what they share into candidate campaigns.
//!
//! The graph is bipartite: accounts on one side, shared attribute values on the other
//! (a payment fingerprint, an IP, a prompt template). An attribute links accounts only when
//! it is rare enough to mean something: very common values (a carrier NAT address, a payment
//! processor's placeholder) are capped so that they never glue unrelated accounts together,
//! and an IP or template links an account only when it carries a real share of that account's
//! traffic. Communities are the weighted connected components of what remains.
//!
//! Templates are found in two passes over the sampled prompts of all accounts: shingles seen
//! in the prompts of at least [`MIN_TEMPLATE_ACCOUNTS`] accounts are "shared"; a prompt's
//! shared shingles are its template part (the varying content falls away because it is not
//! shared); a template cluster is a leader prompt and the prompts whose template parts are
//! near-identical to the leader's (no chaining through intermediate prompts).

use crate::config::Config;
use crate::profile::Profile;
use crate::sketch::jaccard_bottom_k;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A shingle is part of a template only when prompts of this many accounts contain it.
pub const MIN_TEMPLATE_ACCOUNTS: usize = 3;
/// Shingles of a template part used as LSH bucket keys.
const LSH_KEYS: usize = 6;
/// Cluster leaders kept per LSH bucket (bounds the work on very common keys).
const BUCKET_REPS: usize = 12;

/// Disjoint sets with path halving and union by size.
#[derive(Debug, Clone)]
pub struct UnionFind {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl UnionFind {
    pub fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }
    pub fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }
    pub fn union(&mut self, a: usize, b: usize) -> bool {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return false;
        }
        // Deterministic: the larger set (ties: the smaller index) becomes the root.
        if self.size[a] < self.size[b] || (self.size[a] == self.size[b] && b < a) {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a;
        self.size[a] += self.size[b];
        true
    }
}

/// A prompt template seen across accounts.
#[derive(Debug, Clone)]
pub struct TemplateCluster {
    /// Accounts (indexes into the profile list) and how many of their sampled prompts fill it.
    pub accounts: BTreeMap<usize, u32>,
    /// Sampled prompts in the cluster.
    pub prompts: usize,
    /// Shingles present in at least half of the cluster's template parts.
    pub skeleton: Vec<u64>,
}

/// How one account is tied to others.
#[derive(Debug, Clone, Default)]
pub struct AccountLinks {
    /// Share of the account's sampled prompts that fill a template used by other accounts too.
    pub templated_share: f64,
    /// Template clusters the account fills (ids into `CampaignGraph::templates`).
    pub templates: Vec<usize>,
    /// Largest number of accounts sharing one of this account's payment fingerprints, the
    /// account itself included and accounts of its own declared organisation left out.
    pub payment_peers: usize,
    /// Largest number of accounts linked through one of this account's main IPs.
    pub ip_peers: usize,
    /// Kinds of link that joined this account to its component.
    pub kinds: BTreeSet<&'static str>,
}

/// The linked accounts.
#[derive(Debug, Clone, Default)]
pub struct CampaignGraph {
    pub templates: Vec<TemplateCluster>,
    pub accounts: Vec<AccountLinks>,
    /// Components with at least `min_campaign_accounts` accounts, each sorted, in order of
    /// their smallest account index.
    pub components: Vec<Vec<usize>>,
    /// Component of each account, if any.
    pub component_of: Vec<Option<usize>>,
}

/// Builds template clusters from the sampled prompts of all profiles.
pub fn template_clusters(profiles: &[Profile], cfg: &Config) -> Vec<TemplateCluster> {
    // 1. Shingle -> number of distinct accounts whose sampled prompts contain it.
    let mut seen: HashMap<u64, (u32, usize)> = HashMap::new();
    for (a, p) in profiles.iter().enumerate() {
        for sp in &p.prompts.entries {
            for &h in &sp.shingles {
                let e = seen.entry(h).or_insert((0, usize::MAX));
                if e.1 != a {
                    e.0 += 1;
                    e.1 = a;
                }
            }
        }
    }
    // 2. Template parts: the shared shingles of each sampled prompt.
    struct Item {
        account: usize,
        part: Vec<u64>,
    }
    let min_part = cfg.link.min_template_shingles;
    let mut items: Vec<Item> = Vec::new();
    for (a, p) in profiles.iter().enumerate() {
        for sp in &p.prompts.entries {
            let part: Vec<u64> = sp
                .shingles
                .iter()
                .copied()
                .filter(|h| {
                    seen.get(h)
                        .is_some_and(|e| e.0 as usize >= MIN_TEMPLATE_ACCOUNTS)
                })
                .collect();
            if part.len() >= min_part {
                items.push(Item { account: a, part });
            }
        }
    }
    drop(seen);
    // 3. Leader clustering: each part joins the most similar cluster *leader* found through
    //    its LSH keys (the smallest shingles of the part), or leads a new cluster. Comparing
    //    with a leader, never joining transitively, keeps clusters from chaining: with
    //    union-find over pairwise hits, A~B and B~C put A and C together however far apart
    //    they are, and common phrasing grew one cluster over most ordinary prompts. Items come
    //    in account order, so the clusters do not depend on how the input was sharded.
    let tau = cfg.link.template_similarity;
    let mut leaders: Vec<usize> = Vec::new();
    let mut cluster_of: Vec<usize> = vec![0; items.len()];
    let mut buckets: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut last_checked: Vec<usize> = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let a = &it.part;
        let mut best: Option<(f64, usize)> = None;
        for k in a.iter().take(LSH_KEYS) {
            for &c in buckets.get(k).map(Vec::as_slice).unwrap_or_default() {
                if last_checked[c] == i {
                    continue;
                }
                last_checked[c] = i;
                let b = &items[leaders[c]].part;
                let j = jaccard_bottom_k(a, b, a.len().min(b.len()));
                if j >= tau && best.is_none_or(|(bj, bc)| j > bj || (j == bj && c < bc)) {
                    best = Some((j, c));
                }
            }
        }
        cluster_of[i] = match best {
            Some((_, c)) => c,
            None => {
                let c = leaders.len();
                leaders.push(i);
                last_checked.push(i);
                for &k in a.iter().take(LSH_KEYS) {
                    let reps = buckets.entry(k).or_default();
                    if reps.len() < BUCKET_REPS {
                        reps.push(c);
                    }
                }
                c
            }
        };
    }
    drop(buckets);
    // 4. Clusters with their accounts and skeletons.
    let mut by_root: Vec<Vec<usize>> = vec![Vec::new(); leaders.len()];
    for (i, &c) in cluster_of.iter().enumerate() {
        by_root[c].push(i);
    }
    let mut out = Vec::new();
    for members in by_root {
        if members.len() < 2 {
            continue;
        }
        let mut accounts: BTreeMap<usize, u32> = BTreeMap::new();
        let mut freq: HashMap<u64, usize> = HashMap::new();
        for &m in &members {
            *accounts.entry(items[m].account).or_default() += 1;
            for &h in &items[m].part {
                *freq.entry(h).or_default() += 1;
            }
        }
        let mut skeleton: Vec<u64> = freq
            .into_iter()
            .filter(|&(_, n)| 2 * n >= members.len())
            .map(|(h, _)| h)
            .collect();
        skeleton.sort_unstable();
        out.push(TemplateCluster {
            accounts,
            prompts: members.len(),
            skeleton,
        });
    }
    out
}

/// Links accounts into components (candidate campaigns).
pub fn link(profiles: &[Profile], cfg: &Config) -> CampaignGraph {
    let n = profiles.len();
    let lc = &cfg.link;
    let templates = template_clusters(profiles, cfg);
    let mut links: Vec<AccountLinks> = vec![AccountLinks::default(); n];
    let mut uf = UnionFind::new(n);

    // Templates: the share of each account's sampled prompts in multi-account templates.
    let mut templated: Vec<u32> = vec![0; n];
    for (t, c) in templates.iter().enumerate() {
        if c.accounts.len() < 2 {
            continue;
        }
        for (&a, &k) in &c.accounts {
            templated[a] += k;
            links[a].templates.push(t);
        }
    }
    for (a, p) in profiles.iter().enumerate() {
        let sampled = p.prompts.entries.len().max(1) as f64;
        links[a].templated_share = f64::from(templated[a]) / sampled;
    }
    for c in templates.iter().filter(|c| c.accounts.len() >= 2) {
        let joined: Vec<usize> = c
            .accounts
            .iter()
            .filter(|&(&a, &k)| {
                let sampled = profiles[a].prompts.entries.len().max(1) as f64;
                let share = f64::from(k) / sampled;
                links[a].templated_share >= lc.template_account_share
                    && (share >= lc.template_account_share
                        || k as usize >= lc.template_account_prompts)
            })
            .map(|(&a, _)| a)
            .collect();
        if joined.len() >= 2 && lc.template_links {
            for w in joined.windows(2) {
                uf.union(w[0], w[1]);
            }
            for &a in &joined {
                links[a].kinds.insert("template");
            }
        }
    }

    // Payment fingerprints: every account that used one, up to the cap.
    let mut by_payment: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (a, p) in profiles.iter().enumerate() {
        for e in &p.payments.entries {
            by_payment.entry(e.value.as_str()).or_default().push(a);
        }
    }
    let org_of: Vec<Option<&str>> = profiles
        .iter()
        .map(|p| p.orgs.top().map(|o| o.value.as_str()))
        .collect();
    for accts in by_payment.values() {
        if accts.len() < 2 {
            continue;
        }
        // A card shared inside one declared organisation is that organisation's card: only
        // the sharers outside the account's own organisation are evidence.
        let mut per_org: HashMap<&str, usize> = HashMap::new();
        for &a in accts {
            if let Some(o) = org_of[a] {
                *per_org.entry(o).or_default() += 1;
            }
        }
        for &a in accts {
            let same_org = org_of[a].map_or(1, |o| per_org[o]);
            let outside = accts.len() - same_org;
            links[a].payment_peers = links[a].payment_peers.max(outside + 1);
        }
        if accts.len() > lc.max_payment_accounts {
            continue;
        }
        for w in accts.windows(2) {
            uf.union(w[0], w[1]);
        }
        for &a in accts {
            links[a].kinds.insert("payment");
        }
    }

    // IPs: only the addresses that carry a real share of an account's traffic, up to the cap.
    let mut by_ip: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (a, p) in profiles.iter().enumerate() {
        for e in &p.ips.entries {
            if e.count as f64 >= lc.ip_account_share * p.records as f64 {
                by_ip.entry(e.value.as_str()).or_default().push(a);
            }
        }
    }
    for accts in by_ip.values() {
        if accts.len() < 2 || accts.len() > lc.max_ip_accounts {
            continue;
        }
        for w in accts.windows(2) {
            uf.union(w[0], w[1]);
        }
        for &a in accts {
            links[a].ip_peers = links[a].ip_peers.max(accts.len());
            links[a].kinds.insert("ip");
        }
    }

    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for a in 0..n {
        groups.entry(uf.find(a)).or_default().push(a);
    }
    let mut components: Vec<Vec<usize>> = groups
        .into_values()
        .filter(|g| g.len() >= lc.min_campaign_accounts)
        .collect();
    components.sort_by_key(|g| g[0]);
    let mut component_of = vec![None; n];
    for (i, g) in components.iter().enumerate() {
        for &a in g {
            component_of[a] = Some(i);
        }
    }
    CampaignGraph {
        templates,
        accounts: links,
        components,
        component_of,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProfileConfig;
    use crate::record::Record;
    use std::borrow::Cow;

    fn profile(id: &str, prompts: &[String], pay: Option<&str>, ip: &str) -> Profile {
        let cfg = ProfileConfig::default();
        let mut p = Profile::new(id);
        for (i, pr) in prompts.iter().enumerate() {
            let r = Record {
                ts_ms: 1_000_000 + i as i64 * 60_000,
                account_id: Cow::Owned(id.into()),
                prompt: Cow::Owned(pr.clone()),
                payment_fingerprint: pay.map(|s| Cow::Owned(s.into())),
                ip: Some(Cow::Owned(ip.into())),
                ..Record::default()
            };
            p.add(&r, &cfg);
        }
        p
    }

    fn filled(template: &str, seed: usize, n: usize) -> Vec<String> {
        let topics = [
            "graph coloring",
            "prime sieves",
            "binary heaps",
            "tax rules in Spain",
            "the French revolution",
            "quantum tunnelling",
            "protein folding",
            "sorting networks",
            "monsoon patterns",
            "jazz harmony",
            "rust lifetimes",
            "glacier retreat",
        ];
        (0..n)
            .map(|i| {
                template.replace(
                    "{}",
                    &format!(
                        "{} and {}",
                        topics[(seed + i) % 12],
                        topics[(seed * 7 + i * 5 + 3) % 12]
                    ),
                )
            })
            .collect()
    }

    #[test]
    fn shared_template_links_accounts_and_skips_unrelated() {
        let t = "You are an expert tutor. Explain {} in depth. Reason step by step and write out every intermediate thought before the final answer, then summarise.";
        let mut profiles: Vec<Profile> = (0..6)
            .map(|i| {
                profile(
                    &format!("a{i}"),
                    &filled(t, i, 8),
                    None,
                    &format!("10.0.0.{i}"),
                )
            })
            .collect();
        for i in 0..4 {
            let words = [
                "roses",
                "tax",
                "bicycle",
                "violin",
                "sourdough",
                "kayak",
                "chess",
                "orchids",
                "mortgage",
                "tennis",
                "pottery",
                "salsa",
            ];
            let own: Vec<String> = (0..8)
                .map(|k| {
                    let w: Vec<&str> = (0..9)
                        .map(|j| words[(i * 13 + k * 7 + j * j * 5 + j) % 12])
                        .collect();
                    format!(
                        "{} {} {}? {} {} {} {} {} {}",
                        w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8]
                    )
                })
                .collect();
            profiles.push(profile(
                &format!("b{i}"),
                &own,
                None,
                &format!("10.1.0.{i}"),
            ));
        }
        let cfg = Config {
            link: crate::config::LinkConfig {
                template_links: true,
                ..Default::default()
            },
            ..Config::default()
        };
        let g = link(&profiles, &cfg);
        assert_eq!(g.components.len(), 1, "{:?}", g.components);
        assert_eq!(g.components[0], (0..6).collect::<Vec<_>>());
        assert!(g.accounts[0].templated_share > 0.9);
        assert!(!g.templates.is_empty() && !g.templates[0].skeleton.is_empty());
    }

    #[test]
    fn payment_links_but_cap_applies() {
        let cfg = Config {
            link: crate::config::LinkConfig {
                max_payment_accounts: 3,
                ..Default::default()
            },
            ..Config::default()
        };
        let few: Vec<Profile> = (0..3)
            .map(|i| {
                profile(
                    &format!("p{i}"),
                    &[format!("q{i}")],
                    Some("pf-1"),
                    &format!("10.2.0.{i}"),
                )
            })
            .collect();
        let many: Vec<Profile> = (0..5)
            .map(|i| {
                profile(
                    &format!("z{i}"),
                    &[format!("r{i}")],
                    Some("pf-2"),
                    &format!("10.3.0.{i}"),
                )
            })
            .collect();
        let all: Vec<Profile> = few.into_iter().chain(many).collect();
        let g = link(&all, &cfg);
        assert_eq!(g.components, vec![vec![0, 1, 2]]);
        assert_eq!(g.accounts[4].payment_peers, 5);
    }

    #[test]
    fn payment_shared_inside_one_declared_org_is_not_peer_evidence() {
        let mut all: Vec<Profile> = (0..4)
            .map(|i| {
                let mut p = profile(
                    &format!("o{i}"),
                    &[format!("q{i}")],
                    Some("pf-org"),
                    &format!("10.4.0.{i}"),
                );
                p.orgs.add("o-team", 0, 8);
                p
            })
            .collect();
        all.push(profile("loner", &["q".into()], Some("pf-org"), "10.5.0.1"));
        let g = link(&all, &Config::default());
        // The four of one organisation see only the one outsider; the outsider sees all four.
        assert_eq!(g.accounts[0].payment_peers, 2);
        assert_eq!(g.accounts[4].payment_peers, 5);
        // The card still links them: linkage is not scoring.
        assert_eq!(g.components, vec![vec![0, 1, 2, 3, 4]]);
    }

    #[test]
    fn template_clusters_do_not_chain() {
        // Prompts A, B, C are windows of one word sequence: A~B and B~C are near-duplicates
        // (Jaccard ~0.47), A and C are not (~0.17). Three accounts send each.
        const ONSETS: [&str; 10] = ["ka", "lo", "mi", "nu", "pe", "ra", "si", "tu", "vo", "ze"];
        const CODAS: [&str; 10] = ["ba", "ce", "di", "fo", "gu", "hi", "jo", "ku", "le", "mo"];
        let word = |i: usize| format!("{}{}", ONSETS[i / 10], CODAS[i % 10]);
        let window = |from: usize| (from..from + 30).map(word).collect::<Vec<_>>().join(" ");
        let profiles: Vec<Profile> = (0..9)
            .map(|i| {
                profile(
                    &format!("a{i}"),
                    &[window(10 * (i / 3))],
                    None,
                    &format!("10.6.0.{i}"),
                )
            })
            .collect();
        let clusters = template_clusters(&profiles, &Config::default());
        let group = |c: &TemplateCluster| -> BTreeSet<usize> {
            c.accounts.keys().map(|&a| a / 3).collect()
        };
        assert!(
            clusters
                .iter()
                .any(|c| group(c).contains(&0) && group(c).contains(&1)),
            "A and B are one template: {clusters:?}"
        );
        assert!(
            clusters
                .iter()
                .all(|c| !(group(c).contains(&0) && group(c).contains(&2))),
            "A and C joined through B: {clusters:?}"
        );
    }
}
