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
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..schema import AnalysisError
from .design import (
    ADJUSTMENTS,
    DEFAULT_ADJUST,
    Adjustment,
    Exposure,
    FloatArray,
    adjustment_design,
    check_panel,
    other_adjusters,
    resolve_exposures,
)
from .glm import Model, SEType, fit_hazard
from .triggers import TRIGGERS
from .verdicts import DEFAULT_MINIMUMS, Measure, Minimums, describe_effect, wald_columns

#: Small-sample correction of the standard error of a measured amount or habit mean:
#: ``SE * sqrt(n / (n - K))`` with ``n`` onsets. ``K = 2`` keeps 95% coverage within 93-97%
#: at one to three years in both simulated worlds since the time terms need 20 onsets;
#: ``K = 3``, fitted when a trend line was always there, over-covered once it went. A yes/no
#: exposure needs no factor: its information SE alone covered 0.95-0.96 (docs/statistics.md).
SMALL_SAMPLE_K: Final = 2.0
#: The ``unit`` of a yes/no exposure, which keeps the information-based SE.
YES_NO_UNIT: Final = "yes vs no"


def small_sample_inflation(
    n_onsets: npt.ArrayLike, units: npt.ArrayLike | None = None
) -> FloatArray:
    """Factor applied to the standard error of a log ratio fitted on ``n`` onsets.

    ``sqrt(n / (n - K))`` with :data:`SMALL_SAMPLE_K` (K = 2): 1.29 at 5 onsets, 1.12 at
    10, 1.03 at 30, 1.02 at 50; NaN below K + 1 onsets; 1 where the exposure's ``unit``
    (elementwise, as in the result tables) is :data:`YES_NO_UNIT`.
    """
    n = np.asarray(n_onsets, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.sqrt(n / (n - SMALL_SAMPLE_K))
    out = np.where(n > SMALL_SAMPLE_K + 0.5, out, np.nan)
    if units is None:
        return np.asarray(out, dtype=np.float64)
    yes_no = np.asarray(units, dtype=object) == YES_NO_UNIT
    return np.asarray(np.where(yes_no, 1.0, out), dtype=np.float64)


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
    testable = [e for e in exposures if not own_reason[e.trigger]]
    records = []
    for e in exposures:
        rows = base & np.isfinite(values[e.trigger])
        others: list[Exposure] = []
        if "others" in adjust and not own_reason[e.trigger]:
            others = other_adjusters(e, testable, values, rows)
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
        Covariates of every model (default
        :data:`~backcare_analysis.stats.design.DEFAULT_ADJUST`: weekday, trend, season,
        recovery, others): ``"weekday"`` (a weekend indicator below 60 onsets),
        ``"weekend"``, ``"trend"`` (natural spline of the day, one df per year and per 20
        onsets, none below 20), ``"season"`` (one annual harmonic when the log spans at
        least :data:`~backcare_analysis.stats.design.SEASON_MIN_DAYS` days),
        ``"recovery"`` (days since the last episode, in bands; see
        :func:`adjustment_design`) and ``"others"``: the exposures of the other requested
        triggers outside the trigger's own family (sitting and standing breaks, exercise
        and steps are families), each if logged on
        80% of the days and moving with the trigger (``|r|`` of at least
        :data:`~backcare_analysis.stats.design.OTHERS_MIN_CORRELATION` on their common days
        at risk: one that does not cannot confound it); days missing one of them are left
        out.
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
            Standard error of the log ratio, with the small-sample inflation
            ``se_inflation`` (:func:`small_sample_inflation`) applied.
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
            Smallest ratio (in the expected direction) detectable with 80% power now, from
            the fitted SE and the false-discovery threshold (``alpha`` over the number of
            triggers tested).
        ``power_at_target``
            Probability of a verdict now if ``target_rr`` were true.
        ``se_inflation``
            The small-sample factor applied to the standard error.
        ``measured_by``
            ``"amount logged"`` or ``"diary tags"`` (days with a tag).
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
    before it, adjusted for weekday, slow trend and the other triggers that move with it
    (behaviours that change together would otherwise borrow each other's effects; one that
    does not move with it cannot confound it and would only cost days). The
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

    from .power import fitted_power_columns, target_ratio

    column = {"model": "se_model", "robust": "se_robust", "hac": "se_hac"}[se]
    inflation = small_sample_inflation(
        fits["n_onsets"].to_numpy(dtype=np.float64), fits["unit"].to_numpy()
    )
    se_used = fits[column].to_numpy(dtype=np.float64) * inflation
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
                se_used,
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
    target = [target_ratio(t, sc)[0] for t, sc in zip(fits["trigger"], fits["scale"], strict=True)]
    planned = fitted_power_columns(
        se_used,
        n_onsets,
        expected,
        np.asarray(target, dtype=np.float64),
        len(panel) / 7,
        n_tested=int((fits["reason"] == "").sum()),
        alpha=alpha,
    )
    out["min_detectable_rr"] = planned["min_detectable_rr"]
    out["target_rr"] = target
    out["weeks_needed"] = planned["weeks_needed"]
    out["power_at_target"] = planned["power_at_target"]
    out["se_inflation"] = inflation
    out["measured_by"] = [TRIGGERS[t].measured_by for t in fits["trigger"]]
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
