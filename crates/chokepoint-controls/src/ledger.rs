//! The shipment ledger: its columns, and readers for CSV and JSON lines that report every bad
//! line (file, line, field) and go on.
//!
//! # Columns
//!
//! | column | required | meaning |
//! |---|---|---|
//! | `shipment_id` | yes | the exporter's reference |
//! | `date` | yes | ship date, `YYYY-MM-DD` (or RFC 3339) |
//! | `exporter`, `exporter_country` | yes | who ships, from where (ISO 3166-1 alpha-2) |
//! | `consignee` | yes | who receives |
//! | `destination` | yes | country shipped to (alpha-2) |
//! | `ship_to_address` | no | delivery address as declared |
//! | `end_user`, `end_user_country` | no | the declared end user |
//! | `declared_end_use` | no | end use as the customer stated it |
//! | `items` | yes | `PART*QTY#SERIAL|SERIAL;PART*QTY...`; `*QTY` may be left out when there is one item (then `quantity` applies); `#serials` are optional, and when given their count must equal the item's quantity |
//! | `quantity` | yes | units in the shipment (sum over items) |
//! | `value_usd` | yes | declared value, ≥ 0 |
//! | `freight_forwarder` | no | forwarder named on the shipment |
//! | `payer`, `payer_country` | no | who paid |
//! | `licence` | no | licence number, or the licence exception used (`NAC`, `ACA`), or `NLR` |
//! | `end_user_power_kw`, `end_user_racks` | no | data-centre capacity the end user (or consignee) declared |
//!
//! JSON lines use the same names; `items` is then an array of `{"part", "quantity", "serials"}`
//! objects (or the string form above) and numbers may be JSON numbers or strings.

use crate::error::ControlsError;
use crate::rules::Countries;
use chokepoint_core::Place;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// One item line of a shipment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub part: String,
    pub quantity: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serials: Vec<String>,
}

/// One shipment, validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shipment {
    pub shipment_id: String,
    pub date: NaiveDate,
    pub exporter: String,
    pub exporter_country: String,
    pub consignee: String,
    pub destination: String,
    #[serde(default)]
    pub ship_to_address: String,
    #[serde(default)]
    pub end_user: String,
    #[serde(default)]
    pub end_user_country: String,
    #[serde(default)]
    pub declared_end_use: String,
    pub items: Vec<Item>,
    pub quantity: u32,
    pub value_usd: f64,
    #[serde(default)]
    pub freight_forwarder: String,
    #[serde(default)]
    pub payer: String,
    #[serde(default)]
    pub payer_country: String,
    #[serde(default)]
    pub licence: String,
    #[serde(default)]
    pub end_user_power_kw: Option<f64>,
    #[serde(default)]
    pub end_user_racks: Option<u32>,
}

/// The CSV header, in the order the simulator writes it.
pub const COLUMNS: [&str; 21] = [
    "shipment_id",
    "date",
    "exporter",
    "exporter_country",
    "consignee",
    "destination",
    "ship_to_address",
    "end_user",
    "end_user_country",
    "declared_end_use",
    "items",
    "quantity",
    "value_usd",
    "freight_forwarder",
    "payer",
    "payer_country",
    "licence",
    "end_user_power_kw",
    "end_user_racks",
    // Two spare slots keep the array size stable if columns are added; never written.
    "",
    "",
];

/// The columns a ledger must have.
pub const REQUIRED: [&str; 10] = [
    "shipment_id",
    "date",
    "exporter",
    "exporter_country",
    "consignee",
    "destination",
    "items",
    "quantity",
    "value_usd",
    "declared_end_use",
];

/// Columns actually written (without the spare slots).
pub fn columns() -> impl Iterator<Item = &'static str> {
    COLUMNS.iter().copied().filter(|c| !c.is_empty())
}

/// A bad line: where, and what.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineIssue {
    pub place: Place,
    pub message: String,
}

impl std::fmt::Display for LineIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

