"""Apple Health: the rules' constants and the small pure helpers both parsers' collector
uses (record kinds and units, stamps and their keys, duplicates, the best source per day).

The rules themselves are in :mod:`.apple_health_days` and :mod:`.apple_health_tables`;
they are documented in ``docs/readers-activity.md``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from .apple_health_stream import Element

SOURCE: Final = "apple_health"

#: Additive records: kind -> (daily column, accepted units with their factor to it).
QUANTITIES: Final[dict[bytes, tuple[str, dict[bytes, float]]]] = {
    b"StepCount": ("steps_count", {b"count": 1.0}),
    b"AppleExerciseTime": ("exercise_min", {b"min": 1.0, b"s": 1 / 60, b"hr": 60.0}),
    b"DietaryWater": (
        "water_ml",
        {
            b"mL": 1.0,
            b"cL": 10.0,
            b"dL": 100.0,
            b"L": 1000.0,
            b"fl_oz_us": 29.5735295625,
            b"fl_oz_imp": 28.4130625,
            b"cup_us": 236.5882365,
            b"cup_imp": 284.130625,
            b"pt_us": 473.176473,
            b"pt_imp": 568.26125,
        },
    ),
    b"AppleStandHour": ("stand_hours_count", {}),
}
KINDS: Final = tuple(QUANTITIES)
STAND: Final = {
    b"HKCategoryValueAppleStandHourStood": 1.0,
    b"HKCategoryValueAppleStandHourIdle": 0.0,
}
_SLEEP: Final = b"HKCategoryValueSleepAnalysis"
ASLEEP: Final = frozenset(
    _SLEEP + s
    for s in (b"Asleep", b"AsleepUnspecified", b"AsleepCore", b"AsleepDeep", b"AsleepREM")
)
NOT_ASLEEP: Final = frozenset({_SLEEP + b"InBed", _SLEEP + b"Awake"})
#: Health app symptom severities on the 0-10 scale; None is "Present", severity unknown.
SEVERITY_0_10: Final[dict[bytes, float | None]] = {
    b"HKCategoryValueSeverityNotPresent": 0.0,
    b"HKCategoryValueSeverityMild": 3.0,
    b"HKCategoryValueSeverityModerate": 6.0,
    b"HKCategoryValueSeveritySevere": 9.0,
    b"HKCategoryValueSeverityUnspecified": None,
}
STRETCHING: Final = frozenset(
    {b"Yoga", b"Flexibility", b"Pilates", b"MindAndBody", b"CoreTraining"}
)
LIFTING: Final = frozenset({b"TraditionalStrengthTraining", b"FunctionalStrengthTraining"})
DURATION_UNITS: Final = {b"min": 1.0, b"s": 1 / 60, b"hr": 60.0}
#: Sleep ending on day D before this hour counts for D, at or after it (18:00:00 on) for
#: D+1: ``sleep_h`` of D is the night ending that morning plus naps ending before 18:00.
SLEEP_DAY_STARTS_H: Final = 18
STAMP = re.compile(rb"(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)")
DAY = re.compile(rb"\d{4}-\d\d-\d\d")
INVALID, OUTSIDE = -1, -2
_EPOCH = datetime(1970, 1, 1)
NUMBER_CHAR = np.zeros(256, dtype=bool)
NUMBER_CHAR[list(b"0123456789.eE+-\0")] = True
DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 21, 22, 23, 24]
_SEPARATORS = {4: b"-", 7: b"-", 10: b" ", 13: b":", 16: b":", 19: b" "}
KEY_WEIGHTS = 10 ** np.arange(13, -1, -1, dtype=np.int64)


def factorize(values: npt.NDArray[np.bytes_]) -> tuple[list[bytes], npt.NDArray[np.intp]]:
    """Distinct values and each row's index into them (one value: no sorting)."""
    if len(values) and (values == values[0]).all():
        return [values[0].tobytes().rstrip(b"\0")], np.zeros(len(values), dtype=np.intp)
    text, inverse = np.unique(values, return_inverse=True)
    return text.tolist(), inverse


def stamp_chars(stamps: npt.NDArray[np.bytes_]) -> npt.NDArray[np.uint8] | None:
    """Stamps as a (n, 25) byte matrix when every one is ``YYYY-MM-DD HH:MM:SS +HHMM``."""
    if stamps.dtype.itemsize > 25:
        return None
    chars = stamps.astype("S25").view(np.uint8).reshape(len(stamps), 25)
    digits = chars[:, DIGITS]
    ok = bool(((digits >= 48) & (digits <= 57)).all())
    for column, text in _SEPARATORS.items():
        ok = ok and bool((chars[:, column] == text[0]).all())
    sign = chars[:, 20]
    return chars if ok and bool(((sign == 43) | (sign == 45)).all()) else None


