"""Fitbit as downloaded: Takeout zips (several parts), Takeout folders, the profile's time
zone, the newer CSVs, duplicates across re-downloads, unknown files and hostile input."""

from __future__ import annotations

import json
import shutil
import struct
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from backcare_analysis.readers import fitbit, read_log
from backcare_analysis.schema import Log, LogFormatError
from backcare_analysis.synthetic.person import Person, simulate_person
from backcare_analysis.synthetic.writers.fitbit import write_fitbit, write_fitbit_takeout

BERLIN = "Europe/Berlin"


@pytest.fixture(scope="module")
def person() -> Log:
    return simulate_person(Person(days=40), seed=5)


@pytest.fixture(scope="module")
def takeout(tmp_path_factory: pytest.TempPathFactory, person: Log) -> list[Path]:
    return write_fitbit_takeout(person, tmp_path_factory.mktemp("zips"), timezone=BERLIN, parts=2)


def dump(path: Path, entries: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entries), encoding="utf-8")
    return path


def same_as_truth(log: Log, person: Log) -> None:
    truth = person.daily.set_index("date")
    got = log.daily.set_index("date")
    assert list(got.index) == list(truth.index)
    for column in ("sitting_h", "exercise_min", "steps_count"):
        pd.testing.assert_series_equal(
            got[column].astype(float), truth[column].astype(float), atol=1e-9
        )


def test_takeout_zip_parts_read_in_place_with_the_profile_zone(
    takeout: list[Path], person: Log
) -> None:
    log = read_log(takeout)
    same_as_truth(log, person)
    assert log.parameters["timezone"] == BERLIN
    assert str(log.parameters["timezone_source"]).endswith("Your Profile/Profile.csv")
    assert "timezone_warning" not in log.parameters
    note = " ".join(log.provenance["note"])
    assert f"local days in {BERLIN}" in note
    assert "Takeout archive" in note
    assert "1 files of other products" in note
    # The folder the zips were downloaded into reads the same.
    pd.testing.assert_frame_equal(read_log(takeout[0].parent).daily, log.daily)
    # The option wins over the profile; UTC days differ from Berlin days (18:00 workouts
    # stay, but steps near midnight move).
    utc = read_log(takeout, timezone="UTC")
    assert utc.parameters["timezone_source"] == "option"
    assert not utc.daily["steps_count"].equals(log.daily["steps_count"])


def test_one_part_alone_holds_only_its_files(takeout: list[Path]) -> None:
    first = read_log(takeout[0])  # no profile in part 1: UTC assumed, with a warning
    assert first.parameters["timezone_source"] == "assumed"
    assert "no time zone known" in str(first.parameters["timezone_warning"])


@pytest.mark.parametrize("top", ["Fitbit", "Google Health"])
def test_unpacked_takeout_folders(tmp_path: Path, person: Log, top: str) -> None:
    (zipped,) = write_fitbit_takeout(person, tmp_path / "zip", timezone=BERLIN, top=top)
    with zipfile.ZipFile(zipped) as zf:
        zf.extractall(tmp_path / "out")
    takeout = tmp_path / "out" / "Takeout"
    for folder in (takeout, takeout / top, takeout / top / "Global Export Data"):
        log = read_log(folder)
        same_as_truth(log, person)
        assert log.parameters["timezone"] == BERLIN, folder


def test_tags_reach_the_day_level_exposures(takeout: list[Path], person: Log) -> None:
    log = read_log(takeout)
    yoga = log.tags[log.tags["tag"] == "Yoga"]
    assert not yoga.empty
    assert set(yoga["kind"]) == {"stretching"}
    assert set(log.tags["category"]) == {"exercise"}
    # An 18:00 Berlin workout is on its local day, at its local time.
    assert (log.tags["time_local"].dt.hour == 18).all()
    daily = log.daily.set_index("date")
    assert daily.loc[yoga["date"], "stretching_day"].all()


def test_duplicate_rule_one_redownload(tmp_path: Path) -> None:
    start = pd.Timestamp("2025-01-01 00:00")
    entries = [
        {"dateTime": f"{start + pd.Timedelta(minutes=14 * i):%m/%d/%y %H:%M:%S}", "value": "168"}
        for i in range(200)
    ]  # every 14 minutes from 00:00 on 1 January to 22:26 on 2 January
    entries.append({"dateTime": "01/02/25 23:59:00", "value": "2"})
    folder = tmp_path / "Global Export Data"
    dump(folder / "steps-2025-01-01.json", entries)
    alone = read_log(folder)
    dump(folder / "steps-2025-01-01 (1).json", entries)  # the browser's re-download
    both = read_log(folder)
    pd.testing.assert_frame_equal(both.daily, alone.daily)
    assert both.daily["steps_count"].sum() == 200 * 168 + 2  # not 2 x 33,602
    dups = both.not_analysed[both.not_analysed["reason"].str.startswith("duplicate")]
    assert len(dups) == 201
    assert dups["file"].str.endswith("steps-2025-01-01.json").all()  # "(1)" sorts first
    # A conflicting value is still the same entry: the first read counts, the other is
    # reported with both values.
    changed = [dict(e) for e in entries]
    changed[5]["value"] = "7"
    dump(folder / "steps-2025-01-01.json", changed)
    log = read_log(folder)
    assert log.daily["steps_count"].sum() == 200 * 168 + 2
    assert log.not_analysed["reason"].str.contains("value 7 there 168").sum() == 1


