//! The engine of the loopback load test (`mibg-load`, `src/main.rs`), kept
//! apart so that `crates/web/tests/load.rs` can run it on a tiny registry
//! and check its accounting (percentiles, errors, lost updates).
//!
//! * **Setup** ([`prepare`], through the store): accounts of several roles
//!   made for this run (random suffix and password), an API token for each,
//!   and two disjoint sets of courses — the *read* set (pages, dosimetry)
//!   and the *write* set (readings and laboratory values are added there, so
//!   the dosimetry being measured never changes under the run).
//! * **Run** ([`run`]): N clients, each on its own keep-alive connection,
//!   signs in through the sign-in form (its session cookie and CSRF token
//!   for the pages, its user's bearer token for the API) and then picks
//!   requests at random from a weighted mix for T seconds; every request's
//!   latency (send → whole body read) is kept per route class.
//! * **Errors**: any transport failure, and any status that is not the one
//!   the request is expected to return (2xx for a read, 303 for a form,
//!   201 for an API write). No refusal is expected in this mix: the roles
//!   are given only the requests their rights allow.
//! * **Lost updates** ([`verify`]): every write carries a unique marker
//!   (the reading's value, the laboratory value's decimal text); afterwards
//!   the store is read and every acknowledged write must be found exactly
//!   once; a marker found for a write that got an error is reported apart.

#![allow(dead_code)]

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, StatusCode, header};
use hyper_util::rt::TokioIo;
use mibg_store::{Infusion, Lab, NewUser, Reading, Role, Scope, Store};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// The session cookie of `mibg serve` (`mibg_web::session::COOKIE`; the
/// web crate's `tests/load.rs` checks they agree).
pub const SESSION_COOKIE: &str = "mibg_session";
/// The pre-sign-in cookie (`mibg_web::session::LOGIN_COOKIE`).
pub const LOGIN_COOKIE: &str = "mibg_login";

/// A route class: the latencies are reported per class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Class {
    /// `POST /login` (Argon2id: slow by design; reported, not in the goals).
    SignIn,
    /// `GET /patients`: every patient of the caller's centres with the state
    /// of each course.
    PatientsPage,
    /// `GET /patients/{id}`.
    PatientPage,
    /// `GET /courses/{id}`.
    CoursePage,
    /// `GET /courses/{id}/toxicity`.
    ToxicityPage,
    /// `GET /courses/{id}/dosimetry`: the dosimetry recomputed.
    DosimetryPage,
    /// `GET /api/v1/courses/{id}/dosimetry`: the dosimetry recomputed, JSON.
    DosimetryApi,
    /// `GET /api/v1/courses/{id}`.
    CourseApi,
    /// `POST /courses/{id}/readings` (form).
    ReadingForm,
    /// `POST /api/v1/courses/{id}/readings` (bearer token).
    ReadingApi,
    /// `POST /courses/{id}/labs` (form).
    LabForm,
}

impl Class {
    /// Every class, in report order.
    pub const ALL: [Class; 11] = [
        Class::SignIn,
        Class::PatientsPage,
        Class::PatientPage,
        Class::CoursePage,
        Class::ToxicityPage,
        Class::DosimetryPage,
        Class::DosimetryApi,
        Class::CourseApi,
        Class::ReadingForm,
        Class::ReadingApi,
        Class::LabForm,
    ];

    /// The name in the table and the JSON.
    pub fn name(self) -> &'static str {
        match self {
            Class::SignIn => "sign-in (POST /login)",
            Class::PatientsPage => "patients page",
            Class::PatientPage => "patient page",
            Class::CoursePage => "course page",
            Class::ToxicityPage => "toxicity page",
            Class::DosimetryPage => "dosimetry page (recomputation)",
            Class::DosimetryApi => "dosimetry API (recomputation)",
            Class::CourseApi => "course API",
            Class::ReadingForm => "write: reading (form)",
            Class::ReadingApi => "write: reading (API)",
            Class::LabForm => "write: lab value (form)",
        }
    }

    /// A page or API read whose p95 goal is 50 ms.
    pub fn is_page(self) -> bool {
        matches!(
            self,
            Class::PatientsPage
                | Class::PatientPage
                | Class::CoursePage
                | Class::ToxicityPage
                | Class::CourseApi
        )
    }

    /// A dosimetry recomputation (p95 goal 20 ms).
    pub fn is_recomputation(self) -> bool {
        matches!(self, Class::DosimetryPage | Class::DosimetryApi)
    }

    /// A write (checked for lost updates).
    pub fn is_write(self) -> bool {
        matches!(
            self,
            Class::ReadingForm | Class::ReadingApi | Class::LabForm
        )
    }

    /// May this role make this request?
    fn allowed(self, role: Role) -> bool {
        match self {
            Class::ReadingForm | Class::ReadingApi => {
                matches!(role, Role::Nurse | Role::Physicist | Role::Physician)
            }
            Class::LabForm => matches!(role, Role::Nurse | Role::Physician),
            Class::SignIn => false,
            _ => role.is_clinical() || matches!(role, Role::Statistician | Role::Monitor),
        }
    }
}

