"""Apple Health: the daily and episode tables from what the collector took in.

One source per day for additive values, exact duplicates rejected, sleep as the union of a
source's intervals, workouts filled within their span, symptom records as ratings (see
``docs/readers-activity.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..schema import DAILY_RANGES, conform, empty_table
from ._tracker_common import episodes_with_ticks, ratings_frame
from .apple_health_rules import (
    KINDS,
    QUANTITIES,
    SOURCE,
    activity_days,
    best_source,
    first_of_duplicates,
)
from .tagmap import DEFAULT_TAG_KINDS, kind_of

#: Strength workouts (Traditional/FunctionalStrengthTraining) set ``heavy_lifting``. The
#: project's rule (readers/tagmap.py) is that a planned lift in a gym is exercise, and
#: their tags say so; the daily column keeps the old meaning because the bundled
#: sample's documented verdicts (data/sample/README.md: heavy lifting 'supported' from
#: Bearable + Apple Health) rest on it. Turning this off makes that verdict 'not enough
#: data'.
STRENGTH_IS_HEAVY_LIFTING: Final = True

if TYPE_CHECKING:
    from .apple_health_days import Collector


class Tables(NamedTuple):
    """What :meth:`Collector.finish` returns."""

    episodes: pd.DataFrame
    daily: pd.DataFrame
    tags: pd.DataFrame


def tables(c: Collector, *, threshold_0_10: float, gap_h: float) -> Tables:
    """The episodes and daily tables of everything taken in."""
    values: dict[str, pd.Series] = {}
    q = [
        np.concatenate([p[col] for p in c.q_parts])
        if c.q_parts
        else np.zeros(0, dtype=np.float64 if col == 3 else np.int64)  # amounts, else codes
        for col in range(7)
    ]
    kind, day, src, amount, k0, k1, line = q
    first = first_of_duplicates([kind, src, k0, k1, amount], line)
    keep = _reject_duplicates(c, first, line, lambda i: _q_text(c, q, i))
    for code, name in enumerate(KINDS):
        mine = keep & (kind == code)
        column = QUANTITIES[name][0]
        best = best_source(day[mine], src[mine], amount[mine])
        low, high = DAILY_RANGES[column]
        bad = best[(best < low) | (best > high)]
        for i in np.flatnonzero(mine & np.isin(day, bad.index.to_numpy())).tolist():
            reason = (
                f"the day's {column} is outside the plausible range {low:g} to "
                f"{high:g}; none of the day's records are used"
            )
            c.rejections.add(int(line[i]), reason, _q_text(c, q, i))
        best = best.drop(bad.index)
        values[column] = best.round(1) if column == "water_ml" else best
    worn = pd.Index(np.unique(day[keep & (kind == KINDS.index(b"AppleStandHour"))]))
    _fill_from_summaries(c, values, worn)
    values["sleep_h"] = _sleep_hours(c)
    workout_values, tags = _workout_values(c, activity_days(values))
    values.update(workout_values)
    episodes = _episodes(c, threshold_0_10=threshold_0_10, gap_h=gap_h)
    pain, covered = _pain_by_day(c)
    values["pain_max_0_10"] = pain
    daily = _daily(c, values, covered)
    return Tables(episodes, daily, tags)


def _reject_duplicates(
    c: Collector,
    first: npt.NDArray[np.int64],
    lines: npt.NDArray[np.generic],
    text: Callable[[int], str],
) -> npt.NDArray[np.bool_]:
    dup = np.flatnonzero(first != np.arange(len(first)))
    for i in dup.tolist():
        reason = f"duplicate of the record on line {int(lines[first[i]])}"
        c.rejections.add(int(lines[i]), reason, text(i))
    keep = np.ones(len(first), dtype=bool)
    keep[dup] = False
    return keep


def _fill_from_summaries(c: Collector, values: dict[str, pd.Series], worn: pd.Index) -> None:
    """Exercise 0 on days the Watch was worn (stand hours recorded) without exercise
    records; the day's rings where a day has no records (and rings not all zero)."""
    exercise = values["exercise_min"]
    exercise = pd.concat([exercise, pd.Series(0.0, index=worn.difference(exercise.index))])
    stand = values["stand_hours_count"]
    extra_stand: dict[int, float] = {}
    extra_exercise: dict[int, float] = {}
    for day, (ex, st, _, _) in c.summaries.items():
        if ex or st:
            if day not in stand.index and st is not None:
                extra_stand[day] = st
            if day not in exercise.index and ex is not None:
                extra_exercise[day] = ex
    values["exercise_min"] = pd.concat([exercise, pd.Series(extra_exercise, dtype="float64")])
    values["stand_hours_count"] = pd.concat([stand, pd.Series(extra_stand, dtype="float64")])


