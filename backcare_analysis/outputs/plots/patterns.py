"""Plots of when spasms happen: timeline, calendar, months, hours, severity."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...panel import daily_panel
from ...schema import Log
from ._common import new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_timeline(log: Log, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Draw each day as logged or not, and each episode as a bar coloured by peak severity.

    Parameters
    ----------
    log
        A parsed log.
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``Axes.broken_barh`` for the episode bars.

    Returns
    -------
    matplotlib.axes.Axes
        The axes: a single timeline with months on the x axis, grey ticks for unlogged
        days, bars for episodes and a triangle over episodes with pain down a leg.
    """
    import matplotlib.dates as mdates

    panel = daily_panel(log)
    ax = new_axes(ax, figsize=(10, 2.8))
    unlogged = panel.loc[~panel["logged"], "date"]
    ax.vlines(
        mdates.date2num(unlogged.to_numpy()), 0, 0.25, colors="0.6", lw=1, label="day not logged"
    )
    episodes = log.episodes
    if not episodes.empty:
        start = mdates.date2num(episodes["start_local"].to_numpy())
        end_times = episodes["end_local"].fillna(episodes["start_local"] + pd.Timedelta(hours=12))
        width = np.maximum(mdates.date2num(end_times.to_numpy()) - start, 0.4)
        peak = episodes["peak_severity_0_10"].astype("float64").fillna(5).to_numpy()
        import matplotlib as mpl

        cmap = mpl.colormaps["magma_r"]
        colours = cmap(0.25 + 0.75 * peak / 10)
        for s, w, c in zip(start, width, colours, strict=True):
            ax.broken_barh(
                [(s, w)], (0.35, 0.5), facecolors=[c], edgecolor="black", lw=0.5, **kwargs
            )
        leg = episodes["leg_pain"].fillna(False).to_numpy(dtype=bool)
        if leg.any():
            ax.plot(
                start[leg], np.full(leg.sum(), 0.95), "v", color="black", label="pain down a leg"
            )
        norm = mpl.colors.Normalize(0, 10)
        mappable = mpl.cm.ScalarMappable(norm=norm, cmap=cmap)
        ax.figure.colorbar(mappable, ax=ax, label="peak severity (0-10)", pad=0.01)
    ax.set_ylim(0, 1.05)
    ax.set_yticks([])
    ax.xaxis.set_major_locator(mdates.MonthLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    ax.set_xlabel("date")
    ax.set_title("When did spasm episodes happen, and which days were logged?")
    ax.legend(loc="upper left", fontsize="small", frameon=False)
    return ax


def plot_calendar(log: Log, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Calendar heatmap: one cell per day (weeks across, weekdays down), coloured by pain.

    Parameters
    ----------
    log
        A parsed log.
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``Axes.pcolormesh``.

    Returns
    -------
    matplotlib.axes.Axes
        Worst pain of each day on 0-10 (days inside an episode without a rating count as
        the episode's peak); unlogged days hatched, onset days outlined.
    """
    import matplotlib as mpl

    panel = daily_panel(log)
    pain = panel["pain_max_0_10"].astype("float64").copy()
    if not log.episodes.empty:
        from ...episodes import episode_days

        days = episode_days(log.episodes).merge(
            log.episodes[["episode_id", "peak_severity_0_10"]], on="episode_id"
        )
        peak = days.groupby("date")["peak_severity_0_10"].max().astype("float64")
        pain = pain.fillna(panel["date"].map(peak))
    pain = pain.where(panel["logged"] | pain.notna())
    start = panel["date"].iloc[0] - pd.Timedelta(days=int(panel["weekday"].iloc[0]))
    week = ((panel["date"] - start).dt.days // 7).to_numpy()
    grid = np.full((7, int(week.max()) + 1), np.nan)
    grid[panel["weekday"].to_numpy(), week] = pain.to_numpy()
    ax = new_axes(ax, figsize=(12, 2.8))
    cmap = mpl.colormaps["magma_r"].copy()
    mesh = ax.pcolormesh(grid, cmap=cmap, vmin=0, vmax=10, **kwargs)
    unlogged = ~panel["logged"].to_numpy()
    ax.scatter(
        week[unlogged] + 0.5,
        panel["weekday"].to_numpy()[unlogged] + 0.5,
        marker="x",
        s=10,
        color="0.5",
        lw=0.8,
        label="not logged",
    )
    onset = (panel["onsets_n"].fillna(0) > 0).to_numpy()
    ax.scatter(
        week[onset] + 0.5,
        panel["weekday"].to_numpy()[onset] + 0.5,
        marker="s",
        s=30,
        facecolors="none",
        edgecolors="tab:blue",
        lw=1.2,
        label="new spasm",
    )
    ax.invert_yaxis()
    ax.set_yticks(np.arange(7) + 0.5)
    ax.set_yticklabels(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
    months = panel.loc[panel["date"].dt.day == 1]
    ax.set_xticks(week[months.index] + 0.5)
    ax.set_xticklabels(months["date"].dt.strftime("%b %Y"), fontsize="small")
    ax.set_xlabel("week")
    ax.figure.colorbar(mesh, ax=ax, label="worst pain (0-10)", pad=0.01)
    ax.set_title("Which days hurt, and which days were not logged?")
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.25), ncol=2, fontsize="small", frameon=False)
    return ax


def plot_monthly_onsets(log: Log, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """New spasms per month at risk, month by month, with exact 95% intervals.

    Parameters
    ----------
    log
        A parsed log.
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``Axes.errorbar``.

    Returns
    -------
    matplotlib.axes.Axes
        Onset rate per 30.4 days at risk for each calendar month, with the whole log's rate
        and interval as a band; months with no day at risk are left out.
    """
    from ...summary import monthly_summary, summarize

    months = monthly_summary(log).dropna(subset=["onsets_per_month"])
    overall = summarize(log).iloc[0]
    ax = new_axes(ax, figsize=(9, 3.5))
    x = months["month"] + pd.Timedelta(days=14)
    rate = months["onsets_per_month"].to_numpy(dtype=float)
    ax.errorbar(
        x,
        rate,
        yerr=[
            rate - months["ci_low"].to_numpy(dtype=float),
            months["ci_high"].to_numpy(dtype=float) - rate,
        ],
        fmt="o",
        color="black",
        capsize=3,
        label="month (95% CI)",
        **kwargs,
    )
    ax.axhspan(
        float(overall["ci_low"]),
        float(overall["ci_high"]),
        color="0.85",
        label="whole log (95% CI)",
    )
    ax.axhline(float(overall["onsets_per_month"]), color="0.4", lw=1)
    ax.set_ylabel("new spasms per month at risk")
    ax.set_xlabel("month")
    ax.set_title("Are spasms coming more or less often?")
    ax.legend(fontsize="small")
    return ax


def plot_onset_hours(log: Log, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """When in the day spasms begin: onsets per hour of the day.

    Parameters
    ----------
    log
        A parsed log.
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``Axes.bar``.

    Returns
    -------
    matplotlib.axes.Axes
        Count of onsets per local clock hour. Sources that log parts of the day (Bearable)
        place onsets at fixed clock times, which shows as spikes.
    """
    hours = log.episodes["start_local"].dt.hour.value_counts().reindex(range(24), fill_value=0)
    ax = new_axes(ax, figsize=(8, 3))
    ax.bar(hours.index, hours.to_numpy(), color="0.4", edgecolor="black", **kwargs)
    ax.set_xticks(range(0, 24, 3))
    ax.set_xlabel("hour of the day (local time)")
    ax.set_ylabel("episodes begun")
    ax.set_title("At what time of day do spasms begin?")
    return ax


def plot_severity_duration(log: Log, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Each episode's peak severity against how long it lasted.

    Parameters
    ----------
    log
        A parsed log.
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``Axes.scatter``.

    Returns
    -------
    matplotlib.axes.Axes
        Duration in days (log scale) against peak severity 0-10; episodes with pain down a
        leg drawn as triangles.
    """
    ep = log.episodes.dropna(subset=["duration_h"])
    leg = ep["leg_pain"].fillna(False).to_numpy(dtype=bool)
    days = ep["duration_h"].to_numpy(dtype=float) / 24
    peak = ep["peak_severity_0_10"].to_numpy(dtype=float)
    ax = new_axes(ax, figsize=(6, 4))
    ax.scatter(peak[~leg], days[~leg], color="0.3", label="episode", **kwargs)
    if leg.any():
        ax.scatter(peak[leg], days[leg], marker="^", s=80, color="black", label="with leg pain")
    ax.set_yscale("log")
    ax.set_xlim(0, 10.5)
    ax.set_xlabel("peak severity (0-10)")
    ax.set_ylabel("duration (days)")
    ax.set_title("Do worse spasms last longer?")
    ax.legend(fontsize="small")
    return ax