/// The share of each class in the mix (relative weights).
#[derive(Clone, Debug)]
pub struct Mix(pub Vec<(Class, u32)>);

impl Default for Mix {
    /// About one request in six is a write.
    fn default() -> Self {
        Mix(vec![
            (Class::PatientsPage, 4),
            (Class::PatientPage, 10),
            (Class::CoursePage, 14),
            (Class::ToxicityPage, 8),
            (Class::DosimetryPage, 14),
            (Class::DosimetryApi, 14),
            (Class::CourseApi, 10),
            (Class::ReadingForm, 6),
            (Class::ReadingApi, 6),
            (Class::LabForm, 6),
        ])
    }
}

impl Mix {
    /// Parses `class=weight,…` with the short names `patients`, `patient`,
    /// `course`, `toxicity`, `dosimetry`, `dosimetry-api`, `course-api`,
    /// `reading`, `reading-api`, `lab`; a class left out keeps its default
    /// weight, weight 0 removes it.
    pub fn parse(s: &str) -> Result<Mix, String> {
        let mut m = Mix::default();
        for part in s.split(',').filter(|p| !p.trim().is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("'{part}': expected class=weight"))?;
            let class = match k.trim() {
                "patients" => Class::PatientsPage,
                "patient" => Class::PatientPage,
                "course" => Class::CoursePage,
                "toxicity" => Class::ToxicityPage,
                "dosimetry" => Class::DosimetryPage,
                "dosimetry-api" => Class::DosimetryApi,
                "course-api" => Class::CourseApi,
                "reading" => Class::ReadingForm,
                "reading-api" => Class::ReadingApi,
                "lab" => Class::LabForm,
                other => return Err(format!("'{other}' is not a class of the mix")),
            };
            let w: u32 = v
                .trim()
                .parse()
                .map_err(|_| format!("'{v}': expected a whole weight"))?;
            m.0.retain(|(c, _)| *c != class);
            if w > 0 {
                m.0.push((class, w));
            }
        }
        m.0.sort();
        Ok(m)
    }
}

/// One account of the run.
#[derive(Clone, Debug)]
pub struct Account {
    /// Login name.
    pub username: String,
    /// Password (made up for this run).
    pub password: String,
    /// Role.
    pub role: Role,
    /// API token secret.
    pub token: String,
}

/// A course that is read.
#[derive(Clone, Debug)]
pub struct ReadTarget {
    /// Patient id.
    pub patient_id: i64,
    /// Course id.
    pub course_id: i64,
}

/// A course that receives writes.
#[derive(Clone, Debug)]
pub struct WriteTarget {
    /// Patient id.
    pub patient_id: i64,
    /// Course id.
    pub course_id: i64,
    /// The infusion that receives readings.
    pub infusion_id: i64,
    /// The date of the laboratory values written (the infusion's date).
    pub date: String,
}

/// What the run needs from the registry.
#[derive(Clone, Debug)]
pub struct Setup {
    /// The accounts, one per role of [`ROLES`].
    pub accounts: Vec<Account>,
    /// The read set.
    pub reads: Vec<ReadTarget>,
    /// The write set (no patient in common with the read set).
    pub writes: Vec<WriteTarget>,
    /// What the write set held before the run (a registry may be reused
    /// from run to run: only what a run adds is counted).
    pub before: Markers,
}

/// How many readings and laboratory values of the write set carry each
/// marker: (infusion, reading's bits) and (patient, lab marker).
#[derive(Clone, Debug, Default)]
pub struct Markers {
    readings: HashMap<(i64, u64), u64>,
    labs: HashMap<(i64, u64), u64>,
}

impl Markers {
    fn count(&self, w: &Write) -> u64 {
        match w {
            Write::Reading {
                infusion_id,
                reading,
                ..
            } => self
                .readings
                .get(&(*infusion_id, reading.to_bits()))
                .copied()
                .unwrap_or(0),
            Write::Lab { patient_id, value } => lab_marker(value)
                .and_then(|m| self.labs.get(&(*patient_id, m)).copied())
                .unwrap_or(0),
        }
    }
}

