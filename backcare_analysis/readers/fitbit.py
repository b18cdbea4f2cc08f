"""Reader for Fitbit exports: Google Takeout (``Takeout/Fitbit/`` or ``Takeout/Google Health/``,
as folders or the ``takeout-*.zip`` parts themselves) and the older fitbit.com
``user-site-export/``.

Takeout writes one JSON array per metric and month; the metric is only in the file name
(``sedentary_minutes-2024-01-01.json``; the exercise log is ``exercise-0.json``, ...),
values are strings, dates ``MM/DD/YY HH:MM:SS``. Newer Takeouts add per-minute CSVs in
``Physical Activity_GoogleData/``. All the files of one export are read together
(:func:`read_many`): an entry is identified by its metric and time stamp (or its
``logId``), so a file downloaded twice counts once; per-minute stamps are UTC and are put
on the person's local day (zone from ``Your Profile/Profile.csv`` or ``timezone=``); a day
with 1440 sedentary minutes is a day the tracker was not worn. The mapping is documented
in ``docs/readers-activity.md``.
"""

from __future__ import annotations

import contextlib
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

import pandas as pd

from ..schema import Log, LogFormatError, conform, empty_table
from ._common import Head, Rejections, csv_records, decode_bytes, provenance_row
from .fitbit_days import build_days
from .fitbit_files import (
    Member,
    disk_member,
    load_json,
    profile_beside,
    profile_facts,
    profile_zone,
    zip_is_fitbit,
    zip_members,
    zone_of,
)
from .fitbit_rows import DAILY_METRICS, Row, csv_rows, json_rows
from .tracker_people import contradicting_files, people_warning, profile_conflict

SOURCE: Final = "fitbit"
#: JSON metrics (file name prefix) that are read.
USED_JSON: Final = frozenset({*DAILY_METRICS, "steps", "sleep", "exercise"})

#: A JSON array, and a Fitbit entry among the first ones in the head: a daily or
#: per-minute value (``dateTime`` as ``MM/DD/YY HH:MM:SS``) or a sleep or exercise log
#: (``logId`` then ``dateOfSleep`` or ``activityName``). Not only the first entry: one
#: broken entry at the top must not make the whole file unknown (it is rejected as a row).
_ARRAY = re.compile(r"^\s*\[")
_ENTRY = re.compile(
    r'\{\s*"dateTime"\s*:\s*"\d\d/\d\d/\d\d \d\d:\d\d:\d\d"'
    r'|\{\s*"logId"\s*:\s*\d+\s*,\s*"(dateOfSleep|activityName)"'
)
#: How many characters of the head are searched for a Fitbit entry (a few entries).
_ENTRY_SEARCH_CHARS: Final = 4096
#: Files whose time stamps are UTC (the others are written on local days).
UTC_KINDS: Final = frozenset(
    {"json:steps", "json:exercise", "csv:steps", "csv:active_minutes", "csv:sedentary_period"}
)
_CSV_HEADS: Final = ("timestamp,steps", "timestamp,light,moderate,very", "start time,end time")
_PROFILE_SIGNS: Final = frozenset(
    {"member_since", "display_name", "full_name", "date_of_birth", "locale", "username"}
)


def sniff(head: Head) -> bool:
    """True for a Fitbit file (a JSON array, a ``Physical Activity_GoogleData`` CSV, the
    ``Profile.csv``) or a zip holding a Fitbit export or a Takeout part."""
    if head.zip_names:
        return zip_is_fitbit(head.zip_names)
    if head.text is None:
        return False
    text = head.text.lstrip("\ufeff")
    if _ARRAY.match(text) and _ENTRY.search(text, 0, _ENTRY_SEARCH_CHARS) is not None:
        return True
    first = head.first_line.lower().replace(" ,", ",").replace(", ", ",")
    if first in _CSV_HEADS:
        return True
    fields = set(first.split(","))
    return "timezone" in fields and bool(fields & _PROFILE_SIGNS)


