"""Benchmark: a Flaredown-scale cohort file to the pooled table (issue 15).

Writes (once) a simulated research-style file under benchmarks/out/ (about 8 million rows,
17,000 people, 600 of whom log back pain), then times, with peak memory and the load
average (the machine is shared):

1. the baseline: ``pandas.read_csv`` of the same file (in a child process, its own peak);
2. ``read_cohort`` (one streaming pass, progress bar), ``cohort_advice(engine="local")``
   and ``pool_advice``: from the file to the pooled table, each stage timed;
3. memory against the people in the file: ``read_cohort``'s peak, each in a fresh process,
   on this file and on one with the same back-pain people and a quarter of the others;
4. ``cohort_advice(engine="dask")`` on a two-worker LocalCluster, checked equal to (2).

Peak memory is sampled (every 0.5 s) over this process and all its children together: the
sum of their resident sizes (an upper bound: forked workers share pages) and of their
proportional set sizes (shared pages split between the processes that share them).

    PYTHONPATH=. python benchmarks/cohort.py [--rows-millions 8] [--no-dask]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from backcare_analysis.cohort import cohort_advice, pool_advice, read_cohort
from backcare_analysis.synthetic.cohort import CohortSetting, write_flaredown_cohort

OUT = Path(__file__).resolve().parent / "out"


class TreeMemory:
    """Peak memory of this process and its children together, sampled in a thread."""

    def __init__(self, every_s: float = 0.5) -> None:
        import psutil

        self.me = psutil.Process()
        self.every_s = every_s
        self.peak_rss = self.peak_pss = 0.0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        import psutil

        rss = pss = 0.0
        for proc in [self.me, *self.me.children(recursive=True)]:
            try:
                info = proc.memory_full_info()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
        self.peak_rss = max(self.peak_rss, rss / 2**20)
        self.peak_pss = max(self.peak_pss, pss / 2**20)

    def _run(self) -> None:
        while not self.stop.is_set():
            self._sample()
            self.stop.wait(self.every_s)

    def __enter__(self) -> TreeMemory:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self._sample()


def _children_cpu_s() -> float:
    """CPU seconds of the finished child processes (the local engine's workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def _in_fresh_process(code: str) -> list[str]:
    """Run Python code in a fresh process (the project importable) and split what it
    printed: a stage's own peak memory, apart from this process's."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return done.stdout.split()


def _read_peak_mb(path: Path) -> tuple[float, int, int]:
    """Peak memory of ``read_cohort`` alone, in a fresh process (its maximum RSS); the
    people selected and in the file."""
    peak, selected, in_file = _in_fresh_process(
        "import resource; from backcare_analysis.cohort import read_cohort; "
        f"c = read_cohort({str(path)!r}, progress=False); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, len(c), c.n_in_source)"
    )
    return float(peak), int(selected), int(in_file)


def _memory_scaling(args: argparse.Namespace, setting: CohortSetting, path: Path) -> None:
    """Memory must not grow with the people in the file beyond the selected people's rows:
    the same back-pain people (same seed) with a quarter of the other people."""
    fewer = replace(setting, n_other=setting.n_other // 4)
    small = OUT / f"flaredown-{args.rows_millions:g}M-quarter-others.csv"
    if not small.exists():
        write_flaredown_cohort(small, fewer, seed=2026)
    small_mb, small_sel, small_n = _read_peak_mb(small)
    big_mb, big_sel, big_n = _read_peak_mb(path)
    print(
        f"memory against people in the file: read_cohort's peak RSS {small_mb:.0f} MB with "
        f"{small_n:,} people ({small.stat().st_size / 1e6:.0f} MB file), {big_mb:.0f} MB with "
        f"{big_n:,} people ({path.stat().st_size / 1e6:.0f} MB file); {small_sel} and {big_sel} "
        f"selected; ratio {big_mb / small_mb:.2f} for {big_n / small_n:.1f} x the people; "
        f"{_load()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows-millions", type=float, default=8.0)
    parser.add_argument("--people", type=int, default=17_000)
    parser.add_argument("--back", type=int, default=600)
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()
    back_rows = args.back * 570  # about 325 check-in days, 1.75 rows a day
    other = args.people - args.back
    other_rows = max(1, int((args.rows_millions * 1e6 - back_rows) / other))
    setting = CohortSetting(n_back=args.back, n_other=other, days=(250, 400), other_rows=other_rows)
    path = OUT / f"flaredown-{args.rows_millions:g}M.csv"
    if not path.exists():
        start = time.perf_counter()
        write_flaredown_cohort(path, setting, seed=2026)
        print(f"wrote {path} in {time.perf_counter() - start:.0f} s")
    size_mb = path.stat().st_size / 1e6
    print(f"file: {path.name}, {size_mb:.0f} MB; {_load()}")

    n_rows, n_people, baseline_s, baseline_mb = _in_fresh_process(
        "import time, resource, pandas as pd; t = time.perf_counter(); "
        f"f = pd.read_csv({str(path)!r}); "
        "print(len(f), f['user_id'].nunique(), time.perf_counter() - t, "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    baseline = float(baseline_s)
    print(
        f"baseline pandas.read_csv: {baseline:.1f} s, peak {float(baseline_mb):.0f} MB "
        f"({int(n_rows):,} rows, {int(n_people):,} people); {_load()}"
    )

    with TreeMemory() as memory:
        start = time.perf_counter()
        cpu = time.process_time()
        cohort = read_cohort(path, progress=True)
        read_s = time.perf_counter() - start
        read_cpu = time.process_time() - cpu
        print(
            f"read_cohort: {read_s:.1f} s ({read_cpu:.1f} s of CPU), {len(cohort)} people "
            f"selected of {cohort.n_in_source:,}; {_load()}",
            flush=True,
        )
        workers_cpu = _children_cpu_s()
        per_person = cohort_advice(cohort, engine="local", progress=True)
        local_s = time.perf_counter() - start - read_s
        workers_cpu = _children_cpu_s() - workers_cpu
        print(
            f"cohort_advice(engine='local'): {local_s:.1f} s on {os.cpu_count()} cores "
            f"({local_s / max(1, len(cohort)) * 1000:.0f} ms a person; the workers' CPU "
            f"{workers_cpu / max(1, len(cohort)) * 1000:.0f} ms a person); {_load()}",
            flush=True,
        )
        pooled = pool_advice(per_person)
        total = time.perf_counter() - start
    pool_s = total - read_s - local_s
    print(
        f"pool_advice: {pool_s:.1f} s\n"
        f"FILE TO POOLED TABLE: {total:.1f} s ({total / baseline:.1f} x pandas.read_csv "
        f"{baseline:.1f} s); peak memory of this process and its workers together: "
        f"{memory.peak_pss:.0f} MB PSS ({memory.peak_rss:.0f} MB summed RSS); {_load()}",
        flush=True,
    )
    print(pooled[["claim", "n_people", "pooled_ratio", "ci_low", "ci_high", "tau"]].to_string())
    _memory_scaling(args, setting, path)
    if args.no_dask:
        return
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        start = time.perf_counter()
        on_dask = cohort_advice(cohort, engine="dask", client=client, progress=True)
        dask_s = time.perf_counter() - start
    same = on_dask.equals(per_person)
    print(
        f"dask engine (2-worker LocalCluster): scorecards {dask_s:.1f} s (local {local_s:.1f} s); "
        f"same per-person table as local: {same}; {_load()}"
    )
    pd.testing.assert_frame_equal(on_dask, per_person)


if __name__ == "__main__":
    main()
