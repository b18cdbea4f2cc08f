"""The daily panel: one row per calendar day with onsets, days at risk and lagged exposures."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .episodes import episode_days
from .schema import TAG_TRIGGER_COLUMNS, TRIGGER_COLUMNS, AnalysisError, Log

#: Triggers that act as habits: their rolling mean over prior days is the natural exposure.
HABIT_TRIGGERS: tuple[str, ...] = ("exercise_min", "steps_count", "stretching_min", "water_ml")


def daily_panel(
    log: Log,
    *,
    lags: Sequence[int] = (1,),
    windows: Sequence[int] = (7,),
    exclude_episode_days: bool = True,
) -> pd.DataFrame:
    """Build the daily panel of onsets, days at risk and exposures before onset.

    Parameters
    ----------
    log
        A parsed log.
    lags
        Lagged copies of every trigger: ``sitting_h_lag1`` is the previous day's value.
    windows
        Rolling means over the previous ``w`` days (today excluded) for every trigger:
        ``exercise_min_mean7d``. At least half the days of the window must have a value.
    exclude_episode_days
        Leave values measured on days inside an episode out of the rolling means, since
        they describe the episode rather than the habit (METHODS: exposure before onset).

    Returns
    -------
    pandas.DataFrame
        One row per calendar day from the first to the last logged day, with columns
        ``date``, ``weekday`` (0 = Monday), ``day_index`` (days since the first row),
        ``logged`` (the symptom diary covers the day), ``in_episode`` (an episode that
        began on an earlier day is still going), ``at_risk`` (logged and not in an
        episode), ``onsets_n`` (episodes starting that day), ``onset`` (1/0 on at-risk
        days, missing otherwise), ``prev_day_in_episode``, ``pain_max_0_10``, every
        trigger of :data:`~backcare_analysis.schema.TRIGGER_COLUMNS` and
        :data:`~backcare_analysis.schema.TAG_TRIGGER_COLUMNS`, and the lagged and
        rolling copies named above. Days nobody logged stay missing, never zero.

    Raises
    ------
    AnalysisError
        When the log has no logged day at all.

    Notes
    -----
    A day is at risk of a new onset when the diary covers it and no earlier episode is
    still ongoing; the onset day itself is at risk. An episode without an end covers its
    onset day only.
    """
    daily = log.daily
    episodes = log.episodes
    if daily.empty and episodes.empty:
        raise AnalysisError(
            "the log has no logged days and no episodes: nothing to analyse; check "
            "log.rejected for rows that could not be read"
        )
    bounds = pd.concat([daily["date"], episodes["start_local"].dt.normalize()])
    dates = pd.date_range(bounds.min(), bounds.max(), freq="D", unit="us")
    panel = pd.DataFrame({"date": dates})
    panel["weekday"] = panel["date"].dt.day_of_week.astype("int64")
    panel["day_index"] = np.arange(len(panel), dtype=np.int64)

    values = daily.set_index("date").reindex(dates)
    logged = values["symptoms_logged"].fillna(False).astype(bool).to_numpy()

    covered = episode_days(episodes)
    onsets = covered.loc[covered["is_onset_day"]].groupby("date").size()
    ongoing = set(covered.loc[~covered["is_onset_day"], "date"])
    onsets_n = onsets.reindex(dates, fill_value=0).to_numpy(dtype=np.int64)
    in_episode = panel["date"].isin(ongoing).to_numpy()
    # A day with a recorded onset is a logged day even if the diary row is missing.
    logged = logged | (onsets_n > 0) | in_episode
    at_risk = logged & ~in_episode

    panel["logged"] = logged
    panel["in_episode"] = in_episode
    panel["at_risk"] = at_risk
    panel["onsets_n"] = pd.Series(onsets_n, dtype="Int64").where(logged, pd.NA)
    panel["onset"] = pd.Series((onsets_n > 0).astype(np.int64), dtype="Int64").where(at_risk, pd.NA)
    panel["prev_day_in_episode"] = np.concatenate([[False], in_episode[:-1]])
    panel["pain_max_0_10"] = values["pain_max_0_10"].reset_index(drop=True)

    lagged: dict[str, pd.Series] = {}
    for trigger in (*TRIGGER_COLUMNS, *TAG_TRIGGER_COLUMNS):
        series = values[trigger].astype("Float64").reset_index(drop=True)
        panel[trigger] = values[trigger].reset_index(drop=True)
        for k in lags:
            lagged[f"{trigger}_lag{k}"] = series.shift(k)
        habit = series.mask(pd.Series(in_episode)) if exclude_episode_days else series
        for w in windows:
            lagged[f"{trigger}_mean{w}d"] = (
                habit.astype("float64").shift(1).rolling(w, min_periods=(w + 1) // 2).mean()
            ).astype("Float64")
    return pd.concat([panel, pd.DataFrame(lagged)], axis=1)
