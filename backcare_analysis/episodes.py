"""Turn pain ratings into episodes, for sources that log ratings rather than episodes.

Bearable logs a 0-4 rating per part of day, Flaredown a daily 0-4, Apple Health severity
intervals. The rule, shared by all of them, is documented in ``docs/data-model.md``:

An episode starts at the first rating at or above ``threshold_0_10`` after at least
``gap_h`` hours without such a rating, and ends at the last rating at or above the
threshold before the next such gap. Its peak is the highest rating inside it, its initial
severity the first.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from .schema import conform, empty_table

#: Defaults of the rule; results record which values were used in ``Log.parameters``.
DEFAULT_THRESHOLD_0_10: Final = 4.0
DEFAULT_GAP_H: Final = 48.0

RATING_COLUMNS: Final = (
    "time_local",  # naive local wall-clock time of the rating (or interval start)
    "utc_offset_min",  # Int64, may be missing
    "end_local",  # end of an interval rating (Apple Health); missing for point ratings
    "severity_0_10",
    "location",
    "leg_pain",  # boolean, may be missing
    "source",
    "source_file",
    "source_line",
)


def episodes_from_ratings(
    ratings: pd.DataFrame,
    *,
    threshold_0_10: float = DEFAULT_THRESHOLD_0_10,
    gap_h: float = DEFAULT_GAP_H,
) -> pd.DataFrame:
    """Group pain ratings into episodes.

    Parameters
    ----------
    ratings
        One row per rating with the columns of :data:`RATING_COLUMNS`.
    threshold_0_10
        Ratings at or above this (0-10 scale) count as spasm pain.
    gap_h
        Hours without such a rating that separate two episodes.

    Returns
    -------
    pandas.DataFrame
        A canonical episodes table: ``start_local`` is the first qualifying rating,
        ``end_local`` the last one (or its interval end), ``peak_severity_0_10`` the
        maximum, ``initial_severity_0_10`` the first, ``leg_pain`` true if any rating in it
        says so, provenance from the first rating.

    Notes
    -----
    Ratings below the threshold never start or extend an episode; an episode that is still
    going at the end of the log ends at its last rating.
    """
    if threshold_0_10 <= 0 or gap_h <= 0:
        raise ValueError("threshold_0_10 and gap_h must be positive")
    pain = ratings.loc[ratings["severity_0_10"].astype("Float64") >= threshold_0_10].copy()
    if pain.empty:
        return empty_table("episodes")
    pain = pain.sort_values("time_local", kind="stable").reset_index(drop=True)
    ends = pain["end_local"].fillna(pain["time_local"])
    ends = ends.where(ends >= pain["time_local"], pain["time_local"])
    # Running maximum of ends, so a long interval keeps later short ones inside it.
    reach = ends.cummax()
    gap = (pain["time_local"] - reach.shift(1)).dt.total_seconds() / 3600
    episode = np.cumsum(gap.isna().to_numpy() | (gap.to_numpy() >= gap_h))
    pain["_episode"] = episode
    pain["_end"] = ends
    grouped = pain.groupby("_episode", sort=True)
    first = grouped.first()
    leg = pain["leg_pain"].astype("boolean")
    out = pd.DataFrame(
        {
            "start_local": first["time_local"],
            "start_utc_offset_min": grouped["utc_offset_min"].first(),
            "end_local": grouped["_end"].max(),
            "peak_severity_0_10": grouped["severity_0_10"].max(),
            "initial_severity_0_10": first["severity_0_10"],
            "location": first["location"],
            "leg_pain": leg.groupby(pain["_episode"]).max(),
            "source": first["source"],
            "source_file": first["source_file"],
            "source_line": first["source_line"],
        }
    )
    out["duration_h"] = (out["end_local"] - out["start_local"]).dt.total_seconds() / 3600
    out["episode_id"] = out["source"] + "-" + out["start_local"].dt.strftime("%Y%m%dT%H%M")
    out["treatments"] = ""
    out["notes"] = ""
    out["activity_at_onset"] = ""
    return conform(out.reset_index(drop=True), "episodes")


def episode_days(episodes: pd.DataFrame) -> pd.DataFrame:
    """Calendar days covered by each episode.

    Parameters
    ----------
    episodes
        A canonical episodes table.

    Returns
    -------
    pandas.DataFrame
        Columns ``episode_id``, ``position`` (the episode's row position in ``episodes``),
        ``date`` (normalised) and ``is_onset_day`` (bool). An episode with no end covers
        its onset day only.
    """
    starts = episodes["start_local"].dt.normalize()
    ends = episodes["end_local"].dt.normalize().fillna(starts)
    ends = ends.where(ends >= starts, starts)
    n_days = ((ends - starts).dt.days + 1).to_numpy(dtype=np.int64)
    ids = np.repeat(episodes["episode_id"].to_numpy(), n_days)
    positions = np.repeat(np.arange(len(episodes)), n_days)
    offsets = np.concatenate([np.arange(n) for n in n_days]) if len(n_days) else np.array([])
    dates = np.repeat(starts.to_numpy(), n_days) + offsets.astype("timedelta64[D]")
    return pd.DataFrame(
        {
            "episode_id": ids,
            "position": positions,
            "date": pd.to_datetime(dates),
            "is_onset_day": offsets == 0,
        }
    )
