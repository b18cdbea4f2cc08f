"""validation/world_fits.py reproduces the scorecard's own people and writes per-person rows."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

VALIDATION = Path(__file__).parents[1] / "validation"


@pytest.fixture
def scripts() -> Iterator[tuple[ModuleType, ModuleType]]:
    sys.path.insert(0, str(VALIDATION))
    try:
        import calibration_world
        import world_fits

        yield calibration_world, world_fits
    finally:
        sys.path.remove(str(VALIDATION))


def test_scorecard_people_are_the_scorecards_own(
    scripts: tuple[ModuleType, ModuleType], tmp_path: Path
) -> None:
    calibration_world, world_fits = scripts
    args = ["--people", "2", "--days", "365", "--scorecard-people", "--processes", "1"]
    assert world_fits.main([*args, "--out", str(tmp_path)]) == 0
    rows = pd.read_csv(tmp_path / "world_fits_365.csv.gz")
    # Setting 0 of calibration_world.py is amounts, no effect, one year.
    assert calibration_world.null_setting(365, False) == 0
    seeds = [calibration_world.seed_of(20261201, 0, i) for i in range(2)]
    assert sorted(set(rows["seed"])) == sorted(seeds)
    # The same person and fit as the scorecard's exercise row.
    card = calibration_world.run_one((0, 0, seeds[0], calibration_world.settings()[0], True))
    exercise = next(r for r in card if r["claim"] == "exercise")
    fitted = rows.loc[(rows["seed"] == seeds[0]) & (rows["trigger"] == "exercise_min")]
    assert float(fitted["log_ratio"].iloc[0]) == pytest.approx(
        math.log(float(exercise["estimate"])), abs=1e-12
    )
