"""The analysis of a block self-experiment (:func:`analyse_experiment`): the effect with its
interval, a randomisation test over the block assignment, and the probability of benefit,
by intention to treat and per protocol."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from ..panel import daily_panel
from ..schema import AnalysisError, Log
from .experiments import PLAN_COLUMNS, spec_for

FloatArray = npt.NDArray[np.float64]

#: Tags (folded to lower case) that record adherence in a diary app.
FOLLOWED_TAGS: Final = frozenset({"followed plan", "followed the plan", "on plan"})
NOT_FOLLOWED_TAGS: Final = frozenset({"off plan", "did not follow plan", "not followed plan"})
#: Above this many pairs the randomisation test samples instead of enumerating.
EXACT_MAX_PAIRS: Final = 12
N_RANDOM_ASSIGNMENTS: Final = 4000

RESULT_COLUMNS: Final = (
    "claim",
    "outcome",
    "analysis",
    "measure",
    "n_pairs",
    "n_days_advice",
    "n_days_usual",
    "n_events_advice",
    "n_events_usual",
    "estimate",
    "ci_low",
    "ci_high",
    "p_val",
    "p_benefit",
    "p_meaningful_benefit",
    "meaningful",
    "note",
)

#: The smallest benefits worth having: 1 point of pain on 0-10 (METHODS.md), and a 20%
#: lower rate or shorter episode (the threshold of Trialist/PREEMPT, EVIDENCE.md).
MEANINGFUL_PAIN: Final = 1.0
MEANINGFUL_RATIO: Final = 0.8

_PER_PROTOCOL_NOTE = (
    "per protocol: only days you followed the plan; no longer protected by the "
    "randomisation (days you could not follow it may differ), so read it beside the "
    "intention-to-treat row"
)


def _flips(n_pairs: int) -> npt.NDArray[np.bool_]:
    """Which pairs swap their arms, one row per re-randomisation (the first: none)."""
    if n_pairs <= EXACT_MAX_PAIRS:
        return np.array(list(itertools.product([False, True], repeat=n_pairs)), dtype=bool)
    rng = np.random.default_rng(0)
    draws = rng.random((N_RANDOM_ASSIGNMENTS, n_pairs)) < 0.5
    return np.vstack([np.zeros((1, n_pairs), dtype=bool), draws])


def randomisation_p(statistic: Callable[[npt.NDArray[np.bool_]], float], n_pairs: int) -> float:
    """Two-sided randomisation p-value: the share of within-pair re-assignments whose
    statistic is at least as far from zero as the observed one.

    Parameters
    ----------
    statistic
        Maps a boolean vector (pair swapped or not) to the statistic.
    n_pairs
        Number of pairs; all ``2 ** n_pairs`` assignments are enumerated up to
        :data:`EXACT_MAX_PAIRS`, beyond that :data:`N_RANDOM_ASSIGNMENTS` are drawn.
    """
    flips = _flips(n_pairs)
    values = np.array([statistic(f) for f in flips])
    observed = abs(values[0])
    return float(np.mean(np.abs(values) >= observed - 1e-12))


def _adherence(log: Log, plan: pd.DataFrame) -> pd.Series:
    """True/False/NA per plan day: the plan's ``followed`` column, else diary tags."""
    text = plan["followed"].astype("string").str.strip().str.lower()
    followed = pd.Series(pd.NA, index=plan.index, dtype="boolean")
    followed[text.isin(["yes", "y", "true", "1"]).fillna(False)] = True
    followed[text.isin(["no", "n", "false", "0"]).fillna(False)] = False
    if not log.tags.empty:
        names = log.tags["tag"].astype(str).str.strip().str.lower()
        yes = set(log.tags.loc[names.isin(FOLLOWED_TAGS), "date"])
        no = set(log.tags.loc[names.isin(NOT_FOLLOWED_TAGS), "date"])
        unknown = followed.isna()
        followed[unknown & plan["date"].isin(yes)] = True
        followed[unknown & plan["date"].isin(no)] = False
    return followed


