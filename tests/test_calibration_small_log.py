"""The small-log path: an exact unadjusted rate ratio for a yes/no tag logged on too few
days for the model, calibrated by simulation (docs/statistics.md, small logs)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from backcare_analysis.panel import daily_panel
from backcare_analysis.stats.descriptive import exact_rate_ratio, small_log_comparison
from backcare_analysis.synthetic.calibration_world import World, simulate_world_log


def test_exact_ratio_by_hand() -> None:
    # 3 of 5 onsets after 10 exposed days, 2 after 30 unexposed: RR = (3/10)/(2/30) = 4.5.
    x = np.r_[np.ones(10), np.zeros(30)]
    y = np.zeros(40)
    y[[0, 1, 2, 10, 11]] = 1
    out = exact_rate_ratio(y, x)
    assert out["rate_ratio"] == pytest.approx(4.5)
    ci = stats.binomtest(3, 5).proportion_ci(method="exact")
    to_ratio = lambda pi: pi / (1 - pi) * 30 / 10  # noqa: E731
    assert out["ci_low"] == pytest.approx(to_ratio(ci.low))
    assert out["ci_high"] == pytest.approx(to_ratio(ci.high))
    tails = min(stats.binom.cdf(3, 5, 0.25), stats.binom.sf(2, 5, 0.25))
    assert out["p_val"] == pytest.approx(2 * tails)
    none = exact_rate_ratio(np.r_[np.zeros(10), y[10:]], x)
    assert none["rate_ratio"] == 0
    assert none["ci_low"] == 0
    assert np.isfinite(none["ci_high"])


@pytest.mark.parametrize("true_rr", [1.0, 2.5])
def test_exact_intervals_keep_their_coverage(true_rr: float) -> None:
    # Small logs: 15-50 days at risk, a sticky yes/no tag, about one onset in ten days.
    rng = np.random.default_rng(11)
    covered, rejected, n_fit = 0, 0, 0
    for _ in range(3000):
        n = int(rng.integers(15, 51))
        x = np.empty(n)
        x[0] = rng.random() < 0.4
        for i in range(1, n):
            x[i] = x[i - 1] if rng.random() < 0.7 else rng.random() < 0.4
        y = (rng.random(n) < 0.1 * np.where(x == 1, true_rr, 1.0)).astype(float)
        out = exact_rate_ratio(y, x)
        if not np.isfinite(out["p_val"]) or y.sum() < 2 or min(x.sum(), n - x.sum()) < 5:
            continue
        n_fit += 1
        covered += out["ci_low"] <= true_rr <= out["ci_high"]
        rejected += out["p_val"] < 0.05
    assert n_fit > 2000
    # Exact intervals are conservative (the Bernoulli days make them a touch more so).
    assert covered / n_fit >= 0.95
    if true_rr == 1.0:
        assert rejected / n_fit <= 0.05


def test_small_tag_logs_get_an_inconclusive_exact_comparison() -> None:
    # Ten weeks of a tag diary with no true effect: too few days for the model.
    rows = []
    for seed in range(12):
        panel = daily_panel(simulate_world_log(World(days=70, tags=True), seed))
        for trigger in ("sitting_day", "exercise_day", "stretching_day"):
            row = small_log_comparison(panel, trigger)
            if row is not None:
                rows.append(row)
    assert len(rows) >= 15
    for row in rows:
        assert row["window_days"] == 1
        assert row["n_days"] < 56
    covers = [r["ci_low"] <= 1 <= r["ci_high"] for r in rows]
    assert np.mean(covers) >= 0.9
