"""The advice scorecard: every claim present, verdicts pinned on the sample, warning signs first."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from backcare_analysis import read_log
from backcare_analysis.advice import CLAIMS, SCORECARD_COLUMNS, check_advice, scorecard_verdicts
from backcare_analysis.cli import main
from backcare_analysis.stats.treatments import CAVEAT
from backcare_analysis.stats.verdicts import VERDICTS

CLAIM_IDS = [
    "sitting", "breaks", "exercise", "stretching", "hydration", "lifting", "posture",
    "ice_then_heat", "heat", "nsaids", "rest_vs_movement", "stretch_during", "recurrence",
]  # fmt: skip

#: What data/sample/README.md says a correct analysis finds on the sample person.
SAMPLE_VERDICTS = {
    "sitting": "supported",
    "breaks": "supported",
    "exercise": "inconclusive",
    "stretching": "supported",
    # No true water effect in the sample person: a false discovery, documented as such.
    "hydration": "contradicted",
    "lifting": "supported",
    "posture": "not enough data",
    "ice_then_heat": "inconclusive",
    "heat": "inconclusive",
    "nsaids": "inconclusive",
    "rest_vs_movement": "inconclusive",
    "stretch_during": "inconclusive",
    "recurrence": "supported",
}


@pytest.fixture(scope="module")
def sample_card() -> pd.DataFrame:
    return check_advice(read_log(Path(__file__).parents[1] / "data" / "sample" / "spreadsheet"))


def test_every_claim_is_present_with_a_verdict_from_the_vocabulary(
    sample_card: pd.DataFrame,
) -> None:
    assert sample_card["claim"].tolist() == CLAIM_IDS == [c.id for c in CLAIMS]
    assert list(sample_card.columns) == list(SCORECARD_COLUMNS)
    assert sample_card["verdict"].isin(VERDICTS).all()
    assert (sample_card["source_files"].str.len() > 0).all()
    assert (sample_card["published"].str.len() > 0).all()


def test_sample_verdicts_match_the_sample_readme(sample_card: pd.DataFrame) -> None:
    assert scorecard_verdicts(sample_card) == SAMPLE_VERDICTS
    readme = (Path(__file__).parents[1] / "data" / "sample" / "README.md").read_text()
    for claim, verdict in SAMPLE_VERDICTS.items():
        assert f"| {claim} | {verdict} |" in readme


#: The same person read from the Bearable and Apple Health exports (data/sample/README.md).
APP_SAMPLE_VERDICTS = {
    "sitting": "not enough data",
    "breaks": "supported",
    "exercise": "inconclusive",
    "stretching": "inconclusive",
    "hydration": "inconclusive",
    "lifting": "supported",
    "posture": "not enough data",
    "ice_then_heat": "not enough data",
    "heat": "not enough data",
    "nsaids": "not enough data",
    "rest_vs_movement": "not enough data",
    "stretch_during": "not enough data",
    "recurrence": "supported",
}


def test_app_exports_sample_verdicts_match_the_sample_readme() -> None:
    sample = Path(__file__).parents[1] / "data" / "sample"
    card = check_advice(read_log([sample / "bearable", sample / "apple-health"]))
    assert scorecard_verdicts(card) == APP_SAMPLE_VERDICTS
    sitting = card.set_index("claim").loc["sitting"]
    assert "hours of sitting" in sitting["sentence"]


def test_sitting_interval_covers_the_planted_effect(sample_card: pd.DataFrame) -> None:
    sitting = sample_card.set_index("claim").loc["sitting"]
    assert sitting["ci_low"] < 1.4 < sitting["ci_high"]
    assert sitting["sentence"].startswith("On days after you sat one hour more")
    assert sitting["sentence"].endswith("this supports the advice.")


def test_claims_without_data_say_what_is_missing(sample_card: pd.DataFrame) -> None:
    posture = sample_card.set_index("claim").loc["posture"]
    assert posture["verdict"] == "not enough data"
    assert "posture_0_10" in posture["sentence"]
    assert "posture_0_10" in posture["what_it_would_take"]


def test_treatment_claims_carry_the_caveat_and_adjust_for_severity(
    sample_card: pd.DataFrame,
) -> None:
    treatments = sample_card.loc[sample_card["group"] == "treatment"]
    assert (treatments["caveat"] == CAVEAT).all()
    assert treatments["tested"].str.contains("adjusted for initial severity").all()


def test_false_discovery_control_spans_prevention_and_treatment(sample_card: pd.DataFrame) -> None:
    tested = sample_card.loc[sample_card["p_val"].notna()]
    assert len(tested) == 11  # 6 prevention claims with data + 5 treatment claims
    assert (tested["q_val"] >= tested["p_val"]).all()


def test_a_log_without_treatments_or_triggers_gets_not_enough_data(tmp_path: Path) -> None:
    episodes = tmp_path / "episodes.csv"
    episodes.write_text(
        "start,peak_severity_0_10\n"
        + "".join(f"2025-0{m}-0{d} 09:00,6\n" for m in range(1, 10) for d in (2, 6))
    )
    daily = tmp_path / "daily.csv"
    dates = pd.date_range("2025-01-01", "2025-09-30", freq="D")
    daily.write_text("date,pain_0_10\n" + "".join(f"{d:%Y-%m-%d},1\n" for d in dates))
    card = check_advice(read_log([episodes, daily])).set_index("claim")
    prevention = card.loc[card["group"] == "prevention"]
    assert (prevention["verdict"] == "not enough data").all()
    assert card.loc["heat", "verdict"] == "not enough data"
    assert "needs at least 3 episodes in each group" in card.loc["heat", "sentence"]
    assert card.loc["recurrence", "verdict"] == "supported"


def test_console_shows_warning_signs_before_the_scorecard(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(Path(__file__).parents[1])
    out = io.StringIO()
    csv = tmp_path / "card.csv"
    assert main(["--csv", str(csv)], out=out) == 0
    text = out.getvalue()
    assert text.index("WARNING SIGNS") < text.index("The advice, checked")
    assert pd.read_csv(csv)["claim"].tolist() == CLAIM_IDS
