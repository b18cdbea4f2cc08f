"""The report a person takes to their physiotherapist: offline, warning signs and the
scorecard on page one, plain words, and it never crashes on real data."""

from __future__ import annotations

import html as html_lib
import io
import re
from pathlib import Path

import pandas as pd
import pytest

from backcare_analysis import check_advice, read_log
from backcare_analysis.cli import EXIT_INPUT, main
from backcare_analysis.outputs import words
from backcare_analysis.outputs.report import build_report, render_report
from backcare_analysis.schema import Log, conform

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real-exports"
SAMPLE = ROOT / "data" / "sample"

#: Each real export as a user would pass it (file or folder), and the pairings a user
#: would make (a symptom diary with a watch).
REAL_INPUTS: list[tuple[str, ...]] = [
    *[(f"bearable/{n}",) for n in (
        "Bearable_Export_20210728.csv", "bearable-export-21-08-2021.csv",
        "bearable-export-26-08-2021.csv", "bearable-export-27-10-2021.csv",
    )],
    ("bearable",),  # the folder: two people's exports and the misnamed spreadsheet in it
    (
        "bearable/bearable-export-21-08-2021.csv",
        "bearable/bearable-export-26-08-2021.csv",
        "bearable/bearable-export-27-10-2021.csv",
    ),
    *[(f"daylio/{n}",) for n in (
        "kije-2023-en-8col.csv", "kayraucklnc-2020-en-7col-ampm.csv",
        "zhafen-2018-en-yearformat.csv",
    )],
    *[(f"apple-health/{n}",) for n in (
        "hkimport-2017-v3-en_US-export.xml", "synthetic-ms051uh-sk_SK-export.xml",
        "tdda-2016-en_GB-export6s3sample.xml", "fixture-healthkit-to-sqlite-export.xml",
    )],
    ("fitbit/aduyng-takeout-2024",),
    ("fitbit/danlsn-user-site-export-2017",),
    *[(f"google-fit/{n}",) for n in (
        "kaustubhgupta-2018-daily-activity-metrics.csv",
        "manilmunjal-2022-daily-activity-metrics.csv",
        "anthonyprinc-2023-daily-activity-metrics.csv",
        "anthonyprinc-2023-daily-activity-metrics-2023-11-01.csv",
    )],
    ("google-fit/athrvakulkarni11-2025",),
    # The pairings a user would make: a diary with a watch or phone.
    ("bearable/Bearable_Export_20210728.csv", "apple-health/hkimport-2017-v3-en_US-export.xml"),
    ("daylio/kije-2023-en-8col.csv", "google-fit/kaustubhgupta-2018-daily-activity-metrics.csv"),
    ("bearable/bearable-export-27-10-2021.csv", "fitbit/aduyng-takeout-2024"),
]  # fmt: skip
#: Real files that are not a log, refused by design with the package's own message.
REAL_REFUSED = {
    "bearable/bearable-export-02-04-2021.csv": "despite its name, it is not a Bearable",
    "daylio/davidcdcb-2021-es-noheader.csv": "header",
}

_TAGS = re.compile(r"<style>.*?</style>|<[^>]+>", re.S)


def visible_text(document: str) -> str:
    """What a reader sees: tags, the style sheet and embedded images removed."""
    return html_lib.unescape(_TAGS.sub(" ", document))


def assert_reads_as_words(document: str) -> None:
    text = visible_text(document)
    assert not re.search(r"\bnan\b", text, re.I), "a missing value is shown as nan"
    assert "<NA>" not in text
    assert "NaT" not in text
    # No pandas index column and no raw frame.
    assert "<th></th>" not in document
    assert "Unnamed" not in text
    assert "dtype:" not in text
    # Claim ids and column names appear only inside the self-experiment command.
    prose = re.sub(r"backcare plan \w+", "", text)
    # (File names as the export wrote them, "sedentary_minutes-2024-10-08.json", are kept.)
    ids = re.findall(r"(?<![\w.-])[a-z]+_[a-z0-9_]+(?![\w.-])", prose)
    assert ids == [], f"code names in the prose: {sorted(set(ids))[:10]}"
    # No long floats like 0.884615 or 3.2e-07.
    assert not re.search(r"\d\.\d{4,}|\de-\d", text)


def assert_page_one_holds_warnings_and_scorecard(document: str) -> None:
    page_one = document[: document.index("class='details'")]
    assert "Warning signs" in page_one
    assert "Signs that need urgent care" in page_one
    assert "The advice, checked against this log" in page_one
    assert page_one.index("Warning signs") < page_one.index("The advice, checked")


