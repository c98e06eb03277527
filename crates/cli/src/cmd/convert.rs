//! `mibg convert VALUE UNIT`: activity conversions (MBq, GBq, mCi, and the
//! per-kg forms), so that a physicist never converts by hand.

use crate::output::print_json;
use anyhow::{Result, bail};
use mibg_units::{Activity, ActivityPerMass};
use serde::Serialize;
use std::io::Write;

/// Arguments of `mibg convert`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The value to convert (finite, not negative).
    value: f64,
    /// Its unit: MBq, GBq, mCi, MBq/kg or mCi/kg (case-insensitive).
    unit: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Converted {
    Activity { mbq: f64, gbq: f64, mci: f64 },
    PerMass { mbq_per_kg: f64, mci_per_kg: f64 },
}

/// Runs the command.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    if !args.value.is_finite() || args.value < 0.0 {
        bail!("value {}: must be a finite number ≥ 0", args.value);
    }
    let converted = match args.unit.to_ascii_lowercase().as_str() {
        "mbq" => activity(Activity::from_mbq(args.value)),
        "gbq" => activity(Activity::from_gbq(args.value)),
        "mci" => activity(Activity::from_mci(args.value)),
        "mbq/kg" => per_mass(ActivityPerMass::from_mbq_per_kg(args.value)),
        "mci/kg" => per_mass(ActivityPerMass::from_mci_per_kg(args.value)),
        other => bail!("unit '{other}': expected one of MBq, GBq, mCi, MBq/kg, mCi/kg"),
    };
    let finite = match &converted {
        Converted::Activity { mbq, gbq, mci } => [*mbq, *gbq, *mci].iter().all(|v| v.is_finite()),
        Converted::PerMass {
            mbq_per_kg,
            mci_per_kg,
        } => mbq_per_kg.is_finite() && mci_per_kg.is_finite(),
    };
    if !finite {
        bail!(
            "value {:e} {}: too large to convert (the result exceeds the largest number, about 1.8e308)",
            args.value,
            args.unit
        );
    }
    if args.json {
        return print_json(out, &converted);
    }
    match converted {
        Converted::Activity { mbq, gbq, mci } => {
            writeln!(out, "{mbq:.3} MBq = {gbq:.6} GBq = {mci:.4} mCi")?
        }
        Converted::PerMass {
            mbq_per_kg,
            mci_per_kg,
        } => writeln!(out, "{mbq_per_kg:.3} MBq/kg = {mci_per_kg:.4} mCi/kg")?,
    }
    Ok(())
}

fn activity(a: Activity) -> Converted {
    Converted::Activity {
        mbq: a.mbq(),
        gbq: a.gbq(),
        mci: a.mci(),
    }
}

fn per_mass(p: ActivityPerMass) -> Converted {
    Converted::PerMass {
        mbq_per_kg: p.mbq_per_kg(),
        mci_per_kg: p.mci_per_kg(),
    }
}
