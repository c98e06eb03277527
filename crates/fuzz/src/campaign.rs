//! The campaign runner: feeds mutants of a target's seeds to it, one at a
//! time, on a worker thread with a per-input time budget; records panics
//! (caught, with their source location), hangs (budget exceeded: the worker
//! is abandoned and a fresh one continues) and the target's own failure
//! verdicts (a command's exit 101, a partial file); measures coverage as
//! the set of distinct behaviour classes reached (accepted / refused with a
//! normalised message / failure), and keeps every input that reached a new
//! class as a parent for later mutants (behaviour-guided).

use crate::case::Case;
use crate::mutate::{Rng, mutate};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

/// What one input did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted; the class says which way (e.g. "prescribed", "no second
    /// infusion").
    Accepted(String),
    /// Refused with an error; the class is the normalised message.
    Refused(String),
    /// A broken promise: the kind ("panic", "partial-file", "signal", …)
    /// and what identifies it (a location, a file pattern).
    Failure {
        /// The kind of failure.
        kind: &'static str,
        /// What makes it unique.
        key: String,
    },
}

/// Runs one input.
pub type Exec = Arc<dyn Fn(&Case) -> Outcome + Send + Sync>;

/// Parsers run in the fuzzer's process; commands as processes of the real
/// binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A library parser (and what the command does next with its result).
    Parser,
    /// The `mibg` binary on a folder of mutated files.
    Command,
}

/// A fuzz target.
pub struct Target {
    /// Its name (`dose-readings`).
    pub name: &'static str,
    /// What it runs.
    pub about: &'static str,
    /// Parser or command.
    pub kind: Kind,
    /// The bundled inputs it starts from.
    pub seeds: Vec<Case>,
    /// Runs one input.
    pub exec: Exec,
    /// The per-input time budget; an input over it is a hang.
    pub budget: Duration,
}

/// How to run a campaign.
#[derive(Clone, Debug)]
pub struct Config {
    /// Inputs per target (seeds included).
    pub inputs: u64,
    /// The generator's seed.
    pub seed: u64,
    /// Show a progress bar (only when stderr is a terminal).
    pub progress: bool,
    /// Where to save one input per unique failure.
    pub save: Option<PathBuf>,
    /// Stop a target after this many hangs (each leaves a thread behind).
    pub max_hangs: usize,
    /// Corpus cap per target.
    pub max_corpus: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            inputs: 1_000_000,
            seed: 1,
            progress: false,
            save: None,
            max_hangs: 3,
            max_corpus: 2048,
        }
    }
}

/// One unique failure.
#[derive(Clone, Debug, Serialize)]
pub struct FailureRecord {
    /// panic, hang, partial-file, …
    pub kind: String,
    /// Location or pattern.
    pub key: String,
    /// How many inputs hit it.
    pub count: u64,
    /// Where its first input was saved.
    pub saved: Option<PathBuf>,
}

/// A target's results.
#[derive(Clone, Debug, Serialize)]
pub struct TargetReport {
    /// Target name.
    pub target: String,
    /// Parser or command.
    pub kind: Kind,
    /// Inputs run.
    pub executions: u64,
    /// Accepted inputs.
    pub accepted: u64,
    /// Refused inputs (a clear error).
    pub refused: u64,
    /// Distinct behaviour classes reached (the coverage measure).
    pub classes: usize,
    /// Inputs kept as parents (new behaviour).
    pub corpus: usize,
    /// Panics (inputs).
    pub panics: u64,
    /// Hangs (inputs).
    pub hangs: u64,
    /// Other failures (inputs): partial files, signals, …
    pub other_failures: u64,
    /// Unique failures.
    pub failures: Vec<FailureRecord>,
    /// Wall time, seconds.
    pub seconds: f64,
    /// The class names, for a coverage comparison between runs.
    #[serde(skip)]
    pub class_names: BTreeSet<String>,
}

impl TargetReport {
    /// `true` when nothing broke.
    pub fn clean(&self) -> bool {
        self.failures.is_empty()
    }
}

