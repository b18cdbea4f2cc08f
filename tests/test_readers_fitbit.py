"""Fitbit Takeout reader: per-metric files merged by read_log, not-worn days, strings."""

from __future__ import annotations

import json
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
    return simulate_person(Person(days=70), seed=11)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, person: Log) -> Path:
    out = tmp_path_factory.mktemp("fitbit") / "Global Export Data"
    write_fitbit(person, out)
    return out


def dump(path: Path, entries: list[dict[str, object]]) -> Path:
    path.write_text(json.dumps(entries), encoding="utf-8")
    return path


def day(d: str, v: object) -> dict[str, object]:
    return {"dateTime": f"{d} 00:00:00", "value": v}


def test_folder_of_metric_files_merges_into_one_daily_table(folder: Path, person: Log) -> None:
    log = read_log(folder)
    truth = person.daily.set_index("date")
    got = log.daily.set_index("date")
    assert list(got.index) == list(truth.index)
    for column in ("sitting_h", "exercise_min", "steps_count"):
        pd.testing.assert_series_equal(
            got[column].astype(float), truth[column].astype(float), atol=1e-9
        )
    assert (got["sleep_h"] - truth["sleep_h"]).abs().max() < 1 / 60  # whole minutes
    stretching = got["stretching_min"].dropna()
    assert (stretching == truth.loc[stretching.index, "stretching_min"]).all()
    assert (~got["symptoms_logged"]).all()
    assert got["activity_logged"].all()
    prov = log.provenance
    assert (prov["rows_used"] + prov["rows_rejected"] == prov["rows_read"]).all()
    assert set(prov["source"]) == {"fitbit"}


def test_combine_takes_each_metric_from_its_own_file(folder: Path) -> None:
    steps = read_log(sorted(folder.glob("steps-*.json")))
    sedentary = read_log(sorted(folder.glob("sedentary_minutes-*.json")))
    both = read_log(
        [*sorted(folder.glob("steps-*.json")), *sorted(folder.glob("sedentary_minutes-*.json"))]
    )
    merged = both.daily.set_index("date")
    pd.testing.assert_series_equal(
        merged["steps_count"], steps.daily.set_index("date")["steps_count"], check_names=False
    )
    pd.testing.assert_series_equal(
        merged["sitting_h"], sedentary.daily.set_index("date")["sitting_h"], check_names=False
    )


def test_not_worn_days_are_missing_everywhere(tmp_path: Path) -> None:
    dump(
        tmp_path / "sedentary_minutes-2024-01-01.json",
        [day("01/10/24", "600"), day("01/11/24", "1440")],
    )
    dump(
        tmp_path / "very_active_minutes-2024-01-01.json",
        [day("01/10/24", "20"), day("01/11/24", "0")],
    )
    dump(
        tmp_path / "moderately_active_minutes-2024-01-01.json",
        [day("01/10/24", "15"), day("01/11/24", "0")],
    )
    dump(
        tmp_path / "steps-2024-01-01.json",
        [
            # The export's first and last local day count only when covered whole
            # (from before 01:00 to after 23:00): Fitbit writes idle minutes as zeros.
            {"dateTime": "01/10/24 00:00:00", "value": "0"},
            {"dateTime": "01/10/24 08:01:00", "value": "1200"},
            {"dateTime": "01/10/24 08:02:00", "value": "34"},
            {"dateTime": "01/11/24 08:02:00", "value": "0"},
            {"dateTime": "01/11/24 23:59:00", "value": "0"},
        ],
    )
    log = read_log(tmp_path)
    daily = log.daily.set_index("date")
    assert daily.index.tolist() == [pd.Timestamp("2024-01-10")]
    assert daily.loc["2024-01-10", ["sitting_h", "exercise_min", "steps_count"]].tolist() == [
        10.0,
        35.0,
        1234.0,
    ]
    note = " ".join(log.provenance["note"])
    assert "1 days of 1440 sedentary minutes: not worn" in note


def test_strings_bad_values_and_malformed_json(tmp_path: Path) -> None:
    path = dump(
        tmp_path / "sedentary_minutes-2024-01-01.json",
        [
            day("01/10/24", "600"),
            day("13/45/24", "600"),
            day("01/12/24", "lots"),
            day("01/13/24", "-5"),
            day("01/14/24", "5000"),
        ],
    )
    log = fitbit.read(path)
    assert log.daily["sitting_h"].tolist() == [10.0]
    reasons = log.rejected.set_index("line")["reason"]
    assert "not MM/DD/YY" in reasons[2]
    assert "not a number" in reasons[3]
    assert "negative" in reasons[4]
    assert "implausible" in reasons[5]
    prov = log.provenance.iloc[0]
    assert (prov["rows_read"], prov["rows_used"], prov["rows_rejected"]) == (5, 1, 4)
    broken = tmp_path / "steps-2024-02-01.json"
    broken.write_text(
        '[{"dateTime":"02/01/24 00:00:00","value":"12"},{"dateTime":"02/0', encoding="utf-8"
    )
    with pytest.raises(LogFormatError, match=r"not valid JSON at line 1, column \d+.*download"):
        fitbit.read(broken)


