"""Two people analysed at once in one process (a threaded Dask worker) must not disturb each
other's warning filters: ``warnings.catch_warnings`` swaps process-wide state, and two
threads interleaving it let a suppressed warning through (an error under ``-W error``,
pytest's setting here) or leave the filters changed for good."""

from __future__ import annotations

import threading
import warnings

import pandas as pd

from backcare_analysis.stats.recurrence import recurrence
from backcare_analysis.synthetic.person import simulate_person


def test_recurrence_in_two_threads_under_error_filter() -> None:
    # statsmodels' SurvfuncRight warns (log of 0) on these logs; the warning is ours to
    # silence, and silencing it in one thread must not un-silence it in the other.
    log = simulate_person(seed=3)
    failures: list[BaseException] = []
    recurrence(log)  # first imports (scipy adds filters of its own when imported)
    before = list(warnings.filters)

    def work() -> None:
        try:
            for _ in range(150):
                table = recurrence(log)
                assert isinstance(table, pd.DataFrame)
        except BaseException as exc:  # collected and reported by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert warnings.filters == before
