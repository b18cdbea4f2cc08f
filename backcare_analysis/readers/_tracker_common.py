"""Helpers shared by the symptom-tracker readers (Bearable, Daylio, Flaredown).

What lives here is policy that must read the same in every tracker: which names count as
lower back pain, which tags mean what, how presence-only pain ticks become episodes, how
treatments reach the episode they belong to, the daily table, the tags table, and the
row accounting ``rows_used + rows_not_analysed + rows_rejected == rows_read``. See
``docs/readers-symptoms.md``.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Final, Literal

import numpy as np
import pandas as pd

from .. import schema
from ..episodes import RATING_COLUMNS, episode_days, episodes_from_ratings
from ..schema import DAILY_COLUMNS, LogFormatError, conform, empty_table
from ._common import Rejections
from ._tracker_values import checked_day, clock, header_line, number, sleep_h, water_ml
from .tagmap import DEFAULT_TAG_KINDS, TAG_KINDS, TagKind, kind_of, tag_kinds

__all__ = [
    "DEFAULT_TAG_KINDS",
    "TAG_KINDS",
    "TagKind",
    "checked_day",
    "clock",
    "header_line",
    "kind_of",
    "number",
    "sleep_h",
    "tag_kinds",
    "water_ml",
]

#: A reader raises ``ValueError(NOT_ANALYSED + what)`` for a row that is fine but of a
#: category no analysis uses (a Mood rating); :func:`record_failure` sends it to
#: ``Rejections.skip`` (``log.not_analysed``) without the prefix, so ``log.rejected`` keeps
#: only rows that are wrong.
NOT_ANALYSED: Final = "not analysed: "

#: Columns of the tidy tags table returned by each reader's ``read_tags``.
TAG_COLUMNS: Final = schema.TAG_COLUMNS

_UPPER = re.compile(r"\b(upper|mid|middle|thoracic|neck|shoulders?|cervical)\b")
_LOWER = re.compile(
    r"\b(lower back|low back|back lower|lumbar|lumbago|lumbosacral|sacroiliac|lbp)\b"
)
_BACK = re.compile(
    r"^back$|\b(back (pain|pains|ache|aches|spasms?|problems?|strain|injury)|backache|backpain)\b"
)


def _fold(name: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z&]+", " ", name.lower()).split())


def is_lower_back(name: str) -> bool:
    """True when a free-text symptom name means lower back pain.

    ``lower back``, ``low back``, ``lumbar``, ``lumbago``, ``sacroiliac`` and Bearable's
    ``Back (lower) pain`` always count; an unqualified ``back pain``, ``backache`` or
    ``back spasm`` counts (most back pain is low back pain); a name that names only the
    upper or mid back, the neck or the shoulders does not (``neck and upper back pain``).
    """
    folded = _fold(name)
    if _LOWER.search(folded):
        return True
    return bool(_BACK.search(folded)) and not _UPPER.search(folded)


_LEG_PAIN = re.compile(
    r"\b(sciatica|sciatic|leg pains?|pain (down|in) (my |the )?(left |right )?legs?|"
    r"radiating|numb|numbness|tingling|pins and needles)\b"
)


def is_leg_pain(name: str) -> bool:
    """True when a symptom name means pain down a leg or numbness (a warning sign)."""
    return bool(_LEG_PAIN.search(_fold(name)))


def mark_leg_pain(episodes: pd.DataFrame, days: Collection[datetime]) -> pd.DataFrame:
    """Set ``leg_pain`` on every episode whose calendar days include one of ``days``."""
    if episodes.empty or not days:
        return episodes
    covered = episode_days(episodes)
    leg_days = pd.DatetimeIndex(list(days)).normalize()
    hit = np.zeros(len(episodes), dtype=bool)
    hit[covered.loc[covered["date"].isin(leg_days), "position"].to_numpy()] = True
    return episodes.assign(leg_pain=episodes["leg_pain"].astype("boolean").mask(hit, True))


def location_of(name: str) -> str:
    """A body location for an episode from the symptom name that started it."""
    folded = _fold(name)
    if is_lower_back(name):
        return "lower back"
    for word, location in (("upper", "upper back"), ("mid", "mid back"), ("neck", "neck")):
        if re.search(rf"\b{word}\b", folded):
            return location
    return folded or "back"


def header_columns(first_line: str, delimiter: str) -> list[str]:
    """A header line split and normalised: quotes and spaces stripped, lowercased."""
    return [c.strip().strip('"').strip().lower() for c in first_line.split(delimiter)]


def check_header(
    path: Path, found: Sequence[str], required: Sequence[str], *, app: str, expected: str
) -> None:
    """Raise a :class:`LogFormatError` naming each missing column and its likely rename,
    or a column that appears twice."""
    twice = sorted({c for c in found if c and list(found).count(c) > 1})
    if twice:
        raise LogFormatError(f"{path}: the {app} header has the column(s) {twice} twice")
    missing = [c for c in required if c not in found]
    if not missing:
        return
    extra = [c for c in found if c not in required]
    hints = []
    for column in missing:
        close = difflib.get_close_matches(column, extra, n=1, cutoff=0.5)
        hints.append(f"{column!r}" + (f" (found {close[0]!r}: rename it back)" if close else ""))
    raise LogFormatError(
        f"{path}: this {app} export lacks the column(s) {', '.join(hints)}; the header should "
        f"be {expected}. Export the file again from the app, or restore the header line."
    )


def no_entries_error(path: Path, app: str) -> LogFormatError:
    """The error for an export with a header and no rows."""
    return LogFormatError(
        f"{path}: the {app} export has a header but no entries; export again after logging "
        "at least one day (an empty export cannot be analysed)"
    )


def ends_inside_quotes(raw: str) -> bool:
    """True when a record's text leaves a quoted field open (the file was cut short)."""
    return raw.count('"') % 2 == 1


