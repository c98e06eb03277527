#!/usr/bin/env python3
"""Rewrite citations of the old, out-of-repository domain notes so that they
cite the project's own reference pages, docs/reference/<page>.md §N.

Usage (from anywhere inside the repository):

    python3 scripts/dev/cite_reference_pages.py            # rewrite in place
    python3 scripts/dev/cite_reference_pages.py --dry-run  # list, change nothing
    python3 scripts/dev/cite_reference_pages.py --check    # exit 1 if anything is left to rewrite

Idempotent: a second run changes nothing. Re-run it after merging branches
that still cite the old notes, then run `cargo fmt --all` and
`cargo test -p mibg --test reference_citations` (the check that every
§-citation names an existing section of docs/reference; that test, not this
script, is the authority).

What it does, per git-tracked UTF-8 file (docs/reference itself excluded):

1. A few literal rewrites of prose that named the notes (listed in LITERAL
   below; a literal that is no longer found is simply skipped).
2. Page mentions become repository paths: `shared/domain/X.md`,
   `domain notes X.md`, `X.md of the domain notes`, "dosimetry notes",
   bare `X.md` -> `docs/reference/X.md` (X = dosimetry, response, toxicity,
   statistics, registry).
3. Every `§N` that is not preceded on its line by a `docs/reference/X.md`
   mention gets one inserted: the page is the nearest page mention earlier
   in the same file, or else the page of the file's area (AREA below); if
   neither exists the § is left alone and reported ("review:" on stderr).
   Later §s on the same line belong to the same page ("§2.3–§2.7", "§1, §9.3").

Convention (see docs/reference/index.md): in this repository "§" is reserved
for citations of docs/reference; sections of other documents are written
"section N".
"""

from __future__ import annotations

import argparse
import difflib
import re
import subprocess
import sys
from pathlib import Path

PAGES = ("dosimetry", "response", "toxicity", "statistics", "registry")
P = "|".join(PAGES)
SELF = "scripts/dev/cite_reference_pages.py"
SKIP_PREFIXES = ("docs/reference/", SELF, "crates/cli/tests/reference_citations.rs")
SKIP_SUFFIXES = (".lock", ".png", ".svg", ".pdf")

# Page of a file's area, used when no page is mentioned earlier in the file.
AREA = [
    ("crates/dosimetry/", "dosimetry"),
    ("crates/radprot/", "dosimetry"),
    ("crates/protocol/", "dosimetry"),
    ("protocols/", "dosimetry"),
    ("examples/protocols/", "dosimetry"),
    ("examples/dose/", "dosimetry"),
    ("tests/data/dosimetry/", "dosimetry"),
    ("crates/cli/src/cmd/dose.rs", "dosimetry"),
    ("crates/cli/src/cmd/plan.rs", "dosimetry"),
    ("crates/cli/tests/dose.rs", "dosimetry"),
    ("crates/cli/tests/plan.rs", "dosimetry"),
    ("crates/response/", "response"),
    ("examples/response/", "response"),
    ("tests/data/response/", "response"),
    ("crates/cli/src/cmd/response.rs", "response"),
    ("crates/cli/src/cmd/score.rs", "response"),
    ("crates/cli/tests/response.rs", "response"),
    ("crates/toxicity/", "toxicity"),
    ("examples/toxicity/", "toxicity"),
    ("tests/data/toxicity/", "toxicity"),
    ("scripts/reference/toxicity", "toxicity"),
    ("crates/cli/src/cmd/toxicity.rs", "toxicity"),
    ("crates/cli/tests/toxicity.rs", "toxicity"),
    ("crates/stats/", "statistics"),
    ("examples/survival/", "statistics"),
    ("tests/data/stats/", "statistics"),
    ("scripts/reference/km_", "statistics"),
    ("scripts/reference/cox_", "statistics"),
    ("crates/cli/src/cmd/survival.rs", "statistics"),
    ("crates/cli/src/cmd/proportion.rs", "statistics"),
    ("crates/cli/tests/survival.rs", "statistics"),
    ("crates/cli/tests/proportion.rs", "statistics"),
]

