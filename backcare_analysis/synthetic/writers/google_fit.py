"""Render a simulated log as Google Fit's ``Daily activity metrics.csv``, for tests only.

As in Takeout (``Fit/Daily activity metrics/``): one row per calendar day of the span,
blank fields where there is no data (days the person did not log stay blank rows), a
column only for metrics that have data, durations in milliseconds.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import pandas as pd

from ...schema import Log


def _missing(value: object) -> bool:
    """True for None, NaN, pd.NA and NaT (values of a log's table)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


COLUMNS = (
    "Date",
    "Move Minutes count",
    "Calories (kcal)",
    "Distance (m)",
    "Heart Points",
    "Heart Minutes",
    "Step count",
    "Inactive duration (ms)",
    "Walking duration (ms)",
    "Yoga duration (ms)",
    "Strength training duration (ms)",
)


def write_google_fit(log: Log, path: Path) -> Path:
    """Write ``log`` as a Google Fit daily activity metrics CSV.

    Parameters
    ----------
    log
        A simulated log (:func:`~backcare_analysis.synthetic.person.simulate_person`).
    path
        The CSV to write (the real name is localised, so any name will do).

    Returns
    -------
    pathlib.Path
        ``path``.

    Notes
    -----
    ``exercise_min`` becomes Heart Minutes (Move Minutes are 30 more: any movement
    counts), ``steps_count`` the step count, stretching a yoga duration and heavy lifting
    45 min of strength training. Inactive duration is sitting plus sleep (8 h when sleep is
    missing), at most 24 h, as a phone sees it: the reader does not take it for sitting.
    """
    rows = {pd.Timestamp(r["date"]): r for r in log.daily.to_dict("records")}
    span = pd.date_range(min(rows), max(rows), freq="D")
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        for day in span:
            row = rows.get(day)
            if row is None:
                writer.writerow([f"{day:%Y-%m-%d}"] + [""] * (len(COLUMNS) - 1))
                continue

            def num(value: Any, scale: float = 1.0) -> str:
                return "" if _missing(value) else f"{float(value) * scale:.10g}"

            exercise = row["exercise_min"]
            stretch = row["stretching_min"]
            lifting = row["heavy_lifting"]
            writer.writerow(
                [
                    f"{day:%Y-%m-%d}",
                    num(exercise + 30 if not _missing(exercise) else exercise),
                    "1850.25",
                    num(row["steps_count"], 0.75),
                    num(exercise, 1.5),
                    num(exercise),
                    num(row["steps_count"]),
                    num(_inactive_h(row["sitting_h"], row["sleep_h"]), 3_600_000),
                    "3600000",
                    num(stretch, 60_000) if not _missing(stretch) and stretch > 0 else "",
                    "2700000" if not _missing(lifting) and bool(lifting) else "",
                ]
            )
    return path


def _inactive_h(sitting_h: Any, sleep_h: Any) -> Any:
    """Hours a phone sees no movement: sitting and sleep, at most a day."""
    if _missing(sitting_h):
        return sitting_h
    return min(24.0, float(sitting_h) + (8.0 if _missing(sleep_h) else float(sleep_h)))
