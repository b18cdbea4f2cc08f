"""Google Fit daily activity metrics reader."""

from __future__ import annotations

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
    for column in ("sitting_h", "exercise_min", "steps_count"):
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
    path.write_text("Start time,End time,Step count\n00:00,00:15,12\n", encoding="utf-8")
    assert not google_fit.sniff(read_head(path))
    with pytest.raises(LogFormatError, match="not a Google Fit daily activity metrics CSV"):
        google_fit.read(path)


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
