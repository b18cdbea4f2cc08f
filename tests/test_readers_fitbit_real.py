"""Fitbit reader on real exports, passed as a user would (the folder, or the one above it).

Figures are hand-verified with a few lines of json/csv/zoneinfo on the files themselves.
The aduyng export lives in America/Chicago (its per-minute steps file begins at 05:04 UTC,
00:04 local, on its first day, and the per-minute active-minutes CSV reproduces the daily
very + moderately active minutes exactly in that zone); the danlsn export in
Australia/Sydney (its steps begin at 14:00 UTC, local midnight).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from backcare_analysis.readers import read_log
from backcare_analysis.schema import Log

pytestmark = pytest.mark.shared


@pytest.fixture
def aduyng(real_exports: Path) -> Path:
    return real_exports / "fitbit" / "aduyng-takeout-2024"


@pytest.fixture
def danlsn(real_exports: Path) -> Path:
    return real_exports / "fitbit" / "danlsn-user-site-export-2017"


def accounted(log: Log) -> None:
    prov = log.provenance
    total = prov["rows_used"] + prov["rows_not_analysed"] + prov["rows_rejected"]
    assert (total == prov["rows_read"]).all()
    for file, n in log.rejected.groupby("file").size().items():
        assert prov.set_index("file").loc[file, "rows_rejected"] == n
    for file, n in log.not_analysed.groupby("file").size().items():
        assert prov.set_index("file").loc[file, "rows_not_analysed"] == n


def steps(log: Log, day: str) -> float:
    return float(log.daily.set_index("date").loc[day, "steps_count"])


def test_aduyng_takeout_local_days_with_and_without_a_zone(aduyng: Path) -> None:
    local = read_log(aduyng, timezone="America/Chicago")
    utc = read_log(aduyng)
    # Per-minute steps of local 2024-10-09 (05:00 UTC that day to 05:00 UTC the next).
    assert steps(local, "2024-10-09") == 5296
    assert steps(utc, "2024-10-09") == 6077  # the UTC day
    # 2024-10-02 comes only from the newer steps_*.csv and active_minutes_*.csv.
    day = local.daily.set_index("date").loc["2024-10-02"]
    assert (day["steps_count"], day["exercise_min"]) == (5780, 36)
    # The CSV begins 2024-10-01T00:02Z = 19:02 on 30 September in Chicago: a part day.
    assert pd.Timestamp("2024-09-30") not in set(local.daily["date"])
    assert local.parameters["timezone"] == "America/Chicago"
    assert local.parameters["timezone_source"] == "option"
    assert "timezone_warning" not in local.parameters
    assert "UTC" in str(utc.parameters["timezone_warning"])
    notes = local.provenance.set_index(local.provenance["file"].map(lambda f: Path(f).name))
    assert "America/Chicago" in notes.loc["steps-2024-10-08.json", "note"]
    assert "not assumed" not in notes.loc["steps-2024-10-08.json", "note"]
    assert "no time zone known" in utc.provenance["note"].iloc[-1]
    for log in (local, utc):
        accounted(log)


def test_aduyng_exercise_sleep_and_files(aduyng: Path) -> None:
    log = read_log(aduyng, timezone="America/Chicago")
    prov = log.provenance.set_index(log.provenance["file"].map(lambda f: Path(f).name))
    # exercise-300.json: 4 logs; the 24-hour "Run" (86,474,000 ms) is rejected.
    assert tuple(prov.loc["exercise-300.json", ["rows_read", "rows_used", "rows_rejected"]]) == (
        4,
        3,
        1,
    )
    assert "exercise" in log.rejected["reason"].str.cat()
    assert log.tags["tag"].tolist() == ["Workout", "Workout", "Workout"]
    assert set(log.tags["kind"]) == {"exercise"}
    # dateOfSleep 2024-11-07: two logs, 169 + 167 minutes asleep.
    assert float(log.daily.set_index("date").loc["2024-11-07", "sleep_h"]) == pytest.approx(5.6)
    # The 4036 minutes both steps files hold are counted once; 53 minutes of the CSV
    # fall on 30 September, a day it covers only from 19:02.
    assert prov.loc["steps_2024-10-01.csv", "rows_not_analysed"] == 4036 + 53
    assert log.not_analysed["reason"].str.startswith("duplicate of entry").sum() == 4036
    assert prov.loc["sedentary_period_2024-10-08.csv", "rows_not_analysed"] == 7
    assert not prov["note"].str.contains("original name").any()
    accounted(log)


def test_aduyng_same_through_any_folder(aduyng: Path) -> None:
    whole = read_log(aduyng, timezone="America/Chicago").daily.set_index("date")
    inner = read_log(aduyng / "Global Export Data", timezone="America/Chicago")
    got = inner.daily.set_index("date")
    for column in ("sitting_h", "exercise_min", "sleep_h"):
        pd.testing.assert_series_equal(got[column], whole.loc[got.index, column])
    # The JSON alone holds the steps of 2024-10-09 too.
    assert steps(inner, "2024-10-09") == 5296


def test_danlsn_user_site_export(danlsn: Path) -> None:
    log = read_log(danlsn, timezone="Australia/Sydney")
    utc = read_log(danlsn / "user-site-export")
    assert steps(log, "2017-09-04") == 8866
    assert steps(utc, "2017-09-04") == 9043
    daily = log.daily.set_index("date")
    # 7-9 September: 1440 sedentary minutes, not worn: no values at all.
    for day in ("2017-09-07", "2017-09-08", "2017-09-09"):
        assert pd.Timestamp(day) not in daily.index
    assert float(daily.loc["2017-09-04", "sitting_h"]) == pytest.approx(812 / 60)
    assert float(daily.loc["2017-09-26", "sleep_h"]) == pytest.approx(513 / 60)
    assert len(log.tags) == 80
    assert (log.tags["tag"] == "Walk").sum() == 62
    assert set(log.tags.loc[log.tags["tag"] == "Walk", "kind"]) == {"walking"}
    accounted(log)
    accounted(utc)
