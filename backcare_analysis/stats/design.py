"""Design matrices for the onset models: which panel column each trigger is tested on, and
the adjustment terms (weekday, trend spline, recovery bands, other triggers).

Kept apart from the fitting (:mod:`.onset`) so the case-crossover and descriptive views use
the same exposures and checks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..schema import TRIGGER_COLUMNS, AnalysisError
from .triggers import TRIGGERS, unit_label, window_label
from .verdicts import DEFAULT_MINIMUMS, Minimums

Adjustment = Literal["weekday", "weekend", "trend", "season", "recovery", "others"]

#: Every adjustment :func:`onset_rate_ratios` knows.
ADJUSTMENTS: Final[tuple[Adjustment, ...]] = (
    "weekday",
    "weekend",
    "trend",
    "season",
    "recovery",
    "others",
)
#: The adjustment used unless another is asked for (see docs/statistics.md).
DEFAULT_ADJUST: Final[tuple[Adjustment, ...]] = (
    "weekday",
    "trend",
    "season",
    "recovery",
    "others",
)
#: The season term (one annual harmonic) needs a log spanning at least this many days.
SEASON_MIN_DAYS: Final = 240
#: ``"others"`` adjusts for another trigger only if it is logged on this share of the days.
OTHERS_MIN_SHARE: Final = 0.8
#: ... and only if it moves with the trigger: ``|r|`` at least this on their common days at
#: risk. One that does not cannot confound the rate ratio (it is collapsible), while adjusting
#: for it costs the days it is missing and, in the issue-13 world, interval coverage
#: (docs/statistics.md, "Adjustment"). Decided without looking at the onsets.
OTHERS_MIN_CORRELATION: Final = 0.1

FloatArray = npt.NDArray[np.float64]

#: Panel columns every analysis needs.
REQUIRED_COLUMNS: Final = ("date", "weekday", "day_index", "at_risk", "onset", "in_episode")

#: Years of log per degree of freedom of the trend spline, and its largest df.
TREND_YEARS_PER_DF: Final = 1.0
TREND_MAX_DF: Final = 4
#: Onsets per degree of freedom of the trend spline.
TREND_ONSETS_PER_DF: Final = 20
#: Below this many onsets ``"weekday"`` falls back to one weekend indicator (10 per df).
WEEKDAY_MIN_ONSETS: Final = 60
#: Bands of days since the last episode day that the ``"recovery"`` adjustment separates
#: (the risk of a new onset is higher soon after an episode).
RECOVERY_BANDS: Final[tuple[tuple[int, int], ...]] = ((1, 4), (5, 10), (11, 21))
#: Below this many onsets ``"recovery"`` adds no term (like the trend): bands fitted to a
#: dozen onsets biased the stretching habit, which follows each episode, by -0.13 under
#: no effect at one year in the issue-13 world, -0.06 without them (docs/statistics.md).
RECOVERY_MIN_ONSETS: Final = 20


def check_panel(panel: pd.DataFrame, minimums: Minimums = DEFAULT_MINIMUMS) -> None:
    """Refuse a panel that cannot support any trigger analysis.

    Parameters
    ----------
    panel
        A daily panel from :func:`~backcare_analysis.panel.daily_panel`.
    minimums
        The least data accepted.

    Raises
    ------
    AnalysisError
        When columns are missing, no day is at risk, no onset was logged, or there are
        fewer at-risk days or onsets than ``minimums`` asks for.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in panel.columns]
    if missing:
        raise AnalysisError(
            f"the panel lacks the columns {missing}; build it with daily_panel(log)"
        )
    at_risk = panel["at_risk"].fillna(False).astype(bool).to_numpy()
    n_days = int(at_risk.sum())
    if n_days == 0:
        raise AnalysisError(
            "the panel has no day at risk of a new onset: every logged day is inside an "
            "episode, or nothing was logged; the diary must cover days between episodes"
        )
    onset = panel["onset"].to_numpy(dtype=np.float64, na_value=np.nan)[at_risk]
    n_onsets = int(np.nansum(onset))
    if n_onsets == 0:
        raise AnalysisError(
            f"the panel has no onset on any of its {n_days} days at risk: with no spasm "
            "logged there is nothing to relate triggers to; record episodes as they happen"
        )
    if n_days < minimums.at_risk_days:
        raise AnalysisError(
            f"the panel has only {n_days} days at risk; at least {minimums.at_risk_days} "
            "are needed before triggers can be checked: keep logging"
        )
    if n_onsets < minimums.onsets:
        raise AnalysisError(
            f"the panel has only {n_onsets} onsets; at least {minimums.onsets} are needed "
            "before triggers can be checked: keep logging"
        )


