"""What the ``backcare`` commands share: exit codes, the reading options (the same as
``read_log``'s), output-path checks and reading the exports."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .schema import Log

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_ANALYSIS = 4
EXIT_NO_DATA = 5


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
