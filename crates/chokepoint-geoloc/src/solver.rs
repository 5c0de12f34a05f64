//! The feasible region of a chip and the verdict on its declared site.
//!
//! Each landmark's fastest round trip bounds the chip's great-circle distance from it:
//! `d <= (RTT_min - processing allowance) / 2 * v`, with `v` = 200 km/ms (light in fibre) by
//! default and 300 km/ms for the strictest bound (free-space links). The feasible region is the
//! intersection of those discs on the sphere. Delay can be added (by a relay, a slow route,
//! queueing) but never removed, so the region always contains the chip's true position:
//!
//! - **INCONSISTENT**: the declared site lies outside some disc. Exact (no sampling): proof that
//!   the claim is false.
//! - **VERIFIED**: the region touches no restricted destination: proof that the chip is not in
//!   one.
//! - **UNVERIFIED**: neither: the region contains the declared site but also reaches into a
//!   restricted destination, or nothing bounds the chip.
//!
//! ## Sampling, and why its error only ever leans toward UNVERIFIED
//! Which countries the region touches is found by sampling: a square grid of spacing `s` in the
//! azimuthal equidistant plane of the smallest disc (which is at least as dense as `s` on the
//! sphere), `s = clamp(r_min / 25, 0.5 km, max_spacing_km)` (10 km by default), over the region
//! grown by a margin of `2s`. Every point of the true region is within `s/√2` of a sample point,
//! and the grown region contains all of them, so a restricted territory that reaches into the
//! region is missed only if it contains no sample point anywhere within `2s` of the region, i.e.
//! it is narrower than `s` over that whole band. The country data's own simplification (borders
//! drawn so that settlements and major roads are on the correct side) adds to that; both errors
//! are absorbed by the margin for any territory at least `s` wide. A VERIFIED verdict therefore
//! needs a region that stays clear of every restricted destination by a margin; a region that
//! merely comes close is UNVERIFIED. When a region is so large that the grid would exceed
//! `max_samples` points, `s` (and the margin with it) grows; the spacing used is reported.

use crate::countries::{code_str, CountryCode, CountryIndex, RestrictedSet};
use crate::sphere::{Cap, LocalFrame, Vec3, MAX_DISTANCE_KM};
use chokepoint_core::GeoPoint;
use serde::Serialize;
use std::collections::BTreeSet;

/// Parameters of the solver.
#[derive(Debug, Clone)]
pub struct SolverConfig {
    /// Signal speed bound in km per millisecond (200 = fibre; 300 = any medium).
    pub speed_km_per_ms: f64,
    /// Time the agent needs to answer, subtracted from each RTT before converting to distance.
    /// Must not exceed the agent's real minimum processing time, or an honest chip could be
    /// declared INCONSISTENT; 0 is always safe.
    pub processing_allowance_ms: f64,
    /// Destinations a VERIFIED chip must provably not be in.
    pub restricted: RestrictedSet,
    /// Upper bound of the sample spacing in km (see the module docs).
    pub max_spacing_km: f64,
    /// Upper bound of the sample count per region.
    pub max_samples: usize,
}

impl Default for SolverConfig {
    fn default() -> Self {
        SolverConfig {
            speed_km_per_ms: 200.0,
            processing_allowance_ms: 0.0,
            restricted: RestrictedSet::default_set(),
            max_spacing_km: 10.0,
            max_samples: 250_000,
        }
    }
}

impl SolverConfig {
    /// Checks the numbers; `Err` says which one is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.speed_km_per_ms.is_finite() && self.speed_km_per_ms > 0.0) {
            return Err(format!(
                "speed {} km/ms must be a positive number",
                self.speed_km_per_ms
            ));
        }
        if self.speed_km_per_ms > 300.0 {
            return Err(format!(
                "speed {} km/ms is faster than light (299.79 km/ms)",
                self.speed_km_per_ms
            ));
        }
        if !(self.processing_allowance_ms.is_finite() && self.processing_allowance_ms >= 0.0) {
            return Err(format!(
                "processing allowance {} ms must be a non-negative number",
                self.processing_allowance_ms
            ));
        }
        if !(self.max_spacing_km.is_finite() && self.max_spacing_km >= 0.5) {
            return Err(format!(
                "sample spacing {} km must be at least 0.5",
                self.max_spacing_km
            ));
        }
        if self.max_samples < 1000 {
            return Err(format!(
                "max samples {} must be at least 1000",
                self.max_samples
            ));
        }
        Ok(())
    }

    /// The distance bound in km of one round trip.
    pub fn radius_km(&self, rtt_ms: f64) -> f64 {
        (rtt_ms - self.processing_allowance_ms).max(0.0) / 2.0 * self.speed_km_per_ms
    }
}

