"""Reader for Google Fit's Takeout ``Daily activity metrics.csv`` (the name is localised).

One row per calendar day; a column exists only where some day has data, a blank field or
a blank row means no data that day. The per-day files beside it (``2025-01-30.csv``, one
row per 15 minutes) are recognised, and their rows counted as not analysed: the daily file
holds the same day's totals. The mapping is documented in
``docs/readers-activity.md``:

- ``steps_count``: ``Step count``;
- ``exercise_min``: ``Heart Minutes``, minutes of moderate or vigorous activity (brisk
  walking or harder, the meaning of ``exercise_min``); ``Move Minutes`` count any
  movement and are not used;
- ``sitting_h``: left missing. ``Inactive duration (ms)`` is time the phone or watch saw
  no movement: sleep, lying still and a phone left on a desk (20-24 h on most real days),
  not sitting, so it is not read;
- ``stretching_min``: yoga, pilates and stretching durations; ``heavy_lifting``: a
  strength-training or weight-lifting duration above zero (zero: no, blank: unknown).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Final

import pandas as pd

from ..schema import Log, LogFormatError, conform, empty_table
from ._common import (
    Head,
    Rejections,
    csv_records,
    implausible_day,
    out_of_range,
    parse_number,
    provenance_row,
    read_text,
    universal_newlines,
)

SOURCE: Final = "google_fit"

#: Column (lowercased) -> (daily column, factor to its unit).
COLUMNS: Final[Mapping[str, tuple[str, float]]] = {
    "step count": ("steps_count", 1.0),
    "heart minutes": ("exercise_min", 1.0),
}
_ISO_OR_EMPTY = re.compile(r"^(\d{4}-\d{2}-\d{2})?$")
_DURATION = re.compile(r"^(.+) duration \(ms\)$")
STRETCHING: Final = frozenset({"yoga", "pilates", "stretching"})
LIFTING: Final = frozenset(
    {"strength training", "weightlifting", "weight lifting", "weight training"}
)
_SIGNATURE: Final = frozenset(
    {"move minutes count", "step count", "heart points", "heart minutes", "inactive duration (ms)"}
)


def _header(line: str) -> list[str]:
    return [c.strip().strip('"').strip().lower() for c in line.split(",")]


def _is_per_day(columns: list[str]) -> bool:
    return columns[:2] == ["start time", "end time"] and bool(_SIGNATURE & set(columns))


def sniff(head: Head) -> bool:
    """True for a Google Fit daily activity metrics CSV, or one of the per-day 15-minute
    files beside it (by the header)."""
    if head.text is None:
        return False
    columns = _header(head.first_line)
    daily = bool(columns) and columns[0] == "date" and bool(_SIGNATURE & set(columns))
    return daily or _is_per_day(columns)


def _read_per_day(path: Path, text: str, encoding: str) -> Log:
    """A per-day file: every interval with data is counted and not analysed."""
    rejections = Rejections(SOURCE, str(path))
    blank = 0
    for line, fields, raw in csv_records(text, file=str(path)):
        if not any(f.strip() for f in fields[2:]):
            blank += 1
            continue
        rejections.skip(
            line,
            "a 15-minute interval of a per-day file: the day's totals are read from "
            "Daily activity metrics.csv",
            raw,
        )
    note = (
        f"{encoding}; Google Fit per-day file of 15-minute intervals, not analysed (read "
        f"Daily activity metrics.csv, in the same folder, for the day's totals); {blank} "
        "intervals without data skipped"
    )
    return Log(
        episodes=empty_table("episodes"),
        daily=empty_table("daily"),
        rejected=rejections.frame(),
        not_analysed=rejections.not_analysed_frame(),
        provenance=provenance_row(
            path,
            SOURCE,
            rows_read=rejections.n_not_analysed,
            rows_used=0,
            rows_rejected=0,
            rows_not_analysed=rejections.n_not_analysed,
            note=note,
        ),
    )


def read(path: Path, *, progress: bool = False) -> Log:
    """Read a Google Fit ``Daily activity metrics.csv``.

    Parameters
    ----------
    path
        The CSV, under any name.
    progress
        Accepted for a uniform reader signature; the file is small.

    Returns
    -------
    Log
        Daily values (``steps_count``, ``exercise_min``, ``stretching_min``,
        ``heavy_lifting``; never ``sitting_h``) for days with data; blank rows are
        skipped and counted in the provenance note, not read. A row is one CSV line. A
        per-day 15-minute file gives no daily values: its rows are not analysed.

    Raises
    ------
    LogFormatError
        When the header lacks the ``Date`` column or every metric this reader uses.
    """
    del progress
    text, encoding = read_text(path)
    columns = _header(universal_newlines(text.lstrip("\ufeff")).split("\n", 1)[0])
    if _is_per_day(columns):
        return _read_per_day(path, text, encoding)
    if not columns or columns[0] != "date" or not _SIGNATURE & set(columns):
        raise LogFormatError(
            f"{path}: not a Google Fit daily activity metrics CSV (the header should start "
            "with Date, Move Minutes count, ...); take Fit/Daily activity metrics/Daily "
            "activity metrics.csv from the Takeout archive"
        )
    used = [c for c in columns if c in COLUMNS or _kind(c)]
    rejections = Rejections(SOURCE, str(path))
    rows: list[dict[str, object]] = []
    seen: dict[date, int] = {}
    blank = read_rows = 0
    for line, fields, raw in csv_records(text, file=str(path)):
        record = dict(zip(columns, (f.strip() for f in fields), strict=False))
        if not any(record.get(c, "") for c in columns[1:]) and _ISO_OR_EMPTY.match(
            record.get("date", "")
        ):
            blank += 1  # a day without data, or an empty line
            continue
        read_rows += 1
        try:
            if len(fields) > len(columns) and any(f.strip() for f in fields[len(columns) :]):
                raise ValueError(f"{len(fields)} fields, but the header has {len(columns)}")
            day = _day(record.get("date", ""))
            values = _values(record, used)
        except ValueError as exc:
            rejections.add(line, str(exc), raw)
            continue
        if day in seen:
            rejections.add(line, f"a second row for {day} (the first is on line {seen[day]})", raw)
            continue
        seen[day] = line
        if not values:
            rejections.skip(
                line, "a day with only metrics no analysis uses (Move Minutes, calories...)", raw
            )
            continue
        rows.append({"date": pd.Timestamp(day), **values})
    if rows:
        frame = pd.DataFrame(rows)
        triggers = [c for c in frame.columns if c != "date"]
        frame["activity_logged"] = frame[triggers].notna().any(axis=1) if triggers else False
        frame["symptoms_logged"] = False
        daily = conform(frame.sort_values("date", kind="stable"), "daily")
    else:
        daily = empty_table("daily")
    note = (
        f"{encoding}; {blank} blank rows (days without data) skipped; "
        f"columns used: {', '.join(used)}"
    )
    if "inactive duration (ms)" in columns:
        note += "; Inactive duration not read as sitting (it counts sleep and lying still)"
    return Log(
        episodes=empty_table("episodes"),
        daily=daily,
        rejected=rejections.frame(),
        not_analysed=rejections.not_analysed_frame(),
        provenance=provenance_row(
            path,
            SOURCE,
            rows_read=read_rows,
            rows_used=len(rows),
            rows_rejected=len(rejections),
            rows_not_analysed=rejections.n_not_analysed,
            note=note,
        ),
    )


def _day(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"date {text!r} is not YYYY-MM-DD") from None
    reason = implausible_day(day)
    if reason is not None:
        raise ValueError(reason)
    return day


def _kind(column: str) -> str:
    match = _DURATION.match(column)
    if match is None:
        return ""
    activity = match.group(1).strip()
    return "stretching" if activity in STRETCHING else "lifting" if activity in LIFTING else ""


def _values(record: Mapping[str, str], used: list[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    stretching: list[float] = []
    lifting: list[float] = []
    for column in used:
        text = record.get(column, "")
        if not text:
            continue
        number = parse_number(text, name=column)
        if number < 0:
            raise ValueError(f"{column}={text!r} is negative")
        if column in COLUMNS:
            name, factor = COLUMNS[column]
            value = number * factor
            reason = out_of_range(name, value)
            if reason is not None:
                raise ValueError(f"{column}={text!r}: {reason}")
            out[name] = value
        elif _kind(column) == "stretching":
            stretching.append(number / 60_000)
        else:
            lifting.append(number)
    if stretching:
        if sum(stretching) > 24 * 60:
            raise ValueError("stretching durations add up to more than a day")
        out["stretching_min"] = sum(stretching)
    if lifting:
        out["heavy_lifting"] = sum(lifting) > 0
    return out
