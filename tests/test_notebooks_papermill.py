"""Every notebook runs under papermill on another export: the Bearable + Apple Health sample.

nbval runs the notebooks on their default parameters (the spreadsheet sample, with the
sample's asserts on); this runs them as a user would on their own files.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
APP_EXPORTS = [
    str(ROOT / "data" / "sample" / "bearable" / "bearable-export.csv"),
    str(ROOT / "data" / "sample" / "apple-health" / "export.zip"),
]


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_on_app_exports(notebook: Path, tmp_path: Path) -> None:
    out = tmp_path / notebook.name
    papermill.execute_notebook(
        str(notebook),
        str(out),
        parameters={"LOG_PATHS": APP_EXPORTS, "EXPECT_SAMPLE": False},
        cwd=str(notebook.parent),
        progress_bar=False,
        kernel_name="python3",
    )
    executed = nbformat.read(str(out), as_version=4)
    errors = [
        output
        for cell in executed.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert errors == []
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    assert "bearable-export.csv" in injected[0].source


REAL = ROOT.parent / "shared" / "real-exports"
#: Real exports that exercise each way a log can fall short: a tag diary with few episodes,
#: a mood diary, a watch export without a diary, a phone export without a diary, and the
#: pairing of a diary with a watch.
REAL_LOGS = {
    "bearable": ["bearable/Bearable_Export_20210728.csv"],
    "daylio": ["daylio/kije-2023-en-8col.csv"],
    "apple": ["apple-health/hkimport-2017-v3-en_US-export.xml"],
    "googlefit": ["google-fit/kaustubhgupta-2018-daily-activity-metrics.csv"],
    "bearable+apple": [
        "bearable/Bearable_Export_20210728.csv",
        "apple-health/hkimport-2017-v3-en_US-export.xml",
    ],
}


@pytest.mark.slow
@pytest.mark.shared
@pytest.mark.parametrize("logs", list(REAL_LOGS), ids=str)
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_on_real_exports(notebook: Path, logs: str, tmp_path: Path) -> None:
    if not REAL.exists():
        pytest.skip("../shared/real-exports is not beside the project")
    out = tmp_path / notebook.name
    papermill.execute_notebook(
        str(notebook),
        str(out),
        parameters={"LOG_PATHS": [str(REAL / p) for p in REAL_LOGS[logs]], "EXPECT_SAMPLE": False},
        cwd=str(notebook.parent),
        progress_bar=False,
        kernel_name="python3",
    )
    executed = nbformat.read(str(out), as_version=4)
    errors = [
        output.get("ename", "") + ": " + output.get("evalue", "")
        for cell in executed.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert errors == []
