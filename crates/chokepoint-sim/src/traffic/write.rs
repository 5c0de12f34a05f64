//! Writers: records as JSON Lines or Apache Parquet, labels as JSON Lines. Both stream: the
//! Parquet writer buffers one row group (64k rows) at a time.

use super::{generate, TrafficConfig, TrafficSummary};
use crate::SimError;
use arrow::array::{ArrayRef, Int64Builder, ListBuilder, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use chokepoint_core::{AccountLabel, ApiRecord, Progress};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use std::io::{BufWriter, Write};
use std::sync::Arc;

/// Rows per Parquet row group (and per Arrow batch).
const ROWS_PER_GROUP: usize = 65_536;

fn label_sink<W: Write>(labels: &mut W) -> impl FnMut(&AccountLabel) -> std::io::Result<()> + '_ {
    move |l: &AccountLabel| {
        serde_json::to_writer(&mut *labels, l).map_err(std::io::Error::other)?;
        labels.write_all(b"\n")
    }
}

/// Simulates `cfg` and writes the records as JSON Lines to `records`, the labels as JSON
/// Lines to `labels`.
pub fn write_jsonl(
    cfg: &TrafficConfig,
    records: &mut dyn Write,
    labels: &mut dyn Write,
    progress: &dyn Progress,
) -> Result<TrafficSummary, SimError> {
    let mut rec_out = BufWriter::with_capacity(1 << 20, records);
    let mut lab_out = BufWriter::with_capacity(1 << 16, labels);
    let summary = {
        let mut on_record = |r: &ApiRecord| -> std::io::Result<()> {
            serde_json::to_writer(&mut rec_out, r).map_err(std::io::Error::other)?;
            rec_out.write_all(b"\n")
        };
        let mut on_label = label_sink(&mut lab_out);
        generate(cfg, &mut on_record, &mut on_label, progress)?
    };
    rec_out.flush().map_err(|e| SimError::Io {
        what: "records".into(),
        source: e,
    })?;
    lab_out.flush().map_err(|e| SimError::Io {
        what: "labels".into(),
        source: e,
    })?;
    Ok(summary)
}

/// The Arrow schema of the api-log contract: strings for text and RFC 3339 timestamps, 64-bit
/// integers for numbers, `tools` as a list of strings.
pub fn api_log_schema() -> Schema {
    let s = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
    let i = |name: &str| Field::new(name, DataType::Int64, true);
    Schema::new(vec![
        s("ts", false),
        s("request_id", true),
        s("account_id", false),
        s("org_id", true),
        s("api_key_id", true),
        s("ip", true),
        i("asn"),
        s("country", true),
        s("user_agent", true),
        s("payment_fingerprint", true),
        s("email_domain", true),
        s("account_created", true),
        s("account_tier", true),
        s("model", true),
        s("prompt", false),
        s("system_prompt", true),
        Field::new(
            "tools",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            true,
        ),
        i("prompt_tokens"),
        i("completion_tokens"),
        s("stop_reason", true),
    ])
}

/// Column builders for one batch.
struct Columns {
    strings: Vec<StringBuilder>,
    ints: Vec<Int64Builder>,
    tools: ListBuilder<StringBuilder>,
    rows: usize,
}

impl Columns {
    fn new() -> Self {
        Columns {
            strings: (0..16).map(|_| StringBuilder::new()).collect(),
            ints: (0..3).map(|_| Int64Builder::new()).collect(),
            tools: ListBuilder::new(StringBuilder::new()),
            rows: 0,
        }
    }

    fn push(&mut self, r: &ApiRecord) {
        let s = &mut self.strings;
        s[0].append_value(&r.ts);
        s[1].append_option(r.request_id.as_deref());
        s[2].append_value(&r.account_id);
        s[3].append_option(r.org_id.as_deref());
        s[4].append_option(r.api_key_id.as_deref());
        s[5].append_option(r.ip.as_deref());
        s[6].append_option(r.country.as_deref());
        s[7].append_option(r.user_agent.as_deref());
        s[8].append_option(r.payment_fingerprint.as_deref());
        s[9].append_option(r.email_domain.as_deref());
        s[10].append_option(r.account_created.as_deref());
        s[11].append_option(r.account_tier.as_deref());
        s[12].append_option(r.model.as_deref());
        s[13].append_value(&r.prompt);
        s[14].append_option(r.system_prompt.as_deref());
        s[15].append_option(r.stop_reason.as_deref());
        self.ints[0].append_option(r.asn.map(i64::from));
        self.ints[1].append_option(r.prompt_tokens.map(i64::from));
        self.ints[2].append_option(r.completion_tokens.map(i64::from));
        match &r.tools {
            Some(tools) => {
                for t in tools {
                    self.tools.values().append_value(t);
                }
                self.tools.append(true);
            }
            None => self.tools.append(false),
        }
        self.rows += 1;
    }

