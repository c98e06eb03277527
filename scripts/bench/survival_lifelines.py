#!/usr/bin/env python3
"""The work of `mibg survival DATA.csv --time time --event event --group group
--covariates age,stage,marker --json`, done with lifelines, for the
side-by-side benchmark (scripts/bench/survival.sh).

Usage: python3 scripts/bench/survival_lifelines.py DATA.csv OUT.json [--cox-only]

Read CSV (pandas); Kaplan–Meier overall and by group (lifelines' log-log CI)
with median and CI; median follow-up by reverse KM; log-rank by group; Cox
(Efron, lifelines' default fit options, as a user would run it; they stop
earlier than R, docs/reference/statistics.md §7 item 2) with Harrell's C; write JSON.
"""
import json
import sys

import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test
from lifelines.utils import median_survival_times


def km_json(t, e):
    kmf = KaplanMeierFitter().fit(t, e)
    tab = kmf.event_table
    ci = kmf.confidence_interval_
    med = kmf.median_survival_time_
    lo, hi = median_survival_times(ci).iloc[0].tolist()
    return {
        "table": {
            "time": tab.index.tolist(),
            "n_risk": tab["at_risk"].tolist(),
            "n_event": tab["observed"].tolist(),
            "n_censor": tab["censored"].tolist(),
            "surv": kmf.survival_function_.iloc[:, 0].tolist(),
            "lower": ci.iloc[:, 0].tolist(),
            "upper": ci.iloc[:, 1].tolist(),
        },
        "median": {"median": med, "lower": lo, "upper": hi},
    }


def main():
    args = [a for a in sys.argv[1:] if a != "--cox-only"]
    cox_only = "--cox-only" in sys.argv
    d = pd.read_csv(args[0])
    out = {}
    if not cox_only:
        out["km"] = km_json(d["time"], d["event"])
        rev = km_json(d["time"], 1 - d["event"])
        out["median_followup"] = rev["median"]
        out["km_by_group"] = {
            str(g): km_json(s["time"], s["event"]) for g, s in d.groupby("group")
        }
        lr = multivariate_logrank_test(d["time"], d["group"], d["event"])
        out["logrank"] = {"chisq": lr.test_statistic, "df": lr.degrees_of_freedom, "p": lr.p_value}
    cph = CoxPHFitter().fit(d[["time", "event", "age", "stage", "marker"]], "time", "event")
    s = cph.summary
    out["cox"] = {
        "coef": s["coef"].tolist(),
        "se": s["se(coef)"].tolist(),
        "p": s["p"].tolist(),
        "hr_lower": s["exp(coef) lower 95%"].tolist(),
        "hr_upper": s["exp(coef) upper 95%"].tolist(),
        "loglik": cph.log_likelihood_,
        "concordance": cph.concordance_index_,
    }
    with open(args[1], "w") as f:
        json.dump(out, f, default=float)


if __name__ == "__main__":
    main()
