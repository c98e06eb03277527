#!/usr/bin/env python3
"""Exact-arithmetic checks of the reference designs for `mibg design`.

Independent of the Rust code and of R: Python's standard library only
(`fractions.Fraction` for exact binomial probabilities, `statistics.NormalDist`
for normal quantiles).

1. Re-evaluates every Simon two-stage design in tests/data/design/simon/clinfun.csv
   and every single-stage design in tests/data/design/single-stage/clinfun.csv
   in exact rational arithmetic (p0, p1, alpha, beta read as decimals) and
   writes the exact type I error, power, PET(p0) and EN(p0) (as 17-digit
   decimals) with the margins to the constraints: *-exact.csv beside them.
2. Computes the Simpson-rule patient numbers of Schoenfeld (Biometrics 1983)
   for the survival cases, which R rpact does not offer: survival/simpson.csv.

Run from the repository root:  python3 scripts/reference/design_exact.py
"""
import csv
import math
import os
from fractions import Fraction
from math import comb
from statistics import NormalDist

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data", "design")


def pmf(n, p):
    q = 1 - p
    return [comb(n, k) * p**k * q ** (n - k) for k in range(n + 1)]


def at_least(pm, k):
    """P(X >= k) from a pmf list; 1 for k <= 0."""
    if k <= 0:
        return Fraction(1)
    return sum(pm[k:], Fraction(0))


def two_stage(r1, n1, r, n, p):
    """(P(reject), PET, EN) of Simon's design at rate p, exactly."""
    b1 = pmf(n1, p)
    b2 = pmf(n - n1, p)
    reject = sum((b1[x] * at_least(b2, r + 1 - x) for x in range(r1 + 1, n1 + 1)), Fraction(0))
    pet = sum(b1[: r1 + 1], Fraction(0))
    return reject, pet, n1 + (1 - pet) * (n - n1)


def dec(x):
    return f"{float(x):.17g}"


def simon():
    rows = list(csv.DictReader(open(os.path.join(ROOT, "simon", "clinfun.csv"))))
    out = []
    for row in rows:
        p0, p1 = Fraction(row["p0"]), Fraction(row["p1"])
        alpha, beta = Fraction(row["alpha"]), Fraction(row["beta"])
        r1, n1, r, n = (int(row[k]) for k in ("r1", "n1", "r", "n"))
        a, pet, en = two_stage(r1, n1, r, n, p0)
        pw, _, _ = two_stage(r1, n1, r, n, p1)
        assert a <= alpha and pw >= 1 - beta, row
        out.append({**{k: row[k] for k in ("p0", "p1", "alpha", "beta", "kind", "r1", "n1", "r", "n")},
                    "type_i": dec(a), "power": dec(pw), "pet_p0": dec(pet), "en_p0": dec(en),
                    "alpha_margin": dec(alpha - a), "power_margin": dec(pw - (1 - beta))})
    write(os.path.join(ROOT, "simon", "clinfun-exact.csv"), out)
    return len(out)


def single():
    rows = list(csv.DictReader(open(os.path.join(ROOT, "single-stage", "clinfun.csv"))))
    out = []
    for row in rows:
        p0, p1 = Fraction(row["p0"]), Fraction(row["p1"])
        alpha, beta = Fraction(row["alpha"]), Fraction(row["beta"])
        n, r = int(row["n"]), int(row["r"])
        feasible = []
        for m in range(1, n + 11):
            b0, b1 = pmf(m, p0), pmf(m, p1)
            ok = [k for k in range(m) if at_least(b0, k + 1) <= alpha and at_least(b1, k + 1) >= 1 - beta]
            feasible.append((m, ok))
        first = next(m for m, ok in feasible if ok)
        assert first == n, (row, first)
        ok_at_n = dict(feasible)[n]
        assert r in ok_at_n, row
        b0, b1 = pmf(n, p0), pmf(n, p1)
        r_hi = max(ok_at_n)
        out.append({**{k: row[k] for k in ("p0", "p1", "alpha", "beta", "n")},
                    "r_low": min(ok_at_n), "r_high": r_hi,
                    "type_i_at_r_high": dec(at_least(b0, r_hi + 1)), "power_at_r_high": dec(at_least(b1, r_hi + 1)),
                    "infeasible_n_up_to_n_plus_10": " ".join(str(m) for m, ok in feasible if m > n and not ok)})
    write(os.path.join(ROOT, "single-stage", "clinfun-exact.csv"), out)
    return len(out)


def simpson():
    rows = list(csv.DictReader(open(os.path.join(ROOT, "survival", "rpact.csv"))))
    z = NormalDist().inv_cdf
    out = []
    for row in rows:
        hr, alpha, sided, power = (float(row[k]) for k in ("hazard_ratio", "alpha", "sided", "power"))
        k, median, a, f = (float(row[k]) for k in ("allocation_ratio", "median_control", "accrual", "follow_up"))
        za = z(1 - alpha / sided)
        zb = z(power)
        if row["formula"] == "schoenfeld":
            d = (za + zb) ** 2 * (1 + k) ** 2 / (k * math.log(hr) ** 2)
        else:
            d = (za + zb) ** 2 * (1 + k * hr) ** 2 / (k * (1 - hr) ** 2)
        lam_c = math.log(2) / median
        lam_e = hr * lam_c
        pi_e = k / (1 + k)

        def s_bar(t):
            return (1 - pi_e) * math.exp(-lam_c * t) + pi_e * math.exp(-lam_e * t)

        p_simpson = 1 - (s_bar(f) + 4 * s_bar(f + a / 2) + s_bar(f + a)) / 6
        # exact integral, for comparison with rpact
        def p_exact(lam):
            return 1 - math.exp(-lam * f) * (1 - math.exp(-lam * a)) / (lam * a)

        p_ex = (1 - pi_e) * p_exact(lam_c) + pi_e * p_exact(lam_e)
        out.append({**row, "events_python": f"{d:.12f}", "p_event_exact": f"{p_ex:.15f}",
                    "p_event_simpson": f"{p_simpson:.15f}", "patients_simpson": f"{d / p_simpson:.12f}"})
    write(os.path.join(ROOT, "survival", "simpson.csv"), out)
    return len(out)


def write(path, rows):
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0].keys()), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    print("simon designs checked exactly:", simon())
    print("single-stage designs checked exactly:", single())
    print("survival cases (Simpson):", simpson())
