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
    "simulate_person": "sample",
    "write_sample": "sample",
    "summarize": "summary",
    "monthly_summary": "summary",
    "red_flags": "safety",
    "plot_timeline": "plots",
    "plot_calendar": "plots",
    "plot_monthly_onsets": "plots",
    "plot_onset_hours": "plots",
    "plot_severity_duration": "plots",
    "plot_rate_ratios": "plots",
    "plot_correlations": "plots",
    "onset_rate_ratios": "models",
    "case_crossover": "casecrossover",
    "trigger_correlations": "descriptive",
    "what_it_would_take": "power",
    "plot_scorecard": "plots",
    "plot_time_to_next": "plots",
    "plot_episode_durations": "plots",
    "check_advice": "advice",
    "compare_treatments": "recovery",
    "recurrence": "recovery",
    "self_experiment_schedule": "recovery",
    "analyse_self_experiment": "recovery",
}

__all__ = [
    "AnalysisError",
    "Log",
    "LogFormatError",
    "__version__",
    "analyse_self_experiment",
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
    "self_experiment_schedule",
    "simulate_person",
    "summarize",
    "trigger_correlations",
    "what_it_would_take",
    "write_sample",
]

if TYPE_CHECKING:
    from .advice import check_advice
    from .casecrossover import case_crossover
    from .descriptive import trigger_correlations
    from .models import onset_rate_ratios
    from .panel import daily_panel
    from .plots import (
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
    from .power import what_it_would_take
    from .readers import combine_logs, read_log
    from .recovery import (
        analyse_self_experiment,
        compare_treatments,
        recurrence,
        self_experiment_schedule,
    )
    from .safety import red_flags
    from .sample import simulate_person, write_sample
    from .schema import AnalysisError, Log, LogFormatError
    from .summary import monthly_summary, summarize


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'backcare_analysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
