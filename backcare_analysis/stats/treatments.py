"""Treatments during episodes: which were used, and severity-adjusted comparisons.

Observational logs cannot settle which treatment works: worse episodes get more rest and
more ice (confounding by indication), and whatever is started at the peak looks effective
(regression to the mean). The comparisons here adjust for the episode's initial severity
and always carry :data:`CAVEAT`; a randomised self-experiment (:mod:`.experiments`) is the
way to a fair answer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import pandas as pd

from .._quiet import quiet_warnings
from ..schema import TREATMENTS, Log

CAVEAT: Final = (
    "Observational comparison: worse episodes tend to get more treatment, and anything "
    "started at the peak looks helpful as pain eases anyway. Adjusted for initial severity, "
    "but only a randomised self-experiment can show cause and effect."
)

Outcome = Literal["duration_h", "pain_day3_0_10"]


@dataclass(frozen=True)
class Comparison:
    """A treatment comparison between two groups of episodes.

    Attributes
    ----------
    claim
        Stable id of the advice claim it tests.
    treated, control
        Plain descriptions of the two groups.
    """

    claim: str
    treated: str
    control: str


COMPARISONS: Final = (
    Comparison("heat", "heat used", "no heat"),
    Comparison("nsaids", "anti-inflammatory (NSAID) taken", "none taken"),
    Comparison("stretch_during", "stretching during the episode", "no stretching"),
    Comparison("ice_then_heat", "ice first, then heat", "heat without ice first"),
    Comparison("rest_vs_movement", "bed rest", "walking / gentle movement (no bed rest)"),
)


def episode_treatments(log: Log) -> pd.DataFrame:
    """One row per episode with its outcomes and a yes/no column per treatment.

    Parameters
    ----------
    log
        A parsed log.

    Returns
    -------
    pandas.DataFrame
        Columns ``episode_id``, ``start_local``, ``duration_h``, ``initial_severity_0_10``
        (falls back to the peak when the start was not rated), ``peak_severity_0_10``,
        ``pain_day3_0_10`` (worst pain two days after onset, when logged), one boolean
        column per treatment in :data:`~backcare_analysis.schema.TREATMENTS`,
        ``treatments_recorded`` (any treatment written down) and ``ice_before_heat``.
    """
    ep = log.episodes
    pain = log.daily.set_index("date")["pain_max_0_10"].astype("float64")
    day3 = ep["start_local"].dt.normalize() + pd.Timedelta(days=2)
    lists = [
        (text if isinstance(text, str) else "").split(";")
        for text in ep["treatments"].to_numpy(dtype=object)
    ]
    columns: dict[str, object] = {
        "episode_id": ep["episode_id"],
        "start_local": ep["start_local"],
        "duration_h": ep["duration_h"].astype("float64"),
        "initial_severity_0_10": ep["initial_severity_0_10"]
        .fillna(ep["peak_severity_0_10"])
        .astype("float64"),
        "peak_severity_0_10": ep["peak_severity_0_10"].astype("float64"),
        "pain_day3_0_10": day3.map(pain).astype("float64").to_numpy(),
    }
    for treatment in TREATMENTS:
        columns[treatment] = np.array([treatment in items for items in lists], dtype=bool)
    columns["treatments_recorded"] = np.array([any(items) for items in lists], dtype=bool)
    columns["ice_before_heat"] = np.array(
        [
            "ice" in items and "heat" in items and items.index("ice") < items.index("heat")
            for items in lists
        ],
        dtype=bool,
    )
    return pd.DataFrame(columns, index=ep.index).reset_index(drop=True)


def _groups(table: pd.DataFrame, claim: str) -> tuple[np.ndarray, np.ndarray]:
    """Whether each episode is treated, and whether it is in the comparison at all
    (``False`` for the episodes outside it)."""
    if claim == "ice_then_heat":
        treated = table["ice_before_heat"].to_numpy(dtype=bool)
        return treated, treated | (table["heat"] & ~table["ice"]).to_numpy(dtype=bool)
    if claim == "rest_vs_movement":
        treated = table["bed_rest"].to_numpy(dtype=bool)
        return treated, treated | table["walking"].to_numpy(dtype=bool)
    column = {"heat": "heat", "nsaids": "nsaid", "stretch_during": "stretching"}[claim]
    return table[column].to_numpy(dtype=bool), table["treatments_recorded"].to_numpy(dtype=bool)


def compare_treatments(
    log: Log,
    *,
    outcome: Outcome = "duration_h",
    comparisons: Sequence[Comparison] = COMPARISONS,
    min_per_group: int = 3,
) -> pd.DataFrame:
    """Compare episodes with and without each treatment, adjusted for initial severity.

    Parameters
    ----------
    log
        A parsed log.
    outcome
        ``"duration_h"`` (compared as a ratio of durations) or ``"pain_day3_0_10"``
        (compared as a difference in points).
    comparisons
        Which comparisons to make.
    min_per_group
        Fewer episodes than this in either group gives no estimate.

    Returns
    -------
    pandas.DataFrame
        One row per comparison with columns ``claim``, ``treated``, ``control``,
        ``outcome``, ``n_treated``, ``n_control``, ``effect`` (ratio of durations, treated
        over control, or difference in pain points), ``ci_low``, ``ci_high``, ``p_val``,
        ``effect_kind`` (``"ratio"`` or ``"difference"``), ``note`` (why there is no
        estimate, when there is none) and ``caveat``.

    Notes
    -----
    Least squares of log duration (or day-3 pain) on the treatment and the initial
    severity; the interval is a t interval. Episodes with no treatment recorded are left
    out rather than counted as untreated.
    """
    import statsmodels.api as sm

    table = episode_treatments(log)
    y_all = (
        np.log(table["duration_h"].clip(lower=0.5)) if outcome == "duration_h" else table[outcome]
    ).to_numpy(dtype=np.float64)
    severity = table["initial_severity_0_10"].to_numpy(dtype=np.float64)
    rows: list[dict[str, object]] = []
    for comp in comparisons:
        treated, known = _groups(table, comp.claim)
        keep = known & ~np.isnan(y_all) & ~np.isnan(severity)
        n_treated = int(treated[keep].sum())
        n_control = int(keep.sum()) - n_treated
        row: dict[str, object] = {
            "claim": comp.claim,
            "treated": comp.treated,
            "control": comp.control,
            "outcome": outcome,
            "n_treated": n_treated,
            "n_control": n_control,
            "effect": math.nan,
            "ci_low": math.nan,
            "ci_high": math.nan,
            "p_val": math.nan,
            "effect_kind": "ratio" if outcome == "duration_h" else "difference",
            "note": "",
            "caveat": CAVEAT,
        }
        if min(n_treated, n_control) < min_per_group:
            row["note"] = (
                f"needs at least {min_per_group} episodes in each group "
                f"(have {n_treated} with, {n_control} without)"
            )
            rows.append(row)
            continue
        data = pd.DataFrame(
            {
                "y": y_all[keep],
                "treated": treated[keep].astype("float64"),
                "severity": severity[keep],
            }
        )
        design = sm.add_constant(data[["treated", "severity"]], has_constant="add")
        with quiet_warnings():
            fit = sm.OLS(data["y"], design).fit()
        low, high = fit.conf_int().loc["treated"]
        beta = float(fit.params["treated"])
        transform = math.exp if outcome == "duration_h" else float
        row.update(
            effect=transform(beta),
            ci_low=transform(float(low)),
            ci_high=transform(float(high)),
            p_val=float(fit.pvalues["treated"]),
        )
        rows.append(row)
    return pd.DataFrame(rows)
