"""Calibration of the trigger verdicts by simulation: the tables of docs/statistics.md.

Draws synthetic people with ``backcare_analysis.synthetic.person.simulate_person`` (autocorrelated
triggers, pain that changes behaviour on episode days and the two days after), runs the
analyses on each and prints, as Markdown:

A. No true effect: how often a ``supported``/``contradicted`` verdict appears per
   (person, trigger) pair, against the naive same-day correlation (p < 0.05) on the same
   people; raw p < 0.05 rates per standard-error choice.
B. Planted effects: 95% interval coverage of the true rate ratio with its Monte Carlo SE,
   bias of the log rate ratio, spread against mean reported SE.
C. Power: share ``supported`` per effect size and length of log.
D. Sensitivity: the hazard cap of the simulation, and habit means without episode days.

E. ``--world``: the scorecard in the harder world of issue 13 (see
   ``validation/calibration_world.py``; all further options go to it).

Usage::

    python validation/calibration.py                       # 5,250 people, about 7 min
    python validation/calibration.py --quick               # a few minutes
    python validation/calibration.py --out validation/out  # keep the raw results
    python validation/calibration.py --from validation/out/results.csv.gz

Deterministic for a given ``--seed``, whatever ``--processes``.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

# One BLAS thread per worker: the matrices are small and the workers already fill the cores.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import pandas as pd  # noqa: E402

from backcare_analysis.synthetic.calibration import (  # noqa: E402
    MODERATE_EFFECTS,
    STRONG_EFFECTS,
    Setting,
    run_calibration,
    summarize_calibration,
)

LENGTHS = (180, 365, 730, 1095)
#: Triggers the simulation logs (posture is never logged, so it is always "not enough data").
SIMULATED = (
    "sitting_h",
    "stand_hours_count",
    "exercise_min",
    "steps_count",
    "stretching_min",
    "water_ml",
    "sleep_h",
    "heavy_lifting",
)
NULL = "no effect"
DEFAULT = "rate ratio (default)"
NO_CO = "rate ratio (weekday + trend only)"
MODELS = {"default": {}, "weekday + trend only": {"adjust": ("weekday", "trend")}}


def settings(quick: bool) -> list[tuple[Setting, int]]:
    """The populations and how many people each (a share of ``--replicates``)."""
    lengths = (365, 1095) if quick else LENGTHS
    out: list[tuple[Setting, int]] = []
    for days in lengths:
        # Null: the default panel, as a user gets it (truth is 1 whatever the habit means).
        out.append((Setting("no effect", days=days, exclude_episode_days=True), 2))
    for days in lengths:
        # Planted: habit means as the simulation plants them (episode days included), and
        # one onset a month at reference values so that the hazard cap rarely binds.
        out.append((Setting("strong", STRONG_EFFECTS, days=days, base_rate_per_month=1.0), 2))
    for days in lengths[1:] if not quick else lengths:
        out.append((Setting("moderate", MODERATE_EFFECTS, days=days, base_rate_per_month=1.0), 1))
    out.append(
        (Setting("strong, 2 a month (cap)", STRONG_EFFECTS, days=1095, base_rate_per_month=2.0), 1)
    )
    out.append(
        (
            Setting(
                "strong, habits without episode days",
                STRONG_EFFECTS,
                days=1095,
                base_rate_per_month=1.0,
                exclude_episode_days=True,
            ),
            1,
        )
    )
    return out


def markdown(frame: pd.DataFrame, floatfmt: str = ".3f") -> str:
    """A DataFrame as a GitHub Markdown table (no extra dependency)."""

    def cell(value: object) -> str:
        if isinstance(value, float):
            return "" if math.isnan(value) else format(value, floatfmt)
        return str(value)

    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(False)]
    return "\n".join([header, rule, *rows])


def null_table(results: pd.DataFrame) -> pd.DataFrame:
    """Table A: false verdicts under no effect, per length."""
    data = results.loc[(results["setting"] == NULL) & results["trigger"].isin(SIMULATED)]
    records = []
    for days, g in data.groupby("days"):
        people = g["replicate"].nunique()

        def share(analysis: str, g: pd.DataFrame = g) -> float:
            a = g.loc[g["analysis"] == analysis]
            return float(a["verdict"].isin(["supported", "contradicted"]).mean())

        def raw(analysis: str, g: pd.DataFrame = g) -> float:
            a = g.loc[(g["analysis"] == analysis) & g["p_val"].notna()]
            return float((a["p_val"] < 0.05).mean())

        default = g.loc[g["analysis"] == f"{DEFAULT}, model SE"]
        naive = g.loc[g["analysis"] == "naive same-day correlation"]
        tested = default.loc[default["verdict"] != "not enough data"]
        records.append(
            {
                "days": days,
                "people": people,
                "mean onsets": float(default["n_onsets"].mean()),
                "pairs tested": len(tested),
                "false verdicts, all pairs": share(f"{DEFAULT}, model SE"),
                "false verdicts, tested pairs": float(
                    tested["verdict"].isin(["supported", "contradicted"]).mean()
                ),
                "false verdicts, HAC SE": share(f"{DEFAULT}, hac SE"),
                "case-crossover false verdicts": share("case-crossover"),
                "naive same-day p<0.05": float((naive["verdict"] == "significant").mean()),
                "raw p<0.05, model SE": raw(f"{DEFAULT}, model SE"),
                "raw p<0.05, robust SE": raw(f"{DEFAULT}, robust SE"),
                "raw p<0.05, HAC SE": raw(f"{DEFAULT}, hac SE"),
                "raw p<0.05, no co-adjustment": raw(f"{NO_CO}, model SE"),
            }
        )
    return pd.DataFrame.from_records(records)


def pooled_table(results: pd.DataFrame) -> pd.DataFrame:
    """Headline figures: pooled false-verdict rate and pooled coverage, with MC SE."""
    data = results.loc[results["trigger"].isin(SIMULATED)]
    records = []
    null = data.loc[data["setting"] == NULL]
    for label, analysis, hit in (
        ("false verdicts, default model", f"{DEFAULT}, model SE", ("supported", "contradicted")),
        ("false verdicts, case-crossover", "case-crossover", ("supported", "contradicted")),
        ("naive same-day p<0.05", "naive same-day correlation", ("significant",)),
    ):
        a = null.loc[null["analysis"] == analysis]
        share = float(a["verdict"].isin(hit).mean())
        people = a.groupby(["days", "replicate"])["verdict"].agg(
            lambda v, hit=hit: v.isin(hit).any()
        )
        records.append(
            {
                "figure": f"{label} (no effect), per (person, trigger) pair",
                "value": share,
                "MC SE": math.sqrt(share * (1 - share) / len(a)),
                "n": len(a),
                "people with at least one": float(people.mean()),
            }
        )
    for setting in ("strong", "moderate"):
        for se in ("model", "hac"):
            a = data.loc[
                (data["setting"] == setting)
                & (data["analysis"] == f"{DEFAULT}, {se} SE")
                & data["true_ratio"].notna()
                & data["se"].notna()
            ]
            cover = (a["ci_low"] <= a["true_ratio"]) & (a["true_ratio"] <= a["ci_high"])
            c = float(cover.mean())
            records.append(
                {
                    "figure": f"coverage of the true RR, {setting} effects, {se} SE",
                    "value": c,
                    "MC SE": math.sqrt(c * (1 - c) / len(a)),
                    "n": len(a),
                    "people with at least one": math.nan,
                }
            )
    return pd.DataFrame.from_records(records)


def null_by_trigger(summary: pd.DataFrame) -> pd.DataFrame:
    """Naive and model rates per trigger under no effect (longest and shortest logs)."""
    s = summary.loc[(summary["setting"] == NULL) & summary["trigger"].isin(SIMULATED)]
    model = s.loc[s["analysis"] == f"{DEFAULT}, model SE"].set_index(["days", "trigger"])
    naive = s.loc[s["analysis"] == "naive same-day correlation"].set_index(["days", "trigger"])
    out = pd.DataFrame(
        {
            "raw p<0.05": model["share_p_below_05"],
            "supported or contradicted": model["share_decided"],
            "not enough data": model["share_not_enough_data"],
            "naive same-day p<0.05": naive["share_significant"],
        }
    ).reset_index()
    return out


def coverage_table(summary: pd.DataFrame, setting: str) -> pd.DataFrame:
    """Table B: coverage of the true ratio with Monte Carlo SE, bias and SE calibration."""
    s = summary.loc[(summary["setting"] == setting) & summary["true_ratio"].notna()]
    out = []
    for (days, trigger), g in s.groupby(["days", "trigger"], sort=False):
        by = g.set_index("analysis")
        m = by.loc[f"{DEFAULT}, model SE"]
        out.append(
            {
                "days": days,
                "trigger": trigger,
                "true RR": m["true_ratio"],
                "mean onsets": m["mean_onsets"],
                "estimated": 1 - m["share_not_enough_data"],
                "coverage (model SE)": m["coverage"],
                "MC SE": m["coverage_mc_se"],
                "bias log RR": m["bias_log"],
                "SD / mean SE": m["sd_log"] / m["mean_se"],
                "coverage (HAC SE)": by.loc[f"{DEFAULT}, hac SE", "coverage"],
                "coverage (no co-adjustment)": by.loc[f"{NO_CO}, model SE", "coverage"],
                "case-crossover coverage": (
                    by.loc["case-crossover", "coverage"]
                    if "case-crossover" in by.index
                    else math.nan
                ),
            }
        )
    return pd.DataFrame.from_records(out)


def power_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Table C: share supported per effect size and length (default model, model SE)."""
    s = summary.loc[
        summary["setting"].isin(["strong", "moderate"])
        & (summary["analysis"] == f"{DEFAULT}, model SE")
        & summary["trigger"].isin(["sitting_h", "exercise_min", "stretching_min", "heavy_lifting"])
    ]
    s = s.assign(effect=s["trigger"] + " " + s["true_ratio"].map("{:.2f}".format))
    wide = s.pivot_table(index="effect", columns="days", values="share_supported", sort=False)
    wide.columns = [f"{c} days" for c in wide.columns]
    return wide.reset_index()


