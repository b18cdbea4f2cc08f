"""Apple Health fast scan: the checks that make it refuse what the full parse refuses.

The fast scan reads only the lines it needs, while expat reads every byte and stops at the
first that is not well-formed XML. So that the result never depends on which one ran, the
scan checks every chunk, used lines or not, for the two things expat refuses that a real
export could hold: a byte sequence that is not UTF-8 (a damaged file) and an ``&`` that is
not one of the five XML escapes or a reference to a character XML allows (an entity
reference is undefined in a Health export). Either makes the scan fall back to the full parse,
which then reads or refuses the file as the reference does. numpy does the work, in the
reading thread.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

import numpy as np
import numpy.typing as npt

from .apple_health_stream import Chunk, Unsupported

_ESCAPES: Final = (b"&lt;", b"&gt;", b"&amp;", b"&quot;", b"&apos;")
_ESCAPE_WORDS: Final = [
    (np.uint64(int.from_bytes(e.ljust(8, b"\0"), "little")), np.uint64((1 << (8 * len(e))) - 1))
    for e in _ESCAPES
]


def check_text(chunk: Chunk, scratch: npt.NDArray[np.bool_]) -> None:
    """Raise :class:`Unsupported` when the chunk holds bytes that are not UTF-8 or an
    ``&`` that is not ``&lt;``, ``&gt;``, ``&amp;``, ``&quot;`` or ``&apos;``.

    ``scratch`` is a boolean buffer at least as long as the chunk (no allocation per chunk).
    """
    a = np.frombuffer(chunk.data, dtype=np.uint8)
    region = a[chunk.start : chunk.stop]
    if not len(region):
        return
    flags = scratch[: len(region)]
    amps = np.flatnonzero(np.equal(region, 38, out=flags)) + chunk.start
    if len(amps):
        # Nearly every "&" in an export is "&lt;" or "&gt;" (the device attribute): three
        # gathers prove those; the rest are checked byte by byte.
        near = np.minimum(amps[:, None] + np.arange(1, 4), len(a) - 1)
        b1, b2, b3 = a[near[:, 0]], a[near[:, 1]], a[near[:, 2]]
        plain = ((b1 == 108) | (b1 == 103)) & (b2 == 116) & (b3 == 59) & (amps + 3 < len(a))
        if not plain.all():
            _escapes(a, amps[~plain], chunk)
    if int(region.max()) >= 128:
        _utf8(a, np.flatnonzero(np.greater_equal(region, 128, out=flags)) + chunk.start, chunk)


def checked(chunks: Iterator[Chunk], block_bytes: int) -> Iterator[Chunk]:
    """``chunks`` unchanged, each passed through :func:`check_text` (in the thread that
    consumes them)."""
    scratch = np.empty(block_bytes + (1 << 20), dtype=bool)
    for chunk in chunks:
        if chunk.stop - chunk.start > len(scratch):
            scratch = np.empty(chunk.stop - chunk.start, dtype=bool)
        check_text(chunk, scratch)
        yield chunk


def _line(chunk: Chunk, position: int) -> int:
    return chunk.first_line + int(np.searchsorted(chunk.newlines, position))


def _utf8(a: npt.NDArray[np.uint8], p: npt.NDArray[np.int64], chunk: Chunk) -> None:
    """Every byte >= 0x80 at ``p`` must belong to a well-formed UTF-8 sequence of an XML
    character (no overlong forms, surrogates, code points above U+10FFFF, U+FFFE/U+FFFF)."""
    b = a[p]
    cont = (b & 0xC0) == 0x80
    length = np.select(
        [(b >= 0xC2) & (b <= 0xDF), (b >= 0xE0) & (b <= 0xEF), (b >= 0xF0) & (b <= 0xF4)],
        [2, 3, 4],
        0,
    )
    bad = ~cont & (length == 0)
    leads = np.flatnonzero(length > 0)
    n = len(p)
    for k in (1, 2, 3):
        need = leads[length[leads] > k]
        follow = np.minimum(need + k, n - 1)
        bad_lead = (need + k >= n) | (p[follow] != p[need] + k) | ~cont[follow]
        if bad_lead.any():
            bad[need[bad_lead]] = True
    if int(np.count_nonzero(cont)) != int((length[leads] - 1).sum()):
        bad[np.flatnonzero(cont)[:1]] = True  # a continuation byte without its lead
    if not bad.any() and len(leads):
        second = a[np.minimum(p[leads] + 1, len(a) - 1)]
        third = a[np.minimum(p[leads] + 2, len(a) - 1)]
        first = b[leads]
        wrong = (
            ((first == 0xE0) & (second < 0xA0))
            | ((first == 0xED) & (second > 0x9F))
            | ((first == 0xF0) & (second < 0x90))
            | ((first == 0xF4) & (second > 0x8F))
            | ((first == 0xEF) & (second == 0xBF) & ((third == 0xBE) | (third == 0xBF)))
        )
        bad[leads[wrong]] = True
    if bad.any():
        where = int(p[np.flatnonzero(bad)[0]])
        raise Unsupported(f"a byte that is not UTF-8 on line {_line(chunk, where)}")


def _escapes(a: npt.NDArray[np.uint8], p: npt.NDArray[np.int64], chunk: Chunk) -> None:
    """Every ``&`` at ``p`` must start one of the five XML escapes."""
    padded = np.zeros(len(p) * 8, dtype=np.uint8)
    index = (p[:, None] + np.arange(8)).ravel()
    inside = index < len(a)
    padded[inside] = a[index[inside]]
    words = padded.view("<u8")
    ok = np.zeros(len(p), dtype=bool)
    for word, mask in _ESCAPE_WORDS:
        ok |= (words & mask) == word
    for where in p[~ok].tolist():
        if not _good_reference(chunk.data, where):
            raise Unsupported(f"an entity or a bad reference on line {_line(chunk, where)}")


_REFERENCE: Final = re.compile(rb"&#(?:x([0-9a-fA-F]{1,8})|([0-9]{1,10}));")


def _good_reference(data: bytes, at: int) -> bool:
    """A character reference to a character XML allows (expat reads it; the scan's
    :func:`~.apple_health_fast.attributes` decodes it the same way)."""
    m = _REFERENCE.match(data, at)
    if m is None:
        return False
    code = int(m.group(1), 16) if m.group(1) is not None else int(m.group(2))
    return (
        code in (9, 10, 13)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )
