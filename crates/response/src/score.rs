//! Semi-quantitative MIBG skeletal scores: SIOPEN (Lewington 2017) and Curie
//! (Ady 1995; Matthay 2003; Yanik 2013), as validated values.
//!
//! A score is a list of named segments, each either an integer extent score
//! or [`SegmentScore::NotAssessable`]. A missing segment is an error, never a
//! zero (docs/reference/response.md §4.3). Totals are exact integers; when segments are not
//! assessable the total is an interval ([`ScoreTotal`]).

use serde::{Deserialize, Serialize};
use std::fmt;

/// The scoring method of an MIBG scan. Scores are compared only between scans
/// of the same method (docs/reference/response.md §2.5: "never mix methods").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MibgMethod {
    /// SIOPEN skeletal score: 12 segments × 0–6, total 0–72 (Lewington 2017).
    Siopen,
    /// Curie score: 9 skeletal segments + 1 soft-tissue segment × 0–3;
    /// skeletal 0–27, total 0–30 (Ady 1995; Yanik 2013).
    Curie,
}

/// `text` cut to `max` characters, with the full length said: a value
/// typed into a segment or a file may be a megabyte long, and an error
/// quotes it readably (issue 9).
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max {
        return text.to_string();
    }
    let head: String = text.chars().take(max).collect();
    format!("{head}… ({n} characters)")
}

impl MibgMethod {
    /// Segment names in canonical order (docs/reference/response.md §4.1 and §4.2 tables).
    pub fn segments(self) -> &'static [&'static str] {
        match self {
            MibgMethod::Siopen => &SIOPEN_SEGMENTS,
            MibgMethod::Curie => &CURIE_SEGMENTS,
        }
    }

    /// Highest score of one segment: 6 for SIOPEN, 3 for Curie
    /// (docs/reference/response.md §4.1 extent scale; §4.2 extent scale).
    pub fn segment_max(self) -> u8 {
        match self {
            MibgMethod::Siopen => 6,
            MibgMethod::Curie => 3,
        }
    }

    /// Number of skeletal segments (the ones in the bone score): 12 for
    /// SIOPEN, 9 for Curie (the 10th Curie segment is soft tissue and is
    /// excluded from the bone score, docs/reference/response.md §2.5).
    pub fn skeletal_segments(self) -> usize {
        match self {
            MibgMethod::Siopen => 12,
            MibgMethod::Curie => 9,
        }
    }

    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            MibgMethod::Siopen => "SIOPEN",
            MibgMethod::Curie => "Curie",
        }
    }
}

impl fmt::Display for MibgMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// SIOPEN segments in order (docs/reference/response.md §4.1 table, Lewington 2017;
/// docsbay Supplemental Table 6).
pub const SIOPEN_SEGMENTS: [&str; 12] = [
    "skull",
    "thoracic_cage",
    "proximal_right_upper_limb",
    "distal_right_upper_limb",
    "proximal_left_upper_limb",
    "distal_left_upper_limb",
    "spine",
    "pelvis",
    "proximal_right_lower_limb",
    "distal_right_lower_limb",
    "proximal_left_lower_limb",
    "distal_left_lower_limb",
];

/// Curie segments in order (docs/reference/response.md §4.2 table, Ady 1995 + the 10th
/// soft-tissue segment of Messina 2006 / Yanik 2013). Renderings place the
/// clavicles and scapulae differently (chest or arms, docs/reference/response.md §4.2 \[I\]): the mapping is
/// the reader's, pinned per study, and not encoded here.
pub const CURIE_SEGMENTS: [&str; 10] = [
    "head",
    "cervical_thoracic_spine",
    "ribs_sternum",
    "lumbar_sacral_spine",
    "pelvis",
    "upper_arms",
    "forearms_hands",
    "femurs",
    "lower_legs_feet",
    "soft_tissue",
];

/// The tracer of a scan. Post-therapy 131I scans are more sensitive than
/// diagnostic 123I scans and were not used to validate the scores
/// (docs/reference/response.md §4.3), so by default only same-tracer scans are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Tracer {
    /// 123I-MIBG (diagnostic).
    #[serde(rename = "123I")]
    I123,
    /// 131I-MIBG (usually a post-therapy scan).
    #[serde(rename = "131I")]
    I131,
}

