"""Apple Health fast scan: the checks that make it refuse what the full parse refuses.

The fast scan reads only the lines it needs, while expat reads every byte and stops at the
first that is not well-formed XML. So that the result never depends on which one ran, the
scan checks every chunk, used lines or not, for the two things expat refuses that a real
export could hold: a byte sequence that is not UTF-8 (a damaged file) and an ``&`` that is
not one of the five XML escapes (an entity reference, undefined in a Health export, or a
character reference expat must judge). Either makes the scan fall back to the full parse,
which then reads or refuses the file as the reference does. numpy does the work, 8 bytes
at a time, in the classifying thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import numpy as np
import numpy.typing as npt

from .apple_health_stream import Chunk, Unsupported

_HIGHS: Final = np.uint64(0x8080808080808080)
_ONES: Final = np.uint64(0x0101010101010101)
_AMPS: Final = np.uint64(0x2626262626262626)
_ESCAPES: Final = (b"&lt;", b"&gt;", b"&amp;", b"&quot;", b"&apos;")
_ESCAPE_WORDS: Final = [
    (np.uint64(int.from_bytes(e.ljust(8, b"\0"), "little")), np.uint64((1 << (8 * len(e))) - 1))
    for e in _ESCAPES
]


def check_text(chunk: Chunk) -> None:
    """Raise :class:`Unsupported` when the chunk holds bytes that are not UTF-8 or an
    ``&`` that is not ``&lt;``, ``&gt;``, ``&amp;``, ``&quot;`` or ``&apos;``."""
    a = np.frombuffer(chunk.data, dtype=np.uint8)
    start, stop = chunk.start, chunk.stop
    whole = (stop - start) // 8
    words = a[start : start + whole * 8].view("<u8")
    tail = a[start + whole * 8 : stop]
    high = (words & _HIGHS) != 0
    x = words ^ _AMPS
    amp = ((x - _ONES) & ~x & _HIGHS) != 0
    if high.any() or (tail >= 128).any():
        _utf8(a, _positions(a, start, high, tail, lambda b: b >= 128), chunk)
    if amp.any() or (tail == 38).any():
        _escapes(a, _positions(a, start, amp, tail, lambda b: b == 38), chunk)


def _positions(
    a: npt.NDArray[np.uint8],
    start: int,
    words: npt.NDArray[np.bool_],
    tail: npt.NDArray[np.uint8],
    test: Callable[[npt.NDArray[np.uint8]], npt.NDArray[np.bool_]],
) -> npt.NDArray[np.int64]:
    """Byte positions, in order, of the bytes passing ``test`` in the flagged words and
    the tail."""
    at = start + 8 * np.flatnonzero(words)
    candidates = (at[:, None] + np.arange(8)).ravel()
    candidates = np.concatenate([candidates, start + 8 * len(words) + np.arange(len(tail))])
    keep = test(a[candidates])
    found: npt.NDArray[np.int64] = candidates[keep].astype(np.int64)
    return found


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
    if not ok.all():
        where = int(p[np.flatnonzero(~ok)[0]])
        raise Unsupported(f"an entity or character reference on line {_line(chunk, where)}")
