"""The Apple Health reader on damaged, hostile and odd input (issue 14): one test per cause.

Every test reads with both parsers where the input is XML, since the result must never
depend on which one ran.
"""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pandas as pd
import pytest

from backcare_analysis.readers import apple_health, read_log
from backcare_analysis.schema import Log, LogFormatError

Q, C = "HKQuantityTypeIdentifier", "HKCategoryTypeIdentifier"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_US">\n'
TAIL = "</HealthData>\n"
PARSERS = ("fast", "full")


def rec(type_: str, value: str, start: str, end: str | None = None, **attrs: str) -> str:
    extra = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return (
        f' <Record type="{type_}" sourceName="Watch"{extra} startDate="{start}" '
        f'endDate="{end or start}" value="{value}"/>\n'
    )


def steps(day: str, value: int, hour: int = 9) -> str:
    t = f"{day} {hour:02d}:00:00 +0100"
    return rec(f"{Q}StepCount", str(value), t, unit="count")


def write(folder: Path, body: str | bytes, name: str = "export.xml") -> Path:
    raw = body if isinstance(body, bytes) else body.encode("utf-8")
    path = folder / name
    path.write_bytes(HEAD.encode() + raw + TAIL.encode())
    return path


def both(path: Path) -> Log:
    """Read with both parsers and check that every table agrees."""
    fast = apple_health.read(path)
    full = apple_health.read(path, xml_parser="full")
    for table in ("daily", "episodes", "rejected"):
        pd.testing.assert_frame_equal(getattr(fast, table), getattr(full, table))
    return fast


# --- zips that Python's zipfile cannot read (issue 14 item 3) -------------------------------


