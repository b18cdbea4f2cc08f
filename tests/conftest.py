"""Shared fixtures: headless plotting, the ../shared folder, tiny hand-built logs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLE = ROOT / "data" / "sample"


def pytest_addoption(parser: pytest.Parser) -> None:
    # tests/test_mutation_readers.py: how many mutation cases to run per reader format.
    parser.addoption("--fuzz-cases", type=int, default=None, help="mutation cases per format")


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture
def shared_dir() -> Path:
    """``../shared`` beside the project; the test is skipped when it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the project")
    return SHARED


@pytest.fixture
def real_exports(shared_dir: Path) -> Path:
    """``../shared/real-exports``; skipped when absent."""
    path = shared_dir / "real-exports"
    if not path.is_dir():
        pytest.skip("../shared/real-exports is absent")
    return path


@pytest.fixture
def sample_dir() -> Path:
    """The bundled synthetic sample, ``data/sample``."""
    return SAMPLE
