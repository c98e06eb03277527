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