def _patched_zip(path: Path, *, method: int | None = None, flag: int = 0) -> Path:
    """A zip of a small export with the compression method or the flag bits set by hand
    in both the local and the central header (the data itself stays deflated)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("apple_health_export/export.xml", HEAD + steps("2025-01-06", 5) + TAIL)
    raw = bytearray(buf.getvalue())
    for signature, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        at = raw.find(signature)
        if method is not None:
            raw[at + method_at : at + method_at + 2] = struct.pack("<H", method)
        old = struct.unpack("<H", raw[at + flag_at : at + flag_at + 2])[0]
        raw[at + flag_at : at + flag_at + 2] = struct.pack("<H", old | flag)
    path.write_bytes(bytes(raw))
    return path


def test_deflate64_zip_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = _patched_zip(tmp_path / "export.zip", method=9)
    for read in (apple_health.read, read_log):
        with pytest.raises(LogFormatError, match=r"export\.zip.*Deflate64.*re-zip.*Deflate"):
            read(path)


def test_encrypted_zip_is_refused_with_what_to_do(tmp_path: Path) -> None:
    for name, options in (("pkzip", {"flag": 1}), ("aes", {"method": 99})):
        path = _patched_zip(tmp_path / f"{name}.zip", **options)
        for read in (apple_health.read, read_log):
            with pytest.raises(LogFormatError, match=r"encrypted; export again .*password"):
                read(path)


# --- one huge start tag (issue 14 item 4) ---------------------------------------------------


def _huge_tag_zip(path: Path, tag_bytes: int) -> Path:
    """A zip whose export.xml holds one start tag of ``tag_bytes`` bytes, streamed: 1 MiB
    of ``a`` is deflated once and, the compressor reset by a full flush, the same
    compressed piece repeats, so 1 GiB of XML costs 1 MB of zip and no time to build."""
    head = HEAD.encode() + b' <Record type="HKQuantityTypeIdentifierStepCount" value="'
    tail = b'"/>\n' + TAIL.encode()
    piece_bytes = 1 << 20
    piece = b"a" * piece_bytes

    def deflated(data: bytes, mode: int) -> bytes:
        z = zlib.compressobj(9, zlib.DEFLATED, -15)
        return z.compress(data) + z.flush(mode)

    repeats = tag_bytes // piece_bytes
    repeated = deflated(piece, zlib.Z_FULL_FLUSH)
    first, last = deflated(head, zlib.Z_FULL_FLUSH), deflated(tail, zlib.Z_FINISH)
    crc = zlib.crc32(head)
    for _ in range(repeats):
        crc = zlib.crc32(piece, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + repeats * piece_bytes + len(tail)
    compressed = len(first) + repeats * len(repeated) + len(last)
    name = b"apple_health_export/export.xml"
    common = struct.pack("<HHHHIII", 0, 8, 0, 0, crc, compressed, size)  # flags .. sizes
    with path.open("wb") as fh:
        fh.write(b"PK\x03\x04" + struct.pack("<H", 20) + common + struct.pack("<HH", len(name), 0))
        fh.write(name + first)
        for _ in range(repeats):
            fh.write(repeated)
        fh.write(last)
        directory = fh.tell()
        central = b"PK\x01\x02" + struct.pack("<HH", 20, 20) + common
        central += struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0, 0) + name
        fh.write(central)
        fh.write(b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 1, 1, len(central), directory, 0))
    return path


def _refuse_huge_tag(path: Path) -> list[str]:
    """Read ``path`` with both parsers in a fresh process; their refusals and its peak RSS."""
    code = (
        "import resource, sys, time\n"
        "from backcare_analysis.readers import apple_health\n"
        "from backcare_analysis.schema import LogFormatError\n"
        "for parser in ('fast', 'full'):\n"
        "    t0 = time.perf_counter()\n"
        "    try:\n"
        "        apple_health.read(sys.argv[1], xml_parser=parser)\n"
        "    except LogFormatError as exc:\n"
        "        print(parser, time.perf_counter() - t0, str(exc).replace(chr(10), ' '))\n"
        "print('peak_mb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
    )
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True, text=True, env=env, timeout=120, check=True,
    ).stdout.splitlines()  # fmt: skip


def test_huge_single_tag_is_refused_fast_with_bounded_memory(tmp_path: Path) -> None:
    """A 1 MB zip holding one 1 GiB start tag ran for minutes and took over 630 MB, growing
    with the tag; it is refused within the first 8 MiB, by both parsers, in a memory that
    does not depend on the tag's length (1 GiB against 64 MiB)."""
    path = _huge_tag_zip(tmp_path / "export.zip", 1 << 30)
    assert path.stat().st_size < 4 << 20
    with zipfile.ZipFile(path) as zf:  # a well-formed zip: the XML itself is the problem
        assert zf.infolist()[0].file_size > 1 << 30
    out = _refuse_huge_tag(path)
    assert [line.split()[0] for line in out] == ["fast", "full", "peak_mb"], out
    for line in out[:2]:
        assert float(line.split()[1]) < 10
        assert "more than 8 MiB pass without a new tag" in line
        assert "export.zip" in line
        assert "from byte 68 on" in line  # the "<Record" on line 3
    (tmp_path / "small").mkdir()
    small = _refuse_huge_tag(_huge_tag_zip(tmp_path / "small" / "export.zip", 64 << 20))
    peak, peak_small = float(out[2].split()[1]), float(small[2].split()[1])
    # Bounded: sixteen times the tag costs no more than 64 MiB more, and well under the
    # 630 MB and growing of before.
    assert peak < peak_small + 64, (peak, peak_small)
    assert peak < 500


# --- symptoms: instants, not wall times (issue 14 items 8 and 10) ---------------------------


def pain(severity: str, start: str, end: str) -> str:
    return rec(f"{C}LowerBackPain", f"HKCategoryValueSeverity{severity}", start, end)


def test_symptom_copies_with_another_utc_offset_count_once(tmp_path: Path) -> None:
    """The same records written by an export made in another time zone (same instants,
    other offsets) doubled the episodes; they are duplicates of the same instant."""
    body = (
        pain("Severe", "2025-01-06 09:00:00 +0100", "2025-01-06 12:00:00 +0100")  # line 3
        + pain("Moderate", "2025-01-10 09:00:00 +0100", "2025-01-10 10:00:00 +0100")
        + pain("Severe", "2025-01-06 03:00:00 -0500", "2025-01-06 06:00:00 -0500")  # line 5
        + pain("Moderate", "2025-01-10 03:00:00 -0500", "2025-01-10 04:00:00 -0500")
    )
    log = both(write(tmp_path, body))
    assert len(log.episodes) == 2
    assert log.episodes["start_local"].astype(str).tolist() == [
        "2025-01-06 09:00:00",
        "2025-01-10 09:00:00",
    ]
    assert log.rejected["line"].tolist() == [5, 6]
    assert log.rejected["reason"].tolist() == [
        "duplicate of the record on line 3",
        "duplicate of the record on line 4",
    ]


