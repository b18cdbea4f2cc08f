"""The entries of each Fitbit file as rows on the person's local calendar day.

Per-minute steps (``steps-*.json``, ``steps_*.csv``), the per-minute active minutes CSV and
exercise ``startTime``s are UTC and are moved to the local zone; the daily summaries
(``sedentary_minutes``, ``*_active_minutes``) and the sleep log (``dateOfSleep``) are already
local. Every row has a key that says which entry it is (metric and time stamp, or the
log's ``logId``), so an entry read twice is recognised as a duplicate.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from ..schema import DAILY_RANGES
from ._common import csv_records, decode_bytes, implausible_day, parse_number

#: Daily summary files (local days) and what they are called here.
DAILY_METRICS: Final = {
    "sedentary_minutes": "sedentary",
    "very_active_minutes": "very",
    "moderately_active_minutes": "moderate",
}
MINUTES_PER_DAY: Final = 1440


@dataclass
class Row:
    """One entry of a Fitbit file, on its local day.

    ``status`` is ``""`` while the row is used, else why it is not analysed.
    """

    file: int
    line: int
    key: tuple[str, str]
    family: str
    day: date
    value: float
    entry: object
    local: datetime | None = None
    name: str = ""
    status: str = ""

    def raw(self) -> str:
        """The entry as written, cut to 200 characters."""
        text = self.entry if isinstance(self.entry, str) else json.dumps(self.entry)
        return text[:200]


Reject = Callable[[int, str, str], None]


def _text(entry: dict[str, object], field: str) -> str:
    value = entry.get(field)
    if not isinstance(value, str):
        raise ValueError(f"{field} {value!r} is missing or not text")
    return value


def _number(entry: dict[str, object], field: str) -> float:
    value = entry.get(field)
    if not isinstance(value, str):  # numbers arrive as text (see fitbit_files.load_json)
        raise ValueError(f"{field} {value!r} is missing or not a number")
    number = parse_number(value, name=field)
    if number < 0:
        raise ValueError(f"{field} {value!r} is negative")
    return number


_STAMP: Final = re.compile(r"(\d\d)/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d)\Z")


def _fitbit_stamp(value: str, field: str = "dateTime") -> datetime:
    """``MM/DD/YY HH:MM:SS`` (years 69-99 are 19xx, as ``strptime``'s ``%y``), parsed
    without ``strptime``, which is some 10 times slower on a year of per-minute steps."""
    match = _STAMP.match(value)
    try:
        if match is None:
            raise ValueError
        month, day, year, hour, minute, second = map(int, match.groups())
        return datetime(year + (1900 if year >= 69 else 2000), month, day, hour, minute, second)
    except ValueError:
        raise ValueError(f"{field} {value[:40]!r} is not MM/DD/YY HH:MM:SS") from None


def _iso_utc(value: str, field: str) -> datetime:
    try:
        stamp = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{field} {value[:40]!r} is not an ISO time stamp") from None
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


def _checked(day: date) -> date:
    reason = _implausible(day, date.today())
    if reason is not None:
        raise ValueError(reason)
    return day


@functools.lru_cache(maxsize=8192)
def _implausible(day: date, today: date) -> str | None:
    """:func:`implausible_day`, once per day (``today`` in the key keeps it current)."""
    del today
    return implausible_day(day)


def _local(utc: datetime, zone: ZoneInfo) -> datetime:
    """The local wall-clock time of a naive UTC time."""
    return utc + _offset(zone, utc.year, utc.month, utc.day, utc.hour, utc.minute // 15)


@functools.lru_cache(maxsize=4096)
def _offset(zone: ZoneInfo, year: int, month: int, day: int, hour: int, quarter: int) -> timedelta:
    """The zone's UTC offset in one quarter hour (offsets change on quarter hours at most)."""
    offset = datetime(year, month, day, hour, quarter * 15, tzinfo=UTC).astimezone(zone)
    return offset.utcoffset() or timedelta(0)


def json_rows(
    file: int, metric: str, entries: list[object], zone: ZoneInfo, reject: Reject
) -> Iterator[Row]:
    """Rows of a ``*.json`` file of a used metric (``reject(line, reason, raw)`` for bad ones)."""
    steps_limit = DAILY_RANGES["steps_count"][1]
    for line, entry in enumerate(entries, start=1):
        try:
            if not isinstance(entry, dict):
                raise ValueError("not a JSON object")
            yield _json_row(file, line, metric, entry, zone, steps_limit)
        except ValueError as exc:
            reject(line, f"entry {line}: {exc}", json.dumps(entry)[:200])


def _json_row(
    file: int, line: int, metric: str, entry: dict[str, object], zone: ZoneInfo, limit: float
) -> Row:
    if metric in DAILY_METRICS:
        stamp = _fitbit_stamp(_text(entry, "dateTime"))
        value = _number(entry, "value")
        if value > MINUTES_PER_DAY:
            raise ValueError(f"value {value:g} is implausible for {metric} (more than a day)")
        day = _checked(stamp.date())
        return Row(file, line, (metric, day.isoformat()), DAILY_METRICS[metric], day, value, entry)
    if metric == "steps":
        utc = _fitbit_stamp(_text(entry, "dateTime"))
        value = _number(entry, "value")
        if value > limit:
            raise ValueError(f"value {value:g} is implausible for steps")
        local = _local(utc, zone)
        day = _checked(local.date())
        return Row(
            file, line, ("steps", f"{utc:%Y-%m-%dT%H:%M}"), "steps", day, value, entry, local
        )
    if metric == "sleep":
        day = _checked(_iso_day(_text(entry, "dateOfSleep")))
        minutes = _number(entry, "minutesAsleep")
        if minutes > MINUTES_PER_DAY:
            raise ValueError(f"minutesAsleep {minutes:g} is more than a day")
        ident = str(entry.get("logId") or f"{day}/{entry.get('startTime')}")
        return Row(file, line, ("sleep", ident), "sleep", day, minutes, entry)
    # exercise
    utc = _fitbit_stamp(_text(entry, "startTime"), "startTime")
    field = "activeDuration" if "activeDuration" in entry else "duration"
    minutes = _number(entry, field) / 60_000
    if minutes > MINUTES_PER_DAY:
        raise ValueError(f"a {minutes:g} min exercise is implausible")
    local = _local(utc, zone)
    day = _checked(local.date())
    name = str(entry.get("activityName", "")).strip()
    ident = str(entry.get("logId") or f"{utc:%Y-%m-%dT%H:%M:%S}/{name}")
    return Row(file, line, ("exercise", ident), "exercise", day, minutes, entry, local, name)


def _iso_day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise ValueError(f"dateOfSleep {value[:40]!r} is not YYYY-MM-DD") from None


def csv_rows(
    file: int, metric: str, raw: bytes, label: str, zone: ZoneInfo, reject: Reject
) -> Iterator[Row]:
    """Rows of a ``Physical Activity_GoogleData`` CSV: ``steps_*`` (``timestamp,steps``) and
    ``active_minutes_*`` (``timestamp,light,moderate,very``; a row is a minute, its
    moderate + very flags the minutes of exercise)."""
    text, _ = decode_bytes(raw)
    header = [h.strip().lower() for h in text.lstrip("\ufeff").split("\n", 1)[0].split(",")]
    wanted = ("timestamp", "steps") if metric == "steps" else ("timestamp", "moderate", "very")
    missing = [c for c in wanted if c not in header]
    for line, fields, raw_line in csv_records(text, file=label):
        if not "".join(fields).strip():
            continue
        try:
            if missing:
                raise ValueError(f"the header lacks {', '.join(missing)}")
            if len(fields) != len(header):
                raise ValueError(f"{len(fields)} fields, the header has {len(header)}")
            row = dict(zip(header, fields, strict=True))
            utc = _iso_utc(row["timestamp"], "timestamp").replace(tzinfo=None)
            if metric == "steps":
                value = parse_number(row["steps"], name="steps")
            else:
                value = parse_number(row["moderate"], name="moderate") + parse_number(
                    row["very"], name="very"
                )
            if not 0 <= value <= (DAILY_RANGES["steps_count"][1] if metric == "steps" else 2):
                raise ValueError(f"value {value:g} is implausible for {metric}")
            local = _local(utc, zone)
            day = _checked(local.date())
        except ValueError as exc:
            reject(line, str(exc), raw_line[:200])
            continue
        family = "steps" if metric == "steps" else "active"
        yield Row(
            file, line, (family, f"{utc:%Y-%m-%dT%H:%M}"), family, day, value, raw_line, local
        )
