"""Apple Health reader: daily rules, de-duplication, time zones, bad and hostile input, and
equivalence of the fast scan with the full XML parse."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backcare_analysis.readers import apple_health, read_log
from backcare_analysis.readers._common import read_head
from backcare_analysis.readers.spreadsheet import sniff as spreadsheet_sniff
from backcare_analysis.schema import LogFormatError
from backcare_analysis.synthetic.person import Person, simulate_person
from backcare_analysis.synthetic.writers.apple_health import write_apple_health

Q, C = "HKQuantityTypeIdentifier", "HKCategoryTypeIdentifier"
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    "<!DOCTYPE HealthData [\n<!ELEMENT HealthData ANY>\n"
    "<!ATTLIST HealthData\n  locale CDATA #REQUIRED\n]>\n"
    '<HealthData locale="en_US">\n <ExportDate value="2025-01-06 08:00:00 +0100"/>\n'
)
TAIL = "</HealthData>\n"


def rec(
    type_: str,
    value: str,
    start: str,
    end: str | None = None,
    *,
    source: str = "Watch",
    unit: str | None = None,
) -> str:
    """One record line in Apple's attribute order."""
    unit_attr = f' unit="{unit}"' if unit is not None else ""
    end = end or start
    return (
        f' <Record type="{type_}" sourceName="{source}" sourceVersion="9.1" '
        f'device="&lt;&lt;HKDevice: 0x1&gt;, name:Apple Watch&gt;"{unit_attr} '
        f'creationDate="{end}" startDate="{start}" endDate="{end}" value="{value}"/>\n'
    )


def workout(kind: str, minutes: float, start: str, end: str) -> str:
    return (
        f' <Workout workoutActivityType="HKWorkoutActivityType{kind}" duration="{minutes}" '
        f'durationUnit="min" sourceName="Watch" sourceVersion="9.1" creationDate="{end}" '
        f'startDate="{start}" endDate="{end}">\n'
        f'  <WorkoutStatistics type="{Q}StepCount" startDate="{start}" endDate="{end}" '
        'sum="4000" unit="count"/>\n </Workout>\n'
    )


def write(folder: Path, body: str, *, name: str = "export.xml", head: str = HEAD) -> Path:
    path = folder / name
    path.write_bytes((head + body + TAIL).encode("utf-8"))
    return path


def both(path: Path, **options: object) -> pd.DataFrame:
    """Read with both parsers, check they agree, return the daily table indexed by date."""
    fast = apple_health.read(path, **options)  # type: ignore[arg-type]
    full = apple_health.read(path, xml_parser="full", **options)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(fast.daily, full.daily)
    pd.testing.assert_frame_equal(fast.episodes, full.episodes)
    pd.testing.assert_frame_equal(fast.rejected, full.rejected)
    return fast.daily.set_index("date")


def steps(day: str, value: int, source: str = "Watch", hour: int = 9) -> str:
    t = f"{day} {hour:02d}:00:00 +0100"
    return rec(f"{Q}StepCount", str(value), t, t, source=source, unit="count")


# --- the bundled writer round-trips ---------------------------------------------------


@pytest.fixture(scope="module")
def person() -> object:
    return simulate_person(Person(days=45), seed=7)


@pytest.fixture(scope="module")
def export_zip(tmp_path_factory: pytest.TempPathFactory, person: object) -> Path:
    folder = tmp_path_factory.mktemp("apple")
    return write_apple_health(person, folder / "export.zip", seed=3)  # type: ignore[arg-type]