def report(results: pd.DataFrame) -> str:
    summary = summarize_calibration(results)
    n = results.groupby("setting")["replicate"].nunique()
    parts = [
        "People per setting and length: " + ", ".join(f"{k}: {v}" for k, v in n.items()),
        "",
        "## Headline",
        "",
        markdown(pooled_table(results), ".4f"),
        "",
        "## A. No true effect (reverse causation on)",
        "",
        markdown(null_table(results)),
        "",
        "Per trigger:",
        "",
        markdown(null_by_trigger(summary)),
    ]
    for setting in summary["setting"].unique():
        if setting == NULL:
            continue
        parts += ["", f"## B. Coverage: {setting}", "", markdown(coverage_table(summary, setting))]
    parts += ["", "## C. Power (share supported)", "", markdown(power_table(summary), ".2f")]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else list(argv)
    if args_in[:1] == ["--world"]:
        # The harder world of issue 13 (season, clustering, pain behaviour for 3 days,
        # stretching after episodes, fading diary, treatments, tag diaries): the
        # scorecard's own calibration, see validation/calibration_world.py.
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from calibration_world import main as world_main

        return int(world_main(args_in[1:]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=250, help="people per unit share")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20251121)
    parser.add_argument("--quick", action="store_true", help="20 people per share, 2 lengths")
    parser.add_argument("--out", type=Path, help="folder for results.csv.gz and summary.csv")
    parser.add_argument("--from", dest="source", type=Path, help="print from saved results")
    args = parser.parse_args(argv)
    if args.source:
        results = pd.read_csv(args.source, keep_default_na=False, na_values=["", "nan", "NaN"])
    else:
        reps = 20 if args.quick else args.replicates
        chosen = settings(args.quick)
        start = time.perf_counter()
        results = run_calibration(
            [setting for setting, _ in chosen],
            replicates=[reps * share for _, share in chosen],
            seed=args.seed,
            models=MODELS,
            se_types=("model", "robust", "hac"),
            processes=args.processes,
        )
        print(
            f"{results['seed'].nunique()} people in {time.perf_counter() - start:.0f} s",
            file=sys.stderr,
        )
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            results.to_csv(args.out / "results.csv.gz", index=False)
            summarize_calibration(results).to_csv(args.out / "summary.csv", index=False)
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
