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
