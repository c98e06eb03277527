//! End-to-end tests of `mibg convert`.
mod common;
use common::*;

#[test]
fn twelve_mci_per_kg_is_444_mbq_per_kg() {
    // Seed protocol: 444 MBq/kg (12 mCi/kg); 12 × 37 = 444 by hand.
    assert_eq!(
        ok(&["convert", "12", "mCi/kg"]),
        "444.000 MBq/kg = 12.0000 mCi/kg\n"
    );
}

#[test]
fn gbq_to_all_units_json() {
    let v: serde_json::Value =
        serde_json::from_str(&ok(&["convert", "3.7", "GBq", "--json"])).unwrap();
    assert_eq!(v["mbq"], 3700.0);
    assert_eq!(v["mci"], 100.0);
}

#[test]
fn unknown_unit_and_negative_value_are_errors() {
    assert!(fails(&["convert", "1", "Ci"]).contains("unit 'ci'"));
    assert!(fails(&["convert", "--", "-1", "MBq"]).contains("≥ 0"));
}
