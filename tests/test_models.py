"""Onset rate ratios: hand-computed small panels, statsmodels agreement, refusals."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pytest

from backcare_analysis.panel import daily_panel
from backcare_analysis.schema import AnalysisError
from backcare_analysis.stats.design import (
    OTHERS_MIN_CORRELATION,
    adjustment_design,
    check_panel,
    days_since_episode,
    natural_spline,
    trend_df,
)
from backcare_analysis.stats.glm import fit_hazard, newton_glm
from backcare_analysis.stats.onset import onset_rate_ratios
from backcare_analysis.stats.verdicts import VERDICTS, Minimums
from backcare_analysis.synthetic.calibration import STRONG_EFFECTS, Setting, simulate_log


def make_panel(
    onset: Sequence[int],
    exposures: Mapping[str, Sequence[float]],
    *,
    at_risk: Sequence[bool] | None = None,
    start: str = "2024-01-01",
) -> pd.DataFrame:
    """A minimal daily panel: the columns the models read, nothing else."""
    n = len(onset)
    dates = pd.date_range(start, periods=n, freq="D", unit="us")
    risk = np.ones(n, dtype=bool) if at_risk is None else np.asarray(at_risk, dtype=bool)
    panel = pd.DataFrame(
        {
            "date": dates,
            "weekday": dates.day_of_week.astype("int64"),
            "day_index": np.arange(n, dtype=np.int64),
            "logged": True,
            "in_episode": ~risk,
            "at_risk": risk,
            "onset": pd.Series(onset, dtype="Int64").where(risk, pd.NA),
        }
    )
    for column, values in exposures.items():
        panel[column] = pd.array(values, dtype="Float64")
    return panel


def lifting_panel() -> pd.DataFrame:
    """80 days: 4 onsets on the 20 days after heavy lifting, 6 on the 60 other days."""
    exposed = np.zeros(80)
    exposed[::4] = 1
    onset = np.zeros(80, dtype=int)
    onset[np.flatnonzero(exposed == 1)[:4]] = 1
    onset[np.flatnonzero(exposed == 0)[:6]] = 1
    return make_panel(onset.tolist(), {"heavy_lifting_any3d": exposed.tolist()})


def test_poisson_rate_ratio_of_a_binary_exposure_is_the_ratio_of_crude_rates() -> None:
    table = onset_rate_ratios(lifting_panel(), triggers=["heavy_lifting"], adjust=())
    row = table.iloc[0]
    # (4 / 20) / (6 / 60) = 2.0; SE(log RR) = sqrt(1/4 - 1/20 + 1/6 - 1/60) = sqrt(0.35)
    # because the model-based variance uses the Bernoulli variance mu (1 - mu).
    # A yes/no exposure keeps the information SE: no small-sample factor.
    assert row["rate_ratio"] == pytest.approx(2.0, rel=1e-9)
    se = math.sqrt(0.35)
    assert row["se_inflation"] == 1.0
    assert row["se_log_rr"] == pytest.approx(se, rel=1e-9)
    z = 1.959963984540054
    assert row["ci_low"] == pytest.approx(2.0 * math.exp(-z * se), rel=1e-9)
    assert row["p_val"] == pytest.approx(math.erfc(math.log(2) / se / math.sqrt(2)))
    assert row["n_days"] == 80
    assert row["n_onsets"] == 10
    assert row["unit"] == "yes vs no"
    assert row["exposure"] == "heavy_lifting_any3d"
    assert row["window"] == "any of previous 3 days"
    assert row["verdict"] == "inconclusive"
    assert row["q_val"] == pytest.approx(row["p_val"])


def test_logistic_model_gives_the_crude_odds_ratio() -> None:
    table = onset_rate_ratios(
        lifting_panel(), triggers=["heavy_lifting"], adjust=(), model="logistic"
    )
    # (4 / 16) / (6 / 54) = 2.25; SE = sqrt(1/4 + 1/16 + 1/6 + 1/54).
    assert table.loc[0, "measure"] == "odds ratio"
    assert table.loc[0, "rate_ratio"] == pytest.approx(2.25, rel=1e-9)
    se = math.sqrt(1 / 4 + 1 / 16 + 1 / 6 + 1 / 54)
    assert table.loc[0, "se_log_rr"] == pytest.approx(se, rel=1e-9)


def test_newton_solver_agrees_with_statsmodels_glm() -> None:
    import statsmodels.api as sm

    rng = np.random.default_rng(3)
    design = np.column_stack([np.ones(400), rng.normal(size=(400, 4))])
    y = (rng.random(400) < 0.1 * np.exp(0.4 * design[:, 1])).astype(float)
    for model, family in (
        ("poisson", sm.families.Poisson()),
        ("logistic", sm.families.Binomial()),
    ):
        params, fitted = newton_glm(design, y, model=model)  # type: ignore[arg-type]
        reference = sm.GLM(y, design, family=family).fit()
        np.testing.assert_allclose(params, reference.params, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(fitted, reference.fittedvalues, rtol=1e-7)
    fit = fit_hazard(y, design[:, 1], design[:, 2:], np.arange(400), model="logistic")
    reference = sm.GLM(y, design, family=sm.families.Binomial()).fit()
    assert fit.se_model == pytest.approx(reference.bse[1], rel=1e-6)
    robust = sm.GLM(y, design, family=sm.families.Binomial()).fit(cov_type="HC0")
    assert fit.se_robust == pytest.approx(robust.bse[1], rel=1e-6)


def test_firth_fit_maximises_the_penalised_likelihood() -> None:
    # Firth's fit sets the gradient of l(beta) + log det I(beta) / 2 to zero, and stays
    # finite where the maximum-likelihood estimate runs off (separation).
    rng = np.random.default_rng(8)
    design = np.column_stack([np.ones(120), rng.normal(size=(120, 2))])
    y = (rng.random(120) < 0.1 * np.exp(0.5 * design[:, 1])).astype(float)
    for model in ("poisson", "logistic"):

        def penalised(beta: np.ndarray, model: str = model) -> float:
            eta = design @ beta
            mu = np.exp(eta) if model == "poisson" else 1 / (1 + np.exp(-eta))
            w = mu if model == "poisson" else mu * (1 - mu)
            ll = np.sum(y * eta - (np.exp(eta) if model == "poisson" else np.logaddexp(0, eta)))
            return float(ll + 0.5 * np.linalg.slogdet(design.T @ (design * w[:, None]))[1])

        beta, _ = newton_glm(design, y, model=model, firth=True)  # type: ignore[arg-type]
        mle, _ = newton_glm(design, y, model=model)  # type: ignore[arg-type]
        grad = [(penalised(beta + h) - penalised(beta - h)) / 2e-6 for h in np.eye(3) * 1e-6]
        np.testing.assert_allclose(grad, 0, atol=1e-4)
        assert abs(beta[1] - mle[1]) < 0.2  # a small-sample correction, not a new estimate
        assert not np.allclose(beta, mle)
    separated = np.column_stack([np.ones(60), np.r_[np.ones(20), np.zeros(40)]])
    y = np.r_[np.zeros(20), (np.arange(40) % 5 == 0).astype(float)]
    with pytest.raises(ArithmeticError):
        newton_glm(separated, y)
    beta, _ = newton_glm(separated, y, firth=True)
    assert -6 < beta[1] < 0


def test_units_rescale_the_ratio() -> None:
    rng = np.random.default_rng(5)
    sitting = rng.normal(7, 2, 200)
    onset = (rng.random(200) < 0.1 * 1.3 ** (sitting - 7)).astype(int)
    onset[:5] = 1
    panel = make_panel(onset.tolist(), {"sitting_h_lag1": sitting.tolist()})
    per_hour = onset_rate_ratios(panel, triggers=["sitting_h"], adjust=())
    per_half = onset_rate_ratios(panel, triggers=["sitting_h"], adjust=(), units={"sitting_h": 0.5})
    assert per_half.loc[0, "unit"] == "per 30 min"
    assert per_half.loc[0, "rate_ratio"] == pytest.approx(per_hour.loc[0, "rate_ratio"] ** 0.5)
    assert per_half.loc[0, "p_val"] == pytest.approx(per_hour.loc[0, "p_val"])
    # A measured amount carries the small-sample factor sqrt(n / (n - 2)), n onsets.
    n = int(per_hour.loc[0, "n_onsets"])
    assert per_hour.loc[0, "se_inflation"] == pytest.approx(math.sqrt(n / (n - 2)), rel=1e-12)


@pytest.fixture(scope="module")
def sample_panel() -> pd.DataFrame:
    return daily_panel(simulate_log(Setting("planted", STRONG_EFFECTS, days=730), seed=11))


def test_table_on_a_simulated_person(sample_panel: pd.DataFrame) -> None:
    before = sample_panel.copy()
    table = onset_rate_ratios(sample_panel)
    pd.testing.assert_frame_equal(sample_panel, before)  # the argument is not mutated
    documented = [
        "trigger",
        "exposure",
        "window",
        "unit",
        "scale",
        "measure",
        "n_days",
        "n_onsets",
        "rate_ratio",
        "ci_low",
        "ci_high",
        "se_log_rr",
        "p_val",
        "q_val",
        "expected_direction",
        "verdict",
        "reason",
        "exposure_sd",
        "min_detectable_rr",
        "target_rr",
        "weeks_needed",
        "power_at_target",
        "se_inflation",
        "measured_by",
        "adjusted_for",
        "description",
    ]
    assert list(table.columns) == documented
    assert set(table["verdict"]) <= set(VERDICTS)
    tested = table.loc[table["reason"] == ""]
    assert (tested["q_val"] >= tested["p_val"] - 1e-15).all()
    assert (tested["ci_low"] < tested["rate_ratio"]).all()
    assert (tested["rate_ratio"] < tested["ci_high"]).all()
    row = table.set_index("trigger").loc["exercise_min"]
    assert row["exposure"] == "exercise_min_mean7d"
    assert row["window"] == "mean of previous 7 days"
    assert row["unit"] == "per 30 min"
    # posture is never logged by the simulation: not enough data, not a crash.
    posture = table.set_index("trigger").loc["posture_0_10"]
    assert posture["verdict"] == "not enough data"
    assert "no day at risk has a value" in posture["reason"]
    # sitting is planted at 1.35 per hour and the log is two years long.
    assert table.set_index("trigger").loc["sitting_h", "verdict"] == "supported"


def test_others_adjustment_skips_the_same_family(sample_panel: pd.DataFrame) -> None:
    panel = sample_panel.copy()
    # A sleep that goes with sitting (r about -0.7), so that only the family rule decides.
    noise = np.random.default_rng(3).normal(0, 1, len(panel))
    panel["sleep_h_lag1"] = 9 - 0.5 * panel["sitting_h_lag1"] + 0.5 * noise
    table = onset_rate_ratios(panel, triggers=["sitting_h", "stand_hours_count", "sleep_h"])
    adjusted = table.set_index("trigger")["adjusted_for"]
    assert "sleep_h_lag1" in adjusted["sitting_h"]
    assert "stand_hours_count_lag1" not in adjusted["sitting_h"]
    assert "trend_1" in adjusted["sitting_h"]
    # Six weekday indicators need 60 onsets; with fewer, one weekend indicator.
    n = table.set_index("trigger").loc["sitting_h", "n_onsets"]
    assert ("weekday_1" if n >= 60 else "weekend") in adjusted["sitting_h"]


def test_others_adjustment_leaves_out_a_trigger_that_does_not_go_with_it(
    sample_panel: pd.DataFrame,
) -> None:
    panel = sample_panel.copy()
    sitting = panel["sitting_h_lag1"].to_numpy(dtype=np.float64, na_value=np.nan)
    noise = np.random.default_rng(4).normal(0, 1, len(panel))
    both = panel["at_risk"].fillna(False).to_numpy(dtype=bool) & np.isfinite(sitting)
    for slope, expected in ((0.0, False), (-0.5, True)):
        panel["sleep_h_lag1"] = 7 + slope * (sitting - np.nanmean(sitting)) + 0.3 * noise
        r = np.corrcoef(sitting[both], panel["sleep_h_lag1"].to_numpy()[both])[0, 1]
        assert bool(abs(r) >= OTHERS_MIN_CORRELATION) is expected
        table = onset_rate_ratios(panel, triggers=["sitting_h", "sleep_h"]).set_index("trigger")
        assert ("sleep_h_lag1" in table.loc["sitting_h", "adjusted_for"]) is expected
        assert ("sitting_h_lag1" in table.loc["sleep_h", "adjusted_for"]) is expected
    # Left out, it no longer costs the days on which it is missing.
    panel["sleep_h_lag1"] = 7 + 0.3 * noise
    panel.loc[noise < -1.0, "sleep_h_lag1"] = np.nan
    alone = onset_rate_ratios(panel, triggers=["sitting_h"]).set_index("trigger")
    together = onset_rate_ratios(panel, triggers=["sitting_h", "sleep_h"]).set_index("trigger")
    assert together.loc["sitting_h", "n_days"] == alone.loc["sitting_h", "n_days"]


def test_other_windows_need_a_panel_built_with_them(sample_panel: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match=r"daily_panel\(log, windows=\(14,\)\)"):
        onset_rate_ratios(sample_panel, windows={"exercise_min": "mean14d"})
    table = onset_rate_ratios(
        sample_panel, triggers=["exercise_min"], windows={"exercise_min": "lag1"}, adjust=()
    )
    assert table.loc[0, "exposure"] == "exercise_min_lag1"


def test_unknown_trigger_and_adjustment_are_refused(sample_panel: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match="unknown triggers"):
        onset_rate_ratios(sample_panel, triggers=["coffee_cups"])
    with pytest.raises(AnalysisError, match="unknown adjustments"):
        onset_rate_ratios(sample_panel, adjust=("moon",))  # type: ignore[arg-type]


def test_panel_with_no_onsets_is_refused() -> None:
    panel = make_panel([0] * 100, {"sitting_h_lag1": list(range(100))})
    with pytest.raises(AnalysisError, match="no onset on any of its 100 days at risk"):
        onset_rate_ratios(panel)


def test_panel_with_no_days_at_risk_is_refused() -> None:
    panel = make_panel([0] * 30, {"sitting_h_lag1": [7.0] * 30}, at_risk=[False] * 30)
    with pytest.raises(AnalysisError, match="no day at risk of a new onset"):
        onset_rate_ratios(panel)


def test_panel_shorter_than_the_minimum_is_refused() -> None:
    onset = [1, 0, 0, 0, 0] * 6
    panel = make_panel(onset, {"sitting_h_lag1": [float(i % 7) for i in range(30)]})
    with pytest.raises(AnalysisError, match="only 30 days at risk; at least 56"):
        onset_rate_ratios(panel)


def test_panel_with_too_few_onsets_is_refused() -> None:
    onset = [0] * 100
    onset[10] = onset[50] = 1
    panel = make_panel(onset, {"sitting_h_lag1": [float(i % 7) for i in range(100)]})
    with pytest.raises(AnalysisError, match="only 2 onsets; at least 5"):
        onset_rate_ratios(panel)


def test_constant_trigger_alone_raises_and_among_others_is_not_enough_data() -> None:
    panel = lifting_panel()
    panel["sitting_h_lag1"] = pd.array([7.0] * 80, dtype="Float64")
    with pytest.raises(AnalysisError, match=r"sitting_h \(previous day\) never changed"):
        onset_rate_ratios(panel, triggers=["sitting_h"])
    table = onset_rate_ratios(panel, triggers=["sitting_h", "heavy_lifting"], adjust=())
    sitting = table.set_index("trigger").loc["sitting_h"]
    assert sitting["verdict"] == "not enough data"
    assert "never changed: nothing to compare" in sitting["reason"]
    assert table.set_index("trigger").loc["heavy_lifting", "rate_ratio"] == pytest.approx(2.0)


def test_separation_becomes_not_enough_data() -> None:
    panel = lifting_panel()
    onset = np.zeros(80, dtype=int)
    onset[np.flatnonzero(np.arange(80) % 4 != 0)[:8]] = 1  # no onset after a lifting day
    panel["onset"] = pd.array(onset, dtype="Int64")
    panel["sleep_h_lag1"] = pd.array(np.linspace(5, 9, 80), dtype="Float64")
    table = onset_rate_ratios(panel, triggers=["heavy_lifting", "sleep_h"], adjust=())
    lifting = table.set_index("trigger").loc["heavy_lifting"]
    assert lifting["verdict"] == "not enough data"
    assert "separation" in lifting["reason"]


def test_too_few_days_with_a_value_is_not_enough_data() -> None:
    panel = lifting_panel()
    water = [math.nan] * 80
    water[:30] = [1500.0 + 10 * i for i in range(30)]
    panel["water_ml_lag1"] = pd.array(water, dtype="Float64")
    table = onset_rate_ratios(panel, triggers=["heavy_lifting", "water_ml"], adjust=())
    reason = table.set_index("trigger").loc["water_ml", "reason"]
    assert reason == "only 30 days at risk have a value of water_ml (previous day) (minimum 56)"


def test_custom_minimums_and_alpha_checks() -> None:
    panel = lifting_panel()
    with pytest.raises(AnalysisError, match="at least 100 are needed"):
        onset_rate_ratios(panel, triggers=["heavy_lifting"], minimums=Minimums(at_risk_days=100))
    with pytest.raises(AnalysisError, match="alpha must lie between 0 and 1"):
        onset_rate_ratios(panel, triggers=["heavy_lifting"], alpha=5)


def test_check_panel_names_missing_columns() -> None:
    with pytest.raises(AnalysisError, match=r"lacks the columns \['at_risk', 'onset'"):
        check_panel(pd.DataFrame({"date": [], "weekday": [], "day_index": []}))


def test_helpers() -> None:
    assert trend_df(180) == 1
    assert trend_df(730) == 2
    assert trend_df(3000) == 4
    # One df per 20 onsets: none below 20, a straight line from 20 to 39.
    assert trend_df(365, 12) == 0
    assert trend_df(365, 25) == 1
    assert trend_df(1095, 45) == 2
    basis = natural_spline(np.arange(100), 3)
    assert basis.shape == (100, 3)
    np.testing.assert_allclose(basis.mean(axis=0), 0, atol=1e-12)
    since = days_since_episode([False, True, True, False, False, True, False])
    assert since[3:5].tolist() == [1, 2]
    assert since[6] == 1


def test_recovery_bands_need_20_onsets() -> None:
    # Episodes on days 10-11 and 60: days 12-15 are 1-4 days after the first.
    risk = np.ones(120, dtype=bool)
    risk[[10, 11, 60]] = False
    panel = make_panel([0] * 120, {}, at_risk=risk.tolist())
    rows = risk.copy()
    design, names = adjustment_design(panel, rows, ("recovery",), n_onsets=20)
    assert names == ["after_episode_1_4d", "after_episode_5_10d", "after_episode_11_21d"]
    since_first = design[:, 0][np.flatnonzero(rows) < 60]
    assert since_first.sum() == 4  # days 12-15
    # Below 20 onsets no time-since-episode term at all, as for the trend.
    design, names = adjustment_design(panel, rows, ("recovery",), n_onsets=19)
    assert names == []
    assert design.shape == (int(rows.sum()), 0)
