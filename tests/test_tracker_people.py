"""Two people's diary exports in one folder are told apart, one person's repeated exports
are not (readers/tracker_people.py)."""

from __future__ import annotations

import csv
import re
import shutil
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


# --- Apple Health and Fitbit: the same rule for activity exports -------------------------

APPLE_PAIRS = {
    ("fixture-healthkit-to-sqlite-export.xml", "synthetic-ms051uh-sk_SK-export.xml"),
    ("fixture-healthkit-to-sqlite-export.xml", "tdda-2016-en_GB-export6s3sample.xml"),
    ("synthetic-ms051uh-sk_SK-export.xml", "tdda-2016-en_GB-export6s3sample.xml"),
}


@pytest.mark.shared
def test_real_apple_health_folder_of_several_people_is_named(real_exports: Path) -> None:
    # The <Me> elements, read by hand: fixture born 1990-02-02 (male), ms051uh 1995-04-12
    # (female), tdda 1965-07-31 (male); hkimport states neither and shares no day with the
    # others (2017-01-22 to 2017-11-06), so it cannot be told apart.
    log = read_log(real_exports / "apple-health")
    warnings = [w for w in log.parameters["warnings"] if "different people" in w]
    named = {
        tuple(sorted(n for n in {a for pair in APPLE_PAIRS for a in pair} if n in w))
        for w in warnings
    }
    assert named == APPLE_PAIRS
    assert not any("hkimport" in w for w in warnings)
    (tdda,) = [w for w in warnings if "fixture" in w and "tdda" in w]
    assert "date of birth 1990-02-02 and 1965-07-31" in tdda
    assert "Apple Health exports" in tdda
    assert "export_profile" not in log.parameters  # used to tell people apart, not kept


def test_apple_health_people_by_profile_and_by_contradicting_days(tmp_path: Path) -> None:
    from backcare_analysis.synthetic.writers.apple_health import write_apple_health

    first = simulate_person(Person(days=15), seed=1)
    second = simulate_person(Person(days=15), seed=2)
    (tmp_path / "one").mkdir()
    a = write_apple_health(first, tmp_path / "one" / "a.xml", zipped=False, noise=0.0)
    shutil.copy(a, tmp_path / "one" / "a-again.xml")
    assert not read_log(tmp_path / "one").parameters.get("warnings")
    # Another person over the same days: the steps contradict on every shared day.
    (tmp_path / "two").mkdir()
    shutil.copy(a, tmp_path / "two" / "a.xml")
    write_apple_health(second, tmp_path / "two" / "b.xml", zipped=False, noise=0.0)
    (warning,) = read_log(tmp_path / "two").parameters["warnings"]
    assert f"{tmp_path / 'two' / 'a.xml'} and {tmp_path / 'two' / 'b.xml'} look like" in warning
    days = re.search(r"contradict each other on (\d+) of the (\d+) days", warning)
    assert days is not None
    assert days[1] == days[2]
    assert int(days[1]) >= 10
    # The same records, but another date of birth: two people by their profiles.
    (tmp_path / "three").mkdir()
    shutil.copy(a, tmp_path / "three" / "a.xml")
    text = a.read_text(encoding="utf-8")
    assert 'DateOfBirth="1985-04-02"' in text
    (tmp_path / "three" / "c.xml").write_text(
        text.replace('DateOfBirth="1985-04-02"', 'DateOfBirth="1961-11-30"'), encoding="utf-8"
    )
    (warning,) = read_log(tmp_path / "three").parameters["warnings"]
    assert "date of birth 1985-04-02 and 1961-11-30" in warning


def test_fitbit_folder_of_two_people_is_named(tmp_path: Path) -> None:
    from backcare_analysis.synthetic.writers.fitbit import write_fitbit

    first = simulate_person(Person(days=20), seed=1)
    write_fitbit(first, tmp_path / "one" / "a")
    shutil.copytree(tmp_path / "one" / "a", tmp_path / "one" / "a-again")
    log = read_log(tmp_path / "one", timezone="UTC")
    assert not log.parameters.get("warnings")
    # Repeated entries that agree are duplicates, not another person.
    assert log.not_analysed["reason"].str.startswith("duplicate of entry").all()
    write_fitbit(simulate_person(Person(days=20), seed=2), tmp_path / "two" / "b")
    shutil.copytree(tmp_path / "one" / "a", tmp_path / "two" / "a")
    (warning,) = read_log(tmp_path / "two", timezone="UTC").parameters["warnings"]
    assert f"{tmp_path / 'two' / 'a'} and {tmp_path / 'two' / 'b'} look like two" in warning
    assert "different people's Fitbit exports" in warning
    days = re.search(r"other values on (\d+) of the (\d+) days", warning)
    assert days is not None
    # Every shared day contradicts (the two simulated people's records start a day or two
    # apart, so they share 18 of their days).
    assert days[1] == days[2]
    assert int(days[1]) >= 15


def test_fitbit_profiles_of_two_people_are_named(tmp_path: Path) -> None:
    from backcare_analysis.synthetic.writers.fitbit import PROFILE_HEADER, write_fitbit

    person = simulate_person(Person(days=10), seed=1)
    columns = PROFILE_HEADER.split(",")
    for name, born in (("x", "1980-03-01"), ("y", "1992-07-15")):
        top = tmp_path / name / "Takeout" / "Fitbit"
        write_fitbit(person, top / "Global Export Data")
        values = dict.fromkeys(columns, "")
        values.update(id=name, date_of_birth=born, timezone="UTC")
        (top / "Your Profile").mkdir()
        (top / "Your Profile" / "Profile.csv").write_text(
            PROFILE_HEADER + "\n" + ",".join(values.values()) + "\n", encoding="utf-8"
        )
    warnings = read_log(tmp_path).parameters["warnings"]
    (profile,) = [w for w in warnings if "profiles state" in w]
    assert "date of birth 1980-03-01 and 1992-07-15" in profile
    assert "x/Takeout/Fitbit/Your Profile/Profile.csv" in profile
