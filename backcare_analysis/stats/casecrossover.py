"""Case-crossover: each onset compared with the same person's own referent days.

A self-matched design for transient triggers. Each onset day (the case) is compared with
the other days at risk in its stratum: the same weekday in the same calendar month
(time-stratified referents, which cannot be biased by a time trend across the month).
Exposure is taken in a hazard window before each day, the previous day by default, and the
odds ratio comes from conditional logistic regression (statsmodels ``ConditionalLogit``),
in which everything constant within a stratum cancels.

Hourly hazard windows (e.g. the 2 h before an onset, as in Steffens et al. 2015) need
timestamped exposures, which the canonical daily table does not carry yet. The design
leaves room for them: :func:`crossover_sets` turns a daily panel into a long table of
matched sets, and :func:`case_crossover` accepts such a table through ``sets``; a future
builder from timestamped exposures only has to produce the same columns.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._quiet import quiet_warnings
from ..schema import AnalysisError, Log
from .design import check_panel, resolve_exposures
from .triggers import TRIGGERS
from .verdicts import DEFAULT_MINIMUMS, Minimums, describe_effect

#: Triggers tested by default: the transient ones, whose default window is the previous day
#: (or any of the previous 3 days: lifting, tested here on the previous day).
TRANSIENT_TRIGGERS: Final = tuple(
    t
    for t, s in TRIGGERS.items()
    if (s.exposure == "lag1" or s.exposure.startswith("any")) and s.measured_by != "diary tags"
)

#: Columns of a matched-set table (see :func:`crossover_sets`).
SET_COLUMNS: Final = ("set_id", "date", "case", "trigger", "exposure", "unit", "scale", "value")

_HAZARD_WORDS: Final = {"previous day": "lag1"}

FloatArray = npt.NDArray[np.float64]


def _hazard_suffix(hazard: str) -> str:
    suffix = _HAZARD_WORDS.get(hazard, hazard)
    if not suffix.startswith(("lag", "mean", "any")):
        raise AnalysisError(
            f"unknown hazard window {hazard!r}; use 'previous day', 'lagK' or 'meanNd'"
        )
    return suffix


def crossover_sets(
    panel: pd.DataFrame,
    *,
    triggers: Sequence[str] | None = None,
    hazard: str = "previous day",
    units: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Matched sets of a time-stratified case-crossover, one row per day and trigger.

    Parameters
    ----------
    panel
        A daily panel from :func:`~backcare_analysis.panel.daily_panel`.
    triggers
        Triggers to include; :data:`TRANSIENT_TRIGGERS` if None.
    hazard
        The hazard window: ``"previous day"`` (panel suffix ``lag1``), or any panel suffix
        such as ``"lag2"`` or ``"mean7d"``.
    units
        Trigger -> reporting unit in the trigger's own unit (defaults as in
        :func:`~backcare_analysis.stats.onset.onset_rate_ratios`).

    Returns
    -------
    pandas.DataFrame
        Columns ``set_id`` (``"YYYY-MM weekday-N"``: the stratum), ``date``, ``case``
        (1 on an onset day, 0 on a referent day), ``trigger``, ``exposure`` (the panel
        column), ``unit``, ``scale`` and ``value`` (the exposure in reporting units, NaN
        when not logged). Only days at risk appear.

    Notes
    -----
    Referents are every other at-risk day of the same weekday in the same calendar month,
    before and after the case (time-stratified design); days inside an episode are not at
    risk and never serve as referents.
    """
    names = list(TRANSIENT_TRIGGERS) if triggers is None else list(triggers)
    suffix = _hazard_suffix(hazard)
    exposures = resolve_exposures(panel, names, dict.fromkeys(names, suffix), units)
    at_risk = panel["at_risk"].fillna(False).astype(bool).to_numpy()
    onset = panel["onset"].to_numpy(dtype=np.float64, na_value=np.nan)
    rows = at_risk & np.isfinite(onset)
    dates = panel.loc[rows, "date"]
    weekday = panel.loc[rows, "weekday"].astype("int64").astype(str)
    set_id = dates.dt.strftime("%Y-%m") + " weekday-" + weekday
    frames = []
    for e in exposures:
        value = (
            panel.loc[rows, e.column].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
        )
        frames.append(
            pd.DataFrame(
                {
                    "set_id": set_id.to_numpy(),
                    "date": dates.to_numpy(),
                    "case": onset[rows].astype(np.int64),
                    "trigger": e.trigger,
                    "exposure": e.column,
                    "unit": e.unit,
                    "scale": e.scale,
                    "value": value / e.scale,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class _Sets:
    """Informative matched sets of one trigger as arrays, rows grouped set by set."""

    codes: npt.NDArray[np.intp]
    case: npt.NDArray[np.bool_]
    value: FloatArray
    starts: npt.NDArray[np.intp]

    def slices(self) -> list[slice]:
        ends = np.append(self.starts[1:], self.codes.size)
        return [slice(int(a), int(b)) for a, b in zip(self.starts, ends, strict=True)]


def _informative(set_id: pd.Series, case: npt.ArrayLike, value: npt.ArrayLike) -> _Sets:
    """Keep sets with a case, a referent and exposure contrast (days with a value only)."""
    v = np.asarray(value, dtype=np.float64)
    c = np.asarray(case, dtype=np.float64) == 1
    ok = np.isfinite(v)
    codes = pd.factorize(set_id.to_numpy()[ok])[0]
    v, c = v[ok], c[ok]
    n_sets = int(codes.max()) + 1 if codes.size else 0
    cases = np.bincount(codes, weights=c, minlength=n_sets)
    size = np.bincount(codes, minlength=n_sets)
    high = np.full(n_sets, -np.inf)
    low = np.full(n_sets, np.inf)
    np.maximum.at(high, codes, v)
    np.minimum.at(low, codes, v)
    good = (cases >= 1) & (cases < size) & (high > low)
    keep = good[codes]
    order = np.argsort(codes[keep], kind="stable")
    kept_codes = pd.factorize(codes[keep][order])[0]
    starts = np.flatnonzero(np.diff(kept_codes, prepend=-1))
    return _Sets(kept_codes, c[keep][order], v[keep][order], starts.astype(np.intp))


def _separated(sets: _Sets) -> str:
    """Whether the conditional likelihood has no finite maximum, and in which direction."""
    above = below = False
    for sl in sets.slices():
        v, c = sets.value[sl], sets.case[sl]
        ordered = np.sort(v)
        k = int(c.sum())
        observed = float(v[c].sum())
        above |= observed > ordered[:k].sum() + 1e-12
        below |= observed < ordered[-k:].sum() - 1e-12
        if above and below:
            return ""
    return "higher" if above else "lower"


def _subset_sums(sets: _Sets) -> tuple[FloatArray, npt.NDArray[np.intp], FloatArray]:
    """Exposure sums of every way to choose the set's number of cases among its days."""
    from itertools import combinations

    sums: list[float] = []
    starts: list[int] = []
    observed: list[float] = []
    for sl in sets.slices():
        v, c = sets.value[sl], sets.case[sl]
        starts.append(len(sums))
        sums.extend(float(v[list(i)].sum()) for i in combinations(range(v.size), int(c.sum())))
        observed.append(float(v[c].sum()))
    return np.asarray(sums), np.asarray(starts, dtype=np.intp), np.asarray(observed)


def conditional_logit_newton(
    sums: FloatArray, starts: npt.NDArray[np.intp], observed: FloatArray
) -> tuple[float, float]:
    """Maximise the exact one-parameter conditional likelihood by Newton's method.

    Parameters
    ----------
    sums
        Exposure sums of every possible case subset, set after set.
    starts
        Index in ``sums`` where each set begins.
    observed
        The observed cases' exposure sum of each set.

    Returns
    -------
    tuple
        Log odds ratio and its standard error (inverse information).

    Notes
    -----
    Within a set the chosen subset is multinomial with weights ``exp(b s)``; the score is
    ``sum(observed - E_b[s])`` and the information ``sum(Var_b[s])``.
    """
    owner = np.repeat(np.arange(starts.size), np.diff(np.append(starts, sums.size)))
    centred = sums - np.repeat(observed, np.diff(np.append(starts, sums.size)))

    def moments(b: float) -> tuple[float, float, float]:
        a = b * centred
        peak = np.maximum.reduceat(a, starts)
        w = np.exp(a - peak[owner])
        total = np.add.reduceat(w, starts)
        loglik = float(-(peak + np.log(total)).sum())
        mean = np.add.reduceat(w * centred, starts) / total
        second = np.add.reduceat(w * centred**2, starts) / total
        return loglik, float(-mean.sum()), float((second - mean**2).sum())

    b = 0.0
    loglik, score, info = moments(b)
    for _ in range(100):
        if info <= 0:
            break
        step = score / info
        for _ in range(30):
            new_loglik, new_score, new_info = moments(b + step)
            if new_loglik >= loglik - 1e-12:
                break
            step /= 2
        b, loglik, score, info = b + step, new_loglik, new_score, new_info
        if abs(step) < 1e-10:
            break
    if not (info > 0 and math.isfinite(b)) or abs(score) * (info**-0.5) > 1e-6:
        raise ArithmeticError("the model did not converge")
    return b, 1 / math.sqrt(info)


def _fit(sets: _Sets) -> tuple[float, float]:
    """Conditional logistic regression of case on value, stratified by set.

    Newton's method on the exact conditional likelihood gives the estimate; statsmodels'
    ``ConditionalLogit`` then confirms it from that start and supplies the standard error.
    """
    from statsmodels.discrete.conditional_models import ConditionalLogit
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

    start, _ = conditional_logit_newton(*_subset_sums(sets))
    if abs(start) > 20:
        raise ArithmeticError("the estimate ran off to infinity")
    y = sets.case.astype(np.float64)
    x = sets.value[:, None]
    with quiet_warnings(ConvergenceWarning, HessianInversionWarning, RuntimeWarning):
        try:
            result = ConditionalLogit(y, x, groups=sets.codes).fit(
                start_params=np.array([start]), disp=False, gtol=1e-10, maxiter=50
            )
        except (ConvergenceWarning, HessianInversionWarning, RuntimeWarning) as exc:
            raise ArithmeticError(f"the model did not converge ({exc})") from exc
        except np.linalg.LinAlgError as exc:
            raise ArithmeticError(f"the model could not be fitted ({exc})") from exc
    b = float(np.asarray(result.params)[0])
    se = float(np.asarray(result.bse)[0])
    if not (math.isfinite(b) and math.isfinite(se) and se > 0) or abs(b) > 20:
        raise ArithmeticError("the estimate ran off to infinity")
    return b, se


def case_crossover(
    data: Log | pd.DataFrame,
    *,
    triggers: Sequence[str] | None = None,
    hazard: str = "previous day",
    units: Mapping[str, float] | None = None,
    alpha: float = 0.05,
    minimums: Minimums = DEFAULT_MINIMUMS,
    sets: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Odds ratio of each trigger in the hazard window before onsets vs referent days.

    Parameters
    ----------
    data
        A parsed log or its daily panel.
    triggers
        Triggers to test together (BH across them); :data:`TRANSIENT_TRIGGERS` if None.
    hazard
        ``"previous day"`` or a panel suffix (``"lag2"``, ``"mean7d"``).
    units
        Trigger -> reporting unit, as in
        :func:`~backcare_analysis.stats.onset.onset_rate_ratios`.
    alpha
        Two-sided level of the intervals and false discovery rate of the verdicts.
    minimums
        The least data: ``minimums.informative_sets`` matched sets per trigger.
    sets
        A prebuilt matched-set table with the columns of :func:`crossover_sets` (for
        example from timestamped exposures); built from ``data`` if None.

    Returns
    -------
    pandas.DataFrame
        One row per trigger with columns ``trigger``, ``exposure`` (panel column),
        ``window`` (the hazard window in words), ``unit``, ``measure`` (``"odds
        ratio"``), ``n_sets`` (informative sets: an onset, a referent and exposure
        contrast), ``n_onsets`` (onsets in them), ``n_referents`` (referent days in them),
        ``odds_ratio``, ``ci_low``, ``ci_high`` (Wald, ``1 - alpha``), ``se_log_or``,
        ``p_val``, ``q_val`` (Benjamini-Hochberg across the triggers), ``expected_direction``,
        ``verdict``, ``reason`` (why a trigger has not enough data) and ``description``.

    Raises
    ------
    AnalysisError
        For a panel with no day at risk, no onset or fewer than ``minimums`` at-risk days
        or onsets, an unknown trigger or window, or when no trigger has enough informative
        sets.

    Notes
    -----
    Conditional logistic regression on strata of the same weekday in the same month;
    everything constant within a stratum (the person, season, weekday) cancels. It assumes
    that referent days' exposure represents what the case day would have had without
    the onset, which fails when pain changes the exposure of nearby days.
    """
    if not 0 < alpha < 1:
        raise AnalysisError(f"alpha must lie between 0 and 1, got {alpha}")
    if sets is None:
        if isinstance(data, Log):
            from ..panel import daily_panel

            panel = daily_panel(data)
        else:
            panel = data
        check_panel(panel, minimums)
        sets = crossover_sets(panel, triggers=triggers, hazard=hazard, units=units)
    missing = [c for c in SET_COLUMNS if c not in sets.columns]
    if missing:
        raise AnalysisError(f"the matched-set table lacks the columns {missing}")
    suffix = _hazard_suffix(hazard)
    records = []
    for trigger, sub in sets.groupby("trigger", sort=False):
        trig = str(trigger)
        matched = _informative(sub["set_id"], sub["case"], sub["value"])
        n_sets = int(matched.starts.size)
        first = sub.iloc[0]
        record: dict[str, object] = {
            "trigger": trig,
            "exposure": first["exposure"],
            "unit": first["unit"],
            "scale": float(first["scale"]),
            "n_sets": n_sets,
            "n_onsets": int(matched.case.sum()),
            "n_referents": int((~matched.case).sum()),
            "log_or": math.nan,
            "se_log_or": math.nan,
            "reason": "",
        }
        if n_sets < minimums.informative_sets:
            record["reason"] = (
                f"only {n_sets} matched sets with an onset, a referent day and a change in "
                f"{trig} (minimum {minimums.informative_sets})"
            )
        elif side := _separated(matched):
            record["reason"] = (
                f"{trig} was {side} on every onset day than on its referent days: the odds "
                "ratio cannot be estimated (separation)"
            )
        else:
            try:
                record["log_or"], record["se_log_or"] = _fit(matched)
            except ArithmeticError as exc:
                record["reason"] = str(exc)
        records.append(record)
    fits = pd.DataFrame.from_records(records)
    if (fits["reason"] != "").all():
        reasons = "; ".join(
            f"{t}: {r}" for t, r in zip(fits["trigger"], fits["reason"], strict=True)
        )
        raise AnalysisError(f"no requested trigger has enough data ({reasons})")
    return _table(fits, suffix=suffix, alpha=alpha)


def _table(fits: pd.DataFrame, *, suffix: str, alpha: float) -> pd.DataFrame:
    from .triggers import window_label
    from .verdicts import wald_columns

    out = pd.DataFrame(
        {
            "trigger": fits["trigger"],
            "exposure": fits["exposure"],
            "window": window_label(suffix),
            "unit": fits["unit"],
            "measure": "odds ratio",
            "n_sets": fits["n_sets"].astype("int64"),
            "n_onsets": fits["n_onsets"].astype("int64"),
            "n_referents": fits["n_referents"].astype("int64"),
            **wald_columns(
                fits["log_or"],
                fits["se_log_or"],
                list(fits["trigger"]),
                alpha=alpha,
                ratio="odds_ratio",
                se_name="se_log_or",
            ),
        }
    )
    out["reason"] = fits["reason"]
    out["description"] = [
        describe_effect(
            t,
            float(est),
            float(lo),
            float(hi),
            exposure=suffix,
            scale=float(sc),
            measure="odds ratio",
            reason=str(why),
        )
        for t, est, lo, hi, sc, why in zip(
            out["trigger"],
            out["odds_ratio"],
            out["ci_low"],
            out["ci_high"],
            fits["scale"],
            out["reason"],
            strict=True,
        )
    ]
    return out
