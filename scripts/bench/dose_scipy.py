#!/usr/bin/env python3
"""SciPy equivalent of one full `mibg dose` computation, for cross-checking
and for the side-by-side benchmark (scripts/bench/dose.sh).

Same steps as crates/dosimetry: retention from (reading - background) / pre-void;
mono a*exp(-l t) and bi a*exp(-l1 t) + (1-a)*exp(-l2 t) by scipy.optimize.curve_fit
(unweighted least squares, 'trf' with bounds l >= ln2/(192.497 h, ICRP 107)); AICc choice;
tau; S(m) = 0.11065/m + 0.0188/m^(2/3); D1; A2 = (target - D1)/(tau S(m2)) with
the seed protocol caps; residual bootstrap with the same number of replicates
(numpy default_rng, so the intervals agree statistically, not bit for bit):
residuals centred and inflated by sqrt(n/(n-p)), each replicate refitted with
the same bounded model seeded from the original fit, tau*, D1*, d2* and the
capped A2* recomputed, the predicted total with the planned A2 and
P(total > target + margin); the delta-method SEs of tau, D1 and A2 from pcov,
as mibg reports beside the bootstrap.

Whole-process timing (scripts/bench/dose.sh) runs this script once per
process with --repeat 1, so that interpreter start, imports, reading the
file, the fits, the bootstrap and the JSON output are all counted, as they
are for `mibg dose`.

Usage: dose_scipy.py READINGS.csv WEIGHT_KG ACTIVITY_MBQ [--replicates N] [--repeat K] [--json]
"""
import argparse
import json
import math
import sys
import time

import numpy as np
import scipy
from scipy.optimize import curve_fit

LAMBDA_PHYS = math.log(2) / 192.497  # ICRP 107, 8.0207 d (docs/reference/dosimetry.md §2), as mibg


def mono(t, a, l):
    return a * np.exp(-l * t)


def bi(t, a, l1, l2):
    return a * np.exp(-l1 * t) + (1.0 - a) * np.exp(-l2 * t)


def read(path):
    rows = [l.strip() for l in open(path) if l.strip() and not l.startswith("#")]
    head = rows[0].split(",")
    data = [r.split(",") for r in rows[1:]]
    t = np.array([float(r[head.index("hours")]) for r in data])
    m = np.array([float(r[head.index("reading")]) for r in data])
    b = np.array([float(r[head.index("background")]) for r in data]) if "background" in head else 0 * m
    net = m - b
    return t, net / net[0]


def loglin(t, y):
    s, i = np.polyfit(t, np.log(y), 1)
    return math.exp(i), -s


def fit_mono(t, y, p0=None):
    if p0 is None:
        a, l = loglin(t, y)
        p0 = [a, max(l, LAMBDA_PHYS)]
    p, cov = curve_fit(mono, t, y, p0=p0, bounds=([1e-9, LAMBDA_PHYS], [10.0, 10.0]))
    return p, cov


def fit_bi(t, y, p0=None):
    if p0 is None:
        n = len(t)
        b, l2 = loglin(t[n - 3:], y[n - 3:])
        b = min(max(b, 0.02), 0.98)
        l2 = max(l2, LAMBDA_PHYS * 1.01)
        early = y[: n - 3] - b * np.exp(-l2 * t[: n - 3])
        try:
            _, l1 = loglin(t[: n - 3], early)
        except Exception:
            l1 = 5 * l2
        if not l1 > 1.5 * l2:
            l1 = 5 * l2
        p0 = [1 - b, l1, l2]
    p, cov = curve_fit(bi, t, y, p0=p0, bounds=([0.0, LAMBDA_PHYS, LAMBDA_PHYS], [1.0, 10.0, 10.0]))
    if p[1] < p[2]:
        p = np.array([1 - p[0], p[2], p[1]])
    return p, cov


def aicc(n, k_params, rss):
    k = k_params + 1
    return n * math.log(rss / n) + 2 * k + 2 * k * (k + 1) / (n - k - 1)


def tau_of(model, p):
    return p[0] / p[1] if model == "mono" else p[0] / p[1] + (1 - p[0]) / p[2]


def s_value(m):
    return 0.11065 / m + 0.0188 / m ** (2.0 / 3.0)


def a2_rule(d1, a1, m2, d2):
    """Seed protocol: target 4 Gy, 777 MBq/kg, course 40 GBq, total 4.5 Gy, min 1000 MBq."""
    target = 4.0
    if d1 >= target:
        return 0.0
    a2 = (target - d1) / d2 * 1000.0
    a2 = min(a2, 777.0 * m2, 40000.0 - a1, max(0.0, (4.5 - d1) / d2 * 1000.0))
    return a2 if a2 >= 1000.0 else 0.0


