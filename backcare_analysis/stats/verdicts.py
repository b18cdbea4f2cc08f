"""The claims under test, and the one verdict rule every analysis shares.

Each trigger of :data:`~backcare_analysis.schema.TRIGGER_COLUMNS` carries the advice people
are given about it (sitting raises the risk of a spasm; exercise, stretching, standing
breaks, water, sleep and good posture lower it; heavy lifting raises it), the exposure that
tests it (the previous day, or the mean of the previous 7 days for habits) and the unit in
which its effect is reported. A verdict is decided from the interval after false-discovery
control, never from a point estimate alone:

``supported``
    the Benjamini-Hochberg q-value is below ``alpha`` and the whole interval lies on the
    side the advice predicts;
``contradicted``
    the q-value is below ``alpha`` and the interval lies on the opposite side;
``inconclusive``
    otherwise: the interval still includes "no effect" once the number of claims tested
    together is accounted for;
``not enough data``
    too few days, onsets or exposure contrast to fit the model (see :class:`Minimums`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

from .triggers import TRIGGERS, Direction, amount_words

Verdict = Literal["supported", "contradicted", "inconclusive", "not enough data"]
Measure = Literal["rate ratio", "odds ratio"]

SUPPORTED: Final = "supported"
CONTRADICTED: Final = "contradicted"
INCONCLUSIVE: Final = "inconclusive"
NOT_ENOUGH_DATA: Final = "not enough data"
#: Not a verdict: a row that is described with its interval but decides nothing (treatment
#: comparisons, the recurrence probability, a proxy read with its parent claim).
DESCRIBED: Final = "described"
#: Every verdict, in the order a report lists them.
VERDICTS: Final[tuple[Verdict, ...]] = (SUPPORTED, CONTRADICTED, INCONCLUSIVE, NOT_ENOUGH_DATA)


@dataclass(frozen=True)
class Minimums:
    """The least data with which a trigger is tested at all.

    Attributes
    ----------
    at_risk_days
        At-risk days with a value of the exposure (8 weeks). A panel with fewer at-risk days
        in total is refused outright.
    onsets
        Onsets on those days. Below about 5 events a Wald interval is not trustworthy.
    level_days
        For a yes/no exposure, days in each of the two groups; for a numeric exposure,
        days away from its most common value.
    informative_sets
        Case-crossover: matched sets with an onset, a referent and exposure contrast.
    """

    at_risk_days: int = 56
    onsets: int = 5
    level_days: int = 5
    informative_sets: int = 5


#: The minimums used unless an analysis is given others.
DEFAULT_MINIMUMS: Final = Minimums()
MIN_AT_RISK_DAYS: Final = DEFAULT_MINIMUMS.at_risk_days
MIN_ONSETS: Final = DEFAULT_MINIMUMS.onsets
MIN_LEVEL_DAYS: Final = DEFAULT_MINIMUMS.level_days
MIN_INFORMATIVE_SETS: Final = DEFAULT_MINIMUMS.informative_sets


def benjamini_hochberg(p: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Benjamini-Hochberg adjusted p-values (q-values); missing p-values stay missing.

    Parameters
    ----------
    p
        p-values of the claims tested together. NaN marks a claim that was not tested; it
        does not count towards the number of tests.

    Returns
    -------
    numpy.ndarray
        ``q_i = min_{j: p_j >= p_i} min(1, m p_j / rank_j)`` in the input order, NaN where
        ``p`` was NaN.

    Notes
    -----
    Controls the false discovery rate at ``alpha`` when ``q < alpha`` is called a discovery,
    for independent or positively dependent tests (Benjamini and Hochberg 1995).
    """
    arr = np.asarray(p, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"p-values must be one-dimensional, got shape {arr.shape}")
    out = np.full(arr.shape, np.nan)
    finite = np.isfinite(arr)
    if np.any((arr[finite] < 0) | (arr[finite] > 1)):
        raise ValueError(f"p-values must lie in [0, 1], got {arr[finite].tolist()}")
    values = arr[finite]
    m = values.size
    if m == 0:
        return out
    order = np.argsort(values, kind="stable")
    ranked = values[order] * m / np.arange(1, m + 1)
    q_sorted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(q_sorted, 1.0)
    out[finite] = q
    return out


def verdict(
    q_val: float,
    ci_low: float,
    ci_high: float,
    expected: Direction,
    *,
    alpha: float = 0.05,
) -> Verdict:
    """Decide one claim from its FDR-adjusted q-value and its interval.

    Parameters
    ----------
    q_val
        Benjamini-Hochberg q-value of the claim; NaN when it could not be tested.
    ci_low, ci_high
        Interval of the ratio (rate or odds ratio; 1 means no effect).
    expected
        The direction the advice predicts: ``"raises"`` or ``"lowers"``.
    alpha
        False discovery rate.

    Returns
    -------
    str
        One of :data:`VERDICTS`.

    Notes
    -----
    ``q < alpha`` implies ``p < alpha``, so the (1 - alpha) Wald interval then excludes 1
    and its side gives the direction; an interval that still straddles 1 is inconclusive.
    """
    if not (math.isfinite(q_val) and math.isfinite(ci_low) and math.isfinite(ci_high)):
        return NOT_ENOUGH_DATA
    if q_val >= alpha:
        return INCONCLUSIVE
    if ci_low > 1:
        observed: Direction | None = "raises"
    elif ci_high < 1:
        observed = "lowers"
    else:
        return INCONCLUSIVE
    return SUPPORTED if observed == expected else CONTRADICTED


