"""Readers for exported logs: one module per source format, and :func:`read_log`."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..schema import Log, LogFormatError, PathLike
from ._common import PROFILE_KEY, read_head
from .combine import combine_logs
from .registry import (
    FORMATS,
    Format,
    SourceName,
    check_options,
    describe_unknown,
    detect,
    format_by_name,
)
from .tagmap import tag_kinds, with_tag_days
from .tracker_people import different_people

__all__ = ["FORMATS", "Format", "SourceName", "combine_logs", "read_log", "restrict_dates"]


def _expand(paths: Iterable[Path]) -> list[tuple[Path, bool]]:
    """Folders become their files (recursively, sorted); the flag says 'named explicitly'."""
    out: list[tuple[Path, bool]] = []
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            if not files:
                raise LogFormatError(f"{path}: the folder holds no files to read")
            out.extend((p, False) for p in files)
        else:
            out.append((path, True))
    return out


def _read_all(
    pending: Sequence[tuple[Format, Path, bool]],
    options: Mapping[str, Any],
    skipped: list[tuple[str, str]],
) -> list[Log]:
    """Read each file with its format's reader, in order; a format that reads the files of
    one export together (:attr:`Format.reads_together`) gets all of its files in one call,
    at the place of its first file.

    A file found in a folder (not named explicitly) that its reader refuses is skipped:
    ``(file, reason)`` is appended to ``skipped`` and the other files are read. A file
    named explicitly that its reader refuses raises its ``LogFormatError``.
    """
    together: dict[str, list[Path]] = {}
    order: list[tuple[Format, Path | None, bool]] = []
    for fmt, file, explicit in pending:
        if not fmt.reads_together:
            order.append((fmt, file, explicit))
            continue
        if fmt.name not in together:
            together[fmt.name] = []
            order.append((fmt, None, True))
        together[fmt.name].append(file)
    logs: list[Log] = []
    for fmt, one, explicit in order:
        if one is None:
            logs.append(fmt.read_many(together[fmt.name], options))
            continue
        try:
            logs.append(fmt.read(one, options))
        except LogFormatError as exc:
            if explicit:
                raise
            skipped.append((str(one), str(exc).removeprefix(f"{one}: ")))
            if len(order) == 1:
                raise  # the folder's only file: its own message says it best
    return logs


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _skipped_warning(skipped: Sequence[tuple[str, str]]) -> str:
    return (
        f"{len(skipped)} file(s) in the folder could not be read and were skipped, the "
        "other files were read: "
        + "; ".join(f"{file} ({_one_line(reason)})" for file, reason in skipped)
        + ". Pass a skipped file on its own to see how to fix it."
    )


def read_log(
    path: PathLike | Iterable[PathLike],
    *,
    source: SourceName | None = None,
    progress: bool = False,
    tag_map: Mapping[str, str | Sequence[str]] | None = None,
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
    **options: Any,
) -> Log:
    """Read one or several exported logs into one :class:`~backcare_analysis.schema.Log`.

    Parameters
    ----------
    path
        A file, a folder (every supported file inside is read), or several of them. A
        symptom log and a trigger log combine into one log by local calendar date.
    source
        Force one format instead of detecting each file's format from its content.
    progress
        Show a progress bar on large inputs.
    tag_map
        Additions and overrides to the meaning of tags (``{"Dota": "sitting"}``); see
        :data:`~backcare_analysis.readers.tagmap.DEFAULT_TAG_KINDS`. Recorded in
        ``log.parameters["tag_map"]``.
    since, until
        Keep only days from ``since`` and up to ``until`` (inclusive; ``"2025-01-31"``
        or a date): episodes that start, and daily values and tags dated, outside are
        left out, and ``log.parameters`` records the window and what it left out.
    **options
        Passed to the format's reader (for example the episode rule's parameters).

    Returns
    -------
    Log
        Episodes, daily values, rejected rows and provenance of every file.

    Raises
    ------
    LogFormatError
        When a file named explicitly is not a supported export (the message lists the
        supported formats), or when a file does not match the forced ``source``.
    """
    paths = [Path(path)] if isinstance(path, str | os.PathLike) else [Path(p) for p in path]
    if not paths:
        raise LogFormatError("read_log needs at least one path")
    check_options(options)
    tag_kinds(tag_map)  # refuse an unknown meaning before reading anything
    pending: list[tuple[Format, Path, bool]] = []
    skipped: list[str] = []
    broken: list[tuple[str, str]] = []
    for file, explicit in _expand(paths):
        try:
            head = read_head(file)
        except LogFormatError as exc:
            if explicit:
                raise
            broken.append((str(file), str(exc).removeprefix(f"{file}: ")))  # an empty file
            continue
        fmt: Format | None
        if source is not None:
            fmt = format_by_name(source)
            if not fmt.sniff(head):
                actual = detect(head)
                hint = (
                    f"it looks like {actual.title}: use source={actual.name!r} or leave "
                    "source unset"
                    if actual is not None
                    else describe_unknown(head)
                )
                raise LogFormatError(f"{file}: source={source!r} was given, but {hint}")
        else:
            fmt = detect(head)
        if fmt is None:
            if explicit:
                raise LogFormatError(describe_unknown(head))
            skipped.append(str(file))
            continue
        pending.append((fmt, file, explicit))
    read_options = {"progress": progress, "tag_map": tag_map, **options}
    logs = [with_tag_days(log, tag_map=tag_map) for log in _read_all(pending, read_options, broken)]
    if not logs and len(broken) == 1 and not skipped:
        raise LogFormatError(f"{broken[0][0]}: {broken[0][1]}")  # the only file: its message
    if not logs:
        raise LogFormatError(
            "no supported export found in "
            + ", ".join(map(str, paths))
            + f" (skipped: {skipped + [f'{f} ({_one_line(r)})' for f, r in broken]})"
        )
    people = different_people(logs)
    log = combine_logs(logs, skipped=[*skipped, *broken])
    if PROFILE_KEY in log.parameters:  # only for telling people apart; not passed on
        parameters = {k: v for k, v in log.parameters.items() if k != PROFILE_KEY}
        log = replace(log, parameters=parameters)
    found = [*([_skipped_warning(broken)] if broken else []), *people]
    if found:
        warnings = [*list(log.parameters.get("warnings", []) or []), *found]  # type: ignore[call-overload]
        log = replace(log, parameters={**log.parameters, "warnings": warnings})
    if since is not None or until is not None:
        log = restrict_dates(log, since=since, until=until)
    return log


def _day(value: str | dt.date | None, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        return pd.Timestamp(value).normalize()
    except (ValueError, TypeError):
        raise LogFormatError(
            f"{name}={value!r} is not a date; write it as YYYY-MM-DD (e.g. 2025-01-31)"
        ) from None


def restrict_dates(
    log: Log, *, since: str | dt.date | None = None, until: str | dt.date | None = None
) -> Log:
    """Keep only what lies between ``since`` and ``until`` (inclusive), saying what was left
    out in ``log.parameters`` (``date_window``, ``left_out_by_date_window``)."""
    first, last = _day(since, "since"), _day(until, "until")
    if first is not None and last is not None and first > last:
        raise LogFormatError(f"since={since} is after until={until}: swap them")

    def inside(days: pd.Series) -> pd.Series:
        keep = pd.Series(True, index=days.index)
        if first is not None:
            keep &= days >= first
        if last is not None:
            keep &= days <= last
        return keep.fillna(False)

    episodes = log.episodes.loc[inside(log.episodes["start_local"].dt.normalize())]
    daily = log.daily.loc[inside(log.daily["date"])]
    tags = log.tags.loc[inside(log.tags["date"])]
    left_out = {
        "episodes": len(log.episodes) - len(episodes),
        "days": len(log.daily) - len(daily),
        "tags": len(log.tags) - len(tags),
    }
    parameters = {
        **log.parameters,
        "date_window": (
            first.date().isoformat() if first is not None else None,
            last.date().isoformat() if last is not None else None,
        ),
        "left_out_by_date_window": left_out,
    }
    return replace(
        log,
        episodes=episodes.reset_index(drop=True),
        daily=daily.reset_index(drop=True),
        tags=tags.reset_index(drop=True),
        parameters=parameters,
    )
