//! Denied-party list loaders: the U.S. Consolidated Screening List (JSON export and CSV),
//! OpenSanctions FollowTheMoney entities (JSON lines) and a plain CSV.
//!
//! Every entry keeps its source list. A bad entry (no name, wrong shape, not UTF-8) is skipped
//! and counted with its place; a file that is not the expected shape at all is an error.

use crate::error::{ScreenError, Skipped};
use chokepoint_core::Place;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::Path;

/// One listed party.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListEntry {
    /// The list's own id of the entry (CSL `id`, FtM `id`, CSV `id` or `line N`).
    pub list_id: String,
    /// The primary name as published.
    pub name: String,
    /// Published aliases (a.k.a., f.k.a., other scripts).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// `entity`, `individual`, `vessel`, `aircraft` or what the list says.
    #[serde(default)]
    pub kind: String,
    /// The list it comes from (e.g. `Entity List (EL) - Bureau of Industry and Security`).
    pub source: String,
    /// ISO 3166 alpha-2 codes (upper case) of its addresses / jurisdictions, when known.
    #[serde(default)]
    pub countries: Vec<String>,
    /// Addresses as published (free text).
    #[serde(default)]
    pub addresses: Vec<String>,
    /// Sanctions programmes.
    #[serde(default)]
    pub programs: Vec<String>,
}

/// The formats a list file can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    /// trade.gov Consolidated Screening List JSON: `{"results": [...]}`.
    CslJson,
    /// The CSL CSV download (columns `name`, `alt_names`, `source`, `addresses`, ...).
    CslCsv,
    /// OpenSanctions FollowTheMoney entities, one JSON object per line.
    FtmJsonLines,
    /// A plain CSV: `name` required; `id`, `aliases` (`;`-separated), `country`, `source`,
    /// `type`, `address` optional.
    PlainCsv,
}

/// How to read bytes that are not UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 only: a record with other bytes is skipped with its place.
    #[default]
    Utf8,
    /// ISO-8859-1 (Latin-1) for the whole file.
    Latin1,
}

/// What a loader read: the entries and the skipped records with their places.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LoadedList {
    pub entries: Vec<ListEntry>,
    /// Records skipped (each with its place and reason).
    pub skipped: Vec<Skipped>,
}

impl LoadedList {
    fn skip(&mut self, place: Place, reason: impl Into<String>) {
        self.skipped.push(Skipped {
            place,
            reason: reason.into(),
        });
    }
}

/// Decodes file bytes as text per `encoding`. With UTF-8, invalid bytes are an error naming
/// the line and byte (the usual cause: a Latin-1 export).
pub fn decode(path: &Path, bytes: &[u8], encoding: Encoding) -> Result<String, ScreenError> {
    match encoding {
        Encoding::Latin1 => Ok(bytes.iter().map(|&b| b as char).collect()),
        Encoding::Utf8 => {
            let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            match std::str::from_utf8(bytes) {
                Ok(s) => Ok(s.to_string()),
                Err(e) => {
                    let at = e.valid_up_to();
                    let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
                    Err(ScreenError::invalid(
                        Place::file(path).at_line(line),
                        format!(
                            "not UTF-8 (byte 0x{:02X} at offset {at}); the file looks like Latin-1 or \
                             another legacy encoding: convert it to UTF-8 or read it with --encoding latin1",
                            bytes[at]
                        ),
                    ))
                }
            }
        }
    }
}

/// Guesses the format of a list file from its extension and first bytes.
pub fn detect_format(path: &Path, text: &str) -> Result<ListFormat, ScreenError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let head = text.trim_start();
    match ext.as_str() {
        "jsonl" | "ndjson" => return Ok(ListFormat::FtmJsonLines),
        "csv" | "tsv" => {
            let first = head.lines().next().unwrap_or("").to_ascii_lowercase();
            return Ok(if first.contains("alt_names") {
                ListFormat::CslCsv
            } else {
                ListFormat::PlainCsv
            });
        }
        _ => {}
    }
    if head.starts_with('{') {
        // One object with `results` is the CSL export; one object per line is FtM.
        let first_line = head.lines().next().unwrap_or("");
        if let Ok(v) = serde_json::from_str::<Value>(first_line) {
            if v.get("schema").is_some() {
                return Ok(ListFormat::FtmJsonLines);
            }
        }
        return Ok(ListFormat::CslJson);
    }
    Err(ScreenError::invalid(
        Place::file(path),
        "unknown list format: expected a CSL JSON export ({\"results\": [...]}), FollowTheMoney \
         JSON lines (.jsonl) or a CSV with a `name` column",
    ))
}

