//! Readers: JSON Lines (plain, gzip, zstd, stdin), CSV and Parquet, in parallel chunks, each
//! record folded straight into per-account [`Profile`]s (the map step), or into any other
//! [`RecordSink`] (intel's matcher reads the same inputs through [`fold_inputs`]).
//!
//! A bad record is counted, its place kept (the first few in full), and skipped; the scan
//! goes on. An input fault (a truncated gzip stream, an unreadable file) stops that input but
//! keeps everything read before it; the caller decides whether that fails the command.

mod arrow_batch;
mod csv_input;
mod jsonl;
mod parquet_input;

pub use arrow_batch::{
    check_arrow_schema, profile_json_lines, profile_record_batch, profiled_columns,
};

use crate::config::ProfileConfig;
use crate::profile::Profile;
use crate::record::Record;
use crate::DistillError;
use chokepoint_core::{Place, Progress};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// How many bad records are kept in full; the rest are only counted.
pub const BAD_SAMPLES: usize = 20;

/// A record that was rejected, with its place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BadRecord {
    pub file: String,
    /// 1-based line (JSONL, CSV) or row (Parquet) number.
    pub line: u64,
    pub field: Option<String>,
    pub message: String,
}

impl std::fmt::Display for BadRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut place = Place::file(&self.file).at_line(self.line);
        if let Some(field) = &self.field {
            place = place.at_field(field.clone());
        }
        write!(f, "{place}: {}", self.message)
    }
}

/// Counts of what was read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReadStats {
    pub records: u64,
    pub bad_records: u64,
    /// The first bad records, in input order.
    pub bad_samples: Vec<BadRecord>,
    /// Faults that stopped an input early (everything before them was kept).
    pub input_errors: Vec<String>,
    pub bytes: u64,
}

impl ReadStats {
    pub fn merge(&mut self, o: ReadStats) {
        self.records += o.records;
        self.bad_records += o.bad_records;
        self.bad_samples.extend(o.bad_samples);
        self.bad_samples
            .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        self.bad_samples.truncate(BAD_SAMPLES);
        self.input_errors.extend(o.input_errors);
        self.bytes += o.bytes;
    }

    fn bad(&mut self, file: &str, line: u64, field: Option<String>, message: String) {
        self.bad_records += 1;
        if self.bad_samples.len() < BAD_SAMPLES {
            self.bad_samples.push(BadRecord {
                file: file.to_string(),
                line,
                field,
                message,
            });
        }
    }
}

/// Per-account profiles and read statistics: the output of the map step.
#[derive(Debug, Default)]
pub struct ProfileSet {
    pub profiles: HashMap<String, Profile>,
    pub stats: ReadStats,
}

impl ProfileSet {
    /// Folds another set into this one (exact: see `Profile::merge`).
    pub fn merge(&mut self, other: ProfileSet, cfg: &ProfileConfig) {
        for (k, p) in other.profiles {
            match self.profiles.get_mut(&k) {
                Some(mine) => mine.merge(p, cfg),
                None => {
                    self.profiles.insert(k, p);
                }
            }
        }
        self.stats.merge(other.stats);
    }
}

/// Where a read puts each good record. Every worker folds its share of the input into its own
/// sink (made by the caller's factory) and the shares are merged, so a sink's `merge` must not
/// depend on the order of the shares.
pub trait RecordSink: Send + Sized {
    fn add(&mut self, r: &Record<'_>);
    fn merge(&mut self, other: Self);
}

/// A sink and the read statistics of the same share of the input.
#[derive(Debug, Default)]
pub struct Folded<S> {
    pub sink: S,
    pub stats: ReadStats,
}

impl<S: RecordSink> Folded<S> {
    fn new(sink: S) -> Self {
        Folded {
            sink,
            stats: ReadStats::default(),
        }
    }

    fn add(&mut self, r: &Record<'_>) {
        self.stats.records += 1;
        self.sink.add(r);
    }

    fn merge(&mut self, other: Folded<S>) {
        self.sink.merge(other.sink);
        self.stats.merge(other.stats);
    }
}

/// distill's own sink: per-account profiles.
struct Profiles<'c> {
    profiles: HashMap<String, Profile>,
    cfg: &'c ProfileConfig,
}

impl RecordSink for Profiles<'_> {
    fn add(&mut self, r: &Record<'_>) {
        match self.profiles.get_mut(r.account_id.as_ref()) {
            Some(p) => p.add(r, self.cfg),
            None => {
                let mut p = Profile::new(&r.account_id);
                p.add(r, self.cfg);
                self.profiles.insert(r.account_id.to_string(), p);
            }
        }
    }

    fn merge(&mut self, other: Self) {
        for (k, p) in other.profiles {
            match self.profiles.get_mut(&k) {
                Some(mine) => mine.merge(p, self.cfg),
                None => {
                    self.profiles.insert(k, p);
                }
            }
        }
    }
}

