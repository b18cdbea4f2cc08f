"""Apple Health: the fast scan of ``export.xml``, at close to disk speed.

It relies on Apple's layout, one start tag per line, and proves it chunk by chunk. In a
background thread numpy (which does not hold the GIL) classifies every line: a chunk
qualifies only when every ``<`` in it starts a line; a line is then skipped only when its
bytes prove it is not one of the few elements used, and the records used are cut into
columns (source, unit, dates, value) by the positions of their quotes, each attribute name
checked. The main thread only walks the candidates in order (to know when a record sits
inside a ``<Correlation>``) and parses the few lines the columns could not take. Chunks
that do not qualify go through a regular expression; whatever the scan cannot prove it
reads exactly raises :class:`Unsupported`, and the caller reads the file again with the
full XML parse, the reference this scan is tested against.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Final, Protocol, TypeVar

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import as_strided

#: A line longer than this is not Apple's one-record-per-line layout.
MAX_LINE_BYTES: Final = 64 << 20
#: Record types used, by the name after ``HK...TypeIdentifier``.
RECORD_KINDS: Final = (
    b"StepCount",
    b"AppleExerciseTime",
    b"AppleStandHour",
    b"DietaryWater",
    b"SleepAnalysis",
    b"LowerBackPain",
)
#: Full type names -> kind.
FULL_TYPE_KIND: Final = {
    b"HK" + group + b"TypeIdentifier" + kind: kind
    for kind in RECORD_KINDS
    for group in (b"Quantity", b"Category")
}
_ANY_CONTROL_TO_SPACE: Final = bytes.maketrans(bytes(range(32)), b" " * 32)

#: One element used: (kind, sourceName, unit, startDate, endDate, value). Workouts carry
#: (activity type, sourceName, durationUnit, startDate, endDate, duration); an
#: ActivitySummary (b"ActivitySummary", b"", appleStandHours, dateComponents, b"",
#: appleExerciseTime). Values are bytes as XML gives them (escapes decoded).
Element = tuple[bytes, bytes, bytes, bytes, bytes, bytes]


class Unsupported(Exception):
    """The fast scan met something it cannot prove it reads exactly."""


@dataclass(frozen=True)
class Records:
    """Records as columns of bytes (numpy ``S`` arrays), one row per record."""

    kind: npt.NDArray[np.bytes_]
    source: npt.NDArray[np.bytes_]
    unit: npt.NDArray[np.bytes_]
    start: npt.NDArray[np.bytes_]
    end: npt.NDArray[np.bytes_]
    value: npt.NDArray[np.bytes_]
    line: npt.NDArray[np.int64]

    def take(self, rows: npt.NDArray[np.bool_] | npt.NDArray[np.intp]) -> Records:
        """The selected rows."""
        k, s, u, a, b, v = (column[rows] for column in self._fields())
        return Records(k, s, u, a, b, v, self.line[rows])

    def elements(self) -> list[Element]:
        """The rows as :data:`Element` tuples."""
        return list(zip(*(column.tolist() for column in self._fields()), strict=True))

    def _fields(self) -> tuple[npt.NDArray[np.bytes_], ...]:
        return (self.kind, self.source, self.unit, self.start, self.end, self.value)


def _no_records() -> Records:
    empty = np.zeros(0, dtype="S1")
    return Records(empty, empty, empty, empty, empty, empty, np.zeros(0, dtype=np.int64))


@dataclass(frozen=True)
class Chunk:
    """Whole lines ``data[start:stop]``; ``first_line`` is the line number at ``start`` and
    ``newlines`` the positions of the newlines in that range."""

    data: bytes
    start: int
    stop: int
    first_line: int
    newlines: npt.NDArray[np.int64]


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


def line_chunks(blocks: Iterator[bytes]) -> Iterator[Chunk]:
    """Blocks as chunks of whole lines, never copied: the one line that straddles two
    blocks becomes a small chunk of its own."""
    pending = b""
    line = 1
    scratch = np.empty(0, dtype=bool)
    for block in blocks:
        first = block.find(b"\n")
        if first < 0:
            pending += block
            if len(pending) > MAX_LINE_BYTES:
                raise Unsupported(f"a line longer than {MAX_LINE_BYTES >> 20} MiB")
            continue
        bridge = pending + block[: first + 1]
        yield Chunk(bridge, 0, len(bridge), line, np.array([len(bridge) - 1], dtype=np.int64))
        line += 1
        stop = block.rfind(b"\n") + 1
        if stop > first + 1:
            body = np.frombuffer(block, np.uint8, stop - first - 1, first + 1)
            if len(scratch) < len(body):
                scratch = np.empty(len(body), dtype=bool)
            newlines = np.flatnonzero(np.equal(body, 10, out=scratch[: len(body)]))
            yield Chunk(block, first + 1, stop, line, newlines + (first + 1))
            line += len(newlines)
        pending = block[stop:]
    if pending:
        newlines = np.flatnonzero(np.frombuffer(pending, np.uint8) == 10)
        yield Chunk(pending, 0, len(pending), line, newlines)


T = TypeVar("T")


def in_background(items: Iterator[T], *, depth: int = 2) -> Generator[T, None, None]:
    """Run an iterator in a thread, ``depth`` items ahead; its errors are raised here.

    Closing the returned generator early stops the thread.
    """
    box: queue.Queue[tuple[int, object]] = queue.Queue(depth)
    stop = threading.Event()

    def put(item: tuple[int, object]) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put((0, item)):
                    return
            put((1, None))
        except BaseException as exc:  # handed to the consumer, raised there
            put((2, exc))

    thread = threading.Thread(target=run, name="apple-health-reader", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = box.get()
            if kind == 1:
                return
            if kind == 2:
                raise value  # type: ignore[misc]
            yield value  # type: ignore[misc]
    finally:
        stop.set()
        thread.join()


# --- classifying lines (numpy, background thread) ---------------------------------------

# Candidate classes: a used record in Apple's layout; another start tag to parse; the end
# of a <Correlation>; </HealthData>; "<!" (comment, CDATA, declaration).
_RELEVANT, _TAG_LINE, _CORR_END, _END, _BANG = range(1, 6)
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
    empty = Plan(chunk, [], [], [], [], _no_records(), 0, start)
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
    classes[standard & (kind >= 0) & ~escaped] = _RELEVANT
    classes[record & (~standard | escaped)] = _TAG_LINE
    classes[(w0 == _word(b"<Workout")) & ~_NAME_CHAR[_byte(w1, 0)]] = _TAG_LINE
    summary = (w0 == _word(b"<Activit")) & (w1 == _word(b"ySummary"))
    classes[summary & ~_NAME_CHAR[_byte(w[:, 2], 0)]] = _TAG_LINE
    correlation = (w0 == _word(b"<Correla")) & ((w1 & _mask(4)) == _word(b"tion"))
    classes[correlation & ~_NAME_CHAR[_byte(w1, 4)]] = _TAG_LINE
    classes[w0 == _word(b"</Correl")] = _CORR_END
    classes[w0 == _word(b"</Health")] = _END
    classes[_byte(w0, 1) == ord("!")] = _BANG
    pick = np.flatnonzero(classes)
    line_numbers = chunk.first_line + index[pick]
    rows = np.full(len(pick), -1, dtype=np.int64)
    relevant = np.flatnonzero(classes[pick] == _RELEVANT)
    records = _no_records()
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
        return np.zeros(n, dtype=bool), _no_records()
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


# --- the scan (main thread) ---------------------------------------------------------------

_KINDS_RE = b"|".join(RECORD_KINDS)
_V = rb'([^"&<\x00-\x1f]*)'  # a value used: no escapes, no control characters
_O = rb'[^"<\n]*'  # a value not used
_SCAN: Final = re.compile(
    rb"<(?:"
    rb'Record type="HK(?:Quantity|Category)TypeIdentifier(' + _KINDS_RE + rb')"'
    rb'(?: sourceName="'
    + _V
    + rb'"(?: sourceVersion="'
    + _O
    + rb'")?(?: device="'
    + _O
    + rb'")?(?: unit="'
    + _V
    + rb'")?(?: creationDate="'
    + _O
    + rb'")? startDate="'
    + _V
    + rb'" endDate="'
    + _V
    + rb'"(?: value="'
    + _V
    + rb'")?[ \t]*/?>'
    rb"|(?=([^\n]*)))"  # 7: a used record in another layout (not consumed)
    rb'|(Record(?! type="HK[^"&\n]*")(?![\w:.-])|!|/HealthData>)'  # 8: parse, or stop
    rb"|((?:Workout|ActivitySummary|/?Correlation)(?![\w:.-]))"  # 9
    rb")"
)
_TAG = re.compile(rb"<([\w:.-]+)((?:\s+[\w:.-]+\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'))*)\s*(/?)>")
_ATTR = re.compile(rb"([\w:.-]+)\s*=\s*(?:\"([^\"<]*)\"|'([^'<]*)')")
_REF = re.compile(rb"&(#x[0-9a-fA-F]+|#[0-9]+|\w+);?")
_NAMED: Final = {b"amp": b"&", b"lt": b"<", b"gt": b">", b"quot": b'"', b"apos": b"'"}


def _unref(match: re.Match[bytes]) -> bytes:
    name = match.group(1)
    if not match.group(0).endswith(b";"):
        raise Unsupported("an '&' that is not an escape")
    if name in _NAMED:
        return _NAMED[name]
    if not name.startswith(b"#"):
        raise Unsupported(f"the entity &{name.decode(errors='replace')};")
    code = int(name[2:], 16) if name[:2] == b"#x" else int(name[1:])
    if not (
        code in (9, 10, 13)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    ):
        raise Unsupported(f"a reference to character {code}")
    return chr(code).encode("utf-8")


def attributes(line: bytes) -> tuple[bytes, dict[bytes, bytes], bool]:
    """Parse one start tag written on one line: ``(name, attributes, self_closing)``, the
    values as XML gives them (control characters as spaces, escapes decoded)."""
    match = _TAG.match(line.translate(_ANY_CONTROL_TO_SPACE))
    if match is None:
        raise Unsupported("a start tag that does not close on its line")
    attrs: dict[bytes, bytes] = {}
    for m in _ATTR.finditer(match.group(2)):
        value = m.group(2) if m.group(2) is not None else m.group(3)
        attrs[m.group(1)] = _REF.sub(_unref, value) if b"&" in value else value
    return match.group(1), attrs, match.group(3) == b"/"


class Sink(Protocol):
    """Where the scan hands what it finds (the daily rules' collector)."""

    def add(self, lines: list[int], elements: list[Element]) -> None:
        """Elements parsed one by one, with their line numbers."""

    def add_records(self, records: Records) -> None:
        """Records cut into columns."""


class _Scanner:
    """The state of a scan across chunks: inside a <Correlation>? past the end?"""

    def __init__(self, sink: Sink, state: dict[str, int]) -> None:
        self.sink, self.state = sink, state
        state.setdefault("records", 0)
        state.setdefault("inner", 0)
        self.depth = 0
        self.ended = False
        self.lines: list[int] = []
        self.elements: list[Element] = []

    def plan(self, plan: Plan) -> None:
        chunk = plan.chunk
        if self.ended:
            if chunk.data[chunk.start : chunk.stop].strip():
                raise Unsupported("content after </HealthData>")
            return
        self.state["records"] += plan.record_tags
        # Records cut into columns are taken a run at a time, between the candidates that
        # need parsing (which may open or close a <Correlation>).
        rows = np.asarray(plan.rows, dtype=np.int64)
        special = np.flatnonzero(rows < 0).tolist()
        kept: list[npt.NDArray[np.int64]] = []
        previous = 0
        for i in [*special, len(rows)]:
            run = rows[previous:i]
            if len(run):
                if self.depth:
                    self.state["inner"] += len(run)
                else:
                    kept.append(run)
            if i < len(rows):
                self.take(chunk, plan.positions[i], plan.lines[i], plan.classes[i])
            previous = i + 1
        if plan.slow_from < chunk.stop:
            self.regex(chunk, plan.slow_from)
        if kept:
            self.sink.add_records(plan.records.take(np.concatenate(kept)))
        if self.elements:
            self.sink.add(self.lines, self.elements)
            self.lines, self.elements = [], []

    def regex(self, chunk: Chunk, start: int) -> None:
        data = chunk.data
        self.state["records"] += data.count(b"<Record", start, chunk.stop)
        matches = list(_SCAN.finditer(data, start, chunk.stop))
        lines = (
            chunk.first_line + np.searchsorted(chunk.newlines, [m.start() for m in matches])
        ).tolist()
        for m, line in zip(matches, lines, strict=True):
            if self.ended:
                raise Unsupported("content after </HealthData>")
            if m.group(1) is not None:
                self.relevant(chunk, m, line)
                continue
            special = m.group(8)
            if special is not None:
                kind = _END if special[:1] == b"/" else _BANG if special == b"!" else _TAG_LINE
            else:
                kind = _CORR_END if m.group(9)[:1] == b"/" else _TAG_LINE
            self.take(chunk, m.start(), line, kind)

    def take(self, chunk: Chunk, pos: int, line: int, kind: int) -> None:
        data = chunk.data
        if kind == _RELEVANT:
            m = _SCAN.match(data, pos)
            if m is not None and m.group(1) is not None:
                self.relevant(chunk, m, line)
            return
        if kind == _END:
            if data[pos + 13 : chunk.stop].strip():
                raise Unsupported("content after </HealthData>")
            self.ended = True
            return
        if kind == _BANG:
            raise Unsupported(f"a comment, CDATA section or declaration on line {line}")
        if kind == _CORR_END:
            self.depth = max(0, self.depth - 1)
            return
        end = data.find(b"\n", pos)
        name, attrs, closed = attributes(data[pos : end if end >= 0 else len(data)])
        get = attrs.get
        if name == b"Correlation":
            self.depth += 0 if closed else 1
            return
        if name == b"Record":
            record = FULL_TYPE_KIND.get(get(b"type", b""))
            if record is None:
                return
            if self.depth:
                self.state["inner"] += 1
                return
            element = (
                record,
                get(b"sourceName", b""),
                get(b"unit", b""),
                get(b"startDate", b""),
                get(b"endDate", b""),
                get(b"value", b""),
            )
        elif self.depth:
            return
        elif name == b"Workout":
            activity = get(b"workoutActivityType", b"").removeprefix(b"HKWorkoutActivityType")
            element = (
                activity,
                get(b"sourceName", b""),
                get(b"durationUnit", b""),
                get(b"startDate", b""),
                get(b"endDate", b""),
                get(b"duration", b""),
            )
        elif name == b"ActivitySummary":
            element = (
                b"ActivitySummary",
                b"",
                get(b"appleStandHours", b""),
                get(b"dateComponents", b""),
                b"",
                get(b"appleExerciseTime", b""),
            )
        else:
            return
        self.lines.append(line)
        self.elements.append(element)

    def relevant(self, chunk: Chunk, m: re.Match[bytes], line: int) -> None:
        if self.depth:
            self.state["inner"] += 1
            return
        g = m.groups()
        if g[6] is not None:  # not the strict layout: parse the tag
            self.take(chunk, m.start(), line, _TAG_LINE)
            return
        self.lines.append(line)
        self.elements.append((g[0], g[1], g[2] or b"", g[3], g[4], g[5] or b""))


def scan(plans: Iterator[Plan], sink: Sink, state: dict[str, int]) -> None:
    """The fast scan: hand the elements used, chunk by chunk, to ``sink``.

    Parameters
    ----------
    plans
        Classified chunks (:func:`fast_plans`), in file order, DOCTYPE blanked.
    sink
        Receives the elements (:class:`Sink`).
    state
        Updated in place: ``records`` (``<Record`` start tags) and ``inner`` (used record
        types inside a ``<Correlation>``, skipped: they repeat top-level records).

    Raises
    ------
    Unsupported
        On anything the full parse could read differently: a start tag of interest not
        closed on its line, an entity other than the XML escapes in a value used, a
        comment, CDATA section or declaration, content after ``</HealthData>``, or no
        ``</HealthData>``.
    """
    scanner = _Scanner(sink, state)
    for plan in plans:
        scanner.plan(plan)
    if not scanner.ended:
        raise Unsupported("no </HealthData> at the end")


def _classified(chunks: Iterator[Chunk], block_bytes: int) -> Iterator[Plan]:
    scratch = np.empty(block_bytes + (1 << 20), dtype=bool)
    for chunk in chunks:
        if len(chunk.data) > len(scratch):
            scratch = np.empty(len(chunk.data), dtype=bool)
        yield classify(chunk, scratch)


def fast_plans(blocks: Iterator[bytes], block_bytes: int) -> Generator[Plan, None, None]:
    """Chunks classified two threads ahead: reading or inflating in one, numpy in another."""
    return in_background(_classified(in_background(line_chunks(blocks)), block_bytes))
