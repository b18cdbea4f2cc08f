"""The calibration harness: units of the truth, determinism, and a small seeded run."""

from __future__ import annotations

import pandas as pd
import pytest

from backcare_analysis.synthetic.calibration import (
    STRONG_EFFECTS,
    Setting,
    person_seed,
    run_calibration,
    simulate_log,
    summarize_calibration,
    true_ratios,
)
from backcare_analysis.synthetic.person import NULL_EFFECTS


def test_true_ratios_follow_the_reporting_units() -> None:
    truth = true_ratios(STRONG_EFFECTS, {})
    assert truth["sitting_h"] == pytest.approx(1.35)
    assert truth["exercise_min"] == pytest.approx(0.55)  # planted per 30 min, reported per 30
    assert truth["stretching_min"] == pytest.approx(0.55)  # planted per 10 min
    assert truth["heavy_lifting"] == pytest.approx(3.0)
    assert truth["sleep_h"] == 1.0
    assert "steps_count" not in truth  # derived from exercise: no single truth
    other = true_ratios(STRONG_EFFECTS, {"exercise_min": 60, "sitting_h": 0.5})
    assert other["exercise_min"] == pytest.approx(0.55**2)
    assert other["sitting_h"] == pytest.approx(1.35**0.5)
    assert set(true_ratios(NULL_EFFECTS, {}).values()) == {1.0}


def test_simulated_logs_have_the_asked_length_and_are_deterministic() -> None:
    setting = Setting("null", days=120)
    a = simulate_log(setting, seed=3)
    b = simulate_log(setting, seed=3)
    pd.testing.assert_frame_equal(a.daily, b.daily)
    assert a.daily["date"].max() <= pd.Timestamp("2025-01-06") + pd.Timedelta(days=119)
    assert a.parameters["simulated_person"].days == 120


def test_person_seeds_are_stable_and_distinct() -> None:
    assert person_seed(1, 0, 0) == person_seed(1, 0, 0)
    seeds = {person_seed(1, s, r) for s in range(3) for r in range(50)}
    assert len(seeds) == 150


@pytest.mark.slow
def test_small_seeded_calibration_run() -> None:
    settings = [
        Setting("null", days=365, exclude_episode_days=True),
        Setting("planted", STRONG_EFFECTS, days=730),
    ]
    results = run_calibration(settings, replicates=3, seed=5, se_types=("model", "hac"))
    again = run_calibration(settings[:1], replicates=3, seed=5, se_types=("model", "hac"))
    null = results.loc[results["setting"] == "null"].reset_index(drop=True)
    pd.testing.assert_frame_equal(null, again)
    assert set(results["analysis"]) == {
        "rate ratio (default), model SE",
        "rate ratio (default), hac SE",
        "case-crossover",
        "naive same-day correlation",
    }
    summary = summarize_calibration(results)
    indexed = summary.set_index(["setting", "analysis", "trigger"]).sort_index()
    planted = indexed.loc[("planted", "rate ratio (default), model SE")]
    assert planted.loc["sitting_h", "true_ratio"] == pytest.approx(1.35)
    assert 0 <= planted.loc["sitting_h", "coverage"] <= 1
    # Two years with a planted 1.35 per hour: sitting is found in every replicate.
    assert planted.loc["sitting_h", "share_supported"] == 1.0
    null_rr = indexed.loc[("null", "rate ratio (default), model SE")]
    assert null_rr["share_decided"].max() <= 1 / 3
    naive = indexed.loc[("null", "naive same-day correlation")]
    # Reverse causation: stretching as treatment makes the naive view "significant".
    assert naive.loc["stretching_min", "share_significant"] == 1.0


def test_the_harder_world_plants_what_issue_13_asked_for() -> None:
    from backcare_analysis.panel import daily_panel
    from backcare_analysis.stats.treatments import episode_treatments
    from backcare_analysis.synthetic.calibration_world import World, simulate_world_log

    world = World(days=730)
    log = simulate_world_log(world, seed=11)
    again = simulate_world_log(world, seed=11)
    pd.testing.assert_frame_equal(log.daily, again.daily)
    panel = daily_panel(log)
    onset_days = panel["onsets_n"].fillna(0) > 0
    # Informative missingness: some recorded onsets have no diary row, so are not at risk.
    assert (onset_days & ~panel["at_risk"]).any()
    assert (onset_days & panel["at_risk"]).any()
    # Treatments tried on any day of pain: long episodes collect more of them.
    table = episode_treatments(log)
    long = table["duration_h"] > table["duration_h"].median()
    assert table.loc[long, "heat"].mean() > table.loc[~long, "heat"].mean()
    tags = simulate_world_log(World(days=365, tags=True), seed=11)
    assert tags.daily["exercise_min"].isna().all()
    assert tags.daily["exercise_day"].notna().all()
