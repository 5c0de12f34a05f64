//! The profiles file: the map step's output, written by `distill profile` and merged by
//! `distill link`. zstd-compressed JSON lines: a header with the read statistics, then one
//! profile per account, sorted by account id. Profiles carry hashes and counts, never prompt
//! text, but they do carry raw account ids, IPs and payment fingerprints: they stay inside the
//! organisation that scanned the logs.

use crate::config::ProfileConfig;
use crate::profile::Profile;
use crate::read::{ProfileSet, ReadStats};
use crate::DistillError;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

/// The schema id of a profiles file.
pub const PROFILES_SCHEMA: &str = "chokepoint.distill.profiles/v1";

#[derive(Serialize, Deserialize)]
struct Header {
    schema: String,
    accounts: u64,
    stats: ReadStats,
    profile_config: ProfileConfig,
}

/// Writes a profile set to `out` (any writer; the caller makes it atomic).
pub fn write(set: &ProfileSet, cfg: &ProfileConfig, out: impl Write) -> Result<(), DistillError> {
    let io = |e: std::io::Error| DistillError::Input(format!("writing profiles: {e}"));
    let mut z = zstd::stream::write::Encoder::new(out, 3).map_err(io)?;
    let header = Header {
        schema: PROFILES_SCHEMA.into(),
        accounts: set.profiles.len() as u64,
        stats: set.stats.clone(),
        profile_config: cfg.clone(),
    };
    let json = |e: serde_json::Error| DistillError::Input(format!("writing profiles: {e}"));
    serde_json::to_writer(&mut z, &header).map_err(json)?;
    z.write_all(b"\n").map_err(io)?;
    let mut keys: Vec<&String> = set.profiles.keys().collect();
    keys.sort();
    for k in keys {
        serde_json::to_writer(&mut z, &set.profiles[k]).map_err(json)?;
        z.write_all(b"\n").map_err(io)?;
    }
    z.finish().map_err(io)?.flush().map_err(io)?;
    Ok(())
}

/// Reads a profiles file; the profile bounds it was made with must match `cfg`, or merging
/// would not be exact.
pub fn read(path: &Path, cfg: &ProfileConfig) -> Result<ProfileSet, DistillError> {
    let name = path.display();
    let file = std::fs::File::open(path).map_err(|e| DistillError::io(path, e))?;
    let z = zstd::stream::read::Decoder::new(file).map_err(|e| DistillError::io(path, e))?;
    let mut lines = BufReader::new(z).lines();
    let bad = |line: usize, m: String| DistillError::Input(format!("{name}:line {line}: {m}"));
    let first = lines
        .next()
        .ok_or_else(|| bad(1, "empty file: not a profiles file".into()))?
        .map_err(|e| bad(1, format!("not a profiles file ({e})")))?;
    let header: Header =
        serde_json::from_str(&first).map_err(|e| bad(1, format!("not a profiles header ({e})")))?;
    if header.schema != PROFILES_SCHEMA {
        return Err(bad(
            1,
            format!("schema `{}` is not `{PROFILES_SCHEMA}`", header.schema),
        ));
    }
    if &header.profile_config != cfg {
        return Err(bad(1, "made with different [profile] settings than this run's configuration; merge would not be exact".into()));
    }
    let mut set = ProfileSet {
        stats: header.stats,
        ..ProfileSet::default()
    };
    for (i, line) in lines.enumerate() {
        let n = i + 2;
        let line = line.map_err(|e| bad(n, format!("read error ({e}); truncated file?")))?;
        if line.is_empty() {
            continue;
        }
        let p: Profile =
            serde_json::from_str(&line).map_err(|e| bad(n, format!("not a profile ({e})")))?;
        match set.profiles.get_mut(&p.account_id) {
            Some(mine) => mine.merge(p, cfg),
            None => {
                set.profiles.insert(p.account_id.clone(), p);
            }
        }
    }
    if set.profiles.len() as u64 != header.accounts {
        return Err(bad(
            0,
            format!(
                "header promises {} accounts, file holds {}; truncated file?",
                header.accounts,
                set.profiles.len()
            ),
        ));
    }
    Ok(set)
}
