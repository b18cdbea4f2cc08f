"""Reader for Flaredown CSV files: the public research dataset (many users in one file).

Every row is one trackable of one user's check-in day. Conditions and symptoms whose free
text name means lower back pain (:func:`~backcare_analysis.readers._tracker_common.
is_lower_back`) are daily 0-4 ratings, placed at 12:00 of the check-in day and grouped into
episodes by the shared rule; treatments attach to the episode of their day; tags and
treatments are kept in the tags table (:func:`read_tags`). Each user's rows are accounted
for in that user's log only. Reading is one vectorised ``pandas.read_csv`` pass with
categorical columns (string work happens once per distinct value); line numbers are
``index + 2`` since the dataset has no quoted newlines. See ``docs/readers-symptoms.md``.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from ..episodes import DEFAULT_GAP_H, DEFAULT_THRESHOLD_0_10
from ..schema import Log, LogFormatError, canonical_treatment, conform, empty_table
from ._common import Head, read_head, read_text, sniff_delimiter
from ._tracker_common import (
    NOT_ANALYSED,
    TRUNCATED_REASON,
    TagKind,
    check_header,
    header_columns,
    is_lower_back,
    kind_of,
    location_of,
    no_entries_error,
    rejection_note,
    tag_kinds,
    tags_table,
)

SOURCE: Final = "flaredown"
COLUMNS: Final = (
    "user_id", "age", "sex", "country", "checkin_date", "trackable_id", "trackable_type",
    "trackable_name", "trackable_value",
)  # fmt: skip
_REQUIRED: Final = (
    "user_id",
    "checkin_date",
    "trackable_type",
    "trackable_name",
    "trackable_value",
)
_RATED: Final = ("condition", "symptom")
_SKIPPED: Final[Mapping[str, str]] = {"food": "Food", "weather": "Weather", "hbi": "HBI"}
#: A 0-4 rating times this is the 0-10 severity.
SCALE_0_4_TO_0_10: Final = 2.5
_DAY_SHIFT: Final = 1_000_000  # days added so day numbers before 1970 stay positive
_DAY_SPAN: Final = 4_000_000


def sniff(head: Head) -> bool:
    """True for a Flaredown CSV: at least five of its columns, ``trackable_type`` or
    ``trackable_name`` among them (a renamed column is still recognised, so reading it can
    say which one)."""
    if head.text is None:
        return False
    columns = header_columns(head.first_line, sniff_delimiter(head.first_line))
    known = sum(c in COLUMNS for c in columns)
    return known >= 5 and ("trackable_type" in columns or "trackable_name" in columns)


def _fold(name: str) -> str:
    return " ".join(name.lower().split())


def _names(symptoms: Sequence[str] | str) -> set[str]:
    return {_fold(s) for s in ([symptoms] if isinstance(symptoms, str) else symptoms)}


# --- loading ------------------------------------------------------------------------------


def _load(path: Path, *, progress: bool) -> tuple[pd.DataFrame, str, tuple[int, str] | None]:
    """The data rows as categorical columns indexed by physical line; the encoding; and
    the line number and text of a last row cut off inside quotes, if any."""
    head = read_head(path)
    delimiter = sniff_delimiter(head.first_line)
    header = header_columns(head.first_line, delimiter)
    check_header(path, header, _REQUIRED, app="Flaredown", expected=",".join(COLUMNS))
    text = read_text(path)[0] if head.raw.startswith((b"\xff\xfe", b"\xfe\xff")) else None
    if text is None:
        with path.open("rb") as fh:
            fh.seek(max(0, path.stat().st_size - 4096))
            tail = fh.read().decode("utf-8", errors="replace")
    else:
        tail = text[-4096:]
    last = tail.rstrip("\r\n").rsplit("\n", 1)[-1]
    cut = None
    options: dict[str, Any] = {"sep": delimiter, "header": None, "skiprows": 1, "names": header}
    options.update(dtype="category", keep_default_na=False, skip_blank_lines=False)
    if last.count('"') % 2 == 1:  # the file ends inside a quoted field
        lines = text.count("\n") if text is not None else _count_newlines(path)
        options["nrows"] = lines - (1 if tail.endswith("\n") else 0) - 1
        cut = (options["nrows"] + 2, last)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            frame = _read_csv(path if text is None else io.StringIO(text), options, progress)
        except UnicodeDecodeError:
            options["encoding"] = "cp1252"
            continue
        except pd.errors.ParserError as exc:
            if "Expected" not in str(exc):
                raise LogFormatError(f"{path}: not a readable CSV ({exc})") from None
            # Rare: rows with too many fields. Read them into spare columns and reject them.
            options["names"] = header + [f"_extra{i}" for i in range(16)]
            try:
                frame = _read_csv(path if text is None else io.StringIO(text), options, progress)
            except pd.errors.ParserError as again:
                raise LogFormatError(
                    f"{path}: a row has far more fields than the header ({again}); fix that "
                    "line or download the file again"
                ) from None
        frame.index = pd.RangeIndex(2, len(frame) + 2, name="line")
        return frame, "utf-16" if text is not None else encoding, cut
    raise LogFormatError(f"{path}: cannot be decoded as UTF-8 or Windows-1252")  # unreachable


def _count_newlines(path: Path) -> int:
    count = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 24):
            count += chunk.count(b"\n")
    return count


def _read_csv(source: Any, options: dict[str, Any], progress: bool) -> pd.DataFrame:
    options = {"encoding": "utf-8-sig", **options}
    if not progress:
        frame: pd.DataFrame = pd.read_csv(source, **options)
        return frame
    from tqdm.auto import tqdm

    parts: list[pd.DataFrame] = []
    with tqdm(unit=" rows", desc="Flaredown", leave=False) as bar:
        for chunk in pd.read_csv(source, chunksize=1_000_000, **options):
            parts.append(chunk)
            bar.update(len(chunk))
    union = pd.api.types.union_categoricals
    return pd.DataFrame({c: union([p[c] for p in parts]) for c in options["names"]})


def _raw_lines(path: Path, wanted: Collection[int], encoding: str) -> dict[int, str]:
    """The text of some physical lines (the rejected rows), in one pass over the file."""
    targets = iter(sorted(set(wanted)))
    target = next(targets, None)
    out: dict[int, str] = {}
    if target is None:
        return out
    text = read_text(path)[0] if encoding == "utf-16" else None
    with io.StringIO(text) if text else path.open(encoding=encoding, errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if number == target:
                out[number] = line.rstrip("\r\n").lstrip("\ufeff")
                target = next(targets, None)
                if target is None:
                    break
    return out


# --- classifying rows ---------------------------------------------------------------------


def _spread(column: pd.Series, func: Callable[[pd.Series], Any]) -> pd.Series:
    """``func`` applied once to each distinct value of a categorical column, then spread
    to every row (a missing field counts as the empty string)."""
    values = pd.Series([*column.cat.categories.astype(str), ""], dtype=object)
    codes = column.cat.codes.to_numpy().copy()
    codes[codes < 0] = len(values) - 1
    return pd.Series(np.asarray(func(values))[codes], index=column.index)


def _prepare(
    frame: pd.DataFrame,
    symptoms: Sequence[str] | str | None,
    kinds: Mapping[str, tuple[TagKind, ...]],
) -> pd.DataFrame:
    """Classify every row: user, date, rating, tag meaning and why it is not used."""
    name, value = frame["trackable_name"], frame["trackable_value"]
    wanted = _names(symptoms) if symptoms is not None else set()
    is_back = is_lower_back if symptoms is None else (lambda n: _fold(n) in wanted)
    out = pd.DataFrame(index=frame.index)
    out["user"] = _spread(frame["user_id"], lambda s: s.str.strip())
    out["date"] = _spread(
        frame["checkin_date"],
        lambda s: pd.to_datetime(s.str.strip(), format="%Y-%m-%d", errors="coerce"),
    ).astype("datetime64[us]")
    out["type"] = _spread(frame["trackable_type"], lambda s: s.str.strip().str.lower())
    out["name"] = _spread(name, lambda s: s.str.strip())
    out["value"] = _spread(value, lambda s: pd.to_numeric(s.str.strip(), errors="coerce"))
    out["back"] = out["type"].isin(_RATED) & _spread(name, lambda s: s.map(is_back)).astype(bool)
    out["location"] = _spread(name, lambda s: s.map(location_of))
    out["kind"] = _spread(name, lambda s: s.map(lambda n: kind_of(n, kinds)))
    out["kind"] = out["kind"].where(out["type"] == "tag", "")
    treatment = _spread(name, lambda s: s.map(canonical_treatment))
    is_treatment = (out["type"] == "treatment") | (out["kind"] == "treatment")
    out["treatment"] = treatment.where(is_treatment & (treatment != "other"))
    value_text = _spread(value, lambda s: s.str.strip())
    reason = np.full(len(frame), "", dtype=object)
    known = out["type"].isin([*_RATED, "treatment", "tag", *_SKIPPED]).to_numpy()
    reason[~known] = "unknown trackable_type " + out["type"][~known].map(repr)
    for key, label in _SKIPPED.items():
        reason[(out["type"] == key).to_numpy()] = NOT_ANALYSED + label
    for key in _RATED:
        other = ((out["type"] == key) & ~out["back"]).to_numpy()
        reason[other] = f"{NOT_ANALYSED}{key.title()} that is not lower back pain"
    bad = (out["back"] & ~out["value"].between(0, 4)).to_numpy()
    reason[bad] = "rating " + value_text[bad].map(repr) + " is not on Flaredown's 0-4 scale"
    undated = out["date"].isna().to_numpy()
    dates = _spread(frame["checkin_date"], lambda s: s.str.strip())
    reason[undated] = "checkin_date " + dates[undated].map(repr) + " is not YYYY-MM-DD"
    duplicated = frame.duplicated(keep="first").to_numpy()
    if duplicated.any():
        codes = [frame[c].cat.codes for c in frame.columns]
        first = pd.Series(frame.index, index=frame.index).groupby(codes).transform("min")
        reason[duplicated] = "duplicate of line " + first[duplicated].astype(str)
    extras = [c for c in frame.columns if c.startswith("_extra")]
    if extras:
        reason[(frame[extras].astype(str) != "").any(axis=1).to_numpy()] = (
            "more fields than the header has"
        )
    out["reason"] = pd.Series(reason, index=frame.index, dtype="category")
    return out


# --- building the tables for every user at once -------------------------------------------


def _episodes(
    prep: pd.DataFrame, path: Path, *, threshold_0_10: float, gap_h: float
) -> tuple[pd.DataFrame, np.ndarray]:
    """The episode rule of :func:`~backcare_analysis.episodes.episodes_from_ratings`,
    applied to every user at once; back-pain tags are ticks as in
    :func:`~backcare_analysis.readers._tracker_common.episodes_with_ticks`."""
    if threshold_0_10 <= 0 or gap_h <= 0:
        raise ValueError("threshold_0_10 and gap_h must be positive")
    ok = prep["reason"] == ""
    both = prep.loc[ok & (prep["back"] | (prep["kind"] == "back_pain"))]  # in line order
    q = pd.DataFrame(
        {
            "user": both["user"],
            "time": both["date"] + pd.Timedelta(hours=12),
            "severity": (both["value"] * SCALE_0_4_TO_0_10).where(both["back"]).astype("Float64"),
            "location": both["location"].where(both["back"], "lower back"),
            "line": both.index,
        }
    )
    q = q.loc[q["severity"].fillna(threshold_0_10) >= threshold_0_10]
    q = q.sort_values(["user", "time"], kind="stable").reset_index(drop=True)
    previous = q.groupby("user")["time"].cummax().groupby(q["user"]).shift(1)
    hours = (q["time"] - previous).dt.total_seconds() / 3600
    q["episode"] = np.cumsum(previous.isna().to_numpy() | (hours >= gap_h).to_numpy())
    group = q.groupby("episode", sort=True)
    start = group["time"].first()
    at_start = q["time"].to_numpy() == start.loc[q["episode"]].to_numpy()
    out = pd.DataFrame(
        {
            "start_local": start,
            "end_local": group["time"].max(),
            "peak_severity_0_10": group["severity"].max(),
            "initial_severity_0_10": q["severity"].where(at_start).groupby(q["episode"]).first(),
            "location": group["location"].first(),
            "source": SOURCE,
            "source_file": str(path),
            "source_line": group["line"].first(),
            "treatments": "",
            "notes": "",
            "activity_at_onset": "",
        }
    ).reset_index(drop=True)
    out["duration_h"] = (out["end_local"] - out["start_local"]).dt.total_seconds() / 3600
    out["episode_id"] = SOURCE + "-" + out["start_local"].dt.strftime("%Y%m%dT%H%M")
    users = group["user"].first().to_numpy()
    items = prep.loc[ok & prep["treatment"].notna(), ["user", "date", "treatment"]]
    out["treatments"] = _treatments(out, users, items)
    return conform(out, "episodes"), users


def _treatments(episodes: pd.DataFrame, users: np.ndarray, items: pd.DataFrame) -> pd.Series:
    """Canonical treatments of the days each episode covers, in first-use order."""
    if episodes.empty or items.empty:
        return pd.Series("", index=episodes.index, dtype="str")
    first = episodes["start_local"].dt.normalize()
    n_days = ((episodes["end_local"].dt.normalize() - first).dt.days + 1).to_numpy()
    offsets = np.concatenate([np.arange(n) for n in n_days]).astype("timedelta64[D]")
    covered = pd.DataFrame(
        {
            "row": np.repeat(episodes.index.to_numpy(), n_days),
            "user": np.repeat(users, n_days),
            "date": (np.repeat(first.to_numpy(), n_days) + offsets).astype("datetime64[us]"),
        }
    )
    used = covered.merge(items.reset_index(), on=["user", "date"]).sort_values(["row", "line"])
    joined = used.groupby("row")["treatment"].agg(lambda s: ";".join(dict.fromkeys(s)))
    return joined.reindex(episodes.index, fill_value="").astype("str")


def _daily(prep: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Every user's check-in days, with ``pain_max_0_10`` and ``heavy_lifting``; the same
    rules as :func:`~backcare_analysis.readers._tracker_common.pain_max_by_day` and
    :func:`~backcare_analysis.readers._tracker_common.lifting_by_day`."""
    dated = prep.loc[prep["date"].notna()]
    codes, uniques = pd.factorize(dated["user"])
    day_no = dated["date"].to_numpy().astype("datetime64[D]").astype(np.int64) + _DAY_SHIFT
    keys = codes.astype(np.int64) * _DAY_SPAN + day_no  # one int per (user, day)
    key = np.unique(keys)
    user_codes = key // _DAY_SPAN
    users = np.asarray(uniques, dtype=object)[user_codes]

    def on(mask: pd.Series) -> np.ndarray:
        return np.isin(key, keys[mask.to_numpy()])

    reason, ok = dated["reason"], dated["reason"] == ""
    rated = ok & dated["back"]
    covered = dated["type"].isin(_RATED) & (ok | reason.str.startswith(NOT_ANALYSED))
    invalid = dated["back"] & ~ok & (reason != TRUNCATED_REASON) & ~reason.str.startswith("dup")
    ticks = ok & (dated["kind"] == "back_pain")
    pain = np.full(len(key), np.nan)
    pain[on(covered) & np.isin(user_codes, codes[rated.to_numpy()])] = 0.0
    pain[on(invalid | ticks)] = np.nan
    worst = (dated["value"] * SCALE_0_4_TO_0_10)[rated].groupby(keys[rated.to_numpy()]).max()
    pain[np.searchsorted(key, worst.index.to_numpy())] = worst.to_numpy()
    lifts = ok & (dated["kind"] == "heavy_lifting")
    heavy = pd.array(np.where(on(lifts), True, False), dtype="boolean")
    heavy[~np.isin(user_codes, codes[lifts.to_numpy()])] = pd.NA
    table = pd.DataFrame(
        {
            "date": ((key % _DAY_SPAN) - _DAY_SHIFT)
            .astype("datetime64[D]")
            .astype("datetime64[us]"),
            "symptoms_logged": True,
            "activity_logged": ~heavy.isna(),
            "pain_max_0_10": pd.array(pain, dtype="Float64"),
            "heavy_lifting": heavy,
        }
    )
    return conform(table, "daily"), users