TRUNCATED_REASON: Final = (
    "the file ends inside a quoted field: the export was cut short (download or copy it again)"
)


def ratings_frame(rows: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """Pain ratings in the layout of :data:`~backcare_analysis.episodes.RATING_COLUMNS`;
    a missing ``severity_0_10`` means "pain ticked, severity unknown"."""
    frame = pd.DataFrame(list(rows), columns=list(RATING_COLUMNS))
    return frame.astype(
        {
            "time_local": "datetime64[us]",
            "end_local": "datetime64[us]",
            "utc_offset_min": "Int64",
            "severity_0_10": "Float64",
            "leg_pain": "boolean",
            "source_line": "Int64",
        }
    )


def episodes_with_ticks(
    ratings: pd.DataFrame, *, threshold_0_10: float, gap_h: float
) -> pd.DataFrame:
    """:func:`~backcare_analysis.episodes.episodes_from_ratings`, where a rating without
    a severity (a "back pain" tick) qualifies like one at the threshold.

    The peak and initial severity of an episode come from its rated qualifying ratings
    only, and stay missing when it has none: a tick says there was pain, not how much.
    """
    if ratings.empty:
        return empty_table("episodes")
    severity = ratings["severity_0_10"].astype("Float64")
    ticks = severity.isna()
    episodes = episodes_from_ratings(
        ratings.assign(severity_0_10=severity.fillna(threshold_0_10)),
        threshold_0_10=threshold_0_10,
        gap_h=gap_h,
    )
    if not ticks.any() or episodes.empty:
        return episodes
    rated = ratings.loc[~ticks & (severity >= threshold_0_10)]
    peaks: list[float | None] = []
    initials: list[float | None] = []
    for start, end in zip(episodes["start_local"], episodes["end_local"], strict=True):
        inside = rated.loc[rated["time_local"].between(start, end)]
        peaks.append(float(inside["severity_0_10"].max()) if not inside.empty else None)
        at_start = inside.loc[inside["time_local"] == start, "severity_0_10"]
        initials.append(float(at_start.iloc[0]) if not at_start.empty else None)
    out = episodes.assign(
        peak_severity_0_10=pd.array(peaks, dtype="Float64"),
        initial_severity_0_10=pd.array(initials, dtype="Float64"),
    )
    return conform(out, "episodes")


def attach_to_episodes(
    episodes: pd.DataFrame, items: pd.DataFrame, *, column: Literal["treatments", "notes"]
) -> pd.DataFrame:
    """Add items (columns ``time_local`` and ``value``) to the episode covering their day.

    An item belongs to an episode when its local calendar day lies between the episode's
    onset day and end day, both included; treatments keep the order first used and are
    joined by ``;``, notes by a newline. Items of days outside every episode are dropped.
    """
    if episodes.empty or items.empty:
        return episodes
    items = items.sort_values("time_local", kind="stable")
    day = items["time_local"].dt.normalize()
    starts = episodes["start_local"].dt.normalize()
    ends = episodes["end_local"].fillna(episodes["start_local"]).dt.normalize()
    sep = ";" if column == "treatments" else "\n"
    joined: list[str] = []
    for existing, start, end in zip(episodes[column], starts, ends, strict=True):
        values = items.loc[day.between(start, end), "value"].astype(str).tolist()
        parts = [p for p in str(existing).split(sep) if p] if pd.notna(existing) else []
        joined.append(sep.join(dict.fromkeys(p for p in parts + values if p)))
    return conform(episodes.assign(**{column: joined}), "episodes")


def pain_max_by_day(
    ratings: pd.DataFrame,
    days: pd.DatetimeIndex,
    rated_days: Iterable[datetime],
    unknown_days: Iterable[datetime] = (),
) -> pd.Series:
    """The daily worst back pain, 0-10.

    On a day with a rated back-pain rating: the highest. On another day whose symptom
    section was filled in (``rated_days``): 0, but only when the file rates back pain at
    least once, because a symptom a person never tracks says nothing. Otherwise missing,
    as on ``unknown_days`` (a back-pain row of that day was rejected) without a rating.
    """
    out = pd.Series(pd.NA, index=days, dtype="Float64")
    rated = ratings.loc[ratings["severity_0_10"].notna()]
    if rated.empty:
        return out
    out.loc[out.index.isin(list(rated_days))] = 0.0
    out.loc[out.index.isin(list(unknown_days))] = pd.NA
    worst = rated.groupby(rated["time_local"].dt.normalize())["severity_0_10"].max()
    out.loc[worst.index] = worst.astype("Float64")
    # A day with only unrated ticks keeps its worst rated value or stays unknown.
    ticked = ratings.loc[ratings["severity_0_10"].isna(), "time_local"].dt.normalize()
    unknown = ticked[~ticked.isin(worst.index)].unique()
    out.loc[out.index.isin(unknown)] = pd.NA
    return out


def lifting_by_day(
    lifting_days: Iterable[datetime], tagged_days: Iterable[datetime], days: pd.Index
) -> pd.Series:
    """The daily ``heavy_lifting`` yes/no from tags.

    True on a day with a lifting tag; False on another day whose tags were filled in
    (``tagged_days``), but only when the file uses a lifting tag at least once (a tag a
    person never uses is not tracked); missing otherwise.
    """
    lifting = set(lifting_days)
    out = pd.Series(pd.NA, index=days, dtype="boolean")
    if not lifting:
        return out
    out.loc[out.index.isin(list(tagged_days))] = False
    out.loc[out.index.isin(list(lifting))] = True
    return out


def daily_table(days: pd.DatetimeIndex, values: Mapping[str, pd.Series]) -> pd.DataFrame:
    """A canonical daily table: every day symptom-logged; ``activity_logged`` where a
    trigger value exists; ``values`` are series indexed by day."""
    frame = pd.DataFrame({"date": days})
    for column, series in values.items():
        frame[column] = series.reindex(days).to_numpy()
    triggers = [c for c in values if c in DAILY_COLUMNS and c != "pain_max_0_10"]
    frame["symptoms_logged"] = True
    if triggers:
        frame["activity_logged"] = frame[triggers].notna().any(axis=1)
    else:
        frame["activity_logged"] = False
    return conform(frame, "daily")


def tags_table(rows: Sequence[Mapping[str, object]] | pd.DataFrame) -> pd.DataFrame:
    """The tidy tags table with the columns of :data:`TAG_COLUMNS`."""
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for column, dtype in TAG_COLUMNS.items():
        values = frame[column].to_numpy() if column in frame else [pd.NA] * len(frame)
        out[column] = pd.Series(values).astype(dtype)  # type: ignore[call-overload]
    return out.sort_values(["date", "time_local"], kind="stable").reset_index(drop=True)


def rejection_note(
    reasons: Iterable[str] | Mapping[str, int], not_analysed: Iterable[str] = ()
) -> str:
    """Summarise a file's left-out rows for the provenance note: not-analysed rows by what
    they were, rejected ones by count (duplicates apart).

    ``not_analysed`` are the reasons recorded with ``Rejections.skip``; a reason in
    ``reasons`` that starts with :data:`NOT_ANALYSED` is counted as not analysed too.
    """
    counts = Counter(reasons)
    skipped: Counter[str] = Counter()
    for reason in not_analysed:
        skipped[reason.split(";")[0].split(" (")[0]] += 1
    other = 0
    duplicates = 0
    for reason, n in counts.items():
        if reason.startswith(NOT_ANALYSED):
            skipped[reason[len(NOT_ANALYSED) :].split(";")[0].split(" (")[0]] += n
        elif reason.startswith("duplicate"):
            duplicates += n
        else:
            other += n
    parts = []
    if skipped:
        detail = ", ".join(f"{what} {n}" for what, n in skipped.most_common(8))
        more = "" if len(skipped) <= 8 else f", {len(skipped) - 8} more kinds"
        parts.append(f"not analysed: {sum(skipped.values())} ({detail}{more})")
    rejected = []
    if duplicates:
        rejected.append(f"{duplicates} duplicate rows")
    if other:
        rejected.append(f"{other} invalid rows")
    parts.append("rejected: " + (", ".join(rejected) if rejected else "none"))
    return "; ".join(parts)


def record_failure(rejections: Rejections, line: int, exc: ValueError, raw: str) -> bool:
    """Send a row that could not be used to ``rejections``: skipped (not analysed) when
    its reason starts with :data:`NOT_ANALYSED`, rejected otherwise. Returns True when it
    was not analysed."""
    reason = str(exc)
    if reason.startswith(NOT_ANALYSED):
        rejections.skip(line, reason[len(NOT_ANALYSED) :], raw)
        return True
    rejections.add(line, reason, raw)
    return False


def check_accounting(
    path: Path, *, read: int, used: int, rejected: int, not_analysed: int = 0
) -> None:
    """Every data row is used, not analysed or rejected; anything else is a reader bug."""
    if used + not_analysed + rejected != read:
        raise RuntimeError(
            f"{path}: reader bug: {used} used + {not_analysed} not analysed + {rejected} "
            f"rejected != {read} rows read; please report it with the file's header"
        )


def screened_records(
    records: Sequence[tuple[int, list[str], str]],
    columns: Sequence[str],
    rejections: Rejections,
) -> Iterator[tuple[int, dict[str, str], str]]:
    """Yield ``(line, record, raw)`` for each complete, first-seen CSV record.

    A last record cut inside quotes (a truncated file), a record with more or fewer fields
    than the header, and an exact repeat of an earlier record go to ``rejections`` with
    their reason instead; fields come stripped, keyed by column.
    """
    seen: dict[tuple[str, ...], int] = {}
    for index, (line, fields, raw) in enumerate(records):
        if index == len(records) - 1 and ends_inside_quotes(raw):
            rejections.add(line, TRUNCATED_REASON, raw)
            continue
        if len(fields) < len(columns) or any(f.strip() for f in fields[len(columns) :]):
            rejections.add(line, f"{len(fields)} fields, but the header has {len(columns)}", raw)
            continue
        key = tuple(f.strip() for f in fields[: len(columns)])
        if key in seen:
            rejections.add(line, f"duplicate of line {seen[key]}", raw)
            continue
        seen[key] = line
        yield line, dict(zip(columns, key, strict=True)), raw
