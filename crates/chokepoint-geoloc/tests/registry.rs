//! The fleet registry end to end: real UDP on loopback, signed measurements, verdicts, alerts,
//! and the console router.

use chokepoint_core::GeoPoint;
use chokepoint_geoloc::protocol::{spawn_agent, Agent, Landmark, SignedMeasurement};
use chokepoint_geoloc::registry::{Registry, VerifyPolicy};
use chokepoint_geoloc::solver::{SolverConfig, Verdict};
use chokepoint_geoloc::{keys, server};
use std::net::UdpSocket;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tower::ServiceExt;

const KUL: GeoPoint = GeoPoint {
    lat: 3.139,
    lon: 101.687,
};
// On loopback the round trip is tens of µs (a few km): the licensed site is at the landmark.
const SITE: GeoPoint = GeoPoint {
    lat: 3.139,
    lon: 101.687,
};
const HOUR_US: i64 = 3_600_000_000;

async fn registry() -> Registry {
    let store = chokepoint_store::Store::open_in_memory().await.unwrap();
    Registry::open(store).await.unwrap()
}

fn hexk(k: &ed25519_dalek::VerifyingKey) -> String {
    hex::encode(k.as_bytes())
}

fn measure(
    chip: ed25519_dalek::SigningKey,
    chip_id: &str,
    lm_key: ed25519_dalek::SigningKey,
) -> SignedMeasurement {
    let (addr, stop, _c, h) = spawn_agent(
        "127.0.0.1:0".parse().unwrap(),
        Agent::new(chip, chip_id).unwrap(),
    )
    .unwrap();
    let mut lm = Landmark::new(lm_key, "lm-kul", KUL).unwrap();
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let m = lm.measure(&sock, addr, 3, &|_| None).unwrap();
    stop.store(true, Ordering::Relaxed);
    h.join().unwrap();
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn measurement_to_verdict_to_alerts() {
    let reg = registry().await;
    let chip = keys::generate().unwrap();
    let lm_key = keys::generate().unwrap();
    reg.register_landmark("lm-kul", &hexk(&lm_key.verifying_key()), KUL)
        .await
        .unwrap();
    reg.register_chip(
        "chip-1",
        &hexk(&chip.verifying_key()),
        SITE,
        "KL DC-1",
        false,
    )
    .await
    .unwrap();
    // Re-registering with another key is refused.
    let other = keys::generate().unwrap();
    assert!(reg
        .register_chip("chip-1", &hexk(&other.verifying_key()), SITE, "", false)
        .await
        .is_err());

    let m = measure(chip.clone(), "chip-1", lm_key.clone());
    // Tampered: a smaller RTT than measured. Rejected, nothing recorded.
    let mut forged = m.clone();
    forged.rtt_ms = 0.001;
    assert!(reg.record_measurement(&forged).await.is_err());
    assert_eq!(reg.status().await.unwrap().measurements, 0);
    reg.record_measurement(&m).await.unwrap();
    // The same measurement again is a replay.
    let e = reg.record_measurement(&m).await.unwrap_err().to_string();
    assert!(e.contains("replay") || e.contains("already"), "{e}");
    assert_eq!(reg.status().await.unwrap().measurements, 1);

    let now = m.measured_at_us as i64 + 1000;
    let policy = VerifyPolicy::default();
    let cfg = SolverConfig::default();
    let v = reg.verify_chip("chip-1", now, &policy, &cfg).await.unwrap();
    assert_eq!(
        v.assessment.verdict,
        Verdict::Verified,
        "{:?}",
        v.assessment.reasons
    );
    assert!(v.alerts.is_empty());

    // An impostor key under the same chip id: refused, key_mismatch alert.
    let imp = measure(other, "chip-1", lm_key.clone());
    assert!(reg.record_measurement(&imp).await.is_err());
    let s = reg.status().await.unwrap();
    assert_eq!(s.measurements, 1);
    assert!(s.alerts.iter().any(|a| a.kind == "key_mismatch"));

    // Two days later with no new answers: missed check-in, then UNVERIFIED (no measurement).
    let later = now + 48 * HOUR_US;
    let v = reg
        .verify_chip("chip-1", later, &policy, &cfg)
        .await
        .unwrap();
    assert_eq!(v.assessment.verdict, Verdict::Unverified);
    assert!(
        v.alerts.iter().any(|a| a.kind == "missed_checkin"),
        "{:?}",
        v.alerts
    );
    // Still UNVERIFIED 80 h into the streak: unverified_persisting, raised once.
    let v = reg
        .verify_chip("chip-1", later + 80 * HOUR_US, &policy, &cfg)
        .await
        .unwrap();
    assert!(
        v.alerts.iter().any(|a| a.kind == "unverified_persisting"),
        "{:?}",
        v.alerts
    );
    let v = reg
        .verify_chip("chip-1", later + 81 * HOUR_US, &policy, &cfg)
        .await
        .unwrap();
    assert!(!v.alerts.iter().any(|a| a.kind == "unverified_persisting"));

    // The console router: fleet status and the region as GeoJSON.
    let app = server::router(reg.clone());
    let res = app
        .clone()
        .oneshot(
            axum::http::Request::get("/geoloc/fleet")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = app
        .clone()
        .oneshot(
            axum::http::Request::get("/geoloc/chips/chip-1/region")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    let f: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(f["type"], "Feature");
    let res = app
        .clone()
        .oneshot(
            axum::http::Request::post("/geoloc/measurements")
                .body(axum::body::Body::from(serde_json::to_vec(&forged).unwrap()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let res = app
        .oneshot(
            axum::http::Request::post("/geoloc/measurements")
                .body(axum::body::Body::from(vec![b'x'; 64 * 1024]))
                .unwrap(),
        )
        .await
        .unwrap();
    assert!(res.status().is_client_error());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inconsistent_verdict_raises_an_alert() {
    let reg = registry().await;
    let chip = keys::generate().unwrap();
    let lm_key = keys::generate().unwrap();
    // The landmark is registered in Shenzhen; the chip answers it fast but claims Kuala Lumpur.
    let szx = GeoPoint {
        lat: 22.5431,
        lon: 114.0579,
    };
    reg.register_landmark("lm-kul", &hexk(&lm_key.verifying_key()), szx)
        .await
        .unwrap();
    reg.register_chip(
        "chip-2",
        &hexk(&chip.verifying_key()),
        SITE,
        "KL DC-1",
        false,
    )
    .await
    .unwrap();
    let (addr, stop, _c, h) = spawn_agent(
        "127.0.0.1:0".parse().unwrap(),
        Agent::new(chip, "chip-2").unwrap(),
    )
    .unwrap();
    let mut lm = Landmark::new(lm_key, "lm-kul", szx).unwrap();
    lm.timeout = Duration::from_millis(500);
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let m = tokio::task::block_in_place(|| lm.measure(&sock, addr, 3, &|_| None)).unwrap();
    stop.store(true, Ordering::Relaxed);
    h.join().unwrap();
    reg.record_measurement(&m).await.unwrap();
    let v = reg
        .verify_chip(
            "chip-2",
            m.measured_at_us as i64,
            &VerifyPolicy::default(),
            &SolverConfig::default(),
        )
        .await
        .unwrap();
    assert_eq!(v.assessment.verdict, Verdict::Inconsistent);
    assert!(v.alerts.iter().any(|a| a.kind == "inconsistent"));
    assert!(v.assessment.reasons[0].contains("lm-kul"));
}
