"""Render a simulated log as Fitbit's Google Takeout JSON, for tests and sample data only.

One file per metric and month (``sedentary_minutes-2025-01-01.json`` ...), values as
strings, dates ``MM/DD/YY HH:MM:SS``, as in ``Fitbit/Global Export Data/``. Days the
simulated person did not log become days the tracker was not worn: 1440 sedentary minutes
and zero activity, as Fitbit writes them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from ...schema import Log


def _missing(value: object) -> bool:
    """True for None, NaN, pd.NA and NaT (values of a log's table)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


#: Share of the exercise minutes the tracker rates "very" active; the rest "moderately".
VERY_SHARE: Final = 0.4


def _stamp(day: pd.Timestamp, hour: int = 0, minute: int = 0) -> str:
    return f"{day:%m/%d/%y} {hour:02d}:{minute:02d}:00"


def write_fitbit(log: Log, folder: Path, *, seed: int = 0) -> list[Path]:
    """Write ``log`` as Fitbit Takeout files in ``folder``.

    Parameters
    ----------
    log
        A simulated log (:func:`~backcare_analysis.synthetic.person.simulate_person`).
    folder
        Created if needed; one file per metric and calendar month is written into it.
    seed
        Random seed for how steps spread over the day.

    Returns
    -------
    list of pathlib.Path
        The files written, sorted.

    Notes
    -----
    ``sitting_h`` becomes sedentary minutes, ``exercise_min`` very plus moderately active
    minutes, ``steps_count`` per-minute steps (summing to the day's total), ``sleep_h`` a
    sleep log ending that morning, stretching a ``Yoga`` exercise and heavy lifting a
    ``Weights`` exercise (durations in milliseconds).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rows = {pd.Timestamp(r["date"]): r for r in log.daily.to_dict("records")}
    span = pd.date_range(min(rows), max(rows), freq="D")
    files: dict[str, list[object]] = {}

    def add(metric: str, day: pd.Timestamp, entry: object) -> None:
        files.setdefault(f"{metric}-{day:%Y-%m}-01.json", []).append(entry)

    for day in span:
        row = rows.get(day)
        sitting = (
            1440 if row is None or _missing(row["sitting_h"]) else round(row["sitting_h"] * 60)
        )
        exercise = 0 if row is None or _missing(row["exercise_min"]) else int(row["exercise_min"])
        very = round(exercise * VERY_SHARE)
        add("sedentary_minutes", day, {"dateTime": _stamp(day), "value": str(sitting)})
        add("very_active_minutes", day, {"dateTime": _stamp(day), "value": str(very)})
        add(
            "moderately_active_minutes",
            day,
            {"dateTime": _stamp(day), "value": str(exercise - very)},
        )
        add(
            "lightly_active_minutes",
            day,
            {"dateTime": _stamp(day), "value": "0" if row is None else "180"},
        )
        if row is None:
            continue
        if not _missing(row["steps_count"]):
            total = int(row["steps_count"])
            minutes = np.sort(rng.choice(np.arange(7 * 60, 22 * 60), size=40, replace=False))
            weights = rng.random(40) + 0.1
            counts = np.floor(weights / weights.sum() * total).astype(int)
            counts[0] += total - int(counts.sum())
            for m, c in zip(minutes.tolist(), counts.tolist(), strict=True):
                add("steps", day, {"dateTime": _stamp(day, m // 60, m % 60), "value": str(c)})
        if not _missing(row["sleep_h"]):
            asleep = round(row["sleep_h"] * 60)
            end = day + pd.Timedelta(hours=6, minutes=30)
            start = end - pd.Timedelta(minutes=asleep + 25)
            add(
                "sleep",
                day,
                {
                    "logId": int(day.timestamp()),
                    "dateOfSleep": f"{day:%Y-%m-%d}",
                    "startTime": f"{start:%Y-%m-%dT%H:%M:%S}.000",
                    "endTime": f"{end:%Y-%m-%dT%H:%M:%S}.000",
                    "duration": (asleep + 25) * 60_000,
                    "minutesToFallAsleep": 5,
                    "minutesAsleep": asleep,
                    "minutesAwake": 20,
                    "timeInBed": asleep + 25,
                    "type": "stages",
                    "mainSleep": True,
                },
            )
        for name, minutes_done in (
            ("Yoga", row["stretching_min"]),
            (
                "Weights",
                45 if not _missing(row["heavy_lifting"]) and bool(row["heavy_lifting"]) else 0,
            ),
        ):
            if not _missing(minutes_done) and minutes_done > 0:
                add(
                    "exercise",
                    day,
                    {
                        "logId": int(day.timestamp()) + len(name),
                        "activityName": name,
                        "activityTypeId": 52001 if name == "Yoga" else 2030,
                        "duration": int(minutes_done * 60_000),
                        "activeDuration": int(minutes_done * 60_000),
                        "startTime": _stamp(day, 18),
                        "lastModified": _stamp(day, 19),
                    },
                )
    written = []
    for name, entries in sorted(files.items()):
        path = folder / name
        path.write_text(json.dumps(entries, separators=(",", ":")), encoding="utf-8")
        written.append(path)
    return written
