"""Onset rate ratios: a discrete-time hazard model of new spasms on days at risk.

One model per trigger: on days at risk of a new onset, ``onset ~ exposure + weekday +
trend + other triggers`` (Poisson with log link, so ``exp(coef)`` is a rate ratio; or
logistic, an odds ratio), with every exposure measured before the day (the previous day,
or the mean of the previous 7 days for habits). See ``docs/statistics.md`` for the choices
and their calibration by simulation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..schema import TRIGGER_COLUMNS, AnalysisError
from .verdicts import (
    DEFAULT_MINIMUMS,
    TRIGGERS,
    Measure,
    Minimums,
    describe_effect,
    unit_label,
    wald_columns,
    window_label,
)

Model = Literal["poisson", "logistic"]
SEType = Literal["model", "robust", "hac"]
Adjustment = Literal["weekday", "weekend", "trend", "recovery", "others"]

#: Every adjustment :func:`onset_rate_ratios` knows.
ADJUSTMENTS: Final[tuple[Adjustment, ...]] = ("weekday", "weekend", "trend", "recovery", "others")
#: The adjustment used unless another is asked for (see docs/statistics.md).
DEFAULT_ADJUST: Final[tuple[Adjustment, ...]] = ("weekday", "trend", "others")
#: ``"others"`` adjusts for another trigger only if it is logged on this share of the days.
OTHERS_MIN_SHARE: Final = 0.8

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
#: Bands of days since the last episode day that the ``"recovery"`` adjustment separates.
RECOVERY_BANDS: Final[tuple[tuple[int, int], ...]] = ((1, 1), (2, 2), (3, 3), (4, 6), (7, 10))


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


def trend_df(n_calendar_days: int, n_onsets: int | None = None) -> int:
    """Degrees of freedom of the slow trend.

    One per year of log and per :data:`TREND_ONSETS_PER_DF` onsets, between 1 (a straight
    line) and :data:`TREND_MAX_DF`.
    """
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
        (natural spline of the day index with :func:`trend_df` df) and ``"recovery"``
        (indicators of the bands :data:`RECOVERY_BANDS` of days since the last episode
        day). ``"others"`` is handled by :func:`fit_onset_models`.
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
        basis = natural_spline(day, k) if day.size > k + 1 else np.empty((day.size, 0))
        cols.extend(basis.T)
        names += [f"trend_{j + 1}" for j in range(basis.shape[1])]
    if "recovery" in adjust:
        since = days_since_episode(panel["in_episode"].to_numpy(dtype=bool))[rows]
        for lo, hi in RECOVERY_BANDS:
            cols.append(((since >= lo) & (since <= hi)).astype(np.float64))
            names.append(f"after_episode_{lo}d" if lo == hi else f"after_episode_{lo}_{hi}d")
    n = int(rows.sum())
    design = np.column_stack(cols) if cols else np.empty((n, 0))
    # Drop columns that are constant on these rows (a weekday never at risk, say).
    keep = design.std(axis=0) > 0 if n else np.zeros(design.shape[1], dtype=bool)
    return np.asarray(design[:, keep], dtype=np.float64), [
        nm for nm, k in zip(names, keep, strict=True) if k
    ]


@dataclass(frozen=True)
class HazardFit:
    """Coefficient of the exposure and its standard errors under each variance choice."""

    coef: float
    se_model: float
    se_robust: float
    se_hac: float
    hac_lags: int


def hac_lags(n_calendar_days: int) -> int:
    """Newey-West bandwidth ``floor(4 (n / 100) ** (2 / 9))`` on the calendar-day scale."""
    bandwidth: float = 4 * (n_calendar_days / 100) ** (2 / 9)
    return math.floor(bandwidth)


def newton_glm(
    design: FloatArray, y: FloatArray, *, model: Model = "poisson", max_iter: int = 100
) -> tuple[FloatArray, FloatArray]:
    """Maximum-likelihood fit of a Poisson (log link) or logistic GLM by Newton's method.

    Parameters
    ----------
    design
        Design matrix with the intercept column.
    y
        Outcome, 0/1 (or counts for Poisson).
    model
        ``"poisson"`` or ``"logistic"``; both links are canonical, so Newton's method is
        the IRLS of ``statsmodels.GLM`` (the tests check the two agree).
    max_iter
        Iterations before giving up.

    Returns
    -------
    tuple
        Coefficients and fitted means.

    Raises
    ------
    ArithmeticError
        When the fit does not converge, or the exposure's estimate runs off to infinity
        (separation).

    Notes
    -----
    A small solver instead of ``statsmodels.GLM``: it avoids least-squares solves on the
    full design, which multi-threaded BLAS makes slow on a busy machine. A nuisance
    coefficient may drift towards minus infinity (a weekday without onsets); convergence is
    then judged on the likelihood and the exposure's coefficient.
    """

    def mean(eta: FloatArray) -> FloatArray:
        return np.exp(eta) if model == "poisson" else 1 / (1 + np.exp(-eta))

    def loglik(eta: FloatArray) -> float:
        if model == "poisson":
            return float(np.sum(y * eta - np.exp(eta)))
        return float(np.sum(y * eta - np.logaddexp(0.0, eta)))

    p0 = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
    beta = np.zeros(design.shape[1])
    beta[0] = math.log(p0) if model == "poisson" else math.log(p0 / (1 - p0))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        eta = design @ beta
        current = loglik(eta)
        for _ in range(max_iter):
            mu = mean(eta)
            weight = mu if model == "poisson" else mu * (1 - mu)
            info = design.T @ (design * weight[:, None])
            # lstsq on the small k x k system copes with a nuisance column whose rows
            # hold no onset (its coefficient drifts to -inf, harmlessly).
            step = np.linalg.lstsq(info, design.T @ (y - mu), rcond=None)[0]
            for _ in range(40):
                new_eta = design @ (beta + step)
                new = loglik(new_eta)
                if math.isfinite(new) and new >= current - 1e-10:
                    break
                step = step / 2
            else:
                raise ArithmeticError("the model did not converge")
            beta, eta, gain, current = beta + step, new_eta, new - current, new
            if not np.all(np.isfinite(beta)) or abs(beta[1]) > 20:
                raise ArithmeticError(
                    "the estimate ran off to infinity (the exposure separates onsets)"
                )
            settled = abs(gain) < 1e-12 * max(1.0, abs(current)) and abs(step[1]) < 1e-8
            if np.max(np.abs(step)) < 1e-9 or settled:
                return beta, mean(eta)
    raise ArithmeticError("the model did not converge")


def fit_hazard(
    y: FloatArray,
    x: FloatArray,
    covariates: FloatArray,
    day: npt.NDArray[np.int64],
    *,
    model: Model = "poisson",
) -> HazardFit:
    """Fit ``y ~ 1 + x + covariates`` and the exposure's standard error three ways.

    Parameters
    ----------
    y
        Onset (1/0) on the days used.
    x
        Exposure in reporting units.
    covariates
        Adjustment columns (no intercept).
    day
        Calendar day index of each row, for the autocorrelation-consistent variance.
    model
        ``"poisson"`` (log link: rate ratio) or ``"logistic"`` (odds ratio).

    Returns
    -------
    HazardFit
        The log ratio and its standard errors: ``se_model`` from the Bernoulli information
        (valid when the hazard model conditions on the past), ``se_robust`` the HC0
        sandwich, ``se_hac`` a Bartlett-kernel sandwich over calendar days (missing days
        contribute nothing).

    Raises
    ------
    ArithmeticError
        When the fit does not converge or the information matrix is singular.

    Notes
    -----
    For the Poisson working model on a 0/1 outcome the bread is ``X' diag(mu) X`` and the
    meat under the model is ``X' diag(mu (1 - mu)) X``, the variance of a Bernoulli
    outcome; for the logistic model the two coincide.
    """
    design = np.column_stack([np.ones_like(x), x, covariates])
    params, fitted = newton_glm(design, y, model=model)
    mu = np.clip(fitted, 0.0, 1.0)
    var_y = mu * (1 - mu)
    weight = fitted if model == "poisson" else var_y
    bread = np.linalg.pinv(design.T @ (design * weight[:, None]), hermitian=True)
    score = design * (y - fitted)[:, None]

    def sandwich(meat: FloatArray) -> float:
        v = float((bread @ meat @ bread)[1, 1])
        return math.sqrt(v) if v > 0 else math.nan

    se_model = sandwich(design.T @ (design * var_y[:, None]))
    se_robust = sandwich(score.T @ score)
    span = int(day.max() - day.min()) + 1
    lags = hac_lags(span)
    grid = np.zeros((span, score.shape[1]))
    grid[day - day.min()] = score
    meat = grid.T @ grid
    for lag in range(1, lags + 1):
        gamma = grid[lag:].T @ grid[:-lag]
        meat += (1 - lag / (lags + 1)) * (gamma + gamma.T)
    se_hac = sandwich(meat)
    if not all(math.isfinite(v) for v in (se_model, se_robust, se_hac)):
        raise ArithmeticError("the standard error could not be computed")
    return HazardFit(float(params[1]), se_model, se_robust, se_hac, lags)


def _binary(values: FloatArray) -> bool:
    finite = values[np.isfinite(values)]
    return bool(finite.size) and bool(np.all((finite == 0) | (finite == 1)))


def data_shortfall(x: FloatArray, y: FloatArray, exposure: Exposure, minimums: Minimums) -> str:
    """Why a trigger cannot be tested on these days, or ``""`` when it can.

    Parameters
    ----------
    x
        Exposure on the at-risk days with a value.
    y
        Onset on the same days.
    exposure
        The exposure tested.
    minimums
        The least data accepted.

    Returns
    -------
    str
        A reason in plain words, empty when the data suffice.
    """
    what = f"{exposure.trigger} ({exposure.window})"
    n_days, n_onsets = x.size, int(y.sum())
    if n_days == 0:
        return f"no day at risk has a value of {what}"
    if n_days < minimums.at_risk_days:
        return (
            f"only {n_days} days at risk have a value of {what} (minimum {minimums.at_risk_days})"
        )
    if n_onsets < minimums.onsets:
        return f"only {n_onsets} onsets on days with a value of {what} (minimum {minimums.onsets})"
    values, counts = np.unique(x, return_counts=True)
    if values.size == 1:
        return f"{what} never changed: nothing to compare"
    away = n_days - int(counts.max())
    if away < minimums.level_days:
        return (
            f"{what} differed from its usual value on only {away} days "
            f"(minimum {minimums.level_days})"
        )
    if _binary(x):
        for level, word in ((1, "a day with"), (0, "a day without")):
            if y[x == level].sum() == 0:
                return (
                    f"no onset followed {word} {exposure.trigger.replace('_', ' ')}: the ratio "
                    "cannot be estimated (separation)"
                )
    return ""


def fit_onset_models(
    panel: pd.DataFrame,
    *,
    triggers: Sequence[str] | None = None,
    windows: Mapping[str, str] | None = None,
    model: Model = "poisson",
    adjust: Sequence[Adjustment] = DEFAULT_ADJUST,
    units: Mapping[str, float] | None = None,
    minimums: Minimums = DEFAULT_MINIMUMS,
) -> pd.DataFrame:
    """Fit the per-trigger hazard models; every standard error, no verdicts.

    The building block of :func:`onset_rate_ratios` and of the calibration study.

    Parameters
    ----------
    panel, triggers, windows, model, adjust, units, minimums
        As in :func:`onset_rate_ratios`.

    Returns
    -------
    pandas.DataFrame
        One row per trigger: ``trigger``, ``exposure``, ``window``, ``unit``, ``scale``,
        ``n_days``, ``n_onsets``, ``exposure_sd`` (in reporting units), ``log_ratio``,
        ``se_model``, ``se_robust``, ``se_hac``, ``hac_lags``, ``adjusted_for`` and
        ``reason`` (why it could not be tested; empty otherwise).

    Raises
    ------
    AnalysisError
        As :func:`check_panel`, or for unknown triggers, windows or adjustments.

    Notes
    -----
    One Poisson (or logistic) model per trigger on the at-risk days where it and its
    co-adjustment are logged; see :func:`fit_hazard` for the three variances.
    """
    check_panel(panel, minimums)
    unknown = sorted(set(adjust) - set(ADJUSTMENTS))
    if unknown:
        raise AnalysisError(f"unknown adjustments {unknown}; choose from {list(ADJUSTMENTS)}")
    exposures = resolve_exposures(panel, triggers, windows, units)
    at_risk = panel["at_risk"].fillna(False).astype(bool).to_numpy()
    onset = panel["onset"].to_numpy(dtype=np.float64, na_value=np.nan)
    base = at_risk & np.isfinite(onset)
    day = panel["day_index"].to_numpy(dtype=np.int64)
    values = {
        e.trigger: panel[e.column].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
        / e.scale
        for e in exposures
    }
    own_reason = {
        e.trigger: data_shortfall(
            values[e.trigger][base & np.isfinite(values[e.trigger])],
            onset[base & np.isfinite(values[e.trigger])],
            e,
            minimums,
        )
        for e in exposures
    }
    records = []
    for e in exposures:
        rows = base & np.isfinite(values[e.trigger])
        others: list[Exposure] = []
        if "others" in adjust and not own_reason[e.trigger]:
            for o in exposures:
                if o.trigger == e.trigger or own_reason[o.trigger]:
                    continue
                if TRIGGERS[o.trigger].family == TRIGGERS[e.trigger].family:
                    continue
                seen = np.isfinite(values[o.trigger][rows]).mean()
                if seen >= OTHERS_MIN_SHARE:
                    others.append(o)
            for o in others:
                rows = rows & np.isfinite(values[o.trigger])
        x, y = values[e.trigger][rows], onset[rows]
        reason = own_reason[e.trigger] or data_shortfall(x, y, e, minimums)
        record: dict[str, object] = {
            "trigger": e.trigger,
            "exposure": e.column,
            "window": e.window,
            "unit": e.unit,
            "scale": e.scale,
            "n_days": int(rows.sum()),
            "n_onsets": int(y.sum()),
            "exposure_sd": float(x.std()) if x.size else math.nan,
            "log_ratio": math.nan,
            "se_model": math.nan,
            "se_robust": math.nan,
            "se_hac": math.nan,
            "hac_lags": 0,
            "adjusted_for": "",
            "reason": reason,
        }
        if not reason:
            covariates, names = adjustment_design(panel, rows, adjust, n_onsets=int(y.sum()))
            if others:
                covariates = np.column_stack(
                    [covariates, *[values[o.trigger][rows] for o in others]]
                )
                names += [o.column for o in others]
            record["adjusted_for"] = ", ".join(names)
            try:
                fit = fit_hazard(y, x, covariates, day[rows], model=model)
            except ArithmeticError as exc:
                record["reason"] = str(exc)
            else:
                record.update(
                    log_ratio=fit.coef,
                    se_model=fit.se_model,
                    se_robust=fit.se_robust,
                    se_hac=fit.se_hac,
                    hac_lags=fit.hac_lags,
                )
        records.append(record)
    return pd.DataFrame.from_records(records).astype({"hac_lags": "int64", "n_days": "int64"})


def onset_rate_ratios(
    panel: pd.DataFrame,
    *,
    triggers: Sequence[str] | None = None,
    windows: Mapping[str, str] | None = None,
    model: Model = "poisson",
    adjust: Sequence[Adjustment] = DEFAULT_ADJUST,
    se: SEType = "model",
    alpha: float = 0.05,
    units: Mapping[str, float] | None = None,
    minimums: Minimums = DEFAULT_MINIMUMS,
) -> pd.DataFrame:
    """How the rate of new spasms changes with each trigger, measured before the day.

    Parameters
    ----------
    panel
        A daily panel from :func:`~backcare_analysis.panel.daily_panel`.
    triggers
        Triggers to test together (BH false-discovery control runs across them); every
        trigger of the schema if None.
    windows
        Trigger -> panel suffix of the exposure, overriding the defaults: previous day
        (``"lag1"``) for sitting, standing breaks, water, sleep, heavy lifting and posture;
        mean of the previous 7 days (``"mean7d"``) for exercise, steps and stretching.
    model
        ``"poisson"`` (log link; rate ratio) or ``"logistic"`` (odds ratio, close to the
        rate ratio while onsets are rare).
    adjust
        Covariates of every model (default ``("weekday", "trend", "others")``):
        ``"weekday"`` (a weekend indicator below 60 onsets), ``"weekend"``, ``"trend"``
        (natural spline of the day, about one df per year), ``"recovery"`` (days since the
        last episode, in bands; see :func:`adjustment_design`) and ``"others"``: the
        exposures of the other requested triggers outside the trigger's own family
        (sitting and standing breaks, exercise and steps are families), each if logged on
        80% of the days; days missing one of them are left out.
    se
        ``"model"`` (default; calibrated in ``docs/statistics.md``), ``"robust"`` (HC0) or
        ``"hac"`` (Bartlett kernel over calendar days).
    alpha
        Two-sided level of the intervals and false discovery rate of the verdicts.
    units
        Trigger -> reporting unit in the trigger's own unit; defaults per 1 h sitting,
        standing-break hours and sleep, per 30 min exercise, per 1000 steps, per 10 min
        stretching, per 500 mL water, per posture point, heavy lifting yes vs no.
    minimums
        The least data with which a trigger is tested.

    Returns
    -------
    pandas.DataFrame
        One row per trigger with columns

        ``trigger``
            Trigger name.
        ``exposure``
            The panel column used, e.g. ``sitting_h_lag1``.
        ``window``
            ``"previous day"`` or ``"mean of previous 7 days"``.
        ``unit``
            Reporting unit, e.g. ``"per 1 h"``, ``"per 30 min"``, ``"yes vs no"``.
        ``scale``
            Size of the unit in the trigger's own unit (30 for ``"per 30 min"``).
        ``measure``
            ``"rate ratio"`` or ``"odds ratio"`` (the meaning of ``rate_ratio``).
        ``n_days``
            Days at risk with a value of the exposure (the rows of the model).
        ``n_onsets``
            Onsets on those days.
        ``rate_ratio``, ``ci_low``, ``ci_high``
            Ratio per unit and its ``1 - alpha`` Wald interval.
        ``se_log_rr``
            Standard error of the log ratio.
        ``p_val``
            Two-sided Wald p-value for no effect.
        ``q_val``
            Benjamini-Hochberg q-value across the triggers tested.
        ``expected_direction``
            What the advice predicts: ``"raises"`` or ``"lowers"``.
        ``verdict``
            ``supported``, ``contradicted``, ``inconclusive`` or ``not enough data``.
        ``reason``
            Why a trigger has not enough data; empty otherwise.
        ``exposure_sd``
            Standard deviation of the exposure on the days used, in reporting units.
        ``min_detectable_rr``
            Smallest ratio (in the expected direction) detectable with 80% power now.
        ``target_rr``
            The effect ``weeks_needed`` refers to (published where one exists).
        ``weeks_needed``
            Further weeks of logging at the current pace to detect ``target_rr``.
        ``adjusted_for``
            The adjustment columns of the model.
        ``description``
            One plain-language sentence.

    Raises
    ------
    AnalysisError
        For a panel with no day at risk, no onset, fewer at-risk days or onsets than
        ``minimums``, unknown triggers or windows, or when no requested trigger has enough
        data (the message lists why for each).

    Notes
    -----
    A discrete-time hazard model: onset on each at-risk day given exposures measured
    before it, adjusted for weekday, slow trend and the other triggers (behaviours that
    change together after an episode would otherwise borrow each other's effects). The
    per-day likelihood factorises given the past, so the information-based standard error
    holds despite autocorrelated triggers and gaps; ``docs/statistics.md`` shows the
    calibration by simulation that backs these choices.
    """
    if not 0 < alpha < 1:
        raise AnalysisError(f"alpha must lie between 0 and 1, got {alpha}")
    fits = fit_onset_models(
        panel,
        triggers=triggers,
        windows=windows,
        model=model,
        adjust=adjust,
        units=units,
        minimums=minimums,
    )
    tested = fits["reason"] == ""
    if not tested.any():
        reasons = "; ".join(
            f"{t}: {r}" for t, r in zip(fits["trigger"], fits["reason"], strict=True)
        )
        raise AnalysisError(f"no requested trigger has enough data ({reasons})")
    return _finish_table(fits, se=se, alpha=alpha, model=model, panel=panel)


def _finish_table(
    fits: pd.DataFrame, *, se: SEType, alpha: float, model: Model, panel: pd.DataFrame
) -> pd.DataFrame:

    from .power import min_detectable_ratio, target_ratio, weeks_needed_for

    column = {"model": "se_model", "robust": "se_robust", "hac": "se_hac"}[se]
    out = pd.DataFrame(
        {
            "trigger": fits["trigger"],
            "exposure": fits["exposure"],
            "window": fits["window"],
            "unit": fits["unit"],
            "scale": fits["scale"],
            "measure": "rate ratio" if model == "poisson" else "odds ratio",
            "n_days": fits["n_days"],
            "n_onsets": fits["n_onsets"],
            **wald_columns(
                fits["log_ratio"],
                fits[column],
                list(fits["trigger"]),
                alpha=alpha,
                ratio="rate_ratio",
                se_name="se_log_rr",
            ),
        }
    )
    out["reason"] = fits["reason"]
    expected = list(out["expected_direction"])
    n_onsets = fits["n_onsets"].to_numpy(dtype=np.float64)
    sd = fits["exposure_sd"].to_numpy(dtype=np.float64)
    out["exposure_sd"] = sd
    out["min_detectable_rr"] = min_detectable_ratio(n_onsets, sd, expected, alpha=alpha)
    target = [target_ratio(t, sc)[0] for t, sc in zip(fits["trigger"], fits["scale"], strict=True)]
    out["target_rr"] = target
    weeks_logged = len(panel) / 7
    out["weeks_needed"] = weeks_needed_for(
        np.asarray(target, dtype=np.float64), n_onsets, sd, weeks_logged, alpha=alpha
    )
    out["adjusted_for"] = fits["adjusted_for"]
    measure: Measure = "rate ratio" if model == "poisson" else "odds ratio"
    out["description"] = [
        describe_effect(
            str(r["trigger"]),
            float(r["rate_ratio"]),
            float(r["ci_low"]),
            float(r["ci_high"]),
            exposure=str(r["exposure"]).removeprefix(f"{r['trigger']}_"),
            scale=float(r["scale"]),
            measure=measure,
            reason=str(r["reason"]),
        )
        for r in out.to_dict("records")
    ]
    return out
