//! Tests of `design` against R clinfun / rpact, exact rational re-checks and
//! Simon (1989) rows from a secondary source (tests/data/design/README.md).

use super::*;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/design")
        .join(rel)
}

/// Rows of a simple comma-separated file with a header, as maps.
fn read_csv(rel: &str) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(data(rel)).expect(rel);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            header
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn f(row: &BTreeMap<String, String>, key: &str) -> f64 {
    row[key]
        .parse()
        .unwrap_or_else(|_| panic!("{key} in {row:?}"))
}

fn u(row: &BTreeMap<String, String>, key: &str) -> u32 {
    row[key]
        .parse()
        .unwrap_or_else(|_| panic!("{key} in {row:?}"))
}

fn hyp(row: &BTreeMap<String, String>) -> BinaryHypotheses {
    BinaryHypotheses::new(
        f(row, "p0"),
        f(row, "p1"),
        f(row, "alpha"),
        1.0 - f(row, "beta"),
    )
    .unwrap()
}

fn key(row: &BTreeMap<String, String>) -> String {
    format!(
        "{} {} {} {}",
        row["p0"], row["p1"], row["alpha"], row["beta"]
    )
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-300)
}

fn same_rule(d: &TwoStageDesign, row: &BTreeMap<String, String>) -> bool {
    (d.r1, d.n1, d.r, d.n) == (u(row, "r1"), u(row, "n1"), u(row, "r"), u(row, "n"))
}

/// Every minimax, admissible and optimal design printed by R clinfun 1.1.6
/// on the grid of Simon (1989) Tables 1–2: identical integers, EN(p₀) and
/// PET(p₀) to 1e-9, the weights q to clinfun's 3 decimals.
#[test]
fn simon_matches_clinfun_on_simons_grid() {
    let rows = read_csv("simon/clinfun.csv");
    let mut groups: BTreeMap<String, Vec<&BTreeMap<String, String>>> = BTreeMap::new();
    for row in &rows {
        groups.entry(key(row)).or_default().push(row);
    }
    assert_eq!(groups.len(), 48);
    for (k, group) in groups {
        let s = simon_two_stage(&hyp(group[0]), 300).unwrap();
        let mm = group.iter().find(|r| r["kind"] == "minimax").unwrap();
        let opt = group.iter().find(|r| r["kind"] == "optimal").unwrap();
        assert!(same_rule(&s.minimax, mm), "{k}: minimax {:?}", s.minimax);
        assert!(same_rule(&s.optimal, opt), "{k}: optimal {:?}", s.optimal);
        // clinfun lists minimax, admissible…, optimal, n ascending; when the
        // minimax is also optimal it prints it twice.
        let expected: Vec<_> = if s.minimax == s.optimal {
            vec![group[0]]
        } else {
            group.clone()
        };
        assert_eq!(
            s.admissible.len(),
            expected.len(),
            "{k}: {:?}",
            s.admissible
        );
        for (a, row) in s.admissible.iter().zip(&expected) {
            assert!(
                same_rule(&a.design, row),
                "{k}: admissible {:?} vs {row:?}",
                a.design
            );
            assert!(
                (a.design.at_p0.expected_n - f(row, "en_p0")).abs() < 1e-9,
                "{k}"
            );
            assert!(
                (a.design.at_p0.early_termination - f(row, "pet_p0")).abs() < 1e-9,
                "{k}"
            );
            if s.minimax != s.optimal {
                assert!(
                    (a.q_low - f(row, "q_low")).abs() <= 5e-4,
                    "{k}: q_low {}",
                    a.q_low
                );
                assert!(
                    (a.q_high - f(row, "q_high")).abs() <= 5e-4,
                    "{k}: q_high {}",
                    a.q_high
                );
            }
            assert!(a.design.at_p0.reject <= s.hypotheses.alpha());
            assert!(a.design.at_p1.reject >= s.hypotheses.power());
        }
        assert!(s.search.n_upper >= s.optimal.n, "{k}");
    }
}

