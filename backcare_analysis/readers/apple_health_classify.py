"""Apple Health fast scan, first stage: classifying the lines of a chunk with numpy.

Runs in a background thread (numpy does not hold the GIL). A chunk qualifies only when
every ``<`` in it starts a line; a line is then skipped only when its bytes prove it is
not one of the few elements used, and the records used are cut into columns (source,
unit, dates, value) by the positions of their quotes, each attribute name checked. The
main thread (:mod:`.apple_health_fast`) walks the candidates that remain.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import as_strided

from .apple_health_stream import (
    RECORD_KINDS,
    Chunk,
    Records,
    in_background,
    line_chunks,
    no_records,
)
from .apple_health_text import check_text


@dataclass(frozen=True)
class Plan:
    """A classified chunk: its candidate lines (position of their ``<``, line number,
    class, row in ``records`` or -1) and the bytes from ``slow_from`` on, which go to the
    regular expression."""

    chunk: Chunk
    positions: list[int]
    lines: list[int]
    classes: list[int]
    rows: list[int]
    records: Records
    record_tags: int
    slow_from: int


# Candidate classes: a used record in Apple's layout; another start tag to parse; the end
# of a <Correlation>; </HealthData>; "<!" (comment, CDATA, declaration).
RELEVANT, TAG_LINE, CORR_END, END, BANG = range(1, 6)
_WINDOW = 64
_FIELD: Final = {b"sourceName": 64, b"unit": 16, b"startDate": 25, b"endDate": 25, b"value": 48}
_OPTIONAL: Final = (b"unit", b"value")
_MAX_PAIRS: Final = 12
_KIND_LEN: Final = np.array([len(k) for k in RECORD_KINDS], dtype=np.int64)


def _word(text: bytes) -> np.uint64:
    return np.uint64(int.from_bytes(text.ljust(8, b"\0")[:8], "little"))


def _mask(n: int) -> np.uint64:
    return np.uint64((1 << (8 * n)) - 1)


_NAME_CHAR = np.zeros(256, dtype=bool)
_NAME_CHAR[list(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_:.-")] = True
_NAME_CHAR[128:] = True
_BAD_VALUE_CHAR = np.zeros(256, dtype=bool)
_BAD_VALUE_CHAR[[*range(1, 32), ord("&"), ord("<")]] = True
#: The 16 bytes after ``HK...TypeIdentifier`` of each kind used (with its quote if short).
_KIND_KEYS = [
    (_word((k + b'"')[:8]), _word((k + b'"')[8:16]), _mask(min(8, len(k) + 1 - 8)))
    for k in RECORD_KINDS
]
_SPACES = np.uint64(0x2020202020202020)
_ONES, _HIGHS, _AMPS = (
    np.uint64(0x0101010101010101),
    np.uint64(0x8080808080808080),
    np.uint64(0x2626262626262626),
)


#: Apple's attributes after ``type``: `` name="`` as two masked little-endian words.
_ATTRIBUTE_WORDS: Final = {
    name: (
        _word(pattern[:8]),
        _word(pattern[8:16]),
        _mask(min(8, len(pattern))),
        _mask(max(0, len(pattern) - 8)),
    )
    for name in (
        b"sourceName",
        b"sourceVersion",
        b"device",
        b"unit",
        b"creationDate",
        b"startDate",
        b"endDate",
        b"value",
    )
    for pattern in [b" " + name + b'="'[:1]]
}


def _byte(word: npt.NDArray[np.uint64], k: int) -> npt.NDArray[np.uint64]:
    return (word >> np.uint64(8 * k)) & np.uint64(0xFF)


def _has_amp(words: npt.NDArray[np.uint64]) -> npt.NDArray[np.bool_]:
    x = words ^ _AMPS
    return ((x - _ONES) & ~x & _HIGHS) != 0  # type: ignore[no-any-return]


def classify(chunk: Chunk, scratch: npt.NDArray[np.bool_]) -> Plan:
    """Find the lines of a chunk that may hold an element used, prove the rest do not, and
    cut the records used into columns."""
    data, start, stop = chunk.data, chunk.start, chunk.stop
    a = np.frombuffer(data, dtype=np.uint8)
    starts = np.concatenate(([start], chunk.newlines + 1))
    starts = starts[starts < stop]
    fit = int(np.searchsorted(starts, len(a) - _WINDOW - 8))
    slow_from = int(starts[fit]) if fit < len(starts) else stop
    empty = Plan(chunk, [], [], [], [], no_records(), 0, start)
    if fit == 0:
        return empty
    windows = as_strided(a, shape=(len(a) - _WINDOW, _WINDOW), strides=(1, 1))
    # Indentation: how many of the low bytes of a line's first 8 are spaces.
    head = np.ascontiguousarray(windows[starts[:fit], :8]).view("<u8").ravel() ^ _SPACES
    lowest = (head & (~head + np.uint64(1))).astype(np.float64)
    indent = np.where(head == 0, 0, np.log2(np.maximum(lowest, 1)).astype(np.int64) // 8)
    tags = starts[:fit] + indent
    lead = a[tags] == 60
    region = a[start:slow_from]
    if np.count_nonzero(np.equal(region, 60, out=scratch[: len(region)])) != np.count_nonzero(lead):
        return empty  # a "<" that does not start a line: the whole chunk goes to the regex
    index = np.flatnonzero(lead)
    tags = tags[index]
    w = np.ascontiguousarray(windows[tags, :56]).view("<u8")
    w0, w1 = w[:, 0], w[:, 1]
    record = ((w0 & _mask(7)) == _word(b"<Record")) & ~_NAME_CHAR[_byte(w0, 7)]
    standard = (
        record
        & (w0 == _word(b"<Record "))
        & (w1 == _word(b'type="HK'))
        & ((w[:, 2] == _word(b"Quantity")) | (w[:, 2] == _word(b"Category")))
        & (w[:, 3] == _word(b"TypeIden"))
        & ((w[:, 4] & _mask(6)) == _word(b"tifier"))
    )
    k1 = (w[:, 4] >> np.uint64(48)) | (w[:, 5] << np.uint64(16))
    k2 = (w[:, 5] >> np.uint64(48)) | (w[:, 6] << np.uint64(16))
    kind = np.full(len(tags), -1, dtype=np.int64)
    for code, (first, second, mask) in enumerate(_KIND_KEYS):
        kind[(k1 == first) & ((k2 & mask) == second)] = code
    # An escape in the type name could spell a kind used: such lines are parsed in full.
    escaped = _has_amp(k1) | _has_amp(k2) | _has_amp((w[:, 6] >> np.uint64(48)) | ~_mask(2))
    classes = np.zeros(len(tags), dtype=np.uint8)
    classes[standard & (kind >= 0) & ~escaped] = RELEVANT
    classes[record & (~standard | escaped)] = TAG_LINE
    classes[(w0 == _word(b"<Workout")) & ~_NAME_CHAR[_byte(w1, 0)]] = TAG_LINE
    summary = (w0 == _word(b"<Activit")) & (w1 == _word(b"ySummary"))
    classes[summary & ~_NAME_CHAR[_byte(w[:, 2], 0)]] = TAG_LINE
    correlation = (w0 == _word(b"<Correla")) & ((w1 & _mask(4)) == _word(b"tion"))
    classes[correlation & ~_NAME_CHAR[_byte(w1, 4)]] = TAG_LINE
    classes[w0 == _word(b"</Correl")] = CORR_END
    classes[w0 == _word(b"</Health")] = END
    classes[_byte(w0, 1) == ord("!")] = BANG
    pick = np.flatnonzero(classes)
    line_numbers = chunk.first_line + index[pick]
    rows = np.full(len(pick), -1, dtype=np.int64)
    relevant = np.flatnonzero(classes[pick] == RELEVANT)
    records = no_records()
    if len(relevant):
        at = tags[pick[relevant]]
        newlines = chunk.newlines if len(chunk.newlines) else np.zeros(1, dtype=np.int64)
        ends = newlines[np.minimum(np.searchsorted(newlines, at), len(newlines) - 1)]
        ok, records = _columns(
            a, windows, at, ends, kind[pick[relevant]], line_numbers[relevant], newlines, scratch
        )
        rows[relevant[ok]] = np.arange(int(ok.sum()))
    return Plan(
        chunk,
        tags[pick].tolist(),
        line_numbers.tolist(),
        classes[pick].tolist(),
        rows.tolist(),
        records,
        int(np.count_nonzero(record)),
        slow_from,
    )


def _columns(
    a: npt.NDArray[np.uint8],
    windows: npt.NDArray[np.uint8],
    tags: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
    kinds: npt.NDArray[np.int64],
    lines: npt.NDArray[np.int64],
    newlines: npt.NDArray[np.int64],
    scratch: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.bool_], Records]:
    """Cut records into columns by the positions of their quotes.

    A record qualifies (``ok``) when its line is exactly ``<Record type="..."`` followed
    by `` name="value"`` pairs (single spaces, names of name characters) and ``/>`` or
    ``>``, each attribute used appears at most once, and its value holds no escape or
    control character and fits its column. The others are parsed one by one.
    """
    n = len(tags)
    ok = (ends > tags) & (ends + _WINDOW < len(windows))
    lo, hi = int(tags[0]), max(int(ends.max()), int(tags[0]))
    quotes = np.flatnonzero(np.equal(a[lo:hi], 34, out=scratch[: hi - lo])) + lo
    if len(quotes) < 2:
        return np.zeros(n, dtype=bool), no_records()
    top = len(quotes) - 1
    first = np.searchsorted(quotes, tags)
    count = np.searchsorted(quotes, ends) - first
    ok &= (count >= 8) & (count % 2 == 0) & (count <= 2 * _MAX_PAIRS)
    ok &= quotes[np.minimum(first, top)] == tags + 13
    ok &= quotes[np.minimum(first + 1, top)] == tags + 38 + _KIND_LEN[kinds]
    last = quotes[np.clip(first + count - 1, 0, top)]
    after = a[np.minimum(last + 1, len(a) - 2)]
    slash = (after == ord("/")) & (a[np.minimum(last + 2, len(a) - 1)] == ord(">"))
    ok &= ((after == ord(">")) | slash) & (ends - last - slash <= 2 + (a[ends - 1] == 13))
    # Every pair after the type: a space, a name, "=", then the quoted value.
    pairs = np.arange(1, max(2, int(np.where(ok, count, 0).max()) // 2))
    exists = (pairs < (count // 2)[:, None]) & ok[:, None]
    opening = quotes[np.clip(first[:, None] + 2 * pairs, 0, top)]
    before = quotes[np.clip(first[:, None] + 2 * pairs - 1, 0, top)]
    gap = np.where(exists, opening - before - 3, 0)
    seg = np.ascontiguousarray(windows[np.where(exists, before + 1, 0), :16]).view("<u8")
    matches: dict[bytes, npt.NDArray[np.bool_]] = {}
    known = ~exists
    for name, (low, high, low_mask, high_mask) in _ATTRIBUTE_WORDS.items():
        same = (gap == len(name)) & ((seg[:, :, 0] & low_mask) == low)
        same &= (seg[:, :, 1] & high_mask) == high
        matches[name] = same
        known |= same
    # Every pair is one of Apple's attributes, each used attribute at most once.
    ok &= known.all(axis=1)
    columns: dict[bytes, npt.NDArray[np.bytes_]] = {}
    region = a[lo:hi]
    amps = np.flatnonzero(np.equal(region, 38, out=scratch[: hi - lo])) + lo
    breaks = int(np.searchsorted(newlines, hi) - np.searchsorted(newlines, lo))
    controls = np.count_nonzero(np.less(region, 32, out=scratch[: hi - lo])) != breaks
    for name, width in _FIELD.items():
        match = matches[name]
        times = match.sum(axis=1)
        ok &= (times <= 1) & ((times == 1) | (name in _OPTIONAL))
        present = ok & (times == 1)
        at = first + 2 * (np.argmax(match, axis=1) + 1)  # index of the value's opening quote
        slot = np.where(present, quotes[np.clip(at, 0, top)], 0)
        close = quotes[np.clip(at + 1, 0, top)]
        length = np.where(present, close - slot - 1, 0)
        ok &= (length <= width) & ((length == 25) | (width != 25) | ~present)
        # No escape in a value used (the device attribute is full of them: not used).
        ok &= np.searchsorted(amps, close) == np.searchsorted(amps, slot)
        text = windows[slot + 1, :width]
        if width != 25:
            text = text * (np.arange(width) < length[:, None])
        if controls:
            ok &= ~_BAD_VALUE_CHAR[text].any(axis=1)
        columns[name] = np.ascontiguousarray(text).view(f"S{width}").ravel()
    kind_names = np.array(RECORD_KINDS)[kinds]
    s, u, a0, a1, v = (columns[name][ok] for name in _FIELD)
    return ok, Records(kind_names[ok], s, u, a0, a1, v, lines[ok])


def _classified(chunks: Iterator[Chunk], block_bytes: int) -> Iterator[Plan]:
    scratch = np.empty(block_bytes + (1 << 20), dtype=bool)
    for chunk in chunks:
        if len(chunk.data) > len(scratch):
            scratch = np.empty(len(chunk.data), dtype=bool)
        check_text(chunk)  # what expat would refuse makes the scan fall back
        yield classify(chunk, scratch)


def fast_plans(blocks: Iterator[bytes], block_bytes: int) -> Generator[Plan, None, None]:
    """Chunks classified two threads ahead: reading or inflating in one, numpy in another."""
    return in_background(_classified(in_background(line_chunks(blocks)), block_bytes))
