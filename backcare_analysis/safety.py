"""Warning signs that are reasons to see a clinician, surfaced before any analysis."""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import pandas as pd

from ._quiet import quiet_warnings
from .episodes import episode_days
from .panel import daily_panel
from .schema import Log

SEE_A_CLINICIAN: Final = (
    "This is a reason to see a clinician, not to keep self-analysing; this tool gives no "
    "medical advice."
)

RED_FLAG_COLUMNS: Final = (
    "flag",
    "n_episodes",
    "first_date",
    "last_date",
    "estimate",
    "ci_low",
    "ci_high",
    "detail",
    "action",
)

#: An episode lasting longer than this has not settled (subacute back pain starts at 6 weeks).
NOT_SETTLING_DAYS: Final = 42
#: Trend tests need at least this many episodes to say anything.
MIN_EPISODES_FOR_TREND: Final = 6


def _flag(flag: str, episodes: pd.DataFrame, detail: str, **estimate: float) -> dict[str, object]:
    return {
        "flag": flag,
        "n_episodes": len(episodes),
        "first_date": episodes["start_local"].min().normalize() if len(episodes) else pd.NaT,
        "last_date": episodes["start_local"].max().normalize() if len(episodes) else pd.NaT,
        "estimate": estimate.get("estimate", math.nan),
        "ci_low": estimate.get("ci_low", math.nan),
        "ci_high": estimate.get("ci_high", math.nan),
        "detail": detail,
        "action": SEE_A_CLINICIAN,
    }


def onset_trend(log: Log) -> tuple[float, float, float]:
    """Rate ratio of onsets per year of follow-up, with its 95% interval.

    Parameters
    ----------
    log
        A parsed log.

    Returns
    -------
    tuple of float
        ``(rate_ratio_per_year, ci_low, ci_high)`` from a Poisson model of onsets on days at
        risk against time; NaN when there are too few episodes.

    Notes
    -----
    Only days at risk enter, so longer episodes (which leave fewer days at risk) do not by
    themselves look like fewer onsets.
    """
    if len(log.episodes) < MIN_EPISODES_FOR_TREND:
        return math.nan, math.nan, math.nan
    import statsmodels.api as sm

    panel = daily_panel(log)
    at_risk = panel.loc[panel["at_risk"]]
    years = at_risk["day_index"].to_numpy(dtype=float) / 365.25
    y = at_risk["onset"].to_numpy(dtype=float)
    if np.ptp(years) < 0.25:
        return math.nan, math.nan, math.nan
    with quiet_warnings():
        fit = sm.GLM(y, sm.add_constant(years), family=sm.families.Poisson()).fit()
    low, high = fit.conf_int()[1]
    return float(np.exp(fit.params[1])), float(np.exp(low)), float(np.exp(high))


def _linear_trend(times: pd.Series, values: pd.Series) -> tuple[float, float, float]:
    """Slope per year of ``values`` against ``times`` with a 95% interval (OLS)."""
    from scipy import stats

    keep = values.notna() & times.notna()
    x = (times[keep] - times[keep].min()).dt.total_seconds().to_numpy() / (365.25 * 86400)
    y = values[keep].to_numpy(dtype=float)
    if len(y) < MIN_EPISODES_FOR_TREND or np.ptp(x) < 0.25:
        return math.nan, math.nan, math.nan
    fit = stats.linregress(x, y)
    half = stats.t.ppf(0.975, len(y) - 2) * fit.stderr
    return float(fit.slope), float(fit.slope - half), float(fit.slope + half)


