//! The profile batch: per-account profiles as an Arrow record batch, so that any engine that
//! moves Arrow data (Spark's shuffle, a notebook's pyarrow tables) can carry the map step's
//! output to the reduce step.
//!
//! Schema ([`profile_schema`]), one row per account plus one statistics row:
//!
//! | column | type | account row | statistics row |
//! |---|---|---|---|
//! | `account_id` | utf8, nullable | the account id | null |
//! | `records` | int64 | the account's records | records read |
//! | `profile` | binary | zstd frame of the account's profile as JSON (one line of a profiles file) | JSON [`StatsHeader`]: schema id, read statistics, `[profile]` bounds |
//!
//! Shuffling by `account_id` brings all rows of an account together (all statistics rows land
//! in one partition, under the null key); [`read_batches`] folds any number of batches back
//! into a [`ProfileSet`], refusing batches made with other `[profile]` bounds (merging them
//! would not be exact).

use arrow::array::{Array, ArrayRef, AsArray, BinaryBuilder, Int64Builder, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use chokepoint_distill::config::ProfileConfig;
use chokepoint_distill::{Profile, ProfileSet, ReadStats};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Schema id written in every statistics row.
pub const PROFILE_BATCH_SCHEMA: &str = "chokepoint.distill.profile-batch/v1";

/// zstd level of a profile cell: level 1 is ~5x faster to write than 3 and within a few per
/// cent of its size on profiles.
const ZSTD_LEVEL: i32 = 1;

/// Errors of encoding and decoding profile batches.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("profile batch: {0}")]
    Schema(String),
    #[error("profile batch row {row}{account}: {message}")]
    Row {
        row: usize,
        account: String,
        message: String,
    },
    #[error("profile batch: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
}

/// The statistics row's payload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatsHeader {
    pub schema: String,
    pub stats: ReadStats,
    pub profile_config: ProfileConfig,
}

/// The schema of a profile batch.
pub fn profile_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("account_id", DataType::Utf8, true),
        Field::new("records", DataType::Int64, false),
        Field::new("profile", DataType::Binary, false),
    ]))
}

/// Encodes one profile as a profile cell.
pub fn encode_profile(p: &Profile) -> Result<Vec<u8>, String> {
    let json = serde_json::to_vec(p).map_err(|e| format!("encoding profile: {e}"))?;
    zstd::bulk::compress(&json, ZSTD_LEVEL).map_err(|e| format!("compressing profile: {e}"))
}

/// Decodes a profile cell.
pub fn decode_profile(cell: &[u8]) -> Result<Profile, String> {
    // A profile's JSON is bounded by the [profile] bounds; 64 MiB is far above any of them and
    // keeps a corrupt frame header from asking for unbounded memory.
    let limit = 64 << 20;
    let json = zstd::bulk::decompress(cell, limit)
        .map_err(|e| format!("not a zstd profile cell ({e})"))?;
    serde_json::from_slice(&json).map_err(|e| format!("not a profile ({e})"))
}

/// Encodes a profile set as one profile batch: the statistics row first, then the accounts
/// in account-id order.
pub fn write_batch(set: &ProfileSet, cfg: &ProfileConfig) -> Result<RecordBatch, BatchError> {
    let n = set.profiles.len() + 1;
    let mut ids = StringBuilder::with_capacity(n, n * 16);
    let mut records = Int64Builder::with_capacity(n);
    let mut cells = BinaryBuilder::with_capacity(n, n * 1024);
    let header = StatsHeader {
        schema: PROFILE_BATCH_SCHEMA.into(),
        stats: set.stats.clone(),
        profile_config: cfg.clone(),
    };
    let header = serde_json::to_vec(&header)
        .map_err(|e| BatchError::Schema(format!("encoding statistics: {e}")))?;
    ids.append_null();
    records.append_value(i64::try_from(set.stats.records).unwrap_or(i64::MAX));
    cells.append_value(header);
    let mut keys: Vec<&String> = set.profiles.keys().collect();
    keys.sort();
    for (i, k) in keys.into_iter().enumerate() {
        let p = &set.profiles[k];
        let cell = encode_profile(p).map_err(|message| BatchError::Row {
            row: i + 1,
            account: format!(" (account `{k}`)"),
            message,
        })?;
        ids.append_value(k);
        records.append_value(i64::try_from(p.records).unwrap_or(i64::MAX));
        cells.append_value(cell);
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(ids.finish()),
        Arc::new(records.finish()),
        Arc::new(cells.finish()),
    ];
    Ok(RecordBatch::try_new(profile_schema(), cols)?)
}

