//! Profiling Arrow data handed over by another engine (Spark's `mapInArrow`, a notebook's
//! pyarrow table): the same record validation and the same profiles as a local scan, one
//! record batch at a time, so that whatever cuts the input into batches, merging the batches'
//! profile sets gives the local scan's profile set.

use super::{jsonl, parquet_input, Folded, ProfileSet, Profiles, ReadOptions};
use crate::DistillError;
use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Schema};
use chokepoint_core::apilog::REQUIRED_FIELDS;
use std::collections::HashMap;

/// What a column of the api-log contract may hold in Arrow.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A string (or a number, read as its decimal text).
    Text,
    /// An RFC 3339 string or an Arrow timestamp.
    Time,
    /// An integer.
    Integer,
    /// A list of strings, or a `;`-separated string.
    Tools,
}

/// The columns the profile reads, with what each may hold. Every columnar reader (Parquet,
/// Arrow batches, the Spark job's projection) reads exactly these.
const COLUMNS: &[(&str, Kind)] = &[
    ("ts", Kind::Time),
    ("account_id", Kind::Text),
    ("prompt", Kind::Text),
    ("org_id", Kind::Text),
    ("ip", Kind::Text),
    ("asn", Kind::Integer),
    ("country", Kind::Text),
    ("user_agent", Kind::Text),
    ("payment_fingerprint", Kind::Text),
    ("email_domain", Kind::Text),
    ("account_created", Kind::Time),
    ("account_tier", Kind::Text),
    ("model", Kind::Text),
    ("system_prompt", Kind::Text),
    ("tools", Kind::Tools),
    ("prompt_tokens", Kind::Integer),
    ("completion_tokens", Kind::Integer),
];

/// The api-log columns the profile reads, in contract order: a columnar reader projects onto
/// these and never reads the others (`request_id`, `api_key_id`, `stop_reason`, extras).
pub fn profiled_columns() -> impl Iterator<Item = &'static str> {
    COLUMNS.iter().map(|(name, _)| *name)
}

fn is_string(t: &DataType) -> bool {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => is_string(v),
        _ => false,
    }
}

fn fits(kind: Kind, t: &DataType, required: bool) -> bool {
    if *t == DataType::Null {
        // An all-null column (what schema inference makes of a field never set) is fine for an
        // optional field; a required one would make every record bad.
        return !required;
    }
    match kind {
        Kind::Text if required => is_string(t),
        Kind::Text => is_string(t) || t.is_integer(),
        Kind::Time => is_string(t) || matches!(t, DataType::Timestamp(..)),
        Kind::Integer => t.is_integer(),
        Kind::Tools => match t {
            DataType::List(f) | DataType::LargeList(f) => {
                is_string(f.data_type()) || *f.data_type() == DataType::Null
            }
            other => is_string(other),
        },
    }
}

fn expected(kind: Kind, required: bool) -> &'static str {
    match kind {
        Kind::Text if required => "a string",
        Kind::Text => "a string or an integer",
        Kind::Time => "an RFC 3339 string or a timestamp",
        Kind::Integer => "an integer",
        Kind::Tools => "a list of strings or a `;`-separated string",
    }
}

