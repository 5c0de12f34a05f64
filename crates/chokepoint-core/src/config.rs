//! Loading TOML configuration files with errors that name the key.

use crate::error::{CoreError, Place};
use serde::de::DeserializeOwned;
use std::path::Path;

/// Reads a TOML file into `T`. Unknown keys are rejected when `T` uses
/// `#[serde(deny_unknown_fields)]`; the error names the file, line and key.
pub fn load_toml<T: DeserializeOwned>(path: &Path) -> Result<T, CoreError> {
    let text = std::fs::read_to_string(path).map_err(|source| CoreError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_toml(&text, path)
}

/// Parses TOML text that came from `path` (used only in messages).
pub fn parse_toml<T: DeserializeOwned>(text: &str, path: &Path) -> Result<T, CoreError> {
    toml::from_str(text).map_err(|e| {
        let mut place = Place::file(path);
        if let Some(span) = e.span() {
            let line = text[..span.start.min(text.len())].matches('\n').count() as u64 + 1;
            place = place.at_line(line);
        }
        CoreError::invalid(place, e.message().to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct C {
        #[allow(dead_code)]
        a: u32,
    }

    #[test]
    fn unknown_key_names_line() {
        let e = parse_toml::<C>("a = 1\nbogus = 2\n", Path::new("c.toml")).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("c.toml:line 2"), "{msg}");
        assert!(msg.contains("bogus"), "{msg}");
    }
}
