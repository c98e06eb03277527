//! Criterion benchmark of the Cox fit (Efron, 3 covariates) on synthetic
//! cohorts of 10⁴, 10⁵ and 10⁶ subjects: `cargo bench -p mibg-stats`.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mibg_stats::cox::{self, CoxOptions};
use nalgebra::DMatrix;

/// Deterministic synthetic cohort (xorshift64*), exponential event times with
/// log hazard 0.5·group + 0.02·age − 0.3·marker, uniform censoring.
fn cohort(n: usize) -> (Vec<f64>, Vec<bool>, DMatrix<f64>) {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut unif = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        ((state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut times = Vec::with_capacity(n);
    let mut events = Vec::with_capacity(n);
    let mut x = DMatrix::zeros(n, 3);
    for i in 0..n {
        let group = if unif() < 0.5 { 1.0 } else { 0.0 };
        let age = 1.0 + 14.0 * unif();
        let marker = unif() * 4.0 - 2.0;
        let rate = 0.01 * (0.5 * group + 0.02 * age - 0.3 * marker).exp();
        let t = -unif().ln() / rate;
        let c = 365.0 * unif() * 3.0;
        // Whole days, so that tied times occur as in real data.
        times.push(t.min(c).ceil());
        events.push(t <= c);
        x[(i, 0)] = group;
        x[(i, 1)] = age;
        x[(i, 2)] = marker;
    }
    (times, events, x)
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("cox_efron_3cov");
    g.sample_size(10);
    for n in [10_000usize, 100_000, 1_000_000] {
        let (t, e, x) = cohort(n);
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                cox::fit(
                    &t,
                    &e,
                    &x,
                    &["group", "age", "marker"],
                    &CoxOptions::default(),
                )
                .expect("fit")
            });
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
