//! Offline input for analysts: landmarks, measurements and claims as CSV files.
//!
//! - landmarks: `id,lat,lon`
//! - measurements: `chip_id,landmark_id,rtt_ms` (several rows per pair are several probes; the
//!   fastest is kept)
//! - claims: `chip_id,lat,lon` (the declared site)
//!
//! Every error names the file, the line and the field. Extra columns are ignored; a missing
//! column is an error.

use crate::error::GeolocError;
use crate::solver::{assess, Assessment, Bound, SolverConfig};
use crate::CountryIndex;
use chokepoint_core::{GeoPoint, Place, Progress};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Everything the offline solver needs, checked.
#[derive(Debug, Clone, Default)]
pub struct OfflineInput {
    pub landmarks: BTreeMap<String, GeoPoint>,
    /// Declared sites, in the order of the claims file.
    pub claims: Vec<(String, GeoPoint)>,
    /// Fastest round trip per chip and landmark.
    pub bounds: HashMap<String, Vec<Bound>>,
}

struct Table {
    path: PathBuf,
    columns: HashMap<String, usize>,
    rows: Vec<(u64, csv::StringRecord)>,
}

fn read_table(reader: impl Read, path: &Path, required: &[&str]) -> Result<Table, GeolocError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .comment(Some(b'#'))
        .from_reader(reader);
    let headers = rdr.headers().map_err(|e| csv_error(path, e))?.clone();
    let columns: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim_start_matches('\u{feff}').to_ascii_lowercase(), i))
        .collect();
    for r in required {
        if !columns.contains_key(*r) {
            return Err(GeolocError::invalid(
                Place::file(path).at_line(1).at_field(*r),
                format!(
                    "missing column `{r}` (header is `{}`; expected {})",
                    headers.iter().collect::<Vec<_>>().join(","),
                    required.join(",")
                ),
            ));
        }
    }
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| csv_error(path, e))?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        rows.push((line, rec));
    }
    Ok(Table {
        path: path.to_path_buf(),
        columns,
        rows,
    })
}

fn csv_error(path: &Path, e: csv::Error) -> GeolocError {
    let mut place = Place::file(path);
    if let Some(p) = e.position() {
        place = place.at_line(p.line());
    }
    match e.into_kind() {
        csv::ErrorKind::Io(source) => GeolocError::Io {
            path: path.to_path_buf(),
            source,
        },
        kind => GeolocError::invalid(place, format!("malformed CSV: {kind:?}")),
    }
}

impl Table {
    fn place(&self, line: u64, field: &str) -> Place {
        Place::file(&self.path).at_line(line).at_field(field)
    }

    fn text<'r>(
        &self,
        rec: &'r csv::StringRecord,
        line: u64,
        field: &str,
    ) -> Result<&'r str, GeolocError> {
        let v = self
            .columns
            .get(field)
            .and_then(|&i| rec.get(i))
            .unwrap_or("");
        if v.is_empty() {
            return Err(GeolocError::invalid(self.place(line, field), "empty value"));
        }
        if v.len() > 128 {
            return Err(GeolocError::invalid(
                self.place(line, field),
                format!("value is {} bytes long; at most 128 allowed", v.len()),
            ));
        }
        Ok(v)
    }

    fn number(&self, rec: &csv::StringRecord, line: u64, field: &str) -> Result<f64, GeolocError> {
        let v = self.text(rec, line, field)?;
        let x: f64 = v.parse().map_err(|_| {
            GeolocError::invalid(self.place(line, field), format!("`{v}` is not a number"))
        })?;
        if !x.is_finite() {
            return Err(GeolocError::invalid(
                self.place(line, field),
                format!("`{v}` is not a finite number"),
            ));
        }
        Ok(x)
    }

    fn point(&self, rec: &csv::StringRecord, line: u64) -> Result<GeoPoint, GeolocError> {
        let lat = self.number(rec, line, "lat")?;
        if !(-90.0..=90.0).contains(&lat) {
            return Err(GeolocError::invalid(
                self.place(line, "lat"),
                format!("latitude {lat} is outside [-90, 90]"),
            ));
        }
        let lon = self.number(rec, line, "lon")?;
        if !(-180.0..=180.0).contains(&lon) {
            return Err(GeolocError::invalid(
                self.place(line, "lon"),
                format!("longitude {lon} is outside [-180, 180]"),
            ));
        }
        Ok(GeoPoint { lat, lon })
    }
}

