"""Bearable factor tags as day-level exposures, on the real exports, against hand counts."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from backcare_analysis import read_log
from backcare_analysis.readers import bearable

PAWPRINT = ("21-08", "26-08", "27-10")


def factor_days(path: Path, names: set[str]) -> set[str]:
    """Dates (as written) whose Factors row has one of ``names``, by the csv module."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["category"].lower() == "factors"]
    return {r["date"] for r in rows if names & {t.strip() for t in r["detail"].split("|")}}


def all_factor_days(path: Path) -> set[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {r["date"] for r in csv.DictReader(fh) if r["category"].lower() == "factors"}


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "exercise", "stretching", "sitting", "counts"),
    [
        # (days with Walk, Sedentary, exercise_day, stretching_day, sitting_day, Factors days)
        (
            "Bearable_Export_20210728.csv",
            {"Walk", "Moderately active", "Highly active"},
            set(),
            {"Sedentary", "Video games"},
            (1, 16, 17, 0, 19, 39),
        ),
        (
            "bearable-export-27-10-2021.csv",
            {"Walk", "Run", "Cycling", "Indoor cycling", "Weights"}
            | {"Moderately active", "Highly active"},
            {"Core & yoga"},
            {"Sedentary", "Video games"},
            (289, 65, 403, 106, 136, 445),
        ),
    ],
)
def test_real_factor_tags_become_day_exposures(
    real_exports: Path,
    name: str,
    exercise: set[str],
    stretching: set[str],
    sitting: set[str],
    counts: tuple[int, ...],
) -> None:
    path = real_exports / "bearable" / name
    by_hand = (
        len(factor_days(path, {"Walk"})),
        len(factor_days(path, {"Sedentary"})),
        len(factor_days(path, exercise)),
        len(factor_days(path, stretching)),
        len(factor_days(path, sitting)),
        len(all_factor_days(path)),
    )
    assert by_hand == counts
    daily = read_log(path).daily
    got = tuple(
        int(daily[c].eq(True).sum()) for c in ("exercise_day", "stretching_day", "sitting_day")
    )
    assert got == counts[2:5]
    # Known (True or False) only on the days whose Factors were filled in: a day with only
    # a sleep factor or a vitamin says nothing about what the person did. A meaning the
    # person never logged at all (Miller never logs stretching) is not tracked: missing.
    for column, used in zip(
        ("exercise_day", "stretching_day", "sitting_day"), counts[2:5], strict=True
    ):
        expected = counts[5] if used else 0
        assert int(daily[column].notna().sum()) == expected, column
    tags = bearable.read_tags(path)
    walk = tags.loc[tags["tag"] == "Walk"]
    assert set(walk["kind"]) == {"walking"}
    assert walk["date"].nunique() == counts[0]


@pytest.mark.shared
def test_real_activity_levels_by_hand(real_exports: Path) -> None:
    path = real_exports / "bearable" / "Bearable_Export_20210728.csv"
    levels = {"Sedentary": 0, "Low activity": 1, "Moderately active": 2, "Highly active": 3}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["category"].lower() == "factors"]
    best: dict[str, int] = {}
    for r in rows:
        for tag in (t.strip() for t in r["detail"].split("|")):
            if tag in levels:
                best[r["date"]] = max(best.get(r["date"], -1), levels[tag])
    daily = read_log(path).daily
    got = daily["activity_level_0_3"].dropna().astype(int).value_counts().to_dict()
    expected = pd.Series(list(best.values())).value_counts().to_dict()
    assert got == expected == {1: 15, 2: 14, 0: 5, 3: 2}


@pytest.mark.shared
def test_pawprint_exports_together_count_no_tag_day_twice(real_exports: Path) -> None:
    paths = [real_exports / "bearable" / f"bearable-export-{d}-2021.csv" for d in PAWPRINT]
    together = read_log(paths)
    newest = read_log(paths[-1])
    assert len(together.tags) == len(newest.tags)
    for column in ("exercise_day", "stretching_day", "sitting_day", "activity_level_0_3"):
        assert together.daily[column].notna().sum() == newest.daily[column].notna().sum()
        assert together.daily[column].sum() == newest.daily[column].sum()
    assert int(together.daily["exercise_day"].eq(True).sum()) == 403