/// Reads the readings and laboratory values of the write set.
async fn markers(store: &Store, writes: &[WriteTarget]) -> Result<Markers, String> {
    let op = Scope::operator("mibg load test");
    let mut out = Markers::default();
    let patients: HashSet<i64> = writes.iter().map(|w| w.patient_id).collect();
    for pid in patients {
        for x in store
            .list::<Reading>(&op, pid)
            .await
            .map_err(|e| format!("readings: {e}"))?
        {
            *out.readings
                .entry((x.record.infusion_id, x.record.reading.to_bits()))
                .or_default() += 1;
        }
        for x in store
            .list::<Lab>(&op, pid)
            .await
            .map_err(|e| format!("labs: {e}"))?
        {
            if let Some(m) = lab_marker(&x.record.value) {
                *out.labs.entry((pid, m)).or_default() += 1;
            }
        }
    }
    Ok(out)
}

/// The roles of the run's accounts; client `k` signs in as account
/// `k mod ROLES.len()`.
pub const ROLES: [Role; 5] = [
    Role::Nurse,
    Role::Physicist,
    Role::Physician,
    Role::Statistician,
    Role::Nurse,
];

/// SplitMix64: a small deterministic generator (the choice of targets and
/// of each request).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    /// The next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

fn hex_token(rng: &mut Rng) -> String {
    format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64())
}

/// Makes the accounts (all centres granted) and their tokens, and chooses
/// up to `reads` read courses and `writes` write courses among the patients
/// (a deterministic sample from `seed`). The read courses are those whose
/// infusion 1 has readings.
pub async fn prepare(
    store: &Store,
    reads: usize,
    writes: usize,
    seed: u64,
) -> Result<Setup, String> {
    let op = Scope::operator("mibg load test");
    let e = |what: &str, err: mibg_store::StoreError| format!("{what}: {err}");
    let centres = store.list_centres(&op).await.map_err(|x| e("centres", x))?;
    let Some(first) = centres.first() else {
        return Err("the registry has no centre".into());
    };
    // A random suffix: the accounts of every run are new; the password
    // comes from the operating system's random source.
    let mut os = [0u8; 16];
    getrandom::fill(&mut os).map_err(|x| format!("random source: {x}"))?;
    let mut rng = Rng::new(u64::from_le_bytes(os[..8].try_into().unwrap_or([0; 8])));
    let suffix = format!("{:08x}", rng.next_u64() as u32);
    let mut accounts = Vec::new();
    for (i, role) in ROLES.iter().enumerate() {
        let username = format!("load-{}{i}-{suffix}", role.as_str());
        let password = format!("load-{}", hex_token(&mut rng));
        store
            .create_user(
                &op,
                &NewUser {
                    username: username.clone(),
                    printed_name: format!("Load test {} {i}", role.as_str()),
                    role: *role,
                    centre_id: first.id,
                    granted: centres.iter().skip(1).map(|c| c.id).collect(),
                    expires_at: None,
                    export_identified: false,
                },
                &format!("{password}-initial"),
            )
            .await
            .map_err(|x| e("account", x))?;
        let session = store
            .login(&username, &format!("{password}-initial"), "load test setup")
            .await
            .map_err(|x| e("sign-in", x))?;
        // An initial password is changed by its user before the account
        // may do anything (mibg_store::sessions), tokens included.
        store
            .change_own_password(&session.scope, &format!("{password}-initial"), &password)
            .await
            .map_err(|x| e("password change", x))?;
        let (_, token) = store
            .create_token(&session.scope, "load test", None)
            .await
            .map_err(|x| e("token", x))?;
        store
            .logout(&session.scope)
            .await
            .map_err(|x| e("sign-out", x))?;
        accounts.push(Account {
            username,
            password,
            role: *role,
            token,
        });
    }
    // The patients in a deterministic random order; the first ones with a
    // usable course go to the write set, the next ones to the read set.
    let mut patients: Vec<i64> = store
        .list_patients(&op)
        .await
        .map_err(|x| e("patients", x))?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let mut pick = Rng::new(seed);
    for i in (1..patients.len()).rev() {
        let j = pick.below(i + 1);
        patients.swap(i, j);
    }
    let mut setup = Setup {
        accounts,
        reads: Vec::new(),
        writes: Vec::new(),
        before: Markers::default(),
    };
    for pid in patients {
        if setup.reads.len() >= reads && setup.writes.len() >= writes {
            break;
        }
        let Some(course) = store
            .courses(&op, pid)
            .await
            .map_err(|x| e("courses", x))?
            .into_iter()
            .find(|c| !c.deleted)
        else {
            continue;
        };
        let Some(inf1) = store
            .list::<Infusion>(&op, pid)
            .await
            .map_err(|x| e("infusions", x))?
            .into_iter()
            .find(|i| i.record.course_id == course.id && i.record.number == 1)
        else {
            continue;
        };
        if setup.writes.len() < writes {
            setup.writes.push(WriteTarget {
                patient_id: pid,
                course_id: course.id,
                infusion_id: inf1.id,
                date: inf1.record.date.to_string(),
            });
            continue;
        }
        let has_readings = store
            .list::<Reading>(&op, pid)
            .await
            .map_err(|x| e("readings", x))?
            .iter()
            .any(|r| r.record.infusion_id == inf1.id);
        // Only courses whose dosimetry is assessed in full (fit, interval,
        // caps): the recomputation measured is the whole one.
        let assessed = has_readings
            && matches!(
                store
                    .assess_dosimetry(&op, course.id)
                    .await
                    .map_err(|x| e("dosimetry", x))?
                    .outcome,
                mibg_store::DosimetryOutcome::Assessed(_)
            );
        if assessed {
            setup.reads.push(ReadTarget {
                patient_id: pid,
                course_id: course.id,
            });
        }
    }
    if setup.reads.is_empty() || setup.writes.is_empty() {
        return Err(format!(
            "not enough courses: {} to read, {} to write",
            setup.reads.len(),
            setup.writes.len()
        ));
    }
    setup.before = markers(store, &setup.writes).await?;
    Ok(setup)
}

