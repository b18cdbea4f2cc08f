"""Apple Health: from the elements of an export to daily values, every row accounted for.

Both parsers of :mod:`.apple_health` hand their elements to one :class:`Collector`, so the
rules below are the only ones. Quantity records (the bulk of an export) are checked and
stored a batch at a time with numpy; a batch with anything unusual goes record by record,
which rejects the bad ones with their reasons. The rules are documented in
``docs/readers-activity.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Final, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..schema import DAILY_RANGES, conform, empty_table
from ._common import Rejections
from ._tracker_common import episodes_with_ticks, ratings_frame
from .apple_health_fast import Element, Records

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
_KINDS: Final = tuple(QUANTITIES)
_STAND: Final = {
    b"HKCategoryValueAppleStandHourStood": 1.0,
    b"HKCategoryValueAppleStandHourIdle": 0.0,
}
_SLEEP: Final = b"HKCategoryValueSleepAnalysis"
ASLEEP: Final = frozenset(
    _SLEEP + s
    for s in (b"Asleep", b"AsleepUnspecified", b"AsleepCore", b"AsleepDeep", b"AsleepREM")
)
_NOT_ASLEEP: Final = frozenset({_SLEEP + b"InBed", _SLEEP + b"Awake"})
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
_DURATION_UNITS: Final = {b"min": 1.0, b"s": 1 / 60, b"hr": 60.0}
#: Sleep ending on day D before this hour counts for D, after it for D+1: ``sleep_h`` of D
#: is the night ending that morning plus naps ending before 18:00.
SLEEP_DAY_STARTS_H: Final = 18
_STAMP = re.compile(rb"(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)")
_DAY = re.compile(rb"\d{4}-\d\d-\d\d")
_INVALID, _OUTSIDE = -1, -2
_EPOCH = datetime(1970, 1, 1)
_NUMBER_CHAR = np.zeros(256, dtype=bool)
_NUMBER_CHAR[list(b"0123456789.eE+-\0")] = True
_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 21, 22, 23, 24]
_SEPARATORS = {4: b"-", 7: b"-", 10: b" ", 13: b":", 16: b":", 19: b" "}
_KEY_WEIGHTS = 10 ** np.arange(13, -1, -1, dtype=np.int64)


class Tables(NamedTuple):
    """What :meth:`Collector.finish` returns."""

    episodes: pd.DataFrame
    daily: pd.DataFrame


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
        self._sleep_day: dict[bytes, int] = {}
        self.sources: list[bytes] = []
        self._source_index: dict[bytes, int] = {}
        # quantities: kind, day, source, amount, start key, end key, line (numpy parts)
        self.q_parts: list[tuple[npt.NDArray[np.generic], ...]] = []
        self.sleep: list[tuple[int, int, int, int, int, int]] = []  # day, src, t0, t1, key, line
        self.workouts: list[tuple[int, int, float, bool, int, int]] = []
        self.ratings: list[tuple[datetime, int, datetime, float | None, int, int]] = []
        self.summaries: dict[int, tuple[float | None, float | None, int, Element]] = {}

    # -- taking elements in --

    def add(self, lines: Sequence[int], elements: Sequence[Element]) -> None:
        """Take the elements of one chunk with their line numbers."""
        q_index: list[int] = []
        for i, element in enumerate(elements):
            kind = element[0]
            if kind in QUANTITIES:
                q_index.append(i)
            elif kind == b"SleepAnalysis":
                self._sleep_record(lines[i], element)
            elif kind == b"LowerBackPain":
                self._pain(lines[i], element)
            elif kind == b"ActivitySummary":
                self._summary(lines[i], element)
            elif kind in STRETCHING or kind in LIFTING:
                self._workout(lines[i], element)
            else:
                self.other_workouts += 1
        if q_index:
            k, s, u, a, b, v = (np.array([elements[i][c] for i in q_index]) for c in range(6))
            self._quantities(Records(k, s, u, a, b, v, np.array([lines[i] for i in q_index])))

    def add_records(self, records: Records) -> None:
        """Take records extracted by the fast scan (columns of bytes)."""
        quantity = np.isin(records.kind, np.array(_KINDS))
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
        starts, ends = _stamp_chars(r.start), _stamp_chars(r.end)
        if starts is None or ends is None:
            return False
        day_key = (starts[:, _DIGITS[:8]].astype(np.int64) - 48) @ _KEY_WEIGHTS[-8:]
        day_key, first_of_day, day_of = np.unique(day_key, return_index=True, return_inverse=True)
        day_text = r.start[first_of_day].astype("S10").tolist()
        day_index = np.array([self._day(d) for d in day_text], dtype=np.int64)
        if (day_index == _INVALID).any():
            return False
        column, units = QUANTITIES[kind]
        if kind == b"AppleStandHour":
            stood = r.value == b"HKCategoryValueAppleStandHourStood"
            if not (stood | (r.value == b"HKCategoryValueAppleStandHourIdle")).all():
                return False
            amounts = stood.astype(np.float64)
        else:
            unit_text, unit_of = _factorize(r.unit)
            factors = [units.get(u) for u in unit_text]
            if None in factors or (np.char.str_len(r.value) > 31).any():
                return False
            value = r.value.astype("S32")
            if not _NUMBER_CHAR[value.view(np.uint8).reshape(n, 32)].all():
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
        source_text, source_of = _factorize(r.source)
        sources = np.array([self._source(s) for s in source_text], dtype=np.int64)
        days = day_index[day_of]
        keep = days >= 0
        self.seen += n
        self.seen_records += n
        self.outside += n - int(keep.sum())
        self.read += int(keep.sum())
        self.q_parts.append(
            (
                np.full(int(keep.sum()), _KINDS.index(kind), dtype=np.int8),
                days[keep],
                sources[source_of][keep],
                amounts[keep],
                _keys(starts)[keep],
                _keys(ends)[keep],
                r.line[keep].astype(np.int64),
            )
        )
        return True

    def _day(self, text: bytes) -> int:
        index = self._day_index.get(text)
        if index is None:
            try:
                day = date.fromisoformat(text.decode())
                outside = (self.day_from and day < self.day_from) or (
                    self.day_to and day > self.day_to
                )
                index = _OUTSIDE if outside else len(self.days)
                if not outside:
                    self.days.append(day)
            except (ValueError, UnicodeDecodeError):
                index = _INVALID
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
        day = self._day(start[:10]) if _STAMP.fullmatch(start) else _INVALID
        if day == _OUTSIDE:
            self.outside += 1
        else:
            self.read += 1
        return day

    def _reject(self, line: int, element: Element, reason: str) -> None:
        self.rejections.add(line, reason, describe(element))

    def _quantity(self, line: int, element: Element) -> None:
        self.seen_records += 1
        day = self._start(element)
        kind, source, unit, start, end, value = element
        if day == _OUTSIDE:
            return
        if day == _INVALID or not _STAMP.fullmatch(end):
            bad = (start, "startDate") if day == _INVALID else (end, "endDate")
            self._reject(line, element, _bad_date(*bad))
            return
        column, units = QUANTITIES[kind]
        if kind == b"AppleStandHour":
            amount = _STAND.get(value)
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
            np.array([_KINDS.index(kind)], dtype=np.int8),
            np.array([day]),
            np.array([self._source(source)]),
            np.array([amount]),
            np.array([_key(start)]),
            np.array([_key(end)]),
            np.array([line]),
        )
        self.q_parts.append(part)

    def _sleep_record(self, line: int, element: Element) -> None:
        self.seen_records += 1
        self.seen += 1
        _, source, _, start, end, value = element
        ms, me = _STAMP.fullmatch(start), _STAMP.fullmatch(end)
        day = self._sleep_day_of(end) if ms and me else _INVALID
        if day == _OUTSIDE:
            self.outside += 1
            return
        self.read += 1
        if day == _INVALID or ms is None or me is None:
            self._reject(line, element, _bad_date(start if ms is None else end, "date"))
            return
        if value in _NOT_ASLEEP:
            self.not_asleep += 1
            return
        if value not in ASLEEP:
            self._reject(line, element, f"unknown sleep value {value.decode(errors='replace')!r}")
            return
        try:
            t0, t1 = _epoch(ms), _epoch(me)
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
                day = date.fromisoformat(key[:10].decode())
                if int(key[11:13]) >= SLEEP_DAY_STARTS_H:
                    day += timedelta(days=1)
                index = self._day(day.isoformat().encode())
            except ValueError:
                index = _INVALID
            self._sleep_day[key] = index
        return index

    def _pain(self, line: int, element: Element) -> None:
        self.seen_records += 1
        day = self._start(element)
        if day < 0:
            if day == _INVALID:
                self._reject(line, element, _bad_date(element[3], "startDate"))
            return
        _, _, _, start, end, value = element
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
        try:
            t0, offset = _local(start)
            t1, _ = _local(end)
        except ValueError as exc:
            self._reject(line, element, f"unreadable date: {exc}")
            return
        if t1 < t0 or t1 - t0 > timedelta(days=90):
            self._reject(line, element, "the symptom ends before it starts or lasts over 90 days")
            return
        self.ratings.append((t0, offset, t1, SEVERITY_0_10[value], line, hash(element)))

    def _workout(self, line: int, element: Element) -> None:
        day = self._start(element)
        if day < 0:
            if day == _INVALID:
                self._reject(line, element, _bad_date(element[3], "startDate"))
            return
        kind, source, unit, start, end, value = element
        try:
            if value:
                factor = _DURATION_UNITS.get(unit or b"min")
                if factor is None:
                    raise ValueError(f"unknown durationUnit {unit.decode(errors='replace')!r}")
                minutes = float(value) * factor
            else:
                t0, t1 = _STAMP.fullmatch(start), _STAMP.fullmatch(end)
                if t0 is None or t1 is None:
                    raise ValueError("no duration and an unreadable endDate")
                minutes = (_epoch(t1) - _epoch(t0)) / 60
        except ValueError as exc:
            self._reject(line, element, f"workout duration: {exc}")
            return
        if not 0 <= minutes <= 24 * 60:
            self._reject(line, element, f"a workout of {minutes:g} min is implausible")
            return
        lifting = kind in LIFTING
        self.workouts.append((day, self._source(source), minutes, lifting, hash(element), line))

    def _summary(self, line: int, element: Element) -> None:
        self.seen += 1
        text, stand_text, exercise_text = element[3], element[2], element[5]
        day = self._day(text) if _DAY.fullmatch(text) else _INVALID
        if day == _OUTSIDE:
            self.outside += 1
            return
        self.read += 1
        try:
            if day == _INVALID:
                raise ValueError(f"dateComponents {text.decode(errors='replace')!r} is not a date")
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
            f"{self.other_workouts} workouts of other types skipped",
            f"{self.not_asleep} in-bed or awake sleep records used as not asleep",
            f"{self.outside} records outside date_from/date_to skipped",
            f"{len(self.sources)} sources",
        ]

    def finish(self, *, threshold_0_10: float, gap_h: float) -> Tables:
        """The episodes and daily tables of everything taken in."""
        values: dict[str, pd.Series] = {}
        q = [
            np.concatenate([p[c] for p in self.q_parts]) if self.q_parts else np.zeros(0)
            for c in range(7)
        ]
        kind, day, src, amount, k0, k1, line = q
        first = first_of_duplicates([kind, src, k0, k1, amount], line)
        keep = self._reject_duplicates(first, line, lambda i: _q_text(self, q, i))
        for code, name in enumerate(_KINDS):
            mine = keep & (kind == code)
            column = QUANTITIES[name][0]
            best = _best_source(day[mine], src[mine], amount[mine])
            low, high = DAILY_RANGES[column]
            bad = best[(best < low) | (best > high)]
            for i in np.flatnonzero(mine & np.isin(day, bad.index.to_numpy())).tolist():
                reason = (
                    f"the day's {column} is outside the plausible range {low:g} to "
                    f"{high:g}; none of the day's records are used"
                )
                self.rejections.add(int(line[i]), reason, _q_text(self, q, i))
            best = best.drop(bad.index)
            values[column] = best.round(1) if column == "water_ml" else best
        worn = pd.Index(np.unique(day[keep & (kind == _KINDS.index(b"AppleStandHour"))]))
        self._fill_from_summaries(values, worn)
        values["sleep_h"] = self._sleep_hours()
        values.update(self._workout_values(_activity_days(values)))
        ratings = self._ratings_frame()
        pain, covered = self._pain_by_day()
        values["pain_max_0_10"] = pain
        daily = self._daily(values, covered)
        episodes = episodes_with_ticks(ratings, threshold_0_10=threshold_0_10, gap_h=gap_h)
        return Tables(episodes, daily)

    def _reject_duplicates(
        self,
        first: npt.NDArray[np.int64],
        lines: npt.NDArray[np.generic],
        text: Callable[[int], str],
    ) -> npt.NDArray[np.bool_]:
        dup = np.flatnonzero(first != np.arange(len(first)))
        for i in dup.tolist():
            reason = f"duplicate of the record on line {int(lines[first[i]])}"
            self.rejections.add(int(lines[i]), reason, text(i))
        keep = np.ones(len(first), dtype=bool)
        keep[dup] = False
        return keep

    def _fill_from_summaries(self, values: dict[str, pd.Series], worn: pd.Index) -> None:
        """Exercise 0 on days the Watch was worn (stand hours recorded) without exercise
        records; the day's rings where a day has no records (and rings not all zero)."""
        exercise = values["exercise_min"]
        exercise = pd.concat([exercise, pd.Series(0.0, index=worn.difference(exercise.index))])
        stand = values["stand_hours_count"]
        extra_stand: dict[int, float] = {}
        extra_exercise: dict[int, float] = {}
        for day, (ex, st, _, _) in self.summaries.items():
            if ex or st:
                if day not in stand.index and st is not None:
                    extra_stand[day] = st
                if day not in exercise.index and ex is not None:
                    extra_exercise[day] = ex
        values["exercise_min"] = pd.concat([exercise, pd.Series(extra_exercise, dtype="float64")])
        values["stand_hours_count"] = pd.concat([stand, pd.Series(extra_stand, dtype="float64")])

    def _sleep_hours(self) -> pd.Series:
        frame = pd.DataFrame(self.sleep, columns=["day", "src", "t0", "t1", "key", "line"])
        first = first_of_duplicates([frame["key"].to_numpy()], frame["line"].to_numpy())
        keep = self._reject_duplicates(first, frame["line"].to_numpy(), lambda i: "sleep record")
        frame = frame[keep]
        if frame.empty:
            return pd.Series(dtype="float64")
        frame = frame.sort_values(["day", "src", "t0"], kind="stable")
        group = [frame["day"], frame["src"]]
        reach = frame.groupby(group, sort=False)["t1"].cummax().groupby(group).shift(1)
        start = np.maximum(frame["t0"], reach.fillna(frame["t0"]))
        frame["asleep"] = (frame["t1"] - start).clip(lower=0)  # union of a source's intervals
        hours = frame.groupby(["day", "src"])["asleep"].sum().groupby(level="day").max() / 3600
        return hours[hours <= DAILY_RANGES["sleep_h"][1]].round(4)

    def _workout_values(self, activity: pd.Index) -> dict[str, pd.Series]:
        w = pd.DataFrame(self.workouts, columns=["day", "src", "minutes", "lift", "key", "line"])
        first = first_of_duplicates([w["key"].to_numpy()], w["line"].to_numpy())
        w = w[self._reject_duplicates(first, w["line"].to_numpy(), lambda i: "workout")]
        out: dict[str, pd.Series] = {}
        stretch = w[~w["lift"].astype(bool)]
        if not stretch.empty:
            best = _best_source(
                stretch["day"].to_numpy(), stretch["src"].to_numpy(), stretch["minutes"].to_numpy()
            )
            out["stretching_min"] = self._fill_span(best, activity, 0.0)
        lift_days = w.loc[w["lift"].astype(bool), "day"].unique()
        if len(lift_days):
            out["heavy_lifting"] = self._fill_span(
                pd.Series(True, index=lift_days), activity, False
            )
        return out

    def _fill_span(self, found: pd.Series, activity: pd.Index, fill: float | bool) -> pd.Series:
        """``found`` plus ``fill`` on the activity days between its first and last day: a
        kind of workout that someone records is absent on those days, not unknown."""
        dates = [self.days[i] for i in found.index]
        low, high = min(dates), max(dates)
        extra = [i for i in activity.difference(found.index) if low <= self.days[i] <= high]
        filled: pd.Series = pd.concat(
            [found, pd.Series(fill, index=pd.Index(extra, dtype="int64"))]
        )
        return filled

    def _ratings_frame(self) -> pd.DataFrame:
        keys = np.array([r[5] for r in self.ratings], dtype=np.int64)
        lines = np.array([r[4] for r in self.ratings], dtype=np.int64)
        keep = self._reject_duplicates(
            first_of_duplicates([keys], lines), lines, lambda i: "symptom"
        )
        self.ratings = [r for r, k in zip(self.ratings, keep.tolist(), strict=True) if k]
        rows = [
            {
                "time_local": r[0],
                "utc_offset_min": r[1],
                "end_local": r[2],
                "severity_0_10": r[3],
                "location": "lower back",
                "leg_pain": pd.NA,
                "source": SOURCE,
                "source_file": self.where,
                "source_line": r[4],
            }
            for r in self.ratings
        ]
        return ratings_frame(rows)

    def _pain_by_day(self) -> tuple[pd.Series, set[int]]:
        """Worst rated pain per day covered by a symptom record, and the days covered."""
        worst: dict[int, float] = {}
        covered: set[int] = set()
        for t0, _, t1, severity, _, _ in self.ratings:
            first, last = t0.date(), t1.date()
            if t1 > t0 and t1.time() == datetime.min.time():
                last -= timedelta(days=1)  # ends at midnight: the next day is not covered
            for n in range(max(0, (last - first).days) + 1):
                index = self._day((first + timedelta(days=n)).isoformat().encode())
                if index >= 0:
                    covered.add(index)
                    if severity is not None:
                        worst[index] = max(worst.get(index, 0.0), severity)
        return pd.Series(worst, dtype="float64"), covered

    def _daily(self, values: dict[str, pd.Series], covered: set[int]) -> pd.DataFrame:
        index = pd.Index(sorted(set().union(*(s.index for s in values.values()), covered)))
        if index.empty:
            return empty_table("daily")
        frame = pd.DataFrame({c: s.reindex(index) for c, s in values.items()})
        frame["date"] = pd.to_datetime([self.days[i] for i in index]).astype("datetime64[us]")
        triggers = [c for c in values if c != "pain_max_0_10"]
        frame["activity_logged"] = frame[triggers].notna().any(axis=1)
        frame["symptoms_logged"] = index.isin(list(covered))
        return conform(frame.sort_values("date", kind="stable").reset_index(drop=True), "daily")


