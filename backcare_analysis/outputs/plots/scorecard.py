"""Plots of the advice scorecard and trigger effects."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._common import new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes


#: Verdict -> (marker, face colour, label); distinguishable in greyscale by the marker.
_VERDICT_STYLE: dict[str, tuple[str, str, str]] = {
    "supported": ("o", "#1b7837", "supported"),
    "contradicted": ("X", "#b2182b", "contradicted"),
    "inconclusive": ("o", "white", "inconclusive"),
    "not enough data": ("", "none", "not enough data"),
}


#: Which side of 1 is good news, per kind of ratio, for the axis label.
_SIDE_WORDS: dict[str, tuple[str, str]] = {
    "prevention": ("fewer spasms", "more spasms"),
    "treatment": ("shorter episodes", "longer episodes"),
}


def plot_scorecard(
    card: pd.DataFrame,
    *,
    group: str = "prevention",
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Forest plot of the advice scorecard: each claim's ratio and interval, by verdict.

    Parameters
    ----------
    card
        The table from :func:`~backcare_analysis.advice.check_advice`.
    group
        Which kind of ratio to draw: ``"prevention"`` (rate ratios of new spasms) or
        ``"treatment"`` (ratios of episode durations). One axis never mixes the two.
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``Axes.errorbar``.

    Returns
    -------
    matplotlib.axes.Axes
        Ratios on a log scale, 1 meaning no difference, with the side that means fewer
        spasms (or shorter episodes) named under the axis; claims without an estimate are
        labelled "not enough data". The legend sits below the axes, never over the data.
    """
    from ..words import claim_title, exposure_label

    rows = card.loc[card["group"] == group].reset_index(drop=True)
    labels = [
        exposure_label(r) if group == "prevention" else claim_title(str(r["claim"]))
        for r in rows.to_dict("records")
    ]
    ax = new_axes(ax, figsize=(8, 0.42 * max(len(rows), 1) + 2.2))
    _forest(ax, labels, rows, "estimate", **kwargs)
    good, bad = _SIDE_WORDS.get(group, ("lower", "higher"))
    what = "rate of new spasms" if group == "prevention" else "episode duration"
    ax.set_xlabel(
        f"ratio of the {what} with 95% interval (1 = no difference)\n"
        f"\u2190 {good}          {bad} \u2192"
    )
    ax.set_title(
        "Does each piece of advice hold in your own log?"
        if group == "prevention"
        else "Treatments: how long episodes lasted (descriptive)"
    )
    return ax


def plot_rate_ratios(table: pd.DataFrame, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Forest plot of onset rate ratios (or case-crossover odds ratios) per trigger.

    Parameters
    ----------
    table
        The table from :func:`~backcare_analysis.stats.onset.onset_rate_ratios` or
        :func:`~backcare_analysis.stats.casecrossover.case_crossover`.
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``Axes.errorbar``.

    Returns
    -------
    matplotlib.axes.Axes
        One row per trigger labelled with its exposure window and unit; ratio and 95%
        interval on a log scale, marker by verdict.
    """
    column = "rate_ratio" if "rate_ratio" in table.columns else "odds_ratio"
    labels = [
        f"{t}\n{w}, {u}"
        for t, w, u in zip(table["trigger"], table["window"], table["unit"], strict=True)
    ]
    ax = new_axes(ax, figsize=(8, 0.6 * len(table) + 1.5))
    _forest(ax, labels, table.reset_index(drop=True), column, **kwargs)
    measure = "rate of new spasms" if column == "rate_ratio" else "odds of a new spasm"
    ax.set_xlabel(f"ratio of the {measure}, with 95% interval (1 = no effect)")
    ax.set_title("Which triggers change your rate of new spasms, measured the day(s) before?")
    return ax


def plot_correlations(table: pd.DataFrame, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """The naive view: same-day against previous-day correlation of each trigger.

    Parameters
    ----------
    table
        The table from :func:`~backcare_analysis.stats.descriptive.trigger_correlations`.
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``Axes.barh``.

    Returns
    -------
    matplotlib.axes.Axes
        Paired bars per trigger (solid: same day, hatched: previous day). Where only the
        same-day bar is large, pain most likely changed the behaviour, not the reverse.
    """
    rows = table.dropna(subset=["r_same_day"]).reset_index(drop=True)
    y = np.arange(len(rows))[::-1]
    ax = new_axes(ax, figsize=(8, 0.5 * len(rows) + 1.5))
    ax.barh(y + 0.2, rows["r_same_day"], height=0.4, color="0.3", label="same day", **kwargs)
    ax.barh(
        y - 0.2,
        rows["r_prev_day"],
        height=0.4,
        color="white",
        edgecolor="black",
        hatch="//",
        label="previous day",
        **kwargs,
    )
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(rows["trigger"])
    ax.set_xlabel(f"correlation with {rows['outcome'].iloc[0] if len(rows) else 'onset'} (r)")
    ax.set_title("The naive view: does the link hold the day before, or only the same day?")
    ax.legend(fontsize="small")
    return ax


def _forest(ax: Axes, labels: list[str], rows: pd.DataFrame, column: str, **kwargs: Any) -> None:
    """Draw ratio and interval per row, marker by verdict, on a log axis."""
    y = np.arange(len(rows))[::-1]
    seen: set[str] = set()
    estimates = rows[column].to_numpy(dtype=float)
    lows = rows["ci_low"].to_numpy(dtype=float)
    highs = rows["ci_high"].to_numpy(dtype=float)
    for yi, verdict, est, low, high in zip(
        y, rows["verdict"].astype(str), estimates, lows, highs, strict=True
    ):
        marker, face, label = _VERDICT_STYLE[verdict]
        if not np.isfinite(est):
            ax.text(
                1.0, yi, "not enough data", ha="center", va="center", fontsize="small",
                color="0.35", style="italic",
            )  # fmt: skip
            continue
        ax.errorbar(
            [est],
            [yi],
            xerr=[[est - low], [high - est]],
            fmt=marker,
            color="black",
            markerfacecolor=face,
            markersize=8,
            capsize=3,
            label=None if label in seen else label,
            **kwargs,
        )
        seen.add(label)
    ax.axvline(1.0, color="0.5", lw=1, ls="--")
    ax.set_xscale("log")
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    if seen:
        ax.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.2),
            ncol=len(seen),
            fontsize="small",
            frameon=False,
        )