/// The options of a run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Concurrent clients.
    pub clients: usize,
    /// How long the clients send requests.
    pub duration: Duration,
    /// The mix.
    pub mix: Mix,
    /// Seed of the clients' choices.
    pub seed: u64,
    /// Mean pause of a client between two requests (uniform on 0 to twice
    /// this); zero: each client sends its next request at once (a closed
    /// loop at saturation).
    pub think: Duration,
}

/// One write that was sent: what to look for afterwards.
#[derive(Clone, Debug, PartialEq)]
pub enum Write {
    /// A reading with this value on this infusion.
    Reading {
        /// Patient.
        patient_id: i64,
        /// Infusion.
        infusion_id: i64,
        /// The unique value.
        reading: f64,
    },
    /// A laboratory value with this decimal text.
    Lab {
        /// Patient.
        patient_id: i64,
        /// The unique value (decimal text).
        value: String,
    },
}

/// One error (kept for the report: the first few of each kind).
#[derive(Clone, Debug, Serialize)]
pub struct ErrorSample {
    /// Route class.
    pub class: Class,
    /// Path.
    pub path: String,
    /// Status, or 0 for a transport failure.
    pub status: u16,
    /// The start of the body or the transport error.
    pub detail: String,
}

/// What a run measured.
#[derive(Debug, Default)]
pub struct RunResult {
    /// Latencies in microseconds per class (successful and failed).
    pub latencies: BTreeMap<Class, Vec<u64>>,
    /// Errors per class.
    pub errors: BTreeMap<Class, u64>,
    /// The first errors.
    pub error_samples: Vec<ErrorSample>,
    /// Writes acknowledged (expected status).
    pub acknowledged: Vec<Write>,
    /// Writes that got an error (may or may not have been saved).
    pub failed_writes: Vec<Write>,
    /// Wall time of the measured phase.
    pub elapsed: Duration,
    /// Clients that could not sign in (their requests are not made).
    pub clients_without_session: usize,
}

/// A connection that reconnects when the server closed it.
struct Conn {
    addr: SocketAddr,
    send: Option<SendRequest<Full<Bytes>>>,
}

/// A response: status, the cookies it sets, its body.
struct Resp {
    status: StatusCode,
    cookies: Vec<(String, String)>,
    body: Bytes,
}

impl Conn {
    fn new(addr: SocketAddr) -> Conn {
        Conn { addr, send: None }
    }

    async fn sender(&mut self) -> Result<&mut SendRequest<Full<Bytes>>, String> {
        let alive = match &mut self.send {
            Some(s) => s.ready().await.is_ok(),
            None => false,
        };
        if !alive {
            let stream = tokio::net::TcpStream::connect(self.addr)
                .await
                .map_err(|e| format!("connect: {e}"))?;
            stream.set_nodelay(true).ok();
            let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| format!("handshake: {e}"))?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            self.send = Some(send);
        }
        self.send
            .as_mut()
            .ok_or_else(|| "no connection".to_string())
    }

    async fn request(&mut self, req: Request<Full<Bytes>>) -> Result<Resp, String> {
        let send = self.sender().await?;
        let resp = send
            .send_request(req)
            .await
            .map_err(|e| format!("request: {e}"))?;
        let status = resp.status();
        let cookies = resp
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("body: {e}"))?
            .to_bytes();
        Ok(Resp {
            status,
            cookies,
            body,
        })
    }
}

