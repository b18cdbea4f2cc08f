"""Priors from published evidence and the probability that the advice helps you."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import backcare_analysis as bca
from backcare_analysis.schema import AnalysisError
from backcare_analysis.stats.priors import (
    combine,
    posterior_benefit,
    published_priors,
    reliability_table,
)


def test_published_priors_follow_evidence_md() -> None:
    table = published_priors().set_index(["claim", "trigger", "outcome"])
    exercise = table.loc[("exercise", "", "onset rate")]
    assert exercise["mean"] == pytest.approx(math.log(0.65))
    assert exercise["se"] == pytest.approx((math.log(0.86) - math.log(0.50)) / 3.92, rel=1e-3)
    assert exercise["sd"] == pytest.approx(math.sqrt(exercise["se"] ** 2 + 0.25), rel=1e-9)
    assert "Steffens 2016" in exercise["citation"]
    walking = table.loc[("exercise", "steps_count", "onset rate")]
    assert walking["mean"] == pytest.approx(math.log(0.72))
    assert walking["se"] == pytest.approx(0.089, abs=5e-4)
    hydration = table.loc[("hydration", "", "onset rate")]
    assert (hydration["mean"], hydration["sd"]) == (0.0, 0.3)
    assert "sceptical" in hydration["note"]
    assert table.loc[("sitting", "", "onset rate"), "mean"] == pytest.approx(math.log(1.1))
    assert "Steffens 2015" in table.loc[("lifting", "", "onset rate"), "citation"]
    assert {"citation", "population", "effect", "certainty"} <= set(table.columns)
    assert published_priors(tau=0.8).loc[2, "sd"] > published_priors(tau=0.3).loc[2, "sd"]


def test_combine_by_hand() -> None:
    mean, sd = combine(0.0, 1.0, 1.0, 1.0)
    assert (mean, sd) == pytest.approx((0.5, math.sqrt(0.5)))
    assert combine(0.2, 0.3, math.nan, math.nan) == (0.2, 0.3)
    assert combine(0.2, math.inf, -1.0, 0.5) == (-1.0, 0.5)


def test_posterior_benefit_by_hand() -> None:
    card = pd.DataFrame(
        {
            "claim": ["hydration", "sitting", "recurrence"],
            "measure": ["rate ratio", "rate ratio", "probability"],
            "estimate": [math.exp(-0.3), math.exp(0.4), 0.5],
            "ci_low": [math.exp(-0.3 - 1.959964 * 0.3), math.exp(0.4 - 1.959964 * 0.2), 0.3],
            "ci_high": [math.exp(-0.3 + 1.959964 * 0.3), math.exp(0.4 + 1.959964 * 0.2), 0.7],
        }
    )
    out = posterior_benefit(card).set_index("claim")
    assert "recurrence" not in out.index
    hyd = out.loc["hydration"]
    assert hyd["log_se"] == pytest.approx(0.3, rel=1e-5)
    # prior N(0, 0.3^2) and estimate -0.3 with se 0.3: posterior N(-0.15, 0.045)
    assert hyd["post_mean_log"] == pytest.approx(-0.15, rel=1e-5)
    assert hyd["post_sd_log"] == pytest.approx(math.sqrt(0.045), rel=1e-5)
    from scipy import stats

    assert hyd["p_benefit"] == pytest.approx(stats.norm.cdf(0.15 / math.sqrt(0.045)), rel=1e-5)
    assert hyd["p_benefit_flat"] == pytest.approx(stats.norm.cdf(1.0), rel=1e-4)
    assert hyd["post_ci_low"] < hyd["post_ratio"] < hyd["post_ci_high"]
    # sitting: the advice predicts a raised rate, so benefit is P(log RR > 0)
    sit = out.loc["sitting"]
    assert sit["direction"] == "raises"
    assert sit["p_benefit"] == pytest.approx(
        1 - stats.norm.cdf(-sit["post_mean_log"] / sit["post_sd_log"])
    )
    assert "flat prior" in sit["sensitivity"]
    assert "Chen 2009" in sit["prior_source"]


def test_log_columns_are_used_and_custom_prior() -> None:
    card = pd.DataFrame({"claim": ["exercise"], "log_estimate": [-0.5], "log_se": [0.25]})
    cohort = pd.DataFrame(
        {"claim": ["exercise"], "mean": [-0.2], "sd": [0.25], "source": ["cohort"]}
    )
    out = posterior_benefit(card, priors=cohort).iloc[0]
    assert out["post_mean_log"] == pytest.approx(-0.35)
    assert out["prior_source"] == "cohort"
    with pytest.raises(AnalysisError, match="claim, mean and sd"):
        posterior_benefit(card, priors=cohort.drop(columns="sd"))
    with pytest.raises(AnalysisError, match="log_estimate and log_se, or estimate"):
        posterior_benefit(pd.DataFrame({"claim": ["exercise"]}))


def test_scorecard_of_the_sample() -> None:
    card = bca.check_advice(bca.read_log("data/sample/spreadsheet"))
    out = posterior_benefit(card).set_index("claim")
    assert "recurrence" not in out.index
    assert out.loc["posture", "note"] == "no personal estimate: the prior alone"
    assert out.loc["posture", "p_benefit"] == pytest.approx(0.5)
    # the sample plants an effect of sitting: the posterior agrees with the advice
    assert out.loc["sitting", "p_benefit"] > 0.99
    # steps or exercise picks its own prior
    assert out.loc["exercise", "outcome"] == "onset rate"
    assert out["p_benefit"].between(0, 1).all()


def test_reliability_within_five_points() -> None:
    table = reliability_table(math.log(0.65), 0.52, 0.4, n=20_000, seed=1)
    big = table[table["n_people"] >= 200]
    assert (big["gap"].abs() < 0.05).all()
    # a prior narrower than the truth is not calibrated: the check can fail
    bad = reliability_table(math.log(0.65), 0.15, 0.4, true_sd=0.8, n=20_000, seed=1)
    assert (bad["gap"].abs() >= 0.05).any()
    assert np.isclose(table["n_people"].sum(), 20_000)