/// Ledger file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LedgerFormat {
    Csv,
    Jsonl,
}

impl LedgerFormat {
    /// From the file name (`.csv`, `.jsonl`/`.ndjson`/`.json`), if it says.
    pub fn from_path(path: &Path) -> Option<LedgerFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(LedgerFormat::Csv),
            "jsonl" | "ndjson" | "json" => Some(LedgerFormat::Jsonl),
            _ => None,
        }
    }
}

/// A field value fetched by column name, for both formats.
trait Fields {
    fn get(&self, name: &str) -> Option<String>;
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d);
    }
    chokepoint_core::parse_rfc3339(s)
        .map(|t| t.date_naive())
        .map_err(|_| {
            format!(
                "`{}` is not a date (YYYY-MM-DD)",
                chokepoint_core::time::truncate(s, 40)
            )
        })
}

/// Parses the string form of `items`. `quantity` fills in a lone item's missing `*QTY`.
pub fn parse_items(s: &str, quantity: Option<u32>) -> Result<Vec<Item>, String> {
    let entries: Vec<&str> = s
        .split(';')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    if entries.is_empty() {
        return Err("no items".into());
    }
    let lone = entries.len() == 1;
    let mut items = Vec::with_capacity(entries.len());
    for e in entries {
        let (head, serials) = match e.split_once('#') {
            Some((h, s)) => (
                h.trim(),
                s.split('|')
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect::<Vec<_>>(),
            ),
            None => (e, Vec::new()),
        };
        let (part, qty) = match head.rsplit_once('*') {
            Some((p, q)) => {
                let q: u32 = q.trim().parse().map_err(|_| {
                    format!(
                        "item `{head}`: quantity `{}` is not a whole number",
                        q.trim()
                    )
                })?;
                (p.trim(), q)
            }
            None if lone => match quantity {
                Some(q) => (head, q),
                None => return Err(format!("item `{head}` has no quantity")),
            },
            None => (head, serials.len().max(1) as u32),
        };
        if part.is_empty() {
            return Err(format!("item `{e}` has no part name"));
        }
        if qty == 0 {
            return Err(format!("item `{part}` has quantity 0"));
        }
        if !serials.is_empty() && serials.len() != qty as usize {
            return Err(format!(
                "item `{part}`: quantity {qty} but {} serial numbers",
                serials.len()
            ));
        }
        items.push(Item {
            part: part.to_string(),
            quantity: qty,
            serials,
        });
    }
    Ok(items)
}

/// Formats items in the string form [`parse_items`] reads.
pub fn format_items(items: &[Item]) -> String {
    let mut out = String::new();
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(&it.part);
        out.push('*');
        out.push_str(&it.quantity.to_string());
        if !it.serials.is_empty() {
            out.push('#');
            out.push_str(&it.serials.join("|"));
        }
    }
    out
}

