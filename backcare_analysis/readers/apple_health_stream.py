"""Apple Health: the pieces both parsers share: the element tuple, records as columns,
the XML cut into chunks of whole lines, and an iterator run in a background thread."""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Final, TypeVar

import numpy as np
import numpy.typing as npt

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


def no_records() -> Records:
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
