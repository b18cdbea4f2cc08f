"""The Daylio reader, on small hand-built exports (never real personal data)."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backcare_analysis import LogFormatError, read_log
from backcare_analysis.readers import daylio
from backcare_analysis.readers._tracker_common import clock

HEADER_9 = "full_date,date,weekday,time,mood,activities,scales,note_title,note\n"
HEADER_8 = "full_date,date,weekday,time,mood,activities,note_title,note\n"

# Newest first, two entries on 5 March, a 12-hour clock, a non-breaking space after the
# scale's colon, <br> and entities in a note, a day (3 March) with a mood only.
CURRENT = (
    "\ufeff"
    + HEADER_9
    + '2024-03-06,6. März,Mittwoch,07:30,good,"work | walk","pain:\u00a02","",""\n'
    + '2024-03-05,5. März,Dienstag,10:00 pm,meh,"back pain | heating pad | work",'
    + '"pain:\u00a06 | energy: 3","","stiff<br>after &amp; lifting"\n'
    + '2024-03-05,5. März,Dienstag,08:10,good,"back pain | yoga","","",""\n'
    + '2024-03-04,4. März,Montag,18:52,good,"heavy lifting | walk","","",""\n'
    + '2024-03-03,3. März,Sonntag,18:52,rad,"","","",""\n'
    + '2024-03-01,1. März,Freitag,18:52,rad,"work","pain: 1","",""\n'
)


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "daylio.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_current_export_to_episodes_daily_values_and_tags(tmp_path: Path) -> None:
    path = write(tmp_path, CURRENT)
    log = read_log(path)
    assert log.provenance["source"].tolist() == ["daylio"]
    episode = log.episodes.iloc[0]
    assert len(log.episodes) == 1
    # The first qualifying entry is the 08:10 tick (no severity); the 22:00 entry rates 6.
    assert episode["start_local"] == pd.Timestamp("2024-03-05 08:10")
    assert episode["end_local"] == pd.Timestamp("2024-03-05 22:00")
    assert episode["peak_severity_0_10"] == 6.0
    assert pd.isna(episode["initial_severity_0_10"])
    assert episode["treatments"] == "heat"
    assert episode["notes"] == "stiff\nafter & lifting"
    daily = log.daily.set_index("date")
    assert daily["pain_max_0_10"].tolist()[:2] == [1.0, 0.0]  # 1 Mar rated 1, 3 Mar none
    assert daily.loc["2024-03-05", "pain_max_0_10"] == 6.0
    assert daily.loc["2024-03-06", "pain_max_0_10"] == 2.0
    assert daily.loc["2024-03-04", "heavy_lifting"]
    assert not daily.loc["2024-03-06", "heavy_lifting"]
    assert pd.isna(daily.loc["2024-03-04", "stretching_min"])  # a tick is not minutes
    assert daily["symptoms_logged"].all()
    assert log.rejected.empty
    assert log.not_analysed["reason"].tolist() == ["entry with only a mood and a note"]
    prov = log.provenance.iloc[0]
    counts = ("rows_read", "rows_used", "rows_not_analysed", "rows_rejected")
    assert tuple(prov[list(counts)]) == (6, 5, 1, 0)
    tags = daylio.read_tags(path)
    assert set(tags.loc[tags["kind"] == "stretching", "tag"]) == {"yoga"}
    assert tags.loc[tags["tag"] == "energy", "amount"].tolist() == [3.0]


def test_older_eight_column_export_with_ticks_only(tmp_path: Path) -> None:
    text = (
        HEADER_8
        + '2024-01-09,Jan 9,Tuesday,9:15 am,bad,"Back Pain | ice","",""\n'
        + '2024-01-08,Jan 8,Monday,6:00 pm,bad,"back pain","",""\n'
        + '2024-01-02,Jan 2,Tuesday,12:05 am,good,"walk","",""\n'
    )
    log = read_log(write(tmp_path, text))
    assert log.episodes["start_local"].tolist() == [pd.Timestamp("2024-01-08 18:00")]
    assert log.episodes["end_local"].tolist() == [pd.Timestamp("2024-01-09 09:15")]
    assert log.episodes["treatments"].tolist() == ["ice"]
    assert log.episodes["peak_severity_0_10"].isna().all()
    # Without any pain scale, pain is never rated: unknown every day, never zero.
    assert log.daily["pain_max_0_10"].isna().all()


def test_tag_map_and_pain_scales_options(tmp_path: Path) -> None:
    text = (
        HEADER_9
        + '2024-02-02,x,x,20:00,meh,"sore back | moving boxes","Back: 4","",""\n'
        + '2024-02-01,x,x,20:00,meh,"work","Back: 1","",""\n'
    )
    path = write(tmp_path, text)
    log = read_log(
        path,
        tag_map={"Sore back": "back_pain", "moving boxes": "heavy_lifting"},
        pain_scales={"back": 5},
    )
    assert log.episodes["peak_severity_0_10"].tolist() == [8.0]
    assert log.daily["heavy_lifting"].tolist() == [False, True]
    assert log.parameters["daylio_pain_scales"] == {"back": 5.0}
    with pytest.raises(LogFormatError, match="'sideways' is not a known meaning"):
        read_log(path, tag_map={"work": "sideways"})


def test_bad_entries_are_rejected_with_reasons(tmp_path: Path) -> None:
    text = (
        HEADER_9
        + '2024-02-05,x,x,25:99,meh,"walk","","",""\n'
        + '2024-02-04,x,x,20:00,meh,"walk","pain: 14","",""\n'
        + '05/02/2024,x,x,20:00,meh,"walk","","",""\n'
        + '2024-02-30,x,x,20:00,meh,"walk","","",""\n'
        + '2024-02-03,x,x,20:00,meh,"walk","pain","",""\n'
        + '2024-02-02,x,x,20:00,meh,"walk","","",""\n'
        + '2024-02-02,x,x,20:00,meh,"walk","","",""\n'
        + '2024-02-01,x,x,20:00,meh,"walk","","","a note cut sh'
    )
    log = read_log(write(tmp_path, text))
    reasons = log.rejected.set_index("line")["reason"]
    assert "time '25:99' is not a valid clock time" in reasons[2]
    assert "outside 0-10; pass pain_scales={'pain'" in reasons[3]
    assert "full_date '05/02/2024' is not YYYY-MM-DD" in reasons[4]
    assert "impossible full_date '2024-02-30'" in reasons[5]
    assert "scale 'pain' is not 'name: value'" in reasons[6]
    assert reasons[8] == "duplicate of line 7"
    assert "cut short" in reasons[9]
    assert log.provenance["rows_used"].iloc[0] == 1
    # A day whose pain entry was unreadable is unknown, not pain-free.
    assert pd.isna(log.daily.set_index("date").loc["2024-02-04", "pain_max_0_10"])


@pytest.mark.parametrize(
    ("encoding", "delimiter"), [("utf-16", ","), ("utf-16", "\t"), ("cp1252", ",")]
)
def test_excel_encodings(tmp_path: Path, encoding: str, delimiter: str) -> None:
    text = HEADER_8 + '2024-01-08,8 janv.,lundi,18:00,mauvais,"back pain","","Rücken"\n'
    log = read_log(write(tmp_path, text.replace(",", delimiter), encoding))
    assert log.episodes["notes"].tolist() == ["Rücken"]


def test_format_errors_say_what_to_do(tmp_path: Path) -> None:
    renamed = HEADER_9.replace("full_date", "fulldate") + "2024-01-01,x,x,10:00,ok,walk,,,\n"
    with pytest.raises(LogFormatError, match=r"'full_date' \(found 'fulldate'"):
        read_log(write(tmp_path, renamed))
    with pytest.raises(LogFormatError, match="header but no entries"):
        read_log(write(tmp_path, "\ufeff" + HEADER_9))
    # The pre-2019 layout used to be refused; it is read now (tests below).
    old = "year,date,weekday,time,mood,activities,note\n2018,18 May,Friday,11:54 pm,happy,x,\n"
    assert read_log(write(tmp_path, old)).daily["date"].tolist() == [pd.Timestamp("2018-05-18")]
    with pytest.raises(LogFormatError, match="use source='daylio'"):
        read_log(write(tmp_path, CURRENT), source="bearable")


@given(hour=st.integers(0, 23), minute=st.integers(0, 59))
def test_twelve_and_twenty_four_hour_clocks_agree(hour: int, minute: int) -> None:
    half = "am" if hour < 12 else "pm"
    assert clock(f"{(hour % 12) or 12}:{minute:02d} {half}") == (hour, minute)
    assert clock(f"{hour}:{minute:02d}") == (hour, minute)


OLD_HEADER = "year,date,weekday,time,mood,activities,note\n"


@pytest.mark.shared
def test_pre_2019_layout_real_export(real_exports: Path) -> None:
    path = real_exports / "daylio" / "zhafen-2018-en-yearformat.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    # Independent check: English month names parsed by the standard library.
    days = {datetime.strptime(f"{r['date']} {r['year']}", "%B %d %Y") for r in rows}
    assert (len(rows), len(days)) == (733, 184)
    log = read_log(path)
    prov = log.provenance.iloc[0]
    assert (prov["rows_read"], prov["rows_used"], prov["rows_rejected"]) == (733, 733, 0)
    assert set(log.daily["date"]) == {pd.Timestamp(d) for d in days}
    assert log.daily["date"].min() == pd.Timestamp("2018-03-07")
    assert log.daily["date"].max() == pd.Timestamp("2018-09-06")
    assert log.tags["tag"].str.fullmatch("work").sum() > 0


def test_pre_2019_layout_in_other_languages(tmp_path: Path) -> None:
    text = (
        OLD_HEADER
        + '2018,6. März,Dienstag,20:00,gut,"spazieren",""\n'
        + '2018,16 de octubre,martes,20:00,bien,"caminar",""\n'
        + '2018,6 septembre,jeudi,20:00,bien,"marche",""\n'
        + '2018,3 de dezembro,segunda-feira,9:15 PM,bem,"caminhada",""\n'
        + '2018,6 września,czwartek,20:00,dobrze,"spacer",""\n'
        + '2018,31 febbraio,x,20:00,bene,"passeggiata",""\n'
    )
    log = read_log(write(tmp_path, text))
    assert log.daily["date"].dt.strftime("%m-%d").tolist() == ["03-06", "09-06", "10-16", "12-03"]
    reasons = log.rejected.set_index("line")["reason"]
    assert "'6 września' is not a day and a month name" in reasons[6]
    assert "impossible date '31 febbraio'" in reasons[7]
    assert log.daily["exercise_day"].all()  # every one a walk, in its language


@pytest.mark.shared
def test_headerless_real_export_says_which_line_to_add(real_exports: Path, tmp_path: Path) -> None:
    path = real_exports / "daylio" / "davidcdcb-2021-es-noheader.csv"
    with pytest.raises(LogFormatError, match="header line was removed") as info:
        read_log(path)
    assert str(info.value).endswith("\nfull_date,date,weekday,time,mood,activities,note")
    assert "2021-10-16,16 de octubre" in str(info.value)
    # Following the message works: 285 entries, 14 with activities (counted by hand with
    # the csv module), the other 271 a mood only (not analysed).
    header = "full_date,date,weekday,time,mood,activities,note\n"
    restored = write(tmp_path, header + path.read_text(encoding="utf-8-sig"))
    prov = read_log(restored).provenance.iloc[0]
    counts = ["rows_read", "rows_used", "rows_not_analysed", "rows_rejected"]
    assert tuple(prov[counts]) == (285, 14, 271, 0)


@pytest.mark.parametrize(
    ("line", "header"),
    [
        ('2024-03-06,6. März,Mittwoch,07:30,good,"walk","pain: 2","",""', HEADER_9),
        ('2024-03-06,March 6,Wednesday,7:30 AM,good,"walk","",""', HEADER_8),
        ('2018,March 6,Tuesday,7:30 AM,good,"walk",""', OLD_HEADER),
    ],
)
def test_headerless_export_error_names_the_header_for_its_layout(
    tmp_path: Path, line: str, header: str
) -> None:
    with pytest.raises(LogFormatError, match="header line was removed") as info:
        read_log(write(tmp_path, line + "\n"))
    assert str(info.value).endswith("\n" + header.strip())
    assert not read_log(write(tmp_path, header + line + "\n", name="fixed.csv")).daily.empty


def test_read_tags_accepts_a_str_like_read_log(tmp_path: Path) -> None:
    path = write(tmp_path, CURRENT)
    pd.testing.assert_frame_equal(daylio.read_tags(str(path)), daylio.read_tags(path))
    assert not daylio.read(str(path)).episodes.empty


@pytest.mark.shared
def test_real_custom_activities_with_app_prefixes(real_exports: Path) -> None:
    # kije's activities carry Daylio's own prefixes: `[253] take a walk`, `<c_sy> headache`.
    path = real_exports / "daylio" / "kije-2023-en-8col.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))

    def days(names: set[str]) -> int:
        return len(
            {
                r["full_date"]
                for r in rows
                if names & {a.strip() for a in r["activities"].split("|")}
            }
        )

    # `[94] sitting in the sun` (34 days) is sitting outside, not a long-sitting day: only
    # `gaming` makes one (readers/tagmap.py keeps posture words out of the phrase rule).
    walk, sitting = days({"[253] take a walk"}), days({"gaming"})
    any_activity = len({r["full_date"] for r in rows if r["activities"].strip()})
    assert (walk, sitting, any_activity) == (64, 5, 224)
    assert days({"[94] sitting in the sun"}) == 34
    log = read_log(path)
    assert int(log.daily["exercise_day"].eq(True).sum()) == walk
    assert int(log.daily["sitting_day"].eq(True).sum()) == sitting
    assert int(log.daily["exercise_day"].notna().sum()) == any_activity
    kinds = dict(zip(log.tags["tag"], log.tags["kind"], strict=True))
    assert kinds["[253] take a walk"] == "walking"
    assert kinds["<c_sy> headache"] == ""
    assert kinds["[94] sitting in the sun"] == ""
    prov = log.provenance.iloc[0]
    assert (prov["rows_read"], prov["rows_used"], prov["rows_not_analysed"]) == (1159, 984, 175)