def read(
    path: Path,
    *,
    progress: bool = False,
    timezone: str | None = None,
    tag_map: Mapping[str, str | Sequence[str]] | None = None,
) -> Log:
    """Read one Fitbit file or Takeout zip; see :func:`read_many`."""
    return read_many([path], progress=progress, timezone=timezone, tag_map=tag_map)


def read_many(
    paths: Sequence[Path],
    *,
    progress: bool = False,
    timezone: str | None = None,
    tag_map: Mapping[str, str | Sequence[str]] | None = None,
) -> Log:
    """Read the files of one Fitbit export together.

    Parameters
    ----------
    paths
        Fitbit files (``steps-2024-01-01.json``, ``exercise-0.json``,
        ``steps_2024-10-01.csv``, ``Profile.csv`` ...) and Takeout zips, in any mix.
    progress
        Accepted for a uniform reader signature.
    timezone
        The person's IANA time zone (``"Europe/Berlin"``); by default the ``timezone`` of
        ``Your Profile/Profile.csv``, else UTC with a warning.
    tag_map
        The user's tag meanings, for the ``kind`` of the exercise tags.

    Returns
    -------
    Log
        Daily values on local days: ``sitting_h`` (sedentary minutes / 60),
        ``exercise_min`` (very + moderately active minutes), ``steps_count``, ``sleep_h``
        (``minutesAsleep`` / 60 by ``dateOfSleep``), ``stretching_min`` and
        ``heavy_lifting`` (logged exercises); ``tags`` with every logged exercise
        (category ``exercise``); one provenance row per file; ``parameters["timezone"]``,
        ``["timezone_source"]`` and, when UTC was assumed, ``["timezone_warning"]``.

    Raises
    ------
    LogFormatError
        When a file is not valid JSON, a zip member cannot be read safely, the time zone
        is unknown, or the only file given is named so that its metric cannot be told.
    """
    del progress
    with contextlib.ExitStack() as stack:
        members, zip_rows = _members(paths, stack)
        profiles = [m for m in members if m.kind == "profile"]
        zone_name, zone_source = _zone(timezone, profiles)
        zone = zone_of(zone_name, "timezone=" if zone_source == "option" else zone_source)
        files = [m for m in members if m.kind != "profile"]
        notes = [""] * len(files)
        rows, rejections, read_counts = _parse(files, zone, notes)
        profile_logs = [_profile_provenance(m) for m in profiles]
        people = _profile_people(profiles)
    people += contradicting_files(_deduplicate(rows, files), SOURCE)
    daily, tags = build_days(rows, notes, tag_map, [m.label for m in files])
    if zone_source == "assumed":
        warning = (
            "no time zone known (no Profile.csv, no timezone= option): UTC time stamps "
            "taken as local time; pass timezone='Area/City' for correct local days"
        )
    else:
        warning = ""
    zone_note = warning or f"UTC time stamps put on local days in {zone_name} ({zone_source})"
    unusable = [i for i, m in enumerate(files) if notes[i].startswith("name not understood")]
    if unusable and len(unusable) == len(files) and not rows and len(paths) == 1:
        raise LogFormatError(f"{files[unusable[0]].label}: {notes[unusable[0]]}")
    provenance = [*zip_rows, *profile_logs]
    for row in rows:
        if row.status:
            rejections[row.file].skip(row.line, row.status, row.raw())
    for i, member in enumerate(files):
        n_skip = rejections[i].n_not_analysed
        utc = member.kind in UTC_KINDS and read_counts[i] > 0
        note = "; ".join(n for n in (notes[i], zone_note if utc else "") if n)
        provenance.append(
            provenance_row(
                Path(member.label),
                SOURCE,
                rows_read=read_counts[i],
                rows_used=read_counts[i] - n_skip - len(rejections[i]),
                rows_not_analysed=n_skip,
                rows_rejected=len(rejections[i]),
                note=note,
            )
        )
    parameters: dict[str, object] = {"timezone": zone_name, "timezone_source": zone_source}
    if warning:
        parameters["timezone_warning"] = warning
    broken = [
        f"{m.label} ({notes[i]})" for i, m in enumerate(files) if notes[i].startswith(SKIPPED_FILE)
    ]
    warnings = people
    if broken:
        warnings.insert(
            0,
            f"{len(broken)} Fitbit file(s) could not be read and were skipped, the other files "
            f"were read: {'; '.join(broken)}. Download the export again to read them.",
        )
    if warnings:
        parameters["warnings"] = warnings
    return Log(
        episodes=empty_table("episodes"),
        daily=daily,
        rejected=conform(pd.concat([r.frame() for r in rejections], ignore_index=True), "rejected")
        if rejections
        else empty_table("rejected"),
        provenance=conform(pd.concat(provenance, ignore_index=True), "provenance")
        if provenance
        else empty_table("provenance"),
        tags=tags,
        parameters=parameters,
        not_analysed=conform(
            pd.concat([r.not_analysed_frame() for r in rejections], ignore_index=True),
            "not_analysed",
        )
        if rejections
        else empty_table("not_analysed"),
    )


