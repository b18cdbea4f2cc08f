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
_COMMANDS = ("check", "validate", "report", "sample", "cohort")


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
    _add_cohort_parser(sub)
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

    handlers = {"check": _check, "validate": _validate, "report": _report, "sample": _sample}
    handlers["cohort"] = _cohort
    try:
        return handlers[args.command](args, out)
    except LogFormatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except AnalysisError as exc:
        print(f"not enough data: {exc}", file=sys.stderr)
        return EXIT_ANALYSIS


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
