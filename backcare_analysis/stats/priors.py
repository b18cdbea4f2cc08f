"""The probability that a piece of advice helps you: published evidence as a prior for your
own estimate, combined on the log scale (normal-normal).

The priors live in the package data file ``backcare_analysis/data/priors.csv``: one row per
claim (and outcome) with its citation, population, effect with interval, certainty and the
prior mean and standard error on the effect's scale. A published pooled effect is the mean
for the average person; one person's effect varies around it with a between-person spread
``tau`` that no source reports (EVIDENCE.md): a design choice, 0.5 on the log scale by
default, with a sensitivity run at twice the spread. See docs/statistics.md, "Probability
the advice helps you".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, Final

import numpy as np
import pandas as pd
from scipy import special, stats

from ..schema import AnalysisError

#: Between-person spread of a log rate ratio around the published mean (design choice).
DEFAULT_TAU: Final = 0.5
#: Between-person spread of a pain difference, in points on 0-10 (design choice).
DEFAULT_TAU_PAIN: Final = 1.0
#: z for a 95% interval.
Z95: Final = 1.959963984540054

#: The measures of the scorecard and the prior outcome each is compared with.
MEASURE_OUTCOME: Final = {
    "rate ratio": "onset rate",
    "odds ratio": "onset rate",
    "ratio of durations": "episode duration",
}

POSTERIOR_COLUMNS: Final = (
    "claim",
    "outcome",
    "direction",
    "prior_source",
    "prior_mean_log",
    "prior_sd_log",
    "log_estimate",
    "log_se",
    "post_mean_log",
    "post_sd_log",
    "post_ratio",
    "post_ci_low",
    "post_ci_high",
    "p_benefit",
    "p_benefit_flat",
    "p_benefit_wide",
    "sensitivity",
    "note",
)


@cache
def _bundled() -> pd.DataFrame:
    text = resources.files("backcare_analysis").joinpath("data", "priors.csv")
    with resources.as_file(text) as path:
        return pd.read_csv(path, dtype={"trigger": "str"}, keep_default_na=False, na_values=[""])


def published_priors(
    *, tau: float = DEFAULT_TAU, tau_pain: float = DEFAULT_TAU_PAIN
) -> pd.DataFrame:
    """The published evidence per claim, as priors for one person's effect.

    Parameters
    ----------
    tau
        Between-person spread of the log ratio added to the published standard error on rows
        whose ``spread`` is ``tau`` (sceptical priors, ``fixed``, keep their own width).
    tau_pain
        The same for pain differences (0-10 points), rows with ``spread`` ``tau_pain``.

    Returns
    -------
    pandas.DataFrame
        The rows of ``data/priors.csv``: ``claim``, ``trigger`` (blank: any), ``outcome``
        (``onset rate``, ``episode duration`` or ``pain 0-10``), ``direction`` (what the
        advice predicts for more of the exposure or the treated arm: ``lowers`` or
        ``raises``), ``citation``, ``population``, ``effect`` (in words), ``estimate``,
        ``ci_low``, ``ci_high`` (the published ratio and 95% interval, where one applies),
        ``certainty``, ``spread``, ``note``, and the prior: ``mean`` (log ratio, or pain
        points), ``se`` (the published standard error) and ``sd`` (``sqrt(se^2 + tau^2)``,
        or ``se`` for ``fixed`` rows).

    Notes
    -----
    Where the file gives a ratio with its interval, ``mean = log(estimate)`` and
    ``se = (log(ci_high) - log(ci_low)) / 3.92``; rows without one carry a mean and SE
    written in the file (sceptical or derived priors, marked in ``note``).
    """
    if not (tau >= 0 and tau_pain >= 0):
        raise AnalysisError(f"tau must be zero or positive, got tau={tau}, tau_pain={tau_pain}")
    table = _bundled().copy()
    table["trigger"] = table["trigger"].fillna("")
    ratio = table["estimate"].notna() & table["ci_low"].notna() & table["ci_high"].notna()
    table.loc[ratio, "mean"] = np.log(table.loc[ratio, "estimate"].astype(float))
    table.loc[ratio, "se"] = (
        np.log(table.loc[ratio, "ci_high"].astype(float))
        - np.log(table.loc[ratio, "ci_low"].astype(float))
    ) / (2 * Z95)
    spread = table["spread"].map({"tau": tau, "tau_pain": tau_pain, "fixed": 0.0}).astype(float)
    table["sd"] = np.sqrt(table["se"].astype(float) ** 2 + spread**2)
    return table


def _trigger_of(row: Mapping[str, Any]) -> str:
    if "trigger" in row and isinstance(row["trigger"], str):
        return row["trigger"]
    tested = row.get("tested", "")
    return str(tested).split(",")[0].strip() if isinstance(tested, str) else ""


@cache
def _ratio_priors(tau: float) -> dict[str, list[dict[str, Any]]]:
    """The published priors of ratio outcomes (:data:`MEASURE_OUTCOME`), as records by
    claim in file order (read-only: shared between calls)."""
    table = published_priors(tau=tau)
    table = table[table["outcome"].isin(MEASURE_OUTCOME.values())]
    out: dict[str, list[dict[str, Any]]] = {}
    for rec in table.to_dict("records"):
        out.setdefault(str(rec["claim"]), []).append({str(k): v for k, v in rec.items()})
    return out


def _records(table: pd.DataFrame, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    """The rows of those of ``columns`` that ``table`` has, as dicts (far cheaper than
    ``to_dict("records")`` on the whole table)."""
    present = [c for c in columns if c in table.columns]
    values = [table[c].tolist() for c in present]
    return [dict(zip(present, row, strict=True)) for row in zip(*values, strict=True)]


def _log_columns(card: pd.DataFrame) -> pd.DataFrame:
    """``log_estimate`` and ``log_se``, derived from a 95% ratio interval when absent."""
    out = card.copy()
    if "log_estimate" in out.columns and "log_se" in out.columns:
        return out
    needed = {"estimate", "ci_low", "ci_high"}
    if not needed <= set(out.columns):
        raise AnalysisError(
            "the table needs log_estimate and log_se, or estimate, ci_low and ci_high (a "
            f"ratio with its 95% interval); it has {list(out.columns)}"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        est = out["estimate"].astype(float).to_numpy()
        low = out["ci_low"].astype(float).to_numpy()
        high = out["ci_high"].astype(float).to_numpy()
        out["log_estimate"] = np.where(est > 0, np.log(est), np.nan)
        out["log_se"] = np.where((low > 0) & (high > low), np.log(high / low) / (2 * Z95), np.nan)
    return out


def _p_direction(mean: float, sd: float, direction: str) -> float:
    # special.ndtr is what stats.norm.cdf evaluates, without its argument checking.
    below = float(special.ndtr(-mean / sd)) if sd > 0 else float(mean < 0)
    return below if direction == "lowers" else 1 - below


def combine(prior_mean: float, prior_sd: float, estimate: float, se: float) -> tuple[float, float]:
    """Normal-normal update: posterior mean and sd of an effect on the log scale.

    A missing estimate leaves the prior unchanged; an infinite prior sd gives the estimate.
    """
    if not (math.isfinite(estimate) and math.isfinite(se) and se > 0):
        return prior_mean, prior_sd
    if not math.isfinite(prior_sd):
        return estimate, se
    w0, w1 = 1 / prior_sd**2, 1 / se**2
    return (w0 * prior_mean + w1 * estimate) / (w0 + w1), math.sqrt(1 / (w0 + w1))


def posterior_benefit(
    scorecard: pd.DataFrame,
    *,
    priors: pd.DataFrame | None = None,
    tau: float | None = None,
) -> pd.DataFrame:
    """The probability, per claim, that following the advice lowers your spasm rate.

    Parameters
    ----------
    scorecard
        One row per claim with ``claim`` and either ``log_estimate`` and ``log_se`` (log
        ratio in the claim's unit and its standard error) or ``estimate``, ``ci_low`` and
        ``ci_high`` (a ratio with its 95% interval, as
        :func:`~backcare_analysis.check_advice` returns; then
        ``log_se = log(ci_high / ci_low) / 3.92``). A ``measure`` column (``rate ratio``,
        ``ratio of durations``) picks the prior's outcome; a ``trigger`` or ``tested``
        column (``"steps_count, ..."``) picks a trigger-specific prior. Rows with another
        measure (the recurrence probability) are left out.
    priors
        Instead of the published priors, a table with ``claim``, ``mean`` and ``sd`` (log
        scale; a cohort's pooled estimate and between-person spread, say), optionally
        ``source``. Claims it lacks keep the published prior.
    tau
        Between-person spread added to the published standard error
        (:data:`DEFAULT_TAU` if None).

    Returns
    -------
    pandas.DataFrame
        One row per claim, with ``claim``, ``outcome``, ``direction`` (what the advice
        predicts for more of the exposure: ``lowers`` or ``raises`` the rate),
        ``prior_source`` (citation and effect in words), ``prior_mean_log``,
        ``prior_sd_log``, ``log_estimate``, ``log_se`` (your own estimate; missing when
        the log could not test the claim), ``post_mean_log``, ``post_sd_log``,
        ``post_ratio`` (posterior median ratio), ``post_ci_low``, ``post_ci_high``
        (posterior 95% interval, as ratios), ``p_benefit`` (posterior probability that
        the effect lies in the advice's direction, so that following the advice helps),
        ``p_benefit_flat`` (the same with a flat prior: your data alone),
        ``p_benefit_wide`` (prior spread ``tau`` doubled; a sceptical prior twice as
        wide), ``sensitivity`` (the two in words) and ``note``.

    Notes
    -----
    ``log RR_you ~ N(mu, se_pub^2 + tau^2)`` a priori, ``estimate ~ N(log RR_you, se^2)``;
    the posterior is normal with precision-weighted mean. With no estimate the posterior is
    the prior, and ``note`` says so. The Wald interval of a sparse log is only roughly
    normal on the log scale; the calibration (validation/posterior_reliability.py) assumes
    it is.
    """
    tau = DEFAULT_TAU if tau is None else float(tau)
    published = _ratio_priors(tau)
    card = _log_columns(scorecard)
    custom: dict[str, tuple[float, float, str]] = {}
    if priors is not None:
        missing = {"claim", "mean", "sd"} - set(priors.columns)
        if missing:
            raise AnalysisError(
                f"priors= needs the columns claim, mean and sd; {sorted(missing)} missing"
            )
        for rec in priors.to_dict("records"):
            source = str(rec.get("source", "") or "prior supplied by the caller")
            custom[str(rec["claim"])] = (float(rec["mean"]), float(rec["sd"]), source)
    rows: list[dict[str, object]] = []
    for row in _records(card, ("claim", "measure", "trigger", "tested", "log_estimate", "log_se")):
        claim = str(row["claim"])
        measure = row.get("measure", "rate ratio")
        measure = "" if pd.isna(measure) else str(measure)
        has_data = math.isfinite(float(row["log_estimate"]))
        outcome = MEASURE_OUTCOME.get(measure)
        if outcome is None and measure:
            continue  # a probability (recurrence) or another measure: no ratio prior
        of_claim = published.get(claim, [])
        # An untested claim (no measure) takes the outcome its prior is written for.
        outcome = outcome or (str(of_claim[0]["outcome"]) if of_claim else "")
        candidates = [p for p in of_claim if p["outcome"] == outcome]
        if not candidates:
            continue
        trigger = _trigger_of(row)
        specific = [p for p in candidates if p["trigger"] == trigger]
        generic = [p for p in candidates if p["trigger"] == ""]
        pick = (specific or generic)[0]
        direction = str(pick["direction"])
        mean, sd = float(pick["mean"]), float(pick["sd"])
        source = f"{pick['citation']}: {pick['effect']}"
        # Twice the spread: tau doubled, or a fixed (sceptical) prior twice as wide.
        wide_sd = 2 * sd if pick["spread"] == "fixed" else math.hypot(float(pick["se"]), 2 * tau)
        if claim in custom:
            mean, sd, source = custom[claim]
            wide_sd = 2 * sd
        est, se = float(row["log_estimate"]), float(row["log_se"])
        post_mean, post_sd = combine(mean, sd, est, se)
        p = _p_direction(post_mean, post_sd, direction)
        flat = _p_direction(est, se, direction) if has_data else math.nan
        p_wide = _p_direction(*combine(mean, wide_sd, est, se), direction)
        sens = (
            f"with a flat prior (your data alone) {flat:.0%}; with twice the spread {p_wide:.0%}"
            if has_data
            else f"no estimate from your log; with twice the spread {p_wide:.0%}"
        )
        rows.append(
            {
                "claim": claim,
                "outcome": outcome,
                "direction": direction,
                "prior_source": source,
                "prior_mean_log": mean,
                "prior_sd_log": sd,
                "log_estimate": est,
                "log_se": se,
                "post_mean_log": post_mean,
                "post_sd_log": post_sd,
                "post_ratio": math.exp(post_mean),
                "post_ci_low": math.exp(post_mean - Z95 * post_sd),
                "post_ci_high": math.exp(post_mean + Z95 * post_sd),
                "p_benefit": p,
                "p_benefit_flat": flat,
                "p_benefit_wide": p_wide,
                "sensitivity": sens,
                "note": "" if has_data else "no personal estimate: the prior alone",
            }
        )
    return pd.DataFrame(rows, columns=list(POSTERIOR_COLUMNS))


def reliability_table(
    prior_mean: float,
    prior_sd: float,
    se: float,
    *,
    n: int = 20_000,
    true_sd: float | None = None,
    bins: int = 10,
    seed: int = 0,
) -> pd.DataFrame:
    """Calibration of ``p_benefit`` by simulation: predicted against observed benefit.

    Parameters
    ----------
    prior_mean, prior_sd
        The prior the analysis uses (log scale).
    se
        Standard error of one person's estimate.
    n
        Simulated people.
    true_sd
        Spread of the true personal effects; ``prior_sd`` (a correct prior) if None.
    bins
        Equal-width bins of ``p_benefit``.
    seed
        Random seed.

    Returns
    -------
    pandas.DataFrame
        One row per non-empty bin: ``bin_low``, ``bin_high``, ``n_people``,
        ``mean_p_benefit`` (mean predicted probability) and ``observed_benefit`` (share
        whose true effect lowered the rate), ``gap`` (observed minus predicted).
    """
    rng = np.random.default_rng(seed)
    truth = rng.normal(prior_mean, prior_sd if true_sd is None else true_sd, n)
    estimate = truth + rng.normal(0, se, n)
    w0, w1 = 1 / prior_sd**2, 1 / se**2
    post_mean = (w0 * prior_mean + w1 * estimate) / (w0 + w1)
    post_sd = math.sqrt(1 / (w0 + w1))
    p = stats.norm.cdf(-post_mean / post_sd)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges) - 1, 0, bins - 1)
    rows = []
    for b in range(bins):
        hit = which == b
        if hit.any():
            predicted = float(p[hit].mean())
            observed = float((truth[hit] < 0).mean())
            rows.append(
                {
                    "bin_low": edges[b],
                    "bin_high": edges[b + 1],
                    "n_people": int(hit.sum()),
                    "mean_p_benefit": predicted,
                    "observed_benefit": observed,
                    "gap": observed - predicted,
                }
            )
    return pd.DataFrame(rows)
