"""Reader for Daylio CSV exports (one row per mood entry, newest first).

Daylio has no symptom ratings of its own: back pain arrives either as an activity the
person ticks (``back pain``), which marks pain without a severity, or as a user-defined
scale (``pain: 6``), which is a rating. Both go through the shared episode rule. Other
activities are kept as tags (:func:`read_tags`); lifting activities set the daily
``heavy_lifting``; treatment activities attach to the episode of their day. See
``docs/readers-symptoms.md``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Final

import pandas as pd

from ..episodes import DEFAULT_GAP_H
from ..schema import Log, canonical_treatment
from ._common import Head, Rejections, csv_records, provenance_row, read_text, sniff_delimiter
from ._tracker_common import (
    NOT_ANALYSED,
    attach_to_episodes,
    check_accounting,
    check_header,
    checked_day,
    clock,
    daily_table,
    episodes_with_ticks,
    header_columns,
    header_line,
    is_leg_pain,
    kind_of,
    lifting_by_day,
    mark_leg_pain,
    no_entries_error,
    number,
    pain_max_by_day,
    ratings_frame,
    record_failure,
    rejection_note,
    screened_records,
    tag_kinds,
    tags_table,
)
from ._tracker_threshold import choose_threshold, threshold_parameters
from .daylio_layouts import OLD_COLUMNS, headerless_error, headerless_fields, old_layout_day

SOURCE: Final = "daylio"
COLUMNS: Final = (
    "full_date", "date", "weekday", "time", "mood", "activities", "note_title", "note"
)  # fmt: skip
#: Current exports add ``scales`` after ``activities``.
COLUMNS_NEW: Final = (*COLUMNS[:6], "scales", *COLUMNS[6:])
_REQUIRED: Final = ("full_date", "time", "mood", "activities", "note")
#: Scales (any case) that rate back pain, with the top of their range: a value ``v``
#: becomes ``10 * v / top`` on the 0-10 scale. Daylio does not export a scale's range.
DEFAULT_PAIN_SCALES: Final[Mapping[str, float]] = {
    "pain": 10.0,
    "back pain": 10.0,
    "lower back pain": 10.0,
    "back": 10.0,
}
_ISO: Final = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_SCALE: Final = re.compile(r"^(.+?)\s*:\s*(-?\d+(?:[.,]\d+)?)$")


def sniff(head: Head) -> bool:
    """True for a Daylio CSV export: ``full_date`` (or the pre-2019 ``year``) with
    ``mood`` and ``activities``, or at least five of Daylio's columns; also an export
    whose header line was removed (reading it then says which line to add)."""
    if head.text is None:
        return False
    line = head.first_line
    if headerless_fields(line) is not None:
        return True
    columns = header_columns(line, sniff_delimiter(line))
    known = sum(c in (*COLUMNS_NEW, "year") for c in columns)
    core = "mood" in columns and "activities" in columns
    return len(columns) <= len(COLUMNS_NEW) + 2 and (known >= 5 or (core and known >= 4))


def _fold(name: str) -> str:
    return " ".join(name.replace("\u00a0", " ").lower().split())


def _note(text: str) -> str:
    return html.unescape(re.sub(r"<br\s*/?>", "\n", text, flags=re.IGNORECASE)).strip()


def _scales(text: str) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    for part in text.replace("\u00a0", " ").split("|"):
        if not part.strip():
            continue
        match = _SCALE.match(part.strip())
        if not match:
            raise ValueError(f"scale {part.strip()!r} is not 'name: value'")
        out.append((match.group(1).strip(), number(match.group(2), "scale value")))
    return out


def _iso_day(rec: Mapping[str, str]) -> datetime:
    match = _ISO.match(rec["full_date"])
    if not match:
        raise ValueError(f"full_date {rec['full_date']!r} is not YYYY-MM-DD")
    try:
        return datetime(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError as exc:
        raise ValueError(f"impossible full_date {rec['full_date']!r} ({exc})") from None


def _parse(
    path: Path,
    *,
    threshold_0_10: float | None,
    gap_h: float,
    tag_map: Mapping[str, str] | None,
    pain_scales: Mapping[str, float] | None,
) -> tuple[Log, pd.DataFrame]:
    text, encoding = read_text(path)
    text = text.lstrip("\ufeff")
    first = header_line(text)
    delimiter = sniff_delimiter(first)
    columns = header_columns(first, delimiter)
    fields = headerless_fields(first)
    if fields is not None:
        raise headerless_error(path, fields)
    old_layout = "full_date" not in columns and "year" in columns
    if old_layout:
        check_header(path, columns, OLD_COLUMNS, app="Daylio", expected=",".join(OLD_COLUMNS))
    else:
        check_header(path, columns, _REQUIRED, app="Daylio", expected=",".join(COLUMNS_NEW))
    kinds = tag_kinds(tag_map, option="tag_map")
    scales_top = {_fold(k): float(v) for k, v in (pain_scales or DEFAULT_PAIN_SCALES).items()}
    rejections = Rejections(SOURCE, str(path))
    every = list(csv_records(text, delimiter=delimiter))
    records = [r for r in every if any(f.strip() for f in r[1])]
    if not records:
        raise no_entries_error(path, "Daylio")
    days: set[datetime] = set()
    entry_days: set[datetime] = set()
    unknown_days: set[datetime] = set()
    lifting_days: set[datetime] = set()
    leg_pain_days: set[datetime] = set()
    ratings: list[dict[str, object]] = []
    treatments: list[dict[str, object]] = []
    notes: list[dict[str, object]] = []
    tags: list[dict[str, object]] = []
    used = 0
    for line, rec, raw in screened_records(records, columns, rejections):
        day: datetime | None = None
        try:
            parsed = old_layout_day(rec["year"], rec["date"]) if old_layout else _iso_day(rec)
            day = checked_day(parsed)
            days.add(day)
            hour, minute = clock(rec["time"])
            when = day.replace(hour=hour, minute=minute)
            activities = [a.strip() for a in rec["activities"].split("|") if a.strip()]
            scales = _scales(rec.get("scales", ""))
            pain: list[float] = []
            for name, value in scales:
                top = scales_top.get(_fold(name))
                if top is not None and not 0 <= value <= top:
                    raise ValueError(
                        f"scale {name!r} = {value:g} is outside 0-{top:g}; pass "
                        f"pain_scales={{{name.lower()!r}: <top of your scale>}}"
                    )
                if top is not None:
                    pain.append(10 * value / top)
            if not activities and not scales:
                raise ValueError(f"{NOT_ANALYSED}entry with only a mood and a note")
        except ValueError as exc:
            skipped = record_failure(rejections, line, exc, raw)
            if day is not None:
                (entry_days if skipped else unknown_days).add(day)
            continue
        used += 1
        entry_days.add(day)
        meanings = [kind_of(a, kinds) for a in activities]
        if pain or "back_pain" in meanings:
            severity = max(pain) if pain else None
            ratings.append(
                {
                    "time_local": when,
                    "severity_0_10": severity,
                    "location": "lower back",
                    "source": SOURCE,
                    "source_file": str(path),
                    "source_line": line,
                }
            )
            note = "\n".join(p for p in (_note(rec.get("note_title", "")), _note(rec["note"])) if p)
            if note and "back_pain" in meanings:
                notes.append({"time_local": when, "value": note})
        if "heavy_lifting" in meanings:
            lifting_days.add(day)
        if "leg_pain" in meanings or any(is_leg_pain(a) for a in activities):
            leg_pain_days.add(day)
        for activity, meaning in zip(activities, meanings, strict=True):
            if meaning == "treatment" and canonical_treatment(activity) != "other":
                treatments.append({"time_local": when, "value": canonical_treatment(activity)})
        base = {"date": day, "time_local": when, "source": SOURCE, "source_file": str(path)}
        tags.extend(
            {**base, "category": "activity", "tag": a, "kind": m, "source_line": line}
            for a, m in zip(activities, meanings, strict=True)
        )
        tags.extend(
            {**base, "category": "scale", "tag": n, "kind": "", "amount": v, "source_line": line}
            for n, v in scales
        )

    frame = ratings_frame(ratings)
    threshold, rule = choose_threshold(frame, threshold_0_10)
    episodes = episodes_with_ticks(frame, threshold_0_10=threshold, gap_h=gap_h)
    episodes = attach_to_episodes(episodes, pd.DataFrame(treatments), column="treatments")
    episodes = attach_to_episodes(episodes, pd.DataFrame(notes), column="notes")
    episodes = mark_leg_pain(episodes, leg_pain_days)
    index_days = pd.DatetimeIndex(sorted(days), dtype="datetime64[us]")
    daily = daily_table(
        index_days,
        {
            "pain_max_0_10": pain_max_by_day(frame, index_days, entry_days, unknown_days),
            "heavy_lifting": lifting_by_day(lifting_days, entry_days, index_days),
        },
    )
    check_accounting(
        path,
        read=len(records),
        used=used,
        rejected=len(rejections),
        not_analysed=rejections.n_not_analysed,
    )
    note = "; ".join(
        [
            f"Daylio export, {encoding}, {len(columns)}-column header",
            f"used: {used} entries ({len(frame)} with back pain)",
            rejection_note(
                (str(r["reason"]) for r in rejections.rows),
                (str(r["reason"]) for r in rejections.skipped),
            ),
            f"{len(episodes)} episodes at threshold {threshold:g}/10 and gap {gap_h:g} h ({rule})",
        ]
        + (
            [f"{len(every) - len(records)} blank row(s) skipped"]
            if len(every) > len(records)
            else []
        )
    )
    log = Log(
        episodes=episodes,
        daily=daily,
        rejected=rejections.frame(),
        not_analysed=rejections.not_analysed_frame(),
        provenance=provenance_row(
            path,
            SOURCE,
            rows_read=len(records),
            rows_used=used,
            rows_rejected=len(rejections),
            rows_not_analysed=rejections.n_not_analysed,
            note=note,
        ),
        parameters={
            "threshold_0_10": threshold,
            "gap_h": gap_h,
            **threshold_parameters(frame, threshold_0_10=threshold, gap_h=gap_h, rule=rule),
            "daylio_pain_scales": dict(scales_top),
            "daylio_back_pain_activities": sorted(k for k, v in kinds.items() if "back_pain" in v),
        },
    )
    return log, tags_table(tags)


def read(
    path: Path | str,
    *,
    progress: bool = False,
    threshold_0_10: float | None = None,
    gap_h: float = DEFAULT_GAP_H,
    tag_map: Mapping[str, str] | None = None,
    pain_scales: Mapping[str, float] | None = None,
) -> Log:
    """Read a Daylio CSV export.

    Parameters
    ----------
    path
        The export (``full_date,date,weekday,time,mood,activities,[scales,]note_title,note``,
        or the pre-2019 ``year,date,weekday,time,mood,activities,note``), a path or a str.
    progress
        Accepted for a uniform reader signature; Daylio exports are small.
    threshold_0_10, gap_h
        The episode rule. A ``back pain`` activity without a pain scale value counts as
        pain at the threshold, with unknown severity. Without ``threshold_0_10`` the
        threshold follows the person's pain-scale values
        (:data:`~backcare_analysis.readers._tracker_threshold.AUTO_RULE`), 4 without any.
    tag_map
        Extra or changed activity meanings, ``{"sore back": "back_pain", "moving boxes":
        "heavy_lifting", "hot water bottle": "treatment"}``, on top of
        :data:`~backcare_analysis.readers._tracker_common.DEFAULT_TAG_KINDS`.
    pain_scales
        Scales that rate back pain and the top of each one's range; replaces
        :data:`DEFAULT_PAIN_SCALES`.

    Returns
    -------
    Log
        ``episodes`` (peak and initial severity from pain scale values, missing when only
        ticked); ``daily`` with ``date``, ``symptoms_logged`` (every date with an entry),
        ``activity_logged``, ``pain_max_0_10``, ``heavy_lifting``; ``rejected`` (bad and
        duplicate entries); ``not_analysed`` (mood-only entries); ``provenance``;
        ``parameters``.

    Raises
    ------
    LogFormatError
        When a column is missing or renamed, the header line was removed (the message gives
        the line to add), or the export has no entries.

    Notes
    -----
    ``full_date`` is the only date read; the localized ``date`` and ``weekday`` are
    ignored, except in the pre-2019 layout, which has no ``full_date``: there the day is
    ``year`` plus the localised ``date`` (month names in English, German, Spanish, French,
    Dutch, Italian and Portuguese; :mod:`~backcare_analysis.readers.daylio_layouts`).
    ``pain_max_0_10`` is 0 on entry days without back pain, when the file has at
    least one pain scale value.
    """
    del progress
    log, tags = _parse(
        Path(path),
        threshold_0_10=threshold_0_10,
        gap_h=gap_h,
        tag_map=tag_map,
        pain_scales=pain_scales,
    )
    return replace(log, tags=tags)


def read_tags(
    path: Path | str,
    *,
    tag_map: Mapping[str, str] | None = None,
    pain_scales: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """The activities and scale values of a Daylio export, one per row.

    Returns
    -------
    pandas.DataFrame
        Columns ``date``, ``time_local``, ``category`` (``activity`` or ``scale``),
        ``tag``, ``kind`` (the activity's meaning, see ``tag_map``), ``amount`` (a
        scale's value), ``source``, ``source_file``, ``source_line``.
    """
    return _parse(
        Path(path),
        threshold_0_10=None,
        gap_h=DEFAULT_GAP_H,
        tag_map=tag_map,
        pain_scales=pain_scales,
    )[1]
