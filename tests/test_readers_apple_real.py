"""The Apple Health reader on real exports (../shared/real-exports/apple-health/).

The figures pinned here were counted by hand from the XML with a few lines of
ElementTree, not copied from the reader's output: elements per type, the step total of
one local day per source, a night's sleep intervals, the workouts of each activity type.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from backcare_analysis.readers import apple_health, read_log
from backcare_analysis.schema import Log

pytestmark = pytest.mark.shared

FILES = (
    "hkimport-2017-v3-en_US-export.xml",
    "tdda-2016-en_GB-export6s3sample.xml",
    "fixture-healthkit-to-sqlite-export.xml",
    "synthetic-ms051uh-sk_SK-export.xml",
)


@pytest.fixture
def folder(real_exports: Path) -> Path:
    path = real_exports / "apple-health"
    if not path.is_dir():
        pytest.skip("../shared/real-exports/apple-health is absent")
    return path


def _read_both(path: Path) -> Log:
    fast = apple_health.read(path)
    full = apple_health.read(path, xml_parser="full")
    for table in ("daily", "episodes", "rejected"):
        pd.testing.assert_frame_equal(getattr(fast, table), getattr(full, table))
    columns = ["rows_read", "rows_used", "rows_not_analysed", "rows_rejected"]
    assert fast.provenance[columns].equals(full.provenance[columns])
    return fast


@pytest.mark.parametrize("name", FILES)
def test_every_real_export_reads_as_a_user_passes_it(folder: Path, name: str) -> None:
    """read_log on the file, as a user would pass it: all four are Apple Health exports
    and give a Log, every row accounted for (used + not analysed + rejected = read)."""
    log = read_log(folder / name)
    assert log.provenance["source"].tolist() == ["apple_health"]
    prov = log.provenance.iloc[0]
    assert (
        prov["rows_used"] + prov["rows_not_analysed"] + prov["rows_rejected"] == (prov["rows_read"])
    )
    assert prov["rows_read"] > 0


# (rows read, used, not analysed): rows are Record (top level and inside <Correlation>),
# Workout and ActivitySummary elements, counted with ElementTree.
ACCOUNTS = {
    # 10939 top-level records + 162 inside 34 correlations + 61 workouts; used: 3980
    # StepCount + 121 SleepAnalysis - 14 InBed/Awake + 61 workouts (all are tags).
    "hkimport-2017-v3-en_US-export.xml": (11_162, 4_148, 7_014),
    # 15 records (10 StepCount, 5 distance) + 2 ActivitySummary + 1 Workout (Other, a tag).
    "tdda-2016-en_GB-export6s3sample.xml": (18, 13, 5),
    # BMI and heart rate records, a Running workout (a tag), 2 ActivitySummary.
    "fixture-healthkit-to-sqlite-export.xml": (5, 3, 2),
    # 14525 HeartRate + 3111 SleepAnalysis, of which 398 Awake and 180 InBed.
    "synthetic-ms051uh-sk_SK-export.xml": (17_636, 2_533, 15_103),
}


@pytest.mark.parametrize("name", FILES)
def test_real_export_row_accounting_matches_a_hand_count(folder: Path, name: str) -> None:
    log = _read_both(folder / name)
    prov = log.provenance.iloc[0]
    got = (prov["rows_read"], prov["rows_used"], prov["rows_not_analysed"])
    assert got == ACCOUNTS[name]
    assert prov["rows_rejected"] == 0


def test_activity_summaries_alone_give_a_log(folder: Path) -> None:
    """Issue 11 item 7: only <ActivitySummary> elements of a type used (no Record used)
    crashed with TypeError; now the rings fill the two days."""
    daily = _read_both(folder / "fixture-healthkit-to-sqlite-export.xml").daily
    assert daily["date"].dt.strftime("%Y-%m-%d").tolist() == ["2016-11-15", "2016-11-16"]
    assert daily["exercise_min"].tolist() == [68, 39]
    assert daily["stand_hours_count"].tolist() == [13, 9]


def test_hkimport_steps_of_one_local_day_take_the_largest_source(folder: Path) -> None:
    daily = _read_both(folder / "hkimport-2017-v3-en_US-export.xml").daily.set_index("date")
    # 2017-03-05: Jonathan's iPhone 1307 steps, Health 76: the larger source, not 1383.
    assert daily.loc["2017-03-05", "steps_count"] == 1307
    # 2017-03-20: iPhone 1513, Health (entered by hand) 2000.
    assert daily.loc["2017-03-20", "steps_count"] == 2000


def test_hkimport_sleep_of_one_night_is_the_union_of_the_best_source(folder: Path) -> None:
    daily = _read_both(folder / "hkimport-2017-v3-en_US-export.xml").daily.set_index("date")
    # Night ending 2017-06-20: SleepTrack asleep 21:39:22-06:28:13 (8 h 48 min 51 s);
    # Pillow's asleep intervals all lie within its 21:41:16-06:27:51 (8.776 h); lark
    # 19:22-01:18 (5.93 h); Health's 11:00-13:00 nap (2 h) ends before 18:00 and counts.
    assert daily.loc["2017-06-20", "sleep_h"] == pytest.approx(8 + 48 / 60 + 51 / 3600, abs=1e-4)


def test_hkimport_yoga_and_strength_workouts(folder: Path) -> None:
    log = _read_both(folder / "hkimport-2017-v3-en_US-export.xml")
    daily = log.daily.set_index("date")
    # One Yoga workout (8fit, 75 min, 2017-07-19); three strength workouts on 2017-07-19,
    # 2017-07-26 and 2017-10-31; 57 other workouts (28 Walking, 21 Running, 5
    # MixedMetabolicCardioTraining, 2 Cycling, 1 Dance), every one a tag.
    assert daily.loc["2017-07-19", "stretching_min"] == 75
    assert (daily["stretching_min"] > 0).sum() == 1
    assert int(daily["heavy_lifting"].fillna(False).sum()) == 3
    tags = log.tags.groupby(["tag", "kind"]).size().to_dict()
    assert tags == {
        ("Cycling", "exercise"): 2,
        ("Dance", "exercise"): 1,
        ("FunctionalStrengthTraining", "exercise"): 2,
        ("MixedMetabolicCardioTraining", "exercise"): 5,
        ("Running", "exercise"): 21,
        ("TraditionalStrengthTraining", "exercise"): 1,
        ("Walking", "walking"): 28,
        ("Yoga", "stretching"): 1,
    }
    assert (log.tags["category"] == "workout").all()
    assert "57 workouts of other types kept as tags only" in log.provenance["note"].iloc[0]
