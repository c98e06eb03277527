//! Cox fit of a CSV file, for the Cox-only side-by-side benchmark
//! (`scripts/bench/survival.sh --cox-only`) until `mibg survival` is used.
//!
//! ```sh
//! cargo run --release -p mibg-stats --example cox_csv -- DATA.csv OUT.json time event age,stage,marker
//! ```
//!
//! Reads a numeric CSV with a header (no missing cells; the rules of every
//! mibg table, through `mibg_stats::survdata`), fits Cox (Efron)
//! with Harrell's C and writes the fit as JSON. The statistics crate itself
//! does no I/O; this example is the thin I/O shell.

use mibg_stats::cox::{self, CoxOptions};
use mibg_stats::survdata::{ColumnSpec, parse_csv};
use nalgebra::DMatrix;
use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data, out, time, event, covariates] = args.as_slice() else {
        return Err("usage: cox_csv DATA.csv OUT.json TIME EVENT COV1,COV2,...".into());
    };
    let text = std::fs::read_to_string(data)?;
    let names: Vec<&str> = covariates.split(',').collect();
    let spec = ColumnSpec {
        time: time.clone(),
        event: event.clone(),
        group: None,
        covariates: names.iter().map(|s| s.to_string()).collect(),
        weight: None,
        strata: None,
    };
    let d = parse_csv(&text, data, &spec)?;
    drop(text);
    if d.n_dropped_missing > 0 || d.covariates.iter().any(|c| c.missing.contains(&true)) {
        return Err(format!("{data}: missing cells (this example needs complete data)").into());
    }
    let times: Vec<f64> = d.time.iter().map(|t| t.value()).collect();
    let n = times.len();
    let x = DMatrix::from_iterator(
        n,
        names.len(),
        d.covariates.into_iter().flat_map(|c| c.values),
    );
    let fit = cox::fit(&times, &d.event, &x, &names, &CoxOptions::default())?;
    std::fs::write(out, serde_json::to_string(&fit)?)?;
    Ok(())
}
