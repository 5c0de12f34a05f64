//! Benchmarks and accuracy figures of chokepoint-geoloc (a plain `harness = false` bench).
//!
//! `cargo bench -p chokepoint-geoloc --bench geoloc` (or scripts/bench/geoloc.sh) prints:
//! 1. honest chips with realistic delay (fibre 1.2–2× great circle at 204 km/ms, jitter,
//!    queueing, agent processing): verdict counts (INCONSISTENT must be 0);
//! 2. chips really inside restricted destinations claiming a nearby licensed site: VERIFIED
//!    must be 0;
//! 3. ≥1,000 km lies with a landmark within 200 km of the true site: detection rate;
//! 4. detection rate against nearest-landmark distance and lie size; Malaysia vs southern China;
//! 5. solver throughput (100k chips × 8 landmarks) and loopback probes/s.
//!
//! `GEOLOC_BENCH_TRIALS` scales the trial counts (default 100000).

use chokepoint_core::GeoPoint;
use chokepoint_geoloc::protocol::{spawn_agent, Agent, Landmark};
use chokepoint_geoloc::solver::{assess, Bound, SolverConfig, Verdict};
use chokepoint_geoloc::sphere::{LocalFrame, Vec3};
use chokepoint_geoloc::{keys, CountryIndex};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use std::time::Instant;

/// Light in fibre (refractive index ~1.468).
const FIBRE_KM_PER_MS: f64 = 204.2;

/// Landmark network: real cities (approximate coordinates), none in a restricted destination.
const LANDMARKS: &[(&str, f64, f64)] = &[
    ("kuala-lumpur", 3.139, 101.687),
    ("singapore", 1.352, 103.820),
    ("jakarta", -6.209, 106.846),
    ("bangkok", 13.756, 100.502),
    ("manila", 14.600, 120.984),
    ("ho-chi-minh", 10.823, 106.630),
    ("hanoi", 21.028, 105.834),
    ("taipei", 25.033, 121.565),
    ("tokyo", 35.676, 139.650),
    ("osaka", 34.694, 135.502),
    ("seoul", 37.567, 126.978),
    ("sydney", -33.869, 151.209),
    ("melbourne", -37.814, 144.963),
    ("auckland", -36.848, 174.763),
    ("mumbai", 19.076, 72.878),
    ("delhi", 28.614, 77.209),
    ("chennai", 13.083, 80.271),
    ("dubai", 25.205, 55.271),
    ("riyadh", 24.713, 46.675),
    ("tel-aviv", 32.085, 34.782),
    ("istanbul", 41.008, 28.978),
    ("frankfurt", 50.110, 8.682),
    ("london", 51.507, -0.128),
    ("paris", 48.857, 2.352),
    ("amsterdam", 52.370, 4.895),
    ("stockholm", 59.329, 18.069),
    ("warsaw", 52.230, 21.012),
    ("madrid", 40.417, -3.704),
    ("lagos", 6.524, 3.379),
    ("nairobi", -1.292, 36.822),
    ("johannesburg", -26.204, 28.047),
    ("cairo", 30.044, 31.236),
    ("sao-paulo", -23.551, -46.633),
    ("santiago", -33.449, -70.669),
    ("bogota", 4.711, -74.072),
    ("mexico-city", 19.433, -99.133),
    ("ashburn", 39.044, -77.487),
    ("dallas", 32.777, -96.797),
    ("chicago", 41.878, -87.630),
    ("los-angeles", 34.052, -118.244),
    ("seattle", 47.606, -122.332),
    ("toronto", 43.653, -79.383),
    ("almaty", 43.222, 76.851),
    ("ulaanbaatar", 47.886, 106.906),
    ("dhaka", 23.810, 90.413),
];

/// Data-centre sites of honest chips (not in restricted destinations).
const SITES: &[(f64, f64)] = &[
    (3.139, 101.687),
    (2.922, 101.656),
    (5.414, 100.329),
    (1.492, 103.741),
    (1.352, 103.820),
    (-6.209, 106.846),
    (13.756, 100.502),
    (14.600, 120.984),
    (10.823, 106.630),
    (21.028, 105.834),
    (25.033, 121.565),
    (22.627, 120.301),
    (35.676, 139.650),
    (34.694, 135.502),
    (37.567, 126.978),
    (35.180, 129.076),
    (-33.869, 151.209),
    (-31.950, 115.860),
    (19.076, 72.878),
    (17.385, 78.487),
    (12.972, 77.595),
    (25.205, 55.271),
    (24.713, 46.675),
    (50.110, 8.682),
    (53.350, -6.260),
    (51.507, -0.128),
    (52.370, 4.895),
    (60.170, 24.940),
    (39.044, -77.487),
    (33.449, -112.074),
    (45.523, -122.676),
    (37.387, -121.962),
    (41.878, -87.630),
    (-23.551, -46.633),
    (43.222, 76.851),
];