def test_sleep_and_exercise_files(tmp_path: Path) -> None:
    dump(
        tmp_path / "sedentary_minutes-2024-01-01.json",
        [day(f"01/{d:02d}/24", "500") for d in range(10, 16)],
    )
    sleep = dump(
        tmp_path / "sleep-2024-01-01.json",
        [
            {"logId": 1, "dateOfSleep": "2024-01-11", "minutesAsleep": 420, "mainSleep": True},
            {"logId": 2, "dateOfSleep": "2024-01-11", "minutesAsleep": 30, "mainSleep": False},
        ],
    )
    assert fitbit.read(sleep).daily["sleep_h"].tolist() == [7.5]
    exercise = dump(
        tmp_path / "exercise-2024-01-01.json",
        [
            {
                "logId": 5,
                "activityName": "Yoga",
                "duration": 1_800_000,
                "startTime": "01/11/24 07:00:00",
            },
            {
                "logId": 6,
                "activityName": "Weights",
                "duration": 2_700_000,
                "startTime": "01/12/24 18:00:00",
            },
            {
                "logId": 7,
                "activityName": "Yoga",
                "duration": 900_000,
                "startTime": "01/14/24 07:00:00",
            },
            {
                "logId": 8,
                "activityName": "Walk",
                "duration": 900_000,
                "startTime": "01/14/24 09:00:00",
            },
        ],
    )
    # The zeros between stretching days need the worn days: the export's files are read
    # together (one file alone says nothing of the days around it).
    sedentary = tmp_path / "sedentary_minutes-2024-01-01.json"
    daily = fitbit.read_many([sedentary, exercise]).daily.set_index("date")
    assert daily["stretching_min"].dropna().tolist() == [30.0, 0.0, 0.0, 15.0]
    assert daily["heavy_lifting"].dropna().tolist() == [True]


def test_unused_metric_and_renamed_file(tmp_path: Path) -> None:
    hr = dump(
        tmp_path / "heart_rate-2024-01-11.json",
        [{"dateTime": "01/11/24 00:00:05", "value": {"bpm": 60}}],
    )
    log = fitbit.read(hr)
    assert log.daily.empty
    assert "not used" in log.provenance["note"].iloc[0]
    renamed = dump(tmp_path / "my steps.json", [day("01/10/24", "100")])
    with pytest.raises(LogFormatError, match="metric is in its name"):
        fitbit.read(renamed)


def test_sniff_rejects_the_other_formats_and_is_rejected_by_them(
    tmp_path: Path, folder: Path, sample_dir: Path, person: Log
) -> None:
    others = sorted((sample_dir / "spreadsheet").glob("*.csv"))
    others += [
        write_google_fit(person, tmp_path / "Daily activity metrics.csv"),
        write_apple_health(person, tmp_path / "export.zip"),
        write_apple_health(person, tmp_path / "export.xml", zipped=False),
    ]
    for path in others:
        assert not fitbit.sniff(read_head(path)), path
    for path in sorted(folder.glob("*.json")):
        head = read_head(path)
        assert fitbit.sniff(head), path
        assert not spreadsheet_sniff(head)
        assert not apple_health.sniff(head)
        assert not google_fit.sniff(head)


def test_apple_health_wins_and_fitbit_fills_sitting(
    tmp_path: Path, folder: Path, person: Log
) -> None:
    apple = write_apple_health(person, tmp_path / "export.zip")
    both = read_log([apple, folder]).daily.set_index("date")
    fitbit_only = read_log(folder).daily.set_index("date")
    apple_only = read_log(apple).daily.set_index("date")
    pd.testing.assert_series_equal(both["steps_count"], apple_only["steps_count"])
    pd.testing.assert_series_equal(both["sitting_h"], fitbit_only["sitting_h"])
    assert both["symptoms_logged"].equals(apple_only["symptoms_logged"])


@pytest.mark.parametrize(
    "first",
    [
        '{"dateTime":true,"value":"516"}',
        '{"d\u00e4teTime":"01/06/25 00:00:00","value":"5"}',
        "null",
    ],
)
def test_a_broken_first_entry_is_a_rejected_row_not_an_unknown_file(
    tmp_path: Path, first: str
) -> None:
    # The fuzz found such files skipped as "not a supported export", losing every other
    # entry: the sniff looked at the first entry only.
    good = [f'{{"dateTime":"01/{d:02d}/25 00:00:00","value":"{600 + d}"}}' for d in (7, 8, 9)]
    path = tmp_path / "sedentary_minutes-2025-01-01.json"
    path.write_text("[" + ",".join([first, *good]) + "]", encoding="utf-8")
    assert fitbit.sniff(read_head(path))
    log = read_log(path)
    prov = log.provenance.iloc[0]
    assert (prov["rows_read"], prov["rows_used"], prov["rows_rejected"]) == (4, 3, 1)
    assert log.daily["sitting_h"].tolist() == [607 / 60, 608 / 60, 609 / 60]
