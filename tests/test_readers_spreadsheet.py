"""The project's own spreadsheet format, and read_log's handling of files that are not logs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backcare_analysis import LogFormatError, read_log

EPISODES_HEADER = "start,end,peak_severity_0_10,leg_pain,treatments\n"


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_one_bad_row_gives_all_good_rows_and_one_rejection(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "daily.csv",
        "date,sitting_h,water_ml\n2025-01-01,7,1500\n2025-01-02,seven,1500\n2025-01-03,6.5,\n",
    )
    log = read_log(path)
    assert log.daily["date"].dt.day.tolist() == [1, 3]
    assert log.daily["sitting_h"].tolist() == [7.0, 6.5]
    assert pd.isna(log.daily["water_ml"].iloc[1])  # blank stays missing, never zero
    assert len(log.rejected) == 1
    rejected = log.rejected.iloc[0]
    assert rejected["line"] == 3
    assert "sitting_h='seven' is not a number" in rejected["reason"]
    assert rejected["raw"] == "2025-01-02,seven,1500"
    assert rejected["file"] == str(path)


def test_spreadsheet_quirks_bom_semicolons_decimal_commas_day_first(tmp_path: Path) -> None:
    text = (
        "\ufeffdate;sitting_h;sleep_h;heavy_lifting\n"
        "13/01/2025;7,5;6,25;yes\n14/01/2025;8;;no\n;;;\n;;;\n"
    )
    log = read_log(write(tmp_path, "daily.csv", text))
    assert log.daily["date"].tolist() == [pd.Timestamp("2025-01-13"), pd.Timestamp("2025-01-14")]
    assert log.daily["sitting_h"].tolist() == [7.5, 8.0]
    assert log.daily["sleep_h"].iloc[0] == 6.25
    assert log.daily["heavy_lifting"].tolist() == [True, False]
    assert log.rejected.empty
    assert "2 blank row(s) skipped" in log.provenance["note"].iloc[0]


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252"])
def test_excel_encodings(tmp_path: Path, encoding: str) -> None:
    text = "start;peak_severity_0_10;notes\n2025-01-03 08:00;6;Rücken steif\n"
    log = read_log(write(tmp_path, "episodes.csv", text, encoding))
    assert log.episodes["notes"].tolist() == ["Rücken steif"]


def test_ambiguous_numeric_dates_raise_with_the_fix(tmp_path: Path) -> None:
    path = write(tmp_path, "daily.csv", "date,sitting_h\n03/04/2025,7\n05/06/2025,8\n")
    with pytest.raises(LogFormatError, match=r"could be day-first or month-first.*YYYY-MM-DD"):
        read_log(path)


def test_mixed_day_first_and_month_first_raise(tmp_path: Path) -> None:
    path = write(tmp_path, "daily.csv", "date,sitting_h\n13/04/2025,7\n04/14/2025,8\n")
    with pytest.raises(LogFormatError, match="mixes day-first"):
        read_log(path)


def test_renamed_column_names_the_closest_match(tmp_path: Path) -> None:
    path = write(tmp_path, "daily.csv", "date,sitting_hours,water_ml\n2025-01-01,7,1\n")
    with pytest.raises(LogFormatError, match="'sitting_hours' \\(did you mean 'sitting_h'\\?\\)"):
        read_log(path)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("2025-01-01,25,1500", "sitting_h='25' is outside the plausible range 0 to 24"),
        ("2025-01-01,-1,1500", "sitting_h='-1' is outside"),
        ("2025-01-01,7,40000", "water_ml='40000' is outside"),
        ('2025-01-01,7,"1,500"', "ambiguous"),
        ("2025-31-01,7,1500", "unreadable date|day is out of range|month must be"),
    ],
)
def test_absurd_values_are_rejected_not_clipped(tmp_path: Path, row: str, reason: str) -> None:
    log = read_log(
        write(tmp_path, "daily.csv", f"date,sitting_h,water_ml\n{row}\n2025-01-02,7,1\n")
    )
    assert len(log.daily) == 1
    assert log.rejected["reason"].str.contains(reason).all()


def test_duplicate_and_conflicting_days_are_accounted(tmp_path: Path) -> None:
    text = "date,sitting_h\n2025-01-02,7\n2025-01-01,6\n2025-01-02,7\n2025-01-02,9\n"
    log = read_log(write(tmp_path, "daily.csv", text))
    assert log.daily["date"].dt.day.tolist() == [1, 2]  # sorted
    assert log.rejected["reason"].tolist() == [
        "duplicate of line 2",
        "a second, different row for the date on line 2",
    ]
    prov = log.provenance.iloc[0]
    assert prov["rows_read"] == prov["rows_used"] + prov["rows_rejected"] == 4


def test_episode_rows(tmp_path: Path) -> None:
    text = (
        EPISODES_HEADER
        + "2025-01-03T08:00+01:00,2025-01-05 10:00,6,no,ice; Heating pad; ibuprofen\n"
        + "2025-01-09 08:00,2025-01-08 08:00,6,,\n"
        + "2025-01-12 08:00,,11,,\n"
        + "2025-01-13 08:00,,7,yes,\n"
    )
    log = read_log(write(tmp_path, "episodes.csv", text))
    ep = log.episodes
    assert ep["start_local"].tolist() == [
        pd.Timestamp("2025-01-03 08:00"),
        pd.Timestamp("2025-01-13 08:00"),
    ]
    assert ep["start_utc_offset_min"].iloc[0] == 60
    assert ep["duration_h"].iloc[0] == 50
    assert ep["treatments"].iloc[0] == "ice;heat;nsaid"
    assert ep["leg_pain"].tolist() == [False, True]
    assert pd.isna(ep["end_local"].iloc[1])
    assert log.rejected["line"].tolist() == [3, 4]
    assert "is before start" in log.rejected["reason"].iloc[0]
    assert "above 10" in log.rejected["reason"].iloc[1]


def test_png_is_refused_with_the_list_of_formats(tmp_path: Path) -> None:
    path = tmp_path / "screenshot.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    with pytest.raises(LogFormatError, match=r"(?s)a PNG image, not an export.*Supported formats"):
        read_log(path)


def test_empty_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LogFormatError, match="the file is empty"):
        read_log(write(tmp_path, "daily.csv", "\n\n"))


def test_unrelated_csv_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "orders.csv", "order_id,amount,customer\n1,20,x\n")
    with pytest.raises(LogFormatError, match=r"(?s)not a supported export.*order_id.*bearable"):
        read_log(path)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LogFormatError, match="no such file"):
        read_log(tmp_path / "nope.csv")


def test_wrong_source_names_the_right_one(tmp_path: Path) -> None:
    path = write(tmp_path, "daily.csv", "date,sitting_h\n2025-01-01,7\n")
    with pytest.raises(LogFormatError, match="use source='spreadsheet'"):
        read_log(path, source="bearable")


def test_unknown_option_is_a_type_error(tmp_path: Path) -> None:
    path = write(tmp_path, "daily.csv", "date,sitting_h\n2025-01-01,7\n")
    with pytest.raises(TypeError, match="unknown option"):
        read_log(path, treshold=3)


def test_folder_lists_skipped_files(tmp_path: Path) -> None:
    write(tmp_path, "daily.csv", "date,sitting_h\n2025-01-01,7\n")
    write(tmp_path, "notes.txt", "not a log\n")
    log = read_log(tmp_path)
    skipped = log.provenance.loc[log.provenance["note"].str.startswith("skipped")]
    assert skipped["file"].str.endswith("notes.txt").tolist() == [True]


def test_sample_reads_cleanly(sample_dir: Path) -> None:
    log = read_log(sample_dir / "spreadsheet")
    assert len(log.episodes) == 42
    assert log.rejected.empty
    assert (log.provenance["rows_used"] == log.provenance["rows_read"]).all()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.dates(
                min_value=pd.Timestamp("2020-01-01").date(),
                max_value=pd.Timestamp("2026-12-31").date(),
            ),
            st.one_of(st.none(), st.floats(-5, 30, allow_nan=False).map(lambda x: round(x, 2))),
            st.sampled_from(["", "yes", "no", "maybe"]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_every_row_is_used_or_rejected(
    tmp_path_factory: pytest.TempPathFactory, rows: list
) -> None:
    lines = ["date,sitting_h,heavy_lifting"]
    lines += [f"{d.isoformat()},{'' if s is None else s},{lift}" for d, s, lift in rows]
    path = tmp_path_factory.mktemp("prop") / "daily.csv"
    path.write_text("\n".join(lines) + "\n")
    log = read_log(path)
    prov = log.provenance.iloc[0]
    assert prov["rows_read"] == len(rows)
    assert prov["rows_used"] + prov["rows_rejected"] == len(rows)
    assert len(log.daily) == prov["rows_used"]
    assert log.daily["sitting_h"].dropna().between(0, 24).all()
