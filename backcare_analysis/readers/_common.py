"""Helpers shared by the readers: sniffing a file's head, decoding text, the one CSV layer
(line numbers, universal newlines, no field limit), the one plausibility check for dates and
numbers, and collecting rejected and not-analysed rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import pandas as pd

from ..schema import DAILY_RANGES, LogFormatError, conform

HEAD_BYTES = 64 * 1024
#: ``log.parameters`` key of what an export says about its person (Apple Health's date of
#: birth and sex, Fitbit's profile), used only to tell two people's exports apart
#: (``tracker_people``); ``read_log`` drops it from the log it returns.
PROFILE_KEY: Final = "export_profile"


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
        # Universal newlines: a file saved with CR-only line endings has lines too.
        first = self.text.lstrip("\ufeff").split("\n", 1)[0].split("\r", 1)[0]
        return first.strip()


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


def universal_newlines(text: str) -> str:
    """``text`` with CRLF and lone CR line endings turned into LF (as Python's universal
    newlines do), so files saved on old Macs or edited in odd tools read line by line."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


#: No CSV field limit below the file itself: a long note must not abort a read.
_FIELD_LIMIT: Final = min(sys.maxsize, 2**31 - 1)


def csv_records(
    text: str, *, delimiter: str = ",", file: str = ""
) -> Iterator[tuple[int, list[str], str]]:
    """Yield ``(line_number, fields, raw_text)`` for each CSV record after the header.

    This is the one CSV layer of every CSV reader: line endings are universal (CRLF, LF or
    CR), fields have no size limit, and a malformed record becomes a
    :class:`~backcare_analysis.schema.LogFormatError` naming the file and line, never a
    ``_csv.Error``. Line numbers are 1-based physical lines of the file, counting the
    header as line 1; a record whose quoted field spans several lines reports the line it
    starts on.
    """
    if csv.field_size_limit() < _FIELD_LIMIT:
        csv.field_size_limit(_FIELD_LIMIT)
    body = universal_newlines(text.lstrip("\ufeff"))
    # Split on "\n" only, as the csv module does (splitlines also breaks on U+2028 etc.).
    lines = body.split("\n")
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter)
    previous_end = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            where = f"{file}: " if file else ""
            raise LogFormatError(
                f"{where}line {previous_end + 1}: the CSV cannot be read past this line "
                f"({exc}); open the file in a spreadsheet, check that line, save it as CSV "
                "and try again"
            ) from exc
        start = previous_end + 1
        previous_end = reader.line_num
        if start == 1:
            continue  # header
        raw = "\n".join(lines[start - 1 : previous_end])
        yield start, fields, raw


# --- plausibility: one check every reader's dates and numbers pass through -------------

#: The earliest day a log can plausibly describe (before any of the supported apps).
FIRST_PLAUSIBLE_DAY: Final = dt.date(1980, 1, 1)
#: Days after today (the reading machine's clock) still accepted, for time zones.
FUTURE_DAYS_ACCEPTED: Final = 2
#: The longest a number written in an export can plausibly be, in characters.
_MAX_NUMBER_CHARS: Final = 40


def last_plausible_day() -> dt.date:
    """Today plus :data:`FUTURE_DAYS_ACCEPTED`: no export records a later day."""
    return dt.date.today() + dt.timedelta(days=FUTURE_DAYS_ACCEPTED)


def implausible_day(day: dt.date | pd.Timestamp) -> str | None:
    """The reason a calendar day cannot be in a real log, or None when it can.

    Parameters
    ----------
    day
        The local calendar day of a row.

    Returns
    -------
    str or None
        ``"date 9999-01-01 is after today ..."`` and the like, for a rejected row's reason.
    """
    value = day.date() if isinstance(day, pd.Timestamp) else day
    if value < FIRST_PLAUSIBLE_DAY:
        return (
            f"date {value.isoformat()} is before {FIRST_PLAUSIBLE_DAY.isoformat()}: "
            "no log this old is plausible; check the year"
        )
    if value > last_plausible_day():
        return f"date {value.isoformat()} is in the future: check the year"
    return None


