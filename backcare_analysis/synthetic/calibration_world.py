"""A harder simulated world for calibrating the advice scorecard (issue 13).

Beyond :func:`~backcare_analysis.synthetic.person.simulate_person` it plants what an
independent check found the project's own simulation lacked:

- **season**: the onset rate peaks in winter (log amplitude :attr:`World.season`), while
  exercise peaks in summer, so season confounds the exercise habit;
- **clustering of episodes**: the risk is :attr:`World.cluster_rr` times higher in the 14
  days after an episode ends;
- **behaviour changed by pain** on episode days and the 3 days after (sitting +2.5 h,
  exercise x0.3, stretching +12 min on episode days, no lifting during an episode);
- **treatment as response**: stretching is started after each episode (+10 min a day for
  21 days), exactly when the risk is high;
- **informative missingness**: the diary fades over time and on bad days (60% of episode
  days logged); an episode's onset day lacks its diary row 30% of the time though the
  episode itself is recorded;
- **treatments with no effect**: each episode day brings a chance of trying heat, an
  NSAID, stretching, ice or bed rest, so long episodes collect more treatments;
- **lifting acting two days later** (the effect of ``heavy_lifting`` is planted at lag 2).

The hazard uses habit means over the previous 7 days *outside* episode days and the 3 days
after (the analysis' own definition) and the previous day's sitting and water as recorded,
so a planted ratio is the estimand; ``tags=True``
writes the same person as a tag diary (exercise/stretching/long-sitting days, activity
level, lifting) with no minutes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from ..readers._common import provenance_row
from ..schema import Log, conform, empty_table

#: No effect on any trigger.
WORLD_NULL: Final[Mapping[str, float]] = {
    "sitting_h": 1.0,
    "exercise_min": 1.0,
    "stretching_min": 1.0,
    "heavy_lifting": 1.0,
    "water_ml": 1.0,
}
#: Planted effects (units: per 1 h, 30 min a day, 10 min a day, lifting 2 days before yes
#: vs no, per 500 mL): the sizes of the independent check.
WORLD_EFFECTS: Final[Mapping[str, float]] = {
    "sitting_h": 1.3,
    "exercise_min": 0.7,
    "stretching_min": 0.8,
    "heavy_lifting": 3.0,
    "water_ml": 1.0,
}
#: Days after an episode's last day whose behaviour follows the pain.
AFTER_PAIN_DAYS: Final = 3
_TRIED: Final = (("heat", 0.25), ("nsaid", 0.2), ("stretching", 0.2), ("ice", 0.1))


@dataclass(frozen=True)
class World:
    """Parameters of one simulated population (see the module docstring)."""

    days: int = 365
    effects: Mapping[str, float] = field(default_factory=lambda: dict(WORLD_NULL))
    base_rate_per_month: float = 1.5
    season: float = 0.4
    cluster_rr: float = 2.0
    tags: bool = False
    #: Share of episodes nobody writes down (their days are missing from the diary).
    unrecorded_share: float = 0.1
    #: Exercise on episode days and the 3 after, as a share of the habit.
    exercise_in_pain: float = 0.3
    #: Minutes a day of stretching started after each episode, for 21 days.
    stretching_after_min: float = 10.0


def _ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    e = rng.normal(0, sd * math.sqrt(1 - phi**2), n)
    out = np.empty(n)
    out[0] = rng.normal(0, sd)
    for i in range(1, n):
        out[i] = phi * out[i - 1] + e[i]
    return out


def simulate_world_log(world: World, seed: int) -> Log:
    """One simulated person of ``world``; deterministic by ``seed``.

    Returns
    -------
    Log
        Episodes (with treatments) and the logged days; ``parameters`` holds the world, the
        seed and the true number of onsets.
    """
    rng = np.random.default_rng(seed)
    n = world.days
    dates = pd.date_range("2024-01-01", periods=n, freq="D", unit="us")
    doy = dates.day_of_year.to_numpy()
    weekday = dates.day_of_week.to_numpy() < 5
    summer = np.cos(2 * np.pi * (doy - 190) / 365.25)
    sitting = np.where(weekday, 7.5, 4.0) + _ar1(rng, n, 0.6, 1.6)
    exercise = np.maximum(0, 20 + 8 * summer + _ar1(rng, n, 0.97, 12) + rng.normal(0, 10, n))
    stretch_habit = 10 + _ar1(rng, n, 0.97, 6)
    stretching = np.where(rng.random(n) < 0.7, np.maximum(0, stretch_habit), 0.0)
    water = 1800 + _ar1(rng, n, 0.5, 400)
    sleep = 7.1 + _ar1(rng, n, 0.3, 0.8)
    lifting = rng.random(n) < 0.08
    eff = {**WORLD_NULL, **world.effects}
    log_rr = {k: math.log(v) for k, v in eff.items()}
    base = math.log(world.base_rate_per_month / 30)
    season = world.season * np.cos(2 * np.pi * (doy - 20) / 365.25)

    episode_day = np.zeros(n, dtype=bool)
    masked = np.zeros(n, dtype=bool)
    last_end = -(10**6)
    until = -1
    episodes: list[tuple[int, int, float]] = []
    for d in range(n):
        if d > until and d >= 7:
            # The habit: the last 7 days outside pain within 14 days (the panel's own rule).
            span = np.flatnonzero(~masked[max(0, d - 14) : d])[-7:] + max(0, d - 14)
            if span.size >= 4:
                ex = exercise[span].mean()
                st = stretching[span].mean()
            else:
                ex, st = 20.0, 10.0
            since = d - last_end
            eta = (
                base
                + season[d]
                + (math.log(world.cluster_rr) if 1 <= since <= 14 else 0.0)
                + log_rr["sitting_h"] * (sitting[d - 1] - 7)
                + log_rr["exercise_min"] * (ex - 20) / 30
                + log_rr["stretching_min"] * (st - 10) / 10
                + log_rr["heavy_lifting"] * float(lifting[d - 2])
                + log_rr["water_ml"] * (water[d - 1] - 1800) / 500
            )
            if rng.random() < min(0.9, math.exp(eta)):
                severity = float(np.clip(rng.normal(6, 1.6), 2, 10))
                length = max(1, round(rng.lognormal(math.log(2.2 + 0.3 * (severity - 6)), 0.5)))
                until = d + length - 1
                last_end = until
                episode_day[d : d + length] = True
                masked[d : min(n, d + length + AFTER_PAIN_DAYS)] = True
                stretching[d + length : d + length + 21] += world.stretching_after_min
                episodes.append((d, length, severity))
        if masked[d]:
            sitting[d] += 2.5
            exercise[d] *= world.exercise_in_pain
            if episode_day[d]:
                stretching[d] += 12
                lifting[d] = False

    sitting = np.clip(sitting, 0.5, 16)
    p_logged = np.linspace(0.92, 0.80, n)
    logged = rng.random(n) < np.where(episode_day, 0.6, p_logged)
    kept: list[dict[str, object]] = []
    for i, (d, length, severity) in enumerate(episodes):
        if rng.random() < world.unrecorded_share:
            logged[d : d + length] = False  # an episode nobody wrote down
            continue
        logged[d] = rng.random() < 0.75  # the onset day's diary row may be missing
        kept.append(_episode(rng, dates[d], i, length, severity))
    pain = np.where(episode_day, 6.0, np.clip(rng.normal(1.0, 0.8, n), 0, 3))
    daily = pd.DataFrame(
        {
            "date": dates,
            "symptoms_logged": True,
            "activity_logged": True,
            "pain_max_0_10": np.round(pain, 1),
            "heavy_lifting": lifting,
        }
    )
    if world.tags:
        daily["exercise_day"] = exercise >= 15
        daily["stretching_day"] = stretching > 0
        daily["sitting_day"] = sitting >= 9
        daily["activity_level_0_3"] = np.digitize(exercise, [10, 30, 60]).astype(float)
    else:
        daily["sitting_h"] = np.round(sitting, 1)
        daily["stand_hours_count"] = np.clip(
            np.round(14 - 0.7 * (sitting - 7) + rng.normal(0, 1.2, n)), 0, 18
        )
        daily["exercise_min"] = np.round(exercise)
        daily["steps_count"] = np.round(np.maximum(500, 3500 + 95 * exercise))
        daily["stretching_min"] = np.round(stretching)
        daily["water_ml"] = np.round(water / 50) * 50
        daily["sleep_h"] = np.round(np.clip(sleep, 3, 11), 2)
    daily = daily[logged].reset_index(drop=True)
    frame = pd.DataFrame(kept, columns=list(empty_table("episodes").columns))
    return Log(
        episodes=conform(frame, "episodes"),
        daily=conform(daily, "daily"),
        rejected=empty_table("rejected"),
        provenance=provenance_row(
            Path("<simulated>"),
            "simulated",
            rows_read=len(kept) + len(daily),
            rows_used=len(kept) + len(daily),
            rows_rejected=0,
            note=f"seed {seed}",
        ),
        parameters={"world": world, "seed": seed, "true_onsets": len(episodes)},
    )


def _episode(
    rng: np.random.Generator, day: pd.Timestamp, i: int, length: int, severity: float
) -> dict[str, object]:
    start = day + pd.Timedelta(hours=int(rng.integers(7, 20)))
    end = day + pd.Timedelta(days=length - 1, hours=22)
    # Treatments tried on any day of pain: long episodes collect more; none has an effect.
    tried = [name for name, p in _TRIED if rng.random() < 1 - (1 - p) ** length]
    tried.append("bed_rest" if rng.random() < 1 - 0.9**length else "walking")
    return {
        "episode_id": f"world-{i}",
        "start_local": start,
        "start_utc_offset_min": 0,
        "end_local": end,
        "duration_h": (end - start).total_seconds() / 3600,
        "peak_severity_0_10": round(severity),
        "initial_severity_0_10": round(max(1.0, severity - rng.uniform(0, 2))),
        "location": "lower back",
        "leg_pain": False,
        "activity_at_onset": "",
        "treatments": ";".join(tried),
        "notes": "",
        "source": "spreadsheet",
        "source_file": "",
        "source_line": None,
    }
