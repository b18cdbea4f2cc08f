"""``backcare cohort``: many people at once (see docs/cohort.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    pass

from .cli_common import EXIT_OK, EXIT_USAGE

# --- backcare cohort (issue 15; self-contained) -------------------------------------------


def _add_cohort_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cohort = sub.add_parser(
        "cohort",
        help="many people at once: every person's scorecard, pooled across people",
        description=(
            "Read a Flaredown research file (everyone who logs back pain) or a folder with "
            "one subfolder per person, run every person's scorecard, and pool each claim "
            "across people (random effects). See docs/cohort.md for what the pooled number "
            "means: people who log in an app are not a random sample."
        ),
    )
    cohort.add_argument("source", type=Path, metavar="SOURCE")
    cohort.add_argument("--engine", choices=["local", "dask"], default="local")
    cohort.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address")
    cohort.add_argument("--people", nargs="+", metavar="ID", help="only these person ids")
    cohort.add_argument("--csv", type=Path, help="write the pooled table here")
    cohort.add_argument("--json", type=Path, help="write pooled, per-person and people tables")
    cohort.add_argument("--quiet", action="store_true", help="no progress bar")


def _cohort(args: argparse.Namespace, out: TextIO) -> int:
    import json

    from .cohort import cohort_advice, pool_advice, read_cohort

    if args.engine == "dask" and not args.scheduler:
        print("error: --engine dask needs --scheduler ADDRESS (tcp://host:8786)", file=sys.stderr)
        return EXIT_USAGE
    cohort = read_cohort(args.source, people=args.people, progress=not args.quiet)
    per_person = cohort_advice(
        cohort, engine=args.engine, client=args.scheduler, progress=not args.quiet
    )
    pooled = pool_advice(per_person)
    people = cohort.people
    out.write(
        f"{len(cohort)} people read from {args.source} ({cohort.n_in_source} in the source; "
        f"{int((people['status'] != 'ok').sum())} unreadable, kept with the reason)\n"
    )
    failed = sorted(set(per_person.loc[per_person["status"] == "failed", "person"]))
    if failed:
        out.write(f"{len(failed)} people failed: {', '.join(failed[:10])}\n")
    from .outputs.words import claim_title

    out.write(
        "Each person's warning signs are in their own log: run 'backcare check' on a "
        "person's files before reading anything into the pooled numbers. People who log in "
        "an app are not a random sample (docs/cohort.md).\n"
    )
    for row in pooled.to_dict("records"):
        row["claim"] = claim_title(str(row["claim"]))
        if not row["n_people"]:
            out.write(f"{row['claim']}: tested in no one ({row['not_fitted_reasons']})\n")
            continue
        out.write(
            f"{row['claim']}: pooled {row['measure']} {row['pooled_ratio']:.2f} "
            f"(95% CI {row['ci_low']:.2f} to {row['ci_high']:.2f}; a new person: "
            f"{row['pi_low']:.2f} to {row['pi_high']:.2f}; tau {row['tau']:.2f}) from "
            f"{row['n_people']} people; own verdicts {row['n_supported']} supported, "
            f"{row['n_contradicted']} contradicted, {row['n_inconclusive']} inconclusive; "
            f"{row['n_not_fitted']} not tested\n"
        )
    if args.csv:
        pooled.to_csv(args.csv, index=False)
        out.write(f"Pooled table written to {args.csv}\n")
    if args.json:
        tables = {"pooled": pooled, "per_person": per_person, "people": people}
        payload = {
            k: json.loads(v.to_json(orient="records", date_format="iso")) for k, v in tables.items()
        }
        args.json.write_text(json.dumps(payload, indent=1), encoding="utf-8")
        out.write(f"Tables written to {args.json}\n")
    return EXIT_OK