/// Reads a list file in any supported format (detected), entries tagged with their source.
pub fn load_list(path: &Path, encoding: Encoding) -> Result<LoadedList, ScreenError> {
    let bytes = std::fs::read(path).map_err(|e| ScreenError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ScreenError::invalid(
            Place::file(path),
            "the list file is empty",
        ));
    }
    // CSV decodes per record so that one Latin-1 record is skipped, not the whole file.
    let is_csv = matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref(),
        Some("csv") | Some("tsv")
    );
    if is_csv {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_string();
        let format = detect_format(path, &head)?;
        return parse_csv_list(path, &bytes, format, encoding);
    }
    let text = decode(path, &bytes, encoding)?;
    match detect_format(path, &text)? {
        ListFormat::CslJson => parse_csl_json(path, &text),
        ListFormat::FtmJsonLines => parse_ftm_lines(path, &text),
        f @ (ListFormat::CslCsv | ListFormat::PlainCsv) => {
            parse_csv_list(path, text.as_bytes(), f, encoding)
        }
    }
}

fn str_field(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn str_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| match x {
                Value::String(s) => Some(s.trim().to_string()),
                Value::Object(_) => x
                    .get("name")
                    .or_else(|| x.get("number"))
                    .and_then(|n| n.as_str())
                    .map(|s| s.trim().to_string()),
                _ => None,
            })
            .filter(|s| !s.is_empty())
            .collect(),
        Some(Value::String(s)) => s
            .split(';')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        _ => Vec::new(),
    }
}

/// Parses the CSL JSON export: `{"results": [{"id", "name", "alt_names", "type", "source",
/// "addresses": [{"address", "city", "country"}], "programs", "ids"}]}`.
pub fn parse_csl_json(path: &Path, text: &str) -> Result<LoadedList, ScreenError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        ScreenError::invalid(
            Place::file(path).at_line(e.line() as u64),
            format!("not a CSL JSON export: {e}"),
        )
    })?;
    let results = match doc.get("results") {
        Some(Value::Array(a)) => a,
        Some(_) => {
            return Err(ScreenError::invalid(
                Place::file(path).at_field("results"),
                "`results` is not an array",
            ))
        }
        None => {
            return Err(ScreenError::invalid(
                Place::file(path),
                "not a CSL JSON export: no `results` array at the top level",
            ))
        }
    };
    let mut out = LoadedList::default();
    for (i, r) in results.iter().enumerate() {
        let place = Place::file(path)
            .at_line(i as u64 + 1)
            .at_field(format!("results[{i}]"));
        if !r.is_object() {
            out.skip(place, "entry is not an object");
            continue;
        }
        let Some(name) = str_field(r, "name") else {
            out.skip(
                place.at_field(format!("results[{i}].name")),
                "entry has no name",
            );
            continue;
        };
        let mut countries = Vec::new();
        let mut addresses = Vec::new();
        if let Some(Value::Array(addrs)) = r.get("addresses") {
            for a in addrs {
                if let Some(c) = str_field(a, "country") {
                    countries.push(country_code(&c));
                }
                let text: Vec<String> = ["address", "city", "state", "postal_code", "country"]
                    .iter()
                    .filter_map(|k| str_field(a, k))
                    .collect();
                if !text.is_empty() {
                    addresses.push(text.join(", "));
                }
            }
        }
        for k in ["nationalities", "citizenships"] {
            countries.extend(str_list(r.get(k)).iter().map(|c| country_code(c)));
        }
        countries.sort();
        countries.dedup();
        out.entries.push(ListEntry {
            list_id: str_field(r, "id")
                .or_else(|| str_field(r, "entity_number"))
                .unwrap_or_else(|| format!("{}#{}", path.display(), i + 1)),
            name,
            aliases: str_list(r.get("alt_names")),
            kind: str_field(r, "type")
                .unwrap_or_default()
                .to_ascii_lowercase(),
            source: str_field(r, "source").unwrap_or_else(|| "Consolidated Screening List".into()),
            countries,
            addresses,
            programs: str_list(r.get("programs")),
        });
    }
    Ok(out)
}