def test_simulated_export_round_trips(export_zip: Path, person: object) -> None:
    log = apple_health.read(export_zip)
    truth = person.daily.set_index("date")  # type: ignore[attr-defined]
    got = log.daily.set_index("date")
    assert list(got.index) == list(truth.index)
    for column in ("stand_hours_count", "exercise_min", "steps_count", "water_ml", "sleep_h"):
        pd.testing.assert_series_equal(
            got[column].astype(float), truth[column].astype(float), check_exact=False, atol=1e-6
        )
    stretching = got["stretching_min"].dropna()
    assert (stretching == truth.loc[stretching.index, "stretching_min"]).all()
    lifting = got["heavy_lifting"].dropna()
    assert (lifting == truth.loc[lifting.index, "heavy_lifting"]).all()
    assert got["sitting_h"].isna().all()
    assert got["symptoms_logged"].all()
    assert got["activity_logged"].all()
    prov = log.provenance.iloc[0]
    # Other types (heart rate, ...) and records inside <Correlation> are not analysed.
    assert prov["rows_not_analysed"] > 0
    assert (
        prov["rows_used"] + prov["rows_not_analysed"] + prov["rows_rejected"] == (prov["rows_read"])
    )
    assert prov["rows_rejected"] == 0
    assert "inside <Correlation> skipped" in prov["note"]


def test_read_log_detects_zip_with_localised_member(tmp_path: Path, person: object) -> None:
    path = write_apple_health(
        person, tmp_path / "Export.zip", member="apple_health_export/导出.xml"
    )  # type: ignore[arg-type]
    log = read_log(path)
    assert log.provenance["source"].tolist() == ["apple_health"]
    assert len(log.daily) == len(person.daily)  # type: ignore[attr-defined]


def test_bare_xml_under_any_name_and_valid_dtd(tmp_path: Path, person: object) -> None:
    path = write_apple_health(person, tmp_path / "health.txt", zipped=False, dtd="valid")  # type: ignore[arg-type]
    assert apple_health.sniff(read_head(path))
    assert len(read_log(path).daily) == len(person.daily)  # type: ignore[attr-defined]


# --- daily rules ------------------------------------------------------------------------


def test_steps_take_one_source_never_the_sum(tmp_path: Path) -> None:
    body = (
        steps("2025-01-06", 6000, "Watch")
        + steps("2025-01-06", 800, "Watch", hour=10)
        + steps("2025-01-06", 5000, "iPhone")
        + steps("2025-01-07", 1000, "Watch")
        + steps("2025-01-07", 4000, "iPhone")  # Watch off: the phone saw more
        + workout("Walking", 30, "2025-01-06 18:00:00 +0100", "2025-01-06 18:30:00 +0100")
    )
    daily = both(write(tmp_path, body))
    assert daily["steps_count"].tolist() == [6800, 4000]


def test_correlation_records_are_not_counted_twice(tmp_path: Path) -> None:
    t = "2025-01-06 08:00:00 +0100"
    water = rec(f"{Q}DietaryWater", "250", t, unit="mL", source="Food app")
    body = (
        water + f' <Correlation type="HKCorrelationTypeIdentifierFood" sourceName="Food app" '
        f'creationDate="{t}" startDate="{t}" endDate="{t}">\n'
        + "  "
        + water.lstrip()
        + " </Correlation>\n"
    )
    daily = both(write(tmp_path, body))
    assert daily["water_ml"].tolist() == [250.0]


def test_water_units_convert(tmp_path: Path) -> None:
    t = "2025-01-06 {:02d}:00:00 +0100"
    body = (
        rec(f"{Q}DietaryWater", "300", t.format(8), unit="mL", source="a")
        + rec(f"{Q}DietaryWater", "0.5", t.format(9), unit="L", source="a")
        + rec(f"{Q}DietaryWater", "8", t.format(10), unit="fl_oz_us", source="a")
    )
    daily = both(write(tmp_path, body))
    assert daily["water_ml"].iloc[0] == pytest.approx(300 + 500 + 8 * 29.5735295625, abs=0.05)


def test_bad_values_are_rejected_with_line_and_reason(tmp_path: Path) -> None:
    t = "2025-01-06 09:00:00 +0100"
    body = (
        rec(f"{Q}DietaryWater", "300", t, unit="gallon_x", source="a")  # line 9
        + rec(f"{Q}DietaryWater", "40", t, unit="L", source="a")  # line 10
        + rec(f"{Q}DietaryWater", "abc", t, unit="mL", source="a")  # line 11
        + rec(f"{Q}StepCount", "100", "2025-13-40 09:00:00 +0100", unit="count")  # line 12
        + rec(f"{Q}StepCount", "100", "yesterday", unit="count")  # line 13
        + rec(f"{Q}DietaryWater", "500", t, unit="mL", source="a")  # line 14
    )
    log = apple_health.read(write(tmp_path, body))
    rejected = log.rejected.set_index("line")["reason"]
    assert "unknown unit 'gallon_x'" in rejected[9]
    assert "implausible" in rejected[10]
    assert "not a number" in rejected[11]
    assert "not a date" in rejected[12]
    assert "not a date" in rejected[13]
    assert log.daily["water_ml"].tolist() == [500.0]
    prov = log.provenance.iloc[0]
    assert (prov["rows_read"], prov["rows_used"], prov["rows_rejected"]) == (6, 1, 5)


