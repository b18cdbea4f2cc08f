"""Seeded mutations of export files: bytes in, bytes out, the same seed gives the same bytes.

Each mutation is a function ``(data, rng) -> bytes``; the catalogues below group them by
the family of input they make sense for (CSV text, JSON, XML, a zip holding XML). Generic
mutations (truncations, byte flips, encodings, line endings) apply to every text family.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Final

Mutation = Callable[[bytes, random.Random], bytes]

#: Numbers no export should get past a reader as a value.
ODD_NUMBERS: Final = ("inf", "-inf", "nan", "NaN", "1e309", "9" * 5000, "-5", "1,5", "-0", "1e-320")
#: ISO days that are absurd or impossible.
ODD_ISO_DAYS: Final = ("9999-01-01", "0001-01-01", "2024-02-30", "1979-12-31", "2024-13-01")
HUGE_FIELD_CHARS: Final = 200_000
JSON_DEPTH: Final = 100_000
XML_DEPTH: Final = 100_000
XML_HUGE_TAG_BYTES: Final = 3_000_000

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ORDINAL_DAY = re.compile(r"\d{1,2}(?:st|nd|rd|th) [A-Z][a-z]{2} \d{4}")
_US_DAY = re.compile(r"\d{2}/\d{2}/\d{2}\b")
_NUMBER_FIELD = re.compile(r"^-?\d+(?:\.\d+)?[A-Za-z%]*$")


# --- helpers -------------------------------------------------------------------------------


def _text(data: bytes) -> tuple[str, bool]:
    """Decode a base input (UTF-8, maybe with BOM); the flag says whether it had a BOM."""
    bom = data.startswith(b"\xef\xbb\xbf")
    return data.decode("utf-8-sig", errors="replace"), bom


def _bytes(text: str, bom: bool) -> bytes:
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


def _on_text(edit: Callable[[str, random.Random], str]) -> Mutation:
    def mutation(data: bytes, rng: random.Random) -> bytes:
        text, bom = _text(data)
        return _bytes(edit(text, rng), bom)

    mutation.__name__ = edit.__name__
    return mutation


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _data_index(lines: list[str], rng: random.Random) -> int:
    """A random non-empty line after the header (or the header when there is none)."""
    candidates = [i for i, line in enumerate(lines) if i > 0 and line.strip()]
    return rng.choice(candidates) if candidates else 0


def _split_fields(line: str) -> list[str]:
    """Split a CSV line on commas outside double quotes (enough for the base inputs)."""
    fields: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            fields.append("".join(current))
            current = []
        else:
            current.append(ch)
    fields.append("".join(current))
    return fields


def _edit_field(text: str, rng: random.Random, edit: Callable[[list[str], int], object]) -> str:
    lines = _lines(text)
    i = _data_index(lines, rng)
    fields = _split_fields(lines[i])
    edit(fields, rng.randrange(len(fields)))
    lines[i] = ",".join(fields)
    return "\n".join(lines)


# --- generic byte mutations ----------------------------------------------------------------


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(1, max(2, len(data)))]


def truncate_head(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(1, min(64, len(data)) + 1)]


def byte_flip(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.choice((1, 1, 4, 32))):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def delete_chunk(data: bytes, rng: random.Random) -> bytes:
    i = rng.randrange(len(data))
    return data[:i] + data[i + rng.randrange(1, 200) :]


def insert_nul(data: bytes, rng: random.Random) -> bytes:
    i = rng.randrange(len(data))
    return data[:i] + b"\x00" * rng.choice((1, 8)) + data[i:]


def utf16(data: bytes, rng: random.Random) -> bytes:
    """UTF-16 without a byte order mark (little or big endian)."""
    text, _ = _text(data)
    return text.encode(rng.choice(("utf-16-le", "utf-16-be")))


def utf16_bom(data: bytes, rng: random.Random) -> bytes:
    """UTF-16 with a byte order mark, as Excel's "Unicode text" writes it."""
    text, _ = _text(data)
    return text.encode("utf-16")


def cp1252(data: bytes, rng: random.Random) -> bytes:
    """Windows-1252 with accented letters (a European spreadsheet saved as CSV)."""
    text, _ = _text(data)
    lines = _lines(text)
    i = _data_index(lines, rng)
    lines[i] = lines[i].replace("o", "ö", 1).replace("e", "é", 1) + (
        "ü" if rng.random() < 0.5 else ""
    )
    return "\n".join(lines).encode("cp1252", errors="replace")


