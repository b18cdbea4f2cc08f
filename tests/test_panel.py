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
    # The 3rd is an onset day: it and every day to the 8th (episode, then 3 days after)
    # are masked from the rolling means (issue 13); lagged copies keep their values.
    assert panel["masked"].tolist() == [False, False] + [True] * 6
    assert panel["sitting_h_lag1"].tolist()[:4] == [pd.NA, 1.0, 2.0, 3.0]
    assert panel["sitting_h_lag2"].iloc[3] == 2.0
    assert panel["masked_days_3d"].tolist() == [0, 0, 0, 1, 2, 3, 3, 3]
    unmasked = daily_panel(log, lags=(1,), after_episode_days=0)
    assert unmasked["masked"].tolist() == [False, False, True, True, True, False, False, True]
    # The habit is the mean of the last 3 days with a value within the previous 6: on the
    # 7th the 3rd-6th are masked (the 4th also unlogged), so it reaches back to the 1st and
    # 2nd -> 1.5, the habit before the pain; on the 3rd: days 1 and 2 -> 1.5; on the 2nd
    # one day is below the half-window minimum (2).
    assert panel["sitting_h_mean3d"].iloc[6] == 1.5
    assert panel["sitting_h_mean3d"].iloc[2] == 1.5
    assert pd.isna(panel["sitting_h_mean3d"].iloc[1])
    # With 2 masked days in 8, the 8th (window 2nd-7th) has only the 2nd left.
    assert pd.isna(panel["sitting_h_mean3d"].iloc[7])
    with_episode_days = daily_panel(log, windows=(3,), exclude_episode_days=False)
    # Nothing masked: the last 3 logged days before the 7th are the 3rd, 5th and 6th.
    assert with_episode_days["sitting_h_mean3d"].iloc[6] == pytest.approx(14 / 3)


def test_empty_log_raises() -> None:
    with pytest.raises(AnalysisError, match="no logged days and no episodes"):
        daily_panel(empty_log())


def test_panel_does_not_mutate_the_log(log: Log) -> None:
    before = log.daily.copy()
    daily_panel(log)
    pd.testing.assert_frame_equal(log.daily, before)


def test_onset_day_without_diary_row_is_not_at_risk() -> None:
    # Days at risk are decided from the diary alone (issue 13): the onset on the 2nd has
    # no diary row, so the 2nd is not at risk, like the unlogged 4th.
    daily = [{"date": f"2025-01-0{d}", "sitting_h": 5.0} for d in (1, 3, 5)]
    episodes = [{"start_local": "2025-01-02 09:00", "end_local": "2025-01-02 18:00"}]
    panel = daily_panel(make_log(daily, episodes))
    assert panel["at_risk"].tolist() == [True, False, True, False, True]
    assert panel["onsets_n"].iloc[1] == 1
    assert pd.isna(panel["onset"].iloc[1])


def test_lifting_any_of_previous_three_days() -> None:
    lifted = {3}
    daily = [{"date": f"2025-01-{d:02d}", "heavy_lifting": d in lifted} for d in range(1, 11)]
    panel = daily_panel(make_log(daily, []))
    # Lifting on the 3rd counts for the 4th, 5th and 6th; the 1st has no previous day and
    # the 2nd only one (a "no" needs at least 2 of the 3 days logged).
    values = panel["heavy_lifting_any3d"]
    assert values.iloc[:2].isna().all()
    assert values.iloc[2:].tolist() == [0, 1, 1, 1, 0, 0, 0, 0]


def _diary(days: range, missing: set[int]) -> list[dict[str, object]]:
    return [
        {"date": f"2025-01-{d:02d}", "exercise_min": 5.0 if d in {13, 14} else 30.0}
        for d in days
        if d not in missing
    ]


def test_a_long_diary_gap_is_masked_like_an_episode() -> None:
    # A diary kept on 18 of 20 days, nothing on the 11th and 12th: the gap may hide an
    # episode nobody wrote down, so its days and the 3 after (13th-15th) are masked; the
    # low exercise on the 13th and 14th stays out of the habit (issue 13).
    panel = daily_panel(make_log(_diary(range(1, 21), {11, 12}), []))
    assert panel["diary_gap"].tolist() == [d in {11, 12} for d in range(1, 21)]
    assert panel["masked"].tolist() == [11 <= d <= 15 for d in range(1, 21)]
    # The 16th reaches back past the masked days to the habit before the gap.
    assert panel["exercise_min_mean7d"].iloc[15] == 30.0
    assert panel["masked_days_7d"].iloc[15] == 5
    kept = daily_panel(make_log(_diary(range(1, 21), {11, 12}), []), gap_days=0)
    assert not kept["diary_gap"].any()
    assert not kept["masked"].any()
    # The 7th-10th and 13th-15th, low days included.
    assert kept["exercise_min_mean7d"].iloc[15] == pytest.approx((5 * 30 + 2 * 5) / 7)


def test_single_missing_days_and_sparse_diaries_have_no_gap() -> None:
    single = daily_panel(make_log(_diary(range(1, 21), {5, 11, 17}), []))
    assert not single["diary_gap"].any()
    assert not single["masked"].any()
    # Logged on 12 of 20 days (below DIARY_GAP_MIN_LOGGED): long gaps are the diary's
    # rhythm, not a sign, and masking them would leave no habit at all.
    sparse = daily_panel(make_log(_diary(range(1, 21), {3, 4, 7, 8, 11, 12, 15, 16}), []))
    assert not sparse["diary_gap"].any()


def test_an_unlogged_onset_day_is_no_gap() -> None:
    # The 10th is unlogged, the 11th is an onset day without a diary row: the episode
    # accounts for the 11th, leaving a single missing day, which is no gap.
    episodes = [{"start_local": "2025-01-11 09:00", "end_local": "2025-01-11 18:00"}]
    panel = daily_panel(make_log(_diary(range(1, 21), {10, 11}), episodes))
    assert not panel["diary_gap"].any()
    assert panel["masked"].tolist() == [11 <= d <= 14 for d in range(1, 21)]
