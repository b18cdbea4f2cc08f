"""Plots: each takes its data and an optional ``ax`` and returns the Axes it drew on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .panel import daily_panel
from .schema import Log

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def _axes(ax: Axes | None, **figure: Any) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new_ax = plt.subplots(**figure)
    return new_ax


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
    ax = _axes(ax, figsize=(10, 2.8))
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
