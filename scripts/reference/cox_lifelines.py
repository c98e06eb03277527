#!/usr/bin/env python3
"""Cross-check of the R Cox goldens with lifelines (Efron ties only).

Usage (from the repo root):
  python3 scripts/reference/cox_lifelines.py --write-rossi   # write tests/data/stats/cox_rossi/data.csv
  python3 scripts/reference/cox_lifelines.py                 # fit every tests/data/stats/cox_*/data.csv

For each case it fits CoxPHFitter with fit_options={"precision": 1e-12} (the
default precision 1e-7 stops early: docs/reference/statistics.md §7 item 2),
writes lifelines_efron.json beside expected_efron.json (same field names) and
prints the largest relative difference from R per field. lifelines has no
Breslow option and no score test in the usual calls, so those are R-only.
"""
import json
import math
import pathlib
import sys

import lifelines
import numpy as np
import pandas as pd
from lifelines import CoxPHFitter
from scipy import stats

ROOT = pathlib.Path("tests/data/stats")


def write_rossi():
    from lifelines.datasets import load_rossi

    d = load_rossi().rename(columns={"week": "time", "arrest": "event"})
    out = ROOT / "cox_rossi"
    out.mkdir(parents=True, exist_ok=True)
    d.to_csv(out / "data.csv", index=False)
    print(f"wrote {out / 'data.csv'} ({len(d)} rows), lifelines {lifelines.__version__}")


def fit_case(case_dir: pathlib.Path):
    expected = json.loads((case_dir / "expected_efron.json").read_text())
    covs = expected["covariates"]
    d = pd.read_csv(case_dir / "data.csv")[["time", "event", *covs]]
    cph = CoxPHFitter()
    cph.fit(d, "time", "event", fit_options={"precision": 1e-12, "max_steps": 500})
    s = cph.summary
    coef = s["coef"].to_numpy()
    se = s["se(coef)"].to_numpy()
    z = coef / se
    p = len(covs)
    lr = cph.log_likelihood_ratio_test()
    var = cph.variance_matrix_.to_numpy()
    wald = float(coef @ np.linalg.solve(var, coef))
    zq = stats.norm.ppf(0.975)
    # ℓ(0) from the likelihood-ratio statistic: LR = 2(ℓ(β̂) − ℓ(0)).
    ll0 = float(cph.log_likelihood_) - float(lr.test_statistic) / 2.0
    out = {
        "source": f"lifelines {lifelines.__version__} CoxPHFitter (Efron), precision 1e-12",
        "ties": "efron",
        "n": len(d),
        "n_events": int(d["event"].sum()),
        "covariates": covs,
        "coef": coef.tolist(),
        "se": se.tolist(),
        "z": z.tolist(),
        "p": s["p"].tolist(),
        "hr": np.exp(coef).tolist(),
        "hr_lower": np.exp(coef - zq * se).tolist(),
        "hr_upper": np.exp(coef + zq * se).tolist(),
        "loglik_null": float(ll0),
        "loglik": float(cph.log_likelihood_),
        "lr_chisq": float(lr.test_statistic),
        "lr_df": p,
        "lr_p": float(lr.p_value),
        "wald_chisq": wald,
        "wald_p": float(stats.chi2.sf(wald, p)),
        "concordance": float(cph.concordance_index_),
    }
    (case_dir / "lifelines_efron.json").write_text(json.dumps(out, indent=2) + "\n")
    worst = {}
    for k, v in out.items():
        if k in ("source", "ties", "covariates") or k not in expected:
            continue
        a = np.atleast_1d(np.asarray(v, dtype=float))
        b = np.atleast_1d(np.asarray(expected[k], dtype=float))
        rel = np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))
        worst[k] = rel
    line = ", ".join(f"{k} {v:.1e}" for k, v in worst.items())
    print(f"{case_dir.name}: max relative difference lifelines vs R: {line}")
    return max(worst.values())


def main():
    if "--write-rossi" in sys.argv:
        write_rossi()
        return
    cases = sorted(p for p in ROOT.glob("cox_*") if (p / "expected_efron.json").exists())
    if not cases:
        sys.exit("no tests/data/stats/cox_*/expected_efron.json: run cox_r.R first")
    worst = max(fit_case(c) for c in cases)
    print(f"lifelines {lifelines.__version__}, pandas {pd.__version__}, numpy {np.__version__}")
    print(f"overall max relative difference: {worst:.2e}")


if __name__ == "__main__":
    main()