def _check_plan(plan: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in PLAN_COLUMNS if c not in plan.columns]
    if missing:
        raise AnalysisError(
            f"the plan lacks the columns {missing}; pass the table plan_experiment returned "
            "or read_plan(path) of the CSV write_plan wrote"
        )
    claims = plan["claim"].unique()
    if len(claims) != 1:
        raise AnalysisError(f"a plan tests one claim; this one names {list(claims)}")
    out = plan.copy()
    out["date"] = pd.to_datetime(out["date"]).astype("datetime64[us]")
    return out


def _row(
    claim: str, outcome: str, analysis: str, measure: str, **values: object
) -> dict[str, object]:
    base: dict[str, object] = dict.fromkeys(RESULT_COLUMNS, math.nan)
    base.update(
        claim=claim, outcome=outcome, analysis=analysis, measure=measure, meaningful="", note=""
    )
    base.update(values)
    return base


def _onset_rows(claim: str, analysis: str, blocks: pd.DataFrame) -> dict[str, object]:
    """Rate ratio of onsets (advice / usual): Jeffreys posterior, randomisation p."""
    advice = blocks["arm"].to_numpy() == "advice"
    pair = blocks["pair"].to_numpy()
    onsets = blocks["onsets"].to_numpy(dtype=np.float64)
    days = blocks["days"].to_numpy(dtype=np.float64)
    a, u = onsets[advice].sum(), onsets[~advice].sum()
    da, du = days[advice].sum(), days[~advice].sum()
    row = _row(
        claim, "onset rate", analysis, "rate ratio",
        n_pairs=len(np.unique(pair)), n_days_advice=int(da), n_days_usual=int(du),
        n_events_advice=int(a), n_events_usual=int(u),
    )  # fmt: skip
    if da == 0 or du == 0:
        row["note"] = "no analysed day at risk in one of the arms"
        return row
    # Jeffreys priors on the two rates: a / (a + u) given the total is Beta(a + .5, u + .5),
    # and rate ratio = B / (1 - B) * du / da.
    beta = stats.beta(a + 0.5, u + 0.5)
    share = da / (da + du)

    def ratio(q: float) -> float:
        b = float(beta.ppf(q))
        return float(b / (1 - b) * du / da)

    estimate = (a / da) / (u / du) if a > 0 and u > 0 else ratio(0.5)
    pairs, index = np.unique(pair, return_inverse=True)

    def statistic(flip: npt.NDArray[np.bool_]) -> float:
        arm = advice ^ flip[index]
        return math.log((onsets[arm].sum() + 0.5) / max(days[arm].sum(), 1.0)) - math.log(
            (onsets[~arm].sum() + 0.5) / max(days[~arm].sum(), 1.0)
        )

    row.update(
        estimate=estimate,
        ci_low=ratio(0.025),
        ci_high=ratio(0.975),
        p_val=randomisation_p(statistic, len(pairs)),
        p_benefit=float(beta.cdf(share)),
        # RR < r  <=>  B < r da / (r da + du)
        p_meaningful_benefit=float(beta.cdf(MEANINGFUL_RATIO * da / (MEANINGFUL_RATIO * da + du))),
        meaningful=f"rate lower by more than {1 - MEANINGFUL_RATIO:.0%}",
    )
    if a + u < 5:
        row["note"] = f"only {int(a + u)} onsets: keep going, the interval is very wide"
    return row