@dataclass(frozen=True)
class Exposure:
    """One trigger as tested: its panel column, window words and reporting unit."""

    trigger: str
    column: str
    suffix: str
    window: str
    scale: float
    unit: str


def resolve_exposures(
    panel: pd.DataFrame,
    triggers: Sequence[str] | None = None,
    windows: Mapping[str, str] | None = None,
    units: Mapping[str, float] | None = None,
) -> list[Exposure]:
    """Which panel column and unit tests each trigger.

    Parameters
    ----------
    panel
        A daily panel.
    triggers
        Trigger names (keys of :data:`~backcare_analysis.schema.TRIGGER_COLUMNS`); all of
        them if None.
    windows
        Trigger -> panel suffix (``"lag1"``, ``"mean7d"``, ``"mean14d"``) overriding the
        defaults of :data:`~backcare_analysis.stats.verdicts.TRIGGERS`.
    units
        Trigger -> size of the reporting unit in the trigger's own unit (``{"sitting_h":
        0.5}`` reports per 30 min).

    Returns
    -------
    list of Exposure
        In the order of ``triggers``.

    Raises
    ------
    AnalysisError
        For an unknown trigger, or a window the panel was not built with.
    """
    names = list(TRIGGER_COLUMNS) if triggers is None else list(triggers)
    if not names:
        raise AnalysisError("no triggers requested; pass trigger names or None for all")
    windows = windows or {}
    units = units or {}
    unknown = [t for t in [*names, *windows, *units] if t not in TRIGGERS]
    if unknown:
        raise AnalysisError(f"unknown triggers {unknown}; choose from {list(TRIGGERS)}")
    out = []
    for trigger in dict.fromkeys(names):
        suffix = windows.get(trigger, TRIGGERS[trigger].exposure)
        window = window_label(suffix)
        column = f"{trigger}_{suffix}"
        if column not in panel.columns:
            n = suffix.removeprefix("lag").removeprefix("mean").removesuffix("d")
            arg = f"lags=({n},)" if suffix.startswith("lag") else f"windows=({n},)"
            raise AnalysisError(
                f"the panel has no column {column!r} for the {window} of {trigger}; build "
                f"it with daily_panel(log, {arg})"
            )
        scale = float(units.get(trigger, TRIGGERS[trigger].scale))
        if not scale > 0:
            raise AnalysisError(f"unit of {trigger} must be positive, got {scale}")
        out.append(Exposure(trigger, column, suffix, window, scale, unit_label(trigger, scale)))
    return out


