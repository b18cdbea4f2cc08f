"""Pooling people's estimates: a random-effects meta-analysis per claim, and each person's
estimate shrunk towards the pooled one (empirical Bayes)."""

from __future__ import annotations

import math
from typing import Final, Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ..stats.onset import small_sample_inflation

#: Measures that are ratios and pool on the log scale.
RATIO_MEASURES: Final = ("rate ratio", "ratio of durations")

#: Columns of :func:`pool_advice`.
POOLED_COLUMNS: Final = (
    "claim",
    "measure",
    "n_people",
    "pooled_ratio",
    "ci_low",
    "ci_high",
    "tau",
    "tau_ci_low",
    "tau_ci_high",
    "pi_low",
    "pi_high",
    "n_supported",
    "n_contradicted",
    "n_inconclusive",
    "n_not_fitted",
    "not_fitted_reasons",
    "method",
)


def _weighted(y: np.ndarray, v: np.ndarray, tau2: float) -> tuple[float, np.ndarray]:
    w = 1.0 / (v + tau2)
    return float(np.sum(w * y) / np.sum(w)), w


def _q_gen(y: np.ndarray, v: np.ndarray, tau2: float) -> float:
    """The generalised Q statistic at ``tau2`` (decreasing in ``tau2``)."""
    mu, w = _weighted(y, v, tau2)
    return float(np.sum(w * (y - mu) ** 2))


def _upper_bracket(y: np.ndarray, v: np.ndarray) -> float:
    return float(max(10.0 * np.var(y, ddof=1) + 10.0 * np.max(v), 1.0))


def tau2_paule_mandel(y: np.ndarray, v: np.ndarray) -> float:
    """Paule-Mandel between-person variance: the ``tau^2`` at which Q equals ``k - 1``."""
    k = len(y)
    if k < 2 or _q_gen(y, v, 0.0) <= k - 1:
        return 0.0
    return float(optimize.brentq(lambda t: _q_gen(y, v, t) - (k - 1), 0.0, _upper_bracket(y, v)))


def tau2_reml(y: np.ndarray, v: np.ndarray) -> float:
    """Restricted maximum likelihood between-person variance (bounded at 0)."""
    if len(y) < 2:
        return 0.0

    def neg_restricted_loglik(tau2: float) -> float:
        mu, w = _weighted(y, v, tau2)
        return 0.5 * float(
            np.sum(np.log(v + tau2)) + math.log(np.sum(w)) + np.sum(w * (y - mu) ** 2)
        )

    upper = _upper_bracket(y, v)
    best = optimize.minimize_scalar(neg_restricted_loglik, bounds=(0.0, upper), method="bounded")
    tau2 = float(best.x)
    return 0.0 if neg_restricted_loglik(0.0) <= neg_restricted_loglik(tau2) else tau2


def _q_profile(y: np.ndarray, v: np.ndarray, alpha: float) -> tuple[float, float]:
    """Q-profile confidence interval of ``tau^2`` (Viechtbauer 2007)."""
    k = len(y)
    if k < 2:
        return math.nan, math.nan
    upper = _upper_bracket(y, v) * 10

    def solve(target: float) -> float:
        if _q_gen(y, v, 0.0) <= target:
            return 0.0
        if _q_gen(y, v, upper) > target:
            return math.inf
        return float(optimize.brentq(lambda t: _q_gen(y, v, t) - target, 0.0, upper))

    low = solve(float(stats.chi2.ppf(1 - alpha / 2, k - 1)))
    return low, solve(float(stats.chi2.ppf(alpha / 2, k - 1)))


