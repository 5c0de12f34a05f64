//! Both presets reproduce the paper's scenarios from the documented model: `defend` keeps a
//! 12-24 month lead in 2028, `inaction` leaves 3 months or less, as a point estimate and as the
//! Monte Carlo median.

use chokepoint_core::NoProgress;
use chokepoint_scenario::{monte_carlo, run, Params};

#[test]
fn defend_keeps_a_12_to_24_month_lead() {
    let p = Params::preset("defend").unwrap();
    let r = run(&p);
    eprintln!(
        "defend leads: {:?}",
        r.quarters
            .iter()
            .map(|q| (q.lead_months * 10.0).round() / 10.0)
            .collect::<Vec<_>>()
    );
    assert!(
        (12.0..=24.0).contains(&r.lead_2028_months),
        "point {}",
        r.lead_2028_months
    );
    let mc = monte_carlo(&p, 10_000, 1, &NoProgress);
    eprintln!("defend mc: {:?}", mc.lead_2028_months);
    assert!(
        (12.0..=24.0).contains(&mc.lead_2028_months.p50),
        "median {:?}",
        mc.lead_2028_months
    );
}

#[test]
fn inaction_leaves_three_months_or_less() {
    let p = Params::preset("inaction").unwrap();
    let r = run(&p);
    eprintln!(
        "inaction leads: {:?}",
        r.quarters
            .iter()
            .map(|q| (q.lead_months * 10.0).round() / 10.0)
            .collect::<Vec<_>>()
    );
    assert!(r.lead_2028_months <= 3.0, "point {}", r.lead_2028_months);
    let mc = monte_carlo(&p, 10_000, 1, &NoProgress);
    eprintln!("inaction mc: {:?}", mc.lead_2028_months);
    assert!(
        mc.lead_2028_months.p50 <= 3.0,
        "median {:?}",
        mc.lead_2028_months
    );
}

#[test]
fn presets_start_from_the_same_world() {
    // The scenarios differ by levers only: the 2025 stocks are equal.
    let d = run(&Params::preset("defend").unwrap());
    let i = run(&Params::preset("inaction").unwrap());
    assert_eq!(d.parameters, i.parameters);
    assert_eq!(
        d.quarters[0].leader.stock_initial,
        i.quarters[0].leader.stock_initial
    );
    assert!(d.lead_2028_months > i.lead_2028_months + 9.0);
}

#[test]
fn monte_carlo_is_deterministic_per_seed() {
    let p = Params::preset("inaction").unwrap();
    let a = monte_carlo(&p, 3_000, 42, &NoProgress);
    let b = monte_carlo(&p, 3_000, 42, &NoProgress);
    let c = monte_carlo(&p, 3_000, 43, &NoProgress);
    assert_eq!(a, b);
    assert_ne!(a.lead_2028_months, c.lead_2028_months);
    let l = a.lead_2028_months;
    assert!(l.p5 <= l.p50 && l.p50 <= l.p95);
}
