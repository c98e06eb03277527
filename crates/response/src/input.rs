//! Reading a patient's assessments from JSON or TOML text.
//!
//! Two steps: serde into wire structs that reject unknown fields (a typo is
//! an error, never silently ignored), then conversion to the domain types of
//! [`crate::record`] with semantic validation ([`PatientRecord::validate`]).
//! The format is documented in the README (`mibg response`) and exemplified
//! in `examples/response/`.

use crate::record::{
    Assessment, Bone, Catecholamines, Infiltration, Label, LesionKind, Marrow, MarrowSample,
    NewLesions, NonTarget, PatientRecord, Primary, RecordError, SampleKind, Side, SoftTissue,
    TargetLesion, Uptake,
};
use crate::score::{MibgMethod, MibgScore, SegmentInput, Tracer};
use jiff::civil::Date;
use mibg_units::Length;
use serde::Deserialize;
use std::collections::BTreeSet;

/// Text format of a record file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// JSON.
    Json,
    /// TOML.
    Toml,
}

impl Format {
    /// The format named by a file name's extension (`.json`, `.toml`,
    /// case-insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "json" => Some(Format::Json),
            "toml" => Some(Format::Toml),
            _ => None,
        }
    }
}

/// Errors reading a record.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The text is not valid JSON/TOML for the record schema (syntax, types,
    /// unknown or missing fields).
    #[error("{source_label}: {message}")]
    Syntax {
        /// Source label (file name).
        source_label: String,
        /// Parser message (with line/column).
        message: String,
        /// Line of the text where the parser stopped (1-based), when the
        /// parser gives one, so that callers can point at it without reading
        /// the message.
        line: Option<u64>,
    },
    /// A semantic rule is broken.
    #[error("{source_label}: {error}")]
    Record {
        /// Source label (file name).
        source_label: String,
        /// The error.
        error: RecordError,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileWire {
    patient: String,
    baseline: AssessmentWire,
    #[serde(default)]
    follow_up: Vec<AssessmentWire>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssessmentWire {
    date: Date,
    primary: Option<PrimaryWire>,
    soft_tissue: Option<SoftTissueWire>,
    mibg: Option<MibgWire>,
    fdg_avid_bone_lesions: Option<u32>,
    marrow: Option<Vec<SampleWire>>,
    #[serde(default)]
    new_lesions: NewLesionsWire,
    catecholamines: Option<Catecholamines>,
    positive_bone_sites: Option<u32>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum PrimaryStatus {
    Present,
    None,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PrimaryWire {
    status: PrimaryStatus,
    diameters_mm: Option<Vec<f64>>,
    uptake: Option<Uptake>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SoftTissueWire {
    #[serde(default)]
    targets: Vec<TargetWire>,
    non_target: NonTarget,
    uptake: Uptake,
    #[serde(default)]
    residual_biopsy_negative: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetWire {
    id: String,
    kind: LesionKind,
    diameter_mm: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MibgWire {
    method: MibgMethod,
    tracer: Tracer,
    segments: Segments,
}

/// Segment scores by name, in file order. A name given twice is an error:
/// JSON maps would otherwise keep the last value silently (TOML already
/// rejects duplicate keys).
struct Segments(Vec<(String, SegmentInput)>);

impl<'de> Deserialize<'de> for Segments {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Segments;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a table of segment name = score or \"NE\"")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Segments, A::Error> {
                let mut seen = BTreeSet::new();
                let mut v = Vec::new();
                while let Some((k, val)) = m.next_entry::<String, SegmentInput>()? {
                    if !seen.insert(k.clone()) {
                        return Err(serde::de::Error::custom(format!(
                            "mibg.segments: segment '{k}' given twice"
                        )));
                    }
                    v.push((k, val));
                }
                Ok(Segments(v))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SampleWire {
    kind: SampleKind,
    side: Side,
    tumour_pct: f64,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct NewLesionsWire {
    #[serde(default)]
    soft_tissue_avid: bool,
    #[serde(default)]
    soft_tissue_biopsy_proven: bool,
    #[serde(default)]
    mibg_avid_bone: bool,
    #[serde(default)]
    fdg_avid_bone_corroborated: bool,
    #[serde(default)]
    fdg_avid_bone_uncorroborated: bool,
}

fn convert(w: AssessmentWire, baseline: bool) -> Result<Assessment, RecordError> {
    let at = Label {
        baseline,
        date: w.date,
    };
    let primary = match w.primary {
        None => None,
        Some(p) => Some(match p.status {
            PrimaryStatus::None => {
                if p.diameters_mm.is_some() || p.uptake.is_some() {
                    return Err(RecordError::new(
                        at,
                        "primary",
                        "status \"none\" takes no diameters_mm or uptake",
                    ));
                }
                Primary::None
            }
            PrimaryStatus::Present => {
                let d = p.diameters_mm.ok_or_else(|| {
                    RecordError::new(
                        at,
                        "primary.diameters_mm",
                        "required when status is \"present\"",
                    )
                })?;
                let uptake = p.uptake.ok_or_else(|| {
                    RecordError::new(at, "primary.uptake", "required when status is \"present\"")
                })?;
                Primary::Present {
                    diameters: d.into_iter().map(Length::from_mm).collect(),
                    uptake,
                }
            }
        }),
    };
    let soft_tissue = w.soft_tissue.map(|s| SoftTissue {
        targets: s
            .targets
            .into_iter()
            .map(|t| TargetLesion {
                id: t.id,
                kind: t.kind,
                diameter: Length::from_mm(t.diameter_mm),
            })
            .collect(),
        non_target: s.non_target,
        uptake: s.uptake,
        residual_biopsy_negative: s.residual_biopsy_negative,
    });
    let bone = match (w.mibg, w.fdg_avid_bone_lesions) {
        (Some(_), Some(_)) => {
            return Err(RecordError::new(
                at,
                "mibg / fdg_avid_bone_lesions",
                "give one bone modality per assessment: MIBG scores, or FDG-avid bone lesions for MIBG-non-avid disease",
            ));
        }
        (Some(m), None) => {
            let score = MibgScore::from_named(
                m.method,
                m.segments.0.iter().map(|(k, v)| (k.as_str(), v.clone())),
            )
            .map_err(|e| RecordError::new(at, "mibg.segments", e.to_string()))?;
            Some(Bone::Mibg {
                tracer: m.tracer,
                score,
            })
        }
        (None, Some(n)) => Some(Bone::Fdg { avid_lesions: n }),
        (None, None) => None,
    };
    let marrow = match w.marrow {
        None => None,
        Some(samples) => {
            let mut v = Vec::with_capacity(samples.len());
            for (k, s) in samples.into_iter().enumerate() {
                let tumour = Infiltration::from_percent(s.tumour_pct).map_err(|e| {
                    RecordError::new(at, format!("marrow sample {}: tumour_pct", k + 1), e)
                })?;
                v.push(MarrowSample {
                    kind: s.kind,
                    side: s.side,
                    tumour,
                });
            }
            Some(Marrow { samples: v })
        }
    };
    let n = w.new_lesions;
    Ok(Assessment {
        date: w.date,
        primary,
        soft_tissue,
        bone,
        marrow,
        new_lesions: NewLesions {
            soft_tissue_avid: n.soft_tissue_avid,
            soft_tissue_biopsy_proven: n.soft_tissue_biopsy_proven,
            mibg_avid_bone: n.mibg_avid_bone,
            fdg_avid_bone_corroborated: n.fdg_avid_bone_corroborated,
            fdg_avid_bone_uncorroborated: n.fdg_avid_bone_uncorroborated,
        },
        catecholamines: w.catecholamines,
        positive_bone_sites: w.positive_bone_sites,
    })
}

/// Parses and validates one patient's record.
///
/// `source_label` (usually the file name) prefixes every error message.
///
/// # Errors
/// The longest line of a parser message, in characters.
const MAX_MESSAGE_LINE: usize = 160;

/// A parser message with every line cut to [`MAX_MESSAGE_LINE`]
/// characters: the TOML parser quotes the whole offending source line, and
/// a field of a megabyte would otherwise be echoed whole (issue 9).
fn cut_lines(message: &str) -> String {
    message
        .lines()
        .map(|l| crate::score::excerpt(l, MAX_MESSAGE_LINE))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The commented assessment file to fill in (`mibg response template`):
/// every section with its units and what leaving it out means; every value
/// to enter is a `<...>` placeholder, which [`parse`] refuses (with its
/// line) until it is filled.
pub const TEMPLATE: &str = include_str!("../templates/assessment.toml");

/// [`InputError::Syntax`] for text that does not match the schema (with the
/// parser's line and column), [`InputError::Record`] for a broken semantic
/// rule (naming the assessment, the field and the rule).
pub fn parse(text: &str, source_label: &str, format: Format) -> Result<PatientRecord, InputError> {
    let syntax = |message: String, line: Option<u64>| InputError::Syntax {
        source_label: source_label.to_string(),
        message,
        line,
    };
    let wire: FileWire = match format {
        Format::Json => serde_json::from_str(text).map_err(|e| {
            let line = (e.line() > 0).then_some(e.line() as u64);
            syntax(cut_lines(&e.to_string()), line)
        })?,
        Format::Toml => toml::from_str(text).map_err(|e: toml::de::Error| {
            let line = e
                .span()
                .map(|s| 1 + text[..s.start.min(text.len())].matches('\n').count() as u64);
            syntax(cut_lines(e.to_string().trim_end()), line)
        })?,
    };
    let rec = (|| {
        let baseline = convert(wire.baseline, true)?;
        let follow_ups = wire
            .follow_up
            .into_iter()
            .map(|a| convert(a, false))
            .collect::<Result<Vec<_>, _>>()?;
        let rec = PatientRecord {
            patient: wire.patient,
            baseline,
            follow_ups,
        };
        rec.validate()?;
        Ok(rec)
    })()
    .map_err(|error| InputError::Record {
        source_label: source_label.to_string(),
        error,
    })?;
    Ok(rec)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: &str = r#"
patient = "T1"
[baseline]
date = "2024-01-10"
primary = { status = "present", diameters_mm = [50], uptake = "present" }
[[follow_up]]
date = "2024-03-01"
primary = { status = "present", diameters_mm = [30], uptake = "improved" }
"#;

    #[test]
    fn parses_minimal_toml() {
        let r = parse(MIN, "t.toml", Format::Toml).unwrap();
        assert_eq!(r.follow_ups.len(), 1);
        assert_eq!(Format::from_name("x/Y.TOML"), Some(Format::Toml));
        assert_eq!(Format::from_name("x.csv"), None);
    }

    #[test]
    fn unknown_field_is_an_error() {
        let bad = MIN.replace("uptake = \"improved\"", "uptake = \"improved\", colour = 1");
        let e = parse(&bad, "t.toml", Format::Toml).unwrap_err().to_string();
        assert!(e.starts_with("t.toml: "), "{e}");
        assert!(e.contains("colour"), "{e}");
    }

    #[test]
    fn segment_out_of_range_names_assessment_field_and_rule() {
        let mut segs: Vec<String> = crate::score::SIOPEN_SEGMENTS
            .iter()
            .map(|s| format!("{s} = 0"))
            .collect();
        segs[7] = "pelvis = 7".into();
        let text = format!(
            "{MIN}mibg = {{ method = \"siopen\", tracer = \"123I\", segments = {{ {} }} }}\n",
            segs.join(", ")
        );
        let e = parse(&text, "p.toml", Format::Toml)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "p.toml: follow-up 2024-03-01: mibg.segments: SIOPEN segment 'pelvis' = 7, allowed 0–6"
        );
    }

    #[test]
    fn json_segment_given_twice_is_an_error_not_last_wins() {
        // Review: serde_json into a map kept the last of two "pelvis" keys
        // silently (here 0, hiding the 3).
        let segs: Vec<String> = crate::score::SIOPEN_SEGMENTS
            .iter()
            .map(|s| format!("\"{s}\": 0"))
            .collect();
        let text = format!(
            r#"{{"patient": "J", "baseline": {{"date": "2024-01-10", "mibg": {{"method": "siopen", "tracer": "123I", "segments": {{"pelvis": 3, {}}}}}}}}}"#,
            segs.join(", ")
        );
        let e = parse(&text, "d.json", Format::Json)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("d.json: mibg.segments: segment 'pelvis' given twice"),
            "{e}"
        );
    }

    #[test]
    fn dates_must_increase() {
        let bad = MIN.replace("2024-03-01", "2024-01-10");
        let e = parse(&bad, "t.toml", Format::Toml).unwrap_err().to_string();
        assert!(
            e.contains("follow-up 2024-01-10: date: must be after"),
            "{e}"
        );
    }
}

#[cfg(test)]
mod line_tests {
    use super::*;

    #[test]
    fn syntax_errors_carry_the_line_as_a_field() {
        let toml = "patient = \"P1\"\n\n[baseline]\ndate = 12\n";
        match parse(toml, "a.toml", Format::Toml) {
            Err(InputError::Syntax { line, .. }) => assert_eq!(line, Some(4)),
            other => panic!("{other:?}"),
        }
        let json = "{\n\"patient\": \"P1\",\n\"baseline\": 3\n}";
        match parse(json, "a.json", Format::Json) {
            Err(InputError::Syntax { line, .. }) => assert_eq!(line, Some(3)),
            other => panic!("{other:?}"),
        }
    }

    /// Fuzz finding (issue 9, item 7), input class "huge field": the TOML
    /// and JSON parsers quote the offending source line, and a field of a
    /// megabyte was echoed whole; every message line is cut.
    #[test]
    fn huge_field_is_quoted_cut_in_syntax_errors() {
        let huge = "-".repeat(1 << 20);
        let toml = format!("patient = \"P1\"\n{huge}\n");
        let json = format!("{{\"patient\": {huge}}}");
        for (text, f) in [(toml, Format::Toml), (json, Format::Json)] {
            let e = parse(&text, "r", f).unwrap_err();
            let m = e.to_string();
            assert!(m.len() < 2000, "{f:?}: {} characters", m.len());
            assert!(matches!(e, InputError::Syntax { .. }), "{f:?}: {m}");
        }
    }
}
