"""Warning signs that are reasons to see a clinician, surfaced before any analysis."""

from __future__ import annotations

import pandas as pd

from .schema import Log

SEE_A_CLINICIAN = (
    "This is a reason to see a clinician, not to keep self-analysing; this tool gives no "
    "medical advice."
)

RED_FLAG_COLUMNS = ("flag", "n_episodes", "first_date", "last_date", "detail", "action")


def red_flags(log: Log) -> pd.DataFrame:
    """List the warning signs in a log.

    Parameters
    ----------
    log
        A parsed log.

    Returns
    -------
    pandas.DataFrame
        One row per warning sign found (none when the log shows none), with columns
        ``flag`` (short id: ``leg_pain``), ``n_episodes`` (episodes showing it),
        ``first_date`` and ``last_date``, ``detail`` (a plain sentence) and ``action``
        (always: see a clinician).

    Notes
    -----
    Pain shooting down a leg or numbness can mean a nerve is involved (a herniated disc,
    for instance); the source articles and METHODS.md both list it as a reason to seek
    care. Every episode marked ``leg_pain`` is counted; unknown is not counted.
    """
    rows: list[dict[str, object]] = []
    leg = log.episodes.loc[log.episodes["leg_pain"].fillna(False).astype(bool)]
    if not leg.empty:
        dates = leg["start_local"].dt.strftime("%Y-%m-%d")
        rows.append(
            {
                "flag": "leg_pain",
                "n_episodes": len(leg),
                "first_date": leg["start_local"].min().normalize(),
                "last_date": leg["start_local"].max().normalize(),
                "detail": (
                    f"{len(leg)} episode(s) came with pain down a leg or numbness "
                    f"({', '.join(dates.head(5))}{', ...' if len(leg) > 5 else ''})."
                ),
                "action": SEE_A_CLINICIAN,
            }
        )
    return pd.DataFrame(rows, columns=list(RED_FLAG_COLUMNS))
