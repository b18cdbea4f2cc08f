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

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time
from pathlib import Path
from typing import Final

import pandas as pd

from ..episodes import DEFAULT_GAP_H, DEFAULT_THRESHOLD_0_10
from ..schema import Log, canonical_treatment
from ._common import Head, Rejections, csv_records, provenance_row, read_text, sniff_delimiter
from ._tracker_common import (
    NOT_ANALYSED,
    TagKind,
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
    location_of,
    mark_leg_pain,
    no_entries_error,
    number,
    pain_max_by_day,
    ratings_frame,
    record_failure,
    rejection_note,
    screened_records,
    sleep_h,
    tag_kinds,
    tags_table,
    water_ml,
)

SOURCE: Final = "bearable"
COLUMNS: Final = ("date", "weekday", "time of day", "category", "rating/amount", "detail", "notes")
#: Newer exports add ``date formatted`` (``YYYY-MM-DD``) after ``date``.
COLUMNS_NEW: Final = ("date", "date formatted", *COLUMNS[1:])
#: Symptom names (any case) whose ratings are lower back pain, by default: Bearable's own
#: ``Back (lower) pain`` and names people give custom symptoms. ``Back (mid) pain``,
#: ``Back (upper) pain`` and ``Neck pain`` are left out; add them with ``symptoms=``.
DEFAULT_SYMPTOMS: Final = (
    "Back (lower) pain",
    "Lower back pain",
    "Low back pain",
    "Back pain",
    "Back spasm",
    "Back spasms",
    "Lower back spasm",
    "Lower back spasms",
)
#: Clock time given to a rating logged for a part of day rather than at a time.
PART_OF_DAY: Final[Mapping[str, time]] = {
    "pre": time(3, 0),
    "am": time(9, 0),
    "mid": time(13, 0),
    "pm": time(19, 0),
    "all day": time(12, 0),
    "": time(12, 0),
}
#: Bearable's 0-4 symptom scale in words.
SEVERITY_WORDS: Final[Mapping[str, int]] = {
    w: i for i, w in enumerate(("none", "mild", "moderate", "severe", "unbearable"))
}
#: A 0-4 rating times this is the 0-10 severity.
SCALE_0_4_TO_0_10: Final = 2.5
_TAG_CATEGORIES: Final = ("factors", "sleep factors", "food diary factors")
_MONTHS: Final = (
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
)  # fmt: skip
_ORDINAL = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})$", re.IGNORECASE)
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NAME_SEVERITY = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")


def sniff(head: Head) -> bool:
    """True for a Bearable CSV export: a header with at least five of Bearable's columns
    (a renamed column is still recognised, so reading it can say which one)."""
    if head.text is None:
        return False
    line = head.first_line
    columns = header_columns(line, sniff_delimiter(line))
    return len(columns) <= len(COLUMNS_NEW) + 2 and sum(c in COLUMNS_NEW for c in columns) >= 5


