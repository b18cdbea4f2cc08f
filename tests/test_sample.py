"""The simulated sample person."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from backcare_analysis import read_log, simulate_person, write_sample
from backcare_analysis.synthetic.person import NULL_EFFECTS, Person


def test_simulation_is_deterministic() -> None:
    a, b = simulate_person(seed=3), simulate_person(seed=3)
    pd.testing.assert_frame_equal(a.daily, b.daily)
    pd.testing.assert_frame_equal(a.episodes, b.episodes)


def test_missing_share_is_about_twelve_percent() -> None:
    log = simulate_person()
    missing = 1 - len(log.daily) / Person().days
    assert 0.08 < missing < 0.18


def test_reverse_causation_shows_on_episode_days() -> None:
    # Even with no true effect, people sit more on spasm days: the trap same-day
    # correlations fall into.
    log = simulate_person(Person(effects=NULL_EFFECTS, days=1500), seed=1)
    onset_days = set(log.episodes["start_local"].dt.normalize())
    daily = log.daily.set_index("date")
    next_days = [
        d + pd.Timedelta(days=1) for d in onset_days if d + pd.Timedelta(days=1) in daily.index
    ]
    other = daily.loc[~daily.index.isin(next_days)]
    assert daily.loc[next_days, "sitting_h"].mean() > other["sitting_h"].mean() + 1.5


def test_committed_sample_matches_the_generator(tmp_path: Path, sample_dir: Path) -> None:
    for path in write_sample(tmp_path):
        committed = sample_dir / path.relative_to(tmp_path)
        stale = f"{committed} is stale: run backcare sample"
        assert committed.read_bytes() == path.read_bytes(), stale


def test_written_sample_reads_back_identically(tmp_path: Path) -> None:
    write_sample(tmp_path)
    log = read_log(tmp_path / "spreadsheet")
    simulated = simulate_person()
    assert len(log.episodes) == len(simulated.episodes)
    pd.testing.assert_series_equal(
        log.episodes["start_local"], simulated.episodes["start_local"], check_names=False
    )
    pd.testing.assert_series_equal(
        log.daily["sitting_h"], simulated.daily["sitting_h"], check_names=False
    )


def test_an_episode_running_past_the_last_day_is_cut_at_the_end() -> None:
    # With seed 26 an episode begins two days before the end of a 365-day log; the
    # generator once crashed on it.
    log = simulate_person(Person(effects=NULL_EFFECTS, leg_pain_episode=None), seed=26)
    assert log.episodes["start_local"].max() >= pd.Timestamp("2026-01-03")
    assert log.daily["date"].max() <= pd.Timestamp("2026-01-05")
