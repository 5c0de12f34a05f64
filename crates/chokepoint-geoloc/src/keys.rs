//! ed25519 key files for chips and landmarks.
//!
//! A secret key file (`chip.key`) holds the 32-byte seed and the public key, both hex, one
//! `name: value` per line; its public half (`chip.key.pub`) holds only the public key. The
//! public key is stored beside the secret so that a damaged or truncated file is caught (the
//! two must agree) instead of silently yielding a different key.

use crate::error::GeolocError;
use chokepoint_core::Place;
use ed25519_dalek::{SigningKey, VerifyingKey};
use std::io::Write;
use std::path::{Path, PathBuf};

const SECRET_HEADER: &str = "chokepoint-geoloc-secret-key: v1";
const PUBLIC_HEADER: &str = "chokepoint-geoloc-public-key: v1";

/// Fills `buf` from the operating system's random source.
pub fn os_random(buf: &mut [u8]) -> Result<(), GeolocError> {
    getrandom::getrandom(buf).map_err(|e| GeolocError::Net {
        what: "operating system random source".into(),
        source: std::io::Error::other(e.to_string()),
    })
}

/// A fresh key from the operating system's random source.
pub fn generate() -> Result<SigningKey, GeolocError> {
    let mut seed = [0u8; 32];
    os_random(&mut seed)?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Writes `key` to `path` (mode 0600 on Unix, refusing to overwrite) and its public half to
/// `path.pub`, both naming `id` when given (the chip or landmark the key belongs to); returns the
/// public file's path.
pub fn write_key_files(
    path: &Path,
    key: &SigningKey,
    id: Option<&str>,
) -> Result<PathBuf, GeolocError> {
    if let Some(id) = id {
        crate::protocol::check_id(id)
            .map_err(|m| GeolocError::invalid(Place::default().at_field("id"), m))?;
    }
    let id_line = id.map(|i| format!("id: {i}\n")).unwrap_or_default();
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| GeolocError::Io { path: p, source }
    };
    let public = hex::encode(key.verifying_key().as_bytes());
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(io(path))?;
    writeln!(
        f,
        "{SECRET_HEADER}\n# ed25519; keep this file private\n{id_line}secret: {}\npublic: {public}",
        hex::encode(key.to_bytes())
    )
    .and_then(|_| f.sync_all())
    .map_err(io(path))?;
    let mut pub_path = path.as_os_str().to_owned();
    pub_path.push(".pub");
    let pub_path = PathBuf::from(pub_path);
    std::fs::write(
        &pub_path,
        format!("{PUBLIC_HEADER}\n{id_line}public: {public}\n"),
    )
    .map_err(io(&pub_path))?;
    Ok(pub_path)
}

struct Fields {
    header: Option<String>,
    values: Vec<(u64, String, String)>,
    lines: u64,
}

fn parse_fields(text: &str) -> Fields {
    let mut f = Fields {
        header: None,
        values: Vec::new(),
        lines: 0,
    };
    for (i, line) in text.lines().enumerate() {
        let n = i as u64 + 1;
        f.lines = n;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if f.header.is_none() {
            f.header = Some(line.to_string());
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            f.values
                .push((n, k.trim().to_string(), v.trim().to_string()));
        } else {
            f.values.push((n, String::new(), line.to_string()));
        }
    }
    f
}

