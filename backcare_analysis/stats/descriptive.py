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
from typing import Final, Literal

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


#: A yes/no tag with fewer days at risk than the model's minimum, but at least this many
#: (and :data:`SMALL_LOG_MIN_ONSETS` onsets), gets :func:`exact_rate_ratio` instead.
SMALL_LOG_MIN_DAYS: Final = 14
SMALL_LOG_MIN_ONSETS: Final = 2


def exact_rate_ratio(
    y: npt.ArrayLike, x: npt.ArrayLike, *, alpha: float = 0.05
) -> dict[str, float]:
    """Unadjusted rate ratio of onsets after days with vs without a yes/no exposure, exact.

    Parameters
    ----------
    y
        Onset (0/1) on each day at risk with a value of the exposure.
    x
        The exposure on those days (0/1).
    alpha
        One minus the confidence level.

    Returns
    -------
    dict
        ``onsets_exposed`` (``k``), ``onsets`` (``n``), ``days_exposed`` (``E``),
        ``days_unexposed`` (``U``), ``rate_ratio`` (``(k / E) / ((n - k) / U)``; 0 or inf
        when every onset falls on one side), ``ci_low``, ``ci_high`` and ``p_val``.

    Notes
    -----
    Conditional on the ``n`` onsets, the number after exposed days is binomial with
    probability ``E RR / (E RR + U)``, free of the baseline rate (the exact conditional
    test of two Poisson rates). The interval is the Clopper-Pearson interval of that
    probability mapped to the ratio, the p-value twice the smaller tail (the test the
    interval inverts), so both are conservative: coverage at least ``1 - alpha``
    whatever the counts (docs/statistics.md, small logs). Nothing else is adjusted for.
    """
    from scipy import stats

    yy = np.asarray(y, dtype=np.float64)
    xx = np.asarray(x, dtype=np.float64)
    k, n = int(yy[xx == 1].sum()), int(yy.sum())
    e, u = float((xx == 1).sum()), float((xx == 0).sum())
    out = {
        "onsets_exposed": float(k),
        "onsets": float(n),
        "days_exposed": e,
        "days_unexposed": u,
        "rate_ratio": math.nan,
        "ci_low": math.nan,
        "ci_high": math.nan,
        "p_val": math.nan,
    }
    if n == 0 or e == 0 or u == 0:
        return out

    def ratio(pi: float) -> float:
        return math.inf if pi >= 1 else pi / (1 - pi) * u / e

    lo = float(stats.beta.ppf(alpha / 2, k, n - k + 1)) if k > 0 else 0.0
    hi = float(stats.beta.ppf(1 - alpha / 2, k + 1, n - k)) if k < n else 1.0
    pi0 = e / (e + u)
    tails = min(stats.binom.cdf(k, n, pi0), stats.binom.sf(k - 1, n, pi0))
    out.update(
        rate_ratio=ratio(k / n),
        ci_low=ratio(lo),
        ci_high=ratio(hi),
        p_val=float(min(1.0, 2 * tails)),
    )
    return out


def small_log_comparison(panel: pd.DataFrame, trigger: str) -> dict[str, float] | None:
    """:func:`exact_rate_ratio` of a yes/no tag on a log too small for the model.

    Parameters
    ----------
    panel
        A daily panel.
    trigger
        A trigger measured yes/no per day (``exercise_day``, ``stretching_day``,
        ``sitting_day``, ``heavy_lifting``).

    Returns
    -------
    dict or None
        The result of :func:`exact_rate_ratio` with ``n_days`` and ``window_days`` (1: the
        previous day; 3 for lifting, its 3-day window), or None when the trigger is not
        yes/no or has fewer than :data:`SMALL_LOG_MIN_DAYS` days at risk with a value,
        :data:`SMALL_LOG_MIN_ONSETS` onsets, or 5 days on either side.
    """
    from .triggers import TRIGGERS
    from .verdicts import DEFAULT_MINIMUMS

    spec = TRIGGERS.get(trigger)
    if spec is None or spec.kind not in ("binary", "days"):
        return None
    window = spec.exposure if spec.kind == "binary" else "lag1"
    column = f"{trigger}_{window}"
    if column not in panel.columns:
        return None
    at_risk = panel["at_risk"].fillna(False).astype(bool).to_numpy()
    x = panel[column].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
    y = panel["onset"].to_numpy(dtype=np.float64, na_value=np.nan)
    rows = at_risk & np.isfinite(x) & np.isfinite(y)
    x, y = (x[rows] > 0).astype(np.float64), y[rows]
    if (
        x.size < SMALL_LOG_MIN_DAYS
        or y.sum() < SMALL_LOG_MIN_ONSETS
        or min(x.sum(), x.size - x.sum()) < DEFAULT_MINIMUMS.level_days
    ):
        return None
    days = 3.0 if window == "any3d" else 1.0
    return {**exact_rate_ratio(y, x), "n_days": float(x.size), "window_days": days}
