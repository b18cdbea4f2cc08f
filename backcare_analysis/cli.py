"""The ``backcare`` console command.

Exit codes: 0 success; 2 bad command line; 3 an input file could not be read; 4 the data
cannot support the analysis.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from .schema import Log

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_ANALYSIS = 4

DEFAULT_SAMPLE = Path("data/sample/spreadsheet")
_COMMANDS = ("check", "validate", "report", "sample", "plan")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backcare",
        description=(
            "Check common lower-back-spasm advice against your own symptom and activity "
            "log. Warning signs come first. Nothing leaves your machine."
        ),
        epilog=(
            "With no command, 'check' runs on the bundled sample (data/sample/spreadsheet).\n"
            "Exit codes: 0 ok, 2 bad command line, 3 unreadable input, 4 not enough data."
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
    check.add_argument("--source", help="force a format instead of detecting it")
    check.add_argument(
        "--csv", type=Path, metavar="FILE", help="also write the advice scorecard to FILE (CSV)"
    )

    validate = sub.add_parser(
        "validate",
        help="show what each file yields and which rows were rejected, and why",
        description="Read files and list, per file, rows read, used and rejected with reasons.",
    )
    validate.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    validate.add_argument("--source", help="force a format instead of detecting it")
    validate.add_argument(
        "--rejected-csv", type=Path, metavar="FILE", help="write every rejected row to FILE"
    )

    report = sub.add_parser(
        "report",
        help="run the notebooks on your files and write one offline HTML report",
        description=(
            "Run the numbered notebooks on your exports and write one self-contained HTML "
            "file (code hidden, warning signs first) that opens offline."
        ),
    )
    report.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    report.add_argument("--out", type=Path, default=Path("report.html"), help="HTML file to write")
    report.add_argument("--quiet", action="store_true", help="no progress bar")

    sample = sub.add_parser(
        "sample",
        help="regenerate the synthetic sample data",
        description="Write the simulated sample person (see data/sample/README.md).",
    )
    sample.add_argument("--out", type=Path, default=Path("data/sample"), help="target folder")
    _add_plan_parser(sub)
    return parser


def _read(paths: Sequence[Path], source: str | None) -> Log:
    from .readers import read_log
    from .readers.registry import format_by_name

    fmt = format_by_name(source).name if source else None
    return read_log(list(paths), source=fmt)


def _check(args: argparse.Namespace, out: TextIO) -> int:
    from .outputs.text import format_check

    paths = args.paths or [DEFAULT_SAMPLE]
    if not args.paths and not DEFAULT_SAMPLE.exists():
        print(
            f"error: no paths given and {DEFAULT_SAMPLE} does not exist here; run from the "
            "project folder, pass your export, or run 'backcare sample' first",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from .advice import check_advice

    log = _read(paths, args.source)
    card = check_advice(log)
    out.write(format_check(log, paths, card))
    if args.csv:
        card.to_csv(args.csv, index=False)
        out.write(f"\nScorecard written to {args.csv}\n")
    return EXIT_OK


def _validate(args: argparse.Namespace, out: TextIO) -> int:
    from .outputs.text import format_validation

    log = _read(args.paths, args.source)
    out.write(format_validation(log))
    if args.rejected_csv:
        log.rejected.to_csv(args.rejected_csv, index=False)
        out.write(f"\nRejected rows written to {args.rejected_csv}\n")
    return EXIT_OK


def _report(args: argparse.Namespace, out: TextIO) -> int:
    from .outputs.report import build_report

    path = build_report(args.paths, args.out, progress=not args.quiet)
    out.write(f"Report written to {path} (opens offline in any browser)\n")
    return EXIT_OK


def _sample(args: argparse.Namespace, out: TextIO) -> int:
    from .synthetic.person import write_sample

    for path in write_sample(args.out):
        out.write(f"wrote {path}\n")
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
    try:
        return handlers[args.command](args, out)
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
    plan.add_argument("--source", help="force a format for LOG instead of detecting it")


def _plan(args: argparse.Namespace, out: TextIO) -> int:
    if args.analyse:
        from .outputs.plan import read_plan
        from .stats.plan_analysis import analyse_experiment

        log_path, plan_path = args.analyse
        table = analyse_experiment(_read([log_path], args.source), read_plan(plan_path))
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
