"""Reader for Fitbit's Google Takeout export (``Fitbit/Global Export Data/*.json``).

Takeout writes one JSON array per metric and month; the metric is only in the file name
(``sedentary_minutes-2024-01-01.json``), values are strings, dates ``MM/DD/YY HH:MM:SS``.
Each file becomes one :class:`~backcare_analysis.schema.Log` holding its own columns, and
``read_log`` on the folder combines them by date. Two values need two metrics, so a file
looks at its siblings in the same folder: ``exercise_min`` is very plus moderately active
minutes (computed by the ``very_active_minutes`` files), and a day with 1440 sedentary
minutes is a day the tracker was not worn, which leaves every value of that day missing.
The mapping is documented in ``docs/readers-activity.md``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Final

import pandas as pd

from ..schema import DAILY_COLUMNS, DAILY_RANGES, Log, LogFormatError, conform, empty_table
from ._common import Head, Rejections, provenance_row, read_text

SOURCE: Final = "fitbit"

#: Metric (file name prefix) -> the daily column it feeds.
METRICS: Final[Mapping[str, str]] = {
    "sedentary_minutes": "sitting_h",
    "very_active_minutes": "exercise_min",
    "moderately_active_minutes": "exercise_min",
    "steps": "steps_count",
    "sleep": "sleep_h",
    "exercise": "stretching_min",
}
#: Logged exercises (``activityName``, lowercased) that count as stretching or lifting.
STRETCHING_NAMES: Final = frozenset({"yoga", "pilates", "stretching", "yoga/pilates"})
LIFTING_NAMES: Final = frozenset(
    {"weights", "weight lifting", "weightlifting", "weight training", "strength training"}
)
NOT_WORN_MIN: Final = 1440

_NAME = re.compile(r"^([a-z_]+)-(\d{4}-\d{2}-\d{2})\.json$")
_HEAD = re.compile(
    r'^\s*\[\s*(\{\s*"dateTime"\s*:\s*"\d\d/\d\d/\d\d \d\d:\d\d:\d\d"'
    r'|\{\s*"logId"\s*:\s*\d+\s*,\s*"(dateOfSleep|activityName)")'
)


def sniff(head: Head) -> bool:
    """True for a Fitbit Takeout JSON array (metric, sleep or exercise file)."""
    return head.text is not None and _HEAD.match(head.text.lstrip("\ufeff")) is not None


def metric_of(path: Path) -> str | None:
    """The metric a Takeout file holds, from its name; None for an unknown name."""
    match = _NAME.match(path.name)
    return match.group(1) if match else None


def read(path: Path, *, progress: bool = False) -> Log:
    """Read one Fitbit Takeout file.

    Parameters
    ----------
    path
        A file such as ``steps-2024-01-01.json``; its name says the metric.
    progress
        Accepted for a uniform reader signature; these files are small.

    Returns
    -------
    Log
        Daily values of this file's metric: ``sitting_h`` (sedentary minutes / 60),
        ``exercise_min`` (very + moderately active minutes), ``steps_count``, ``sleep_h``
        (``minutesAsleep`` / 60 of the sleep logs whose ``dateOfSleep`` is the day),
        ``stretching_min`` and ``heavy_lifting`` (logged exercises). Days the tracker was
        not worn are left out. Metrics the analysis does not use give an empty log with
        a provenance note. A row is one element of the JSON array.

    Raises
    ------
    LogFormatError
        When the file is not valid JSON (with line and column), not an array of entries,
        or named so that the metric cannot be told.
    """
    del progress
    metric = metric_of(path)
    if metric is None:
        raise LogFormatError(
            f"{path}: a Fitbit file's metric is in its name, as Takeout writes it "
            "(for example steps-2024-01-01.json); give the file back its original name"
        )
    if metric not in METRICS:
        return _log(
            path,
            empty_table("daily"),
            Rejections(SOURCE, str(path)),
            0,
            f"metric {metric!r} is not used by the analysis",
        )
    entries = load_entries(path)
    rejections = Rejections(SOURCE, str(path))
    not_worn = _not_worn(path.parent)
    if metric == "sleep":
        values = _sleep(entries, rejections)
    elif metric == "exercise":
        return _exercise(path, entries, rejections, not_worn)
    else:
        values = _per_day(entries, rejections, metric)
    note = ""
    if metric == "sedentary_minutes":
        worn = {d: v for d, v in values.items() if v < NOT_WORN_MIN}
        note = f"{len(values) - len(worn)} days of {NOT_WORN_MIN} sedentary minutes: not worn"
        column = {d: v / 60 for d, v in worn.items()}
    elif metric == "moderately_active_minutes":
        column = {}
        note = "summed into exercise_min by the very_active_minutes file(s)"
    elif metric == "very_active_minutes":
        moderate = _sibling_values(path.parent, "moderately_active_minutes")
        column = {d: v + moderate[d] for d, v in values.items() if d in moderate}
        lacking = len(values) - len(column)
        note = f"exercise_min = very + moderately active; {lacking} days lack moderately active"
    elif metric == "steps":
        column = values
    else:
        column = {d: v / 60 for d, v in values.items()}
    name = METRICS[metric]
    column = {d: v for d, v in column.items() if d not in not_worn}
    low, high = DAILY_RANGES[name]
    implausible = sorted(d for d, v in column.items() if not low <= v <= high)
    for day in implausible:
        del column[day]
    if implausible:
        note += f"; {name} left missing on {len(implausible)} days with an implausible total"
    daily = _daily({name: column})
    return _log(path, daily, rejections, len(entries), note)


def load_entries(path: Path) -> list[dict[str, object]]:
    """The JSON array of a Takeout file.

    Raises
    ------
    LogFormatError
        When the file is not a JSON array of objects.
    """
    text, _ = read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LogFormatError(
            f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg}); the "
            "file may be cut short: download the Takeout archive again"
        ) from None
    if not isinstance(data, list) or not all(isinstance(e, dict) for e in data):
        raise LogFormatError(f"{path}: expected a JSON array of entries, as Fitbit Takeout writes")
    return data


def _stamp(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"dateTime {value!r} is not text")
    try:
        return datetime.strptime(value, "%m/%d/%y %H:%M:%S")
    except ValueError:
        raise ValueError(f"dateTime {value!r} is not MM/DD/YY HH:MM:SS") from None


def _number(value: object) -> float:
    try:
        number = float(str(value))
    except ValueError:
        raise ValueError(f"value {value!r} is not a number") from None
    if not 0 <= number < float("inf"):
        raise ValueError(f"value {value!r} is negative or not finite")
    return number


def _per_day(
    entries: list[dict[str, object]], rejections: Rejections, metric: str
) -> dict[date, float]:
    """Values summed per local day (daily files hold one entry a day, steps one a minute)."""
    limit = DAILY_RANGES["steps_count"][1] if metric == "steps" else NOT_WORN_MIN
    out: dict[date, float] = {}
    for i, entry in enumerate(entries, start=1):
        try:
            day = _stamp(entry.get("dateTime")).date()
            value = _number(entry.get("value"))
            if value > limit:
                raise ValueError(f"value {value:g} is implausible for {metric}")
        except ValueError as exc:
            rejections.add(i, f"entry {i}: {exc}", json.dumps(entry)[:200])
            continue
        out[day] = out.get(day, 0.0) + value
    return out


def _sleep(entries: list[dict[str, object]], rejections: Rejections) -> dict[date, float]:
    out: dict[date, float] = {}
    for i, entry in enumerate(entries, start=1):
        try:
            day = date.fromisoformat(str(entry.get("dateOfSleep")))
            minutes = _number(entry.get("minutesAsleep"))
            if minutes > 1440:
                raise ValueError(f"minutesAsleep {minutes:g} is more than a day")
        except ValueError as exc:
            rejections.add(i, f"entry {i}: {exc}", json.dumps(entry)[:200])
            continue
        out[day] = out.get(day, 0.0) + minutes
    return out


def _exercise(
    path: Path, entries: list[dict[str, object]], rejections: Rejections, not_worn: set[date]
) -> Log:
    stretching: dict[date, float] = {}
    lifting: set[date] = set()
    other = 0
    for i, entry in enumerate(entries, start=1):
        name = str(entry.get("activityName", "")).strip().lower()
        try:
            day = _stamp(entry.get("startTime")).date()
            minutes = _number(entry.get("activeDuration", entry.get("duration"))) / 60_000
            if minutes > 1440:
                raise ValueError(f"a {minutes:g} min exercise is implausible")
        except ValueError as exc:
            rejections.add(i, f"entry {i}: {exc}", json.dumps(entry)[:200])
            continue
        if name in STRETCHING_NAMES:
            stretching[day] = stretching.get(day, 0.0) + minutes
        elif name in LIFTING_NAMES:
            lifting.add(day)
        else:
            other += 1
    worn = _worn(path.parent) - not_worn
    values: dict[str, dict[date, object]] = {}
    if stretching:
        span = [d for d in worn if min(stretching) <= d <= max(stretching)]
        values["stretching_min"] = {**dict.fromkeys(span, 0.0), **stretching}
    if lifting:
        span = [d for d in worn if min(lifting) <= d <= max(lifting)]
        values["heavy_lifting"] = {**dict.fromkeys(span, False), **dict.fromkeys(lifting, True)}
    note = f"{other} exercises of other kinds (not stretching or lifting)"
    return _log(path, _daily(values), rejections, len(entries), note)


def _sibling_values(folder: Path, metric: str) -> dict[date, float]:
    """A metric summed per day over all its files in ``folder`` (cached while the files
    are unchanged, so reading a folder file by file stays linear)."""
    siblings = sorted(folder.glob(f"{metric}-*.json"))
    signature = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in siblings)
    return _sibling_values_cached(str(folder), metric, signature)


@functools.lru_cache(maxsize=16)
def _sibling_values_cached(
    folder: str, metric: str, signature: tuple[tuple[str, int, int], ...]
) -> dict[date, float]:
    out: dict[date, float] = {}
    for name, _, _ in signature:
        sibling = Path(folder) / name
        try:
            entries = load_entries(sibling)
        except LogFormatError:
            continue  # reported when that file itself is read
        for day, value in _per_day(entries, Rejections(SOURCE, str(sibling)), metric).items():
            out[day] = out.get(day, 0.0) + value
    return out


def _not_worn(folder: Path) -> set[date]:
    sedentary = _sibling_values(folder, "sedentary_minutes")
    return {d for d, v in sedentary.items() if v >= NOT_WORN_MIN}


def _worn(folder: Path) -> set[date]:
    sedentary = _sibling_values(folder, "sedentary_minutes")
    return {d for d, v in sedentary.items() if v < NOT_WORN_MIN}


def _daily(values: Mapping[str, Mapping[date, object]]) -> pd.DataFrame:
    days = sorted(set().union(*(v.keys() for v in values.values()))) if values else []
    if not days:
        return empty_table("daily")
    frame = pd.DataFrame({"date": pd.to_datetime(days)})
    for column, by_day in values.items():
        frame[column] = pd.Series([by_day.get(d) for d in days], dtype="object")
    frame["symptoms_logged"] = False
    triggers = [c for c in values if c in DAILY_COLUMNS]
    frame["activity_logged"] = frame[triggers].notna().any(axis=1)
    return conform(frame, "daily")


def _log(path: Path, daily: pd.DataFrame, rejections: Rejections, rows: int, note: str) -> Log:
    return Log(
        episodes=empty_table("episodes"),
        daily=daily,
        rejected=rejections.frame(),
        provenance=provenance_row(
            path,
            SOURCE,
            rows_read=rows,
            rows_used=rows - len(rejections),
            rows_rejected=len(rejections),
            note=note,
        ),
    )
