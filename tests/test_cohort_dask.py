"""The Dask engine: a two-worker local cluster gives the same per-person table as the local
engine, and a worker that dies mid-run is reported, never silently missing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")
import dask  # noqa: E402

from backcare_analysis.cohort import cohort_advice, read_cohort  # noqa: E402
from backcare_analysis.cohort.run import Payload, person_rows  # noqa: E402
from backcare_analysis.synthetic.cohort import CohortSetting, write_flaredown_cohort  # noqa: E402

SETTING = CohortSetting(n_back=4, n_other=2, days=(150, 180), other_rows=20)


@pytest.fixture(scope="module")
def client() -> Iterator[distributed.Client]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    )
    with distributed.Client(cluster) as dask_client:
        yield dask_client
    cluster.close()


@pytest.fixture(scope="module")
def cohort_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dask") / "fd.csv"
    write_flaredown_cohort(path, SETTING, seed=7)
    return path


def test_dask_engine_matches_the_local_engine(
    client: distributed.Client, cohort_file: Path
) -> None:
    cohort = read_cohort(cohort_file, progress=False)
    local = cohort_advice(cohort, engine="local", max_workers=2)
    on_dask = cohort_advice(cohort, engine="dask", client=client)
    pd.testing.assert_frame_equal(on_dask, local)
    assert on_dask["person"].nunique() == 4


def test_a_failing_task_is_reported_and_the_rest_goes_on(
    client: distributed.Client, cohort_file: Path
) -> None:
    def flaky(person: str, payload: Payload) -> pd.DataFrame:
        if person == "bp00001":
            raise MemoryError("worker ran out of memory")
        return person_rows(person, payload)

    table = cohort_advice(
        read_cohort(cohort_file, progress=False), engine="dask", client=client, task=flaky
    )
    failed = table.loc[table["person"] == "bp00001"]
    assert (failed["status"] == "failed").all()
    assert failed["reason"].str.contains("worker failed: MemoryError").all()
    assert (table.loc[table["person"] != "bp00001", "status"] == "ok").all()


def test_a_worker_that_dies_is_reported(cohort_file: Path) -> None:
    def dies(person: str, payload: Payload) -> pd.DataFrame:
        if person == "bp00002":
            os._exit(1)  # the worker process dies mid-run
        return person_rows(person, payload)

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        )
        with cluster, distributed.Client(cluster) as dask_client:
            cohort = read_cohort(cohort_file, progress=False)
            table = cohort_advice(cohort, engine="dask", client=dask_client, task=dies)
    assert table["person"].nunique() == 4  # nobody silently missing
    dead = table.loc[table["person"] == "bp00002"]
    assert (dead["status"] == "failed").all()
    assert dead["reason"].str.contains("KilledWorker").all()
    assert (table.loc[table["person"] != "bp00002", "status"] == "ok").all()
