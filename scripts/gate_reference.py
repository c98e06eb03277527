#!/usr/bin/env python3
"""Independent reference values for the outlier test of the plausibility gate
(crates/dosimetry/src/gate.rs): the mean-shift t statistic of each reading,
computed with SciPy's curve_fit instead of mibg's leave-one-out solver.

For reading k the fit of the other readings is relative least squares by
iterative reweighting, as mibg: an unweighted fit, then refits with
sigma_j = Rhat_j from the previous fit until the parameters settle
(relative change < 1e-8). The model then gets one more
parameter, a shift delta added at t_k only, and is fitted to all readings
with sigma = the predictions of that fit (reading k: Rhat_k, so that its
variance is s^2 Rhat_k^2). Also printed: sigma2, the residual variance of the
fit of the others (sum of squared relative residuals / (n - 1 - p)).
curve_fit (method 'trf', bounds lambda >= ln2/192.497 h, 0 <= a <= 1) with
absolute_sigma=False gives pcov = s^2 (J'WJ)^-1 with s^2 = WRSS/(n - p - 1);
t_k = delta / sqrt(pcov[delta, delta]). For linear models this is exactly the
externally studentized residual (Cook & Weisberg 1982); mibg computes it from
the leave-one-out fit as (y_k - yhat_k)/sqrt(s^2 yhat_k^2 + g'Cg), which is
the same quantity by the Sherman-Morrison identity.

Model per reading: mono a*exp(-l t), or bi a*exp(-l1 t) + (1-a)*exp(-l2 t);
without the pre-void reading (k = 0) the bi-exponential with both amplitudes
free. Usage: gate_reference.py READINGS.csv mono|bi  -> JSON on stdout.
"""
import json
import math
import sys

import numpy as np
import scipy
from scipy.optimize import curve_fit

LP = math.log(2) / 192.497


def read(path):
    rows = [l.strip() for l in open(path) if l.strip() and not l.startswith("#")]
    head = rows[0].split(",")
    data = [r.split(",") for r in rows[1:]]
    t = np.array([float(r[head.index("hours")]) for r in data])
    m = np.array([float(r[head.index("reading")]) for r in data])
    b = np.array([float(r[head.index("background")]) for r in data]) if "background" in head else 0 * m
    net = m - b
    return t, net / net[0]


def models(kind, k):
    if kind == "mono":
        return (lambda t, a, l: a * np.exp(-l * t)), [1e-9, LP], [10.0, 10.0]
    if k == 0:
        return (lambda t, a1, l1, a2, l2: a1 * np.exp(-l1 * t) + a2 * np.exp(-l2 * t)), \
            [0.0, LP, 0.0, LP], [10.0, 10.0, 10.0, 10.0]
    return (lambda t, a, l1, l2: a * np.exp(-l1 * t) + (1 - a) * np.exp(-l2 * t)), \
        [0.0, LP, LP], [1.0, 10.0, 10.0]


def seed(kind, k, y):
    if kind == "mono":
        return [y[0] if k else y[1], 0.02]
    if k == 0:
        return [0.4 * y[1], 0.1, 0.6 * y[1], 0.02]
    return [0.5, 0.1, 0.02]


def main():
    path, kind = sys.argv[1], sys.argv[2]
    t, y = read(path)
    out = []
    for k in range(len(t)):
        f, lo, hi = models(kind, k)
        keep = np.arange(len(t)) != k
        kw = dict(bounds=(lo, hi), method="trf", max_nfev=20000, xtol=1e-15, ftol=1e-15, gtol=1e-15)
        p, _ = curve_fit(f, t[keep], y[keep], p0=seed(kind, k, y), **kw)
        for _ in range(50):
            q, _ = curve_fit(f, t[keep], y[keep], p0=p, sigma=f(t[keep], *p), **kw)
            done = np.all(np.abs(q - p) <= 1e-8 * np.maximum(np.abs(q), 1e-12))
            p = q
            if done:
                break
        yhat = f(t[k], *p)
        # sigma^2 of the relative residuals of the fit of the others, WRSS/(n - 1 - p)
        fk = f(t[keep], *p)
        sigma2 = float(np.sum(((y[keep] - fk) / fk) ** 2) / (keep.sum() - len(p)))
        sigma = f(t, *p)
        def g(tt, *q):
            return f(tt, *q[:-1]) + q[-1] * (np.abs(tt - t[k]) < 1e-12)

        q, pcov = curve_fit(g, t, y, p0=list(p) + [y[k] - yhat], sigma=sigma,
                            bounds=(lo + [-np.inf], hi + [np.inf]), method="trf",
                            max_nfev=20000, xtol=1e-15, ftol=1e-15, gtol=1e-15)
        out.append({"index": k, "expected_retention": float(yhat), "sigma2": sigma2,
                    "studentized": float(q[-1] / math.sqrt(pcov[-1, -1]))})
    json.dump({"file": path, "model": kind, "scipy": scipy.__version__,
               "numpy": np.__version__, "readings": out}, sys.stdout, indent=1)
    print()


main()