impl fmt::Display for Tracer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tracer::I123 => "123I",
            Tracer::I131 => "131I",
        })
    }
}

/// The score of one segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentScore {
    /// An extent score, 0..=max for the method.
    Scored(u8),
    /// Not assessable (obscured by physiological uptake, outside the field of
    /// view…). Written `NE` in files and on the command line.
    NotAssessable,
}

impl fmt::Display for SegmentScore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SegmentScore::Scored(v) => write!(f, "{v}"),
            SegmentScore::NotAssessable => f.write_str("NE"),
        }
    }
}

/// Errors building a score.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScoreError {
    /// A segment score above the method's maximum.
    #[error("{method} segment '{segment}' = {value}, allowed 0–{max}")]
    OutOfRange {
        /// Method.
        method: MibgMethod,
        /// Segment name.
        segment: String,
        /// Value given.
        value: i64,
        /// Allowed maximum.
        max: u8,
    },
    /// Wrong number of segments in a list.
    #[error("{method} needs exactly {expected} segment scores ({names}), got {got}")]
    WrongCount {
        /// Method.
        method: MibgMethod,
        /// Expected count.
        expected: usize,
        /// Count given.
        got: usize,
        /// The segment names in order.
        names: String,
    },
    /// A segment is missing from a named table.
    #[error(
        "{method} segment '{segment}' missing: a missing segment is never 0; write \"NE\" if it was not assessable"
    )]
    Missing {
        /// Method.
        method: MibgMethod,
        /// Segment name.
        segment: String,
    },
    /// A name that is not a segment of the method.
    #[error("'{segment}' is not a {method} segment (segments: {names})")]
    Unknown {
        /// Method.
        method: MibgMethod,
        /// Name given.
        segment: String,
        /// Allowed names.
        names: String,
    },
    /// A value that is neither an integer nor `NE`.
    #[error("{method} segment '{segment}' = '{text}': expected an integer 0–{max} or NE")]
    NotANumber {
        /// Method.
        method: MibgMethod,
        /// Segment name.
        segment: String,
        /// Text given.
        text: String,
        /// Allowed maximum.
        max: u8,
    },
}

/// The total of a score: exact when every segment was assessable, otherwise
/// the interval of possible totals (not-assessable segments taken as 0 and as
/// the segment maximum).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreTotal {
    /// Smallest possible total (not-assessable segments = 0).
    pub min: u32,
    /// Largest possible total (not-assessable segments = maximum).
    pub max: u32,
}

impl ScoreTotal {
    /// The exact total, if every segment was assessable.
    pub fn exact(self) -> Option<u32> {
        (self.min == self.max).then_some(self.min)
    }
}

impl fmt::Display for ScoreTotal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.exact() {
            Some(v) => write!(f, "{v}"),
            None => write!(f, "{}–{} (not-assessable segments)", self.min, self.max),
        }
    }
}

/// A validated MIBG score: the method and one [`SegmentScore`] per segment, in
/// the canonical order of [`MibgMethod::segments`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MibgScore {
    method: MibgMethod,
    segments: Vec<SegmentScore>,
}

impl MibgScore {
    /// Builds a score from segment scores in canonical order.
    ///
    /// # Errors
    /// [`ScoreError::WrongCount`] unless there is exactly one score per
    /// segment; [`ScoreError::OutOfRange`] for a score above the maximum.
    pub fn new(method: MibgMethod, segments: Vec<SegmentScore>) -> Result<Self, ScoreError> {
        let names = method.segments();
        if segments.len() != names.len() {
            return Err(ScoreError::WrongCount {
                method,
                expected: names.len(),
                got: segments.len(),
                names: names.join(","),
            });
        }
        for (name, s) in names.iter().zip(&segments) {
            if let SegmentScore::Scored(v) = s
                && *v > method.segment_max()
            {
                return Err(ScoreError::OutOfRange {
                    method,
                    segment: (*name).to_string(),
                    value: i64::from(*v),
                    max: method.segment_max(),
                });
            }
        }
        Ok(Self { method, segments })
    }

