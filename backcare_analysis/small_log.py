"""The scorecard row for a yes/no tag logged on too few days for the onset model: an exact,
unadjusted comparison (a small log), labelled as such (docs/statistics.md, "Small logs")."""

from __future__ import annotations

import math
from typing import Final

import pandas as pd

from .stats.descriptive import small_log_comparison
from .stats.triggers import TRIGGERS
from .stats.verdicts import DEFAULT_MINIMUMS

#: Words for a yes/no exposure in the small-log sentence.
_TAG_WORDS: Final[dict[str, str]] = {
    "exercise_day": "exercise or a walk",
    "stretching_day": "stretching",
    "sitting_day": "long sitting",
    "heavy_lifting": "heavy lifting",
}
SMALL_LOG_CAVEAT: Final = (
    "A small log: an exact comparison of days after a day with the tag against days after "
    "one without, adjusted for nothing (not weekday, season, the days after an episode or "
    "the other habits); it can rarely decide, and keeps its interval honest."
)


def _ratio(x: float) -> str:
    if not math.isfinite(x):
        return "infinity"
    return f"{x:.0f}" if x >= 10 else f"{x:.2g}"


def small_log_row(panel: pd.DataFrame, trigger: str) -> dict[str, object] | None:
    """The exact unadjusted comparison for a yes/no tag logged on too few days for the
    model (:func:`~backcare_analysis.stats.descriptive.small_log_comparison`), as a row;
    None when the tag is not small-log material."""
    exact = small_log_comparison(panel, trigger)
    if exact is None:
        return None
    spec = TRIGGERS[trigger]
    words = _TAG_WORDS.get(trigger, trigger.replace("_", " "))
    three = exact["window_days"] == 3
    estimate, k, n = exact["rate_ratio"], int(exact["onsets_exposed"]), int(exact["onsets"])
    shown = f"{_ratio(estimate)} times as likely" if 0 < estimate < math.inf else "not estimable"
    return {
        "tested": f"{trigger}, {'any of the previous 3 days' if three else 'previous day'}, "
        "yes vs no (small log: exact, unadjusted)",
        "exposure_measure": f"{trigger} ({spec.measured_by})",
        "exposure_unit": "yes vs no",
        **{key: exact[key] for key in ("ci_low", "ci_high", "p_val")},
        "n_days": int(exact["n_days"]),
        "n_events": n,
        "measure": "rate ratio",
        "estimate": estimate,
        "caveat": SMALL_LOG_CAVEAT,
        "_expected": spec.expected,
        "sentence": (
            f"In a small log ({exact['n_days']:.0f} days at risk with {words} recorded or not the "
            f"day before), a new spasm was {shown} {'in the 3 days' if three else 'on days'} "
            f"after {words} as otherwise (an exact count: {k} of {n} onsets followed such "
            "a day), with nothing else taken into account."
        ),
        "what_it_would_take": (
            f"Log {words} (yes or no) every day: from {DEFAULT_MINIMUMS.at_risk_days} days "
            "at risk the adjusted model replaces this comparison."
        ),
    }
