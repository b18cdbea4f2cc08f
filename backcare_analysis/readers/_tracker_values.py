"""Values as symptom trackers write them: numbers, clock times, water amounts, sleep
durations, header lines and calendar days, each checked for plausibility. Used by the
Bearable and Daylio readers through :mod:`._tracker_common`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Final

from ..schema import DAILY_RANGES
from ._common import implausible_day, parse_number, universal_newlines

_WATER_UNITS_ML: Final[Mapping[str, float]] = {
    "ml": 1.0,
    "cl": 10.0,
    "dl": 100.0,
    "l": 1000.0,
    "oz": 29.5735,
    "fl oz": 29.5735,
}
_AMOUNT = re.compile(r"^(-?\d+(?:[.,]\d+)?)\s*([a-z ]*)$", re.IGNORECASE)
_DURATION = re.compile(r"^(\d{1,3}):(\d{2})$|^(\d{1,3})\s*h\s*(?:(\d{1,2})\s*m(?:in)?)?$")
_CLOCK = re.compile(r"^(\d{1,2})[:.](\d{2})(?::\d{2})?\s*(am|pm|a\.m\.|p\.m\.)?$")


def number(text: str, what: str) -> float:
    """A finite number written with a decimal point or comma (``_common.parse_number``);
    ValueError naming ``what``."""
    return parse_number(text, name=what)


def header_line(text: str) -> str:
    """The first line of a CSV text, whatever its line endings (CRLF, LF or CR)."""
    return universal_newlines(text.lstrip("\ufeff")).split("\n", 1)[0]


def checked_day(day: datetime) -> datetime:
    """``day`` itself, or ValueError when it is implausible (``_common.implausible_day``:
    before 1980 or in the future)."""
    reason = implausible_day(day.date())
    if reason is not None:
        raise ValueError(reason)
    return day


def clock(text: str) -> tuple[int, int]:
    """``(hour, minute)`` of a clock time: ``3:04``, ``18:52``, ``10:00 pm``."""
    match = _CLOCK.match(" ".join(text.lower().split()))
    if not match:
        raise ValueError(f"time {text!r} is not a clock time such as 21:30 or 9:30 pm")
    hour, minute, half = int(match.group(1)), int(match.group(2)), match.group(3)
    if half:
        if not 1 <= hour <= 12:
            raise ValueError(f"time {text!r} has hour {hour} with am/pm")
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"time {text!r} is not a valid clock time")
    return hour, minute


def water_ml(text: str) -> float:
    """Water as written by a tracker (``1.25L``, ``500 mL``, ``16 fl oz``) in mL."""
    match = _AMOUNT.match(text.strip())
    unit = " ".join(match.group(2).lower().split()) if match else ""
    if not match or unit not in _WATER_UNITS_ML:
        raise ValueError(
            f"water {text!r} is not an amount in L, mL or fl oz (such as '1.25L'); "
            "set the app's water unit to litres or millilitres"
        )
    ml = number(match.group(1), "water") * _WATER_UNITS_ML[unit]
    low, high = DAILY_RANGES["water_ml"]
    if not low <= ml <= high:
        raise ValueError(f"water {text!r} = {ml:g} mL is outside the plausible {low:g}-{high:g}")
    return ml


def sleep_h(text: str) -> float:
    """A sleep duration (``7:15`` hours:minutes, ``7h 15m``) in hours."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise ValueError(f"sleep {text!r} is not a duration such as '7:15' (hours:minutes)")
    hours, minutes = match.group(1, 2) if match.group(1) else match.group(3, 4)
    if int(minutes or 0) >= 60:
        raise ValueError(f"sleep {text!r} has {minutes} minutes")
    value = int(hours) + int(minutes or 0) / 60
    low, high = DAILY_RANGES["sleep_h"]
    if not low <= value <= high:
        raise ValueError(f"sleep {text!r} is outside the plausible {low:g}-{high:g} hours")
    return value