fn build(
    f: &dyn Fields,
    countries: &Countries,
    place: &Place,
    json_items: Option<Result<Vec<Item>, String>>,
) -> Result<Shipment, LineIssue> {
    let err = |field: &str, message: String| LineIssue {
        place: place.clone().at_field(field),
        message,
    };
    let req = |field: &str| -> Result<String, LineIssue> {
        match f.get(field) {
            Some(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
            _ => Err(err(field, "missing (required)".into())),
        }
    };
    let opt = |field: &str| {
        f.get(field)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let cc = |field: &str, v: &str| -> Result<String, LineIssue> {
        countries.parse(v, field).map_err(|_| {
            err(
                field,
                format!("`{v}` is not an ISO 3166-1 alpha-2 country code"),
            )
        })
    };
    let opt_cc = |field: &str| -> Result<String, LineIssue> {
        let v = opt(field);
        if v.is_empty() {
            Ok(v)
        } else {
            cc(field, &v)
        }
    };
    let shipment_id = req("shipment_id")?;
    let date = parse_date(&req("date")?).map_err(|m| err("date", m))?;
    let exporter = req("exporter")?;
    let exporter_country = cc("exporter_country", &req("exporter_country")?)?;
    let consignee = req("consignee")?;
    let destination = cc("destination", &req("destination")?)?;
    let quantity_s = req("quantity")?;
    let quantity: u32 = match quantity_s.parse::<i64>() {
        Ok(q) if q >= 1 && q <= u32::MAX as i64 => q as u32,
        Ok(q) => return Err(err("quantity", format!("must be at least 1 (got {q})"))),
        Err(_) => {
            return Err(err(
                "quantity",
                format!("`{quantity_s}` is not a whole number"),
            ))
        }
    };
    let value_s = req("value_usd")?;
    let value_usd: f64 = match value_s.replace(',', "").parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => v,
        Ok(v) => return Err(err("value_usd", format!("must be zero or more (got {v})"))),
        Err(_) => return Err(err("value_usd", format!("`{value_s}` is not a number"))),
    };
    let items = match json_items {
        Some(r) => r.map_err(|m| err("items", m))?,
        None => parse_items(&req("items")?, Some(quantity)).map_err(|m| err("items", m))?,
    };
    let total: u64 = items.iter().map(|i| i.quantity as u64).sum();
    if total != quantity as u64 {
        return Err(err(
            "quantity",
            format!("{quantity} but the items add up to {total}"),
        ));
    }
    let power = opt("end_user_power_kw");
    let end_user_power_kw = if power.is_empty() {
        None
    } else {
        match power.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => Some(v),
            _ => {
                return Err(err(
                    "end_user_power_kw",
                    format!("`{power}` is not a non-negative number"),
                ))
            }
        }
    };
    let racks = opt("end_user_racks");
    let end_user_racks = if racks.is_empty() {
        None
    } else {
        Some(racks.parse::<u32>().map_err(|_| {
            err(
                "end_user_racks",
                format!("`{racks}` is not a non-negative whole number"),
            )
        })?)
    };
    Ok(Shipment {
        shipment_id,
        date,
        exporter,
        exporter_country,
        consignee,
        destination,
        ship_to_address: opt("ship_to_address"),
        end_user: opt("end_user"),
        end_user_country: opt_cc("end_user_country")?,
        declared_end_use: opt("declared_end_use"),
        items,
        quantity,
        value_usd,
        freight_forwarder: opt("freight_forwarder"),
        payer: opt("payer"),
        payer_country: opt_cc("payer_country")?,
        licence: opt("licence"),
        end_user_power_kw,
        end_user_racks,
    })
}

struct CsvFields<'a> {
    index: &'a [Option<usize>],
    record: &'a csv::StringRecord,
}

impl Fields for CsvFields<'_> {
    fn get(&self, name: &str) -> Option<String> {
        let i = columns().position(|c| c == name)?;
        let col = self.index.get(i).copied().flatten()?;
        self.record.get(col).map(str::to_string)
    }
}

struct JsonFields<'a>(&'a serde_json::Map<String, serde_json::Value>);

impl Fields for JsonFields<'_> {
    fn get(&self, name: &str) -> Option<String> {
        match self.0.get(name)? {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::Bool(b) => Some(b.to_string()),
            other => Some(other.to_string()),
        }
    }
}

fn json_items(
    v: Option<&serde_json::Value>,
    quantity: Option<u32>,
) -> Option<Result<Vec<Item>, String>> {
    match v? {
        serde_json::Value::String(s) => Some(parse_items(s, quantity)),
        serde_json::Value::Array(_) => {
            let v = v?.clone();
            Some(
                serde_json::from_value::<Vec<Item>>(v)
                    .map_err(|e| format!("not a list of {{part, quantity, serials}}: {e}"))
                    .and_then(|items| {
                        for it in &items {
                            if it.quantity == 0 {
                                return Err(format!("item `{}` has quantity 0", it.part));
                            }
                            if !it.serials.is_empty() && it.serials.len() != it.quantity as usize {
                                return Err(format!(
                                    "item `{}`: quantity {} but {} serial numbers",
                                    it.part,
                                    it.quantity,
                                    it.serials.len()
                                ));
                            }
                        }
                        if items.is_empty() {
                            return Err("no items".into());
                        }
                        Ok(items)
                    }),
            )
        }
        _ => Some(Err("must be a string or a list".into())),
    }
}

