//! A chip's map, drawn on the server as SVG: real country boundaries (the geoloc crate's
//! bundled OpenStreetMap-derived boundaries, rasterised for the map's viewport so that the
//! drawing is exactly what the solver's country lookups see), the landmarks with their distance
//! discs, the feasible region and the declared site.

use crate::svg::{colour_of, esc};
use chokepoint_core::GeoPoint;
use chokepoint_geoloc::CountryIndex;
use std::collections::HashMap;
use std::fmt::Write;

/// What to draw.
#[derive(Debug, Clone, Default)]
pub struct MapInput {
    pub title: String,
    /// Landmarks: id, position, radius of its disc in km (when measured).
    pub landmarks: Vec<(String, GeoPoint, Option<f64>)>,
    pub declared: Option<GeoPoint>,
    /// The feasible region as a closed ring of `[lon, lat]` (GeoJSON order).
    pub region: Option<Vec<[f64; 2]>>,
    /// Countries drawn in red (restricted destinations).
    pub restricted: Vec<String>,
}

const W: f64 = 820.0;
const H: f64 = 520.0;
const COLS: usize = 205;
const ROWS: usize = 130;

/// The point `distance_km` from `p` along `bearing_deg` on a sphere of radius 6371 km.
pub fn destination(p: GeoPoint, bearing_deg: f64, distance_km: f64) -> (f64, f64) {
    let d = distance_km / 6371.0;
    let (phi1, lambda1) = (p.lat.to_radians(), p.lon.to_radians());
    let theta = bearing_deg.to_radians();
    let phi2 = (phi1.sin() * d.cos() + phi1.cos() * d.sin() * theta.cos()).asin();
    let lambda2 =
        lambda1 + (theta.sin() * d.sin() * phi1.cos()).atan2(d.cos() - phi1.sin() * phi2.sin());
    (phi2.to_degrees(), lambda2.to_degrees())
}

struct View {
    lon0: f64,
    lat1: f64,
    dlon: f64,
    dlat: f64,
}

impl View {
    fn xy(&self, lat: f64, lon: f64) -> (f64, f64) {
        (
            (lon - self.lon0) / self.dlon * W,
            (self.lat1 - lat) / self.dlat * H,
        )
    }
}

