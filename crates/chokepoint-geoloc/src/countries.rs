//! Which countries a point lies in, from real boundaries, and the set of restricted destinations.
//!
//! Boundaries come from the `country-boundaries` crate: OpenStreetMap-derived country polygons
//! (ODbL, © OpenStreetMap contributors), simplified so that settlements and major roads are on
//! the correct side of each border, rasterised into 1° cells. Only ISO 3166-1 alpha-2 ids are
//! used here; the dataset's subdivision ids (`CN-GD`, `US-TX`) are dropped. The dataset ignores
//! sea borders: a point at sea has no country.

use crate::error::GeolocError;
use chokepoint_core::Place;
use country_boundaries::{BoundingBox, CountryBoundaries, LatLon, BOUNDARIES_ODBL_360X180};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

/// An ISO 3166-1 alpha-2 code as two ASCII upper-case bytes.
pub type CountryCode = [u8; 2];

/// Parses `"CN"` into a code; `None` unless exactly two ASCII letters.
pub fn parse_code(s: &str) -> Option<CountryCode> {
    let b = s.as_bytes();
    (b.len() == 2 && b.iter().all(u8::is_ascii_alphabetic))
        .then(|| [b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()])
}

/// The code as text.
pub fn code_str(c: &CountryCode) -> String {
    String::from_utf8_lossy(c).into_owned()
}

/// What one 1° raster cell holds: nothing (sea), one fixed set of countries over the whole cell,
/// or a border (look each point up).
#[derive(Debug, Clone)]
enum CellKind {
    Sea,
    Uniform(Vec<CountryCode>),
    /// A border or coast: the countries that may be found somewhere in the cell.
    Border(Vec<CountryCode>),
}

/// Point-in-country lookups, with a per-cell shortcut: most cells lie wholly inside one country
/// or wholly at sea, and only border cells need a point-in-polygon test.
pub struct CountryIndex {
    boundaries: CountryBoundaries,
    cells: Vec<CellKind>,
}

const WIDTH: usize = 360;
const HEIGHT: usize = 180;

impl CountryIndex {
    /// The bundled boundaries, loaded once per process (about 0.2 s).
    pub fn bundled() -> &'static CountryIndex {
        static INDEX: OnceLock<CountryIndex> = OnceLock::new();
        INDEX.get_or_init(|| {
            // The bundled bytes ship inside the crate and are read by the crate's own reader;
            // they cannot fail to parse short of a corrupted build.
            let boundaries = CountryBoundaries::from_reader(BOUNDARIES_ODBL_360X180)
                .expect("bundled country boundaries parse");
            CountryIndex::new(boundaries)
        })
    }

    fn new(boundaries: CountryBoundaries) -> CountryIndex {
        let mut cells = Vec::with_capacity(WIDTH * HEIGHT);
        // A tiny inset keeps each query inside one raster cell.
        const INSET: f64 = 1e-7;
        for y in 0..HEIGHT {
            let max_lat = 90.0 - y as f64;
            for x in 0..WIDTH {
                let min_lon = -180.0 + x as f64;
                let kind = match BoundingBox::new(
                    max_lat - 1.0 + INSET,
                    min_lon + INSET,
                    max_lat - INSET,
                    min_lon + 1.0 - INSET,
                ) {
                    Ok(bbox) => {
                        let all = boundaries.intersecting_ids(bbox);
                        if all.is_empty() {
                            CellKind::Sea
                        } else {
                            let covering = boundaries.containing_ids(bbox);
                            let codes = |set: &std::collections::HashSet<&str>| {
                                let mut c: Vec<CountryCode> =
                                    set.iter().filter_map(|s| parse_code(s)).collect();
                                c.sort_unstable();
                                c.dedup();
                                c
                            };
                            if covering.len() == all.len() {
                                CellKind::Uniform(codes(&covering))
                            } else {
                                CellKind::Border(codes(&all))
                            }
                        }
                    }
                    Err(_) => CellKind::Border(Vec::new()),
                };
                cells.push(kind);
            }
        }
        CountryIndex { boundaries, cells }
    }

    /// Appends the countries (ISO alpha-2) containing the point to `out`.
    pub fn countries_at(&self, lat: f64, lon: f64, out: &mut Vec<CountryCode>) {
        self.new_countries_at(lat, lon, &|_| false, out)
    }

    /// Like [`countries_at`](Self::countries_at), but may skip the point-in-polygon test when
    /// every country that could be in the point's cell is already `known`: callers that collect
    /// the set of countries over many points lose nothing and save most of the work.
    pub fn new_countries_at(
        &self,
        lat: f64,
        lon: f64,
        known: &dyn Fn(&CountryCode) -> bool,
        out: &mut Vec<CountryCode>,
    ) {
        let lon = if (-180.0..180.0).contains(&lon) {
            lon
        } else {
            (lon + 180.0).rem_euclid(360.0) - 180.0
        };
        let x = ((lon + 180.0).floor() as usize).min(WIDTH - 1);
        let y = ((90.0 - lat).floor().max(0.0) as usize).min(HEIGHT - 1);
        match &self.cells[y * WIDTH + x] {
            CellKind::Sea => {}
            CellKind::Uniform(codes) => out.extend_from_slice(codes),
            CellKind::Border(possible) => {
                if !possible.is_empty() && possible.iter().all(known) {
                    return;
                }
                if let Ok(ll) = LatLon::new(lat.clamp(-90.0, 90.0), lon) {
                    out.extend(self.boundaries.ids(ll).into_iter().filter_map(parse_code));
                }
            }
        }
    }

    /// The countries containing the point, sorted.
    pub fn countries(&self, lat: f64, lon: f64) -> Vec<String> {
        let mut v = Vec::new();
        self.countries_at(lat, lon, &mut v);
        let set: BTreeSet<String> = v.iter().map(code_str).collect();
        set.into_iter().collect()
    }
}

