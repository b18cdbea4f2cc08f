"""Warning signs: always shown, and trend flags that fire when they should."""

from __future__ import annotations

import pandas as pd
import pytest

from backcare_analysis import read_log, red_flags, simulate_person
from backcare_analysis.safety import SEE_A_CLINICIAN
from backcare_analysis.schema import Log, conform, empty_table
from backcare_analysis.synthetic.person import NULL_EFFECTS, Person


def episodes_log(
    starts: list[str],
    *,
    peak: list[float] | None = None,
    days: float = 1.0,
    leg_pain: list[bool | None] | None = None,
) -> Log:
    start = pd.to_datetime(pd.Series(starts))
    n = len(starts)
    episodes = pd.DataFrame(
        {
            "episode_id": [f"e{i}" for i in range(n)],
            "start_local": start,
            "end_local": start + pd.Timedelta(days=days),
            "duration_h": days * 24.0,
            "peak_severity_0_10": peak or [6.0] * n,
            "leg_pain": pd.array(leg_pain or [False] * n, dtype="boolean"),
        }
    )
    all_days = pd.date_range(start.min().normalize(), start.max().normalize(), freq="D", unit="us")
    daily = pd.DataFrame({"date": all_days, "symptoms_logged": True, "activity_logged": False})
    return Log(
        episodes=conform(episodes, "episodes"),
        daily=conform(daily, "daily"),
        rejected=empty_table("rejected"),
        provenance=empty_table("provenance"),
    )


def test_leg_pain_is_always_flagged_even_once() -> None:
    log = episodes_log(["2025-01-01", "2025-03-01"], leg_pain=[None, True])
    flags = red_flags(log)
    assert flags["flag"].tolist() == ["leg_pain"]
    assert flags["n_episodes"].tolist() == [1]
    assert "2025-03-01" in flags["detail"].iloc[0]
    assert flags["action"].iloc[0] == SEE_A_CLINICIAN


def test_unknown_leg_pain_is_not_flagged() -> None:
    assert red_flags(episodes_log(["2025-01-01"], leg_pain=[None])).empty


def test_rising_frequency_is_flagged() -> None:
    # Gaps shrink from 60 days to 3: onsets clearly accelerate over two years.
    gaps = [60, 55, 50, 45, 40, 35, 30, 25, 20, 15, 10, 8, 6, 5, 4, 3, 3, 3, 3, 3, 3, 3]
    starts = pd.Timestamp("2024-01-01") + pd.to_timedelta(pd.Series(gaps).cumsum(), unit="D")
    flags = red_flags(episodes_log(starts.dt.strftime("%Y-%m-%d").tolist()))
    row = flags.set_index("flag").loc["more_frequent"]
    assert row["ci_low"] > 1
    assert "more often" in row["detail"]


def test_rising_severity_is_flagged() -> None:
    starts = pd.date_range("2024-01-01", periods=12, freq="30D").strftime("%Y-%m-%d").tolist()
    flags = red_flags(episodes_log(starts, peak=[3, 3, 4, 4, 5, 5, 6, 6, 7, 8, 8, 9]))
    assert "more_severe" in flags["flag"].tolist()


def test_an_episode_lasting_seven_weeks_is_not_settling() -> None:
    flags = red_flags(episodes_log(["2025-01-01"], days=49))
    assert flags["flag"].tolist() == ["not_settling"]
    assert "more than 6 weeks" in flags["detail"].iloc[0]


def test_sample_shows_exactly_the_leg_pain_flag(sample_dir) -> None:  # type: ignore[no-untyped-def]
    flags = red_flags(read_log(sample_dir / "spreadsheet"))
    assert flags["flag"].tolist() == ["leg_pain"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_simulated_null_people_rarely_flag_trends(seed: int) -> None:
    log = simulate_person(Person(effects=NULL_EFFECTS, leg_pain_episode=None), seed=seed)
    assert red_flags(log).empty


def test_leg_pain_logged_as_its_own_symptom_is_flagged(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Bearable: a "Sciatica" symptom on a day with no back-pain episode still flags, and
    # marks the episode it falls in.
    header = "date,weekday,time of day,category,rating/amount,detail,notes\n"
    rows = [
        '"1st Mar 2025","Saturday","am","Symptom","3","Back (lower) pain (Severe)",""',
        '"2nd Mar 2025","Sunday","am","Symptom","2","Back (lower) pain (Moderate)",""',
        '"2nd Mar 2025","Sunday","pm","Symptom","2","Sciatica (Moderate)",""',
        '"20th Mar 2025","Thursday","am","Symptom","1","Numbness (Mild)",""',
        '"21st Mar 2025","Friday","am","Mood","6","Meh",""',
    ]
    path = tmp_path / "bearable.csv"
    path.write_text(header + "\n".join(rows) + "\n")
    log = read_log(path)
    assert log.episodes["leg_pain"].tolist() == [True]
    flags = red_flags(log)
    assert flags["flag"].tolist() == ["leg_pain"]
    detail = flags["detail"].iloc[0]
    assert "1 episode(s) came with pain down a leg" in detail
    assert "logged on 1 other day(s) (2025-03-20)" in detail
