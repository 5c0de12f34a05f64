//! Classification agrees with the published TPP of well-known parts and their known control
//! status (figures from BIS worked examples, vendor datasheets and public reporting).

use chokepoint_controls::classify::{
    classify_part, ControlStatus, PartsDb, RawFigures, Thresholds,
};
use chokepoint_controls::classify_figures;

fn check(name: &str, published_tpp: f64, status: ControlStatus) {
    let db = PartsDb::builtin().unwrap();
    let c = classify_part(&db, name, &Thresholds::default()).unwrap();
    let rel = (c.tpp - published_tpp).abs() / published_tpp;
    assert!(
        rel < 0.005,
        "{name}: TPP {} vs published {published_tpp}",
        c.tpp
    );
    assert_eq!(c.status, status, "{name}: {:?}", c.reasons);
}

#[test]
fn h100_sxm_is_15832_and_3a090a() {
    check("H100-SXM", 15_832.0, ControlStatus::A3090A);
    check("H200", 15_832.0, ControlStatus::A3090A);
    check("H800", 15_832.0, ControlStatus::A3090A);
}

#[test]
fn a100_and_a800_are_4992_and_3a090a() {
    check("A100", 4_992.0, ControlStatus::A3090A);
    check("A800", 4_992.0, ControlStatus::A3090A);
}

#[test]
fn china_market_parts_fall_below_3a090() {
    // H20: TPP 2,368 and PD 2.9 — designed under the thresholds.
    check("H20", 2_368.0, ControlStatus::NotControlled);
    // A10: TPP 2,000, PD 3.18 just under the 3.2 of 3A090.b.2.
    check("A10", 2_000.0, ControlStatus::NotControlled);
    check("HGX-H20", 2_368.0, ControlStatus::NotControlled);
}

#[test]
fn other_well_known_parts() {
    check("L40S", 5_864.0, ControlStatus::A3090A);
    // Consumer part, but TPP ≥ 4800: 3A090.a (why the RTX 4090 was restricted in 2023).
    check("RTX 4090", 5_284.8, ControlStatus::A3090A);
    // L4: low TPP but high density: 3A090.a.2.
    check("L4", 1_940.0, ControlStatus::A3090A);
    check("B200", 36_000.0, ControlStatus::A3090A);
    check("MI300X", 20_919.2, ControlStatus::A3090A);
    check("Ascend 910", 4_096.0, ControlStatus::A3090A);
    check("Gaudi 3", 29_360.0, ControlStatus::A3090A);
}

#[test]
fn computers_with_3a090_ics_are_4a090() {
    check("DGX-H100", 15_832.0, ControlStatus::A4090A);
    check("DGX B200", 36_000.0, ControlStatus::A4090A);
}

#[test]
fn raw_figures_show_the_arithmetic() {
    let raw = RawFigures {
        tops_int8: Some(624.0),
        tflops_fp16: Some(312.0),
        die_mm2: Some(826.0),
        ..Default::default()
    };
    let c = classify_figures(&raw.to_figures(), &Thresholds::default()).unwrap();
    assert_eq!(c.tpp, 4992.0);
    assert!(
        c.arithmetic
            .iter()
            .any(|l| l.contains("2 × 312 × 8 = 4992")),
        "{:?}",
        c.arithmetic
    );
    assert!(
        c.arithmetic
            .iter()
            .any(|l| l.contains("PD = TPP / die area")),
        "{:?}",
        c.arithmetic
    );
}

#[test]
fn band_boundaries() {
    let t = Thresholds::default();
    let f = |tpp_int8: f64, die: f64, dc: bool| {
        classify_figures(
            &RawFigures {
                tops_int8: Some(tpp_int8 / 8.0),
                die_mm2: Some(die),
                datacenter: Some(dc),
                ..Default::default()
            }
            .to_figures(),
            &t,
        )
        .unwrap()
        .status
    };
    assert_eq!(f(4800.0, 10_000.0, true), ControlStatus::A3090A); // a.1 at the threshold
    assert_eq!(f(4799.0, 4799.0 / 5.92, true), ControlStatus::A3090A); // a.2 at PD 5.92
    assert_eq!(f(3000.0, 1000.0, true), ControlStatus::A3090B); // b.1: PD 3.0
    assert_eq!(f(2000.0, 500.0, true), ControlStatus::A3090B); // b.2: PD 4.0
    assert_eq!(f(2000.0, 1000.0, true), ControlStatus::NotControlled); // PD 2.0, TPP < 2400
    assert_eq!(f(1599.0, 10.0, true), ControlStatus::NotControlled); // below every TPP
                                                                     // The same .b part, not for data centres: outside 3A090.
    assert_eq!(f(2000.0, 500.0, false), ControlStatus::NotControlled);
    assert_eq!(f(5000.0, 500.0, false), ControlStatus::A3090A);
}