/// Places really inside restricted destinations, each with the licensed site a smuggler claims.
const RESTRICTED: &[(&str, f64, f64, f64, f64)] = &[
    ("shenzhen->kuala-lumpur", 22.543, 114.058, 3.139, 101.687),
    ("guangzhou->singapore", 23.129, 113.264, 1.352, 103.820),
    ("haikou->kuala-lumpur", 20.044, 110.199, 3.139, 101.687),
    ("nanning->hanoi", 22.817, 108.366, 21.028, 105.834),
    ("kunming->bangkok", 25.040, 102.712, 13.756, 100.502),
    ("shanghai->taipei", 31.230, 121.474, 25.033, 121.565),
    ("hong-kong->taipei", 22.319, 114.169, 25.033, 121.565),
    ("macau->manila", 22.199, 113.544, 14.600, 120.984),
    ("beijing->seoul", 39.904, 116.407, 37.567, 126.978),
    ("urumqi->almaty", 43.825, 87.617, 43.222, 76.851),
    ("moscow->warsaw", 55.756, 37.617, 52.230, 21.012),
    ("minsk->warsaw", 53.904, 27.562, 52.230, 21.012),
    ("tehran->dubai", 35.689, 51.389, 25.205, 55.271),
    ("yangon->bangkok", 16.840, 96.173, 13.756, 100.502),
    ("pyongyang->seoul", 39.039, 125.763, 37.567, 126.978),
    ("vladivostok->tokyo", 43.116, 131.886, 35.676, 139.650),
];

fn p(lat: f64, lon: f64) -> GeoPoint {
    GeoPoint { lat, lon }
}

/// A point `d` km from `c` on a random bearing.
fn offset(rng: &mut ChaCha8Rng, c: GeoPoint, d: f64) -> GeoPoint {
    LocalFrame::at(Vec3::from_point(c))
        .along(rng.random_range(0.0..360.0), d)
        .to_point()
}

/// A point between `lo` and `hi` km from `c`, on a random bearing.
fn offset_in(rng: &mut ChaCha8Rng, c: GeoPoint, lo: f64, hi: f64) -> GeoPoint {
    let d = rng.random_range(lo..hi);
    offset(rng, c, d)
}

/// A realistic minimum RTT over several probes: fibre path 1.2–2× the great circle, per-probe
/// jitter and queueing, agent processing.
fn realistic_rtt(rng: &mut ChaCha8Rng, d_km: f64, path_lo: f64) -> f64 {
    let path = rng.random_range(path_lo..2.0);
    let base = 2.0 * d_km * path / FIBRE_KM_PER_MS;
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let jitter = -0.05 * rng.random::<f64>().max(1e-12).ln();
        let queue = if rng.random::<f64>() < 0.3 {
            -0.5 * rng.random::<f64>().max(1e-12).ln()
        } else {
            0.0
        };
        let processing = rng.random_range(0.02..0.15);
        best = best.min(base + jitter + queue + processing);
    }
    best
}

fn nearest_landmarks(at: GeoPoint, k: usize, beyond_km: f64) -> Vec<(String, GeoPoint)> {
    let mut v: Vec<(f64, String, GeoPoint)> = LANDMARKS
        .iter()
        .map(|(n, la, lo)| (p(*la, *lo).distance_km(&at), n.to_string(), p(*la, *lo)))
        .filter(|(d, _, _)| *d > beyond_km)
        .collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    v.into_iter().take(k).map(|(_, n, q)| (n, q)).collect()
}

fn bounds(
    rng: &mut ChaCha8Rng,
    truth: GeoPoint,
    lms: &[(String, GeoPoint)],
    path_lo: f64,
) -> Vec<Bound> {
    lms.iter()
        .map(|(n, q)| Bound {
            landmark_id: n.clone(),
            landmark: *q,
            rtt_ms: realistic_rtt(rng, q.distance_km(&truth), path_lo),
        })
        .collect()
}

struct Trial {
    claim: GeoPoint,
    bounds: Vec<Bound>,
}

fn count(results: &[Verdict], v: Verdict) -> usize {
    results.iter().filter(|r| **r == v).count()
}

fn run(trials: &[Trial], cfg: &SolverConfig) -> (Vec<Verdict>, f64) {
    let idx = CountryIndex::bundled();
    let t = Instant::now();
    let v: Vec<Verdict> = trials
        .par_iter()
        .map(|t| assess("c", t.claim, &t.bounds, cfg, idx).verdict)
        .collect();
    (v, t.elapsed().as_secs_f64())
}