def _pain_rows(claim: str, analysis: str, days: pd.DataFrame) -> dict[str, object]:
    """Difference in daily pain (advice minus usual): pair means, t, sign-flip test."""
    rated = days.dropna(subset=["pain"])
    means = rated.pivot_table(index="pair", columns="arm", values="pain", aggfunc="mean")
    for arm in ("advice", "usual"):
        if arm not in means.columns:
            means[arm] = np.nan
    means = means.dropna()
    diff = (means["advice"] - means["usual"]).to_numpy(dtype=np.float64)
    row = _row(
        claim, "daily pain", analysis, "difference in pain (0-10 points)",
        n_pairs=len(diff),
        n_days_advice=int((rated["arm"] == "advice").sum()),
        n_days_usual=int((rated["arm"] == "usual").sum()),
    )  # fmt: skip
    if len(diff) < 2:
        row["note"] = "fewer than two pairs of blocks with pain ratings in both arms"
        return row
    mean, se, df = float(diff.mean()), float(diff.std(ddof=1) / math.sqrt(len(diff))), len(diff) - 1
    se = max(se, 1e-9)
    half = float(stats.t.ppf(0.975, df)) * se
    row.update(
        estimate=mean,
        ci_low=mean - half,
        ci_high=mean + half,
        p_val=randomisation_p(lambda f: float(np.mean(np.where(f, -diff, diff))), len(diff)),
        p_benefit=float(stats.t.cdf(-mean / se, df)),
        p_meaningful_benefit=float(stats.t.cdf((-MEANINGFUL_PAIN - mean) / se, df)),
        meaningful=f"pain lower by more than {MEANINGFUL_PAIN:g} point on 0-10",
    )
    return row


def _duration_rows(claim: str, analysis: str, episodes: pd.DataFrame) -> dict[str, object]:
    """Ratio of geometric-mean episode durations (advice / usual), Welch t on the log."""
    values: FloatArray = np.log(
        episodes["duration_h"].astype(float).clip(lower=0.25).to_numpy(dtype=np.float64)
    )
    advice = (episodes["arm"] == "advice").to_numpy()
    x, y = values[advice], values[~advice]
    row = _row(
        claim, "episode duration", analysis, "ratio of durations",
        n_pairs=int(episodes["pair"].nunique()), n_events_advice=len(x), n_events_usual=len(y),
    )  # fmt: skip
    if min(len(x), len(y)) < 2:
        row["note"] = "fewer than two episodes with a duration in one of the arms"
        return row
    vx, vy = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    se = max(math.sqrt(vx + vy), 1e-9)
    df = (vx + vy) ** 2 / (vx**2 / (len(x) - 1) + vy**2 / (len(y) - 1)) if vx + vy > 0 else 1.0
    diff = float(x.mean() - y.mean())
    half = float(stats.t.ppf(0.975, df)) * se
    pairs, index = np.unique(episodes["pair"].to_numpy(), return_inverse=True)

    def statistic(flip: npt.NDArray[np.bool_]) -> float:
        arm = advice ^ flip[index]
        if arm.all() or not arm.any():
            return 0.0
        return float(values[arm].mean() - values[~arm].mean())

    row.update(
        estimate=math.exp(diff),
        ci_low=math.exp(diff - half),
        ci_high=math.exp(diff + half),
        p_val=randomisation_p(statistic, len(pairs)),
        p_benefit=float(stats.t.cdf(-diff / se, df)),
        p_meaningful_benefit=float(stats.t.cdf((math.log(MEANINGFUL_RATIO) - diff) / se, df)),
        meaningful=f"episodes shorter by more than {1 - MEANINGFUL_RATIO:.0%}",
    )
    return row


