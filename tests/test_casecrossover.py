"""Case-crossover: hand-computable matched sets, statsmodels agreement and refusals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from backcare_analysis.schema import AnalysisError
from backcare_analysis.stats.casecrossover import (
    SET_COLUMNS,
    TRANSIENT_TRIGGERS,
    case_crossover,
    crossover_sets,
)
from backcare_analysis.stats.verdicts import Minimums
from backcare_analysis.synthetic.calibration import STRONG_EFFECTS, Setting, simulate_log

FEW = Minimums(at_risk_days=1, onsets=1, informative_sets=1)


def month_panel(
    days: list[str], onset_days: list[str], values: dict[str, list[float]]
) -> pd.DataFrame:
    """Days of January 2024; only ``days`` are at risk, onsets on ``onset_days``."""
    dates = pd.date_range("2024-01-01", "2024-01-31", freq="D", unit="us")
    at_risk = dates.isin(pd.to_datetime(days))
    onset = pd.Series(dates.isin(pd.to_datetime(onset_days)).astype(int), dtype="Int64")
    panel = pd.DataFrame(
        {
            "date": dates,
            "weekday": dates.day_of_week.astype("int64"),
            "day_index": np.arange(dates.size, dtype=np.int64),
            "in_episode": ~at_risk,
            "at_risk": at_risk,
            "onset": onset.where(at_risk, pd.NA),
        }
    )
    for column, vals in values.items():
        full = np.full(dates.size, np.nan)
        full[np.flatnonzero(at_risk)] = vals
        panel[column] = pd.array(full, dtype="Float64")
    return panel


def test_one_stratum_odds_ratio_by_hand() -> None:
    # Mondays 1, 8, 15, 22 January 2024; the onset on the 8th. Sitting the day before:
    # case 1 h, referents 0, 0 and 2 h. The conditional likelihood e^b / (2 + e^b + e^2b)
    # is maximal where e^2b = 2: OR = sqrt(2) per hour; the information is the variance of
    # x under weights (2, e^b, e^2b) / (2 + e^b + e^2b) at that point.
    panel = month_panel(
        ["2024-01-01", "2024-01-08", "2024-01-15", "2024-01-22"],
        ["2024-01-08"],
        {"sitting_h_lag1": [0.0, 1.0, 0.0, 2.0]},
    )
    table = case_crossover(panel, triggers=["sitting_h"], minimums=FEW)
    row = table.iloc[0]
    assert row["odds_ratio"] == pytest.approx(math.sqrt(2), rel=1e-6)
    w = np.array([2, math.sqrt(2), 2]) / (4 + math.sqrt(2))
    x = np.array([0.0, 1.0, 2.0])
    info = (w * x**2).sum() - (w * x).sum() ** 2
    assert row["se_log_or"] == pytest.approx(1 / math.sqrt(info), rel=1e-5)
    assert row["n_sets"] == 1
    assert row["n_onsets"] == 1
    assert row["n_referents"] == 3
    assert row["unit"] == "per 1 h"
    assert row["window"] == "previous day"
    assert row["measure"] == "odds ratio"


def test_matched_pairs_odds_ratio_is_the_ratio_of_discordant_pairs() -> None:
    # The seven weekdays of January's first week, each its own stratum with one case and
    # one referent two weeks later. Lifting the day before: 4 pairs case yes / referent
    # no, 2 pairs case no / referent yes, 1 concordant pair (uninformative). OR = 4 / 2.
    cases = [f"2024-01-0{d}" for d in range(1, 8)]
    referents = [str((pd.Timestamp(d) + pd.Timedelta(days=14)).date()) for d in cases]
    case_x = [1, 1, 1, 1, 0, 0, 1]
    ref_x = [0, 0, 0, 0, 1, 1, 1]
    days = sorted(cases + referents)
    values = dict(zip(cases + referents, case_x + ref_x, strict=True))
    panel = month_panel(days, cases, {"heavy_lifting_lag1": [float(values[d]) for d in days]})
    table = case_crossover(panel, triggers=["heavy_lifting"], minimums=FEW)
    row = table.iloc[0]
    assert row["odds_ratio"] == pytest.approx(2.0, rel=1e-6)
    assert row["se_log_or"] == pytest.approx(math.sqrt(1 / 4 + 1 / 2), rel=1e-5)
    assert row["n_sets"] == 6
    assert row["unit"] == "yes vs no"


def test_agrees_with_statsmodels_conditional_logit_on_a_simulated_person() -> None:
    from statsmodels.discrete.conditional_models import ConditionalLogit

    log = simulate_log(Setting("planted", STRONG_EFFECTS, days=730), seed=4)
    from backcare_analysis.panel import daily_panel

    panel = daily_panel(log)
    table = case_crossover(panel)
    sets = crossover_sets(panel, triggers=["sitting_h"])
    sets = sets.loc[np.isfinite(sets["value"])]
    g = sets.groupby("set_id")["case"]
    spread = sets.groupby("set_id")["value"].transform("max") - sets.groupby("set_id")[
        "value"
    ].transform("min")
    keep = (g.transform("sum") >= 1) & (g.transform("sum") < g.transform("size")) & (spread > 0)
    sets = sets.loc[keep]
    model = ConditionalLogit(
        sets["case"].to_numpy(), sets[["value"]].to_numpy(), groups=sets["set_id"].to_numpy()
    )
    reference = model.fit(disp=False, gtol=1e-10)
    row = table.set_index("trigger").loc["sitting_h"]
    ours = np.array([math.log(row["odds_ratio"])])
    # Same estimate to BFGS precision, and ours is the exact maximum (zero score).
    assert ours[0] == pytest.approx(reference.params[0], rel=1e-4)
    assert abs(model.score(ours)[0]) < 1e-8
    assert model.loglike(ours) >= model.loglike(reference.params) - 1e-12
    assert row["se_log_or"] == pytest.approx(reference.bse[0], rel=1e-3)
    assert list(table["trigger"]) == list(TRANSIENT_TRIGGERS)
    assert table.set_index("trigger").loc["posture_0_10", "verdict"] == "not enough data"


def test_log_input_and_prebuilt_sets_give_the_same_table() -> None:
    log = simulate_log(Setting("planted", STRONG_EFFECTS, days=730), seed=4)
    from backcare_analysis.panel import daily_panel

    from_log = case_crossover(log, triggers=["sitting_h", "heavy_lifting"])
    sets = crossover_sets(daily_panel(log), triggers=["sitting_h", "heavy_lifting"])
    assert list(sets.columns) == list(SET_COLUMNS)
    from_sets = case_crossover(pd.DataFrame(), sets=sets)
    pd.testing.assert_frame_equal(from_log, from_sets)


def test_sets_hold_only_days_at_risk_stratified_by_month_and_weekday() -> None:
    panel = month_panel(
        ["2024-01-01", "2024-01-02", "2024-01-08"], ["2024-01-01"], {"sitting_h_lag1": [1, 2, 3]}
    )
    sets = crossover_sets(panel, triggers=["sitting_h"])
    assert sets["set_id"].tolist() == [
        "2024-01 weekday-0",
        "2024-01 weekday-1",
        "2024-01 weekday-0",
    ]
    assert sets["case"].tolist() == [1, 0, 0]


def test_separation_becomes_not_enough_data() -> None:
    # Values in date order: 1 Jan (case), 2 Jan (case), 8 Jan, 9 Jan (referents).
    panel = month_panel(
        ["2024-01-01", "2024-01-02", "2024-01-08", "2024-01-09"],
        ["2024-01-01", "2024-01-02"],
        {"sitting_h_lag1": [9.0, 10.0, 6.0, 7.0], "sleep_h_lag1": [7.0, 8.0, 6.0, 9.0]},
    )
    table = case_crossover(panel, triggers=["sitting_h", "sleep_h"], minimums=FEW)
    sitting = table.set_index("trigger").loc["sitting_h"]
    assert sitting["verdict"] == "not enough data"
    assert "higher on every onset day" in sitting["reason"]


def test_too_few_sets_and_refusals() -> None:
    panel = month_panel(
        ["2024-01-01", "2024-01-08", "2024-01-15"],
        ["2024-01-08"],
        {"sitting_h_lag1": [0.0, 1.0, 2.0]},
    )
    with pytest.raises(AnalysisError, match=r"only 1 matched sets .* \(minimum 5\)"):
        case_crossover(panel, triggers=["sitting_h"], minimums=Minimums(1, 1, 5, 5))
    with pytest.raises(AnalysisError, match="only 3 days at risk; at least 56"):
        case_crossover(panel, triggers=["sitting_h"])
    no_onset = month_panel(["2024-01-01", "2024-01-08"], [], {"sitting_h_lag1": [0.0, 1.0]})
    with pytest.raises(AnalysisError, match="no onset on any of its 2 days at risk"):
        case_crossover(no_onset, triggers=["sitting_h"])
    with pytest.raises(AnalysisError, match="unknown hazard window"):
        case_crossover(panel, hazard="two hours before", minimums=FEW)
