"""Reader for Flaredown CSV files: the public research dataset (many users in one file).

Every row is one trackable of one user's check-in day. Conditions and symptoms whose free
text name means lower back pain (:func:`~backcare_analysis.readers._tracker_common.
is_lower_back`) are daily 0-4 ratings, placed at 12:00 of the check-in day and grouped into
episodes by the shared rule; treatments attach to the episode of their day; tags and
treatments are kept in the tags table (:func:`read_tags`). Each user's rows are accounted
for in that user's log only. Reading is one vectorised ``pandas.read_csv`` pass with
categorical columns (string work happens once per distinct value); line numbers are
``index + 2`` since the dataset has no quoted newlines. Loading is in
:mod:`.flaredown_load`, classifying rows and building tables in :mod:`.flaredown_tables`.
See ``docs/readers-symptoms.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..episodes import DEFAULT_GAP_H, DEFAULT_THRESHOLD_0_10
from ..schema import Log, LogFormatError, conform, empty_table
from . import flaredown_tables as ft
from ._common import Head, sniff_delimiter
from ._tracker_common import (
    NOT_ANALYSED,
    TRUNCATED_REASON,
    header_columns,
    is_lower_back,
    no_entries_error,
    rejection_note,
    tag_kinds,
)
from .flaredown_load import load, raw_lines
from .flaredown_tables import COLUMNS, SCALE_0_4_TO_0_10, SOURCE

__all__ = [
    "COLUMNS",
    "SCALE_0_4_TO_0_10",
    "SOURCE",
    "read",
    "read_flaredown_users",
    "read_tags",
    "sniff",
]


def sniff(head: Head) -> bool:
    """True for a Flaredown CSV: at least five of its columns, ``trackable_type`` or
    ``trackable_name`` among them (a renamed column is still recognised, so reading it can
    say which one)."""
    if head.text is None:
        return False
    columns = header_columns(head.first_line, sniff_delimiter(head.first_line))
    known = sum(c in COLUMNS for c in columns)
    return known >= 5 and ("trackable_type" in columns or "trackable_name" in columns)


#: The raw text of some physical lines, by line number.
RawLines = Callable[[Collection[int]], dict[int, str]]
#: A file's rows already read: frame indexed by line, encoding, cut-off last row, raw text.
Loaded = tuple[pd.DataFrame, str, "tuple[int, str] | None", RawLines]


def _many_users(
    path: Path, frame: pd.DataFrame, named: Sequence[str], symptoms: Sequence[str] | str | None
) -> LogFormatError:
    wanted = ft.names(symptoms) if symptoms is not None else set()
    is_back = is_lower_back if symptoms is None else (lambda n: ft.fold(n) in wanted)
    rated = ft.spread(frame["trackable_type"], lambda s: s.str.strip().str.lower().isin(ft.RATED))
    back = rated.astype(bool) & ft.spread(frame["trackable_name"], lambda s: s.map(is_back))
    top = frame.loc[back.astype(bool), "user_id"].astype(str).value_counts().head(5)
    example = ", ".join(f"{u!r} ({n} ratings)" for u, n in top.items()) or "none"
    return LogFormatError(
        f"{path}: the file holds check-ins of {len(named)} users; pass user_id='...' to read "
        f"one (users with the most lower-back-pain ratings: {example}), or read them all with "
        "backcare_analysis.readers.flaredown.read_flaredown_users(path)"
    )


def _read_all(
    path: Path,
    *,
    progress: bool,
    users: Collection[str] | None,
    threshold_0_10: float,
    gap_h: float,
    symptoms: Sequence[str] | str | None,
    tag_map: Mapping[str, str] | None,
    require_one: bool = False,
    only_back_pain: bool = False,
    loaded: Loaded | None = None,
) -> tuple[dict[str, Log], pd.DataFrame]:
    """Every (or the chosen) user's log from one pass over the file, and the tags.

    ``loaded`` is the file's rows already read (by the streaming cohort reader): the
    categorical frame indexed by line, the encoding, the cut-off last row and a function
    giving the raw text of some lines; None reads the file here.
    """
    if loaded is None:
        frame, encoding, cut = load(path, progress=progress)
        raw_of: RawLines = lambda lines: raw_lines(path, lines, encoding)  # noqa: E731
    else:
        frame, encoding, cut, raw_of = loaded
    blank = np.ones(len(frame), dtype=bool)
    for column in frame.columns:
        blank &= ft.spread(frame[column], lambda s: s.str.strip() == "").to_numpy(dtype=bool)
    frame = frame.loc[~blank]
    if frame.empty and cut is None:
        raise no_entries_error(path, "Flaredown")
    total = len(frame) + (cut is not None)
    ids = ft.spread(frame["user_id"], lambda s: s.str.strip())
    named = sorted(set(ids.unique()) - {""})
    cut_user = cut[1].split(",", 1)[0].strip().strip('"') if cut is not None else ""
    if len(named) == 1:
        frame = frame.assign(user_id=pd.Categorical([named[0]] * len(frame)))
        ids, cut_user = ids.where(ids != "", named[0]), named[0]
    if require_one and len(named) > 1:
        raise _many_users(path, frame, named, symptoms)
    if users is not None:
        missing = sorted(set(users) - set(named))
        if missing:
            raise LogFormatError(
                f"{path}: no rows of user_id {missing[0]!r}; the file holds {len(named)} users "
                f"(for example {', '.join(repr(u) for u in named[:3])})"
            )
        frame = frame.loc[ids.isin(list(users)).to_numpy()]
        cut = cut if cut_user in users else None
    orphans = int((ids == "").sum())
    prep = ft.prepare(frame, symptoms, tag_kinds(tag_map, option="tag_map"))
    if only_back_pain:
        keep = prep["user"].isin(prep.loc[prep["back"], "user"].unique())
        frame, prep = frame.loc[keep], prep.loc[keep]
        cut = cut if cut_user in set(prep["user"]) else None
    episodes, episode_users = ft.episodes(prep, path, threshold_0_10=threshold_0_10, gap_h=gap_h)
    daily, day_users = ft.daily(prep)
    flagged = prep.loc[prep["reason"] != ""]
    raw = raw_of(flagged.index)
    skipped = flagged["reason"].astype(str).str.startswith(NOT_ANALYSED).to_numpy()
    bad, fine = flagged.loc[~skipped], flagged.loc[skipped]
    rejected = pd.DataFrame(
        {
            "line": [*bad.index, *([cut[0]] if cut else [])],
            "reason": [*bad["reason"].astype(str), *([TRUNCATED_REASON] if cut else [])],
            "raw": [*(raw.get(i, "") for i in bad.index), *([cut[1]] if cut else [])],
        }
    ).assign(source=SOURCE, file=str(path))
    not_analysed = pd.DataFrame(
        {
            "line": fine.index,
            "reason": fine["reason"].astype(str).str.slice(len(NOT_ANALYSED)),
            "raw": [raw.get(i, "") for i in fine.index],
        }
    ).assign(source=SOURCE, file=str(path))
    rejected_users = np.array([*bad["user"], *([cut_user] if cut else [])], dtype=object)
    skipped_users = fine["user"].to_numpy(dtype=object)
    reason_users = np.concatenate([rejected_users, skipped_users])
    all_reasons = pd.Series([*rejected["reason"], *fine["reason"].astype(str)], dtype=object)
    counted = all_reasons.groupby(reason_users).value_counts()
    reasons: dict[str, dict[str, int]] = {}
    for (user, reason), count in zip(counted.index.tolist(), counted.tolist(), strict=True):
        reasons.setdefault(str(user), {})[str(reason)] = int(count)
    n_read = prep["user"].value_counts().add(pd.Series({cut_user: 1} if cut else {}), fill_value=0)
    n_bad = pd.Series(rejected_users).value_counts().reindex(n_read.index, fill_value=0)
    n_skipped = pd.Series(skipped_users).value_counts().reindex(n_read.index, fill_value=0)
    n_episodes = pd.Series(episode_users).value_counts().reindex(n_read.index, fill_value=0)
    notes = [
        f"Flaredown CSV, {encoding}; user {u!r}: {int(n_read[u])} of the file's {total} data "
        f"rows (other users' rows are not part of this log"
        f"{f'; {orphans} rows without a user_id belong to no log' if orphans else ''}); "
        f"{rejection_note(reasons.get(u, {}))}; {n_episodes[u]} "
        f"episodes at threshold {threshold_0_10:g}/10 and gap {gap_h:g} h"
        + (f"; {int(blank.sum())} blank row(s) skipped" if blank.any() else "")
        for u in n_read.index
    ]
    provenance = pd.DataFrame(
        {
            "file": str(path),
            "source": SOURCE,
            "rows_read": n_read.astype(int).to_numpy(),
            "rows_used": (n_read - n_bad - n_skipped).astype(int).to_numpy(),
            "rows_not_analysed": n_skipped.to_numpy(),
            "rows_rejected": n_bad.to_numpy(),
            "note": notes,
        }
    )  # one row per user, built at once (provenance_row per user is slow for 17,000 users)
    provenance = conform(provenance, "provenance")
    split = {
        "episodes": ft.split(episodes, episode_users),
        "daily": ft.split(daily, day_users),
        "rejected": ft.split(conform(rejected, "rejected"), rejected_users),
        "not_analysed": ft.split(conform(not_analysed, "not_analysed"), skipped_users),
        "provenance": ft.split(provenance, n_read.index.to_numpy()),
    }
    names = ("episodes", "daily", "rejected", "not_analysed", "tags")
    empty = {name: empty_table(name) for name in names}  # type: ignore[arg-type]
    parameters = {"threshold_0_10": threshold_0_10, "gap_h": gap_h}

    def table(name: str, uid: str) -> pd.DataFrame:
        return split[name][uid] if uid in split[name] else empty[name].copy()

    logs = {
        uid: Log(
            episodes=table("episodes", uid),
            daily=table("daily", uid),
            rejected=table("rejected", uid),
            provenance=split["provenance"][uid],
            parameters={**parameters, "flaredown_user": uid},
            not_analysed=table("not_analysed", uid),
            tags=empty["tags"].copy(),  # built once: empty_table per user is slow for 600 users
        )
        for uid in map(str, n_read.index)
        if uid
    }
    return logs, ft.tags(prep, frame, path)


def read(
    path: Path,
    *,
    progress: bool = False,
    user_id: str | None = None,
    threshold_0_10: float = DEFAULT_THRESHOLD_0_10,
    gap_h: float = DEFAULT_GAP_H,
    symptoms: Sequence[str] | None = None,
    tag_map: Mapping[str, str] | None = None,
) -> Log:
    """Read one user's log from a Flaredown CSV.

    Parameters
    ----------
    path
        The research dataset (``user_id,age,sex,country,checkin_date,trackable_id,
        trackable_type,trackable_name,trackable_value``) or a one-user extract of it.
    progress
        Show a progress bar while the file is read.
    user_id
        Whose log to read; needed when the file holds several users.
    threshold_0_10, gap_h
        The episode rule (0-4 ratings times 2.5, at 12:00 of the check-in day).
    symptoms
        Condition and symptom names (any case) that are lower back pain, instead of the
        default rule :func:`~backcare_analysis.readers._tracker_common.is_lower_back`.
    tag_map
        Extra or changed tag meanings, such as ``{"moved house": "heavy_lifting"}``.

    Returns
    -------
    Log
        ``episodes``; ``daily`` with ``date``, ``symptoms_logged`` (every check-in day),
        ``activity_logged``, ``pain_max_0_10``, ``heavy_lifting``; ``rejected`` (bad,
        duplicate and not-analysed rows of this user); ``provenance`` (this user's rows
        only: other users' rows are neither used nor rejected); ``parameters``.

    Raises
    ------
    LogFormatError
        When a column is missing or renamed, the file has no rows, it holds several users
        and ``user_id`` is None (the message names users with back-pain ratings), or
        ``user_id`` is not in it.
    """
    logs, tags = _read_all(
        path,
        progress=progress,
        users=None if user_id is None else {user_id},
        threshold_0_10=threshold_0_10,
        gap_h=gap_h,
        symptoms=symptoms,
        tag_map=tag_map,
        require_one=user_id is None,
    )
    if not logs:
        raise LogFormatError(f"{path}: no row has a user_id; add the user_id column's values")
    uid = user_id if user_id is not None else next(iter(logs))
    return _with_tags(logs[uid], tags, uid)


def _with_tags(log: Log, tags: pd.DataFrame, user_id: str) -> Log:
    """The log with its user's rows of the all-users tags table attached."""
    mine = tags.loc[tags["user_id"] == user_id].drop(columns="user_id")
    return replace(log, tags=mine.reset_index(drop=True))


def read_flaredown_users(
    path: Path | str,
    *,
    progress: bool = False,
    users: Collection[str] | None = None,
    only_back_pain: bool = False,
    threshold_0_10: float = DEFAULT_THRESHOLD_0_10,
    gap_h: float = DEFAULT_GAP_H,
    symptoms: Sequence[str] | None = None,
    tag_map: Mapping[str, str] | None = None,
) -> dict[str, Log]:
    """Read every user's log from a Flaredown CSV in one pass over the file.

    Parameters
    ----------
    path, progress, threshold_0_10, gap_h, symptoms, tag_map
        As for :func:`read`.
    users
        Only these user ids.
    only_back_pain
        Only users with at least one lower-back-pain rating (much less memory on the full
        dataset, where most rows belong to other conditions).

    Returns
    -------
    dict of str to Log
        One log per user id, each accounting for that user's rows only.
    """
    logs, tags = _read_all(
        Path(path),
        progress=progress,
        users=users,
        threshold_0_10=threshold_0_10,
        gap_h=gap_h,
        symptoms=symptoms,
        tag_map=tag_map,
        only_back_pain=only_back_pain,
    )
    return {uid: _with_tags(log, tags, uid) for uid, log in logs.items()}


def read_tags(
    path: Path | str,
    *,
    user_id: str | None = None,
    symptoms: Sequence[str] | None = None,
    tag_map: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The tags and treatments in a Flaredown CSV, one per row.

    Returns
    -------
    pandas.DataFrame
        Columns ``date``, ``time_local`` (12:00), ``category`` (``Tag`` or
        ``Treatment``), ``tag``, ``kind`` (``treatment`` for a known treatment, else a
        tag's meaning or ``""``), ``amount`` (the dose's number), ``source``,
        ``source_file``, ``source_line``, and ``user_id``.
    """
    return _read_all(
        Path(path),
        progress=False,
        users=None if user_id is None else {user_id},
        threshold_0_10=DEFAULT_THRESHOLD_0_10,
        gap_h=DEFAULT_GAP_H,
        symptoms=symptoms,
        tag_map=tag_map,
    )[1]
