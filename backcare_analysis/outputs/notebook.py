"""Helpers that let the notebooks run on any log: an analysis that cannot run says why.

A notebook cell calls ``bca.shown(bca.case_crossover, log)``: on a log that supports it the
result is returned as usual; on one that does not (too few spasms, no symptom diary) a short
note saying why and what would make it possible is shown instead of a traceback. Tables are
shown the way people read them: words for claims, rounded numbers, no index column.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..schema import AnalysisError
from . import words


@dataclass(frozen=True)
class Note:
    """A sentence shown in place of an analysis that cannot run on this log."""

    text: str

    def _repr_html_(self) -> str:
        return f"<p><em>{html.escape(self.text)}</em></p>"

    def __repr__(self) -> str:
        return self.text

    @property
    def empty(self) -> bool:
        """True: a note holds no rows (so ``assert`` cells can treat it like a table)."""
        return True


def shown(analysis: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run ``analysis(*args, **kwargs)``; when the data cannot support it, return a
    :class:`Note` saying why (the analysis' own message names what is missing). A
    :class:`Note` passed in (an earlier step that could not run) is passed on."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, Note):
            return value
    try:
        return analysis(*args, **kwargs)
    except AnalysisError as exc:
        return Note(words.cannot(exc))


def scorecard_table(card: pd.DataFrame, *, group: str | None = None) -> pd.DataFrame:
    """The scorecard as people read it: one row per claim in words, no index column (the
    report's page-one table and the notebooks show this same table).

    Parameters
    ----------
    card
        The table from :func:`~backcare_analysis.advice.check_advice`.
    group
        Only this group (``"prevention"``, ``"treatment"``, ``"natural course"``).

    Returns
    -------
    pandas.DataFrame
        Columns ``Advice``, ``What your data show``, ``How sure``, ``Chance it helps
        you``, ``What to try next`` (:data:`~backcare_analysis.outputs.words.SCORECARD_COLUMNS`).
    """
    rows = card if group is None else card.loc[card["group"] == group]
    return pd.DataFrame(
        [
            {
                "Advice": words.claim_title(str(r["claim"])),
                "What your data show": words.short_finding(r),
                "How sure": words.how_sure(r),
                "Chance it helps you": words.chance_cell(r),
                "What to try next": words.next_step(r),
            }
            for r in rows.to_dict("records")
        ],
        columns=list(words.SCORECARD_COLUMNS),
    )