def random_effects(
    y: np.ndarray,
    se: np.ndarray,
    *,
    alpha: float = 0.05,
    method: Literal["REML", "PM"] = "REML",
) -> dict[str, float]:
    """Random-effects pooling of log-scale estimates ``y`` with standard errors ``se``.

    Returns
    -------
    dict
        ``mu``, ``se_mu`` (Hartung-Knapp-Sidik-Jonkman, floored), ``ci_low``/``ci_high``
        (``t`` with ``k - 1`` df), ``tau2``, ``tau2_low``/``tau2_high`` (Q-profile),
        ``pi_low``/``pi_high`` (prediction for a new person, ``t`` with ``k - 2`` df) and
        ``k``; all on the log scale.

    Notes
    -----
    ``tau^2`` by REML or Paule-Mandel; the pooled mean weights each person by
    ``w = 1 / (se^2 + tau^2)``. Its variance is the Hartung-Knapp one,
    ``sum w (y - mu)^2 / ((k - 1) sum w)``, floored at the usual ``1 / sum w`` (the
    modification of Knapp and Hartung 2003; Jackson et al. 2017): when ``tau^2`` is
    estimated as 0 and people agree more than their standard errors say, the unfloored
    variance falls below the fixed-effect one, and on simulated cohorts that left the
    interval too narrow (docs/statistics.md, "Pooling people").
    """
    y, v = np.asarray(y, float), np.asarray(se, float) ** 2
    k = len(y)
    nan = math.nan
    out = dict.fromkeys(
        ("mu", "se_mu", "ci_low", "ci_high", "tau2", "tau2_low", "tau2_high", "pi_low", "pi_high"),
        nan,
    )
    out["k"] = float(k)
    if k == 0:
        return out
    tau2 = tau2_reml(y, v) if method == "REML" else tau2_paule_mandel(y, v)
    mu, w = _weighted(y, v, tau2)
    out.update(mu=mu, tau2=tau2)
    if k == 1:
        out["se_mu"] = math.sqrt(v[0])
        return out
    hksj = float(np.sum(w * (y - mu) ** 2)) / ((k - 1) * float(np.sum(w)))
    se_mu = math.sqrt(max(hksj, 1.0 / float(np.sum(w))))
    t = float(stats.t.ppf(1 - alpha / 2, k - 1))
    out.update(se_mu=se_mu, ci_low=mu - t * se_mu, ci_high=mu + t * se_mu)
    out["tau2_low"], out["tau2_high"] = _q_profile(y, v, alpha)
    if k >= 3:
        half = float(stats.t.ppf(1 - alpha / 2, k - 2)) * math.sqrt(tau2 + se_mu**2)
        out.update(pi_low=mu - half, pi_high=mu + half)
    return out


def pooling_se(rows: pd.DataFrame) -> pd.Series:
    """Each person's standard error as the pooling uses it: the information-based one.

    Parameters
    ----------
    rows
        Rows of the per-person table (:func:`~backcare_analysis.cohort.cohort_advice`).

    Returns
    -------
    pandas.Series
        ``se_log`` of a rate ratio of onsets divided by the small-sample factor the
        scorecard multiplied it by (:func:`~backcare_analysis.stats.onset.small_sample_inflation`
        of ``n_events``, the onsets, and ``exposure_unit``: none for a yes/no exposure);
        ``se_log`` unchanged for other measures.

    Notes
    -----
    The factor widens one person's interval to the spread seen when only that person's
    log is known. In a random-effects model the within-person variances also set how much
    of the scatter between people is spread (``tau^2``): in 300 simulated cohorts the
    personal log ratios scattered around their own true values with 0.92 times the
    information-based variance but only 0.71 times the inflated one, so the inflated
    variances explained the real spread away (``tau`` estimated as 0 in 69% of cohorts,
    its interval covering the truth in 81%, against 43% and 96% without the factor;
    docs/statistics.md, "Pooling people").
    """
    se = rows["se_log"].astype(float)
    onset = (rows["measure"] == "rate ratio").to_numpy()
    units = rows["exposure_unit"].to_numpy() if "exposure_unit" in rows else None
    factor = small_sample_inflation(rows["n_events"].to_numpy(np.float64), units)
    return pd.Series(np.where(onset, se.to_numpy() / factor, se.to_numpy()), index=rows.index)