def _factorize(values: npt.NDArray[np.bytes_]) -> tuple[list[bytes], npt.NDArray[np.intp]]:
    """Distinct values and each row's index into them (one value: no sorting)."""
    if len(values) and (values == values[0]).all():
        return [values[0].tobytes().rstrip(b"\0")], np.zeros(len(values), dtype=np.intp)
    text, inverse = np.unique(values, return_inverse=True)
    return text.tolist(), inverse


def _stamp_chars(stamps: npt.NDArray[np.bytes_]) -> npt.NDArray[np.uint8] | None:
    """Stamps as a (n, 25) byte matrix when every one is ``YYYY-MM-DD HH:MM:SS +HHMM``."""
    if stamps.dtype.itemsize > 25:
        return None
    chars = stamps.astype("S25").view(np.uint8).reshape(len(stamps), 25)
    digits = chars[:, _DIGITS]
    ok = bool(((digits >= 48) & (digits <= 57)).all())
    for column, text in _SEPARATORS.items():
        ok = ok and bool((chars[:, column] == text[0]).all())
    sign = chars[:, 20]
    return chars if ok and bool(((sign == 43) | (sign == 45)).all()) else None


def _keys(chars: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    """An exact integer per stamp (wall time and offset) for finding duplicates."""
    digits = chars[:, _DIGITS].astype(np.int64) - 48
    wall = digits[:, :14] @ _KEY_WEIGHTS
    offset = digits[:, 14:] @ np.array([1000, 100, 10, 1], dtype=np.int64)
    sign = np.where(chars[:, 20] == 45, -1, 1)
    keys: npt.NDArray[np.int64] = (wall * 10_000 + 5_000 + sign * offset).astype(np.int64)
    return keys


def _key(stamp: bytes) -> int:
    return int(_keys(np.frombuffer(stamp, dtype=np.uint8).reshape(1, 25))[0])


def _bad_date(text: bytes, name: str) -> str:
    shown = text.decode(errors="replace")
    return f"{name} {shown!r} is not a date like '2025-01-06 08:00:00 +0100'"


def _epoch(m: re.Match[bytes]) -> int:
    """UTC seconds of a matched stamp."""
    local, offset = _wall(m)
    return (local - _EPOCH) // timedelta(seconds=1) - offset * 60


def _wall(m: re.Match[bytes]) -> tuple[datetime, int]:
    y, mo, d, hh, mm, ss, sign, oh, om = m.groups()
    local = datetime(int(y), int(mo), int(d), int(hh), int(mm), int(ss))
    return local, (int(oh) * 60 + int(om)) * (-1 if sign == b"-" else 1)


def _local(text: bytes) -> tuple[datetime, int]:
    m = _STAMP.fullmatch(text)
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


def _best_source(
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


def _activity_days(values: dict[str, pd.Series]) -> pd.Index:
    days: set[int] = set()
    for series in values.values():
        days.update(int(i) for i in series.dropna().index)
    return pd.Index(sorted(days), dtype="int64")


def describe(element: Element) -> str:
    """An element as XML-like text, for the rejected table."""
    kind, source, unit, start, end, value = (v.decode(errors="replace") for v in element)
    if element[0] == b"ActivitySummary":
        return (
            f'<ActivitySummary dateComponents="{start}" appleExerciseTime="{value}" '
            f'appleStandHours="{unit}"/>'
        )
    if element[0] in STRETCHING or element[0] in LIFTING:
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


def _q_text(collector: Collector, q: list[npt.NDArray[np.generic]], i: int) -> str:
    name = _KINDS[int(q[0][i])].decode()
    source = collector.sources[int(q[2][i])].decode(errors="replace")
    return f"{name} from {source} on {collector.days[int(q[1][i])]}: {float(q[3][i]):g}"