def stamp_keys(chars: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    """An exact integer per stamp (wall time and offset) for finding duplicates."""
    digits = chars[:, DIGITS].astype(np.int64) - 48
    wall = digits[:, :14] @ KEY_WEIGHTS
    offset = digits[:, 14:] @ np.array([1000, 100, 10, 1], dtype=np.int64)
    sign = np.where(chars[:, 20] == 45, -1, 1)
    keys: npt.NDArray[np.int64] = (wall * 10_000 + 5_000 + sign * offset).astype(np.int64)
    return keys


def stamp_key(stamp: bytes) -> int:
    return int(stamp_keys(np.frombuffer(stamp, dtype=np.uint8).reshape(1, 25))[0])


def bad_date(text: bytes, name: str) -> str:
    shown = text.decode(errors="replace")
    return f"{name} {shown!r} is not a date like '2025-01-06 08:00:00 +0100'"


def epoch_s(m: re.Match[bytes]) -> int:
    """UTC seconds of a matched stamp."""
    local, offset = _wall(m)
    return (local - _EPOCH) // timedelta(seconds=1) - offset * 60


def _wall(m: re.Match[bytes]) -> tuple[datetime, int]:
    y, mo, d, hh, mm, ss, sign, oh, om = m.groups()
    local = datetime(int(y), int(mo), int(d), int(hh), int(mm), int(ss))
    return local, (int(oh) * 60 + int(om)) * (-1 if sign == b"-" else 1)


def local_time(text: bytes) -> tuple[datetime, int]:
    m = STAMP.fullmatch(text)
    if m is None:
        raise ValueError(repr(text.decode(errors="replace")))
    return _wall(m)


def first_of_duplicates(
    columns: Sequence[npt.NDArray[np.generic]], lines: npt.NDArray[np.generic]
) -> npt.NDArray[np.int64]:
    """For each row, the index of the identical row (all ``columns`` equal) on the
    earliest line; a row's own index when it is the first."""
    n = len(lines)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((lines, *columns[::-1]))
    new = np.zeros(n, dtype=bool)
    new[0] = True
    for column in columns:
        ordered = column[order]
        new[1:] |= ordered[1:] != ordered[:-1]
    group = np.cumsum(new) - 1
    first = np.empty(n, dtype=np.int64)
    first[order] = order[np.flatnonzero(new)][group]
    return first


def best_source(
    days: npt.NDArray[np.generic],
    sources: npt.NDArray[np.generic],
    amounts: npt.NDArray[np.generic],
) -> pd.Series:
    """Per day, the total of the source with the largest total: sources are never added."""
    if len(days) == 0:
        return pd.Series(dtype="float64")
    frame = pd.DataFrame({"day": days, "src": sources, "amount": amounts})
    return (
        frame.groupby(["day", "src"])["amount"].sum().groupby(level="day").max().astype("float64")
    )


def activity_days(values: dict[str, pd.Series]) -> pd.Index:
    days: set[int] = set()
    for series in values.values():
        days.update(int(i) for i in series.dropna().index)
    return pd.Index(sorted(days), dtype="int64")


_RECORD_KINDS: Final = frozenset({*QUANTITIES, b"SleepAnalysis", b"LowerBackPain"})


def describe(element: Element) -> str:
    """An element as XML-like text, for the rejected table."""
    kind, source, unit, start, end, value = (v.decode(errors="replace") for v in element)
    if element[0] == b"ActivitySummary":
        return (
            f'<ActivitySummary dateComponents="{start}" appleExerciseTime="{value}" '
            f'appleStandHours="{unit}"/>'
        )
    if element[0] not in _RECORD_KINDS:  # a workout: kind is its activity type
        return (
            f'<Workout workoutActivityType="HKWorkoutActivityType{kind}" duration="{value}" '
            f'durationUnit="{unit}" sourceName="{source}" startDate="{start}" endDate="{end}"/>'
        )
    group = (
        "Quantity"
        if element[0] in (b"StepCount", b"AppleExerciseTime", b"DietaryWater")
        else "Category"
    )
    return (
        f'<Record type="HK{group}TypeIdentifier{kind}" sourceName="{source}" unit="{unit}" '
        f'startDate="{start}" endDate="{end}" value="{value}"/>'
    )
