"""Speed of the full trigger analysis on three years of one person's daily data.

A full analysis is what a report runs: ``onset_rate_ratios`` (with its power columns),
``case_crossover``, ``trigger_correlations`` and ``what_it_would_take`` on the daily panel
of a simulated person logged for 1095 days. The panel is built once, outside the timing
(reading and building the panel are benchmarked elsewhere); imports are done before timing
and a first warm-up run is discarded. The figure reported is the median of ``--repeat``
runs, with the fastest and slowest beside it. Target: under 1.5 s.

Multi-threaded BLAS can be slow for the small matrices involved when the machine is busy;
``--threads 1`` sets ``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS`` before numpy loads, for
comparison.

Usage::

    python benchmarks/analysis_speed.py [--days 1095] [--repeat 7] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

TARGET_S = 1.5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=1095, help="length of the log")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs")
    parser.add_argument("--seed", type=int, default=2025, help="seed of the simulated person")
    parser.add_argument("--threads", type=int, default=None, help="BLAS threads (default: as set)")
    args = parser.parse_args(argv)
    if args.threads is not None:
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[name] = str(args.threads)

    import warnings

    from backcare_analysis.panel import daily_panel
    from backcare_analysis.stats.casecrossover import case_crossover
    from backcare_analysis.stats.descriptive import trigger_correlations
    from backcare_analysis.stats.onset import onset_rate_ratios
    from backcare_analysis.stats.power import what_it_would_take
    from backcare_analysis.synthetic.calibration import STRONG_EFFECTS, Setting, simulate_log

    warnings.simplefilter("error")  # the analysis must not warn
    panel = daily_panel(
        simulate_log(Setting("benchmark", STRONG_EFFECTS, days=args.days), args.seed)
    )

    def full_analysis() -> None:
        table = onset_rate_ratios(panel)
        case_crossover(panel)
        trigger_correlations(panel)
        what_it_would_take(panel, table)

    full_analysis()  # warm-up: first calls pay for lazy imports inside the functions
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        full_analysis()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    onsets = int(panel["onset"].sum())
    print(
        f"full analysis of {args.days} days ({onsets} onsets, {int(panel['at_risk'].sum())} "
        f"days at risk): median {median:.3f} s (fastest {min(times):.3f} s, slowest "
        f"{max(times):.3f} s, {args.repeat} runs; BLAS threads: "
        f"{os.environ.get('OPENBLAS_NUM_THREADS', 'default')}); target < {TARGET_S} s: "
        f"{'met' if median < TARGET_S else 'NOT met'}"
    )
    return 0 if median < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
