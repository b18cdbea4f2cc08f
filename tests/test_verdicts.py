"""The shared verdict rule, Benjamini-Hochberg, units and plain-language sentences."""

from __future__ import annotations

import math

import numpy as np
import pytest

from backcare_analysis.schema import TAG_TRIGGER_COLUMNS, TRIGGER_COLUMNS
from backcare_analysis.stats.triggers import TRIGGERS, unit_label, window_label
from backcare_analysis.stats.verdicts import (
    DEFAULT_MINIMUMS,
    MIN_AT_RISK_DAYS,
    MIN_ONSETS,
    VERDICTS,
    benjamini_hochberg,
    describe_effect,
    verdict,
    verdicts,
)


def test_vocabulary_is_exactly_the_four_verdicts() -> None:
    assert VERDICTS == ("supported", "contradicted", "inconclusive", "not enough data")


def test_every_schema_trigger_has_a_claim() -> None:
    # Every schema trigger has a claim; the tag exposures are further measures of them.
    assert set(TRIGGERS) == set(TRIGGER_COLUMNS) | set(TAG_TRIGGER_COLUMNS)
    assert TRIGGERS["sitting_h"].expected == "raises"
    assert TRIGGERS["heavy_lifting"].expected == "raises"
    for lowers in ("exercise_min", "stretching_min", "stand_hours_count", "water_ml"):
        assert TRIGGERS[lowers].expected == "lowers"
    assert TRIGGERS["posture_0_10"].expected == "lowers"


def test_minimum_constants_match_the_default_minimums() -> None:
    assert MIN_AT_RISK_DAYS == DEFAULT_MINIMUMS.at_risk_days == 56
    assert MIN_ONSETS == DEFAULT_MINIMUMS.onsets == 5


def test_benjamini_hochberg_on_a_hand_computed_example() -> None:
    # Sorted: 0.005 (rank 1) -> 0.02, 0.01 (2) -> 0.02, 0.03 (3) -> 0.04, 0.04 (4) -> 0.04.
    q = benjamini_hochberg([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(q, [0.02, 0.04, 0.04, 0.02])


def test_benjamini_hochberg_takes_the_running_minimum_from_the_top() -> None:
    # m p / rank: 0.03, 0.018, 0.04; the running minimum from the largest p gives
    # 0.018, 0.018, 0.04.
    q = benjamini_hochberg([0.01, 0.012, 0.04])
    np.testing.assert_allclose(q, [0.018, 0.018, 0.04], rtol=1e-12)


def test_benjamini_hochberg_ignores_missing_p_values_in_the_count() -> None:
    q = benjamini_hochberg([0.01, math.nan, 0.04])
    np.testing.assert_allclose(q, [0.02, math.nan, 0.04])
    assert np.isnan(benjamini_hochberg([math.nan])).all()


def test_benjamini_hochberg_matches_statsmodels() -> None:
    from statsmodels.stats.multitest import multipletests

    p = np.random.default_rng(7).uniform(0, 0.2, 12)
    np.testing.assert_allclose(benjamini_hochberg(p), multipletests(p, method="fdr_bh")[1])


def test_benjamini_hochberg_refuses_impossible_p_values() -> None:
    with pytest.raises(ValueError, match=r"lie in \[0, 1\]"):
        benjamini_hochberg([0.2, 1.5])


@pytest.mark.parametrize(
    ("q", "low", "high", "expected", "result"),
    [
        (0.01, 1.1, 1.6, "raises", "supported"),
        (0.01, 0.4, 0.9, "lowers", "supported"),
        (0.01, 1.1, 1.6, "lowers", "contradicted"),
        (0.01, 0.4, 0.9, "raises", "contradicted"),
        (0.20, 1.1, 1.6, "raises", "inconclusive"),
        (0.01, 0.9, 1.6, "raises", "inconclusive"),
        (0.05, 1.1, 1.6, "raises", "inconclusive"),
        (math.nan, math.nan, math.nan, "raises", "not enough data"),
    ],
)
def test_verdict_rule(q: float, low: float, high: float, expected: str, result: str) -> None:
    assert verdict(q, low, high, expected, alpha=0.05) == result  # type: ignore[arg-type]


def test_verdicts_vectorises_the_rule() -> None:
    out = verdicts([0.01, 0.3], [1.2, 0.5], [2.0, 1.5], ["raises", "lowers"])
    assert out == ["supported", "inconclusive"]


@pytest.mark.parametrize(
    ("trigger", "scale", "label"),
    [
        ("sitting_h", 1.0, "per 1 h"),
        ("sitting_h", 0.5, "per 30 min"),
        ("stand_hours_count", 1.0, "per 1 h"),
        ("exercise_min", 30.0, "per 30 min"),
        ("exercise_min", 60.0, "per 1 h"),
        ("steps_count", 1000.0, "per 1,000 steps"),
        ("stretching_min", 10.0, "per 10 min"),
        ("water_ml", 500.0, "per 500 mL"),
        ("sleep_h", 1.0, "per 1 h"),
        ("posture_0_10", 1.0, "per 1 point"),
        ("posture_0_10", 2.0, "per 2 points"),
        ("heavy_lifting", 1.0, "yes vs no"),
    ],
)
def test_unit_labels(trigger: str, scale: float, label: str) -> None:
    assert unit_label(trigger, scale) == label


def test_default_units_are_the_documented_ones() -> None:
    labels = {t: unit_label(t) for t in TRIGGERS}
    assert labels["exercise_min"] == "per 30 min"
    assert labels["steps_count"] == "per 1,000 steps"
    assert labels["stretching_min"] == "per 10 min"
    assert labels["water_ml"] == "per 500 mL"


def test_window_labels() -> None:
    assert window_label("lag1") == "previous day"
    assert window_label("lag2") == "2 days before"
    assert window_label("mean7d") == "mean of previous 7 days"
    with pytest.raises(ValueError, match="unknown exposure window"):
        window_label("yesterday")


def test_plain_language_sentence() -> None:
    text = describe_effect("sitting_h", 1.3, 1.1, 1.6)
    assert text == (
        "On days after you sat one hour more, a new spasm was 1.3 times as likely (1.1 to 1.6)."
    )


def test_plain_language_for_habits_binary_and_odds() -> None:
    habit = describe_effect("exercise_min", 0.55, 0.4, 0.8)
    assert habit.startswith("When over the previous 7 days you exercised 30 min a day more")
    assert "0.55 times as likely (0.40 to 0.80)" in habit
    lifting = describe_effect("heavy_lifting", 3.0, 1.4, 6.2, measure="odds ratio")
    assert lifting == (
        "In the 3 days after you lifted something heavy, the odds of a new spasm were 3.0 times "
        "as high as after days without (1.4 to 6.2)."
    )
    tags = describe_effect("exercise_day", 0.8, 0.6, 1.1)
    assert tags.startswith("When over the previous 7 days you exercised on 1 more day a week,")
    missing = describe_effect("posture_0_10", math.nan, math.nan, math.nan, reason="not logged")
    assert missing == "Not enough data to check that good posture prevents spasms: not logged."