def verdicts(
    q_val: npt.ArrayLike,
    ci_low: npt.ArrayLike,
    ci_high: npt.ArrayLike,
    expected: npt.ArrayLike,
    *,
    alpha: float = 0.05,
) -> list[Verdict]:
    """:func:`verdict` for each row of a result table.

    Parameters
    ----------
    q_val, ci_low, ci_high, expected
        Columns of a result table, as in :func:`verdict`.
    alpha
        False discovery rate.

    Returns
    -------
    list of str
        One verdict per row.
    """
    q = np.asarray(q_val, dtype=np.float64)
    lo = np.asarray(ci_low, dtype=np.float64)
    hi = np.asarray(ci_high, dtype=np.float64)
    ex = np.asarray(expected, dtype=object)
    return [
        verdict(float(a), float(b), float(c), ex[i], alpha=alpha)
        for i, (a, b, c) in enumerate(zip(q, lo, hi, strict=True))
    ]


def wald_columns(
    log_ratio: npt.ArrayLike,
    se: npt.ArrayLike,
    triggers: Sequence[str],
    *,
    alpha: float,
    ratio: str,
    se_name: str,
) -> dict[str, object]:
    """The shared result columns of a table of log ratios, one row per trigger.

    Parameters
    ----------
    log_ratio, se
        Log ratio per unit and its standard error (NaN where not estimated).
    triggers
        The trigger of each row (keys of :data:`TRIGGERS`).
    alpha
        Two-sided level of the intervals and false discovery rate of the verdicts.
    ratio, se_name
        Names of the ratio column (``rate_ratio``, ``odds_ratio``) and of its standard
        error column.

    Returns
    -------
    dict
        Columns, in this order: the ratio, ``ci_low``, ``ci_high`` (Wald), the standard
        error, ``p_val``, ``q_val`` (Benjamini-Hochberg across the rows),
        ``expected_direction`` and ``verdict``.
    """
    from scipy import stats

    b = np.asarray(log_ratio, dtype=np.float64)
    s = np.asarray(se, dtype=np.float64)
    z = float(stats.norm.ppf(1 - alpha / 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        p_val: npt.NDArray[np.float64] = 2 * stats.norm.sf(np.abs(b / s))
    expected = [TRIGGERS[t].expected for t in triggers]
    low, high = np.exp(b - z * s), np.exp(b + z * s)
    q_val = benjamini_hochberg(p_val)
    return {
        ratio: np.exp(b),
        "ci_low": low,
        "ci_high": high,
        se_name: s,
        "p_val": p_val,
        "q_val": q_val,
        "expected_direction": expected,
        "verdict": verdicts(q_val, low, high, expected, alpha=alpha),
    }


def _times(x: float) -> str:
    if x >= 10:
        return f"{x:.0f}"
    if x < 1 or abs(x - 1) < 0.1:
        return f"{x:.2f}"
    return f"{x:.1f}"


def describe_effect(
    trigger: str,
    estimate: float,
    ci_low: float,
    ci_high: float,
    *,
    exposure: str | None = None,
    scale: float | None = None,
    measure: Measure = "rate ratio",
    reason: str = "",
) -> str:
    """One plain-language sentence for one result row.

    Parameters
    ----------
    trigger
        A key of :data:`TRIGGERS`.
    estimate, ci_low, ci_high
        The ratio and its interval; NaN when the trigger could not be tested.
    exposure
        Panel suffix of the exposure (``"lag1"``, ``"mean7d"``); the trigger's default if
        None.
    scale
        Reporting unit in the trigger's own unit; the default if None.
    measure
        ``"rate ratio"`` (a new spasm was ... times as likely) or ``"odds ratio"``.
    reason
        Why the trigger could not be tested, used when the estimate is missing.

    Returns
    -------
    str
        For example "On days after you sat one hour more, a new spasm was 1.3 times as
        likely (1.1 to 1.6)."
    """
    spec = TRIGGERS[trigger]
    if not (math.isfinite(estimate) and math.isfinite(ci_low) and math.isfinite(ci_high)):
        why = f": {reason}" if reason else ""
        return f"Not enough data to check that {spec.advice}{why}."
    suffix = spec.exposure if exposure is None else exposure
    s = spec.scale if scale is None else scale
    act = spec.phrase.format(amount=amount_words(trigger, s))
    if suffix == "lag1":
        when = f"On days after you {act}"
    elif suffix.startswith("lag"):
        when = f"{suffix[3:]} days after you {act}"
    elif suffix.startswith("any"):
        when = f"In the {suffix[3:-1]} days after you {act}"
    else:
        when = f"When over the previous {suffix[4:-1]} days you {act}"
    interval = f"({_times(ci_low)} to {_times(ci_high)})"
    than = " as after days without" if spec.kind == "binary" else ""
    if measure == "odds ratio":
        result = f"the odds of a new spasm were {_times(estimate)} times as high{than}"
    else:
        result = f"a new spasm was {_times(estimate)} times as likely{than}"
    return f"{when}, {result} {interval}."
