//! Template clustering on 200k prompts, timed, with everything a peer needs to redo it.
//!
//! Each prompt becomes its own one-prompt [`Profile`] (so each prompt is its own "account"),
//! then [`template_clusters`] runs over all of them with the default configuration. The bench
//! writes to `$DISTILL_TEMPLATES_OUT` (default `/var/tmp/chokepoint-bench/distill-templates`):
//!
//! - `shingles.u64` + `shingles.offsets.u64`: the full shingle set of every prompt
//!   (`chokepoint_core::template::shingles`, sorted), little-endian u64, concatenated; prompt
//!   `i` is `shingles[offsets[i]..offsets[i+1]]`. `scripts/bench/distill_datasketch.py` feeds
//!   exactly these sets to `datasketch.MinHash`.
//! - `clusters.txt`: one line per template cluster, the prompt indexes in it.
//! - `prompts.jsonl`: the prompts, one JSON string per line (for looking at clusters).
//! - `rust.json`: sizes, configuration and timings.
//!
//! Input: the first `$DISTILL_TEMPLATES_N` (default 200000) records of the JSON Lines file
//! `$DISTILL_TEMPLATES_INPUT`; without it (or when empty), the same records are simulated in-process
//! (`simulate traffic --scale medium --seed $DISTILL_TEMPLATES_SEED`, default 424242).
//! Run through `scripts/bench/distill-templates.sh`, which also runs the Python side.

use chokepoint_distill::config::{Config, ProfileConfig};
use chokepoint_distill::link::template_clusters;
use chokepoint_distill::profile::prompt_sketch;
use chokepoint_distill::record::{parse_json_line, Record};
use chokepoint_distill::Profile;
use std::borrow::Cow;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

type Failure = Box<dyn std::error::Error>;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> Result<T, Failure> {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .map_err(|_| format!("{name}: cannot parse `{v}`").into()),
        Err(_) => Ok(default),
    }
}

/// Prompts of the first `n` records of a JSON Lines file (bad lines are an error: the input
/// is the simulator's own output).
fn prompts_from_file(path: &Path, n: usize) -> Result<Vec<String>, Failure> {
    let f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::with_capacity(n);
    for (i, line) in BufReader::with_capacity(1 << 20, f).lines().enumerate() {
        if out.len() >= n {
            break;
        }
        let line = line.map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?;
        let rec = parse_json_line(line.as_bytes())
            .map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?;
        out.push(rec.prompt.into_owned());
    }
    Ok(out)
}

/// Prompts of the first `n` simulated records, without going through a file.
fn prompts_simulated(seed: u64, n: usize) -> Result<Vec<String>, Failure> {
    use chokepoint_sim::traffic::{generate, Scale, TrafficConfig};
    let cfg = TrafficConfig {
        seed,
        scale: Scale::Medium,
        ..TrafficConfig::default()
    };
    let mut out: Vec<String> = Vec::with_capacity(n);
    let mut on_record = |r: &chokepoint_core::ApiRecord| -> std::io::Result<()> {
        if out.len() >= n {
            return Err(std::io::Error::other("enough records"));
        }
        let line = serde_json::to_vec(r).map_err(std::io::Error::other)?;
        let rec = parse_json_line(&line).map_err(|e| std::io::Error::other(e.to_string()))?;
        out.push(rec.prompt.into_owned());
        Ok(())
    };
    let mut on_label = |_: &chokepoint_core::AccountLabel| Ok(());
    // The run is stopped on purpose once `n` records are in: that error is expected.
    let _ = generate(
        &cfg,
        &mut on_record,
        &mut on_label,
        &chokepoint_core::NoProgress,
    );
    if out.len() < n {
        return Err(format!("the simulation gave only {} records", out.len()).into());
    }
    Ok(out)
}

fn write_u64s(path: &Path, values: impl Iterator<Item = u64>) -> Result<(), Failure> {
    let f = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut w = BufWriter::with_capacity(1 << 20, f);
    for v in values {
        w.write_all(&v.to_le_bytes())?;
    }
    w.flush()?;
    Ok(())
}

/// Wall-clock and on-CPU time of this thread since `start`. The machine is shared, so the
/// on-CPU time (Linux `/proc/thread-self/schedstat`) is the fairer figure; wall is kept too.
struct Clock {
    wall: Instant,
    cpu: Option<f64>,
}

impl Clock {
    fn start() -> Self {
        Clock {
            wall: Instant::now(),
            cpu: thread_cpu_seconds(),
        }
    }
    /// (wall seconds, on-CPU seconds; wall again where the CPU clock is not available).
    fn read(&self) -> (f64, f64) {
        let wall = self.wall.elapsed().as_secs_f64();
        let cpu = match (self.cpu, thread_cpu_seconds()) {
            (Some(a), Some(b)) => b - a,
            _ => wall,
        };
        (wall, cpu)
    }
}

fn thread_cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 / 1e9)
}

