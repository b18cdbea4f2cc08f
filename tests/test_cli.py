"""The backcare console command: output, exit codes and help."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from backcare_analysis.cli import EXIT_INPUT, EXIT_NO_DATA, EXIT_OK, EXIT_USAGE, main

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
    assert "New spasms per month at risk: 4.8 (between 3.4 and 6.4)" in out
    assert "simulated person" in out
    # The emergency signs are shown whatever the log holds, before the analysis.
    assert out.index("urgent care") < out.index("Episodes: 42")


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
    code, out = run("validate", str(daily))
    assert code == EXIT_OK
    assert "1 rows rejected" in out
    assert f"{daily}:3:" not in out  # the full list only on request
    code, out = run("validate", str(daily), "--rejected", "--rejected-csv", str(rejected_csv))
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


def test_output_into_a_missing_folder_is_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    missing = tmp_path / "no" / "such" / "card.csv"
    code, out = run("check", "--csv", str(missing))
    assert code == EXIT_USAGE
    assert "does not exist" in capsys.readouterr().err
    assert out == ""  # nothing was read or printed
    code, _ = run("report", "data/sample/spreadsheet", "--out", str(tmp_path / "x" / "r.html"))
    assert code == EXIT_USAGE


def test_tag_option_must_be_name_equals_meaning(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    code, _ = run("check", "--tag", "Dota")
    assert code == EXIT_USAGE
    assert "NAME=MEANING" in capsys.readouterr().err
    code, _ = run("check", "--tag", "Dota=sideways")
    assert code == EXIT_INPUT
    assert "not a known meaning" in capsys.readouterr().err


def test_csv_and_json_lead_with_the_warning_signs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    import pandas as pd

    monkeypatch.chdir(ROOT)
    card, doc = tmp_path / "card.csv", tmp_path / "out.json"
    code, _ = run("check", "--csv", str(card), "--json", str(doc))
    assert code == EXIT_OK
    warnings = pd.read_csv(tmp_path / "card-warning-signs.csv")
    assert "leg_pain" in set(warnings["item"])
    assert (warnings["kind"] == "urgent care sign").sum() == 6
    table = pd.read_csv(card)
    assert "Sitting less" in set(table["advice"])
    assert "Unnamed: 0" not in table.columns
    data = json.loads(doc.read_text())
    assert next(iter(data)) == "warning_signs"
    assert data["scorecard"][0]["claim"] == "sitting"


def test_a_log_where_every_claim_lacks_data_has_its_own_exit_code(tmp_path: Path) -> None:
    daily = tmp_path / "daily.csv"
    daily.write_text("date,notes\n2025-01-01,hello\n2025-01-02,again\n")
    code, out = run("check", str(daily))
    assert code == EXIT_NO_DATA
    assert "nan" not in out.lower().replace("financ", "")


REAL = ROOT.parent / "shared" / "real-exports"
CONSOLE_LOGS = [
    "bearable/Bearable_Export_20210728.csv",
    "daylio/kije-2023-en-8col.csv",
    "apple-health/hkimport-2017-v3-en_US-export.xml",
    "fitbit/aduyng-takeout-2024",
    "google-fit/kaustubhgupta-2018-daily-activity-metrics.csv",
    "apple-health",  # four people's exports: the several-people warning reaches the console
]


@pytest.mark.shared
@pytest.mark.parametrize("name", ["sample", *CONSOLE_LOGS])
def test_console_output_reads_as_words(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    if name != "sample" and not REAL.exists():
        pytest.skip("../shared/real-exports is not beside the project")
    monkeypatch.chdir(ROOT)
    code, out = run() if name == "sample" else run("check", str(REAL / name))
    assert code in (EXIT_OK, EXIT_NO_DATA)
    assert not re.search(r"\bnan\b", out, re.I)
    assert "<NA>" not in out
    assert out.index("urgent care") < out.index("The advice, checked")
    # Claim ids and column names only inside the self-experiment command and file names.
    prose = re.sub(r"backcare plan \w+", "", out)
    ids = re.findall(r"(?<![\w./-])[a-z]+_[a-z0-9_]+(?![\w.-])", prose)
    assert ids == [], sorted(set(ids))[:10]
    assert not re.search(r"\b[a-z]+[ _]log\(", prose), "a Python call in the console's prose"