fn open(path: &Path) -> Result<std::fs::File, GeolocError> {
    std::fs::File::open(path).map_err(|source| GeolocError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads `id,lat,lon`; ids must be unique.
pub fn read_landmarks(
    reader: impl Read,
    path: &Path,
) -> Result<BTreeMap<String, GeoPoint>, GeolocError> {
    let t = read_table(reader, path, &["id", "lat", "lon"])?;
    let mut out = BTreeMap::new();
    for (line, rec) in &t.rows {
        let id = t.text(rec, *line, "id")?;
        let at = t.point(rec, *line)?;
        if out.insert(id.to_string(), at).is_some() {
            return Err(GeolocError::invalid(
                t.place(*line, "id"),
                format!("duplicate landmark `{id}`"),
            ));
        }
    }
    Ok(out)
}

/// Reads `chip_id,lat,lon`; each chip once.
pub fn read_claims(reader: impl Read, path: &Path) -> Result<Vec<(String, GeoPoint)>, GeolocError> {
    let t = read_table(reader, path, &["chip_id", "lat", "lon"])?;
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut out = Vec::new();
    for (line, rec) in &t.rows {
        let id = t.text(rec, *line, "chip_id")?;
        let at = t.point(rec, *line)?;
        if let Some(first) = seen.insert(id.to_string(), *line) {
            return Err(GeolocError::invalid(
                t.place(*line, "chip_id"),
                format!("duplicate chip `{id}` (first claimed on line {first})"),
            ));
        }
        out.push((id.to_string(), at));
    }
    Ok(out)
}

/// Reads `chip_id,landmark_id,rtt_ms` against known landmarks and claimed chips; keeps the
/// fastest round trip per pair.
pub fn read_measurements(
    reader: impl Read,
    path: &Path,
    landmarks: &BTreeMap<String, GeoPoint>,
    claims: &[(String, GeoPoint)],
) -> Result<HashMap<String, Vec<Bound>>, GeolocError> {
    let t = read_table(reader, path, &["chip_id", "landmark_id", "rtt_ms"])?;
    let chips: std::collections::HashSet<&str> = claims.iter().map(|(c, _)| c.as_str()).collect();
    let mut best: HashMap<String, BTreeMap<String, f64>> = HashMap::new();
    for (line, rec) in &t.rows {
        let chip = t.text(rec, *line, "chip_id")?;
        if !chips.contains(chip) {
            return Err(GeolocError::invalid(
                t.place(*line, "chip_id"),
                format!("chip `{chip}` has no claim in the claims file"),
            ));
        }
        let lm = t.text(rec, *line, "landmark_id")?;
        if !landmarks.contains_key(lm) {
            return Err(GeolocError::invalid(
                t.place(*line, "landmark_id"),
                format!("unknown landmark `{lm}` (not in the landmarks file)"),
            ));
        }
        let rtt = t.number(rec, *line, "rtt_ms")?;
        check_rtt(rtt).map_err(|m| GeolocError::invalid(t.place(*line, "rtt_ms"), m))?;
        let slot = best
            .entry(chip.to_string())
            .or_default()
            .entry(lm.to_string())
            .or_insert(f64::INFINITY);
        *slot = slot.min(rtt);
    }
    Ok(best
        .into_iter()
        .map(|(chip, per)| {
            let bounds = per
                .into_iter()
                .map(|(lm, rtt_ms)| Bound {
                    landmark: landmarks[&lm],
                    landmark_id: lm,
                    rtt_ms,
                })
                .collect();
            (chip, bounds)
        })
        .collect())
}

/// A round trip must be a positive, finite number of milliseconds below 10 s.
pub fn check_rtt(rtt_ms: f64) -> Result<(), String> {
    if !rtt_ms.is_finite() {
        return Err(format!("RTT {rtt_ms} is not a finite number"));
    }
    if rtt_ms <= 0.0 {
        return Err(format!("RTT {rtt_ms} ms must be positive"));
    }
    if rtt_ms > 10_000.0 {
        return Err(format!("RTT {rtt_ms} ms is longer than 10 s"));
    }
    Ok(())
}

/// Reads and cross-checks the three files.
pub fn load_offline(
    landmarks: &Path,
    measurements: &Path,
    claims: &Path,
) -> Result<OfflineInput, GeolocError> {
    let lm = read_landmarks(open(landmarks)?, landmarks)?;
    let cl = read_claims(open(claims)?, claims)?;
    let bounds = read_measurements(open(measurements)?, measurements, &lm, &cl)?;
    Ok(OfflineInput {
        landmarks: lm,
        claims: cl,
        bounds,
    })
}

/// Assesses every claim, in parallel, in the order of the claims file.
pub fn solve_offline(
    input: &OfflineInput,
    cfg: &SolverConfig,
    progress: &dyn Progress,
) -> Vec<Assessment> {
    let index = CountryIndex::bundled();
    progress.start("solving", Some(input.claims.len() as u64), "chips");
    let empty = Vec::new();
    let out = input
        .claims
        .par_iter()
        .map(|(chip, site)| {
            let a = assess(
                chip,
                *site,
                input.bounds.get(chip).unwrap_or(&empty),
                cfg,
                index,
            );
            progress.advance(1);
            a
        })
        .collect();
    progress.finish();
    out
}

/// The bundled sample: a few real landmark cities and chips around Southeast Asia.
pub const SAMPLE_LANDMARKS: &str = include_str!("../data/sample-landmarks.csv");
pub const SAMPLE_MEASUREMENTS: &str = include_str!("../data/sample-measurements.csv");
pub const SAMPLE_CLAIMS: &str = include_str!("../data/sample-claims.csv");

/// Writes the bundled sample CSVs into `dir` and returns their paths (landmarks, measurements,
/// claims), for the demo and for analysts to copy.
pub fn write_sample(dir: &Path) -> Result<[PathBuf; 3], GeolocError> {
    let files = [
        ("sample-landmarks.csv", SAMPLE_LANDMARKS),
        ("sample-measurements.csv", SAMPLE_MEASUREMENTS),
        ("sample-claims.csv", SAMPLE_CLAIMS),
    ];
    let mut out: Vec<PathBuf> = Vec::new();
    for (name, text) in files {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(|source| GeolocError::Io {
            path: p.clone(),
            source,
        })?;
        out.push(p);
    }
    Ok([out[0].clone(), out[1].clone(), out[2].clone()])
}

/// The demo's entry point: writes the sample into `dir`, solves it, returns the assessments.
pub fn solve_sample(
    dir: &Path,
    cfg: &SolverConfig,
    progress: &dyn Progress,
) -> Result<Vec<Assessment>, GeolocError> {
    let [l, m, c] = write_sample(dir)?;
    let input = load_offline(&l, &m, &c)?;
    Ok(solve_offline(&input, cfg, progress))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Verdict;

    fn lm() -> BTreeMap<String, GeoPoint> {
        read_landmarks(
            "id,lat,lon\nkul,3.139,101.687\n".as_bytes(),
            Path::new("l.csv"),
        )
        .unwrap()
    }

    #[test]
    fn bad_latitude_names_file_line_field() {
        let e = read_landmarks(
            "id,lat,lon\nkul,3.1,101.6\nbad,95,10\n".as_bytes(),
            Path::new("l.csv"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("l.csv:line 3, field `lat`"), "{e}");
        assert!(e.contains("95"), "{e}");
    }

    #[test]
    fn negative_and_nan_rtt_are_rejected() {
        let claims = vec![(
            "c1".to_string(),
            GeoPoint {
                lat: 3.0,
                lon: 101.0,
            },
        )];
        for (v, want) in [
            ("-1", "positive"),
            ("NaN", "finite"),
            ("abc", "not a number"),
        ] {
            let text = format!("chip_id,landmark_id,rtt_ms\nc1,kul,1.0\nc1,kul,{v}\n");
            let e = read_measurements(text.as_bytes(), Path::new("m.csv"), &lm(), &claims)
                .unwrap_err()
                .to_string();
            assert!(e.contains("m.csv:line 3, field `rtt_ms`"), "{e}");
            assert!(e.contains(want), "{e}");
        }
    }

    #[test]
    fn unknown_landmark_and_unclaimed_chip_are_rejected() {
        let claims = vec![(
            "c1".to_string(),
            GeoPoint {
                lat: 3.0,
                lon: 101.0,
            },
        )];
        let e = read_measurements(
            "chip_id,landmark_id,rtt_ms\nc1,nowhere,1.0\n".as_bytes(),
            Path::new("m.csv"),
            &lm(),
            &claims,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("line 2, field `landmark_id`") && e.contains("nowhere"),
            "{e}"
        );
        let e = read_measurements(
            "chip_id,landmark_id,rtt_ms\nc9,kul,1.0\n".as_bytes(),
            Path::new("m.csv"),
            &lm(),
            &claims,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("field `chip_id`") && e.contains("c9"), "{e}");
    }

    #[test]
    fn duplicate_chip_and_missing_column_are_rejected() {
        let e = read_claims(
            "chip_id,lat,lon\nc1,1,1\nc1,2,2\n".as_bytes(),
            Path::new("c.csv"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("c.csv:line 3, field `chip_id`") && e.contains("duplicate"),
            "{e}"
        );
        let e = read_claims("chip,lat,lon\nc1,1,1\n".as_bytes(), Path::new("c.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing column `chip_id`"), "{e}");
        let e = read_claims("chip_id,lat,lon\nc1,1\n".as_bytes(), Path::new("c.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.csv:line 2"), "{e}");
    }

    #[test]
    fn minimum_of_several_probes_is_kept() {
        let claims = vec![(
            "c1".to_string(),
            GeoPoint {
                lat: 3.0,
                lon: 101.0,
            },
        )];
        let b = read_measurements(
            "chip_id,landmark_id,rtt_ms\nc1,kul,3.0\nc1,kul,1.5\nc1,kul,2.0\n".as_bytes(),
            Path::new("m.csv"),
            &lm(),
            &claims,
        )
        .unwrap();
        assert_eq!(b["c1"][0].rtt_ms, 1.5);
    }

    #[test]
    fn bundled_sample_solves_with_all_three_verdicts() {
        let dir = tempfile::tempdir().unwrap();
        let out = solve_sample(
            dir.path(),
            &SolverConfig::default(),
            &chokepoint_core::NoProgress,
        )
        .unwrap();
        let verdicts: Vec<Verdict> = out.iter().map(|a| a.verdict).collect();
        for v in [
            Verdict::Verified,
            Verdict::Inconsistent,
            Verdict::Unverified,
        ] {
            assert!(verdicts.contains(&v), "{v} missing in {verdicts:?}");
        }
    }
}