fn main() {
    let n: usize = std::env::var("GEOLOC_BENCH_TRIALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let cfg = SolverConfig::default();
    let _ = CountryIndex::bundled();
    println!(
        "# chokepoint-geoloc benchmark ({n} trials per experiment, v = {} km/ms, {} threads)\n",
        cfg.speed_km_per_ms,
        rayon::current_num_threads()
    );

    // 1. Honest chips, 8 nearest landmarks, realistic delay.
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let honest: Vec<Trial> = (0..n)
        .map(|_| {
            let (la, lo) = SITES[rng.random_range(0..SITES.len())];
            let site = offset_in(&mut rng, p(la, lo), 0.0, 30.0);
            let lms = nearest_landmarks(site, 8, 0.0);
            Trial {
                claim: site,
                bounds: bounds(&mut rng, site, &lms, 1.2),
            }
        })
        .collect();
    let (v, secs) = run(&honest, &cfg);
    println!("## 1. Honest chips (paths 1.2–2x great circle, jitter, queueing, processing)\n");
    println!("| trials | VERIFIED | UNVERIFIED | INCONSISTENT |\n|---|---|---|---|");
    println!(
        "| {} | {} | {} | {} |\n",
        n,
        count(&v, Verdict::Verified),
        count(&v, Verdict::Unverified),
        count(&v, Verdict::Inconsistent)
    );
    println!(
        "Solver throughput, {} chips x 8 landmarks: {:.0} chips/s ({:.2} s)\n",
        n,
        n as f64 / secs,
        secs
    );

    // 2. Chips really inside restricted destinations.
    let m = n / 5;
    println!("## 2. Chips inside restricted destinations claiming a nearby licensed site ({m} trials per model)\n");
    println!("| delay model | speed bound | trials | VERIFIED | UNVERIFIED | INCONSISTENT |\n|---|---|---|---|---|---|");
    for (label, path_lo, speed) in [
        ("realistic 1.2–2x", 1.2, 200.0),
        ("adversarial straight fibre 1.0–2x", 1.0, 200.0),
        ("adversarial straight fibre 1.0–2x", 1.0, 300.0),
    ] {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let trials: Vec<Trial> = (0..m)
            .map(|_| {
                let (_, la, lo, cla, clo) = RESTRICTED[rng.random_range(0..RESTRICTED.len())];
                let truth = offset_in(&mut rng, p(la, lo), 0.0, 20.0);
                let claim = offset_in(&mut rng, p(cla, clo), 0.0, 20.0);
                // Landmarks near the licensed site (where a verifier puts them).
                let lms = nearest_landmarks(claim, 8, 0.0);
                Trial {
                    claim,
                    bounds: bounds(&mut rng, truth, &lms, path_lo),
                }
            })
            .collect();
        let c = SolverConfig {
            speed_km_per_ms: speed,
            ..SolverConfig::default()
        };
        let (v, _) = run(&trials, &c);
        println!(
            "| {label} | {speed} km/ms | {m} | {} | {} | {} |",
            count(&v, Verdict::Verified),
            count(&v, Verdict::Unverified),
            count(&v, Verdict::Inconsistent)
        );
    }
    println!();

    // 3. ≥1,000 km lies, a landmark within 200 km of the true site.
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let lies: Vec<Trial> = (0..n)
        .map(|_| {
            let (la, lo) = SITES[rng.random_range(0..SITES.len())];
            let truth = offset_in(&mut rng, p(la, lo), 0.0, 30.0);
            let near = offset_in(&mut rng, truth, 0.0, 200.0);
            let mut lms = vec![("near".to_string(), near)];
            lms.extend(nearest_landmarks(truth, 7, 200.0));
            let claim = offset_in(&mut rng, truth, 1000.0, 3000.0);
            Trial {
                claim,
                bounds: bounds(&mut rng, truth, &lms, 1.2),
            }
        })
        .collect();
    let (v, _) = run(&lies, &cfg);
    println!("## 3. Lies of 1,000–3,000 km, a landmark within 200 km of the true site\n");
    println!(
        "INCONSISTENT in {} of {} trials ({:.3}%)\n",
        count(&v, Verdict::Inconsistent),
        n,
        100.0 * count(&v, Verdict::Inconsistent) as f64 / n as f64
    );

    // 4. Detection rate against nearest-landmark distance and lie size.
    let k = (n / 50).max(200);
    println!("## 4. Detection rate (INCONSISTENT %) by nearest-landmark distance and lie size ({k} trials per cell)\n");
    let lies_km = [250.0, 500.0, 1000.0, 2000.0, 3000.0];
    print!("| nearest landmark |");
    for l in lies_km {
        print!(" lie {l:.0} km |");
    }
    println!("\n|---|{}", "---|".repeat(lies_km.len()));
    for dist in [25.0, 100.0, 200.0, 500.0, 1000.0, 1500.0] {
        print!("| {dist:.0} km |");
        for lie in lies_km {
            let mut rng = ChaCha8Rng::seed_from_u64(4);
            let trials: Vec<Trial> = (0..k)
                .map(|_| {
                    let (la, lo) = SITES[rng.random_range(0..SITES.len())];
                    let truth = offset_in(&mut rng, p(la, lo), 0.0, 30.0);
                    let mut lms = vec![("nearest".to_string(), offset(&mut rng, truth, dist))];
                    lms.extend(nearest_landmarks(truth, 7, dist));
                    let claim = offset(&mut rng, truth, lie);
                    Trial {
                        claim,
                        bounds: bounds(&mut rng, truth, &lms, 1.2),
                    }
                })
                .collect();
            let (v, _) = run(&trials, &cfg);
            print!(
                " {:.1} |",
                100.0 * count(&v, Verdict::Inconsistent) as f64 / k as f64
            );
        }
        println!();
    }
    println!();

    // Malaysia vs southern China.
    println!("### Malaysia vs southern China ({k} trials per row)\n");
    println!("Chips really in southern China claiming Kuala Lumpur, landmarks only outside China; and honest Kuala Lumpur chips with the nearest landmark at a given distance.\n");
    println!("| case | VERIFIED % | UNVERIFIED % | INCONSISTENT % |\n|---|---|---|---|");
    let kl = p(3.139, 101.687);
    for (name, la, lo) in [
        ("Shenzhen claiming KL", 22.543, 114.058),
        ("Haikou (Hainan) claiming KL", 20.044, 110.199),
        ("Nanning claiming KL", 22.817, 108.366),
    ] {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let trials: Vec<Trial> = (0..k)
            .map(|_| {
                let truth = offset_in(&mut rng, p(la, lo), 0.0, 20.0);
                let lms = nearest_landmarks(kl, 8, 0.0);
                Trial {
                    claim: kl,
                    bounds: bounds(&mut rng, truth, &lms, 1.2),
                }
            })
            .collect();
        let (v, _) = run(&trials, &cfg);
        let pc = |x| 100.0 * count(&v, x) as f64 / k as f64;
        println!(
            "| {name} | {:.1} | {:.1} | {:.1} |",
            pc(Verdict::Verified),
            pc(Verdict::Unverified),
            pc(Verdict::Inconsistent)
        );
    }
    for dist in [25.0, 100.0, 300.0, 600.0, 1000.0, 1500.0] {
        let mut rng = ChaCha8Rng::seed_from_u64(6);
        let trials: Vec<Trial> = (0..k)
            .map(|_| {
                let site = offset_in(&mut rng, kl, 0.0, 20.0);
                let mut lms = vec![("nearest".to_string(), offset(&mut rng, site, dist))];
                lms.extend(nearest_landmarks(site, 7, dist));
                Trial {
                    claim: site,
                    bounds: bounds(&mut rng, site, &lms, 1.2),
                }
            })
            .collect();
        let (v, _) = run(&trials, &cfg);
        let pc = |x| 100.0 * count(&v, x) as f64 / k as f64;
        println!(
            "| honest KL chip, nearest landmark {dist:.0} km | {:.1} | {:.1} | {:.1} |",
            pc(Verdict::Verified),
            pc(Verdict::Unverified),
            pc(Verdict::Inconsistent)
        );
    }
    println!();

    // 5. Probes per second on loopback.
    let chip = keys::generate().expect("os randomness");
    let (addr, stop, _c, h) = spawn_agent(
        "127.0.0.1:0".parse().expect("literal address"),
        Agent::new(chip, "bench-chip").expect("valid id"),
    )
    .expect("bind loopback");
    let mut lm = Landmark::new(
        keys::generate().expect("os randomness"),
        "bench-lm",
        p(0.0, 0.0),
    )
    .expect("valid id");
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind loopback");
    let probes = 20_000u32;
    let t = Instant::now();
    let mut done = 0u32;
    while done < probes {
        let m = lm
            .measure(&sock, addr, 1000, &|_| None)
            .expect("loopback measurement");
        done += m.probes_ok;
    }
    let secs = t.elapsed().as_secs_f64();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = h.join();
    println!(
        "## 5. Landmark probes on loopback (sign + verify + timing, one landmark, sequential)\n"
    );
    println!(
        "{done} verified probes in {secs:.2} s: {:.0} probes/s",
        done as f64 / secs
    );
}
