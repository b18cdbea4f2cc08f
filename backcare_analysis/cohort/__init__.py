"""Many people at once: reading a cohort, per-person scorecards on an engine, pooling.

Layer: above the questions (advice); may import core, readers, stats and advice. See
docs/cohort.md for what a pooled number means and what it does not.
"""

from __future__ import annotations

from .pool import pool_advice, random_effects, shrink_advice
from .read import Cohort, read_cohort
from .run import cohort_advice, se_from_interval

__all__ = [
    "Cohort",
    "cohort_advice",
    "pool_advice",
    "random_effects",
    "read_cohort",
    "se_from_interval",
    "shrink_advice",
]
