//! Criterion benchmark of the survival-CSV parser on a synthetic 10⁶-row
//! cohort held in memory (the columns of `scripts/bench/cohort_gen.py`):
//! `cargo bench -p mibg-stats --bench survdata`. Parses time, event, the
//! group and three covariates, as `mibg survival --group group
//! --covariates age,stage,marker` does.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mibg_stats::survdata::{ColumnSpec, parse_csv};
use std::fmt::Write;
use std::hint::black_box;

/// Deterministic text (xorshift64*): whole-day times, 0/1 events and groups,
/// age with 1 decimal, stage 1–4, marker with 3 decimals.
fn cohort_text(n: usize) -> String {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut unif = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        ((state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut s = String::with_capacity(n * 24);
    s.push_str("time,event,group,age,stage,marker\n");
    for _ in 0..n {
        let time = (1.0 + 1800.0 * unif()).floor();
        let event = u8::from(unif() < 0.4);
        let group = u8::from(unif() < 0.5);
        let age = 1.0 + 14.0 * unif();
        let stage = 1 + (unif() * 4.0) as u8;
        let marker = unif() * 4.0 - 2.0;
        writeln!(s, "{time},{event},{group},{age:.1},{stage},{marker:.3}").unwrap();
    }
    s
}

fn bench(c: &mut Criterion) {
    let n = 1_000_000;
    let text = cohort_text(n);
    let spec = ColumnSpec {
        time: "time".into(),
        event: "event".into(),
        group: Some("group".into()),
        covariates: vec!["age".into(), "stage".into(), "marker".into()],
        weight: None,
        strata: None,
    };
    let mut g = c.benchmark_group("survival_csv");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("parse_1e6_rows", |b| {
        b.iter(|| {
            let d = parse_csv(black_box(&text), "cohort.csv", &spec).unwrap();
            assert_eq!(d.time.len(), n);
            d
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