def red_flags(log: Log) -> pd.DataFrame:
    """List the warning signs in a log.

    Parameters
    ----------
    log
        A parsed log.

    Returns
    -------
    pandas.DataFrame
        One row per warning sign found (no rows when there are none), with columns
        ``flag`` (``leg_pain``, ``more_frequent``, ``more_severe``, ``not_settling``),
        ``n_episodes`` (episodes concerned), ``first_date``, ``last_date``, ``estimate``
        with ``ci_low`` and ``ci_high`` (for trends: rate ratio of onsets per year, or
        change in peak severity or in log duration per year; NaN otherwise), ``detail``
        (a plain sentence) and ``action`` (always: see a clinician).

    Notes
    -----
    Pain down a leg or numbness is flagged for every episode that records it and for every
    day a tracker logged it as a symptom of its own (``Log.tags`` of kind ``leg_pain``). Trends are
    flagged when the 95% interval excludes "no change" in the worrying direction, from at
    least six episodes: onsets per day at risk (Poisson), peak severity and log duration
    per episode (least squares). An episode lasting over six weeks is flagged as not
    settling.
    """
    episodes = log.episodes
    rows: list[dict[str, object]] = []
    leg = episodes.loc[episodes["leg_pain"].fillna(False).astype(bool)]
    # Leg pain a tracker logged as its own symptom, on days no flagged episode covers.
    leg_tags = log.tags.loc[log.tags["kind"] == "leg_pain", "date"].drop_duplicates()
    loose = leg_tags.loc[~leg_tags.isin(episode_days(leg)["date"])].sort_values()
    if not leg.empty or not loose.empty:
        parts = []
        if not leg.empty:
            dates = ", ".join(leg["start_local"].dt.strftime("%Y-%m-%d").head(5))
            more = ", ..." if len(leg) > 5 else ""
            parts.append(
                f"{len(leg)} episode(s) came with pain down a leg or numbness ({dates}{more})."
            )
        if not loose.empty:
            dates = ", ".join(loose.dt.strftime("%Y-%m-%d").head(5))
            more = ", ..." if len(loose) > 5 else ""
            parts.append(
                f"Pain down a leg or numbness was logged on {len(loose)} other day(s) "
                f"({dates}{more})."
            )
        rows.append(_flag("leg_pain", leg, " ".join(parts)))
        if leg.empty:
            rows[-1]["first_date"] = loose.min()
            rows[-1]["last_date"] = loose.max()
    rr, low, high = onset_trend(log) if not episodes.empty else (math.nan,) * 3
    if low > 1:
        rows.append(
            _flag(
                "more_frequent",
                episodes,
                f"Spasms are coming more often: the onset rate rose {rr:.1f}-fold per year "
                f"(95% CI {low:.1f} to {high:.1f}).",
                estimate=rr,
                ci_low=low,
                ci_high=high,
            )
        )
    slope, low, high = _linear_trend(episodes["start_local"], episodes["peak_severity_0_10"])
    if low > 0:
        rows.append(
            _flag(
                "more_severe",
                episodes,
                f"Episodes are getting worse: peak severity rose {slope:.1f} points per year "
                f"(95% CI {low:.1f} to {high:.1f}).",
                estimate=slope,
                ci_low=low,
                ci_high=high,
            )
        )
    long = episodes.loc[episodes["duration_h"] > NOT_SETTLING_DAYS * 24]
    log_duration = episodes["duration_h"].astype("float64").clip(lower=1).apply(math.log)
    slope, low, high = _linear_trend(episodes["start_local"], log_duration)
    if not long.empty or low > 0:
        detail = (
            f"{len(long)} episode(s) lasted more than {NOT_SETTLING_DAYS // 7} weeks."
            if not long.empty
            else f"Episodes are lasting longer: {math.exp(slope):.1f} times as long per year "
            f"(95% CI {math.exp(low):.1f} to {math.exp(high):.1f})."
        )
        rows.append(
            _flag(
                "not_settling",
                long if not long.empty else episodes,
                detail,
                estimate=math.exp(slope),
                ci_low=math.exp(low),
                ci_high=math.exp(high),
            )
        )
    return pd.DataFrame(rows, columns=list(RED_FLAG_COLUMNS))


