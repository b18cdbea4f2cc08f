"""Bias and coverage of the onset models themselves in the issue-13 world, with many people.

The scorecard run (``validation/calibration_world.py``) needs a few hundred people per
setting; the models' bias under no effect and their coverage need thousands, because a
one-year habit estimate has a standard error of 0.5-1.5 on the log scale. This script
fits ``fit_onset_models`` on the prevention triggers the scorecard would choose (the same
fits its rows come from) and prints, per length of log, the bias of each log ratio under no
effect (mean, its Monte Carlo SE and the median), the 95% coverage of the interval the
scorecard reports, the spread against the SE, and coverage for other values of ``K`` in the
small-sample factor ``sqrt(n / (n - K))`` and for the robust and HAC errors. Usage::

    python validation/world_fits.py --people 2000 --processes 2
    python validation/world_fits.py --days 365 --world stretching_after_min=0   # a feature off
    python validation/world_fits.py --days 365 --adjust weekday,trend,season,others
    python validation/world_fits.py --own --days 180 365 730   # the project's first world
    python validation/world_fits.py --scorecard-people --out fits   # the scorecard's people

``--out`` writes one row per person and trigger. Two runs on the same people compare
paired, which is how a change of the model is best measured: the spread between people is
far larger than the change.

Deterministic for a given ``--seed``, whatever ``--processes``.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

K_VALUES = (0.0, 1.0, 1.5, 2.0, 3.0)


def fit_one(task: tuple[dict[str, Any], tuple[str, ...] | None, bool, int]) -> list[dict[str, Any]]:
    """Simulate one person, fit the prevention triggers, return one row per fitted trigger."""
    from backcare_analysis.advice import _best_measure
    from backcare_analysis.claims import CLAIMS
    from backcare_analysis.panel import daily_panel
    from backcare_analysis.schema import AnalysisError
    from backcare_analysis.stats.design import DEFAULT_ADJUST
    from backcare_analysis.stats.onset import (
        YES_NO_UNIT,
        fit_onset_models,
        small_sample_inflation,
    )
    from backcare_analysis.synthetic.calibration_world import World, simulate_world_log
    from backcare_analysis.synthetic.person import NULL_EFFECTS, Person, simulate_person

    world_kw, adjust, own, seed = task
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if own:
            log = simulate_person(Person(effects=dict(NULL_EFFECTS), **world_kw), seed=seed)
        else:
            log = simulate_world_log(World(**world_kw), seed)
        panel = daily_panel(log)
        claims = [c for c in CLAIMS if c.group == "prevention"]
        triggers = [t for t in (_best_measure(panel, c.triggers) for c in claims) if t]
        try:
            fits = fit_onset_models(panel, triggers=triggers, adjust=adjust or DEFAULT_ADJUST)
        except AnalysisError:
            return []
    rows = []
    for r in fits.loc[fits["reason"] == ""].to_dict("records"):
        # The factor the scorecard applies: none for a yes/no exposure.
        factor = float(small_sample_inflation(r["n_onsets"], [r["unit"]])[0])
        rows.append(
            {
                "trigger": r["trigger"],
                "yes_no": r["unit"] == YES_NO_UNIT,
                "onsets": r["n_onsets"],
                "log_ratio": r["log_ratio"],
                "se_model": r["se_model"],
                "se_reported": r["se_model"] * factor,
                "se_robust": r["se_robust"] * factor,
                "se_hac": r["se_hac"] * factor,
            }
        )
    return rows


def summarise(res: pd.DataFrame) -> pd.DataFrame:
    """Bias, coverage and spread per trigger (truth: no effect, log ratio 0)."""
    out = []
    z = 1.959963984540054
    for trigger, g in res.groupby("trigger"):
        est = g["log_ratio"].to_numpy()
        n = g["onsets"].to_numpy(dtype=np.float64)
        row: dict[str, object] = {
            "trigger": trigger,
            "yes_no": bool(g["yes_no"].all()),
            "n": len(g),
            "mean_onsets": n.mean(),
            "bias_log": est.mean(),
            "bias_mc_se": est.std() / math.sqrt(len(g)),
            "median": float(np.median(est)),
            "coverage": float((np.abs(est) <= z * g["se_reported"]).mean()),
            "sd_over_se": est.std() / float(np.median(g["se_reported"])),
            "cov_robust": float((np.abs(est) <= z * g["se_robust"]).mean()),
            "cov_hac": float((np.abs(est) <= z * g["se_hac"]).mean()),
        }
        for k in K_VALUES:
            factor = np.sqrt(n / (n - k))
            row[f"cov_K{k:g}"] = float((np.abs(est) <= z * g["se_model"] * factor).mean())
        out.append(row)
    return pd.DataFrame(out)


def _value(text: str) -> object:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, nargs="+", default=[365, 730, 1095])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1000, help="first seed (people are seed+i)")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--world", nargs="*", default=[], help="World field=value overrides")
    parser.add_argument("--adjust", default="", help="comma-separated adjustments")
    parser.add_argument("--own", action="store_true", help="the project's first world")
    parser.add_argument(
        "--scorecard-people",
        action="store_true",
        help="the people of calibration_world.py's no-effect settings instead of seed+i",
    )
    parser.add_argument("--out", type=Path, default=None, help="folder for per-person CSVs")
    args = parser.parse_args(argv)
    overrides = {k: _value(v) for k, v in (item.split("=", 1) for item in args.world)}
    adjust = tuple(a for a in args.adjust.split(",") if a) or None
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import multiprocessing

    from calibration_world import MASTER_SEED, _md, null_setting, seed_of  # a sibling script

    start = time.time()
    for days in args.days:
        world_kw = {"days": days, **overrides}
        if args.scorecard_people:
            setting = null_setting(days, bool(world_kw.get("tags", False)))
            seeds = [seed_of(MASTER_SEED, setting, i) for i in range(args.people)]
        else:
            seeds = [args.seed + i for i in range(args.people)]
        tasks = [(world_kw, adjust, args.own, seed) for seed in seeds]
        with multiprocessing.get_context("spawn").Pool(args.processes) as pool:
            chunks = pool.map(fit_one, tasks, chunksize=8)
        res = pd.DataFrame(
            [
                {"seed": seed, **row}
                for seed, chunk in zip(seeds, chunks, strict=True)
                for row in chunk
            ]
        )
        if args.out is not None:
            args.out.mkdir(parents=True, exist_ok=True)
            res.to_csv(args.out / f"world_fits_{days}.csv.gz", index=False)
        world = "first world" if args.own else "issue-13 world"
        what = ", ".join(f"{k}={v}" for k, v in world_kw.items())
        sys.stdout.write(f"\n#### {world}, {what}, no effect ({args.people} people)\n\n")
        sys.stdout.write(_md(summarise(res)) + "\n")
        sys.stdout.flush()
    sys.stdout.write(f"\n{time.time() - start:.0f} s\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