/// Reads a ledger, calling `on_shipment` for each good line and `on_issue` for each bad one
/// (which is then skipped). A missing required column is fatal (nothing could be read).
/// `progress_bytes` is called with the bytes consumed so far, now and then.
pub fn read_ledger<R: Read>(
    reader: R,
    file: &Path,
    format: LedgerFormat,
    countries: &Countries,
    mut on_shipment: impl FnMut(u64, Shipment),
    mut on_issue: impl FnMut(LineIssue),
    mut progress_lines: impl FnMut(u64),
) -> Result<LedgerHeader, ControlsError> {
    let fplace = Place::file(file);
    match format {
        LedgerFormat::Csv => {
            let mut rdr = csv::ReaderBuilder::new()
                .flexible(true)
                .has_headers(true)
                .from_reader(reader);
            let headers = rdr
                .headers()
                .map_err(|e| {
                    ControlsError::invalid(
                        fplace.clone().at_line(1),
                        format!("cannot read the CSV header: {e}"),
                    )
                })?
                .clone();
            let names: Vec<String> = headers
                .iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .collect();
            let index: Vec<Option<usize>> = columns()
                .map(|c| names.iter().position(|n| n == c))
                .collect();
            let missing: Vec<&str> = REQUIRED
                .iter()
                .copied()
                .filter(|r| !names.iter().any(|n| n == r))
                .collect();
            if !missing.is_empty() {
                return Err(ControlsError::invalid(
                    fplace.at_line(1),
                    format!(
                        "the header lacks required column(s): {}",
                        missing.join(", ")
                    ),
                ));
            }
            let ignored: Vec<String> = names
                .iter()
                .filter(|n| !columns().any(|c| c == n.as_str()))
                .cloned()
                .collect();
            let mut record = csv::StringRecord::new();
            let mut n = 0u64;
            loop {
                match rdr.read_record(&mut record) {
                    Ok(false) => break,
                    Ok(true) => {
                        n += 1;
                        let line = record.position().map(|p| p.line()).unwrap_or(n + 1);
                        let place = fplace.clone().at_line(line);
                        if record.len() != headers.len() {
                            on_issue(LineIssue {
                                place,
                                message: format!(
                                    "{} fields, the header has {}",
                                    record.len(),
                                    headers.len()
                                ),
                            });
                        } else {
                            match build(
                                &CsvFields {
                                    index: &index,
                                    record: &record,
                                },
                                countries,
                                &place,
                                None,
                            ) {
                                Ok(s) => on_shipment(line, s),
                                Err(i) => on_issue(i),
                            }
                        }
                    }
                    Err(e) => {
                        n += 1;
                        let line = e.position().map(|p| p.line()).unwrap_or(n + 1);
                        on_issue(LineIssue {
                            place: fplace.clone().at_line(line),
                            message: format!("unreadable CSV record: {e}"),
                        });
                        if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                            return Err(ControlsError::invalid(
                                fplace.at_line(line),
                                format!("read error: {e}"),
                            ));
                        }
                    }
                }
                if n & 4095 == 0 {
                    progress_lines(n);
                }
            }
            progress_lines(n);
            Ok(LedgerHeader {
                has_capacity_columns: index[17].is_some() || index[18].is_some(),
                has_licence_column: index[16].is_some(),
                has_payer_column: index[14].is_some(),
                ignored_columns: ignored,
            })
        }
        LedgerFormat::Jsonl => {
            let mut rdr = BufReader::with_capacity(1 << 20, reader);
            let mut buf = String::new();
            let mut line = 0u64;
            let mut header = LedgerHeader::default();
            loop {
                buf.clear();
                match rdr.read_line(&mut buf) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) => {
                        return Err(ControlsError::invalid(
                            fplace.at_line(line + 1),
                            format!("read error (is it UTF-8 text?): {e}"),
                        ))
                    }
                }
                line += 1;
                if line & 4095 == 0 {
                    progress_lines(line);
                }
                let text = buf.trim();
                if text.is_empty() {
                    continue;
                }
                let place = fplace.clone().at_line(line);
                let obj = match serde_json::from_str::<serde_json::Value>(text) {
                    Ok(serde_json::Value::Object(m)) => m,
                    Ok(_) => {
                        on_issue(LineIssue {
                            place,
                            message: "not a JSON object".into(),
                        });
                        continue;
                    }
                    Err(e) => {
                        on_issue(LineIssue {
                            place,
                            message: format!("not JSON: {e}"),
                        });
                        continue;
                    }
                };
                header.has_capacity_columns |=
                    obj.contains_key("end_user_power_kw") || obj.contains_key("end_user_racks");
                header.has_licence_column |= obj.contains_key("licence");
                header.has_payer_column |= obj.contains_key("payer");
                let f = JsonFields(&obj);
                let qty = f.get("quantity").and_then(|q| q.trim().parse::<u32>().ok());
                let items = json_items(obj.get("items"), qty);
                match build(&f, countries, &place, items) {
                    Ok(s) => on_shipment(line, s),
                    Err(i) => on_issue(i),
                }
            }
            progress_lines(line);
            Ok(header)
        }
    }
}

