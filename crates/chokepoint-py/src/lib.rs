//! The distillation scan for Python and Apache Spark: chokepoint-distill's map step
//! (profile), its merge and its reduce step (link and score) on Arrow record batches, as the
//! Python extension module `chokepoint._native` (an abi3 wheel built by maturin).
//!
//! Record batches cross from Python through the Arrow C data interface (no copy, no per-row
//! Python); the Rust work runs with the GIL released. The map step's output travels as a
//! profile batch ([`batch`]): one row per account, so a Spark job shuffles and collects
//! accounts, never records.

pub mod batch;

use arrow::record_batch::RecordBatch;
use arrow_pyarrow::{FromPyArrow, PyArrowType};
use chokepoint_core::NoProgress;
use chokepoint_distill::read::{self, ReadOptions};
use chokepoint_distill::{Config, DistillError, ProfileSet, ScanOptions};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::PathBuf;

fn distill_err(e: DistillError) -> PyErr {
    match e {
        DistillError::Io { .. } => PyOSError::new_err(e.to_string()),
        _ => PyValueError::new_err(e.to_string()),
    }
}

fn batch_err(e: batch::BatchError) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// The scan's configuration from Python: `None` (defaults), a dict (the TOML file's structure,
/// unknown keys refused) or a path to a TOML file (`chokepoint distill config` prints one).
fn config_of(config: Option<&Bound<'_, PyAny>>) -> PyResult<Config> {
    let config: Config = match config {
        None => Config::default(),
        Some(c) if c.is_none() => Config::default(),
        Some(c) => {
            if let Ok(d) = c.cast::<PyDict>() {
                let json: String = c
                    .py()
                    .import("json")?
                    .call_method1("dumps", (d,))?
                    .extract()?;
                serde_json::from_str(&json)
                    .map_err(|e| PyValueError::new_err(format!("configuration: {e}")))?
            } else {
                let path: PathBuf = c.extract().map_err(|_| {
                    PyValueError::new_err(
                        "configuration: expected None, a dict or a path to a TOML file",
                    )
                })?;
                chokepoint_core::config::load_toml(&path)
                    .map_err(|e| PyValueError::new_err(e.to_string()))?
            }
        }
    };
    config
        .validate()
        .map_err(|e| PyValueError::new_err(format!("configuration: {e}")))?;
    Ok(config)
}

/// Accepts a pyarrow RecordBatch, or anything exporting the Arrow PyCapsule array interface.
fn record_batch(obj: &Bound<'_, PyAny>) -> PyResult<RecordBatch> {
    RecordBatch::from_pyarrow_bound(obj)
}

fn record_batches(objs: &Bound<'_, PyAny>) -> PyResult<Vec<RecordBatch>> {
    if objs.hasattr("num_rows")? && objs.hasattr("schema")? && !objs.hasattr("to_batches")? {
        return Ok(vec![record_batch(objs)?]);
    }
    let mut out = Vec::new();
    for o in objs.try_iter()? {
        let o = o?;
        if o.hasattr("to_batches")? {
            // A pyarrow Table: its batches share its buffers.
            for b in o.call_method0("to_batches")?.try_iter()? {
                out.push(record_batch(&b?)?);
            }
        } else {
            out.push(record_batch(&o)?);
        }
    }
    Ok(out)
}

/// Folds api-log record batches into per-account profiles, one batch at a time, in bounded
/// memory (one profile per account, whatever the number of records). ``finish()`` gives the
/// profile batch. A Spark task feeds all the batches of its partition to one Profiler, so an
/// account appears once per partition in the shuffle.
#[pyclass(module = "chokepoint._native")]
struct Profiler {
    config: Config,
    name: String,
    strict: bool,
    set: ProfileSet,
    /// Rows (or lines) seen so far: the place of the next bad record.
    rows: u64,
}

impl Profiler {
    fn read_options(&self) -> ReadOptions<'_> {
        ReadOptions {
            profile: &self.config.profile,
            strict: self.strict,
            progress: &NoProgress,
        }
    }
}

#[pymethods]
impl Profiler {
    /// ``Profiler(config=None, name="batch", strict=False)``: ``name`` is where bad records
    /// are said to be (a file or a Spark partition); ``strict`` makes the first bad record an
    /// error instead of a count.
    #[new]
    #[pyo3(signature = (config=None, name="batch".to_string(), strict=false))]
    fn new(config: Option<&Bound<'_, PyAny>>, name: String, strict: bool) -> PyResult<Self> {
        Ok(Profiler {
            config: config_of(config)?,
            name,
            strict,
            set: ProfileSet::default(),
            rows: 0,
        })
    }

    /// Adds a record batch with the api-log columns (specs/api-log.md). A schema that breaks
    /// the contract raises ValueError naming the column; bad rows are counted and skipped.
    fn add(&mut self, py: Python<'_>, batch: &Bound<'_, PyAny>) -> PyResult<()> {
        let batch = record_batch(batch)?;
        let part = py.detach(|| {
            read::profile_record_batch(&self.name, &batch, self.rows, &self.read_options())
        });
        self.rows += batch.num_rows() as u64;
        self.set
            .merge(part.map_err(distill_err)?, &self.config.profile);
        Ok(())
    }

