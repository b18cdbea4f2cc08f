"""The files of a Fitbit export, wherever they are: loose files, folders (``Global Export
Data/``, ``user-site-export/``, ``Takeout/``, ``Takeout/Fitbit/``, ``Takeout/Google Health/``)
and Takeout zips (one or several parts), read in place without unpacking.

A :class:`Member` is one file of the export with its kind (from its name), how to read its
bytes and a label for messages. Zip members are checked before they are read: a name
that climbs out of the archive, an encrypted member or a compression Python cannot read
is a :class:`~backcare_analysis.schema.LogFormatError`, never a raw ``zipfile`` error.
"""

from __future__ import annotations

import contextlib
import json
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..schema import LogFormatError
from ._common import csv_records, decode_bytes

#: Folder names that hold Fitbit data inside an export or a Takeout archive.
LAYOUT_FOLDERS: Final = (
    "Global Export Data",
    "user-site-export",
    "Physical Activity_GoogleData",
    "Your Profile",
)
#: Top folders of a Takeout whose files belong to Fitbit.
TOP_FOLDERS: Final = ("Fitbit", "Google Health")

# `steps-2024-10-08.json`, `exercise-300.json`, `steps-2024-10-08 (1).json` (re-download).
_JSON_NAME = re.compile(r"^(?P<metric>[a-z0-9_]+?)-(?:\d{4}-\d{2}-\d{2}|\d+)(?: \(\d+\))?\.json$")
# `steps_2024-10-01.csv`, `active_minutes_2024-10-01 (1).csv`.
_CSV_NAME = re.compile(r"^(?P<metric>[a-z_]+?)_\d{4}-\d{2}-\d{2}(?: \(\d+\))?\.csv$")
#: The newer Google-format CSVs that are read, by name prefix.
CSV_METRICS: Final = ("steps", "active_minutes", "sedentary_period")


@dataclass(frozen=True)
class Member:
    """One file of a Fitbit export.

    Attributes
    ----------
    label
        Where it is, for provenance and messages (``takeout-001.zip/Takeout/...`` inside a zip).
    name
        The file's own name.
    kind
        ``"json:<metric>"``, ``"csv:<metric>"``, ``"profile"`` or ``""`` (name not understood).
    data
        Reads the file's bytes.
    """

    label: str
    name: str
    kind: str
    data: Callable[[], bytes]


def kind_of_name(name: str) -> str:
    """The kind of a Fitbit file from its name; ``""`` when the name says nothing."""
    if name.lower() == "profile.csv":
        return "profile"
    match = _JSON_NAME.match(name)
    if match:
        return f"json:{match.group('metric')}"
    match = _CSV_NAME.match(name)
    if match and match.group("metric") in CSV_METRICS:
        return f"csv:{match.group('metric')}"
    return ""


def in_fitbit_layout(member: str) -> bool:
    """True for a zip member path inside a Fitbit folder of an export or Takeout."""
    parts = PurePosixPath(member).parts[:-1]
    return any(p in LAYOUT_FOLDERS or p in TOP_FOLDERS for p in parts)


def zip_is_fitbit(names: Sequence[str]) -> bool:
    """True for a zip holding Fitbit data, or for a part of a multi-part Google Takeout
    (every member under ``Takeout/``) that holds no Google Fit data (the Google Fit
    reader's own), since the Fitbit files may all be in another part."""
    if any(in_fitbit_layout(n) for n in names):
        return True
    takeout = bool(names) and all(n.startswith("Takeout/") for n in names)
    return takeout and not any(n.startswith("Takeout/Fit/") for n in names)


def _unsafe(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z]:", name) is not None


#: Compression methods the standard library reads.
_SUPPORTED: Final = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)


def _zip_reader(zf: zipfile.ZipFile, path: Path, info: zipfile.ZipInfo) -> Callable[[], bytes]:
    label = f"{path}/{info.filename}"
    if info.flag_bits & 0x1:
        raise LogFormatError(
            f"{label}: this member of the zip is encrypted; download the Takeout again "
            "without a password, or unpack it yourself and pass the folder"
        )
    if info.compress_type not in _SUPPORTED:
        raise LogFormatError(
            f"{label}: compressed with method {info.compress_type}, which cannot be read; "
            "unpack the archive with your system's tool and pass the folder instead"
        )

    def data() -> bytes:
        try:
            return zf.read(info)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as exc:
            raise LogFormatError(
                f"{label}: cannot be read from the zip ({exc}); the download may be "
                "incomplete: download the Takeout again"
            ) from None

    return data


