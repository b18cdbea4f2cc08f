"""backcare-analysis: check lower-back-spasm advice against your own symptom log, honestly.

The public API is re-exported here. Heavy modules (pandas, statsmodels, matplotlib) load on
first use, so ``import backcare_analysis`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "Log": "schema",
    "LogFormatError": "schema",
    "AnalysisError": "schema",
    "read_log": "readers",
    "combine_logs": "readers",
    "daily_panel": "panel",
    "simulate_person": "synthetic.person",
    "write_sample": "synthetic.person",
    "summarize": "summary",
    "monthly_summary": "summary",
    "red_flags": "safety",
    "plot_timeline": "outputs.plots",
    "plot_calendar": "outputs.plots",
    "plot_monthly_onsets": "outputs.plots",
    "plot_onset_hours": "outputs.plots",
    "plot_severity_duration": "outputs.plots",
    "plot_rate_ratios": "outputs.plots",
    "plot_correlations": "outputs.plots",
    "onset_rate_ratios": "stats.onset",
    "case_crossover": "stats.casecrossover",
    "trigger_correlations": "stats.descriptive",
    "what_it_would_take": "stats.power",
    "plot_scorecard": "outputs.plots",
    "plot_time_to_next": "outputs.plots",
    "plot_episode_durations": "outputs.plots",
    "check_advice": "advice",
    "compare_treatments": "stats.treatments",
    "recurrence": "stats.recurrence",
    "self_experiment_schedule": "stats.experiments",
    "analyse_self_experiment": "stats.experiments",
    "shown": "outputs.notebook",
    "scorecard_table": "outputs.notebook",
    "build_report": "outputs.report",
    "safety_checks": "safety",
    "warning_signs": "safety",
}

__all__ = [
    "AnalysisError",
    "Log",
    "LogFormatError",
    "__version__",
    "analyse_self_experiment",
    "build_report",
    "case_crossover",
    "check_advice",
    "combine_logs",
    "compare_treatments",
    "daily_panel",
    "monthly_summary",
    "onset_rate_ratios",
    "plot_calendar",
    "plot_correlations",
    "plot_episode_durations",
    "plot_monthly_onsets",
    "plot_onset_hours",
    "plot_rate_ratios",
    "plot_scorecard",
    "plot_severity_duration",
    "plot_time_to_next",
    "plot_timeline",
    "read_log",
    "recurrence",
    "red_flags",
    "safety_checks",
    "scorecard_table",
    "self_experiment_schedule",
    "shown",
    "simulate_person",
    "summarize",
    "trigger_correlations",
    "warning_signs",
    "what_it_would_take",
    "write_sample",
]

if TYPE_CHECKING:
    from .advice import check_advice
    from .outputs.notebook import scorecard_table, shown
    from .outputs.plots import (
        plot_calendar,
        plot_correlations,
        plot_episode_durations,
        plot_monthly_onsets,
        plot_onset_hours,
        plot_rate_ratios,
        plot_scorecard,
        plot_severity_duration,
        plot_time_to_next,
        plot_timeline,
    )
    from .outputs.report import build_report
    from .panel import daily_panel
    from .readers import combine_logs, read_log
    from .safety import red_flags, safety_checks, warning_signs
    from .schema import AnalysisError, Log, LogFormatError
    from .stats.casecrossover import case_crossover
    from .stats.descriptive import trigger_correlations
    from .stats.experiments import analyse_self_experiment, self_experiment_schedule
    from .stats.onset import onset_rate_ratios
    from .stats.power import what_it_would_take
    from .stats.recurrence import recurrence
    from .stats.treatments import compare_treatments
    from .summary import monthly_summary, summarize
    from .synthetic.person import simulate_person, write_sample


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'backcare_analysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
