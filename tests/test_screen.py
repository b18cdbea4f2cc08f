"""The exploratory factor screen: hand-built log, the sample, and a real Bearable export."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import backcare_analysis as bca
from backcare_analysis.readers._common import provenance_row
from backcare_analysis.schema import Log, conform, empty_table
from backcare_analysis.stats.screen import LABEL, factor_screen


def tagged_log(*, onset_days: list[int], coffee_days: list[int], days: int = 120) -> Log:
    dates = pd.date_range("2026-01-05", periods=days, freq="D", unit="us")
    daily = pd.DataFrame({"date": dates, "symptoms_logged": True})
    episodes = pd.DataFrame(
        {
            "episode_id": [f"e{d}" for d in onset_days],
            "start_local": [dates[d] + pd.Timedelta(hours=9) for d in onset_days],
            "duration_h": 6.0,
            "peak_severity_0_10": 6.0,
            "source": "test",
        }
    )
    tags = pd.concat(
        [
            pd.DataFrame({"date": dates, "tag": "Work", "kind": ""}),  # every day
            pd.DataFrame({"date": dates[coffee_days], "tag": "Coffee", "kind": ""}),
            pd.DataFrame({"date": dates[:40], "tag": "Walk", "kind": "walking"}),
            pd.DataFrame({"date": dates[:3], "tag": "Rare", "kind": ""}),
        ]
    ).assign(source="test")
    return Log(
        episodes=conform(episodes, "episodes"),
        daily=conform(daily, "daily"),
        rejected=empty_table("rejected"),
        provenance=provenance_row(Path("<t>"), "test", rows_read=1, rows_used=1, rows_rejected=0),
        tags=conform(tags, "tags"),
    )


def test_hand_built_log_by_hand() -> None:
    coffee = list(range(0, 120, 3))  # every third day
    onsets = [d + 1 for d in coffee[:10]] + [50, 80]  # ten onsets the day after coffee
    log = tagged_log(onset_days=onsets, coffee_days=coffee)
    out = factor_screen(log).set_index("tag")
    # Walk has a meaning (an exposure of a claim), Rare is logged on 3 days only
    assert set(out.index) == {"Work", "Coffee"}
    assert (out["label"] == LABEL).all()
    row = out.loc["Coffee"]
    assert row["days_tagged"] == 40
    assert row["n_onsets_after"] == 10
    assert row["n_onsets"] == 12
    # by hand, unadjusted: 10 onsets after the 40 coffee days at risk, 2 after the rest
    assert row["rate_ratio"] > 3
    assert row["q_val"] >= row["p_val"]
    # Work is logged every day: no contrast, said per tag
    assert "too few days on one side" in out.loc["Work", "note"]
    assert math.isnan(out.loc["Work", "rate_ratio"])
    assert not {"supported", "contradicted"} & set(" ".join(out["note"]).split())


def test_too_few_onsets_is_said_per_tag() -> None:
    log = tagged_log(onset_days=[10, 40], coffee_days=list(range(0, 120, 3)))
    out = factor_screen(log)
    assert out["rate_ratio"].isna().all()
    assert out["note"].str.contains("only 2 onsets").all()


def test_no_tag_qualifies() -> None:
    log = tagged_log(onset_days=[10], coffee_days=[1, 2])
    assert factor_screen(log, min_days=200).empty


def test_bearable_sample_runs() -> None:
    out = factor_screen(bca.read_log("data/sample/bearable"))
    assert len(out) >= 1
    assert np.isfinite(out["p_val"]).any()


@pytest.mark.shared
def test_real_bearable_export(real_exports: Path) -> None:
    path = real_exports / "bearable" / "Bearable_Export_20210728.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    out = factor_screen(bca.read_log(path))
    assert len(out) > 0
    assert (out["label"] == LABEL).all()
    # two episodes in the export, none on a day at risk after a diary day
    assert out["rate_ratio"].isna().all()
    assert out["note"].str.contains("onsets on days at risk").all()
