"""The claims' triggers: the advice about each, the exposure that tests it, and its unit.

Each trigger of :data:`~backcare_analysis.schema.TRIGGER_COLUMNS` carries the advice people
are given about it (sitting raises the risk of a spasm; exercise, stretching, standing
breaks, water, sleep and good posture lower it; heavy lifting raises it), the exposure that
tests it (the previous day, or the mean of the previous 7 days for habits) and the unit in
which its effect is reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

Direction = Literal["raises", "lowers"]


@dataclass(frozen=True)
class TriggerSpec:
    """How one trigger is tested: the advice, its exposure and its reporting unit.

    Attributes
    ----------
    expected
        The direction the advice predicts for more of the trigger.
    advice
        The advice in a few words.
    exposure
        Default panel suffix of the exposure: ``"lag1"`` (previous day), ``"mean7d"`` or
        ``"any3d"`` (any of the previous 3 days: lifting, whose effect may come a day or
        two later; pre-specified, one test).
    scale
        Default reporting unit, in the trigger's own unit (hours, minutes, steps, mL).
    kind
        What the trigger counts, for wording units: ``"h"``, ``"min"``, ``"steps"``,
        ``"mL"``, ``"points"`` or ``"binary"``.
    phrase
        Verb phrase for plain-language sentences; ``{amount}`` is the unit in words.
    family
        Triggers of one family measure the same behaviour (sitting and standing breaks;
        exercise and steps); a model never adjusts a trigger for its own family.
    measured_by
        What the measure is: ``"amount logged"`` (minutes, hours, steps from a device or a
        diary) or ``"diary tags"`` (days on which a tag was logged; see
        :data:`~backcare_analysis.schema.TAG_TRIGGER_COLUMNS`).
    """

    expected: Direction
    advice: str
    exposure: str
    scale: float
    kind: str
    phrase: str
    family: str
    measured_by: str = "amount logged"


#: The pre-specified claims: one per trigger column of the schema.
TRIGGERS: Final[Mapping[str, TriggerSpec]] = {
    "sitting_h": TriggerSpec(
        expected="raises",
        advice="long sitting brings on spasms",
        exposure="lag1",
        scale=1.0,
        kind="h",
        phrase="sat {amount} more",
        family="sedentary",
    ),
    "stand_hours_count": TriggerSpec(
        expected="lowers",
        advice="standing breaks prevent spasms",
        exposure="lag1",
        scale=1.0,
        kind="h",
        phrase="had {amount} more with a standing break",
        family="sedentary",
    ),
    "exercise_min": TriggerSpec(
        expected="lowers",
        advice="regular exercise prevents spasms",
        exposure="mean7d",
        scale=30.0,
        kind="min",
        phrase="exercised {amount} a day more",
        family="activity",
    ),
    "steps_count": TriggerSpec(
        expected="lowers",
        advice="walking prevents spasms",
        exposure="mean7d",
        scale=1000.0,
        kind="steps",
        phrase="walked {amount} more steps a day",
        family="activity",
    ),
    "stretching_min": TriggerSpec(
        expected="lowers",
        advice="regular stretching prevents spasms",
        exposure="mean7d",
        scale=10.0,
        kind="min",
        phrase="stretched {amount} a day more",
        family="stretching",
    ),
    "water_ml": TriggerSpec(
        expected="lowers",
        advice="drinking water prevents spasms",
        exposure="lag1",
        scale=500.0,
        kind="mL",
        phrase="drank {amount} more water",
        family="water",
    ),
    "sleep_h": TriggerSpec(
        expected="lowers",
        advice="enough sleep prevents spasms",
        exposure="lag1",
        scale=1.0,
        kind="h",
        phrase="slept {amount} more",
        family="sleep",
    ),
    "heavy_lifting": TriggerSpec(
        expected="raises",
        advice="heavy lifting brings on spasms",
        exposure="any3d",
        scale=1.0,
        kind="binary",
        phrase="lifted something heavy",
        family="lifting",
    ),
    "posture_0_10": TriggerSpec(
        expected="lowers",
        advice="good posture prevents spasms",
        exposure="lag1",
        scale=1.0,
        kind="points",
        phrase="rated your posture {amount} better",
        family="posture",
    ),
    # Day-level tag exposures: the measure of a claim when no amount was logged.
    "exercise_day": TriggerSpec(
        expected="lowers",
        advice="regular exercise prevents spasms",
        exposure="mean7d",
        scale=1 / 7,
        kind="days",
        phrase="exercised on {amount}",
        family="activity",
        measured_by="diary tags",
    ),
    "activity_level_0_3": TriggerSpec(
        expected="lowers",
        advice="staying active prevents spasms",
        exposure="mean7d",
        scale=1.0,
        kind="level",
        phrase="were {amount} more active",
        family="activity",
        measured_by="diary tags",
    ),
    "stretching_day": TriggerSpec(
        expected="lowers",
        advice="regular stretching prevents spasms",
        exposure="mean7d",
        scale=1 / 7,
        kind="days",
        phrase="stretched on {amount}",
        family="stretching",
        measured_by="diary tags",
    ),
    "sitting_day": TriggerSpec(
        expected="raises",
        advice="long sitting brings on spasms",
        exposure="lag1",
        scale=1.0,
        kind="binary",
        phrase="had a day of long sitting",
        family="sedentary",
        measured_by="diary tags",
    ),
}


def _number(x: float) -> str:
    return f"{x:g}" if x < 1000 else f"{x:,.0f}"


def unit_label(trigger: str, scale: float | None = None) -> str:
    """The reporting unit of a trigger in words, e.g. ``"per 30 min"`` or ``"yes vs no"``.

    Parameters
    ----------
    trigger
        A key of :data:`TRIGGERS`.
    scale
        Size of the unit in the trigger's own unit; the default of :data:`TRIGGERS` if None.

    Returns
    -------
    str
        The label used in the ``unit`` column of every result table.
    """
    spec = TRIGGERS[trigger]
    s = spec.scale if scale is None else float(scale)
    if spec.kind == "binary":
        return "yes vs no"
    if spec.kind == "h":
        return f"per {_number(s * 60)} min" if s < 1 else f"per {_number(s)} h"
    if spec.kind == "min":
        return f"per {_number(s / 60)} h" if s >= 60 and s % 60 == 0 else f"per {_number(s)} min"
    if spec.kind == "steps":
        return f"per {_number(s)} steps"
    if spec.kind == "mL":
        return f"per {_number(s)} mL"
    if spec.kind == "days":
        days = s * 7
        return f"per {_number(round(days, 3))} more day{'' if days == 1 else 's'} a week"
    if spec.kind == "level":
        return f"per {_number(s)} level (0-3)"
    return f"per {_number(s)} point" + ("" if s == 1 else "s")


def amount_words(trigger: str, scale: float) -> str:
    spec = TRIGGERS[trigger]
    label = unit_label(trigger, scale).removeprefix("per ")
    if spec.kind == "h" and scale == 1:
        return "one hour"
    if spec.kind == "steps":
        return f"{_number(scale)}"
    if spec.kind == "days":
        return label.removesuffix(" a week") + " a week"
    if spec.kind == "level":
        return "one level" if scale == 1 else label.removesuffix(" (0-3)")
    return label


def window_label(exposure_suffix: str) -> str:
    """Words for an exposure window: ``"lag1"`` -> ``"previous day"``.

    Parameters
    ----------
    exposure_suffix
        ``"lagK"`` or ``"meanNd"``, as in the panel's column names.

    Returns
    -------
    str
        ``"previous day"``, ``"K days before"`` or ``"mean of previous N days"``.
    """
    if exposure_suffix == "lag1":
        return "previous day"
    if exposure_suffix.startswith("lag"):
        return f"{exposure_suffix[3:]} days before"
    if exposure_suffix.startswith("mean") and exposure_suffix.endswith("d"):
        return f"mean of previous {exposure_suffix[4:-1]} days"
    if exposure_suffix.startswith("any") and exposure_suffix.endswith("d"):
        return f"any of previous {exposure_suffix[3:-1]} days"
    raise ValueError(
        f"unknown exposure window {exposure_suffix!r}; use 'lagK' (e.g. 'lag1') or 'meanNd' "
        "(e.g. 'mean7d')"
    )