def _sleep_hours(c: Collector) -> pd.Series:
    frame = pd.DataFrame(c.sleep, columns=["day", "src", "t0", "t1", "key", "line"])
    first = first_of_duplicates([frame["key"].to_numpy()], frame["line"].to_numpy())
    keep = _reject_duplicates(c, first, frame["line"].to_numpy(), lambda i: "sleep record")
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


def _workout_values(c: Collector, activity: pd.Index) -> tuple[dict[str, pd.Series], pd.DataFrame]:
    """``stretching_min`` (and ``heavy_lifting`` when strength training counts as such)
    from the workouts, and every workout as a tag (category ``workout``)."""
    w = pd.DataFrame(c.workouts, columns=["day", "src", "minutes", "group", "key", "line"])
    first = first_of_duplicates([w["key"].to_numpy()], w["line"].to_numpy())
    keep = _reject_duplicates(c, first, w["line"].to_numpy(), lambda i: "workout")
    tags = _workout_tags(c, keep)
    w = w[keep]
    out: dict[str, pd.Series] = {}
    stretch = w[w["group"] == 1]
    if not stretch.empty:
        best = best_source(
            stretch["day"].to_numpy(), stretch["src"].to_numpy(), stretch["minutes"].to_numpy()
        )
        out["stretching_min"] = _fill_span(c, best, activity, 0.0)
    lift_days = w.loc[(w["group"] == 2) & STRENGTH_IS_HEAVY_LIFTING, "day"].unique()
    if len(lift_days):
        out["heavy_lifting"] = _fill_span(c, pd.Series(True, index=lift_days), activity, False)
    return out, tags


def _workout_tags(c: Collector, keep: npt.NDArray[np.bool_]) -> pd.DataFrame:
    """Each workout kept as a tag: its activity type (``Yoga``, ``Powerlifting``), with
    the meaning the tag map gives it, on the local day and at the local time it started."""
    rows = []
    for (day, _, _, _, _, line), (activity, local), kept in zip(
        c.workouts, c.workout_tags, keep.tolist(), strict=True
    ):
        if not kept:
            continue
        name = activity.decode(errors="replace")
        rows.append(
            {
                "date": pd.Timestamp(c.days[day]),
                "time_local": local,
                "category": "workout",
                "tag": name,
                "kind": kind_of(name, DEFAULT_TAG_KINDS),
                "amount": pd.NA,
                "source": SOURCE,
                "source_file": c.where,
                "source_line": line,
            }
        )
    if not rows:
        return empty_table("tags")
    return conform(pd.DataFrame(rows), "tags")


def _fill_span(c: Collector, found: pd.Series, activity: pd.Index, fill: float | bool) -> pd.Series:
    """``found`` plus ``fill`` on the activity days between its first and last day: a
    kind of workout that someone records is absent on those days, not unknown."""
    dates = [c.days[i] for i in found.index]
    low, high = min(dates), max(dates)
    extra = [i for i in activity.difference(found.index) if low <= c.days[i] <= high]
    filled: pd.Series = pd.concat([found, pd.Series(fill, index=pd.Index(extra, dtype="int64"))])
    return filled


