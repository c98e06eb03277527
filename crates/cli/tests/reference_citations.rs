//! Every citation of the project's clinical reference pages must resolve:
//! a `§N` anywhere in the repository names a section that exists in
//! `docs/reference/<page>.md`, and nothing cites the old working notes that
//! lived outside the repository (`shared/domain`, "domain notes",
//! "dosimetry notes", `ecosystem.md`).
//!
//! The rules (docs/reference/index.md): outside `docs/reference`, "§" is
//! reserved for these pages, and every `§N` is attached to a
//! `docs/reference/<page>.md` mention earlier on its line ("… §2.3–§2.7",
//! "… §1, §9.3" belong to the last page named), or at the very end of the
//! previous line when the `§` opens the next one. Sections of other documents
//! are written "section N". Inside `docs/reference`, a bare `§N` cites the page
//! itself unless another page (`toxicity.md`) is named before it on the line.
//!
//! `scripts/dev/cite_reference_pages.py` rewrites old citations into this
//! form; this test is the authority.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const PAGES: [&str; 6] = [
    "dosimetry",
    "response",
    "toxicity",
    "statistics",
    "registry",
    "index",
];
/// Text that only a citation of the old notes would contain.
const FORBIDDEN: [&str; 4] = [
    "shared/domain",
    "domain notes",
    "dosimetry notes",
    "ecosystem.md",
];
/// Files that name the forbidden patterns on purpose.
const SKIP: [&str; 2] = [
    "scripts/dev/cite_reference_pages.py",
    "crates/cli/tests/reference_citations.rs",
];
const PREFIX: &str = "docs/reference/";

type Sections = BTreeMap<&'static str, BTreeSet<String>>;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// Section numbers of a page: headings "## 5. Title", "### 5.3 Title".
fn page_sections(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix('#') else {
            continue;
        };
        let rest = rest.trim_start_matches('#');
        if !rest.starts_with(' ') {
            continue;
        }
        if let Some(n) = section_number(rest.trim_start()) {
            out.insert(n);
        }
    }
    out
}

/// The section number at the start of `s` ("10.3 …" → "10.3", "2. …" → "2").
fn section_number(s: &str) -> Option<String> {
    let mut end = 0;
    let b = s.as_bytes();
    while end < b.len() {
        let digit = b[end].is_ascii_digit();
        let inner_dot = b[end] == b'.' && end > 0 && b.get(end + 1).is_some_and(u8::is_ascii_digit);
        if !(digit || inner_dot) {
            break;
        }
        end += 1;
    }
    (end > 0).then(|| s[..end].to_string())
}

