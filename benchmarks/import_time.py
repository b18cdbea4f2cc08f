"""How long `import backcare_analysis` takes, against the 0.5 s target and `import pandas`.

Run: python benchmarks/import_time.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys

TARGET_S = 0.5


def best_of(code: str, runs: int = 5) -> float:
    """Median wall time of a fresh interpreter running ``code``, minus an empty start-up."""
    timer = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
    samples = [
        float(
            subprocess.run(
                [sys.executable, "-c", timer], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(runs)
    ]
    return statistics.median(samples)


def main() -> None:
    ours = best_of("import backcare_analysis")
    pandas = best_of("import pandas")
    print(f"import backcare_analysis: {ours * 1000:7.1f} ms  (target < {TARGET_S * 1000:.0f} ms)")
    print(f"import pandas (baseline): {pandas * 1000:7.1f} ms  (ratio {ours / pandas:.3f})")
    print("PASS" if ours < TARGET_S else "FAIL")


if __name__ == "__main__":
    main()