/// The same designs' probabilities against exact rational arithmetic
/// (Python `fractions`), 1e-12 relative.
#[test]
fn simon_probabilities_match_exact_rationals() {
    for row in read_csv("simon/clinfun-exact.csv") {
        let d = TwoStageDesign::evaluate(
            &hyp(&row),
            u(&row, "r1"),
            u(&row, "n1"),
            u(&row, "r"),
            u(&row, "n"),
        );
        for (got, want) in [
            (d.at_p0.reject, "type_i"),
            (d.at_p1.reject, "power"),
            (d.at_p0.early_termination, "pet_p0"),
            (d.at_p0.expected_n, "en_p0"),
        ] {
            assert!(close(got, f(&row, want), 1e-12), "{want}: {got} vs {row:?}");
        }
        // PET and EN under p1 by their definitions
        assert!(close(
            d.at_p1.expected_n,
            f64::from(d.n1) + (1.0 - d.at_p1.early_termination) * f64::from(d.n - d.n1),
            1e-15
        ));
    }
}

/// Simon (1989) Table 1 optimal designs for α = 0.05, β = 0.20 (secondary
/// source: tests/data/design/README.md).
#[test]
fn simon_matches_published_optimal_designs() {
    for row in read_csv("simon/published.csv") {
        let s = simon_two_stage(&hyp(&row), 300).unwrap();
        assert!(same_rule(&s.optimal, &row), "{:?} vs {row:?}", s.optimal);
    }
}

/// Hand example (Simon 1989 Table 1, p0 = 0.1, p1 = 0.3, α = 0.05, β = 0.2):
/// optimal 1/10, 5/29 with EN(p₀) 15.0 and PET(p₀) 0.74; minimax 1/15, 5/25
/// with EN(p₀) 19.5 and PET(p₀) 0.55.
#[test]
fn simon_hand_example() {
    let h = BinaryHypotheses::new(0.1, 0.3, 0.05, 0.8).unwrap();
    let s = simon_two_stage(&h, 100).unwrap();
    assert_eq!(
        (s.optimal.r1, s.optimal.n1, s.optimal.r, s.optimal.n),
        (1, 10, 5, 29)
    );
    assert_eq!(
        (s.minimax.r1, s.minimax.n1, s.minimax.r, s.minimax.n),
        (1, 15, 5, 25)
    );
    // PET(p₀) = P(X₁ ≤ 1), X₁ ~ Bin(10, 0.1) = 0.9¹⁰ + 10·0.1·0.9⁹
    let pet = 0.9f64.powi(10) + 0.9f64.powi(9);
    assert!((s.optimal.at_p0.early_termination - pet).abs() < 1e-14);
    assert!((s.optimal.at_p0.expected_n - (10.0 + (1.0 - pet) * 19.0)).abs() < 1e-12);
    assert_eq!(s.admissible.first().unwrap().design, s.minimax);
    assert_eq!(s.admissible.last().unwrap().design, s.optimal);
    assert_eq!(s.search.n_lower, 2);
    assert_eq!(s.search.max_n, 100);
    assert!(s.search.stage_rules_evaluated > 0);
    assert!(s.warnings.is_empty());
}

