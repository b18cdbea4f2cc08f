"""Reader for Apple Health exports: ``export.zip``, or the ``export.xml`` inside it.

The XML is streamed in blocks whatever its size, from disk or inflated straight from the
zip (never extracted), in a background thread. The fast scan
(:mod:`.apple_health_fast`) reads Apple's one-record-per-line layout at close to disk
speed; whatever it cannot prove it reads exactly is read again by the full XML parse
(expat, :func:`parse_full`). Both hand the same elements to the same daily rules
(:mod:`.apple_health_days`), so the result never depends on which one ran.

Security: the internal DTD is blanked out unread (iOS 16 writes a broken one), a DTD that
declares entities is refused, and an entity reference in the body is an error, never an
expansion, so neither "billion laughs" nor external entities can do anything.
"""

from __future__ import annotations

import re
import struct
import sys
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Final, Literal
from xml.parsers import expat

from tqdm import tqdm

from ..episodes import DEFAULT_GAP_H, DEFAULT_THRESHOLD_0_10
from ..schema import Log, LogFormatError
from ._common import Head, provenance_row
from .apple_health_days import SOURCE, Collector
from .apple_health_fast import (
    RECORD_KINDS,
    Element,
    Unsupported,
    fast_plans,
    in_background,
    scan,
)

#: Bytes read, inflated and classified at a time; larger blocks cost more in page faults
#: than they save in per-block work.
BLOCK_BYTES: Final = 4 << 20
#: The DOCTYPE must end within this many bytes.
MAX_PROLOG_BYTES: Final = 1 << 20
#: C0 controls other than tab, LF and CR are not XML but occur in real exports (``\x0b``);
#: both parsers read them as spaces.
_CONTROL: Final = bytes([*range(9), 11, 12, *range(14, 32)])
CONTROL_TO_SPACE: Final = bytes.maketrans(_CONTROL, b" " * len(_CONTROL))
_FULL_TYPE_KIND: Final = {
    f"HK{group}TypeIdentifier{kind.decode()}": kind
    for kind in RECORD_KINDS
    for group in ("Quantity", "Category")
}

XmlParser = Literal["fast", "full"]


