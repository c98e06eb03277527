//! The names of the proportion CI methods: what `--ci-method` accepts and
//! what a report prints to say which interval it used (a report that names
//! the wrong method misdescribes its own numbers; docs/reference/statistics.md §1).

use mibg_stats::proportion::{Method, UnknownMethod};

/// Each method, its printed name and its label, written out by hand.
const NAMES: [(Method, &str, &str); 7] = [
    (
        Method::ClopperPearson,
        "clopper-pearson",
        "Clopper–Pearson (exact)",
    ),
    (Method::Wilson, "wilson", "Wilson (score)"),
    (
        Method::WilsonCc,
        "wilson-cc",
        "Wilson, continuity-corrected",
    ),
    (Method::Wald, "wald", "Wald (normal approximation)"),
    (Method::WaldCc, "wald-cc", "Wald, continuity-corrected"),
    (Method::AgrestiCoull, "agresti-coull", "Agresti–Coull"),
    (Method::Jeffreys, "jeffreys", "Jeffreys"),
];

#[test]
fn each_method_prints_its_own_name_and_reads_it_back() {
    assert_eq!(Method::ALL.len(), NAMES.len());
    for (m, name, label) in NAMES {
        assert_eq!(m.to_string(), name);
        assert_eq!(m.name(), name);
        assert_eq!(m.label(), label);
        assert_eq!(name.parse::<Method>(), Ok(m));
        // Case and '_' for '-' are forgiven.
        assert_eq!(
            name.to_uppercase().replace('-', "_").parse::<Method>(),
            Ok(m)
        );
    }
}

#[test]
fn the_usual_other_names_are_understood() {
    // "exact" and "cp" are the usual names of the Clopper–Pearson interval
    // (it inverts the binomial test; "beta": its limits are beta quantiles),
    // "normal" that of the Wald interval (the normal approximation).
    for alias in ["exact", "cp", "beta", "Exact", "CP"] {
        assert_eq!(
            alias.parse::<Method>(),
            Ok(Method::ClopperPearson),
            "{alias}"
        );
    }
    assert_eq!("normal".parse::<Method>(), Ok(Method::Wald));
    assert_eq!("NORMAL".parse::<Method>(), Ok(Method::Wald));
}

#[test]
fn an_unknown_name_is_refused_with_the_list() {
    let e = "score".parse::<Method>().unwrap_err();
    assert_eq!(e, UnknownMethod("score".into()));
    assert_eq!(
        e.to_string(),
        "unknown proportion CI method 'score': expected one of clopper-pearson, wilson, wilson-cc, wald, wald-cc, agresti-coull, jeffreys"
    );
    assert!("".parse::<Method>().is_err());
}