def test_implausible_daily_total_rejects_the_day(tmp_path: Path) -> None:
    body = "".join(
        rec(f"{Q}DietaryWater", "5", f"2025-01-06 {h:02d}:00:00 +0100", unit="L", source="a")
        for h in (8, 9, 10, 11)
    ) + rec(f"{Q}DietaryWater", "1", "2025-01-07 08:00:00 +0100", unit="L", source="a")
    log = apple_health.read(write(tmp_path, body))
    assert log.daily["water_ml"].tolist() == [1000.0]
    assert log.rejected["reason"].str.contains("outside the plausible range").sum() == 4


def test_exact_duplicates_count_once(tmp_path: Path) -> None:
    body = steps("2025-01-06", 500) + steps("2025-01-06", 500) + steps("2025-01-06", 700, hour=11)
    log = apple_health.read(write(tmp_path, body))
    assert log.daily["steps_count"].tolist() == [1200]
    assert log.rejected["reason"].tolist() == ["duplicate of the record on line 9"]
    assert log.rejected["line"].tolist() == [10]


def sleep(start: str, end: str, stage: str = "AsleepCore", source: str = "Watch") -> str:
    return rec(
        f"{C}SleepAnalysis", f"HKCategoryValueSleepAnalysis{stage}", start, end, source=source
    )


def test_sleep_counts_for_the_morning_it_ends_without_double_counting(tmp_path: Path) -> None:
    body = (
        sleep("2025-01-06 23:00:00 +0100", "2025-01-07 02:00:00 +0100")
        + sleep("2025-01-07 02:00:00 +0100", "2025-01-07 02:30:00 +0100", "Awake")
        + sleep("2025-01-07 02:30:00 +0100", "2025-01-07 06:30:00 +0100", "AsleepDeep")
        + sleep("2025-01-07 03:00:00 +0100", "2025-01-07 04:00:00 +0100", "AsleepREM")  # inside
        + sleep("2025-01-06 22:30:00 +0100", "2025-01-07 07:00:00 +0100", "InBed", "iPhone")
        + sleep("2025-01-06 23:30:00 +0100", "2025-01-07 05:30:00 +0100", "Asleep", "AutoSleep")
        + sleep("2025-01-07 14:00:00 +0100", "2025-01-07 14:30:00 +0100")  # a nap
        + sleep("2025-01-07 19:00:00 +0100", "2025-01-07 19:30:00 +0100")  # evening: next day
    )
    daily = both(write(tmp_path, body))
    assert daily.loc["2025-01-07", "sleep_h"] == pytest.approx(3 + 4 + 0.5)
    assert daily.loc["2025-01-08", "sleep_h"] == pytest.approx(0.5)
    assert "2025-01-06" not in daily.index


def test_daylight_saving_night_is_measured_in_real_time(tmp_path: Path) -> None:
    body = sleep("2025-03-29 23:00:00 +0100", "2025-03-30 07:00:00 +0200")
    daily = both(write(tmp_path, body))
    assert daily.loc["2025-03-30", "sleep_h"] == pytest.approx(7.0)


def test_travel_keeps_the_local_calendar_day(tmp_path: Path) -> None:
    body = (
        steps("2025-05-01", 100)
        + rec(f"{Q}StepCount", "900", "2025-05-01 23:30:00 -0500", unit="count")  # New York
        + rec(f"{Q}StepCount", "50", "2025-05-02 06:30:00 +0900", unit="count")  # Tokyo
    )
    daily = both(write(tmp_path, body))
    assert daily["steps_count"].to_dict() == {
        pd.Timestamp("2025-05-01"): 1000.0,
        pd.Timestamp("2025-05-02"): 50.0,
    }


