"""``backcare plan``: randomised self-experiments that settle a claim."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    pass

from .cli_common import EXIT_OK, EXIT_USAGE, _add_read_options, _read

# --- backcare plan: randomised self-experiments (self-contained block) -------------------


def _add_plan_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    plan = sub.add_parser(
        "plan",
        help="plan a randomised self-experiment for one claim, or analyse one",
        description=(
            "Write a randomised block schedule (plan.csv to fill in, plan.ics for your "
            "calendar) that tests one claim on you; or, with --analyse, analyse your log "
            "against a plan you followed."
        ),
        epilog=(
            "Example: backcare plan stretching --weeks 16 --out my-plan\n"
            "         backcare plan --analyse my-export/ my-plan/plan.csv"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    plan.add_argument("claim", nargs="?", help="claim id: stretching, sitting, exercise, heat...")
    plan.add_argument("--weeks", type=int, default=12, help="length of the experiment")
    plan.add_argument("--block-days", type=int, default=7, help="days per block")
    plan.add_argument("--start", help="first day, YYYY-MM-DD (default: next Monday)")
    plan.add_argument("--seed", type=int, help="random seed (default: a fresh one)")
    plan.add_argument("--out", type=Path, default=Path("plan"), help="folder for the files")
    plan.add_argument(
        "--analyse",
        nargs=2,
        type=Path,
        metavar=("LOG", "PLAN"),
        help="analyse the log LOG (file or folder) against PLAN (plan.csv)",
    )
    _add_read_options(plan)


def _plan(args: argparse.Namespace, out: TextIO) -> int:
    if args.analyse:
        from .outputs.plan import read_plan
        from .stats.plan_analysis import analyse_experiment

        log_path, plan_path = args.analyse
        table = analyse_experiment(_read([log_path], args), read_plan(plan_path))
        for rec in table.to_dict("records"):
            out.write(f"{rec['outcome']}, {rec['analysis']}: ")
            if rec["estimate"] == rec["estimate"]:  # not NaN
                out.write(
                    f"{rec['measure']} {rec['estimate']:.2f} (95% {rec['ci_low']:.2f} to "
                    f"{rec['ci_high']:.2f}), randomisation p = {rec['p_val']:.3f}, probability "
                    f"the advice helps {rec['p_benefit']:.0%}"
                )
            note = str(rec["note"])
            out.write(f"{'; ' + note if note else ''}\n")
        return EXIT_OK
    if not args.claim:
        print(
            "error: give a claim to plan (e.g. 'stretching') or --analyse LOG PLAN", file=sys.stderr
        )
        return EXIT_USAGE
    from .outputs.plan import write_plan
    from .stats.experiments import plan_experiment

    plan = plan_experiment(
        args.claim, weeks=args.weeks, block_days=args.block_days, start=args.start, seed=args.seed
    )
    for path in write_plan(plan, args.out):
        out.write(f"wrote {path}\n")
    washout = int(plan["washout_days"].iloc[0])
    out.write(
        f"{len(plan) // args.block_days} blocks of {args.block_days} days from "
        f"{plan['date'].min():%Y-%m-%d} (seed {int(plan['seed'].iloc[0])}); the first "
        f"{washout} day(s) of each block are not analysed. Each day write yes or no in the "
        "'followed' column of plan.csv, or tag the day 'followed plan' / 'off plan' in your app.\n"
    )
    return EXIT_OK
