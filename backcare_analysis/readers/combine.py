"""Combine logs read from several files into one, without counting anything twice."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..schema import DAILY_COLUMNS, Log, conform, empty_log
from ._common import provenance_row

#: Which source wins when several measure the same daily value: devices before diaries,
#: because a watch measures sitting and steps while a diary recalls them. Within one
#: source, the file read last wins (a newer export holds the corrections of older ones).
SOURCE_PRIORITY: tuple[str, ...] = (
    "apple_health",
    "fitbit",
    "google_fit",
    "spreadsheet",
    "bearable",
    "daylio",
    "flaredown",
)


#: Which symptom source's episode is kept when two sources record the same episode:
#: dedicated diaries before Apple Health's occasional symptom entries.
EPISODE_PRIORITY: tuple[str, ...] = (
    "spreadsheet",
    "bearable",
    "daylio",
    "flaredown",
    "apple_health",
)


def merge_episode_sources(episodes: pd.DataFrame) -> pd.DataFrame:
    """Keep one episode where several symptom sources recorded the same one.

    Two episodes from different sources that share a calendar day are the same episode;
    the one from the source earliest in :data:`EPISODE_PRIORITY` is kept, and it is marked
    ``leg_pain`` if either recorded pain down a leg (a warning sign is never dropped).
    """
    sources = episodes["source"].to_numpy()
    if (sources == sources[0]).all() if len(sources) else True:
        return episodes
    rank = {s: i for i, s in enumerate(EPISODE_PRIORITY)}
    order = episodes.assign(
        _priority=episodes["source"].map(lambda s: rank.get(s, len(rank)))
    ).sort_values(["_priority", "start_local"], kind="stable")
    source = order["source"].to_numpy()
    first = order["start_local"].dt.normalize().to_numpy()
    last = order["end_local"].fillna(order["start_local"]).dt.normalize().to_numpy()
    leg = order["leg_pain"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    leg_pain = order["leg_pain"].astype("boolean").to_numpy()
    kept: list[int] = []
    for i in range(len(order)):
        twin = next(
            (
                k
                for k in kept
                if source[k] != source[i] and first[k] <= last[i] and first[i] <= last[k]
            ),
            None,
        )
        if twin is None:
            kept.append(i)
        elif leg[i]:
            leg_pain[twin] = True
    out = order.iloc[kept].assign(leg_pain=leg_pain[kept])
    return out.drop(columns="_priority").sort_values("start_local")


def _rank(source: str, order: int, n_logs: int) -> int:
    base = SOURCE_PRIORITY.index(source) if source in SOURCE_PRIORITY else len(SOURCE_PRIORITY)
    return base * (n_logs + 1) + (n_logs - order)


def _log_source(log: Log) -> str:
    sources = log.provenance["source"].dropna().unique().tolist()
    return str(sources[0]) if sources else ""


def combine_logs(logs: Sequence[Log], *, skipped: Sequence[str | tuple[str, str]] = ()) -> Log:
    """Combine several logs into one.

    Parameters
    ----------
    logs
        Logs in the order their files were read.
    skipped
        Files seen in a folder that were not read, listed in provenance: a path (not a
        supported export) or ``(path, reason)`` (a file its reader refused).

    Returns
    -------
    Log
        Episodes de-duplicated on (source, onset time) and across sources (see
        :func:`merge_episode_sources`); daily values with one row per date,
        each value taken from the highest-priority source that has it (see
        :data:`SOURCE_PRIORITY`; within a source, from the export reaching the latest
        date), never summed; tags de-duplicated; ``symptoms_logged`` and ``activity_logged``
        true when any source logged the day; all rejected rows and provenance kept.

    Notes
    -----
    Repeated exports from one app overlap almost entirely; de-duplicating on the onset time
    and taking each day's values from one file makes reading them together the same as
    reading the newest alone.
    """
    if not logs:
        return empty_log()
    if len(logs) == 1 and not skipped:
        return logs[0]
    n = len(logs)
    # Within a source, the export reaching the latest date wins, whatever the order the
    # files were given in; ties keep the order given.
    latest = [log.daily["date"].max() if not log.daily.empty else pd.Timestamp.min for log in logs]
    recency = {i: pos for pos, i in enumerate(sorted(range(n), key=lambda i: (latest[i], i)))}
    episode_parts: list[pd.DataFrame] = []
    daily_parts: list[pd.DataFrame] = []
    for index, log in enumerate(logs):
        rank = _rank(_log_source(log), recency[index], n)
        if not log.episodes.empty:
            episode_parts.append(log.episodes.assign(_rank=rank))
        if not log.daily.empty:
            daily_parts.append(log.daily.assign(_rank=rank))

    episodes = empty_log().episodes
    if episode_parts:
        merged = pd.concat(episode_parts, ignore_index=True).sort_values(
            ["start_local", "_rank"], kind="stable"
        )
        merged = merged.drop_duplicates(["source", "start_local"], keep="first")
        merged = merge_episode_sources(merged.drop(columns="_rank"))
        episodes = conform(merged.reset_index(drop=True), "episodes")

    daily = empty_log().daily
    if daily_parts:
        stacked = pd.concat(daily_parts, ignore_index=True).sort_values(
            ["date", "_rank"], kind="stable"
        )
        grouped = stacked.groupby("date", sort=True)
        values = [
            c for c in DAILY_COLUMNS if c not in ("date", "symptoms_logged", "activity_logged")
        ]
        combined = grouped[values].first()
        combined["symptoms_logged"] = grouped["symptoms_logged"].any()
        combined["activity_logged"] = grouped["activity_logged"].any()
        daily = conform(combined.reset_index(), "daily")

    provenance = [log.provenance for log in logs]
    provenance.extend(
        provenance_row(
            Path(s if isinstance(s, str) else s[0]),
            "",
            rows_read=0,
            rows_used=0,
            rows_rejected=0,
            note="skipped: not a supported export"
            if isinstance(s, str)
            else "skipped, not read: " + " ".join(s[1].split()),
        )
        for s in skipped
    )
    tags = conform(
        pd.concat([log.tags for log in logs], ignore_index=True)
        .drop_duplicates(["source", "date", "time_local", "category", "tag", "kind", "amount"])
        .sort_values(["date", "time_local"], kind="stable")
        .reset_index(drop=True),
        "tags",
    )
    parameters: dict[str, object] = {}
    warnings: list[str] = []
    for log in logs:
        parameters.update(log.parameters)
        found = log.parameters.get("warnings")
        if isinstance(found, list | tuple):
            warnings.extend(str(w) for w in found if str(w) not in warnings)
    if warnings:
        parameters["warnings"] = warnings
    return Log(
        episodes=episodes,
        daily=daily,
        rejected=conform(pd.concat([log.rejected for log in logs], ignore_index=True), "rejected"),
        provenance=conform(pd.concat(provenance, ignore_index=True), "provenance"),
        tags=tags,
        parameters=parameters,
        not_analysed=conform(
            pd.concat([log.not_analysed for log in logs], ignore_index=True), "not_analysed"
        ),
    )
