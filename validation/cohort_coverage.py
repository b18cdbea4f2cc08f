"""Coverage of the pooled estimates on simulated cohorts (issue 15 acceptance).

Simulates ``--cohorts`` synthetic cohorts (backcare_analysis.synthetic.cohort) whose
personal log rate ratios of an onset after heavy lifting on any of the 3 days before (the
lifting claim's own exposure) are drawn around a known mean with a known spread, writes
each as a Flaredown file, reads it with the cohort reader, makes every person's lifting
estimate and pools them with :func:`~backcare_analysis.cohort.pool_advice`; then counts how
often the pooled 95% interval covers the true mean ratio and the Q-profile interval of tau
covers the true tau.

Every person's estimate is the lifting row of their scorecard. The whole scorecard
(``check_advice`` for every claim) costs about 0.8 s a person, so only the first
``--full`` cohorts run it (through ``cohort_advice``); the others fit the lifting model
alone (``onset_rate_ratios`` on the person's daily panel, 0.15 s), and the script stops
with an error if the two per-person tables of a fully run cohort differ.

    PYTHONPATH=. python validation/cohort_coverage.py --cohorts 200 --people 30 --full 5

``--per-person FILE`` keeps every cohort's per-person table; ``--from-per-person FILE``
pools such a file again without simulating (to compare pooling methods on the same data).
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from backcare_analysis.cohort import cohort_advice, pool_advice, read_cohort
from backcare_analysis.cohort.run import PER_PERSON_COLUMNS
from backcare_analysis.panel import daily_panel
from backcare_analysis.readers.flaredown_stream import read_flaredown_cohort
from backcare_analysis.schema import AnalysisError
from backcare_analysis.stats.onset import onset_rate_ratios
from backcare_analysis.synthetic.cohort import CohortSetting, write_flaredown_cohort

NOT_FITTED = {
    "claim": "lifting",
    "measure": "",
    "estimate": math.nan,
    "se_log": math.nan,
    "ci_low": math.nan,
    "ci_high": math.nan,
    "verdict": "not enough data",
    "n_days": 0,
    "n_events": 0,
    "status": "ok",
}


def lifting_rows(path: Path) -> pd.DataFrame:
    """Every back-pain person's lifting row, as ``cohort_advice`` gives it, from the lifting
    model alone (``check_advice`` fits the same model on the same panel)."""
    logs, _ = read_flaredown_cohort(path)
    rows = []
    for person, log in logs.items():
        panel = daily_panel(log)
        used = panel["at_risk"] & panel["onset"].notna() & panel["heavy_lifting_any3d"].notna()
        exposed = used & (panel["heavy_lifting_any3d"] == 1)
        counts = {
            "exposed_days": int(exposed.sum()),
            "exposed_onsets": int(panel.loc[exposed, "onset"].sum()),
        }
        try:
            fit = onset_rate_ratios(panel, triggers=["heavy_lifting"]).iloc[0]
        except AnalysisError as exc:  # check_advice: "not enough data", with the reason
            rows.append({**NOT_FITTED, "person": person, "reason": str(exc), **counts})
            continue
        rows.append(
            {
                "person": person,
                "claim": "lifting",
                "measure": str(fit["measure"]),
                "estimate": float(fit["rate_ratio"]),
                "se_log": float(fit["se_log_rr"]),
                "ci_low": float(fit["ci_low"]),
                "ci_high": float(fit["ci_high"]),
                "verdict": str(fit["verdict"]),
                "n_days": int(fit["n_days"]),
                "n_events": int(fit["n_onsets"]),
                "status": "ok",
                "reason": "",
                **counts,
            }
        )
    return pd.DataFrame(rows, columns=[*PER_PERSON_COLUMNS, "exposed_days", "exposed_onsets"])


def _full_rows(path: Path) -> pd.DataFrame:
    table = cohort_advice(read_cohort(path, progress=False), max_workers=1)
    return table.loc[table["claim"] == "lifting"].reset_index(drop=True)


def _same(fast: pd.DataFrame, full: pd.DataFrame, seed: int) -> None:
    columns = ["person", "estimate", "se_log", "ci_low", "ci_high", "n_days", "n_events"]
    a, b = fast[columns].reset_index(drop=True), full[columns].reset_index(drop=True)
    fitted = b["estimate"].notna()
    pd.testing.assert_frame_equal(a.loc[fitted], b.loc[fitted], check_dtype=False, rtol=1e-9)
    if (~fitted & a["estimate"].notna()).any():
        raise SystemExit(
            f"cohort {seed}: the lifting model alone fitted people the scorecard did not"
        )
    print(f"cohort {seed}: full scorecard per-person table matches the lifting model alone")


def simulate(args: argparse.Namespace) -> pd.DataFrame:
    """Every cohort's per-person lifting rows, each cohort appended to ``--per-person`` as
    soon as it is done."""
    setting = CohortSetting(n_back=args.people, n_other=5, lifting_rr=args.rr, lifting_tau=args.tau)
    parts = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.cohorts):
            seed = args.first_seed + i
            path = Path(tmp) / f"cohort{seed}.csv"
            write_flaredown_cohort(path, setting, seed=seed)
            fast = lifting_rows(path)
            if i < args.full:
                _same(fast, _full_rows(path), seed)
            parts.append(fast.assign(cohort=seed))
            if args.per_person is not None:
                parts[-1].to_csv(args.per_person, mode="a", header=i == 0, index=False)
            if (i + 1) % 10 == 0:
                print(f"{i + 1}/{args.cohorts} cohorts simulated", flush=True)
    return pd.concat(parts, ignore_index=True)


def coverage(per_person: pd.DataFrame, rr: float, tau: float, method: str) -> pd.DataFrame:
    rows = []
    for seed, table in per_person.groupby("cohort", sort=True):
        fit = pool_advice(table.drop(columns="cohort"), method=method).set_index("claim")  # type: ignore[arg-type]
        fit = fit.loc["lifting"]
        rows.append(
            {
                "cohort": seed,
                "n_people": int(fit["n_people"]),
                "pooled_ratio": fit["pooled_ratio"],
                "ci_low": fit["ci_low"],
                "ci_high": fit["ci_high"],
                "tau": fit["tau"],
                "tau_ci_low": fit["tau_ci_low"],
                "tau_ci_high": fit["tau_ci_high"],
                "covers_mean": fit["ci_low"] <= rr <= fit["ci_high"],
                "covers_tau": fit["tau_ci_low"] <= tau <= fit["tau_ci_high"],
            }
        )
    return pd.DataFrame(rows)


def clopper_pearson(hits: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    low = float(stats.beta.ppf(alpha / 2, hits, n - hits + 1)) if hits > 0 else 0.0
    high = float(stats.beta.ppf(1 - alpha / 2, hits + 1, n - hits)) if hits < n else 1.0
    return low, high


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cohorts", type=int, default=200)
    parser.add_argument("--people", type=int, default=30)
    parser.add_argument("--first-seed", type=int, default=1000, help="seed of the first cohort")
    parser.add_argument("--rr", type=float, default=2.0)
    parser.add_argument("--tau", type=float, default=0.3)
    parser.add_argument("--method", default="REML", choices=["REML", "PM"])
    parser.add_argument("--full", type=int, default=3, help="cohorts run with the full scorecard")
    parser.add_argument("--per-person", type=Path, default=None, help="CSV of every person's row")
    parser.add_argument("--from-per-person", type=Path, default=None, help="pool this CSV again")
    parser.add_argument("--out", type=Path, default=None, help="CSV of every cohort's fit")
    args = parser.parse_args()
    start = time.perf_counter()
    if args.from_per_person is not None:
        per_person = pd.read_csv(args.from_per_person)
        text = ["measure", "reason"]
        per_person[text] = per_person[text].fillna("")
    else:
        if args.per_person is not None:
            args.per_person.unlink(missing_ok=True)
        per_person = simulate(args)
    simulated = time.perf_counter() - start
    table = coverage(per_person, args.rr, args.tau, args.method)
    if args.out is not None:
        table.to_csv(args.out, index=False)
    k = len(table)
    print(f"{k} cohorts, median {table['n_people'].median():.0f} people fitted of {args.people}")
    for what in ("covers_mean", "covers_tau"):
        hits = int(table[what].sum())
        low, high = clopper_pearson(hits, k)
        print(f"{what}: {hits}/{k} = {hits / k:.1%} (95% Clopper-Pearson {low:.1%} to {high:.1%})")
    log_ratio = np.log(table["pooled_ratio"])
    print(
        f"pooled log ratio: mean {log_ratio.mean():.3f} (true {math.log(args.rr):.3f}), "
        f"SD {log_ratio.std():.3f}; median tau {table['tau'].median():.3f} (true {args.tau}); "
        f"tau = 0 in {(table['tau'] == 0).mean():.0%}"
    )
    print(
        f"{simulated:.0f} s simulating and fitting people, {time.perf_counter() - start:.0f} s "
        f"in all; load average {os.getloadavg()}"
    )


if __name__ == "__main__":
    main()