/// FollowTheMoney schemata that are parties (not ownership, sanctions or address records).
const FTM_PARTIES: &[&str] = &[
    "Person",
    "Company",
    "Organization",
    "LegalEntity",
    "PublicBody",
    "Vessel",
    "Airplane",
];

/// Parses OpenSanctions FollowTheMoney entities, one JSON object per line. Party schemata become
/// entries; other schemata (Ownership, Sanction, Address...) are ignored here (ownership is read
/// by [`crate::ownership`]).
pub fn parse_ftm_lines(path: &Path, text: &str) -> Result<LoadedList, ScreenError> {
    let mut out = LoadedList::default();
    let mut objects = 0usize;
    for (i, line) in text.lines().enumerate() {
        let place = Place::file(path).at_line(i as u64 + 1);
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let v: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                out.skip(place, format!("not a JSON object: {e}"));
                continue;
            }
        };
        let Some(schema) = v.get("schema").and_then(|s| s.as_str()) else {
            out.skip(
                place.at_field("schema"),
                "no `schema`: not a FollowTheMoney entity",
            );
            continue;
        };
        objects += 1;
        if !FTM_PARTIES.contains(&schema) {
            continue;
        }
        let props = v.get("properties").cloned().unwrap_or(Value::Null);
        let names = str_list(props.get("name"));
        let Some(name) = names.first().cloned().or_else(|| str_field(&v, "caption")) else {
            out.skip(place.at_field("properties.name"), "entity has no name");
            continue;
        };
        let mut aliases: Vec<String> = names.iter().skip(1).cloned().collect();
        for k in ["alias", "weakAlias", "previousName"] {
            aliases.extend(str_list(props.get(k)));
        }
        aliases.retain(|a| a != &name);
        aliases.dedup();
        let mut countries: Vec<String> = [
            "country",
            "jurisdiction",
            "nationality",
            "mainCountry",
            "citizenship",
        ]
        .iter()
        .flat_map(|k| str_list(props.get(*k)))
        .map(|c| country_code(&c))
        .collect();
        countries.sort();
        countries.dedup();
        let source = match v.get("datasets") {
            Some(Value::Array(d)) if !d.is_empty() => d
                .iter()
                .filter_map(|x| x.as_str())
                .collect::<Vec<_>>()
                .join(","),
            _ => "opensanctions".to_string(),
        };
        out.entries.push(ListEntry {
            list_id: str_field(&v, "id").unwrap_or_else(|| format!("line {}", i + 1)),
            name,
            aliases,
            kind: schema.to_ascii_lowercase(),
            source,
            countries,
            addresses: str_list(props.get("address")),
            programs: str_list(props.get("program")),
        });
    }
    if objects == 0 && !out.skipped.is_empty() {
        return Err(ScreenError::invalid(
            Place::file(path).at_line(1),
            format!(
                "not FollowTheMoney JSON lines: none of {} records has a `schema` ({})",
                out.skipped.len(),
                out.skipped[0].reason
            ),
        ));
    }
    Ok(out)
}

/// Reads one CSV record's field as text per the encoding, or says why it cannot.
fn csv_field(
    rec: &csv::ByteRecord,
    idx: Option<usize>,
    encoding: Encoding,
) -> Result<String, String> {
    let Some(i) = idx else {
        return Ok(String::new());
    };
    let Some(b) = rec.get(i) else {
        return Ok(String::new());
    };
    match encoding {
        Encoding::Latin1 => Ok(b.iter().map(|&c| c as char).collect::<String>().trim().to_string()),
        Encoding::Utf8 => std::str::from_utf8(b)
            .map(|s| s.trim().to_string())
            .map_err(|e| {
                format!(
                    "not UTF-8 (byte 0x{:02X}); the file mixes encodings (Latin-1?): convert it to UTF-8 or read it with --encoding latin1",
                    b[e.valid_up_to()]
                )
            }),
    }
}

/// Column lookup by (case-insensitive) header name.
fn column(headers: &[String], names: &[&str]) -> Option<usize> {
    names
        .iter()
        .find_map(|n| headers.iter().position(|h| h.eq_ignore_ascii_case(n)))
}