/// A message reduced to its class: the first line, numbers as `#`, quoted
/// values as `'…'`, at most 120 characters — two inputs that break the same
/// rule at different places share a class.
pub fn class_of(msg: &str) -> String {
    let line = msg.lines().next().unwrap_or("");
    let mut out = String::with_capacity(line.len().min(160));
    let mut in_quote: Option<char> = None;
    let mut last_hash = false;
    for c in line.chars() {
        if let Some(q) = in_quote {
            if c == q {
                in_quote = None;
                out.push('…');
                out.push(c);
            }
            continue;
        }
        if c == '\'' || c == '"' || c == '`' {
            in_quote = Some(c);
            out.push(c);
            last_hash = false;
            continue;
        }
        if c.is_ascii_digit() || (last_hash && (c == '.' || c == 'e')) {
            if !last_hash {
                out.push('#');
            }
            last_hash = true;
            continue;
        }
        last_hash = false;
        out.push(c);
        if out.len() >= 120 {
            break;
        }
    }
    out
}

thread_local! {
    static IN_WORKER: RefCell<bool> = const { RefCell::new(false) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Installs (once) a panic hook that, on fuzz workers, records the panic's
/// location and message instead of printing it.
fn install_hook() {
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_WORKER.with(|w| *w.borrow()) {
                let payload = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                let loc = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                LAST_PANIC
                    .with(|p| *p.borrow_mut() = Some(format!("{loc}: {}", class_of(&payload))));
            } else {
                default(info);
            }
        }));
    });
}

type Reply = Result<Outcome, String>;

struct Worker {
    jobs: Sender<Arc<Case>>,
    replies: Receiver<Reply>,
}

fn spawn_worker(exec: Exec) -> Worker {
    let (jobs, job_rx) = channel::<Arc<Case>>();
    let (reply_tx, replies) = channel::<Reply>();
    std::thread::Builder::new()
        .name("fuzz-worker".into())
        .stack_size(64 << 20)
        .spawn(move || {
            IN_WORKER.with(|w| *w.borrow_mut() = true);
            for case in job_rx {
                let r = catch_unwind(AssertUnwindSafe(|| exec(&case))).map_err(|_| {
                    LAST_PANIC
                        .with(|p| p.borrow_mut().take())
                        .unwrap_or_else(|| "unknown location".into())
                });
                if reply_tx.send(r).is_err() {
                    break;
                }
            }
        })
        .expect("spawn a fuzz worker thread");
    Worker { jobs, replies }
}