def _date(text: str) -> datetime:
    value = text.strip()
    iso, ordinal = _ISO.match(value), _ORDINAL.match(value)
    month = ordinal.group(2).lower()[:3] if ordinal else ""
    try:
        if iso:
            return datetime(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        if ordinal and month in _MONTHS:
            return datetime(int(ordinal.group(3)), _MONTHS.index(month) + 1, int(ordinal.group(1)))
    except ValueError as exc:
        raise ValueError(f"impossible date {text!r} ({exc})") from None
    raise ValueError(f"unreadable date {text!r} (Bearable writes dates like '22nd Sep 2020')")


def _row_date(rec: Mapping[str, str]) -> datetime:
    formatted = rec.get("date formatted", "")
    if not formatted:
        return checked_day(_date(rec["date"]))
    day = _date(formatted)
    if rec["date"] and _date(rec["date"]) != day:
        raise ValueError(f"date {rec['date']!r} and date formatted {formatted!r} disagree")
    return checked_day(day)


def _when(text: str, day: datetime) -> datetime:
    label = " ".join(text.lower().split())
    if label in PART_OF_DAY:
        return datetime.combine(day.date(), PART_OF_DAY[label])
    try:
        hour, minute = clock(label)
    except ValueError:
        raise ValueError(
            f"time of day {text!r} is neither a part of day (pre, am, mid, pm, all day) "
            "nor a clock time such as 21:30"
        ) from None
    return day.replace(hour=hour, minute=minute)


@dataclass
class _State:
    """What the rows of one file add up to while they are read."""

    path: Path
    symptoms: frozenset[str]
    kinds: Mapping[str, tuple[TagKind, ...]]
    days: set[datetime] = field(default_factory=set)
    symptom_days: set[datetime] = field(default_factory=set)
    unknown_days: set[datetime] = field(default_factory=set)
    factor_days: set[datetime] = field(default_factory=set)
    lifting_days: set[datetime] = field(default_factory=set)
    ratings: list[dict[str, object]] = field(default_factory=list)
    notes: list[dict[str, object]] = field(default_factory=list)
    treatments: list[dict[str, object]] = field(default_factory=list)
    water: dict[datetime, tuple[int, float]] = field(default_factory=dict)
    sleep: dict[datetime, tuple[int, float]] = field(default_factory=dict)
    tags: list[dict[str, object]] = field(default_factory=list)
    symptom_names: set[str] = field(default_factory=set)
    leg_pain_days: set[datetime] = field(default_factory=set)

    def rating(self, when: datetime, severity: float | None, location: str, line: int) -> None:
        """Keep one back-pain rating (``None``: a tick without severity)."""
        self.ratings.append(
            {
                "time_local": when,
                "severity_0_10": severity,
                "location": location,
                "source": SOURCE,
                "source_file": str(self.path),
                "source_line": line,
            }
        )

    def tag(
        self, when: datetime, category: str, tag: str, kind: str, amount: object, line: int
    ) -> None:
        """Keep one tag."""
        self.tags.append(
            {
                "date": when.replace(hour=0, minute=0),
                "time_local": when,
                "category": category,
                "tag": tag,
                "kind": kind,
                "amount": amount,
                "source": SOURCE,
                "source_file": str(self.path),
                "source_line": line,
            }
        )


def _use_row(
    state: _State, rec: Mapping[str, str], day: datetime, when: datetime, line: int
) -> None:
    """Turn one row into data; raise ValueError with the reason when it cannot be used."""
    category = rec["category"]
    kind = category.lower()
    amount, detail = rec["rating/amount"], rec["detail"]
    if kind == "symptom":
        match = _NAME_SEVERITY.match(detail)
        word = match.group(2).strip().lower() if match else ""
        name = match.group(1).strip() if match and word in SEVERITY_WORDS else detail
        state.symptom_names.add(name)
        if is_leg_pain(name) and (SEVERITY_WORDS.get(word) != 0 or amount not in ("", "0")):
            # Pain down a leg or numbness: a warning sign, kept as a tag and marked on the
            # episode of that day.
            state.symptom_days.add(day)
            state.leg_pain_days.add(day)
            state.tag(when, category, name, "leg_pain", None, line)
            return
        if " ".join(name.lower().split()) not in state.symptoms:
            state.symptom_days.add(day)
            raise ValueError(
                f"{NOT_ANALYSED}symptom {name!r}; add it with symptoms=[...] if it is back pain"
            )
        state.unknown_days.add(day)  # until the rating is known to be valid
        rating = number(amount, "rating") if amount else SEVERITY_WORDS.get(word)
        if rating is None:
            raise ValueError(f"symptom {detail!r} has no rating")
        if not 0 <= rating <= 4:
            raise ValueError(f"rating {amount!r} is outside Bearable's 0-4 symptom scale")
        if word in SEVERITY_WORDS and SEVERITY_WORDS[word] != rating:
            raise ValueError(f"rating {amount!r} disagrees with the severity {word!r}")
        state.unknown_days.discard(day)
        state.symptom_days.add(day)
        state.rating(when, rating * SCALE_0_4_TO_0_10, location_of(name), line)
        if rec["notes"].strip(" ."):
            state.notes.append({"time_local": when, "value": rec["notes"].strip()})
    elif kind in ("water", "sleep"):
        table = state.water if kind == "water" else state.sleep
        if kind == "sleep" and not amount:
            raise ValueError(
                f"{NOT_ANALYSED}Sleep row without a duration (time in bed is not sleep)"
            )
        value = water_ml(amount) if kind == "water" else sleep_h(amount)
        if day in table:
            raise ValueError(
                f"a second {category} row for the date; the first is on line {table[day][0]}"
            )
        table[day] = (line, value)
    elif kind == "meds/supplements":
        dose = number(amount, "dose") if amount else None
        if dose is not None and dose < 0:
            raise ValueError(f"dose {amount!r} is negative")
        name = _NAME_SEVERITY.sub(r"\1", detail).strip() or detail
        treatment = canonical_treatment(name)
        if treatment != "other":
            state.treatments.append({"time_local": when, "value": treatment})
        state.tag(when, category, detail, "treatment" if treatment != "other" else "", dose, line)
    elif kind in _TAG_CATEGORIES:
        tags = [t.strip() for t in detail.split("|") if t.strip()]
        if not tags:
            raise ValueError(f"{category} row without any tag")
        if kind == "factors":
            state.factor_days.add(day)
        for tag in tags:
            meaning = kind_of(tag, state.kinds) if kind == "factors" else ""
            state.tag(when, category, tag, meaning, None, line)
            if meaning == "heavy_lifting":
                state.lifting_days.add(day)
            elif meaning == "back_pain":
                state.rating(when, None, "lower back", line)
            elif meaning == "treatment" and canonical_treatment(tag) != "other":
                state.treatments.append({"time_local": when, "value": canonical_treatment(tag)})
    elif not category:
        raise ValueError("the row has no category")
    else:
        raise ValueError(f"{NOT_ANALYSED}category {category!r}")


def _parse(
    path: Path,
    *,
    threshold_0_10: float,
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
    state = _State(
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
            day = _row_date(rec)
            state.days.add(day)
            _use_row(state, rec, day, _when(rec["time of day"], day), line)
        except ValueError as exc:
            record_failure(rejections, line, exc, raw)
            continue
        used += 1

    ratings = ratings_frame(state.ratings)
    episodes = episodes_with_ticks(ratings, threshold_0_10=threshold_0_10, gap_h=gap_h)
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
        f"{len(episodes)} episodes at threshold {threshold_0_10:g}/10 and gap {gap_h:g} h",
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
            "threshold_0_10": threshold_0_10,
            "gap_h": gap_h,
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
    threshold_0_10: float = DEFAULT_THRESHOLD_0_10,
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
        after ``gap_h`` hours without one starts an episode.
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
        threshold_0_10=DEFAULT_THRESHOLD_0_10,
        gap_h=DEFAULT_GAP_H,
        symptoms=symptoms,
        tag_map=tag_map,
    )[1]