/// Something on a line: a page mention (byte offsets start..end) or a §.
enum Token {
    Page(&'static str, usize, usize),
    Section(String, usize),
}

/// Page mentions and section signs of one line, in order. Outside the pages a
/// mention is `docs/reference/<page>.md`; inside them also a bare `<page>.md`.
fn tokens(line: &str, in_pages: bool) -> Vec<Token> {
    let mut out = Vec::new();
    for page in PAGES {
        let name = format!("{page}.md");
        let mut from = 0;
        while let Some(i) = line[from..].find(&name) {
            let at = from + i;
            let end = at + name.len();
            from = end;
            let prev = line[..at].chars().next_back();
            if line[..at].ends_with(PREFIX) {
                out.push(Token::Page(page, at - PREFIX.len(), end));
            } else if in_pages && !prev.is_some_and(|c| c.is_alphanumeric() || "_-./".contains(c)) {
                out.push(Token::Page(page, at, end));
            }
        }
    }
    for sign in ["§", "\\u00a7"] {
        let mut from = 0;
        while let Some(i) = line[from..].find(sign) {
            let at = from + i;
            from = at + sign.len();
            let after = &line[from..];
            let after = after.strip_prefix(' ').unwrap_or(after);
            if let Some(n) = section_number(after) {
                out.push(Token::Section(n, at));
            }
        }
    }
    out.sort_by_key(|t| match t {
        Token::Page(_, at, _) | Token::Section(_, at) => *at,
    });
    out
}

/// Only comment markers, spaces, backticks or "(" before a `§` that opens a line.
fn is_lead(prefix: &str) -> bool {
    let p = prefix.trim_start();
    let p = ["///", "//!", "//", "#", "*", ">", "-"]
        .iter()
        .find_map(|m| p.strip_prefix(m))
        .unwrap_or(p);
    p.chars().all(|c| c.is_whitespace() || c == '`' || c == '(')
}

/// Every problem of one file, as "path:line: message".
fn check_text(rel: &str, text: &str, sections: &Sections) -> Vec<String> {
    let mut problems = Vec::new();
    let in_pages = rel.starts_with(PREFIX);
    let own_page = in_pages
        .then(|| PAGES.into_iter().find(|p| rel == format!("{PREFIX}{p}.md")))
        .flatten();
    let mut carry: Option<&'static str> = None;
    for (i, line) in text.lines().enumerate() {
        let here = format!("{rel}:{}", i + 1);
        for f in FORBIDDEN {
            if line.contains(f) {
                problems.push(format!(
                    "{here}: cites the old notes outside the repository (`{f}`); cite docs/reference/<page>.md §N (or, for crates, the crate's own docs)"
                ));
            }
        }
        if !in_pages {
            for page in &PAGES[..5] {
                let name = format!("{page}.md");
                let mut from = 0;
                while let Some(j) = line[from..].find(&name) {
                    let at = from + j;
                    from = at + name.len();
                    let prev = line[..at].chars().next_back();
                    if !prev.is_some_and(|c| c.is_alphanumeric() || "_-./".contains(c)) {
                        problems.push(format!(
                            "{here}: `{name}` without its path: write docs/reference/{name}"
                        ));
                    }
                }
            }
        }
        let mut page = own_page;
        let mut last_mention_end = None;
        for token in tokens(line, in_pages) {
            match token {
                Token::Page(p, _, end) => {
                    page = Some(p);
                    last_mention_end = Some(end);
                }
                Token::Section(n, at) => {
                    let cited = if page.is_none() && carry.is_some() && is_lead(&line[..at]) {
                        carry
                    } else {
                        page
                    };
                    match cited {
                        None => problems.push(format!(
                            "{here}: §{n} names no page: write docs/reference/<page>.md §{n} (sections of other documents: \"section {n}\")"
                        )),
                        Some(p) if !sections.get(p).is_some_and(|s| s.contains(&n)) => problems
                            .push(format!(
                                "{here}: docs/reference/{p}.md has no §{n}"
                            )),
                        Some(p) => page = Some(p),
                    }
                }
            }
        }
        carry = match last_mention_end {
            Some(end)
                if line[end..]
                    .chars()
                    .all(|c| c.is_whitespace() || c == '`' || c == '(') =>
            {
                page
            }
            _ => None,
        };
    }
    problems
}

fn load_sections(root: &Path) -> Sections {
    PAGES
        .into_iter()
        .map(|p| {
            let path = root.join(format!("{PREFIX}{p}.md"));
            let text =
                fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (p, page_sections(&text))
        })
        .collect()
}

fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if name == "target" || (name.starts_with('.') && name != ".ci") {
                continue;
            }
            walk(&path, root, out);
        } else if kind.is_file() {
            let rel = path
                .strip_prefix(root)
                .expect("under the root")
                .to_string_lossy()
                .replace('\\', "/");
            if SKIP.contains(&rel.as_str()) || entry.metadata().is_ok_and(|m| m.len() > 8 << 20) {
                continue;
            }
            if let Ok(text) = fs::read_to_string(&path) {
                out.push((rel, text));
            }
        }
    }
}