/// Renders the map.
pub fn chip_map(input: &MapInput) -> String {
    // The viewport: everything to show, padded, at the map's aspect (equirectangular,
    // longitudes scaled by the cosine of the middle latitude).
    let mut pts: Vec<(f64, f64)> = Vec::new();
    if let Some(d) = input.declared {
        pts.push((d.lat, d.lon));
    }
    for (_, p, _) in &input.landmarks {
        pts.push((p.lat, p.lon));
    }
    if let Some(r) = &input.region {
        pts.extend(r.iter().map(|c| (c[1], c[0])));
    }
    if pts.is_empty() {
        pts.push((0.0, 0.0));
    }
    let (mut la0, mut la1, mut lo0, mut lo1) = (90.0f64, -90.0f64, 180.0f64, -180.0f64);
    for (la, lo) in &pts {
        la0 = la0.min(*la);
        la1 = la1.max(*la);
        lo0 = lo0.min(*lo);
        lo1 = lo1.max(*lo);
    }
    let pad_lat = ((la1 - la0) * 0.25).max(4.0);
    let pad_lon = ((lo1 - lo0) * 0.25).max(4.0);
    la0 = (la0 - pad_lat).max(-85.0);
    la1 = (la1 + pad_lat).min(85.0);
    lo0 -= pad_lon;
    lo1 += pad_lon;
    let mid = ((la0 + la1) / 2.0).to_radians().cos().max(0.2);
    let mut dlat = la1 - la0;
    let mut dlon = lo1 - lo0;
    // Widen one side to keep the aspect ratio.
    if dlon * mid / dlat < W / H {
        let want = dlat * W / H / mid;
        lo0 -= (want - dlon) / 2.0;
        dlon = want;
    } else {
        let want = dlon * mid * H / W;
        let c = (la0 + la1) / 2.0;
        la0 = (c - want / 2.0).max(-89.0);
        la1 = (c + want / 2.0).min(89.0);
        dlat = la1 - la0;
    }
    let view = View {
        lon0: lo0,
        lat1: la1,
        dlon,
        dlat,
    };

    // Rasterise the countries over the viewport.
    let index = CountryIndex::bundled();
    let mut codes: Vec<String> = Vec::new();
    let mut code_ix: HashMap<String, u16> = HashMap::new();
    let mut grid: Vec<u16> = vec![u16::MAX; COLS * ROWS];
    for r in 0..ROWS {
        let lat = la1 - (r as f64 + 0.5) / ROWS as f64 * dlat;
        for c in 0..COLS {
            let lon = lo0 + (c as f64 + 0.5) / COLS as f64 * dlon;
            let lon = (lon + 180.0).rem_euclid(360.0) - 180.0;
            let found = index.countries(lat, lon);
            // Nested areas (a territory inside a country) come first by code; the shortest
            // code (the country, ISO alpha-2) names the cell.
            if let Some(code) = found
                .iter()
                .min_by_key(|s| (s.len(), s.as_str().to_owned()))
            {
                let n = codes.len() as u16;
                let ix = *code_ix.entry(code.clone()).or_insert_with(|| {
                    codes.push(code.clone());
                    n
                });
                grid[r * COLS + c] = ix;
            }
        }
    }
    let cw = W / COLS as f64;
    let ch = H / ROWS as f64;
    let mut s = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{}" class="map"><rect width="100%" height="100%" fill="#dbe9f6"/>"##,
        esc(&input.title)
    );
    // Land: one rectangle per run of equal cells in a row.
    for r in 0..ROWS {
        let mut c = 0;
        while c < COLS {
            let v = grid[r * COLS + c];
            let mut e = c + 1;
            while e < COLS && grid[r * COLS + e] == v {
                e += 1;
            }
            if v != u16::MAX {
                let code = &codes[v as usize];
                let fill = if input.restricted.iter().any(|x| x == code) {
                    "#f4b6b6".to_string()
                } else {
                    colour_of(code)
                };
                let _ = write!(
                    s,
                    r#"<rect x="{:.2}" y="{:.2}" width="{:.2}" height="{:.2}" fill="{fill}"/>"#,
                    c as f64 * cw,
                    r as f64 * ch,
                    (e - c) as f64 * cw + 0.3,
                    ch + 0.3
                );
            }
            c = e;
        }
    }
    // Borders and coasts: where two neighbouring cells differ.
    let mut path = String::new();
    for r in 0..ROWS {
        for c in 0..COLS {
            let v = grid[r * COLS + c];
            if c + 1 < COLS && grid[r * COLS + c + 1] != v {
                let _ = write!(
                    path,
                    "M{:.1} {:.1}v{:.1}",
                    (c + 1) as f64 * cw,
                    r as f64 * ch,
                    ch
                );
            }
            if r + 1 < ROWS && grid[(r + 1) * COLS + c] != v {
                let _ = write!(
                    path,
                    "M{:.1} {:.1}h{:.1}",
                    c as f64 * cw,
                    (r + 1) as f64 * ch,
                    cw
                );
            }
        }
    }
    let _ = write!(
        s,
        r##"<path d="{path}" stroke="#5b6470" stroke-width="0.7" fill="none"/>"##
    );
    // Country labels at the centre of their cells.
    let mut sums: HashMap<u16, (f64, f64, u32)> = HashMap::new();
    for r in 0..ROWS {
        for c in 0..COLS {
            let v = grid[r * COLS + c];
            if v != u16::MAX {
                let e = sums.entry(v).or_insert((0.0, 0.0, 0));
                e.0 += c as f64;
                e.1 += r as f64;
                e.2 += 1;
            }
        }
    }
    for (v, (x, y, n)) in &sums {
        if *n >= 40 {
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{:.1}" font-size="11" fill="#333" text-anchor="middle" opacity="0.8">{}</text>"##,
                (x / *n as f64 + 0.5) * cw,
                (y / *n as f64 + 0.5) * ch,
                esc(&codes[*v as usize])
            );
        }
    }
    // Landmark discs.
    for (id, p, radius) in &input.landmarks {
        if let Some(rkm) = radius {
            let mut d = String::new();
            for i in 0..=90 {
                let (la, lo) = destination(*p, i as f64 * 4.0, *rkm);
                let mut lo = lo;
                while lo - p.lon > 180.0 {
                    lo -= 360.0;
                }
                while lo - p.lon < -180.0 {
                    lo += 360.0;
                }
                let (x, y) = view.xy(la, lo);
                let _ = write!(d, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" });
            }
            let _ = write!(
                s,
                r##"<path d="{d}Z" fill="none" stroke="#7f3fbf" stroke-width="1.2" stroke-dasharray="5 3"><title>{}: within {:.0} km</title></path>"##,
                esc(id),
                rkm
            );
        }
    }
    // The feasible region.
    if let Some(ring) = &input.region {
        let mut d = String::new();
        for (i, c) in ring.iter().enumerate() {
            let (x, y) = view.xy(c[1], c[0]);
            let _ = write!(d, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" });
        }
        let _ = write!(
            s,
            r##"<path d="{d}Z" fill="#1f77b4" fill-opacity="0.35" stroke="#1f4e79" stroke-width="2" class="region"><title>feasible region</title></path>"##
        );
    }
    for (id, p, _) in &input.landmarks {
        let (x, y) = view.xy(p.lat, p.lon);
        let _ = write!(
            s,
            r##"<g class="landmark"><title>landmark {} ({:.3}, {:.3})</title><path d="M{x:.1} {:.1}l6 10h-12z" fill="#7f3fbf" stroke="#fff"/><text x="{:.1}" y="{:.1}" font-size="11" fill="#3a1a5c">{}</text></g>"##,
            esc(id),
            p.lat,
            p.lon,
            y - 7.0,
            x + 8.0,
            y + 3.0,
            esc(id)
        );
    }
    if let Some(d) = input.declared {
        let (x, y) = view.xy(d.lat, d.lon);
        let _ = write!(
            s,
            r##"<g class="declared"><title>declared site ({:.3}, {:.3})</title><circle cx="{x:.1}" cy="{y:.1}" r="6" fill="#ffdd00" stroke="#000" stroke-width="1.5"/><text x="{:.1}" y="{:.1}" font-size="11" font-weight="bold">declared site</text></g>"##,
            d.lat,
            d.lon,
            x + 9.0,
            y - 7.0
        );
    }
    let _ = write!(
        s,
        r##"<text x="8" y="{:.0}" font-size="10" fill="#333">boundaries: OpenStreetMap contributors (ODbL), via country-boundaries; {:.1}°×{:.1}° view</text></svg>"##,
        H - 6.0,
        dlat,
        dlon
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destination_moves_the_right_distance() {
        let p = GeoPoint { lat: 0.0, lon: 0.0 };
        let (la, lo) = destination(p, 90.0, 111.195);
        assert!(la.abs() < 1e-6);
        assert!((lo - 1.0).abs() < 1e-3);
    }

    #[test]
    fn map_draws_real_countries_and_the_region() {
        let kl = GeoPoint {
            lat: 3.139,
            lon: 101.6869,
        };
        let svg = chip_map(&MapInput {
            title: "t".into(),
            landmarks: vec![("kul".into(), kl, Some(300.0))],
            declared: Some(kl),
            region: Some(vec![[101.0, 3.0], [102.0, 3.0], [102.0, 4.0], [101.0, 3.0]]),
            restricted: vec!["CN".into()],
        });
        // Malaysia, Indonesia and Thailand lie in the view around Kuala Lumpur.
        for code in [">MY<", ">ID<", ">TH<"] {
            assert!(svg.contains(code), "missing {code}");
        }
        assert!(svg.contains("class=\"region\""));
        assert!(svg.contains("landmark kul"));
    }
}
