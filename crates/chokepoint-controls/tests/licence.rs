//! Licence determination by destination, headquarters and end use, with the rule cited and
//! the data version and date that answered.

use chokepoint_controls::rules::{determine_licence, LicenceQuery, Rules};
use chrono::NaiveDate;

fn ask(
    eccn: &str,
    dest: &str,
    hq: Option<&str>,
    end_use: Option<&str>,
) -> chokepoint_controls::LicenceDecision {
    let rules = Rules::builtin().unwrap();
    determine_licence(
        &rules,
        &LicenceQuery {
            eccn: eccn.into(),
            destination: dest.into(),
            end_user_hq: hq.map(Into::into),
            end_use: end_use.map(Into::into),
            date: NaiveDate::from_ymd_opt(2026, 6, 1),
        },
    )
    .unwrap()
}

#[test]
fn destinations() {
    // D:5 and Macau: licence, presumption of denial, no ACA.
    for d in ["CN", "MO", "HK", "RU"] {
        let a = ask("3A090.a", d, None, None);
        assert!(a.licence_required, "{d}");
        assert!(
            a.review_policy.as_deref().unwrap().contains("denial"),
            "{d}: {:?}",
            a.review_policy
        );
        assert!(!a.exceptions.iter().any(|e| e.code == "ACA"), "{d}");
    }
    // D:1/D:4 but not D:5: licence, case-by-case, ACA and NAC offered.
    for d in ["AE", "SA", "VN", "KZ"] {
        let a = ask("4A090.a", d, None, None);
        assert!(a.licence_required, "{d}");
        assert!(
            a.review_policy
                .as_deref()
                .unwrap()
                .starts_with("case-by-case"),
            "{d}"
        );
        assert!(a.exceptions.iter().any(|e| e.code == "ACA"), "{d}");
        assert!(a.exceptions.iter().any(|e| e.code == "NAC"), "{d}");
        assert!(
            a.reasons.iter().any(|r| r.citation.contains("742.6")),
            "{d}"
        );
    }
    // Israel is D:4 but also A:6: excluded. Allies and hubs: no licence.
    for d in ["IL", "DE", "JP", "SG", "MY", "GB"] {
        let a = ask("3A090.a", d, None, None);
        assert!(!a.licence_required, "{d}: {:?}", a.reasons);
    }
    // Not an advanced-computing ECCN: no licence to China under these rules; embargo still bites.
    assert!(!ask("EAR99", "CN", None, None).licence_required);
    let ir = ask("EAR99", "IR", None, None);
    assert!(ir.licence_required);
    assert!(ir.exceptions.is_empty());
}

#[test]
fn headquarters_rule_applies_wherever_the_item_goes() {
    let a = ask("3A090.a", "MY", Some("CN"), None);
    assert!(a.licence_required);
    assert!(
        a.reasons.iter().any(|r| r.rule == "ac-headquarters"),
        "{:?}",
        a.reasons
    );
    assert!(a.review_policy.as_deref().unwrap().contains("denial"));
    assert!(!a.exceptions.iter().any(|e| e.code == "ACA"));
    let a = ask("3A090.a", "DE", Some("MO"), None);
    assert!(a.licence_required);
    let a = ask("3A090.a", "DE", Some("US"), None);
    assert!(!a.licence_required);
}

#[test]
fn end_use_rules() {
    let a = ask("3A090.a", "DE", None, Some("missile guidance simulation"));
    assert!(a.licence_required);
    assert!(a.exceptions.is_empty());
    assert!(a.reasons.iter().any(|r| r.citation.contains("744")));
    // Supercomputer end use matters only for D:5/Macau.
    assert!(!ask("3A090.a", "DE", None, Some("national supercomputer centre")).licence_required);
    assert!(ask("EAR99", "CN", None, Some("exascale supercomputer")).licence_required);
}

#[test]
fn answers_name_version_date_and_advisories() {
    let a = ask("3A090.a", "DE", None, None);
    assert_eq!(a.rules_version, "2026.11.1");
    assert_eq!(a.as_of, NaiveDate::from_ymd_opt(2026, 6, 1).unwrap());
    // On 2026-06-01 the affiliates rule was suspended.
    assert!(a
        .advisories
        .iter()
        .any(|r| r.rule == "affiliates-50" && r.text.starts_with("suspended")));
    // Before the Oct 2023 rule took effect, no advanced-computing destination rule applied.
    let rules = Rules::builtin().unwrap();
    let old = determine_licence(
        &rules,
        &LicenceQuery {
            eccn: "3A090.a".into(),
            destination: "SA".into(),
            date: NaiveDate::from_ymd_opt(2023, 1, 1),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(!old.licence_required);
}
