"""Readers for exported logs: one module per source format, and :func:`read_log`."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..schema import Log, LogFormatError, PathLike
from ._common import read_head
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
from .tagmap import with_tag_days

__all__ = ["FORMATS", "Format", "SourceName", "combine_logs", "read_log"]


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


def _read_all(pending: Sequence[tuple[Format, Path]], options: Mapping[str, Any]) -> list[Log]:
    """Read each file with its format's reader, in order; a format that reads the files of
    one export together (:attr:`Format.reads_together`) gets all of its files in one call,
    at the place of its first file."""
    together: dict[str, list[Path]] = {}
    order: list[tuple[Format, Path | None]] = []
    for fmt, file in pending:
        if not fmt.reads_together:
            order.append((fmt, file))
            continue
        if fmt.name not in together:
            together[fmt.name] = []
            order.append((fmt, None))
        together[fmt.name].append(file)
    return [
        fmt.read(file, options) if file is not None else fmt.read_many(together[fmt.name], options)
        for fmt, file in order
    ]


def read_log(
    path: PathLike | Iterable[PathLike],
    *,
    source: SourceName | None = None,
    progress: bool = False,
    tag_map: Mapping[str, str | Sequence[str]] | None = None,
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
    pending: list[tuple[Format, Path]] = []
    skipped: list[str] = []
    for file, explicit in _expand(paths):
        head = read_head(file)
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
        pending.append((fmt, file))
    read_options = {"progress": progress, "tag_map": tag_map, **options}
    logs = [with_tag_days(log, tag_map=tag_map) for log in _read_all(pending, read_options)]
    if not logs:
        raise LogFormatError(
            "no supported export found in " + ", ".join(map(str, paths)) + f" (skipped: {skipped})"
        )
    return combine_logs(logs, skipped=skipped)