/// Runs `cfg.inputs` inputs against `target`.
pub fn run(target: &Target, cfg: &Config, bar: Option<&ProgressBar>) -> TargetReport {
    install_hook();
    let started = Instant::now();
    let mut rng = Rng::new(cfg.seed ^ fnv(target.name));
    let mut corpus: Vec<Case> = target.seeds.clone();
    let mut classes: BTreeSet<String> = BTreeSet::new();
    let mut failures: BTreeMap<(String, String), FailureRecord> = BTreeMap::new();
    let mut rep = TargetReport {
        target: target.name.to_string(),
        kind: target.kind,
        executions: 0,
        accepted: 0,
        refused: 0,
        classes: 0,
        corpus: 0,
        panics: 0,
        hangs: 0,
        other_failures: 0,
        failures: Vec::new(),
        seconds: 0.0,
        class_names: BTreeSet::new(),
    };
    let mut worker = spawn_worker(target.exec.clone());
    if let Some(b) = bar {
        b.set_length(cfg.inputs);
        b.set_position(0);
        b.set_message(target.name.to_string());
    }
    for i in 0..cfg.inputs {
        let case = if (i as usize) < target.seeds.len() {
            target.seeds[i as usize].clone()
        } else if corpus.is_empty() {
            break;
        } else {
            let mut c = corpus[rng.below(corpus.len())].clone();
            let donor = &corpus[rng.below(corpus.len())];
            mutate(&mut c, &[donor], &mut rng);
            c
        };
        let case = Arc::new(case);
        rep.executions += 1;
        let outcome = if worker.jobs.send(case.clone()).is_err() {
            // The worker died (cannot happen: panics are caught); replace it.
            worker = spawn_worker(target.exec.clone());
            continue;
        } else {
            match worker.replies.recv_timeout(target.budget) {
                Ok(Ok(o)) => o,
                Ok(Err(panic)) => Outcome::Failure {
                    kind: "panic",
                    key: panic,
                },
                Err(RecvTimeoutError::Timeout) => {
                    // Abandon the stuck worker (it cannot be stopped) and go on.
                    worker = spawn_worker(target.exec.clone());
                    Outcome::Failure {
                        kind: "hang",
                        key: format!("over {:?}", target.budget),
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    worker = spawn_worker(target.exec.clone());
                    Outcome::Failure {
                        kind: "worker-lost",
                        key: String::new(),
                    }
                }
            }
        };
        let class = match &outcome {
            Outcome::Accepted(c) => {
                rep.accepted += 1;
                format!("ok: {c}")
            }
            Outcome::Refused(c) => {
                rep.refused += 1;
                format!("err: {c}")
            }
            Outcome::Failure { kind, key } => {
                match *kind {
                    "panic" => rep.panics += 1,
                    "hang" => rep.hangs += 1,
                    _ => rep.other_failures += 1,
                }
                let n = failures.len();
                let rec = failures
                    .entry((kind.to_string(), key.clone()))
                    .or_insert_with(|| {
                        let saved = cfg.save.as_ref().and_then(|d| {
                            let dir = d.join(target.name).join(format!("{kind}-{n}"));
                            case.save(&dir).ok().map(|()| dir)
                        });
                        FailureRecord {
                            kind: kind.to_string(),
                            key: key.clone(),
                            count: 0,
                            saved,
                        }
                    });
                rec.count += 1;
                format!("fail: {kind} {key}")
            }
        };
        if classes.insert(class) && case.len() <= 256 << 10 && (i as usize) >= target.seeds.len() {
            if corpus.len() < cfg.max_corpus {
                corpus.push((*case).clone());
            } else {
                let k = rng.below(corpus.len());
                corpus[k] = (*case).clone();
            }
        }
        if let Some(b) = bar
            && (i & 63 == 0 || i + 1 == cfg.inputs)
        {
            b.set_position(i + 1);
            b.set_message(format!(
                "{}  classes {}  panics {}  hangs {}  other {}",
                target.name,
                classes.len(),
                rep.panics,
                rep.hangs,
                rep.other_failures
            ));
        }
        if rep.hangs as usize >= cfg.max_hangs {
            break;
        }
    }
    rep.classes = classes.len();
    rep.corpus = corpus.len();
    rep.class_names = classes;
    rep.failures = failures.into_values().collect();
    rep.seconds = started.elapsed().as_secs_f64();
    rep
}

/// A progress bar on stderr when it is a terminal and `show`, hidden
/// otherwise.
pub fn progress_bar(show: bool) -> ProgressBar {
    use std::io::IsTerminal;
    if !show || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let b = ProgressBar::new(0);
    b.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {human_pos}/{human_len} ({per_sec}, eta {eta}) {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    b
}

/// FNV-1a of a name: each target gets its own stream from one seed.
fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_drop_numbers_and_quoted_values() {
        assert_eq!(
            class_of("readings.csv line 12, column 'reading': value '2,10' is not a number"),
            "readings.csv line #, column '…': value '…' is not a number"
        );
        assert_eq!(class_of("x 1.5e3 y\nsecond line"), "x # y");
    }

    fn target(exec: Exec) -> Target {
        Target {
            name: "test",
            about: "test",
            kind: Kind::Parser,
            seeds: vec![Case::single("a", b"1,2,3\n4,5,6\n".to_vec())],
            exec,
            budget: Duration::from_secs(2),
        }
    }

    #[test]
    fn a_panic_is_caught_and_counted_once_per_location() {
        let t = target(Arc::new(|c: &Case| {
            if c.len() % 2 == 1 {
                panic!("odd length {}", c.len());
            }
            Outcome::Accepted("even".into())
        }));
        let r = run(
            &t,
            &Config {
                inputs: 300,
                ..Config::default()
            },
            None,
        );
        assert_eq!(r.executions, 300);
        assert!(r.panics > 0 && r.accepted > 0);
        assert_eq!(r.failures.len(), 1, "{:?}", r.failures);
        assert!(
            r.failures[0].key.contains("campaign.rs"),
            "{:?}",
            r.failures
        );
    }

    #[test]
    fn a_hang_is_detected_and_the_campaign_goes_on() {
        let t = Target {
            budget: Duration::from_millis(200),
            ..target(Arc::new(|c: &Case| {
                if c.files[0].bytes.contains(&b';') {
                    std::thread::sleep(Duration::from_secs(3600));
                }
                Outcome::Refused(String::new())
            }))
        };
        let r = run(
            &t,
            &Config {
                inputs: 2000,
                max_hangs: 1,
                ..Config::default()
            },
            None,
        );
        assert_eq!(r.hangs, 1);
        assert!(r.executions > 1 && r.executions < 2000);
        assert_eq!(r.failures[0].kind, "hang");
    }
}
