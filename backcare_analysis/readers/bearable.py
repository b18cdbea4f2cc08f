"""Reader for Bearable CSV exports (one row per logged item, long format).

Back-pain symptom ratings (0-4 per part of day) become episodes through the shared rule
:func:`~backcare_analysis.episodes.episodes_from_ratings`; Water, Sleep and lifting tags
become daily values; painkillers and other known treatments attach to the episode of their
day; factor tags are kept in a tags table (:func:`read_tags`). Rows of categories the
analysis does not use (Mood, Energy, Gratitudes...) are not analysed
(``log.not_analysed``), rows that are wrong are rejected: every row is accounted for. The
mapping is documented in ``docs/readers-symptoms.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd

from ..episodes import DEFAULT_GAP_H
from ..schema import Log
from ._common import Head, Rejections, csv_records, provenance_row, read_text, sniff_delimiter
from ._tracker_common import (
    attach_to_episodes,
    check_accounting,
    check_header,
    daily_table,
    episodes_with_ticks,
    header_columns,
    header_line,
    lifting_by_day,
    mark_leg_pain,
    no_entries_error,
    pain_max_by_day,
    ratings_frame,
    record_failure,
    rejection_note,
    screened_records,
    tag_kinds,
    tags_table,
)
from ._tracker_threshold import choose_threshold, threshold_parameters
from .bearable_rows import (
    COLUMNS,
    COLUMNS_NEW,
    DEFAULT_SYMPTOMS,
    PART_OF_DAY,
    SCALE_0_4_TO_0_10,
    SEVERITY_WORDS,
    SOURCE,
    State,
    row_date,
    row_time,
    use_row,
)

__all__ = [
    "COLUMNS",
    "COLUMNS_NEW",
    "DEFAULT_SYMPTOMS",
    "PART_OF_DAY",
    "SCALE_0_4_TO_0_10",
    "SEVERITY_WORDS",
    "SOURCE",
    "read",
    "read_tags",
    "sniff",
]


def sniff(head: Head) -> bool:
    """True for a Bearable CSV export: a header with at least five of Bearable's columns
    (a renamed column is still recognised, so reading it can say which one)."""
    if head.text is None:
        return False
    line = head.first_line
    columns = header_columns(line, sniff_delimiter(line))
    return len(columns) <= len(COLUMNS_NEW) + 2 and sum(c in COLUMNS_NEW for c in columns) >= 5


def _parse(
    path: Path,
    *,
    threshold_0_10: float | None,
    gap_h: float,
    symptoms: Sequence[str] | str,
    tag_map: Mapping[str, str] | None,
) -> tuple[Log, pd.DataFrame]:
    text, encoding = read_text(path)
    text = text.lstrip("\ufeff")
    first = header_line(text)
    delimiter = sniff_delimiter(first)
    columns = header_columns(first, delimiter)
    check_header(path, columns, COLUMNS, app="Bearable", expected=",".join(COLUMNS))
    names = [symptoms] if isinstance(symptoms, str) else list(symptoms)
    state = State(
        path,
        frozenset(" ".join(s.lower().split()) for s in names),
        tag_kinds(tag_map, option="tag_map"),
    )
    rejections = Rejections(SOURCE, str(path))
    every = list(csv_records(text, delimiter=delimiter))
    records = [r for r in every if any(f.strip() for f in r[1])]
    blank = len(every) - len(records)
    if not records:
        raise no_entries_error(path, "Bearable")
    used = 0
    for line, rec, raw in screened_records(records, columns, rejections):
        try:
            day = row_date(rec)
            state.days.add(day)
            use_row(state, rec, day, row_time(rec["time of day"], day), line)
        except ValueError as exc:
            record_failure(rejections, line, exc, raw)
            continue
        used += 1

    ratings = ratings_frame(state.ratings)
    threshold, rule = choose_threshold(ratings, threshold_0_10)
    episodes = episodes_with_ticks(ratings, threshold_0_10=threshold, gap_h=gap_h)
    episodes = attach_to_episodes(episodes, pd.DataFrame(state.treatments), column="treatments")
    episodes = attach_to_episodes(episodes, pd.DataFrame(state.notes), column="notes")
    episodes = mark_leg_pain(episodes, state.leg_pain_days)
    days = pd.DatetimeIndex(sorted(state.days), dtype="datetime64[us]")
    daily = daily_table(
        days,
        {
            "pain_max_0_10": pain_max_by_day(ratings, days, state.symptom_days, state.unknown_days),
            "water_ml": pd.Series({d: v for d, (_, v) in state.water.items()}, dtype="Float64"),
            "sleep_h": pd.Series({d: v for d, (_, v) in state.sleep.items()}, dtype="Float64"),
            "heavy_lifting": lifting_by_day(state.lifting_days, state.factor_days, days),
        },
    )
    check_accounting(
        path,
        read=len(records),
        used=used,
        rejected=len(rejections),
        not_analysed=rejections.n_not_analysed,
    )
    notes = [
        f"Bearable export, {encoding}, {len(columns)}-column header",
        f"used: {len(ratings)} back-pain ratings, {len(state.water)} water, "
        f"{len(state.sleep)} sleep, {len(state.tags)} tags",
        rejection_note(
            (str(r["reason"]) for r in rejections.rows),
            (str(r["reason"]) for r in rejections.skipped),
        ),
        f"{len(episodes)} episodes at threshold {threshold:g}/10 and gap {gap_h:g} h ({rule})",
    ]
    if blank:
        notes.append(f"{blank} blank row(s) skipped")
    if ratings.empty:
        others = ", ".join(sorted(state.symptom_names)[:12]) or "none"
        notes.append(f"no ratings of the back symptoms {names}; symptoms in the file: {others}")
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
            note="; ".join(notes),
        ),
        parameters={
            "threshold_0_10": threshold,
            "gap_h": gap_h,
            **threshold_parameters(ratings, threshold_0_10=threshold, gap_h=gap_h, rule=rule),
            "bearable_symptoms": tuple(names),
            "bearable_part_of_day": {k or "(empty)": f"{v:%H:%M}" for k, v in PART_OF_DAY.items()},
            "bearable_scale_0_4_to_0_10": SCALE_0_4_TO_0_10,
        },
    )
    return log, tags_table(state.tags)


def read(
    path: Path | str,
    *,
    progress: bool = False,
    threshold_0_10: float | None = None,
    gap_h: float = DEFAULT_GAP_H,
    symptoms: Sequence[str] = DEFAULT_SYMPTOMS,
    tag_map: Mapping[str, str] | None = None,
) -> Log:
    """Read a Bearable CSV export.

    Parameters
    ----------
    path
        The export (``date,weekday,time of day,category,rating/amount,detail,notes``, with
        or without ``date formatted``).
    progress
        Accepted for a uniform reader signature; Bearable exports are small.
    threshold_0_10, gap_h
        The episode rule: a rating at or above ``threshold_0_10`` (0-4 ratings times 2.5)
        after ``gap_h`` hours without one starts an episode. Without ``threshold_0_10``
        the threshold is the median of the person's non-zero back-pain ratings, kept
        between 2.5 and 4 (:data:`~backcare_analysis.readers._tracker_threshold.AUTO_RULE`);
        ``log.parameters`` records the rule, ``ratings_below_threshold`` and
        ``episodes_at_other_thresholds``.
    symptoms
        Symptom names (any case) that are lower back pain; :data:`DEFAULT_SYMPTOMS`.
    tag_map
        Extra or changed tag meanings, ``{"Deadlifts": "heavy_lifting"}``; see
        :data:`~backcare_analysis.readers._tracker_common.DEFAULT_TAG_KINDS`.

    Returns
    -------
    Log
        ``episodes`` (location from the symptom name, treatments of the episode's days);
        ``daily`` with ``date``, ``symptoms_logged`` (every date with any row),
        ``activity_logged``, ``pain_max_0_10``, ``water_ml``, ``sleep_h``,
        ``heavy_lifting``; ``rejected`` (bad and duplicate rows); ``not_analysed``
        (rows of categories no analysis uses: Mood, Energy, other symptoms...);
        ``provenance``; ``parameters`` with the episode rule and part-of-day times.

    Raises
    ------
    LogFormatError
        When a column is missing or renamed, or the export has no entries.

    Notes
    -----
    Ratings logged for a part of day get a nominal clock time (:data:`PART_OF_DAY`);
    clock times are taken as written. ``pain_max_0_10`` is 0 on days with symptom rows
    but no back rating, when the file rates back pain at least once.
    """
    del progress
    log, tags = _parse(
        Path(path), threshold_0_10=threshold_0_10, gap_h=gap_h, symptoms=symptoms, tag_map=tag_map
    )
    return replace(log, tags=tags)


def read_tags(
    path: Path | str,
    *,
    symptoms: Sequence[str] = DEFAULT_SYMPTOMS,
    tag_map: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The tags of a Bearable export (factors, sleep and food factors, meds), one per row.

    Returns
    -------
    pandas.DataFrame
        Columns ``date``, ``time_local`` (part of day as in :data:`PART_OF_DAY`),
        ``category`` (``Factors``, ``Sleep factors``, ``Food Diary factors``,
        ``Meds/Supplements``), ``tag``, ``kind`` (its meaning: ``heavy_lifting``,
        ``stretching``, ``walking``, ``exercise``, ``activity_level``, ``treatment``,
        ``back_pain`` or ``""``), ``amount`` (dose of a med), ``source``,
        ``source_file``, ``source_line``.
    """
    return _parse(
        Path(path),
        threshold_0_10=None,
        gap_h=DEFAULT_GAP_H,
        symptoms=symptoms,
        tag_map=tag_map,
    )[1]
