#!/usr/bin/env python3
"""Synthetic survival cohort for the `mibg survival` benchmark, fixed seed.

Usage: python3 scripts/bench/cohort_gen.py N OUT.csv [--seed 20261127]

Columns (header first, no missing cells):
  time    follow-up in whole days (ties, as in real registries), >= 1
  event   1 = event, 0 = censored
  group   treatment arm, 0 or 1 (for Kaplan–Meier by group and log-rank)
  age     age at inclusion in years, 1 decimal, 1.0–15.0
  stage   integer 1–4
  marker  standardised biomarker, 3 decimals

Model: exponential event times with hazard
  0.0008 · exp(0.4·group + 0.02·age + 0.25·stage − 0.3·marker) per day,
uniform administrative censoring over 0–1825 days (5 years). The same N and
seed always give the same file (numpy PCG64), written in chunks of 10^6 rows
so 10^7 subjects need little memory.
"""
import argparse

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=20261127)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    chunk = 1_000_000
    with open(a.out, "w") as f:
        f.write("time,event,group,age,stage,marker\n")
        left = a.n
        while left > 0:
            m = min(chunk, left)
            left -= m
            group = rng.integers(0, 2, m)
            age = np.round(rng.uniform(1.0, 15.0, m), 1)
            stage = rng.integers(1, 5, m)
            marker = np.round(rng.standard_normal(m), 3)
            rate = 0.0008 * np.exp(0.4 * group + 0.02 * age + 0.25 * stage - 0.3 * marker)
            t = rng.exponential(1.0 / rate)
            c = rng.uniform(0.0, 1825.0, m)
            time = np.maximum(np.ceil(np.minimum(t, c)), 1).astype(np.int64)
            event = (t <= c).astype(np.int64)
            cols = [
                time.astype(str),
                event.astype(str),
                group.astype(str),
                np.char.mod("%.1f", age),
                stage.astype(str),
                np.char.mod("%.3f", marker),
            ]
            rows = cols[0]
            for c_ in cols[1:]:
                rows = np.char.add(np.char.add(rows, ","), c_)
            f.write("\n".join(rows.tolist()))
            f.write("\n")


if __name__ == "__main__":
    main()