fn hex32(path: &Path, f: &Fields, name: &str) -> Result<[u8; 32], GeolocError> {
    let Some((line, _, v)) = f.values.iter().find(|(_, k, _)| k == name) else {
        return Err(GeolocError::invalid(
            Place::file(path).at_line(f.lines + 1).at_field(name),
            format!("missing `{name}:` line (is the key file truncated?)"),
        ));
    };
    let place = Place::file(path).at_line(*line).at_field(name);
    if v.len() != 64 {
        return Err(GeolocError::invalid(
            place,
            format!(
                "expected 64 hex digits, found {} (is the key file truncated?)",
                v.len()
            ),
        ));
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(v, &mut out)
        .map_err(|e| GeolocError::invalid(place, format!("not hex: {e}")))?;
    Ok(out)
}

fn read(path: &Path) -> Result<String, GeolocError> {
    let bytes = std::fs::read(path).map_err(|source| GeolocError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|_| {
        GeolocError::invalid(
            Place::file(path),
            "not a key file (not UTF-8 text)".to_string(),
        )
    })
}

/// Parses a secret key file.
pub fn parse_signing_key(text: &str, path: &Path) -> Result<SigningKey, GeolocError> {
    let f = parse_fields(text);
    if f.header.as_deref() != Some(SECRET_HEADER) {
        return Err(GeolocError::invalid(
            Place::file(path).at_line(1),
            format!("not a chokepoint secret key file (expected first line `{SECRET_HEADER}`)"),
        ));
    }
    let secret = hex32(path, &f, "secret")?;
    let public = hex32(path, &f, "public")?;
    let key = SigningKey::from_bytes(&secret);
    if key.verifying_key().as_bytes() != &public {
        let line = f
            .values
            .iter()
            .find(|(_, k, _)| k == "public")
            .map(|v| v.0)
            .unwrap_or(0);
        return Err(GeolocError::invalid(
            Place::file(path).at_line(line).at_field("public"),
            "public key does not belong to the secret key (damaged file?)",
        ));
    }
    Ok(key)
}

/// Reads a secret key file.
pub fn load_signing_key(path: &Path) -> Result<SigningKey, GeolocError> {
    parse_signing_key(&read(path)?, path)
}

/// The `id:` a key file names, if any.
pub fn key_file_id(path: &Path) -> Result<Option<String>, GeolocError> {
    let f = parse_fields(&read(path)?);
    Ok(f.values
        .into_iter()
        .find(|(_, k, _)| k == "id")
        .map(|(_, _, v)| v))
}

/// Reads a public key from a public key file or from a secret key file.
pub fn load_verifying_key(path: &Path) -> Result<VerifyingKey, GeolocError> {
    let text = read(path)?;
    let f = parse_fields(&text);
    match f.header.as_deref() {
        Some(SECRET_HEADER) => Ok(parse_signing_key(&text, path)?.verifying_key()),
        Some(PUBLIC_HEADER) => {
            let public = hex32(path, &f, "public")?;
            VerifyingKey::from_bytes(&public).map_err(|_| {
                GeolocError::invalid(
                    Place::file(path).at_field("public"),
                    "not a valid ed25519 public key",
                )
            })
        }
        _ => Err(GeolocError::invalid(
            Place::file(path).at_line(1),
            format!("not a chokepoint key file (expected `{PUBLIC_HEADER}` or `{SECRET_HEADER}`)"),
        )),
    }
}

/// A public key from 64 hex digits (as stored in the registry).
pub fn verifying_key_from_hex(s: &str) -> Result<VerifyingKey, String> {
    let mut b = [0u8; 32];
    hex::decode_to_slice(s, &mut b).map_err(|e| format!("public key `{s}`: {e}"))?;
    VerifyingKey::from_bytes(&b).map_err(|_| format!("`{s}` is not a valid ed25519 public key"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_public_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("chip.key");
        let k = generate().unwrap();
        let pubp = write_key_files(&p, &k, Some("chip-1")).unwrap();
        assert_eq!(load_signing_key(&p).unwrap().to_bytes(), k.to_bytes());
        assert_eq!(load_verifying_key(&pubp).unwrap(), k.verifying_key());
        assert_eq!(load_verifying_key(&p).unwrap(), k.verifying_key());
        assert_eq!(key_file_id(&pubp).unwrap().as_deref(), Some("chip-1"));
        assert!(
            write_key_files(&p, &k, None).is_err(),
            "never overwrites a key"
        );
    }

    #[test]
    fn truncated_key_file_names_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("chip.key");
        write_key_files(&p, &generate().unwrap(), None).unwrap();
        let full = std::fs::read_to_string(&p).unwrap();
        // Cut in the middle of the secret.
        let cut = &full[..full.find("secret: ").unwrap() + 8 + 40];
        let e = parse_signing_key(cut, &p).unwrap_err().to_string();
        assert!(
            e.contains("line 3, field `secret`") && e.contains("found 40"),
            "{e}"
        );
        // Cut before the public line.
        let cut = &full[..full.find("public:").unwrap()];
        let e = parse_signing_key(cut, &p).unwrap_err().to_string();
        assert!(
            e.contains("field `public`") && e.contains("truncated"),
            "{e}"
        );
        let e = parse_signing_key("", &p).unwrap_err().to_string();
        assert!(e.contains("line 1"), "{e}");
    }
}