fn main() -> Result<(), Failure> {
    let n: usize = env_or("DISTILL_TEMPLATES_N", 200_000)?;
    let seed: u64 = env_or("DISTILL_TEMPLATES_SEED", 424_242)?;
    let repeats: usize = env_or("DISTILL_TEMPLATES_REPEATS", 3)?.max(1);
    let out_dir = PathBuf::from(
        std::env::var("DISTILL_TEMPLATES_OUT")
            .unwrap_or_else(|_| "/var/tmp/chokepoint-bench/distill-templates".into()),
    );
    std::fs::create_dir_all(&out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;

    let t = Clock::start();
    let (prompts, source) =
        match std::env::var_os("DISTILL_TEMPLATES_INPUT").filter(|p| !p.is_empty()) {
            Some(p) => {
                let p = PathBuf::from(p);
                (prompts_from_file(&p, n)?, p.display().to_string())
            }
            None => (
                prompts_simulated(seed, n)?,
                format!("simulated in-process (medium, seed {seed})"),
            ),
        };
    if prompts.len() < n {
        return Err(format!("{source}: only {} records, {n} wanted", prompts.len()).into());
    }
    let read_s = t.read();

    let cfg = Config::default();
    // One prompt per profile: a sample of one keeps it, at the production shingle budget.
    let pcfg = ProfileConfig {
        prompt_samples: 1,
        ..cfg.profile.clone()
    };
    let k = pcfg.shingles_per_prompt;

    // The full shingle sets (what the peer hashes) and the prompt sketches alone.
    let t = Clock::start();
    let full: Vec<Vec<u64>> = prompts
        .iter()
        .map(|p| chokepoint_core::template::shingles(p))
        .collect();
    let shingle_s = t.read();
    let t = Clock::start();
    let sketches: Vec<Vec<u64>> = prompts.iter().map(|p| prompt_sketch(p, k).0).collect();
    let sketch_s = t.read();
    for (i, (s, f)) in sketches.iter().zip(&full).enumerate() {
        if s.iter().any(|h| f.binary_search(h).is_err()) {
            return Err(
                format!("prompt {i}: its sketch is not a subset of its shingle set").into(),
            );
        }
    }
    drop(sketches);

    // One profile per prompt, built the way the scanner builds them.
    let t = Clock::start();
    let profiles: Vec<Profile> = prompts
        .iter()
        .enumerate()
        .map(|(i, prompt)| {
            let id = format!("p{i:07}");
            let rec = Record {
                ts_ms: 1_772_409_600_000 + i as i64,
                account_id: Cow::Borrowed(id.as_str()),
                prompt: Cow::Borrowed(prompt.as_str()),
                ..Record::default()
            };
            let mut p = Profile::new(&id);
            p.add(&rec, &pcfg);
            p
        })
        .collect();
    let profile_s = t.read();
    let kept = profiles
        .iter()
        .filter(|p| p.prompts.entries.len() == 1)
        .count();
    if kept != n {
        return Err(format!("{} of {n} profiles kept their prompt", kept).into());
    }

    let mut cluster_s: Vec<(f64, f64)> = Vec::with_capacity(repeats);
    let mut clusters = Vec::new();
    for _ in 0..repeats {
        let t = Clock::start();
        clusters = template_clusters(&profiles, &cfg);
        cluster_s.push(t.read());
    }
    // The repeat with the median on-CPU time.
    cluster_s.sort_by(|a, b| a.1.total_cmp(&b.1));
    let cluster_median = cluster_s[cluster_s.len() / 2];

    let mut offsets = Vec::with_capacity(n + 1);
    offsets.push(0u64);
    for f in &full {
        offsets.push(offsets[offsets.len() - 1] + f.len() as u64);
    }
    write_u64s(
        &out_dir.join("shingles.offsets.u64"),
        offsets.iter().copied(),
    )?;
    write_u64s(
        &out_dir.join("shingles.u64"),
        full.iter().flatten().copied(),
    )?;
    {
        let path = out_dir.join("prompts.jsonl");
        let f = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut w = BufWriter::with_capacity(1 << 20, f);
        for p in &prompts {
            serde_json::to_writer(&mut w, p)?;
            w.write_all(b"\n")?;
        }
        w.flush()?;
    }
    let mut sizes: Vec<usize> = Vec::with_capacity(clusters.len());
    {
        let path = out_dir.join("clusters.txt");
        let f = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut w = BufWriter::new(f);
        for c in &clusters {
            // One prompt per account: an account index is the prompt index.
            let members: Vec<String> = c.accounts.keys().map(|a| a.to_string()).collect();
            sizes.push(members.len());
            writeln!(w, "{}", members.join(" "))?;
        }
        w.flush()?;
    }
    let pairs: u64 = sizes.iter().map(|&s| (s as u64) * (s as u64 - 1) / 2).sum();
    let clustered: usize = sizes.iter().sum();
    let largest = sizes.iter().copied().max().unwrap_or(0);
    let shingles_total = offsets[n];

    let summary = serde_json::json!({
        "source": source,
        "prompts": n,
        "distinct_prompts": prompts.iter().collect::<std::collections::HashSet<_>>().len(),
        "shingles_total": shingles_total,
        "tau": cfg.link.template_similarity,
        "shingles_per_prompt": k,
        "min_template_shingles": cfg.link.min_template_shingles,
        "min_template_accounts": chokepoint_distill::link::MIN_TEMPLATE_ACCOUNTS,
        "clusters": clusters.len(),
        "clustered_prompts": clustered,
        "largest_cluster": largest,
        "same_cluster_pairs": pairs,
        // Each step as [wall, on-CPU] seconds.
        "seconds": {
            "read": read_s,
            "full_shingle_sets": shingle_s,
            "prompt_sketches": sketch_s,
            "profiles": profile_s,
            "template_clusters_median": cluster_median,
            "template_clusters_all": cluster_s,
        },
        "cores": available_cores(),
    });
    let path = out_dir.join("rust.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&summary)?)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    println!(
        "templates: {n} prompts, {shingles_total} shingles; on-CPU seconds: sketches {:.3}, profiles {:.3}, \
         template_clusters {:.3} (median of {repeats}); {} clusters, {clustered} prompts, \
         largest {largest}, {pairs} same-cluster pairs; wrote {}",
        sketch_s.1,
        profile_s.1,
        cluster_median.1,
        clusters.len(),
        out_dir.display()
    );
    Ok(())
}

/// Cores the machine offers (template clustering itself is sequential today).
fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
