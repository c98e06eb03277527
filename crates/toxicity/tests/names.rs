//! The names printed for the CTCAE version and terms (a report that names the
//! wrong version or term misdescribes how a grade was obtained). Source:
//! CTCAE v5.0 term names as printed (docs/reference/toxicity.md §3).

use mibg_toxicity::{CtcaeVersion, Term};

#[test]
fn version_and_term_names_as_printed() {
    assert_eq!(CtcaeVersion::V5_0.to_string(), "CTCAE v5.0");
    assert_eq!(
        Term::NeutrophilCountDecreased.to_string(),
        "Neutrophil count decreased"
    );
    assert_eq!(
        Term::PlateletCountDecreased.to_string(),
        "Platelet count decreased"
    );
    assert_eq!(Term::Anemia.to_string(), "Anemia");
}

// "Baseline abnormal" = baseline > its ULN, strictly (docs/reference/toxicity.md §4):
// at the ULN it is normal; unknown without a ULN.
#[test]
fn baseline_abnormal_only_above_the_uln() {
    use mibg_toxicity::grading::Baseline;
    use mibg_toxicity::{Exact, LabUnit};
    let b = |v: &str, uln: Option<&str>| Baseline {
        value: Exact::parse_decimal(v).unwrap(),
        unit: LabUnit::parse("mg/dL").unwrap(),
        uln: uln.map(|u| Exact::parse_decimal(u).unwrap()),
    };
    assert_eq!(b("1.2", Some("1.2")).is_abnormal(), Some(false));
    assert_eq!(b("1.1", Some("1.2")).is_abnormal(), Some(false));
    assert_eq!(b("1.21", Some("1.2")).is_abnormal(), Some(true));
    assert_eq!(b("5", None).is_abnormal(), None);
}