def full(t, y, m, a1, replicates, rng_seed=0x4D494247):
    n = len(t)
    pm, cm = fit_mono(t, y)
    rss_m = float(np.sum((y - mono(t, *pm)) ** 2))
    model, p, cov, f = "mono", pm, cm, mono
    out = {"mono": {"params": pm.tolist(), "rss": rss_m, "aicc": aicc(n, 2, rss_m) if n >= 5 else None}}
    if n >= 6:
        pb, cb = fit_bi(t, y)
        rss_b = float(np.sum((y - bi(t, *pb)) ** 2))
        out["bi"] = {"params": pb.tolist(), "rss": rss_b, "aicc": aicc(n, 3, rss_b),
                     "se": np.sqrt(np.diag(cb)).tolist()}
        if 1e-9 < pb[0] < 1 - 1e-9 and pb[2] > LAMBDA_PHYS * (1 + 1e-9) and out["bi"]["aicc"] < out["mono"]["aicc"]:
            model, p, cov, f = "bi", pb, cb, bi
    out["mono"]["se"] = np.sqrt(np.diag(cm)).tolist()
    tau = tau_of(model, p)
    s = s_value(m)
    d1 = a1 / 1000.0 * tau * s
    d2 = tau * s
    a2 = a2_rule(d1, a1, m, d2)
    # residual bootstrap
    yhat = f(t, *p)
    res = y - yhat
    res = (res - res.mean()) * math.sqrt(n / (n - len(p)))
    rng = np.random.default_rng(rng_seed)
    d1s, a2s, totals = [], [], []
    exceed = 0
    fitter = fit_mono if model == "mono" else fit_bi
    for _ in range(replicates):
        ys = yhat + res[rng.integers(0, n, n)]
        try:
            pp, _ = fitter(t, ys, p0=list(p))
        except Exception:
            continue
        tt = tau_of(model, pp)
        if not (tt > 0 and math.isfinite(tt)):
            continue
        dd = a1 / 1000.0 * tt * s
        total = dd + a2 / 1000.0 * tt * s
        exceed += total > 4.5
        d1s.append(dd)
        a2s.append(a2_rule(dd, a1, m, tt * s))
        totals.append(total)
    # delta method: gradient of tau times pcov
    if model == "mono":
        g = np.array([1 / p[1], -p[0] / p[1] ** 2])
    else:
        g = np.array([1 / p[1] - 1 / p[2], -p[0] / p[1] ** 2, -(1 - p[0]) / p[2] ** 2])
    tau_se = float(math.sqrt(max(g @ cov @ g, 0.0)))
    out.update({
        "model": model, "params": list(map(float, p)), "tau_h": tau, "s_value_gy_per_gbq_h": s,
        "absorbed_dose_gy": d1, "second_activity_mbq": a2,
        "interval95_dose_gy": [float(np.percentile(d1s, 2.5)), float(np.percentile(d1s, 97.5))],
        "interval95_second_activity_mbq": [float(np.percentile(a2s, 2.5)), float(np.percentile(a2s, 97.5))],
        "interval95_predicted_total_gy": [float(np.percentile(totals, 2.5)), float(np.percentile(totals, 97.5))],
        "p_total_exceeds_target_plus_margin": exceed / len(totals),
        "tau_se_h": tau_se, "absorbed_dose_se_delta_gy": a1 / 1000.0 * s * tau_se,
        "second_activity_se_delta_mbq": 4.0 / (s * tau * tau) * tau_se * 1000.0,
        "replicates": replicates, "successful": len(d1s),
    })
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("readings")
    ap.add_argument("weight_kg", type=float)
    ap.add_argument("activity_mbq", type=float)
    ap.add_argument("--replicates", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    t, y = read(a.readings)
    times = []
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        out = full(t, y, a.weight_kg, a.activity_mbq, a.replicates)
        times.append(time.perf_counter() - t0)
    out["seconds_median"] = float(np.median(times))
    out["versions"] = {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__}
    if a.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"scipy {scipy.__version__}: model {out['model']}, tau {out['tau_h']:.4f} h, "
              f"D1 {out['absorbed_dose_gy']:.4f} Gy, A2 {out['second_activity_mbq']:.1f} MBq, "
              f"{a.replicates} bootstrap replicates: median {out['seconds_median'] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
