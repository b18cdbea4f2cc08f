"""The names people read: claims, sources, export formats and the glossary's terms."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

#: The source articles by title (paraphrased where an article has no title of its own).
SOURCE_TITLES: Final[Mapping[str, str]] = {
    "000": "Three steps to keep lower-back spasms under control",
    "001": "Back Spasms",
    "002": "How To Treat Back Spasms",
    "003": "Muscle Spasms And Back Pain",
    "004": "What is the Treatment for a Lower Back Muscle Spasm?",
}


#: Claim ids as people say them.
CLAIM_TITLES: Final[Mapping[str, str]] = {
    "sitting": "Sitting less",
    "breaks": "Standing breaks",
    "exercise": "Walking and exercise",
    "stretching": "Daily stretching or yoga",
    "hydration": "Drinking enough water",
    "lifting": "Avoiding heavy lifting",
    "posture": "Good posture",
    "ice_then_heat": "Ice first, then heat",
    "heat": "Heat during a spasm",
    "nsaids": "Anti-inflammatory painkillers (NSAIDs)",
    "rest_vs_movement": "Gentle movement rather than bed rest",
    "stretch_during": "Stretching during a spasm",
    "recurrence": "Spasms tend to come back",
}


#: What the ratio of each claim is measured on, for axis labels.
EXPOSURE_NOUNS: Final[Mapping[str, str]] = {
    "sitting": "Sitting",
    "breaks": "Standing breaks",
    "exercise": "Exercise",
    "stretching": "Stretching",
    "hydration": "Water",
    "lifting": "Heavy lifting",
    "posture": "Posture rating",
}


#: The advice in a sentence, with the articles named by title rather than by number.
ADVICE_WORDS: Final[Mapping[str, str]] = {
    "ice_then_heat": "Ice in the first 48 hours, heat afterwards (one article recommends heat "
    "straight away).",
    "rest_vs_movement": "Gentle movement beats lying down (one article recommends bed rest for "
    "the first days).",
}


GLOSSARY: Final[tuple[tuple[str, str], ...]] = (
    (
        "Onset",
        "the start of a new spasm episode: the first rating at or above the threshold after a "
        "pain-free gap.",
    ),
    (
        "Days at risk",
        "days the diary was kept and no earlier episode was still going: only on these days can "
        "a new spasm start, so frequency is counted per day at risk.",
    ),
    (
        "Rate ratio",
        "how many times as likely a new spasm was after more of something (1 means no "
        "difference, below 1 fewer spasms, above 1 more).",
    ),
    (
        "Interval",
        "the range of values compatible with the data (95%): the wider it is, the less the log "
        "can tell; one that includes 1 cannot tell a difference from none.",
    ),
    (
        "False-discovery control",
        "several pieces of advice are checked at once, so a few would look real by chance; a "
        "verdict is given only if it survives a correction for that (Benjamini-Hochberg).",
    ),
    (
        "Association",
        "in one person's observational log, a link between two things is not proof that one "
        "causes the other; a randomised self-experiment can show cause and effect.",
    ),
)


#: Export formats by the names people know them by.
FORMAT_NAMES: Final[Mapping[str, str]] = {
    "spreadsheet": "backcare spreadsheet",
    "bearable": "Bearable",
    "daylio": "Daylio",
    "flaredown": "Flaredown",
    "apple_health": "Apple Health",
    "fitbit": "Fitbit",
    "google_fit": "Google Fit",
}


#: The warning-sign checks of :func:`~backcare_analysis.safety.safety_checks`, in words.
CHECK_NAMES: Final[Mapping[str, str]] = {
    "leg_pain": "pain down a leg or numbness",
    "more_frequent": "spasms coming more often",
    "more_severe": "spasms getting worse",
    "not_settling": "episodes not settling",
}