def zip_members(path: Path, stack: contextlib.ExitStack) -> tuple[list[Member], int]:
    """The Fitbit members of a zip (kept open on ``stack``) and how many others it holds.

    Raises
    ------
    LogFormatError
        When the zip cannot be opened, a member's name leaves the archive (``../``), or a
        Fitbit member is encrypted or compressed in a way that cannot be read.
    """
    try:
        zf = stack.enter_context(zipfile.ZipFile(path))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise LogFormatError(
            f"{path}: the zip cannot be opened ({exc}); the download may be incomplete: "
            "download it again"
        ) from None
    for info in infos:
        if _unsafe(info.filename):
            raise LogFormatError(
                f"{path}: member {info.filename!r} points outside the archive; this is not "
                "a Takeout archive as Google writes it, and it is not read"
            )
    members: list[Member] = []
    others = 0
    for info in infos:
        if info.is_dir():
            continue
        if not in_fitbit_layout(info.filename):
            others += 1
            continue
        name = PurePosixPath(info.filename).name
        members.append(
            Member(f"{path}/{info.filename}", name, kind_of_name(name), _zip_reader(zf, path, info))
        )
    return members, others


def disk_member(path: Path) -> Member:
    """A file on disk as a member."""
    return Member(str(path), path.name, kind_of_name(path.name), path.read_bytes)


def profile_beside(paths: Iterable[Path]) -> list[Member]:
    """``Your Profile/Profile.csv`` files near data files on disk (the Takeout layout puts
    it beside ``Global Export Data``), unless they were given themselves."""
    given = {p.resolve() for p in paths}
    found: dict[Path, Member] = {}
    for folder in {p.parent for p in given}:
        for base in (folder, folder.parent):
            candidate = (base / "Your Profile" / "Profile.csv").resolve()
            if candidate not in given and candidate not in found and candidate.is_file():
                found[candidate] = disk_member(candidate)
    return [found[k] for k in sorted(found)]


def load_json(member: Member) -> list[object]:
    """The JSON array of a member. Numbers stay text (for ``parse_number``, which refuses
    a 5,000-digit integer as a row instead of Python raising for the whole file).

    Raises
    ------
    LogFormatError
        When the file is not valid JSON (with line and column), nests too deeply to be a
        Fitbit file, or is not an array.
    """
    text, _ = decode_bytes(member.data())
    try:
        data = json.loads(text, parse_int=str, parse_float=str, parse_constant=str)
    except json.JSONDecodeError as exc:
        raise LogFormatError(
            f"{member.label}: not valid JSON at line {exc.lineno}, column {exc.colno} "
            f"({exc.msg}); the file may be cut short: download the Takeout archive again"
        ) from None
    except RecursionError:
        raise LogFormatError(
            f"{member.label}: the JSON nests too deeply to be a Fitbit file; download the "
            "Takeout archive again"
        ) from None
    except ValueError as exc:
        raise LogFormatError(f"{member.label}: the JSON cannot be read ({exc})") from None
    if not isinstance(data, list):
        raise LogFormatError(
            f"{member.label}: expected a JSON array of entries, as Fitbit Takeout writes"
        )
    return data


def zone_of(name: str, where: str) -> ZoneInfo:
    """The IANA zone ``name``.

    Raises
    ------
    LogFormatError
        Naming the zone and where it came from when it is unknown.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise LogFormatError(
            f"{where}: unknown time zone {name!r}; use an IANA name such as "
            "'Europe/Berlin' or 'America/Los_Angeles'"
        ) from None


def profile_zone(member: Member) -> tuple[str | None, int]:
    """The ``timezone`` of a ``Profile.csv`` and how many data rows it has."""
    text, _ = decode_bytes(member.data())
    header = text.lstrip("\ufeff").split("\n", 1)[0].strip().lower().split(",")
    if "timezone" not in header:
        return None, 0
    column = header.index("timezone")
    zone: str | None = None
    rows = 0
    for _, fields, _ in csv_records(text, file=member.label):
        rows += 1
        if zone is None and len(fields) > column and fields[column].strip():
            zone = fields[column].strip()
    return zone, rows


#: ``Profile.csv`` columns that tell two people apart (see ``tracker_people``).
_PROFILE_FACTS: Final = ("date_of_birth", "gender")


def profile_facts(member: Member) -> dict[str, str]:
    """The date of birth and gender a ``Profile.csv`` states (empty values left out)."""
    text, _ = decode_bytes(member.data())
    header = text.lstrip("\ufeff").split("\n", 1)[0].strip().lower().split(",")
    found: dict[str, str] = {}
    for _, fields, _ in csv_records(text, file=member.label):
        for name in _PROFILE_FACTS:
            if name in header and header.index(name) < len(fields):
                value = fields[header.index(name)].strip()
                if value and name not in found:
                    found[name] = value
    return found
