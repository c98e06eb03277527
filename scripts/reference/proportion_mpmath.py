#!/usr/bin/env python3
"""High-precision reference values for the Clopper-Pearson and Jeffreys
intervals, for mibg-stats' bounded beta quantile (issue 9, item 5).

Writes tests/data/stats/proportion-mpmath/expected.csv and PROVENANCE.md:

    python3 scripts/reference/proportion_mpmath.py      (from the repository root)

Needs mpmath (pip install mpmath; 1.3.0 was used). Runs in a few minutes.

Method (independent of the Rust code, which integrates the density in the
log-odds variable with a Stirling-form normalisation):
  * every limit is the textbook quantile, not a symmetric rewrite:
      Clopper-Pearson lower = Beta^-1(alpha/2;   x,     n-x+1)   (0 at x = 0)
      Clopper-Pearson upper = Beta^-1(1-alpha/2; x+1,   n-x)     (1 at x = n)
      Jeffreys lower        = Beta^-1(alpha/2;   x+1/2, n-x+1/2) (0 at x = 0)
      Jeffreys upper        = Beta^-1(1-alpha/2; x+1/2, n-x+1/2) (1 at x = n)
    with alpha = 1 - level computed exactly from the decimal level;
  * the regularised incomplete beta function is mpmath.betainc(a, b, 0, t,
    regularized=True) (a hypergeometric series) at 60 significant digits;
    where that series does not converge (both shapes large), it is the
    integral of t^(a-1) (1-t)^(b-1) / B(a, b) over [t - 80 sd, t] by
    mpmath.quad (tanh-sinh) with B from mpmath.beta, in the variable t;
    the two are cross-checked against each other on cases where both work
    (the largest relative difference is written to PROVENANCE.md);
  * the quantile is found by Newton's method on t with the density as the
    derivative, bracketed by bisection, to 1e-40 relative.
Values are written with 25 significant digits.
"""

import os
import sys
import time

import mpmath
from mpmath import mp, mpf

mp.dps = 60
OUT = "tests/data/stats/proportion-mpmath"


def log_beta(a, b):
    return mpmath.loggamma(a) + mpmath.loggamma(b) - mpmath.loggamma(a + b)


def density(a, b, t, lb):
    return mpmath.exp((a - 1) * mpmath.log(t) + (b - 1) * mpmath.log1p(-t) - lb)


def cdf_quad(a, b, t, lb):
    sd = mpmath.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    lo = max(mpf(0), t - 80 * sd)
    mean = a / (a + b)
    # break points every 2 sd around the mean, so that no piece hides the peak
    inner = [mean + k * sd for k in range(-80, 81, 2)]
    pts = [lo] + [p for p in inner if lo < p < t] + [t]
    if len(pts) == 2:
        pts = [lo + (t - lo) * k / 16 for k in range(17)]
    return mpmath.quad(lambda s: density(a, b, s, lb), pts)


NO_SERIES = set()  # shapes for which the series did not converge


def cdf(a, b, t, lb):
    if (a, b) not in NO_SERIES:
        try:
            return mpmath.betainc(a, b, 0, t, regularized=True), "betainc"
        except (mpmath.libmp.NoConvergence, ValueError):
            # mpmath raises when its series cannot reach the precision asked
            NO_SERIES.add((a, b))
    return cdf_quad(a, b, t, lb), "quad"


def quantile(p, a, b):
    a, b, p = mpf(a), mpf(b), mpf(p)
    lb = log_beta(a, b)
    mean = a / (a + b)
    sd = mpmath.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    lo, hi = mpf(0), mpf(1)
    # start at the normal approximation, clipped into (0, 1)
    z = mpmath.sqrt(2) * mpmath.erfinv(2 * p - 1)
    t = mean + z * sd
    if not (0 < t < 1):
        t = mean
    used = set()
    for _ in range(400):
        f, how = cdf(a, b, t, lb)
        used.add(how)
        g = f - p
        if g > 0:
            hi = t
        else:
            lo = t
        d = density(a, b, t, lb)
        if d > 0 and abs(g / d) <= mpf(10) ** -40 * t:
            t = t - g / d
            break
        nxt = t - g / d if d > 0 else (lo + hi) / 2
        if not (lo < nxt < hi):
            nxt = (lo + hi) / 2
        t = nxt
    else:
        raise RuntimeError(f"no convergence for p={p} a={a} b={b}")
    return t, used