def test_folder_with_device_files_and_unknown_names(tmp_path: Path) -> None:
    folder = tmp_path / "Global Export Data"
    dump(
        folder / "exercise-0.json",
        [{"logId": 1, "activityName": "Walk", "activeDuration": 1_800_000,
          "startTime": "01/10/24 08:00:00"}],
    )  # fmt: skip
    dump(
        folder / "exercise-100.json",
        [{"logId": 2, "activityName": "Weights", "activeDuration": 2_700_000,
          "startTime": "01/11/24 18:00:00"}],
    )  # fmt: skip
    dump(
        folder / "demographic_vo2_max-2024-01-10.json",
        [{"dateTime": "01/10/24 00:00:00", "value": {"demographicVO2Max": 44.1}}],
    )
    dump(
        folder / "time_in_heart_rate_zones-2024-01-10.json",
        [{"dateTime": "01/10/24 00:00:00", "value": {"valuesInZones": {}}}],
    )
    dump(folder / "badge.json", [{"encodedId": "228TQ4", "badgeType": "DAILY_STEPS"}])
    (folder / "estimated_oxygen_variation-2024-01-10.csv").write_text(
        "timestamp,Infrared to Red Signal Ratio\n01/10/24 00:00:00,1\n", encoding="utf-8"
    )
    dump(folder / "renamed.json", [{"dateTime": "01/10/24 00:00:00", "value": "9"}])
    log = read_log(folder)
    assert len(log.tags) == 2
    assert log.daily.set_index("date").loc["2024-01-11", "heavy_lifting"]
    notes = log.provenance.set_index(log.provenance["file"].map(lambda f: Path(f).name))["note"]
    assert "not used by the analysis" in notes["demographic_vo2_max-2024-01-10.json"]
    assert "not used by the analysis" in notes["time_in_heart_rate_zones-2024-01-10.json"]
    assert "not a supported export" in notes["estimated_oxygen_variation-2024-01-10.csv"]
    assert "original name" in notes["renamed.json"]
    named = notes.drop("renamed.json")
    assert not named.str.contains("original name").any()
    # Alone, a file whose name says nothing is refused with the reason.
    with pytest.raises(LogFormatError, match=r"renamed\.json.*original name"):
        read_log(folder / "renamed.json")
    # An exercise log under any name is read: its entries say what it is.
    shutil.copy(folder / "exercise-0.json", tmp_path / "my walks.json")
    assert read_log(tmp_path / "my walks.json").tags["tag"].tolist() == ["Walk"]


def test_newer_csvs_alone(tmp_path: Path) -> None:
    folder = tmp_path / "Physical Activity_GoogleData"
    folder.mkdir()
    minutes = ["2024-10-01T22:00:00Z", "2024-10-02T08:00:00Z", "2024-10-02T08:01:00Z",
               "2024-10-02T21:59:00Z", "2024-10-03T05:00:00Z"]  # fmt: skip
    steps = [1, 50, 60, 7, 3]
    flags = ["1,0,0", "0,1,0", "0,0,1", "1,0,0", "0,0,1"]
    rows = "".join(f"{m},{n}\n" for m, n in zip(minutes, steps, strict=True))
    (folder / "steps_2024-10-01.csv").write_text(f"timestamp,steps\n{rows}", encoding="utf-8")
    rows = "".join(f"{m},{a}\n" for m, a in zip(minutes, flags, strict=True))
    (folder / "active_minutes_2024-10-01.csv").write_text(
        f"timestamp,light,moderate,very\n{rows}", encoding="utf-8"
    )
    (folder / "sedentary_period_2024-10-01.csv").write_text(
        "start time,end time\n2024-10-02T09:00:00Z,2024-10-02T10:00:00Z\n", encoding="utf-8"
    )
    log = read_log(folder, timezone=BERLIN)
    # Berlin is UTC+2 in October: 22:00Z on 1 Oct is 00:00 on 2 Oct, 21:59Z is 23:59.
    daily = log.daily.set_index("date")
    assert daily.index.tolist() == [pd.Timestamp("2024-10-02")]
    assert daily.loc["2024-10-02", "steps_count"] == 1 + 50 + 60 + 7
    assert daily.loc["2024-10-02", "exercise_min"] == 2
    assert pd.isna(daily.loc["2024-10-02", "sitting_h"])  # sedentary periods are not sitting
    reasons = log.not_analysed.set_index(log.not_analysed["file"].map(lambda f: Path(f).name))
    assert "not the day's sitting" in reasons.loc["sedentary_period_2024-10-01.csv", "reason"]
    part_day = reasons.loc["steps_2024-10-01.csv", "reason"]
    assert "covers only in part" in part_day  # 05:00Z on 3 Oct: 07:00, a day begun only