/// Brute force without any pruning or bound, over every design with n up to
/// 20 beyond the search's own upper bound: the same minimax and optimal.
#[test]
fn simon_bounds_lose_nothing_against_brute_force() {
    for (p0, p1, alpha, power) in [
        (0.05, 0.25, 0.05, 0.8),
        (0.2, 0.4, 0.1, 0.9),
        (0.6, 0.8, 0.05, 0.8),
    ] {
        let h = BinaryHypotheses::new(p0, p1, alpha, power).unwrap();
        let s = simon_two_stage(&h, 300).unwrap();
        let mut b0 = Binomials::new(p0);
        let mut b1 = Binomials::new(p1);
        let mut best_en: Option<(f64, u32)> = None;
        let mut min_n: Option<(u32, f64)> = None;
        for n in 2..=(s.search.n_upper + 20) {
            for n1 in 1..n {
                for r1 in 0..n1 {
                    // E(N | p0) does not depend on r: when it can improve
                    // neither optimum below (both updates need a strict
                    // improvement), no r can, so the r loop is skipped.
                    // This only saves time (the test took ~15 s): the same
                    // candidates update the same optima as the full loop.
                    b0.ensure(n1 as usize);
                    let pet = b0.lower[n1 as usize][r1 as usize];
                    let en = f64::from(n1) + (1.0 - pet) * f64::from(n - n1);
                    let improves_en = best_en.is_none_or(|(e, _)| en < e);
                    let improves_n = min_n.is_none_or(|(m, e)| n < m || (n == m && en < e));
                    if !improves_en && !improves_n {
                        continue;
                    }
                    for r in r1..n {
                        // Power is computed only for designs within α
                        // (the same condition, evaluated lazily).
                        if reject_probability(&mut b0, r1, n1, r, n) <= alpha
                            && reject_probability(&mut b1, r1, n1, r, n) >= power
                        {
                            if best_en.is_none_or(|(e, _)| en < e) {
                                best_en = Some((en, n));
                            }
                            if min_n.is_none_or(|(m, e)| n < m || (n == m && en < e)) {
                                min_n = Some((n, en));
                            }
                        }
                    }
                }
            }
        }
        let (en, n) = best_en.unwrap();
        assert_eq!(s.optimal.n, n, "{p0} {p1}");
        assert!((s.optimal.at_p0.expected_n - en).abs() < 1e-12);
        let (n, en) = min_n.unwrap();
        assert_eq!(s.minimax.n, n);
        assert!((s.minimax.at_p0.expected_n - en).abs() < 1e-12);
    }
}

/// Weights: contiguous from 1 (minimax) down to 0 (optimal); each design is
/// the best of the admissible list for a q inside its range.
#[test]
fn admissible_weights_are_contiguous_and_minimise_the_loss() {
    let h = BinaryHypotheses::new(0.05, 0.25, 0.1, 0.9).unwrap();
    let s = simon_two_stage(&h, 200).unwrap();
    assert_eq!(s.admissible.len(), 4);
    assert_eq!(s.admissible[0].q_high, 1.0);
    assert_eq!(s.admissible[3].q_low, 0.0);
    for w in s.admissible.windows(2) {
        assert_eq!(w[0].q_low, w[1].q_high);
        assert!(w[0].design.n < w[1].design.n);
        assert!(w[0].design.at_p0.expected_n > w[1].design.at_p0.expected_n);
    }
    let loss = |d: &TwoStageDesign, q: f64| q * f64::from(d.n) + (1.0 - q) * d.at_p0.expected_n;
    for a in &s.admissible {
        let q = (a.q_low + a.q_high) / 2.0;
        for other in &s.admissible {
            assert!(loss(&a.design, q) <= loss(&other.design, q) + 1e-12);
        }
    }
}

/// A single frontier point: the minimax is also optimal, q from 0 to 1.
#[test]
fn minimax_equal_to_optimal_has_the_whole_weight_range() {
    // clinfun::ph2simon(0.8, 0.95, 0.05, 0.2) (its own comment on this case)
    let h = BinaryHypotheses::new(0.8, 0.95, 0.05, 0.8).unwrap();
    let s = simon_two_stage(&h, 200).unwrap();
    assert_eq!(s.minimax, s.optimal);
    assert_eq!(s.admissible.len(), 1);
    assert_eq!((s.admissible[0].q_low, s.admissible[0].q_high), (0.0, 1.0));
}

/// Several final critical values can meet both constraints; the largest is
/// reported, the range and a warning say so.
#[test]
fn a_range_of_final_critical_values_is_reported() {
    // Found by scanning Simon's grid for r_range[0] < r_range[1].
    let h = BinaryHypotheses::new(0.5, 0.7, 0.1, 0.9).unwrap();
    let s = simon_two_stage(&h, 200).unwrap();
    for d in [&s.optimal, &s.minimax] {
        let e = TwoStageDesign::evaluate(&h, d.r1, d.n1, d.r_range[0], d.n);
        assert!(e.at_p0.reject <= h.alpha() && e.at_p1.reject >= h.power());
        if d.r_range[0] > d.r1 {
            let below = TwoStageDesign::evaluate(&h, d.r1, d.n1, d.r_range[0] - 1, d.n);
            assert!(below.at_p0.reject > h.alpha());
        }
        if d.r_range[1] + 1 < d.n {
            let above = TwoStageDesign::evaluate(&h, d.r1, d.n1, d.r_range[1] + 1, d.n);
            assert!(above.at_p1.reject < h.power());
        }
    }
    let wide = [&s.optimal, &s.minimax]
        .iter()
        .filter(|d| d.r_range[0] < d.r_range[1])
        .count();
    assert_eq!(s.warnings.len(), wide);
}

