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


def _utc_stamp(day: pd.Timestamp, hour: int, minute: int, zone: str) -> str:
    """A local wall-clock time as the UTC stamp Fitbit writes for per-minute data."""
    local = (day + pd.Timedelta(hours=hour, minutes=minute)).tz_localize(zone)
    return f"{local.tz_convert('UTC'):%m/%d/%y %H:%M:%S}"


def write_fitbit(log: Log, folder: Path, *, seed: int = 0, timezone: str = "UTC") -> list[Path]:
    """Write ``log`` as Fitbit Takeout files in ``folder``.

    Parameters
    ----------
    log
        A simulated log (:func:`~backcare_analysis.synthetic.person.simulate_person`).
    folder
        Created if needed; one file per metric and calendar month is written into it.
    seed
        Random seed for how steps spread over the day.
    timezone
        The person's zone: per-minute steps and exercise start times are written in UTC,
        as Fitbit writes them; daily summaries and sleep logs on local days.

    Returns
    -------
    list of pathlib.Path
        The files written, sorted.

    Notes
    -----
    ``sitting_h`` becomes sedentary minutes, ``exercise_min`` very plus moderately active
    minutes, ``steps_count`` per-minute steps (summing to the day's total), ``sleep_h`` a
    sleep log ending that morning, stretching a ``Yoga`` exercise and heavy lifting a
    ``Weights`` exercise (durations in milliseconds). Each day's steps begin and end
    with a zero minute at 00:00 and 23:59 local time, as Fitbit writes idle minutes.
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
            pairs = [(0, 0), *zip(minutes.tolist(), counts.tolist(), strict=True), (1439, 0)]
            for m, c in pairs:
                stamp = _utc_stamp(day, m // 60, m % 60, timezone)
                add("steps", day, {"dateTime": stamp, "value": str(c)})
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
                        "startTime": _utc_stamp(day, 18, 0, timezone),
                        "lastModified": _stamp(day, 19),
                    },
                )
    written = []
    for name, entries in sorted(files.items()):
        path = folder / name
        path.write_text(json.dumps(entries, separators=(",", ":")), encoding="utf-8")
        written.append(path)
    return written


PROFILE_HEADER: Final = (
    "id,full_name,first_name,last_name,display_name_setting,display_name,username,"
    "email_address,date_of_birth,child,country,state,city,timezone,locale,member_since,"
    "about_me,start_of_week,sleep_tracking,time_display_format,gender,height,weight,"
    "stride_length_walk,stride_length_run,weight_unit,distance_unit,height_unit,"
    "water_unit,glucose_unit,swim_unit"
)


def write_fitbit_takeout(
    log: Log,
    out: Path,
    *,
    timezone: str = "Europe/Berlin",
    parts: int = 1,
    top: str = "Fitbit",
    seed: int = 0,
) -> list[Path]:
    """Write ``log`` as a Google Takeout download: ``takeout-...-001.zip`` and further parts.

    Parameters
    ----------
    log
        A simulated log.
    out
        The folder the zips are written into (created if needed).
    timezone
        The person's zone, written to ``Your Profile/Profile.csv``.
    parts
        How many numbered zips the files are dealt over (round robin, as a large Takeout
        is split); the profile goes into the last part.
    top
        ``"Fitbit"`` or ``"Google Health"`` (the newer layout).
    seed
        Random seed of :func:`write_fitbit`.

    Returns
    -------
    list of pathlib.Path
        The zips written, in order.
    """
    import tempfile
    import zipfile

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        files = write_fitbit(log, Path(tmp), seed=seed, timezone=timezone)
        members = [(f"Takeout/{top}/Global Export Data/{f.name}", f.read_bytes()) for f in files]
    values = dict.fromkeys(PROFILE_HEADER.split(","), "")
    values.update(
        id="ABC123", full_name="Sam Sample", display_name="Sam", date_of_birth="1990-01-01",
        country="DE", timezone=timezone, locale="en_US", member_since="2020-01-01",
    )  # fmt: skip
    profile = f"{PROFILE_HEADER}\n{','.join(values.values())}\n"
    written = []
    for part in range(parts):
        path = out / f"takeout-20250401T101010Z-{part + 1:03d}.zip"
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, data in members[part::parts]:
                zf.writestr(name, data)
            if part == parts - 1:
                zf.writestr(f"Takeout/{top}/Your Profile/Profile.csv", profile)
            zf.writestr("Takeout/archive_browser.html", "<html></html>")
        written.append(path)
    return written