def natural_spline(x: npt.ArrayLike, df: int) -> FloatArray:
    """Natural cubic spline basis without intercept, knots at quantiles of ``x``.

    Parameters
    ----------
    x
        Values (here: day index).
    df
        Number of columns; 1 gives a straight line.

    Returns
    -------
    numpy.ndarray
        ``len(x)`` by ``df``, each column centred and scaled to unit standard deviation.

    Notes
    -----
    The truncated-power basis of a natural cubic spline (Hastie, Tibshirani and Friedman,
    eq. 5.4-5.5), linear beyond the boundary knots.
    """
    v = np.asarray(x, dtype=np.float64)
    span = float(v.max() - v.min()) or 1.0
    u = (v - v.min()) / span
    cols = [u]
    if df > 1:
        knots = np.quantile(u, np.linspace(0, 1, df + 1))

        def d(k: int) -> FloatArray:
            num = np.maximum(u - knots[k], 0) ** 3 - np.maximum(u - knots[-1], 0) ** 3
            return np.asarray(num / (knots[-1] - knots[k]), dtype=np.float64)

        last = d(df - 1)
        cols += [d(k) - last for k in range(df - 1)]
    basis = np.column_stack(cols)
    sd = basis.std(axis=0)
    return np.asarray((basis - basis.mean(axis=0)) / np.where(sd > 0, sd, 1.0))


def other_adjusters(
    exposure: Exposure,
    candidates: Sequence[Exposure],
    values: Mapping[str, npt.NDArray[np.floating[Any]]],
    rows: npt.NDArray[np.bool_],
) -> list[Exposure]:
    """The other triggers that ``exposure``'s model is adjusted for (``"others"``).

    A candidate counts when it is outside the exposure's family, logged on at least
    :data:`OTHERS_MIN_SHARE` of ``rows`` and moves with the exposure there (``|r|`` of at
    least :data:`OTHERS_MIN_CORRELATION`). Decided from the exposures alone, never from
    the onsets.

    Parameters
    ----------
    exposure
        The trigger being tested.
    candidates
        Exposures that could be adjusted for (the exposure's own family, itself
        included, is skipped).
    values
        Trigger -> exposure values on every panel day.
    rows
        Days at risk on which ``exposure`` has a value.

    Returns
    -------
    list of Exposure
        The co-adjusters, in the order of ``candidates``.
    """
    x = np.asarray(values[exposure.trigger], dtype=np.float64)
    family = TRIGGERS[exposure.trigger].family
    chosen = []
    for other in candidates:
        if TRIGGERS[other.trigger].family == family:
            continue
        z = np.asarray(values[other.trigger], dtype=np.float64)
        if np.isfinite(z[rows]).mean() < OTHERS_MIN_SHARE:
            continue
        both = rows & np.isfinite(x) & np.isfinite(z)
        if both.sum() < 3 or x[both].std() == 0 or z[both].std() == 0:
            continue
        if abs(np.corrcoef(x[both], z[both])[0, 1]) >= OTHERS_MIN_CORRELATION:
            chosen.append(other)
    return chosen


def trend_df(n_calendar_days: int, n_onsets: int | None = None) -> int:
    """Degrees of freedom of the slow trend.

    One per year of log and per :data:`TREND_ONSETS_PER_DF` onsets, between 1 (a straight
    line) and :data:`TREND_MAX_DF`; none (0) below :data:`TREND_ONSETS_PER_DF` onsets.

    Notes
    -----
    Below 20 onsets a straight line costs a degree of freedom the onsets cannot pay for:
    with about 12 onsets in a year it moved the stretching habit, which follows each
    episode (stretching started as treatment), to -0.16 on the log scale under no effect
    in the issue-13 world, -0.06 without it (docs/statistics.md, "Few onsets").
    """
    if n_onsets is not None and n_onsets < TREND_ONSETS_PER_DF:
        return 0
    by_years = round(n_calendar_days / 365 / TREND_YEARS_PER_DF)
    by_onsets = by_years if n_onsets is None else n_onsets // TREND_ONSETS_PER_DF
    return int(min(TREND_MAX_DF, max(1, min(by_years, by_onsets))))


