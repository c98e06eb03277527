//! Contact-pattern files (TOML): the shipped standard set
//! (`protocols/contact-patterns.toml`, built in) and a centre's own file in
//! the same format. Parsing only; the patterns and their rules are
//! [`mibg_radprot::FamilyPattern`] (validated there). Errors name the file,
//! the physical line, the pattern, the field and the rule.

use mibg_radprot::{ConstraintPeriod, FamilyPattern, PatternConstraint, PatternElement, Schedule};
use mibg_units::{EquivalentDose, Hours, Length};
use serde::Deserialize;
use toml::Spanned;

/// The text of the standard patterns, `protocols/contact-patterns.toml`.
pub const STANDARD_PATTERNS_TOML: &str = include_str!("../../../protocols/contact-patterns.toml");

/// How the standard patterns are named in results.
pub const STANDARD_PATTERNS_LABEL: &str = "protocols/contact-patterns.toml (built in)";

/// A pattern file that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}{}{}: {field}: {rule}", line.map(|l| format!(" line {l}")).unwrap_or_default(), pattern.as_ref().map(|p| format!(", pattern '{p}'")).unwrap_or_default())]
#[non_exhaustive]
pub struct PatternFileError {
    /// The file's label.
    pub file: String,
    /// The physical line (1-based), when known.
    pub line: Option<usize>,
    /// The pattern's id, when known.
    pub pattern: Option<String>,
    /// The field (`limit_msv`, `elements[2].at`, …).
    pub field: String,
    /// The rule broken (with the value).
    pub rule: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    pattern: Vec<Spanned<RawPattern>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPattern {
    id: String,
    name: String,
    activity: String,
    kind: Spanned<String>,
    limit_msv: Spanned<f64>,
    per: Spanned<String>,
    constraint_source: String,
    source: String,
    elements: Vec<Spanned<RawElement>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawElement {
    at: Option<String>,
    after_h: Option<f64>,
    hours: Option<f64>,
    minutes: Option<f64>,
    distance_m: f64,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Parses "HH:MM" (00:00 to 23:59) into hours after midnight.
fn clock(s: &str) -> Option<f64> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let h: u32 = h.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    (h < 24 && m < 60).then(|| f64::from(h) + f64::from(m) / 60.0)
}

/// Parses a pattern file. Every pattern is validated
/// ([`FamilyPattern::validate`]); ids must be unique.
///
/// # Errors
/// [`PatternFileError`] naming file, line, pattern, field and rule: TOML
/// syntax, unknown or missing fields, a `kind` other than `daily`/`once`, a
/// `per` other than `episode`/`year`, an element with `at` in a one-off or
/// `after_h` in a daily pattern, neither or both of `hours` and `minutes`,
/// a clock time not `HH:MM`, a duplicate id, or any rule of the pattern.
pub fn parse_patterns(text: &str, file: &str) -> Result<Vec<FamilyPattern>, PatternFileError> {
    let err = |line: Option<usize>, pattern: Option<&str>, field: String, rule: String| {
        PatternFileError {
            file: file.to_string(),
            line,
            pattern: pattern.map(str::to_string),
            field,
            rule,
        }
    };
    let raw: File = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        err(line, None, "TOML".into(), e.message().trim().to_string())
    })?;
    if raw.pattern.is_empty() {
        return Err(err(
            None,
            None,
            "pattern".into(),
            "the file has no [[pattern]]".into(),
        ));
    }
    let mut out: Vec<FamilyPattern> = Vec::with_capacity(raw.pattern.len());
    for sp in raw.pattern {
        let pattern_line = line_of(text, sp.span().start);
        let p = sp.into_inner();
        let id = p.id.clone();
        let perr =
            |line: usize, field: String, rule: String| err(Some(line), Some(&id), field, rule);
        if out.iter().any(|q| q.id == p.id) {
            return Err(perr(
                pattern_line,
                "id".into(),
                format!("'{}' is used by an earlier pattern", p.id),
            ));
        }
        let daily = match p.kind.get_ref().as_str() {
            "daily" => true,
            "once" => false,
            other => {
                return Err(perr(
                    line_of(text, p.kind.span().start),
                    "kind".into(),
                    format!("\"{other}\": must be \"daily\" or \"once\""),
                ));
            }
        };
        let per = match p.per.get_ref().as_str() {
            "episode" => ConstraintPeriod::Episode,
            "year" => ConstraintPeriod::Year,
            other => {
                return Err(perr(
                    line_of(text, p.per.span().start),
                    "per".into(),
                    format!("\"{other}\": must be \"episode\" or \"year\""),
                ));
            }
        };
        let mut elements = Vec::with_capacity(p.elements.len());
        let mut lines = Vec::with_capacity(p.elements.len());
        for (i, se) in p.elements.iter().enumerate() {
            let line = line_of(text, se.span().start);
            let e = se.get_ref();
            let f = |name: &str| format!("elements[{}].{name}", i + 1);
            let start = match (daily, &e.at, e.after_h) {
                (true, Some(at), None) => clock(at).ok_or_else(|| {
                    perr(
                        line,
                        f("at"),
                        format!("\"{at}\": a clock time is written HH:MM, 00:00 to 23:59"),
                    )
                })?,
                (false, None, Some(h)) => h,
                (true, _, _) => {
                    return Err(perr(
                        line,
                        f("at"),
                        "a daily element needs `at = \"HH:MM\"` and no after_h".into(),
                    ));
                }
                (false, _, _) => {
                    return Err(perr(line, f("after_h"), "a one-off element needs `after_h` (h after the start of the contact) and no at".into()));
                }
            };
            let hours = match (e.hours, e.minutes) {
                (Some(h), None) => h,
                (None, Some(m)) => m / 60.0,
                _ => {
                    return Err(perr(
                        line,
                        f("hours"),
                        "give either hours or minutes, not both or neither".into(),
                    ));
                }
            };
            elements.push(PatternElement {
                start: Hours::new(start),
                duration: Hours::new(hours),
                distance: Length::from_m(e.distance_m),
            });
            lines.push(line);
        }
        let pattern = FamilyPattern {
            id: p.id.clone(),
            name: p.name,
            activity: p.activity,
            schedule: if daily {
                Schedule::Daily(elements)
            } else {
                Schedule::OnceOff(elements)
            },
            constraint: PatternConstraint {
                limit: EquivalentDose::from_msv(*p.limit_msv.get_ref()),
                per,
                source: p.constraint_source,
            },
            source: p.source,
        };
        if let Err(e) = pattern.validate() {
            let (line, field) = match e.element {
                Some(i) => {
                    let field = if e.field == "hours" && p.elements[i].get_ref().minutes.is_some() {
                        "minutes"
                    } else {
                        e.field
                    };
                    (lines[i], format!("elements[{}].{field}", i + 1))
                }
                None if e.field == "limit_msv" => {
                    (line_of(text, p.limit_msv.span().start), e.field.to_string())
                }
                None => (pattern_line, e.field.to_string()),
            };
            return Err(perr(line, field, format!("{} ({})", e.rule, e.value)));
        }
        out.push(pattern);
    }
    Ok(out)
}