/// The destinations a verified chip must provably not be in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RestrictedSet {
    /// Sorted, unique ISO alpha-2 codes.
    pub codes: Vec<String>,
    /// Where the list comes from.
    pub source: String,
    /// The date the list was checked.
    pub as_of: String,
    #[serde(skip)]
    table: Vec<bool>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RestrictedFile {
    source: String,
    as_of: String,
    codes: Vec<String>,
}

/// The bundled default list (D:5 + Hong Kong + Macau), with its source and date.
pub const DEFAULT_RESTRICTED_TOML: &str = include_str!("../data/restricted-destinations.toml");

impl RestrictedSet {
    /// The default: U.S. Country Group D:5 plus Hong Kong and Macau (see the data file).
    pub fn default_set() -> RestrictedSet {
        // The bundled file is checked by a unit test, so parsing it cannot fail at run time.
        Self::parse(
            DEFAULT_RESTRICTED_TOML,
            Path::new("data/restricted-destinations.toml"),
        )
        .expect("bundled restricted-destinations.toml is valid")
    }

    /// Reads a list in the format of `data/restricted-destinations.toml`.
    pub fn load(path: &Path) -> Result<RestrictedSet, GeolocError> {
        let text = std::fs::read_to_string(path).map_err(|source| GeolocError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    fn parse(text: &str, path: &Path) -> Result<RestrictedSet, GeolocError> {
        let f: RestrictedFile = chokepoint_core::config::parse_toml(text, path)?;
        let mut set = Self::from_codes(f.codes.iter().map(String::as_str)).map_err(|bad| {
            GeolocError::invalid(
                Place::file(path).at_field("codes"),
                format!("`{bad}` is not an ISO 3166-1 alpha-2 code"),
            )
        })?;
        set.source = f.source;
        set.as_of = f.as_of;
        Ok(set)
    }

    /// A set from codes given directly (e.g. `--restricted CN,HK,MO`); `Err` names a bad code.
    pub fn from_codes<'a>(
        codes: impl IntoIterator<Item = &'a str>,
    ) -> Result<RestrictedSet, String> {
        let mut table = vec![false; 26 * 26];
        let mut list = BTreeSet::new();
        for c in codes {
            let code = parse_code(c.trim()).ok_or_else(|| c.to_string())?;
            table[index(&code)] = true;
            list.insert(code_str(&code));
        }
        Ok(RestrictedSet {
            codes: list.into_iter().collect(),
            source: "given on the command line".into(),
            as_of: String::new(),
            table,
        })
    }

    pub fn contains(&self, c: &CountryCode) -> bool {
        self.table[index(c)]
    }
}

fn index(c: &CountryCode) -> usize {
    (c[0].saturating_sub(b'A') as usize % 26) * 26 + (c[1].saturating_sub(b'A') as usize % 26)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_boundaries_answer_known_places() {
        let idx = CountryIndex::bundled();
        assert_eq!(idx.countries(3.139, 101.687), vec!["MY"]); // Kuala Lumpur
        assert_eq!(idx.countries(22.5431, 114.0579), vec!["CN"]); // Shenzhen
        assert!(idx.countries(22.3193, 114.1694).contains(&"HK".to_string())); // Hong Kong
        assert!(idx.countries(22.1987, 113.5439).contains(&"MO".to_string())); // Macau
        assert_eq!(idx.countries(25.033, 121.5654), vec!["TW"]); // Taipei
        assert_eq!(idx.countries(1.3521, 103.8198), vec!["SG"]);
        assert!(
            idx.countries(-40.0, -20.0).is_empty(),
            "{:?}",
            idx.countries(-40.0, -20.0)
        ); // South Atlantic
    }

    #[test]
    fn cell_shortcut_agrees_with_point_lookups() {
        let idx = CountryIndex::bundled();
        let mut mismatches = 0;
        let mut n = 0;
        let mut lat = -60.0;
        while lat < 75.0 {
            let mut lon = -179.9;
            while lon < 180.0 {
                let mut fast = idx.countries(lat, lon);
                fast.sort();
                let ll = LatLon::new(lat, lon).unwrap();
                let mut slow: Vec<String> = idx
                    .boundaries
                    .ids(ll)
                    .into_iter()
                    .filter_map(parse_code)
                    .map(|c| code_str(&c))
                    .collect();
                slow.sort();
                slow.dedup();
                if fast != slow {
                    mismatches += 1;
                }
                n += 1;
                lon += 0.73;
            }
            lat += 0.61;
        }
        assert_eq!(mismatches, 0, "of {n} points");
    }

    #[test]
    fn default_restricted_set_has_d5_hk_mo() {
        let s = RestrictedSet::default_set();
        for c in ["CN", "HK", "MO", "RU", "IR", "KP", "BY", "MM"] {
            assert!(s.contains(&parse_code(c).unwrap()), "{c}");
        }
        for c in ["MY", "SG", "TW", "US", "KH"] {
            assert!(!s.contains(&parse_code(c).unwrap()), "{c}");
        }
        assert!(!s.as_of.is_empty() && !s.source.is_empty());
    }
}
