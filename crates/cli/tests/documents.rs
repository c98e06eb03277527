//! End-to-end tests of the PDF documents (`--pdf FILE`): every number of the
//! command's `--json` document is found, formatted as its template's format
//! table says, in the text that `pdftotext` extracts from the PDF, on A4 and
//! US Letter; rendering is deterministic; the PDF/A-2b markers that can be
//! checked without veraPDF are there (see README, "PDF documents").
//!
//! Needs poppler-utils (`pdftotext`, `pdffonts`, `pdfinfo`): `.ci/run`
//! installs it with `scripts/ci/poppler.sh`.
mod common;
use common::*;
use mibg_documents::numbers::{FormatTable, expected_numbers};
use mibg_documents::{DocumentKind, Templates};
use std::path::Path;
use std::process::Command;

const CREATED: &str = "2026-12-01T09:00:00Z";

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name).args(args).output().unwrap_or_else(|e| {
        panic!("{name} is needed by the PDF tests ({e}): run `bash scripts/ci/poppler.sh` (Debian poppler-utils)")
    });
    assert!(
        out.status.success(),
        "{name} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The text of each page (pdftotext separates pages with form feeds).
fn pages(pdf: &Path) -> Vec<String> {
    let text = tool("pdftotext", &["-enc", "UTF-8", pdf.to_str().unwrap(), "-"]);
    let mut pages: Vec<String> = text
        .split('\u{c}')
        .map(|p| p.replace('\u{a0}', " "))
        .collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

/// Whether `needle` occurs in `hay` as a whole number: not preceded by a
/// digit, '.', ',' or a minus sign, not followed by a digit or a decimal
/// point and digit.
fn has_number(hay: &str, needle: &str) -> bool {
    let mut from = 0;
    while let Some(i) = hay[from..].find(needle) {
        let start = from + i;
        let end = start + needle.len();
        let before = hay[..start].chars().next_back();
        let mut after = hay[end..].chars();
        let a1 = after.next();
        let a2 = after.next();
        let bad_before = before.is_some_and(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '−'));
        let bad_after = a1.is_some_and(|c| c.is_ascii_digit())
            || (a1 == Some('.') && a2.is_some_and(|c| c.is_ascii_digit()));
        if !bad_before && !bad_after {
            return true;
        }
        from = start + needle.len().max(1);
    }
    false
}

/// Asserts that every number of `json` is in `text`, printed as the
/// built-in format table of `kind` says. Returns how many were checked.
fn assert_every_number(
    kind: DocumentKind,
    json: &serde_json::Value,
    text: &str,
    what: &str,
) -> usize {
    let table = FormatTable::for_kind(kind, &Templates::builtin()).unwrap();
    let expected = expected_numbers(&table, json).unwrap();
    let missing: Vec<String> = expected
        .iter()
        .filter(|e| !has_number(text, &e.text))
        .map(|e| format!("{} = {:?}", e.path, e.text))
        .collect();
    assert!(
        missing.is_empty(),
        "{what}: {} of {} numbers of the JSON are not in the PDF text:\n  {}\n--- text ---\n{text}",
        missing.len(),
        expected.len(),
        missing.join("\n  ")
    );
    expected.len()
}

/// Runs `mibg ARGS --json --pdf FILE --creation-date CREATED [--paper P]`;
/// returns the JSON printed and the path of the PDF.
fn json_and_pdf(
    dir: &Path,
    name: &str,
    args: &[&str],
    paper: &str,
) -> (serde_json::Value, std::path::PathBuf) {
    let pdf = dir.join(name);
    let mut all: Vec<&str> = args.to_vec();
    let pdf_s = pdf.to_str().unwrap().to_string();
    all.extend([
        "--json",
        "--pdf",
        &pdf_s,
        "--creation-date",
        CREATED,
        "--paper",
        paper,
    ]);
    let json = serde_json::from_str(&ok(&all)).expect("one JSON document");
    (json, pdf)
}

const PLANS: [&[&str]; 3] = [
    // 20 kg: per-m² melphalan, dated schedule, study id and name given.
    &[
        "plan",
        "--weight-kg",
        "20",
        "--height-cm",
        "110",
        "--start-date",
        "2026-12-01",
        "--study-id",
        "C01-007",
        "--patient-name",
        "Test Child",
        "--birth-date",
        "2019-05-04",
        "--hospital-number",
        "H-123",
    ],
    // 9 kg: the small-child per-kg rule.
    &["plan", "--weight-kg", "9", "--height-cm", "75"],
    // 60 kg on a protocol with an infusion-1 cap.
    &[
        "plan",
        "--weight-kg",
        "60",
        "--height-cm",
        "165",
        "--protocol",
        "examples/protocols/matthay-555.toml",
    ],
];

#[test]
fn every_number_of_the_plan_json_is_in_the_plan_pdf_on_a4_and_letter() {
    let dir = tempfile::tempdir().unwrap();
    for (i, args) in PLANS.iter().enumerate() {
        for paper in ["a4", "letter"] {
            let (json, pdf) =
                json_and_pdf(dir.path(), &format!("plan{i}-{paper}.pdf"), args, paper);
            let text = pages(&pdf).join("\n");
            let n = assert_every_number(
                DocumentKind::Plan,
                &json,
                &text,
                &format!("{args:?} {paper}"),
            );
            assert!(n > 40, "{n} numbers only");
            // Strings the plan must show too.
            assert!(
                text.contains(json["protocol_version"].as_str().unwrap()),
                "{text}"
            );
            assert!(
                text.contains("Mosteller") || text.contains("Haycock"),
                "{text}"
            );
        }
    }
}

#[test]
fn the_plan_pdf_shows_dates_identity_and_caps() {
    let dir = tempfile::tempdir().unwrap();
    let (json, pdf) = json_and_pdf(dir.path(), "p.pdf", PLANS[0], "a4");
    assert_eq!(json["patient"]["study_id"], "C01-007");
    let text = pages(&pdf).join("\n");
    // Seed schedule from 2026-12-01: day 14 = 2026-12-15, window 12–16 =
    // 2026-12-13 to 2026-12-17, day 28 = 2026-12-29.
    for s in [
        "C01-007",
        "Test Child",
        "2019-05-04",
        "H-123",
        "2026-12-15",
        "2026-12-13 to 2026-12-17",
        "2026-12-29",
    ] {
        assert!(text.contains(s), "{s} missing:\n{text}");
    }
    // Nothing identifying unless asked for.
    let (json, pdf) = json_and_pdf(dir.path(), "q.pdf", PLANS[1], "a4");
    assert!(json.get("patient").is_none(), "{json}");
    let text = pages(&pdf).join("\n");
    assert!(text.contains("No identifying data printed"), "{text}");
    assert!(text.contains("small-child rule"), "{text}");
    // The cap and its reason.
    let (_, pdf) = json_and_pdf(dir.path(), "r.pdf", PLANS[2], "a4");
    let text = pages(&pdf).join("\n");
    assert!(text.contains("APPLIED"), "{text}");
    assert!(
        text.contains("exceeds infusion1.max_activity_mbq = 30000 MBq"),
        "{text}"
    );
}

#[test]
fn every_number_of_the_study_report_json_is_in_the_study_pdf_on_a4_and_letter() {
    let dir = tempfile::tempdir().unwrap();
    for paper in ["a4", "letter"] {
        let (json, pdf) = json_and_pdf(
            dir.path(),
            &format!("study-{paper}.pdf"),
            &["study", "report", "examples/seed-study"],
            paper,
        );
        let text = pages(&pdf).join("\n");
        let n = assert_every_number(DocumentKind::StudyReport, &json, &text, paper);
        assert!(n > 1000, "{n} numbers only");
        for s in [
            "SYNTHETIC DATA",
            "clopper-pearson",
            "patients evaluable for response",
            "log-log",
        ] {
            assert!(text.contains(s), "{s} missing");
        }
    }
}

const DOSES: [&[&str]; 8] = [
    // A second infusion, no cap binding, bootstrap interval; identified.
    &[
        "dose",
        "examples/dose/readings.csv",
        "--weight-kg",
        "20",
        "--activity-mbq",
        "8880",
        "--study-id",
        "C01-007",
        "--patient-name",
        "Test Child",
    ],
    // D1 above the target: no second infusion; radiation protection after infusion 1.
    &[
        "dose",
        "examples/dose/readings.csv",
        "--weight-kg",
        "20",
        "--activity-mbq",
        "8880",
        "--target-gy",
        "2",
        "--bootstrap",
        "200",
    ],
    // The total-dose cap binds.
    &[
        "dose",
        "examples/dose/readings.csv",
        "--weight-kg",
        "20",
        "--activity-mbq",
        "8880",
        "--target-gy",
        "8",
        "--bootstrap",
        "200",
    ],
    // Delta method only (no A2 interval); clock times; another weight at infusion 2.
    &[
        "dose",
        "examples/dose/readings_clock.csv",
        "--infusion-end",
        "2026-03-02T13:30:00Z",
        "--weight-kg",
        "20",
        "--weight2-kg",
        "18.5",
        "--activity-mbq",
        "8880",
        "--bootstrap",
        "0",
    ],
    // The delivered dose of infusion 2.
    &[
        "dose",
        "examples/dose/readings.csv",
        "--weight-kg",
        "20",
        "--activity-mbq",
        "8880",
        "--after-second",
        "examples/dose/readings2.csv",
        "--activity2-mbq",
        "3960",
        "--bootstrap",
        "200",
    ],
    // Failed plausibility checks accepted by name (issue-9 slip case).
    &[
        "dose",
        "tests/data/dosimetry/issue9/slip_24h.csv",
        "--weight-kg",
        "20",
        "--activity-mbq",
        "8880",
        "--bootstrap",
        "0",
        "--accept",
        "rise",
        "--accept",
        "outlier",
        "--accept",
        "r-squared",
        "--accept",
        "tau-se",
        "--accept",
        "total-dose-uncertainty",
        "--accept",
        "influence",
    ],
    // Restriction periods of every family contact pattern over the course.
    &[
        "dose",
        "examples/dose/readings.csv",
        "--weight-kg",
        "20",
        "--activity-mbq",
        "8880",
        "--family",
        "--infusion-time",
        "2026-03-02T14:30+01:00",
        "--bootstrap",
        "200",
    ],
    // Trapezoid with a physical tail; caregiver closer and longer.
    &[
        "dose",
        "examples/dose/readings.csv",
        "--weight-kg",
        "20",
        "--activity-mbq",
        "8880",
        "--model",
        "trapezoid",
        "--tail",
        "physical",
        "--contact-distance-m",
        "0.5",
        "--contact-hours-per-day",
        "12",
        "--bootstrap",
        "0",
    ],
];

#[test]
fn every_number_of_the_dose_json_is_in_the_dose_pdf_on_a4_and_letter() {
    let dir = tempfile::tempdir().unwrap();
    for (i, args) in DOSES.iter().enumerate() {
        for paper in ["a4", "letter"] {
            let (json, pdf) =
                json_and_pdf(dir.path(), &format!("dose{i}-{paper}.pdf"), args, paper);
            let text = pages(&pdf).join("\n");
            let n = assert_every_number(
                DocumentKind::Dose,
                &json,
                &text,
                &format!("{args:?} {paper}"),
            );
            assert!(n > 100, "{n} numbers only");
            // The sentences of the result are printed as they are (compared
            // without white space and hyphens: lines break, and pdftotext
            // joins "delta-" + "method" at a line end into "deltamethod").
            let words = |s: &str| {
                s.chars()
                    .filter(|c| !c.is_whitespace() && *c != '-')
                    .collect::<String>()
            };
            let flat = words(&text);
            let mut sentences = vec![
                &json["statement"],
                &json["s_model"],
                &json["model_selection"]["reason"],
                &json["interval95"]["method"],
            ];
            sentences.extend(json["warnings"].as_array().unwrap());
            for s in sentences {
                let s = words(s.as_str().unwrap());
                assert!(flat.contains(&s), "'{s}' missing:\n{text}");
            }
        }
    }
}

#[test]
fn the_dose_pdf_shows_the_prescription_the_cap_and_the_instructions() {
    let dir = tempfile::tempdir().unwrap();
    let (json, pdf) = json_and_pdf(dir.path(), "d.pdf", DOSES[0], "a4");
    assert_eq!(json["patient"]["study_id"], "C01-007");
    assert_eq!(json["decision"], "second-infusion");
    let ps = pages(&pdf);
    // The prescription is on page 1, with its interval and the cap status.
    let first = &ps[0];
    for s in [
        "C01-007",
        "Test Child",
        "Prescription: infusion 2",
        "3964 MBq (107.1 mCi)",
        "95 % interval of A2",
        "Binding cap",
        "is within every cap",
    ] {
        assert!(first.contains(s), "{s} missing from page 1:\n{first}");
    }
    let text = ps.join("\n");
    for s in [
        "For the ward",
        "For the family",
        "Release from the shielded room",
        "Stem-cell return",
        "Confirm by measurement",
        "Whole-body retention (log scale)",
    ] {
        assert!(text.contains(s), "{s} missing:\n{text}");
    }
    for (i, p) in ps.iter().enumerate() {
        assert!(p.contains("UNSIGNED"), "page {} not UNSIGNED:\n{p}", i + 1);
    }
    // A binding cap is named and marked.
    let (json, pdf) = json_and_pdf(dir.path(), "c.pdf", DOSES[2], "a4");
    assert_eq!(json["binding_cap"], "max_total_dose");
    let text = pages(&pdf).join("\n");
    assert!(text.contains("max total dose lowers A2"), "{text}");
    assert!(text.contains("BINDS"), "{text}");
    // Accepted plausibility findings are printed as such, with the reading.
    let (json, pdf) = json_and_pdf(dir.path(), "g.pdf", DOSES[5], "a4");
    assert_eq!(json["plausibility"]["refused"], false);
    let ps = pages(&pdf);
    assert!(
        ps[0].contains("Prescribed although plausibility checks failed: rise, outlier"),
        "the override is not in the prescription box on page 1:\n{}",
        ps[0]
    );
    let text = ps.join("\n");
    for s in [
        "Plausibility gate: readings of infusion 1",
        "FAILED, ACCEPTED",
        "rise: ACCEPTED by --accept",
        "line 7 (row 3, 24.00 h, reading 2.1",
        "Without this reading: A2 = 1088 MBq",
    ] {
        assert!(text.contains(s), "{s} missing:\n{text}");
    }
    // The family's restriction periods, pattern by pattern.
    let (json, pdf) = json_and_pdf(dir.path(), "f.pdf", DOSES[6], "a4");
    let text = pages(&pdf).join("\n");
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let flat = words(&text);
    for p in json["family"]["patterns"].as_array().unwrap() {
        assert!(flat.contains(p["pattern"]["name"].as_str().unwrap()), "{p}");
        for i in p["instructions"].as_array().unwrap() {
            let i = words(i.as_str().unwrap());
            assert!(flat.contains(&i), "instruction missing: {i}");
        }
    }
    // No second infusion: the statement, and protection after infusion 1.
    let (json, pdf) = json_and_pdf(dir.path(), "n.pdf", DOSES[1], "a4");
    assert_eq!(json["decision"], "no-second-infusion");
    let text = pages(&pdf).join("\n");
    assert!(
        text.contains("Radiation protection after infusion 1"),
        "{text}"
    );
}

#[test]
fn a_broken_dose_template_names_its_line_and_writes_neither_pdf_nor_plot() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("centre");
    std::fs::create_dir(&t).unwrap();
    std::fs::write(
        t.join("dose.typ"),
        "#import \"mibg.typ\": *\n\n#num(data.tau_h, \"no.such.key\")\n",
    )
    .unwrap();
    let pdf = dir.path().join("d.pdf");
    let plot = dir.path().join("d.svg");
    let err = fails(&[
        "dose",
        "examples/dose/readings.csv",
        "--weight-kg",
        "20",
        "--activity-mbq",
        "8880",
        "--bootstrap",
        "0",
        "--plot",
        plot.to_str().unwrap(),
        "--pdf",
        pdf.to_str().unwrap(),
        "--templates",
        t.to_str().unwrap(),
    ]);
    assert!(err.contains("dose.typ:3:"), "{err}");
    assert!(err.contains("no number format for 'no.such.key'"), "{err}");
    assert!(!pdf.exists(), "a failed rendering wrote the PDF");
    assert!(!plot.exists(), "a failed rendering wrote the plot");
}

#[test]
fn an_unsigned_document_says_so_on_every_page_and_a_signed_one_shows_its_signature() {
    let dir = tempfile::tempdir().unwrap();
    let (_, pdf) = json_and_pdf(
        dir.path(),
        "u.pdf",
        &["study", "report", "examples/seed-study"],
        "a4",
    );
    let ps = pages(&pdf);
    assert!(ps.len() >= 3, "{} pages", ps.len());
    for (i, p) in ps.iter().enumerate() {
        assert!(
            p.contains("UNSIGNED"),
            "page {} does not say UNSIGNED:\n{p}",
            i + 1
        );
    }
    let out = dir.path().join("s.pdf");
    let stderr_args = [
        "plan",
        "--weight-kg",
        "20",
        "--height-cm",
        "110",
        "--pdf",
        out.to_str().unwrap(),
        "--creation-date",
        CREATED,
        "--sign-as",
        "Dr A. Example",
        "--meaning",
        "approved",
    ];
    let run = mibg(&stderr_args);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stderr = String::from_utf8(run.stderr).unwrap();
    let hash = stderr
        .split("content SHA-256 ")
        .nth(1)
        .unwrap()
        .trim_end_matches([')', '\n'])
        .to_string();
    assert_eq!(hash.len(), 64, "{stderr}");
    let text = pages(&out).join("\n");
    assert!(!text.contains("UNSIGNED"), "{text}");
    for s in [
        "APPROVED",
        "Dr A. Example",
        "2026-12-01 09:00:00 UTC",
        "Identity: not verified",
    ] {
        assert!(text.contains(s), "{s} missing:\n{text}");
    }
    // The hash printed on the page is the SHA-256 of the canonical JSON.
    let json: serde_json::Value = serde_json::from_str(&ok(&[
        "plan",
        "--weight-kg",
        "20",
        "--height-cm",
        "110",
        "--json",
    ]))
    .unwrap();
    assert_eq!(mibg_documents::content_hash(&json).to_string(), hash);
    assert!(text.contains(&hash), "{text}");
}

