"""A short summary of a log: how much was logged and how often spasms began."""

from __future__ import annotations

import pandas as pd

from .panel import daily_panel
from .schema import Log

DAYS_PER_MONTH = 30.4375


def poisson_rate_interval(
    events: int, exposure: float, *, alpha: float = 0.05
) -> tuple[float, float]:
    """Exact (Garwood) interval for a Poisson rate ``events / exposure``.

    Parameters
    ----------
    events
        Number of events observed.
    exposure
        Time at risk, in the unit the rate is wanted in.
    alpha
        One minus the confidence level.

    Returns
    -------
    tuple of float
        Lower and upper limits of the rate.
    """
    from scipy.stats import chi2

    if exposure <= 0:
        return float("nan"), float("nan")
    low = 0.0 if events == 0 else chi2.ppf(alpha / 2, 2 * events) / 2
    high = chi2.ppf(1 - alpha / 2, 2 * events + 2) / 2
    return float(low / exposure), float(high / exposure)


def summarize(log: Log) -> pd.DataFrame:
    """Summarise what a log holds and the onset rate.

    Parameters
    ----------
    log
        A parsed log.

    Returns
    -------
    pandas.DataFrame
        One row with columns ``first_day``, ``last_day``, ``n_days`` (calendar days from
        first to last), ``logged_share`` (share of those days the symptom diary covers),
        ``n_episodes``, ``at_risk_days``, ``onsets_at_risk`` (onsets on days at risk),
        ``onsets_per_month`` (per 30.4 days at risk) with ``ci_low`` and ``ci_high`` (exact
        Poisson 95% interval), ``n_rejected`` (input rows that could not be used) and
        ``leg_pain_episodes`` (episodes with pain down a leg).

    Notes
    -----
    The onset rate counts only days at risk: days inside an episode cannot start a new one,
    and unlogged days are left out rather than read as pain-free.
    """
    panel = daily_panel(log)
    at_risk_days = int(panel["at_risk"].sum())
    onsets = int(panel["onset"].sum())
    months = at_risk_days / DAYS_PER_MONTH
    low, high = poisson_rate_interval(onsets, months)
    return pd.DataFrame(
        {
            "first_day": [panel["date"].iloc[0]],
            "last_day": [panel["date"].iloc[-1]],
            "n_days": [len(panel)],
            "logged_share": [float(panel["logged"].mean())],
            "n_episodes": [len(log.episodes)],
            "at_risk_days": [at_risk_days],
            "onsets_at_risk": [onsets],
            "onsets_per_month": [onsets / months if months else float("nan")],
            "ci_low": [low],
            "ci_high": [high],
            "n_rejected": [len(log.rejected)],
            "leg_pain_episodes": [int(log.episodes["leg_pain"].fillna(False).sum())],
        }
    )


def monthly_summary(log: Log) -> pd.DataFrame:
    """Logging completeness and onsets per calendar month.

    Parameters
    ----------
    log
        A parsed log.

    Returns
    -------
    pandas.DataFrame
        One row per month with columns ``month`` (first day of the month), ``n_days``,
        ``logged_share``, ``at_risk_days``, ``onsets`` (on days at risk),
        ``onsets_per_month`` (per 30.4 days at risk), ``ci_low`` and ``ci_high`` (exact
        Poisson 95% interval; missing when the month has no day at risk).

    Notes
    -----
    Diary completion often falls over time; a falling ``logged_share`` is worth seeing
    before reading anything into the monthly rates.
    """
    panel = daily_panel(log)
    panel["month"] = panel["date"].dt.to_period("M").dt.to_timestamp()
    grouped = panel.groupby("month", sort=True)
    out = pd.DataFrame(
        {
            "n_days": grouped.size(),
            "logged_share": grouped["logged"].mean(),
            "at_risk_days": grouped["at_risk"].sum().astype("int64"),
            "onsets": grouped["onset"].sum().astype("int64"),
        }
    ).reset_index()
    months = out["at_risk_days"] / DAYS_PER_MONTH
    intervals = [
        poisson_rate_interval(int(k), float(m)) for k, m in zip(out["onsets"], months, strict=True)
    ]
    out["onsets_per_month"] = (out["onsets"] / months).where(months > 0)
    out["ci_low"] = [lo for lo, _ in intervals]
    out["ci_high"] = [hi for _, hi in intervals]
    return out