    /// Adds a batch whose column ``column`` holds one JSON line per row (Spark's text reader),
    /// validated exactly as the local JSON Lines reader does.
    #[pyo3(signature = (batch, column="value".to_string()))]
    fn add_json_lines(
        &mut self,
        py: Python<'_>,
        batch: &Bound<'_, PyAny>,
        column: String,
    ) -> PyResult<()> {
        let batch = record_batch(batch)?;
        let part = py.detach(|| {
            let opts = self.read_options();
            read::profile_json_lines(&self.name, &batch, &column, self.rows, &opts)
        });
        self.rows += batch.num_rows() as u64;
        self.set
            .merge(part.map_err(distill_err)?, &self.config.profile);
        Ok(())
    }

    /// The profile batch of everything added so far (and the Profiler starts empty again).
    fn finish(&mut self, py: Python<'_>) -> PyResult<PyArrowType<RecordBatch>> {
        let set = std::mem::take(&mut self.set);
        let cfg = &self.config.profile;
        let b = py
            .detach(|| batch::write_batch(&set, cfg))
            .map_err(batch_err)?;
        Ok(PyArrowType(b))
    }
}

/// Checks a pyarrow Schema against the api-log contract before any work: raises ValueError
/// naming a missing required column or a column of an unusable type.
#[pyfunction]
fn check_schema(schema: PyArrowType<arrow::datatypes::Schema>) -> PyResult<()> {
    read::check_arrow_schema(&schema.0).map_err(distill_err)
}

/// The api-log columns the profile reads (a Spark job projects its input onto these).
#[pyfunction]
fn profiled_columns() -> Vec<&'static str> {
    read::profiled_columns().collect()
}

/// Merges profile batches into one (one row per account, one statistics row).
#[pyfunction]
#[pyo3(signature = (batches, config=None))]
fn merge(
    py: Python<'_>,
    batches: &Bound<'_, PyAny>,
    config: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArrowType<RecordBatch>> {
    let config = config_of(config)?;
    let batches = record_batches(batches)?;
    let b = py
        .detach(|| {
            let (set, _) = batch::read_batches(&batches, &config.profile)?;
            batch::write_batch(&set, &config.profile)
        })
        .map_err(batch_err)?;
    Ok(PyArrowType(b))
}

/// Links and scores profile batches: the report of `chokepoint distill scan`, as JSON text.
#[pyfunction]
#[pyo3(signature = (batches, config=None, all_accounts=false))]
fn link_json(
    py: Python<'_>,
    batches: &Bound<'_, PyAny>,
    config: Option<&Bound<'_, PyAny>>,
    all_accounts: bool,
) -> PyResult<String> {
    let config = config_of(config)?;
    let batches = record_batches(batches)?;
    py.detach(|| {
        let (set, headers) =
            batch::read_batches(&batches, &config.profile).map_err(batch_err)?;
        if headers == 0 && !set.profiles.is_empty() {
            return Err(PyValueError::new_err(
                "profile batches without a statistics row: they were not made by chokepoint's profile() or merge()",
            ));
        }
        let opts = ScanOptions {
            config,
            strict: false,
            all_accounts,
        };
        let report = chokepoint_distill::link_and_score(set, &opts, &NoProgress);
        serde_json::to_string(&report).map_err(|e| PyValueError::new_err(e.to_string()))
    })
}

/// A local scan of files (JSON Lines plain/gzip/zstd, CSV, Parquet): the report of
/// `chokepoint distill scan`, as JSON text.
#[pyfunction]
#[pyo3(signature = (paths, config=None, all_accounts=false, strict=false))]
fn scan_json(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    config: Option<&Bound<'_, PyAny>>,
    all_accounts: bool,
    strict: bool,
) -> PyResult<String> {
    let opts = ScanOptions {
        config: config_of(config)?,
        strict,
        all_accounts,
    };
    py.detach(|| {
        let report = chokepoint_distill::scan(&paths, &opts, &NoProgress).map_err(distill_err)?;
        serde_json::to_string(&report).map_err(|e| PyValueError::new_err(e.to_string()))
    })
}

/// The configuration that `config` (None, a dict or a TOML path) stands for, validated, as
/// JSON text: what a Spark driver ships to its executors.
#[pyfunction]
#[pyo3(signature = (config=None))]
fn config_json(config: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
    serde_json::to_string(&config_of(config)?).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// The default configuration as TOML text (what `chokepoint distill config` prints).
#[pyfunction]
fn default_config_toml() -> String {
    Config::default_toml()
}

#[pymodule]
#[pyo3(name = "_native")]
fn chokepoint_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Profiler>()?;
    m.add_function(wrap_pyfunction!(check_schema, m)?)?;
    m.add_function(wrap_pyfunction!(profiled_columns, m)?)?;
    m.add_function(wrap_pyfunction!(merge, m)?)?;
    m.add_function(wrap_pyfunction!(link_json, m)?)?;
    m.add_function(wrap_pyfunction!(scan_json, m)?)?;
    m.add_function(wrap_pyfunction!(default_config_toml, m)?)?;
    m.add_function(wrap_pyfunction!(config_json, m)?)?;
    m.add("PROFILE_BATCH_SCHEMA", batch::PROFILE_BATCH_SCHEMA)?;
    m.add("REPORT_SCHEMA", chokepoint_distill::REPORT_SCHEMA)?;
    Ok(())
}
