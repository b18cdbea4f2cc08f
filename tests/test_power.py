"""Power: detectable effects and the further logging a target effect needs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from backcare_analysis.panel import daily_panel
from backcare_analysis.schema import AnalysisError
from backcare_analysis.stats.onset import onset_rate_ratios
from backcare_analysis.stats.power import (
    min_detectable_ratio,
    onsets_needed,
    se_log_ratio,
    target_ratio,
    weeks_needed_for,
    what_it_would_take,
)
from backcare_analysis.synthetic.calibration import STRONG_EFFECTS, Setting, simulate_log

K = 1.959963984540054 + 0.8416212335729143  # z_0.975 + z_0.8


def test_standard_error_approximation() -> None:
    assert se_log_ratio(100, 0.5) == pytest.approx(0.2)
    assert np.isinf(se_log_ratio(0, 0.5))


def test_min_detectable_ratio_by_hand() -> None:
    assert min_detectable_ratio(100, 0.5, "raises") == pytest.approx(math.exp(K * 0.2))
    assert min_detectable_ratio(100, 0.5, "lowers") == pytest.approx(math.exp(-K * 0.2))
    out = min_detectable_ratio([100, 0], [0.5, 0.5], ["raises", "lowers"])
    assert math.isnan(out[1])


def test_onsets_and_weeks_needed_by_hand() -> None:
    needed = (K / (math.log(2) * 0.5)) ** 2  # about 65.3 onsets
    assert onsets_needed(2.0, 0.5) == pytest.approx(needed)
    assert onsets_needed(0.5, 0.5) == pytest.approx(needed)
    # 20 onsets in 52 weeks: 52 * (65.3 / 20 - 1) further weeks.
    assert weeks_needed_for(2.0, 20, 0.5, 52) == pytest.approx(52 * (needed / 20 - 1))
    assert weeks_needed_for(2.0, 200, 0.5, 52) == 0.0
    assert math.isnan(float(weeks_needed_for(2.0, 20, 0.0, 52)))


def test_targets_come_from_the_literature_where_it_exists() -> None:
    assert target_ratio("exercise_min", 30)[0] == pytest.approx(0.65)
    assert target_ratio("exercise_min", 60)[0] == pytest.approx(0.65**2)
    assert target_ratio("steps_count", 1000)[0] == pytest.approx(0.72 ** (1 / 3))
    assert "Steffens 2016" in target_ratio("exercise_min")[1]
    assert target_ratio("sitting_h")[0] == pytest.approx(1.5)
    assert target_ratio("water_ml")[0] == pytest.approx(1 / 1.5)


def test_what_it_would_take_on_a_simulated_person() -> None:
    panel = daily_panel(simulate_log(Setting("planted", STRONG_EFFECTS, days=365), seed=8))
    table = onset_rate_ratios(panel)
    plan = what_it_would_take(panel, table)
    assert list(plan.columns) == [
        "trigger",
        "unit",
        "n_days",
        "n_onsets",
        "weeks_logged",
        "onsets_per_week",
        "exposure_sd",
        "se_log_rr_approx",
        "min_detectable_rr",
        "target_rr",
        "target_source",
        "power",
        "onsets_needed",
        "weeks_needed",
        "total_weeks",
    ]
    row = plan.set_index("trigger").loc["exercise_min"]
    assert row["target_rr"] == pytest.approx(0.65)
    assert row["min_detectable_rr"] < 1
    expected = row["weeks_logged"] * (row["onsets_needed"] / row["n_onsets"] - 1)
    assert row["weeks_needed"] == pytest.approx(expected, rel=0.05)
    np.testing.assert_allclose(
        plan["min_detectable_rr"], table["min_detectable_rr"], equal_nan=True
    )
    stated = what_it_would_take(panel, table, target_rr={"sitting_h": 1.2})
    assert stated.set_index("trigger").loc["sitting_h", "target_source"] == "stated by the caller"


def test_what_it_would_take_refuses_other_tables() -> None:
    with pytest.raises(AnalysisError, match="pass a result of onset_rate_ratios"):
        what_it_would_take(pd.DataFrame(), pd.DataFrame({"trigger": []}))
