"""The CSV and plausibility causes of issue 14, one test per cause, for the Bearable,
Daylio, Google Fit and spreadsheet readers: each file goes through the one CSV layer
(``_common.csv_records``) and every number and date through the one plausibility check."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from backcare_analysis import read_log
from backcare_analysis.schema import Log

BEARABLE = "date,weekday,time of day,category,rating/amount,detail,notes\n"
DAYLIO = "full_date,date,weekday,time,mood,activities,scales,note_title,note\n"
GOOGLE_FIT = "Date,Step count,Heart Minutes,Notes (text)\n"
SPREADSHEET = "date,pain_0_10,notes,sitting_h\n"


def bearable(day: str = "2024-03-01", note: str = "", dose: str = "") -> str:
    if dose:
        return f'"{day}","Friday","am","Meds/Supplements","{dose}","Ibuprofen (mg)","{note}"\n'
    return f'"{day}","Friday","am","Symptom","2","Back (lower) pain (Moderate)","{note}"\n'


def daylio(day: str = "2024-03-01", note: str = "") -> str:
    return f'{day},x,x,20:00,meh,"back pain | walk","pain: 6","","{note}"\n'


def google_fit(day: str = "2024-03-01", note: str = "", steps: str = "5000") -> str:
    return f'{day},{steps},10,"{note}"\n'


def spreadsheet(day: str = "2024-03-01", note: str = "", pain: str = "3") -> str:
    return f'{day},{pain},"{note}",5\n'


ROWS: dict[str, tuple[str, Callable[..., str]]] = {
    "bearable": (BEARABLE, bearable),
    "daylio": (DAYLIO, daylio),
    "google_fit": (GOOGLE_FIT, google_fit),
    "spreadsheet": (SPREADSHEET, spreadsheet),
}
SOURCES = sorted(ROWS)


def write(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def counts(log: Log) -> tuple[int, int, int, int]:
    prov = log.provenance.iloc[0]
    read, used = int(prov["rows_read"]), int(prov["rows_used"])
    skipped, rejected = int(prov["rows_not_analysed"]), int(prov["rows_rejected"])
    assert used + skipped + rejected == read
    assert (len(log.rejected), len(log.not_analysed)) == (rejected, skipped)
    return read, used, skipped, rejected


@pytest.mark.parametrize("source", SOURCES)
def test_field_over_131072_characters_is_read(tmp_path: Path, source: str) -> None:
    header, row = ROWS[source]
    long_note = "x" * 200_000
    log = read_log(write(tmp_path, header + row(note=long_note) + row(day="2024-03-02")))
    assert counts(log) == (2, 2, 0, 0)
    assert log.provenance["source"].iloc[0] == source


@pytest.mark.parametrize("source", SOURCES)
def test_cr_inside_an_unquoted_field_is_a_line_break_not_a_crash(
    tmp_path: Path, source: str
) -> None:
    header, row = ROWS[source]
    broken = row(day="2024-03-02", note="sharp").replace('"sharp"', "sharp\rpain")
    log = read_log(write(tmp_path, header + row() + broken), source=source)  # type: ignore[arg-type]
    # The CR ends the record as a newline does: the record up to it is read (the note is
    # cut), the rest is a record of its own, rejected (too few fields or no date).
    assert counts(log) == (3, 2, 0, 1)
    assert log.rejected["line"].tolist() == [4]
    assert log.rejected["raw"].tolist()[0].startswith("pain")


@pytest.mark.parametrize("source", SOURCES)
def test_cr_only_line_endings_read_as_lf(tmp_path: Path, source: str) -> None:
    header, row = ROWS[source]
    text = header + row() + row(day="2024-03-02") + row(day="2024-03-04")
    lf = read_log(write(tmp_path, text, "lf.csv"))
    cr = read_log(write(tmp_path, text.replace("\n", "\r"), "cr.csv"))  # detected, not refused
    assert cr.provenance["source"].iloc[0] == source
    assert counts(cr) == counts(lf) == (3, 3, 0, 0)
    pd.testing.assert_frame_equal(cr.daily, lf.daily)


@pytest.mark.parametrize("pain", ["11", "1700", "inf", "1e309", "-1", "nan"])
def test_spreadsheet_pain_0_10_outside_0_to_10_is_rejected(tmp_path: Path, pain: str) -> None:
    text = SPREADSHEET + spreadsheet(pain=pain) + spreadsheet(day="2024-03-02", pain="10")
    log = read_log(write(tmp_path, text))
    assert counts(log) == (2, 1, 0, 1)
    assert log.daily["pain_max_0_10"].tolist() == [10.0]
    assert log.rejected["reason"].iloc[0].startswith(f"pain_0_10={pain!r} is ")


@pytest.mark.parametrize("text", ["inf", "1e309", "nan"])
def test_non_finite_numbers_are_rejected(tmp_path: Path, text: str) -> None:
    fit = read_log(write(tmp_path, GOOGLE_FIT + google_fit(steps=text), "fit.csv"))
    assert counts(fit) == (1, 0, 0, 1)
    assert "not a finite number" in fit.rejected["reason"].iloc[0]
    dose = read_log(write(tmp_path, BEARABLE + bearable() + bearable(dose=text), "b.csv"))
    assert counts(dose) == (2, 1, 0, 1)
    assert "not a finite number" in dose.rejected["reason"].iloc[0]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize(
    ("day", "reason"),
    [("9999-01-01", "is in the future"), ("0001-01-01", "is before 1980-01-01")],
)
def test_implausible_dates_are_rejected_with_a_reason(
    tmp_path: Path, source: str, day: str, reason: str
) -> None:
    header, row = ROWS[source]
    log = read_log(write(tmp_path, header + row() + row(day=day)))
    assert counts(log) == (2, 1, 0, 1)
    assert reason in log.rejected["reason"].iloc[0]
    assert log.daily["date"].tolist() == [pd.Timestamp("2024-03-01")]


@pytest.mark.parametrize("source", SOURCES)
def test_rows_with_more_fields_than_the_header_are_rejected_and_counted(
    tmp_path: Path, source: str
) -> None:
    header, row = ROWS[source]
    extra = row(day="2024-03-02").rstrip("\n") + ",surplus\n"
    log = read_log(write(tmp_path, header + row() + extra))
    assert counts(log) == (2, 1, 0, 1)
    assert log.rejected["line"].tolist() == [3]
    assert "fields" in log.rejected["reason"].iloc[0]