    /// Builds a score from `(name, value)` pairs, where each value is an
    /// integer or `NE`; every segment must appear exactly once.
    ///
    /// # Errors
    /// [`ScoreError::Unknown`], [`ScoreError::Missing`],
    /// [`ScoreError::OutOfRange`].
    pub fn from_named<'a>(
        method: MibgMethod,
        pairs: impl IntoIterator<Item = (&'a str, SegmentInput)>,
    ) -> Result<Self, ScoreError> {
        let names = method.segments();
        let mut slots: Vec<Option<SegmentScore>> = vec![None; names.len()];
        for (name, value) in pairs {
            let Some(i) = names.iter().position(|n| *n == name) else {
                return Err(ScoreError::Unknown {
                    method,
                    segment: excerpt(name, 40),
                    names: names.join(", "),
                });
            };
            slots[i] = Some(value.check(method, name)?);
        }
        let mut segments = Vec::with_capacity(names.len());
        for (name, s) in names.iter().zip(slots) {
            segments.push(s.ok_or_else(|| ScoreError::Missing {
                method,
                segment: (*name).to_string(),
            })?);
        }
        Self::new(method, segments)
    }

    /// Parses a comma-separated list in canonical order, e.g.
    /// `0,1,0,2,NE,0,3,1,0,0,0,0` (whitespace around entries is ignored).
    ///
    /// # Errors
    /// [`ScoreError::NotANumber`], [`ScoreError::OutOfRange`],
    /// [`ScoreError::WrongCount`].
    pub fn parse_list(method: MibgMethod, text: &str) -> Result<Self, ScoreError> {
        let names = method.segments();
        let parts: Vec<&str> = text.split(',').map(str::trim).collect();
        if parts.len() != names.len() {
            return Err(ScoreError::WrongCount {
                method,
                expected: names.len(),
                got: parts.len(),
                names: names.join(","),
            });
        }
        let mut segments = Vec::with_capacity(parts.len());
        for (name, p) in names.iter().zip(parts) {
            segments.push(SegmentInput::Text(p.to_string()).check(method, name)?);
        }
        Self::new(method, segments)
    }

    /// The method.
    pub fn method(&self) -> MibgMethod {
        self.method
    }

    /// Segment names with their scores, in canonical order.
    pub fn segments(&self) -> impl Iterator<Item = (&'static str, SegmentScore)> + '_ {
        self.method
            .segments()
            .iter()
            .copied()
            .zip(self.segments.iter().copied())
    }

    /// Names of the segments marked not assessable.
    pub fn not_assessable(&self) -> Vec<&'static str> {
        self.segments()
            .filter(|(_, s)| *s == SegmentScore::NotAssessable)
            .map(|(n, _)| n)
            .collect()
    }

    fn total_of(&self, n: usize) -> ScoreTotal {
        let max = u32::from(self.method.segment_max());
        let (mut lo, mut hi) = (0u32, 0u32);
        for s in &self.segments[..n] {
            match s {
                SegmentScore::Scored(v) => {
                    lo += u32::from(*v);
                    hi += u32::from(*v);
                }
                SegmentScore::NotAssessable => hi += max,
            }
        }
        ScoreTotal { min: lo, max: hi }
    }

    /// The skeletal (bone) score: all 12 SIOPEN segments (0–72), or the first
    /// 9 Curie segments (0–27). This is the score used for the relative MIBG
    /// score (docs/reference/response.md §2.5).
    pub fn skeletal(&self) -> ScoreTotal {
        self.total_of(self.method.skeletal_segments())
    }

    /// The total over all segments: SIOPEN 0–72 (= skeletal), Curie 0–30
    /// (skeletal + soft tissue).
    pub fn total(&self) -> ScoreTotal {
        self.total_of(self.segments.len())
    }
}

/// One segment value as written by a user: an integer or text (`NE`, or a
/// number as text).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum SegmentInput {
    /// An integer.
    Int(i64),
    /// Text: `NE` (case-insensitive) or an integer.
    Text(String),
}

