"""The descriptive view: the correlations consumer apps show, with their main trap flagged.

Apps correlate a symptom with same-day behaviour. Pain changes behaviour (people sit more,
exercise less and stretch as treatment on a spasm day), so same-day correlations mostly
measure the effect of pain on behaviour. :func:`trigger_correlations` shows them next to
the previous-day correlation and flags where the two disagree. It is descriptive only:
no adjustment, no multiplicity control, no verdicts; use
:func:`~backcare_analysis.stats.onset.onset_rate_ratios` for those.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..schema import TRIGGER_COLUMNS, AnalysisError
from .design import check_panel
from .verdicts import Minimums

Outcome = Literal["onset", "pain"]
FloatArray = npt.NDArray[np.float64]


def pearson(x: FloatArray, y: FloatArray) -> tuple[float, float, int]:
    """Pearson correlation, two-sided p-value and n over pairs where both are finite.

    Parameters
    ----------
    x, y
        Values; NaN marks missing.

    Returns
    -------
    tuple
        ``(r, p_val, n)``; ``r`` and ``p_val`` are NaN with fewer than 3 pairs or a
        constant variable.
    """
    from scipy import stats

    ok = np.isfinite(x) & np.isfinite(y)
    n = int(ok.sum())
    if n < 3 or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
        return math.nan, math.nan, n
    r, p = stats.pearsonr(x[ok], y[ok])
    return float(r), float(p), n


def _note(r0: float, p0: float, r1: float, p1: float, alpha: float) -> str:
    if not (math.isfinite(r0) or math.isfinite(r1)):
        return "not enough data"
    sig0 = math.isfinite(p0) and p0 < alpha
    sig1 = math.isfinite(p1) and p1 < alpha
    if sig0 and sig1 and np.sign(r0) != np.sign(r1):
        return (
            "same-day and previous-day links point opposite ways: likely reverse causation "
            "(pain changes behaviour that day)"
        )
    if sig0 and not sig1:
        return (
            "same-day link only: likely reverse causation (pain changes behaviour that day); "
            "no link with the previous day"
        )
    if sig0 and sig1:
        return "same-day and previous-day links agree; descriptive only, see the rate ratios"
    if sig1:
        return "previous-day link only; descriptive only, see the rate ratios"
    return "no clear link"


def trigger_correlations(
    panel: pd.DataFrame,
    *,
    triggers: Sequence[str] | None = None,
    outcome: Outcome = "onset",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Same-day and previous-day correlations of each trigger with onsets or pain.

    Descriptive only: this is what consumer apps show, with a flag where it is likely to
    mislead. It adjusts for nothing and controls no error rate.

    Parameters
    ----------
    panel
        A daily panel from :func:`~backcare_analysis.panel.daily_panel`.
    triggers
        Triggers to describe; every trigger of the schema if None.
    outcome
        ``"onset"`` (1/0 on days at risk) or ``"pain"`` (``pain_max_0_10`` on logged days).
    alpha
        Level below which a correlation's p-value counts as a link in ``note``.

    Returns
    -------
    pandas.DataFrame
        One row per trigger with columns ``trigger``, ``outcome``, ``r_same_day``,
        ``p_same_day``, ``n_same_day`` (Pearson correlation of the outcome with the
        trigger on the same day, its p-value and the number of days), ``r_prev_day``,
        ``p_prev_day``, ``n_prev_day`` (the same with the previous day's value),
        ``mean_onset_days``, ``mean_other_days`` (the trigger's same-day mean on onset
        days and on other days at risk), ``mean_before_onset`` and ``mean_before_other``
        (its previous-day mean before those days), and ``note`` (flags likely reverse
        causation where the same-day and previous-day results disagree).

    Raises
    ------
    AnalysisError
        For a panel with no day at risk or no onset, or an unknown trigger.

    Notes
    -----
    Pearson correlation with a two-sided t-test, on the days where both values are
    logged; with a 1/0 outcome it is the point-biserial correlation.
    """
    check_panel(panel, Minimums(at_risk_days=1, onsets=1))
    names = list(TRIGGER_COLUMNS) if triggers is None else list(triggers)
    unknown = [t for t in names if t not in TRIGGER_COLUMNS]
    if unknown:
        raise AnalysisError(f"unknown triggers {unknown}; choose from {list(TRIGGER_COLUMNS)}")
    if outcome not in ("onset", "pain"):
        raise AnalysisError(f"outcome must be 'onset' or 'pain', got {outcome!r}")
    at_risk = panel["at_risk"].fillna(False).astype(bool).to_numpy()
    onset = panel["onset"].to_numpy(dtype=np.float64, na_value=np.nan)
    onset = np.where(at_risk, onset, np.nan)
    y: FloatArray
    if outcome == "onset":
        y = np.asarray(onset, dtype=np.float64)
    else:
        if "pain_max_0_10" not in panel.columns:
            raise AnalysisError("the panel has no pain_max_0_10 column")
        pain = panel["pain_max_0_10"].astype("Float64")
        y = np.asarray(pain.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    records = []
    for trigger in names:
        series = panel[trigger].astype("Float64")
        today = np.asarray(series.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
        yesterday = np.concatenate([[np.nan], today[:-1]])
        r0, p0, n0 = pearson(today, y)
        r1, p1, n1 = pearson(yesterday, y)
        case, other = onset == 1, onset == 0
        with np.errstate(invalid="ignore"):
            records.append(
                {
                    "trigger": trigger,
                    "outcome": outcome,
                    "r_same_day": r0,
                    "p_same_day": p0,
                    "n_same_day": n0,
                    "r_prev_day": r1,
                    "p_prev_day": p1,
                    "n_prev_day": n1,
                    "mean_onset_days": _mean(today[case]),
                    "mean_other_days": _mean(today[other]),
                    "mean_before_onset": _mean(yesterday[case]),
                    "mean_before_other": _mean(yesterday[other]),
                    "note": _note(r0, p0, r1, p1, alpha),
                }
            )
    return pd.DataFrame.from_records(records)


def _mean(values: FloatArray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else math.nan