# (path or None for any file, old, new). Prose that named the notes, and the
# two citations of other documents' sections that used "§".
LITERAL = [
    ("Cargo.toml",
     "# Version traps (see ../shared/domain/ecosystem.md §4): statrs must stay on\n"
     "# `default-features = false` or it pulls a second nalgebra.",
     "# Version trap: statrs must stay on `default-features = false`: its default\n"
     "# `nalgebra` feature pulls nalgebra 0.35 beside the workspace's 0.34\n"
     "# (statrs 0.19.1 Cargo.toml [features]; https://docs.rs/crate/statrs/0.19.1/features)."),
    ("crates/units/src/lib.rs",
     "(ecosystem.md, units row)",
     "(Matthay et al., J Nucl Med 2001;42:1713; 1 mCi = 37 MBq, dosimetry.md §2)"),
    ("crates/dosimetry/src/lib.rs",
     "CPMP/EWP/QWP/1401/98 Rev. 1, §4.1.8)",
     "CPMP/EWP/QWP/1401/98 Rev. 1, section 4.1.8)"),
    ("crates/dosimetry/src/uncertainty.rs",
     "1997 §6.2.3)",
     "1997, section 6.2.3)"),
    ("crates/dosimetry/src/physics.rs",
     "//! I-131 physical constants used by the dosimetry (domain notes\n//! `dosimetry.md` §2).",
     "//! I-131 physical constants used by the dosimetry\n//! (`dosimetry.md` §2)."),
    ("crates/dosimetry/src/readings.rs",
     "patient position; the\n/// domain notes §3.2 ask for a fixed geometry but give no tolerance)",
     "patient position;\n/// dosimetry.md §3.2 asks for a fixed geometry but gives no tolerance)"),
    ("crates/dosimetry/tests/analytic.rs",
     "//! The analytic validation cases of the domain notes (`dosimetry.md` §10.3",
     "//! The analytic validation cases of `dosimetry.md` (§10.3"),
    ("crates/stats/tests/cox_reference.rs",
     "//! Tolerances: the domain notes (`statistics.md` §8) ask for rtol 1e-6 on",
     "//! Tolerances: `statistics.md` §8 asks for rtol 1e-6 on"),
    ("crates/stats/tests/cox_reference.rs",
     "/// The reference values printed in the domain notes (`statistics.md` §9,",
     "/// The reference values printed in `statistics.md` (§9,"),
    ("crates/study/src/config.rs",
     "([I]/[U] in the domain notes)",
     "([I]/[U] in docs/reference)"),
    ("crates/toxicity/src/lib.rs",
     "Reference: `toxicity.md` of the project's domain\n//! notes (cited by section throughout).",
     "Reference:\n//! `toxicity.md` (cited by section throughout)."),
    ("crates/toxicity/src/engraftment.rs",
     "(the notes' fallback, used",
     "(the fallback of toxicity.md §8.3, used"),
    ("crates/toxicity/tests/analysis.rs",
     "(>20×ULN, CTCAE v5 §4)",
     "(>20×ULN, CTCAE v5; toxicity.md §4)"),
    ("tests/data/response/PROVENANCE.md",
     "reference is the domain note (itself marked [R]/[I] where the primary\n"
     "tables were not available: see its §7 open items).",
     "reference is response.md (itself marked [R]/[I] where the primary\n"
     "tables were not available: see response.md §7, open items)."),
    ("tests/data/dosimetry/PROVENANCE.md",
     "(readings as printed in the notes,",
     "(readings as printed in dosimetry.md,"),
    ("README.md",
     "`shared/domain/statistics.md` §10 identifies (the project's domain notes,\n"
     "kept outside this repository) — a test checks each one:",
     "`statistics.md` §10 identifies — a test checks each one:"),
    ("README.md",
     "`shared/domain/response.md` (the project's domain notes, kept outside this\n"
     "repository; the §-numbers below).",
     "`response.md` (the §-numbers below)."),
    ("README.md",
     "Validation: the §10.3 analytic vector of the dosimetry notes (D1",
     "Validation: the analytic vector of dosimetry.md §10.3 (D1"),
    ("README.md",
     "(domain notes\n`statistics.md` §7).",
     "(see\n`statistics.md` §7)."),
    ("ARCHITECTURE.md",
     "readings CSV → retention (§3),",
     "readings CSV → retention (dosimetry.md §3),"),
    (None, 'dosimetry.md, "Status markers"', 'index.md, "Status markers"'),
]

REGEX = [
    # ../shared/domain/X.md, shared/domain/X.md
    (re.compile(r"(?:\.\./)?shared/domain/(" + P + r")\.md"), r"docs/reference/\1.md"),
    # `X.md` of the (project's) domain notes
    (re.compile(r"(`?)(" + P + r")\.md(`?) of the (?:project's )?domain notes"),
     r"\1docs/reference/\2.md\3"),
    # domain notes `X.md` / domain notes X.md
    (re.compile(r"(?:the )?domain notes[ \t]+(`?)(" + P + r")\.md"), r"\1docs/reference/\2.md"),
    # "dosimetry notes" (§ follows)
    (re.compile(r"dosimetry notes"), "docs/reference/dosimetry.md"),
    # "domain notes §N" / "the domain notes' §N": drop the words, step 3 adds the page
    (re.compile(r"(?:the )?domain notes'? (?=§)"), ""),
    # bare page names -> repository paths
    (re.compile(r"(?<![\w/.-])(" + P + r"|index)\.md\b"), r"docs/reference/\1.md"),
]