def sniff(head: Head) -> bool:
    """True for an Apple Health ``export.xml`` (any name) or a zip holding one.

    A zip qualifies by a ``.xml`` member under ``apple_health_export/`` (the member's own
    name is localised), or by any ``.xml`` member whose head has ``<HealthData``.
    """
    if not head.zip_names:
        return is_health_head(head.raw)
    for name in head.zip_names:
        parts = name.lower().split("/")
        in_folder = parts[-1].endswith(".xml") and "apple_health_export" in parts[:-1]
        if in_folder and not parts[-1].startswith("export_cda"):
            return True
    try:
        with zipfile.ZipFile(head.path) as zf:
            for info in [i for i in zf.infolist() if i.filename.lower().endswith(".xml")][:5]:
                with zf.open(info) as fh:
                    if is_health_head(fh.read(MAX_PROLOG_BYTES // 16)):
                        return True
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, zlib.error):
        return False
    return False


def is_health_head(raw: bytes) -> bool:
    """True when the first bytes of a file are those of an Apple Health ``export.xml``."""
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") and (b"<HealthData" in raw or b"<!DOCTYPE HealthData" in raw)


def read(
    path: Path,
    *,
    progress: bool = False,
    date_from: str | date | None = None,
    date_to: str | date | None = None,
    threshold_0_10: float = DEFAULT_THRESHOLD_0_10,
    gap_h: float = DEFAULT_GAP_H,
    xml_parser: XmlParser = "fast",
) -> Log:
    """Read an Apple Health export into daily values and back-pain episodes.

    Parameters
    ----------
    path
        ``export.zip`` as the Health app writes it, or the XML inside it under any name.
    progress
        Show a progress bar (bytes of XML read) on standard error.
    date_from, date_to
        Keep only local calendar days in this range (both included, ``YYYY-MM-DD``);
        records of other days are skipped, not counted as read.
    threshold_0_10, gap_h
        The episode rule for ``HKCategoryTypeIdentifierLowerBackPain`` records, whose
        severities count as Not present 0, Mild 3, Moderate 6, Severe 9; "Present"
        (Unspecified) is pain of unknown severity and qualifies like a rating at the
        threshold (see :func:`~backcare_analysis.episodes.episodes_from_ratings`).
    xml_parser
        ``"fast"``: the fast scan, which falls back to the full parse by itself when the
        file needs it; ``"full"``: always the full XML parse.

    Returns
    -------
    Log
        ``daily``: one row per local calendar day with a record used; columns
        ``stand_hours_count``, ``exercise_min``, ``steps_count``, ``water_ml``,
        ``sleep_h``, ``stretching_min``, ``heavy_lifting`` and ``pain_max_0_10``;
        ``sitting_h`` stays missing (Apple Health does not measure sitting);
        ``symptoms_logged`` is true only on days covered by a LowerBackPain record.
        ``episodes`` come from those records. A provenance row is one Record, Workout or
        ActivitySummary element of a type used.

    Raises
    ------
    LogFormatError
        When the file is not an Apple Health export, is cut short or broken (the message
        gives line and byte), or declares XML entities.
    """
    path = Path(path)
    if xml_parser not in ("fast", "full"):
        raise LogFormatError(f"xml_parser={xml_parser!r}: use 'fast' or 'full'")
    day_from, day_to = _day_option(date_from, "date_from"), _day_option(date_to, "date_to")
    member = find_member(path) if _is_zip(path) else None
    total = member.file_size if member is not None else path.stat().st_size
    where = f"{path} ({member.filename})" if member is not None else str(path)
    how = "the fast scan of the one-record-per-line layout"
    collector = Collector(where, day_from, day_to)
    state: dict[str, int] = {}
    if xml_parser == "fast":
        try:
            with _bar(total, path, progress, "scanning") as bar:
                blocks = prolog(_counted(raw_blocks(path, member), bar), where)
                with closing(fast_plans(blocks, BLOCK_BYTES)) as plans:
                    scan(plans, collector, state)
        except Unsupported as exc:
            how = f"the full XML parse (the fast scan fell back: it met {exc})"
            xml_parser = "full"
    if xml_parser == "full":
        how = how if how.startswith("the full") else "the full XML parse (expat)"
        collector = Collector(where, day_from, day_to)
        with _bar(total, path, progress, "parsing") as bar:
            blocks = prolog(_counted(raw_blocks(path, member), bar), where)
            with closing(in_background(blocks)) as background:
                state = parse_full(background, collector, where)
    if collector.seen == 0 and state.get("records", 0) == 0:
        raise LogFormatError(
            f"{where}: the export holds no records; export again from the Health app after "
            "the Watch or iPhone has recorded some data"
        )
    episodes, daily = collector.finish(threshold_0_10=threshold_0_10, gap_h=gap_h)
    other = max(0, state.get("records", 0) - collector.seen_records - state["inner"])
    note = "; ".join(
        [
            f"read by {how}",
            "a row is one Record, Workout or ActivitySummary element of a type used",
            f"{other} records of other types skipped",
            f"{state['inner']} records inside <Correlation> skipped (they repeat top-level ones)",
            *collector.notes(),
        ]
    )
    rejected = len(collector.rejections)
    return Log(
        episodes=episodes,
        daily=daily,
        rejected=collector.rejections.frame(),
        provenance=provenance_row(
            path,
            SOURCE,
            rows_read=collector.read,
            rows_used=collector.read - rejected,
            rows_rejected=rejected,
            note=note,
        ),
        parameters={"threshold_0_10": threshold_0_10, "gap_h": gap_h},
    )


def _is_zip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(4) == b"PK\x03\x04"


def _day_option(value: str | date | None, name: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise LogFormatError(f"{name}={value!r} is not a date; write YYYY-MM-DD") from None


def _bar(total: int, path: Path, progress: bool, what: str) -> tqdm[None]:
    return tqdm(
        total=total,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        leave=False,
        desc=f"{path.name}: {what}",
        disable=not progress,
        file=sys.stderr,
    )


def _counted(blocks: Iterator[bytes], bar: tqdm[None]) -> Iterator[bytes]:
    for block in blocks:
        bar.update(len(block))
        yield block


# --- the input stream ------------------------------------------------------------------


def find_member(path: Path) -> zipfile.ZipInfo:
    """The export inside a zip: the largest ``.xml`` member whose head has ``<HealthData``
    (its name is localised, and ``export_cda.xml`` is another document).

    Raises
    ------
    LogFormatError
        When the zip cannot be read, is encrypted, or holds no Apple Health export.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            candidates = [
                i
                for i in zf.infolist()
                if i.filename.lower().endswith(".xml")
                and not i.filename.startswith("__MACOSX/")
                and not i.filename.rsplit("/", 1)[-1].startswith("._")
            ]
            found = []
            for info in candidates:
                if info.flag_bits & 0x1:
                    raise LogFormatError(
                        f"{path}: {info.filename} is encrypted; export again from the Health "
                        "app and do not protect the zip with a password"
                    )
                with zf.open(info) as fh:
                    if is_health_head(fh.read(MAX_PROLOG_BYTES // 4)):
                        found.append(info)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        raise LogFormatError(
            f"{path}: the zip archive cannot be read ({exc}); the download may be "
            "incomplete: export it again from the Health app"
        ) from exc
    if not found:
        names = ", ".join(i.filename for i in candidates[:5]) or "no XML file"
        raise LogFormatError(
            f"{path}: this zip holds no Apple Health export (looked for an XML file with "
            f"<HealthData> and found {names}); export again in the Health app: your picture "
            "> Export All Health Data"
        )
    return max(found, key=lambda i: i.file_size)


def raw_blocks(path: Path, member: zipfile.ZipInfo | None) -> Iterator[bytes]:
    """The XML's bytes in blocks, from the file or inflated from the zip ``member``.

    Inflating runs zlib without the GIL, in whichever thread consumes this.

    Raises
    ------
    LogFormatError
        When the zip member is damaged (bad data or CRC) or cut short.
    """
    try:
        if member is None:
            with path.open("rb") as fh:
                while block := fh.read(BLOCK_BYTES):
                    yield block
        elif member.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            yield from _zip_blocks(path, member)
        else:  # bzip2, lzma: rare, and slower through zipfile
            with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
                while block := fh.read(BLOCK_BYTES):
                    yield block
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise LogFormatError(
            f"{path}: the zip archive is damaged ({exc}); export it again from the Health app"
        ) from exc


def _zip_blocks(path: Path, info: zipfile.ZipInfo) -> Iterator[bytes]:
    with path.open("rb") as fh:
        fh.seek(info.header_offset)
        header = fh.read(30)
        if header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"no local header for {info.filename}")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        fh.seek(info.header_offset + 30 + name_len + extra_len)
        left, crc, pending = info.compress_size, 0, b""
        inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        while True:
            if not pending:
                if left == 0:
                    break
                pending = fh.read(min(1 << 20 if inflater else BLOCK_BYTES, left))
                if not pending:
                    raise zipfile.BadZipFile(f"{info.filename} is cut short")
                left -= len(pending)
            if inflater is None:
                block, pending = pending, b""
            else:
                block = inflater.decompress(pending, BLOCK_BYTES)
                pending = inflater.unconsumed_tail
            crc = zlib.crc32(block, crc)
            if block:
                yield block
        if inflater is not None:
            block = inflater.flush()
            crc = zlib.crc32(block, crc)
            if block:
                yield block
            if not inflater.eof:
                raise zipfile.BadZipFile(f"{info.filename}: the compressed data is cut short")
        if crc != info.CRC:
            raise zipfile.BadZipFile(f"{info.filename}: CRC check failed (the file is damaged)")


_DOCTYPE = re.compile(rb"<!DOCTYPE\s+[\w:.-]+\s*(\[?)")


def prolog(blocks: Iterator[bytes], where: str) -> Iterator[bytes]:
    """``blocks`` with the DOCTYPE (internal DTD included) turned into spaces; offsets and
    line numbers stay true (newlines are kept).

    Raises
    ------
    LogFormatError
        When the DTD declares entities: a real export never does, while "billion laughs"
        and external-entity attacks must; or when it does not end within 1 MiB.
    """
    head = b""
    for block in blocks:
        head += block
        if len(head) >= MAX_PROLOG_BYTES:
            break
    root = head.find(b"<HealthData")
    match = _DOCTYPE.search(head, 0, root if root >= 0 else min(len(head), MAX_PROLOG_BYTES))
    if match is not None:
        closer = b"]>" if match.group(1) else b">"
        close = head.find(closer, match.end(), MAX_PROLOG_BYTES)
        if close < 0:
            raise LogFormatError(
                f"{where}: the DOCTYPE at byte {match.start()} does not end within the first "
                "MiB; this is not an export.xml written by the Health app"
            )
        end = close + len(closer)
        entity = head.find(b"<!ENTITY", match.start(), end)
        if entity >= 0:
            line = head.count(b"\n", 0, entity) + 1
            raise LogFormatError(
                f"{where}: line {line}: the file declares XML entities, which Apple Health "
                "exports never do; it was refused unread, because entities can exhaust "
                "memory ('billion laughs') or read other files. Export again from the Health app"
            )
        hole = re.sub(rb"[^\n]", b" ", head[match.start() : end])
        head = head[: match.start()] + hole + head[end:]
    if head:
        yield head
    yield from blocks


# --- the full parse (expat) -----------------------------------------------------------------


def parse_full(blocks: Iterator[bytes], collector: Collector, where: str) -> dict[str, int]:
    """Parse the whole XML with expat, handing the elements used to ``collector``.

    The fallback of the fast scan and the reference it is tested against. ``blocks`` come
    through :func:`prolog`; a DTD or entity declaration met later is refused, and an
    entity reference in the body is an error, never an expansion.

    Returns
    -------
    dict
        ``records`` (``<Record>`` elements) and ``inner`` (used record types inside a
        ``<Correlation>``, skipped: they repeat top-level records).
    """
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    state = {"records": 0, "inner": 0, "depth": 0, "root": 0}
    lines: list[int] = []
    elements: list[Element] = []

    def refuse(*_: object) -> None:
        raise LogFormatError(f"{where}: the file declares XML entities or a DTD; refused")

    def start(name: str, attrs: dict[str, str]) -> None:
        get = attrs.get
        if name == "Record":
            state["records"] += 1
            kind = _FULL_TYPE_KIND.get(get("type", ""))
            if kind is None:
                return
            if state["depth"]:
                state["inner"] += 1
                return
            values = (
                get("sourceName", ""),
                get("unit", ""),
                get("startDate", ""),
                get("endDate", ""),
                get("value", ""),
            )
        elif name == "Correlation":
            state["depth"] += 1
            return
        elif state["depth"]:
            return
        elif name == "Workout":
            kind = get("workoutActivityType", "").removeprefix("HKWorkoutActivityType").encode()
            values = (
                get("sourceName", ""),
                get("durationUnit", ""),
                get("startDate", ""),
                get("endDate", ""),
                get("duration", ""),
            )
        elif name == "ActivitySummary":
            kind = b"ActivitySummary"
            values = (
                "",
                get("appleStandHours", ""),
                get("dateComponents", ""),
                "",
                get("appleExerciseTime", ""),
            )
        else:
            if not state["root"]:
                state["root"] = 1
                if name != "HealthData":
                    raise LogFormatError(
                        f"{where}: the XML's root element is <{name}>, not <HealthData>: this "
                        "is not the export.xml of the Health app"
                    )
            return
        lines.append(parser.CurrentLineNumber)
        a, b, c, d, e = (v.encode("utf-8") for v in values)
        elements.append((kind, a, b, c, d, e))

    def end(name: str) -> None:
        if name == "Correlation":
            state["depth"] -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse  # type: ignore[assignment]
    parser.StartDoctypeDeclHandler = refuse
    size = 0
    try:
        for block in blocks:
            size += len(block)
            parser.Parse(block.translate(CONTROL_TO_SPACE), False)
            collector.add(lines, elements)
            lines.clear()
            elements.clear()
        parser.Parse(b"", True)
        collector.add(lines, elements)
    except expat.ExpatError as exc:
        raise _xml_error(where, parser, exc, size) from None
    return state


def _xml_error(
    where: str, parser: expat.XMLParserType, exc: expat.ExpatError, size: int
) -> LogFormatError:
    line, column, offset = parser.ErrorLineNumber, parser.ErrorColumnNumber, parser.ErrorByteIndex
    codes = expat.errors.codes
    what = expat.errors.messages.get(exc.code, str(exc))
    cut = (
        codes[expat.errors.XML_ERROR_NO_ELEMENTS],
        codes[expat.errors.XML_ERROR_UNCLOSED_TOKEN],
        codes[expat.errors.XML_ERROR_PARTIAL_CHAR],
    )
    if exc.code in cut or offset < 0 or offset >= size - 1:
        return LogFormatError(
            f"{where}: the export ends in the middle (line {line}, byte {size}): it is "
            f"incomplete ({what}). Export again from the Health app and copy or unzip the "
            "whole file"
        )
    if exc.code == codes[expat.errors.XML_ERROR_UNDEFINED_ENTITY]:
        return LogFormatError(
            f"{where}: line {line}, column {column} (byte {offset}) refers to an undefined "
            "XML entity; Apple Health exports never do, so the file was refused"
        )
    return LogFormatError(
        f"{where}: the XML is broken at line {line}, column {column} (byte {offset}): "
        f"{what}. Export again from the Health app"
    )
