//! Benchmark of one full `dose` computation with its uncertainty: parse the
//! example readings, fit (auto: mono + bi by AICc), S value, D₁, A₂ with caps,
//! and the 1000-replicate residual bootstrap. Target: < 10 ms.
//! Side-by-side with SciPy: `scripts/bench/dose.sh`.

use criterion::{Criterion, criterion_group, criterion_main};
use mibg_dosimetry::{DoseRequest, ReadingsOptions, assess, parse_readings};
use mibg_units::{Activity, Mass};
use std::hint::black_box;

const READINGS: &str = include_str!("../../../examples/dose/readings.csv");

fn full(c: &mut Criterion) {
    let req = DoseRequest::new(Mass::from_kg(20.0), Activity::from_mbq(8880.0));
    c.bench_function("dose_full_with_bootstrap_1000", |b| {
        b.iter(|| {
            let r = parse_readings(
                "readings.csv",
                black_box(READINGS),
                &ReadingsOptions::default(),
            )
            .unwrap();
            black_box(assess(&r, &req).unwrap())
        })
    });
    let mut no_boot = req.clone();
    no_boot.uncertainty = None;
    c.bench_function("dose_fit_and_plan_only", |b| {
        b.iter(|| {
            let r = parse_readings(
                "readings.csv",
                black_box(READINGS),
                &ReadingsOptions::default(),
            )
            .unwrap();
            black_box(assess(&r, &no_boot).unwrap())
        })
    });
}

criterion_group!(benches, full);
criterion_main!(benches);
