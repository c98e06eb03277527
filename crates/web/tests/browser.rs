//! The whole course in a real headless Chromium (Debian's `chromium` and
//! `chromium-driver`, WebDriver through fantoccini): a nurse enters the
//! readings, a physicist proposes A2, the same physicist cannot approve, a
//! physician approves, the page shows both signatures; a monitor reads the
//! history. Screenshots of each page go to `target/screenshots/`.
//!
//! Skipped, with a message, only when `chromedriver` is not installed.

mod common;

use common::App;
use fantoccini::{ClientBuilder, Locator};
use mibg_store::Role;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const SYN01_READINGS: [(&str, &str); 9] = [
    ("0.0", "301.59"),
    ("3.49", "250.23"),
    ("8.14", "198.4"),
    ("23.77", "107.87"),
    ("32.34", "85.27"),
    ("48.52", "59.35"),
    ("72.17", "38.74"),
    ("96.33", "25.44"),
    ("120.72", "17.24"),
];

fn chromedriver() -> Option<PathBuf> {
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/lib/chromium/chromium"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

struct Driver(Child);
impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn shots() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&d).unwrap();
    d
}

async fn shot(c: &fantoccini::Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    std::fs::write(shots().join(format!("{name}.png")), png).unwrap();
}

/// Waits (at most 20 s) for an element: the page after a click may not be
/// loaded yet when the click returns.
async fn wait_for(c: &fantoccini::Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(std::time::Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
}

/// Waits (at most 20 s) until the element's text is `expected`.
async fn wait_text(c: &fantoccini::Client, css: &str, expected: &str) {
    let mut last = String::new();
    for _ in 0..200 {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(t) = e.text().await
        {
            if t == expected {
                return;
            }
            last = t;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{css}: expected '{expected}', last seen '{last}'");
}

/// Waits (at most 20 s) until the element's text contains every needle,
/// finding it again at each try: a page that is still being replaced after
/// a form's redirect can hand back an element of the old document
/// ("Node … does not belong to the document"), which is a retry, not a
/// failure. Returns the text.
async fn wait_text_containing(c: &fantoccini::Client, css: &str, needles: &[&str]) -> String {
    let mut last = String::new();
    for _ in 0..200 {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(t) = e.text().await
        {
            if needles.iter().all(|n| t.contains(n)) {
                return t;
            }
            last = t;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{css}: expected {needles:?}, last seen '{last}'");
}

/// Sets a date field (typing into `<input type="date">` depends on the
/// browser's locale).
async fn set_date(c: &fantoccini::Client, css: &str, iso: &str) {
    c.execute(
        "document.querySelector(arguments[0]).value = arguments[1];",
        vec![css.into(), iso.into()],
    )
    .await
    .unwrap();
}

async fn sign_in(c: &fantoccini::Client, base: &str, user: &str, password: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys(user)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    c.find(Locator::Css("form[action='/login'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let who = wait_for(c, ".who").await.text().await.unwrap();
    assert!(
        who.contains(&format!("Demo {}", &user[..1].to_uppercase())),
        "{who}"
    );
}

async fn sign_out(c: &fantoccini::Client) {
    c.find(Locator::Css("form[action='/logout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(c, "#username").await;
}

async fn tick_all_and_sign(c: &fantoccini::Client, form: &str, password: &str) {
    for b in c
        .find_all(Locator::Css(&format!("{form} input[name='ack']")))
        .await
        .unwrap()
    {
        b.click().await.unwrap();
    }
    c.find(Locator::Css(&format!("{form} input[name='password']")))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    c.find(Locator::Css(&format!("{form} button")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_course_in_headless_chromium() {
    let (Some(driver), Some(browser)) = (chromedriver(), chromium()) else {
        eprintln!(
            "SKIPPED a_whole_course_in_headless_chromium: chromedriver or chromium not installed (Debian: apt-get install chromium chromium-driver)"
        );
        return;
    };
    let app = App::demo().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(mibg_web::serve(listener, app.state.clone(), async {
        let _ = stopped.await;
    }));
    let port = free_port();
    let _driver = Driver(
        Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": browser,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--no-first-run",
                     "--window-size=1280,2400",
                     format!("--user-data-dir={}", profile.path().display())]
        }),
    );
    let mut client = None;
    for _ in 0..50 {
        match ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
        }
    }
    let c = client.expect("chromedriver answers");
    let course = app.course_id("DEMO-01").await;

    // 1. The nurse enters the readings of infusion 1, one by one.
    let nurse = app.account(Role::Nurse).clone();
    sign_in(&c, &base, &nurse.username, &nurse.password).await;
    shot(&c, "01-home-nurse").await;
    c.goto(&format!("{base}/patients")).await.unwrap();
    shot(&c, "02-patients").await;
    c.find(Locator::LinkText("DEMO-01"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .at_most(std::time::Duration::from_secs(20))
        .for_element(Locator::LinkText("Course 1"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "form[action$='/readings']").await;
    for (n, (h, r)) in SYN01_READINGS.into_iter().enumerate() {
        let form = "form[action$='/readings']";
        c.find(Locator::Css(&format!("{form} input[name='hours']")))
            .await
            .unwrap()
            .send_keys(h)
            .await
            .unwrap();
        c.find(Locator::Css(&format!("{form} input[name='reading']")))
            .await
            .unwrap()
            .send_keys(r)
            .await
            .unwrap();
        c.find(Locator::Css(&format!("{form} input[name='background']")))
            .await
            .unwrap()
            .send_keys("0.1")
            .await
            .unwrap();
        c.find(Locator::Css(&format!("{form} button")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        // The page after the redirect shows one more reading.
        let mut shown = 0;
        for _ in 0..100 {
            shown = c
                .find_all(Locator::Css("table.readings tbody tr"))
                .await
                .map_or(0, |v| v.len());
            if shown == n + 1 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(shown, n + 1, "reading {} saved and shown", n + 1);
    }
    shot(&c, "03-course-readings-entered").await;
    sign_out(&c).await;

    // 2. The physicist reads the dosimetry and proposes A2.
    let phys = app.account(Role::Physicist).clone();
    sign_in(&c, &base, &phys.username, &phys.password).await;
    c.goto(&format!("{base}/courses/{course}/dosimetry"))
        .await
        .unwrap();
    wait_for(&c, "figure.plot svg").await;
    shot(&c, "04-dosimetry").await;
    tick_all_and_sign(&c, "form[action$='/propose']", &phys.password).await;
    let pid = app.patient_id("DEMO-01").await;
    let mut rx = None;
    for _ in 0..200 {
        rx = app
            .store
            .list::<mibg_store::Prescription>(&mibg_store::Scope::operator("t"), pid)
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.record.infusion_number == 2)
            .map(|p| p.id);
        if rx.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let section = format!("#prescription-{}", rx.expect("the proposal is stored"));
    wait_text(
        &c,
        &format!("{section} .badge"),
        "authored, awaiting approval",
    )
    .await;
    // The same physicist cannot approve: no approval form for them.
    assert!(
        c.find_all(Locator::Css("form[action$='/approve']"))
            .await
            .unwrap()
            .is_empty()
    );
    shot(&c, "05-proposed").await;
    sign_out(&c).await;

    // 3. The physician approves.
    let doc = app.account(Role::Physician).clone();
    sign_in(&c, &base, &doc.username, &doc.password).await;
    c.goto(&format!("{base}/courses/{course}")).await.unwrap();
    tick_all_and_sign(&c, "form[action$='/approve']", &doc.password).await;
    wait_text(&c, &format!("{section} .badge"), "approved").await;
    let sigs: Vec<String> = {
        let mut v = Vec::new();
        for e in c
            .find_all(Locator::Css(&format!("{section} li.signature")))
            .await
            .unwrap()
        {
            v.push(e.text().await.unwrap());
        }
        v
    };
    assert_eq!(sigs.len(), 2, "{sigs:?}");
    assert!(
        sigs[0].starts_with("Demo Physicist — authored") && sigs[0].contains("valid"),
        "{sigs:?}"
    );
    assert!(
        sigs[1].starts_with("Demo Physician — approved") && sigs[1].contains("valid"),
        "{sigs:?}"
    );
    shot(&c, "06-approved").await;

    // 3b. The physician's clinical pages: the imported course's toxicity
    // (grades, ANC/platelet chart with the engraftment days) …
    let syn = app.course_id("SYN-01").await;
    c.goto(&format!("{base}/courses/{syn}/toxicity"))
        .await
        .unwrap();
    wait_for(&c, "svg.chart line.engraftment").await;
    shot(&c, "08-toxicity").await;
    c.goto(&format!("{base}/courses/{syn}/response"))
        .await
        .unwrap();
    wait_for(&c, "#result").await;
    shot(&c, "09-response-imported").await;
    // … a labs file with problems: every one listed, nothing saved …
    c.goto(&format!("{base}/courses/{course}/toxicity"))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("ward-labs.csv");
    std::fs::write(
        &bad,
        "patient,date,test,value,unit,lln,uln\nDEMO-01,2026-13-01,neutrophils,0.4,10^9/L,1.5,\nDEMO-01,2026-01-20,platelets,12,mg/dL,150,400\nSYN-01,2026-01-21,platelets,4x,10^9/L,150,400\n",
    )
    .unwrap();
    wait_for(&c, "form[action*='/labs.csv'] input[type='file']")
        .await
        .send_keys(&bad.display().to_string())
        .await
        .unwrap();
    c.find(Locator::Css("form[action*='/labs.csv'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let problems = wait_for(&c, "#problems").await.text().await.unwrap();
    assert!(problems.contains("3 problems"), "{problems}");
    shot(&c, "10-labs-problems").await;
    // … an adverse event from the term's own grades …
    c.goto(&format!("{base}/courses/{course}/toxicity"))
        .await
        .unwrap();
    let form = "form[action$='/events']";
    wait_for(&c, &format!("{form} input[name='date']")).await;
    set_date(&c, &format!("{form} input[name='date']"), "2026-01-20").await;
    c.find(Locator::Css(&format!("{form} select")))
        .await
        .unwrap()
        .select_by_value("febrile_neutropenia:3")
        .await
        .unwrap();
    c.find(Locator::Css(&format!("{form} button")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "tr.grade-3").await;
    shot(&c, "11-adverse-event").await;
    // … and a baseline assessment: the live SIOPEN total (the embedded
    // script runs under the CSP), then the server's total after saving.
    c.goto(&format!("{base}/courses/{course}/response"))
        .await
        .unwrap();
    wait_for(&c, "form.assessment input[name='date']").await;
    set_date(&c, "form.assessment input[name='date']", "2026-01-10").await;
    for s in c.find_all(Locator::Css("select.segment")).await.unwrap() {
        s.select_by_value("3").await.unwrap();
    }
    wait_text(&c, "#siopen-total", "36 of 72").await;
    shot(&c, "12-assessment-form").await;
    c.find(Locator::Css("form.assessment button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let table = wait_for(&c, "table.small").await.text().await.unwrap();
    assert!(table.contains("SIOPEN 36"), "{table}");
    shot(&c, "13-response").await;
    // … and follow-up on an imported course (SYN-03: last contact
    // 2024-08-07): a progression after the last contact is refused by the
    // folder's rule, named on the form; a relapse before it is saved.
    let syn03 = app.course_id("SYN-03").await;
    c.goto(&format!("{base}/courses/{syn03}#follow-up"))
        .await
        .unwrap();
    let form = "form.follow-up";
    wait_for(&c, form).await;
    c.find(Locator::Css(&format!("{form} select[name='event']")))
        .await
        .unwrap()
        .select_by_value("progression")
        .await
        .unwrap();
    set_date(&c, &format!("{form} input[name='date']"), "2024-09-01").await;
    c.find(Locator::Css(&format!("{form} button")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let problems = wait_for(&c, "#follow-up .problems")
        .await
        .text()
        .await
        .unwrap();
    assert!(problems.contains("after the last contact"), "{problems}");
    // The form's action ends in `#follow-up`: the answer opens at the section.
    shot(&c, "14-follow-up-refused").await;
    c.find(Locator::Css(&format!("{form} select[name='event']")))
        .await
        .unwrap()
        .select_by_value("relapse")
        .await
        .unwrap();
    set_date(&c, &format!("{form} input[name='date']"), "2020-06-01").await;
    c.find(Locator::Css(&format!("{form} input[name='notes']")))
        .await
        .unwrap()
        .send_keys("new bone lesions on MIBG")
        .await
        .unwrap();
    c.find(Locator::Css(&format!("{form} button")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(
        &c,
        "#follow-up tbody tr:first-child td:nth-child(2)",
        "relapse",
    )
    .await;
    shot(&c, "15-follow-up").await;
    sign_out(&c).await;

    // 4. The monitor reads the history.
    let mon = app.account(Role::Monitor).clone();
    sign_in(&c, &base, &mon.username, &mon.password).await;
    c.goto(&format!("{base}/patients/{pid}/history"))
        .await
        .unwrap();
    let text = wait_for(&c, "table.grid").await.text().await.unwrap();
    assert!(text.contains("Demo Physician") && text.contains("sign"));
    shot(&c, "07-history").await;

    c.close().await.unwrap();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

/// The study page in a real headless Chromium: a statistician signs in,
/// opens the study page from the navigation, sees the cohort report with
/// its Kaplan–Meier figures and the export button (the seed study alone:
/// a complete study, so the report exists).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_study_page_in_headless_chromium() {
    let (Some(driver), Some(browser)) = (chromedriver(), chromium()) else {
        eprintln!(
            "SKIPPED the_study_page_in_headless_chromium: chromedriver or chromium not installed (Debian: apt-get install chromium chromium-driver)"
        );
        return;
    };
    let app = App::study_only(None).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(mibg_web::serve(listener, app.state.clone(), async {
        let _ = stopped.await;
    }));
    let port = free_port();
    let _driver = Driver(
        Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": browser,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--no-first-run",
                     "--window-size=1280,2400",
                     format!("--user-data-dir={}", profile.path().display())]
        }),
    );
    let mut client = None;
    for _ in 0..50 {
        match ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
        }
    }
    let c = client.expect("chromedriver answers");
    let stat = app.account(Role::Statistician).clone();
    sign_in(&c, &base, &stat.username, &stat.password).await;
    c.find(Locator::LinkText("Study"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let report = wait_for(&c, "section.study-report").await;
    let text = report.text().await.unwrap();
    assert!(text.contains("Estimate"), "{text}");
    // Both Kaplan–Meier figures (OS and EFS) are drawn.
    let figures = c
        .find_all(Locator::Css("section.study-report svg"))
        .await
        .unwrap();
    assert!(figures.len() >= 3, "patient flow + two KM figures");
    assert!(text.contains("Number at risk"), "{text}");
    assert!(
        c.find(Locator::Css("form[action='/study/export.zip'] button"))
            .await
            .is_ok()
    );
    shot(&c, "08-study").await;
    c.close().await.unwrap();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

async fn fill(c: &fantoccini::Client, css: &str, text: &str) {
    let e = c.find(Locator::Css(css)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

async fn click(c: &fantoccini::Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// A new patient in a real headless Chromium: a nurse enrols her with her
/// identifying data, a physicist plans the course (the plan of `mibg
/// plan`, signed as author), a physician approves it, the nurse records
/// infusion 1 from the hot-lab record (a refused entry first), then a
/// stem-cell return and a transfusion. Screenshots `20-…` to `28-…`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_patient_planned_and_infused_in_headless_chromium() {
    let (Some(driver), Some(browser)) = (chromedriver(), chromium()) else {
        eprintln!(
            "SKIPPED a_new_patient_planned_and_infused_in_headless_chromium: chromedriver or chromium not installed"
        );
        return;
    };
    let app = App::demo().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(mibg_web::serve(listener, app.state.clone(), async {
        let _ = stopped.await;
    }));
    let port = free_port();
    let _driver = Driver(
        Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": browser,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--no-first-run",
                     "--window-size=1280,1600",
                     format!("--user-data-dir={}", profile.path().display())]
        }),
    );
    let mut client = None;
    for _ in 0..50 {
        match ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
        }
    }
    let c = client.expect("chromedriver answers");

    // 1. The nurse enrols the patient.
    let nurse = app.account(Role::Nurse).clone();
    sign_in(&c, &base, &nurse.username, &nurse.password).await;
    c.goto(&format!("{base}/patients")).await.unwrap();
    c.find(Locator::LinkText("New patient"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "form[action='/patients']").await;
    let f = "form[action='/patients']";
    fill(&c, &format!("{f} input[name='patient']"), "ROM-501").await;
    c.find(Locator::Css(&format!("{f} select[name='sex']")))
        .await
        .unwrap()
        .select_by_value("F")
        .await
        .unwrap();
    fill(&c, &format!("{f} input[name='weight_kg']"), "18.5").await;
    fill(&c, &format!("{f} input[name='height_cm']"), "108").await;
    set_date(
        &c,
        &format!("{f} input[name='enrolment_date']"),
        "2026-02-02",
    )
    .await;
    fill(&c, &format!("{f} input[name='name']"), "Giulia Esempio").await;
    set_date(&c, &format!("{f} input[name='birth_date']"), "2021-09-14").await;
    fill(
        &c,
        &format!("{f} input[name='hospital_number']"),
        "RM-0042917",
    )
    .await;
    shot(&c, "20-new-patient").await;
    click(&c, &format!("{f} button")).await;
    let id = wait_for(&c, "section.identity").await.text().await.unwrap();
    assert!(
        id.contains("Giulia Esempio") && id.contains("RM-0042917"),
        "{id}"
    );
    shot(&c, "21-patient-identity").await;
    sign_out(&c).await;
    let pid = app.patient_id("ROM-501").await;

    // 2. The physicist plans the course and signs the plan as its author.
    let phys = app.account(Role::Physicist).clone();
    sign_in(&c, &base, &phys.username, &phys.password).await;
    c.goto(&format!("{base}/patients/{pid}")).await.unwrap();
    c.find(Locator::LinkText("Plan a course"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let plan = wait_for(&c, "#plan").await.text().await.unwrap();
    // 444 MBq/kg × 18.5 kg = 8214 MBq = 222.0 mCi.
    assert!(plan.contains("8214 MBq (222.0 mCi)"), "{plan}");
    shot(&c, "22-plan").await;
    tick_all_and_sign(&c, "form[action$='/courses']", &phys.password).await;
    let status = wait_for(&c, "p.status").await.text().await.unwrap();
    assert!(status.contains("Reached: enrolled"), "{status}");
    shot(&c, "23-course-plan-authored").await;
    sign_out(&c).await;
    let course = app.course_id("ROM-501").await;

    // 3. A physician approves the plan.
    let doc = app.account(Role::Physician).clone();
    sign_in(&c, &base, &doc.username, &doc.password).await;
    c.goto(&format!("{base}/courses/{course}")).await.unwrap();
    tick_all_and_sign(&c, "form[action$='/approve']", &doc.password).await;
    let status = wait_for(&c, "p.status").await.text().await.unwrap();
    assert!(status.contains("Reached: plan signed"), "{status}");
    shot(&c, "24-plan-approved").await;
    sign_out(&c).await;

    // 4. The nurse records infusion 1: a unit forgotten first, then right.
    sign_in(&c, &base, &nurse.username, &nurse.password).await;
    c.goto(&format!("{base}/courses/{course}")).await.unwrap();
    c.find(Locator::LinkText("Record infusion 1 as given"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let f = "form[action$='/infusions']";
    wait_for(&c, f).await;
    fill(&c, &format!("{f} input[name='assayed']"), "8300").await;
    set_date(
        &c,
        &format!("{f} input[name='assay_time']"),
        "2026-03-02T08:00",
    )
    .await;
    set_date(
        &c,
        &format!("{f} input[name='start_time']"),
        "2026-03-02T10:00",
    )
    .await;
    set_date(
        &c,
        &format!("{f} input[name='end_time']"),
        "2026-03-02T11:30",
    )
    .await;
    fill(&c, &format!("{f} input[name='weight_kg']"), "18.4").await;
    fill(&c, &format!("{f} input[name='residual']"), "45").await;
    c.find(Locator::Css(&format!("{f} select[name='residual_unit']")))
        .await
        .unwrap()
        .select_by_value("MBq")
        .await
        .unwrap();
    set_date(
        &c,
        &format!("{f} input[name='residual_time']"),
        "2026-03-02T12:00",
    )
    .await;
    shot(&c, "25-infusion-form").await;
    click(&c, &format!("{f} button")).await;
    let problems = wait_for(&c, "#problems").await.text().await.unwrap();
    assert!(problems.contains("assayed_unit"), "{problems}");
    shot(&c, "26-infusion-refused").await;
    c.find(Locator::Css(&format!("{f} select[name='assayed_unit']")))
        .await
        .unwrap()
        .select_by_value("MBq")
        .await
        .unwrap();
    click(&c, &format!("{f} button")).await;
    let card = wait_for(&c, "#infusion-1 dl.hot-lab")
        .await
        .text()
        .await
        .unwrap();
    assert!(card.contains("Net administered"), "{card}");
    c.goto(&format!("{base}/courses/{course}#infusion-1"))
        .await
        .unwrap();
    wait_for(&c, "#infusion-1").await;
    shot(&c, "27-infusion-given").await;

    // 5. A stem-cell return and a platelet transfusion.
    c.goto(&format!("{base}/courses/{course}/toxicity#supportive"))
        .await
        .unwrap();
    let f = "form[action$='/stem-cells']";
    wait_for(&c, f).await;
    set_date(&c, &format!("{f} input[name='date']"), "2026-03-20").await;
    fill(&c, &format!("{f} input[name='cd34_e6_per_kg']"), "4.2").await;
    click(&c, &format!("{f} button")).await;
    let f = "form[action$='/transfusions']";
    wait_for(&c, f).await;
    set_date(&c, &format!("{f} input[name='date']"), "2026-03-23").await;
    click(&c, &format!("{f} button")).await;
    wait_for(&c, "#supportive + p + div.two table").await;
    c.goto(&format!("{base}/courses/{course}/toxicity#supportive"))
        .await
        .unwrap();
    wait_for(&c, "#supportive").await;
    shot(&c, "28-stem-cells-transfusions").await;
    c.goto(&format!("{base}/patients")).await.unwrap();
    wait_for(&c, "table.grid").await;
    shot(&c, "29-patients-with-names").await;

    c.close().await.unwrap();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

/// The account and administration pages, and a record edit, in a real
/// headless Chromium: the admin lists the accounts, adds one (the initial
/// password shown once), opens it, lists the centres; a nurse opens a
/// laboratory value's edit page and changes their own password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_and_administration_pages_in_headless_chromium() {
    let (Some(driver), Some(browser)) = (chromedriver(), chromium()) else {
        eprintln!(
            "SKIPPED account_and_administration_pages_in_headless_chromium: chromedriver or chromium not installed (Debian: apt-get install chromium chromium-driver)"
        );
        return;
    };
    let app = App::demo().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(mibg_web::serve(listener, app.state.clone(), async {
        let _ = stopped.await;
    }));
    let port = free_port();
    let _driver = Driver(
        Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": browser,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--no-first-run",
                     "--window-size=1280,1400",
                     format!("--user-data-dir={}", profile.path().display())]
        }),
    );
    let mut client = None;
    for _ in 0..50 {
        match ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
        }
    }
    let c = client.expect("chromedriver answers");
    let click = |css: &'static str| {
        let c = c.clone();
        async move {
            c.find(Locator::Css(css))
                .await
                .unwrap_or_else(|e| panic!("{css}: {e}"))
                .click()
                .await
                .unwrap();
        }
    };
    let admin = app.account(Role::Admin).clone();
    sign_in(&c, &base, &admin.username, &admin.password).await;
    c.find(Locator::LinkText("Accounts"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let text = wait_for(&c, "table.grid").await.text().await.unwrap();
    assert!(
        text.contains("Demo Nurse") && text.contains("statistician"),
        "{text}"
    );
    shot(&c, "30-admin-accounts").await;
    // Add an account with a made-up password.
    let form = "form[action='/admin/users']";
    for (name, value) in [("username", "ward.nurse"), ("printed_name", "W. Nurse")] {
        c.find(Locator::Css(&format!("{form} input[name='{name}']")))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    c.find(Locator::Css(&format!(
        "{form} select[name='role'] option[value='nurse']"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    click("form[action='/admin/users'] button").await;
    let added = wait_for(&c, ".notice").await.text().await.unwrap();
    assert!(added.contains("Account ward.nurse added"), "{added}");
    let password = c
        .find(Locator::Css(".notice code"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(password.starts_with("init-"), "{password}");
    shot(&c, "31-admin-account-added").await;
    c.find(Locator::LinkText("ward.nurse"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "form[action='/admin/user/role']").await;
    shot(&c, "32-admin-account").await;
    c.find(Locator::LinkText("Centres"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let text = wait_for(&c, "table.grid").await.text().await.unwrap();
    assert!(text.contains("Europe/Rome"), "{text}");
    shot(&c, "33-admin-centres").await;
    sign_out(&c).await;

    // The new account's first sign-in: its initial password is changed
    // before anything else (ASVS 4.0.3 section 2.3.1).
    c.goto(&format!("{base}/login")).await.unwrap();
    for (id, value) in [("username", "ward.nurse"), ("password", password.as_str())] {
        c.find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    click("form[action='/login'] button").await;
    let notice = wait_for(&c, "p.notice[role='alert']")
        .await
        .text()
        .await
        .unwrap();
    assert!(notice.contains("set by someone else"), "{notice}");
    assert!(c.current_url().await.unwrap().path() == "/account/password");
    shot(&c, "36-password-change-required").await;
    c.goto(&format!("{base}/patients")).await.unwrap();
    wait_for(&c, "input[name='current_password']").await;
    assert!(c.current_url().await.unwrap().path() == "/account/password");
    sign_out(&c).await;

    // A nurse: a laboratory value's edit page, then the password page.
    let nurse = app.account(Role::Nurse).clone();
    sign_in(&c, &base, &nurse.username, &nurse.password).await;
    let course = app.course_id("SYN-01").await;
    c.goto(&format!("{base}/courses/{course}/toxicity#labs"))
        .await
        .unwrap();
    c.find(Locator::LinkText("edit or delete"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "form.edit input[name='reason']").await;
    shot(&c, "34-lab-edit").await;
    click(".who a").await;
    wait_for(&c, "input[name='current_password']").await;
    for (name, value) in [
        ("current_password", nurse.password.as_str()),
        ("new_password", "a long walk by the Tiber at dawn"),
        ("new_password_again", "a long walk by the Tiber at dawn"),
    ] {
        c.find(Locator::Css(&format!("input[name='{name}']")))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    click("form[action='/account/password'] button").await;
    let done = wait_for(&c, ".notice").await.text().await.unwrap();
    assert!(done.contains("Your password was changed"), "{done}");
    shot(&c, "35-password-changed").await;
    c.close().await.unwrap();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

/// Changing and deleting records entered in a course, and later therapies,
/// in a real headless Chromium on the seed study: a nurse records
/// melphalan, changes it on its "change or delete" page with a reason, and
/// changes a stem-cell return; a physician enters a later therapy (refused
/// first), and an admin sets an account's expiry date. Screenshots `40-…`
/// to `47-…`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_changes_and_later_therapies_in_headless_chromium() {
    let (Some(driver), Some(browser)) = (chromedriver(), chromium()) else {
        eprintln!(
            "SKIPPED record_changes_and_later_therapies_in_headless_chromium: chromedriver or chromium not installed (Debian: apt-get install chromium chromium-driver)"
        );
        return;
    };
    let app = App::study_only(None).await;
    let course = app.course_id("SYN-03").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(mibg_web::serve(listener, app.state.clone(), async {
        let _ = stopped.await;
    }));
    let port = free_port();
    let _driver = Driver(
        Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": browser,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--no-first-run",
                     "--window-size=1280,1400",
                     format!("--user-data-dir={}", profile.path().display())]
        }),
    );
    let mut client = None;
    for _ in 0..50 {
        match ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
        }
    }
    let c = client.expect("chromedriver answers");
    // A nurse records melphalan and changes it with a reason.
    let nurse = app.account(Role::Nurse).clone();
    sign_in(&c, &base, &nurse.username, &nurse.password).await;
    c.goto(&format!("{base}/courses/{course}#melphalan"))
        .await
        .unwrap();
    set_date(&c, "#melphalan input[name='date']", "2017-05-14").await;
    fill(&c, "#melphalan input[name='dose_mg']", "100").await;
    click(&c, "#melphalan button").await;
    wait_for(&c, "#melphalan a[href*='/melphalan/edit']").await;
    c.find(Locator::Css("#melphalan a[href*='/melphalan/edit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "h1", "Change or delete a melphalan dose").await;
    fill(&c, "form.edit input[name='dose_mg']", "96.5").await;
    shot(&c, "40-melphalan-edit").await;
    // Without a reason the browser's `required` stops the form; the server
    // refuses it too (tested in treatment_edits.rs). With one: saved.
    fill(
        &c,
        "form.edit input[name='reason']",
        "dose from the pharmacy record",
    )
    .await;
    click(&c, "form.edit button").await;
    let text = wait_for(&c, "#melphalan table").await.text().await.unwrap();
    assert!(text.contains("96.5 mg"), "{text}");
    c.execute(
        "document.getElementById('melphalan').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    shot(&c, "41-melphalan-changed").await;
    // The stem-cell return and the transfusions on the toxicity page.
    c.goto(&format!("{base}/courses/{course}/toxicity#supportive"))
        .await
        .unwrap();
    wait_for(&c, "#supportive").await;
    c.execute(
        "document.getElementById('supportive').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    shot(&c, "42-supportive-links").await;
    c.find(Locator::Css("a[href*='/stem-cells/edit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "h1", "Change or delete a stem-cell return").await;
    fill(&c, "form.edit input[name='cd34_e6_per_kg']", "5000").await;
    fill(&c, "form.edit input[name='reason']", "apheresis log").await;
    click(&c, "form.edit button").await;
    let p = wait_for(&c, ".problems").await.text().await.unwrap();
    assert!(p.contains("cd34_e6_per_kg"), "{p}");
    shot(&c, "43-stem-cells-refused").await;
    sign_out(&c).await;
    // A physician enters a later therapy: refused, then saved.
    let doc = app.account(Role::Physician).clone();
    sign_in(&c, &base, &doc.username, &doc.password).await;
    c.goto(&format!("{base}/courses/{course}#therapies"))
        .await
        .unwrap();
    fill(&c, "#therapies input[name='therapy']", "GD2 CAR-T").await;
    set_date(&c, "#therapies input[name='start_date']", "2020-01-01").await;
    click(&c, "#therapies button").await;
    let p = wait_for(&c, "#therapies .problems")
        .await
        .text()
        .await
        .unwrap();
    assert!(p.contains("is not a therapy code"), "{p}");
    c.execute(
        "document.getElementById('therapies').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    shot(&c, "44-therapy-refused").await;
    fill(&c, "#therapies input[name='therapy']", "gd2_car_t").await;
    fill(&c, "#therapies input[name='notes']", "trial arm B").await;
    click(&c, "#therapies button").await;
    wait_for(&c, "#therapies a[href*='/therapies/edit']").await;
    wait_text_containing(&c, "#therapies table", &["gd2_car_t", "trial arm B"]).await;
    c.execute(
        "document.getElementById('therapies').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    shot(&c, "45-therapies").await;
    c.find(Locator::Css("#therapies a[href*='/therapies/edit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "h1", "Change or delete a later therapy").await;
    shot(&c, "46-therapy-edit").await;
    sign_out(&c).await;
    // An admin sets an account's expiry date.
    let admin = app.account(Role::Admin).clone();
    sign_in(&c, &base, &admin.username, &admin.password).await;
    c.goto(&format!("{base}/admin/user?name={}", nurse.username))
        .await
        .unwrap();
    set_date(
        &c,
        "form[action='/admin/user/expiry'] input[name='expires']",
        "2031-01-31",
    )
    .await;
    fill(
        &c,
        "form[action='/admin/user/expiry'] input[name='reason']",
        "end of the contract",
    )
    .await;
    click(&c, "form[action='/admin/user/expiry'] button").await;
    let n = wait_for(&c, ".notice").await.text().await.unwrap();
    assert!(n.contains("expiry date set"), "{n}");
    shot(&c, "47-admin-expiry").await;
    c.close().await.unwrap();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
