"""The ``backcare`` console command.

Exit codes: 0 success; 2 bad command line (including an output folder that does not
exist); 3 an input file could not be read; 4 the data cannot support the analysis; 5 the
analysis ran but every piece of advice lacks data (the output says what to log).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    import pandas as pd

    from .schema import Log

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_ANALYSIS = 4
EXIT_NO_DATA = 5

DEFAULT_SAMPLE = Path("data/sample/spreadsheet")
_COMMANDS = ("check", "validate", "report", "sample", "plan", "cohort")


def _add_read_options(parser: argparse.ArgumentParser) -> None:
    """The options every command that reads exports shares (the same as read_log's)."""
    group = parser.add_argument_group("reading your exports")
    group.add_argument("--source", help="force a format instead of detecting it")
    group.add_argument(
        "--threshold",
        type=float,
        metavar="X",
        help="pain rating (0-10) at or above which a rating counts towards an episode",
    )
    group.add_argument(
        "--gap-hours",
        type=float,
        metavar="H",
        help="hours without such a rating that separate two episodes",
    )
    group.add_argument(
        "--symptom",
        action="append",
        metavar="NAME",
        help="symptom name that counts as back pain (repeatable; default: names meaning "
        "lower back pain)",
    )
    group.add_argument("--since", metavar="YYYY-MM-DD", help="ignore days before this date")
    group.add_argument("--until", metavar="YYYY-MM-DD", help="ignore days after this date")
    group.add_argument(
        "--timezone",
        metavar="ZONE",
        help="your time zone (e.g. Europe/Berlin) for exports stamped in UTC (Fitbit)",
    )
    group.add_argument(
        "--tag",
        action="append",
        metavar="NAME=MEANING",
        help="what a tag means, e.g. --tag 'Dota=sitting' (repeatable; meanings: exercise, "
        "walking, stretching, sitting, heavy_lifting, activity_level, treatment, back_pain, "
        "leg_pain, or empty to ignore)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backcare",
        description=(
            "Check common lower-back-spasm advice against your own symptom and activity "
            "log. Warning signs come first. Nothing leaves your machine."
        ),
        epilog=(
            "With no command, 'check' runs on the bundled sample (data/sample/spreadsheet).\n"
            "Exit codes: 0 ok, 2 bad command line, 3 unreadable input, 4 not enough data,\n"
            "5 every piece of advice lacks data."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser(
        "check",
        help="summarise a log and check the advice against it (the main job)",
        description="Read your exports, show warning signs, then summarise the log.",
    )
    check.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="export files or folders (default: data/sample/spreadsheet)",
    )
    _add_read_options(check)
    check.add_argument(
        "--csv",
        type=Path,
        metavar="FILE",
        help="also write the scorecard to FILE (CSV), and the warning signs beside it "
        "(FILE with -warning-signs before .csv)",
    )
    check.add_argument(
        "--json", type=Path, metavar="FILE", help="also write everything as JSON, for other tools"
    )

    validate = sub.add_parser(
        "validate",
        help="show what each file yields and which rows were rejected, and why",
        description="Read files and list, per file, rows read, used and rejected with reasons.",
    )
    validate.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    _add_read_options(validate)
    validate.add_argument(
        "--rejected", action="store_true", help="list every rejected row with its reason"
    )
    validate.add_argument(
        "--rejected-csv", type=Path, metavar="FILE", help="write every rejected row to FILE"
    )

    report = sub.add_parser(
        "report",
        help="write the report for you and your physiotherapist (one offline HTML file)",
        description=(
            "Read your exports and write one self-contained HTML file: warning signs and the "
            "scorecard on page one, details after; it opens offline and prints cleanly."
        ),
    )
    report.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    _add_read_options(report)
    report.add_argument("--out", type=Path, default=Path("report.html"), help="HTML file to write")
    report.add_argument("--quiet", action="store_true", help="no progress bar")

    sample = sub.add_parser(
        "sample",
        help="regenerate the synthetic sample data",
        description="Write the simulated sample person (see data/sample/README.md).",
    )
    sample.add_argument("--out", type=Path, default=Path("data/sample"), help="target folder")
    _add_plan_parser(sub)
    _add_cohort_parser(sub)
    return parser


def _read_options(args: argparse.Namespace) -> dict[str, Any]:
    """read_log keyword options from the command line; only those the user gave."""
    options: dict[str, Any] = {}
    if args.threshold is not None:
        options["threshold_0_10"] = args.threshold
    if args.gap_hours is not None:
        options["gap_h"] = args.gap_hours
    if args.symptom:
        options["symptoms"] = list(args.symptom)
    if args.since:
        options["since"] = args.since
    if args.until:
        options["until"] = args.until
    if args.timezone:
        options["timezone"] = args.timezone
    if args.tag:
        tag_map: dict[str, str] = {}
        for item in args.tag:
            name, sep, meaning = item.partition("=")
            if not sep or not name.strip():
                raise _UsageError(f"--tag {item!r}: write it as NAME=MEANING, e.g. 'Dota=sitting'")
            tag_map[name.strip()] = meaning.strip()
        options["tag_map"] = tag_map
    return options


class _UsageError(Exception):
    """A command-line mistake found after parsing (exit code 2)."""


def _check_out(path: Path | None, what: str) -> None:
    """Refuse an output path whose folder does not exist, before any work."""
    if path is None:
        return
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise _UsageError(
            f"{what} {path}: the folder {folder} does not exist; create it first or choose "
            "another path"
        )
    if path.is_dir():
        raise _UsageError(f"{what} {path} is a folder; give a file name")


def _read(paths: Sequence[Path], args: argparse.Namespace) -> Log:
    from .readers import read_log
    from .readers.registry import format_by_name

    fmt = format_by_name(args.source).name if args.source else None
    return read_log(list(paths), source=fmt, **_read_options(args))


def _scorecard_table(card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard as people read it: words beside the numbers, rounded."""
    import pandas as pd

    from .outputs import words

    rows = []
    for r in card.to_dict("records"):
        rows.append(
            {
                "claim": str(r["claim"]),
                "advice": words.claim_title(str(r["claim"])),
                "group": r["group"],
                "what_your_data_show": words.short_finding(r),
                "how_sure": words.how_sure(r),
                "chance_it_helps_you": r.get("p_benefit"),
                "prior": words.prior_name(str(r.get("prior_source", "")))
                if "prior_source" in r
                else "",
                "what_to_try_next": words.what_to_try(r),
                "measure": r["measure"],
                "estimate": r["estimate"],
                "ci_low": r["ci_low"],
                "ci_high": r["ci_high"],
                "verdict": r["verdict"],
                "n_days": r["n_days"],
                "n_events": r["n_events"],
                "sources": words.source_titles(str(r["sources"])),
            }
        )
    return pd.DataFrame(rows).round(
        {"estimate": 3, "ci_low": 3, "ci_high": 3, "chance_it_helps_you": 3}
    )


def _check(args: argparse.Namespace, out: TextIO) -> int:
    from .outputs.report import is_synthetic
    from .outputs.text import format_check

    _check_out(args.csv, "--csv")
    _check_out(args.json, "--json")
    paths = args.paths or [DEFAULT_SAMPLE]
    if not args.paths and not DEFAULT_SAMPLE.exists():
        print(
            f"error: no paths given and {DEFAULT_SAMPLE} does not exist here; run from the "
            "project folder, pass your export, or run 'backcare sample' first",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from .advice import check_advice

    log = _read(paths, args)
    card = check_advice(log)
    out.write(format_check(log, paths, card, synthetic=is_synthetic(log)))
    table = _scorecard_table(card)
    from .safety import warning_signs

    warnings_table = warning_signs(log)
    if args.csv:
        side = args.csv.with_name(args.csv.stem + "-warning-signs" + args.csv.suffix)
        warnings_table.to_csv(side, index=False)
        table.to_csv(args.csv, index=False)
        out.write(f"\nWarning signs written to {side}; scorecard to {args.csv}\n")
    if args.json:
        import json

        from .summary import summarize

        try:
            summary = json.loads(summarize(log).to_json(orient="records", date_format="iso"))[0]
        except Exception:
            summary = None
        document = {
            "warning_signs": json.loads(warnings_table.to_json(orient="records")),
            "summary": summary,
            "scorecard": json.loads(table.to_json(orient="records")),
            "parameters": {k: str(v) for k, v in log.parameters.items()},
        }
        args.json.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
        out.write(f"JSON written to {args.json}\n")
    tested = card.loc[card["group"] == "prevention", "verdict"]
    if len(tested) and (tested == "not enough data").all() and card["estimate"].isna().all():
        return EXIT_NO_DATA
    return EXIT_OK


def _validate(args: argparse.Namespace, out: TextIO) -> int:
    from .outputs.text import format_validation

    _check_out(args.rejected_csv, "--rejected-csv")
    log = _read(args.paths, args)
    out.write(format_validation(log, rejected=args.rejected))
    if args.rejected_csv:
        log.rejected.to_csv(args.rejected_csv, index=False)
        out.write(f"\nRejected rows written to {args.rejected_csv}\n")
    return EXIT_OK


def _report(args: argparse.Namespace, out: TextIO) -> int:
    from .outputs.report import build_report

    _check_out(args.out, "--out")
    path = build_report(args.paths, args.out, progress=not args.quiet, **_read_options(args))
    out.write(f"Report written to {path} (opens offline in any browser)\n")
    return EXIT_OK


def _sample(args: argparse.Namespace, out: TextIO) -> int:
    from .synthetic.person import write_sample

    for path in write_sample(args.out):
        out.write(f"wrote {path}\n")
    return EXIT_OK


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
    for row in pooled.to_dict("records"):
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


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the ``backcare`` command; returns the exit code.

    Parameters
    ----------
    argv
        Arguments without the program name; ``sys.argv[1:]`` when None.
    out
        Where normal output goes; standard output when None. Errors go to standard error.
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0] not in (*_COMMANDS, "-h", "--help", "--version"):
        args_list.insert(0, "check")
    out = out or sys.stdout
    try:
        args = _parser().parse_args(args_list)
    except SystemExit as exc:
        return int(exc.code or 0)
    from .schema import AnalysisError, LogFormatError

    handlers = {
        "check": _check,
        "validate": _validate,
        "report": _report,
        "sample": _sample,
        "plan": _plan,
    }
    handlers["cohort"] = _cohort
    try:
        with warnings.catch_warnings():
            # Other packages' warnings (deprecations, runtime notes) are not the user's concern.
            warnings.simplefilter("ignore")
            return handlers[args.command](args, out)
    except _UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except LogFormatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except AnalysisError as exc:
        print(f"not enough data: {exc}", file=sys.stderr)
        return EXIT_ANALYSIS


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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
