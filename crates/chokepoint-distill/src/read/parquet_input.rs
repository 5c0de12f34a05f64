//! Apache Parquet with the api-log column names; row groups are read in parallel.
//! Timestamps may be RFC 3339 strings or Arrow timestamp columns; `tools` a list of strings
//! or a `;`-separated string.

use super::{Folded, ReadOptions, RecordSink};
use crate::record::{build, RawFields};
use crate::DistillError;
use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rayon::prelude::*;
use std::borrow::Cow;
use std::path::Path;

fn perr(path: &Path, e: impl std::fmt::Display) -> DistillError {
    DistillError::Input(format!(
        "{}: not a readable Parquet file: {e}",
        path.display()
    ))
}

/// A column converted to something the record builder can read.
enum Col {
    Missing,
    Str(arrow::array::StringArray),
    Int(arrow::array::Int64Array),
    /// Timestamps as epoch milliseconds.
    Millis(arrow::array::Int64Array),
    /// Number of list entries per row.
    ListLen(Vec<Option<usize>>),
}

fn column(batch: &RecordBatch, name: &str) -> Result<Col, String> {
    let Some(a) = batch.column_by_name(name) else {
        return Ok(Col::Missing);
    };
    let a: &ArrayRef = a;
    let err =
        |e: arrow::error::ArrowError| format!("column `{name}` of type {}: {e}", a.data_type());
    match (name, a.data_type()) {
        ("ts" | "account_created", DataType::Timestamp(unit, _)) => {
            let v = cast(a, &DataType::Int64).map_err(err)?;
            let v = v.as_primitive::<arrow::datatypes::Int64Type>();
            let scale = |x: i64| match unit {
                TimeUnit::Second => x.saturating_mul(1000),
                TimeUnit::Millisecond => x,
                TimeUnit::Microsecond => x / 1000,
                TimeUnit::Nanosecond => x / 1_000_000,
            };
            Ok(Col::Millis(v.iter().map(|x| x.map(scale)).collect()))
        }
        ("tools", DataType::List(_) | DataType::LargeList(_)) => {
            let lens = (0..a.len())
                .map(|i| {
                    if a.is_null(i) {
                        None
                    } else if let Some(l) = a.as_list_opt::<i32>() {
                        Some(l.value(i).len())
                    } else {
                        a.as_list_opt::<i64>().map(|l| l.value(i).len())
                    }
                })
                .collect();
            Ok(Col::ListLen(lens))
        }
        ("asn" | "prompt_tokens" | "completion_tokens", _) => {
            let v = cast(a, &DataType::Int64).map_err(err)?;
            Ok(Col::Int(
                v.as_primitive::<arrow::datatypes::Int64Type>().clone(),
            ))
        }
        _ => {
            let v = cast(a, &DataType::Utf8).map_err(err)?;
            Ok(Col::Str(v.as_string::<i32>().clone()))
        }
    }
}

fn str_at(c: &Col, i: usize) -> Option<&str> {
    match c {
        Col::Str(a) if a.is_valid(i) => Some(a.value(i)),
        _ => None,
    }
}

fn u32_at(c: &Col, i: usize, field: &str) -> Result<Option<u32>, (String, String)> {
    match c {
        Col::Int(a) if a.is_valid(i) => u32::try_from(a.value(i)).map(Some).map_err(|_| {
            (
                field.to_string(),
                format!("{} is out of range for u32", a.value(i)),
            )
        }),
        _ => Ok(None),
    }
}

fn ts_at(c: &Col, i: usize) -> Option<Cow<'_, str>> {
    match c {
        Col::Str(a) if a.is_valid(i) => Some(Cow::Borrowed(a.value(i))),
        Col::Millis(a) if a.is_valid(i) => chrono::DateTime::from_timestamp_millis(a.value(i))
            .map(|t| Cow::Owned(chokepoint_core::time::format_rfc3339(&t))),
        _ => None,
    }
}

