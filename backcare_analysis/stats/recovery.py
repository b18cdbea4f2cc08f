"""Treatments and recovery: what happened during episodes, and how soon the next one came.

Observational logs cannot settle which treatment works: worse episodes get more rest and
more ice (confounding by indication), and whatever is started at the peak looks effective
(regression to the mean). The comparisons here adjust for the episode's initial severity
and always carry :data:`CAVEAT`; a randomised self-experiment
(:func:`self_experiment_schedule`, :func:`analyse_self_experiment`) is the way to a fair
answer.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import pandas as pd

from ..panel import daily_panel
from ..schema import TREATMENTS, Log

CAVEAT: Final = (
    "Observational comparison: worse episodes tend to get more treatment, and anything "
    "started at the peak looks helpful as pain eases anyway. Adjusted for initial severity, "
    "but only a randomised self-experiment can show cause and effect."
)

#: Published one-year recurrence after an episode of low back pain (METHODS.md).
PUBLISHED_RECURRENCE_1Y: Final = (0.24, 0.73)

Outcome = Literal["duration_h", "pain_day3_0_10"]


@dataclass(frozen=True)
class Comparison:
    """A treatment comparison between two groups of episodes.

    Attributes
    ----------
    claim
        Stable id of the advice claim it tests.
    treated, control
        Plain descriptions of the two groups.
    """

    claim: str
    treated: str
    control: str


COMPARISONS: Final = (
    Comparison("heat", "heat used", "no heat"),
    Comparison("nsaids", "anti-inflammatory (NSAID) taken", "none taken"),
    Comparison("stretch_during", "stretching during the episode", "no stretching"),
    Comparison("ice_then_heat", "ice first, then heat", "heat without ice first"),
    Comparison("rest_vs_movement", "bed rest", "walking / gentle movement (no bed rest)"),
)


def episode_treatments(log: Log) -> pd.DataFrame:
    """One row per episode with its outcomes and a yes/no column per treatment.

    Parameters
    ----------
    log
        A parsed log.

    Returns
    -------
    pandas.DataFrame
        Columns ``episode_id``, ``start_local``, ``duration_h``, ``initial_severity_0_10``
        (falls back to the peak when the start was not rated), ``peak_severity_0_10``,
        ``pain_day3_0_10`` (worst pain two days after onset, when logged), one boolean
        column per treatment in :data:`~backcare_analysis.schema.TREATMENTS`,
        ``treatments_recorded`` (any treatment written down) and ``ice_before_heat``.
    """
    ep = log.episodes
    out = pd.DataFrame(
        {
            "episode_id": ep["episode_id"],
            "start_local": ep["start_local"],
            "duration_h": ep["duration_h"].astype("float64"),
            "initial_severity_0_10": ep["initial_severity_0_10"]
            .fillna(ep["peak_severity_0_10"])
            .astype("float64"),
            "peak_severity_0_10": ep["peak_severity_0_10"].astype("float64"),
        }
    )
    pain = log.daily.set_index("date")["pain_max_0_10"].astype("float64")
    day3 = ep["start_local"].dt.normalize() + pd.Timedelta(days=2)
    out["pain_day3_0_10"] = day3.map(pain).astype("float64").to_numpy()
    lists = ep["treatments"].fillna("").str.split(";")
    for treatment in TREATMENTS:
        out[treatment] = lists.map(lambda items, t=treatment: t in items).astype(bool)
    out["treatments_recorded"] = lists.map(lambda items: any(items)).astype(bool)
    out["ice_before_heat"] = lists.map(
        lambda items: (
            "ice" in items and "heat" in items and items.index("ice") < items.index("heat")
        )
    ).astype(bool)
    return out.reset_index(drop=True)


def _groups(table: pd.DataFrame, claim: str) -> pd.Series:
    """True for treated, False for control, NA for episodes outside the comparison."""
    recorded = table["treatments_recorded"]
    if claim == "ice_then_heat":
        group = pd.Series(pd.NA, index=table.index, dtype="boolean")
        group[table["ice_before_heat"]] = True
        group[table["heat"] & ~table["ice"]] = False
        return group
    if claim == "rest_vs_movement":
        group = pd.Series(pd.NA, index=table.index, dtype="boolean")
        group[table["bed_rest"]] = True
        group[table["walking"] & ~table["bed_rest"]] = False
        return group
    column = {"heat": "heat", "nsaids": "nsaid", "stretch_during": "stretching"}[claim]
    return table[column].astype("boolean").where(recorded, pd.NA)


def compare_treatments(
    log: Log,
    *,
    outcome: Outcome = "duration_h",
    comparisons: Sequence[Comparison] = COMPARISONS,
    min_per_group: int = 3,
) -> pd.DataFrame:
    """Compare episodes with and without each treatment, adjusted for initial severity.

    Parameters
    ----------
    log
        A parsed log.
    outcome
        ``"duration_h"`` (compared as a ratio of durations) or ``"pain_day3_0_10"``
        (compared as a difference in points).
    comparisons
        Which comparisons to make.
    min_per_group
        Fewer episodes than this in either group gives no estimate.

    Returns
    -------
    pandas.DataFrame
        One row per comparison with columns ``claim``, ``treated``, ``control``,
        ``outcome``, ``n_treated``, ``n_control``, ``effect`` (ratio of durations, treated
        over control, or difference in pain points), ``ci_low``, ``ci_high``, ``p_val``,
        ``effect_kind`` (``"ratio"`` or ``"difference"``), ``note`` (why there is no
        estimate, when there is none) and ``caveat``.

    Notes
    -----
    Least squares of log duration (or day-3 pain) on the treatment and the initial
    severity; the interval is a t interval. Episodes with no treatment recorded are left
    out rather than counted as untreated.
    """
    import statsmodels.api as sm

    table = episode_treatments(log)
    rows: list[dict[str, object]] = []
    for comp in comparisons:
        group = _groups(table, comp.claim)
        y = (
            np.log(table["duration_h"].clip(lower=0.5))
            if outcome == "duration_h"
            else table[outcome]
        )
        data = pd.DataFrame(
            {"y": y, "treated": group, "severity": table["initial_severity_0_10"]}
        ).dropna()
        n_treated = int(data["treated"].sum())
        n_control = len(data) - n_treated
        row: dict[str, object] = {
            "claim": comp.claim,
            "treated": comp.treated,
            "control": comp.control,
            "outcome": outcome,
            "n_treated": n_treated,
            "n_control": n_control,
            "effect": math.nan,
            "ci_low": math.nan,
            "ci_high": math.nan,
            "p_val": math.nan,
            "effect_kind": "ratio" if outcome == "duration_h" else "difference",
            "note": "",
            "caveat": CAVEAT,
        }
        if min(n_treated, n_control) < min_per_group:
            row["note"] = (
                f"needs at least {min_per_group} episodes in each group "
                f"(have {n_treated} with, {n_control} without)"
            )
            rows.append(row)
            continue
        design = sm.add_constant(
            data[["treated", "severity"]].astype("float64"), has_constant="add"
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = sm.OLS(data["y"].astype("float64"), design).fit()
        low, high = fit.conf_int().loc["treated"]
        beta = float(fit.params["treated"])
        transform = math.exp if outcome == "duration_h" else float
        row.update(
            effect=transform(beta),
            ci_low=transform(float(low)),
            ci_high=transform(float(high)),
            p_val=float(fit.pvalues["treated"]),
        )
        rows.append(row)
    return pd.DataFrame(rows)


def recurrence_gaps(log: Log) -> pd.DataFrame:
    """Days from the end of each episode to the next onset (``gap_days``) and whether it
    ended in a new episode (``recurred``); the last gap is censored at the last logged day."""
    ep = log.episodes.sort_values("start_local")
    if ep.empty:
        return pd.DataFrame({"gap_days": [], "recurred": []})
    ends = ep["end_local"].fillna(ep["start_local"]).to_numpy()
    starts = ep["start_local"].to_numpy()
    gaps = (starts[1:] - ends[:-1]) / np.timedelta64(1, "D")
    panel = daily_panel(log)
    last_logged = panel.loc[panel["logged"], "date"].max() + pd.Timedelta(days=1)
    last_gap = (last_logged.to_datetime64() - ends[-1]) / np.timedelta64(1, "D")
    return pd.DataFrame(
        {
            "gap_days": np.clip(np.append(gaps, last_gap), 0.01, None),
            "recurred": np.append(np.ones(len(gaps), dtype=bool), False),
        }
    )


def recurrence(log: Log, *, horizon_days: float = 365.0) -> pd.DataFrame:
    """Time from the end of one episode to the start of the next (Kaplan-Meier).

    Parameters
    ----------
    log
        A parsed log.
    horizon_days
        Horizon of the recurrence probability.

    Returns
    -------
    pandas.DataFrame
        One row with ``n_episodes``, ``n_gaps`` (including the censored last one),
        ``median_gap_days`` with ``median_ci_low`` and ``median_ci_high``,
        ``p_recur`` (probability of another episode within the horizon) with ``ci_low`` and
        ``ci_high``, ``horizon_days``, ``followed_up_days`` (longest gap observed),
        ``published_low`` and ``published_high`` (one-year recurrence after an episode in
        published studies: 24-73%) and ``note``.

    Notes
    -----
    statsmodels ``SurvfuncRight``; the gap after the last episode is censored at the last
    logged day. Beyond the longest gap observed the curve is not estimable, and ``p_recur``
    is then reported at that shorter time with a note.
    """
    from statsmodels.duration.survfunc import SurvfuncRight

    gaps = recurrence_gaps(log)
    base: dict[str, object] = {
        "n_episodes": len(log.episodes),
        "n_gaps": len(gaps),
        "median_gap_days": math.nan,
        "median_ci_low": math.nan,
        "median_ci_high": math.nan,
        "p_recur": math.nan,
        "ci_low": math.nan,
        "ci_high": math.nan,
        "horizon_days": horizon_days,
        "followed_up_days": float(gaps["gap_days"].max()) if len(gaps) else math.nan,
        "published_low": PUBLISHED_RECURRENCE_1Y[0],
        "published_high": PUBLISHED_RECURRENCE_1Y[1],
        "note": "",
    }
    if int(gaps["recurred"].sum()) < 2:
        base["note"] = "needs at least three episodes (two recurrences)"
        return pd.DataFrame([base])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sf = SurvfuncRight(gaps["gap_days"].to_numpy(), gaps["recurred"].to_numpy(dtype=float))
        median = sf.quantile(0.5)
        med_low, med_high = sf.quantile_ci(0.5)
    times = np.asarray(sf.surv_times)
    probs = np.asarray(sf.surv_prob)
    errors = np.asarray(sf.surv_prob_se)
    at = min(horizon_days, float(gaps["gap_days"].max()))
    idx = int(np.searchsorted(times, at, side="right")) - 1
    surv = 1.0 if idx < 0 else float(probs[idx])
    se = 0.0 if idx < 0 else float(errors[idx])
    if surv == 0:
        # Every gap followed long enough ended in a recurrence: the Kaplan-Meier interval
        # collapses, so use the exact binomial bound on those gaps instead.
        from scipy.stats import beta

        recurred = int(gaps["recurred"].sum())
        low_p = float(beta.ppf(0.025, recurred, 1)) if recurred else 0.0
        p_recur, ci_low, ci_high = 1.0, low_p, 1.0
        base["note"] = (
            f"every one of {recurred} gaps ended in a new episode within "
            f"{gaps.loc[gaps['recurred'], 'gap_days'].max():.0f} days; exact binomial interval"
        )
    else:
        low_s, high_s = _loglog_interval(surv, se)
        p_recur, ci_low, ci_high = 1 - surv, 1 - high_s, 1 - low_s
        if at < horizon_days:
            base["note"] = (
                f"followed up only {at:.0f} days: the probability at {at:.0f} days is a "
                f"lower bound for {horizon_days:.0f} days"
            )
    base.update(
        median_gap_days=float(median),
        median_ci_low=float(med_low),
        median_ci_high=float(med_high),
        p_recur=p_recur,
        ci_low=ci_low,
        ci_high=ci_high,
    )
    return pd.DataFrame([base])


def _loglog_interval(surv: float, se: float) -> tuple[float, float]:
    """95% interval of a survival probability on the log(-log) scale."""
    if surv <= 0 or surv >= 1 or se == 0:
        return surv, surv
    spread = 1.96 * se / (surv * abs(math.log(surv)))
    return surv ** math.exp(spread), surv ** math.exp(-spread)


def self_experiment_schedule(
    n_episodes: int,
    *,
    protocols: tuple[str, str] = ("ice first, then heat", "heat straight away"),
    block_size: int = 2,
    seed: int = 0,
) -> pd.DataFrame:
    """A randomised schedule: which protocol to use for each of your next episodes.

    Parameters
    ----------
    n_episodes
        How many episodes to plan for.
    protocols
        The two protocols to compare.
    block_size
        Episodes per randomised block (balanced within each block; must be even).
    seed
        Random seed, so the schedule can be written down before the episodes happen.

    Returns
    -------
    pandas.DataFrame
        Columns ``episode_number`` (1, 2, ...), ``block`` and ``protocol``.
    """
    if block_size < 2 or block_size % 2:
        raise ValueError(f"block_size must be a positive even number, got {block_size}")
    rng = np.random.default_rng(seed)
    labels: list[str] = []
    while len(labels) < n_episodes:
        block = list(protocols) * (block_size // 2)
        rng.shuffle(block)
        labels.extend(block)
    labels = labels[:n_episodes]
    return pd.DataFrame(
        {
            "episode_number": np.arange(1, n_episodes + 1),
            "block": np.arange(n_episodes) // block_size + 1,
            "protocol": labels,
        }
    )


def analyse_self_experiment(
    results: pd.DataFrame,
    *,
    outcome: str = "pain_day3_0_10",
    treatment: str,
    control: str,
    meaningful: float = 1.0,
) -> pd.DataFrame:
    """Analyse a randomised self-experiment (lower outcome is better).

    Parameters
    ----------
    results
        One row per episode with columns ``protocol`` and ``outcome``.
    outcome
        The outcome column (for example pain on day 3, 0-10).
    treatment, control
        The two protocol labels.
    meaningful
        The smallest benefit worth having, in outcome units (1 point on 0-10 by default).

    Returns
    -------
    pandas.DataFrame
        One row: ``n_treatment``, ``n_control``, ``difference`` (treatment minus control),
        ``ci_low``, ``ci_high`` (Welch t interval), ``p_benefit`` (probability the
        treatment lowers the outcome) and ``p_meaningful_benefit`` (probability it lowers
        it by more than ``meaningful``).

    Notes
    -----
    The probabilities use a flat prior and the t approximation to the posterior of the
    difference in means; randomisation is what makes them causal.
    """
    from scipy import stats

    a = results.loc[results["protocol"] == treatment, outcome].dropna().astype(float)
    b = results.loc[results["protocol"] == control, outcome].dropna().astype(float)
    if min(len(a), len(b)) < 2:
        raise ValueError(
            f"need at least two episodes per protocol with {outcome!r} recorded "
            f"(have {len(a)} {treatment!r}, {len(b)} {control!r})"
        )
    diff = a.mean() - b.mean()
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)) if se > 0 else 1.0
    half = stats.t.ppf(0.975, df) * se
    posterior = stats.t(df, loc=diff, scale=se if se > 0 else 1e-9)
    return pd.DataFrame(
        [
            {
                "n_treatment": len(a),
                "n_control": len(b),
                "difference": diff,
                "ci_low": diff - half,
                "ci_high": diff + half,
                "p_benefit": float(posterior.cdf(0)),
                "p_meaningful_benefit": float(posterior.cdf(-meaningful)),
            }
        ]
    )
