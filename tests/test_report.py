"""The one-file HTML report: offline, code hidden, warning signs first."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from backcare_analysis.cli import EXIT_INPUT, main

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_report_on_the_sample_is_offline_with_warning_signs_first(tmp_path: Path) -> None:
    out_file = tmp_path / "report.html"
    out = io.StringIO()
    code = main(
        [
            "report",
            str(ROOT / "data" / "sample" / "spreadsheet"),
            "--out",
            str(out_file),
            "--quiet",
        ],
        out=out,
    )
    assert code == 0
    html = out_file.read_text(encoding="utf-8")
    # Opens offline: nothing is loaded from anywhere; figures are embedded.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<script" not in html
    assert "@import" not in html
    assert "url(http" not in html
    assert html.count('src="data:image/png;base64,') >= 5
    # Warning signs come before any analysis.
    assert html.index("Warning signs") < html.index("pain down a leg") < html.index("Load your log")
    assert html.index("pain down a leg") < html.index("scorecard")
    # Code is hidden.
    assert "bca.read_log" not in html


def test_report_refuses_unreadable_input_before_running_anything(tmp_path: Path) -> None:
    bad = tmp_path / "x.csv"
    bad.write_text("nothing,here\n1,2\n")
    assert main(["report", str(bad), "--out", str(tmp_path / "r.html"), "--quiet"]) == EXIT_INPUT
    assert not (tmp_path / "r.html").exists()
