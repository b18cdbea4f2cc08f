"""Treatments and recovery, with hand-computed expectations."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from backcare_analysis.schema import Log, conform, empty_table
from backcare_analysis.stats.experiments import analyse_self_experiment, self_experiment_schedule
from backcare_analysis.stats.recurrence import recurrence
from backcare_analysis.stats.treatments import CAVEAT, compare_treatments, episode_treatments


def make_log(rows: list[tuple[str, float, float, str]], last_day: str) -> Log:
    """rows: (start, duration_h, initial severity, treatments)."""
    start = pd.to_datetime(pd.Series([r[0] for r in rows]))
    duration = pd.Series([r[1] for r in rows], dtype="float64")
    episodes = pd.DataFrame(
        {
            "episode_id": [f"e{i}" for i in range(len(rows))],
            "start_local": start,
            "end_local": start + pd.to_timedelta(duration, unit="h"),
            "duration_h": duration,
            "peak_severity_0_10": [r[2] + 1 for r in rows],
            "initial_severity_0_10": [r[2] for r in rows],
            "treatments": [r[3] for r in rows],
        }
    )
    days = pd.date_range(start.min().normalize(), last_day, freq="D", unit="us")
    daily = pd.DataFrame({"date": days, "symptoms_logged": True, "activity_logged": False})
    return Log(
        episodes=conform(episodes, "episodes"),
        daily=conform(daily, "daily"),
        rejected=empty_table("rejected"),
        provenance=empty_table("provenance"),
    )


def test_treatment_flags_and_order() -> None:
    log = make_log(
        [
            ("2025-01-01", 10, 5, "heat;ice"),
            ("2025-02-01", 10, 5, "ice;heat;nsaid"),
            ("2025-03-01", 10, 5, ""),
        ],
        "2025-03-10",
    )
    table = episode_treatments(log)
    assert table["ice_before_heat"].tolist() == [False, True, False]
    assert table["nsaid"].tolist() == [False, True, False]
    assert table["treatments_recorded"].tolist() == [True, True, False]


def test_heat_halving_duration_gives_a_ratio_of_one_half() -> None:
    # Same severities in both groups; every heat episode lasts half as long as its match,
    # so the severity-adjusted ratio of durations is exactly 0.5.
    rows = []
    for i, (severity, hours) in enumerate([(4, 20.0), (6, 40.0), (8, 80.0), (5, 30.0)]):
        rows.append((f"2025-0{i + 1}-01", hours, severity, "walking"))
        rows.append((f"2025-0{i + 1}-15", hours / 2, severity, "heat;walking"))
    table = compare_treatments(make_log(rows, "2025-05-30"))
    heat = table.set_index("claim").loc["heat"]
    assert heat["n_treated"] == 4
    assert heat["n_control"] == 4
    assert heat["effect"] == pytest.approx(0.5)
    assert heat["caveat"] == CAVEAT
    # No ice in any episode: too few to compare ice first vs heat alone.
    ice = table.set_index("claim").loc["ice_then_heat"]
    assert math.isnan(ice["effect"])
    assert "needs at least 3 episodes in each group" in ice["note"]


def test_episodes_without_treatment_records_are_left_out() -> None:
    rows = [(f"2025-01-{d:02d}", 10.0, 5, "") for d in range(1, 20, 3)]
    table = compare_treatments(make_log(rows, "2025-01-30"))
    assert (table["n_treated"] + table["n_control"] == 0).all()


def test_recurrence_kaplan_meier_by_hand() -> None:
    # Gaps from each end to the next onset: 10 and 20 days (recurred), then 30 days to the
    # end of the last logged day, 2025-03-04 (censored). KM: S(10) = 2/3, S(20) = 1/3, S(30) = 1/3.
    rows = [
        ("2025-01-01 00:00", 24.0, 5, ""),
        ("2025-01-12 00:00", 24.0, 5, ""),
        ("2025-02-02 00:00", 24.0, 5, ""),
    ]
    result = recurrence(make_log(rows, "2025-03-04")).iloc[0]
    assert result["n_gaps"] == 3
    assert result["followed_up_days"] == pytest.approx(30)
    assert result["p_recur"] == pytest.approx(2 / 3)
    assert result["ci_low"] < 2 / 3 < result["ci_high"]
    assert "lower bound" in result["note"]


def test_recurrence_when_every_gap_recurred_uses_an_exact_bound() -> None:
    rows = [(f"2025-01-{d:02d}", 12.0, 5, "") for d in (1, 5, 9, 13)]
    result = recurrence(make_log(rows, "2025-01-13")).iloc[0]
    assert result["p_recur"] == 1
    assert result["ci_low"] == pytest.approx(0.025 ** (1 / 3))


def test_schedule_is_balanced_in_every_block_and_reproducible() -> None:
    schedule = self_experiment_schedule(10, block_size=4, seed=7)
    assert schedule.equals(self_experiment_schedule(10, block_size=4, seed=7))
    full_blocks = schedule.loc[schedule["block"] <= 2]
    assert full_blocks.groupby("block")["protocol"].value_counts().eq(2).all()
    with pytest.raises(ValueError, match="even"):
        self_experiment_schedule(4, block_size=3)


def test_self_experiment_analysis_by_hand() -> None:
    results = pd.DataFrame({"protocol": ["A", "A", "B", "B"], "pain": [2.0, 4.0, 5.0, 7.0]})
    out = analyse_self_experiment(results, outcome="pain", treatment="A", control="B").iloc[0]
    # difference -3; Welch se sqrt(1 + 1); df = 2
    half = stats.t.ppf(0.975, 2) * math.sqrt(2)
    assert out["difference"] == pytest.approx(-3)
    assert out["ci_low"] == pytest.approx(-3 - half)
    assert out["p_benefit"] == pytest.approx(stats.t.cdf(3 / math.sqrt(2), 2))
    assert out["p_meaningful_benefit"] == pytest.approx(stats.t.cdf(2 / math.sqrt(2), 2))
    with pytest.raises(ValueError, match="at least two episodes per protocol"):
        analyse_self_experiment(results.iloc[:3], outcome="pain", treatment="A", control="B")