def _tags(prep: pd.DataFrame, frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    tagged = prep.loc[(prep["reason"] == "") & prep["type"].isin(["tag", "treatment"])]
    dose = frame.loc[tagged.index, "trackable_value"].astype(str).str.extract(r"^\s*(\d+\.?\d*)")
    kind = tagged["kind"].mask(tagged["treatment"].notna(), "treatment")
    rows = pd.DataFrame(
        {
            "date": tagged["date"],
            "time_local": tagged["date"] + pd.Timedelta(hours=12),
            "category": tagged["type"].str.title(),
            "tag": tagged["name"],
            "kind": kind,
            "amount": pd.to_numeric(dose[0], errors="coerce"),
            "source": SOURCE,
            "source_file": str(path),
            "source_line": tagged.index,
        }
    )
    return tags_table(rows).assign(user_id=tagged.sort_values("date", kind="stable")["user"].values)


def _split(table: pd.DataFrame, users: np.ndarray) -> dict[str, pd.DataFrame]:
    """Rows of ``table`` by user, order kept within each user (slicing, not groupby)."""
    if table.empty:
        return {}
    codes, names = pd.factorize(users)
    order = np.argsort(codes, kind="stable")
    ordered, codes = table.iloc[order].reset_index(drop=True), codes[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    bounds = zip(starts, np.r_[starts[1:], len(codes)], strict=True)
    return {str(names[codes[a]]): ordered.iloc[a:b].reset_index(drop=True) for a, b in bounds}


def _many_users(
    path: Path, frame: pd.DataFrame, named: Sequence[str], symptoms: Sequence[str] | str | None
) -> LogFormatError:
    wanted = _names(symptoms) if symptoms is not None else set()
    is_back = is_lower_back if symptoms is None else (lambda n: _fold(n) in wanted)
    rated = _spread(frame["trackable_type"], lambda s: s.str.strip().str.lower().isin(_RATED))
    back = rated.astype(bool) & _spread(frame["trackable_name"], lambda s: s.map(is_back))
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
) -> tuple[dict[str, Log], pd.DataFrame]:
    """Every (or the chosen) user's log from one pass over the file, and the tags."""
    frame, encoding, cut = _load(path, progress=progress)
    blank = np.ones(len(frame), dtype=bool)
    for column in frame.columns:
        blank &= _spread(frame[column], lambda s: s.str.strip() == "").to_numpy(dtype=bool)
    frame = frame.loc[~blank]
    if frame.empty and cut is None:
        raise no_entries_error(path, "Flaredown")
    total = len(frame) + (cut is not None)
    ids = _spread(frame["user_id"], lambda s: s.str.strip())
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
    prep = _prepare(frame, symptoms, tag_kinds(tag_map, option="tag_map"))
    if only_back_pain:
        keep = prep["user"].isin(prep.loc[prep["back"], "user"].unique())
        frame, prep = frame.loc[keep], prep.loc[keep]
        cut = cut if cut_user in set(prep["user"]) else None
    episodes, episode_users = _episodes(prep, path, threshold_0_10=threshold_0_10, gap_h=gap_h)
    daily, day_users = _daily(prep)
    bad = prep.loc[prep["reason"] != ""]
    raw = _raw_lines(path, bad.index, encoding)
    rejected = pd.DataFrame(
        {
            "line": [*bad.index, *([cut[0]] if cut else [])],
            "reason": [*bad["reason"], *([TRUNCATED_REASON] if cut else [])],
            "raw": [*(raw.get(i, "") for i in bad.index), *([cut[1]] if cut else [])],
        }
    ).assign(source=SOURCE, file=str(path))
    rejected_users = np.array([*bad["user"], *([cut_user] if cut else [])], dtype=object)
    counted = pd.Series(rejected["reason"].to_numpy()).groupby(rejected_users).value_counts()
    reasons: dict[str, dict[str, int]] = {}
    for (user, reason), count in zip(counted.index.tolist(), counted.tolist(), strict=True):
        reasons.setdefault(str(user), {})[str(reason)] = int(count)
    n_read = prep["user"].value_counts().add(pd.Series({cut_user: 1} if cut else {}), fill_value=0)
    n_bad = pd.Series(rejected_users).value_counts().reindex(n_read.index, fill_value=0)
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
        {"file": str(path), "source": SOURCE, "rows_read": n_read.astype(int).to_numpy()}
    ).assign(rows_rejected=n_bad.to_numpy(), note=notes)
    provenance["rows_used"] = provenance["rows_read"] - provenance["rows_rejected"]
    split = {
        "episodes": _split(episodes, episode_users),
        "daily": _split(daily, day_users),
        "rejected": _split(conform(rejected, "rejected"), rejected_users),
        "provenance": _split(conform(provenance, "provenance"), n_read.index.to_numpy()),
    }
    empty = {name: empty_table(name) for name in ("episodes", "daily", "rejected")}
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
        )
        for uid in map(str, n_read.index)
        if uid
    }
    return logs, _tags(prep, frame, path)


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
