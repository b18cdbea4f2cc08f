"""A self-experiment plan as files: a CSV to fill in and an iCalendar file for any calendar.

The iCalendar file follows RFC 5545 by hand (no third-party dependency): one all-day event
per block, CRLF line ends, long lines folded at 75 octets, text escaped.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from ..schema import LogFormatError, PathLike
from ..stats.experiments import PLAN_COLUMNS

PLAN_CSV = "plan.csv"
PLAN_ICS = "plan.ics"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold a content line into chunks of at most 75 octets (RFC 5545, 3.1)."""
    data = line.encode("utf-8")
    parts: list[str] = []
    limit = 75
    while len(data) > limit:
        cut = limit
        while cut > 0 and (data[cut] & 0xC0) == 0x80:  # never split a UTF-8 character
            cut -= 1
        parts.append(data[:cut].decode("utf-8"))
        data = data[cut:]
        limit = 74  # continuation lines start with a space
    parts.append(data.decode("utf-8"))
    return "\r\n ".join(parts)


def plan_to_ics(plan: pd.DataFrame) -> str:
    """The plan as an iCalendar text: one all-day event per block.

    Parameters
    ----------
    plan
        A plan from :func:`~backcare_analysis.plan_experiment`.

    Returns
    -------
    str
        A ``VCALENDAR`` with a ``VEVENT`` per block (``DTSTART;VALUE=DATE`` on its first
        day, ``DTEND`` the day after its last, exclusive as RFC 5545 requires).
    """
    claim = str(plan["claim"].iloc[0])
    seed = int(plan["seed"].iloc[0])
    first = pd.Timestamp(plan["date"].min())
    stamp = f"{first:%Y%m%d}T000000Z"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//backcare-analysis//self-experiment plan//EN",
        "CALSCALE:GREGORIAN",
    ]
    for block, days in plan.groupby("block", sort=True):
        start = pd.Timestamp(days["date"].min()).date()
        end = pd.Timestamp(days["date"].max()).date() + dt.timedelta(days=1)
        arm = str(days["arm"].iloc[0])
        washout = int(days["washout_days"].iloc[0])
        title = f"{claim} experiment: {'advice' if arm == 'advice' else 'usual'} block {block}"
        what = str(days["instruction"].iloc[0])
        description = (
            f"Every day of this block: {what}. Log as usual and note in plan.csv whether you "
            "followed the plan (yes/no)."
        )
        if washout:
            description += f" The first {washout} day(s) are a washout, not analysed."
        lines += [
            "BEGIN:VEVENT",
            f"UID:backcare-{claim}-{seed}-block{block}@backcare-analysis",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{start:%Y%m%d}",
            f"DTEND;VALUE=DATE:{end:%Y%m%d}",
            f"SUMMARY:{_escape(title)}",
            f"DESCRIPTION:{_escape(description)}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def write_plan(plan: pd.DataFrame, folder: PathLike) -> list[Path]:
    """Write a plan as ``plan.csv`` (to fill in the ``followed`` column) and ``plan.ics``.

    Parameters
    ----------
    plan
        A plan from :func:`~backcare_analysis.plan_experiment`.
    folder
        Where to write; created if needed.

    Returns
    -------
    list of pathlib.Path
        The two files written.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    csv_path, ics_path = out / PLAN_CSV, out / PLAN_ICS
    table = plan[list(PLAN_COLUMNS)].copy()
    table["date"] = pd.to_datetime(table["date"]).dt.strftime("%Y-%m-%d")
    table["washout"] = table["washout"].map({True: "yes", False: "no"})
    table.to_csv(csv_path, index=False)
    ics_path.write_bytes(plan_to_ics(plan).encode("utf-8"))
    return [csv_path, ics_path]


def read_plan(path: PathLike) -> pd.DataFrame:
    """Read back a ``plan.csv`` written by :func:`write_plan`, with ``followed`` filled in.

    Raises
    ------
    LogFormatError
        When the file is missing, unreadable, or lacks a plan column or has a bad date.
    """
    file = Path(path)
    if file.is_dir():
        file = file / PLAN_CSV
    try:
        table = pd.read_csv(file, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise LogFormatError(
            f"{file}: cannot read the plan ({exc}); pass the plan.csv that 'backcare plan' wrote"
        ) from None
    missing = [c for c in PLAN_COLUMNS if c not in table.columns]
    if missing:
        raise LogFormatError(
            f"{file}: not a self-experiment plan, the columns {missing} are missing; pass the "
            "plan.csv that 'backcare plan' wrote"
        )
    dates = pd.to_datetime(table["date"], format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        line = int(dates.isna().to_numpy().argmax()) + 2
        raise LogFormatError(
            f"{file}, line {line}: date {table['date'].iloc[line - 2]!r} is not YYYY-MM-DD; "
            "restore it from the plan as written"
        )
    table["date"] = dates.astype("datetime64[us]")
    for column in ("block", "pair", "day_in_block", "block_days", "washout_days", "seed"):
        numbers = pd.to_numeric(table[column], errors="coerce")
        if numbers.isna().any():
            line = int(numbers.isna().to_numpy().argmax()) + 2
            raise LogFormatError(
                f"{file}, line {line}: {column} is not a whole number; restore it from the plan"
            )
        table[column] = numbers.astype("int64")
    table["washout"] = table["washout"].str.strip().str.lower().isin(["yes", "true", "1"])
    return table[list(PLAN_COLUMNS)]
