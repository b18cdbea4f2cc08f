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

import re
from collections.abc import Iterator
from typing import Final, Protocol

import numpy as np
import numpy.typing as npt

from .apple_health_classify import BANG, CORR_END, END, RELEVANT, TAG_LINE, Plan
from .apple_health_stream import (
    FULL_TYPE_KIND,
    RECORD_KINDS,
    Chunk,
    Element,
    Records,
    Unsupported,
)

_ANY_CONTROL_TO_SPACE: Final = bytes.maketrans(bytes(range(32)), b" " * 32)

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
                kind = END if special[:1] == b"/" else BANG if special == b"!" else TAG_LINE
            else:
                kind = CORR_END if m.group(9)[:1] == b"/" else TAG_LINE
            self.take(chunk, m.start(), line, kind)

    def take(self, chunk: Chunk, pos: int, line: int, kind: int) -> None:
        data = chunk.data
        if kind == RELEVANT:
            m = _SCAN.match(data, pos)
            if m is not None and m.group(1) is not None:
                self.relevant(chunk, m, line)
            return
        if kind == END:
            if data[pos + 13 : chunk.stop].strip():
                raise Unsupported("content after </HealthData>")
            self.ended = True
            return
        if kind == BANG:
            raise Unsupported(f"a comment, CDATA section or declaration on line {line}")
        if kind == CORR_END:
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
            self.take(chunk, m.start(), line, TAG_LINE)
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