#[test]
fn rendering_is_deterministic_for_the_same_input_and_creation_date() {
    let dir = tempfile::tempdir().unwrap();
    let render = |name: &str, created: &str| {
        let p = dir.path().join(name);
        ok(&[
            "plan",
            "--weight-kg",
            "20",
            "--height-cm",
            "110",
            "--pdf",
            p.to_str().unwrap(),
            "--creation-date",
            created,
        ]);
        std::fs::read(p).unwrap()
    };
    let a = render("a.pdf", CREATED);
    let b = render("b.pdf", CREATED);
    assert!(a == b, "two renders of the same input differ");
    let c = render("c.pdf", "2026-12-02T09:00:00Z");
    assert!(a != c, "the creation date is in the file");
    let study = |name: &str| {
        let p = dir.path().join(name);
        ok(&[
            "study",
            "report",
            "examples/seed-study",
            "--pdf",
            p.to_str().unwrap(),
            "--creation-date",
            CREATED,
        ]);
        std::fs::read(p).unwrap()
    };
    assert!(
        study("s1.pdf") == study("s2.pdf"),
        "two study renders differ"
    );
    let dose = |name: &str| {
        let p = dir.path().join(name);
        let mut args: Vec<&str> = DOSES[4].to_vec();
        let ps = p.to_str().unwrap().to_string();
        args.extend(["--pdf", &ps, "--creation-date", CREATED]);
        ok(&args);
        std::fs::read(p).unwrap()
    };
    assert!(dose("d1.pdf") == dose("d2.pdf"), "two dose renders differ");
}

