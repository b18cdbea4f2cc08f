"""Combining several exports: repeated exports, order of files, tags."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from backcare_analysis import read_log

PAWPRINT = (
    "bearable-export-21-08-2021.csv",
    "bearable-export-26-08-2021.csv",
    "bearable-export-27-10-2021.csv",
)


def test_overlapping_exports_in_any_order_equal_the_newest_alone(real_exports: Path) -> None:
    files = [real_exports / "bearable" / name for name in PAWPRINT]
    newest = read_log(files[-1])
    for order in (files, files[::-1], [files[1], files[2], files[0]]):
        combined = read_log(order)
        pd.testing.assert_frame_equal(combined.daily, newest.daily)
        pd.testing.assert_frame_equal(
            combined.episodes.drop(columns="source_file"),
            newest.episodes.drop(columns="source_file"),
        )
        key = ["date", "time_local", "category", "tag", "kind", "amount"]
        pd.testing.assert_frame_equal(
            combined.tags[key].sort_values(key).reset_index(drop=True),
            newest.tags[key].sort_values(key).reset_index(drop=True),
        )


def test_tags_are_kept_in_the_log(real_exports: Path) -> None:
    log = read_log(real_exports / "bearable" / PAWPRINT[-1])
    assert len(log.tags) > 1000
    assert {"Sedentary", "Walk"} <= set(log.tags["tag"])
    assert (log.tags["source"] == "bearable").all()


def test_a_newer_daily_file_wins_over_an_older_one_given_first(tmp_path: Path) -> None:
    old = tmp_path / "old" / "daily.csv"
    new = tmp_path / "new" / "daily.csv"
    old.parent.mkdir()
    new.parent.mkdir()
    old.write_text("date,sitting_h\n2025-01-01,5\n2025-01-02,6\n")
    new.write_text("date,sitting_h\n2025-01-01,5\n2025-01-02,7\n2025-01-03,8\n")
    log = read_log([new, old])
    assert log.daily["sitting_h"].tolist() == [5.0, 7.0, 8.0]


def test_the_same_episode_from_two_symptom_sources_counts_once(tmp_path: Path) -> None:
    from backcare_analysis import simulate_person
    from backcare_analysis.synthetic.writers.apple_health import write_apple_health
    from backcare_analysis.synthetic.writers.bearable import write_bearable

    person = simulate_person()
    bearable = write_bearable(person, tmp_path / "bearable.csv")
    apple = write_apple_health(person, tmp_path / "export.zip")
    alone = read_log(bearable)
    both = read_log([apple, bearable])
    assert len(both.episodes) == len(alone.episodes)
    assert (both.episodes["source"] == "bearable").all()
    # The leg-pain warning sign survives the merge.
    assert both.episodes["leg_pain"].fillna(False).sum() == 1
    # Apple Health still contributes the activity it measures.
    assert both.daily["stand_hours_count"].notna().sum() > 200