def test_hostile_json_is_a_clear_error_or_rejected_rows(tmp_path: Path) -> None:
    deep = tmp_path / "steps-2024-01-01.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(LogFormatError, match=r"steps-2024-01-01.json.*nests too deeply"):
        fitbit.read(deep)
    big = tmp_path / "sedentary_minutes-2024-01-01.json"
    big.write_text(
        '[{"dateTime":"01/10/24 00:00:00","value":' + "9" * 5000 + "},"
        '{"dateTime":"01/11/24 00:00:00","value":"600"},'
        '{"dateTime":"01/12/69 00:00:00","value":"600"},'
        '{"dateTime":"01/13/24 00:00:00","value":NaN}]',
        encoding="utf-8",
    )
    log = fitbit.read(big)
    assert log.daily["sitting_h"].tolist() == [10.0]
    reasons = log.rejected.set_index("line")["reason"]
    assert "5000 characters long" in reasons[1]
    assert "1969-01-12 is before 1980-01-01" in reasons[3]
    assert "not a finite number" in reasons[4]
    assert set(log.rejected["file"]) == {str(big)}
    sleep = dump(
        tmp_path / "sleep-2024-01-01.json",
        [{"logId": 1, "dateOfSleep": "9999-01-01", "minutesAsleep": 400},
         {"logId": 2, "dateOfSleep": "0001-01-01", "minutesAsleep": 400}],
    )  # fmt: skip
    reasons = fitbit.read(sleep).rejected["reason"].tolist()
    assert "9999-01-01 is in the future" in reasons[0]
    assert "0001-01-01 is before" in reasons[1]


def test_unknown_zone_names_it(tmp_path: Path, person: Log, takeout: list[Path]) -> None:
    with pytest.raises(LogFormatError, match="unknown time zone 'Mars/Olympus'"):
        read_log(takeout, timezone="Mars/Olympus")
    folder = tmp_path / "Takeout" / "Fitbit"
    write_fitbit(person, folder / "Global Export Data")
    profile = folder / "Your Profile" / "Profile.csv"
    profile.parent.mkdir()
    profile.write_text("id,display_name,timezone\nX,Sam,Europe/Atlantis\n", encoding="utf-8")
    with pytest.raises(LogFormatError, match=r"Profile.csv: unknown time zone 'Europe/Atlantis'"):
        read_log(folder)


def _patch_zip(path: Path, *, method: int | None = None, flags: int | None = None) -> None:
    """Set the compression method / flag bits of every member, local and central."""
    data = bytearray(path.read_bytes())
    for signature, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        start = 0
        while (at := data.find(signature, start)) >= 0:
            if flags is not None:
                struct.pack_into("<H", data, at + flag_at, flags)
            if method is not None:
                struct.pack_into("<H", data, at + method_at, method)
            start = at + 4
    path.write_bytes(bytes(data))


def test_unsafe_zips_are_refused(tmp_path: Path) -> None:
    member = "Takeout/Fitbit/Global Export Data/steps-2024-01-01.json"
    body = '[{"dateTime":"01/10/24 00:00:00","value":"5"}]'

    def make(name: str, member_name: str = member) -> Path:
        path = tmp_path / name
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr(member_name, body)
        return path

    climbing = make("climb.zip", "Takeout/Fitbit/../../../etc/steps-2024-01-01.json")
    with pytest.raises(LogFormatError, match="points outside the archive"):
        read_log(climbing)
    encrypted = make("encrypted.zip")
    _patch_zip(encrypted, flags=0x1)
    with pytest.raises(LogFormatError, match="encrypted"):
        read_log(encrypted)
    deflate64 = make("deflate64.zip")
    _patch_zip(deflate64, method=9)
    with pytest.raises(LogFormatError, match="compressed with method 9"):
        read_log(deflate64)
    cut = make("cut.zip")
    cut.write_bytes(cut.read_bytes()[:-30])
    with pytest.raises(LogFormatError):
        read_log(cut)
    crc = make("crc.zip")
    crc.write_bytes(crc.read_bytes().replace(b'"value":"5"', b'"value":"6"'))
    with pytest.raises(LogFormatError, match="cannot be read from the zip"):
        read_log(crc)