def test_symptom_duration_across_an_offset_change_is_real_time(tmp_path: Path) -> None:
    """22:00 +0100 to 03:30 +0200 (the spring daylight-saving night) lasts 4.5 h, not
    5.5 h; the episode keeps its local wall times."""
    body = pain("Severe", "2025-03-29 22:00:00 +0100", "2025-03-30 03:30:00 +0200")
    episodes = both(write(tmp_path, body)).episodes
    assert episodes["duration_h"].tolist() == [4.5]
    assert str(episodes["start_local"].iloc[0]) == "2025-03-29 22:00:00"
    assert str(episodes["end_local"].iloc[0]) == "2025-03-30 03:30:00"
    assert episodes["start_utc_offset_min"].tolist() == [60]


def test_symptoms_of_different_offsets_are_ordered_by_instant(tmp_path: Path) -> None:
    """A flight from Tokyo to London: 09:00 +0900 (00:00 UTC) comes before 08:00 +0100
    (07:00 UTC) of the same day, though its wall time is later. Ordered by wall time the
    two would be an episode of -1 h; by instant they are one of 7 h starting in Tokyo."""
    body = pain("Severe", "2025-01-06 08:00:00 +0100", "2025-01-06 08:00:00 +0100") + pain(
        "Moderate", "2025-01-06 09:00:00 +0900", "2025-01-06 09:00:00 +0900"
    )
    episodes = both(write(tmp_path, body)).episodes
    assert len(episodes) == 1
    assert episodes["duration_h"].tolist() == [7.0]
    assert str(episodes["start_local"].iloc[0]) == "2025-01-06 09:00:00"
    assert episodes["start_utc_offset_min"].tolist() == [540]
    assert episodes["initial_severity_0_10"].tolist() == [6.0]
    assert episodes["peak_severity_0_10"].tolist() == [9.0]


# --- the sleep day's boundary (issue 14 item 12) --------------------------------------------


def test_sleep_ending_at_exactly_18_00_counts_for_the_next_day(tmp_path: Path) -> None:
    """Documented: sleep ending before 18:00 belongs to that day, at 18:00:00 or later to
    the next. A nap ending 17:59:59 is day D; one ending 18:00:00 is D+1."""

    def nap(start: str, end: str) -> str:
        value = "HKCategoryValueSleepAnalysisAsleepCore"
        return rec(
            f"{C}SleepAnalysis", value, f"2025-01-06 {start} +0100", f"2025-01-06 {end} +0100"
        )

    daily = both(write(tmp_path, nap("17:00:00", "17:59:59") + nap("17:30:00", "18:00:00"))).daily
    sleep = daily.set_index(daily["date"].dt.strftime("%Y-%m-%d"))["sleep_h"]
    assert sleep.to_dict() == {
        "2025-01-06": pytest.approx(3599 / 3600, abs=1e-4),
        "2025-01-07": 0.5,
    }


# --- implausible dates (issue 14 item 5) ----------------------------------------------------


