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
}

__all__ = [
    "AnalysisError",
    "Log",
    "LogFormatError",
    "__version__",
    "combine_logs",
    "daily_panel",
    "monthly_summary",
    "plot_timeline",
    "read_log",
    "red_flags",
    "simulate_person",
    "summarize",
    "write_sample",
]

if TYPE_CHECKING:
    from .panel import daily_panel
    from .plots import plot_timeline
    from .readers import combine_logs, read_log
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
