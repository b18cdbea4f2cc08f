"""What tags mean: the one mapping from tag names to triggers, and day-level tag exposures.

Bearable factors, Daylio activities, Flaredown tags and the activity names of Apple Health
and Fitbit workouts are day-level tags; for most diary users they are the only record of
what they did. :data:`DEFAULT_TAG_KINDS` maps tag names (case-, accent- and
language-tolerant) to a meaning; a user extends or overrides it with
``read_log(..., tag_map={"Dota": "sitting"})``. :func:`with_tag_days` then turns the tags of
one source into day-level exposures on the days that source's diary was kept
(``exercise_day``, ``stretching_day``, ``sitting_day``, ``heavy_lifting``,
``activity_level_0_3``). See ``docs/readers-symptoms.md``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Final, Literal, get_args

import pandas as pd

from ..schema import Log, LogFormatError, conform

TagKind = Literal[
    "", "back_pain", "leg_pain", "heavy_lifting", "stretching", "walking", "exercise",
    "sitting", "activity_level", "treatment",
]  # fmt: skip
TAG_KINDS: Final = tuple(k for k in get_args(TagKind) if k)

#: Tag names whose meaning the readers know, folded (see :func:`fold_tag`). English first,
#: then the languages of the apps' largest user groups (German, Spanish, French, Dutch,
#: Italian, Portuguese). ``back_pain`` is an episode tick, ``leg_pain`` a warning sign,
#: ``treatment`` is attached to the episode of that day; the rest are day-level exposures.
_KIND_NAMES: Final[Mapping[TagKind, str]] = {
    "back_pain": "back pain|lower back pain|low back pain|back spasm|back spasms|"
    "lower back spasm|backache|ruckenschmerzen|dolor de espalda|dolor lumbar|mal de dos|"
    "lumbago|rugpijn|mal di schiena|dor nas costas",
    "leg_pain": "sciatica|leg pain|pain down my leg|numbness|numb leg|tingling|pins and needles|"
    "ischias|ciatica|sciatique",
    "activity_level": "low activity|moderately active|highly active|sedentary",
    # Handling heavy loads (moving, carrying) is the trigger in the literature; a planned
    # lift in a gym is exercise (docs/readers-symptoms.md).
    "heavy_lifting": "heavy lifting|lifting|lifted something heavy|moving house|"
    "moving furniture|carrying|heben|levantar peso|mudanza|umzug|verhuizen|demenagement",
    "stretching": "stretching|stretch|stretches|yoga|core & yoga|pilates|physio|"
    "physio exercises|physiotherapy exercises|pt exercises|mobility|flexibility|tai chi|"
    "mind and body|mind & body|core training|dehnen|dehnubungen|estiramientos|estirar|"
    "etirements|rekken|strekken|stretchen|allungamento",
    "walking": "walk|walking|take a walk|went for a walk|hike|hiking|dog walk|walked the dog|"
    "spazieren|spaziergang|wandern|caminar|paseo|caminata|senderismo|marche|promenade|"
    "randonnee|wandelen|wandeling|passeggiata|camminare|caminhada",
    "exercise": "run|running|jog|jogging|cycling|indoor cycling|bike|biking|swimming|swim|"
    "gym|workout|exercise|sport|sports|fitness|elliptical|rowing|dance|dancing|tennis|"
    "football|soccer|basketball|climbing|bouldering|hiit|cardio|crossfit|aerobics|"
    "moderately active|highly active|strength training|traditional strength training|"
    "functional strength training|weights|weight training|"
    "weightlifting|powerlifting|laufen|joggen|radfahren|fahrrad|schwimmen|"
    "fitnessstudio|correr|bicicleta|ciclismo|nadar|natacion|gimnasio|deporte|ejercicio|"
    "velo|natation|salle de sport|hardlopen|fietsen|zwemmen|sportschool|sporten|"
    "palestra|corsa|nuoto|academia|corrida",
    "sitting": "sedentary|long sitting|sitting|desk day|desk work|office day|long drive|"
    "driving|road trip|long flight|flight|commute|gaming|video games|binge watching|"
    "studying|sitzen|buro|sentado|oficina|bureau|assis|zitten|kantoor",
    "treatment": "ice|ice pack|cold pack|heat|heating pad|heat pad|hot bath|hot shower|"
    "ibuprofen|naproxen|muscle relaxant|massage|bed rest",
}
#: A tag name (folded) -> its meanings; most names have one, a few two (Bearable's
#: ``Sedentary`` is both an activity level and a long-sitting day).
DEFAULT_TAG_KINDS: Final[Mapping[str, tuple[TagKind, ...]]] = {
    name: tuple(k for k, names in _KIND_NAMES.items() if name in names.split("|"))
    for names in _KIND_NAMES.values()
    for name in names.split("|")
}

#: Bearable's activity-level factors on a 0-3 scale (the only graded tags).
ACTIVITY_LEVELS: Final[Mapping[str, int]] = {
    "sedentary": 0,
    "low activity": 1,
    "moderately active": 2,
    "highly active": 3,
}

#: The day-level exposure each meaning feeds.
_DAY_COLUMN: Final[Mapping[str, str]] = {
    "exercise": "exercise_day",
    "walking": "exercise_day",
    "stretching": "stretching_day",
    "sitting": "sitting_day",
    "heavy_lifting": "heavy_lifting",
}

#: Tag categories (lower case) that record no doings: a day with only these is not a day
#: whose activity tags were filled in.
_NOT_DOINGS: Final = frozenset({"sleep factors", "food diary factors", "meds/supplements", "scale"})

_APP_PREFIX = re.compile(r"^\s*(\[\d+\]|<[^>]*>)\s*")


def strip_app_prefix(name: str) -> str:
    """A tag without the app's own prefix: Daylio's ``[253] take a walk`` -> ``take a
    walk``, ``<c_sy> headache`` -> ``headache``."""
    return _APP_PREFIX.sub("", str(name))


def fold_tag(name: str) -> str:
    """A tag name folded for matching: lower case, accents and punctuation removed, an
    app's own prefix dropped (Daylio's ``[253] take a walk``, ``<c_sy> headache``), and
    Apple's and Fitbit's activity identifiers split into words
    (``HKWorkoutActivityTypeCoreTraining`` -> ``core training``)."""
    text = strip_app_prefix(name)
    text = text.removeprefix("HKWorkoutActivityType")
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^0-9a-z&]+", " ", text).split())


def tag_kinds(
    overrides: Mapping[str, str | Sequence[str]] | None = None,
    *,
    option: str = "tag_map",
) -> dict[str, tuple[TagKind, ...]]:
    """The default meanings updated with a user's ``overrides`` (keys in any case).

    Parameters
    ----------
    overrides
        Tag name -> meaning (``"sitting"``), several meanings, or ``""`` to keep a tag
        as a plain label.
    option
        The option's name, for the error message.

    Raises
    ------
    LogFormatError
        When a meaning is not one of :data:`TAG_KINDS`.
    """
    kinds: dict[str, tuple[TagKind, ...]] = dict(DEFAULT_TAG_KINDS)
    for key, value in (overrides or {}).items():
        values = (value,) if isinstance(value, str) else tuple(value)
        for kind in values:
            if kind not in get_args(TagKind):
                raise LogFormatError(
                    f"{option}[{key!r}]={kind!r} is not a known meaning; use one of "
                    f"{', '.join(repr(k) for k in TAG_KINDS)} or '' (keep as a plain tag)"
                )
        kinds[fold_tag(key)] = tuple(k for k in values if k)  # type: ignore[misc]
    return kinds


#: The meanings a known phrase inside a longer tag gives it (``take the dog for a walk``),
#: for the day-level exposures only; episode ticks and treatments need an exact name.
_KEYWORD_KINDS: Final = ("exercise", "walking", "stretching", "sitting")
#: Names that mean their kind as a whole tag but not inside a longer one: a posture
#: (``sitting in the sun``, ``sitting meditation``), a place (``post office``), an errand
#: (``run errands``), stairs (``flight of stairs``), a commute by bike or by car.
_NOT_KEYWORDS: Final = frozenset(
    {
        "sitting", "sitzen", "sentado", "assis", "zitten", "buro", "bureau", "oficina",
        "kantoor", "run", "flight", "commute",
    }
)  # fmt: skip
#: Words that turn a phrase's meaning off in a longer tag: a negation (``no exercise``,
#: ``skipped gym``, ``kein Sport``), watching instead of doing (``watching football``), or
#: an exercise that moves nothing (``breathing exercise``).
_VOIDING_WORDS: Final = frozenset(
    {
        "no", "not", "non", "never", "didn", "didnt", "don", "dont", "without", "skip",
        "skipped", "missed", "cancelled", "canceled", "less", "watch", "watched", "watching",
        "tv", "kein", "keine", "nicht", "ohne", "sin", "pas", "sans", "geen", "niet", "zonder",
        "senza", "niente", "nao", "sem", "breathing",
    }
)  # fmt: skip
#: The longest known phrase, in words.
_MAX_PHRASE_WORDS: Final = 4


def kinds_of(tag: str, kinds: Mapping[str, tuple[TagKind, ...]]) -> tuple[TagKind, ...]:
    """Every meaning of one tag; ``()`` when it has none.

    A tag that is a known name has that name's meanings. A longer tag has the day-level
    meanings (:data:`_KEYWORD_KINDS`) of the known phrases it contains as whole words
    (``take the dog for a walk``: walking; ``long drive home``: sitting), except names
    that mean something else inside a longer tag (:data:`_NOT_KEYWORDS`: ``sitting in the
    sun`` is no long-sitting day), and none at all when a word negates or turns doing into
    watching (:data:`_VOIDING_WORDS`: ``no exercise``, ``watching football``).
    """
    folded = fold_tag(tag)
    exact = kinds.get(folded)
    if exact is not None:
        return exact
    words = folded.split()
    if _VOIDING_WORDS.intersection(words):
        return ()
    found: list[TagKind] = []
    for size in range(min(_MAX_PHRASE_WORDS, len(words)), 0, -1):
        for start in range(len(words) - size + 1):
            phrase = " ".join(words[start : start + size])
            if phrase in _NOT_KEYWORDS:
                continue
            for kind in kinds.get(phrase, ()):
                if kind in _KEYWORD_KINDS and kind not in found:
                    found.append(kind)
    return tuple(found)


def kind_of(tag: str, kinds: Mapping[str, tuple[TagKind, ...]]) -> TagKind:
    """The main meaning of one tag (the first of :func:`kinds_of`), ``""`` when unknown."""
    found = kinds_of(tag, kinds)
    return found[0] if found else ""


def with_tag_days(log: Log, *, tag_map: Mapping[str, str | Sequence[str]] | None = None) -> Log:
    """Add day-level tag exposures to the daily table of a log read from one source.

    Parameters
    ----------
    log
        A log as one reader returned it.
    tag_map
        The user's additions and overrides to :data:`DEFAULT_TAG_KINDS`.

    Returns
    -------
    Log
        The same log with ``exercise_day``, ``stretching_day``, ``sitting_day``,
        ``activity_level_0_3`` (and ``heavy_lifting`` where the reader left it missing)
        filled on the days the source logged at least one tag of what the person did: True
        when a tag of that meaning was logged that day, False when other such tags were but
        not this one, missing on days without any; a meaning the person never logged at all
        stays missing (not tracked, rather than "no" every day). ``log.parameters["tag_map"]``
        records the user's mapping.

    Notes
    -----
    A tag says neither how long nor how hard, so no minutes are invented from it: the
    exposure is the day (and, in the panel, the share of the previous 7 days) with the tag.
    """
    parameters = {**log.parameters, "tag_map": dict(tag_map or {})}
    tags = log.tags
    if tags.empty or log.daily.empty:
        return replace(log, parameters=parameters)
    kinds = tag_kinds(tag_map)
    names = tags["tag"].astype(str)
    unique = {n: kinds_of(n, kinds) for n in names.unique()}
    meanings = names.map(unique)
    # Meds, treatments and symptoms keep the meaning their reader gave them; they, and
    # tags of categories that are not what the person did (sleep and food factors, meds,
    # Daylio scales), do not show that the diary of doings was kept that day.
    fixed = tags["kind"].isin(["treatment", "back_pain", "leg_pain"]).to_numpy()
    not_doings = tags["category"].astype(str).str.lower().isin(_NOT_DOINGS).to_numpy()
    rows: dict[str, set[pd.Timestamp]] = {c: set() for c in set(_DAY_COLUMN.values())}
    levels: dict[pd.Timestamp, float] = {}
    for date, tag, meaning, keep in zip(tags["date"], names, meanings, fixed, strict=True):
        if keep or pd.isna(date):
            continue
        for kind in meaning:
            column = _DAY_COLUMN.get(kind)
            if column is not None:
                rows[column].add(date)
        level = ACTIVITY_LEVELS.get(fold_tag(tag))
        if level is not None and "activity_level" in meaning:
            levels[date] = max(levels.get(date, -1.0), float(level))
    daily = log.daily.copy()
    # The tag diary was kept on the days with at least one tag of the day's doings (not
    # only a med or a symptom): absence of a tag means something only on those days.
    tag_days = set(tags.loc[~fixed & ~not_doings, "date"].dropna())
    kept = daily["date"].isin(tag_days).to_numpy()
    for column, days in sorted(rows.items()):
        if not days:
            # A tag the person never used is not tracked: missing, never "no" every day.
            continue
        hit = pd.Series(daily["date"].isin(days).to_numpy(), dtype="boolean")
        value = hit.where(pd.Series(kept), pd.NA)
        if column == "heavy_lifting":
            value = daily["heavy_lifting"].astype("boolean").fillna(value)
        daily[column] = value.to_numpy()
    if levels:
        level_values = daily["date"].map(levels).astype("Float64")
        daily["activity_level_0_3"] = level_values.mask(pd.Series(~kept, index=daily.index))
    return replace(log, daily=conform(daily, "daily"), parameters=parameters)