def _fitted(rows: pd.DataFrame) -> pd.Series:
    return (
        (rows["status"] == "ok")
        & np.isfinite(rows["estimate"].astype(float))
        & (rows["estimate"].astype(float) > 0)
        & np.isfinite(rows["se_log"].astype(float))
    )


def _reasons(rows: pd.DataFrame) -> str:
    """Counted reasons, most common first: ``"not enough data 12; failed 1"``."""
    what = rows["verdict"].where(rows["status"] == "ok", rows["status"]).astype(str)
    counts = what.value_counts()
    return "; ".join(f"{k} {v}" for k, v in counts.items())


def pool_advice(
    per_person: pd.DataFrame,
    *,
    alpha: float = 0.05,
    method: Literal["REML", "PM"] = "REML",
) -> pd.DataFrame:
    """Pool every claim's per-person ratios across people.

    Parameters
    ----------
    per_person
        From :func:`~backcare_analysis.cohort.cohort_advice`.
    alpha
        One minus the confidence level of every interval.
    method
        ``tau^2`` estimator: ``"REML"`` or ``"PM"`` (Paule-Mandel).

    Returns
    -------
    pandas.DataFrame
        One row per claim measured as a ratio (also when no one could be tested):
        ``claim``, ``measure``, ``n_people`` (people
        whose own ratio and interval entered), ``pooled_ratio``, ``ci_low``, ``ci_high``
        (Hartung-Knapp-Sidik-Jonkman), ``tau`` (spread of personal log ratios),
        ``tau_ci_low``, ``tau_ci_high`` (Q-profile), ``pi_low``, ``pi_high`` (where a new
        person's ratio is expected, at least 3 people), ``n_supported``,
        ``n_contradicted``, ``n_inconclusive`` (people's own verdicts), ``n_not_fitted``
        and ``not_fitted_reasons`` (people whose own ratio could not be estimated, by
        reason: none is dropped silently) and ``method``.

    Notes
    -----
    Each person enters with their own log ratio and its information-based standard error
    (:func:`pooling_se`). People who log in an app are not a random sample of people with
    back pain: the pooled ratio describes people like these loggers (docs/cohort.md).
    """
    rows = []
    for claim, group in per_person.groupby("claim", sort=False):
        measures = group.loc[group["status"] == "ok", "measure"]
        ratio = measures.isin(RATIO_MEASURES)
        if (measures.ne("") & ~ratio).any():
            continue  # a probability (the recurrence claim): not pooled as a ratio
        fitted = _fitted(group)
        used = group.loc[fitted]
        fit = random_effects(
            np.log(used["estimate"].to_numpy(float)),
            pooling_se(used).to_numpy(float),
            alpha=alpha,
            method=method,
        )
        verdicts = group["verdict"]
        rows.append(
            {
                "claim": claim,
                "measure": measures.loc[ratio].iloc[0] if ratio.any() else "",
                "n_people": int(fitted.sum()),
                "pooled_ratio": math.exp(fit["mu"]),
                "ci_low": math.exp(fit["ci_low"]),
                "ci_high": math.exp(fit["ci_high"]),
                "tau": math.sqrt(fit["tau2"]),
                "tau_ci_low": math.sqrt(fit["tau2_low"]),
                "tau_ci_high": math.sqrt(fit["tau2_high"]),
                "pi_low": math.exp(fit["pi_low"]),
                "pi_high": math.exp(fit["pi_high"]),
                "n_supported": int((verdicts == "supported").sum()),
                "n_contradicted": int((verdicts == "contradicted").sum()),
                "n_inconclusive": int((verdicts == "inconclusive").sum()),
                "n_not_fitted": int((~fitted).sum()),
                "not_fitted_reasons": _reasons(group.loc[~fitted]),
                "method": f"{method} tau^2, Hartung-Knapp intervals (floored), Q-profile for tau",
            }
        )
    return pd.DataFrame(rows, columns=list(POOLED_COLUMNS))


