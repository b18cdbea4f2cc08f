"""Pooling people: the standard errors the pooling uses, the floored Hartung-Knapp interval,
coverage on stored simulated cohorts, and the simulator's truth on the claim's own scale."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from backcare_analysis.cohort import pool_advice, random_effects
from backcare_analysis.cohort.pool import pooling_se
from backcare_analysis.panel import daily_panel
from backcare_analysis.readers.flaredown_stream import read_flaredown_cohort
from backcare_analysis.stats.onset import onset_rate_ratios
from backcare_analysis.synthetic.cohort import CohortSetting, write_flaredown_cohort

#: Per-person lifting rows of the first 100 cohorts of validation/cohort_coverage.py (30
#: people each, true mean ratio 2, tau 0.3), made by the scorecard's own lifting model:
#: ``cohort``, ``estimate``, ``se_log``, ``n_events`` (people who could not be fitted left
#: out). Regenerate with ``--per-person`` and keep those columns. ``se_log`` is the
#: information SE, as the scorecard reports it for a yes/no exposure (the rows were made
#: with the K = 3 factor then applied to every exposure, and rescaled).
STORED = Path(__file__).with_name("test_cohort_pool_cohorts.csv.gz")
TRUE_LOG_RR, TRUE_TAU = math.log(2.0), 0.3


def test_hartung_knapp_is_floored_at_the_usual_variance() -> None:
    # People who agree more than their standard errors say: tau^2 = 0 and the unfloored
    # Hartung-Knapp variance sum w (y - mu)^2 / ((k - 1) sum w) is below 1 / sum w.
    y = np.array([0.10, 0.20, 0.15, 0.12, 0.18])
    se = np.array([0.5, 0.6, 0.7, 0.4, 0.55])
    w = 1 / se**2
    mu = float(np.sum(w * y) / np.sum(w))
    unfloored = float(np.sum(w * (y - mu) ** 2) / (4 * np.sum(w)))
    assert unfloored < 1 / np.sum(w)
    fit = random_effects(y, se)
    assert fit["tau2"] == 0.0
    assert fit["mu"] == pytest.approx(mu)
    assert fit["se_mu"] == pytest.approx(math.sqrt(1 / np.sum(w)))
    t = stats.t.ppf(0.975, 4)
    assert fit["ci_high"] == pytest.approx(mu + t * math.sqrt(1 / np.sum(w)))
    # When people disagree more, the Hartung-Knapp variance is the larger and is kept.
    wide = np.array([0.1, 0.2, 2.0, 0.15, 1.8])
    fit = random_effects(wide, se)
    ww = 1 / (se**2 + fit["tau2"])
    hk = float(np.sum(ww * (wide - fit["mu"]) ** 2) / (4 * np.sum(ww)))
    assert hk > 1 / np.sum(ww)
    assert fit["se_mu"] == pytest.approx(math.sqrt(hk))


def test_pooling_se_removes_the_onset_models_small_sample_factor_only() -> None:
    rows = pd.DataFrame(
        {
            "measure": ["rate ratio", "rate ratio", "ratio of durations", "rate ratio"],
            "se_log": [0.6, 0.3, 0.4, 0.5],
            "n_events": [12, 103, 9, 12],
            "exposure_unit": ["per 1 h", "per 30 min", "", "yes vs no"],
        }
    )
    se = pooling_se(rows)
    # The factor of a measured amount is sqrt(n / (n - 2)) for n onsets.
    assert se.iloc[0] == pytest.approx(0.6 / math.sqrt(12 / 10))
    assert se.iloc[1] == pytest.approx(0.3 / math.sqrt(103 / 101))
    assert se.iloc[2] == 0.4  # a treatment comparison: its SE has no such factor
    assert se.iloc[3] == 0.5  # a yes/no exposure carries none either
    # A table from before the exposure_unit column: every onset row had the factor.
    old = pooling_se(rows.drop(columns="exposure_unit"))
    assert old.iloc[3] == pytest.approx(0.5 / math.sqrt(12 / 10))


def _stored_fits(pool: str) -> pd.DataFrame:
    table = pd.read_csv(STORED)
    out = []
    for cohort, rows in table.groupby("cohort"):
        per_person = rows.assign(
            person=[f"p{i}" for i in range(len(rows))],
            claim="lifting",
            measure="rate ratio",
            exposure_unit="yes vs no",
            ci_low=np.nan,
            ci_high=np.nan,
            verdict="inconclusive",
            n_days=200,
            status="ok",
            reason="",
        )
        if pool == "pool_advice":
            fit = pool_advice(per_person).iloc[0]
            mu, low, high = math.log(fit["pooled_ratio"]), fit["ci_low"], fit["ci_high"]
            low, high = math.log(low), math.log(high)
            tau_low, tau_high = fit["tau_ci_low"], fit["tau_ci_high"]
        else:  # the first release: the scorecard's inflated SE (K = 3 then), HK unfloored
            y = np.log(rows["estimate"].to_numpy())
            n = rows["n_events"].to_numpy(dtype=np.float64)
            se = pooling_se(per_person).to_numpy() * np.sqrt(n / (n - 3))
            f = random_effects(y, se)
            w = 1 / (se**2 + f["tau2"])
            hk = math.sqrt(float(np.sum(w * (y - f["mu"]) ** 2) / ((len(y) - 1) * np.sum(w))))
            t = stats.t.ppf(0.975, len(y) - 1)
            mu, low, high = f["mu"], f["mu"] - t * hk, f["mu"] + t * hk
            tau_low, tau_high = math.sqrt(f["tau2_low"]), math.sqrt(f["tau2_high"])
        out.append(
            {
                "cohort": cohort,
                "mu": mu,
                "covers_mean": low <= TRUE_LOG_RR <= high,
                "covers_tau": tau_low <= TRUE_TAU <= tau_high,
            }
        )
    return pd.DataFrame(out)


def test_pooled_intervals_cover_the_truth_on_stored_cohorts() -> None:
    fits = _stored_fits("pool_advice")
    assert len(fits) == 100
    # Measured on these 100 cohorts: 96% for the mean and 98% for tau, mean error of the
    # pooled log ratio -0.058 (docs/statistics.md, "Pooling people"). The data are fixed, so
    # any change in the pooling that costs 6 points of coverage, or a bias of 0.08 (three
    # quarters of the pooled estimate's SD between cohorts), fails here.
    assert fits["covers_mean"].mean() >= 0.90
    assert fits["covers_tau"].mean() >= 0.90
    assert abs(fits["mu"].mean() - TRUE_LOG_RR) < 0.08
    # The pooling it replaced fails the same test (92% and 79%: tau's spread explained away).
    before = _stored_fits("before")
    assert before["covers_mean"].mean() < 0.90 or before["covers_tau"].mean() < 0.90


def test_simulated_effect_is_planted_on_the_claims_own_exposure(tmp_path: Path) -> None:
    # One long log with no spread between people: the lifting claim's own model (any of
    # the previous 3 days) recovers the planted log ratio. Planted on the next day only,
    # the 3-day exposure would dilute it (about 1.3 for a planted 2.0).
    setting = CohortSetting(n_back=1, n_other=0, days=(2500, 2500), lifting_tau=0.0)
    path = tmp_path / "one.csv"
    truth = write_flaredown_cohort(path, setting, seed=7)
    assert truth["true_log_rr_lifting"].iloc[0] == pytest.approx(TRUE_LOG_RR)
    logs, _ = read_flaredown_cohort(path)
    fit = onset_rate_ratios(daily_panel(logs["bp00000"]), triggers=["heavy_lifting"]).iloc[0]
    assert fit["exposure"] == "heavy_lifting_any3d"
    error = math.log(fit["rate_ratio"]) - TRUE_LOG_RR
    assert abs(error) < 2.5 * fit["se_log_rr"]
    assert fit["n_onsets"] > 100
