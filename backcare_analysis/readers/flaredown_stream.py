"""Streaming a Flaredown research file: the logs of the people who log back pain (or of
chosen people), in one pass over the file in chunks, holding only their rows.

Each chunk of ``pandas.read_csv`` is read as categorical columns; the rows of people already
known to log back pain (or chosen) are kept, the rows of people not yet known are held while
those people still appear (the research file is grouped by person, so that is about one
chunk), and everyone else's rows are dropped once counted. A person whose first back-pain
rating comes after their earlier rows were dropped (a file not grouped by person) is read in
a second pass limited to such people, so no row of a selected person is ever lost. The kept
rows then go through the same classification and tables as
:func:`~backcare_analysis.readers.flaredown.read_flaredown_users`. A file that needs the
careful path (UTF-16, a last row cut off inside quotes, rows with more fields than the
header) is read by that function instead.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..episodes import DEFAULT_GAP_H, DEFAULT_THRESHOLD_0_10
from ..schema import Log, LogFormatError
from . import flaredown_tables as ft
from ._common import read_head, sniff_delimiter
from ._tracker_common import check_header, header_columns, is_lower_back
from .flaredown import _read_all, read_flaredown_users
from .flaredown_load import text_categories
from .flaredown_tables import COLUMNS, REQUIRED

#: Rows per chunk of the streaming pass.
CHUNK_ROWS = 500_000


def _chunks(
    path: Path, header: list[str], delimiter: str, chunk_rows: int
) -> Iterator[pd.DataFrame]:
    """The data rows in chunks of categorical columns, indexed by physical line."""
    options: dict[str, Any] = {"sep": delimiter, "header": None, "skiprows": 1, "names": header}
    options.update(dtype="category", keep_default_na=False, skip_blank_lines=False)
    start = 2
    for chunk in pd.read_csv(path, chunksize=chunk_rows, encoding="utf-8-sig", **options):
        chunk.index = pd.RangeIndex(start, start + len(chunk), name="line")
        start += len(chunk)
        yield text_categories(chunk)


def _user_codes(chunk: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each row's user as a code into the chunk's stripped user ids (a missing id is "")."""
    column = chunk["user_id"]
    names = np.array([*column.cat.categories.astype(str).str.strip(), ""], dtype=object)
    codes = column.cat.codes.to_numpy().astype(np.int64)
    codes[codes < 0] = len(names) - 1
    return codes, names


def _back_users(
    chunk: pd.DataFrame, codes: np.ndarray, names: np.ndarray, symptoms: Sequence[str] | None
) -> set[str]:
    """The people with a lower-back-pain rating in ``chunk``."""
    wanted = ft.names(symptoms) if symptoms is not None else set()
    is_back = is_lower_back if symptoms is None else (lambda n: ft.fold(n) in wanted)
    rated = ft.spread(chunk["trackable_type"], lambda s: s.str.strip().str.lower().isin(ft.RATED))
    back = rated.astype(bool) & ft.spread(chunk["trackable_name"], lambda s: s.map(is_back))
    return set(names[np.unique(codes[back.astype(bool).to_numpy()])]) - {""}


