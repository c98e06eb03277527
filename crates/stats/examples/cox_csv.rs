//! Cox fit of a CSV file, for the Cox-only side-by-side benchmark
//! (`scripts/bench/survival.sh --cox-only`) until `mibg survival` is used.
//!
//! ```sh
//! cargo run --release -p mibg-stats --example cox_csv -- DATA.csv OUT.json time event age,stage,marker
//! ```
//!
//! Reads a numeric CSV with a header (no missing cells), fits Cox (Efron)
//! with Harrell's C and writes the fit as JSON. The statistics crate itself
//! does no I/O; this example is the thin I/O shell.

use mibg_stats::cox::{self, CoxOptions};
use nalgebra::DMatrix;
use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data, out, time, event, covariates] = args.as_slice() else {
        return Err("usage: cox_csv DATA.csv OUT.json TIME EVENT COV1,COV2,...".into());
    };
    let text = std::fs::read_to_string(data)?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().ok_or("empty file")?.split(',').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or_else(|| format!("{data}: no column '{name}'"))
    };
    let names: Vec<&str> = covariates.split(',').collect();
    let (it, ie) = (col(time)?, col(event)?);
    let ix = names
        .iter()
        .map(|n| col(n))
        .collect::<Result<Vec<_>, _>>()?;
    let mut times = Vec::new();
    let mut events = Vec::new();
    let mut xs: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    let mut fields: Vec<&str> = Vec::with_capacity(header.len());
    for (row, line) in lines.enumerate() {
        fields.clear();
        fields.extend(line.split(','));
        let num = |k: usize| -> Result<f64, String> {
            fields[k]
                .parse::<f64>()
                .map_err(|e| format!("{data} row {}, field '{}': {e}", row + 2, header[k]))
        };
        times.push(num(it)?);
        events.push(num(ie)? == 1.0);
        for (x, &k) in xs.iter_mut().zip(&ix) {
            x.push(num(k)?);
        }
    }
    drop(text);
    let n = times.len();
    let x = DMatrix::from_iterator(n, names.len(), xs.into_iter().flatten());
    let fit = cox::fit(&times, &events, &x, &names, &CoxOptions::default())?;
    std::fs::write(out, serde_json::to_string(&fit)?)?;
    Ok(())
}
