"""Warning suppression that is safe when several people are analysed at once in threads.

``warnings.catch_warnings`` saves and restores the process-wide filter list. Two threads
(a threaded Dask worker analysing two people) that interleave it let a warning that one of
them meant to silence through, an error under ``-W error``, or leave the filters changed
for good. Every suppression inside an analysis goes through :func:`quiet_warnings`, which
holds one lock while the filters are swapped, and also silences numpy's floating-point
warnings with the thread-local ``numpy.errstate``. (The command line's one outer block
stays a plain ``catch_warnings``: it spans the whole command, and holding the lock that
long would block the analyses it starts in other threads.)
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import numpy as np

_FILTERS_LOCK = threading.RLock()


@contextmanager
def quiet_warnings(*errors: type[Warning]) -> Iterator[None]:
    """Ignore warnings inside the block, thread-safely; ``errors`` are raised instead.

    Parameters
    ----------
    *errors
        Warning categories to turn into exceptions inside the block (a fit that must not
        converge silently); every other warning is ignored.
    """
    # numpy's floating-point warnings are RuntimeWarnings: silenced at the source unless
    # they are to be raised.
    floating: Literal["warn", "ignore"] = "warn" if RuntimeWarning in errors else "ignore"
    with _FILTERS_LOCK, warnings.catch_warnings(), np.errstate(all=floating):
        warnings.simplefilter("ignore")
        for category in errors:
            warnings.simplefilter("error", category)
        yield
