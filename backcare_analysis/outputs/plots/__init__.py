"""Plots: each takes its data and an optional ``ax`` and returns the Axes it drew on.

Axis labels carry units, titles state the question, intervals are drawn, and markers
differ as well as colours so that plots survive greyscale printing. Nothing here calls
``show`` or ``savefig``.
"""

from .cohort import plot_personal_effects, plot_pooled, plot_tested_counts
from .patterns import (
    plot_calendar,
    plot_monthly_onsets,
    plot_onset_hours,
    plot_severity_duration,
    plot_timeline,
)
from .recovery import plot_episode_durations, plot_time_to_next
from .scorecard import plot_correlations, plot_rate_ratios, plot_scorecard

__all__ = [
    "plot_calendar",
    "plot_correlations",
    "plot_episode_durations",
    "plot_monthly_onsets",
    "plot_onset_hours",
    "plot_personal_effects",
    "plot_pooled",
    "plot_rate_ratios",
    "plot_scorecard",
    "plot_severity_duration",
    "plot_tested_counts",
    "plot_time_to_next",
    "plot_timeline",
]
