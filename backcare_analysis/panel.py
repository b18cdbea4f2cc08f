"""The daily panel: one row per calendar day with onsets, days at risk and lagged exposures."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd

from .episodes import episode_days
from .schema import TAG_TRIGGER_COLUMNS, TRIGGER_COLUMNS, AnalysisError, Log

#: Triggers that act as habits: their rolling mean over prior days is the natural exposure.
HABIT_TRIGGERS: tuple[str, ...] = ("exercise_min", "steps_count", "stretching_min", "water_ml")
#: Days after an episode's last day whose behaviour still follows the pain (more sitting,
#: less exercise, stretching as treatment): masked from exposures with the episode itself.
AFTER_EPISODE_DAYS: Final = 3
#: Exposure windows "any of the previous N days" built for yes/no triggers (lifting).
ANY_WINDOWS: Final = (3,)


def habit_mean(values: pd.Series, window: int) -> pd.Series:
    """Mean of the last ``window`` days with a value before each day, within ``2 window``.

    Parameters
    ----------
    values
        One value per calendar day, missing where not logged or masked.
    window
        Days to average (7 for the default habit).

    Returns
    -------
    pandas.Series
        Float64; missing when fewer than ``(window + 1) // 2`` days with a value fall in
        the ``2 window`` calendar days before the day. With no masked day and full logging
        this is the plain mean of the previous ``window`` days; after an episode it reaches
        back past the masked days to the habit before the pain.
    """
    v = values.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
    pos = np.flatnonzero(np.isfinite(v))
    sums = np.concatenate([[0.0], np.cumsum(v[pos])])
    days = np.arange(v.size)
    end = np.searchsorted(pos, days, side="left")  # valid days strictly before each day
    first_in_span = np.searchsorted(pos, days - 2 * window, side="left")
    start = np.maximum(end - window, first_in_span)
    count = end - start
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (sums[end] - sums[start]) / count
    out = np.where(count >= (window + 1) // 2, mean, np.nan)
    return pd.Series(out, dtype="float64").astype("Float64")


def daily_panel(
    log: Log,
    *,
    lags: Sequence[int] = (1,),
    windows: Sequence[int] = (7,),
    exclude_episode_days: bool = True,
    after_episode_days: int = AFTER_EPISODE_DAYS,
) -> pd.DataFrame:
    """Build the daily panel of onsets, days at risk and exposures before onset.

    Parameters
    ----------
    log
        A parsed log.
    lags
        Lagged copies of every trigger: ``sitting_h_lag1`` is the previous day's value.
    windows
        Habit means for every trigger: ``exercise_min_mean7d`` is the mean of the last 7
        days with a value before the day (today excluded; masked days skipped, see
        :func:`habit_mean`), at least 4 of them within the previous 14 days.
    exclude_episode_days
        Leave values measured on days inside an episode (its onset day included) and on
        the ``after_episode_days`` days after it out of the rolling means, since they
        describe the episode and the recovery rather than the habit (METHODS: exposure
        before onset). Lagged copies keep every value: the models adjust for the days
        since the last episode instead (masking them would drop most onsets that follow
        an episode closely). ``False`` keeps every value in the means too.
    after_episode_days
        How many days after an episode's last day are masked with it (default 3).

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
        rolling copies named above, ``heavy_lifting_any3d`` (1 when lifting was logged
        on any of the 3 previous days, 0 when it was logged absent on at least 2 of them
        and never present), ``episode_day`` (an onset day or a day inside an episode),
        ``masked`` (the day's values are left out of the rolling means: an episode day or
        one of the ``after_episode_days`` after it) and ``masked_days_<w>d`` (how many of the
        previous ``w`` days a window lost to masking). Days nobody logged stay missing,
        never zero.

    Raises
    ------
    AnalysisError
        When the log has no logged day at all.

    Notes
    -----
    A day is at risk of a new onset when the diary covers it and no earlier episode is
    still ongoing, decided without looking at the outcome: an onset on a day without a
    diary row is kept in ``onsets_n`` but that day is not at risk (counting it would make
    every unlogged onset day a day at risk while unlogged quiet days are not, inflating
    the onset rate). Days inside an episode count as logged (the episode covers them). An
    episode without an end covers its onset day only.
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
    # At risk is decided from the diary alone, never from the outcome: an onset day
    # without a diary row is not at risk, like any other unlogged day.
    at_risk = logged & ~in_episode
    logged = logged | in_episode

    panel["logged"] = logged
    panel["in_episode"] = in_episode
    panel["at_risk"] = at_risk
    panel["onsets_n"] = pd.Series(onsets_n, dtype="Int64").where(logged | (onsets_n > 0), pd.NA)
    panel["onset"] = pd.Series((onsets_n > 0).astype(np.int64), dtype="Int64").where(at_risk, pd.NA)
    panel["prev_day_in_episode"] = np.concatenate([[False], in_episode[:-1]])
    panel["pain_max_0_10"] = values["pain_max_0_10"].reset_index(drop=True)

    # The onset day belongs to its episode: its behaviour already follows the pain.
    episode_day = pd.Series(in_episode | (onsets_n > 0))
    panel["episode_day"] = episode_day.to_numpy(dtype=bool)
    episode_or_after = episode_day.copy()
    for k in range(1, after_episode_days + 1):
        episode_or_after |= episode_day.shift(k, fill_value=False)
    masked = (
        episode_or_after.to_numpy(dtype=bool)
        if exclude_episode_days
        else np.zeros(len(panel), dtype=bool)
    )
    panel["masked"] = masked
    lagged: dict[str, pd.Series] = {}
    for w in windows:
        lagged[f"masked_days_{w}d"] = (
            (pd.Series(masked.astype(np.int64)).shift(1).rolling(w, min_periods=1).sum())
            .fillna(0)
            .astype("int64")
        )
    for trigger in (*TRIGGER_COLUMNS, *TAG_TRIGGER_COLUMNS):
        series = values[trigger].astype("Float64").reset_index(drop=True)
        panel[trigger] = values[trigger].reset_index(drop=True)
        kept = series.mask(pd.Series(masked))
        for k in lags:
            lagged[f"{trigger}_lag{k}"] = series.shift(k)
        for w in windows:
            lagged[f"{trigger}_mean{w}d"] = habit_mean(kept, w)
        if trigger == "heavy_lifting":
            for w in ANY_WINDOWS:
                prior = series.astype("float64").shift(1).rolling(w, min_periods=1)
                seen = prior.count()
                any_w = (prior.max() > 0).astype("float64")
                lagged[f"{trigger}_any{w}d"] = (
                    any_w.where((any_w > 0) | (seen >= (w + 1) // 2))
                ).astype("Float64")
    return pd.concat([panel, pd.DataFrame(lagged)], axis=1)