# "§" or its JSON escape, then a section number.
SECTION = re.compile(r"(?:§|\\u00a7) ?\d")
# A page mention that ends a line (only closing punctuation after it) carries
# over to a § that opens the next line (only comment markers before it).
TAIL = re.compile(r"[`\s(]*")
LEAD = re.compile(r"\s*(?://[/!]?|#|\*|>|-)?\s*[`(]*\s*")
MENTION = re.compile(r"docs/reference/(" + P + r"|index)\.md")


def area_page(path: str) -> str | None:
    for prefix, page in AREA:
        if path.startswith(prefix):
            return page
    return None


def qualify_sections(path: str, text: str, notes: list[str]) -> str:
    """Step 3: give every unattached §N its page."""
    out_lines = []
    last_page = None  # nearest page mentioned earlier in the file
    carry = None  # page mentioned at the very end of the previous line
    for line in text.split("\n"):
        pieces = []
        pos = 0
        line_page = None
        for m in SECTION.finditer(line):
            before = line[pos:m.start()]
            for mm in MENTION.finditer(before):
                line_page = mm.group(1)
                last_page = line_page
            pieces.append(before)
            if line_page is None and carry and LEAD.fullmatch(line[:m.start()]):
                line_page = carry  # "... in docs/reference/X.md" / "§N ..." wrapped
            if line_page is None:
                page = last_page or area_page(path)
                if page is None:
                    # Left as it is: the reference_citations test will point at it.
                    notes.append(f"{path}: cannot tell which page this § cites, left for a "
                                 f"human (or add a LITERAL/AREA entry): {line.strip()[:100]}")
                    pos = m.start()
                    continue
                area = area_page(path)
                if last_page and area and last_page != area:
                    notes.append(f"{path}: page {last_page} (mentioned earlier) differs from "
                                 f"the area page {area}: {line.strip()[:100]}")
                pieces.append(f"docs/reference/{page}.md ")
                line_page = page
                last_page = page
            pos = m.start()
        rest = line[pos:]
        for mm in MENTION.finditer(rest):
            last_page = mm.group(1)
        pieces.append(rest)
        out_lines.append("".join(pieces))
        ends = list(MENTION.finditer(line))
        carry = ends[-1].group(1) if ends and TAIL.fullmatch(line[ends[-1].end():]) else None
    return "\n".join(out_lines)


def rewrite(path: str, text: str, notes: list[str]) -> str:
    for where, old, new in LITERAL:
        if where is None or where == path:
            text = text.replace(old, new)
    for rx, repl in REGEX:
        text = rx.sub(repl, text)
    return qualify_sections(path, text, notes)


def tracked_files(root: Path) -> list[str]:
    out = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], check=True,
                         capture_output=True).stdout.decode()
    return [f for f in out.split("\0") if f]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dry-run", action="store_true", help="list the files that would change")
    ap.add_argument("--check", action="store_true", help="exit 1 if any file would change")
    ap.add_argument("--diff", action="store_true", help="with --dry-run: print changed lines")
    args = ap.parse_args()
    root = Path(subprocess.run(["git", "rev-parse", "--show-toplevel"], check=True,
                               capture_output=True, text=True).stdout.strip())
    changed, notes, count = [], [], 0
    for rel in tracked_files(root):
        if rel.startswith(SKIP_PREFIXES) or rel.endswith(SKIP_SUFFIXES):
            continue
        p = root / rel
        if not p.is_file():
            continue
        try:
            text = p.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        new = rewrite(rel, text, notes)
        if new != text:
            changed.append(rel)
            old_lines, new_lines = text.split("\n"), new.split("\n")
            for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
                    None, old_lines, new_lines, autojunk=False).get_opcodes():
                if tag == "equal":
                    continue
                count += i2 - i1
                if args.diff:
                    print(rel)
                    for a in old_lines[i1:i2]:
                        print(f"  - {a.strip()}")
                    for b in new_lines[j1:j2]:
                        print(f"  + {b.strip()}")
            if not (args.dry_run or args.check):
                p.write_text(new, encoding="utf-8")
    for n in notes:
        print("review:", n, file=sys.stderr)
    verb = "would change" if (args.dry_run or args.check) else "changed"
    print(f"{verb} {count} lines (old) in {len(changed)} files", file=sys.stderr)
    for rel in changed:
        print(rel)
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
