"""Daylio's layouts beside the current one: the pre-2019 ``year,date,...`` export with a
localised day-and-month, and an export whose header line was removed.

The old layout has no ISO date: the day is the ``year`` column plus the ``date`` column
as the app wrote it in the phone's language (``September 6``, ``6. März``,
``16 de octubre``). Month names of the languages below are recognised; a row whose month
is in another language is rejected, naming the text and the fix.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Final

from ..schema import LogFormatError

#: The old layout's header.
OLD_COLUMNS: Final = ("year", "date", "weekday", "time", "mood", "activities", "note")
#: The header to restore on a headerless export, by its number of fields.
HEADERS_BY_FIELDS: Final[Mapping[int, str]] = {
    7: "full_date,date,weekday,time,mood,activities,note",
    8: "full_date,date,weekday,time,mood,activities,note_title,note",
    9: "full_date,date,weekday,time,mood,activities,scales,note_title,note",
}

_MONTH_NAMES: Final = (
    # English, German, Spanish, French, Dutch, Italian, Portuguese, then short forms.
    "january|januar|enero|janvier|januari|gennaio|janeiro|jan|jan.|janv|ene|gen|jänner|jaenner",
    "february|februar|febrero|fevrier|februari|febbraio|fevereiro|feb|fev|fevr|febr",
    "march|marz|maerz|marzo|mars|maart|marco|mar|mrz|maa",
    "april|abril|avril|aprile|apr|abr|avr",
    "may|mai|mayo|mei|maggio|maio|mag",
    "june|juni|junio|juin|giugno|junho|jun|jui|giu",
    "july|juli|julio|juillet|luglio|julho|jul|juil|lug",
    "august|agosto|aout|augustus|aug|ago|aou",
    "september|septiembre|septembre|settembre|setembro|sep|sept|set",
    "october|oktober|octubre|octobre|ottobre|outubro|oct|okt|ott|out",
    "november|noviembre|novembre|novembro|nov",
    "december|dezember|diciembre|decembre|dicembre|dezembro|dec|dez|dic|dici",
)
MONTHS: Final[Mapping[str, int]] = {
    name: month
    for month, names in enumerate(_MONTH_NAMES, start=1)
    for name in names.replace(".", "").split("|")
}

_ISO: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR: Final = re.compile(r"^\d{4}$")
_CLOCK: Final = re.compile(r"^\d{1,2}[:.]\d{2}(\s*[ap]\.?m\.?)?$", re.IGNORECASE)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("\u00a0", " "))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def old_layout_day(year: str, day_month: str) -> datetime:
    """The calendar day of an old-layout row: ``year`` plus ``September 6``,
    ``6. März``, ``16 de octubre`` and the like.

    Raises
    ------
    ValueError
        With the reason, for a rejected row.
    """
    if not _YEAR.match(year.strip()):
        raise ValueError(f"year {year!r} is not a four-digit year")
    folded = _fold(day_month)
    numbers = re.findall(r"\d+", folded)
    words = [w for w in re.findall(r"[a-z]+", folded) if w not in ("de", "del", "di", "do")]
    months = {MONTHS[w] for w in words if w in MONTHS}
    if len(numbers) != 1 or len(months) != 1:
        raise ValueError(
            f"date {day_month!r} is not a day and a month name this reader knows (English, "
            "German, Spanish, French, Dutch, Italian, Portuguese); export again from a "
            "current Daylio version, which writes an ISO full_date column"
        )
    try:
        return datetime(int(year), months.pop(), int(numbers[0]))
    except ValueError as exc:
        raise ValueError(f"impossible date {day_month!r} {year} ({exc})") from None


def headerless_fields(first_line: str) -> list[str] | None:
    """The fields of ``first_line`` when it is a Daylio entry rather than a header (an
    export whose header line was removed), else None."""
    try:
        fields = next(csv.reader([first_line]))
    except (csv.Error, StopIteration):
        return None
    if not 7 <= len(fields) <= 9 or not _CLOCK.match(fields[3].strip()):
        return None
    first = fields[0].strip().lstrip("\ufeff")
    if _ISO.match(first) or (_YEAR.match(first) and len(fields) == 7):
        return fields
    return None


def headerless_error(path: Path, fields: list[str]) -> LogFormatError:
    """The error for an export whose header line was removed, with the line to add."""
    old = bool(_YEAR.match(fields[0].strip().lstrip("\ufeff")))
    header = ",".join(OLD_COLUMNS) if old else HEADERS_BY_FIELDS[len(fields)]
    shown = ",".join(fields)[:80]
    return LogFormatError(
        f"{path}: this looks like a Daylio export whose header line was removed (line 1 is "
        f"already an entry: {shown!r}). Add this line at the top of the file and read it "
        f"again:\n{header}"
    )