def _members(
    paths: Iterable[Path], stack: contextlib.ExitStack
) -> tuple[list[Member], list[pd.DataFrame]]:
    """Every member of the paths, sorted by label (the one reading order), and a
    provenance row per zip saying what else it holds."""
    members: list[Member] = []
    disk: list[Path] = []
    zips: list[pd.DataFrame] = []
    for path in paths:
        if zipfile.is_zipfile(path):
            inside, others = zip_members(path, stack)
            members.extend(inside)
            note = (
                f"Takeout archive: {len(inside)} Fitbit files, {others} files of other "
                "products not read here (Google Fit: unpack the archive and pass Takeout/Fit/)"
            )
            zips.append(
                provenance_row(path, SOURCE, rows_read=0, rows_used=0, rows_rejected=0, note=note)
            )
        else:
            disk.append(path)
            members.append(disk_member(path))
    members.extend(profile_beside(disk))
    unique = {m.label: m for m in members}
    return [unique[k] for k in sorted(unique)], zips


def _zone(option: str | None, profiles: list[Member]) -> tuple[str, str]:
    if option:
        return option, "option"
    for member in profiles:
        zone, _ = profile_zone(member)
        if zone:
            zone_of(zone, member.label)
            return zone, member.label
    return "UTC", "assumed"


def _profile_people(profiles: list[Member]) -> list[str]:
    """Warnings for two ``Profile.csv`` files that state different people."""
    facts = [(m.label, profile_facts(m)) for m in profiles]
    found: list[str] = []
    for (first, a), (second, b) in combinations(facts, 2):
        conflict = profile_conflict(a, b)
        if conflict:
            why = "their profiles state " + "; ".join(conflict)
            found.append(people_warning(first, second, SOURCE, why))
    return found


def _profile_provenance(member: Member) -> pd.DataFrame:
    zone, rows = profile_zone(member)
    note = f"profile: time zone {zone}" if zone else "profile without a timezone column"
    return provenance_row(
        Path(member.label), SOURCE, rows_read=rows, rows_used=rows, rows_rejected=0, note=note
    )


def _parse(
    files: list[Member], zone: ZoneInfo, notes: list[str]
) -> tuple[list[Row], list[Rejections], list[int]]:
    """The rows of every file. With several files (a folder, a Takeout), a file that
    cannot be read at all (cut short, not JSON, nested too deeply) is skipped with the
    reason in its note, and the rest are read; a single file given alone is refused."""
    rows: list[Row] = []
    rejections = [Rejections(SOURCE, m.label) for m in files]
    counts = [0] * len(files)
    for i, member in enumerate(files):
        before = len(rows)
        try:
            counts[i] = _parse_one(i, member, zone, notes, rows, rejections[i])
        except LogFormatError as exc:
            if len(files) == 1:
                raise
            del rows[before:]
            rejections[i] = Rejections(SOURCE, member.label)
            counts[i] = 0
            notes[i] = f"{SKIPPED_FILE}: {str(exc).removeprefix(member.label + ': ')}"
    return rows, rejections, counts