@pytest.mark.slow
def test_report_on_the_sample_is_offline_with_warning_signs_first(tmp_path: Path) -> None:
    out_file = tmp_path / "report.html"
    code = main(
        ["report", str(SAMPLE / "spreadsheet"), "--out", str(out_file), "--quiet"],
        out=io.StringIO(),
    )
    assert code == 0
    document = out_file.read_text(encoding="utf-8")
    # Opens offline: nothing is loaded from anywhere; figures are embedded.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", document)
    assert "<script" not in document
    assert "@import" not in document
    assert "url(http" not in document
    assert document.count('src="data:image/png;base64,') >= 2
    assert "@media print" in document
    assert_page_one_holds_warnings_and_scorecard(document)
    assert document.index("pain down a leg") < document.index("The advice, checked")
    assert "Simulated data" in document
    assert_reads_as_words(document)
    # Claims in words, sources by title.
    assert "Gentle movement rather than bed rest" in document
    assert "What is the Treatment for a Lower Back Muscle Spasm?" in document
    assert "Made on" in document


def test_report_refuses_unreadable_input_before_running_anything(tmp_path: Path) -> None:
    bad = tmp_path / "x.csv"
    bad.write_text("nothing,here\n1,2\n")
    assert main(["report", str(bad), "--out", str(tmp_path / "r.html"), "--quiet"]) == EXIT_INPUT
    assert not (tmp_path / "r.html").exists()


def _activity_only_log() -> Log:
    days = pd.date_range("2025-01-01", periods=60, freq="D")
    daily = pd.DataFrame(
        {
            "date": days,
            "symptoms_logged": False,
            "activity_logged": True,
            "steps_count": [6000.0 + 50 * i for i in range(60)],
        }
    )
    base = read_log(SAMPLE / "spreadsheet")
    return Log(
        episodes=base.episodes.iloc[0:0],
        daily=conform(daily, "daily"),
        rejected=base.rejected,
        provenance=base.provenance.iloc[0:0],
    )


def _tag_only_log() -> Log:
    days = pd.date_range("2025-01-01", periods=30, freq="D")
    tags = pd.DataFrame(
        {
            "date": days,
            "time_local": days,
            "category": "factors",
            "tag": ["Walk" if i % 2 else "Sedentary" for i in range(30)],
            "kind": "",
            "source": "bearable",
            "source_file": "x.csv",
            "source_line": range(2, 32),
        }
    )
    base = read_log(SAMPLE / "spreadsheet")
    return Log(
        episodes=base.episodes.iloc[0:0],
        daily=conform(pd.DataFrame({"date": days, "symptoms_logged": True}), "daily"),
        rejected=base.rejected,
        provenance=base.provenance.iloc[0:0],
        tags=conform(tags, "tags"),
    )


@pytest.mark.parametrize("make", [_activity_only_log, _tag_only_log], ids=["activity", "tags"])
def test_report_on_a_log_without_episodes_says_why_instead_of_crashing(make: object) -> None:
    log = make()  # type: ignore[operator]
    document = render_report(log)
    assert_page_one_holds_warnings_and_scorecard(document)
    assert_reads_as_words(document)
    assert "No warning signs found in this log" not in document  # the checks could not run
    assert "could not be checked" in document or "could run: they need episodes" in document


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.parametrize("names", REAL_INPUTS, ids=lambda n: "+".join(Path(x).stem for x in n))
def test_report_on_every_real_export(names: tuple[str, ...], tmp_path: Path) -> None:
    if not REAL.exists():
        pytest.skip("../shared/real-exports is not beside the project")
    out = build_report([REAL / n for n in names], tmp_path / "r.html", progress=False)
    document = out.read_text(encoding="utf-8")
    assert_page_one_holds_warnings_and_scorecard(document)
    assert_reads_as_words(document)
    assert "Simulated data" not in document


@pytest.mark.shared
@pytest.mark.parametrize("name", list(REAL_REFUSED), ids=lambda n: Path(n).stem)
def test_report_refuses_a_real_file_that_is_no_log_with_its_own_message(
    name: str, tmp_path: Path
) -> None:
    from backcare_analysis import LogFormatError

    if not REAL.exists():
        pytest.skip("../shared/real-exports is not beside the project")
    with pytest.raises(LogFormatError, match=REAL_REFUSED[name]):
        build_report(REAL / name, tmp_path / "r.html", progress=False)
    assert not (tmp_path / "r.html").exists()


def test_every_claim_has_a_title_in_words() -> None:
    card = check_advice(read_log(SAMPLE / "spreadsheet"))
    for claim in card["claim"]:
        title = words.claim_title(str(claim))
        assert "_" not in title
        assert title != claim


def test_interval_and_durations_in_words() -> None:
    assert words.interval_words(1.289, 1.748) == "between 1.3 and 1.7 times as likely"
    assert words.span_words(1084 * 7) == "about 21 years"
    assert words.span_words(100) == "about 3 months"
    row = {"claim": "lifting", "group": "prevention", "verdict": "inconclusive"}
    row["what_it_would_take"] = "About 1084 more weeks of logging to detect a rate ratio of 1.5"
    assert "beyond reach" in words.what_to_try(row)
    assert "backcare plan lifting" in words.what_to_try(row)
