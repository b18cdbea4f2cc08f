"""One result everywhere: the console, the report, --csv, --json, the notebooks and the
Python API show the same estimate, interval and verdict for the same claim on the same log.
"""

from __future__ import annotations

import html
import io
import json
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest

import backcare_analysis as bca
from backcare_analysis.cli import main
from backcare_analysis.outputs import words
from backcare_analysis.outputs.report import render_report

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real-exports"

LOGS = {
    "sample": [ROOT / "data" / "sample" / "spreadsheet"],
    "bearable+apple sample": [
        ROOT / "data" / "sample" / "bearable" / "bearable-export.csv",
        ROOT / "data" / "sample" / "apple-health" / "export.zip",
    ],
    "real bearable": [REAL / "bearable" / "Bearable_Export_20210728.csv"],
}


def _executed_text(notebook: str, paths: list[Path], tmp_path: Path) -> str:
    out = tmp_path / notebook
    papermill.execute_notebook(
        str(ROOT / "notebooks" / notebook),
        str(out),
        parameters={"LOG_PATHS": [str(p) for p in paths], "EXPECT_SAMPLE": False},
        cwd=str(ROOT / "notebooks"),
        progress_bar=False,
        kernel_name="python3",
    )
    executed = nbformat.read(str(out), as_version=4)
    texts = []
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            texts.append(str(data.get("text/html", "")) + str(data.get("text/plain", "")))
    return html.unescape("\n".join(texts))


@pytest.mark.slow
@pytest.mark.parametrize("name", list(LOGS), ids=str)
def test_every_output_shows_the_same_result(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = LOGS[name]
    if not all(p.exists() for p in paths):
        pytest.skip("../shared/real-exports is not beside the project")
    monkeypatch.chdir(ROOT)
    log = bca.read_log(paths)
    card = bca.check_advice(log)
    cells = {r["claim"]: words.short_finding(r) for r in card.to_dict("records")}
    sure = {r["claim"]: words.how_sure(r) for r in card.to_dict("records")}

    console = io.StringIO()
    csv, doc = tmp_path / "card.csv", tmp_path / "out.json"
    code = main(["check", *map(str, paths), "--csv", str(csv), "--json", str(doc)], out=console)
    assert code in (0, 5)
    report = html.unescape(render_report(log))
    table = pd.read_csv(csv)
    data = json.loads(doc.read_text())
    notebook_04 = _executed_text("04-check-the-advice.ipynb", paths, tmp_path)
    notebook_03 = _executed_text("03-triggers.ipynb", paths, tmp_path)

    for row in card.to_dict("records"):
        claim = row["claim"]
        title = words.claim_title(claim)
        # The same words (which carry the rounded estimate and interval) everywhere.
        assert cells[claim] in report, claim
        assert cells[claim] in notebook_04, claim
        assert f"{title}: {sure[claim]}" in console.getvalue(), claim
        if row["group"] == "prevention":
            assert cells[claim] in notebook_03, claim
        csv_row = table.set_index("claim").loc[claim]
        json_row = next(r for r in data["scorecard"] if r["claim"] == claim)
        assert csv_row["what_your_data_show"] == cells[claim]
        assert json_row["what_your_data_show"] == cells[claim]
        assert csv_row["verdict"] == row["verdict"] == json_row["verdict"]
        if pd.notna(row["estimate"]):
            assert csv_row["estimate"] == pytest.approx(row["estimate"], abs=5e-4)
            assert json_row["ci_low"] == pytest.approx(row["ci_low"], abs=5e-4)
            # The finding's sentence states the same interval.
            low, high = words.number(row["ci_low"]), words.number(row["ci_high"])
            assert f"{low} and {high}" in words.finding(row) or row["group"] != "prevention"