def shrink_advice(
    per_person: pd.DataFrame,
    pooled: pd.DataFrame | None = None,
    *,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Each person's ratio beside the same ratio with strength borrowed from everyone else.

    Parameters
    ----------
    per_person
        From :func:`~backcare_analysis.cohort.cohort_advice`.
    pooled
        From :func:`pool_advice` (computed here when None).
    alpha
        One minus the confidence level.

    Returns
    -------
    pandas.DataFrame
        One row per person and pooled claim with an own estimate: ``person``, ``claim``,
        ``own_ratio``, ``own_ci_low``, ``own_ci_high``, ``shrunk_ratio``,
        ``shrunk_ci_low``, ``shrunk_ci_high``, ``weight_own`` (the share of the person's
        own log in the shrunk estimate), ``n_others`` and ``sentence``.

    Notes
    -----
    Empirical Bayes: the shrunk log ratio is ``B y + (1 - B) mu`` with
    ``B = tau^2 / (tau^2 + se^2)``; its variance ``B se^2 + (1 - B)^2 se_mu^2`` adds the
    pooled mean's uncertainty. ``se`` is the one the pooling used (:func:`pooling_se`), on
    whose scale ``tau`` was estimated. With ``tau = 0`` everyone gets the pooled ratio.
    """
    pooled = pool_advice(per_person, alpha=alpha) if pooled is None else pooled
    z = float(stats.norm.ppf(1 - alpha / 2))
    out = []
    table = per_person.loc[_fitted(per_person)]
    for row in pooled.to_dict("records"):
        claim, n_people = str(row["claim"]), int(row["n_people"])
        ratio, high, tau = float(row["pooled_ratio"]), float(row["ci_high"]), float(row["tau"])
        mine = table.loc[table["claim"] == claim]
        if mine.empty or not np.isfinite(ratio):
            continue
        mu, tau2 = math.log(ratio), tau**2
        t_crit = float(stats.t.ppf(1 - alpha / 2, max(n_people - 1, 1)))
        se_mu = (math.log(high) - mu) / t_crit if np.isfinite(high) else 0.0
        y = np.log(mine["estimate"].to_numpy(float))
        v = pooling_se(mine).to_numpy(float) ** 2
        b = tau2 / (tau2 + v)
        theta = b * y + (1 - b) * mu
        half = z * np.sqrt(b * v + (1 - b) ** 2 * se_mu**2)
        others = n_people - 1
        own, shrunk = np.exp(y), np.exp(theta)
        low_s, high_s = np.exp(theta - half), np.exp(theta + half)
        sentences = [
            f"your log alone: {o:.2f} ({lo:.2f} to {hi:.2f}); with what {others} others' logs "
            f"show: {s:.2f} ({slo:.2f} to {shi:.2f})"
            for o, lo, hi, s, slo, shi in zip(
                own, mine["ci_low"], mine["ci_high"], shrunk, low_s, high_s, strict=True
            )
        ]
        out.append(
            pd.DataFrame(
                {
                    "person": mine["person"].to_numpy(),
                    "claim": claim,
                    "own_ratio": own,
                    "own_ci_low": mine["ci_low"].to_numpy(float),
                    "own_ci_high": mine["ci_high"].to_numpy(float),
                    "shrunk_ratio": shrunk,
                    "shrunk_ci_low": low_s,
                    "shrunk_ci_high": high_s,
                    "weight_own": b,
                    "n_others": others,
                    "sentence": sentences,
                }
            )
        )
    columns = [
        "person", "claim", "own_ratio", "own_ci_low", "own_ci_high", "shrunk_ratio",
        "shrunk_ci_low", "shrunk_ci_high", "weight_own", "n_others", "sentence",
    ]  # fmt: skip
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=columns)
