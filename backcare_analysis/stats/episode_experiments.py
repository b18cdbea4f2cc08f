"""Per-episode randomised self-experiments for treatments: a schedule that assigns a protocol
per episode, and its analysis (effect with interval and probability of benefit)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


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