fn build(
    method: Method,
    path: &str,
    headers: &[(header::HeaderName, String)],
    body: Vec<u8>,
) -> Result<Request<Full<Bytes>>, String> {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "127.0.0.1");
    for (k, v) in headers {
        b = b.header(k, v);
    }
    b.body(Full::new(Bytes::from(body)))
        .map_err(|e| format!("request: {e}"))
}

fn form(fields: &[(&str, &str)]) -> Vec<u8> {
    serde_urlencoded::to_string(fields)
        .unwrap_or_default()
        .into_bytes()
}

/// The value of the first `name="csrf" value="…"` of a page.
fn csrf_of(html: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(html).ok()?;
    let at = s.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let end = s[at..].find('"')?;
    Some(s[at..at + end].to_string())
}

/// One client's signed-in state.
struct Client {
    conn: Conn,
    account: Account,
    cookie: String,
    csrf: String,
}

/// Signs in through the form: GET /login (the pre-sign-in cookie and its
/// token), POST /login, then GET / for the session's CSRF token.
async fn sign_in(conn: &mut Conn, account: &Account) -> Result<(String, String, u64), String> {
    let r = conn
        .request(build(Method::GET, "/login", &[], Vec::new())?)
        .await?;
    let login_cookie = r
        .cookies
        .iter()
        .find(|(k, _)| k == LOGIN_COOKIE)
        .map(|(_, v)| v.clone())
        .ok_or("GET /login set no sign-in cookie")?;
    let token = csrf_of(&r.body).ok_or("the sign-in page has no CSRF token")?;
    let t0 = Instant::now();
    let r = conn
        .request(build(
            Method::POST,
            "/login",
            &[
                (
                    header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded".into(),
                ),
                (header::COOKIE, format!("{}={login_cookie}", LOGIN_COOKIE)),
            ],
            form(&[
                ("csrf", &token),
                ("username", &account.username),
                ("password", &account.password),
            ]),
        )?)
        .await?;
    let micros = t0.elapsed().as_micros() as u64;
    if r.status != StatusCode::SEE_OTHER {
        return Err(format!("POST /login: {}", r.status));
    }
    let sid = r
        .cookies
        .iter()
        .find(|(k, v)| k == SESSION_COOKIE && !v.is_empty())
        .map(|(_, v)| v.clone())
        .ok_or("POST /login set no session cookie")?;
    let cookie = format!("{}={sid}", SESSION_COOKIE);
    let r = conn
        .request(build(
            Method::GET,
            "/",
            &[(header::COOKIE, cookie.clone())],
            Vec::new(),
        )?)
        .await?;
    let csrf = csrf_of(&r.body).ok_or("the start page has no CSRF token")?;
    Ok((cookie, csrf, micros))
}

/// Runs the clients against a server on `addr`.
pub async fn run(addr: SocketAddr, setup: &Setup, opts: &RunOptions) -> RunResult {
    let setup = std::sync::Arc::new(setup.clone());
    let mut tasks = Vec::new();
    // Every client signs in first; the measured phase starts together.
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(opts.clients));
    for k in 0..opts.clients {
        let setup = setup.clone();
        let opts = opts.clone();
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            client(addr, k, &setup, &opts, &start).await
        }));
    }
    let t0 = Instant::now();
    let mut total = RunResult::default();
    for t in tasks {
        match t.await {
            Ok(r) => merge(&mut total, r),
            Err(e) => {
                *total.errors.entry(Class::SignIn).or_default() += 1;
                total.error_samples.push(ErrorSample {
                    class: Class::SignIn,
                    path: String::new(),
                    status: 0,
                    detail: format!("client task: {e}"),
                });
            }
        }
    }
    total.elapsed = t0.elapsed();
    total
}

fn merge(total: &mut RunResult, r: RunResult) {
    for (c, mut v) in r.latencies {
        total.latencies.entry(c).or_default().append(&mut v);
    }
    for (c, n) in r.errors {
        *total.errors.entry(c).or_default() += n;
    }
    for s in r.error_samples {
        if total.error_samples.len() < 20 {
            total.error_samples.push(s);
        }
    }
    total.acknowledged.extend(r.acknowledged);
    total.failed_writes.extend(r.failed_writes);
    total.clients_without_session += r.clients_without_session;
}

