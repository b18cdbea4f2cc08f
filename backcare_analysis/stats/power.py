"""What it would take: detectable effects now, and the logging needed to detect a stated one.

One person's log has little power: at one episode a month, a halving of the rate takes
years to detect. Every "inconclusive" therefore says how small an effect the data could
have found and how many more weeks of logging a realistic effect would need.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..schema import AnalysisError
from .triggers import TRIGGERS, Direction

FloatArray = npt.NDArray[np.float64]

#: Published effects usable as targets: trigger -> (ratio, per how much, source).
PUBLISHED_EFFECTS: Final[Mapping[str, tuple[float, float, str]]] = {
    "exercise_min": (
        0.65,
        30.0,
        "exercise programmes cut recurrence, RR 0.65 (Steffens 2016); read as 30 min a day",
    ),
    "steps_count": (
        0.72,
        3000.0,
        "walking programme, HR 0.72 (WalkBack 2024); read as 3000 more steps a day",
    ),
}
#: Target ratio per reporting unit where nothing is published, in the advised direction.
DEFAULT_TARGET_RR: Final = 1.5


def _z(q: float) -> float:
    from scipy import stats

    return float(stats.norm.ppf(q))


def target_ratio(trigger: str, scale: float | None = None) -> tuple[float, str]:
    """The effect worth detecting for a trigger, per reporting unit.

    Parameters
    ----------
    trigger
        A key of :data:`~backcare_analysis.stats.verdicts.TRIGGERS`.
    scale
        Reporting unit in the trigger's own unit; its default if None.

    Returns
    -------
    tuple
        The ratio per reporting unit and where it comes from.
    """
    spec = TRIGGERS[trigger]
    s = spec.scale if scale is None else float(scale)
    if trigger in PUBLISHED_EFFECTS:
        ratio, per, source = PUBLISHED_EFFECTS[trigger]
        return float(ratio ** (s / per)), source
    ratio = DEFAULT_TARGET_RR if spec.expected == "raises" else 1 / DEFAULT_TARGET_RR
    return ratio, f"stated default: {DEFAULT_TARGET_RR:g} times per unit, in the advised direction"


def se_log_ratio(n_onsets: npt.ArrayLike, exposure_sd: npt.ArrayLike) -> FloatArray:
    """Approximate standard error of a log rate ratio: ``1 / sqrt(n_onsets var(x))``.

    Parameters
    ----------
    n_onsets
        Onsets in the analysis.
    exposure_sd
        Standard deviation of the exposure over the days analysed, in reporting units.

    Returns
    -------
    numpy.ndarray
        The Wald standard error near no effect; infinite with no onsets or no contrast.
    """
    n = np.asarray(n_onsets, dtype=np.float64)
    sd = np.asarray(exposure_sd, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(1 / np.sqrt(n * sd**2), dtype=np.float64)


def min_detectable_ratio(
    n_onsets: npt.ArrayLike,
    exposure_sd: npt.ArrayLike,
    expected: Sequence[Direction] | Direction = "raises",
    *,
    power: float = 0.8,
    alpha: float = 0.05,
) -> FloatArray:
    """Smallest ratio per unit detectable with the given power, in the advised direction.

    Parameters
    ----------
    n_onsets, exposure_sd
        As in :func:`se_log_ratio`.
    expected
        ``"raises"`` gives a ratio above 1, ``"lowers"`` one below; one per row or one for
        all.
    power
        Probability of a two-sided Wald test at level ``alpha`` rejecting.
    alpha
        Two-sided level.

    Returns
    -------
    numpy.ndarray
        ``exp(+-(z_{1-alpha/2} + z_power) SE)``; NaN where the standard error is infinite.
    """
    se = se_log_ratio(n_onsets, exposure_sd)
    k = _z(1 - alpha / 2) + _z(power)
    exp_dir = [expected] * se.size if isinstance(expected, str) else list(expected)
    sign = np.array([1.0 if e == "raises" else -1.0 for e in exp_dir]).reshape(se.shape)
    out = np.exp(sign * k * se)
    return np.asarray(np.where(np.isfinite(se), out, np.nan), dtype=np.float64)


def onsets_needed(
    target_rr: npt.ArrayLike,
    exposure_sd: npt.ArrayLike,
    *,
    power: float = 0.8,
    alpha: float = 0.05,
) -> FloatArray:
    """Onsets needed to detect ``target_rr`` per unit: ``((z_a + z_b) / (log RR sd))^2``.

    Parameters
    ----------
    target_rr
        Ratio per reporting unit.
    exposure_sd
        Standard deviation of the exposure in reporting units.
    power, alpha
        As in :func:`min_detectable_ratio`.

    Returns
    -------
    numpy.ndarray
        Onsets; infinite without exposure contrast or for a target of 1.
    """
    k = _z(1 - alpha / 2) + _z(power)
    log_rr = np.abs(np.log(np.asarray(target_rr, dtype=np.float64)))
    sd = np.asarray(exposure_sd, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray((k / (log_rr * sd)) ** 2, dtype=np.float64)


def weeks_needed_for(
    target_rr: npt.ArrayLike,
    n_onsets: npt.ArrayLike,
    exposure_sd: npt.ArrayLike,
    weeks_logged: float,
    *,
    power: float = 0.8,
    alpha: float = 0.05,
) -> FloatArray:
    """Further weeks of logging, at the pace so far, to detect ``target_rr``.

    Parameters
    ----------
    target_rr
        Ratio per reporting unit.
    n_onsets
        Onsets analysed so far.
    exposure_sd
        Standard deviation of the exposure in reporting units.
    weeks_logged
        Calendar weeks the log spans so far (missing days included: they set the pace).
    power, alpha
        As in :func:`min_detectable_ratio`.

    Returns
    -------
    numpy.ndarray
        ``weeks_logged (onsets_needed / n_onsets - 1)``, at least 0; NaN without onsets or
        exposure contrast.

    Notes
    -----
    Assumes the onset rate, the share of usable days and the spread of the exposure stay
    as they were.
    """
    needed = onsets_needed(target_rr, exposure_sd, power=power, alpha=alpha)
    n = np.asarray(n_onsets, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        weeks = weeks_logged * (needed / n - 1)
    ok = np.isfinite(weeks) & (n > 0)
    return np.asarray(np.where(ok, np.maximum(weeks, 0.0), np.nan), dtype=np.float64)


def what_it_would_take(
    panel: pd.DataFrame,
    table: pd.DataFrame,
    *,
    target_rr: float | Mapping[str, float] | None = None,
    power: float = 0.8,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """For each trigger: the effect detectable now and the logging a target effect needs.

    Parameters
    ----------
    panel
        The daily panel the table was computed from (for the weeks logged).
    table
        A result of :func:`~backcare_analysis.stats.onset.onset_rate_ratios`.
    target_rr
        Ratio per reporting unit to detect: one for all triggers, or per trigger. By
        default the published effect where one exists (exercise RR 0.65 per 30 min a day;
        walking HR 0.72 per 3000 steps a day), else 1.5 in the advised direction.
    power
        Wanted probability of detecting the target.
    alpha
        Two-sided level.

    Returns
    -------
    pandas.DataFrame
        One row per trigger of ``table`` with columns ``trigger``, ``unit``, ``n_days``,
        ``n_onsets``, ``weeks_logged`` (calendar weeks the panel spans),
        ``onsets_per_week`` (usable onsets per calendar week so far), ``exposure_sd``
        (in reporting units), ``se_log_rr_approx`` (``1 / sqrt(n_onsets var(x))``),
        ``min_detectable_rr`` (in the advised direction), ``target_rr``,
        ``target_source``, ``power``, ``onsets_needed``, ``weeks_needed`` (further
        weeks at the current pace; 0 when already enough) and ``total_weeks``.

    Raises
    ------
    AnalysisError
        When ``table`` lacks the columns of an ``onset_rate_ratios`` result.

    Notes
    -----
    Wald approximation near no effect for a log-linear rate with ``n`` onsets and exposure
    variance ``var(x)``: ``SE(log RR) = 1 / sqrt(n var(x))``; the onset rate, logging
    completeness and exposure spread are assumed to stay as they were.
    """
    needed_cols = {"trigger", "unit", "n_days", "n_onsets", "exposure_sd", "scale"}
    missing = needed_cols - set(table.columns)
    if missing:
        raise AnalysisError(
            f"the table lacks the columns {sorted(missing)}; pass a result of onset_rate_ratios()"
        )
    if not 0 < power < 1:
        raise AnalysisError(f"power must lie between 0 and 1, got {power}")
    weeks_logged = len(panel) / 7
    triggers = list(table["trigger"])
    targets: list[float] = []
    sources: list[str] = []
    for trigger, scale in zip(triggers, table["scale"], strict=True):
        if target_rr is None or (isinstance(target_rr, Mapping) and trigger not in target_rr):
            value, source = target_ratio(trigger, float(scale))
        else:
            value = float(target_rr[trigger] if isinstance(target_rr, Mapping) else target_rr)
            source = "stated by the caller"
        if not (value > 0 and math.isfinite(value)) or value == 1:
            raise AnalysisError(f"target ratio for {trigger} must be positive and not 1")
        targets.append(value)
        sources.append(source)
    n = table["n_onsets"].to_numpy(dtype=np.float64)
    sd = table["exposure_sd"].to_numpy(dtype=np.float64)
    expected = [TRIGGERS[t].expected for t in triggers]
    target = np.asarray(targets, dtype=np.float64)
    needed = onsets_needed(target, sd, power=power, alpha=alpha)
    further = weeks_needed_for(target, n, sd, weeks_logged, power=power, alpha=alpha)
    detectable = min_detectable_ratio(n, sd, expected, power=power, alpha=alpha)
    if "se_log_rr" in table.columns:
        # The fitted SE and the false-discovery threshold: not optimistic (issue 13).
        se = table["se_log_rr"].to_numpy(dtype=np.float64)
        tested = int(np.isfinite(se).sum())
        fitted = fitted_power_columns(
            se, n, expected, target, weeks_logged, n_tested=tested, power=power, alpha=alpha
        )
        k = _z(1 - fdr_threshold(alpha, tested) / 2) + _z(power)
        with np.errstate(divide="ignore", invalid="ignore"):
            needed = n * (k * se / np.abs(np.log(target))) ** 2
        further = fitted["weeks_needed"]
        detectable = fitted["min_detectable_rr"]
    return pd.DataFrame(
        {
            "trigger": triggers,
            "unit": table["unit"].to_numpy(),
            "n_days": table["n_days"].to_numpy(),
            "n_onsets": table["n_onsets"].to_numpy(),
            "weeks_logged": weeks_logged,
            "onsets_per_week": n / weeks_logged,
            "exposure_sd": sd,
            "se_log_rr_approx": se_log_ratio(n, sd),
            "min_detectable_rr": detectable,
            "target_rr": target,
            "target_source": sources,
            "power": power,
            "onsets_needed": np.where(np.isfinite(needed), np.ceil(needed), np.nan),
            "weeks_needed": further,
            "total_weeks": weeks_logged + further,
        }
    )


def fdr_threshold(alpha: float, n_tested: int) -> float:
    """The p-value a single true effect must reach under Benjamini-Hochberg.

    With ``m`` claims tested together and only one of them real, BH rejects it when
    ``p <= alpha / m``: the conservative threshold "what it would take" plans for.
    """
    return float(alpha / max(1, n_tested))


def fitted_power_columns(
    se_log: npt.ArrayLike,
    n_onsets: npt.ArrayLike,
    expected: Sequence[Direction],
    target_rr: npt.ArrayLike,
    weeks_logged: float,
    *,
    n_tested: int,
    power: float = 0.8,
    alpha: float = 0.05,
) -> dict[str, FloatArray]:
    """Detectable effect, power now and weeks needed, from the fitted model's own SE.

    Parameters
    ----------
    se_log
        The standard error of the fitted log ratio (co-adjustment and small-sample
        inflation included).
    n_onsets
        Onsets the fit used.
    expected
        Direction the advice predicts, per row.
    target_rr
        Ratio per reporting unit to plan for.
    weeks_logged
        Calendar weeks the log spans so far.
    n_tested
        Claims tested together (the false-discovery family).
    power, alpha
        Wanted power; false discovery rate.

    Returns
    -------
    dict
        ``min_detectable_rr`` (``exp(+-(z_{1-t/2} + z_power) SE)``, ``t`` the threshold
        of :func:`fdr_threshold`), ``power_at_target`` (the probability of reaching that
        threshold now if the target were true) and ``weeks_needed`` (further weeks at
        the pace so far for 80% power, the SE shrinking as ``1 / sqrt(onsets)``).

    Notes
    -----
    Unlike :func:`min_detectable_ratio`, which assumes ``SE = 1 / sqrt(n var(x))``, this
    uses the SE the co-adjusted model actually reached (1.1-1.2 times larger) and the
    false-discovery threshold, so it is not optimistic; ``docs/statistics.md`` checks it
    against simulated power.
    """
    from scipy import stats

    se = np.asarray(se_log, dtype=np.float64)
    n = np.asarray(n_onsets, dtype=np.float64)
    target = np.abs(np.log(np.asarray(target_rr, dtype=np.float64)))
    z_crit = _z(1 - fdr_threshold(alpha, n_tested) / 2)
    k = z_crit + _z(power)
    sign = np.array([1.0 if e == "raises" else -1.0 for e in expected]).reshape(se.shape)
    ok = np.isfinite(se) & (se > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mdr = np.where(ok, np.exp(sign * k * se), np.nan)
        now = np.where(ok, stats.norm.sf(z_crit - target / se), np.nan)
        needed = n * (k * se / target) ** 2
        weeks = weeks_logged * (needed / n - 1)
    good = ok & np.isfinite(weeks) & (n > 0)
    return {
        "min_detectable_rr": np.asarray(mdr, dtype=np.float64),
        "power_at_target": np.asarray(now, dtype=np.float64),
        "weeks_needed": np.asarray(np.where(good, np.maximum(weeks, 0.0), np.nan)),
    }
