//! The study area, route by route without a socket, each test on a fresh
//! SQLite database with the demo seed: the study page shows the numbers of
//! the library's report of the caller's centres; the pseudonymised export
//! is the library's analysis datasets, audited, with formula cells
//! neutralised; the PDF documents are PDFs whose text carries the key
//! numbers and the registry's signatures (or UNSIGNED).
//!
//! The PDF checks need poppler's `pdftotext` (installed by `scripts/test`).

mod common;

use axum::http::{StatusCode, header};
use common::App;
use mibg_clinic::cohort::StudyReport;
use mibg_clinic::cohort::render::estimate_text;
use mibg_store::{Prescription, Role, Scope};
use serde_json::Value;

/// The report `mibg study report --db URL --centre Rome` computes: the
/// operator narrowed to Rome (the demo accounts' centre).
async fn rome_report(app: &App) -> StudyReport {
    let op = Scope::operator("t");
    let rome = app.store.centre_by_code(&op, "Rome").await.unwrap();
    let input = app
        .store
        .study_folder(&op.narrowed(&[rome.id]), false)
        .await
        .unwrap();
    mibg_clinic::cohort::report(&input).unwrap()
}

/// As the report's HTML escapes text.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn two(v: &Value) -> String {
    v.as_f64().map_or("–".into(), |x| format!("{x:.2}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_study_page_shows_the_library_report_of_the_callers_centres() {
    let app = study_app(None).await;
    let expected = rome_report(&app).await;
    let json = serde_json::to_value(&expected).unwrap();
    for role in [Role::Statistician, Role::Monitor, Role::Physician] {
        let mut c = app.client(role).await;
        let r = c.get("/study").await;
        assert_eq!(r.status, StatusCode::OK, "{role}: {}", r.body);
        let page = &r.body;
        // Every estimate of the JSON: the rounded text, x/n, the exact
        // percentages (two decimals), the denominator rule.
        let estimates = json["cohort"].as_object().unwrap();
        let mut seen = 0;
        for e in expected.cohort.estimates() {
            assert!(page.contains(&esc(&estimate_text(e))), "{role}: {}", e.name);
            assert!(page.contains(&format!("{}/{}", e.x, e.n)), "{}", e.name);
            assert!(page.contains(&esc(&e.denominator_rule)), "{}", e.name);
            seen += 1;
        }
        assert!(seen >= 3, "{seen} estimates");
        // The same numbers read back from the JSON document itself.
        let mut from_json = 0;
        for v in estimates.values() {
            if let (Some(name), Some(_)) = (v.get("name"), v.get("denominator_rule")) {
                let exact = format!(
                    "{} ({}–{})",
                    two(&v["percent"]),
                    two(&v["lower_pct"]),
                    two(&v["upper_pct"])
                );
                assert!(page.contains(&exact), "{name}: {exact}");
                from_json += 1;
            }
        }
        assert!(from_json >= 1, "estimates found in the JSON");
        assert!(page.contains(&format!(
            "{} ({} female, {} male)",
            expected.cohort.n, expected.cohort.female, expected.cohort.male
        )));
        // The Kaplan–Meier figures, the landmarks.
        assert!(page.contains(&esc(&format!(
            "{} ({})",
            expected.cohort.os.name, expected.cohort.os.method
        ))));
        assert!(page.matches("Number at risk").count() >= 2);
        for l in &expected.cohort.os.landmarks {
            assert!(page.contains(&format!("<td class=\"n\">{}</td>", l.n_risk)));
        }
        // Only Rome's patients: every patient of the report, none other.
        for p in &expected.patients {
            assert!(page.contains(&format!("<td>{}</td>", p.patient)));
        }
        let op = Scope::operator("t");
        let rome = app.store.centre_by_code(&op, "Rome").await.unwrap();
        for p in app.store.list_patients(&op).await.unwrap() {
            if p.centre_id != rome.id {
                assert!(
                    !page.contains(&format!("<td>{}</td>", p.record.study_id)),
                    "{role} sees {} of another centre",
                    p.record.study_id
                );
            }
        }
        // The export is offered to those with the right (all three here).
        assert!(page.contains("/study/export.zip"));
        assert!(page.contains("/study/report.pdf"));
    }
}

/// Members of a stored zip: (name, bytes), read from the local headers.
fn unzip(z: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut i = 0;
    let u16_at = |i: usize| u16::from_le_bytes([z[i], z[i + 1]]) as usize;
    let u32_at = |i: usize| u32::from_le_bytes([z[i], z[i + 1], z[i + 2], z[i + 3]]);
    while z[i..i + 4] == [0x50, 0x4b, 0x03, 0x04] {
        assert_eq!(u16_at(i + 8), 0, "stored");
        let crc = u32_at(i + 14);
        let size = u32_at(i + 18) as usize;
        let n = u16_at(i + 26);
        let extra = u16_at(i + 28);
        let name = String::from_utf8(z[i + 30..i + 30 + n].to_vec()).unwrap();
        let start = i + 30 + n + extra;
        let data = z[start..start + size].to_vec();
        assert_eq!(crc32(&data), crc, "{name}: CRC-32");
        out.push((name, data));
        i = start + size;
    }
    assert_eq!(&z[i..i + 4], &[0x50, 0x4b, 0x01, 0x02], "central directory");
    out
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), bit by bit: an
/// implementation independent of the one the application uses.
fn crc32(b: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &x in b {
        c ^= u32::from(x);
        for _ in 0..8 {
            c = if c & 1 == 1 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

async fn study_app(title: Option<&str>) -> App {
    App::study_only(title).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_is_the_librarys_datasets_audited_and_neutralised() {
    let evil = "=HYPERLINK(\"http://evil.example\",\"click\")";
    let app = study_app(Some(evil)).await;
    let mut c = app.client(Role::Statistician).await;
    let r = c.submit("/study/export.zip", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/zip");
    let disposition = r.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(disposition.starts_with("attachment; filename=\"mibg-analysis-"));
    // The body as bytes (the client decoded it lossily: re-fetch raw).
    let bytes = raw_post(&app, &c, "/study/export.zip").await;
    let files = unzip(&bytes);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["adsl.csv", "adtte.csv", "dictionary.csv"]);
    // The library's datasets of Rome's pseudonymised folder.
    let expected = mibg_clinic::cohort::export::analysis_datasets(&rome_report(&app).await);
    let adsl = String::from_utf8(files[0].1.clone()).unwrap();
    assert_eq!(adsl, expected.adsl);
    assert_eq!(
        String::from_utf8(files[1].1.clone()).unwrap(),
        expected.adtte
    );
    // The formula is a text cell now: a leading apostrophe, quoted (it
    // holds quotes and a comma), in every row.
    let neutral = "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\"";
    let rows: Vec<&str> = adsl.lines().skip(1).collect();
    assert!(!rows.is_empty());
    for row in &rows {
        assert!(row.starts_with(neutral), "{row}");
    }
    // No cell of any file starts with a formula character unprefixed.
    for (name, data) in &files {
        let text = String::from_utf8(data.clone()).unwrap();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        for rec in reader.records() {
            for cell in rec.unwrap().iter() {
                assert!(
                    !(cell.starts_with(['=', '+', '@', '\t', '\r'])
                        || (cell.starts_with('-') && cell.parse::<f64>().is_err())),
                    "{name}: cell {cell:?}"
                );
            }
        }
    }
    // No identifying data: neither names nor dates of birth of the identity table.
    assert!(!adsl.to_lowercase().contains("birth"));
    // Audited: two exports by the statistician, of Rome, pseudonymised.
    let op = Scope::operator("t");
    let audit = app
        .store
        .audit_by_action(
            &op,
            mibg_store::audit::action::EXPORT,
            "1970-01-01T00:00:00Z",
            10,
        )
        .await
        .unwrap();
    assert_eq!(audit.len(), 2, "{audit:?}");
    let stat = app.account(Role::Statistician);
    for a in &audit {
        assert_eq!(a.actor_name, stat.printed_name);
        let v: Value = serde_json::from_str(a.new_value.as_deref().unwrap()).unwrap();
        assert_eq!(v["identified"], false);
        assert_eq!(v["patients"].as_u64().unwrap() as usize, rows.len(), "{v}");
    }
    // A nurse has no export right.
    let mut nurse = app.client(Role::Nurse).await;
    assert_eq!(
        nurse.submit("/study/export.zip", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    // Without the session's CSRF token: refused, and not audited.
    let r = c.post("/study/export.zip", &[("csrf", "forged")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let audit = app
        .store
        .audit_by_action(
            &op,
            mibg_store::audit::action::EXPORT,
            "1970-01-01T00:00:00Z",
            10,
        )
        .await
        .unwrap();
    assert_eq!(audit.len(), 2);
}

/// The raw bytes of a POST (the test client keeps text only).
async fn raw_post(app: &App, c: &common::Client, path: &str) -> Vec<u8> {
    use axum::body::Body;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let cookies = c
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let req = axum::http::Request::post(path)
        .header(header::COOKIE, cookies)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("csrf={}", c.csrf)))
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec()
}

async fn raw_get(app: &App, c: &common::Client, path: &str) -> (StatusCode, String, Vec<u8>) {
    use axum::body::Body;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let cookies = c
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let req = axum::http::Request::get(path)
        .header(header::COOKIE, cookies)
        .body(Body::empty())
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let ct = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, ct, body)
}

/// The text of a PDF, by poppler's pdftotext; also saves the PDF under
/// target/screenshots for a look (pdftoppm).
fn pdf_text(name: &str, pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF-"), "{name}: not a PDF");
    let dir = common::repo().join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by scripts/test");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_study_report_pdf_carries_the_report_numbers() {
    let app = study_app(None).await;
    let expected = rome_report(&app).await;
    let c = app.client(Role::Statistician).await;
    let (status, ct, pdf) = raw_get(&app, &c, "/study/report.pdf").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ct, "application/pdf");
    let text = pdf_text("study-report.pdf", &pdf);
    for p in &expected.patients {
        assert!(text.contains(&p.patient), "{}", p.patient);
    }
    assert!(text.contains(&format!("{}", expected.cohort.n)));
    // The first landmark of OS, as the report rounds it.
    let l = &expected.cohort.os.landmarks[0];
    let pct = format!(
        "{:.0}",
        mibg_clinic::cohort::render::round_half_up(l.percent)
    );
    assert!(text.contains(&pct), "OS landmark {pct} %");
    assert!(text.contains("UNSIGNED"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plan_pdf_shows_the_plan_and_its_registry_signatures() {
    let app = App::demo().await;
    let course = app.course_id("DEMO-01").await;
    let c = app.client(Role::Nurse).await;
    let (status, ct, pdf) = raw_get(&app, &c, &format!("/courses/{course}/plan.pdf")).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&pdf));
    assert_eq!(ct, "application/pdf");
    let text = pdf_text("plan-DEMO-01.pdf", &pdf);
    let op = Scope::operator("t");
    let pid = app.patient_id("DEMO-01").await;
    let plan = app
        .store
        .list::<Prescription>(&op, pid)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.record.infusion_number == 1)
        .unwrap();
    assert!(text.contains("DEMO-01"));
    assert!(
        text.contains(&format!("{:.0}", plan.record.activity_mbq.mbq())),
        "A1 {} MBq in:\n{text}",
        plan.record.activity_mbq.mbq()
    );
    // The demo's plan is authored by the physicist and approved by the
    // physician: both names, both meanings, and no UNSIGNED mark.
    for role in [Role::Physicist, Role::Physician] {
        let name = &app.account(role).printed_name;
        assert!(text.contains(name.as_str()), "{name} in:\n{text}");
    }
    assert!(text.contains("APPROVED") && text.contains("AUTHORED"));
    assert!(!text.contains("UNSIGNED"), "{text}");
    // Another centre's course is not found.
    let other = other_centre_course(&app).await;
    let (status, _, _) = raw_get(&app, &c, &format!("/courses/{other}/plan.pdf")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn other_centre_course(app: &App) -> i64 {
    let op = Scope::operator("t");
    let rome = app.store.centre_by_code(&op, "Rome").await.unwrap();
    let p = app
        .store
        .list_patients(&op)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.centre_id != rome.id)
        .unwrap();
    app.store.courses(&op, p.id).await.unwrap()[0].id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dosimetry_pdf_is_unsigned_until_the_prescription_is_signed() {
    let app = App::demo().await;
    // SYN-01 (imported): assessable, its infusion-2 prescription has no
    // registry signature.
    let course = app.course_id("SYN-01").await;
    let a = app
        .store
        .assess_dosimetry(&Scope::operator("t"), course)
        .await
        .unwrap();
    let mibg_store::DosimetryOutcome::Assessed(d) = a.outcome else {
        panic!("SYN-01 is assessable")
    };
    let c = app.client(Role::Physicist).await;
    let (status, ct, pdf) = raw_get(&app, &c, &format!("/courses/{course}/dosimetry.pdf")).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&pdf));
    assert_eq!(ct, "application/pdf");
    let text = pdf_text("dosimetry-SYN-01.pdf", &pdf);
    assert!(text.contains("SYN-01"));
    assert!(
        text.contains(&format!("{:.2}", d.dose1.gy())),
        "D1 in:\n{text}"
    );
    assert!(
        text.contains(&format!("{:.0}", d.second_activity.mbq())),
        "A2 {} in:\n{text}",
        d.second_activity.mbq()
    );
    assert!(text.contains("UNSIGNED"));
    // DEMO-01 without readings: no document, a clear refusal.
    let demo = app.course_id("DEMO-01").await;
    let (status, _, body) = raw_get(&app, &c, &format!("/courses/{demo}/dosimetry.pdf")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(String::from_utf8_lossy(&body).contains("no readings after infusion 1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registry_that_is_not_a_valid_study_shows_its_problems() {
    // The demo's DEMO-01 is in treatment: infused after the seed study's
    // data cut-off, no follow-up yet. The report refuses, by file and row.
    let app = App::demo().await;
    let mut c = app.client(Role::Statistician).await;
    let r = c.get("/study").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("the data do not make a valid study yet"));
    assert!(r.body.contains("after the data cut-off"), "{}", r.body);
    assert!(!r.body.contains("Number at risk"));
    let (status, _, body) = raw_get(&app, &c, "/study/report.pdf").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(String::from_utf8_lossy(&body).contains("no study report for your centres"));
}