/// What can be checked of PDF/A-2b without a validator: the XMP
/// identification (part 2, conformance B), an sRGB output intent, every font
/// embedded, no encryption, no JavaScript, the paper size.
#[test]
fn documents_carry_the_pdfa_2b_markers_and_embed_every_font() {
    let dir = tempfile::tempdir().unwrap();
    let study: &[&str] = &["study", "report", "examples/seed-study"];
    for (kind, args) in [("plan", PLANS[0]), ("dose", DOSES[0]), ("study", study)] {
        for (paper, size) in [
            ("a4", "595.276 x 841.89 pts (A4)"),
            ("letter", "612 x 792 pts (letter)"),
        ] {
            let (_, pdf) = json_and_pdf(dir.path(), &format!("{kind}-{paper}.pdf"), args, paper);
            let p = pdf.to_str().unwrap();
            let meta = tool("pdfinfo", &["-meta", p]);
            assert!(meta.contains("<pdfaid:part>2</pdfaid:part>"), "{meta}");
            assert!(
                meta.contains("<pdfaid:conformance>B</pdfaid:conformance>"),
                "{meta}"
            );
            let info = tool("pdfinfo", &[p]);
            assert!(info.contains("Encrypted:       no"), "{info}");
            assert!(info.contains("JavaScript:      no"), "{info}");
            assert!(info.contains(size), "{info}");
            let bytes = std::fs::read(&pdf).unwrap();
            let raw = String::from_utf8_lossy(&bytes);
            assert!(
                raw.contains("/OutputIntents") && raw.contains("/GTS_PDFA1"),
                "no PDF/A output intent"
            );
            assert!(!raw.contains("/Encrypt"), "encrypted");
            let fonts = tool("pdffonts", &[p]);
            let rows: Vec<&str> = fonts.lines().skip(2).collect();
            assert!(!rows.is_empty(), "{fonts}");
            for row in rows {
                let cols: Vec<&str> = row.split_whitespace().collect();
                // name type… encoding emb sub uni object ID
                let emb = cols[cols.len() - 5];
                assert_eq!(emb, "yes", "font not embedded: {row}");
                assert!(row.contains("Noto"), "a font that is not bundled: {row}");
            }
        }
    }
}

