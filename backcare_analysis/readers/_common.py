"""Helpers shared by the readers: sniffing a file's head, decoding text, CSV rows with line
numbers, and collecting rejected rows."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..schema import LogFormatError, conform

HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class Head:
    """The first bytes of a file and what can be told from them without reading it all.

    Attributes
    ----------
    path
        The file.
    raw
        Up to the first 64 KiB.
    text
        ``raw`` decoded (BOM and UTF-16 handled), or None when it looks binary.
    zip_names
        Member names when the file is a zip archive, else an empty tuple.
    """

    path: Path
    raw: bytes
    text: str | None
    zip_names: tuple[str, ...] = ()

    @property
    def first_line(self) -> str:
        """The first line of the text, stripped, or ``""``."""
        if not self.text:
            return ""
        return self.text.lstrip("\ufeff").split("\n", 1)[0].strip().strip("\r")


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """Decode bytes from a spreadsheet or app export, returning ``(text, encoding)``.

    UTF-8 (with or without BOM) and UTF-16 with a BOM (Excel's "Unicode text") are
    recognised; anything else that is not valid UTF-8 is read as Windows-1252, the usual
    encoding of a European spreadsheet saved as CSV.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace"), "utf-16"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of a 64 KiB head is still UTF-8.
        if exc.start >= len(raw) - 3:
            return raw[: exc.start].decode("utf-8"), "utf-8"
        return raw.decode("cp1252", errors="replace"), "cp1252"


def _looks_binary(raw: bytes) -> bool:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return b"\x00" in raw[:4096]


def read_head(path: Path) -> Head:
    """Read the head of ``path`` for format detection.

    Raises
    ------
    LogFormatError
        When the path does not exist or is empty.
    """
    if not path.exists():
        raise LogFormatError(f"{path}: no such file or folder")
    with path.open("rb") as fh:
        raw = fh.read(HEAD_BYTES)
    if not raw.strip(b" \t\r\n\xef\xbb\xbf"):
        raise LogFormatError(
            f"{path}: the file is empty; export your log again from the app "
            "(an export with no entries cannot be analysed)"
        )
    names: tuple[str, ...] = ()
    if raw.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = tuple(zf.namelist())
        except zipfile.BadZipFile as exc:
            raise LogFormatError(
                f"{path}: looks like a zip archive but cannot be opened ({exc}); "
                "the download may be incomplete: export it again"
            ) from exc
        return Head(path=path, raw=raw, text=None, zip_names=names)
    text = None if _looks_binary(raw) else decode_bytes(raw)[0]
    return Head(path=path, raw=raw, text=text)


def read_text(path: Path) -> tuple[str, str]:
    """Read a whole text file, returning ``(text, encoding)``; see :func:`decode_bytes`."""
    return decode_bytes(path.read_bytes())


def sniff_delimiter(header_line: str) -> str:
    """Pick the CSV delimiter of a header line: ``,``, ``;`` or tab."""
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d])


def csv_records(text: str, *, delimiter: str = ",") -> Iterator[tuple[int, list[str], str]]:
    """Yield ``(line_number, fields, raw_text)`` for each CSV record after the header.

    Line numbers are 1-based physical lines of the file, counting the header as line 1; a
    record whose quoted field spans several lines reports the line it starts on.
    """
    # Split on "\n" only, as the csv module does (splitlines also breaks on U+2028 etc.).
    lines = text.lstrip("\ufeff").split("\n")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    previous_end = 0
    for fields in reader:
        start = previous_end + 1
        previous_end = reader.line_num
        if start == 1:
            continue  # header
        raw = "\n".join(lines[start - 1 : previous_end]).rstrip("\r\n")
        yield start, fields, raw


@dataclass
class Rejections:
    """Collects rejected rows of one file, each with line and reason."""

    source: str
    file: str
    rows: list[dict[str, object]] = field(default_factory=list)

    def add(self, line: int | None, reason: str, raw: str) -> None:
        """Record one rejected input row."""
        self.rows.append(
            {"source": self.source, "file": self.file, "line": line, "reason": reason, "raw": raw}
        )

    def __len__(self) -> int:
        return len(self.rows)

    def frame(self) -> pd.DataFrame:
        """The rejected rows as a canonical ``rejected`` table."""
        return conform(pd.DataFrame(self.rows, columns=list(REJECTED_KEYS)), "rejected")


REJECTED_KEYS = ("source", "file", "line", "reason", "raw")


def provenance_row(
    path: Path, source: str, *, rows_read: int, rows_used: int, rows_rejected: int, note: str = ""
) -> pd.DataFrame:
    """A one-row canonical provenance table for one input file."""
    return conform(
        pd.DataFrame(
            [
                {
                    "file": str(path),
                    "source": source,
                    "rows_read": rows_read,
                    "rows_used": rows_used,
                    "rows_rejected": rows_rejected,
                    "note": note,
                }
            ]
        ),
        "provenance",
    )