async fn client(
    addr: SocketAddr,
    k: usize,
    setup: &Setup,
    opts: &RunOptions,
    start: &tokio::sync::Barrier,
) -> RunResult {
    let mut out = RunResult::default();
    let account = setup.accounts[k % setup.accounts.len()].clone();
    let mut conn = Conn::new(addr);
    let signed = sign_in(&mut conn, &account).await;
    start.wait().await;
    let mut c = match signed {
        Ok((cookie, csrf, micros)) => {
            out.latencies.entry(Class::SignIn).or_default().push(micros);
            Client {
                conn,
                account,
                cookie,
                csrf,
            }
        }
        Err(e) => {
            *out.errors.entry(Class::SignIn).or_default() += 1;
            out.error_samples.push(ErrorSample {
                class: Class::SignIn,
                path: "/login".into(),
                status: 0,
                detail: e,
            });
            out.clients_without_session = 1;
            return out;
        }
    };
    let mix: Vec<(Class, u32)> = opts
        .mix
        .0
        .iter()
        .copied()
        .filter(|(cl, w)| *w > 0 && cl.allowed(c.account.role))
        .collect();
    let total: u32 = mix.iter().map(|(_, w)| w).sum();
    if total == 0 {
        return out;
    }
    let mut rng = Rng::new(opts.seed ^ (k as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let deadline = Instant::now() + opts.duration;
    let mut seq: u64 = 0;
    while Instant::now() < deadline {
        let mut x = (rng.next_u64() % u64::from(total)) as u32;
        let class = mix
            .iter()
            .find(|(_, w)| {
                if x < *w {
                    true
                } else {
                    x -= w;
                    false
                }
            })
            .map_or(mix[0].0, |(cl, _)| *cl);
        let read = &setup.reads[rng.below(setup.reads.len())];
        let write = &setup.writes[rng.below(setup.writes.len())];
        seq += 1;
        one(&mut c, &mut out, class, read, write, k, seq).await;
        if !opts.think.is_zero() {
            let max = opts.think.as_micros() as u64 * 2;
            let pause = Duration::from_micros(rng.next_u64() % (max + 1));
            let left = deadline.saturating_duration_since(Instant::now());
            tokio::time::sleep(pause.min(left)).await;
        }
    }
    out
}

/// The unique marker of client `k`'s write number `seq`: a whole number
/// (exact in an f64) for a reading, its decimal text for a lab value.
pub fn marker(k: usize, seq: u64) -> u64 {
    (k as u64 + 1) * 10_000_000 + seq
}

async fn one(
    c: &mut Client,
    out: &mut RunResult,
    class: Class,
    read: &ReadTarget,
    write: &WriteTarget,
    k: usize,
    seq: u64,
) {
    let cookie = (header::COOKIE, c.cookie.clone());
    let bearer = (header::AUTHORIZATION, format!("Bearer {}", c.account.token));
    let form_type = (
        header::CONTENT_TYPE,
        "application/x-www-form-urlencoded".to_string(),
    );
    let m = marker(k, seq);
    let (method, path, headers, body, expect, w) = match class {
        Class::PatientsPage => (
            Method::GET,
            "/patients".to_string(),
            vec![cookie],
            Vec::new(),
            StatusCode::OK,
            None,
        ),
        Class::PatientPage => (
            Method::GET,
            format!("/patients/{}", read.patient_id),
            vec![cookie],
            Vec::new(),
            StatusCode::OK,
            None,
        ),
        Class::CoursePage => (
            Method::GET,
            format!("/courses/{}", read.course_id),
            vec![cookie],
            Vec::new(),
            StatusCode::OK,
            None,
        ),
        Class::ToxicityPage => (
            Method::GET,
            format!("/courses/{}/toxicity", read.course_id),
            vec![cookie],
            Vec::new(),
            StatusCode::OK,
            None,
        ),
        Class::DosimetryPage => (
            Method::GET,
            format!("/courses/{}/dosimetry", read.course_id),
            vec![cookie],
            Vec::new(),
            StatusCode::OK,
            None,
        ),
        Class::DosimetryApi => (
            Method::GET,
            format!("/api/v1/courses/{}/dosimetry", read.course_id),
            vec![bearer],
            Vec::new(),
            StatusCode::OK,
            None,
        ),
        Class::CourseApi => (
            Method::GET,
            format!("/api/v1/courses/{}", read.course_id),
            vec![bearer],
            Vec::new(),
            StatusCode::OK,
            None,
        ),
        Class::ReadingForm => {
            let hours = format!("{}", 400 + seq % 1000);
            let reading = m.to_string();
            (
                Method::POST,
                format!("/courses/{}/readings", write.course_id),
                vec![cookie, form_type],
                form(&[
                    ("csrf", &c.csrf),
                    ("infusion_id", &write.infusion_id.to_string()),
                    ("hours", &hours),
                    ("reading", &reading),
                    ("background", ""),
                ]),
                StatusCode::SEE_OTHER,
                Some(Write::Reading {
                    patient_id: write.patient_id,
                    infusion_id: write.infusion_id,
                    reading: m as f64,
                }),
            )
        }
        Class::ReadingApi => (
            Method::POST,
            format!("/api/v1/courses/{}/readings", write.course_id),
            vec![bearer, (header::CONTENT_TYPE, "application/json".into())],
            serde_json::json!({
                "infusion_id": write.infusion_id,
                "hours": (400 + seq % 1000) as f64,
                "reading": m as f64,
            })
            .to_string()
            .into_bytes(),
            StatusCode::CREATED,
            Some(Write::Reading {
                patient_id: write.patient_id,
                infusion_id: write.infusion_id,
                reading: m as f64,
            }),
        ),
        Class::LabForm => {
            let value = lab_value(m);
            (
                Method::POST,
                format!("/courses/{}/labs", write.course_id),
                vec![cookie, form_type],
                form(&[
                    ("csrf", &c.csrf),
                    ("date", &write.date),
                    ("test", "neutrophils"),
                    ("value", &value),
                    ("unit", "10^9/L"),
                    ("lln", "1.5"),
                    ("uln", "8.0"),
                ]),
                StatusCode::SEE_OTHER,
                Some(Write::Lab {
                    patient_id: write.patient_id,
                    value,
                }),
            )
        }
        Class::SignIn => return,
    };
    let req = match build(method, &path, &headers, body) {
        Ok(r) => r,
        Err(e) => {
            fail(out, class, &path, 0, e, w);
            return;
        }
    };
    let t0 = Instant::now();
    let r = c.conn.request(req).await;
    let micros = t0.elapsed().as_micros() as u64;
    out.latencies.entry(class).or_default().push(micros);
    match r {
        Ok(r) if r.status == expect => {
            if let Some(w) = w {
                out.acknowledged.push(w);
            }
        }
        Ok(r) => {
            let detail = String::from_utf8_lossy(&r.body[..r.body.len().min(300)]).into_owned();
            fail(out, class, &path, r.status.as_u16(), detail, w);
        }
        Err(e) => fail(out, class, &path, 0, e, w),
    }
}

/// The laboratory value that carries marker `m`: a neutrophil count whose
/// thousandths are the marker (`10000.001` for 10 000 001), within the
/// labs parser's limits (12 significant digits, 6 decimals).
pub fn lab_value(m: u64) -> String {
    format!("{}.{:03}", m / 1000, m % 1000)
}

/// The marker of a stored laboratory value (the store keeps the parsed
/// decimal, trailing zeros dropped: `10000.01` for `10000.010`).
pub fn lab_marker(value: &str) -> Option<u64> {
    let x: f64 = value.trim().parse().ok()?;
    (x.is_finite() && x >= 0.0).then(|| (x * 1000.0).round() as u64)
}

fn fail(
    out: &mut RunResult,
    class: Class,
    path: &str,
    status: u16,
    detail: String,
    w: Option<Write>,
) {
    *out.errors.entry(class).or_default() += 1;
    if out.error_samples.len() < 5 {
        out.error_samples.push(ErrorSample {
            class,
            path: path.to_string(),
            status,
            detail,
        });
    }
    if let Some(w) = w {
        out.failed_writes.push(w);
    }
}

/// What the registry holds of the run's writes.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Verification {
    /// Writes acknowledged by the server.
    pub acknowledged: u64,
    /// … found exactly once in the registry.
    pub found: u64,
    /// … not found: lost updates.
    pub lost: u64,
    /// … found more than once.
    pub duplicated: u64,
    /// Writes that got an error but are in the registry all the same.
    pub failed_but_saved: u64,
}

/// Reads every write patient's readings and laboratory values from the
/// store again and counts the acknowledged writes found (added once by the
/// run), lost (not added) and duplicated (added more than once).
pub async fn verify(store: &Store, setup: &Setup, r: &RunResult) -> Result<Verification, String> {
    let after = markers(store, &setup.writes).await?;
    // What the run added with each marker.
    let count = |w: &Write| after.count(w).saturating_sub(setup.before.count(w));
    let mut v = Verification::default();
    for w in &r.acknowledged {
        v.acknowledged += 1;
        match count(w) {
            0 => v.lost += 1,
            1 => v.found += 1,
            _ => v.duplicated += 1,
        }
    }
    v.failed_but_saved = r.failed_writes.iter().filter(|w| count(w) > 0).count() as u64;
    Ok(v)
}

/// The nearest-rank percentile `p` (0 < p ≤ 100) of sorted values: the
/// smallest value such that at least p % of the values are ≤ it. `None`
/// for no values.
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// One row of the summary.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Row {
    /// Route class (`name`).
    pub class: String,
    /// Requests.
    pub requests: u64,
    /// Errors.
    pub errors: u64,
    /// Latency percentiles, milliseconds.
    pub p50_ms: f64,
    /// 95th.
    pub p95_ms: f64,
    /// 99th.
    pub p99_ms: f64,
    /// Largest.
    pub max_ms: f64,
}