def stand(day: str, hour: int, stood: bool) -> str:
    start, end = f"{day} {hour:02d}:00:00 +0100", f"{day} {hour + 1:02d}:00:00 +0100"
    value = "HKCategoryValueAppleStandHour" + ("Stood" if stood else "Idle")
    return rec(f"{C}AppleStandHour", value, start, end)


def summary(day: str, exercise: int, stand_hours: int) -> str:
    return (
        f' <ActivitySummary dateComponents="{day}" activeEnergyBurned="300" '
        f'appleExerciseTime="{exercise}" appleStandHours="{stand_hours}"/>\n'
    )


def test_stand_hours_exercise_and_activity_summaries(tmp_path: Path) -> None:
    minute = rec(f"{Q}AppleExerciseTime", "1", "2025-01-06 17:00:00 +0100", unit="min")
    body = (
        stand("2025-01-06", 9, True)
        + stand("2025-01-06", 10, False)
        + stand("2025-01-06", 11, True)
        + stand("2025-01-07", 9, False)
        + minute
        + rec(f"{Q}AppleExerciseTime", "1", "2025-01-06 17:01:00 +0100", unit="min")
        + summary("2025-01-06", 2, 2)
        + summary("2025-01-08", 25, 9)  # no records that day: the rings fill in
        + summary("2025-01-09", 0, 0)  # Watch not worn: nothing known
    )
    daily = both(write(tmp_path, body))
    assert daily["stand_hours_count"].to_dict() == {
        pd.Timestamp("2025-01-06"): 2.0,
        pd.Timestamp("2025-01-07"): 0.0,
        pd.Timestamp("2025-01-08"): 9.0,
    }
    assert daily["exercise_min"].tolist() == [2.0, 0.0, 25.0]


def test_workouts_give_stretching_and_lifting_within_their_span(tmp_path: Path) -> None:
    def t(day: int, hour: int) -> str:
        return f"2025-01-{day:02d} {hour:02d}:00:00 +0100"

    body = (
        "".join(steps(f"2025-01-{d:02d}", 1000) for d in range(5, 12))
        + workout("Yoga", 20, t(6, 7), t(6, 8))
        + workout("Pilates", 15.5, t(6, 18), t(6, 19))
        + workout("TraditionalStrengthTraining", 45, t(7, 18), t(7, 19))
        + workout("FunctionalStrengthTraining", 30, t(9, 18), t(9, 19))
        + workout("Flexibility", 10, t(10, 7), t(10, 8))
        + workout("Running", 30, t(8, 7), t(8, 8))
    )
    daily = both(write(tmp_path, body))
    stretching = daily["stretching_min"]
    assert stretching.isna().tolist() == [True, False, False, False, False, False, True]
    assert stretching.dropna().tolist() == [35.5, 0, 0, 0, 10]
    lifting = daily["heavy_lifting"]
    assert lifting.isna().tolist() == [True, True, False, False, False, True, True]
    assert lifting.dropna().tolist() == [True, False, True]


def pain(severity: str, start: str, end: str) -> str:
    return rec(
        f"{C}LowerBackPain", f"HKCategoryValueSeverity{severity}", start, end, source="iPhone"
    )