def analyse_experiment(log: Log, plan: pd.DataFrame) -> pd.DataFrame:
    """Analyse a block self-experiment: did following the advice help?

    Parameters
    ----------
    log
        Your log over the experiment (and any time around it).
    plan
        The plan of :func:`~backcare_analysis.plan_experiment` (or
        :func:`~backcare_analysis.read_plan` of its CSV), with ``followed`` filled in
        (``yes``/``no``) where you recorded it. Days without an entry there take a diary
        tag ``followed plan`` (yes) or ``off plan`` (no) when the log has one.

    Returns
    -------
    pandas.DataFrame
        Rows for each outcome the claim and the log allow (``onset rate`` for prevention
        claims, ``episode duration`` for treatment claims, ``daily pain`` where the log
        has ratings), each by ``intention to treat`` (every analysed day by its assigned
        arm) and ``per protocol`` (days you followed the plan), with columns ``claim``,
        ``outcome``, ``analysis``, ``measure``, ``n_pairs``, ``n_days_advice``,
        ``n_days_usual`` (analysed days), ``n_events_advice``, ``n_events_usual`` (onsets
        or episodes), ``estimate`` (advice relative to usual: rate ratio, ratio of
        durations, or pain difference in 0-10 points), ``ci_low``, ``ci_high`` (95%),
        ``p_val`` (randomisation test), ``p_benefit`` (probability that the advice lowers
        the outcome), ``p_meaningful_benefit`` (probability that it lowers it by more
        than ``meaningful`` says: 1 pain point, or 20% of the rate or the duration) and
        ``note``.

    Raises
    ------
    AnalysisError
        When the plan is malformed or the log does not overlap it.

    Notes
    -----
    Onsets: days at risk outside the washout; a Jeffreys prior on each arm's rate makes
    the advice share of onsets, given their total, Beta-distributed, which gives the
    interval and ``p_benefit`` (independent days assumed). Daily pain: block means, the
    mean of the within-pair differences with a t interval (blocks, not days, are the
    units). Durations: episodes starting in a block, Welch t on log hours. Every ``p_val``
    re-randomises the arms within pairs exactly as the plan did, so it holds however
    autocorrelated the days are.
    """
    plan = _check_plan(plan)
    claim = str(plan["claim"].iloc[0])
    spec = spec_for(claim)
    plan = plan.assign(followed_=_adherence(log, plan))
    panel = daily_panel(log)
    days = plan.merge(
        panel[["date", "logged", "at_risk", "onset", "pain_max_0_10"]], on="date", how="left"
    )
    days = days.loc[~days["washout"].astype(bool) & days["logged"].fillna(False).astype(bool)]
    if days.empty:
        raise AnalysisError(
            f"the log has no logged day between {plan['date'].min():%Y-%m-%d} and "
            f"{plan['date'].max():%Y-%m-%d} outside the washout days; log the experiment's "
            "days and pass that log"
        )
    days = days.rename(columns={"pain_max_0_10": "pain"})
    days["pain"] = days["pain"].astype("Float64").astype("float64")
    rows: list[dict[str, object]] = []
    for analysis in ("intention to treat", "per protocol"):
        chosen = days if analysis == "intention to treat" else days[days["followed_"].fillna(False)]
        if analysis == "per protocol" and chosen.empty:
            rows.append(
                _row(claim, "adherence", analysis, "", note="no day marked as followed: record "
                     "'yes' in the plan's followed column or tag the day 'followed plan'")
            )  # fmt: skip
            continue
        found: list[dict[str, object]] = []
        if spec.group == "prevention":
            risk = chosen[chosen["at_risk"].fillna(False).astype(bool)]
            blocks = risk.groupby(["block", "pair", "arm"], as_index=False).agg(
                onsets=("onset", lambda s: float(s.astype("float64").sum())),
                days=("onset", "size"),
            )
            found.append(_onset_rows(claim, analysis, blocks))
        else:
            starts = log.episodes.assign(date=log.episodes["start_local"].dt.normalize())
            episodes = starts.merge(chosen[["date", "pair", "arm"]], on="date")
            found.append(_duration_rows(claim, analysis, episodes))
        if chosen["pain"].notna().any():
            found.append(_pain_rows(claim, analysis, chosen))
        for row in found:
            if analysis == "per protocol":
                row["note"] = "; ".join(n for n in (str(row["note"]), _PER_PROTOCOL_NOTE) if n)
        rows.extend(found)
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
