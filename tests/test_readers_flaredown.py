"""The Flaredown reader (several users per file), and format detection across trackers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backcare_analysis import LogFormatError, read_log
from backcare_analysis.readers import bearable, daylio, flaredown, spreadsheet
from backcare_analysis.readers._common import read_head
from backcare_analysis.readers._tracker_common import (
    episodes_with_ticks,
    is_lower_back,
    ratings_frame,
)

HEADER = "user_id,age,sex,country,checkin_date,trackable_id,trackable_type,trackable_name,trackable_value\n"  # noqa: E501

# Three users, rows in no order. a1: back pain 1, 2, 3 on 1-3 May (2.5, 5.0, 7.5 of 10),
# ibuprofen, a heating pad and heavy lifting on 2 May, back pain 4 on 7 May; b2: lumbago 2
# on 1 June (with a duplicate row) and an impossible 7 on 2 June; c3: food only.
MULTI = HEADER + (
    "a1,,,,2021-05-03,10,Condition,Lower back pain,3\n"
    "b2,41,f,NL,2021-06-01,20,Symptom,lumbago,2\n"
    "a1,,,,2021-05-01,11,Symptom,Back pain,1\n"
    "a1,,,,2021-05-02,11,Symptom,Back pain,2\n"
    "a1,,,,2021-05-02,12,Treatment,Ibuprofen,400.0 mg\n"
    "a1,,,,2021-05-02,13,Treatment,Heating pad,\n"
    "a1,,,,2021-05-02,14,Tag,heavy lifting,\n"
    "c3,,,,2021-07-01,30,Food,Pizza,\n"
    "a1,,,,2021-05-06,11,Symptom,Back pain,0\n"
    "a1,,,,2021-05-07,10,Condition,Lower back pain,4\n"
    "a1,,,,2021-05-06,15,Symptom,fatigue,2\n"
    "a1,,,,2021-05-06,16,Weather,temperature_min,40\n"
    "b2,41,f,NL,2021-06-01,20,Symptom,lumbago,2\n"
    'a1,,,,2021-05-04,17,Symptom,"neck and upper back pain",3\n'
    "b2,41,f,NL,2021-06-02,20,Symptom,lumbago,7\n"
    "b2,41,f,NL,2021-06-01,21,Tag,stress,\n"
)


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "fd.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_several_users_need_a_user_id(tmp_path: Path) -> None:
    path = write(tmp_path, MULTI)
    with pytest.raises(LogFormatError, match=r"3 users(?s:.*)'a1' \(5 ratings\)(?s:.*)read_flar"):
        read_log(path)


def test_one_users_log_by_hand(tmp_path: Path) -> None:
    log = read_log(write(tmp_path, MULTI), user_id="a1")
    # 2.5 on 1 May is below 4/10; 5.0 on 2 May starts an episode, 7.5 on 3 May extends it
    # (24 h later); 10 on 7 May is 96 h after the last qualifying rating: a second one.
    episodes = log.episodes
    assert episodes["start_local"].tolist() == [
        pd.Timestamp("2021-05-02 12:00"),
        pd.Timestamp("2021-05-07 12:00"),
    ]
    assert episodes["end_local"].iloc[0] == pd.Timestamp("2021-05-03 12:00")
    assert episodes["peak_severity_0_10"].tolist() == [7.5, 10.0]
    assert episodes["initial_severity_0_10"].tolist() == [5.0, 10.0]
    assert episodes["treatments"].tolist() == ["nsaid;heat", ""]
    assert episodes["source_line"].tolist() == [5, 11]
    daily = log.daily.set_index("date")
    expected = {"05-01": 2.5, "05-02": 5.0, "05-03": 7.5, "05-04": 0.0, "05-06": 0.0, "05-07": 10}
    assert daily["pain_max_0_10"].tolist() == list(expected.values())
    assert daily["heavy_lifting"].tolist() == [False, True, False, False, False, False]
    assert daily["symptoms_logged"].all()
    prov = log.provenance.iloc[0]
    # Fine rows of other symptoms and the weather are not analysed, not rejected (issue 14).
    counts = ("rows_read", "rows_used", "rows_not_analysed", "rows_rejected")
    assert tuple(prov[c] for c in counts) == (11, 8, 3, 0)
    assert log.rejected.empty
    assert log.not_analysed.set_index("line")["reason"].to_dict() == {
        12: "Symptom that is not lower back pain",
        13: "Weather",
        15: "Symptom that is not lower back pain",
    }
    assert log.not_analysed["raw"].iloc[1] == "a1,,,,2021-05-06,16,Weather,temperature_min,40"
    assert "not analysed: 3 (Symptom that is not lower back pain 2, Weather 1)" in prov["note"]
    assert "other users' rows are not part of this log" in prov["note"]


def test_every_user_in_one_pass_matches_reading_each(tmp_path: Path) -> None:
    path = write(tmp_path, MULTI)
    logs = flaredown.read_flaredown_users(path)
    assert sorted(logs) == ["a1", "b2", "c3"]
    assert sum(int(log.provenance["rows_read"].iloc[0]) for log in logs.values()) == 16
    for user, log in logs.items():
        prov = log.provenance.iloc[0]
        parts = prov["rows_used"] + prov["rows_not_analysed"] + prov["rows_rejected"]
        assert parts == prov["rows_read"]
        alone = flaredown.read(path, user_id=user)
        pd.testing.assert_frame_equal(log.daily, alone.daily)
        pd.testing.assert_frame_equal(log.episodes, alone.episodes)
        pd.testing.assert_frame_equal(log.rejected, alone.rejected)
        pd.testing.assert_frame_equal(log.not_analysed, alone.not_analysed)
    b2 = logs["b2"]
    assert b2.rejected.set_index("line")["reason"].to_dict() == {
        14: "duplicate of line 3",
        16: "rating '7' is not on Flaredown's 0-4 scale",
    }
    assert b2.rejected["raw"].iloc[0] == "b2,41,f,NL,2021-06-01,20,Symptom,lumbago,2"
    assert b2.daily["pain_max_0_10"].tolist()[0] == 5.0
    assert pd.isna(b2.daily["pain_max_0_10"].iloc[1])  # its only rating was unreadable
    assert logs["c3"].episodes.empty
    assert logs["c3"].daily["pain_max_0_10"].isna().all()
    assert sorted(flaredown.read_flaredown_users(path, only_back_pain=True)) == ["a1", "b2"]
    with pytest.raises(LogFormatError, match="no rows of user_id 'zz'"):
        flaredown.read(path, user_id="zz")


def test_tags_and_progress_bar(tmp_path: Path) -> None:
    path = write(tmp_path, MULTI)
    tags = flaredown.read_tags(path, user_id="a1")
    assert tags["tag"].tolist() == ["Ibuprofen", "Heating pad", "heavy lifting"]
    assert tags["kind"].tolist() == ["treatment", "treatment", "heavy_lifting"]
    assert tags["amount"].iloc[0] == 400.0
    assert tags["amount"].iloc[1:].isna().all()
    assert set(tags["user_id"]) == {"a1"}
    plain = flaredown.read_flaredown_users(path)
    shown = flaredown.read_flaredown_users(path, progress=True)
    for user in plain:
        pd.testing.assert_frame_equal(plain[user].daily, shown[user].daily)


@pytest.mark.parametrize(
    ("name", "lower"),
    [
        ("lower back pain", True),
        ("Back (lower) pain", True),
        ("Back pain", True),
        ("LBP", True),
        ("lumbar disc herniation", True),
        ("upper and lower back pain", True),
        ("backache", True),
        ("neck and upper back pain", False),
        ("Back (upper) pain", False),
        ("mid back pain", False),
        ("sciatica", False),
        ("back of the knee", False),
        ("Backgammon elbow", False),
    ],
)
def test_lower_back_names(name: str, lower: bool) -> None:
    assert is_lower_back(name) is lower


def test_symptoms_option_replaces_the_name_rule(tmp_path: Path) -> None:
    log = read_log(write(tmp_path, MULTI), user_id="a1", symptoms=["back pain"])
    assert log.episodes["start_local"].tolist() == [pd.Timestamp("2021-05-02 12:00")]


def test_bad_rows_truncation_and_a_single_user_file(tmp_path: Path) -> None:
    text = HEADER + (
        "u,,,,2021-01-01,1,Symptom,lower back pain,3\n"
        "u,,,,01/02/2021,1,Symptom,lower back pain,3\n"
        ",,,,2021-01-03,1,Symptom,lower back pain,3\n"
        "u,,,,2021-01-04,1,Mood,happy,3\n"
        "u,,,,2021-01-05,1,Symptom,lower back pain,3,surplus\n"
        "\n"
        'u,,,,2021-01-06,1,Symptom,"lower back'
    )
    log = read_log(write(tmp_path, text))  # one user: no user_id needed
    reasons = log.rejected.set_index("line")["reason"].to_dict()
    assert reasons[3] == "checkin_date '01/02/2021' is not YYYY-MM-DD"
    assert reasons[5] == "unknown trackable_type 'mood'"
    assert reasons[6] == "more fields than the header has"
    assert "cut short" in reasons[8]
    assert log.daily["date"].dt.day.tolist() == [1, 3, 4, 5]  # row 4 had no user_id: its own
    prov = log.provenance.iloc[0]
    assert (prov["rows_read"], prov["rows_used"], prov["rows_rejected"]) == (6, 2, 4)
    assert prov["rows_not_analysed"] == 0
    assert "1 blank row(s) skipped" in prov["note"]


@pytest.mark.parametrize(
    ("encoding", "delimiter"), [("utf-16", ","), ("utf-16", "\t"), ("cp1252", ",")]
)
def test_excel_encodings(tmp_path: Path, encoding: str, delimiter: str) -> None:
    text = HEADER + "u,,,,2021-01-01,1,Symptom,Rückenschmerzen unten (lower back),3\n"
    log = read_log(write(tmp_path, text.replace(",", delimiter), encoding))
    assert len(log.episodes) == 1
    assert log.provenance["rows_used"].iloc[0] == 1


def test_format_errors_say_what_to_do(tmp_path: Path) -> None:
    renamed = HEADER.replace("checkin_date", "date") + "u,,,,2021-01-01,1,Symptom,x,3\n"
    with pytest.raises(LogFormatError, match=r"'checkin_date' \(found 'date'"):
        read_log(write(tmp_path, renamed))
    with pytest.raises(LogFormatError, match="header but no entries"):
        read_log(write(tmp_path, HEADER + "\n"))
    with pytest.raises(LogFormatError, match="use source='flaredown'"):
        read_log(write(tmp_path, MULTI), source="daylio")


@settings(max_examples=40, deadline=None)
@given(
    data=st.lists(
        st.tuples(
            st.sampled_from(["p", "q"]),
            st.integers(0, 30),
            st.one_of(st.integers(0, 4), st.none()),
        ),
        min_size=1,
        max_size=40,
    ),
    threshold=st.sampled_from([2.5, 4.0, 7.5]),
    gap_h=st.sampled_from([24.0, 48.0, 100.0]),
)
def test_all_users_at_once_follows_the_shared_episode_rule(
    tmp_path_factory: pytest.TempPathFactory,
    data: list[tuple[str, int, int | None]],
    threshold: float,
    gap_h: float,
) -> None:
    # None is a "back pain" tag (a tick without severity); numbers are 0-4 ratings.
    lines = [
        f"{u},,,,{pd.Timestamp('2021-01-01') + pd.Timedelta(days=d):%Y-%m-%d},1,"
        + (f"Symptom,back pain,{r}" if r is not None else "Tag,back pain,")
        for u, d, r in data
    ]
    path = tmp_path_factory.mktemp("fd") / "fd.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    logs = flaredown.read_flaredown_users(path, threshold_0_10=threshold, gap_h=gap_h)
    for user, log in logs.items():
        rows = [
            {
                "time_local": pd.Timestamp("2021-01-01 12:00") + pd.Timedelta(days=d),
                "severity_0_10": None if r is None else r * 2.5,
                "location": "lower back",
                "source": "flaredown",
                "source_file": str(path),
                "source_line": i + 2,
            }
            for i, (u, d, r) in enumerate(data)
            if u == user and log.rejected.loc[log.rejected["line"] == i + 2].empty
        ]
        expected = episodes_with_ticks(ratings_frame(rows), threshold_0_10=threshold, gap_h=gap_h)
        pd.testing.assert_frame_equal(log.episodes, expected)


def test_header_only_file_ending_in_a_quote_is_a_format_error(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER.rstrip("\n") + ',"')
    with pytest.raises(LogFormatError, match=r"header\) ends inside a quoted field"):
        flaredown.read_flaredown_users(path)


def test_implausible_dates_are_rejected_rows(tmp_path: Path) -> None:
    text = HEADER + (
        "u,,,,2021-01-01,1,Symptom,lower back pain,3\n"
        "u,,,,1899-12-31,1,Symptom,lower back pain,3\n"
        "u,,,,9999-01-01,1,Symptom,lower back pain,2\n"
        "u,,,,2021-01-02,1,Condition,asthma,2\n"
    )
    log = read_log(write(tmp_path, text))
    reasons = log.rejected.set_index("line")["reason"].to_dict()
    assert sorted(reasons) == [3, 4]
    assert reasons[3].startswith("date 1899-12-31 is before 1980-01-01")
    assert reasons[4] == "date 9999-01-01 is in the future: check the year"
    assert log.daily["date"].dt.strftime("%Y-%m-%d").tolist() == ["2021-01-01", "2021-01-02"]
    prov = log.provenance.iloc[0]
    counts = ("rows_read", "rows_used", "rows_not_analysed", "rows_rejected")
    assert tuple(prov[c] for c in counts) == (4, 1, 1, 2)


# --- detection across formats -------------------------------------------------------------

BEARABLE_ROW = '"1st Mar 2021","Monday","am","Symptom","2","Back (lower) pain (Moderate)",""\n'


def test_each_sniffer_accepts_only_its_own_format(tmp_path: Path, sample_dir: Path) -> None:
    files = {
        "spreadsheet_episodes": sample_dir / "spreadsheet" / "episodes.csv",
        "spreadsheet_daily": sample_dir / "spreadsheet" / "daily.csv",
        "bearable": write(tmp_path, ",".join(bearable.COLUMNS) + "\n" + BEARABLE_ROW, name="b"),
        "bearable_new": write(tmp_path, ",".join(bearable.COLUMNS_NEW) + "\n", name="b8.csv"),
        "daylio": write(tmp_path, "\ufeff" + ",".join(daylio.COLUMNS_NEW) + "\n", name="d.csv"),
        "daylio_old": write(tmp_path, ",".join(daylio.COLUMNS) + "\n", name="d8.csv"),
        "flaredown": write(tmp_path, MULTI, name="f.csv"),
        "semicolon_weekly": write(
            tmp_path, "date;headache;dizziness;jaarweek;totaal\n23/Jul/20;8;4;20/W30;17\n", name="w"
        ),
    }
    sniffers = {"spreadsheet": spreadsheet, "bearable": bearable, "daylio": daylio}
    sniffers["flaredown"] = flaredown
    for label, path in files.items():
        head = read_head(path)
        accepted = {name for name, module in sniffers.items() if module.sniff(head)}
        expected = {label.split("_")[0]} if label != "semicolon_weekly" else set()
        assert accepted == expected, (label, accepted)