    fn finish(&mut self, schema: &Arc<Schema>) -> Result<RecordBatch, arrow::error::ArrowError> {
        let mut s: Vec<ArrayRef> = self
            .strings
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef)
            .collect();
        let mut n: Vec<ArrayRef> = self
            .ints
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef)
            .collect();
        let tools: ArrayRef = Arc::new(self.tools.finish());
        self.rows = 0;
        // schema order: ts request_id account_id org_id api_key_id ip asn country user_agent
        // payment_fingerprint email_domain account_created account_tier model prompt
        // system_prompt tools prompt_tokens completion_tokens stop_reason
        let stop = s.pop().unwrap_or_else(|| unreachable_array());
        let completion = n.pop().unwrap_or_else(|| unreachable_array());
        let prompt_tokens = n.pop().unwrap_or_else(|| unreachable_array());
        let asn = n.pop().unwrap_or_else(|| unreachable_array());
        let mut it = s.into_iter();
        let mut next = || it.next().unwrap_or_else(|| unreachable_array());
        let (ts, rid, acc, org, key, ip) = (next(), next(), next(), next(), next(), next());
        let (country, ua, pay, email, created, tier, model, prompt, system) = (
            next(),
            next(),
            next(),
            next(),
            next(),
            next(),
            next(),
            next(),
            next(),
        );
        RecordBatch::try_new(
            schema.clone(),
            vec![
                ts,
                rid,
                acc,
                org,
                key,
                ip,
                asn,
                country,
                ua,
                pay,
                email,
                created,
                tier,
                model,
                prompt,
                system,
                tools,
                prompt_tokens,
                completion,
                stop,
            ],
        )
    }
}

/// An empty array, only used where the builder vectors above guarantee an element exists.
fn unreachable_array() -> ArrayRef {
    Arc::new(StringBuilder::new().finish())
}

/// Simulates `cfg` and writes the records as Parquet (zstd-compressed, 64k-row groups) to
/// `records`, the labels as JSON Lines to `labels`.
pub fn write_parquet<W: Write + Send>(
    cfg: &TrafficConfig,
    records: W,
    labels: &mut dyn Write,
    progress: &dyn Progress,
) -> Result<TrafficSummary, SimError> {
    let perr = |e: &dyn std::fmt::Display| SimError::Parquet {
        what: "records".into(),
        message: e.to_string(),
    };
    let schema = Arc::new(api_log_schema());
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(3).map_err(|e| perr(&e))?,
        ))
        .set_max_row_group_row_count(Some(ROWS_PER_GROUP))
        .build();
    let mut writer = ArrowWriter::try_new(
        BufWriter::with_capacity(1 << 20, records),
        schema.clone(),
        Some(props),
    )
    .map_err(|e| perr(&e))?;
    let mut lab_out = BufWriter::with_capacity(1 << 16, labels);
    let mut cols = Columns::new();
    let summary = {
        let mut on_record = |r: &ApiRecord| -> std::io::Result<()> {
            cols.push(r);
            if cols.rows == ROWS_PER_GROUP {
                let batch = cols.finish(&schema).map_err(std::io::Error::other)?;
                writer.write(&batch).map_err(std::io::Error::other)?;
            }
            Ok(())
        };
        let mut on_label = label_sink(&mut lab_out);
        generate(cfg, &mut on_record, &mut on_label, progress)?
    };
    if cols.rows > 0 {
        let batch = cols.finish(&schema).map_err(|e| perr(&e))?;
        writer.write(&batch).map_err(|e| perr(&e))?;
    }
    let mut inner = writer.into_inner().map_err(|e| perr(&e))?;
    inner.flush().map_err(|e| SimError::Io {
        what: "records".into(),
        source: e,
    })?;
    lab_out.flush().map_err(|e| SimError::Io {
        what: "labels".into(),
        source: e,
    })?;
    Ok(summary)
}