/// Splits `a; b; c` (and `|`) lists.
fn split_list(s: &str) -> Vec<String> {
    s.split([';', '|'])
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

/// Parses a CSL CSV download or a plain CSV list.
pub fn parse_csv_list(
    path: &Path,
    bytes: &[u8],
    format: ListFormat,
    encoding: Encoding,
) -> Result<LoadedList, ScreenError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let delimiter = if path.extension().and_then(|e| e.to_str()) == Some("tsv") {
        b'\t'
    } else {
        b','
    };
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes);
    let headers: Vec<String> = rdr
        .byte_headers()
        .map_err(|e| {
            ScreenError::invalid(Place::file(path).at_line(1), format!("bad CSV header: {e}"))
        })?
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_ascii_lowercase())
        .collect();
    let name_col = column(&headers, &["name", "entity_name", "party_name"]).ok_or_else(|| {
        ScreenError::invalid(
            Place::file(path).at_line(1).at_field("name"),
            format!(
                "missing column `name` (columns found: {})",
                headers.join(", ")
            ),
        )
    })?;
    let id_col = column(&headers, &["id", "_id", "entity_number", "list_id"]);
    let alias_col = column(&headers, &["alt_names", "aliases", "alias"]);
    let source_col = column(&headers, &["source", "list"]);
    let type_col = column(&headers, &["type", "kind", "schema"]);
    let country_col = column(&headers, &["country", "countries", "nationalities"]);
    let address_col = column(&headers, &["addresses", "address"]);
    let programs_col = column(&headers, &["programs", "program"]);
    let default_source = match format {
        ListFormat::CslCsv => "Consolidated Screening List".to_string(),
        _ => path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("list")
            .to_string(),
    };
    let mut out = LoadedList::default();
    let mut rec = csv::ByteRecord::new();
    loop {
        let line = rdr.position().line();
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                out.skip(
                    Place::file(path).at_line(line),
                    format!("unreadable CSV record: {e}"),
                );
                continue;
            }
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(line);
        let place = Place::file(path).at_line(line);
        let field = |idx: Option<usize>, col: &str| {
            csv_field(&rec, idx, encoding).map_err(|r| (place.clone().at_field(col), r))
        };
        let result = (|| {
            let name = field(Some(name_col), "name")?;
            if name.is_empty() {
                return Err((
                    place.clone().at_field("name"),
                    "entry has no name".to_string(),
                ));
            }
            let addresses_raw = field(address_col, "addresses")?;
            let addresses = split_list(&addresses_raw);
            let mut countries: Vec<String> = split_list(&field(country_col, "country")?)
                .iter()
                .flat_map(|c| {
                    c.split(',')
                        .map(|x| country_code(x.trim()))
                        .collect::<Vec<_>>()
                })
                .filter(|c| !c.is_empty())
                .collect();
            if format == ListFormat::CslCsv {
                // CSL CSV addresses are `street, city, state, postal, COUNTRY; ...`.
                for a in &addresses {
                    if let Some(last) = a.rsplit(',').next() {
                        let c = last.trim();
                        if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_alphabetic()) {
                            countries.push(c.to_ascii_uppercase());
                        }
                    }
                }
            }
            countries.sort();
            countries.dedup();
            Ok(ListEntry {
                list_id: {
                    let id = field(id_col, "id")?;
                    if id.is_empty() {
                        format!("{}:{line}", path.display())
                    } else {
                        id
                    }
                },
                aliases: split_list(&field(alias_col, "alt_names")?)
                    .into_iter()
                    .filter(|a| a != &name)
                    .collect(),
                name,
                kind: field(type_col, "type")?.to_ascii_lowercase(),
                source: Some(field(source_col, "source")?)
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| default_source.clone()),
                countries,
                addresses,
                programs: split_list(&field(programs_col, "programs")?),
            })
        })();
        match result {
            Ok(e) => out.entries.push(e),
            Err((place, reason)) => out.skip(place, reason),
        }
    }
    Ok(out)
}