#[test]
fn search_limits_are_errors_naming_max_n() {
    let h = BinaryHypotheses::new(0.1, 0.3, 0.05, 0.8).unwrap();
    let e = simon_two_stage(&h, 24).unwrap_err();
    assert_eq!(e, DesignError::NoDesign { max_n: 24 });
    assert_eq!(e.parameter(), "max-n");
    // minimax n = 25 is found but the optimal search needs more
    let e = simon_two_stage(&h, 30).unwrap_err();
    let DesignError::SearchTooLarge {
        max_n: 30,
        minimax_n: 25,
        needed,
    } = e
    else {
        panic!("{e:?}");
    };
    assert!(needed >= 29);
    assert!(e.to_string().contains("max-n = 30"), "{e}");
    assert!(simon_two_stage(&h, needed).is_ok());
    assert_eq!(
        single_stage(&h, 24).unwrap_err(),
        DesignError::NoDesign { max_n: 24 }
    );
    assert!(single_stage(&h, 25).is_ok());
}

/// clinfun::ph2single and the exact rational re-check: smallest n, the r
/// range, type I error and power, and the infeasible n just above.
#[test]
fn single_stage_matches_clinfun_and_exact_rationals() {
    let exact: BTreeMap<String, BTreeMap<String, String>> =
        read_csv("single-stage/clinfun-exact.csv")
            .into_iter()
            .map(|r| (key(&r), r))
            .collect();
    let rows = read_csv("single-stage/clinfun.csv");
    assert_eq!(rows.len(), 48);
    for row in rows {
        let d = single_stage(&hyp(&row), 1000).unwrap();
        let ex = &exact[&key(&row)];
        assert_eq!(d.n, u(&row, "n"), "{row:?}");
        assert!(
            d.r_range[0] <= u(&row, "r") && u(&row, "r") <= d.r_range[1],
            "{row:?}"
        );
        assert_eq!(d.r_range, [u(ex, "r_low"), u(ex, "r_high")]);
        assert_eq!(d.r, d.r_range[1]);
        assert!(close(d.type_i_error, f(ex, "type_i_at_r_high"), 1e-12));
        assert!(close(d.power, f(ex, "power_at_r_high"), 1e-12));
        let listed: Vec<u32> = ex["infeasible_n_up_to_n_plus_10"]
            .split_whitespace()
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(d.infeasible_above, listed, "{row:?}");
        assert_eq!(
            d.warnings.len(),
            usize::from(!listed.is_empty()) + usize::from(d.r_range[0] < d.r_range[1])
        );
    }
}

/// Hand example: p0 = 0.1, p1 = 0.3, α = 0.05, power 0.8 → n = 25, reject if
/// more than 5 respond; n = 28 has no valid r (clinfun::ph2single skips it).
#[test]
fn single_stage_hand_example() {
    let h = BinaryHypotheses::new(0.1, 0.3, 0.05, 0.8).unwrap();
    let d = single_stage(&h, 100).unwrap();
    assert_eq!((d.n, d.r, d.r_range), (25, 5, [5, 5]));
    assert_eq!(d.infeasible_above, vec![28]);
    // R: 1 - pbinom(5, 25, 0.1) = 0.03339994461149..., 1 - pbinom(5, 25, 0.3) = 0.8065115579...
    assert!((d.type_i_error - 0.033_399_944_611_495).abs() < 1e-13);
    assert!((d.power - 0.806_511_557_911_933).abs() < 1e-12);
}

