"""The records of a synthetic Apple Health export, one maker per kind of data (stand
hours, exercise, steps, water, sleep, symptoms, noise types, workouts, summaries), for the
synthetic writer."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd


def _missing(value: object) -> bool:
    """True for None, NaN, pd.NA and NaT (values of a log's table)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


WATCH: Final = "Anna\u2019s Apple Watch"
PHONE: Final = "Anna\u2019s iPhone"
_WATCH_DEVICE: Final = (
    "&lt;&lt;HKDevice: 0x283f0c190&gt;, name:Apple Watch, manufacturer:Apple Inc., "
    "model:Watch, hardware:Watch6,1, software:9.1&gt;"
)
_PHONE_DEVICE: Final = (
    "&lt;&lt;HKDevice: 0x283f0c2d0&gt;, name:iPhone, manufacturer:Apple Inc., "
    "model:iPhone, hardware:iPhone14,5, software:16.2&gt;"
)
_Q: Final = "HKQuantityTypeIdentifier"
_C: Final = "HKCategoryTypeIdentifier"
_FL_OZ_US_ML: Final = 29.5735295625


class _Clock:
    """Formats times as Apple does (``2025-01-06 08:00:00 +0100``) in one time zone."""

    def __init__(self, tz: str) -> None:
        self.zone = ZoneInfo(tz)
        self._offsets: dict[date, str | None] = {}

    def _offset(self, when: datetime) -> str:
        delta = when.replace(tzinfo=self.zone).utcoffset() or timedelta(0)
        minutes = int(delta.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"

    def local(self, when: datetime) -> str:
        """Format a naive local wall-clock time."""
        day = when.date()
        fixed = self._offsets.get(day, "?")
        if fixed == "?":
            start = datetime(day.year, day.month, day.day)
            a, b = self._offset(start), self._offset(start + timedelta(hours=23, minutes=59))
            fixed = a if a == b else None
            self._offsets[day] = fixed
        return f"{when:%Y-%m-%d %H:%M:%S} {fixed or self._offset(when)}"

    def utc(self, when: datetime) -> str:
        """Format an aware time in this zone."""
        local = when.astimezone(self.zone)
        return f"{local:%Y-%m-%d %H:%M:%S} {self._offset(local.replace(tzinfo=None))}"

    def to_utc(self, local: datetime) -> datetime:
        """An aware UTC time from a naive local one."""
        return local.replace(tzinfo=self.zone).astimezone(UTC)


def _record(
    type_: str,
    source: str,
    start: str,
    end: str,
    value: str,
    *,
    unit: str | None = None,
    children: tuple[str, ...] = (),
    indent: str = " ",
) -> str:
    device = _WATCH_DEVICE if source == WATCH else _PHONE_DEVICE if source == PHONE else None
    version = "9.1" if source == WATCH else "16.2" if source == PHONE else "7.4"
    parts = [f'{indent}<Record type="{type_}" sourceName="{source}" sourceVersion="{version}"']
    if device:
        parts.append(f' device="{device}"')
    if unit is not None:
        parts.append(f' unit="{unit}"')
    parts.append(f' creationDate="{end}" startDate="{start}" endDate="{end}" value="{value}"')
    if not children:
        return "".join(parts) + "/>\n"
    inner = "".join(f"{indent} {c}\n" for c in children)
    return "".join(parts) + ">\n" + inner + f"{indent}</Record>\n"


def _split(total: int, parts: int, rng: np.random.Generator) -> list[int]:
    """``total`` split into ``parts`` non-negative integers (deterministic given rng)."""
    if parts <= 1 or total <= 0:
        return [total]
    weights = rng.random(parts) + 0.2
    raw = np.floor(weights / weights.sum() * total).astype(int)
    raw[0] += total - int(raw.sum())
    return [int(x) for x in raw]


Day = tuple[pd.Timestamp, dict[str, Any]]
LineMaker = Callable[[Day, np.random.Generator, _Clock], Iterator[str]]


def _stand(day: Day, rng: np.random.Generator, clock: _Clock) -> Iterator[str]:
    d, row = day
    if _missing(row["stand_hours_count"]):
        return
    hours = list(range(6, 24))
    stood = set(rng.choice(hours, size=int(row["stand_hours_count"]), replace=False).tolist())
    for h in hours:
        start = d.to_pydatetime() + timedelta(hours=h)
        value = "Stood" if h in stood else "Idle"
        yield _record(
            f"{_C}AppleStandHour",
            WATCH,
            clock.local(start),
            clock.local(start + timedelta(hours=1)),
            f"HKCategoryValueAppleStandHour{value}",
        )


def _exercise(day: Day, rng: np.random.Generator, clock: _Clock) -> Iterator[str]:
    d, row = day
    if _missing(row["exercise_min"]):
        return
    start = d.to_pydatetime() + timedelta(hours=17, minutes=int(rng.integers(0, 60)))
    for i in range(int(row["exercise_min"])):
        t = start + timedelta(minutes=i)
        yield _record(
            f"{_Q}AppleExerciseTime",
            WATCH,
            clock.local(t),
            clock.local(t + timedelta(minutes=1)),
            "1",
            unit="min",
        )


def _steps_maker(records: int) -> LineMaker:
    """Steps from the Watch (``records`` a day) and the iPhone (half as many)."""

    def _steps(day: Day, rng: np.random.Generator, clock: _Clock) -> Iterator[str]:
        d, row = day
        if _missing(row["steps_count"]):
            return
        total = int(row["steps_count"])
        # The Watch counts every step; the phone, carried part of the day, about 85% of
        # them over the same minutes: summing the two would double count.
        for source, share, n in ((WATCH, 1.0, records), (PHONE, 0.85, max(8, records // 2))):
            counts = _split(round(total * share), n, rng)
            every = 15 * 3600 // n
            for i, count in enumerate(counts):
                t = d.to_pydatetime() + timedelta(hours=7, seconds=i * every)
                yield _record(
                    f"{_Q}StepCount",
                    source,
                    clock.local(t),
                    clock.local(t + timedelta(seconds=min(every, 600))),
                    str(count),
                    unit="count",
                )

    return _steps


def _water_drinks(total_ml: float, rng: np.random.Generator) -> list[tuple[str, str]]:
    """Drinks as (unit, value) adding up to ``total_ml`` in mL, L and US fluid ounces."""
    counts = _split(round(total_ml / 50), 4, rng)
    out: list[tuple[str, str]] = []
    for i, n in enumerate(counts):
        ml = n * 50
        if i % 3 == 0:
            out.append(("mL", f"{ml:g}"))
        elif i % 3 == 1:
            out.append(("L", repr(ml / 1000)))
        else:
            out.append(("fl_oz_us", repr(ml / _FL_OZ_US_ML)))
    return out


def _water(day: Day, rng: np.random.Generator, clock: _Clock) -> Iterator[str]:
    d, row = day
    if _missing(row["water_ml"]):
        return
    for i, (unit, value) in enumerate(_water_drinks(float(row["water_ml"]), rng)):
        t = clock.local(d.to_pydatetime() + timedelta(hours=8 + 3 * i))
        yield _record(f"{_Q}DietaryWater", PHONE, t, t, value, unit=unit)


def _sleep(day: Day, rng: np.random.Generator, clock: _Clock) -> Iterator[str]:
    d, row = day
    if _missing(row["sleep_h"]):
        return
    asleep_s = round(float(row["sleep_h"]) * 3600)
    bed = d.to_pydatetime() - timedelta(days=1) + timedelta(hours=22, minutes=50)
    t = clock.to_utc(bed + timedelta(minutes=int(rng.integers(0, 40))))
    start = t
    meta = ('<MetadataEntry key="HKTimeZone" value="Europe/Berlin"/>',)
    stages = ("AsleepCore", "AsleepDeep", "AsleepCore", "AsleepREM", "AsleepCore")
    for i, seconds in enumerate(_split(asleep_s, 5, rng)):
        end = t + timedelta(seconds=seconds)
        yield _record(
            f"{_C}SleepAnalysis",
            WATCH,
            clock.utc(t),
            clock.utc(end),
            f"HKCategoryValueSleepAnalysis{stages[i]}",
            children=meta,
        )
        t = end
        if i < 4:  # awake a few minutes between stages: not sleep
            awake = t + timedelta(minutes=int(rng.integers(1, 9)))
            yield _record(
                f"{_C}SleepAnalysis",
                WATCH,
                clock.utc(t),
                clock.utc(awake),
                "HKCategoryValueSleepAnalysisAwake",
            )
            t = awake
    in_bed = f"{_C}SleepAnalysis"
    yield _record(
        in_bed,
        PHONE,
        clock.utc(start - timedelta(minutes=10)),
        clock.utc(t + timedelta(minutes=15)),
        "HKCategoryValueSleepAnalysisInBed",
    )
    # A second app on some nights: less asleep time than the Watch, never added to it.
    if rng.random() < 0.3:
        yield _record(
            in_bed,
            "AutoSleep",
            clock.utc(start + timedelta(minutes=20)),
            clock.utc(start + timedelta(minutes=20, seconds=int(asleep_s * 0.85))),
            "HKCategoryValueSleepAnalysisAsleepUnspecified",
        )


_SEVERITY: Final = ((1.5, "NotPresent"), (4.5, "Mild"), (7.5, "Moderate"), (99.0, "Severe"))


def _severity_name(pain: float) -> str:
    return next(name for limit, name in _SEVERITY if pain < limit)


def _back_pain(day: Day, rng: np.random.Generator, clock: _Clock) -> Iterator[str]:
    d, row = day
    if _missing(row["pain_max_0_10"]):
        return
    start = d.to_pydatetime() + timedelta(hours=int(rng.integers(8, 20)))
    end = start + timedelta(hours=int(rng.integers(1, 6)))
    yield _record(
        f"{_C}LowerBackPain",
        PHONE,
        clock.local(start),
        clock.local(end),
        f"HKCategoryValueSeverity{_severity_name(float(row['pain_max_0_10']))}",
    )


def _noise_maker(type_: str, unit: str, per_day: int, low: float, high: float) -> LineMaker:
    def make(day: Day, rng: np.random.Generator, clock: _Clock) -> Iterator[str]:
        n = int(per_day)
        if n <= 0:
            return
        base = day[0].to_pydatetime()
        seconds = np.sort(rng.integers(0, 86_000, n))
        values = rng.uniform(low, high, n)
        motion = ('<MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="1"/>',)
        for i, (s, v) in enumerate(zip(seconds.tolist(), values.tolist(), strict=True)):
            t = base + timedelta(seconds=s)
            children = motion if type_.endswith("HeartRate") and i % 3 == 0 else ()
            yield _record(
                type_,
                WATCH,
                clock.local(t),
                clock.local(t + timedelta(seconds=60)),
                f"{v:.6g}",
                unit=unit,
                children=children,
            )

    return make


def _hrv(day: Day, rng: np.random.Generator, clock: _Clock) -> Iterator[str]:
    base = day[0].to_pydatetime() + timedelta(hours=int(rng.integers(0, 23)))
    beats = "\n".join(
        f'    <InstantaneousBeatsPerMinute bpm="{int(rng.integers(55, 80))}" '
        f'time="{base + timedelta(seconds=i):%I:%M:%S.00 %p}"/>'
        for i in range(6)
    )
    start, end = clock.local(base), clock.local(base + timedelta(minutes=1))
    yield (
        f' <Record type="{_Q}HeartRateVariabilitySDNN" sourceName="{WATCH}" sourceVersion="9.1" '
        f'device="{_WATCH_DEVICE}" unit="ms" creationDate="{end}" startDate="{start}" '
        f'endDate="{end}" value="{rng.uniform(20, 80):.4g}">\n'
        f"  <HeartRateVariabilityMetadataList>\n{beats}\n  </HeartRateVariabilityMetadataList>\n"
        " </Record>\n"
    )


#: Noise types of a Watch wearer with records per day (a full day: noise=1.0).
NOISE_PER_DAY: Final = (
    ("HeartRate", "count/min", 290, 50, 150),
    ("ActiveEnergyBurned", "Cal", 700, 0.05, 3),
    ("BasalEnergyBurned", "Cal", 300, 0.5, 2),
    ("DistanceWalkingRunning", "km", 200, 0.001, 0.3),
    ("AppleStandTime", "min", 60, 1, 5),
    ("FlightsClimbed", "count", 20, 1, 4),
    ("EnvironmentalAudioExposure", "dBASPL", 40, 40, 90),
    ("WalkingSpeed", "km/hr", 15, 3, 6),
    ("WalkingStepLength", "cm", 15, 55, 80),
    ("WalkingDoubleSupportPercentage", "%", 15, 0.2, 0.35),
    ("RespiratoryRate", "count/min", 30, 12, 18),
    ("OxygenSaturation", "%", 8, 0.93, 1),
)


def _makers(noise: float) -> list[LineMaker]:
    makers: list[LineMaker] = [
        _noise_maker(f"{_Q}{t}", unit, round(n * noise), lo, hi)
        for t, unit, n, lo, hi in NOISE_PER_DAY
    ]
    steps = _steps_maker(max(14, round(150 * noise)))
    makers[1:1] = [_stand, _exercise, steps, _water, _sleep, _back_pain]
    if noise > 0:
        makers.append(_hrv)
    return makers


def _workouts(day: Day, rng: np.random.Generator, clock: _Clock) -> Iterator[str]:
    d, row = day
    plan: list[tuple[str, float]] = []
    stretch = row["stretching_min"]
    if not _missing(stretch) and stretch > 0:
        yoga = round(float(stretch) * 2 / 3)
        plan.append(("Yoga", yoga))
        if stretch - yoga > 0:
            plan.append(("Flexibility", float(stretch) - yoga))
    if not _missing(row["heavy_lifting"]) and bool(row["heavy_lifting"]):
        plan.append(("TraditionalStrengthTraining", 45.0))
    if rng.random() < 0.3:
        plan.append(("Walking", 30.0))
    t = d.to_pydatetime() + timedelta(hours=19)
    for kind, minutes in plan:
        s, e = clock.local(t), clock.local(t + timedelta(minutes=minutes))
        stats = [
            f'  <WorkoutStatistics type="{_Q}ActiveEnergyBurned" startDate="{s}" endDate="{e}" '
            f'sum="{minutes * 4.1:.4g}" unit="Cal"/>'
        ]
        if kind in ("TraditionalStrengthTraining", "Walking"):
            # Not a step record: the steps are already in the StepCount records.
            stats.append(
                f'  <WorkoutStatistics type="{_Q}StepCount" startDate="{s}" endDate="{e}" '
                f'sum="{int(minutes * 20)}" unit="count"/>'
            )
        yield (
            f' <Workout workoutActivityType="HKWorkoutActivityType{kind}" duration="{minutes:g}" '
            f'durationUnit="min" sourceName="{WATCH}" sourceVersion="9.1" device="{_WATCH_DEVICE}" '
            f'creationDate="{e}" startDate="{s}" endDate="{e}">\n'
            '  <MetadataEntry key="HKIndoorWorkout" value="1"/>\n'
            f'  <WorkoutEvent type="HKWorkoutEventTypeSegment" date="{s}" duration="{minutes:g}" '
            'durationUnit="min"/>\n' + "\n".join(stats) + "\n </Workout>\n"
        )
        t += timedelta(minutes=minutes + 10)


def _summary(day: Day) -> str:
    d, row = day
    exercise = 0 if _missing(row["exercise_min"]) else int(row["exercise_min"])
    stand = 0 if _missing(row["stand_hours_count"]) else int(row["stand_hours_count"])
    return (
        f' <ActivitySummary dateComponents="{d:%Y-%m-%d}" '
        f'activeEnergyBurned="{300 + exercise * 8}" '
        'activeEnergyBurnedGoal="500" activeEnergyBurnedUnit="Cal" appleMoveTime="0" '
        f'appleMoveTimeGoal="0" appleExerciseTime="{exercise}" appleExerciseTimeGoal="30" '
        f'appleStandHours="{stand}" appleStandHoursGoal="12"/>\n'
    )


def _correlation(day: Day, rng: np.random.Generator, clock: _Clock) -> Iterator[str]:
    """A food entry whose water record repeats the first top-level water record."""
    d, row = day
    if _missing(row["water_ml"]):
        return
    unit, value = _water_drinks(float(row["water_ml"]), rng)[0]
    t = clock.local(d.to_pydatetime() + timedelta(hours=8))
    yield (
        f' <Correlation type="HKCorrelationTypeIdentifierFood" sourceName="{PHONE}" '
        f'sourceVersion="16.2" creationDate="{t}" startDate="{t}" endDate="{t}">\n'
        '  <MetadataEntry key="HKFoodMeal" value="Breakfast"/>\n'
        + _record(f"{_Q}DietaryWater", PHONE, t, t, value, unit=unit, indent="  ")
        + _record(f"{_Q}DietaryEnergyConsumed", PHONE, t, t, "320", unit="Cal", indent="  ")
        + " </Correlation>\n"
    )