#: The start of the note of a file skipped because it cannot be read at all.
SKIPPED_FILE: Final = "file skipped, not read"


def _parse_one(
    i: int,
    member: Member,
    zone: ZoneInfo,
    notes: list[str],
    rows: list[Row],
    rejections: Rejections,
) -> int:
    """Append the rows of file ``i`` to ``rows``; return how many records it holds."""
    kind, _, metric = member.kind.partition(":")
    if kind == "csv" and metric == "sedentary_period":
        text, _ = decode_bytes(member.data())
        for line, fields, raw in csv_records(text, file=member.label):
            if "".join(fields).strip():
                rejections.skip(line, SEDENTARY_PERIOD_REASON, raw[:200])
        return rejections.n_not_analysed
    if kind == "csv":
        before = len(rows)
        rows.extend(csv_rows(i, metric, member.data(), member.label, zone, rejections.add))
        return len(rows) - before + len(rejections)
    if kind == "json" and metric not in USED_JSON:
        notes[i] = f"metric {metric!r} is not used by the analysis (not read)"
        return 0
    if kind == "":
        found, notes[i] = _unnamed(member)
        if found is None:
            return 0
        metric = found
    entries = load_json(member)
    rows.extend(json_rows(i, metric, entries, zone, rejections.add))
    return len(entries)


#: Why the ``sedentary_period`` rows are not analysed (docs/readers-activity.md).
SEDENTARY_PERIOD_REASON: Final = (
    "sedentary periods are bouts of stillness, not the day's sitting (they add up to far "
    "less than the day's sedentary minutes): not analysed"
)


def _unnamed(member: Member) -> tuple[str | None, str]:
    """The metric of a file whose name says none (from its entries: exercise and sleep
    logs say what they are), and the note for its provenance row."""
    if not member.name.lower().endswith(".json"):
        return None, "not a file the analysis reads"
    try:
        entries = load_json(member)
    except LogFormatError as exc:
        return None, f"not read: {str(exc).removeprefix(member.label + ': ')}"
    first = entries[0] if entries else None
    if isinstance(first, dict) and "logId" in first:
        for field, metric in (("activityName", "exercise"), ("dateOfSleep", "sleep")):
            if field in first:
                return metric, f"read as a {metric} log (its entries say so; the name does not)"
    if isinstance(first, dict) and "dateTime" in first:
        return None, (
            "name not understood: a Fitbit file's metric is in its name, as Takeout writes it "
            "(for example steps-2024-01-01.json); give the file back its original name to use it"
        )
    return None, "not a file the analysis reads"


def _deduplicate(
    rows: list[Row], files: list[Member]
) -> dict[tuple[str, str], tuple[set[object], set[object]]]:
    """The one duplicate rule: an entry whose key (metric and time stamp, or ``logId``)
    was already read is not analysed; the first read (files in label order) is used.

    Returns, for each pair of files sharing keys, the days with a shared key and the days
    where a shared key holds another value (two people's files, see ``tracker_people``).
    """
    seen: dict[tuple[str, str], Row] = {}
    pairs: dict[tuple[str, str], tuple[set[object], set[object]]] = {}
    for row in rows:
        first = seen.get(row.key)
        if first is None:
            seen[row.key] = row
            continue
        same = "" if first.value == row.value else f" (value {row.value:g} there {first.value:g})"
        row.status = f"duplicate of entry {first.line} of {files[first.file].label}{same}"
        if first.file != row.file:
            shared, contradicted = pairs.setdefault(
                (files[first.file].label, files[row.file].label), (set(), set())
            )
            shared.add(row.day)
            if same:
                contradicted.add(row.day)
    return pairs
