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
_COMMANDS = ("check", "validate", "report", "sample")


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
    return pd.DataFrame(rows).round({"estimate": 3, "ci_low": 3, "ci_high": 3})


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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