/// Folds profile batches into one profile set. Returns the set and the number of statistics
/// rows seen (a set with accounts but no statistics row did not come from [`write_batch`]).
pub fn read_batches(
    batches: &[RecordBatch],
    cfg: &ProfileConfig,
) -> Result<(ProfileSet, usize), BatchError> {
    let mut set = ProfileSet::default();
    let mut headers = 0;
    for (b, batch) in batches.iter().enumerate() {
        let schema = batch.schema();
        let col = |name: &str, want: &[DataType]| -> Result<ArrayRef, BatchError> {
            let a = batch.column_by_name(name).ok_or_else(|| {
                BatchError::Schema(format!(
                    "batch {b} has no column `{name}` (columns: {}); not a profile batch",
                    schema
                        .fields()
                        .iter()
                        .map(|f| f.name().as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
            if !want.contains(a.data_type()) {
                return Err(BatchError::Schema(format!(
                    "batch {b}: column `{name}` has type {}, expected {}",
                    a.data_type(),
                    want[0]
                )));
            }
            Ok(arrow::compute::cast(a, &want[0])?)
        };
        let ids = col(
            "account_id",
            &[DataType::Utf8, DataType::LargeUtf8, DataType::Utf8View],
        )?;
        let cells = col(
            "profile",
            &[
                DataType::Binary,
                DataType::LargeBinary,
                DataType::BinaryView,
            ],
        )?;
        let ids = ids.as_string::<i32>();
        let cells = cells.as_binary::<i32>();
        for row in 0..batch.num_rows() {
            let bad = |account: String, message: String| BatchError::Row {
                row,
                account,
                message: format!("(batch {b}) {message}"),
            };
            if cells.is_null(row) {
                return Err(bad(String::new(), "null profile".into()));
            }
            let cell = cells.value(row);
            if ids.is_null(row) {
                let h: StatsHeader = serde_json::from_slice(cell)
                    .map_err(|e| bad(String::new(), format!("not a statistics row ({e})")))?;
                if h.schema != PROFILE_BATCH_SCHEMA {
                    return Err(bad(
                        String::new(),
                        format!("schema `{}` is not `{PROFILE_BATCH_SCHEMA}`", h.schema),
                    ));
                }
                if &h.profile_config != cfg {
                    return Err(bad(String::new(), "made with different [profile] settings than this run's configuration; merging would not be exact".into()));
                }
                set.stats.merge(h.stats);
                headers += 1;
                continue;
            }
            let id = ids.value(row);
            let p = decode_profile(cell).map_err(|m| bad(format!(" (account `{id}`)"), m))?;
            if p.account_id != id {
                return Err(bad(
                    format!(" (account `{id}`)"),
                    format!("holds the profile of account `{}`", p.account_id),
                ));
            }
            match set.profiles.get_mut(id) {
                Some(mine) => mine.merge(p, cfg),
                None => {
                    set.profiles.insert(id.to_string(), p);
                }
            }
        }
    }
    Ok((set, headers))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chokepoint_core::NoProgress;
    use chokepoint_distill::read::{profile_record_batch, ReadOptions};

    fn sample_set(cfg: &ProfileConfig) -> ProfileSet {
        let batch = RecordBatch::try_from_iter(vec![
            (
                "ts",
                Arc::new(arrow::array::StringArray::from(vec![
                    "2026-02-03T14:07:11Z",
                    "2026-02-03T15:07:11Z",
                    "bad",
                ])) as ArrayRef,
            ),
            (
                "account_id",
                Arc::new(arrow::array::StringArray::from(vec!["a-1", "a-2", "a-1"])),
            ),
            (
                "prompt",
                Arc::new(arrow::array::StringArray::from(vec![
                    "Solve step by step: 2+2",
                    "Write a poem",
                    "x",
                ])),
            ),
        ])
        .unwrap();
        let opts = ReadOptions {
            profile: cfg,
            strict: false,
            progress: &NoProgress,
        };
        profile_record_batch("t", &batch, 0, &opts).unwrap()
    }

    #[test]
    fn round_trip_keeps_profiles_and_statistics() {
        let cfg = ProfileConfig::default();
        let set = sample_set(&cfg);
        let b = write_batch(&set, &cfg).unwrap();
        assert_eq!(b.num_rows(), 3);
        assert!(b.column(0).is_null(0));
        let (back, headers) = read_batches(&[b], &cfg).unwrap();
        assert_eq!(headers, 1);
        assert_eq!(back.profiles, set.profiles);
        assert_eq!(back.stats, set.stats);
        assert_eq!(back.stats.bad_records, 1);
    }

    #[test]
    fn reading_twice_merges_counts() {
        let cfg = ProfileConfig::default();
        let set = sample_set(&cfg);
        let b = write_batch(&set, &cfg).unwrap();
        let (back, headers) = read_batches(&[b.clone(), b], &cfg).unwrap();
        assert_eq!(headers, 2);
        assert_eq!(back.stats.records, 2 * set.stats.records);
        assert_eq!(back.profiles["a-1"].records, 2);
    }

    #[test]
    fn other_bounds_and_foreign_batches_are_refused() {
        let cfg = ProfileConfig::default();
        let b = write_batch(&sample_set(&cfg), &cfg).unwrap();
        let other = ProfileConfig {
            prompt_samples: 3,
            ..ProfileConfig::default()
        };
        let e = read_batches(std::slice::from_ref(&b), &other)
            .unwrap_err()
            .to_string();
        assert!(e.contains("[profile] settings"), "{e}");
        let foreign = RecordBatch::try_from_iter(vec![(
            "account_id",
            Arc::new(arrow::array::StringArray::from(vec!["x"])) as ArrayRef,
        )])
        .unwrap();
        let e = read_batches(&[foreign], &cfg).unwrap_err().to_string();
        assert!(e.contains("no column `profile`"), "{e}");
        // A cell that is not a profile names its row and account.
        let mut cells = BinaryBuilder::new();
        cells.append_value(b"garbage");
        let bad = RecordBatch::try_new(
            profile_schema(),
            vec![
                Arc::new(arrow::array::StringArray::from(vec!["acct-9"])),
                Arc::new(arrow::array::Int64Array::from(vec![1])),
                Arc::new(cells.finish()),
            ],
        )
        .unwrap();
        let e = read_batches(&[bad], &cfg).unwrap_err().to_string();
        assert!(e.contains("row 0") && e.contains("acct-9"), "{e}");
    }

    /// What crosses the network (docs/spark.md): a decoded profile cell holds counters, hashes,
    /// timestamps and infrastructure values, never prompt or system-prompt text.
    #[test]
    fn profile_cells_hold_no_prompt_text() {
        use chokepoint_distill::read::profile_json_lines;
        use chokepoint_sim::traffic::{write_jsonl, Scale, TrafficConfig};
        let cfg = TrafficConfig {
            seed: 77,
            scale: Scale::Small,
            days: 1,
            ..Default::default()
        };
        let (mut recs, mut labels) = (Vec::new(), Vec::new());
        write_jsonl(&cfg, &mut recs, &mut labels, &NoProgress).unwrap();
        let text = String::from_utf8(recs).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let batch = RecordBatch::try_from_iter(vec![(
            "value",
            Arc::new(arrow::array::StringArray::from(lines.clone())) as ArrayRef,
        )])
        .unwrap();
        let pc = ProfileConfig::default();
        let opts = ReadOptions {
            profile: &pc,
            strict: false,
            progress: &NoProgress,
        };
        let set = profile_json_lines("sim", &batch, "value", 0, &opts).unwrap();
        assert_eq!(set.stats.records as usize, lines.len());
        let b = write_batch(&set, &pc).unwrap();
        let cells = b.column(2).as_binary::<i32>();
        // Every run of four words in any string of any decoded profile: a carried prompt
        // would put its word runs here.
        fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
            match v {
                serde_json::Value::String(s) => out.push(s.clone()),
                serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
                serde_json::Value::Object(m) => m.iter().for_each(|(k, x)| {
                    out.push(k.clone());
                    strings(x, out)
                }),
                _ => {}
            }
        }
        let mut runs = std::collections::HashSet::new();
        for i in 1..b.num_rows() {
            let json = zstd::bulk::decompress(cells.value(i), 64 << 20).unwrap();
            let mut found = Vec::new();
            strings(&serde_json::from_slice(&json).unwrap(), &mut found);
            for s in found {
                let words: Vec<&str> = s.split_whitespace().collect();
                for w in words.windows(4) {
                    runs.insert(w.join(" "));
                }
            }
        }
        let mut checked = 0;
        for l in &lines {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            for field in ["prompt", "system_prompt"] {
                let Some(t) = v.get(field).and_then(|x| x.as_str()) else {
                    continue;
                };
                let words: Vec<&str> = t.split_whitespace().collect();
                if words.len() < 6 {
                    continue;
                }
                // Any run of four words of the text would show it was carried.
                let probe = words[1..5].join(" ");
                assert!(
                    !runs.contains(&probe),
                    "{field} text `{probe}` in a profile"
                );
                checked += 1;
            }
        }
        assert!(checked > 1000, "only {checked} texts checked");
    }
}
