"""Reader for flaredown exports (not written yet: detects nothing)."""

from __future__ import annotations

from pathlib import Path

from ..schema import Log
from ._common import Head


def sniff(head: Head) -> bool:
    """Never matches until the reader is written."""
    del head
    return False


def read(path: Path, *, progress: bool = False) -> Log:
    """Not written yet."""
    raise NotImplementedError(f"{path}: the flaredown reader is not written yet")
