//! `mibg score siopen|curie LIST`: a quick, validated MIBG score total from
//! comma-separated segment scores in canonical order (`NE` = not assessable).

use crate::output::print_json;
use anyhow::Result;
use mibg_response::score::{MibgMethod, MibgScore, ScoreTotal, SegmentScore};
use serde::Serialize;
use std::io::Write;

/// Scoring method on the command line.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum Method {
    /// SIOPEN: 12 segments, each 0–6 (skull, thoracic cage, proximal/distal
    /// right/left upper limbs, spine, pelvis, proximal/distal right/left lower limbs).
    Siopen,
    /// Curie: 9 skeletal segments + soft tissue, each 0–3 (head, cervical+thoracic
    /// spine, ribs+sternum, lumbar+sacral spine, pelvis, upper arms, forearms+hands,
    /// femurs, lower legs+feet, soft tissue).
    Curie,
}

/// Arguments of `mibg score`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The scoring method.
    #[arg(value_enum)]
    method: Method,
    /// Segment scores in canonical order, comma-separated, `NE` for a segment
    /// that is not assessable (e.g. `2,1,0,0,0,0,3,3,1,0,0,0`).
    #[arg(allow_hyphen_values = true)]
    scores: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Json<'a> {
    method: MibgMethod,
    segments: Vec<Seg<'a>>,
    skeletal: ScoreTotal,
    skeletal_max: u32,
    total: ScoreTotal,
    total_max: u32,
    not_assessable: Vec<&'a str>,
}

#[derive(Serialize)]
struct Seg<'a> {
    segment: &'a str,
    score: SegmentScore,
}

fn range(t: ScoreTotal, max: u32) -> String {
    match t.exact() {
        Some(v) => format!("{v} / {max}"),
        None => format!("between {} and {} / {max}", t.min, t.max),
    }
}

/// Runs the command.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<()> {
    let method = match args.method {
        Method::Siopen => MibgMethod::Siopen,
        Method::Curie => MibgMethod::Curie,
    };
    let score = MibgScore::parse_list(method, &args.scores)?;
    let seg_max = u32::from(method.segment_max());
    let skeletal_max = seg_max * method.skeletal_segments() as u32;
    let total_max = seg_max * method.segments().len() as u32;
    if args.json {
        return print_json(
            out,
            &Json {
                method,
                segments: score
                    .segments()
                    .map(|(segment, score)| Seg { segment, score })
                    .collect(),
                skeletal: score.skeletal(),
                skeletal_max,
                total: score.total(),
                total_max,
                not_assessable: score.not_assessable(),
            },
        );
    }
    match method {
        MibgMethod::Siopen => writeln!(
            out,
            "SIOPEN skeletal score: {}",
            range(score.skeletal(), skeletal_max)
        )?,
        MibgMethod::Curie => writeln!(
            out,
            "Curie score: skeletal {}, total {} (with soft tissue)",
            range(score.skeletal(), skeletal_max),
            range(score.total(), total_max)
        )?,
    }
    for (name, s) in score.segments() {
        writeln!(out, "  {name:<26} {s}")?;
    }
    let ne = score.not_assessable();
    if !ne.is_empty() {
        writeln!(
            out,
            "not assessable: {} (each counted as 0 to {seg_max} in the range)",
            ne.join(", ")
        )?;
    }
    Ok(())
}