#[test]
fn a_centre_letterhead_replaces_the_default_and_a_broken_template_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("centre");
    std::fs::create_dir(&t).unwrap();
    std::fs::write(
        t.join("letterhead.typ"),
        "#let letterhead(doc) = [*Example Hospital* · Nuclear Medicine · #doc.title]\n",
    )
    .unwrap();
    let pdf = dir.path().join("l.pdf");
    ok(&[
        "plan",
        "--weight-kg",
        "20",
        "--height-cm",
        "110",
        "--pdf",
        pdf.to_str().unwrap(),
        "--templates",
        t.to_str().unwrap(),
    ]);
    let ps = pages(&pdf);
    for p in &ps {
        assert!(p.contains("Example Hospital"), "{p}");
    }
    std::fs::write(
        t.join("letterhead.typ"),
        "#let letterhead(doc) = [#doc.no_such_field]\n",
    )
    .unwrap();
    let bad = dir.path().join("bad.pdf");
    let err = fails(&[
        "plan",
        "--weight-kg",
        "20",
        "--height-cm",
        "110",
        "--pdf",
        bad.to_str().unwrap(),
        "--templates",
        t.to_str().unwrap(),
    ]);
    assert!(err.contains("letterhead.typ:1:"), "{err}");
    assert!(!bad.exists(), "a failed rendering wrote a file");
}

#[test]
fn templates_export_writes_the_builtin_set_once() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t");
    let out = ok(&["templates", "export", t.to_str().unwrap()]);
    assert!(out.contains("template files written"), "{out}");
    assert_eq!(
        std::fs::read_to_string(t.join("letterhead.typ")).unwrap(),
        Templates::builtin_files()
            .find(|(n, _)| *n == "letterhead.typ")
            .unwrap()
            .1
    );
    assert!(t.join("formats/plan.toml").is_file());
    let err = fails(&["templates", "export", t.to_str().unwrap()]);
    assert!(err.contains("exists"), "{err}");
}

#[test]
fn pdf_options_without_pdf_are_usage_errors() {
    let out = mibg(&[
        "plan",
        "--weight-kg",
        "20",
        "--height-cm",
        "110",
        "--paper",
        "letter",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = mibg(&[
        "plan",
        "--weight-kg",
        "20",
        "--height-cm",
        "110",
        "--pdf",
        "/tmp/x.pdf",
        "--paper",
        "a5",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a paper size"));
}