def cases():
    ns = [1, 2, 5, 10, 14, 15, 23, 25, 26, 100, 1000, 10**4, 10**6,
          8 * 10**6, 10**8, 10**10, 10**12]
    out = []
    for n in ns:
        xs = sorted({x for x in (0, 1, 2, n // 3, n // 2, n - 2, n - 1, n) if 0 <= x <= n})
        for x in xs:
            out.append((x, n, "0.95"))
    for x, n in [(12, 25), (6, 14), (10, 15), (12, 23), (9, 26), (13, 26)]:
        out.append((x, n, "0.95"))
    for n in [25, 10**6, 10**12]:
        for x in sorted({0, 1, n // 2, n - 1, n}):
            for level in ("0.9", "0.999"):
                out.append((x, n, level))
    seen, uniq = set(), []
    for c in out:
        if c not in seen:
            seen.add(c)
            uniq.append(c)
    return uniq


def limits(x, n, level, method):
    alpha = 1 - mpf(level)
    if method == "clopper-pearson":
        lo_ab = (x, n - x + 1)
        hi_ab = (x + 1, n - x)
    else:
        h = mpf(1) / 2
        lo_ab = (x + h, n - x + h)
        hi_ab = (x + h, n - x + h)
    used = set()
    if x == 0:
        lower = mpf(0)
    else:
        lower, u = quantile(alpha / 2, *lo_ab)
        used |= u
    if x == n:
        upper = mpf(1)
    else:
        upper, u = quantile(1 - alpha / 2, *hi_ab)
        used |= u
    return lower, upper, used


def crosscheck():
    """betainc against quad where both converge."""
    worst = mpf(0)
    for a, b, t in [(3, 5, "0.2"), (12, 14, "0.3"), (1000, 1000, "0.49"),
                    (1, 10**6, "1e-6"), (30, 10**8, "2e-7"), (2000, 500, "0.79")]:
        a, b, t = mpf(a), mpf(b), mpf(t)
        lb = log_beta(a, b)
        v1, _ = cdf(a, b, t, lb)
        v2 = cdf_quad(a, b, t, lb)
        worst = max(worst, abs(v1 - v2) / v1)
    return worst


def main():
    os.makedirs(OUT, exist_ok=True)
    start = time.time()
    rows = []
    methods_used = set()
    for x, n, level in cases():
        for method in ("clopper-pearson", "jeffreys"):
            lower, upper, used = limits(x, n, level, method)
            methods_used |= used
            rows.append(f"{method},{x},{n},{level},{mpmath.nstr(lower, 25, min_fixed=-1, max_fixed=-1) if lower else '0'},"
                        f"{mpmath.nstr(upper, 25, min_fixed=-1, max_fixed=-1) if upper != 1 else '1'},{'+'.join(sorted(used)) or 'closed'}")
            print(rows[-1], file=sys.stderr)
    worst = crosscheck()
    with open(os.path.join(OUT, "expected.csv"), "w") as f:
        f.write("# Clopper-Pearson and Jeffreys limits from mpmath at 60 digits; see PROVENANCE.md\n")
        f.write("method,x,n,conf_level,lower,upper,cdf\n")
        for r in rows:
            f.write(r + "\n")
    elapsed = time.time() - start
    with open(os.path.join(OUT, "PROVENANCE.md"), "w") as f:
        f.write(f"""# proportion-mpmath

Clopper–Pearson and Jeffreys limits for {len(rows)} intervals (x from 0 to n,
n from 1 to 10¹², levels 0.9, 0.95, 0.999), the reference for the bounded
beta quantile of `crates/stats/src/beta.rs` (issue 9, item 5).

* Produced by: `python3 scripts/reference/proportion_mpmath.py` (from the
  repository root), {elapsed:.0f} s.
* Tools: Python {sys.version.split()[0]}, mpmath {mpmath.__version__}, 60 significant digits.
* Method: the textbook quantiles (see the script's docstring), each solved by
  Newton's method to 1e-40 relative on the regularised incomplete beta
  function: `mpmath.betainc` (hypergeometric series) where it converges,
  else `mpmath.quad` of the beta density over [t − 80 sd, t] (column
  `cdf` says which). The two agree to {mpmath.nstr(worst, 3)} relative on the
  cross-check cases where both work.
* Values: 25 significant digits; `0` and `1` are the exact limits at x = 0
  and x = n.
* Tolerance used by `crates/stats/tests/proportion_mpmath.rs`: 1e-12
  relative on each limit and on 1 − upper (the complement matters when the
  upper limit is within 10⁻¹² of 1).
""")


if __name__ == "__main__":
    main()