#: Signs that need urgent care whatever a log holds, shown in every output as information.
EMERGENCY_SIGNS: Final = (
    "new problems controlling your bladder or bowels",
    "numbness in the saddle area (between the legs, around the bottom)",
    "fever together with back pain",
    "unexplained weight loss",
    "back pain after a fall or an accident",
    "weakness in a leg that is getting worse",
)
EMERGENCY_ADVICE: Final = (
    "If you have any of these with back pain, get urgent medical care (call your doctor or "
    "emergency services); do not wait to log more."
)

SAFETY_CHECK_COLUMNS: Final = ("check", "could_run", "found", "why_not")


def safety_checks(log: Log, flags: pd.DataFrame | None = None) -> pd.DataFrame:
    """Which warning-sign checks could run on this log, and which found something.

    Parameters
    ----------
    log
        A parsed log.
    flags
        The result of :func:`red_flags` when already computed.

    Returns
    -------
    pandas.DataFrame
        One row per check (``leg_pain``, ``more_frequent``, ``more_severe``,
        ``not_settling``) with ``could_run`` (the log holds what the check needs),
        ``found`` (it flagged something) and ``why_not`` (a sentence on what the check
        needs, empty when it ran). "No warning signs found" may only be said when every
        check could run.
    """
    flags = red_flags(log) if flags is None else flags
    episodes = log.episodes
    n = len(episodes)
    known_leg = bool(episodes["leg_pain"].notna().any()) or bool(
        (log.tags["kind"] == "leg_pain").any()
    )
    span_years = 0.0
    if n:
        starts = episodes["start_local"]
        span_years = float((starts.max() - starts.min()).days) / 365.25
    enough_for_trend = n >= MIN_EPISODES_FOR_TREND and span_years >= 0.25
    trend_why = (
        f"needs at least {MIN_EPISODES_FOR_TREND} episodes over three months or more "
        f"(this log has {n})"
    )
    rows = [
        (
            "leg_pain",
            known_leg or log.tags["kind"].isin(["back_pain"]).any(),
            "needs episodes that record whether pain went down a leg, or a tracker symptom "
            "for leg pain or numbness",
        ),
        ("more_frequent", enough_for_trend, trend_why),
        ("more_severe", enough_for_trend and episodes["peak_severity_0_10"].notna().sum()
         >= MIN_EPISODES_FOR_TREND, trend_why + " with a severity rating"),
        ("not_settling", bool(episodes["duration_h"].notna().any()),
         "needs episodes with an end (how long each lasted)"),
    ]  # fmt: skip
    found = set(flags["flag"])
    return pd.DataFrame(
        [
            {
                "check": check,
                "could_run": bool(ran) or check in found,
                "found": check in found,
                "why_not": "" if (ran or check in found) else why,
            }
            for check, ran, why in rows
        ],
        columns=list(SAFETY_CHECK_COLUMNS),
    )


def warning_signs(log: Log) -> pd.DataFrame:
    """Everything a person should see before any analysis, as one table.

    Parameters
    ----------
    log
        A parsed log.

    Returns
    -------
    pandas.DataFrame
        Columns ``kind`` (``"warning sign"`` for what :func:`red_flags` found, ``"not
        checked"`` for a check this log cannot support, ``"urgent care sign"`` for each of
        :data:`EMERGENCY_SIGNS`, always listed), ``item`` and ``detail`` (a sentence).
    """
    flags = red_flags(log)
    checks = safety_checks(log, flags)
    rows = [
        {"kind": "warning sign", "item": str(f), "detail": f"{d} {a}"}
        for f, d, a in zip(flags["flag"], flags["detail"], flags["action"], strict=True)
    ]
    missing = checks.loc[~checks["could_run"]]
    rows += [
        {"kind": "not checked", "item": str(c), "detail": f"This check {w}."}
        for c, w in zip(missing["check"], missing["why_not"], strict=True)
    ]
    rows += [
        {"kind": "urgent care sign", "item": s, "detail": EMERGENCY_ADVICE} for s in EMERGENCY_SIGNS
    ]
    return pd.DataFrame(rows, columns=["kind", "item", "detail"])