def invalid_utf8(data: bytes, rng: random.Random) -> bytes:
    i = rng.randrange(len(data))
    return data[:i] + rng.choice((b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xe2\x82")) + data[i:]


def crlf(data: bytes, rng: random.Random) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def cr_only(data: bytes, rng: random.Random) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")


def mixed_line_endings(data: bytes, rng: random.Random) -> bytes:
    parts = data.split(b"\n")
    return b"".join(p + rng.choice((b"\n", b"\r\n", b"\r")) for p in parts[:-1]) + parts[-1]


GENERIC: Final[dict[str, Mutation]] = {
    f.__name__: f
    for f in (
        truncate,
        truncate_head,
        byte_flip,
        delete_chunk,
        insert_nul,
        utf16,
        utf16_bom,
        cp1252,
        invalid_utf8,
        crlf,
        cr_only,
        mixed_line_endings,
    )
}


# --- CSV text -------------------------------------------------------------------------------


@_on_text
def drop_line(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    del lines[_data_index(lines, rng)]
    return "\n".join(lines)


@_on_text
def duplicate_line(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    i = _data_index(lines, rng)
    lines.insert(i, lines[i])
    return "\n".join(lines)


@_on_text
def blank_lines(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    lines.insert(_data_index(lines, rng), rng.choice(("", "   ", ",,,")))
    return "\n".join(lines)


@_on_text
def drop_field(text: str, rng: random.Random) -> str:
    return _edit_field(text, rng, lambda f, i: f.pop(i) if len(f) > 1 else None)


@_on_text
def extra_field(text: str, rng: random.Random) -> str:
    return _edit_field(text, rng, lambda f, i: f.insert(i, "extra"))


@_on_text
def empty_field(text: str, rng: random.Random) -> str:
    return _edit_field(text, rng, lambda f, i: f.__setitem__(i, ""))


@_on_text
def unbalanced_quote(text: str, rng: random.Random) -> str:
    return _edit_field(text, rng, lambda f, i: f.__setitem__(i, '"' + f[i].strip('"')))


@_on_text
def huge_field(text: str, rng: random.Random) -> str:
    blob = '"' + "x" * HUGE_FIELD_CHARS + '"'
    return _edit_field(text, rng, lambda f, i: f.__setitem__(i, blob))


@_on_text
def header_only(text: str, rng: random.Random) -> str:
    return _lines(text)[0] + "\n"


@_on_text
def header_drop_column(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    fields = _split_fields(lines[0])
    fields.pop(rng.randrange(len(fields)))
    lines[0] = ",".join(fields)
    return "\n".join(lines)


@_on_text
def header_rename(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    fields = _split_fields(lines[0])
    i = rng.randrange(len(fields))
    fields[i] = fields[i].upper() if rng.random() < 0.5 else fields[i] + "_x"
    lines[0] = ",".join(fields)
    return "\n".join(lines)


def _odd_number_field(fields: list[str], i: int, rng: random.Random) -> None:
    numeric = [j for j, f in enumerate(fields) if _NUMBER_FIELD.match(f.strip().strip('"'))]
    j = rng.choice(numeric) if numeric else i
    odd = rng.choice(ODD_NUMBERS)
    old = fields[j].strip().strip('"')
    new = re.sub(r"-?\d+(?:\.\d+)?", lambda _: odd, old, count=1) if old else odd
    fields[j] = f'"{new}"'


@_on_text
def odd_number(text: str, rng: random.Random) -> str:
    return _edit_field(text, rng, lambda f, i: _odd_number_field(f, i, rng))


def odd_day(text: str, rng: random.Random) -> str:
    """``text`` with its first date (ISO, Bearable ordinal or Fitbit US style) made absurd."""
    if _ISO_DAY.search(text):
        return _ISO_DAY.sub(lambda _: rng.choice(ODD_ISO_DAYS), text, count=1)
    if _ORDINAL_DAY.search(text):
        odd = rng.choice(("6th Jan 9999", "1st Jan 0001", "30th Feb 2024", "31st Dec 1979"))
        return _ORDINAL_DAY.sub(odd, text, count=1)
    if _US_DAY.search(text):
        odd = rng.choice(("02/30/24", "13/01/25", "12/31/68", "00/00/00"))
        return _US_DAY.sub(odd, text, count=1)
    return text


@_on_text
def odd_date(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    i = _data_index(lines, rng)
    lines[i] = odd_day(lines[i], rng)
    return "\n".join(lines)


CSV: Final[dict[str, Mutation]] = {
    **GENERIC,
    **{
        f.__name__: f
        for f in (
            drop_line,
            duplicate_line,
            blank_lines,
            drop_field,
            extra_field,
            empty_field,
            unbalanced_quote,
            huge_field,
            header_only,
            header_drop_column,
            header_rename,
            odd_number,
            odd_date,
        )
    },
}
