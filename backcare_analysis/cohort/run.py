"""Every person's scorecard, on this machine's cores or on a Dask distributed cluster.

The work is :func:`~backcare_analysis.advice.check_advice` on each person's log, reduced to
the columns the pooling needs, in batches of people (a few per worker, submitted as others
finish, so that the logs are not all shipped at once). ``engine="local"`` runs the tasks in
a :class:`concurrent.futures.ProcessPoolExecutor`; ``engine="dask"`` submits them to a
``distributed.Client``, whose scheduler retries a task when its worker dies and, when it
keeps dying, fails it; such people (and any whose task failed beside theirs) are then tried
once more one at a time, and a person who fails again gets rows that say ``failed`` and why,
so a table never silently lacks anyone.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
import pandas as pd
from scipy import stats

from ..advice import check_advice
from ..claims import CLAIMS
from ..schema import Log
from .read import Cohort

if TYPE_CHECKING:
    from distributed import Client

#: Columns of :func:`cohort_advice`.
PER_PERSON_COLUMNS = (
    "person",
    "claim",
    "measure",
    "estimate",
    "se_log",
    "ci_low",
    "ci_high",
    "verdict",
    "n_days",
    "n_events",
    "exposure_unit",
    "status",
    "reason",
)
#: Most people in one Dask task.
BATCH_PEOPLE: Final = 25
#: What a task is given: a log, or the files and options to read it with on the worker.
Payload = Log | tuple[list[str], dict[str, Any]]


def _payloads(cohort: Cohort) -> Iterator[tuple[str, Payload]]:
    for person in cohort.people.loc[cohort.people["status"] == "ok", "person"]:
        if cohort.kind == "flaredown":
            yield person, cohort.logs[person]
        else:
            files = [str(p) for p in cohort.paths[person]]
            yield person, (files, dict(cohort.read_options))


def se_from_interval(ci_low: pd.Series, ci_high: pd.Series, *, alpha: float = 0.05) -> pd.Series:
    """The standard error on the log scale of a ratio whose ``1 - alpha`` Wald interval is
    ``[ci_low, ci_high]``: ``(log(ci_high) - log(ci_low)) / (2 z)``."""
    z = float(stats.norm.ppf(1 - alpha / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        se = (np.log(ci_high.to_numpy(float)) - np.log(ci_low.to_numpy(float))) / (2 * z)
    return pd.Series(np.where(np.isfinite(se) & (se > 0), se, np.nan), index=ci_low.index)


def person_rows(person: str, payload: Payload) -> pd.DataFrame:
    """One person's scorecard in the long per-person form (a task of :func:`cohort_advice`).

    Never raises: a log that cannot be read or analysed gives one ``failed`` row per claim
    with the reason.
    """
    try:
        if isinstance(payload, Log):
            log = payload
        else:
            from ..readers import read_log

            log = read_log(payload[0], **payload[1])
        card = check_advice(log)
    except Exception as exc:  # the person is kept with the reason
        return failed_rows(person, f"{type(exc).__name__}: {exc}")
    se = card["se_log"] if "se_log" in card else se_from_interval(card["ci_low"], card["ci_high"])
    out = pd.DataFrame(
        {
            "person": person,
            "claim": card["claim"].astype(str),
            "measure": card["measure"].astype(str),
            "estimate": card["estimate"].astype(float),
            "se_log": se.astype(float),
            "ci_low": card["ci_low"].astype(float),
            "ci_high": card["ci_high"].astype(float),
            "verdict": card["verdict"].astype(str),
            "n_days": card["n_days"].astype("int64"),
            "n_events": card["n_events"].astype("int64"),
            "exposure_unit": card["exposure_unit"].astype(str),
            "status": "ok",
            "reason": np.where(
                card["verdict"] == "not enough data", card["sentence"].astype(str), ""
            ),
        }
    )
    return out


def failed_rows(person: str, reason: str) -> pd.DataFrame:
    """One ``failed`` row per claim for a person whose scorecard could not be made."""
    n = len(CLAIMS)
    return pd.DataFrame(
        {
            "person": person,
            "claim": [c.id for c in CLAIMS],
            "measure": "",
            "estimate": math.nan,
            "se_log": math.nan,
            "ci_low": math.nan,
            "ci_high": math.nan,
            "verdict": "failed",
            "n_days": np.zeros(n, dtype="int64"),
            "n_events": np.zeros(n, dtype="int64"),
            "exposure_unit": "",
            "status": "failed",
            "reason": reason,
        }
    )


def _tidy(parts: list[pd.DataFrame], order: list[str]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PER_PERSON_COLUMNS})
    table = pd.concat(parts, ignore_index=True)[list(PER_PERSON_COLUMNS)]
    rank = {p: i for i, p in enumerate(order)}
    claims = {c.id: i for i, c in enumerate(CLAIMS)}
    key = table["person"].map(rank) * 1000 + table["claim"].map(claims).fillna(999)
    return table.iloc[np.argsort(key.to_numpy(), kind="stable")].reset_index(drop=True)


def cohort_advice(
    cohort: Cohort,
    *,
    engine: Literal["local", "dask"] = "local",
    client: Client | str | None = None,
    max_workers: int | None = None,
    progress: bool = False,
    task: Callable[[str, Payload], pd.DataFrame] = person_rows,
) -> pd.DataFrame:
    """Run every person's advice scorecard and return one long table.

    Parameters
    ----------
    cohort
        From :func:`~backcare_analysis.cohort.read_cohort`.
    engine
        ``"local"``: this machine's cores (a process pool); ``"dask"``: a Dask
        distributed cluster.
    client
        For ``engine="dask"``: a ``distributed.Client``, or a scheduler address such as
        ``"tcp://127.0.0.1:8786"``.
    max_workers
        Processes of the local engine (default: the machine's cores).
    progress
        Show a progress bar over the people.
    task
        The per-person function (tests replace it to make a worker die).

    Returns
    -------
    pandas.DataFrame
        One row per person and claim, people in :attr:`Cohort.people` order, claims in
        scorecard order: ``person``, ``claim``, ``measure``, ``estimate``, ``se_log`` (the
        estimate's standard error on the log scale, from the interval when the scorecard
        has no such column), ``ci_low``, ``ci_high``, ``verdict``, ``n_days``,
        ``n_events`` (onsets, or episodes compared), ``exposure_unit`` (``"yes vs no"``,
        ``"per 1 h"``...; it tells the pooling which small-sample factor ``se_log`` carries),
        ``status`` (``ok``, ``failed``: the
        task failed; ``unreadable``: the log could not be read) and ``reason`` (why a
        claim could not be tested, or why the person failed).

    Raises
    ------
    ValueError
        For an unknown engine, or ``engine="dask"`` without a client.
    """
    work = list(_payloads(cohort))
    people = [p for p, _ in work]
    unreadable = cohort.people.loc[cohort.people["status"] != "ok"]
    parts = [
        failed_rows(str(person), f"unreadable: {reason}").assign(status="unreadable")
        for person, reason in zip(unreadable["person"], unreadable["reason"], strict=True)
    ]
    if engine == "local":
        parts += _run_local(work, max_workers=max_workers, progress=progress, task=task)
    elif engine == "dask":
        if client is None:
            raise ValueError("engine='dask' needs client=: a distributed.Client or an address")
        parts += _run_dask(work, client, progress=progress, task=task)
    else:
        raise ValueError(f"engine must be 'local' or 'dask', got {engine!r}")
    return _tidy(parts, list(cohort.people["person"]) or people)


def _bar(total: int, progress: bool) -> Any:
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="people", unit=" people", leave=False)


def _run_local(
    work: list[tuple[str, Payload]],
    *,
    max_workers: int | None,
    progress: bool,
    task: Callable[[str, Payload], pd.DataFrame],
) -> list[pd.DataFrame]:
    if not work:
        return []
    workers = max(1, min(max_workers or os.cpu_count() or 1, len(work)))
    bar = _bar(len(work), progress)
    out: list[pd.DataFrame] = []
    chunk = max(1, len(work) // (workers * 8))
    people, payloads = zip(*work, strict=True)
    # The models' libraries, imported once here rather than in every forked worker.
    import statsmodels.api
    import statsmodels.duration.survfunc  # noqa: F401

    with ProcessPoolExecutor(max_workers=workers) as pool:
        for rows in pool.map(task, people, payloads, chunksize=chunk):
            out.append(rows)
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    return out


def run_batch(
    task: Callable[[str, Payload], pd.DataFrame], batch: list[tuple[str, Payload]]
) -> list[pd.DataFrame]:
    """One Dask task: ``task`` on each person of a batch, in order."""
    return [task(person, payload) for person, payload in batch]


def _batches(work: list[tuple[str, Payload]], workers: int) -> list[list[tuple[str, Payload]]]:
    """People in batches: about four per worker, at most :data:`BATCH_PEOPLE` people each,
    so that a task's overhead is small beside its work and the load stays balanced."""
    size = max(1, min(BATCH_PEOPLE, math.ceil(len(work) / (4 * max(1, workers)))))
    return [work[i : i + size] for i in range(0, len(work), size)]


def _run_dask(
    work: list[tuple[str, Payload]],
    client: Client | str,
    *,
    progress: bool,
    task: Callable[[str, Payload], pd.DataFrame],
) -> list[pd.DataFrame]:
    from distributed import Client, as_completed

    own = not isinstance(client, Client)
    dask_client = Client(client) if isinstance(client, str) else client  # type: ignore[no-untyped-call]
    try:
        if not work:
            return []
        workers = len(dask_client.scheduler_info().get("workers", {}))
        batches = iter(_batches(work, workers))
        # A few batches in flight per worker: the logs are shipped as the work goes,
        # never all at once.
        in_flight = 2 * max(1, workers)
        of: dict[Any, list[str]] = {}

        def submit() -> Any:
            batch = next(batches, None)
            if batch is None:
                return None
            future = dask_client.submit(run_batch, task, batch, pure=False)
            of[future.key] = [p for p, _ in batch]
            return future

        first = [f for f in (submit() for _ in range(in_flight)) if f is not None]
        running = as_completed(first)  # type: ignore[no-untyped-call]
        bar = _bar(len(work), progress)
        out: list[pd.DataFrame] = []
        payload = dict(work)
        retry = []
        for future in running:
            try:
                out.extend(future.result())
            except Exception:  # a dead worker: those people (and any beside them) again
                retry.extend(of[future.key])
            if bar is not None:
                bar.update(len(of[future.key]))
            following = submit()
            if following is not None:
                running.add(following)  # type: ignore[no-untyped-call]
        if bar is not None:
            bar.close()
        for person in retry:  # one at a time, so that one person's crash spares the others
            single = dask_client.submit(task, person, payload[person], pure=False)
            try:
                out.append(single.result())
            except Exception as exc:  # failed twice: reported, never silently missing
                out.append(failed_rows(person, f"worker failed: {type(exc).__name__}: {exc}"))
        return out
    finally:
        if own:
            dask_client.close()  # type: ignore[no-untyped-call]
