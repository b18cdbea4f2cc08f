"""Telling people apart: several exports read together must be one person.

A folder may hold the exports of two accounts (a couple, a parent and child, the sample
files of several people). Repeated exports of one person overlap and agree on the days they
share (the pawprint exports); two people's exports disagree on most shared days. The rule,
the same for every source that exports one person's own record (the diaries Bearable and
Daylio, Apple Health, Fitbit):

- **profile**: two exports that both state a date of birth (or a sex) and state different
  ones are two people (Apple Health's ``<Me>`` element, Fitbit's ``Profile.csv``);
- **contradicting days**: two exports of the same source sharing at least
  :data:`MIN_SHARED_DAYS` days and contradicting each other on more than
  :data:`MAX_DISAGREEMENT` of them are two people (a value of :data:`COMPARED` present in
  both and different, or the day's tag sets overlapping little). For Fitbit, whose files
  are read together, a day contradicts when an entry of the same metric and time stamp
  has another value in the other file (:func:`contradicting_files`).

:func:`different_people` names the pairs for ``log.parameters["warnings"]``. Exports that
share no day and state no profile cannot be told apart (they may be one person's exports
from two phones) and are not flagged. See ``docs/readers-symptoms.md`` and
``docs/readers-activity.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from pathlib import PurePosixPath
from typing import Final

import pandas as pd

from ..schema import Log
from ._common import PROFILE_KEY

#: Sources whose exports are one person's own record, compared pairwise (Fitbit's files
#: are read together: its reader applies :func:`contradicting_files` itself).
DIARY_SOURCES: Final = ("bearable", "daylio", "apple_health")
#: Daily values compared on shared days (a diary's ratings and amounts, a device's counts).
COMPARED: Final = (
    "pain_max_0_10", "water_ml", "sleep_h", "steps_count", "exercise_min", "stand_hours_count",
)  # fmt: skip
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


def _profile(log: Log) -> Mapping[str, str]:
    found = log.parameters.get(PROFILE_KEY)
    return found if isinstance(found, Mapping) else {}


#: Profile fields in words, for the warning (Fitbit's ``gender`` is the same fact).
_PROFILE_WORDS: Final = {"date_of_birth": "date of birth", "biological_sex": "sex", "gender": "sex"}


def profile_conflict(first: Mapping[str, str], second: Mapping[str, str]) -> list[str]:
    """The profile fields (``date_of_birth``, ``biological_sex`` ...) both state
    differently, in words: ``"date of birth 1990-02-02 and 1965-07-31"``."""
    return [
        f"{_PROFILE_WORDS.get(key, key)} {first[key]} and {second[key]}"
        for key in sorted(set(first) & set(second))
        if str(first[key]).strip().lower() != str(second[key]).strip().lower()
    ]


def _title(source: str) -> str:
    return {"apple_health": "Apple Health", "fitbit": "Fitbit"}.get(source, source.title())


def people_warning(first: str, second: str, source: str, why: str) -> str:
    """The warning naming two files that look like two people's exports."""
    return (
        f"{first} and {second} look like two different people's {_title(source)} exports: "
        f"{why}. Reading them together mixes two people into one log; read each person's "
        "files separately (one person's file or folder at a time)."
    )


def different_people(logs: Sequence[Log]) -> list[str]:
    """Warnings naming pairs of exports that look like two different people.

    Parameters
    ----------
    logs
        One log per file, as each reader returned it (before combining).

    Returns
    -------
    list of str
        One sentence per pair of files of the same source (:data:`DIARY_SOURCES`) whose
        profiles conflict, or that share at least :data:`MIN_SHARED_DAYS` days and
        contradict each other on more than :data:`MAX_DISAGREEMENT` of them, naming both
        files and the fix; empty when none.
    """
    warnings: list[str] = []
    diaries = [log for log in logs if _source(log) in DIARY_SOURCES]
    for first, second in combinations(diaries, 2):
        if _source(first) != _source(second):
            continue
        conflict = profile_conflict(_profile(first), _profile(second))
        if conflict:
            why = "their profiles state " + "; ".join(conflict)
        elif first.daily.empty or second.daily.empty:
            continue
        else:
            shared, contradicted = disagreement(first, second)
            if shared < MIN_SHARED_DAYS or contradicted <= MAX_DISAGREEMENT * shared:
                continue
            why = (
                f"they contradict each other on {contradicted} of the {shared} days both cover "
                "(one person's repeated exports agree)"
            )
        warnings.append(people_warning(_file(first), _file(second), _source(first), why))
    return warnings


def _export_of(label: str, other: str) -> str:
    """The export a file belongs to: its folder, or the file itself when both files of a
    pair lie in one folder (``steps-2024-01-01 (1).json`` beside the original)."""
    folder, other_folder = PurePosixPath(label).parent, PurePosixPath(other).parent
    return label if folder == other_folder else str(folder)


def contradicting_files(
    days: Mapping[tuple[str, str], tuple[set[object], set[object]]], source: str
) -> list[str]:
    """Warnings for files read together whose repeated entries contradict (Fitbit).

    Parameters
    ----------
    days
        ``(file, other file) -> (days with an entry in both, days where one of those
        entries has another value)``.
    source
        The source, for the sentence.

    Returns
    -------
    list of str
        One sentence per pair of exports (the files' folders; the files themselves when
        they lie in one folder) sharing at least :data:`MIN_SHARED_DAYS` days and
        contradicting on more than :data:`MAX_DISAGREEMENT` of them.
    """
    exports: dict[tuple[str, str], tuple[set[object], set[object]]] = {}
    for (first, second), (shared, contradicted) in days.items():
        key = (_export_of(first, second), _export_of(second, first))
        both, differ = exports.setdefault(key, (set(), set()))
        both |= shared
        differ |= contradicted
    warnings: list[str] = []
    for (first, second), (shared, contradicted) in sorted(exports.items()):
        if len(shared) >= MIN_SHARED_DAYS and len(contradicted) > MAX_DISAGREEMENT * len(shared):
            why = (
                f"the same time stamps hold other values on {len(contradicted)} of the "
                f"{len(shared)} days both cover (one person's repeated downloads agree)"
            )
            warnings.append(people_warning(first, second, source, why))
    return warnings
