"""Randomised self-experiments that settle a claim: a block schedule (:func:`plan_experiment`)
and its analysis (:func:`analyse_experiment`, in :mod:`.plan_analysis`).

Time is cut into blocks of ``block_days`` days; blocks come in pairs, and within each pair a
coin decides which block follows the advice ("advice") and which carries on as usual
("usual"). The first ``washout_days`` of every block are lived by the block's arm but left
out of the analysis, because the previous block's behaviour may still act on them. The
per-episode schedules of :mod:`.episode_experiments` stay available under their old names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import pandas as pd

from ..schema import AnalysisError
from .episode_experiments import analyse_self_experiment, self_experiment_schedule

__all__ = [
    "EXPERIMENTS",
    "PLAN_COLUMNS",
    "ExperimentSpec",
    "analyse_self_experiment",
    "plan_experiment",
    "self_experiment_schedule",
]

Arm = Literal["advice", "usual"]


@dataclass(frozen=True)
class ExperimentSpec:
    """How one claim is put to a randomised test.

    Attributes
    ----------
    claim
        The claim id of :data:`~backcare_analysis.advice.CLAIMS`.
    group
        ``prevention`` (outcome: onsets on days at risk, and daily pain) or ``treatment``
        (outcome: how long the episodes that begin in a block last, and daily pain).
    advice
        What to do in an advice block.
    usual
        What to do in a usual block.
    washout_days
        Days at the start of each block left out of the analysis.
    washout_reason
        Why that many.
    """

    claim: str
    group: Literal["prevention", "treatment"]
    advice: str
    usual: str
    washout_days: int
    washout_reason: str


_LAG1 = (
    "the onset model relates an onset to the previous day's exposure, so the first day of "
    "a block still carries the previous block's"
)
_HABIT = (
    "a habit's effect may outlast the day (the onset model uses the mean of the previous 7 "
    "days); 2 days is a design choice that keeps most of a 7-day block, so use 14-day "
    "blocks with 3 washout days if you can"
)
_EPISODE = (
    "the protocol applies to an episode that begins in the block; nothing carries over "
    "from one episode to the next"
)

#: The claims a block self-experiment can test, with their instructions and washout.
EXPERIMENTS: Final[dict[str, ExperimentSpec]] = {
    s.claim: s
    for s in (
        ExperimentSpec(
            "sitting",
            "prevention",
            "sit at most 6 hours today: stand or walk instead of the rest",
            "sit as you usually do",
            1,
            _LAG1,
        ),
        ExperimentSpec(
            "breaks",
            "prevention",
            "stand up at least once in every hour you sit",
            "take breaks as you usually do",
            1,
            _LAG1,
        ),
        ExperimentSpec(
            "exercise",
            "prevention",
            "walk briskly or exercise for 30 minutes today",
            "exercise as you usually do",
            2,
            _HABIT,
        ),
        ExperimentSpec(
            "stretching",
            "prevention",
            "stretch for 10 minutes today",
            "no stretching routine",
            2,
            _HABIT,
        ),
        ExperimentSpec(
            "hydration",
            "prevention",
            "drink 500 mL more water than usual today",
            "drink as you usually do",
            1,
            _LAG1,
        ),
        ExperimentSpec(
            "lifting",
            "prevention",
            "avoid heavy lifting today; if you must, bend the knees and keep the load close",
            "lift as you usually do",
            1,
            _LAG1,
        ),
        ExperimentSpec(
            "posture",
            "prevention",
            "check and correct your sitting and standing posture every hour",
            "no posture routine",
            1,
            _LAG1,
        ),
        ExperimentSpec(
            "heat",
            "treatment",
            "if a spasm starts, use heat (a pad, wrap or warm shower) from the first day",
            "if a spasm starts, use no heat",
            0,
            _EPISODE,
        ),
        ExperimentSpec(
            "ice_then_heat",
            "treatment",
            "if a spasm starts, use ice for the first 48 hours, then heat",
            "if a spasm starts, use heat straight away",
            0,
            _EPISODE,
        ),
        ExperimentSpec(
            "stretch_during",
            "treatment",
            "if a spasm starts, do gentle knee-to-chest stretches while it lasts",
            "if a spasm starts, no stretching while it lasts",
            0,
            _EPISODE,
        ),
    )
}

#: Columns of a plan, in order (the CSV that :func:`~backcare_analysis.write_plan` writes).
PLAN_COLUMNS: Final = (
    "date",
    "claim",
    "block",
    "pair",
    "day_in_block",
    "arm",
    "instruction",
    "washout",
    "followed",
    "block_days",
    "washout_days",
    "seed",
)


def spec_for(claim: str) -> ExperimentSpec:
    """The experiment of one claim; an :class:`AnalysisError` names the choices."""
    try:
        return EXPERIMENTS[claim]
    except KeyError:
        raise AnalysisError(
            f"no self-experiment is defined for {claim!r}; choose one of "
            f"{', '.join(EXPERIMENTS)} (medicines and bed rest are for a clinician to plan)"
        ) from None


def _next_monday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)


def plan_experiment(
    claim: str,
    *,
    weeks: int = 12,
    block_days: int = 7,
    start: str | dt.date | None = None,
    seed: int | None = None,
    washout_days: int | None = None,
) -> pd.DataFrame:
    """A randomised block schedule that tests one claim on yourself.

    Parameters
    ----------
    claim
        A claim id of :data:`EXPERIMENTS` (``"stretching"``, ``"sitting"``, ``"heat"``...).
    weeks
        Length of the experiment; rounded down to a whole number of block pairs.
    block_days
        Days per block (7: a week of advice, a week as usual, in random order per pair).
    start
        First day (ISO date); the next Monday if None.
    seed
        Random seed; a fresh one if None. It is written into the plan, so the schedule can
        be re-created and checked.
    washout_days
        Days at the start of each block left out of the analysis; the claim's default
        (:data:`EXPERIMENTS`) if None.

    Returns
    -------
    pandas.DataFrame
        One row per day, columns :data:`PLAN_COLUMNS`: ``date``, ``claim``, ``block``
        (1, 2, ...), ``pair`` (blocks ``2k - 1`` and ``2k``), ``day_in_block`` (1, 2, ...),
        ``arm`` (``advice`` or ``usual``), ``instruction`` (what to do that day),
        ``washout`` (True: lived by the arm, left out of the analysis), ``followed`` (blank:
        write ``yes`` or ``no`` each day), ``block_days``, ``washout_days`` and ``seed``.

    Raises
    ------
    AnalysisError
        For an unknown claim, fewer than one pair of blocks, or a washout that leaves no
        day of a block to analyse.

    Notes
    -----
    Balanced within pairs: every pair has one block of each arm, so a slow drift (season,
    work) cannot line up with the arms, and the randomisation test of
    :func:`~backcare_analysis.analyse_experiment` swaps arms within pairs.
    """
    spec = spec_for(claim)
    washout = spec.washout_days if washout_days is None else int(washout_days)
    if block_days < 1 or not 0 <= washout < block_days:
        raise AnalysisError(
            f"block_days={block_days} with washout_days={washout} leaves no day of a block to "
            "analyse; use longer blocks or a shorter washout"
        )
    n_pairs = (int(weeks) * 7) // (2 * block_days)
    if n_pairs < 1:
        raise AnalysisError(
            f"{weeks} weeks hold no pair of {block_days}-day blocks; plan at least "
            f"{-(-2 * block_days // 7)} weeks (and 8 pairs or more to have a chance of an answer)"
        )
    if start is None:
        first = _next_monday(dt.date.today())
    else:
        first = dt.date.fromisoformat(start) if isinstance(start, str) else start
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % 2**31)  # type: ignore[operator]
    rng = np.random.default_rng(seed)
    arms: list[Arm] = []
    for _ in range(n_pairs):
        arms.extend(("advice", "usual") if rng.random() < 0.5 else ("usual", "advice"))
    n_days = 2 * n_pairs * block_days
    block = np.arange(n_days) // block_days
    day_in_block = np.arange(n_days) % block_days + 1
    arm = np.array(arms)[block]
    return pd.DataFrame(
        {
            "date": pd.date_range(first, periods=n_days, freq="D", unit="us"),
            "claim": claim,
            "block": block + 1,
            "pair": block // 2 + 1,
            "day_in_block": day_in_block,
            "arm": arm,
            "instruction": np.where(arm == "advice", spec.advice, spec.usual),
            "washout": day_in_block <= washout,
            "followed": "",
            "block_days": block_days,
            "washout_days": washout,
            "seed": seed,
        }
    )[list(PLAN_COLUMNS)]