def test_back_pain_records_become_episodes_and_daily_pain(tmp_path: Path) -> None:
    body = (
        steps("2025-01-05", 1000)
        + pain("NotPresent", "2025-01-06 08:00:00 +0100", "2025-01-06 08:00:00 +0100")
        + pain("Severe", "2025-01-07 09:00:00 +0100", "2025-01-07 12:00:00 +0100")
        + pain("Moderate", "2025-01-08 09:00:00 +0100", "2025-01-09 00:00:00 +0100")
        + pain("Mild", "2025-01-12 09:00:00 +0100", "2025-01-12 10:00:00 +0100")
        + pain("Unspecified", "2025-01-20 09:00:00 +0100", "2025-01-20 10:00:00 +0100")
    )
    path = write(tmp_path, body)
    log = apple_health.read(path)
    daily = log.daily.set_index("date")
    assert not daily.loc["2025-01-05", "symptoms_logged"]  # activity alone: not a diary day
    assert daily["symptoms_logged"].sum() == 5
    assert "2025-01-09" not in daily.index  # the Moderate record ends at midnight
    pain_max = daily["pain_max_0_10"]
    assert pain_max.loc["2025-01-06":"2025-01-12"].tolist() == [0.0, 9.0, 6.0, 3.0]
    assert pd.isna(pain_max.loc["2025-01-20"])  # "Present": pain, severity unknown
    episodes = log.episodes
    assert episodes["start_local"].dt.strftime("%m-%d %H").tolist() == ["01-07 09", "01-20 09"]
    assert episodes["peak_severity_0_10"].iloc[0] == 9.0
    assert pd.isna(episodes["peak_severity_0_10"].iloc[1])
    assert episodes["start_utc_offset_min"].tolist() == [60, 60]
    assert log.parameters == {"threshold_0_10": 4.0, "gap_h": 48.0}
    # A lower threshold lets the mild day in; a short gap splits the first run.
    low = apple_health.read(path, threshold_0_10=3, gap_h=12)
    assert len(low.episodes) == 4


