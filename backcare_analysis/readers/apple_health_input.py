"""Apple Health: the input stream: the export inside a zip, its bytes in blocks (inflated
and CRC-checked without extracting), and the DOCTYPE blanked out unread."""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from ..schema import LogFormatError

#: Bytes read, inflated and classified at a time; larger blocks cost more in page faults
#: than they save in per-block work.
BLOCK_BYTES: Final = 4 << 20
#: The DOCTYPE must end within this many bytes.
MAX_PROLOG_BYTES: Final = 1 << 20


def is_health_head(raw: bytes) -> bool:
    """True when the first bytes of a file are those of an Apple Health ``export.xml``."""
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") and (b"<HealthData" in raw or b"<!DOCTYPE HealthData" in raw)


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
                check_member(path, info)
                with zf.open(info) as fh:
                    if is_health_head(fh.read(MAX_PROLOG_BYTES // 4)):
                        found.append(info)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
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


#: Compression methods Python's zipfile reads: stored, deflate, bzip2, lzma.
READABLE_METHODS: Final = frozenset({0, 8, 12, 14})
_DEFLATE64, _AES = 9, 99


def check_member(path: Path, info: zipfile.ZipInfo) -> None:
    """Refuse a zip member that cannot be read: encrypted (a password, or WinZip AES), or
    compressed with a method other than stored, deflate, bzip2 or lzma (Deflate64 is what
    Windows Explorer and some archivers write for large files).

    Raises
    ------
    LogFormatError
        Naming the file, the member and what to do.
    """
    if info.flag_bits & 0x1 or info.compress_type == _AES:
        raise LogFormatError(
            f"{path}: {info.filename} is encrypted; export again from the Health "
            "app and do not protect the zip with a password"
        )
    if info.compress_type not in READABLE_METHODS:
        method = "Deflate64" if info.compress_type == _DEFLATE64 else f"method {info.compress_type}"
        raise LogFormatError(
            f"{path}: {info.filename} is compressed with {method}, which cannot be read here; "
            "re-zip the export with standard Deflate (or pass the unzipped export.xml), or "
            "export again from the Health app"
        )


def raw_blocks(
    path: Path, member: zipfile.ZipInfo | None, block_bytes: int = BLOCK_BYTES
) -> Iterator[bytes]:
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
                while block := fh.read(block_bytes):
                    yield block
        elif member.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            yield from _zip_blocks(path, member, block_bytes)
        else:  # bzip2, lzma: rare, and slower through zipfile
            with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
                while block := fh.read(block_bytes):
                    yield block
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise LogFormatError(
            f"{path}: the zip archive is damaged ({exc}); export it again from the Health app"
        ) from exc


def _zip_blocks(path: Path, info: zipfile.ZipInfo, block_bytes: int) -> Iterator[bytes]:
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
                pending = fh.read(min(1 << 20 if inflater else block_bytes, left))
                if not pending:
                    raise zipfile.BadZipFile(f"{info.filename} is cut short")
                left -= len(pending)
            if inflater is None:
                block, pending = pending, b""
            else:
                block = inflater.decompress(pending, block_bytes)
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


#: The ``<Me>`` element's attributes that tell two people apart (see ``tracker_people``).
_ME: Final = re.compile(rb"<Me\s([^<>]{0,4096})>")
_ME_KEYS: Final = {
    b"HKCharacteristicTypeIdentifierDateOfBirth": "date_of_birth",
    b"HKCharacteristicTypeIdentifierBiologicalSex": "biological_sex",
}


def profile_of(head: bytes) -> dict[str, str]:
    """The date of birth and biological sex the ``<Me>`` element of an export's head
    states (empty or ``...NotSet`` values left out)."""
    match = _ME.search(head)
    if match is None:
        return {}
    found: dict[str, str] = {}
    for key, value in re.findall(rb'(\w+)\s*=\s*"([^"]*)"', match.group(1)):
        name = _ME_KEYS.get(key)
        text = value.decode("utf-8", errors="replace").strip()
        if name and text and not text.endswith("NotSet"):
            found[name] = text.removeprefix("HKBiologicalSex")
    return found


def prolog(
    blocks: Iterator[bytes], where: str, profile: dict[str, str] | None = None
) -> Iterator[bytes]:
    """``blocks`` with the DOCTYPE (internal DTD included) turned into spaces; offsets and
    line numbers stay true (newlines are kept). ``profile``, when given, receives
    :func:`profile_of` the head.

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
    if profile is not None:
        profile.update(profile_of(head))
    if head:
        yield head
    yield from blocks


#: No start tag, comment or text between two tags of a real export comes near this; a
#: longer stretch without a ``<`` is refused before any parser has to hold it.
MAX_TAG_BYTES: Final = 8 << 20


def bounded(blocks: Iterator[bytes], where: str) -> Iterator[bytes]:
    """``blocks`` unchanged, refused as soon as more than :data:`MAX_TAG_BYTES` pass
    without a ``<``: a single tag (or comment, or text) that long is no export, and
    neither parser should have to hold it (expat buffers an unfinished tag whole and, in
    older versions, parses it again for every block: hours and gigabytes for a 1 GiB tag).

    Only the stretch that crosses a block boundary is measured, two ``memchr`` calls per
    block; a stretch within one block is bounded by the block itself.

    Raises
    ------
    LogFormatError
        Naming the file, the byte where the stretch starts, and what to do.
    """
    run = 0  # bytes since the last "<"
    offset = run_offset = 0
    for block in blocks:
        first = block.find(b"<")
        if run + (len(block) if first < 0 else first) > MAX_TAG_BYTES:
            raise LogFormatError(
                f"{where}: from byte {run_offset} on, more than {MAX_TAG_BYTES >> 20} MiB "
                "pass without a new tag; a single tag that long is not written by the Health "
                "app (the file is damaged or was made to exhaust memory). Export again from "
                "the Health app"
            )
        if first < 0:
            run += len(block)
        else:
            last = block.rfind(b"<")
            run = len(block) - last
            run_offset = offset + last
        offset += len(block)
        yield block
