"""The project's own log format for people who keep a spreadsheet.

Two CSV files, documented in ``docs/log-format.md`` with blank templates in
``data/templates/``: ``episodes.csv`` (one row per spasm episode) and ``daily.csv`` (one row
per day you kept your diary). Tolerates what spreadsheets do: a BOM, ``;`` separators,
decimal commas, day-first dates when unambiguous, blank trailing rows, UTF-16 and
Windows-1252 encodings.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

import pandas as pd

from ..schema import (
    DAILY_COLUMNS,
    DAILY_RANGES,
    Log,
    LogFormatError,
    canonical_treatment,
    conform,
    empty_table,
)
from ._common import (
    Head,
    Rejections,
    csv_records,
    implausible_day,
    out_of_range,
    parse_number,
    provenance_row,
    read_text,
    sniff_delimiter,
    universal_newlines,
)

SOURCE: Final = "spreadsheet"

EPISODE_FILE_COLUMNS: Final = (
    "start",
    "end",
    "duration_h",
    "peak_severity_0_10",
    "initial_severity_0_10",
    "location",
    "leg_pain",
    "activity_at_onset",
    "treatments",
    "notes",
)
DAILY_VALUE_COLUMNS: Final = tuple(
    c for c in DAILY_COLUMNS if c not in ("date", "symptoms_logged", "activity_logged")
)
#: Names accepted in daily.csv: canonical names, plus ``pain_0_10`` and a free ``notes``.
DAILY_FILE_COLUMNS: Final = ("date", "pain_0_10", "notes", *DAILY_VALUE_COLUMNS)
_ALIASES: Final[Mapping[str, str]] = {"pain_0_10": "pain_max_0_10"}

_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[T ](\d{1,2}):(\d{2}))?$")
_YES: Final = {"yes", "y", "true", "1", "x", "ja", "oui", "si", "sí"}
_NO: Final = {"no", "n", "false", "0", "nee", "nein", "non"}


def _header(head_line: str, delimiter: str) -> list[str]:
    return [h.strip().strip('"').strip().lower() for h in head_line.split(delimiter)]


def _kind(columns: list[str]) -> str | None:
    if "start" in columns and "peak_severity_0_10" in columns:
        return "episodes"
    others = [c for c in columns if c != "date"]
    # A renamed column ("sitting_hours") still marks a daily file, so the reader can say
    # which column to rename instead of "not a supported export".
    if (
        "date" in columns
        and others
        and all(c in DAILY_FILE_COLUMNS or _close_daily_column(c) for c in others)
    ):
        return "daily"
    return None


def _close_daily_column(column: str) -> bool:
    return bool(difflib.get_close_matches(column, DAILY_FILE_COLUMNS, n=1, cutoff=0.75))


def sniff(head: Head) -> bool:
    """True for a backcare ``episodes.csv`` or ``daily.csv``."""
    if head.text is None:
        return False
    line = head.first_line
    return _kind(_header(line, sniff_delimiter(line))) is not None


class _Dates:
    """Parses the date (and time) column of one file, deciding day-first once per file."""

    def __init__(self, values: list[str], path: Path, column: str) -> None:
        first_big = second_big = None
        for v in values:
            m = _NUMERIC_DATE.match(v.strip())
            if m:
                if int(m.group(1)) > 12 and first_big is None:
                    first_big = v
                if int(m.group(2)) > 12 and second_big is None:
                    second_big = v
        if first_big and second_big:
            raise LogFormatError(
                f"{path}: column {column!r} mixes day-first ({first_big!r}) and month-first "
                f"({second_big!r}) dates; write every date as YYYY-MM-DD"
            )
        numeric = [v for v in values if _NUMERIC_DATE.match(v.strip())]
        if numeric and not first_big and not second_big:
            raise LogFormatError(
                f"{path}: dates in column {column!r} such as {numeric[0]!r} could be day-first "
                "or month-first; write them as YYYY-MM-DD"
            )
        self.day_first = first_big is not None

    def parse(self, value: str) -> tuple[datetime, int | None]:
        """Return ``(local naive datetime, UTC offset in minutes or None)``."""
        v = value.strip()
        m = _ISO.match(v)
        if m:
            y, mo, d, hh, mm, ss, tz = m.groups()
            when = datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
            return when, _offset_minutes(tz)
        m = _NUMERIC_DATE.match(v)
        if m:
            a, b, y, hh, mm = m.groups()
            day, month = (int(a), int(b)) if self.day_first else (int(b), int(a))
            return datetime(int(y), month, day, int(hh or 0), int(mm or 0)), None
        raise ValueError(f"unreadable date {value!r} (expected YYYY-MM-DD, optionally HH:MM)")


def _offset_minutes(tz: str | None) -> int | None:
    if not tz:
        return None
    if tz == "Z":
        return 0
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    return sign * (int(digits[:2]) * 60 + int(digits[2:]))


def _number(value: str, column: str) -> float | None:
    """A number of ``column`` (its canonical name or an alias such as ``pain_0_10``),
    checked against the plausible range of the canonical column; None when blank."""
    v = value.strip().replace("\u00a0", "").replace(" ", "")
    if not v:
        return None
    if re.fullmatch(r"-?\d{1,3},\d{3}", v):
        raise ValueError(f"{column}={value!r} is ambiguous: write 1500 or 1.5, not 1,500")
    try:
        number = parse_number(v, name=column)
    except ValueError as exc:
        detail = "is not a finite number" if "finite" in str(exc) else "is not a number"
        raise ValueError(f"{column}={value!r} {detail}") from None
    target = _ALIASES.get(column, column)
    low, high = DAILY_RANGES.get(target, (0.0, float("inf")))
    if out_of_range(target, number) if target in DAILY_RANGES else number < low:
        raise ValueError(f"{column}={value!r} is outside the plausible range {low:g} to {high:g}")
    return number


def _checked(when: datetime) -> datetime:
    reason = implausible_day(when.date())
    if reason is not None:
        raise ValueError(reason)
    return when


def _yes_no(value: str, column: str) -> bool | None:
    v = value.strip().lower()
    if not v or v in {"unknown", "?", "na", "n/a"}:
        return None
    if v in _YES:
        return True
    if v in _NO:
        return False
    raise ValueError(f"{column}={value!r} should be yes, no or blank")


def _check_columns(path: Path, columns: list[str], allowed: tuple[str, ...]) -> None:
    unknown = [c for c in columns if c and c not in allowed]
    if unknown:
        hints = []
        for c in unknown:
            close = difflib.get_close_matches(c, allowed, n=1)
            hints.append(f"{c!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise LogFormatError(
            f"{path}: unknown column {', '.join(hints)}; the columns are {', '.join(allowed)} "
            "(see docs/log-format.md)"
        )


def read(path: Path, *, progress: bool = False) -> Log:
    """Read a backcare ``episodes.csv`` or ``daily.csv``.

    Parameters
    ----------
    path
        The CSV file.
    progress
        Accepted for a uniform reader signature; these files are small.

    Returns
    -------
    Log
        Episodes or daily values (the other table empty), rejected rows and provenance.
    """
    del progress
    text, encoding = read_text(path)
    first = universal_newlines(text.lstrip("\ufeff")).split("\n", 1)[0]
    delimiter = sniff_delimiter(first)
    columns = _header(first, delimiter)
    kind = _kind(columns)
    if kind is None:
        raise LogFormatError(f"{path}: not a backcare episodes.csv or daily.csv")
    allowed = EPISODE_FILE_COLUMNS if kind == "episodes" else DAILY_FILE_COLUMNS
    _check_columns(path, columns, allowed)
    duplicated = {c for c in columns if c and columns.count(c) > 1}
    if duplicated:
        raise LogFormatError(f"{path}: column(s) {sorted(duplicated)} appear twice in the header")

    rejections = Rejections(SOURCE, str(path))
    records: list[tuple[int, dict[str, str], str]] = []
    blank = too_long = 0
    for line, fields, raw in csv_records(text, delimiter=delimiter, file=str(path)):
        if not any(f.strip() for f in fields):
            blank += 1
            continue
        if len(fields) > len(columns) and any(f.strip() for f in fields[len(columns) :]):
            rejections.add(line, f"{len(fields)} fields but the header has {len(columns)}", raw)
            too_long += 1
            continue
        fields = fields + [""] * (len(columns) - len(fields))
        records.append((line, dict(zip(columns, fields, strict=False)), raw))

    date_column = "start" if kind == "episodes" else "date"
    dates = _Dates([r[date_column] for _, r, _ in records], path, date_column)
    if kind == "episodes":
        table = _episodes(path, records, dates, rejections)
        log_tables = {"episodes": table, "daily": empty_table("daily")}
    else:
        table = _daily(records, dates, rejections)
        log_tables = {"episodes": empty_table("episodes"), "daily": table}
    notes = [f"{kind} file, {encoding}, delimiter {delimiter!r}"]
    if blank:
        notes.append(f"{blank} blank row(s) skipped")
    return Log(
        episodes=log_tables["episodes"],
        daily=log_tables["daily"],
        rejected=rejections.frame(),
        provenance=provenance_row(
            path,
            SOURCE,
            rows_read=len(records) + too_long,
            rows_used=len(table),
            rows_rejected=len(rejections),
            note="; ".join(notes),
        ),
    )


def _episodes(
    path: Path,
    records: list[tuple[int, dict[str, str], str]],
    dates: _Dates,
    rejections: Rejections,
) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    seen: dict[datetime, int] = {}
    for line, rec, raw in records:
        try:
            start, offset = dates.parse(rec["start"])
            _checked(start)
            end = dates.parse(rec["end"])[0] if rec.get("end", "").strip() else None
            duration = _number(rec.get("duration_h", ""), "duration_h")
            peak = _number(rec["peak_severity_0_10"], "peak_severity_0_10")
            initial = _number(rec.get("initial_severity_0_10", ""), "initial_severity_0_10")
            for name, value in (("peak_severity_0_10", peak), ("initial_severity_0_10", initial)):
                if value is not None and value > 10:
                    raise ValueError(f"{name}={value:g} is above 10")
            if peak is None:
                raise ValueError("peak_severity_0_10 is empty")
            if end is None and duration is not None:
                end = start + timedelta(hours=duration)
            if end is not None:
                if end < start:
                    raise ValueError(f"end {rec['end']!r} is before start {rec['start']!r}")
                duration = (end - start).total_seconds() / 3600
                if duration > 24 * 90:
                    raise ValueError(f"episode lasts {duration / 24:.0f} days; check start/end")
            leg_pain = _yes_no(rec.get("leg_pain", ""), "leg_pain")
        except ValueError as exc:
            rejections.add(line, str(exc), raw)
            continue
        if start in seen:
            rejections.add(line, f"duplicate of the episode on line {seen[start]}", raw)
            continue
        seen[start] = line
        tokens = [t for t in re.split(r"[;,|+]", rec.get("treatments", "")) if t.strip()]
        rows.append(
            {
                "episode_id": f"{SOURCE}-{start:%Y%m%dT%H%M}",
                "start_local": start,
                "start_utc_offset_min": offset,
                "end_local": end,
                "duration_h": duration,
                "peak_severity_0_10": peak,
                "initial_severity_0_10": initial,
                "location": rec.get("location", "").strip() or "lower back",
                "leg_pain": leg_pain,
                "activity_at_onset": rec.get("activity_at_onset", "").strip(),
                "treatments": ";".join(canonical_treatment(t) for t in tokens),
                "notes": rec.get("notes", "").strip(),
                "source": SOURCE,
                "source_file": str(path),
                "source_line": line,
            }
        )
    frame = pd.DataFrame(rows, columns=list(empty_table("episodes").columns))
    return conform(frame.sort_values("start_local", kind="stable"), "episodes")


def _daily(
    records: list[tuple[int, dict[str, str], str]],
    dates: _Dates,
    rejections: Rejections,
) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    seen: dict[datetime, tuple[int, dict[str, object]]] = {}
    for line, rec, raw in records:
        try:
            when, _ = dates.parse(rec["date"])
            day = _checked(datetime(when.year, when.month, when.day))
            values: dict[str, object] = {}
            for column, text in rec.items():
                target = _ALIASES.get(column, column)
                if target in ("date", "notes") or not column:
                    continue
                if target == "heavy_lifting":
                    values[target] = _yes_no(text, column)
                else:
                    values[target] = _number(text, column)
        except ValueError as exc:
            rejections.add(line, str(exc), raw)
            continue
        if day in seen:
            first_line, first_values = seen[day]
            same = first_values == values
            reason = "duplicate of" if same else "a second, different row for the date on"
            rejections.add(line, f"{reason} line {first_line}", raw)
            continue
        seen[day] = (line, values)
        activity = any(v is not None for k, v in values.items() if k != "pain_max_0_10")
        rows.append({"date": day, "symptoms_logged": True, "activity_logged": activity, **values})
    frame = pd.DataFrame(rows, columns=list(DAILY_COLUMNS))
    return conform(frame.sort_values("date", kind="stable"), "daily")
