"""Render a log (usually a simulated person) as a Bearable CSV export.

The file looks like a real export: the unquoted header, every field double-quoted, ordinal
dates (``22nd Sep 2020``), rows grouped by day but not in time order within it, a Mood row
at a clock time, ``Back (lower) pain`` rated 0-4 for parts of the day, one ``all day``
Factors row of tags, Ibuprofen on onset days of episodes treated with an NSAID, Sleep as
``H:MM`` and Water in litres; days that were not logged are absent.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Final

import pandas as pd

from ...schema import Log

_HEADER: Final = "date,weekday,time of day,category,rating/amount,detail,notes"
_HEADER_NEW: Final = "date,date formatted,weekday,time of day,category,rating/amount,detail,notes"
_WORDS: Final = ("None", "Mild", "Moderate", "Severe", "Unbearable")
#: Parts of the day with the hour each one starts.
_PARTS: Final = (("pre", 0), ("am", 6), ("mid", 12), ("pm", 17))


def _ordinal(day: pd.Timestamp) -> str:
    n = day.day
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix} {day:%b %Y}"


def _factors(values: pd.Series) -> list[str]:
    """Bearable-style tags for a day's simulated behaviour (no numbers survive)."""
    tags: list[str] = []
    exercise = values["exercise_min"]
    sitting = values["sitting_h"]
    if pd.notna(exercise) and exercise >= 45:
        tags.append("Highly active")
    elif pd.notna(exercise) and exercise >= 20:
        tags.append("Moderately active")
    elif pd.notna(sitting) and sitting >= 8:
        tags.append("Sedentary")
    else:
        tags.append("Low activity")
    if pd.notna(values["steps_count"]) and values["steps_count"] >= 7000:
        tags.append("Walk")
    if pd.notna(values["stretching_min"]) and values["stretching_min"] > 0:
        tags.append("Stretching")
    if values["heavy_lifting"] is True:
        tags.append("Heavy lifting")
    tags.append("Work" if values["date"].weekday() < 5 else "Day off")
    return tags


def write_bearable(log: Log, path: Path, *, date_formatted: bool = False) -> Path:
    """Write ``log`` as a Bearable CSV export.

    Parameters
    ----------
    log
        A log with daily values and episodes, such as
        :func:`~backcare_analysis.synthetic.person.simulate_person`'s.
    path
        The file to write.
    date_formatted
        Write the newer 8-column header with ``date formatted`` (``YYYY-MM-DD``).

    Returns
    -------
    pathlib.Path
        ``path``.

    Notes
    -----
    The daily ``pain_max_0_10`` becomes a 0-4 rating (``round(pain / 2.5)``) logged for
    ``am``, ``mid`` and ``pm`` (also ``pre`` when 3 or more); on an onset day only from
    the part of the day of the onset on. A rating of 0 writes no row, as in the app.
    Water is rounded to 0.25 L and sleep to 15 minutes, as the app records them.
    """
    onsets = {
        start.normalize(): (start, treatments, notes, leg)
        for start, treatments, notes, leg in zip(
            log.episodes["start_local"],
            log.episodes["treatments"].fillna(""),
            log.episodes["notes"].fillna(""),
            log.episodes["leg_pain"].fillna(False),
            strict=True,
        )
    }
    rows: list[list[str]] = []
    for _, values in log.daily.sort_values("date").iterrows():
        day: pd.Timestamp = values["date"]
        lead = [_ordinal(day)] + ([f"{day:%Y-%m-%d}"] if date_formatted else []) + [f"{day:%A}"]
        onset = onsets.get(day)
        pain = values["pain_max_0_10"]
        mood = 7 if pd.isna(pain) else max(1, min(10, round(8 - pain / 2)))
        rows.append([*lead, f"21:{(day.day * 7) % 60:02d}", "Mood", str(mood), "", ""])
        rating = 0 if pd.isna(pain) else min(4, max(0, round(float(pain) / 2.5)))
        if rating:
            first = 0 if rating >= 3 else 1
            if onset is not None:
                first = max(i for i, (_, hour) in enumerate(_PARTS) if onset[0].hour >= hour)
            for i, (part, _) in enumerate(_PARTS[first:], start=first):
                note = onset[2] if onset is not None and i == first else ""
                detail = f"Back (lower) pain ({_WORDS[rating]})"
                rows.append([*lead, part, "Symptom", str(rating), detail, note])
        if onset is not None and onset[3]:
            rows.append([*lead, "pm", "Symptom", "2", "Sciatica (Moderate)", ""])
        rows.append([*lead, "all day", "Factors", "", " | ".join(_factors(values)), ""])
        if onset is not None and "nsaid" in onset[1].split(";"):
            taken = onset[0] + pd.Timedelta(hours=1)
            rows.append([*lead, f"{taken.hour}:{taken.minute:02d}", "Meds/Supplements", "400",
                         "Ibuprofen (mg)", ""])  # fmt: skip
        if pd.notna(values["sleep_h"]):
            minutes = int(round(float(values["sleep_h"]) * 4) * 15)
            asleep = pd.Timestamp("2000-01-02 07:00") - pd.Timedelta(minutes=minutes)
            rows.append([*lead, "", "Sleep", f"{minutes // 60}:{minutes % 60:02d}",
                         f"Asleep {asleep:%H:%M} - 07:00", ""])  # fmt: skip
        if pd.notna(values["water_ml"]):
            litres = math.floor(float(values["water_ml"]) / 250 + 0.5) / 4
            rows.append([*lead, "", "Water", f"{litres:g}L", "", ""])
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write((_HEADER_NEW if date_formatted else _HEADER) + "\n")
        csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    return path
