"""Format detection by content: every format's sample is recognised as itself and as
nothing else, and files that are no export are recognised as nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from backcare_analysis import simulate_person
from backcare_analysis.readers import FORMATS
from backcare_analysis.readers._common import read_head
from backcare_analysis.readers.daylio import COLUMNS as DAYLIO_OLD
from backcare_analysis.readers.daylio import COLUMNS_NEW as DAYLIO_NEW
from backcare_analysis.readers.flaredown import COLUMNS as FLAREDOWN
from backcare_analysis.synthetic.writers.apple_health import write_apple_health
from backcare_analysis.synthetic.writers.bearable import write_bearable
from backcare_analysis.synthetic.writers.fitbit import write_fitbit
from backcare_analysis.synthetic.writers.google_fit import write_google_fit

DAYLIO_ROW = "2021-03-01,1 March,Monday,18:52,good,back pain | yoga,,,\n"
FLAREDOWN_ROW = "u1,40,female,DE,2021-03-01,1,Symptom,lower back pain,2\n"


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """Label (the format expected, or "none") -> sample files."""
    tmp = tmp_path_factory.mktemp("formats")
    person = simulate_person()
    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    daylio_old = tmp / "daylio-old.csv"
    daylio_old.write_text(",".join(DAYLIO_OLD) + "\n" + DAYLIO_ROW.replace(",,,", ",,"))
    daylio_new = tmp / "daylio.csv"
    daylio_new.write_bytes(("\ufeff" + ",".join(DAYLIO_NEW) + "\n" + DAYLIO_ROW).encode())
    flaredown = tmp / "flaredown.csv"
    flaredown.write_text(",".join(FLAREDOWN) + "\n" + FLAREDOWN_ROW)
    png = tmp / "scan.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    weekly = tmp / "bearable-export-02-04-2021.csv"
    weekly.write_text("date;headache;dizziness;jaarweek;totaal\n23/Jul/20;8;4;20/W30;17\n")
    unrelated = tmp / "orders.json"
    unrelated.write_text('[{"order": 1, "amount": "20"}]')
    return {
        "spreadsheet": [
            sample / "spreadsheet" / "episodes.csv",
            sample / "spreadsheet" / "daily.csv",
        ],
        "bearable": [
            write_bearable(person, tmp / "bearable.csv"),
            write_bearable(person, tmp / "bearable-new.csv", date_formatted=True),
        ],
        "daylio": [daylio_old, daylio_new],
        "flaredown": [flaredown],
        "apple_health": [
            write_apple_health(person, tmp / "export.zip"),
            write_apple_health(person, tmp / "export.xml", zipped=False),
        ],
        "fitbit": write_fitbit(person, tmp / "fitbit")[:3],
        "google_fit": [write_google_fit(person, tmp / "Daily activity metrics.csv")],
        "none": [png, weekly, unrelated],
    }


def test_every_format_has_a_sample(samples: dict[str, list[Path]]) -> None:
    assert set(samples) - {"none"} == {f.name for f in FORMATS}


@pytest.mark.parametrize("fmt", [f.name for f in FORMATS])
def test_each_sniffer_accepts_exactly_its_own_samples(
    samples: dict[str, list[Path]], fmt: str
) -> None:
    sniffer = next(f for f in FORMATS if f.name == fmt)
    for label, paths in samples.items():
        for path in paths:
            assert sniffer.sniff(read_head(path)) == (label == fmt), (fmt, path.name)
