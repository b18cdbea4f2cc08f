"""How one row of a Bearable export becomes data: its date and time, and what its category
means (a back-pain rating, water, sleep, a med, factor tags). Used by
:mod:`~backcare_analysis.readers.bearable`, which documents the mapping."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Final

from ..schema import canonical_treatment
from ._tracker_common import (
    NOT_ANALYSED,
    TagKind,
    checked_day,
    clock,
    is_leg_pain,
    kind_of,
    location_of,
    number,
    sleep_h,
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


def parse_date(text: str) -> datetime:
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


def row_date(rec: Mapping[str, str]) -> datetime:
    formatted = rec.get("date formatted", "")
    if not formatted:
        return checked_day(parse_date(rec["date"]))
    day = parse_date(formatted)
    if rec["date"] and parse_date(rec["date"]) != day:
        raise ValueError(f"date {rec['date']!r} and date formatted {formatted!r} disagree")
    return checked_day(day)


def row_time(text: str, day: datetime) -> datetime:
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
class State:
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


def use_row(state: State, rec: Mapping[str, str], day: datetime, when: datetime, line: int) -> None:
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
