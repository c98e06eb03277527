#!/usr/bin/env python3
"""List dev-dependencies that no Rust file of their package names.

Used by .ci/run. Normal dependencies are checked exactly by the compiler
(`-D unused_crate_dependencies` on the library and binary targets); the
lint cannot check dev-dependencies (each test file is its own crate and uses
only some of them), so this script does what cargo-machete does for them: a
dev-dependency is used when its crate name (hyphens as underscores, or its
rename) appears as a word in a .rs file of the package (src/, tests/,
benches/, examples/). Exit status 1 and one line per unused dev-dependency.

Usage (from the repository root): python3 scripts/ci/unused_dev_deps.py
"""

import json
import os
import re
import subprocess
import sys


def main():
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--no-deps", "--format-version", "1", "--locked"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    unused = []
    for pkg in meta["packages"]:
        root = os.path.dirname(pkg["manifest_path"])
        normal = {d["name"] for d in pkg["dependencies"] if d["kind"] is None}
        text = []
        for dirpath, dirnames, files in os.walk(root):
            dirnames[:] = [d for d in dirnames if d != "target"]
            for f in files:
                if f.endswith(".rs"):
                    with open(os.path.join(dirpath, f), encoding="utf-8") as fh:
                        text.append(fh.read())
        source = "\n".join(text)
        for dep in pkg["dependencies"]:
            if dep["kind"] != "dev" or dep["name"] in normal:
                continue
            ident = (dep.get("rename") or dep["name"]).replace("-", "_")
            if not re.search(r"\b" + re.escape(ident) + r"\b", source):
                unused.append(f"{pkg['name']}: dev-dependency '{dep['name']}' is not used")
    for u in unused:
        print(u)
    if unused:
        sys.exit(1)
    print(f"dev-dependencies: all used ({len(meta['packages'])} packages)")


if __name__ == "__main__":
    main()