/// What an input file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Csv,
    Parquet,
}

/// Options of a read.
pub struct ReadOptions<'a> {
    pub profile: &'a ProfileConfig,
    /// Stop at the first bad record with an error.
    pub strict: bool,
    pub progress: &'a dyn Progress,
}

fn format_of(path: &Path, magic: &[u8]) -> Format {
    if magic.starts_with(b"PAR1") {
        return Format::Parquet;
    }
    let name = path.to_string_lossy().to_ascii_lowercase();
    let name = name
        .trim_end_matches(".gz")
        .trim_end_matches(".zst")
        .trim_end_matches(".zstd");
    if name.ends_with(".csv") {
        Format::Csv
    } else if name.ends_with(".parquet") || name.ends_with(".pq") {
        Format::Parquet
    } else {
        Format::Jsonl
    }
}

/// Wraps a byte stream in the decompressor its first bytes call for.
fn decompress<'a>(
    path: &Path,
    mut inner: Box<dyn Read + Send + 'a>,
) -> Result<Box<dyn Read + Send + 'a>, DistillError> {
    let mut magic = [0u8; 4];
    let mut n = 0;
    while n < 4 {
        match inner.read(&mut magic[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(DistillError::io(path, e)),
        }
    }
    let head = std::io::Cursor::new(magic[..n].to_vec());
    let stream: Box<dyn Read + Send + 'a> = Box::new(head.chain(inner));
    if magic[..n].starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(flate2::read::MultiGzDecoder::new(stream)))
    } else if magic[..n] == [0x28, 0xb5, 0x2f, 0xfd] {
        let d = zstd::stream::read::Decoder::new(stream).map_err(|e| DistillError::io(path, e))?;
        Ok(Box::new(d))
    } else {
        Ok(stream)
    }
}

/// Counts bytes read from the underlying file, for progress.
struct Counting<'a, R> {
    inner: R,
    progress: &'a dyn Progress,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.advance(n as u64);
        Ok(n)
    }
}

/// Reads every input into one profile set. `-` is standard input (JSON Lines).
pub fn read_inputs(inputs: &[PathBuf], opts: &ReadOptions<'_>) -> Result<ProfileSet, DistillError> {
    let cfg = opts.profile;
    let folded = fold_inputs(inputs, opts, &|| Profiles {
        profiles: HashMap::new(),
        cfg,
    })?;
    Ok(ProfileSet {
        profiles: folded.sink.profiles,
        stats: folded.stats,
    })
}

/// Reads every input (JSON Lines plain/gzip/zstd or `-`, CSV, Parquet; the same inputs and the
/// same record validation as `distill scan`) into sinks made by `new`, one per worker, merged.
pub fn fold_inputs<S: RecordSink>(
    inputs: &[PathBuf],
    opts: &ReadOptions<'_>,
    new: &(dyn Fn() -> S + Sync),
) -> Result<Folded<S>, DistillError> {
    let total: u64 = inputs
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .filter_map(|p| std::fs::metadata(p).ok().map(|m| m.len()))
        .sum();
    opts.progress
        .start("reading", (total > 0).then_some(total), "bytes");
    let mut set = Folded::new(new());
    for path in inputs {
        let part = read_one(path, opts, new)?;
        set.merge(part);
    }
    opts.progress.finish();
    Ok(set)
}

fn read_one<S: RecordSink>(
    path: &Path,
    opts: &ReadOptions<'_>,
    new: &(dyn Fn() -> S + Sync),
) -> Result<Folded<S>, DistillError> {
    let name = path.display().to_string();
    if path.as_os_str() == "-" {
        let stream = decompress(path, Box::new(std::io::stdin()))?;
        return jsonl::read(&name, stream, opts, new);
    }
    let mut file = std::fs::File::open(path).map_err(|e| DistillError::io(path, e))?;
    let mut magic = [0u8; 4];
    let n = file
        .read(&mut magic)
        .map_err(|e| DistillError::io(path, e))?;
    match format_of(path, &magic[..n]) {
        Format::Parquet => parquet_input::read(path, opts, new),
        fmt => {
            let file = std::fs::File::open(path).map_err(|e| DistillError::io(path, e))?;
            // Progress counts the bytes of the file as stored, which is what the total measures.
            let stream = decompress(
                path,
                Box::new(Counting {
                    inner: file,
                    progress: opts.progress,
                }),
            )?;
            if fmt == Format::Csv {
                csv_input::read(&name, stream, opts, new)
            } else {
                jsonl::read(&name, stream, opts, new)
            }
        }
    }
}
