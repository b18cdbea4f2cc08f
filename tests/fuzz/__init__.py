"""The project's own mutation fuzz of the readers (issue 14).

``corpus`` writes one valid base input per format, ``mutators`` and ``structured`` hold the
seeded mutations (bytes in, bytes out), ``oracle`` builds a case, reads it with
``read_log`` and classifies the outcome. Used by ``tests/test_mutation_readers.py`` (a few
hundred cases, CI) and ``validation/fuzz_readers.py`` (the long run).
"""

from .corpus import FORMATS, LONG_FORMATS, Base, build_corpus
from .oracle import PROBLEMS, Case, Outcome, cases, run_case

__all__ = [
    "FORMATS",
    "LONG_FORMATS",
    "PROBLEMS",
    "Base",
    "Case",
    "Outcome",
    "build_corpus",
    "cases",
    "run_case",
]