def days_since_episode(in_episode: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Days since the last day inside an episode (a large number before the first one)."""
    flags = np.asarray(in_episode, dtype=bool)
    idx = np.arange(flags.size)
    last = np.maximum.accumulate(np.where(flags, idx, -(10**6)))
    prev_last = np.concatenate([[-(10**6)], last[:-1]])
    return np.asarray(idx - prev_last, dtype=np.int64)


def adjustment_design(
    panel: pd.DataFrame,
    rows: npt.NDArray[np.bool_],
    adjust: Sequence[Adjustment],
    *,
    n_onsets: int | None = None,
) -> tuple[FloatArray, list[str]]:
    """Covariates that every trigger model is adjusted for.

    Parameters
    ----------
    panel
        The daily panel.
    rows
        Which panel rows enter the model.
    adjust
        ``"weekday"`` (six day-of-week indicators; one weekend indicator with fewer than
        :data:`WEEKDAY_MIN_ONSETS` onsets), ``"weekend"`` (one indicator), ``"trend"``
        (natural spline of the day index, :func:`trend_df` df, none below 20 onsets),
        ``"season"`` (one annual harmonic, sine and cosine of the day of the year, when the
        log spans
        :data:`SEASON_MIN_DAYS` days) and ``"recovery"`` (indicators of the bands
        :data:`RECOVERY_BANDS` of days since the last episode day; none below
        :data:`RECOVERY_MIN_ONSETS` onsets).
        ``"others"`` is handled by :func:`fit_onset_models`.
    n_onsets
        Onsets on these rows, which limit the weekday and trend terms; no limit if None..

    Returns
    -------
    tuple
        The design columns (rows by k, no intercept) and their names.
    """
    cols: list[FloatArray] = []
    names: list[str] = []
    weekday = panel["weekday"].to_numpy(dtype=np.int64)[rows]
    few = n_onsets is not None and n_onsets < WEEKDAY_MIN_ONSETS
    if "weekday" in adjust and not few:
        for d in range(1, 7):
            cols.append((weekday == d).astype(np.float64))
            names.append(f"weekday_{d}")
    elif "weekend" in adjust or "weekday" in adjust:
        cols.append((weekday >= 5).astype(np.float64))
        names.append("weekend")
    if "trend" in adjust:
        day = panel["day_index"].to_numpy(dtype=np.float64)[rows]
        span = int(day.max() - day.min()) + 1 if day.size else 1
        k = trend_df(span, n_onsets)
        basis = natural_spline(day, k) if k and day.size > k + 1 else np.empty((day.size, 0))
        cols.extend(basis.T)
        names += [f"trend_{j + 1}" for j in range(basis.shape[1])]
    if "season" in adjust and rows.any():
        day = panel["day_index"].to_numpy(dtype=np.float64)[rows]
        if day.max() - day.min() + 1 >= SEASON_MIN_DAYS:
            doy = panel["date"].dt.day_of_year.to_numpy(dtype=np.float64)[rows]
            angle = 2 * np.pi * doy / 365.25
            cols += [np.sin(angle), np.cos(angle)]
            names += ["season_sin", "season_cos"]
    if "recovery" in adjust:
        flags = panel["in_episode"].to_numpy(dtype=bool)
        if "episode_day" in panel.columns:
            flags = flags | panel["episode_day"].to_numpy(dtype=bool)
        since = days_since_episode(flags)[rows]
        few_onsets = n_onsets is not None and n_onsets < RECOVERY_MIN_ONSETS
        for lo, hi in () if few_onsets else RECOVERY_BANDS:
            cols.append(((since >= lo) & (since <= hi)).astype(np.float64))
            names.append(f"after_episode_{lo}d" if lo == hi else f"after_episode_{lo}_{hi}d")
    n = int(rows.sum())
    design = np.column_stack(cols) if cols else np.empty((n, 0))
    # Drop columns that are constant on these rows (a weekday never at risk, say).
    keep = design.std(axis=0) > 0 if n else np.zeros(design.shape[1], dtype=bool)
    return np.asarray(design[:, keep], dtype=np.float64), [
        nm for nm, k in zip(names, keep, strict=True) if k
    ]
