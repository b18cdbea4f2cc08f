"""The episode threshold of a symptom tracker's ratings, chosen from the person's own
ratings when not given, and what other thresholds would give.

Real Bearable users mostly rate back pain "Mild" (1 of 4, 2.5 of 10), below the fixed
4/10 of :data:`~backcare_analysis.episodes.DEFAULT_THRESHOLD_0_10`, and got 0-2 episodes
from 15-50 ratings. The default rule here (:data:`AUTO_RULE`) serves them: the threshold
is the upper quartile (75th percentile) of the person's non-zero back-pain ratings, kept
between :data:`FLOOR_0_10` and :data:`CEILING_0_10`. A person a quarter of whose pain
ratings reach 4/10 keeps 4/10; one who rates almost only Mild gets 2.5, so their worst
quarter of ratings marks a flare. See ``docs/readers-symptoms.md``.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

from ..episodes import DEFAULT_THRESHOLD_0_10
from ._tracker_common import episodes_with_ticks

#: The lowest threshold the rule chooses: Bearable's and Flaredown's "Mild" (1 of 4).
FLOOR_0_10: Final = 2.5
#: The highest threshold the rule chooses: the package's fixed default.
CEILING_0_10: Final = DEFAULT_THRESHOLD_0_10
#: The quantile of the person's non-zero ratings the rule starts from.
QUANTILE: Final = 0.75
#: Thresholds whose episode counts are recorded beside the chosen one: Mild, the fixed
#: default, Moderate and Severe.
OTHER_THRESHOLDS: Final = (2.5, 4.0, 5.0, 7.5)
#: The default rule, as printed in ``log.parameters["threshold_rule"]``.
AUTO_RULE: Final = (
    "threshold_0_10 = the upper quartile of the person's non-zero back-pain ratings, kept "
    "between "
    f"{FLOOR_0_10:g} and {CEILING_0_10:g} ({CEILING_0_10:g} without ratings)"
)


def choose_threshold(ratings: pd.DataFrame, threshold_0_10: float | None) -> tuple[float, str]:
    """The threshold to use and the rule that gave it.

    Parameters
    ----------
    ratings
        Back-pain ratings (``severity_0_10``; missing for a tick without severity).
    threshold_0_10
        The user's threshold, or None for :data:`AUTO_RULE`.

    Returns
    -------
    tuple of float and str
        The threshold and a sentence saying how it was chosen.
    """
    if threshold_0_10 is not None:
        return float(threshold_0_10), f"threshold_0_10 = {float(threshold_0_10):g}, as given"
    severity = ratings["severity_0_10"].astype("Float64").dropna()
    severity = severity[severity > 0]
    if severity.empty:
        return CEILING_0_10, f"{AUTO_RULE}: no non-zero ratings, so {CEILING_0_10:g}"
    quartile = float(severity.astype(float).quantile(QUANTILE))
    value = min(CEILING_0_10, max(FLOOR_0_10, quartile))
    return value, (
        f"{AUTO_RULE}: upper quartile {quartile:g} of {len(severity)} ratings, so {value:g}"
    )


def threshold_parameters(
    ratings: pd.DataFrame, *, threshold_0_10: float, gap_h: float, rule: str
) -> dict[str, object]:
    """What the threshold left out and what others would give, for ``log.parameters``.

    Returns
    -------
    dict
        ``threshold_rule`` (the sentence of :func:`choose_threshold`),
        ``ratings_below_threshold`` (non-zero back-pain ratings under the threshold: pain
        logged that starts no episode), ``ratings_nonzero`` and
        ``episodes_at_other_thresholds`` (``{2.5: n, 4.0: n, 5.0: n, 7.5: n}`` with the same
        ``gap_h``, and the chosen threshold).
    """
    severity = ratings["severity_0_10"].astype("Float64").dropna()
    nonzero = severity[severity > 0]
    others = sorted({*OTHER_THRESHOLDS, float(threshold_0_10)})
    return {
        "threshold_rule": rule,
        "ratings_nonzero": len(nonzero),
        "ratings_below_threshold": int((nonzero < threshold_0_10).sum()),
        "episodes_at_other_thresholds": {
            t: len(episodes_with_ticks(ratings, threshold_0_10=t, gap_h=gap_h)) for t in others
        },
    }
