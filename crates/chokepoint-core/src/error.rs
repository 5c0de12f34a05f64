//! Errors that name the place where bad input was found.

use std::fmt;
use std::path::PathBuf;

/// Where in the input something went wrong: a file, a line, a field. Every input error in
/// chokepoint carries one, so that an analyst can open the file and see the fault.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Place {
    /// The file (or `-` for standard input), when known.
    pub file: Option<PathBuf>,
    /// 1-based line (or record) number, when known.
    pub line: Option<u64>,
    /// The field or column, when known.
    pub field: Option<String>,
}

impl Place {
    /// A place in a file.
    pub fn file(file: impl Into<PathBuf>) -> Self {
        Place {
            file: Some(file.into()),
            ..Place::default()
        }
    }
    /// This place, at a 1-based line.
    pub fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }
    /// This place, at a field.
    pub fn at_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut wrote = false;
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            wrote = true;
        }
        if let Some(line) = self.line {
            write!(f, "{}line {line}", if wrote { ":" } else { "" })?;
            wrote = true;
        }
        if let Some(field) = &self.field {
            write!(f, "{}field `{field}`", if wrote { ", " } else { "" })?;
            wrote = true;
        }
        if !wrote {
            write!(f, "<input>")?;
        }
        Ok(())
    }
}

/// Errors of the shared helpers in this crate.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// Input that does not have the expected shape.
    #[error("{place}: {message}")]
    Invalid { place: Place, message: String },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl CoreError {
    /// An input error at `place`.
    pub fn invalid(place: Place, message: impl Into<String>) -> Self {
        CoreError::Invalid {
            place,
            message: message.into(),
        }
    }
}