/// What the reader learnt about the ledger's columns: the analysis skips checks whose columns
/// the ledger does not have (and says so), rather than treating every line as missing them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LedgerHeader {
    pub has_capacity_columns: bool,
    pub has_licence_column: bool,
    pub has_payer_column: bool,
    pub ignored_columns: Vec<String>,
}

/// Writes shipments as CSV with the documented header.
pub fn write_csv<W: std::io::Write>(out: W, shipments: &[Shipment]) -> Result<(), ControlsError> {
    let mut w = csv::Writer::from_writer(out);
    let io = |e: csv::Error| ControlsError::Io {
        path: PathBuf::from("<ledger>"),
        source: std::io::Error::other(e.to_string()),
    };
    w.write_record(columns()).map_err(io)?;
    for s in shipments {
        let power = s
            .end_user_power_kw
            .map(|p| format!("{p}"))
            .unwrap_or_default();
        let racks = s.end_user_racks.map(|r| r.to_string()).unwrap_or_default();
        w.write_record([
            s.shipment_id.as_str(),
            &s.date.format("%Y-%m-%d").to_string(),
            &s.exporter,
            &s.exporter_country,
            &s.consignee,
            &s.destination,
            &s.ship_to_address,
            &s.end_user,
            &s.end_user_country,
            &s.declared_end_use,
            &format_items(&s.items),
            &s.quantity.to_string(),
            &format!("{:.2}", s.value_usd),
            &s.freight_forwarder,
            &s.payer,
            &s.payer_country,
            &s.licence,
            &power,
            &racks,
        ])
        .map_err(io)?;
    }
    w.flush().map_err(|source| ControlsError::Io {
        path: PathBuf::from("<ledger>"),
        source,
    })?;
    Ok(())
}