/// ISO 3166 alpha-2 code for a country code or a common country name (upper-cased input when
/// unknown, so that codes still compare).
pub fn country_code(s: &str) -> String {
    let t = s.trim();
    if t.len() == 2 {
        return t.to_ascii_uppercase();
    }
    let l = t.to_ascii_lowercase();
    let code = match l.as_str() {
        "china" | "people's republic of china" | "prc" | "chn" => "CN",
        "hong kong" | "hkg" => "HK",
        "macau" | "macao" | "mac" => "MO",
        "taiwan" => "TW",
        "russia" | "russian federation" | "rus" => "RU",
        "iran" | "islamic republic of iran" | "irn" => "IR",
        "north korea" | "democratic people's republic of korea" | "dprk" | "prk" => "KP",
        "south korea" | "korea" | "republic of korea" => "KR",
        "belarus" | "blr" => "BY",
        "syria" => "SY",
        "venezuela" => "VE",
        "cuba" => "CU",
        "myanmar" | "burma" => "MM",
        "united states" | "usa" | "united states of america" => "US",
        "united kingdom" | "uk" | "great britain" => "GB",
        "united arab emirates" | "uae" => "AE",
        "singapore" | "sgp" => "SG",
        "malaysia" | "mys" => "MY",
        "indonesia" => "ID",
        "thailand" => "TH",
        "vietnam" | "viet nam" => "VN",
        "india" => "IN",
        "pakistan" => "PK",
        "turkey" | "türkiye" | "turkiye" => "TR",
        "germany" => "DE",
        "france" => "FR",
        "netherlands" => "NL",
        "japan" => "JP",
        "israel" => "IL",
        "lebanon" => "LB",
        "iraq" => "IQ",
        "afghanistan" => "AF",
        "cyprus" => "CY",
        "switzerland" => "CH",
        _ => return t.to_ascii_uppercase(),
    };
    code.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csl_json_entries_and_skips() {
        let text = r#"{"results": [
            {"id": "a1", "name": "Huawei Technologies Co., Ltd.", "alt_names": ["Huawei"], "type": "Entity",
             "source": "Entity List (EL) - Bureau of Industry and Security",
             "addresses": [{"address": "Bantian", "city": "Shenzhen", "country": "CN"}], "programs": [], "ids": []},
            {"id": "a2", "name": "", "source": "SDN"},
            7
        ]}"#;
        let l = parse_csl_json(Path::new("csl.json"), text).unwrap();
        assert_eq!(l.entries.len(), 1);
        assert_eq!(l.entries[0].countries, ["CN"]);
        assert_eq!(l.entries[0].aliases, ["Huawei"]);
        assert_eq!(l.skipped.len(), 2);
        assert!(
            l.skipped[0].to_string().contains("results[1].name"),
            "{}",
            l.skipped[0]
        );
    }

    #[test]
    fn wrong_shape_is_an_error_with_place() {
        let e = parse_csl_json(Path::new("x.json"), r#"{"items": []}"#).unwrap_err();
        assert!(
            e.to_string().contains("x.json") && e.to_string().contains("results"),
            "{e}"
        );
        let e = parse_csl_json(Path::new("x.json"), "{\n\"results\": [\n}").unwrap_err();
        assert!(e.to_string().contains("x.json:line 3"), "{e}");
    }

    #[test]
    fn ftm_lines() {
        let text = concat!(
            r#"{"id":"NK-1","schema":"Company","properties":{"name":["Joint Stock Company Rosoboronexport"],"alias":["Rosoboronexport"],"country":["ru"]},"datasets":["us_ofac_sdn"]}"#,
            "\n",
            r#"{"id":"own-1","schema":"Ownership","properties":{"owner":["NK-2"],"asset":["NK-1"],"percentage":["100"]}}"#,
            "\n",
            r#"{"id":"NK-3","schema":"Person","properties":{}}"#,
            "\nnot json\n"
        );
        let l = parse_ftm_lines(Path::new("t.jsonl"), text).unwrap();
        assert_eq!(l.entries.len(), 1);
        assert_eq!(l.entries[0].countries, ["RU"]);
        assert_eq!(l.entries[0].source, "us_ofac_sdn");
        assert_eq!(l.skipped.len(), 2);
        assert!(l.skipped[1].to_string().contains("t.jsonl:line 4"));
    }

    #[test]
    fn csv_missing_column_and_latin1_record() {
        let e = parse_csv_list(
            Path::new("l.csv"),
            b"id,title\n1,x\n",
            ListFormat::PlainCsv,
            Encoding::Utf8,
        )
        .unwrap_err();
        assert!(e.to_string().contains("l.csv:line 1, field `name`"), "{e}");
        let bytes = b"id,name,country\n1,Soci\xe9t\xe9 Test,FR\n2,Good Name,CN\n3,,RU\n";
        let l = parse_csv_list(
            Path::new("l.csv"),
            bytes,
            ListFormat::PlainCsv,
            Encoding::Utf8,
        )
        .unwrap();
        assert_eq!(l.entries.len(), 1);
        assert_eq!(l.skipped.len(), 2);
        assert!(
            l.skipped[0].to_string().contains("line 2") && l.skipped[0].reason.contains("UTF-8")
        );
        let l = parse_csv_list(
            Path::new("l.csv"),
            bytes,
            ListFormat::PlainCsv,
            Encoding::Latin1,
        )
        .unwrap();
        assert_eq!(l.entries[0].name, "Société Test");
    }
}

