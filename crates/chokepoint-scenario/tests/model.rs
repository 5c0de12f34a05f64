//! The model's arithmetic on hand-computed cases, and its monotonicity over random parameter
//! points (property tests).

use chokepoint_scenario::model::{harvest_share, simulate, QUARTERS};
use chokepoint_scenario::montecarlo::sample_params;
use chokepoint_scenario::{catalog, Levers, ModelParams, Params};
use proptest::prelude::*;
use rand::SeedableRng;

/// A small world whose first quarters can be computed by hand (see the comments).
fn hand_params() -> (ModelParams, Levers) {
    let mut p = catalog().default_params();
    let set = |p: &mut ModelParams, k: &str, v: f64| assert!(p.set(k, v), "{k}");
    for (k, v) in [
        ("depreciation_rate", 0.0),
        ("leader_stock_2025", 1000.0),
        ("leader_additions_2025", 400.0),
        ("leader_additions_growth", 1.0),
        ("algorithmic_efficiency_growth", std::f64::consts::E), // ln G = 1
        ("supply_displacement", 0.5),
        ("trusted_export_capacity_2025", 40.0),
        ("trusted_export_leader_share", 0.5),
        ("trusted_export_offshore_cover", 0.5),
        ("challenger_stock_2025", 100.0),
        ("challenger_domestic_2025", 40.0),
        ("challenger_domestic_growth", 1.0),
        ("domestic_control_dependence", 0.5),
        ("challenger_demand_share", 0.1),
        ("legal_export_performance", 1.0),
        ("smuggling_substitution", 0.2),
        ("smuggled_chips_2024", 40.0),
        ("smuggled_chip_h100e", 1.0),
        ("smuggling_growth", 1.0),
        ("offshore_pool_2025", 100.0),
        ("offshore_pool_growth", 1.0),
        ("offshore_reachable_share", 0.5),
        ("challenger_efficiency", 1.0),
        ("distillation_exchanges_2025", 400.0),
        ("distillation_growth", 1.0),
        ("campaign_duration_days", 20.0),
        ("distillation_saturation_exchanges", 300.0),
        ("distillation_max_gap_closure", 0.5),
        ("capability_coverage", 1.0),
    ] {
        set(&mut p, k, v);
    }
    let l = Levers {
        export_control_tightness: 0.5,
        smuggling_interdiction: 0.5,
        offshore_screening: 0.5,
        distillation_detection_rate: 0.5,
        distillation_time_to_detect_days: 10.0,
        trusted_exports: 1.0,
    };
    (p, l)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn hand_computed_first_quarters() {
    let (p, l) = hand_params();
    let q = simulate(&p, &l);
    assert_eq!(q.len(), QUARTERS);
    let q0 = &q[0];
    // Leader additions 400/4 = 100. Legal supply 0.1 x 100 x (1 - 0.5) = 5.
    // Smuggling attempted 40 x 1 / 4 + 0.2 x 0.1 x 100 x 0.5 = 11; delivered 5.5.
    assert!(close(q0.challenger.legal_imports_added, 5.0));
    assert!(close(q0.challenger.smuggled_added, 5.5));
    assert!(close(q0.challenger.smuggling_interdicted, 5.5));
    // Leader: 1000 + (100 - 0.5 x (5 + 5.5)) + 0.5 x 40/4 = 1099.75.
    assert!(close(q0.leader.stock_production, 94.75));
    assert!(close(q0.leader.stock_trusted_exports, 5.0));
    assert!(close(q0.leader.stock, 1099.75));
    // Challenger: 100 + 10 + 5 + 5.5 = 120.5; offshore 100 x 0.5 x (1-0.5) x (1 - 1 x 0.5) = 12.5.
    assert!(close(q0.challenger.stock, 120.5));
    assert!(close(q0.challenger.offshore_rented, 12.5));
    assert!(close(q0.challenger.effective_compute, 133.0));
    // Harvest share 0.5 + 0.5 x 10/20 = 0.75; trailing year 4 x 100 x 0.75 = 300;
    // closure 0.5 x 1 x (1 - e^-1).
    assert!(close(harvest_share(&p, &l), 0.75));
    assert!(close(q0.distillation.harvested_trailing_year, 300.0));
    assert!(close(
        q0.distillation.gap_closure,
        0.5 * (1.0 - (-1.0f64).exp())
    ));
    // Lead: 12 x ln(1099.75 / 133) x (1 - closure) / ln e.
    assert!(
        close(q0.lead_months, 17.337781899495834),
        "{}",
        q0.lead_months
    );
    assert!(close(
        q0.lead_months_without_distillation,
        25.349868384084903
    ));
    // Second quarter: leader 1000 + 189.5 + 10 = 1199.5; challenger 141 + 12.5 = 153.5.
    assert!(close(q[1].leader.stock, 1199.5));
    assert!(close(q[1].challenger.effective_compute, 153.5));
    assert!(
        close(q[1].lead_months, 16.873828516768175),
        "{}",
        q[1].lead_months
    );
}

#[test]
fn hand_computed_depreciation_and_growth() {
    let (mut p, l) = hand_params();
    p.depreciation_rate = 0.19; // keeps 0.9^(1/2) ... per quarter: (0.81)^(1/4) = 0.9^(1/2)
    p.leader_additions_growth = 16.0; // 2x per quarter
    let q = simulate(&p, &l);
    let keep = 0.81f64.powf(0.25);
    assert!(close(q[0].leader.stock_initial, 1000.0 * keep));
    assert!(close(q[1].leader.stock_initial, 1000.0 * keep * keep));
    // Additions double each quarter: 100, 200.
    assert!(close(q[1].leader.additions, 200.0));
    // G = e x 16: the lead divides ln(ratio) by ln(16 e).
    let ratio = q[3].compute_ratio;
    let expect = 12.0 * ratio.ln() * (1.0 - q[3].distillation.gap_closure)
        / (16.0 * std::f64::consts::E).ln();
    assert!(close(q[3].lead_months, expect));
}

#[test]
fn stocks_add_up_by_source() {
    let p = Params::preset("inaction").unwrap();
    for q in simulate(&p.model, &p.levers) {
        let c = &q.challenger;
        assert!(close(
            c.stock,
            c.stock_initial + c.stock_domestic + c.stock_legal_imports + c.stock_smuggled
        ));
        let l = &q.leader;
        assert!(close(
            l.stock,
            l.stock_initial + l.stock_production + l.stock_trusted_exports
        ));
    }
}

#[test]
fn no_harvest_no_uplift_and_challenger_ahead_is_negative() {
    let (mut p, mut l) = hand_params();
    l.distillation_detection_rate = 1.0;
    l.distillation_time_to_detect_days = 0.0;
    let q = simulate(&p, &l);
    assert_eq!(q[0].distillation.gap_closure, 0.0);
    assert!(close(
        q[0].lead_months,
        q[0].lead_months_without_distillation
    ));
    // A challenger with more compute than the leader: the lead is negative, and distillation
    // (which copies the leader) does not change it.
    p.challenger_stock_2025 = 5000.0;
    l.distillation_detection_rate = 0.0;
    let q = simulate(&p, &l);
    assert!(q[0].lead_months < 0.0);
    assert!(close(
        q[0].lead_months,
        q[0].lead_months_without_distillation
    ));
}

fn levers_strategy() -> impl Strategy<Value = Levers> {
    (
        0.0..=1.0f64,
        0.0..=1.0f64,
        0.0..=1.0f64,
        0.0..=1.0f64,
        0.0..=365.0f64,
        0.0..=1.0f64,
    )
        .prop_map(|(a, b, c, d, e, f)| Levers {
            export_control_tightness: a,
            smuggling_interdiction: b,
            offshore_screening: c,
            distillation_detection_rate: d,
            distillation_time_to_detect_days: e,
            trusted_exports: f,
        })
}

/// A random point of the parameter space (every parameter inside its range).
fn params_strategy() -> impl Strategy<Value = ModelParams> {
    any::<u64>().prop_map(|seed| {
        let base = Params::preset("inaction").unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        sample_params(&base, &mut rng)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// More smuggling (a larger smuggling baseline) never increases the lead, in any quarter.
    #[test]
    fn more_smuggling_never_increases_the_lead(p in params_strategy(), l in levers_strategy(), f in 1.0..20.0f64) {
        let mut more = p;
        more.smuggled_chips_2024 *= f;
        let a = simulate(&p, &l);
        let b = simulate(&more, &l);
        for (x, y) in a.iter().zip(&b) {
            prop_assert!(y.lead_months <= x.lead_months + 1e-9, "{} -> {} at {}", x.lead_months, y.lead_months, x.quarter);
        }
    }

    /// More interdiction never reduces the lead, in any quarter.
    #[test]
    fn more_interdiction_never_reduces_the_lead(p in params_strategy(), l in levers_strategy(), i2 in 0.0..=1.0f64) {
        let mut lo = l;
        let mut hi = l;
        lo.smuggling_interdiction = l.smuggling_interdiction.min(i2);
        hi.smuggling_interdiction = l.smuggling_interdiction.max(i2);
        let a = simulate(&p, &lo);
        let b = simulate(&p, &hi);
        for (x, y) in a.iter().zip(&b) {
            prop_assert!(y.lead_months >= x.lead_months - 1e-9, "{} -> {} at {}", x.lead_months, y.lead_months, x.quarter);
        }
    }

    /// The other defensive levers are monotone too: screening, detection rate, faster detection.
    #[test]
    fn defensive_levers_never_reduce_the_lead(p in params_strategy(), l in levers_strategy()) {
        let base = simulate(&p, &l)[QUARTERS - 1].lead_months;
        let mut s = l; s.offshore_screening = 1.0;
        let mut d = l; d.distillation_detection_rate = 1.0;
        let mut t = l; t.distillation_time_to_detect_days = 0.0;
        for better in [s, d, t] {
            prop_assert!(simulate(&p, &better)[QUARTERS - 1].lead_months >= base - 1e-9);
        }
    }

    /// Every output is finite for any parameter point and any levers.
    #[test]
    fn outputs_are_finite(p in params_strategy(), l in levers_strategy()) {
        for q in simulate(&p, &l) {
            prop_assert!(q.lead_months.is_finite());
            prop_assert!(q.challenger.effective_compute > 0.0);
        }
    }
}