#[test]
fn every_citation_names_an_existing_section_of_docs_reference() {
    let root = repo_root();
    let sections = load_sections(&root);
    let mut files = Vec::new();
    walk(&root, &root, &mut files);
    assert!(
        files.iter().any(|(rel, _)| rel == "README.md"),
        "the walk did not find the repository files"
    );
    let problems: Vec<String> = files
        .iter()
        .flat_map(|(rel, text)| check_text(rel, text, &sections))
        .collect();
    assert!(
        problems.is_empty(),
        "{} citation problem(s) (python3 scripts/dev/cite_reference_pages.py fixes the old forms):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_page_keeps_its_numbered_chapters() {
    // The chapters the code cites most; a renumbering would break citations.
    let sections = load_sections(&repo_root());
    for (page, wanted) in [
        (
            "dosimetry",
            &["2", "5.3", "5.4", "6.1", "8.4", "9.1", "10.3"][..],
        ),
        (
            "response",
            &["2.3", "2.4", "2.5", "2.6", "2.7", "4.1", "6"][..],
        ),
        ("toxicity", &["2", "3", "4", "5", "8.3", "9"][..]),
        (
            "statistics",
            &["0", "1", "2.3", "2.5", "4.2", "7", "10.2"][..],
        ),
        ("registry", &["1", "3", "4", "7"][..]),
    ] {
        for n in wanted {
            assert!(sections[page].contains(*n), "{page}.md lost §{n}");
        }
    }
}

fn toy_sections() -> Sections {
    let mut s = Sections::new();
    s.insert("dosimetry", ["5", "5.3", "6.1"].map(String::from).into());
    s.insert("toxicity", ["9"].map(String::from).into());
    s.insert("index", BTreeSet::new());
    s
}

#[test]
fn the_check_accepts_well_formed_citations() {
    let s = toy_sections();
    for text in [
        "/// S(m) (docs/reference/dosimetry.md §5.3, Lassmann 2008 [R]).",
        "# [V] docs/reference/dosimetry.md §5, §6.1",
        "//! ranges docs/reference/dosimetry.md §5.3–§6.1 and §5",
        "/// as given in docs/reference/dosimetry.md\n/// §5.3 (wrapped)",
        "\"source\": \"docs/reference/dosimetry.md \\u00a75.3\"",
        "EMA guideline Rev. 1, section 4.1.8; the §-numbers below",
    ] {
        assert_eq!(
            check_text("crates/x.rs", text, &s),
            Vec::<String>::new(),
            "{text}"
        );
    }
    // Inside the pages: bare § is the page itself; a named page switches.
    let page = "see §6.1 and [toxicity.md](toxicity.md) §9";
    assert!(check_text("docs/reference/dosimetry.md", page, &s).is_empty());
}

#[test]
fn the_check_rejects_each_kind_of_bad_citation() {
    let s = toy_sections();
    for (text, why) in [
        ("/// (docs/reference/dosimetry.md §5.9)", "has no §5.9"),
        ("/// (docs/reference/toxicity.md §5.3)", "has no §5.3"),
        ("/// the caps (§6.1)", "names no page"),
        ("/// (CPMP/EWP/QWP/1401/98 Rev. 1, §4.1.8)", "names no page"),
        ("/// see ../shared/domain/dosimetry.md", "old notes"),
        ("/// domain notes §4.3", "old notes"),
        ("# see ecosystem.md", "old notes"),
        ("/// (`statistics.md` §1)", "without its path"),
        (
            "/// docs/reference/dosimetry.md\nlet x = 1; // §5",
            "names no page",
        ),
        ("\"source\": \"\\u00a75.3\"", "names no page"),
    ] {
        let problems = check_text("crates/x.rs", text, &s);
        assert!(
            problems.iter().any(|p| p.contains(why)),
            "{text:?}: expected a problem containing {why:?}, got {problems:?}"
        );
    }
    assert!(!check_text("docs/reference/dosimetry.md", "see §7", &s).is_empty());
}
