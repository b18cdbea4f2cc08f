"""Google Fit daily activity metrics reader."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from backcare_analysis.readers import apple_health, fitbit, google_fit, read_log
from backcare_analysis.readers._common import read_head
from backcare_analysis.readers.spreadsheet import sniff as spreadsheet_sniff
from backcare_analysis.schema import Log, LogFormatError
from backcare_analysis.synthetic.person import Person, simulate_person
from backcare_analysis.synthetic.writers.apple_health import write_apple_health
from backcare_analysis.synthetic.writers.fitbit import write_fitbit
from backcare_analysis.synthetic.writers.google_fit import write_google_fit


@pytest.fixture(scope="module")
def person() -> Log:
    return simulate_person(Person(days=60), seed=5)


def test_round_trip_under_a_localised_name(tmp_path: Path, person: Log) -> None:
    path = write_google_fit(person, tmp_path / "Tägliche Aktivitätsmesswerte.csv")
    log = read_log(path)
    truth = person.daily.set_index("date")
    got = log.daily.set_index("date")
    assert list(got.index) == list(truth.index)
    # Inactive duration (sitting and sleep, as a phone sees it) is not read as sitting.
    assert got["sitting_h"].isna().all()
    assert "not read as sitting" in log.provenance["note"].iloc[0]
    for column in ("exercise_min", "steps_count"):
        pd.testing.assert_series_equal(
            got[column].astype(float), truth[column].astype(float), atol=1e-9
        )
    lifting = got["heavy_lifting"].dropna()
    assert lifting.all()
    assert truth.loc[lifting.index, "heavy_lifting"].all()
    prov = log.provenance.iloc[0]
    blank = len(pd.date_range(truth.index.min(), truth.index.max())) - len(truth)
    assert f"{blank} blank rows" in prov["note"]
    assert prov["rows_read"] == len(truth)
    assert prov["rows_rejected"] == 0


def test_columns_only_where_data_exist_and_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    path.write_text(
        "Date,Move Minutes count,Step count,Heart Minutes\n"
        "2024-03-01,40,5123,22\n"
        "2024-03-02,,,\n"
        "2024-03-03,10,,\n"
        "2024-03-04,10,abc,5\n"
        "2024-03-05,10,999999,5\n"
        "2024-03-01,40,5123,22\n"
        "March 6,10,100,1\n",
        encoding="utf-8",
    )
    log = google_fit.read(path)
    daily = log.daily.set_index("date")
    assert daily["steps_count"].tolist() == [5123.0]
    assert daily.index.tolist() == [pd.Timestamp("2024-03-01")]  # Move Minutes alone: no value used
    assert daily["sitting_h"].isna().all()
    reasons = log.rejected.set_index("line")["reason"]
    assert "not a number" in reasons[5]
    assert "plausible" in reasons[6]
    assert "second row" in reasons[7]
    assert "date 'March 6' is not YYYY-MM-DD" in reasons[8]
    # 3 March has only Move Minutes, which no analysis uses: not analysed, not rejected.
    assert log.not_analysed["line"].tolist() == [4]
    prov = log.provenance.iloc[0]
    counts = ["rows_read", "rows_used", "rows_not_analysed", "rows_rejected"]
    assert tuple(prov[counts]) == (6, 1, 1, 4)


def test_not_google_fit(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Start,End,Step count\n00:00,00:15,12\n", encoding="utf-8")
    assert not google_fit.sniff(read_head(path))
    with pytest.raises(LogFormatError, match="not a Google Fit daily activity metrics CSV"):
        google_fit.read(path)


def test_per_day_fifteen_minute_file_is_recognised_and_not_analysed(tmp_path: Path) -> None:
    # Was refused as "not a Google Fit CSV"; now recognised, its rows counted apart.
    path = tmp_path / "2024-03-01.csv"
    path.write_text(
        "Start time,End time,Step count\n00:00:00.000+01:00,00:15:00.000+01:00,12\n"
        "00:15:00.000+01:00,00:30:00.000+01:00,\n",
        encoding="utf-8",
    )
    assert google_fit.sniff(read_head(path))
    log = read_log(path)
    assert log.daily.empty
    assert log.not_analysed["line"].tolist() == [2]
    assert "Daily activity metrics.csv" in log.provenance["note"].iloc[0]


GOOGLE_FIT_FILES = {
    # file: (data rows, rows with Step count, Heart Minutes, Pilates or Yoga), counted
    # with the csv module by hand; every Inactive duration left out of sitting.
    "anthonyprinc-2023-daily-activity-metrics-2023-11-01.csv": (36, 36),
    "anthonyprinc-2023-daily-activity-metrics.csv": (9, 9),
    "kaustubhgupta-2018-daily-activity-metrics.csv": (1053, 1029),
    "manilmunjal-2022-daily-activity-metrics.csv": (177, 177),
    "athrvakulkarni11-2025/Daily activity metrics.csv": (25, 25),
}


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(GOOGLE_FIT_FILES))
def test_real_daily_files_leave_sitting_missing(real_exports: Path, name: str) -> None:
    rows, used = GOOGLE_FIT_FILES[name]
    log = read_log(real_exports / "google-fit" / name)
    prov = log.provenance.iloc[0]
    assert (prov["rows_read"], prov["rows_used"], prov["rows_rejected"]) == (rows, used, 0)
    assert prov["rows_not_analysed"] == rows - used
    assert len(log.daily) == used
    assert log.daily["sitting_h"].isna().all()
    assert log.daily["steps_count"].notna().sum() == used


@pytest.mark.shared
def test_real_inactive_duration_is_mostly_sleep_not_sitting(real_exports: Path) -> None:
    # The reason sitting is left missing: kaustubhgupta's Inactive duration is 20 h or
    # more on 877 of 998 days (median 22.6 h), counted by hand with the csv module.
    path = real_exports / "google-fit" / "kaustubhgupta-2018-daily-activity-metrics.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    inactive = [r["Inactive duration (ms)"] for r in rows]
    hours = [float(ms) / 3.6e6 for ms in inactive if ms]
    assert (len(hours), sum(h >= 20 for h in hours)) == (998, 877)
    assert "not read as sitting" in read_log(path).provenance["note"].iloc[0]


@pytest.mark.shared
def test_real_per_day_file_and_its_folder(real_exports: Path) -> None:
    folder = real_exports / "google-fit" / "athrvakulkarni11-2025"
    per_day = read_log(folder / "2025-01-30.csv")
    prov = per_day.provenance.iloc[0]
    assert (prov["rows_read"], prov["rows_used"], prov["rows_not_analysed"]) == (96, 0, 96)
    assert per_day.daily.empty
    assert per_day.rejected.empty
    together = read_log(folder)
    alone = read_log(folder / "Daily activity metrics.csv")
    assert len(together.provenance) == 2
    pd.testing.assert_frame_equal(together.daily, alone.daily)
    day = together.daily.set_index("date").loc["2025-01-30"]
    assert day["steps_count"] == 5885  # the daily file's total, not added to the intervals
    assert pd.isna(day["sitting_h"])


def test_sniff_rejects_the_other_formats_and_is_rejected_by_them(
    tmp_path: Path, sample_dir: Path, person: Log
) -> None:
    others = sorted((sample_dir / "spreadsheet").glob("*.csv"))
    others += write_fitbit(person, tmp_path / "fitbit")
    others += [
        write_apple_health(person, tmp_path / "export.zip"),
        write_apple_health(person, tmp_path / "export.xml", zipped=False),
    ]
    for path in others:
        assert not google_fit.sniff(read_head(path)), path
    head = read_head(write_google_fit(person, tmp_path / "Daily activity metrics.csv"))
    assert google_fit.sniff(head)
    assert not spreadsheet_sniff(head)
    assert not fitbit.sniff(head)
    assert not apple_health.sniff(head)
