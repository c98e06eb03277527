#!/usr/bin/env python3
"""Cross-check the R golden files in tests/data/stats/ with lifelines.

Usage (from the repository root):  python3 scripts/reference/km_lifelines.py

For lung, veteran, ovarian and rossi: lifelines' Kaplan–Meier survival and log-log
CI (its only transform) against R's expected_log-log.json, the Greenwood SE
of S (computed from lifelines' event table), and the log-rank chi-square
(multivariate_logrank_test). Prints one line per check with the largest
relative difference, and the known differences (docs/reference/statistics.md §7): lifelines
takes the first time with S <= 0.5 as the median (no midpoint rule) and
reports SE 0 where R has NA. Exit status 1 if a check exceeds 1e-9.
"""
import json
import math
import sys
from pathlib import Path

import lifelines
import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test

ROOT = Path(__file__).resolve().parents[2] / "tests" / "data" / "stats"
RTOL = 1e-9
worst_fail = False


def rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    ok = ~(np.isnan(a) | np.isnan(b))
    if not ok.any():
        return 0.0
    return float(np.max(np.abs(a[ok] - b[ok]) / np.maximum(np.abs(b[ok]), 1e-300)))


def check(name, diff):
    global worst_fail
    flag = "ok " if diff <= RTOL else "BAD"
    worst_fail |= diff > RTOL
    print(f"  {flag} {name}: max rel diff {diff:.1e}")


def curve(df, want, median, label):
    kmf = KaplanMeierFitter().fit(df["time"], df["event"])
    times = np.array(want["table"]["time"], float)
    s = kmf.survival_function_at_times(times).to_numpy()
    check(f"{label} surv", rel(s, want["table"]["surv"]))
    ci = kmf.confidence_interval_
    lo = ci.iloc[:, 0].reindex(times).to_numpy()
    hi = ci.iloc[:, 1].reindex(times).to_numpy()
    r_lo = np.array([np.nan if v is None else v for v in want["table"]["lower"]], float)
    r_hi = np.array([np.nan if v is None else v for v in want["table"]["upper"]], float)
    check(f"{label} log-log lower", rel(lo, r_lo))
    check(f"{label} log-log upper", rel(hi, r_hi))
    et = kmf.event_table.loc[times]
    n, d = et["at_risk"].to_numpy(float), et["observed"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        gw = np.cumsum(np.where(d > 0, d / (n * (n - d)), 0.0))
    se = s * np.sqrt(gw)
    r_se = np.array([np.nan if v is None else v for v in want["table"]["std_err"]], float)
    check(f"{label} Greenwood SE of S", rel(np.where(np.isinf(gw), np.nan, se), r_se))
    r_med = median["median"]
    l_med = kmf.median_survival_time_
    l_med = None if math.isinf(l_med) else float(l_med)
    note = "" if l_med == r_med else "   (differs: lifelines has no midpoint rule, docs/reference/statistics.md §7)"
    print(f"  median: R {r_med}, lifelines {l_med}{note}")


def main():
    print(f"lifelines {lifelines.__version__}, pandas {pd.__version__}, numpy {np.__version__}")
    for case in ["lung", "veteran", "ovarian", "rossi"]:
        print(case)
        df = pd.read_csv(ROOT / case / "input.csv")
        want = json.loads((ROOT / case / "expected_log-log.json").read_text())
        curve(df, want["km"], want["median"], "all")
        for level, g in want["km_by_group"].items():
            curve(df[df["group"].astype(str) == level], g, g["median"], f"group {level}")
        lr = multivariate_logrank_test(df["time"], df["group"], df["event"])
        check("log-rank chisq", rel([lr.test_statistic], [want["logrank"]["chisq"]]))
        check("log-rank p", rel([lr.p_value], [want["logrank"]["p"]]))
    sys.exit(1 if worst_fail else 0)


if __name__ == "__main__":
    main()
