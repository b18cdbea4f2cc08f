"""The descriptive correlation view and its reverse-causation flag."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from backcare_analysis.panel import daily_panel
from backcare_analysis.schema import AnalysisError
from backcare_analysis.stats.descriptive import pearson, trigger_correlations
from backcare_analysis.synthetic.calibration import Setting, simulate_log


def test_pearson_by_hand() -> None:
    # x - mean = (-1.5, -0.5, 0.5, 1.5), y - mean = (-0.5, -0.5, 0.5, 0.5):
    # r = 2 / sqrt(5 * 1).
    r, p, n = pearson(np.array([1.0, 2, 3, 4, math.nan]), np.array([0.0, 0, 1, 1, 1]))
    assert r == pytest.approx(2 / math.sqrt(5))
    assert n == 4
    assert 0 < p < 1


def test_pearson_of_a_constant_is_missing_not_a_warning() -> None:
    r, p, n = pearson(np.array([3.0, 3, 3, 3]), np.array([0.0, 1, 0, 1]))
    assert math.isnan(r)
    assert math.isnan(p)
    assert n == 4


@pytest.fixture(scope="module")
def null_panel() -> pd.DataFrame:
    """A person with no true effect at all, but pain changes behaviour."""
    return daily_panel(simulate_log(Setting("null", days=730), seed=21))


def test_reverse_causation_is_flagged(null_panel: pd.DataFrame) -> None:
    table = trigger_correlations(null_panel)
    assert list(table.columns) == [
        "trigger",
        "outcome",
        "r_same_day",
        "p_same_day",
        "n_same_day",
        "r_prev_day",
        "p_prev_day",
        "n_prev_day",
        "mean_onset_days",
        "mean_other_days",
        "mean_before_onset",
        "mean_before_other",
        "note",
    ]
    stretching = table.set_index("trigger").loc["stretching_min"]
    # Stretching as treatment on spasm days: a strong same-day "link", none the day before.
    assert stretching["r_same_day"] > 0.2
    assert stretching["p_same_day"] < 1e-6
    assert stretching["mean_onset_days"] > stretching["mean_other_days"]
    assert stretching["note"].startswith("same-day link only: likely reverse causation")
    posture = table.set_index("trigger").loc["posture_0_10"]
    assert posture["note"] == "not enough data"


def test_pain_outcome_and_refusals(null_panel: pd.DataFrame) -> None:
    table = trigger_correlations(null_panel, triggers=["sitting_h"], outcome="pain")
    assert table.loc[0, "outcome"] == "pain"
    assert table.loc[0, "n_same_day"] > 500
    with pytest.raises(AnalysisError, match="unknown triggers"):
        trigger_correlations(null_panel, triggers=["coffee"])
    with pytest.raises(AnalysisError, match="outcome must be"):
        trigger_correlations(null_panel, outcome="mood")  # type: ignore[arg-type]
    no_onset = null_panel.assign(onset=pd.Series(0, index=null_panel.index, dtype="Int64"))
    with pytest.raises(AnalysisError, match="no onset"):
        trigger_correlations(no_onset)
