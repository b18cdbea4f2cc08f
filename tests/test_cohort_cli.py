"""``backcare cohort``: the pooled table on the command line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd

from backcare_analysis.cli import EXIT_INPUT, EXIT_OK, EXIT_USAGE, main

ROOT = Path(__file__).resolve().parents[1]
PEOPLE = ROOT / "data" / "sample" / "cohort" / "people"


def test_cohort_command_writes_the_pooled_table(tmp_path: Path) -> None:
    out = io.StringIO()
    csv, js = tmp_path / "pooled.csv", tmp_path / "cohort.json"
    code = main(["cohort", str(PEOPLE), "--quiet", "--csv", str(csv), "--json", str(js)], out=out)
    assert code == EXIT_OK
    text = out.getvalue()
    assert text.startswith(f"4 people read from {PEOPLE} (4 in the source; 0 unreadable")
    assert "lifting: pooled rate ratio " in text
    assert "Sitting less: tested in no one (not enough data 4)" in text
    pooled = pd.read_csv(csv)
    assert pooled.set_index("claim").loc["lifting", "n_people"] >= 3
    tables = json.loads(js.read_text())
    assert sorted(tables) == ["people", "per_person", "pooled"]
    assert {row["person"] for row in tables["people"]} == {f"bp0000{i}" for i in range(4)}


def test_cohort_command_errors(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["cohort", str(PEOPLE), "--engine", "dask"], out=io.StringIO()) == EXIT_USAGE
    assert "--scheduler" in capsys.readouterr().err
    missing = tmp_path / "nowhere"
    assert main(["cohort", str(missing), "--quiet"], out=io.StringIO()) == EXIT_INPUT
    assert "no such file or folder" in capsys.readouterr().err
