//! CSV with a header row naming the api-log columns (`tools` as a `;`-separated list).

use super::{Folded, ReadOptions, RecordSink};
use crate::record::{build, RawFields};
use crate::DistillError;
use chokepoint_core::apilog::{FIELDS, REQUIRED_FIELDS};
use rayon::prelude::*;
use std::borrow::Cow;
use std::io::Read;

/// Rows parsed sequentially (quoted fields may hold newlines) and profiled in parallel batches.
const BATCH_ROWS: usize = 50_000;

/// Column index of each contract field (None when absent).
struct Columns([Option<usize>; 20]);

impl Columns {
    fn get<'r>(&self, row: &'r csv::StringRecord, field: usize) -> Option<&'r str> {
        self.0[field].and_then(|i| row.get(i))
    }
}

fn idx(name: &str) -> usize {
    // FIELDS holds every name used below.
    FIELDS.iter().position(|f| *f == name).unwrap_or(0)
}

fn nonempty<'r>(cols: &Columns, row: &'r csv::StringRecord, f: &str) -> Option<&'r str> {
    cols.get(row, idx(f)).filter(|v| !v.is_empty())
}

fn profile_rows<S: RecordSink>(
    name: &str,
    rows: &[(u64, csv::StringRecord)],
    cols: &Columns,
    opts: &ReadOptions<'_>,
    new: &(dyn Fn() -> S + Sync),
) -> Result<Folded<S>, DistillError> {
    let mut set = Folded::new(new());
    for (line, row) in rows {
        let num = |f: &str| -> Result<Option<u32>, (String, String)> {
            match nonempty(cols, row, f) {
                None => Ok(None),
                Some(v) => v.trim().parse::<u32>().map(Some).map_err(|_| {
                    (
                        f.to_string(),
                        format!(
                            "expected an integer, found `{}`",
                            chokepoint_core::time::truncate(v, 40)
                        ),
                    )
                }),
            }
        };
        let parsed = (|| {
            let asn = num("asn")?;
            let prompt_tokens = num("prompt_tokens")?;
            let completion_tokens = num("completion_tokens")?;
            Ok::<_, (String, String)>((asn, prompt_tokens, completion_tokens))
        })();
        let (asn, prompt_tokens, completion_tokens) = match parsed {
            Ok(v) => v,
            Err((field, msg)) => {
                if opts.strict {
                    return Err(DistillError::bad_record(name, *line, Some(field), msg));
                }
                set.stats.bad(name, *line, Some(field), msg);
                continue;
            }
        };
        let ts = cols.get(row, idx("ts")).unwrap_or("");
        let fields = RawFields {
            ts,
            account_id: Cow::Borrowed(cols.get(row, idx("account_id")).unwrap_or("")),
            prompt: Cow::Borrowed(cols.get(row, idx("prompt")).unwrap_or("")),
            org_id: nonempty(cols, row, "org_id").map(Cow::Borrowed),
            ip: nonempty(cols, row, "ip").map(Cow::Borrowed),
            asn,
            country: nonempty(cols, row, "country").map(Cow::Borrowed),
            user_agent: nonempty(cols, row, "user_agent").map(Cow::Borrowed),
            payment_fingerprint: nonempty(cols, row, "payment_fingerprint").map(Cow::Borrowed),
            email_domain: nonempty(cols, row, "email_domain").map(Cow::Borrowed),
            account_created: nonempty(cols, row, "account_created"),
            account_tier: nonempty(cols, row, "account_tier").map(Cow::Borrowed),
            model: nonempty(cols, row, "model").map(Cow::Borrowed),
            system_prompt: nonempty(cols, row, "system_prompt").map(Cow::Borrowed),
            tools: nonempty(cols, row, "tools")
                .map_or(0, |t| t.split(';').filter(|x| !x.trim().is_empty()).count()),
            prompt_tokens,
            completion_tokens,
        };
        match build(fields) {
            Ok(r) => set.add(&r),
            Err(e) if opts.strict => {
                return Err(DistillError::bad_record(name, *line, e.field, e.message))
            }
            Err(e) => set.stats.bad(name, *line, e.field, e.message),
        }
    }
    Ok(set)
}

/// Reads a CSV stream (already decompressed) into sinks made by `new`.
pub fn read<S: RecordSink>(
    name: &str,
    stream: impl Read,
    opts: &ReadOptions<'_>,
    new: &(dyn Fn() -> S + Sync),
) -> Result<Folded<S>, DistillError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(stream);
    let header = rdr
        .headers()
        .map_err(|e| {
            DistillError::Input(format!("{name}:line 1: cannot read the CSV header: {e}"))
        })?
        .clone();
    let mut cols = Columns([None; 20]);
    for (i, h) in header.iter().enumerate() {
        if let Some(f) = FIELDS.iter().position(|f| *f == h.trim()) {
            cols.0[f] = Some(i);
        }
    }
    let missing: Vec<&str> = REQUIRED_FIELDS
        .iter()
        .copied()
        .filter(|f| cols.0[idx(f)].is_none())
        .collect();
    if !missing.is_empty() {
        return Err(DistillError::Input(format!(
            "{name}:line 1: the CSV header lacks the required column(s) {}; it has: {}",
            missing.join(", "),
            header.iter().collect::<Vec<_>>().join(",")
        )));
    }
    let mut set = Folded::new(new());
    let mut rows = Vec::with_capacity(BATCH_ROWS);
    let mut row = csv::StringRecord::new();
    loop {
        let more = match rdr.read_record(&mut row) {
            Ok(more) => more,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                let utf8 = matches!(e.kind(), csv::ErrorKind::Utf8 { .. });
                if utf8 && !opts.strict {
                    // A row with invalid UTF-8 is a bad record; the reader can go on.
                    set.stats.bad(name, line, None, "not valid UTF-8".into());
                    continue;
                }
                if opts.strict {
                    return Err(DistillError::bad_record(name, line, None, e.to_string()));
                }
                let msg = format!("{name}:line {line}: reading stopped: {e}");
                tracing::warn!("{msg}");
                set.stats.input_errors.push(msg);
                false
            }
        };
        if more {
            let line = row.position().map_or(0, |p| p.line());
            rows.push((line, std::mem::take(&mut row)));
        }
        if rows.len() >= BATCH_ROWS || (!more && !rows.is_empty()) {
            let parts: Vec<_> = rows
                .par_chunks(BATCH_ROWS / 8 + 1)
                .map(|c| profile_rows(name, c, &cols, opts, new))
                .collect();
            for p in parts {
                set.merge(p?);
            }
            rows.clear();
        }
        if !more {
            return Ok(set);
        }
    }
}
