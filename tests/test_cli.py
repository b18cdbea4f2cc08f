"""The backcare console command: output, exit codes and help."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from backcare_analysis.cli import EXIT_INPUT, EXIT_OK, main

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(args), out=out), out.getvalue()


def test_main_job_on_the_sample_shows_warning_signs_before_the_summary(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    code, out = run()
    assert code == EXIT_OK
    assert out.index("WARNING SIGNS") < out.index("Episodes: 42")
    assert "new spasms per month at risk" in out
    assert "95% CI" in out


def test_unreadable_input_exits_3_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = tmp_path / "x.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    code, _ = run("check", str(png))
    assert code == EXIT_INPUT
    assert "a PNG image, not an export" in capsys.readouterr().err


def test_validate_lists_rejected_rows(tmp_path: Path) -> None:
    daily = tmp_path / "daily.csv"
    daily.write_text("date,sitting_h\n2025-01-01,7\n2025-01-02,30\n")
    rejected_csv = tmp_path / "rejected.csv"
    code, out = run("validate", str(daily), "--rejected-csv", str(rejected_csv))
    assert code == EXIT_OK
    assert f"{daily}:3: sitting_h='30' is outside the plausible range" in out
    assert "sitting_h='30'" in rejected_csv.read_text()


def test_sample_command_writes_files(tmp_path: Path) -> None:
    code, out = run("sample", "--out", str(tmp_path))
    assert code == EXIT_OK
    assert (tmp_path / "spreadsheet" / "episodes.csv").exists()
    assert "wrote" in out


def test_help_explains_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run("--help")
    assert code == EXIT_OK
    assert "Exit codes" in capsys.readouterr().out


def test_bad_option_exits_2() -> None:
    code, _ = run("check", "--no-such-option")
    assert code == 2