/// The summary of a run (printed as a table and as JSON).
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Clients.
    pub clients: usize,
    /// Mean pause between two requests of a client, milliseconds.
    pub think_ms: f64,
    /// Seconds of the measured phase.
    pub seconds: f64,
    /// One row per class that had requests, then `pages`, `recomputation`,
    /// `writes` and `all` (sign-in excluded from `all`).
    pub rows: Vec<Row>,
    /// Requests per second (sign-in excluded).
    pub throughput_per_s: f64,
    /// Errors (sign-in included).
    pub errors: u64,
    /// The lost-update check.
    pub writes: Verification,
    /// Goal: p95 of the pages below 50 ms.
    pub pages_p95_goal_met: bool,
    /// Goal: p95 of a recomputation below 20 ms.
    pub recomputation_p95_goal_met: bool,
    /// The first errors.
    pub error_samples: Vec<ErrorSample>,
}

fn row(name: &str, values: &mut [u64], errors: u64) -> Row {
    values.sort_unstable();
    let ms = |p: f64| percentile(values, p).map_or(0.0, |u| u as f64 / 1000.0);
    Row {
        class: name.to_string(),
        requests: values.len() as u64,
        errors,
        p50_ms: ms(50.0),
        p95_ms: ms(95.0),
        p99_ms: ms(99.0),
        max_ms: ms(100.0),
    }
}

