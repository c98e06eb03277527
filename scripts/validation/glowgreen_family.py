#!/usr/bin/env python3
"""Side-by-side validation of mibg's family restriction periods against glowgreen.

Usage:  bash scripts/validation/glowgreen_family.sh     (creates a venv, installs glowgreen)
   or:  python3 scripts/validation/glowgreen_family.py OUT.json   (glowgreen importable)

For shared cases (three clearance functions x every pattern of
protocols/contact-patterns.toml, plus glowgreen's own cs_patterns()), it
records glowgreen's doses at given delays, its restriction periods and
restriction datetimes, and glowgreen's own pattern arrays; the Rust test
crates/clinic/tests/glowgreen.rs compares mibg with them. It also times
glowgreen's restriction computation for the speed comparison.
"""
import json
import sys
import time
import tomllib
from datetime import datetime
from pathlib import Path

import numpy as np
import glowgreen
from glowgreen import Clearance_1m, ContactPatternRepeating, ContactPatternOnceoff, cs_patterns

ROOT = Path(__file__).resolve().parents[2]
ADMIN = datetime(2026, 3, 2, 14, 30)  # end of infusion = glowgreen's administration, local clock

# Clearance functions (glowgreen parameters: dose rate at `distance`).
CLEARANCES = {
    # mono-exponential, T_eff 42 h, 100 uSv/h at 1 m
    "mono42": ("exponential", [100.0, 42.0], 1.0),
    # the bundled example's generating curve: 408 uSv/h at 1 m, 45 % T 7 h, 55 % T 42 h
    "bi_example": ("biexponential", [408.0, 0.45, 7.0, 42.0], 1.0),
    # a reading at 2 m: 50 uSv/h at 2 m, T_eff 60 h (1.5-power conversion to 1 m)
    "mono60_at2m": ("exponential", [50.0, 60.0], 2.0),
}
DELAYS = [0.0, 24.0, 50.5, 100.0, 173.25]


def to_glowgreen(p):
    """mibg pattern (TOML dict) -> glowgreen theta, c, d (hours, metres)."""
    theta, c, d = [], [], []
    for e in p["elements"]:
        hours = e["hours"] if "hours" in e else e["minutes"] / 60.0
        if p["kind"] == "daily":
            hh, mm = e["at"].split(":")
            start = int(hh) + int(mm) / 60.0
            if start + hours > 24.0:  # glowgreen has no midnight wrap: split
                theta += [start, 0.0]
                c += [24.0 - start, start + hours - 24.0]
                d += [e["distance_m"]] * 2
            else:
                theta.append(start)
                c.append(hours)
                d.append(e["distance_m"])
        else:
            theta.append(float(e["after_h"]))
            c.append(hours)
            d.append(e["distance_m"])
    order = np.argsort(theta, kind="stable")
    return ([float(theta[i]) for i in order], [float(c[i]) for i in order], [float(d[i]) for i in order])


def main(out):
    patterns = tomllib.loads((ROOT / "protocols/contact-patterns.toml").read_text())["pattern"]
    cases = []
    t0 = time.perf_counter()
    n_restrictions = 0
    for cname, (model, params, dist) in CLEARANCES.items():
        cfit = Clearance_1m(model, list(params), dist)
        for p in patterns:
            theta, c, d = to_glowgreen(p)
            if p["kind"] == "daily":
                cp = ContactPatternRepeating(theta, c, d)
            else:
                cp = ContactPatternOnceoff(theta, c, d)
            doses = []
            for tau in DELAYS:
                if p["kind"] == "daily":
                    dose, tau_corr = cp.get_dose(cfit, tau, ADMIN)
                else:
                    dose, tau_corr = cp.get_dose(cfit, tau), tau
                doses.append({"delay_h": tau, "delay_corrected_h": float(tau_corr), "dose_msv": float(dose)})
            # Single administration, one treatment a year: the constraint as is.
            constraint = float(p["limit_msv"])
            tau, dose, dt_end = cp.get_restriction(cfit, constraint, ADMIN)
            n_restrictions += 1
            cases.append({
                "clearance": cname,
                "pattern": p["id"],
                "doses": doses,
                "restriction_h": float(tau),
                "restriction_dose_msv": float(dose),
                "restriction_end": dt_end.isoformat() if dt_end is not None else None,
            })
    elapsed = time.perf_counter() - t0
    gg_patterns = []
    for _, row in cs_patterns().iterrows():
        gg_patterns.append({
            "name": row["name"],
            "pattern_type": row["pattern_type"],
            "theta": np.atleast_1d(row["theta"]).astype(float).tolist(),
            "c": np.atleast_1d(row["c"]).astype(float).tolist(),
            "d": np.atleast_1d(row["d"]).astype(float).tolist(),
            "dose_constraint": float(row["dose_constraint"]),
            "per_episode": int(row["per_episode"]),
        })
    doc = {
        "tool": "glowgreen",
        "version": getattr(glowgreen, "__version__", None) or __import__("importlib.metadata").metadata.version("glowgreen"),
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "admin_datetime": ADMIN.isoformat(),
        "clearances": {k: {"model": m, "params": p, "distance_m": dd} for k, (m, p, dd) in CLEARANCES.items()},
        "cases": cases,
        "cs_patterns": gg_patterns,
        "timing": {"restrictions": n_restrictions, "seconds_total_including_doses": elapsed},
    }
    Path(out).write_text(json.dumps(doc, indent=1) + "\n")
    print(f"glowgreen {doc['version']}: {n_restrictions} restrictions (+{len(DELAYS)} doses each) in {elapsed*1000:.1f} ms", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "tests/data/radprot/glowgreen/cases.json"))