def _join(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """Categorical chunks joined (categories unioned), line index kept."""
    if not parts:
        return pd.DataFrame({c: pd.Categorical([]) for c in columns}).rename_axis("line")
    union = pd.api.types.union_categoricals
    index = pd.Index(np.concatenate([p.index.to_numpy() for p in parts]), name="line")
    return pd.DataFrame({c: union([p[c] for p in parts]) for c in columns}, index=index)


def _needs_careful_path(path: Path) -> bool:
    head = read_head(path)
    if head.raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    with path.open("rb") as fh:
        fh.seek(max(0, path.stat().st_size - 4096))
        last = fh.read().decode("utf-8", errors="replace").rstrip("\r\n").rsplit("\n", 1)[-1]
    return last.count('"') % 2 == 1


def _select(
    path: Path,
    header: list[str],
    delimiter: str,
    *,
    people: Collection[str] | None,
    symptoms: Sequence[str] | None,
    chunk_rows: int,
    progress: bool,
) -> tuple[pd.DataFrame, int, set[str]]:
    """The selected people's rows, the number of data rows in the file, and everyone's ids."""
    chosen = set(people) if people is not None else None
    selected: set[str] = set(chosen or ())
    kept: list[pd.DataFrame] = []
    pending = None  # rows of people not (yet) known to log back pain
    dropped: set[str] = set()  # people whose rows were dropped
    late: set[str] = set()  # people found to log back pain after their rows were dropped
    everyone: set[str] = set()
    n_rows = 0
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(unit=" rows", desc="Flaredown cohort", leave=False)
    for chunk in _chunks(path, header, delimiter, chunk_rows):
        n_rows += len(chunk)
        # Work on each distinct user id once, then spread it to the rows by code.
        codes, names = _user_codes(chunk)
        here = set(names[np.unique(codes)]) - {""}
        everyone |= here
        if chosen is None:
            found = _back_users(chunk, codes, names, symptoms)
            late |= found & dropped
            selected |= found
        mine = np.isin(names, list(selected))[codes]
        kept.append(chunk.loc[mine])
        if chosen is None:
            # Only the chunk's last person can go on in the next chunk of a file grouped by
            # person; everyone else not selected is dropped here (should one turn out to
            # log back pain later, the file is not grouped and a second pass reads them).
            tail = names[codes[-1]] if len(codes) else ""
            if pending is not None and len(pending):
                pending_codes, pending_names = _user_codes(pending)
                user = pending_names[pending_codes[0]]  # pending holds one person's rows
                if user in selected:
                    kept.append(pending)
                    pending = None
                elif user != tail:
                    dropped.add(user)
                    pending = None
            carry = ~mine & np.isin(codes, np.flatnonzero(names == tail))
            dropped |= set(names[np.unique(codes[~mine & ~carry])]) - {""}
            rest = chunk.loc[carry]
            pending = rest if pending is None else _join([pending, rest], header)
        if bar is not None:
            bar.update(len(chunk))
    if bar is not None:
        bar.close()
    if late:  # a file not grouped by person: one more pass for those people only
        for chunk in _chunks(path, header, delimiter, chunk_rows):
            ids = ft.spread(chunk["user_id"], lambda s: s.str.strip())
            kept.append(chunk.loc[ids.isin(late).to_numpy()])
        kept = [k.loc[~k.index.duplicated()] for k in kept]
    frame = _join(kept, header)
    frame = frame.loc[~frame.index.duplicated()].sort_index()
    return frame, n_rows, everyone


def read_flaredown_cohort(
    path: str | Path,
    *,
    people: Collection[str] | None = None,
    progress: bool = False,
    chunk_rows: int = CHUNK_ROWS,
    threshold_0_10: float = DEFAULT_THRESHOLD_0_10,
    gap_h: float = DEFAULT_GAP_H,
    symptoms: Sequence[str] | None = None,
    tag_map: Mapping[str, str] | None = None,
) -> tuple[dict[str, Log], int]:
    """The logs of the people in a Flaredown file who log back pain, or of chosen people,
    from one streaming pass that holds only their rows.

    Parameters
    ----------
    path
        The research dataset.
    people
        Whose logs to read (user ids); None reads everyone with a lower-back-pain rating.
    progress
        Show a progress bar over the rows read.
    chunk_rows
        Rows per chunk.
    threshold_0_10, gap_h, symptoms, tag_map
        As for :func:`~backcare_analysis.readers.flaredown.read`.

    Returns
    -------
    logs : dict of str to Log
        One log per selected person, each accounting for that person's rows only (the raw
        text of a rejected or not-analysed row is its fields joined by the delimiter).
    n_people : int
        How many people the file holds in all.

    Raises
    ------
    LogFormatError
        When a column is missing or renamed, or a chosen person has no rows in the file.
    """
    path = Path(path)
    head = read_head(path)
    delimiter = sniff_delimiter(head.first_line)
    header = header_columns(head.first_line, delimiter)
    check_header(path, header, REQUIRED, app="Flaredown", expected=",".join(COLUMNS))

    def careful() -> tuple[dict[str, Log], int]:
        everyone = read_flaredown_users(
            path, threshold_0_10=threshold_0_10, gap_h=gap_h, symptoms=symptoms, tag_map=tag_map
        )
        if people is None:
            chosen = {u for u, log in everyone.items() if _logs_back_pain(log)}
        else:
            chosen = set(people)
        return {u: log for u, log in everyone.items() if u in chosen}, len(everyone)

    if _needs_careful_path(path):
        return careful()
    try:
        frame, n_rows, everyone = _select(
            path,
            header,
            delimiter,
            people=people,
            symptoms=symptoms,
            chunk_rows=chunk_rows,
            progress=progress,
        )
    except pd.errors.ParserError:
        return careful()  # rows with more fields than the header: the careful path says which
    except UnicodeDecodeError:
        raise LogFormatError(
            f"{path}: not UTF-8; save the file as UTF-8 (or read it with read_log) and try again"
        ) from None
    missing = sorted(set(people or ()) - everyone)
    if missing:
        raise LogFormatError(
            f"{path}: no rows of person {missing[0]!r}; the file holds {len(everyone)} people"
        )
    if frame.empty:
        return {}, len(everyone)

    def raw_of(lines: Collection[int]) -> dict[int, str]:
        rows = frame.loc[list(lines)]
        text = rows.iloc[:, 0].astype(str)
        for column in rows.columns[1:]:  # column by column: vectorised, not row by row
            text = text + delimiter + rows[column].astype(str)
        return dict(zip(rows.index, text, strict=True))

    logs, tags = _read_all(
        path,
        progress=False,
        users=None,
        threshold_0_10=threshold_0_10,
        gap_h=gap_h,
        symptoms=symptoms,
        tag_map=tag_map,
        loaded=(frame, "utf-8", None, raw_of),
    )
    by_user = dict(tuple(tags.groupby("user_id", sort=False))) if len(tags) else {}
    empty_tags = tags.iloc[:0].drop(columns="user_id")
    out = {}
    for uid, log in logs.items():
        mine = by_user.get(uid)
        mine = empty_tags if mine is None else mine.drop(columns="user_id").reset_index(drop=True)
        out[uid] = Log(
            episodes=log.episodes,
            daily=log.daily,
            rejected=log.rejected,
            provenance=log.provenance.assign(
                note=log.provenance["note"].str.replace(
                    f"of the file's {len(frame)} data rows",
                    f"of the file's {n_rows} data rows",
                    regex=False,
                )
            ),
            tags=mine,
            parameters=log.parameters,
            not_analysed=log.not_analysed,
        )
    return out, len(everyone)


def _logs_back_pain(log: Log) -> bool:
    """Whether a log has any lower-back-pain rating (used, or rejected as off the scale)."""
    return bool(log.daily["pain_max_0_10"].notna().any() or len(log.episodes))
