"""Cohort plots: pooled effects with prediction intervals, personal effects, and how many
people each claim could be tested in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._common import new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_pooled(table: pd.DataFrame, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Forest plot of pooled ratios: 95% interval (thick) and prediction interval for a new
    person (thin), for every claim tested in at least one person.

    Parameters
    ----------
    table
        From :func:`~backcare_analysis.cohort.pool_advice`.
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to the markers' ``Axes.plot``.

    Returns
    -------
    matplotlib.axes.Axes
        Ratios on a log scale, one row per claim labelled with the number of people.
    """
    shown = table.loc[table["n_people"] > 0].reset_index(drop=True)
    ax = new_axes(ax, figsize=(8, 0.7 * len(shown) + 1.6))
    y = np.arange(len(shown))[::-1]
    pi_low = shown["pi_low"].fillna(shown["ci_low"])
    pi_high = shown["pi_high"].fillna(shown["ci_high"])
    ax.hlines(y, pi_low, pi_high, color="0.55", linewidth=1.2, label="a new person (prediction)")
    ax.hlines(y, shown["ci_low"], shown["ci_high"], color="black", linewidth=3.5, label="95% CI")
    style = {"marker": "D", "color": "black", "linestyle": "none", **kwargs}
    ax.plot(shown["pooled_ratio"], y, label="pooled ratio", **style)
    ax.axvline(1.0, color="0.3", linestyle=":", linewidth=1)
    ax.set_xscale("log")
    ax.set_yticks(
        y, [f"{c}\n{n} people" for c, n in zip(shown["claim"], shown["n_people"], strict=True)]
    )
    ax.set_xlabel("pooled ratio across people (log scale; 1 = no effect)")
    ax.set_title("What do people's logs show when pooled, and how much do people differ?")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_personal_effects(
    per_person: pd.DataFrame, claim: str, *, ax: Axes | None = None, **kwargs: Any
) -> Axes:
    """Histogram of personal ratios of one claim (log scale), people's own estimates.

    Parameters
    ----------
    per_person
        From :func:`~backcare_analysis.cohort.cohort_advice`.
    claim
        The claim id, such as ``"lifting"``.
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``Axes.hist``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    rows = per_person.loc[(per_person["claim"] == claim) & (per_person["status"] == "ok")]
    ratios = rows["estimate"].astype(float)
    ratios = ratios[np.isfinite(ratios) & (ratios > 0)]
    ax = new_axes(ax, figsize=(7, 3.5))
    bins: Any = list(np.geomspace(ratios.min(), ratios.max(), 16)) if len(ratios) > 1 else 10
    ax.hist(ratios, bins=bins, color="0.6", edgecolor="black", hatch="//", **kwargs)
    ax.axvline(1.0, color="0.2", linestyle=":", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlabel(f"{claim}: each person's own ratio (log scale; 1 = no effect)")
    ax.set_ylabel("people")
    ax.set_title(f"How much do people's own {claim} ratios differ ({len(ratios)} people)?")
    return ax


def plot_tested_counts(table: pd.DataFrame, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Bars: how many people each claim could be tested in, and how many not.

    Parameters
    ----------
    table
        From :func:`~backcare_analysis.cohort.pool_advice`.
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``Axes.barh``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax, figsize=(7, 0.45 * len(table) + 1.5))
    y = np.arange(len(table))[::-1]
    ax.barh(y, table["n_people"], color="black", label="tested", **kwargs)
    ax.barh(
        y, table["n_not_fitted"], left=table["n_people"], color="white", edgecolor="black",
        hatch="..", label="not tested", **kwargs,
    )  # fmt: skip
    ax.set_yticks(y, list(table["claim"]))
    ax.set_xlabel("people")
    ax.set_title("In how many people's logs could each claim be tested?")
    ax.legend(loc="best", fontsize="small")
    return ax