def _ratings_frame(c: Collector) -> pd.DataFrame:
    """The symptom ratings, duplicates (same source, instants and severity) rejected, in
    UTC with offset 0: episodes are grouped, ordered and timed by instant."""
    keys = np.array([r[5] for r in c.ratings], dtype=np.int64)
    lines = np.array([r[4] for r in c.ratings], dtype=np.int64)
    keep = _reject_duplicates(c, first_of_duplicates([keys], lines), lines, lambda i: "symptom")
    c.ratings = [r for r, k in zip(c.ratings, keep.tolist(), strict=True) if k]
    rows = [
        {
            "time_local": r[6],
            "utc_offset_min": 0,
            "end_local": r[7],
            "severity_0_10": r[3],
            "location": "lower back",
            "leg_pain": pd.NA,
            "source": SOURCE,
            "source_file": c.where,
            "source_line": r[4],
        }
        for r in c.ratings
    ]
    return ratings_frame(rows)


def _episodes(c: Collector, *, threshold_0_10: float, gap_h: float) -> pd.DataFrame:
    """Episodes grouped and timed in UTC (so ``duration_h`` is real time across an offset
    change), then given back their local wall times: the start (and its offset) of the
    first rating, the local end of the rating that ends last."""
    episodes = episodes_with_ticks(_ratings_frame(c), threshold_0_10=threshold_0_10, gap_h=gap_h)
    if episodes.empty:
        return episodes
    by_start = {(r[4], r[6]): r for r in c.ratings}
    local_end = {r[7]: r[2] for r in c.ratings}
    first = [
        by_start[(int(line), start.to_pydatetime())]
        for line, start in zip(episodes["source_line"], episodes["start_local"], strict=True)
    ]
    start = pd.Series([r[0] for r in first], index=episodes.index, dtype="datetime64[us]")
    out = episodes.assign(
        start_local=start,
        start_utc_offset_min=pd.array([r[1] for r in first], dtype="Int64"),
        end_local=pd.Series(
            [local_end[e.to_pydatetime()] for e in episodes["end_local"]],
            index=episodes.index,
            dtype="datetime64[us]",
        ),
        episode_id=episodes["source"] + "-" + start.dt.strftime("%Y%m%dT%H%M"),
    )
    return conform(out, "episodes")


def _pain_by_day(c: Collector) -> tuple[pd.Series, set[int]]:
    """Worst rated pain per day covered by a symptom record, and the days covered."""
    worst: dict[int, float] = {}
    covered: set[int] = set()
    for t0, _, t1, severity, *_ in c.ratings:
        first, last = t0.date(), t1.date()
        if t1 > t0 and t1.time() == datetime.min.time():
            last -= timedelta(days=1)  # ends at midnight: the next day is not covered
        for n in range(max(0, (last - first).days) + 1):
            index = c.day_of((first + timedelta(days=n)).isoformat().encode())
            if index >= 0:
                covered.add(index)
                if severity is not None:
                    worst[index] = max(worst.get(index, 0.0), severity)
    return pd.Series(worst, dtype="float64"), covered


def _daily(c: Collector, values: dict[str, pd.Series], covered: set[int]) -> pd.DataFrame:
    index = pd.Index(sorted(set().union(*(s.index for s in values.values()), covered)))
    if index.empty:
        return empty_table("daily")
    frame = pd.DataFrame({col: s.reindex(index) for col, s in values.items()})
    frame["date"] = pd.to_datetime([c.days[i] for i in index]).astype("datetime64[us]")
    triggers = [col for col in values if col != "pain_max_0_10"]
    frame["activity_logged"] = frame[triggers].notna().any(axis=1)
    frame["symptoms_logged"] = index.isin(list(covered))
    return conform(frame.sort_values("date", kind="stable").reset_index(drop=True), "daily")


def _q_text(collector: Collector, q: list[npt.NDArray[np.generic]], i: int) -> str:
    name = KINDS[int(q[0][i])].decode()
    source = collector.sources[int(q[2][i])].decode(errors="replace")
    return f"{name} from {source} on {collector.days[int(q[1][i])]}: {float(q[3][i]):g}"
