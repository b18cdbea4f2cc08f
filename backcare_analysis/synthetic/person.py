"""A deterministic simulated person: the bundled sample data and the calibration harness.

The simulation is a discrete-time hazard model. Each day the person is either inside a
spasm episode or at risk of a new one; on a day at risk the chance of an onset is

    h = base * RR_sit ** (sitting yesterday - 7 h)
             * RR_ex ** ((exercise, mean of the previous 7 days - 20 min) / 30 min)
             * RR_stretch ** ((stretching, mean of the previous 7 days - 10 min) / 10 min)
             * RR_lift ** (heavy lifting yesterday)
             * RR_water ** ((water yesterday - 1800 mL) / 500 mL)

Behaviour also follows pain (reverse causation): on episode days and the two days after,
the person sits more, exercises less and stretches more (as a treatment). Same-day
correlations therefore show "sitting and stretching go with spasms" even where the true
effect is nil; only exposure before onset recovers the planted effects.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from ..readers._common import provenance_row
from ..schema import TAG_TRIGGER_COLUMNS, Log, conform, empty_table

#: The rate ratios planted in the bundled sample, with the unit each applies to.
SAMPLE_EFFECTS: Final[Mapping[str, float]] = {
    "sitting_h": 1.4,  # per extra hour of sitting the previous day
    "exercise_min": 0.45,  # per 30 more minutes a day of exercise over the previous week
    "stretching_min": 0.45,  # per 10 more minutes a day of stretching over the previous week
    "heavy_lifting": 3.5,  # heavy lifting the previous day, yes vs no
    "water_ml": 1.0,  # per 500 mL more water the previous day: no effect
}

#: No effect at all: for checking that the analysis does not invent one.
NULL_EFFECTS: Final[Mapping[str, float]] = dict.fromkeys(SAMPLE_EFFECTS, 1.0)

SAMPLE_SEED: Final = 20250106


@dataclass(frozen=True)
class Person:
    """Parameters of one simulated person.

    Attributes
    ----------
    days
        Length of the log in days.
    start
        First day, ISO date.
    base_rate_per_month
        Onset rate per 30 days at risk with every trigger at its reference value.
    effects
        Rate ratio per trigger (see module docstring for the units).
    missing_share
        Share of days without a diary entry (rising over the log, as in real diaries).
    reverse_causation
        Whether pain changes behaviour (more sitting, less exercise, stretching as
        treatment) on episode days and the two days after.
    leg_pain_episode
        Index of an episode that comes with pain down a leg, or None.
    exercise_habit_sd_min, stretching_habit_sd_min
        How much the exercise and stretching habits drift over the weeks (standard
        deviation of the slowly varying daily habit, in minutes).
    """

    days: int = 365
    start: str = "2025-01-06"
    base_rate_per_month: float = 2.0
    effects: Mapping[str, float] = field(default_factory=lambda: dict(SAMPLE_EFFECTS))
    missing_share: float = 0.12
    reverse_causation: bool = True
    leg_pain_episode: int | None = 9
    exercise_habit_sd_min: float = 14.0
    stretching_habit_sd_min: float = 7.0


#: The bundled sample's person: strong effects and habits that drift a lot, so that one
#: year of data has a fair chance of showing them (see data/sample/README.md for the power).
SAMPLE_PERSON: Final = Person(
    base_rate_per_month=2.5, exercise_habit_sd_min=22.0, stretching_habit_sd_min=12.0
)


def _ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    """A stationary AR(1) series with marginal standard deviation ``sd``."""
    out = np.empty(n)
    out[0] = rng.normal(0, sd)
    innovation_sd = sd * math.sqrt(1 - phi**2)
    shocks = rng.normal(0, innovation_sd, n)
    for i in range(1, n):
        out[i] = phi * out[i - 1] + shocks[i]
    return out


def simulate_person(person: Person | None = None, *, seed: int = SAMPLE_SEED) -> Log:
    """Simulate one person's diary: episodes and daily trigger values.

    Parameters
    ----------
    person
        The person's parameters; :data:`SAMPLE_PERSON` by default.
    seed
        Random seed; the same seed gives the same log.

    Returns
    -------
    Log
        Episodes (with severity, treatments, leg pain) and daily values for logged days
        only; unlogged days are absent, as in a real export. ``parameters`` records the
        person's settings and true effects.

    Notes
    -----
    Triggers are autocorrelated (AR(1) habits), weekdays carry more sitting, and pain feeds
    back into behaviour when ``reverse_causation`` is set.
    """
    p = person or SAMPLE_PERSON
    rng = np.random.default_rng(seed)
    n = p.days
    dates = pd.date_range(p.start, periods=n, freq="D", unit="us")
    weekday = dates.day_of_week.to_numpy() < 5

    sitting = np.where(weekday, 7.5, 4.0) + _ar1(rng, n, 0.6, 1.6)
    exercise_habit = 20 + _ar1(rng, n, 0.97, p.exercise_habit_sd_min)
    exercise = np.maximum(0, exercise_habit + rng.normal(0, 10, n))
    stretch_habit = 10 + _ar1(rng, n, 0.97, p.stretching_habit_sd_min)
    stretching = np.where(rng.random(n) < 0.7, np.maximum(0, stretch_habit), 0.0)
    water = 1800 + _ar1(rng, n, 0.5, 400)
    sleep = 7.1 + _ar1(rng, n, 0.3, 0.8)
    lifting = rng.random(n) < 0.07

    eff = {**NULL_EFFECTS, **p.effects}
    base = p.base_rate_per_month / 30
    in_episode_until = -1
    episodes: list[dict[str, object]] = []
    episode_day = np.zeros(n, dtype=bool)
    after_pain = np.zeros(n, dtype=bool)

    for d in range(n):
        if d > in_episode_until and d >= 7:
            log_h = (
                math.log(eff["sitting_h"]) * (sitting[d - 1] - 7)
                + math.log(eff["exercise_min"]) * (exercise[d - 7 : d].mean() - 20) / 30
                + math.log(eff["stretching_min"]) * (stretching[d - 7 : d].mean() - 10) / 10
                + math.log(eff["heavy_lifting"]) * float(lifting[d - 1])
                + math.log(eff["water_ml"]) * (water[d - 1] - 1800) / 500
            )
            if rng.random() < min(0.9, base * math.exp(log_h)):
                severity = float(np.clip(rng.normal(6, 1.6), 2, 10))
                length = max(1, round(rng.lognormal(math.log(2.2 + 0.3 * (severity - 6)), 0.4)))
                in_episode_until = d + length - 1
                episode_day[d : d + length] = True
                after_pain[d : min(n, d + length + 2)] = True
                episodes.append({"day": d, "severity": severity, "days": length})
        if p.reverse_causation and after_pain[d]:
            # Behaviour follows pain, after today's onset was drawn.
            sitting[d] += 2.5
            exercise[d] *= 0.3
            if episode_day[d]:
                stretching[d] += 12

    sitting = np.clip(sitting, 0.5, 16)
    stand_hours = np.clip(np.round(14 - 0.7 * (sitting - 7) + rng.normal(0, 1.2, n)), 0, 18)
    steps = np.maximum(500, 3500 + 95 * exercise + rng.normal(0, 1200, n))

    logged = rng.random(n) >= np.linspace(p.missing_share * 0.6, p.missing_share * 1.4, n)
    kept: list[dict[str, object]] = []
    for i, ep in enumerate(episodes):
        d = int(ep["day"])  # type: ignore[call-overload]
        length = int(ep["days"])  # type: ignore[call-overload]
        if not logged[d]:
            # Nobody was keeping the diary: the episode and its days go unrecorded.
            logged[d : d + length] = False
            continue
        severity = float(ep["severity"])  # type: ignore[arg-type]
        kept.append(_episode_row(rng, dates[d], severity, length, i == p.leg_pain_episode))

    pain = np.where(episode_day, np.nan, np.clip(rng.normal(1.0, 0.8, n), 0, 3))
    for ep in episodes:
        d, length = int(ep["day"]), int(ep["days"])  # type: ignore[call-overload]
        peak = float(ep["severity"])  # type: ignore[arg-type]
        course = np.round(np.linspace(peak, max(2.0, peak / 2), length), 1)
        pain[d : d + length] = course[: n - d]  # an episode may run past the last day

    daily = pd.DataFrame(
        {
            "date": dates,
            "symptoms_logged": True,
            "activity_logged": True,
            "pain_max_0_10": np.round(pain, 1),
            "sitting_h": np.round(sitting, 1),
            "stand_hours_count": stand_hours,
            "exercise_min": np.round(exercise),
            "steps_count": np.round(steps),
            "stretching_min": np.round(stretching),
            "water_ml": np.round(water / 50) * 50,
            "sleep_h": np.round(np.clip(sleep, 3, 11), 2),
            "heavy_lifting": lifting,
        }
    )[logged]
    episodes_frame = pd.DataFrame(kept, columns=list(empty_table("episodes").columns))
    return Log(
        episodes=conform(episodes_frame, "episodes"),
        daily=conform(daily.reset_index(drop=True), "daily"),
        rejected=empty_table("rejected"),
        provenance=provenance_row(
            Path("<simulated>"),
            "simulated",
            rows_read=len(kept) + int(logged.sum()),
            rows_used=len(kept) + int(logged.sum()),
            rows_rejected=0,
            note=f"seed {seed}",
        ),
        parameters={
            "simulated_person": replace(p, effects=dict(eff)),
            "seed": seed,
            "true_onsets": len(episodes),
        },
    )


_ACTIVITIES: Final = (
    "sitting at the computer",
    "lifting a box",
    "bending to pick something up",
    "getting out of bed",
    "twisting in the garden",
    "",
)


def _episode_row(
    rng: np.random.Generator, day: pd.Timestamp, severity: float, days: int, leg_pain: bool
) -> dict[str, object]:
    hour = int(rng.integers(7, 22))
    start = day + pd.Timedelta(hours=hour, minutes=int(rng.integers(0, 60)))
    # The episode ends in the evening of its last day, never past midnight.
    end = day + pd.Timedelta(days=days - 1, hours=23) - pd.Timedelta(hours=int(rng.integers(0, 4)))
    end = max(end, start + pd.Timedelta(hours=1))
    treatments = []
    # Confounding by indication: worse episodes get ice, bed rest and pills more often.
    if rng.random() < 0.2 + 0.06 * severity:
        treatments.append("ice")
    if rng.random() < 0.6:
        treatments.append("heat")
    if rng.random() < 0.1 + 0.07 * severity:
        treatments.append("nsaid")
    treatments.append("bed_rest" if rng.random() < 0.05 * severity else "walking")
    if rng.random() < 0.5:
        treatments.append("stretching")
    return {
        "episode_id": f"sample-{start:%Y%m%dT%H%M}",
        "start_local": start,
        "start_utc_offset_min": 60,
        "end_local": end,
        "duration_h": (end - start).total_seconds() / 3600,
        "peak_severity_0_10": round(severity),
        "initial_severity_0_10": round(max(1.0, severity - rng.uniform(0, 2))),
        "location": "lower back",
        "leg_pain": leg_pain,
        "activity_at_onset": str(rng.choice(_ACTIVITIES)),
        "treatments": ";".join(treatments),
        "notes": "pain shooting down the left leg" if leg_pain else "",
        "source": "spreadsheet",
        "source_file": "",
        "source_line": None,
    }


def write_sample(folder: str | Path, *, seed: int = SAMPLE_SEED) -> list[Path]:
    """Write the sample person in every format the notebooks demonstrate.

    Parameters
    ----------
    folder
        Target folder. Written below it: ``spreadsheet/episodes.csv`` and
        ``spreadsheet/daily.csv`` (the project's own format, every value), and the same
        person as apps would export them: ``bearable/bearable-export.csv`` (symptoms,
        water, sleep, factors and meds) and ``apple-health/export.zip`` (stand hours,
        exercise, steps from two devices, water, sleep, workouts, back-pain symptoms).
    seed
        Random seed of :func:`simulate_person`.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    from .writers.apple_health import write_apple_health
    from .writers.bearable import write_bearable

    log = simulate_person(seed=seed)
    paths = _write_spreadsheet(log, Path(folder) / "spreadsheet")
    for sub in ("bearable", "apple-health"):
        (Path(folder) / sub).mkdir(parents=True, exist_ok=True)
    paths.append(write_bearable(log, Path(folder) / "bearable" / "bearable-export.csv"))
    paths.append(write_apple_health(log, Path(folder) / "apple-health" / "export.zip"))
    return paths


def _write_spreadsheet(log: Log, out: Path) -> list[Path]:
    """The project's own two-file format."""
    out.mkdir(parents=True, exist_ok=True)
    ep = log.episodes
    episodes = pd.DataFrame(
        {
            "start": ep["start_local"].dt.strftime("%Y-%m-%d %H:%M")
            + ep["start_utc_offset_min"].map(lambda m: f"+{m // 60:02d}:{m % 60:02d}"),
            "end": ep["end_local"].dt.strftime("%Y-%m-%d %H:%M"),
            "peak_severity_0_10": ep["peak_severity_0_10"].astype("Int64"),
            "initial_severity_0_10": ep["initial_severity_0_10"].astype("Int64"),
            "location": ep["location"],
            "leg_pain": ep["leg_pain"].map({True: "yes", False: "no"}),
            "activity_at_onset": ep["activity_at_onset"],
            "treatments": ep["treatments"].str.replace(";", "; "),
            "notes": ep["notes"],
        }
    )
    daily = log.daily.drop(columns=["symptoms_logged", "activity_logged"]).rename(
        columns={"pain_max_0_10": "pain_0_10"}
    )
    daily["date"] = daily["date"].dt.strftime("%Y-%m-%d")
    daily["heavy_lifting"] = daily["heavy_lifting"].map({True: "yes", False: "no"})
    for column in ("stand_hours_count", "exercise_min", "steps_count", "stretching_min"):
        daily[column] = daily[column].astype("Int64")
    daily["water_ml"] = daily["water_ml"].astype("Int64")
    daily = daily.drop(columns=["posture_0_10", *TAG_TRIGGER_COLUMNS])
    paths = [out / "episodes.csv", out / "daily.csv"]
    episodes.to_csv(paths[0], index=False, lineterminator="\n")
    daily.to_csv(paths[1], index=False, lineterminator="\n")
    return paths
