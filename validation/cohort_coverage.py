"""Coverage of the pooled estimates on simulated cohorts (issue 15 acceptance).

Simulates ``--cohorts`` synthetic cohorts (backcare_analysis.synthetic.cohort) whose
personal log rate ratios of an onset the day after heavy lifting are drawn around a known
mean with a known spread, writes each as a Flaredown file, runs the whole pipeline
(read_cohort -> cohort_advice -> pool_advice) and counts how often the pooled 95% interval
covers the true mean ratio and the Q-profile interval of tau covers the true tau.

    PYTHONPATH=. python validation/cohort_coverage.py --cohorts 40 --people 30
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
from pathlib import Path

import pandas as pd

from backcare_analysis.cohort import cohort_advice, pool_advice, read_cohort
from backcare_analysis.synthetic.cohort import CohortSetting, write_flaredown_cohort


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cohorts", type=int, default=40)
    parser.add_argument("--people", type=int, default=30)
    parser.add_argument("--rr", type=float, default=2.0)
    parser.add_argument("--tau", type=float, default=0.3)
    parser.add_argument("--method", default="REML", choices=["REML", "PM"])
    parser.add_argument("--out", type=Path, default=None, help="CSV of every cohort's fit")
    args = parser.parse_args()
    setting = CohortSetting(n_back=args.people, n_other=5, lifting_rr=args.rr, lifting_tau=args.tau)
    rows = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.cohorts):
            path = Path(tmp) / f"cohort{seed}.csv"
            write_flaredown_cohort(path, setting, seed=1000 + seed)
            per_person = cohort_advice(read_cohort(path, progress=False))
            pooled = pool_advice(per_person, method=args.method).set_index("claim")
            fit = pooled.loc["lifting"]
            rows.append(
                {
                    "seed": 1000 + seed,
                    "n_people": int(fit["n_people"]),
                    "pooled_ratio": fit["pooled_ratio"],
                    "ci_low": fit["ci_low"],
                    "ci_high": fit["ci_high"],
                    "tau": fit["tau"],
                    "tau_ci_low": fit["tau_ci_low"],
                    "tau_ci_high": fit["tau_ci_high"],
                    "covers_mean": fit["ci_low"] <= args.rr <= fit["ci_high"],
                    "covers_tau": fit["tau_ci_low"] <= args.tau <= fit["tau_ci_high"],
                }
            )
            print(f"cohort {seed + 1}/{args.cohorts}: {rows[-1]}", flush=True)
    table = pd.DataFrame(rows)
    if args.out is not None:
        table.to_csv(args.out, index=False)
    k = len(table)
    for what in ("covers_mean", "covers_tau"):
        p = table[what].mean()
        se = math.sqrt(p * (1 - p) / k)
        print(f"{what}: {p:.1%} of {k} cohorts (Monte Carlo SE {se:.1%})")
    print(
        f"median pooled ratio {table['pooled_ratio'].median():.3f} (true {args.rr}); "
        f"median tau {table['tau'].median():.3f} (true {args.tau})"
    )
    print(f"{time.perf_counter() - start:.0f} s; load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