/// The standard patterns shipped with mibg.
pub fn standard_patterns() -> Vec<FamilyPattern> {
    parse_patterns(STANDARD_PATTERNS_TOML, STANDARD_PATTERNS_LABEL)
        .expect("the built-in contact patterns are valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_set_parses_and_covers_the_family() {
        let p = standard_patterns();
        assert_eq!(p.len(), 14);
        for id in [
            "parent-sleeping-beside",
            "parent-caring-for-infant",
            "sibling-sharing-bedroom",
            "school",
            "public-transport-daily",
            "pregnant-household",
            "long-journey",
        ] {
            assert!(p.iter().any(|q| q.id == id), "{id}");
        }
        // Every pattern names its source and its constraint's source.
        assert!(
            p.iter()
                .all(|q| !q.source.is_empty() && !q.constraint.source.is_empty())
        );
        // Sleeping beside: 3 + 3 + 8 h a day; 22:00 runs to 06:00.
        let s = p.iter().find(|q| q.id == "parent-sleeping-beside").unwrap();
        assert_eq!(s.total_hours().hours(), 14.0);
        assert_eq!(s.constraint.limit.msv(), 5.0);
        assert_eq!(s.constraint.per, ConstraintPeriod::Episode);
        let j = p.iter().find(|q| q.id == "long-journey").unwrap();
        assert!(matches!(j.schedule, Schedule::OnceOff(_)));
        assert_eq!(j.constraint.per, ConstraintPeriod::Year);
        // Minutes: 35 min → 0.58333 h.
        let i = p
            .iter()
            .find(|q| q.id == "parent-caring-for-infant")
            .unwrap();
        assert!((i.schedule.elements()[0].duration.hours() - 35.0 / 60.0).abs() < 1e-12);
        assert_eq!(i.schedule.elements()[0].start.hours(), 3.0);
    }

    fn one(elements: &str, kind: &str) -> String {
        format!(
            "[[pattern]]\nid = \"x\"\nname = \"n\"\nactivity = \"a\"\nkind = \"{kind}\"\nlimit_msv = 1.0\nper = \"year\"\nconstraint_source = \"c\"\nsource = \"s\"\nelements = [\n{elements}\n]\n"
        )
    }

    fn fails(text: &str) -> PatternFileError {
        parse_patterns(text, "local.toml").unwrap_err()
    }

    #[test]
    fn errors_name_file_line_pattern_field_and_rule() {
        // Line 11 is the first element (10 header lines).
        let e = fails(&one(
            "  { at = \"25:00\", hours = 1, distance_m = 1 },",
            "daily",
        ));
        assert_eq!((e.line, e.field.as_str()), (Some(11), "elements[1].at"));
        assert!(
            e.to_string()
                .starts_with("local.toml line 11, pattern 'x': elements[1].at: \"25:00\""),
            "{e}"
        );
        let e = fails(&one(
            "  { at = \"08:00\", hours = 1, distance_m = 1 },\n  { at = \"08:30\", minutes = 20, distance_m = 0.001 },",
            "daily",
        ));
        assert_eq!(
            (e.line, e.field.as_str()),
            (Some(12), "elements[2].distance_m")
        );
        let e = fails(&one(
            "  { at = \"08:00\", hours = 1, distance_m = 1 },\n  { at = \"08:30\", minutes = 20, distance_m = 1 },",
            "daily",
        ));
        assert_eq!((e.line, e.field.as_str()), (Some(12), "elements[2].at"));
        assert!(e.rule.contains("overlaps"), "{e}");
        let e = fails(&one(
            "  { at = \"08:00\", minutes = 0, distance_m = 1 },",
            "daily",
        ));
        assert_eq!(e.field, "elements[1].minutes");
        let e = fails(&one(
            "  { at = \"08:00\", hours = 1, minutes = 3, distance_m = 1 },",
            "daily",
        ));
        assert_eq!(e.field, "elements[1].hours");
        let e = fails(&one(
            "  { after_h = 0, hours = 1, distance_m = 1 },",
            "daily",
        ));
        assert_eq!(e.field, "elements[1].at");
        let e = fails(&one(
            "  { at = \"08:00\", hours = 1, distance_m = 1 },",
            "once",
        ));
        assert_eq!(e.field, "elements[1].after_h");
        let e = fails(&one(
            "  { after_h = 0, hours = 1, distance_m = 1 },",
            "weekly",
        ));
        assert_eq!((e.line, e.field.as_str()), (Some(5), "kind"));
        let e = fails(
            &one("  { after_h = 0, hours = 1, distance_m = 1 },", "once")
                .replace("\"year\"", "\"month\""),
        );
        assert_eq!((e.line, e.field.as_str()), (Some(7), "per"));
        let e = fails(
            &one("  { after_h = 0, hours = 1, distance_m = 1 },", "once")
                .replace("limit_msv = 1.0", "limit_msv = -1.0"),
        );
        assert_eq!((e.line, e.field.as_str()), (Some(6), "limit_msv"));
        let e = fails(&one(
            "  { after_h = 0, hours = 1, distance_m = 1, colour = 1 },",
            "once",
        ));
        assert_eq!((e.line, e.field.as_str()), (Some(11), "TOML"));
        assert!(e.rule.contains("colour"), "{e}");
        let e = fails(&one("", "once"));
        assert_eq!(e.field, "elements");
        let twice = format!(
            "{}{}",
            one("  { after_h = 0, hours = 1, distance_m = 1 },", "once"),
            one("  { after_h = 0, hours = 1, distance_m = 1 },", "once")
        );
        let e = fails(&twice);
        assert_eq!((e.line, e.field.as_str()), (Some(13), "id"));
        let e = fails("x = 1\n");
        assert_eq!(e.field, "TOML");
        let e = fails("pattern = []\n");
        assert!(e.rule.contains("no [[pattern]]"));
        for bad in ["8:00", "08-00", "08:60", "aa:bb"] {
            assert!(clock(bad).is_none(), "{bad}");
        }
        assert_eq!(clock("23:59"), Some(23.0 + 59.0 / 60.0));
    }

    #[test]
    fn a_rule_of_the_whole_pattern_points_at_its_header() {
        // A pattern-level rule other than the limit (no element, an empty
        // id) names the line of the pattern's `[[pattern]]` header, line 1
        // here; only limit_msv names its own line (6, tested above).
        let e = fails(&one("", "once"));
        assert_eq!((e.line, e.field.as_str()), (Some(1), "elements"));
        assert_eq!(
            e.to_string(),
            "local.toml line 1, pattern 'x': elements: need at least one element ([])"
        );
        let e = fails(
            &one("  { after_h = 0, hours = 1, distance_m = 1 },", "once")
                .replace("id = \"x\"", "id = \" \""),
        );
        assert_eq!((e.line, e.field.as_str()), (Some(1), "id"));
    }

    #[test]
    fn the_clock_runs_from_00_00_to_23_59() {
        // The documented range of `at` (this file's rule, and the message
        // "a clock time is written HH:MM, 00:00 to 23:59"): midnight is
        // 00:00, so 24:00 is refused, in the file as well.
        assert_eq!(clock("00:00"), Some(0.0));
        assert_eq!(clock("24:00"), None);
        let e = fails(&one(
            "  { at = \"24:00\", hours = 1, distance_m = 1 },",
            "daily",
        ));
        assert_eq!((e.line, e.field.as_str()), (Some(11), "elements[1].at"));
        assert_eq!(
            e.rule,
            "\"24:00\": a clock time is written HH:MM, 00:00 to 23:59"
        );
    }
}