#[test]
fn invalid_response_inputs_name_their_parameter() {
    let cases = [
        (BinaryHypotheses::new(0.0, 0.3, 0.05, 0.8), "p0"),
        (BinaryHypotheses::new(0.1, 1.0, 0.05, 0.8), "p1"),
        (BinaryHypotheses::new(f64::NAN, 0.3, 0.05, 0.8), "p0"),
        (BinaryHypotheses::new(0.3, 0.3, 0.05, 0.8), "p1"),
        (BinaryHypotheses::new(0.4, 0.3, 0.05, 0.8), "p1"),
        (BinaryHypotheses::new(0.1, 0.3, 0.0, 0.8), "alpha"),
        (BinaryHypotheses::new(0.1, 0.3, 0.51, 0.8), "alpha"),
        (BinaryHypotheses::new(0.1, 0.3, 0.05, 1.0), "power"),
        (BinaryHypotheses::new(0.1, 0.3, 0.05, 0.49), "power"),
    ];
    for (result, param) in cases {
        assert_eq!(result.unwrap_err().parameter(), param);
    }
    // boundaries that are allowed
    let h = BinaryHypotheses::new(0.1, 0.3, 0.5, 0.5).unwrap();
    assert_eq!((h.p0(), h.p1(), h.alpha(), h.power()), (0.1, 0.3, 0.5, 0.5));
    let e = BinaryHypotheses::new(0.3, 0.2, 0.05, 0.8).unwrap_err();
    assert!(
        e.to_string()
            .contains("p1 = 0.2 is not greater than p0 = 0.3"),
        "{e}"
    );
}

// --- survival -------------------------------------------------------------

fn surv_row(
    row: &BTreeMap<String, String>,
) -> (SurvivalHypotheses, EventFormula, ControlSurvival, Accrual) {
    let k = f(row, "allocation_ratio");
    // rpact's allocation ratio k = n_E/n_C as whole-patient shares
    let allocation = if k >= 1.0 {
        Allocation::new(k as u32, 1).unwrap()
    } else {
        Allocation::new(1, (1.0 / k).round() as u32).unwrap()
    };
    let sided = if row["sided"] == "1" {
        Sided::One
    } else {
        Sided::Two
    };
    let h = SurvivalHypotheses::new(
        f(row, "hazard_ratio"),
        f(row, "alpha"),
        sided,
        f(row, "power"),
        allocation,
    )
    .unwrap();
    let formula = if row["formula"] == "schoenfeld" {
        EventFormula::Schoenfeld
    } else {
        EventFormula::Freedman
    };
    let control = ControlSurvival::Median(SurvTime::new(f(row, "median_control")).unwrap());
    let acc = Accrual::new(
        SurvTime::new(f(row, "accrual")).unwrap(),
        SurvTime::new(f(row, "follow_up")).unwrap(),
    )
    .unwrap();
    (h, formula, control, acc)
}

/// R rpact 3.3.4 getSampleSizeSurvival: unrounded events and subjects to
/// 1e-9 relative, for both formulas, one- and two-sided, allocations 1:1, 2:1,
/// 3:1, 1:2, HR below and above 1, no additional follow-up.
#[test]
fn survival_matches_rpact() {
    let rows = read_csv("survival/rpact.csv");
    assert_eq!(rows.len(), 12);
    for row in rows {
        let (h, formula, control, acc) = surv_row(&row);
        let r = survival_patients(&h, formula, control, acc, EventProbability::Exact).unwrap();
        assert!(
            close(r.events.events_exact, f(&row, "events"), 1e-9),
            "{row:?}: {}",
            r.events.events_exact
        );
        assert!(
            close(r.patients_exact, f(&row, "patients"), 1e-9),
            "{row:?}: {}",
            r.patients_exact
        );
        assert_eq!(r.events.events, f(&row, "events").ceil() as u64);
        assert_eq!(r.events.formula, formula);
        // rounded plan: whole allocation blocks, enough for ⌈D⌉ expected events
        let block = u64::from(h.allocation().experimental + h.allocation().control);
        assert_eq!(r.patients % block, 0);
        assert!(r.patients as f64 * r.event_probability >= r.events.events as f64);
        assert!((r.patients - block) as f64 * r.event_probability < r.events.events as f64);
        assert_eq!(r.control.patients + r.experimental.patients, r.patients);
        assert_eq!(
            r.experimental.patients * u64::from(h.allocation().control),
            r.control.patients * u64::from(h.allocation().experimental)
        );
        let expected = r.control.expected_events + r.experimental.expected_events;
        assert!(close(
            expected,
            r.patients as f64 * r.event_probability,
            1e-12
        ));
        assert!(close(
            r.accrual_rate,
            r.patients as f64 / f(&row, "accrual"),
            1e-15
        ));
        assert!(close(r.control.median, f(&row, "median_control"), 1e-12));
        assert!(close(
            r.experimental.hazard,
            h.hazard_ratio() * r.control.hazard,
            1e-15
        ));
    }
}

