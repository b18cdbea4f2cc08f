"""Plots of recovery: episode durations and time to the next episode."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ...schema import Log
from ._common import new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_time_to_next(log: Log, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Kaplan-Meier curve of the time from the end of one episode to the next onset.

    Parameters
    ----------
    log
        A parsed log.
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``Axes.step``.

    Returns
    -------
    matplotlib.axes.Axes
        Share of gaps still without a new episode against days, with a pointwise 95% band;
        the last gap is censored at the end of the log.
    """
    from ...stats.recurrence import recurrence_gaps

    gaps = recurrence_gaps(log)
    ax = new_axes(ax, figsize=(7, 4))
    _km(ax, gaps["gap_days"].to_numpy(), gaps["recurred"].to_numpy(), label="all gaps", **kwargs)
    ax.set_xlabel("days since the end of an episode")
    ax.set_ylabel("share still free of a new episode")
    ax.set_title("How long does a spasm-free spell last?")
    ax.set_ylim(0, 1.02)
    return ax


def plot_episode_durations(
    log: Log, *, by: str = "heat", ax: Axes | None = None, **kwargs: Any
) -> Axes:
    """Kaplan-Meier curves of episode duration, with and without one treatment.

    Parameters
    ----------
    log
        A parsed log.
    by
        A treatment from :data:`~backcare_analysis.schema.TREATMENTS`.
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``Axes.step``.

    Returns
    -------
    matplotlib.axes.Axes
        Share of episodes still going against hours, one curve per group with a 95% band.
        Descriptive only: worse episodes tend to get more treatment.
    """
    from ...stats.treatments import episode_treatments

    table = episode_treatments(log)
    table = table.loc[table["treatments_recorded"] & table["duration_h"].notna()]
    ax = new_axes(ax, figsize=(7, 4))
    for flag, style in ((True, "-"), (False, "--")):
        group = table.loc[table[by] == flag, "duration_h"].to_numpy(dtype=float)
        if len(group) >= 2:
            label = f"{by}: {'yes' if flag else 'no'} (n={len(group)})"
            _km(ax, group, np.ones(len(group), dtype=bool), label=label, ls=style, **kwargs)
    ax.set_xlabel("hours since onset")
    ax.set_ylabel("share of episodes still going")
    ax.set_title(f"Did episodes treated with {by} end sooner? (descriptive)")
    ax.set_ylim(0, 1.02)
    return ax


def _km(ax: Axes, times: np.ndarray, events: np.ndarray, *, label: str, **kwargs: Any) -> None:
    from statsmodels.duration.survfunc import SurvfuncRight

    from ..._quiet import quiet_warnings

    with quiet_warnings():
        sf = SurvfuncRight(times, events.astype(float))
    t = np.concatenate([[0.0], sf.surv_times])
    s = np.concatenate([[1.0], sf.surv_prob])
    se = np.concatenate([[0.0], sf.surv_prob_se])
    (line,) = ax.step(t, s, where="post", label=label, color=kwargs.pop("color", "black"), **kwargs)
    ax.fill_between(
        t,
        np.clip(s - 1.96 * se, 0, 1),
        np.clip(s + 1.96 * se, 0, 1),
        step="post",
        color=line.get_color(),
        alpha=0.15,
        lw=0,
    )
    ax.legend(fontsize="small")
