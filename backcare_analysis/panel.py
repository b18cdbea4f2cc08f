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
#: A run of at least this many days without a diary row may hide an episode nobody wrote
#: down (diaries fade on bad days): its days and the ``after_episode_days`` after it are
#: masked from the habit means like an episode's.
DIARY_GAP_DAYS: Final = 2
#: The gap rule applies to diaries that cover at least this share of their days; in a
#: sparser diary long gaps are its rhythm, and masking them would leave no habit value.
DIARY_GAP_MIN_LOGGED: Final = 0.7
#: Microseconds in a day (the grid's step).
_DAY_US: Final = 86_400_000_000
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
    return pd.Series(_nullable(_habit_means(v, window)))


def _habit_means(v: np.ndarray, window: int) -> np.ndarray:
    """:func:`habit_mean` on floats (NaN where not logged or masked), as floats."""
    pos = np.flatnonzero(np.isfinite(v))
    sums = np.concatenate([[0.0], np.cumsum(v[pos])])
    days = np.arange(v.size)
    end = np.searchsorted(pos, days, side="left")  # valid days strictly before each day
    first_in_span = np.searchsorted(pos, days - 2 * window, side="left")
    start = np.maximum(end - window, first_in_span)
    count = end - start
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (sums[end] - sums[start]) / count
    out: np.ndarray = np.where(count >= (window + 1) // 2, mean, np.nan)
    return out


def diary_gaps(
    logged: np.ndarray, min_days: int = DIARY_GAP_DAYS, min_logged: float = DIARY_GAP_MIN_LOGGED
) -> np.ndarray:
    """Days in a run of at least ``min_days`` unlogged days, in a diary that covers at
    least ``min_logged`` of its days (none otherwise, and none when ``min_days`` is 0)."""
    logged = np.asarray(logged, dtype=bool)
    out = np.zeros(logged.size, dtype=bool)
    if min_days <= 0 or not logged.size or logged.mean() < min_logged:
        return out
    edges = np.flatnonzero(np.diff(np.concatenate([[0], (~logged).astype(np.int8), [0]])))
    for first, stop in zip(edges[::2], edges[1::2], strict=True):
        if stop - first >= min_days:
            out[first:stop] = True
    return out


def _nullable(values: np.ndarray) -> pd.arrays.FloatingArray:
    """Float64 (nullable) from floats, NaN as missing, as ``astype("Float64")`` makes it."""
    values = np.asarray(values, dtype=np.float64)
    return pd.arrays.FloatingArray(values, np.isnan(values))


def _prior_sum(flags: np.ndarray, window: int) -> np.ndarray:
    """How many of the ``window`` days before each day are set (days before the first
    count as unset)."""
    total = np.concatenate([[0], np.cumsum(flags.astype(np.int64))])
    days = np.arange(flags.size)
    out: np.ndarray = total[days] - total[np.maximum(days - window, 0)]
    return out


def _on_grid(days: pd.Series, first: np.datetime64, n: int) -> np.ndarray:
    """Positions of timestamps on the daily grid ``first + k days`` (``0 <= k < n``), -1
    for timestamps that are not on it (outside, or not at the grid's time of day)."""
    us = days.to_numpy(dtype="datetime64[us]").astype(np.int64)
    offset = us - first.astype("datetime64[us]").astype(np.int64)
    position = offset // _DAY_US
    on = (offset % _DAY_US == 0) & (position >= 0) & (position < n) & ~np.isnat(days.to_numpy())
    return np.where(on, position, -1)


def _episode_grid(
    episodes: pd.DataFrame, first: np.datetime64, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Onsets per grid day and whether an episode that began on an earlier day covers it:
    the days of :func:`~backcare_analysis.episodes.episode_days`, placed on the grid."""
    start, end = episodes["start_local"], episodes["end_local"]
    naive = all(str(c.dtype).startswith("datetime64[") for c in (start, end))
    if not naive or start.isna().any():  # not the canonical table: the general path
        covered = episode_days(episodes)
        position = _on_grid(covered["date"], first, n)
        onset = covered["is_onset_day"].to_numpy(dtype=bool)
        onsets_n = np.bincount(position[onset & (position >= 0)], minlength=n)
        in_episode = np.zeros(n, dtype=bool)
        in_episode[position[~onset & (position >= 0)]] = True
        return onsets_n.astype(np.int64), in_episode
    # Onset day: the start's calendar day; covered days run on to the end's day (an end
    # missing or before the start covers the onset day only).
    s = start.to_numpy(dtype="datetime64[us]").astype(np.int64)
    s -= s % _DAY_US
    e = end.to_numpy(dtype="datetime64[us]")
    missing = np.isnat(e)
    e = e.astype(np.int64)
    e -= e % _DAY_US
    e = np.where(missing | (e < s), s, e)
    offset = s - first.astype("datetime64[us]").astype(np.int64)
    aligned = offset % _DAY_US == 0  # the grid's days are at midnight, or no day matches
    first_day = offset // _DAY_US
    last_day = first_day + (e - s) // _DAY_US
    on = aligned & (first_day >= 0) & (first_day < n)
    onsets_n = np.bincount(first_day[on], minlength=n).astype(np.int64)
    lo = np.maximum(first_day + 1, 0)
    hi = np.minimum(last_day, n - 1)
    spans = aligned & (lo <= hi)
    change = np.zeros(n + 1, dtype=np.int64)
    np.add.at(change, lo[spans], 1)
    np.add.at(change, hi[spans] + 1, -1)
    in_episode = np.cumsum(change[:n]) > 0
    return onsets_n, in_episode


def _day_grid(log: Log) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray, np.ndarray]:
    """The panel's calendar days; for each, the row of ``log.daily`` on it (-1: none), the
    onsets that day and whether an episode begun earlier covers it."""
    daily = log.daily
    episodes = log.episodes
    if daily.empty and episodes.empty:
        raise AnalysisError(
            "the log has no logged days and no episodes: nothing to analyse; check "
            "log.rejected for rows that could not be read"
        )
    bounds = pd.concat([daily["date"], episodes["start_local"].dt.normalize()])
    dates = pd.date_range(bounds.min(), bounds.max(), freq="D", unit="us")
    n = len(dates)
    if not daily["date"].is_unique:
        daily.set_index("date").reindex(dates)  # raises as a reindex on duplicate days does
    first = dates.to_numpy()[0]
    row_of = np.full(n, -1, dtype=np.int64)
    position = _on_grid(daily["date"], first, n)
    row_of[position[position >= 0]] = np.flatnonzero(position >= 0)
    onsets_n, in_episode = _episode_grid(episodes, first, n)
    return dates, row_of, onsets_n, in_episode


def _on_grid_values(
    daily: pd.DataFrame, column: str, dates: pd.DatetimeIndex, row_of: np.ndarray
) -> pd.Series:
    """A daily column on the panel's days, missing where the day has no row."""
    values = daily[column]
    if isinstance(values.dtype, pd.api.extensions.ExtensionDtype):
        return pd.Series(values.array.take(row_of, allow_fill=True), copy=False)
    # A table not conformed to the schema: reindexed, as pandas fills it.
    out: pd.Series = daily.set_index("date")[column].reindex(dates).reset_index(drop=True)
    return out


def last_logged_day(log: Log) -> pd.Timestamp:
    """The last day the panel counts as logged (``daily_panel(log)``'s last ``date`` with
    ``logged``; NaT when none is), without building the panel.

    Raises
    ------
    AnalysisError
        When the log has no logged day at all.
    """
    dates, row_of, _, in_episode = _day_grid(log)
    diary = _on_grid_values(log.daily, "symptoms_logged", dates, row_of)
    logged = np.flatnonzero(diary.to_numpy(dtype=bool, na_value=False) | in_episode)
    return pd.Timestamp(dates[logged[-1]]) if len(logged) else pd.Timestamp("NaT")


def daily_panel(
    log: Log,
    *,
    lags: Sequence[int] = (1,),
    windows: Sequence[int] = (7,),
    exclude_episode_days: bool = True,
    after_episode_days: int = AFTER_EPISODE_DAYS,
    gap_days: int = DIARY_GAP_DAYS,
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
    gap_days
        Runs of at least this many days without a diary row count as possible unrecorded
        episodes (see :func:`diary_gaps`; default 2, 0 turns the rule off): their days
        and the ``after_episode_days`` after them are masked too.

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
        one of the ``after_episode_days`` after it, or the same for a diary gap),
        ``diary_gap`` (the day is in a gap of at least ``gap_days`` unlogged days) and
        ``masked_days_<w>d`` (how many of the previous ``w`` days a window lost to
        masking). Days nobody logged stay missing, never zero.

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

    A gap of ``gap_days`` or more unlogged days in a diary that covers at least
    :data:`DIARY_GAP_MIN_LOGGED` of its days is treated as a possible episode nobody wrote
    down: values measured on its days (a watch keeps counting) and on the
    ``after_episode_days`` after it are left out of the habit means. Without this, the
    low activity after an unrecorded episode, followed by the episodes that cluster after
    it, made exercise look protective with no effect at all (docs/statistics.md, "Diary
    gaps"). A single missing day is not a gap: in a diary kept on about 85% of days
    (METHODS) single missing days are common and mostly chance.
    """
    dates, row_of, onsets_n, in_episode = _day_grid(log)
    n = len(dates)

    def on_grid(column: str) -> pd.Series:
        return _on_grid_values(log.daily, column, dates, row_of)

    logged = on_grid("symptoms_logged").to_numpy(dtype=bool, na_value=False)
    # At risk is decided from the diary alone, never from the outcome: an onset day
    # without a diary row is not at risk, like any other unlogged day.
    at_risk = logged & ~in_episode
    logged = logged | in_episode
    # The onset day belongs to its episode: its behaviour already follows the pain.
    episode_day = in_episode | (onsets_n > 0)
    # Logging fades on bad days: a long gap may be an episode nobody wrote down.
    diary_gap = diary_gaps(logged | episode_day, gap_days)
    pain_or_gap = episode_day | diary_gap
    episode_or_after = pain_or_gap.copy()
    for k in range(1, after_episode_days + 1):
        episode_or_after[k:] |= pain_or_gap[: max(n - k, 0)]
    masked = episode_or_after if exclude_episode_days else np.zeros(n, dtype=bool)

    panel: dict[str, object] = {
        "date": dates.to_numpy(),
        "weekday": dates.day_of_week.to_numpy().astype("int64"),
        "day_index": np.arange(n, dtype=np.int64),
        "logged": logged,
        "in_episode": in_episode,
        "at_risk": at_risk,
        "onsets_n": pd.arrays.IntegerArray(onsets_n, ~(logged | (onsets_n > 0))),
        "onset": pd.arrays.IntegerArray((onsets_n > 0).astype(np.int64), ~at_risk),
        "prev_day_in_episode": np.concatenate([[False], in_episode[:-1]]),
        "pain_max_0_10": on_grid("pain_max_0_10"),
        "episode_day": episode_day,
        "masked": masked,
        "diary_gap": diary_gap,
    }
    lagged: dict[str, object] = {}
    for w in windows:
        lagged[f"masked_days_{w}d"] = _prior_sum(masked, w)
    for trigger in (*TRIGGER_COLUMNS, *TAG_TRIGGER_COLUMNS):
        raw = on_grid(trigger)
        panel[trigger] = raw
        series = raw.astype("Float64").array
        v = series.to_numpy(dtype=np.float64, na_value=np.nan)
        for k in lags:
            lagged[f"{trigger}_lag{k}"] = series.shift(k)
        kept = np.where(masked, np.nan, v)
        for w in windows:
            lagged[f"{trigger}_mean{w}d"] = _nullable(_habit_means(kept, w))
        if trigger == "heavy_lifting":
            for w in ANY_WINDOWS:
                seen = _prior_sum(np.isfinite(v), w)
                any_w = _prior_sum(v > 0, w) > 0
                lagged[f"{trigger}_any{w}d"] = _nullable(
                    np.where(any_w, 1.0, np.where(seen >= (w + 1) // 2, 0.0, np.nan))
                )
    return pd.DataFrame({**panel, **lagged})
