"""Daily pain as a second outcome: how much worse or better the day's pain is after more of
each trigger, with the exposure measured before the day and the previous day's pain held
fixed (:func:`daily_pain_effects`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd
from scipy import stats

from ..schema import AnalysisError
from .glm import hac_lags
from .triggers import TRIGGERS, unit_label, window_label

#: Days with today's pain, yesterday's pain and the exposure needed to fit a trigger.
MIN_PAIN_DAYS: Final = 28

PAIN_COLUMNS: Final = (
    "trigger",
    "unit",
    "window",
    "n_days",
    "pain_diff",
    "ci_low",
    "ci_high",
    "p_val",
    "expected_direction",
    "hac_lags",
    "note",
)


def _fit(
    pain: np.ndarray, previous: np.ndarray, x: np.ndarray, weekend: np.ndarray, day: np.ndarray
) -> tuple[float, float, float, float, int]:
    import statsmodels.api as sm

    span = float(day.max() - day.min()) or 1.0
    design = np.column_stack([np.ones_like(x), x, previous, weekend, (day - day.min()) / span])
    keep = design.std(axis=0) > 0
    keep[0] = True
    lags = hac_lags(int(day.max() - day.min()) + 1)
    model = sm.OLS(pain, design[:, keep])
    plain = model.fit()
    hac = model.fit(cov_type="HAC", cov_kwds={"maxlags": lags})
    # The wider of the two: Newey-West alone ran at 7.5% false positives in the calibration
    # (docs/statistics.md, "Daily pain"); model-based alone ignores leftover autocorrelation.
    se = max(float(plain.bse[1]), float(hac.bse[1]))
    est = float(plain.params[1])
    df = float(plain.df_resid)
    half = float(stats.t.ppf(0.975, df)) * se
    p = float(2 * stats.t.sf(abs(est / se), df))
    return est, est - half, est + half, p, lags


def daily_pain_effects(
    panel: pd.DataFrame,
    *,
    triggers: Sequence[str] | None = None,
    min_days: int = MIN_PAIN_DAYS,
) -> pd.DataFrame:
    """The difference in the day's pain per unit of each trigger measured before the day.

    Parameters
    ----------
    panel
        A daily panel from :func:`~backcare_analysis.daily_panel` (with its ``_lag1`` and
        ``_mean7d`` columns) of a log with daily pain ratings (``pain_max_0_10``).
    triggers
        Trigger names (keys of :data:`~backcare_analysis.stats.triggers.TRIGGERS`); all
        with data if None.
    min_days
        Fewest usable days before a trigger is fitted.

    Returns
    -------
    pandas.DataFrame
        One row per trigger: ``trigger``, ``unit`` and ``window`` (as in
        :func:`~backcare_analysis.onset_rate_ratios`, so the rows sit beside the onset
        result), ``n_days`` (days with today's pain, yesterday's pain and the exposure),
        ``pain_diff`` (change in the day's pain, 0-10 points, per unit), ``ci_low``,
        ``ci_high`` (95%), ``p_val``, ``expected_direction`` (what the advice predicts
        for pain), ``hac_lags`` and ``note`` (why a trigger was not fitted).

    Raises
    ------
    AnalysisError
        When the panel lacks the pain column or an unknown trigger is asked for.

    Notes
    -----
    OLS of the day's worst pain on the exposure (previous day, or mean of the previous 7
    days for habits), the previous day's pain, a weekend indicator and a linear trend; the
    standard error is the wider of the model-based one and Newey-West (HAC) over
    :func:`~backcare_analysis.stats.glm.hac_lags` lags, with a t reference.
    Holding yesterday's pain fixed blocks reverse causation (pain yesterday changes
    yesterday's behaviour) and takes up most of the autocorrelation; HAC covers the rest.
    Rows are taken in calendar order; a gap in the diary drops the day after it (no
    previous pain). Episode days are included: pain is the outcome.
    """
    if "pain_max_0_10" not in panel.columns:
        raise AnalysisError("the panel has no pain_max_0_10 column; build it with daily_panel(log)")
    names = list(TRIGGERS) if triggers is None else list(triggers)
    unknown = [t for t in names if t not in TRIGGERS]
    if unknown:
        raise AnalysisError(f"unknown triggers {unknown}; choose from {list(TRIGGERS)}")
    ordered = panel.sort_values("date")
    pain = ordered["pain_max_0_10"].astype("Float64").astype("float64").to_numpy()
    dates = ordered["date"]
    gap = dates.diff().dt.days.to_numpy()
    previous = np.where(gap == 1, np.concatenate([[np.nan], pain[:-1]]), np.nan)
    weekend = (ordered["weekday"].to_numpy() >= 5).astype(np.float64)
    day = ordered["day_index"].to_numpy(dtype=np.float64)
    rows: list[dict[str, object]] = []
    for trigger in names:
        spec = TRIGGERS[trigger]
        column = f"{trigger}_{spec.exposure}"
        row: dict[str, object] = {
            "trigger": trigger,
            "unit": unit_label(trigger),
            "window": window_label(spec.exposure),
            "n_days": 0,
            "pain_diff": math.nan,
            "ci_low": math.nan,
            "ci_high": math.nan,
            "p_val": math.nan,
            "expected_direction": spec.expected,
            "hac_lags": 0,
            "note": "",
        }
        rows.append(row)
        if column not in ordered.columns:
            row["note"] = f"the panel has no column {column!r}"
            continue
        x = ordered[column].astype("Float64").astype("float64").to_numpy() / spec.scale
        use = np.isfinite(pain) & np.isfinite(previous) & np.isfinite(x)
        row["n_days"] = int(use.sum())
        if use.sum() < min_days:
            row["note"] = (
                f"only {int(use.sum())} days with pain rated on that day and the day before "
                f"and {trigger} recorded; at least {min_days} are needed"
            )
            continue
        if np.ptp(x[use]) == 0:
            row["note"] = f"{trigger} never varies on those days"
            continue
        est, low, high, p, lags = _fit(pain[use], previous[use], x[use], weekend[use], day[use])
        row.update(pain_diff=est, ci_low=low, ci_high=high, p_val=p, hac_lags=lags)
    return pd.DataFrame(rows, columns=list(PAIN_COLUMNS))