def test_date_range_and_progress_bar(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = "".join(steps(f"2025-01-{d:02d}", 100 * d) for d in range(1, 10))
    log = apple_health.read(
        write(tmp_path, body), date_from="2025-01-03", date_to="2025-01-04", progress=True
    )
    assert log.daily["steps_count"].tolist() == [300, 400]
    # Records outside the dates are read and not analysed (every element is accounted for).
    prov = log.provenance.iloc[0]
    assert (prov["rows_read"], prov["rows_used"], prov["rows_not_analysed"]) == (9, 2, 7)
    assert "7 records outside date_from/date_to skipped" in log.provenance["note"].iloc[0]
    out = capsys.readouterr()
    assert out.out == ""
    assert "export.xml" in out.err
    with pytest.raises(LogFormatError, match="date_from='soon'"):
        apple_health.read(write(tmp_path, body), date_from="soon")


@settings(max_examples=40, deadline=None)
@given(
    # Days after today are implausible and rejected (readers._common.implausible_day).
    day=st.dates(
        min_value=pd.Timestamp("2000-01-01").date(), max_value=pd.Timestamp("2025-12-31").date()
    ),
    hour=st.integers(0, 23),
    offset_min=st.integers(-12 * 60, 14 * 60).map(lambda m: m - m % 15),
)
def test_property_a_record_lands_on_its_local_day(
    tmp_path_factory: pytest.TempPathFactory, day: object, hour: int, offset_min: int
) -> None:
    sign = "+" if offset_min >= 0 else "-"
    stamp = f"{day} {hour:02d}:30:00 {sign}{abs(offset_min) // 60:02d}{abs(offset_min) % 60:02d}"
    body = rec(f"{Q}StepCount", "42", stamp, unit="count")
    daily = both(write(tmp_path_factory.mktemp("p"), body))
    assert daily.index.tolist() == [pd.Timestamp(str(day))]


@settings(max_examples=40, deadline=None)
@given(
    drinks=st.lists(
        st.tuples(st.sampled_from(["mL", "L", "fl_oz_us", "cup_us"]), st.integers(1, 400)),
        min_size=1,
        max_size=8,
    )
)
def test_property_water_units_add_up(
    tmp_path_factory: pytest.TempPathFactory, drinks: list[tuple[str, int]]
) -> None:
    per_unit = {"mL": 1.0, "L": 1000.0, "fl_oz_us": 29.5735295625, "cup_us": 236.5882365}
    body, expected = "", 0.0
    for i, (unit, ml) in enumerate(drinks):
        value = ml / per_unit[unit]
        expected += value * per_unit[unit]
        body += rec(
            f"{Q}DietaryWater",
            repr(value),
            f"2025-01-06 08:{i:02d}:00 +0100",
            unit=unit,
            source="a",
        )
    daily = both(write(tmp_path_factory.mktemp("w"), body))
    assert daily["water_ml"].iloc[0] == pytest.approx(round(expected, 1), abs=0.051)


# --- bad and hostile input -------------------------------------------------------------------


def test_truncated_export_says_it_is_incomplete(tmp_path: Path, person: object) -> None:
    full = write_apple_health(person, tmp_path / "x.xml", zipped=False).read_bytes()  # type: ignore[arg-type]
    cut = tmp_path / "cut.xml"
    cut.write_bytes(full[: len(full) // 2])
    for parser in ("fast", "full"):
        with pytest.raises(
            LogFormatError, match=r"ends in the middle \(line \d+, byte \d+\).*Export again"
        ):
            apple_health.read(cut, xml_parser=parser)  # type: ignore[arg-type]


def test_damaged_and_foreign_zips(tmp_path: Path, export_zip: Path) -> None:
    damaged = tmp_path / "damaged.zip"
    data = bytearray(export_zip.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = b"\0" * 64
    damaged.write_bytes(bytes(data))
    with pytest.raises(LogFormatError, match=r"damaged|cannot be read"):
        apple_health.read(damaged)
    other = tmp_path / "photos.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("photos/readme.xml", "<?xml version='1.0'?><album/>")
    with pytest.raises(LogFormatError, match="holds no Apple Health export"):
        apple_health.read(other)
    assert not apple_health.sniff(read_head(other))


def test_empty_export(tmp_path: Path) -> None:
    with pytest.raises(LogFormatError, match="holds no records"):
        apple_health.read(write(tmp_path, ""))


def test_wrong_source_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, steps("2025-01-06", 10))
    with pytest.raises(LogFormatError, match=r"source='fitbit'.*apple_health"):
        read_log(path, source="fitbit")


def test_control_characters_and_broken_dtd_are_survived(tmp_path: Path, person: object) -> None:
    path = write_apple_health(person, tmp_path / "x.xml", zipped=False, dtd="ios16")  # type: ignore[arg-type]
    text = path.read_text(encoding="utf-8")
    assert "<!ATTLIST WorkoutActivity" in text
    damaged = text.replace("Apple Watch", "Apple\x0bWatch")
    path.write_text(damaged, encoding="utf-8")
    daily = both(path)
    assert len(daily) == len(person.daily)  # type: ignore[attr-defined]


def test_external_entity_is_refused_unread(tmp_path: Path) -> None:
    head = (
        '<?xml version="1.0"?>\n<!DOCTYPE HealthData [\n'
        '<!ENTITY secret SYSTEM "file:///etc/passwd">\n]>\n<HealthData locale="en">\n'
    )
    body = rec(f"{Q}StepCount", "&secret;", "2025-01-06 08:00:00 +0100", unit="count")
    path = write(tmp_path, body, head=head)
    for parser in ("fast", "full"):
        with pytest.raises(LogFormatError, match="line 3: the file declares XML entities"):
            apple_health.read(path, xml_parser=parser)  # type: ignore[arg-type]


def test_entity_bomb_is_refused_fast(tmp_path: Path) -> None:
    lol = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    head = (
        '<?xml version="1.0"?>\n<!DOCTYPE HealthData [\n' + "\n".join(lol) + "\n]>\n<HealthData>\n"
    )
    path = write(tmp_path, ' <Me name="&lol9;"/>\n', head=head)
    start = time.perf_counter()
    with pytest.raises(LogFormatError, match="declares XML entities"):
        apple_health.read(path)
    assert time.perf_counter() - start < 2


def test_entity_reference_without_declaration_is_an_error(tmp_path: Path) -> None:
    head = '<?xml version="1.0"?>\n<HealthData locale="en">\n'
    body = rec(f"{Q}StepCount", "1", "2025-01-06 08:00:00 +0100", source="&lol9;", unit="count")
    path = write(tmp_path, body, head=head)
    for parser in ("fast", "full"):
        with pytest.raises(LogFormatError, match="undefined XML entity"):
            apple_health.read(path, xml_parser=parser)  # type: ignore[arg-type]


def test_xml_that_is_not_a_health_export(tmp_path: Path) -> None:
    path = tmp_path / "cda.xml"
    path.write_text('<?xml version="1.0"?>\n<ClinicalDocument><HealthData/></ClinicalDocument>\n')
    with pytest.raises(LogFormatError, match="root element is <ClinicalDocument>"):
        apple_health.read(path)


# --- the fast scan never changes the result -------------------------------------------------

_DAY = "2025-01-06 {:02d}:00:00 +0100"
VARIANTS = {
    "split across lines": (
        f' <Record type="{Q}StepCount" sourceName="Watch"\n   unit="count" '
        f'startDate="{_DAY.format(8)}" endDate="{_DAY.format(8)}" value="111"/>\n',
        True,
    ),
    "escaped value": (
        rec(f"{Q}StepCount", "222", _DAY.format(9), source="Fit &amp; Well&#x21;", unit="count"),
        False,
    ),
    "char ref in the type": (
        rec("HKQuantityTypeIdentifier&#83;tepCount", "333", _DAY.format(10), unit="count"),
        False,
    ),
    "unknown record type": (rec(f"{Q}NewThingIn2030", "5", _DAY.format(11)), False),
    "attributes in another order": (
        f' <Record sourceName="Watch" type="{Q}StepCount" unit="count" '
        f'startDate="{_DAY.format(12)}" endDate="{_DAY.format(12)}" value="444"/>\n',
        False,
    ),
    "single quotes and a tab": (
        f" <Record type='{Q}StepCount' sourceName='Wa\ttch' unit='count' "
        f"startDate='{_DAY.format(13)}' endDate='{_DAY.format(13)}' value='555'/>\n",
        False,
    ),
    "two records on one line": (
        steps("2025-01-06", 66, hour=14).rstrip("\n") + steps("2025-01-06", 77, hour=15),
        False,
    ),
    "a comment": (" <!-- exported by hand -->\n" + steps("2025-01-06", 88, hour=16), True),
    "an extra attribute": (
        steps("2025-01-06", 99, hour=17).replace(' unit="', ' note="x" unit="'),
        False,
    ),
    "two spaces between attributes": (
        steps("2025-01-06", 111, hour=18).replace(' unit="', '  unit="'),
        False,
    ),
    "a control character in a value used": (
        steps("2025-01-06", 122, hour=19).replace('sourceName="Watch"', 'sourceName="Wa\x0btch"'),
        False,
    ),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_fast_scan_equals_full_parse(tmp_path: Path, variant: str) -> None:
    extra, falls_back = VARIANTS[variant]
    body = "".join(steps("2025-01-0" + str(d), 1000 + d) for d in range(1, 6)) + extra
    body += pain("Severe", _DAY.format(20), _DAY.format(22))
    path = write(tmp_path, body)
    fast = apple_health.read(path)
    assert ("fell back" in fast.provenance["note"].iloc[0]) is falls_back
    both(path)


@pytest.mark.parametrize("zipped", [False, True])
@pytest.mark.parametrize("block", [4096, 65_536])
def test_fast_scan_across_many_small_blocks(
    tmp_path: Path, person: object, monkeypatch: pytest.MonkeyPatch, zipped: bool, block: int
) -> None:
    path = write_apple_health(person, tmp_path / "export.x", zipped=zipped, noise=0.3, seed=9)  # type: ignore[arg-type]
    reference = apple_health.read(path, xml_parser="full")
    monkeypatch.setattr(apple_health, "BLOCK_BYTES", block)
    fast = apple_health.read(path)
    assert "fast scan of the one-record" in fast.provenance["note"].iloc[0]
    pd.testing.assert_frame_equal(fast.daily, reference.daily)
    pd.testing.assert_frame_equal(fast.episodes, reference.episodes)
    assert fast.provenance["rows_read"].tolist() == reference.provenance["rows_read"].tolist()


def test_windows_line_endings(tmp_path: Path, person: object) -> None:
    path = write_apple_health(person, tmp_path / "export.xml", zipped=False, noise=0.1)  # type: ignore[arg-type]
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    daily = both(path)
    assert len(daily) == len(person.daily)  # type: ignore[attr-defined]


def test_fast_scan_equals_full_parse_on_a_noisy_export(tmp_path: Path, person: object) -> None:
    path = write_apple_health(person, tmp_path / "export.zip", noise=0.3, seed=5)  # type: ignore[arg-type]
    log = apple_health.read(path)
    assert "fast scan of the one-record" in log.provenance["note"].iloc[0]
    both(path)


# --- detection --------------------------------------------------------------------------------


def test_sniff_rejects_the_other_formats_and_is_rejected_by_them(
    tmp_path: Path, sample_dir: Path, export_zip: Path, person: object
) -> None:
    from backcare_analysis.readers import fitbit, google_fit
    from backcare_analysis.synthetic.writers.fitbit import write_fitbit
    from backcare_analysis.synthetic.writers.google_fit import write_google_fit

    others = [*sorted((sample_dir / "spreadsheet").glob("*.csv"))]
    others += write_fitbit(person, tmp_path / "fitbit")  # type: ignore[arg-type]
    others.append(write_google_fit(person, tmp_path / "Daily activity metrics.csv"))  # type: ignore[arg-type]
    for path in others:
        assert not apple_health.sniff(read_head(path)), path
    xml = write_apple_health(person, tmp_path / "export.xml", zipped=False)  # type: ignore[arg-type]
    for path in (export_zip, xml):
        head = read_head(path)
        assert apple_health.sniff(head)
        assert not spreadsheet_sniff(head)
        assert not fitbit.sniff(head)
        assert not google_fit.sniff(head)


def test_writer_is_deterministic(tmp_path: Path, person: object) -> None:
    first = write_apple_health(person, tmp_path / "a.zip", seed=4)  # type: ignore[arg-type]
    second = write_apple_health(person, tmp_path / "b.zip", seed=4)  # type: ignore[arg-type]
    assert first.read_bytes() == second.read_bytes()


def test_workouts_are_tags_with_the_tag_maps_meaning(tmp_path: Path) -> None:
    """Every workout is also a tag (category "workout", tag = its activity type, meaning
    from readers/tagmap.py), accounted the same way as a diary's tags; the minutes stay."""

    def t(day: int, hour: int) -> str:
        return f"2025-01-{day:02d} {hour:02d}:00:00 +0100"

    body = (
        "".join(steps(f"2025-01-{d:02d}", 1000) for d in range(5, 10))
        + workout("Powerlifting", 40, t(6, 18), t(6, 19))  # line 14
        + workout("CoreTraining", 15, t(7, 7), t(7, 8))
        + workout("Yoga", 20, t(7, 19), t(7, 20))
        + workout("TraditionalStrengthTraining", 45, t(8, 18), t(8, 19))
    )
    path = write(tmp_path, body)
    log = apple_health.read(path)
    assert log.tags[["tag", "kind", "category"]].values.tolist() == [
        ["Powerlifting", "exercise", "workout"],
        ["CoreTraining", "stretching", "workout"],
        ["Yoga", "stretching", "workout"],
        ["TraditionalStrengthTraining", "exercise", "workout"],
    ]
    assert log.tags["date"].dt.day.tolist() == [6, 7, 7, 8]
    assert log.tags["time_local"].dt.hour.tolist() == [18, 7, 19, 18]
    assert log.tags["source_line"].tolist() == [14, 17, 20, 23]  # 8 head + 5 step lines
    full = apple_health.read(path, xml_parser="full")
    pd.testing.assert_frame_equal(log.tags, full.tags)
    # Minutes as before: CoreTraining and Yoga are stretching minutes; strength workouts
    # keep heavy_lifting (the bundled sample's documented verdicts rest on it).
    daily = log.daily.set_index("date")
    assert daily["stretching_min"].dropna().tolist() == [35]
    assert daily["heavy_lifting"].dropna().tolist() == [True]
    prov = log.provenance.iloc[0]
    assert (prov["rows_read"], prov["rows_used"], prov["rows_not_analysed"]) == (9, 9, 0)
    # read_log turns the tags into day-level exposures, as for a diary.
    days = read_log(path).daily.set_index(daily.index)
    shown = days[["exercise_day", "stretching_day"]].astype("string").fillna("-")
    assert shown["exercise_day"].tolist() == ["-", "True", "False", "True", "-"]
    assert shown["stretching_day"].tolist() == ["-", "False", "True", "False", "-"]