/// Summarises a run.
pub fn summarise(r: &RunResult, opts: &RunOptions, writes: Verification) -> Summary {
    let clients = opts.clients;
    let mut rows = Vec::new();
    let group = |f: &dyn Fn(Class) -> bool| -> (Vec<u64>, u64) {
        let mut v = Vec::new();
        let mut e = 0;
        for c in Class::ALL.into_iter().filter(|c| f(*c)) {
            v.extend(r.latencies.get(&c).into_iter().flatten());
            e += r.errors.get(&c).copied().unwrap_or(0);
        }
        (v, e)
    };
    for c in Class::ALL {
        let mut v = r.latencies.get(&c).cloned().unwrap_or_default();
        let e = r.errors.get(&c).copied().unwrap_or(0);
        if !v.is_empty() || e > 0 {
            rows.push(row(c.name(), &mut v, e));
        }
    }
    let (mut pages, pe) = group(&|c| c.is_page());
    let (mut rec, re) = group(&|c| c.is_recomputation());
    let (mut wr, we) = group(&|c| c.is_write());
    let (mut all, ae) = group(&|c| c != Class::SignIn);
    let pages_row = row("pages (all page classes)", &mut pages, pe);
    let rec_row = row("recomputation (page and API)", &mut rec, re);
    let wr_row = row("writes (all)", &mut wr, we);
    let all_row = row("all requests (sign-in excluded)", &mut all, ae);
    let seconds = r.elapsed.as_secs_f64();
    let throughput_per_s = if seconds > 0.0 {
        all_row.requests as f64 / seconds
    } else {
        0.0
    };
    let pages_p95_goal_met = pages_row.requests > 0 && pages_row.p95_ms < 50.0;
    let recomputation_p95_goal_met = rec_row.requests > 0 && rec_row.p95_ms < 20.0;
    rows.extend([pages_row, rec_row, wr_row, all_row]);
    Summary {
        clients,
        think_ms: opts.think.as_secs_f64() * 1000.0,
        seconds,
        throughput_per_s,
        errors: r.errors.values().sum(),
        pages_p95_goal_met,
        recomputation_p95_goal_met,
        writes,
        error_samples: r.error_samples.clone(),
        rows,
    }
}

/// The summary as a Markdown table with the totals under it.
pub fn table(s: &Summary) -> String {
    let mut t = String::from(
        "| route class | requests | errors | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|\n",
    );
    for r in &s.rows {
        t.push_str(&format!(
            "| {} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} |\n",
            r.class, r.requests, r.errors, r.p50_ms, r.p95_ms, r.p99_ms, r.max_ms
        ));
    }
    t.push_str(&format!(
        "\n{} clients (mean pause {} ms), {:.1} s, {:.0} requests/s; errors {}; writes acknowledged {}, found {}, lost {}, duplicated {}, failed but saved {}\ngoals: pages p95 < 50 ms {}; recomputation p95 < 20 ms {}\n",
        s.clients,
        s.think_ms,
        s.seconds,
        s.throughput_per_s,
        s.errors,
        s.writes.acknowledged,
        s.writes.found,
        s.writes.lost,
        s.writes.duplicated,
        s.writes.failed_but_saved,
        if s.pages_p95_goal_met { "met" } else { "NOT met" },
        if s.recomputation_p95_goal_met {
            "met"
        } else {
            "NOT met"
        },
    ));
    t
}