/// Schoenfeld (1983)'s Simpson rule and the exact integral, against plain
/// Python (statistics.NormalDist), 1e-9 relative.
#[test]
fn survival_simpson_matches_python() {
    for row in read_csv("survival/simpson.csv") {
        let (h, formula, control, acc) = surv_row(&row);
        let exact = survival_patients(&h, formula, control, acc, EventProbability::Exact).unwrap();
        let simpson =
            survival_patients(&h, formula, control, acc, EventProbability::Simpson).unwrap();
        assert!(close(
            exact.events.events_exact,
            f(&row, "events_python"),
            1e-9
        ));
        assert!(close(
            exact.event_probability,
            f(&row, "p_event_exact"),
            1e-9
        ));
        assert!(
            close(simpson.event_probability, f(&row, "p_event_simpson"), 1e-9),
            "{row:?}"
        );
        assert!(close(
            simpson.patients_exact,
            f(&row, "patients_simpson"),
            1e-9
        ));
        assert_eq!(simpson.event_probability_method, EventProbability::Simpson);
    }
}

/// Hand calculation: HR 0.6, two-sided α 0.05, power 0.8, 1:1 —
/// D = 4(1.959964 + 0.841621)²/ln(0.6)² = 120.3157, Freedman
/// 4·… no: (1.6/0.4)²(z sum)² = 16 × 7.848879 = 125.582.
#[test]
fn survival_events_hand_calculation() {
    let h = SurvivalHypotheses::new(0.6, 0.05, Sided::Two, 0.8, Allocation::new(1, 1).unwrap())
        .unwrap();
    let s = survival_events(&h, EventFormula::Schoenfeld);
    assert!((s.z_alpha - 1.959_963_984_540_054).abs() < 1e-12);
    assert!((s.z_beta - 0.841_621_233_572_914).abs() < 1e-12);
    let zz = (1.959_963_984_540_054f64 + 0.841_621_233_572_914).powi(2);
    assert!(close(s.events_exact, 4.0 * zz / 0.6f64.ln().powi(2), 1e-12));
    assert_eq!(s.events, 121);
    let fr = survival_events(&h, EventFormula::Freedman);
    assert!(close(fr.events_exact, 16.0 * zz, 1e-12));
    assert_eq!(fr.events, 126);
    let one = SurvivalHypotheses::new(0.6, 0.05, Sided::One, 0.8, Allocation::new(1, 1).unwrap())
        .unwrap();
    assert!(
        (survival_events(&one, EventFormula::Schoenfeld).z_alpha - 1.644_853_626_951_472).abs()
            < 1e-12
    );
    assert_eq!(EventFormula::default(), EventFormula::Schoenfeld);
    assert_eq!(EventProbability::default(), EventProbability::Exact);
}

/// P(event) by hand: λ = ln2/12, a = 24, f = 12: 1 − (0.5 − 0.125)/(24λ).
#[test]
fn event_probability_hand_calculation() {
    let acc = Accrual::new(SurvTime::new(24.0).unwrap(), SurvTime::new(12.0).unwrap()).unwrap();
    let lambda = std::f64::consts::LN_2 / 12.0;
    let p = event_probability(EventProbability::Exact, lambda, &acc);
    assert!(close(p, 1.0 - 0.375 / (24.0 * lambda), 1e-14));
    let s = event_probability(EventProbability::Simpson, lambda, &acc);
    let s_at = |t: f64| 0.5f64.powf(t / 12.0);
    assert!(close(
        s,
        1.0 - (s_at(12.0) + 4.0 * s_at(24.0) + s_at(36.0)) / 6.0,
        1e-14
    ));
    assert_eq!(
        (acc.accrual().value(), acc.follow_up().value()),
        (24.0, 12.0)
    );
}