/// Checks a schema against the api-log contract (`specs/api-log.md`) before any record is
/// read: every required column present, every known column of a type the reader can use.
/// The error names the column. Columns outside the contract are ignored.
pub fn check_arrow_schema(schema: &Schema) -> Result<(), DistillError> {
    let has = || {
        schema
            .fields()
            .iter()
            .map(|x| format!("{} ({})", x.name(), x.data_type()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for f in REQUIRED_FIELDS {
        if schema.field_with_name(f).is_err() {
            return Err(DistillError::Input(format!(
                "the schema lacks the required column `{f}`; it has: {}",
                has()
            )));
        }
    }
    for (name, kind) in COLUMNS {
        let Ok(field) = schema.field_with_name(name) else {
            continue;
        };
        let required = REQUIRED_FIELDS.contains(name);
        if !fits(*kind, field.data_type(), required) {
            return Err(DistillError::Input(format!(
                "column `{name}` has type {}, expected {}",
                field.data_type(),
                expected(*kind, required)
            )));
        }
    }
    Ok(())
}

fn profiles<'c>(opts: &'c ReadOptions<'_>) -> Folded<Profiles<'c>> {
    Folded::new(Profiles {
        profiles: HashMap::new(),
        cfg: opts.profile,
    })
}

fn into_set(f: Folded<Profiles<'_>>) -> ProfileSet {
    ProfileSet {
        profiles: f.sink.profiles,
        stats: f.stats,
    }
}

/// Profiles one record batch with the api-log columns. Bad rows are counted in the set's
/// statistics under `name`, numbered from `first_row + 1`, and skipped (an error when strict);
/// a schema that breaks the contract is an error before any row is read.
pub fn profile_record_batch(
    name: &str,
    batch: &RecordBatch,
    first_row: u64,
    opts: &ReadOptions<'_>,
) -> Result<ProfileSet, DistillError> {
    check_arrow_schema(batch.schema_ref())
        .map_err(|e| DistillError::Input(format!("{name}: {e}")))?;
    let mut set = profiles(opts);
    parquet_input::profile_batch(name, batch, first_row, &mut set, opts)?;
    Ok(into_set(set))
}

/// Profiles a batch of JSON Lines: `column` holds one line of text per row (as Spark's text
/// reader gives them), validated exactly as the local JSON Lines reader does: blank lines
/// skipped, null rows skipped, bad lines counted under `name` numbered from
/// `first_line + 1`.
pub fn profile_json_lines(
    name: &str,
    batch: &RecordBatch,
    column: &str,
    first_line: u64,
    opts: &ReadOptions<'_>,
) -> Result<ProfileSet, DistillError> {
    let Some(col) = batch.column_by_name(column) else {
        return Err(DistillError::Input(format!(
            "{name}: the batch has no column `{column}` of JSON lines"
        )));
    };
    let col = arrow::compute::cast(col, &DataType::Utf8).map_err(|e| {
        DistillError::Input(format!(
            "{name}: column `{column}` of type {} is not text: {e}",
            col.data_type()
        ))
    })?;
    let lines = col.as_string::<i32>();
    let mut set = profiles(opts);
    for i in 0..lines.len() {
        if lines.is_null(i) {
            continue;
        }
        let line = lines.value(i).as_bytes();
        set.stats.bytes += line.len() as u64 + 1;
        jsonl::fold_line(name, first_line + i as u64 + 1, line, opts, &mut set)?;
    }
    Ok(into_set(set))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProfileConfig;
    use arrow::array::{ArrayRef, Int64Array, StringArray};
    use arrow::datatypes::Field;
    use chokepoint_core::NoProgress;
    use std::sync::Arc;

    fn opts(cfg: &ProfileConfig) -> ReadOptions<'_> {
        ReadOptions {
            profile: cfg,
            strict: false,
            progress: &NoProgress,
        }
    }

    fn batch(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
        RecordBatch::try_from_iter(cols).unwrap()
    }

    #[test]
    fn schema_check_names_the_column() {
        let ok = Schema::new(vec![
            Field::new("ts", DataType::Utf8, true),
            Field::new("account_id", DataType::Utf8, true),
            Field::new("prompt", DataType::LargeUtf8, true),
            Field::new("asn", DataType::Int32, true),
            Field::new("extra", DataType::Float64, true),
        ]);
        check_arrow_schema(&ok).unwrap();
        let missing = Schema::new(vec![
            Field::new("ts", DataType::Utf8, true),
            Field::new("prompt", DataType::Utf8, true),
        ]);
        let e = check_arrow_schema(&missing).unwrap_err().to_string();
        assert!(e.contains("`account_id`"), "{e}");
        let mistyped = Schema::new(vec![
            Field::new("ts", DataType::Float64, true),
            Field::new("account_id", DataType::Utf8, true),
            Field::new("prompt", DataType::Utf8, true),
        ]);
        let e = check_arrow_schema(&mistyped).unwrap_err().to_string();
        assert!(e.contains("`ts`") && e.contains("Float64"), "{e}");
        let asn_text = Schema::new(vec![
            Field::new("ts", DataType::Utf8, true),
            Field::new("account_id", DataType::Utf8, true),
            Field::new("prompt", DataType::Utf8, true),
            Field::new("asn", DataType::Utf8, true),
        ]);
        let e = check_arrow_schema(&asn_text).unwrap_err().to_string();
        assert!(e.contains("`asn`") && e.contains("integer"), "{e}");
    }

    #[test]
    fn batch_rows_and_json_lines_profile_alike() {
        let cfg = ProfileConfig::default();
        let o = opts(&cfg);
        let b = batch(vec![
            (
                "ts",
                Arc::new(StringArray::from(vec![
                    Some("2026-02-03T14:07:11Z"),
                    Some("nope"),
                    Some("2026-02-03T14:08:11Z"),
                    None,
                ])) as ArrayRef,
            ),
            (
                "account_id",
                Arc::new(StringArray::from(vec!["a", "a", "b", "b"])),
            ),
            (
                "prompt",
                Arc::new(StringArray::from(vec![
                    "hello there",
                    "x",
                    "step by step",
                    "y",
                ])),
            ),
            (
                "asn",
                Arc::new(Int64Array::from(vec![Some(64500), None, Some(1), None])),
            ),
        ]);
        let set = profile_record_batch("part-0", &b, 10, &o).unwrap();
        assert_eq!(set.stats.records, 2);
        assert_eq!(set.stats.bad_records, 2);
        assert_eq!(set.stats.bad_samples[0].line, 12);
        assert_eq!(set.stats.bad_samples[0].field.as_deref(), Some("ts"));
        let lines = batch(vec![(
            "value",
            Arc::new(StringArray::from(vec![
                Some(
                    r#"{"ts":"2026-02-03T14:07:11Z","account_id":"a","prompt":"hello there","asn":64500}"#,
                ),
                Some(r#"{"ts":"nope","account_id":"a","prompt":"x"}"#),
                Some("   "),
                None,
                Some(
                    r#"{"ts":"2026-02-03T14:08:11Z","account_id":"b","prompt":"step by step","asn":1}"#,
                ),
                Some(r#"{"account_id":"b","prompt":"y"}"#),
            ])) as ArrayRef,
        )]);
        let js = profile_json_lines("part-0", &lines, "value", 0, &o).unwrap();
        assert_eq!(js.stats.records, 2);
        assert_eq!(js.stats.bad_records, 2);
        assert_eq!(js.stats.bad_samples[1].line, 6);
        assert_eq!(js.profiles, set.profiles);
        let e = profile_json_lines("p", &lines, "line", 0, &o).unwrap_err();
        assert!(e.to_string().contains("`line`"), "{e}");
    }
}