/// One landmark's fastest round trip to a chip.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bound {
    pub landmark_id: String,
    pub landmark: GeoPoint,
    pub rtt_ms: f64,
}

/// The verdict on a declared site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    Verified,
    Inconsistent,
    Unverified,
}

impl Verdict {
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Verified => "VERIFIED",
            Verdict::Inconsistent => "INCONSISTENT",
            Verdict::Unverified => "UNVERIFIED",
        }
    }

    pub fn parse(s: &str) -> Option<Verdict> {
        match s {
            "VERIFIED" => Some(Verdict::Verified),
            "INCONSISTENT" => Some(Verdict::Inconsistent),
            "UNVERIFIED" => Some(Verdict::Unverified),
            _ => None,
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One disc of the region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Disc {
    pub landmark_id: String,
    pub landmark: GeoPoint,
    pub rtt_ms: f64,
    pub radius_km: f64,
    /// Distance of the declared site from the landmark.
    pub declared_distance_km: f64,
}

/// The solver's answer for one chip.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    pub chip_id: String,
    pub verdict: Verdict,
    /// Sentences with the measured values that back the verdict.
    pub reasons: Vec<String>,
    /// Countries (ISO alpha-2) the region may touch, sorted.
    pub countries: Vec<String>,
    /// The restricted destinations among them.
    pub restricted_touched: Vec<String>,
    pub declared: GeoPoint,
    /// Sample spacing used, in km (the margin is twice this).
    pub sample_spacing_km: f64,
    /// Whether no point satisfies every bound (the measurements contradict each other or the
    /// declared site; only INCONSISTENT can be empty).
    pub region_empty: bool,
    pub discs: Vec<Disc>,
    /// A point inside the region, for drawing it.
    #[serde(skip)]
    interior: Option<Vec3>,
}

/// Assesses one declared site against the landmark bounds measured for it.
pub fn assess(
    chip_id: &str,
    declared: GeoPoint,
    bounds: &[Bound],
    cfg: &SolverConfig,
    index: &CountryIndex,
) -> Assessment {
    let site = Vec3::from_point(declared);
    let v = cfg.speed_km_per_ms;
    let mut discs: Vec<Disc> = bounds
        .iter()
        .map(|b| Disc {
            landmark_id: b.landmark_id.clone(),
            landmark: b.landmark,
            rtt_ms: b.rtt_ms,
            radius_km: cfg.radius_km(b.rtt_ms),
            declared_distance_km: Vec3::from_point(b.landmark).distance_km(site),
        })
        .collect();
    discs.sort_by(|a, b| a.radius_km.total_cmp(&b.radius_km));
    let mut a = Assessment {
        chip_id: chip_id.to_string(),
        verdict: Verdict::Unverified,
        reasons: Vec::new(),
        countries: Vec::new(),
        restricted_touched: Vec::new(),
        declared,
        sample_spacing_km: 0.0,
        region_empty: false,
        discs: Vec::new(),
        interior: None,
    };
    if discs.is_empty() {
        a.reasons.push(
            "no measurement: no landmark bounds the chip's position, so it may be anywhere"
                .to_string(),
        );
        a.countries = Vec::new();
        a.restricted_touched = cfg.restricted.codes.clone();
        return a;
    }

    // INCONSISTENT is exact: the declared site against each disc.
    let mut violations: Vec<&Disc> = discs
        .iter()
        .filter(|d| d.declared_distance_km > d.radius_km)
        .collect();
    violations.sort_by(|x, y| {
        (y.declared_distance_km - y.radius_km).total_cmp(&(x.declared_distance_km - x.radius_km))
    });
    for d in &violations {
        a.reasons.push(format!(
            "landmark {} ({:.4}, {:.4}): RTT {:.3} ms allows at most {:.0} km at {} km/ms \
             (allowance {} ms), but the declared site is {:.0} km away, {:.0} km too far",
            d.landmark_id,
            d.landmark.lat,
            d.landmark.lon,
            d.rtt_ms,
            d.radius_km,
            v,
            cfg.processing_allowance_ms,
            d.declared_distance_km,
            d.declared_distance_km - d.radius_km
        ));
    }

    let caps: Vec<Cap> = discs
        .iter()
        .map(|d| Cap::new(Vec3::from_point(d.landmark), d.radius_km))
        .collect();
    let sample = sample_region(&caps, cfg, index, site);
    a.sample_spacing_km = sample.spacing_km;
    a.region_empty = sample.interior.is_none();
    a.interior = sample.interior;
    let touched: BTreeSet<String> = sample.countries.iter().map(code_str).collect();
    a.countries = touched.into_iter().collect();
    let restricted: BTreeSet<String> = sample
        .countries
        .iter()
        .filter(|c| cfg.restricted.contains(c))
        .map(code_str)
        .collect();
    a.restricted_touched = restricted.into_iter().collect();

    let bound_reason = |d: &Disc| {
        format!(
            "landmark {} ({:.4}, {:.4}): RTT {:.3} ms puts the chip within {:.0} km; the declared \
             site is {:.0} km away",
            d.landmark_id,
            d.landmark.lat,
            d.landmark.lon,
            d.rtt_ms,
            d.radius_km,
            d.declared_distance_km
        )
    };

    if !violations.is_empty() {
        a.verdict = Verdict::Inconsistent;
        if a.region_empty {
            a.reasons.push(
                "no point satisfies every bound: the measurements contradict each other \
                 (a faulty or dishonest landmark?)"
                    .to_string(),
            );
        }
    } else if let Some((code, at)) = &sample.first_restricted {
        a.verdict = Verdict::Unverified;
        for d in discs.iter().take(3) {
            a.reasons.push(bound_reason(d));
        }
        let nearest = &discs[0];
        a.reasons.push(format!(
            "the region reaches into restricted {} (e.g. at {:.3}, {:.3}, {:.0} km from landmark {}); \
             restricted touched: {}. A landmark nearer the declared site or faster answers are \
             needed to prove the chip is not there",
            code_str(code),
            at.lat,
            at.lon,
            Vec3::from_point(*at).distance_km(Vec3::from_point(nearest.landmark)),
            nearest.landmark_id,
            a.restricted_touched.join(", ")
        ));
    } else {
        a.verdict = Verdict::Verified;
        for d in discs.iter().take(3) {
            a.reasons.push(bound_reason(d));
        }
        a.reasons.push(format!(
            "the region (sampled every {:.1} km and grown by {:.1} km) touches {}, none of the {} \
             restricted destinations ({}, as of {}): the chip is not in one",
            sample.spacing_km,
            2.0 * sample.spacing_km,
            if a.countries.is_empty() {
                "no land".to_string()
            } else {
                a.countries.join(", ")
            },
            cfg.restricted.codes.len(),
            cfg.restricted.source,
            cfg.restricted.as_of
        ));
    }
    a.discs = discs;
    a
}

struct Sampled {
    spacing_km: f64,
    countries: BTreeSet<CountryCode>,
    first_restricted: Option<(CountryCode, GeoPoint)>,
    interior: Option<Vec3>,
}

fn sample_region(caps: &[Cap], cfg: &SolverConfig, index: &CountryIndex, site: Vec3) -> Sampled {
    // caps are sorted by radius: the first is the smallest and anchors the grid.
    let anchor = caps[0];
    let mut s = (anchor.radius_km / 25.0).clamp(0.5, cfg.max_spacing_km);
    let mut reach = (anchor.radius_km + 2.0 * s).min(MAX_DISTANCE_KM);
    let estimate = std::f64::consts::PI * reach * reach / (s * s);
    if estimate > cfg.max_samples as f64 {
        s = reach * (std::f64::consts::PI / cfg.max_samples as f64).sqrt();
        reach = (anchor.radius_km + 2.0 * s).min(MAX_DISTANCE_KM);
        s = s.max(reach * (std::f64::consts::PI / cfg.max_samples as f64).sqrt());
    }
    let margin = 2.0 * s;
    let grown: Vec<Cap> = caps.iter().map(|c| c.grown(margin)).collect();
    let frame = LocalFrame::at(anchor.center);
    let k = (reach / s).ceil() as i64;
    let mut countries = BTreeSet::new();
    let mut first_restricted = None;
    let mut found = Vec::with_capacity(4);
    let (mut sum, mut n_true) = (
        Vec3 {
            x: 0.0,
            y: 0.0,
            z: 0.0,
        },
        0u64,
    );
    let mut any_true = None;
    let reach2 = reach * reach;
    for j in -k..=k {
        let north = j as f64 * s;
        for i in -k..=k {
            let east = i as f64 * s;
            if east * east + north * north > reach2 {
                continue;
            }
            let p = frame.point(east, north);
            if !grown[1..].iter().all(|c| c.contains(p)) {
                continue;
            }
            if caps.iter().all(|c| c.contains(p)) {
                sum = Vec3 {
                    x: sum.x + p.x,
                    y: sum.y + p.y,
                    z: sum.z + p.z,
                };
                n_true += 1;
                any_true.get_or_insert(p);
            }
            let g = p.to_point();
            found.clear();
            index.new_countries_at(g.lat, g.lon, &|c| countries.contains(c), &mut found);
            for c in &found {
                if countries.insert(*c) && first_restricted.is_none() && cfg.restricted.contains(c)
                {
                    first_restricted = Some((*c, g));
                }
            }
        }
    }
    // The declared site, when feasible, is in the region whatever the grid saw.
    let site_feasible = caps.iter().all(|c| c.contains(site));
    if site_feasible {
        let g = site.to_point();
        found.clear();
        index.countries_at(g.lat, g.lon, &mut found);
        for c in &found {
            if countries.insert(*c) && first_restricted.is_none() && cfg.restricted.contains(c) {
                first_restricted = Some((*c, g));
            }
        }
    }
    let interior = if site_feasible {
        Some(site)
    } else if n_true > 0 {
        let norm = (sum.x * sum.x + sum.y * sum.y + sum.z * sum.z).sqrt();
        let centroid = Vec3 {
            x: sum.x / norm,
            y: sum.y / norm,
            z: sum.z / norm,
        };
        if norm > 0.0 && caps.iter().all(|c| c.contains(centroid)) {
            Some(centroid)
        } else {
            any_true
        }
    } else {
        None
    };
    Sampled {
        spacing_km: s,
        countries,
        first_restricted,
        interior,
    }
}

/// The boundary of the region as a closed ring of `[lon, lat]` pairs, counter-clockwise (the
/// GeoJSON right-hand rule), traced along `vertices` bearings from a point inside. Exact for the
/// convex regions that discs smaller than a hemisphere make; for larger discs an approximation.
/// Longitudes are unwrapped along the ring (they may pass ±180) so that the ring stays closed
/// across the antimeridian. `None` when the region is empty.
pub fn region_ring(a: &Assessment, vertices: usize) -> Option<Vec<[f64; 2]>> {
    let interior = a.interior?;
    let caps: Vec<Cap> = a
        .discs
        .iter()
        .map(|d| Cap::new(Vec3::from_point(d.landmark), d.radius_km))
        .collect();
    let frame = LocalFrame::at(interior);
    let limit = caps
        .iter()
        .map(|c| (2.0 * c.radius_km).min(MAX_DISTANCE_KM))
        .fold(MAX_DISTANCE_KM, f64::min);
    let n = vertices.max(8);
    let mut ring: Vec<[f64; 2]> = Vec::with_capacity(n + 1);
    let mut prev_lon: Option<f64> = None;
    for step in 0..n {
        // Decreasing bearings run counter-clockwise seen from above.
        let bearing = 360.0 - 360.0 * step as f64 / n as f64;
        let (mut lo, mut hi) = (0.0, limit);
        if caps.iter().all(|c| c.contains(frame.along(bearing, hi))) {
            lo = hi;
        } else {
            for _ in 0..48 {
                let mid = 0.5 * (lo + hi);
                if caps.iter().all(|c| c.contains(frame.along(bearing, mid))) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
        }
        let g = frame.along(bearing, lo).to_point();
        let mut lon = g.lon;
        if let Some(p) = prev_lon {
            while lon - p > 180.0 {
                lon -= 360.0;
            }
            while lon - p < -180.0 {
                lon += 360.0;
            }
        }
        prev_lon = Some(lon);
        ring.push([round6(lon), round6(g.lat)]);
    }
    let first = ring[0];
    ring.push(first);
    Some(ring)
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The region as a GeoJSON Feature (Polygon, or null geometry when empty) with the verdict,
/// reasons and countries as properties.
pub fn region_feature(a: &Assessment) -> serde_json::Value {
    let geometry = match region_ring(a, 180) {
        Some(ring) => serde_json::json!({"type": "Polygon", "coordinates": [ring]}),
        None => serde_json::Value::Null,
    };
    serde_json::json!({
        "type": "Feature",
        "properties": {
            "chip_id": a.chip_id,
            "verdict": a.verdict,
            "countries": a.countries,
            "restricted_touched": a.restricted_touched,
            "reasons": a.reasons,
            "declared": [a.declared.lon, a.declared.lat],
            "sample_spacing_km": a.sample_spacing_km,
        },
        "geometry": geometry,
    })
}

/// Several regions as one GeoJSON FeatureCollection.
pub fn feature_collection(assessments: &[Assessment]) -> serde_json::Value {
    serde_json::json!({
        "type": "FeatureCollection",
        "features": assessments.iter().map(region_feature).collect::<Vec<_>>(),
    })
}

/// The round trip a straight fibre path of `distance_km` would take at `speed_km_per_ms`: the
/// fastest answer physics allows from that distance.
pub fn min_rtt_ms(distance_km: f64, speed_km_per_ms: f64) -> f64 {
    2.0 * distance_km / speed_km_per_ms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(lat: f64, lon: f64) -> GeoPoint {
        GeoPoint::new(lat, lon).expect("valid test point")
    }

    fn bound(id: &str, at: GeoPoint, rtt_ms: f64) -> Bound {
        Bound {
            landmark_id: id.into(),
            landmark: at,
            rtt_ms,
        }
    }

    const KUL: (f64, f64) = (3.139, 101.687);
    const SIN: (f64, f64) = (1.3521, 103.8198);
    const SZX: (f64, f64) = (22.5431, 114.0579);

    #[test]
    fn honest_chip_near_landmark_is_verified() {
        let cfg = SolverConfig::default();
        let site = p(3.10, 101.60);
        // 15 km away, RTT 0.4 ms => within 40 km.
        let a = assess(
            "c1",
            site,
            &[bound("kul", p(KUL.0, KUL.1), 0.4)],
            &cfg,
            CountryIndex::bundled(),
        );
        assert_eq!(a.verdict, Verdict::Verified, "{:?}", a.reasons);
        assert_eq!(a.countries, vec!["MY"]);
        assert!(a.reasons[0].contains("kul"));
    }

    #[test]
    fn chip_claiming_malaysia_answering_like_shenzhen_is_inconsistent() {
        let cfg = SolverConfig::default();
        // The chip is really in Shenzhen, near a Shenzhen-area landmark (fast answer there) and
        // slow to Kuala Lumpur. It claims Kuala Lumpur.
        let szx = p(SZX.0, SZX.1);
        let kul = p(KUL.0, KUL.1);
        let a = assess(
            "c2",
            p(3.10, 101.60),
            &[bound("szx", szx, 0.3), bound("kul", kul, 40.0)],
            &cfg,
            CountryIndex::bundled(),
        );
        assert_eq!(a.verdict, Verdict::Inconsistent);
        assert!(a.reasons[0].contains("szx") && a.reasons[0].contains("0.300 ms"));
        assert!(a.countries.contains(&"CN".to_string()), "{:?}", a.countries);
    }

    #[test]
    fn slow_answers_leave_the_claim_unverified() {
        let cfg = SolverConfig::default();
        // 30 ms from Singapore: within 3,000 km, which reaches southern China.
        let a = assess(
            "c3",
            p(SIN.0, SIN.1),
            &[bound("sin", p(SIN.0, SIN.1), 30.0)],
            &cfg,
            CountryIndex::bundled(),
        );
        assert_eq!(a.verdict, Verdict::Unverified, "{:?}", a.reasons);
        assert!(a.restricted_touched.contains(&"CN".to_string()));
        assert!(a.reasons.last().unwrap().contains("restricted"));
    }

    #[test]
    fn a_chip_really_in_china_is_never_verified_whatever_it_claims() {
        let cfg = SolverConfig::default();
        let truth = p(SZX.0, SZX.1);
        let landmarks = [p(KUL.0, KUL.1), p(SIN.0, SIN.1), p(22.3193, 114.1694)];
        for claim in [
            p(3.1, 101.6),
            p(1.3, 103.8),
            p(25.03, 121.56),
            p(14.6, 121.0),
        ] {
            let bounds: Vec<Bound> = landmarks
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    bound(
                        &format!("l{i}"),
                        *l,
                        min_rtt_ms(l.distance_km(&truth), 200.0),
                    )
                })
                .collect();
            let a = assess("x", claim, &bounds, &cfg, CountryIndex::bundled());
            assert_ne!(a.verdict, Verdict::Verified, "{claim:?} {:?}", a.reasons);
        }
    }

    #[test]
    fn no_measurements_is_unverified() {
        let a = assess(
            "c",
            p(0.0, 0.0),
            &[],
            &SolverConfig::default(),
            CountryIndex::bundled(),
        );
        assert_eq!(a.verdict, Verdict::Unverified);
    }

    #[test]
    fn contradictory_landmarks_give_an_empty_inconsistent_region() {
        let a = assess(
            "c",
            p(3.1, 101.6),
            &[
                bound("kul", p(KUL.0, KUL.1), 0.2),
                bound("szx", p(SZX.0, SZX.1), 0.2),
            ],
            &SolverConfig::default(),
            CountryIndex::bundled(),
        );
        assert_eq!(a.verdict, Verdict::Inconsistent);
        assert!(a.region_empty);
        assert!(region_ring(&a, 36).is_none());
    }

    #[test]
    fn region_ring_is_closed_and_hugs_the_disc() {
        let l = p(KUL.0, KUL.1);
        let a = assess(
            "c",
            p(3.1, 101.6),
            &[bound("kul", l, 2.0)],
            &SolverConfig::default(),
            CountryIndex::bundled(),
        );
        let ring = region_ring(&a, 72).unwrap();
        assert_eq!(ring.first(), ring.last());
        assert_eq!(ring.len(), 73);
        for v in &ring {
            let d = l.distance_km(&p(v[1], v[0]));
            assert!(d <= 200.0 + 1e-3, "{d}");
        }
        // Counter-clockwise: positive signed area in lon/lat.
        let area: f64 = ring
            .windows(2)
            .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
            .sum();
        assert!(area > 0.0);
    }

    #[test]
    fn speed_and_allowance_set_the_radius() {
        let mut cfg = SolverConfig::default();
        assert_eq!(cfg.radius_km(10.0), 1000.0);
        cfg.speed_km_per_ms = 300.0;
        cfg.processing_allowance_ms = 1.0;
        assert_eq!(cfg.radius_km(10.0), 1350.0);
        assert_eq!(cfg.radius_km(0.5), 0.0);
        cfg.speed_km_per_ms = 400.0;
        assert!(cfg.validate().is_err());
    }
}
