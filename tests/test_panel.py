"""daily_panel on tiny hand-built logs with hand-computed expectations."""

from __future__ import annotations

import pandas as pd
import pytest

from backcare_analysis import AnalysisError, daily_panel
from backcare_analysis.schema import Log, conform, empty_log, empty_table


def make_log(daily_rows: list[dict[str, object]], episode_rows: list[dict[str, object]]) -> Log:
    daily = pd.DataFrame(daily_rows)
    daily["date"] = pd.to_datetime(daily["date"])
    daily["symptoms_logged"] = True
    daily["activity_logged"] = True
    episodes = pd.DataFrame(episode_rows)
    if not episodes.empty:
        episodes["start_local"] = pd.to_datetime(episodes["start_local"])
        episodes["end_local"] = pd.to_datetime(episodes["end_local"])
        episodes["episode_id"] = [f"e{i}" for i in range(len(episodes))]
    return Log(
        episodes=conform(episodes, "episodes") if not episodes.empty else empty_table("episodes"),
        daily=conform(daily, "daily"),
        rejected=empty_table("rejected"),
        provenance=empty_table("provenance"),
    )


@pytest.fixture
def log() -> Log:
    # Days 1-8 of January; day 4 not logged; an episode from the 3rd to the 5th, one on the 8th.
    days = [d for d in range(1, 9) if d != 4]
    daily = [
        {"date": f"2025-01-0{d}", "sitting_h": float(d), "exercise_min": 10.0 * d} for d in days
    ]
    episodes = [
        {"start_local": "2025-01-03 09:00", "end_local": "2025-01-05 18:00"},
        {"start_local": "2025-01-08 07:00", "end_local": None},
    ]
    return make_log(daily, episodes)


def test_days_at_risk_and_onsets(log: Log) -> None:
    panel = daily_panel(log)
    assert panel["date"].dt.day.tolist() == list(range(1, 9))
    # The 4th is inside the episode, so it counts as known (logged) even without a diary row.
    assert panel["logged"].tolist() == [True] * 8
    assert panel["in_episode"].tolist() == [False, False, False, True, True, False, False, False]
    assert panel["at_risk"].tolist() == [True, True, True, False, False, True, True, True]
    assert panel["onset"].tolist() == [0, 0, 1, pd.NA, pd.NA, 0, 0, 1]
    assert panel["onsets_n"].sum() == 2
    assert panel["prev_day_in_episode"].tolist() == [False] * 4 + [True, True, False, False]


def test_unlogged_day_stays_missing() -> None:
    log = make_log(
        [{"date": "2025-01-01", "sitting_h": 5.0}, {"date": "2025-01-03", "sitting_h": 7.0}], []
    )
    panel = daily_panel(log)
    assert panel["logged"].tolist() == [True, False, True]
    assert panel["at_risk"].tolist() == [True, False, True]
    assert panel["onset"].isna().tolist() == [False, True, False]
    assert pd.isna(panel["sitting_h"].iloc[1])
    assert pd.isna(panel["sitting_h_lag1"].iloc[2])  # yesterday was not logged: missing, not 0


def test_lags_and_rolling_means_exclude_today_and_episode_days(log: Log) -> None:
    panel = daily_panel(log, lags=(1, 2), windows=(3,))
    assert panel["sitting_h_lag1"].tolist()[:4] == [pd.NA, 1.0, 2.0, 3.0]
    assert panel["sitting_h_lag2"].iloc[3] == 2.0
    # On the 7th the 3-day window is the 4th-6th: the 4th unlogged, the 5th in an episode,
    # so only the 6th counts; 1 of 3 days is below the half-window minimum (2).
    assert pd.isna(panel["sitting_h_mean3d"].iloc[6])
    # On the 3rd: days 1 and 2 -> mean 1.5.
    assert panel["sitting_h_mean3d"].iloc[2] == 1.5
    with_episode_days = daily_panel(log, windows=(3,), exclude_episode_days=False)
    assert with_episode_days["sitting_h_mean3d"].iloc[6] == 5.5  # days 5 and 6


def test_empty_log_raises() -> None:
    with pytest.raises(AnalysisError, match="no logged days and no episodes"):
        daily_panel(empty_log())


def test_panel_does_not_mutate_the_log(log: Log) -> None:
    before = log.daily.copy()
    daily_panel(log)
    pd.testing.assert_frame_equal(log.daily, before)