/// One name to screen, as read from a queries CSV.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Query {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub country: Option<String>,
}

/// Queries read from a file, with the skipped records.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LoadedQueries {
    pub queries: Vec<Query>,
    pub skipped: Vec<Skipped>,
}

/// Reads a queries CSV with columns `id,name,country` (`name` required, `id` defaults to the
/// line number, `country` optional). Empty names and undecodable records are skipped with
/// their places.
pub fn load_queries(path: &Path, encoding: Encoding) -> Result<LoadedQueries, ScreenError> {
    let bytes = std::fs::read(path).map_err(|e| ScreenError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    parse_queries_csv(path, &bytes, encoding)
}

/// Parses a queries CSV (see [`load_queries`]).
pub fn parse_queries_csv(
    path: &Path,
    bytes: &[u8],
    encoding: Encoding,
) -> Result<LoadedQueries, ScreenError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers: Vec<String> = rdr
        .byte_headers()
        .map_err(|e| {
            ScreenError::invalid(Place::file(path).at_line(1), format!("bad CSV header: {e}"))
        })?
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_ascii_lowercase())
        .collect();
    let name_col = column(&headers, &["name", "query"]).ok_or_else(|| {
        ScreenError::invalid(
            Place::file(path).at_line(1).at_field("name"),
            format!(
                "missing column `name` (columns found: {})",
                headers.join(", ")
            ),
        )
    })?;
    let id_col = column(&headers, &["id"]);
    let country_col = column(&headers, &["country"]);
    let mut out = LoadedQueries::default();
    let mut rec = csv::ByteRecord::new();
    loop {
        let line = rdr.position().line();
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                out.skipped.push(Skipped {
                    place: Place::file(path).at_line(line),
                    reason: format!("unreadable CSV record: {e}"),
                });
                continue;
            }
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(line);
        let place = Place::file(path).at_line(line);
        let name = match csv_field(&rec, Some(name_col), encoding) {
            Ok(n) => n,
            Err(reason) => {
                out.skipped.push(Skipped {
                    place: place.at_field("name"),
                    reason,
                });
                continue;
            }
        };
        if name.is_empty() {
            out.skipped.push(Skipped {
                place: place.at_field("name"),
                reason: "empty query".into(),
            });
            continue;
        }
        let id = csv_field(&rec, id_col, encoding).unwrap_or_default();
        let country = csv_field(&rec, country_col, encoding).unwrap_or_default();
        out.queries.push(Query {
            id: if id.is_empty() {
                format!("line {line}")
            } else {
                id
            },
            name,
            country: Some(country)
                .filter(|c| !c.is_empty())
                .map(|c| country_code(&c)),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod query_tests {
    use super::*;

    #[test]
    fn queries_skip_empty_and_undecodable() {
        let q = parse_queries_csv(
            Path::new("q.csv"),
            b"id,name,country\n1,Huawei,CN\n2,,\n3,M\xfcller GmbH,DE\n4,Rostec\n",
            Encoding::Utf8,
        )
        .unwrap();
        assert_eq!(q.queries.len(), 2);
        assert_eq!(q.queries[1].country, None);
        assert_eq!(q.skipped.len(), 2);
        assert_eq!(
            q.skipped[0].to_string(),
            "q.csv:line 3, field `name`: empty query"
        );
        assert!(q.skipped[1]
            .to_string()
            .starts_with("q.csv:line 4, field `name`: not UTF-8"));
        let e = parse_queries_csv(Path::new("q.csv"), b"id,country\n1,CN\n", Encoding::Utf8)
            .unwrap_err();
        assert!(e.to_string().contains("missing column `name`"));
    }
}