def test_dates_in_year_9999_or_0001_are_rejected_with_a_reason(tmp_path: Path) -> None:
    def summary(day: str) -> str:
        return (
            f' <ActivitySummary dateComponents="{day}" appleExerciseTime="5" '
            'appleStandHours="2"/>\n'
        )

    asleep = "HKCategoryValueSleepAnalysisAsleepCore"
    body = (
        steps("9999-12-31", 100, hour=23)  # line 3
        + steps("0001-01-01", 100, hour=0)  # line 4
        + rec(f"{C}SleepAnalysis", asleep, "9999-12-31 20:00:00 +0100", "9999-12-31 23:00:00 +0100")
        + pain("Severe", "0001-01-01 00:00:00 +0100", "0001-01-01 01:00:00 +0100")  # line 6
        + summary("9999-01-01")  # line 7
        + ' <Workout workoutActivityType="HKWorkoutActivityTypeYoga" duration="30" '
        'durationUnit="min" sourceName="W" startDate="0001-01-01 09:00:00 +0100" '
        'endDate="0001-01-01 09:30:00 +0100"/>\n'  # line 8
        + pain("Severe", "2025-01-06 22:00:00 -0100", "9999-12-31 23:30:00 -0100")  # line 9
        + steps("2025-01-06", 500)  # line 10
    )
    log = both(write(tmp_path, body))
    reasons = log.rejected.set_index("line")["reason"]
    assert list(reasons.index) == [3, 4, 5, 6, 7, 8, 9]
    for line in (3, 5, 7):
        assert "is in the future: check the year" in reasons[line], reasons[line]
    for line in (4, 6, 8):
        assert "is before 1980-01-01" in reasons[line], reasons[line]
    # An end at 23:30 -0100 on 9999-12-31 is past the last instant a date can hold.
    assert reasons[9] == "unreadable date: date value out of range"
    assert log.daily["steps_count"].tolist() == [500]
    prov = log.provenance.iloc[0]
    assert (prov["rows_read"], prov["rows_used"], prov["rows_rejected"]) == (8, 1, 7)


# --- invalid UTF-8 and undefined entities: both parsers agree (issue 14 items 9, 11) --------


def _refusals(path: Path) -> list[str]:
    """The LogFormatError message of each parser (the test fails on any other outcome)."""
    messages = []
    for parser in PARSERS:
        with pytest.raises(LogFormatError) as caught:
            apple_health.read(path, xml_parser=parser)  # type: ignore[arg-type]
        messages.append(str(caught.value))
    return messages


def test_invalid_utf8_in_a_used_record_is_a_format_error_not_unicode_error(
    tmp_path: Path,
) -> None:
    """A stand hour whose value holds a byte that is not UTF-8 raised UnicodeDecodeError
    in the fast scan; the file is not well-formed XML, and both parsers say so."""
    t = "2025-01-06 09:00:00 +0100"
    body = (
        steps("2025-01-06", 500).encode()
        + rec(f"{C}AppleStandHour", "HKCategoryValueAppleStandHourStood\udcff", t).encode(
            "utf-8", "surrogateescape"
        )  # line 4: a lone 0xff byte
    )
    fast, full = _refusals(write(tmp_path, body))
    assert fast == full
    assert "export.xml" in fast
    assert "line 4" in fast
    assert "Export again" in fast


def test_invalid_utf8_in_an_unused_record_gives_the_same_result_with_both_parsers(
    tmp_path: Path,
) -> None:
    body = (
        steps("2025-01-06", 500).encode()
        + rec(f"{Q}HeartRate", "60", "2025-01-06 09:00:00 +0100", unit="count/min")
        .replace("Watch", "Watch \udce9")  # a Latin-1 é, not UTF-8
        .encode("utf-8", "surrogateescape")
    )
    fast, full = _refusals(write(tmp_path, body))
    assert fast == full
    assert "line 4" in fast


def test_undefined_entity_in_an_unused_record_gives_the_same_result_with_both_parsers(
    tmp_path: Path,
) -> None:
    body = steps("2025-01-06", 500) + rec(
        f"{Q}HeartRate", "60", "2025-01-06 09:00:00 +0100", unit="count/min"
    ).replace("Watch", "Watch &eacute;")
    fast, full = _refusals(write(tmp_path, body))
    assert fast == full
    assert "line 4" in fast
    assert "undefined XML entity" in fast


def test_valid_utf8_escapes_and_character_references_still_read_alike(tmp_path: Path) -> None:
    """What expat accepts, the scan must not refuse: multi-byte characters, the five
    escapes and character references anywhere (the scan may fall back; both agree)."""
    body = steps("2025-01-06", 500).replace("Watch", "Jonathan\u2019s Watch &amp; ☃ 😀") + rec(
        f"{Q}HeartRate", "60", "2025-01-06 09:00:00 +0100"
    ).replace("Watch", "W &#233;")
    log = both(write(tmp_path, body))
    assert log.daily["steps_count"].tolist() == [500]
