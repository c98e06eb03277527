//! The sign rules of protocol values (crates/protocol/src/wire.rs): a value
//! that may be 0 ("0 = none", docs/reference/dosimetry.md §6.4 for the minimum
//! worthwhile activity) is accepted at 0 and refused below it with the rule
//! named; a value that must be positive is refused at 0.

use mibg_protocol::{Protocol, SEED_TOML};

fn with(replace: &str, by: &str) -> Result<Protocol, String> {
    assert!(SEED_TOML.contains(replace), "{replace}");
    Protocol::from_toml(&SEED_TOML.replacen(replace, by, 1), "protocol.toml")
        .map_err(|e| e.to_string())
}

#[test]
fn non_negative_values_accept_zero_and_refuse_below_it() {
    for (line, key) in [
        ("overshoot_margin_gy = 0.5", "infusion2.overshoot_margin_gy"),
        (
            "min_worthwhile_activity_mbq = 1000.0",
            "infusion2.min_worthwhile_activity_mbq",
        ),
        (
            "max_bootstrap_failure_share = 0.10",
            "plausibility.max_bootstrap_failure_share",
        ),
    ] {
        let name = line.split(" =").next().unwrap();
        assert!(with(line, &format!("{name} = 0")).is_ok(), "{key} = 0");
        let e = with(line, &format!("{name} = -0.5")).unwrap_err();
        assert!(e.contains(&format!("{key} = -0.5: must be >= 0")), "{e}");
    }
    let p = with("overshoot_margin_gy = 0.5", "overshoot_margin_gy = 0").unwrap();
    assert_eq!(p.infusion2.overshoot_margin.gy(), 0.0);
}

#[test]
fn positive_values_refuse_zero_and_the_largest_number_is_implausible() {
    let e = with("dose_mg_per_m2 = 110.0", "dose_mg_per_m2 = 0").unwrap_err();
    assert!(
        e.contains("melphalan.dose_mg_per_m2 = 0: must be > 0"),
        "{e}"
    );
    let e = with(
        "dose_mg_per_m2 = 110.0",
        "dose_mg_per_m2 = 1.7976931348623157e308",
    )
    .unwrap_err();
    assert!(e.contains("is implausible"), "{e}");
}
