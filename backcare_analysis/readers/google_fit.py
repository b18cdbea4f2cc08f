"""Reader for Google Fit's Takeout ``Daily activity metrics.csv`` (the name is localised).

One row per calendar day; a column exists only where some day has data, a blank field or
a blank row means no data that day. The mapping is documented in
``docs/readers-activity.md``:

- ``steps_count``: ``Step count``;
- ``exercise_min``: ``Heart Minutes``, minutes of moderate or vigorous activity (brisk
  walking or harder, the meaning of ``exercise_min``); ``Move Minutes`` count any
  movement and are not used;
- ``sitting_h``: ``Inactive duration (ms)``, time the phone or watch saw no movement:
  an approximation of sitting that also counts lying still and a phone left on a desk;
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
    "inactive duration (ms)": ("sitting_h", 1 / 3_600_000),
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


def sniff(head: Head) -> bool:
    """True for a Google Fit daily activity metrics CSV (by its header)."""
    if head.text is None:
        return False
    columns = _header(head.first_line)
    return bool(columns) and columns[0] == "date" and bool(_SIGNATURE & set(columns))


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
        Daily values (``steps_count``, ``exercise_min``, ``sitting_h``,
        ``stretching_min``, ``heavy_lifting``) for days with data; blank rows are
        skipped and counted in the provenance note, not read. A row is one CSV line.

    Raises
    ------
    LogFormatError
        When the header lacks the ``Date`` column or every metric this reader uses.
    """
    del progress
    text, encoding = read_text(path)
    columns = _header(universal_newlines(text.lstrip("\ufeff")).split("\n", 1)[0])
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
    for line, fields, raw in csv_records(text):
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
