"""Recurrence: the gaps between episodes and the Kaplan-Meier chance of another within a
horizon, the last gap censored."""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import pandas as pd

from .._quiet import quiet_warnings
from ..panel import last_logged_day
from ..schema import Log

#: Published one-year recurrence after an episode of low back pain (METHODS.md).
PUBLISHED_RECURRENCE_1Y: Final = (0.24, 0.73)


def recurrence_gaps(log: Log) -> pd.DataFrame:
    """Days from the end of each episode to the next onset (``gap_days``) and whether it
    ended in a new episode (``recurred``); the last gap is censored at the last logged day."""
    ep = log.episodes.sort_values("start_local")
    if ep.empty:
        return pd.DataFrame({"gap_days": [], "recurred": []})
    ends = ep["end_local"].fillna(ep["start_local"]).to_numpy()
    starts = ep["start_local"].to_numpy()
    gaps = (starts[1:] - ends[:-1]) / np.timedelta64(1, "D")
    last_logged = last_logged_day(log) + pd.Timedelta(days=1)
    last_gap = (last_logged.to_datetime64() - ends[-1]) / np.timedelta64(1, "D")
    return pd.DataFrame(
        {
            "gap_days": np.clip(np.append(gaps, last_gap), 0.01, None),
            "recurred": np.append(np.ones(len(gaps), dtype=bool), False),
        }
    )


def recurrence(log: Log, *, horizon_days: float = 365.0) -> pd.DataFrame:
    """Time from the end of one episode to the start of the next (Kaplan-Meier).

    Parameters
    ----------
    log
        A parsed log.
    horizon_days
        Horizon of the recurrence probability.

    Returns
    -------
    pandas.DataFrame
        One row with ``n_episodes``, ``n_gaps`` (including the censored last one),
        ``median_gap_days`` with ``median_ci_low`` and ``median_ci_high``,
        ``p_recur`` (probability of another episode within the horizon) with ``ci_low`` and
        ``ci_high``, ``horizon_days``, ``followed_up_days`` (longest gap observed),
        ``published_low`` and ``published_high`` (one-year recurrence after an episode in
        published studies: 24-73%) and ``note``.

    Notes
    -----
    statsmodels ``SurvfuncRight``; the gap after the last episode is censored at the last
    logged day. Beyond the longest gap observed the curve is not estimable, and ``p_recur``
    is then reported at that shorter time with a note.
    """
    from statsmodels.duration.survfunc import SurvfuncRight

    gaps = recurrence_gaps(log)
    base: dict[str, object] = {
        "n_episodes": len(log.episodes),
        "n_gaps": len(gaps),
        "median_gap_days": math.nan,
        "median_ci_low": math.nan,
        "median_ci_high": math.nan,
        "p_recur": math.nan,
        "ci_low": math.nan,
        "ci_high": math.nan,
        "horizon_days": horizon_days,
        "followed_up_days": float(gaps["gap_days"].max()) if len(gaps) else math.nan,
        "published_low": PUBLISHED_RECURRENCE_1Y[0],
        "published_high": PUBLISHED_RECURRENCE_1Y[1],
        "note": "",
    }
    if int(gaps["recurred"].sum()) < 2:
        base["note"] = "needs at least three episodes (two recurrences)"
        return pd.DataFrame([base])
    with quiet_warnings():
        sf = SurvfuncRight(gaps["gap_days"].to_numpy(), gaps["recurred"].to_numpy(dtype=float))
        median = sf.quantile(0.5)
        med_low, med_high = sf.quantile_ci(0.5)
    times = np.asarray(sf.surv_times)
    probs = np.asarray(sf.surv_prob)
    errors = np.asarray(sf.surv_prob_se)
    at = min(horizon_days, float(gaps["gap_days"].max()))
    idx = int(np.searchsorted(times, at, side="right")) - 1
    surv = 1.0 if idx < 0 else float(probs[idx])
    se = 0.0 if idx < 0 else float(errors[idx])
    if surv == 0:
        # Every gap followed long enough ended in a recurrence: the Kaplan-Meier interval
        # collapses, so use the exact binomial bound on those gaps instead.
        from scipy.stats import beta

        recurred = int(gaps["recurred"].sum())
        low_p = float(beta.ppf(0.025, recurred, 1)) if recurred else 0.0
        p_recur, ci_low, ci_high = 1.0, low_p, 1.0
        base["note"] = (
            f"every one of {recurred} gaps ended in a new episode within "
            f"{gaps.loc[gaps['recurred'], 'gap_days'].max():.0f} days; exact binomial interval"
        )
    else:
        low_s, high_s = _loglog_interval(surv, se)
        p_recur, ci_low, ci_high = 1 - surv, 1 - high_s, 1 - low_s
        if at < horizon_days:
            base["note"] = (
                f"followed up only {at:.0f} days: the probability at {at:.0f} days is a "
                f"lower bound for {horizon_days:.0f} days"
            )
    base.update(
        median_gap_days=float(median),
        median_ci_low=float(med_low),
        median_ci_high=float(med_high),
        p_recur=p_recur,
        ci_low=ci_low,
        ci_high=ci_high,
    )
    return pd.DataFrame([base])


def _loglog_interval(surv: float, se: float) -> tuple[float, float]:
    """95% interval of a survival probability on the log(-log) scale."""
    if surv <= 0 or surv >= 1 or se == 0:
        return surv, surv
    spread = 1.96 * se / (surv * abs(math.log(surv)))
    return surv ** math.exp(spread), surv ** math.exp(-spread)
