"""Reading a cohort: a Flaredown research file (one streaming pass) or a folder with one
subfolder or file set per person, into a :class:`Cohort` that yields ``(person, Log)``."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ..readers import read_log
from ..readers._common import read_head
from ..readers.flaredown import sniff as is_flaredown
from ..readers.flaredown_stream import read_flaredown_cohort
from ..schema import Log, LogFormatError

#: Columns of :attr:`Cohort.people`.
PEOPLE_COLUMNS = (
    "person",
    "status",
    "reason",
    "days",
    "first_day",
    "last_day",
    "logged_share",
    "episodes",
    "sources",
    "rows_read",
    "rows_not_analysed",
    "rows_rejected",
)


@dataclass(frozen=True)
class Cohort:
    """Many people's logs, read lazily where the source allows.

    Attributes
    ----------
    source
        The Flaredown file or the folder.
    kind
        ``"flaredown"`` (one file, every selected person's log built in one pass) or
        ``"folder"`` (one subfolder or file set per person, each read again on iteration
        so that only one person's frames are held at a time).
    people
        One row per person (:data:`PEOPLE_COLUMNS`): ``status`` is ``ok`` or
        ``unreadable`` (with ``reason``), then what was read: days logged, first and last
        day, ``logged_share`` (days logged over the calendar days between the first and
        last), episodes, sources and row counts.
    n_in_source
        People in the source in all (in a Flaredown file, including those not selected).
    read_options
        The options every person's log was read with.
    """

    source: Path
    kind: Literal["flaredown", "folder"]
    people: pd.DataFrame
    n_in_source: int
    read_options: Mapping[str, Any] = field(default_factory=dict)
    logs: Mapping[str, Log] = field(default_factory=dict, repr=False)
    paths: Mapping[str, tuple[Path, ...]] = field(default_factory=dict, repr=False)

    def __iter__(self) -> Iterator[tuple[str, Log]]:
        """``(person, Log)`` for every readable person, in :attr:`people` order."""
        for person in self.people.loc[self.people["status"] == "ok", "person"]:
            yield person, self.log(person)

    def __len__(self) -> int:
        return int((self.people["status"] == "ok").sum())

    def log(self, person: str) -> Log:
        """One person's log."""
        if self.kind == "flaredown":
            return self.logs[person]
        return read_log(list(self.paths[person]), **self.read_options)


def summarise_log(person: str, log: Log) -> dict[str, object]:
    """One row of :attr:`Cohort.people` for a readable log."""
    daily = log.daily
    days = int(daily["symptoms_logged"].fillna(False).astype(bool).sum()) if len(daily) else 0
    first = pd.Timestamp(daily["date"].min()) if len(daily) else None
    last = pd.Timestamp(daily["date"].max()) if len(daily) else None
    span = (last - first).days + 1 if first is not None and last is not None else 0
    prov = log.provenance
    return {
        "person": person,
        "status": "ok",
        "reason": "",
        "days": days,
        "first_day": first,
        "last_day": last,
        "logged_share": days / span if span else float("nan"),
        "episodes": len(log.episodes),
        "sources": ", ".join(dict.fromkeys(prov["source"].astype(str))),
        "rows_read": int(prov["rows_read"].sum()),
        "rows_not_analysed": int(prov["rows_not_analysed"].sum()),
        "rows_rejected": int(prov["rows_rejected"].sum()),
    }


def _unreadable(person: str, reason: str) -> dict[str, object]:
    return {
        **dict.fromkeys(PEOPLE_COLUMNS, None),
        "person": person,
        "status": "unreadable",
        "reason": reason,
    }


def _people_table(rows: list[dict[str, object]]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=list(PEOPLE_COLUMNS))
    for column in ("days", "episodes", "rows_read", "rows_not_analysed", "rows_rejected"):
        table[column] = table[column].astype("Int64")
    for column in ("first_day", "last_day"):
        table[column] = pd.to_datetime(table[column]).astype("datetime64[us]")
    table["logged_share"] = table["logged_share"].astype(float)
    for column in ("person", "status", "reason", "sources"):
        table[column] = table[column].fillna("").astype(str)
    return table


def _person_paths(folder: Path) -> dict[str, tuple[Path, ...]]:
    """Person id to that person's files: a subfolder per person, or files named
    ``PERSON.ext`` / ``PERSON_anything.ext`` at the top of the folder."""
    out: dict[str, list[Path]] = {}
    seen: dict[str, str] = {}
    dirs: set[str] = set()
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        person = entry.name if entry.is_dir() else entry.stem.split("_")[0]
        key = person.casefold()
        if key in seen and seen[key] != person:
            raise LogFormatError(
                f"{folder}: person ids {seen[key]!r} and {person!r} differ only in case; "
                "rename one so that every person has one id"
            )
        if person in out and (entry.is_dir() or person in dirs):
            raise LogFormatError(
                f"{folder}: person {person!r} has both a subfolder and loose files; move the "
                "files into the subfolder"
            )
        seen[key] = person
        if entry.is_dir():
            dirs.add(person)
        out.setdefault(person, []).append(entry)
    return {person: tuple(paths) for person, paths in out.items()}


def read_cohort(
    source: str | Path | Sequence[str | Path],
    *,
    people: Collection[str] | None = None,
    progress: bool = True,
    **read_options: Any,
) -> Cohort:
    """Read a cohort: many people's logs from one Flaredown file or from a folder.

    Parameters
    ----------
    source
        A Flaredown research file (by default everyone who logs lower back pain is
        selected), or a folder with one subfolder (or file set ``PERSON*.csv``) per
        person, named by the person's id, each read with
        :func:`~backcare_analysis.read_log`; or a list of files, one person each, named
        by the file's stem.
    people
        Only these person ids.
    progress
        Show a progress bar (tqdm) over the rows of a Flaredown file or the people of a
        folder.
    **read_options
        Passed to every person's reader (the episode rule, ``symptoms``, ``tag_map`` ...).

    Returns
    -------
    Cohort
        Yields ``(person, Log)``; :attr:`Cohort.people` says what was read of each person.
        A person whose log is empty or unreadable is kept there with the reason, and the
        rest goes on.

    Raises
    ------
    LogFormatError
        When ``source`` does not exist, a chosen person is not in it, or two people's ids
        in a folder differ only in case. (A single file that is not a Flaredown research
        file is one person's export: a cohort of one, named by the file's stem.)
    """
    if not isinstance(source, (str, Path)):
        return _read_files([Path(p) for p in source], people, progress, read_options)
    path = Path(source)
    if not path.exists():
        raise LogFormatError(f"{path}: no such file or folder; check the path")
    if path.is_file():
        if not is_flaredown(read_head(path)):  # one person's export: a cohort of one
            return _read_files([path], people, progress, read_options)
        logs, n_people = read_flaredown_cohort(
            path, people=people, progress=progress, **read_options
        )
        rows = [summarise_log(p, log) for p, log in sorted(logs.items())]
        for person, log in logs.items():
            if int(log.provenance["rows_used"].sum()) == 0:
                rows[[r["person"] for r in rows].index(person)] = _unreadable(
                    person, "no usable row: every row was rejected or not analysed"
                )
        table = _people_table(rows)
        return Cohort(path, "flaredown", table, n_people, dict(read_options), dict(logs))
    return _read_people(path, _person_paths(path), people, progress, read_options)


def _read_files(
    files: list[Path],
    people: Collection[str] | None,
    progress: bool,
    read_options: Mapping[str, Any],
) -> Cohort:
    """A list of files, one person each, named by the file's stem."""
    paths: dict[str, tuple[Path, ...]] = {}
    for file in files:
        if file.stem in paths:
            raise LogFormatError(
                f"{file}: person id {file.stem!r} is also {paths[file.stem][0]}; give every "
                "person's file its own name"
            )
        paths[file.stem] = (file,)
    parent = files[0].parent if files else Path()
    return _read_people(parent, paths, people, progress, read_options)


def _read_people(
    path: Path,
    paths: dict[str, tuple[Path, ...]],
    people: Collection[str] | None,
    progress: bool,
    read_options: Mapping[str, Any],
) -> Cohort:
    """Each person's files read with read_log, summarised; the logs are not kept."""
    if people is not None:
        missing = sorted(set(people) - set(paths))
        if missing:
            raise LogFormatError(
                f"{path}: no subfolder or files of person {missing[0]!r}; the folder holds "
                f"{len(paths)} people"
            )
        paths = {p: v for p, v in paths.items() if p in set(people)}
    iterator: Any = paths.items()
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(iterator, total=len(paths), desc="people", leave=False)
    rows = []
    for person, files in iterator:
        try:
            log = read_log(list(files), **read_options)
        except (LogFormatError, ValueError, OSError) as exc:
            rows.append(_unreadable(person, str(exc)))
            continue
        if log.daily.empty and log.episodes.empty:
            rows.append(_unreadable(person, "empty log: no day and no episode was read"))
        else:
            rows.append(summarise_log(person, log))
    table = _people_table(rows)
    return Cohort(path, "folder", table, len(paths), dict(read_options), paths=paths)
