"""Fitbit rows to the daily table and the exercise tags.

Per day: sedentary minutes of 1440 mean not worn (the day's sitting, steps and exercise
left missing); ``exercise_min`` is very + moderately active minutes, from the daily files
or, for days they lack, the per-minute ``active_minutes`` CSV; per-minute steps are
summed on local days the files cover whole; logged exercises give stretching minutes, a
lifting day and a tag each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Final

import pandas as pd

from ..schema import DAILY_COLUMNS, DAILY_RANGES, conform, empty_table
from .fitbit_rows import MINUTES_PER_DAY, Row
from .tagmap import kind_of, tag_kinds

SOURCE: Final = "fitbit"
#: Logged exercises (``activityName``, lowercased) that count as stretching or lifting.
STRETCHING_NAMES: Final = frozenset({"yoga", "pilates", "stretching", "yoga/pilates"})
LIFTING_NAMES: Final = frozenset(
    {"weights", "weight lifting", "weightlifting", "weight training", "strength training"}
)
NOT_WORN_MIN: Final = MINUTES_PER_DAY


def _complete_days(rows: list[Row]) -> set[date]:
    """Local days the per-minute files of one kind cover whole: every day between their
    first and last entry, and the first (last) day itself when the entries begin before
    01:00 (end after 23:00); a day cut by the export's edge would undercount."""
    stamps = [r.local for r in rows if r.local is not None]
    if not stamps:
        return set()
    first, last = min(stamps), max(stamps)
    start = first.date() if first.hour < 1 else first.date() + timedelta(days=1)
    end = last.date() if last.hour >= 23 else last.date() - timedelta(days=1)
    return {start + timedelta(days=n) for n in range((end - start).days + 1)}


def build_days(
    rows: list[Row],
    notes: list[str],
    tag_map: Mapping[str, str | Sequence[str]] | None,
    labels: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The daily table and the exercise tags of an export's rows.

    Rows whose ``status`` is set (duplicates) are left out; per-minute rows on a local day
    the files cover only in part, and ``active_minutes`` rows of a day the daily files
    already give, get a ``status`` here. ``notes[i]`` receives the not-worn note of file
    ``i``; ``labels[i]`` names it in the tags' ``source_file``.
    """
    by: dict[str, list[Row]] = {}
    for row in rows:
        if not row.status:
            by.setdefault(row.family, []).append(row)

    def summed(family: str) -> dict[date, float]:
        out: dict[date, float] = {}
        for r in by.get(family, []):
            out[r.day] = out.get(r.day, 0.0) + r.value
        return out

    sedentary = summed("sedentary")
    not_worn = {d for d, v in sedentary.items() if v >= NOT_WORN_MIN}
    worn = set(sedentary) - not_worn
    very, moderate = summed("very"), summed("moderate")
    exercise = {d: v + moderate[d] for d, v in very.items() if d in moderate}
    for family in ("steps", "active"):
        complete = _complete_days(by.get(family, []))
        for r in by.get(family, []):
            if r.day not in complete:
                r.status = "on a local day the file covers only in part: not analysed"
            elif family == "active" and r.day in exercise:
                r.status = "exercise_min of this day comes from the daily active-minutes files"
    steps = summed_used(by, "steps")
    for d, v in summed_used(by, "active").items():
        exercise.setdefault(d, v)
    values: dict[str, dict[date, object]] = {
        "sitting_h": {d: v / 60 for d, v in sedentary.items() if d not in not_worn},
        "exercise_min": {d: v for d, v in exercise.items() if d not in not_worn},
        "steps_count": {d: v for d, v in steps.items() if d not in not_worn},
        "sleep_h": {d: v / 60 for d, v in summed("sleep").items()},
    }
    for name, column in values.items():
        low, high = DAILY_RANGES[name]
        for d in [d for d, v in column.items() if not low <= float(v) <= high]:  # type: ignore[arg-type]
            del column[d]
    stretching: dict[date, float] = {}
    lifting: set[date] = set()
    for r in by.get("exercise", []):
        if r.name.lower() in STRETCHING_NAMES:
            stretching[r.day] = stretching.get(r.day, 0.0) + r.value
        elif r.name.lower() in LIFTING_NAMES:
            lifting.add(r.day)
    if stretching:
        span = [d for d in worn if min(stretching) <= d <= max(stretching)]
        values["stretching_min"] = {**dict.fromkeys(span, 0.0), **stretching}
    if lifting:
        span = [d for d in worn if min(lifting) <= d <= max(lifting)]
        values["heavy_lifting"] = {**dict.fromkeys(span, False), **dict.fromkeys(lifting, True)}
    if not_worn:
        for i in {r.file for r in by.get("sedentary", []) if r.day in not_worn}:
            days = sum(1 for r in by["sedentary"] if r.file == i and r.day in not_worn)
            notes[i] = f"{days} days of {NOT_WORN_MIN} sedentary minutes: not worn"
    return _daily(values), _tags(by.get("exercise", []), tag_map, labels)


def summed_used(by: Mapping[str, list[Row]], family: str) -> dict[date, float]:
    """A family's used values summed per local day."""
    out: dict[date, float] = {}
    for r in by.get(family, []):
        if not r.status:
            out[r.day] = out.get(r.day, 0.0) + r.value
    return out


def _tags(
    exercises: list[Row], tag_map: Mapping[str, str | Sequence[str]] | None, labels: list[str]
) -> pd.DataFrame:
    if not exercises:
        return empty_table("tags")
    kinds = tag_kinds(tag_map)
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime([r.day for r in exercises]),
            "time_local": pd.to_datetime(pd.Series([r.local for r in exercises])),
            "category": "exercise",
            "tag": [r.name for r in exercises],
            "kind": [kind_of(r.name, kinds) for r in exercises],
            "amount": [r.value for r in exercises],
            "source": SOURCE,
            "source_file": [labels[r.file] for r in exercises],
            "source_line": [r.line for r in exercises],
        }
    )
    return conform(frame, "tags")


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