#[test]
fn control_survival_specifications() {
    let t = |v| SurvTime::new(v).unwrap();
    let ln2 = std::f64::consts::LN_2;
    assert!(close(
        ControlSurvival::Median(t(12.0)).hazard().unwrap(),
        ln2 / 12.0,
        1e-15
    ));
    // 50 % at 12 is the same as a median of 12
    let landmark = ControlSurvival::Landmark {
        time: t(12.0),
        survival: 0.5,
    };
    assert!(close(landmark.hazard().unwrap(), ln2 / 12.0, 1e-15));
    assert_eq!(ControlSurvival::Hazard(0.05).hazard().unwrap(), 0.05);
    let bad = [
        ControlSurvival::Median(t(0.0)),
        ControlSurvival::Landmark {
            time: t(0.0),
            survival: 0.5,
        },
        ControlSurvival::Landmark {
            time: t(12.0),
            survival: 1.0,
        },
        ControlSurvival::Landmark {
            time: t(12.0),
            survival: 0.0,
        },
        ControlSurvival::Hazard(0.0),
        ControlSurvival::Hazard(f64::INFINITY),
    ];
    let names = [
        "median-control",
        "landmark-control",
        "landmark-control",
        "landmark-control",
        "hazard-control",
        "hazard-control",
    ];
    for (c, name) in bad.iter().zip(names) {
        assert_eq!(c.hazard().unwrap_err().parameter(), name, "{c:?}");
    }
}

#[test]
fn invalid_survival_inputs_name_their_parameter() {
    let a = Allocation::new(1, 1).unwrap();
    for hr in [0.0, 1.0, -0.5, f64::NAN, f64::INFINITY] {
        assert_eq!(
            SurvivalHypotheses::new(hr, 0.05, Sided::Two, 0.8, a)
                .unwrap_err()
                .parameter(),
            "hazard-ratio"
        );
    }
    assert_eq!(
        SurvivalHypotheses::new(0.7, 0.6, Sided::Two, 0.8, a)
            .unwrap_err()
            .parameter(),
        "alpha"
    );
    assert_eq!(
        SurvivalHypotheses::new(0.7, 0.05, Sided::Two, 1.2, a)
            .unwrap_err()
            .parameter(),
        "power"
    );
    assert_eq!(Allocation::new(0, 1).unwrap_err().parameter(), "allocation");
    assert_eq!(Allocation::new(2, 0).unwrap_err().parameter(), "allocation");
    let e = Accrual::new(SurvTime::ZERO, SurvTime::new(12.0).unwrap()).unwrap_err();
    assert_eq!(e.parameter(), "accrual");
    assert!(Allocation::new(2, 1).unwrap().ratio() == 2.0);
    assert!(close(
        Allocation::new(2, 1).unwrap().experimental_fraction(),
        2.0 / 3.0,
        1e-15
    ));
}

/// Few expected events: a warning.
#[test]
fn low_event_probability_warns() {
    let h = SurvivalHypotheses::new(0.7, 0.05, Sided::Two, 0.8, Allocation::new(1, 1).unwrap())
        .unwrap();
    let acc = Accrual::new(SurvTime::new(12.0).unwrap(), SurvTime::new(6.0).unwrap()).unwrap();
    let low = survival_patients(
        &h,
        EventFormula::Schoenfeld,
        ControlSurvival::Median(SurvTime::new(120.0).unwrap()),
        acc,
        EventProbability::Exact,
    )
    .unwrap();
    assert!(low.event_probability < 0.2);
    assert_eq!(low.warnings.len(), 1);
    let high = survival_patients(
        &h,
        EventFormula::Schoenfeld,
        ControlSurvival::Median(SurvTime::new(6.0).unwrap()),
        acc,
        EventProbability::Exact,
    )
    .unwrap();
    assert!(high.warnings.is_empty());
}

