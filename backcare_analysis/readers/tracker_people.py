"""Telling people apart: two exports of one diary app read together must be one person.

A folder may hold the exports of two accounts (a couple, a parent and child). Repeated
exports of one person overlap and agree on the days they share (the pawprint exports);
two people's exports disagree on most shared days. :func:`different_people` compares every
pair of files of the same app on the days both cover and names the pairs that disagree,
for ``log.parameters["warnings"]``. Files that share no day cannot be told apart (they may
be one person's exports from two phones) and are not flagged. See
``docs/readers-symptoms.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Final

import pandas as pd

from ..schema import Log

#: Apps whose exports are one person's diary.
DIARY_SOURCES: Final = ("bearable", "daylio")
#: Daily values compared on shared days.
COMPARED: Final = ("pain_max_0_10", "water_ml", "sleep_h")
#: At least this many shared days before two files are judged.
MIN_SHARED_DAYS: Final = 3
#: Two files disagreeing on more than this share of their shared days are two people.
MAX_DISAGREEMENT: Final = 0.5
#: Two days' tag sets agree when their overlap (Jaccard index) is at least this.
MIN_TAG_OVERLAP: Final = 0.5


def _day_tags(log: Log) -> pd.Series:
    tags = log.tags.dropna(subset=["date"])
    if tags.empty:
        return pd.Series(dtype=object)
    return tags.groupby("date")["tag"].agg(lambda t: frozenset(map(str, t)))


def disagreement(first: Log, second: Log) -> tuple[int, int]:
    """``(shared days, days the two logs contradict each other)``.

    A shared day is a date both daily tables hold; it is a contradiction when a value of
    :data:`COMPARED` is present in both and differs, or both logged tags that day and the
    two tag sets overlap less than :data:`MIN_TAG_OVERLAP`.
    """
    a = first.daily.set_index("date")
    b = second.daily.set_index("date")
    shared = a.index.intersection(b.index)
    if shared.empty:
        return 0, 0
    differs = pd.Series(False, index=shared)
    for column in COMPARED:
        x = a.loc[shared, column].astype("Float64")
        y = b.loc[shared, column].astype("Float64")
        differs |= (x.notna() & y.notna() & ((x - y).abs() > 1e-9)).fillna(False).to_numpy()
    tags_a, tags_b = _day_tags(first), _day_tags(second)
    for day in shared.intersection(tags_a.index).intersection(tags_b.index):
        union = tags_a[day] | tags_b[day]
        if union and len(tags_a[day] & tags_b[day]) / len(union) < MIN_TAG_OVERLAP:
            differs[day] = True
    return len(shared), int(differs.sum())


def _file(log: Log) -> str:
    files = log.provenance["file"].dropna().astype(str).tolist()
    return files[0] if files else "?"


def _source(log: Log) -> str:
    sources = log.provenance["source"].dropna().astype(str).tolist()
    return sources[0] if sources else ""


def different_people(logs: Sequence[Log]) -> list[str]:
    """Warnings naming pairs of diary exports that look like two different people.

    Parameters
    ----------
    logs
        One log per file, as each reader returned it (before combining).

    Returns
    -------
    list of str
        One sentence per pair of files of the same app (:data:`DIARY_SOURCES`) that share
        at least :data:`MIN_SHARED_DAYS` days and contradict each other on more than
        :data:`MAX_DISAGREEMENT` of them, naming both files and the fix; empty when none.
    """
    warnings: list[str] = []
    diaries = [log for log in logs if _source(log) in DIARY_SOURCES and not log.daily.empty]
    for first, second in combinations(diaries, 2):
        if _source(first) != _source(second):
            continue
        shared, contradicted = disagreement(first, second)
        if shared >= MIN_SHARED_DAYS and contradicted > MAX_DISAGREEMENT * shared:
            warnings.append(
                f"{_file(first)} and {_file(second)} look like two different people's "
                f"{_source(first).title()} exports: they contradict each other on "
                f"{contradicted} of the {shared} days both cover (one person's repeated "
                "exports agree). Reading them together mixes two people into one log; "
                "read each person's files separately (read_log(file) per person)."
            )
    return warnings