def plausible_days(days: pd.Series) -> pd.Series:
    """Boolean mask of the days in ``days`` (datetime64) that pass :func:`implausible_day`;
    missing days are False."""
    first = pd.Timestamp(FIRST_PLAUSIBLE_DAY)
    last = pd.Timestamp(last_plausible_day())
    dates = pd.to_datetime(days, errors="coerce")
    return ((dates >= first) & (dates <= last)).fillna(False).astype(bool)


def parse_number(text: str, *, name: str = "value") -> float:
    """Parse a number as exports write it, refusing what cannot be a measurement.

    Parameters
    ----------
    text
        ``"94"``, ``" 2.5 "``, ``"1,5"`` (decimal comma) ...
    name
        What the number is, for the message.

    Returns
    -------
    float
        A finite number.

    Raises
    ------
    ValueError
        With a reason fit for a rejected row: not a number, too long to be one, or not
        finite (``inf``, ``nan``, ``1e309``).
    """
    s = text.strip()
    if len(s) > _MAX_NUMBER_CHARS:
        raise ValueError(f"{name} is {len(s)} characters long: not a plausible number")
    if s.count(",") == 1 and "." not in s:
        s = s.replace(",", ".")
    try:
        value = float(s)
    except ValueError:
        raise ValueError(f"{name} {text.strip()[:40]!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} {text.strip()[:40]!r} is not a finite number")
    return value


def out_of_range(column: str, value: float) -> str | None:
    """The reason ``value`` cannot be in daily column ``column``, or None when it can.

    Uses :data:`~backcare_analysis.schema.DAILY_RANGES`; values outside are rejected, never
    clipped.
    """
    if not math.isfinite(value):
        return f"{column} {value} is not a finite number"
    low, high = DAILY_RANGES[column]
    if value < low or value > high:
        return f"{column} {value:g} is outside the plausible range {low:g} to {high:g}"
    return None


@dataclass
class Rejections:
    """Collects the rows of one file that were rejected (wrong) or not analysed (fine, but
    no analysis uses them), each with line and reason."""

    source: str
    file: str
    rows: list[dict[str, object]] = field(default_factory=list)
    skipped: list[dict[str, object]] = field(default_factory=list)

    def add(self, line: int | None, reason: str, raw: str) -> None:
        """Record one rejected input row: something about it is wrong."""
        self.rows.append(
            {"source": self.source, "file": self.file, "line": line, "reason": reason, "raw": raw}
        )

    def skip(self, line: int | None, reason: str, raw: str) -> None:
        """Record one input row that is fine but not analysed (a Mood rating, say)."""
        self.skipped.append(
            {"source": self.source, "file": self.file, "line": line, "reason": reason, "raw": raw}
        )

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def n_not_analysed(self) -> int:
        """How many rows were recorded with :meth:`skip`."""
        return len(self.skipped)

    def frame(self) -> pd.DataFrame:
        """The rejected rows as a canonical ``rejected`` table."""
        return conform(pd.DataFrame(self.rows, columns=list(REJECTED_KEYS)), "rejected")

    def not_analysed_frame(self) -> pd.DataFrame:
        """The not-analysed rows as a canonical ``not_analysed`` table."""
        return conform(pd.DataFrame(self.skipped, columns=list(REJECTED_KEYS)), "not_analysed")


REJECTED_KEYS = ("source", "file", "line", "reason", "raw")


def provenance_row(
    path: Path,
    source: str,
    *,
    rows_read: int,
    rows_used: int,
    rows_rejected: int,
    rows_not_analysed: int = 0,
    note: str = "",
) -> pd.DataFrame:
    """A one-row canonical provenance table for one input file.

    ``rows_used + rows_not_analysed + rows_rejected`` must equal ``rows_read``.
    """
    if rows_used + rows_not_analysed + rows_rejected != rows_read:
        raise ValueError(
            f"{path}: row accounting does not add up (used {rows_used} + not analysed "
            f"{rows_not_analysed} + rejected {rows_rejected} != read {rows_read}); this is a "
            "bug in the reader"
        )
    return conform(
        pd.DataFrame(
            [
                {
                    "file": str(path),
                    "source": source,
                    "rows_read": rows_read,
                    "rows_used": rows_used,
                    "rows_not_analysed": rows_not_analysed,
                    "rows_rejected": rows_rejected,
                    "note": note,
                }
            ]
        ),
        "provenance",
    )