/// [`improves`]: more than [`TIE`] relative, ∞ beaten by anything finite.
#[test]
fn improvement_needs_more_than_the_tie_tolerance() {
    assert!(improves(100.0, f64::INFINITY));
    assert!(improves(100.0, 100.0 * (1.0 + 2.0 * TIE)));
    assert!(!improves(100.0, 100.0 * (1.0 + TIE / 10.0)));
    assert!(!improves(100.0, 100.0));
    let bound = 100.0;
    assert!(!improves(bound * (1.0 - TIE), bound));
    assert!(improves(bound * (1.0 - TIE) - 1e-9, bound));
}

#[test]
fn r_range_warning_only_for_several_values() {
    assert_eq!(r_range_warning("x: ", [5, 5]), None);
    let w = r_range_warning("optimal design: ", [4, 6]).unwrap();
    assert_eq!(
        w,
        "optimal design: every critical value r from 4 to 6 meets alpha and power; r = 6 (smallest type I error) is reported"
    );
}

/// The infeasible-n list covers n + 1 to n + 10 only: here n = 86 and n = 97
/// is also infeasible (found with exact binomial sums in Python), but it lies
/// outside the documented window.
#[test]
fn infeasible_window_is_ten_above_n() {
    let h = BinaryHypotheses::new(0.1, 0.2, 0.1, 0.9).unwrap();
    let d = single_stage(&h, 500).unwrap();
    assert_eq!(d.n, 86);
    assert!(!d.infeasible_above.is_empty());
    assert!(
        d.infeasible_above.iter().all(|&m| m > 86 && m <= 96),
        "{:?}",
        d.infeasible_above
    );
    let mut b0 = Binomials::new(0.1);
    let mut b1 = Binomials::new(0.2);
    assert!(single_stage_range(&h, &mut b0, &mut b1, 97).is_none());
}

#[test]
fn labels_name_the_method_and_source() {
    assert_eq!(
        EventFormula::Schoenfeld.label(),
        "Schoenfeld (Biometrika 1981; Biometrics 1983)"
    );
    assert_eq!(EventFormula::Freedman.label(), "Freedman (Stat Med 1982)");
    assert_eq!(
        EventProbability::Exact.label(),
        "exact exponential integral over uniform accrual"
    );
    assert_eq!(
        EventProbability::Simpson.label(),
        "Simpson's rule of Schoenfeld (Biometrics 1983)"
    );
}

/// The hull's tie rule at its boundary: a point whose slope from the current
/// vertex is smaller than the nearest point's by exactly the factor
/// 1 + [`TIE`] is a tie, so the nearest point stays a vertex (every design on
/// a straight stretch is listed); one smaller by more is a new hull edge that
/// skips the nearest point. Slopes by hand: (3 − 4)/(11 − 10) = −1 and
/// (4 − 2(1 + TIE) − 4)/(12 − 10) = −(1 + TIE), both exact in binary
/// floating point (the test checks that premise).
#[test]
fn admissible_hull_tie_is_inclusive_of_the_nearest_point() {
    let point = |n: u32, en0: f64| Candidate {
        r1: 0,
        n1: 0,
        r: 0,
        r_lo: 0,
        n,
        en0,
    };
    let t = 1.0 + TIE;
    let at_tie = 4.0 - 2.0 * t;
    assert_eq!((at_tie - 4.0) / 2.0, -t);
    let hull = admissible_hull(&[point(10, 4.0), point(11, 3.0), point(12, at_tie)]);
    let vertices: Vec<usize> = hull.iter().map(|v| v.0).collect();
    assert_eq!(vertices, [0, 1, 2]);
    // Weights: q between the first two vertices = ΔEN/(ΔEN − Δn) = −1/(−1 − 1).
    assert_eq!(hull[0].2, 1.0);
    assert_eq!(hull[0].1, 0.5);
    assert_eq!(hull[1].2, 0.5);
    assert_eq!(hull[2].1, 0.0);
    // Smaller by twice the tie: the middle point is above the hull.
    let beyond = 4.0 - 2.0 * (1.0 + 2.0 * TIE);
    let hull = admissible_hull(&[point(10, 4.0), point(11, 3.0), point(12, beyond)]);
    let vertices: Vec<usize> = hull.iter().map(|v| v.0).collect();
    assert_eq!(vertices, [0, 2]);
}
