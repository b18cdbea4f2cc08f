"""Apple Health: from the elements of an export to daily values, every row accounted for.

Both parsers of :mod:`.apple_health` hand their elements to one :class:`Collector`, so the
rules below are the only ones. Quantity records (the bulk of an export) are checked and
stored a batch at a time with numpy; a batch with anything unusual goes record by record,
which rejects the bad ones with their reasons. The rules are documented in
``docs/readers-activity.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

import numpy as np
import numpy.typing as npt

from ..schema import DAILY_RANGES
from ._common import Rejections, implausible_day
from .apple_health_rules import (
    ASLEEP,
    DAY,
    DIGITS,
    DURATION_UNITS,
    INVALID,
    KEY_WEIGHTS,
    KINDS,
    LIFTING,
    NOT_ASLEEP,
    NUMBER_CHAR,
    OUTSIDE,
    QUANTITIES,
    SEVERITY_0_10,
    SLEEP_DAY_STARTS_H,
    SOURCE,
    STAMP,
    STAND,
    STRETCHING,
    bad_date,
    describe,
    epoch_s,
    factorize,
    local_time,
    stamp_chars,
    stamp_key,
    stamp_keys,
)
from .apple_health_stream import Element, Records
from .apple_health_tables import Tables, tables

#: The longest attribute a quantity record may hold (Apple writes at most a few hundred).
MAX_FIELD_BYTES = 4096


class Collector:
    """Turns the elements of one export into daily values.

    Memory grows by about 50 bytes per record of a type used and by nothing for the
    other records, which are most of an export.
    """

    def __init__(self, where: str, day_from: date | None, day_to: date | None) -> None:
        self.where, self.day_from, self.day_to = where, day_from, day_to
        self.rejections = Rejections(SOURCE, where)
        self.read = self.seen = self.seen_records = self.outside = 0
        self.other_workouts = self.not_asleep = 0
        self.days: list[date] = []
        self._day_index: dict[bytes, int] = {}
        self.implausible: dict[bytes, str] = {}  # day text -> why no real log holds it
        self._sleep_day: dict[bytes, int] = {}
        self.sources: list[bytes] = []
        self._source_index: dict[bytes, int] = {}
        # quantities: kind, day, source, amount, start key, end key, line (numpy parts)
        self.q_parts: list[tuple[npt.NDArray[np.generic], ...]] = []
        self.sleep: list[tuple[int, int, int, int, int, int]] = []  # day, src, t0, t1, key, line
        # day, source, minutes, group (0 other, 1 stretching, 2 strength), key, line
        self.workouts: list[tuple[int, int, float, int, int, int]] = []
        self.workout_tags: list[tuple[bytes, datetime]] = []  # activity type, local start
        # local start, its offset, local end, severity, line, key, UTC start, UTC end
        self.ratings: list[
            tuple[datetime, int, datetime, float | None, int, int, datetime, datetime]
        ] = []
        self.summaries: dict[int, tuple[float | None, float | None, int, Element]] = {}

    # -- taking elements in --

    def add(self, lines: Sequence[int], elements: Sequence[Element]) -> None:
        """Take the elements of one chunk with their line numbers."""
        q_index: list[int] = []
        for i, element in enumerate(elements):
            kind = element[0]
            if kind in QUANTITIES:
                longest = max(len(field) for field in element[1:6])
                if longest > MAX_FIELD_BYTES:
                    # Columns of fixed-width bytes would make every record as wide as this one.
                    self._reject(
                        lines[i],
                        element,
                        f"a value {longest:,} bytes long: no real export writes one; "
                        "export the data again from the Health app",
                    )
                    continue
                q_index.append(i)
            elif kind == b"SleepAnalysis":
                self._sleep_record(lines[i], element)
            elif kind == b"LowerBackPain":
                self._pain(lines[i], element)
            elif kind == b"ActivitySummary":
                self._summary(lines[i], element)
            else:  # a workout, kind = its activity type
                self._workout(lines[i], element)
        if q_index:
            k, s, u, a, b, v = (np.array([elements[i][c] for i in q_index]) for c in range(6))
            self._quantities(Records(k, s, u, a, b, v, np.array([lines[i] for i in q_index])))

    def add_records(self, records: Records) -> None:
        """Take records extracted by the fast scan (columns of bytes)."""
        quantity = np.isin(records.kind, np.array(KINDS))
        if quantity.any():
            self._quantities(records.take(quantity))
        if not quantity.all():
            rest = records.take(~quantity)
            self.add(rest.line.tolist(), rest.elements())

    def _quantities(self, records: Records) -> None:
        """Quantity records, a kind at a time: all at once when every one is clean, else
        one by one."""
        for kind in np.unique(records.kind).tolist():
            part = records.take(records.kind == kind)
            if not self._vector(kind, part):
                for line, element in zip(part.line.tolist(), part.elements(), strict=True):
                    self._quantity(line, element)

    def _vector(self, kind: bytes, r: Records) -> bool:
        n = len(r.line)
        starts, ends = stamp_chars(r.start), stamp_chars(r.end)
        if starts is None or ends is None:
            return False
        day_key = (starts[:, DIGITS[:8]].astype(np.int64) - 48) @ KEY_WEIGHTS[-8:]
        day_key, first_of_day, day_of = np.unique(day_key, return_index=True, return_inverse=True)
        day_text = r.start[first_of_day].astype("S10").tolist()
        day_index = np.array([self.day_of(d) for d in day_text], dtype=np.int64)
        if (day_index == INVALID).any():
            return False
        column, units = QUANTITIES[kind]
        if kind == b"AppleStandHour":
            stood = r.value == b"HKCategoryValueAppleStandHourStood"
            if not (stood | (r.value == b"HKCategoryValueAppleStandHourIdle")).all():
                return False
            amounts = stood.astype(np.float64)
        else:
            unit_text, unit_of = factorize(r.unit)
            factors = [units.get(u) for u in unit_text]
            if None in factors or (np.char.str_len(r.value) > 31).any():
                return False
            value = r.value.astype("S32")
            if not NUMBER_CHAR[value.view(np.uint8).reshape(n, 32)].all():
                return False
            chars = value.view(np.uint8).reshape(n, 32)
            if not (chars[:, 0] != 0).all():
                return False
            try:
                amounts = value.astype(np.float64) * np.array(factors, dtype=np.float64)[unit_of]
            except ValueError:
                return False
            if not ((amounts >= 0) & (amounts <= DAILY_RANGES[column][1])).all():
                return False
        source_text, source_of = factorize(r.source)
        sources = np.array([self._source(s) for s in source_text], dtype=np.int64)
        days = day_index[day_of]
        keep = days >= 0
        self.seen += n
        self.seen_records += n
        self.outside += n - int(keep.sum())
        self.read += int(keep.sum())
        self.q_parts.append(
            (
                np.full(int(keep.sum()), KINDS.index(kind), dtype=np.int8),
                days[keep],
                sources[source_of][keep],
                amounts[keep],
                stamp_keys(starts)[keep],
                stamp_keys(ends)[keep],
                r.line[keep].astype(np.int64),
            )
        )
        return True

    def day_of(self, text: bytes) -> int:
        index = self._day_index.get(text)
        if index is None:
            try:
                day = date.fromisoformat(text.decode())
                implausible = implausible_day(day)
                outside = (self.day_from and day < self.day_from) or (
                    self.day_to and day > self.day_to
                )
                if implausible:
                    index = INVALID
                    self.implausible[text] = implausible
                elif outside:
                    index = OUTSIDE
                else:
                    index = len(self.days)
                    self.days.append(day)
            except (ValueError, UnicodeDecodeError):
                index = INVALID
            self._day_index[text] = index
        return index

    def _source(self, name: bytes) -> int:
        index = self._source_index.get(name)
        if index is None:
            index = self._source_index[name] = len(self.sources)
            self.sources.append(name)
        return index

    def _start(self, element: Element) -> int:
        """Day of the element's start; counts it as seen, and as read unless outside."""
        self.seen += 1
        start = element[3]
        day = self.day_of(start[:10]) if STAMP.fullmatch(start) else INVALID
        if day == OUTSIDE:
            self.outside += 1
        else:
            self.read += 1
        return day

    def _bad_date(self, text: bytes, name: str) -> str:
        """Why a date was refused: not a date, or a date no real log holds."""
        return self.implausible.get(text[:10]) or bad_date(text, name)

    def _reject(self, line: int, element: Element, reason: str) -> None:
        self.rejections.add(line, reason, describe(element))

    def _quantity(self, line: int, element: Element) -> None:
        self.seen_records += 1
        day = self._start(element)
        kind, source, unit, start, end, value = element
        if day == OUTSIDE:
            return
        if day == INVALID or not STAMP.fullmatch(end):
            bad = (start, "startDate") if day == INVALID else (end, "endDate")
            self._reject(line, element, self._bad_date(*bad))
            return
        column, units = QUANTITIES[kind]
        if kind == b"AppleStandHour":
            amount = STAND.get(value)
            if amount is None:
                self._reject(
                    line, element, f"stand hour value {value.decode()!r} is not Stood or Idle"
                )
                return
        else:
            factor = units.get(unit)
            if factor is None:
                known = ", ".join(u.decode() for u in units)
                self._reject(line, element, f"unknown unit {unit.decode()!r} (expected {known})")
                return
            try:
                amount = float(value) * factor
            except ValueError:
                self._reject(line, element, f"value {value.decode()!r} is not a number")
                return
            if not 0 <= amount <= DAILY_RANGES[column][1]:
                self._reject(line, element, f"{column} {amount:g} in one record is implausible")
                return
        part = (
            np.array([KINDS.index(kind)], dtype=np.int8),
            np.array([day]),
            np.array([self._source(source)]),
            np.array([amount]),
            np.array([stamp_key(start)]),
            np.array([stamp_key(end)]),
            np.array([line]),
        )
        self.q_parts.append(part)

    def _sleep_record(self, line: int, element: Element) -> None:
        self.seen_records += 1
        self.seen += 1
        _, source, _, start, end, value = element
        ms, me = STAMP.fullmatch(start), STAMP.fullmatch(end)
        day = self._sleep_day_of(end) if ms and me else INVALID
        if day == OUTSIDE:
            self.outside += 1
            return
        self.read += 1
        if day == INVALID or ms is None or me is None:
            self._reject(line, element, self._bad_date(start if ms is None else end, "date"))
            return
        if value in NOT_ASLEEP:
            self.not_asleep += 1
            return
        if value not in ASLEEP:
            self._reject(line, element, f"unknown sleep value {value.decode(errors='replace')!r}")
            return
        try:
            t0, t1 = epoch_s(ms), epoch_s(me)
        except ValueError as exc:
            self._reject(line, element, f"unreadable date: {exc}")
            return
        if not 0 <= t1 - t0 <= 24 * 3600:
            self._reject(line, element, "sleep interval ends before it starts or lasts over 24 h")
            return
        self.sleep.append((day, self._source(source), t0, t1, hash(element), line))

    def _sleep_day_of(self, end: bytes) -> int:
        key = end[:13]
        index = self._sleep_day.get(key)
        if index is None:
            try:
                if self.day_of(key[:10]) == INVALID:
                    raise ValueError(key)  # not a date, or an implausible one
                day = date.fromisoformat(key[:10].decode())
                if int(key[11:13]) >= SLEEP_DAY_STARTS_H:
                    day += timedelta(days=1)
                index = self.day_of(day.isoformat().encode())
            except (ValueError, OverflowError):
                index = INVALID
            self._sleep_day[key] = index
        return index

    def _pain(self, line: int, element: Element) -> None:
        self.seen_records += 1
        day = self._start(element)
        if day < 0:
            if day == INVALID:
                self._reject(line, element, self._bad_date(element[3], "startDate"))
            return
        _, source, _, start, end, value = element
        if value not in SEVERITY_0_10:
            known = ", ".join(
                k.decode().removeprefix("HKCategoryValueSeverity") for k in SEVERITY_0_10
            )
            self._reject(
                line,
                element,
                f"unknown severity {value.decode(errors='replace')!r} (expected {known})",
            )
            return
        # Instants (UTC): a symptom from 22:00 +0100 to 03:30 +0200 lasts 4.5 h, and the
        # same record written with another offset (an export made in another time zone)
        # is the same record.
        try:
            t0, offset = local_time(start)
            t1, end_offset = local_time(end)
            u0, u1 = t0 - timedelta(minutes=offset), t1 - timedelta(minutes=end_offset)
        except (ValueError, OverflowError) as exc:
            self._reject(line, element, f"unreadable date: {exc}")
            return
        if u1 < u0 or u1 - u0 > timedelta(days=90):
            self._reject(line, element, "the symptom ends before it starts or lasts over 90 days")
            return
        key = hash((source, u0, u1, value))
        self.ratings.append((t0, offset, t1, SEVERITY_0_10[value], line, key, u0, u1))

    def _workout(self, line: int, element: Element) -> None:
        day = self._start(element)
        if day < 0:
            if day == INVALID:
                self._reject(line, element, self._bad_date(element[3], "startDate"))
            return
        kind, source, unit, start, end, value = element
        try:
            local = local_time(start)[0]
        except ValueError as exc:
            self._reject(line, element, f"unreadable date: {exc}")
            return
        group = 1 if kind in STRETCHING else 2 if kind in LIFTING else 0
        minutes = float("nan")  # other workouts are tags only: their minutes are not used
        if group:
            try:
                if value:
                    factor = DURATION_UNITS.get(unit or b"min")
                    if factor is None:
                        raise ValueError(f"unknown durationUnit {unit.decode(errors='replace')!r}")
                    minutes = float(value) * factor
                else:
                    t0, t1 = STAMP.fullmatch(start), STAMP.fullmatch(end)
                    if t0 is None or t1 is None:
                        raise ValueError("no duration and an unreadable endDate")
                    minutes = (epoch_s(t1) - epoch_s(t0)) / 60
            except ValueError as exc:
                self._reject(line, element, f"workout duration: {exc}")
                return
            if not 0 <= minutes <= 24 * 60:
                self._reject(line, element, f"a workout of {minutes:g} min is implausible")
                return
        else:
            self.other_workouts += 1
        self.workouts.append((day, self._source(source), minutes, group, hash(element), line))
        self.workout_tags.append((kind, local))

    def _summary(self, line: int, element: Element) -> None:
        self.seen += 1
        text, stand_text, exercise_text = element[3], element[2], element[5]
        day = self.day_of(text) if DAY.fullmatch(text) else INVALID
        if day == OUTSIDE:
            self.outside += 1
            return
        self.read += 1
        try:
            if day == INVALID:
                reason = self.implausible.get(text)
                shown = text.decode(errors="replace")
                raise ValueError(reason or f"dateComponents {shown!r} is not a date")
            exercise = float(exercise_text) if exercise_text else None
            stand = float(stand_text) if stand_text else None
            if not 0 <= (exercise or 0) <= 24 * 60 or not 0 <= (stand or 0) <= 24:
                raise ValueError("exercise minutes or stand hours out of range")
        except ValueError as exc:
            self._reject(line, element, f"activity summary: {exc}")
            return
        if day in self.summaries:
            first = self.summaries[day]
            what = "a duplicate of" if first[3] == element else "a second activity summary for"
            self._reject(line, element, f"{what} the day on line {first[2]}, which is used")
            return
        self.summaries[day] = (exercise, stand, line, element)

    # -- the tables --

    def notes(self) -> list[str]:
        """Counts for the provenance note."""
        return [
            f"{self.other_workouts} workouts of other types kept as tags only",
            f"{self.not_asleep} in-bed or awake sleep records skipped (not sleep)",
            f"{self.outside} records outside date_from/date_to skipped",
            f"{len(self.sources)} sources",
        ]

    @property
    def not_analysed(self) -> int:
        """Elements of a type used that are fine but not analysed: outside the date range,
        or in-bed and awake intervals (not sleep)."""
        return self.outside + self.not_asleep

    def finish(self, *, threshold_0_10: float, gap_h: float) -> Tables:
        """The episodes and daily tables of everything taken in."""
        return tables(self, threshold_0_10=threshold_0_10, gap_h=gap_h)