/// Writes shipments as JSON lines (items as objects).
pub fn write_jsonl<W: std::io::Write>(
    mut out: W,
    shipments: &[Shipment],
) -> Result<(), ControlsError> {
    let io = |source| ControlsError::Io {
        path: PathBuf::from("<ledger>"),
        source,
    };
    for s in shipments {
        serde_json::to_writer(&mut out, s).map_err(|e| io(std::io::Error::other(e)))?;
        out.write_all(b"\n").map_err(io)?;
    }
    out.flush().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "shipment_id,date,exporter,exporter_country,consignee,destination,ship_to_address,end_user,end_user_country,declared_end_use,items,quantity,value_usd,freight_forwarder,payer,payer_country,licence,end_user_power_kw,end_user_racks\n";

    fn read(text: &str, fmt: LedgerFormat) -> (Vec<Shipment>, Vec<LineIssue>) {
        let mut good = Vec::new();
        let mut bad = Vec::new();
        read_ledger(
            text.as_bytes(),
            Path::new("l.csv"),
            fmt,
            &Countries::builtin(),
            |_, s| good.push(s),
            |i| bad.push(i),
            |_| {},
        )
        .unwrap();
        (good, bad)
    }

    #[test]
    fn items_round_trip_and_errors() {
        let items = parse_items("DGX-H100*2#A1|A2;H100-SXM*8", None).unwrap();
        assert_eq!(items[0].serials, vec!["A1", "A2"]);
        assert_eq!(format_items(&items), "DGX-H100*2#A1|A2;H100-SXM*8");
        assert_eq!(parse_items("H100", Some(4)).unwrap()[0].quantity, 4);
        assert!(parse_items("H100*3#A|B", None)
            .unwrap_err()
            .contains("2 serial"));
        assert!(parse_items("H100*x", None)
            .unwrap_err()
            .contains("whole number"));
        assert!(parse_items(" ; ", None).is_err());
    }

    #[test]
    fn bad_lines_are_reported_with_line_and_field_and_skipped() {
        let text = format!(
            "{HEADER}S1,2025-01-02,Acme,US,Beta,DE,,,,training,H100-SXM*8,8,250000,,,,,,\n\
             S2,2025-01-03,Acme,US,Beta,XX,,,,training,H100-SXM*8,8,250000,,,,,,\n\
             S3,2025-13-03,Acme,US,Beta,DE,,,,training,H100-SXM*8,8,250000,,,,,,\n\
             S4,2025-01-03,Acme,US,Beta,DE,,,,training,H100-SXM*8,8,-5,,,,,,\n\
             S5,2025-01-03,Acme,US,Beta,DE\n\
             S6,2025-01-03,Acme,US,Beta,DE,,,,training,H100-SXM*8,9,1,,,,,,\n"
        );
        let (good, bad) = read(&text, LedgerFormat::Csv);
        assert_eq!(good.len(), 1);
        assert_eq!(bad.len(), 5);
        let msgs: Vec<String> = bad.iter().map(|b| b.to_string()).collect();
        assert!(
            msgs[0].contains("line 3") && msgs[0].contains("`destination`"),
            "{msgs:?}"
        );
        assert!(
            msgs[1].contains("line 4") && msgs[1].contains("`date`"),
            "{msgs:?}"
        );
        assert!(msgs[2].contains("`value_usd`"), "{msgs:?}");
        assert!(
            msgs[3].contains("line 6") && msgs[3].contains("fields"),
            "{msgs:?}"
        );
        assert!(msgs[4].contains("`quantity`"), "{msgs:?}");
    }

    #[test]
    fn missing_required_column_is_fatal_and_named() {
        let e = read_ledger(
            "shipment_id,date\nS1,2025-01-01\n".as_bytes(),
            Path::new("x.csv"),
            LedgerFormat::Csv,
            &Countries::builtin(),
            |_, _| {},
            |_| {},
            |_| {},
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("x.csv:line 1") && e.contains("exporter"), "{e}");
    }

    #[test]
    fn json_lines_read_with_item_objects() {
        let text = r#"{"shipment_id":"J1","date":"2025-02-01","exporter":"Acme","exporter_country":"US","consignee":"Beta","destination":"jp","declared_end_use":"cloud","items":[{"part":"H100-SXM","quantity":2,"serials":["a","b"]}],"quantity":2,"value_usd":60000}
not json
{"shipment_id":"J2"}
"#;
        let (good, bad) = read(text, LedgerFormat::Jsonl);
        assert_eq!(good.len(), 1);
        assert_eq!(good[0].destination, "JP");
        assert_eq!(bad.len(), 2);
        assert!(bad[1].to_string().contains("line 3"), "{}", bad[1]);
    }
}
