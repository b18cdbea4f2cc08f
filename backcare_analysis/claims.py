"""The advice under test: every claim paraphrased from the source articles, the articles
that give it, what published studies say, and what a log needs to test it.

The claims are paraphrased from the five articles in ``shared/seeds`` (ids ``000``-``004``,
file names in :data:`SOURCE_FILES`); the published evidence beside each comes from
``shared/METHODS.md`` and ``shared/EVIDENCE.md``. :func:`~backcare_analysis.advice.check_advice`
tests them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Group = Literal["prevention", "treatment", "natural course"]

SOURCE_FILES: Final = {
    "000": "000_d925b367e17ada2a.txt",
    "001": "001_fca5e768d903f4ff.txt",
    "002": "002_66ebcb780e410ee9.txt",
    "003": "003_7a5643f9d6b2cac7.txt",
    "004": "004_881d02a226d37294.txt",
}


@dataclass(frozen=True)
class Claim:
    """One piece of advice and how it is tested.

    Attributes
    ----------
    id
        Stable id.
    group
        ``prevention``, ``treatment`` or ``natural course``.
    advice
        The advice, paraphrased.
    sources
        Ids of the articles that give it (see :data:`SOURCE_FILES`).
    published
        What published studies say (from METHODS.md), with its uncertainty.
    needs
        Which field or tracker would let the claim be tested.
    triggers
        For prevention claims, the trigger columns that test it, in order of preference.
    """

    id: str
    group: Group
    advice: str
    sources: tuple[str, ...]
    published: str
    needs: str
    triggers: tuple[str, ...] = ()


CLAIMS: Final[tuple[Claim, ...]] = (
    Claim(
        "sitting",
        "prevention",
        "Long sitting, such as a whole day at a computer, makes spasms more likely.",
        ("004", "002", "001"),
        "Evidence on sitting is mixed.",
        "hours of sitting per day (sitting_h in daily.csv, Fitbit sedentary minutes or "
        "Google Fit inactive time), or a tag for days of long sitting",
        ("sitting_h", "sitting_day"),
    ),
    Claim(
        "breaks",
        "prevention",
        "Frequent breaks from one position lower the risk.",
        ("004",),
        "Evidence on sitting is mixed; no estimate for breaks alone was collected.",
        "standing breaks per day (stand hours from an Apple Watch, or stand_hours_count)",
        ("stand_hours_count",),
    ),
    Claim(
        "exercise",
        "prevention",
        "Walking several times a week and an exercise routine prevent spasms.",
        ("000", "003", "004"),
        "Exercise programmes cut recurrence (RR about 0.65, 95% CI 0.50-0.86; Steffens 2016 "
        "meta-analysis); a walking programme gave HR 0.72 (0.60-0.85; WalkBack 2024).",
        "minutes of exercise or steps per day (exercise_min, a watch or a phone), or "
        "exercise / walk / activity-level tags in a diary",
        ("exercise_min", "steps_count", "exercise_day", "activity_level_0_3"),
    ),
    Claim(
        "stretching",
        "prevention",
        "Daily stretching or yoga prevents spasms.",
        ("000", "002", "003", "004"),
        "No estimate for stretching alone was collected; exercise programmes as a whole cut "
        "recurrence (RR about 0.65, 0.50-0.86).",
        "minutes of stretching or yoga per day (stretching_min, or yoga workouts in Apple "
        "Health), or stretching / yoga tags in a diary",
        ("stretching_min", "stretching_day"),
    ),
    Claim(
        "hydration",
        "prevention",
        "Dehydration can bring spasms on.",
        ("000",),
        "No good evidence links dehydration to back spasm.",
        "water drunk per day (water_ml, Bearable Water or Apple Health dietary water)",
        ("water_ml",),
    ),
    Claim(
        "lifting",
        "prevention",
        "Heavy lifting, over-exertion, or twisting and bending quickly trigger spasms.",
        ("000", "004"),
        "In 999 people with acute low back pain, heavy loads in the 2 hours before onset "
        "gave OR 6.0 at age 40 and awkward postures about 8 (Steffens 2015, case-crossover).",
        "days with heavy lifting (heavy_lifting yes/no, or strength workouts in Apple Health)",
        ("heavy_lifting",),
    ),
    Claim(
        "posture",
        "prevention",
        "Good posture when sitting or standing prevents spasms.",
        ("002", "004"),
        "Awkward postures were a short-term trigger (OR about 8; Steffens 2015); no estimate "
        "for posture habits was collected.",
        "a daily posture rating (posture_0_10 in daily.csv)",
        ("posture_0_10",),
    ),
    Claim(
        "ice_then_heat",
        "treatment",
        "Ice in the first 48 hours, heat afterwards (004 recommends heat straight away).",
        ("000", "002", "004"),
        "Evidence on cold is insufficient and heat versus cold is conflicting (Cochrane).",
        "treatments per episode, in the order used (treatments: 'ice; heat')",
    ),
    Claim(
        "heat",
        "treatment",
        "Heat relaxes the muscle and eases the pain.",
        ("000", "001", "004"),
        "Superficial heat helps: about 1 point less pain on a 0-5 scale at day 5 (Cochrane).",
        "treatments per episode (treatments: 'heat')",
    ),
    Claim(
        "nsaids",
        "treatment",
        "Over-the-counter anti-inflammatories ease the pain.",
        ("002", "003", "004"),
        "No estimate was collected for this project.",
        "treatments per episode (treatments: 'ibuprofen'), or Bearable meds",
    ),
    Claim(
        "rest_vs_movement",
        "treatment",
        "Gentle movement beats lying down (004); 001 recommends bed rest for the first days.",
        ("001", "004"),
        "Staying active beats bed rest modestly (Cochrane, pain SMD 0.22).",
        "treatments per episode (treatments: 'bed rest' or 'walking')",
    ),
    Claim(
        "stretch_during",
        "treatment",
        "Gentle knee-to-chest stretching eases an ongoing spasm.",
        ("002", "003"),
        "No estimate was collected for this project.",
        "treatments per episode (treatments: 'stretching')",
    ),
    Claim(
        "recurrence",
        "natural course",
        "After one bout of spasms, more are likely.",
        ("000",),
        "About a third of people have a recurrence within a year (estimates range 24-73%).",
        "at least three episodes",
    ),
)

#: Proxy claims: measured by a behaviour that moves with another claim's, so read with it.
PROXY_OF: Final = {"breaks": "sitting"}

#: For treatment claims: the direction the advice predicts for the ratio of durations.
_TREATMENT_EXPECTED: Final = {
    "ice_then_heat": "lowers",
    "heat": "lowers",
    "nsaids": "lowers",
    # treated = bed rest: the advice (004) predicts longer episodes than with movement
    "rest_vs_movement": "raises",
    "stretch_during": "lowers",
}