pub(super) fn profile_batch<S: RecordSink>(
    name: &str,
    batch: &RecordBatch,
    first_row: u64,
    set: &mut Folded<S>,
    opts: &ReadOptions<'_>,
) -> Result<(), DistillError> {
    let names: Vec<&str> = super::profiled_columns().collect();
    let mut cols = Vec::with_capacity(names.len());
    for n in &names {
        cols.push(column(batch, n).map_err(|m| DistillError::Input(format!("{name}: {m}")))?);
    }
    // Each column found once per batch, not once per row.
    let c = |n: &str| &cols[names.iter().position(|x| *x == n).unwrap_or(0)];
    let (c_ts, c_account, c_prompt, c_created) =
        (c("ts"), c("account_id"), c("prompt"), c("account_created"));
    let (c_asn, c_prompt_tokens, c_completion_tokens) =
        (c("asn"), c("prompt_tokens"), c("completion_tokens"));
    let (c_org, c_ip, c_country, c_ua, c_payment, c_email) = (
        c("org_id"),
        c("ip"),
        c("country"),
        c("user_agent"),
        c("payment_fingerprint"),
        c("email_domain"),
    );
    let (c_tier, c_model, c_system, c_tools) = (
        c("account_tier"),
        c("model"),
        c("system_prompt"),
        c("tools"),
    );
    for i in 0..batch.num_rows() {
        let row = first_row + i as u64 + 1;
        let nums = (|| {
            Ok::<_, (String, String)>((
                u32_at(c_asn, i, "asn")?,
                u32_at(c_prompt_tokens, i, "prompt_tokens")?,
                u32_at(c_completion_tokens, i, "completion_tokens")?,
            ))
        })();
        let (asn, prompt_tokens, completion_tokens) = match nums {
            Ok(v) => v,
            Err((f, m)) => {
                if opts.strict {
                    return Err(DistillError::bad_record(name, row, Some(f), m));
                }
                set.stats.bad(name, row, Some(f), m);
                continue;
            }
        };
        let ts = ts_at(c_ts, i);
        let created = ts_at(c_created, i);
        let (account_id, prompt) = (str_at(c_account, i), str_at(c_prompt, i));
        let missing = [
            ("ts", ts.is_none()),
            ("account_id", account_id.is_none()),
            ("prompt", prompt.is_none()),
        ]
        .into_iter()
        .find(|(_, m)| *m);
        if let Some((f, _)) = missing {
            let msg = "required value is null".to_string();
            if opts.strict {
                return Err(DistillError::bad_record(name, row, Some(f.into()), msg));
            }
            set.stats.bad(name, row, Some(f.into()), msg);
            continue;
        }
        let tools = match c_tools {
            Col::ListLen(l) => l[i].unwrap_or(0),
            other => str_at(other, i)
                .map_or(0, |t| t.split(';').filter(|x| !x.trim().is_empty()).count()),
        };
        let f = RawFields {
            ts: ts.as_deref().unwrap_or(""),
            account_id: Cow::Borrowed(account_id.unwrap_or("")),
            prompt: Cow::Borrowed(prompt.unwrap_or("")),
            org_id: str_at(c_org, i).map(Cow::Borrowed),
            ip: str_at(c_ip, i).map(Cow::Borrowed),
            asn,
            country: str_at(c_country, i).map(Cow::Borrowed),
            user_agent: str_at(c_ua, i).map(Cow::Borrowed),
            payment_fingerprint: str_at(c_payment, i).map(Cow::Borrowed),
            email_domain: str_at(c_email, i).map(Cow::Borrowed),
            account_created: created.as_deref(),
            account_tier: str_at(c_tier, i).map(Cow::Borrowed),
            model: str_at(c_model, i).map(Cow::Borrowed),
            system_prompt: str_at(c_system, i).map(Cow::Borrowed),
            tools,
            prompt_tokens,
            completion_tokens,
        };
        match build(f) {
            Ok(r) => set.add(&r),
            Err(e) if opts.strict => {
                return Err(DistillError::bad_record(name, row, e.field, e.message))
            }
            Err(e) => set.stats.bad(name, row, e.field, e.message),
        }
    }
    Ok(())
}

/// Reads a Parquet file into profiles, one rayon task per row group.
pub fn read<S: RecordSink>(
    path: &Path,
    opts: &ReadOptions<'_>,
    new: &(dyn Fn() -> S + Sync),
) -> Result<Folded<S>, DistillError> {
    let name = path.display().to_string();
    let open = || std::fs::File::open(path).map_err(|e| DistillError::io(path, e));
    let builder = ParquetRecordBatchReaderBuilder::try_new(open()?).map_err(|e| perr(path, e))?;
    // A schema without a required column, or with a column of a type the reader cannot use,
    // fails before any work is done.
    let schema = builder.schema().clone();
    super::check_arrow_schema(&schema).map_err(|e| DistillError::Input(format!("{name}: {e}")))?;
    let meta = builder.metadata().clone();
    let groups = meta.num_row_groups();
    let mut starts = Vec::with_capacity(groups);
    let mut acc = 0u64;
    for g in 0..groups {
        starts.push(acc);
        acc += u64::try_from(meta.row_group(g).num_rows()).unwrap_or(0);
    }
    let file_len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    // Row groups fold into a few long-lived sets (one per rayon split, not one per group) that
    // are merged pairwise in parallel; memory stays at a few sets of account profiles. In
    // strict mode the error of the earliest row group wins, as if read in order.
    let profile_group = |set: &mut Folded<S>, g: usize| -> Result<(), DistillError> {
        let reader = ParquetRecordBatchReaderBuilder::try_new(open()?)
            .map_err(|e| perr(path, e))?
            .with_row_groups(vec![g])
            .with_batch_size(8192)
            .build()
            .map_err(|e| perr(path, e))?;
        let mut row = starts[g];
        for batch in reader {
            match batch {
                Ok(b) => {
                    profile_batch(&name, &b, row, set, opts)?;
                    row += b.num_rows() as u64;
                }
                Err(e) => {
                    let msg = format!("{name}: row group {g} unreadable after row {row}: {e}");
                    if opts.strict {
                        return Err(DistillError::Input(msg));
                    }
                    set.stats.input_errors.push(msg);
                    break;
                }
            }
        }
        opts.progress.advance(file_len / groups.max(1) as u64);
        Ok(())
    };
    type Partial<S> = Result<Folded<S>, (usize, DistillError)>;
    let folded: Partial<S> = (0..groups)
        .into_par_iter()
        .fold(
            || Ok(Folded::new(new())),
            |acc: Partial<S>, g| {
                let mut set = acc?;
                profile_group(&mut set, g).map_err(|e| (g, e))?;
                Ok(set)
            },
        )
        .reduce(
            || Ok(Folded::new(new())),
            |a: Partial<S>, b: Partial<S>| match (a, b) {
                (Ok(mut x), Ok(y)) => {
                    x.merge(y);
                    Ok(x)
                }
                (Err(x), Err(y)) => Err(if y.0 < x.0 { y } else { x }),
                (Err(x), _) | (_, Err(x)) => Err(x),
            },
        );
    let mut set = folded.map_err(|(_, e)| e)?;
    set.stats.bytes = file_len;
    Ok(set)
}
