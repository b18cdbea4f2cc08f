"""A folder read takes every file it understands and skips a broken one with the reason in
the provenance and a warning; the same file passed on its own is refused clearly."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from backcare_analysis import read_log, simulate_person
from backcare_analysis.schema import Log, LogFormatError
from backcare_analysis.synthetic.person import Person
from backcare_analysis.synthetic.writers.fitbit import write_fitbit


def accounted(log: Log) -> None:
    prov = log.provenance
    parts = prov["rows_used"] + prov["rows_not_analysed"] + prov["rows_rejected"]
    assert (parts == prov["rows_read"]).all()
    assert int(prov["rows_rejected"].sum()) == len(log.rejected)


def row(log: Log, name: str) -> pd.Series:
    prov = log.provenance
    (index,) = prov.index[prov["file"].astype(str).str.endswith(name)]
    return prov.loc[index]


def test_fitbit_folder_skips_a_cut_file(tmp_path: Path) -> None:
    files = write_fitbit(simulate_person(Person(days=40), seed=3), tmp_path / "fitbit")
    whole = read_log(tmp_path / "fitbit")
    victim = next(f for f in files if f.name.startswith("steps-"))
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2])
    log = read_log(tmp_path / "fitbit")
    accounted(log)
    broken = row(log, victim.name)
    assert (broken["rows_read"], broken["rows_used"]) == (0, 0)
    assert broken["note"].startswith("file skipped, not read: not valid JSON at line")
    (warning,) = log.parameters["warnings"]
    assert victim.name in warning
    assert "were skipped" in warning
    # Every other file reads as before; only the steps are missing.
    others = [f for f in files if f != victim]
    for f in others:
        assert row(log, f.name)["rows_read"] == row(whole, f.name)["rows_read"]
    # Only the steps of the cut file's month are missing.
    month = pd.Timestamp(victim.name.removeprefix("steps-").removesuffix(".json")).month
    inside = log.daily["date"].dt.month.eq(month).to_numpy()
    assert log.daily.loc[inside, "steps_count"].isna().all()
    pd.testing.assert_series_equal(
        log.daily.loc[~inside, "steps_count"], whole.daily.loc[~inside, "steps_count"]
    )
    assert whole.daily.loc[inside, "steps_count"].notna().any()
    pd.testing.assert_series_equal(log.daily["sitting_h"], whole.daily["sitting_h"])
    with pytest.raises(LogFormatError, match=r"steps-.*\.json: not valid JSON at line"):
        read_log(victim)


def test_fitbit_folder_skips_a_file_nested_too_deeply(tmp_path: Path) -> None:
    files = write_fitbit(simulate_person(Person(days=20), seed=3), tmp_path / "fitbit")
    victims = [f for f in files if f.name.startswith("sedentary_minutes-")]
    deep = "[" * 100_000 + "]" * 100_000
    for victim in victims:
        victim.write_text(f'[{{"dateTime":"01/01/25 00:00:00","value":{deep}}}]', encoding="utf-8")
    log = read_log(tmp_path / "fitbit")
    accounted(log)
    for victim in victims:
        assert "nests too deeply" in row(log, victim.name)["note"]
    assert log.daily["sitting_h"].isna().all()
    assert log.daily["exercise_min"].notna().any()
    with pytest.raises(LogFormatError, match="nests too deeply"):
        read_log(victims[0])


@pytest.mark.shared
def test_real_fitbit_folder_with_a_cut_steps_file(real_exports: Path, tmp_path: Path) -> None:
    source = real_exports / "fitbit" / "danlsn-user-site-export-2017" / "user-site-export"
    folder = Path(shutil.copytree(source, tmp_path / "user-site-export"))
    steps = folder / "steps-2017-09-03.json"
    data = steps.read_bytes()
    steps.write_bytes(data[: len(data) // 2])
    log = read_log(folder, timezone="Australia/Sydney")
    accounted(log)
    # Entries per file, counted by hand (json.load, len): 80 exercises, 30 daily
    # summaries of each activity metric, 20 sleep logs.
    counts = {
        Path(str(f)).name: int(n)
        for f, n in zip(log.provenance["file"], log.provenance["rows_read"], strict=True)
    }
    assert counts == {
        "exercise-700.json": 80,
        "moderately_active_minutes-2017-09-03.json": 30,
        "sedentary_minutes-2017-09-03.json": 30,
        "sleep-2017-09-03.json": 20,
        "steps-2017-09-03.json": 0,
        "very_active_minutes-2017-09-03.json": 30,
    }
    assert "file skipped, not read" in row(log, steps.name)["note"]
    assert log.daily["steps_count"].isna().all()


HEADERLESS = "davidcdcb-2021-es-noheader.csv"


@pytest.mark.shared
def test_real_daylio_folder_skips_the_headerless_file(real_exports: Path) -> None:
    folder = real_exports / "daylio"
    log = read_log(folder)
    accounted(log)
    # Entries per file by the csv module: the three files with a header are read whole.
    for name in ("kayraucklnc-2020-en-7col-ampm.csv", "kije-2023-en-8col.csv",
                 "zhafen-2018-en-yearformat.csv"):  # fmt: skip
        with (folder / name).open(encoding="utf-8-sig", newline="") as fh:
            entries = sum(1 for _ in csv.DictReader(fh))
        assert row(log, name)["rows_read"] == entries
    assert [int(row(log, n)["rows_read"]) for n in ("ampm.csv", "8col.csv", "yearformat.csv")] == [
        419, 1159, 733,
    ]  # fmt: skip
    skipped = row(log, HEADERLESS)
    assert skipped["rows_read"] == 0
    assert "header line was removed" in skipped["note"]
    assert "full_date,date,weekday,time,mood,activities,note" in skipped["note"]
    assert any(HEADERLESS in w and "skipped" in w for w in log.parameters["warnings"])
    alone = read_log([folder / n for n in ("kayraucklnc-2020-en-7col-ampm.csv",
                      "kije-2023-en-8col.csv", "zhafen-2018-en-yearformat.csv")])  # fmt: skip
    pd.testing.assert_frame_equal(log.daily, alone.daily)
    # Passed on its own, the file still gets the exact header to add.
    with pytest.raises(LogFormatError, match="header line was removed") as info:
        read_log(folder / HEADERLESS)
    assert str(info.value).endswith("\nfull_date,date,weekday,time,mood,activities,note")


def test_a_folder_whose_only_file_is_refused_gives_that_files_message(tmp_path: Path) -> None:
    (tmp_path / "export.csv").write_text(
        "2021-10-16,16 October,Saturday,18:43,good,walk,\n", encoding="utf-8"
    )
    with pytest.raises(LogFormatError, match="header line was removed"):
        read_log(tmp_path)


def test_a_file_named_explicitly_is_still_refused(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(
        "full_date,date,weekday,time,mood,activities,note\n"
        "2021-10-16,16 October,Saturday,18:43,good,walk,\n",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("2021-10-17,17 October,Sunday,18:43,good,walk,\n", encoding="utf-8")
    with pytest.raises(LogFormatError, match="header line was removed"):
        read_log([good, bad])
    log = read_log(tmp_path)
    assert "header line was removed" in row(log, "bad.csv")["note"]
    assert row(log, "good.csv")["rows_read"] == 1


def test_an_empty_file_in_a_folder_is_skipped(tmp_path: Path) -> None:
    # The long fuzz (fitbit_folder folder_empty_file, 13 of 340) found one empty file
    # aborting the whole folder read.
    files = write_fitbit(simulate_person(Person(days=20), seed=3), tmp_path / "fitbit")
    whole = read_log(tmp_path / "fitbit")
    victim = next(f for f in files if f.name.startswith("sedentary_minutes-"))
    victim.write_bytes(b"")
    log = read_log(tmp_path / "fitbit")
    accounted(log)
    assert row(log, victim.name)["note"].startswith("skipped, not read: the file is empty")
    assert any(victim.name in w for w in log.parameters["warnings"])
    assert log.daily["sitting_h"].isna().all()
    # The steps of every day the whole folder has (without the sedentary file, the two
    # days of 1440 sedentary minutes are no longer blanked as not worn).
    steps = log.daily.set_index("date")["steps_count"]
    expected = whole.daily.set_index("date")["steps_count"]
    pd.testing.assert_series_equal(steps.reindex(expected.index), expected)
    with pytest.raises(LogFormatError, match="the file is empty"):
        read_log(victim)
    (tmp_path / "alone").mkdir()
    (tmp_path / "alone" / "export.csv").write_bytes(b"")
    with pytest.raises(LogFormatError, match=r"export.csv: the file is empty"):
        read_log(tmp_path / "alone")
