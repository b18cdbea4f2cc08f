"""Two people's diary exports in one folder are told apart, one person's repeated exports
are not (readers/tracker_people.py)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from backcare_analysis import read_log, simulate_person
from backcare_analysis.readers.tracker_people import different_people, disagreement
from backcare_analysis.synthetic.person import Person
from backcare_analysis.synthetic.writers.bearable import write_bearable

PAWPRINT = ("21-08", "26-08", "27-10")


def dates(path: Path) -> set[str]:
    """The dates of an export as written, by the csv module (independent check)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {r["date"] for r in csv.DictReader(fh)}


@pytest.mark.shared
def test_pawprint_exports_are_one_person(real_exports: Path) -> None:
    logs = [read_log(real_exports / "bearable" / f"bearable-export-{d}-2021.csv") for d in PAWPRINT]
    assert different_people(logs) == []
    # They share 395 days (counted by hand) and differ on one (an edit between exports).
    paths = [real_exports / "bearable" / f"bearable-export-{d}-2021.csv" for d in PAWPRINT]
    assert len(dates(paths[0]) & dates(paths[2])) == 395
    assert disagreement(logs[0], logs[2]) == (395, 1)


@pytest.mark.shared
def test_two_bearable_accounts_are_named(real_exports: Path) -> None:
    miller = read_log(real_exports / "bearable" / "Bearable_Export_20210728.csv")
    pawprint = read_log(real_exports / "bearable" / "bearable-export-27-10-2021.csv")
    shared, contradicted = disagreement(miller, pawprint)
    both = dates(real_exports / "bearable" / "Bearable_Export_20210728.csv") & dates(
        real_exports / "bearable" / "bearable-export-27-10-2021.csv"
    )
    assert shared == len(both) == 71
    assert contradicted == 55
    (warning,) = different_people([miller, pawprint])
    assert "Bearable_Export_20210728.csv" in warning
    assert "bearable-export-27-10-2021.csv" in warning
    assert "55 of the 71 days" in warning
    assert "read each person's files separately" in warning


def test_simulated_people_apart_and_one_person_twice(tmp_path: Path) -> None:
    first = simulate_person(Person(days=40), seed=1)
    second = simulate_person(Person(days=40), seed=2)
    a = read_log(write_bearable(first, tmp_path / "a.csv"))
    b = read_log(write_bearable(second, tmp_path / "b.csv"))
    again = read_log(write_bearable(first, tmp_path / "a-again.csv", date_formatted=True))
    assert different_people([a, again]) == []
    warnings = different_people([a, b, again])
    assert len(warnings) == 2
    assert all("b.csv" in w for w in warnings)


def test_files_without_shared_days_are_not_flagged(tmp_path: Path) -> None:
    header = "date,weekday,time of day,category,rating/amount,detail,notes\n"

    def export(name: str, month: int) -> Path:
        rows = "".join(
            f'"2021-{month:02d}-{d:02d}","Mon","","Water","{d}00 mL","",""\n' for d in (1, 2, 3)
        )
        path = tmp_path / name
        path.write_text(header + rows, encoding="utf-8")
        return path

    logs = [read_log(export("march.csv", 3)), read_log(export("april.csv", 4))]
    assert disagreement(*logs) == (0, 0)
    assert different_people(logs) == []