impl SegmentInput {
    /// Validates the value for `segment` of `method`.
    ///
    /// # Errors
    /// [`ScoreError::OutOfRange`] or [`ScoreError::NotANumber`].
    pub fn check(&self, method: MibgMethod, segment: &str) -> Result<SegmentScore, ScoreError> {
        let max = method.segment_max();
        let value = match self {
            SegmentInput::Int(v) => *v,
            SegmentInput::Text(t) if t.eq_ignore_ascii_case("NE") => {
                return Ok(SegmentScore::NotAssessable);
            }
            SegmentInput::Text(t) => t.parse::<i64>().map_err(|_| ScoreError::NotANumber {
                method,
                segment: segment.to_string(),
                text: excerpt(t, 40),
                max,
            })?,
        };
        if !(0..=i64::from(max)).contains(&value) {
            return Err(ScoreError::OutOfRange {
                method,
                segment: segment.to_string(),
                value,
                max,
            });
        }
        Ok(SegmentScore::Scored(value as u8))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siopen_total_is_sum_of_12_segments() {
        // Hand sum: 2+1+0+0+0+0+3+6+1+0+0+0 = 13.
        let s = MibgScore::parse_list(MibgMethod::Siopen, "2,1,0,0,0,0,3,6,1,0,0,0").unwrap();
        assert_eq!(s.skeletal().exact(), Some(13));
        assert_eq!(s.total().exact(), Some(13));
    }

    #[test]
    fn siopen_range_is_0_to_72() {
        // docs/reference/response.md §4.1: 12 segments × 6 = 72.
        let all6 = MibgScore::parse_list(MibgMethod::Siopen, &["6"; 12].join(",")).unwrap();
        assert_eq!(all6.total().exact(), Some(72));
        let err = MibgScore::parse_list(MibgMethod::Siopen, "0,0,0,0,0,0,0,7,0,0,0,0").unwrap_err();
        assert_eq!(err.to_string(), "SIOPEN segment 'pelvis' = 7, allowed 0–6");
    }

    #[test]
    fn curie_skeletal_excludes_soft_tissue() {
        // docs/reference/response.md §4.2/§2.5: skeletal = first 9 (0–27), total = 10 (0–30).
        let all3 = MibgScore::parse_list(MibgMethod::Curie, &["3"; 10].join(",")).unwrap();
        assert_eq!(all3.skeletal().exact(), Some(27));
        assert_eq!(all3.total().exact(), Some(30));
        let err = MibgScore::parse_list(MibgMethod::Curie, "0,0,0,0,4,0,0,0,0,0").unwrap_err();
        assert_eq!(err.to_string(), "Curie segment 'pelvis' = 4, allowed 0–3");
    }

    #[test]
    fn missing_segment_is_an_error_not_zero() {
        // docs/reference/response.md §4.3: reject missing segments.
        let err = MibgScore::parse_list(MibgMethod::Siopen, "0,0,0").unwrap_err();
        assert!(matches!(err, ScoreError::WrongCount { got: 3, .. }));
        let pairs = SIOPEN_SEGMENTS[..11]
            .iter()
            .map(|n| (*n, SegmentInput::Int(0)));
        let err = MibgScore::from_named(MibgMethod::Siopen, pairs).unwrap_err();
        assert!(err.to_string().contains("'distal_left_lower_limb' missing"));
    }

    #[test]
    fn not_assessable_gives_an_interval() {
        let s = MibgScore::parse_list(MibgMethod::Siopen, "1,NE,0,0,0,0,0,0,0,0,0,ne").unwrap();
        assert_eq!(s.total(), ScoreTotal { min: 1, max: 13 });
        assert_eq!(s.total().exact(), None);
        assert_eq!(
            s.not_assessable(),
            vec!["thoracic_cage", "distal_left_lower_limb"]
        );
    }

    #[test]
    fn negative_and_text_are_rejected() {
        assert!(MibgScore::parse_list(MibgMethod::Siopen, "-1,0,0,0,0,0,0,0,0,0,0,0").is_err());
        let e = MibgScore::parse_list(MibgMethod::Siopen, "x,0,0,0,0,0,0,0,0,0,0,0").unwrap_err();
        assert!(e.to_string().contains("'skull' = 'x'"));
    }

    /// Fuzz finding (issue 9, item 7), input class "huge field": a segment
    /// value of a megabyte was echoed whole; it is quoted cut.
    #[test]
    fn huge_segment_value_is_quoted_cut() {
        let list = format!("{},0,0,0,0,0,0,0,0,0,0,0", "9".repeat(1 << 20));
        let e = MibgScore::parse_list(MibgMethod::Siopen, &list)
            .unwrap_err()
            .to_string();
        assert!(e.len() < 300, "{} characters", e.len());
        assert!(e.contains("(1048576 characters)"), "{e}");
    }
}
